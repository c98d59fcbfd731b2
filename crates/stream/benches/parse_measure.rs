//! The Rust side of `cargo xtask bench parse` (built in the bench profile, run as a child process).
//!
//! ```text
//! parse_measure throughput FILE [--runs N] [--warmup W] [--lazy]
//!                                            frame + parse FILE (loaded into memory first)
//!                                            W untimed, then N timed times; with --lazy,
//!                                            frame + RawMessage (check + classify, no typed parse)
//! parse_measure memory FILE                  frame + parse FILE read in 64 KiB pieces; peak RSS
//! parse_measure make-line OUT BYTES          write one synthetic assistant line of ~BYTES bytes
//! ```
//! Each mode prints one JSON object on stdout. Without a mode (as `cargo bench` runs it) it does
//! one pass over the committed fixture as a smoke test.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod common;

use std::io::Read;
use std::process::ExitCode;
use std::time::Instant;

use claude_sdk_core::message::Message;
use claude_sdk_stream::{DEFAULT_MAX_LINE_BYTES, LineFramer};
use serde_json::json;

use common::{CHUNK, Counts, FIXTURE, big_assistant_line, frame_and_classify, frame_and_parse};

type Result<T> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("parse_measure: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<()> {
    match args.first().map(String::as_str) {
        Some("throughput") => {
            let file = args.get(1).ok_or("throughput needs a FILE")?;
            let (mut runs, mut warmup, mut lazy) = (5, 0, false);
            let mut rest = args[2..].iter();
            while let Some(flag) = rest.next() {
                if flag == "--lazy" {
                    lazy = true;
                    continue;
                }
                let value = rest
                    .next()
                    .and_then(|n| n.parse::<usize>().ok())
                    .ok_or_else(|| format!("{flag} expects an integer"))?;
                match flag.as_str() {
                    "--runs" => runs = value.max(1),
                    "--warmup" => warmup = value,
                    other => return Err(format!("unexpected argument `{other}`")),
                }
            }
            throughput(file, warmup, runs, lazy)
        }
        Some("memory") => memory(args.get(1).ok_or("memory needs a FILE")?),
        Some("make-line") => {
            let out = args.get(1).ok_or("make-line needs OUT and BYTES")?;
            let bytes = args
                .get(2)
                .and_then(|n| n.parse::<usize>().ok())
                .ok_or("make-line needs BYTES (an integer)")?;
            let mut line = big_assistant_line(FIXTURE, bytes)?;
            line.push(b'\n');
            std::fs::write(out, &line).map_err(|e| format!("cannot write {out}: {e}"))?;
            println!("{}", json!({ "bytes": line.len() }));
            Ok(())
        }
        // `cargo bench` passes `--bench`; anything else starting with `-` is a harness flag too.
        None => smoke(),
        Some(flag) if flag.starts_with('-') => smoke(),
        Some(other) => Err(format!(
            "unknown mode `{other}` (throughput FILE [--runs N] [--warmup W] [--lazy] | memory FILE | make-line OUT BYTES)"
        )),
    }
}

/// One pass over the fixture, so that `cargo bench` exercises this binary too.
fn smoke() -> Result<()> {
    let start = Instant::now();
    let counts = frame_and_parse(FIXTURE, CHUNK)?;
    let secs = start.elapsed().as_secs_f64();
    println!(
        "parse_measure: fixture {} bytes, {} lines ({} typed) in {:.2} ms ({:.0} MB/s; one pass, \
         use `cargo xtask bench parse` for real figures)",
        FIXTURE.len(),
        counts.lines,
        counts.typed,
        secs * 1e3,
        FIXTURE.len() as f64 / secs / 1e6
    );
    Ok(())
}

/// Frames and parses the whole file `warmup` times untimed, then `runs` times; the time of each
/// timed run in seconds.
fn throughput(file: &str, warmup: usize, runs: usize, lazy: bool) -> Result<()> {
    let data = std::fs::read(file).map_err(|e| format!("cannot read {file}: {e}"))?;
    let frame_and_parse = if lazy {
        frame_and_classify
    } else {
        frame_and_parse
    };
    for _ in 0..warmup {
        frame_and_parse(&data, CHUNK)?;
    }
    let mut secs = Vec::with_capacity(runs);
    let mut counts = Counts::default();
    for _ in 0..runs {
        let start = Instant::now();
        counts = frame_and_parse(&data, CHUNK)?;
        secs.push(start.elapsed().as_secs_f64());
    }
    println!(
        "{}",
        json!({
            "bytes": data.len(),
            "lines": counts.lines,
            "typed": counts.typed,
            "unknown": counts.unknown,
            "secs": secs,
        })
    );
    Ok(())
}

/// Reads the file in 64 KiB pieces (as from a pipe), frames and parses every line, then reports
/// the process's peak resident set (`VmHWM`), with the resident set before reading for reference.
fn memory(file: &str) -> Result<()> {
    let rss_before = proc_status_kib("VmRSS")?;
    let start = Instant::now();
    let mut input = std::fs::File::open(file).map_err(|e| format!("cannot open {file}: {e}"))?;
    let mut framer = LineFramer::new(DEFAULT_MAX_LINE_BYTES);
    let mut buf = vec![0u8; CHUNK];
    let mut bytes = 0usize;
    let mut longest = 0usize;
    let mut kinds = Vec::new();
    let mut text_bytes = 0usize;
    let mut handle = |line: &[u8]| -> Result<()> {
        longest = longest.max(line.len());
        let msg = Message::from_slice(line).map_err(|e| format!("unparsable line: {e}"))?;
        if let Message::Assistant(a) = &msg {
            text_bytes += a
                .message
                .content
                .iter()
                .filter_map(|b| b.as_text())
                .map(str::len)
                .sum::<usize>();
        }
        kinds.push(msg.type_name().to_owned());
        Ok(())
    };
    loop {
        let n = input
            .read(&mut buf)
            .map_err(|e| format!("cannot read {file}: {e}"))?;
        if n == 0 {
            break;
        }
        bytes += n;
        framer.feed(&buf[..n]);
        while let Some(line) = framer.next_line().map_err(|e| e.to_string())? {
            handle(&line)?;
        }
    }
    if let Some(line) = framer.finish().map_err(|e| e.to_string())? {
        handle(&line)?;
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{}",
        json!({
            "bytes": bytes,
            "longest_line": longest,
            "messages": kinds,
            "text_bytes": text_bytes,
            "secs": secs,
            "vm_rss_before_kib": rss_before,
            "vm_hwm_kib": proc_status_kib("VmHWM")?,
        })
    );
    Ok(())
}

/// A `kB` field of `/proc/self/status`.
fn proc_status_kib(field: &str) -> Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")
        .map_err(|e| format!("cannot read /proc/self/status: {e}"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| format!("no {field} in /proc/self/status"))
}
