//! End-to-end backpressure: the REAL `claude` CLI, fed by the mock Messages API, streams
//! 100 MiB of text while the consumer does 10 ms of (simulated) work per event.
//!
//! Setup: ten one-shot turns of `Reply::huge_text(10 MiB)` with partial messages on, run one
//! after the other with `compose::concat` over lazily started (`compose::deferred`) backend
//! calls. Each turn flows through our reader as 160 `stream_event` lines of ~64 KiB (the text
//! deltas), then the CLI's whole-block `assistant` line and the `result` line (~10 MiB each) —
//! so no line is anywhere near 100 MiB and the default 64 MiB line limit holds.
//!
//! Measured, printed (for the docs) and asserted:
//! - nothing is lost: every delta, assistant block and result text is compared with the mock's
//!   deterministic content, and the delta bytes add up to 100 MiB;
//! - host RSS: `VmHWM` after resetting it through `/proc/self/clear_refs`, and `VmRSS` sampled
//!   at every event. The growth stays under 64 MiB + two of the largest lines (the CLI prints a
//!   block whole and the result repeats it, so both can be queued at once); while the deltas
//!   stream, it stays within a channel's worth;
//! - lines read ahead: bytes our threads read (`rchar`, per thread, minus our own `/proc`
//!   reads) minus the bytes of the events consumed, counted in whole lines. It never exceeds
//!   the event channel (`CliConfig::event_buffer`) + the reader's backlog + the line being
//!   parsed (+1 line of measurement slack): our process does not buffer beyond the channel;
//! - informative: how far the CLI's writes (`wchar`) run ahead of our reads while it is held
//!   back (about a pipe), and the CLI's own peak RSS.
//!
//! A second, small test fans a real CLI stream out with `broadcast` (`Policy::Wait`) to a fast
//! and a slow subscriber and reads the text with `text_only`. The two tests take turns (a
//! lock), so nothing else runs in the process while the first one measures.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use claude_sdk_backend_cli::CliBackend;
use claude_sdk_core::message::{Delta, StreamEvent};
use claude_sdk_core::{ContentBlock, Event, Request};
use claude_sdk_stream::broadcast::{Broadcast, Policy};
use claude_sdk_stream::compose::{concat, deferred};
use claude_sdk_stream::transform::EventStreamExt;
use claude_sdk_testing::mock_api::{HUGE_TEXT_DELTA_BYTES, huge_text_content};
use claude_sdk_testing::{CliTestEnv, Reply, Script};
use futures_util::StreamExt;

const TURNS: usize = 10;
const TURN_BYTES: usize = 10 * 1024 * 1024;
/// Period of the mock's huge-text pattern (`huge_text_content`).
const HUGE_TEXT_PERIOD: usize = 63;
/// The consumer's simulated work per event.
const WORK: Duration = Duration::from_millis(10);
const MIB: f64 = 1024.0 * 1024.0;

/// The tests of this binary run one at a time (the first one measures the whole process).
fn serial() -> &'static tokio::sync::Mutex<()> {
    static SERIAL: std::sync::OnceLock<tokio::sync::Mutex<()>> = std::sync::OnceLock::new();
    SERIAL.get_or_init(|| tokio::sync::Mutex::new(()))
}

/// Bytes this process read from `/proc` itself (they count in `rchar` too).
static PROC_BYTES: AtomicU64 = AtomicU64::new(0);

fn read_proc(path: &str) -> String {
    let s = std::fs::read_to_string(path).unwrap_or_default();
    PROC_BYTES.fetch_add(s.len() as u64, Ordering::SeqCst);
    s
}

/// A `Key:   123 kB` or `key: 123` field.
fn field(text: &str, key: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Bytes read by this process's threads, not counting our own `/proc` reads. Per thread
/// (`/proc/self/task/*/io`): the process-wide `rchar` also grows by the I/O of every child we
/// reap — an exiting CLI would count as bytes we read.
fn bytes_read() -> u64 {
    let mut total = 0;
    if let Ok(tasks) = std::fs::read_dir("/proc/self/task") {
        for task in tasks.flatten() {
            let path = task.path().join("io");
            total += field(&read_proc(&path.to_string_lossy()), "rchar:");
        }
    }
    total.saturating_sub(PROC_BYTES.load(Ordering::SeqCst))
}

fn rss_kib(pid: &str, key: &str) -> u64 {
    field(&read_proc(&format!("/proc/{pid}/status")), key)
}

/// The big texts of an event: a text delta, the assistant's text blocks, the result's text.
fn texts_mut(ev: &mut Event) -> Vec<&mut String> {
    match ev {
        Event::StreamEvent(m) => match &mut m.event {
            StreamEvent::ContentBlockDelta {
                delta: Delta::TextDelta { text },
                ..
            } => vec![text],
            _ => Vec::new(),
        },
        Event::Assistant(a) => a
            .message
            .content
            .iter_mut()
            .filter_map(|b| match b {
                ContentBlock::Text(t) => Some(&mut t.text),
                _ => None,
            })
            .collect(),
        Event::Result(r) => r.result.as_mut().into_iter().collect(),
        _ => Vec::new(),
    }
}

/// Length of an event's JSON line as the CLI printed it. The texts are taken out while the
/// rest is serialized (serializing megabytes is slow in debug builds) and counted as they are:
/// the mock's text has nothing JSON escapes (`check_content` proves it).
fn line_len(ev: &mut Event) -> u64 {
    struct Count(u64);
    impl std::io::Write for Count {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0 += b.len() as u64;
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let taken: Vec<String> = texts_mut(ev).into_iter().map(std::mem::take).collect();
    let mut c = Count(0);
    serde_json::to_writer(&mut c, &*ev).unwrap();
    let text_bytes: usize = taken.iter().map(String::len).sum();
    for (slot, text) in texts_mut(ev).into_iter().zip(taken) {
        *slot = text;
    }
    c.0 + text_bytes as u64 + 1
}

/// The mock's content, tiled so that any window of up to `TILE` bytes at any offset is a slice.
struct Content {
    period: usize,
    tiled: Vec<u8>,
}

const TILE: usize = 1 << 20;

impl Content {
    fn new() -> Self {
        let pattern = huge_text_content(HUGE_TEXT_PERIOD).into_bytes();
        let tiled = pattern
            .iter()
            .copied()
            .cycle()
            .take(TILE + pattern.len())
            .collect();
        Content {
            period: pattern.len(),
            tiled,
        }
    }

    /// Checks `text` against the mock's content from `offset` on (memcmp by 1 MiB windows).
    fn check(&self, offset: usize, text: &str, what: &str) {
        for (i, chunk) in text.as_bytes().chunks(TILE).enumerate() {
            let at = (offset + i * TILE) % self.period;
            assert!(
                chunk == &self.tiled[at..at + chunk.len()],
                "{what}: content differs from the mock's near offset {}",
                offset + i * TILE
            );
        }
    }
}

/// One turn's bookkeeping.
#[derive(Default)]
struct Turn {
    /// `bytes_read()` just before the turn's CLI was spawned.
    read_at_start: u64,
    /// Line length of every consumed event, in order.
    lens: Vec<u64>,
    /// At each consumed event: bytes read from this turn's CLI, bytes of the events consumed.
    marks: Vec<(u64, u64)>,
    consumed: u64,
    delta_bytes: usize,
    deltas: usize,
    cli_pid: Option<String>,
    /// At each consumed text delta: (its index among the deltas, event index, CLI `wchar` - our reads).
    cli_gaps: Vec<(usize, usize, i64)>,
    cli_hwm_kib: u64,
}

impl Turn {
    /// Complete event lines read from the pipe but not yet consumed, after event `i`.
    fn lines_ahead(&self, i: usize) -> usize {
        let (read, consumed) = self.marks[i];
        let mut room = read.saturating_sub(consumed);
        let mut k = 0;
        while let Some(&len) = self.lens.get(i + 1 + k) {
            if len > room {
                break;
            }
            room -= len;
            k += 1;
        }
        k
    }

    /// How much more the CLI had written than we had read, while it was provably still
    /// streaming deltas (before it could have written its transcript) and our channel was full:
    /// (largest growth of the gap over the turn's first sample, number of samples).
    fn cli_gap_while_held_back(&self, event_buffer: usize) -> (i64, usize) {
        // The CLI receives the whole message (and writes its transcript) some deltas before it
        // has printed them all; stay well clear of that.
        let last_safe = self.deltas.saturating_sub(event_buffer + 40);
        let window: Vec<i64> = self
            .cli_gaps
            .iter()
            .filter(|&&(k, i, _)| k < last_safe && self.lines_ahead(i) >= event_buffer)
            .map(|&(_, _, gap)| gap)
            .collect();
        let base = self.cli_gaps.first().map_or(0, |g| g.2);
        let max = window.iter().map(|g| g - base).max().unwrap_or(0);
        (max, window.len())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_consumer_of_100_mib_keeps_memory_bounded_and_loses_nothing() {
    let _serial = serial().lock().await;
    let (turns, turn_bytes) = (TURNS, TURN_BYTES);
    let deltas_per_turn = turn_bytes.div_ceil(HUGE_TEXT_DELTA_BYTES);
    let Some(env) = CliTestEnv::start(Script::always(Reply::huge_text(turn_bytes))).await else {
        return;
    };
    let content = Content::new();
    let config = common::config(&env);
    let event_buffer = config.event_buffer;
    let backend = CliBackend::new(config);
    let request = Request::new("stream a lot")
        .with_options(common::options(&env).include_partial_messages(true));

    // Reset the peak-RSS mark, then take the baseline.
    let hwm_reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let baseline_kib = rss_kib("self", "VmRSS:");
    let mut peak_sampled_kib = baseline_kib;
    let mut first_turn_streaming_kib = baseline_kib;

    // The turns, lazily one after the other: each CLI is spawned when the previous turn ends.
    let starts = Arc::new(Mutex::new(Vec::<u64>::new()));
    let (backend_ref, request_ref, starts_ref) = (&backend, &request, &starts);
    let calls = (0..turns).map(move |_| {
        deferred(async move {
            starts_ref.lock().unwrap().push(bytes_read());
            backend_ref.stream(request_ref.clone()).await
        })
    });
    let mut stream = std::pin::pin!(concat(calls));

    let t0 = std::time::Instant::now();
    let mut done: Vec<Turn> = Vec::new();
    let mut turn = Turn::default();
    let mut events = 0usize;
    let mut largest_line = 0u64;
    let mut seen_pids: Vec<u32> = Vec::new();
    while let Some(item) = stream.next().await {
        let mut ev = item.unwrap_or_else(|e| panic!("turn {}: {e:#}", done.len() + 1));
        events += 1;
        let rss = rss_kib("self", "VmRSS:");
        peak_sampled_kib = peak_sampled_kib.max(rss);
        if turn.lens.is_empty() {
            turn.read_at_start = *starts.lock().unwrap().last().unwrap();
            // The previous CLI may still be exiting: take the new one.
            let fresh: Vec<u32> = env
                .live_processes()
                .into_iter()
                .filter(|p| !seen_pids.contains(p))
                .collect();
            seen_pids.extend(&fresh);
            turn.cli_pid = fresh.iter().min().map(u32::to_string);
        }
        let read = bytes_read().saturating_sub(turn.read_at_start);
        let len = line_len(&mut ev);
        largest_line = largest_line.max(len);
        turn.consumed += len;
        turn.lens.push(len);
        turn.marks.push((read, turn.consumed));
        if let Some(pid) = &turn.cli_pid {
            let written = field(&read_proc(&format!("/proc/{pid}/io")), "wchar:");
            if ev.text_delta().is_some() {
                turn.cli_gaps.push((
                    turn.deltas,
                    turn.lens.len() - 1,
                    written as i64 - read as i64,
                ));
            }
            turn.cli_hwm_kib = turn.cli_hwm_kib.max(rss_kib(pid, "VmHWM:"));
        }
        match &ev {
            Event::Assistant(a) => {
                let mut offset = 0;
                for text in a.message.content.iter().filter_map(ContentBlock::as_text) {
                    content.check(offset, text, "assistant block");
                    offset += text.len();
                }
                assert_eq!(offset, turn_bytes, "assistant block length");
            }
            Event::Result(r) => {
                let text = r.result.as_deref().unwrap_or_default();
                assert_eq!(text.len(), turn_bytes, "result text length");
                content.check(0, text, "result text");
                assert_eq!(turn.delta_bytes, turn_bytes, "delta bytes of the turn");
                done.push(std::mem::take(&mut turn));
            }
            other => {
                if let Some(t) = other.text_delta() {
                    content.check(turn.delta_bytes, t, "text delta");
                    turn.delta_bytes += t.len();
                    turn.deltas += 1;
                    // The first turn while only deltas are in flight: the big lines come after
                    // the last delta, and the reader is at most a channel ahead of us.
                    if done.is_empty() && turn.deltas + event_buffer + 4 < deltas_per_turn {
                        first_turn_streaming_kib = first_turn_streaming_kib.max(rss);
                    }
                }
            }
        }
        drop(ev);
        tokio::time::sleep(WORK).await; // the consumer's work, not a wait for anything
    }
    let elapsed = t0.elapsed();
    let hwm_kib = rss_kib("self", "VmHWM:");
    common::assert_no_processes_left(&env).await;

    // Nothing lost.
    assert_eq!(done.len(), turns, "turns completed");
    let total: usize = done.iter().map(|t| t.delta_bytes).sum();
    assert_eq!(total, turns * turn_bytes);

    // Figures.
    let peak_kib = if hwm_reset {
        hwm_kib.max(peak_sampled_kib)
    } else {
        peak_sampled_kib
    };
    let mib = |kib: u64| kib as f64 / 1024.0;
    let growth_mib = mib(peak_kib.saturating_sub(baseline_kib));
    let lines_ahead = done
        .iter()
        .flat_map(|t| (0..t.lens.len()).map(move |i| t.lines_ahead(i)))
        .max()
        .unwrap_or(0);
    let (cli_gap, gap_samples) = done
        .iter()
        .map(|t| t.cli_gap_while_held_back(event_buffer))
        .fold((0, 0), |(g, n), (g2, n2)| (g.max(g2), n + n2));
    let cli_hwm = done.iter().map(|t| t.cli_hwm_kib).max().unwrap_or(0);
    eprintln!(
        "backpressure: {turns} turns x {} MiB = {:.0} MiB of text deltas ({events} events) through the real CLI in {:.1}s, {WORK:?} of work per event",
        turn_bytes >> 20,
        total as f64 / MIB,
        elapsed.as_secs_f64()
    );
    eprintln!(
        "backpressure: host RSS baseline {:.1} MiB, peak {:.1} MiB (VmHWM after clear_refs: {hwm_reset}; largest sampled VmRSS {:.1} MiB) => growth {growth_mib:.1} MiB; largest line {:.1} MiB; first turn while streaming deltas: +{:.1} MiB",
        mib(baseline_kib),
        mib(peak_kib),
        mib(peak_sampled_kib),
        largest_line as f64 / MIB,
        mib(first_turn_streaming_kib.saturating_sub(baseline_kib)),
    );
    eprintln!(
        "backpressure: at most {lines_ahead} complete lines read from the pipe ahead of the consumer (event_buffer {event_buffer})"
    );
    eprintln!(
        "backpressure: while held back, the CLI wrote at most {} KiB more than we read ({gap_samples} samples; a pipe holds 64 KiB); CLI peak RSS {:.0} MiB",
        cli_gap / 1024,
        mib(cli_hwm)
    );

    // The premise: the consumer was the bottleneck, so there was backpressure to show.
    assert!(
        lines_ahead >= event_buffer,
        "the consumer never fell behind (at most {lines_ahead} lines ahead): no backpressure happened"
    );
    // Our reader stops at the channel: queued events + its one-event backlog + the line it has
    // just parsed; +1 for what the count cannot tell apart (the `initialize` answer and a partly
    // read line are bytes read too).
    assert!(
        lines_ahead <= event_buffer + 3,
        "{lines_ahead} lines read ahead with an event buffer of {event_buffer}"
    );
    // Bounded memory, although 100 MiB of deltas (and 200 MiB of whole-block lines) went by.
    let streaming_mib = mib(first_turn_streaming_kib.saturating_sub(baseline_kib));
    let channel_mib = (event_buffer + 3) as f64 * (HUGE_TEXT_DELTA_BYTES + 2048) as f64 / MIB;
    assert!(
        streaming_mib < channel_mib + 8.0,
        "RSS grew {streaming_mib:.1} MiB while deltas streamed (a channel is {channel_mib:.1} MiB)"
    );
    let bound_mib = 64.0 + 2.0 * largest_line as f64 / MIB;
    assert!(
        growth_mib < bound_mib,
        "RSS grew {growth_mib:.1} MiB (bound {bound_mib:.1} MiB)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broadcast_wait_over_the_cli_loses_nothing_and_text_only_never_repeats() {
    let _serial = serial().lock().await;
    const BYTES: usize = 2 * 1024 * 1024;
    let Some(env) = CliTestEnv::start(Script::always(Reply::huge_text(BYTES))).await else {
        return;
    };
    let content = Content::new();
    let request =
        Request::new("fan out").with_options(common::options(&env).include_partial_messages(true));
    let stream = CliBackend::new(common::config(&env))
        .stream(request)
        .await
        .expect("stream");
    let hub = Broadcast::new(stream);
    let fast = hub.subscribe(4, Policy::Wait);
    let mut slow = hub.subscribe(2, Policy::Wait);
    drop(hub);
    let text_task = tokio::spawn(async move {
        let mut pieces = 0;
        let mut text = String::new();
        let mut text_stream = std::pin::pin!(fast.text_only());
        while let Some(piece) = text_stream.next().await {
            text.push_str(&piece.expect("text"));
            pieces += 1;
        }
        (text, pieces)
    });
    let mut events = Vec::new();
    while let Some(item) = slow.next().await {
        assert!(slow.queued() <= slow.capacity());
        events.push(item.expect("event"));
        tokio::time::sleep(WORK).await; // the slow subscriber's work
    }
    let (text, pieces) = text_task.await.expect("text task");
    // The deltas only, once: not the assistant block nor the result again.
    assert_eq!(text.len(), BYTES, "text_only repeated or lost text");
    content.check(0, &text, "text_only");
    assert_eq!(pieces, BYTES.div_ceil(HUGE_TEXT_DELTA_BYTES));
    // The slow subscriber got the whole turn, in order, ending with the result.
    let deltas: usize = events
        .iter()
        .filter_map(Event::text_delta)
        .map(str::len)
        .sum();
    assert_eq!(deltas, BYTES);
    let Some(Event::Result(r)) = events.last() else {
        panic!("the last event is not the result")
    };
    assert_eq!(r.result.as_deref().map(str::len), Some(BYTES));
    common::assert_no_processes_left(&env).await;
}
