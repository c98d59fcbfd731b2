//! merge, race, concat and deferred over synthetic streams.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::Poll;

use claude_sdk_core::{Error, ErrorCode, Event, EventStream, Result};
use claude_sdk_stream::compose::{concat, deferred, merge, race, race_ok};
use claude_sdk_stream::transform::testing::{Tracked, tracked};
use claude_sdk_stream::transform::{EventStreamExt, testing};
use futures_util::StreamExt;
use futures_util::stream::{iter, pending, repeat};
use tokio::sync::mpsc;

fn channel_stream(rx: mpsc::Receiver<Result<Event>>) -> EventStream {
    let mut rx = rx;
    EventStream::new(futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx)))
}

/// Polls `fut` once; true when it is still pending.
async fn poll_once<F: Future + Unpin>(fut: &mut F) -> bool {
    poll_fn(|cx| Poll::Ready(Pin::new(&mut *fut).poll(cx).is_pending())).await
}

#[tokio::test]
async fn merge_is_round_robin_over_always_ready_streams() {
    let out: Vec<(char, u32)> = merge([('a', repeat(1)), ('b', repeat(2)), ('c', repeat(3))])
        .take(12)
        .collect()
        .await;
    let tags: String = out.iter().map(|(t, _)| *t).collect();
    assert_eq!(tags, "abcabcabcabc");
    assert!(out.iter().all(|(t, v)| (*t as u32 - 'a' as u32 + 1) == *v));
}

#[tokio::test]
async fn merge_keeps_each_source_in_order_and_ends_when_all_end() {
    let (tx1, rx1) = mpsc::channel(2);
    let (tx2, rx2) = mpsc::channel(2);
    let feed = |tx: mpsc::Sender<Result<Event>>, name: &'static str| async move {
        for i in 0..50 {
            tx.send(Ok(testing::text_delta(&format!("{name}{i}"))))
                .await
                .unwrap();
        }
    };
    let p1 = tokio::spawn(feed(tx1, "x"));
    let p2 = tokio::spawn(feed(tx2, "y"));
    let out: Vec<(&str, Result<Event>)> =
        merge([("x", channel_stream(rx1)), ("y", channel_stream(rx2))])
            .collect()
            .await;
    p1.await.unwrap();
    p2.await.unwrap();
    assert_eq!(out.len(), 100);
    for tag in ["x", "y"] {
        let seq: Vec<String> = out
            .iter()
            .filter(|(t, _)| *t == tag)
            .map(|(_, e)| e.as_ref().unwrap().text_delta().unwrap().to_owned())
            .collect();
        let want: Vec<String> = (0..50).map(|i| format!("{tag}{i}")).collect();
        assert_eq!(seq, want);
    }
}

#[tokio::test]
async fn merge_drops_each_stream_as_soon_as_it_ends() {
    let (short, short_dropped) = tracked(iter(vec![1, 2]));
    let (long, long_dropped) = tracked(iter(vec![10, 20, 30, 40]));
    let mut m = merge([("short", short), ("long", long)]);
    let mut seen = Vec::new();
    while let Some((tag, v)) = m.next().await {
        seen.push(v);
        if v == 30 {
            // "short" has ended by now (it was polled after yielding 2).
            assert!(short_dropped.load(Ordering::SeqCst));
            assert!(!long_dropped.load(Ordering::SeqCst));
            assert_eq!(m.tags().collect::<Vec<_>>(), [&"long"]);
        }
        let _ = tag;
    }
    assert_eq!(seen, [1, 10, 2, 20, 30, 40]);
    assert!(m.is_empty());
}

#[tokio::test]
async fn merge_accepts_streams_later() {
    let mut m = merge([(0, iter(vec![1]))]);
    m.push(1, iter(vec![2]));
    let out: Vec<(i32, i32)> = m.collect().await;
    assert_eq!(out, [(0, 1), (1, 2)]);
}

#[tokio::test]
async fn race_returns_the_first_to_finish_and_drops_the_losers() {
    let (tx_slow, rx_slow) = mpsc::channel(8);
    let (slow, slow_dropped) = tracked(channel_stream(rx_slow));
    let (fast_tx, fast_rx) = mpsc::channel(32);
    let (fast, fast_dropped) = tracked(channel_stream(fast_rx));
    tx_slow.send(Ok(testing::system_init())).await.unwrap();
    let mut fut = pin!(race([slow, fast]));
    assert!(poll_once(&mut fut).await, "no one has finished yet");
    for ev in testing::streamed_turn(&["fast"]) {
        fast_tx.send(ev).await.unwrap();
    }
    let (winner, result) = fut.await;
    assert_eq!(winner, 1);
    let (events, outcome) = result.unwrap();
    assert_eq!(outcome.text, "fast");
    assert_eq!(events.len(), testing::streamed_turn(&["fast"]).len());
    assert!(
        slow_dropped.load(Ordering::SeqCst),
        "the loser was not dropped"
    );
    assert!(fast_dropped.load(Ordering::SeqCst));
    // The loser's channel is closed: its producer sees the cancellation.
    assert!(tx_slow.send(Ok(testing::system_init())).await.is_err());
}

#[tokio::test]
async fn race_cannot_be_starved_by_an_always_ready_stream() {
    let chatty = EventStream::new(repeat(()).map(|()| Ok(testing::system_init())));
    let quick = EventStream::new(iter(testing::message_turn("done")));
    let (winner, result) = race([chatty, quick]).await;
    assert_eq!(winner, 1);
    assert_eq!(result.unwrap().1.text, "done");
}

#[tokio::test]
async fn race_an_error_finishes_first_but_race_ok_goes_on() {
    let failing = || {
        EventStream::new(iter(vec![
            Ok(testing::system_init()),
            Err(Error::new(ErrorCode::Overloaded, "busy")),
        ]))
    };
    let (tx, rx) = mpsc::channel(32);
    for ev in testing::message_turn("late but fine") {
        tx.send(ev).await.unwrap();
    }
    let late_ok = || channel_stream(rx);
    let (winner, result) = race([failing(), EventStream::new(pending())]).await;
    assert_eq!(winner, 0);
    assert_eq!(result.unwrap_err().code(), ErrorCode::Overloaded);

    let (winner, result) = race_ok([failing(), late_ok()]).await;
    assert_eq!(winner, 1);
    assert_eq!(result.unwrap().1.text, "late but fine");
}

#[tokio::test]
async fn race_ok_returns_the_last_failure_when_all_fail() {
    let (tx, rx) = mpsc::channel(4);
    let first = EventStream::new(iter(vec![Err(Error::new(ErrorCode::Api, "first"))]));
    let second = channel_stream(rx);
    let mut fut = pin!(race_ok([first, second]));
    assert!(poll_once(&mut fut).await);
    tx.send(Ok(testing::error_result(401, "bad key")))
        .await
        .unwrap();
    let (index, result) = fut.await;
    assert_eq!(index, 1);
    assert_eq!(result.unwrap_err().code(), ErrorCode::Auth);
}

#[tokio::test]
async fn race_without_streams_is_a_config_error() {
    let (_, result) = race(Vec::<EventStream>::new()).await;
    assert_eq!(result.unwrap_err().code(), ErrorCode::Config);
    // A stream that ends without a result finishes with a protocol error.
    let (_, result) = race([EventStream::new(iter(vec![Ok(testing::system_init())]))]).await;
    assert_eq!(result.unwrap_err().code(), ErrorCode::Protocol);
}

#[tokio::test]
async fn dropping_a_race_cancels_every_contender() {
    let (a, a_dropped) = tracked(EventStream::new(pending()));
    let (b, b_dropped) = tracked(EventStream::new(pending()));
    let mut fut = Box::pin(race([a, b]));
    assert!(poll_once(&mut fut).await);
    assert!(!a_dropped.load(Ordering::SeqCst));
    drop(fut);
    assert!(a_dropped.load(Ordering::SeqCst) && b_dropped.load(Ordering::SeqCst));
}

#[tokio::test]
async fn concat_is_sequential_and_lazy() {
    let made = Arc::new(AtomicUsize::new(0));
    let flags: Vec<Arc<AtomicBool>> = (0..3).map(|_| Arc::new(AtomicBool::new(false))).collect();
    let flags2 = flags.clone();
    let made2 = made.clone();
    let streams = (0..3).map(move |i| {
        made2.fetch_add(1, Ordering::SeqCst);
        if i > 0 {
            // The previous stream ended and was dropped before this one is made.
            assert!(flags2[i - 1].load(Ordering::SeqCst));
        }
        Tracked::with_flag(
            iter(testing::message_turn(&format!("t{i} "))),
            flags2[i].clone(),
        )
    });
    let mut s = concat(streams);
    assert_eq!(
        made.load(Ordering::SeqCst),
        0,
        "nothing is made before the first poll"
    );
    let first = s.next().await.unwrap().unwrap();
    assert!(matches!(first, Event::System(_)));
    assert_eq!(made.load(Ordering::SeqCst), 1);
    let text: Vec<String> = s.text_only().map(|t| t.unwrap()).collect().await;
    assert_eq!(text.concat(), "t0 t1 t2 ");
    assert!(flags.iter().all(|f| f.load(Ordering::SeqCst)));
}

#[tokio::test]
async fn deferred_starts_on_first_poll_and_reports_a_failed_start() {
    let started = Arc::new(AtomicBool::new(false));
    let s2 = started.clone();
    let stream = deferred(async move {
        s2.store(true, Ordering::SeqCst);
        Ok::<_, Error>(iter(testing::message_turn("ok")))
    });
    assert!(!started.load(Ordering::SeqCst));
    let (_, outcome) = stream.collect_outcome().await.unwrap();
    assert!(started.load(Ordering::SeqCst));
    assert_eq!(outcome.text, "ok");

    let failed = deferred(async {
        Err::<futures_util::stream::Iter<std::vec::IntoIter<Result<Event>>>, _>(Error::new(
            ErrorCode::CliNotFound,
            "no cli",
        ))
    });
    let items: Vec<Result<Event>> = failed.collect().await;
    assert_eq!(items.len(), 1);
    assert_eq!(
        items[0].as_ref().unwrap_err().code(),
        ErrorCode::CliNotFound
    );
}

#[tokio::test]
async fn race_of_deferred_starts_all_and_cancels_the_losers() {
    let (slow, slow_dropped) = tracked(EventStream::new(pending()));
    let slow_started = Arc::new(AtomicBool::new(false));
    let flag = slow_started.clone();
    let contenders = [
        EventStream::new(deferred(async move {
            flag.store(true, Ordering::SeqCst);
            Ok::<_, Error>(slow)
        })),
        EventStream::new(deferred(async {
            Ok::<_, Error>(iter(testing::message_turn("won")))
        })),
    ];
    let (winner, result) = race(contenders).await;
    assert_eq!((winner, result.unwrap().1.text.as_str()), (1, "won"));
    assert!(slow_started.load(Ordering::SeqCst));
    assert!(slow_dropped.load(Ordering::SeqCst));
}
