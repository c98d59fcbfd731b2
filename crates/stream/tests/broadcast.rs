//! Broadcast: every policy, lifecycle and cancellation, over synthetic streams.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::future::poll_fn;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use claude_sdk_core::{Error, ErrorCode, Event, Result};
use claude_sdk_stream::broadcast::{Broadcast, Policy, Subscriber};
use claude_sdk_stream::transform::{EventStreamExt, testing};
use futures_core::Stream;
use futures_util::StreamExt;
use futures_util::stream::{iter, pending};
use tokio::sync::mpsc;

/// Counts pulls and records when it is dropped.
struct Source<S> {
    inner: S,
    pulled: Arc<AtomicUsize>,
    dropped: Arc<AtomicBool>,
}

impl<S> Drop for Source<S> {
    fn drop(&mut self) {
        self.dropped.store(true, Ordering::SeqCst);
    }
}

impl<S: Stream + Unpin> Stream for Source<S> {
    type Item = S::Item;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let item = self.inner.poll_next_unpin(cx);
        if let Poll::Ready(Some(_)) = item {
            self.pulled.fetch_add(1, Ordering::SeqCst);
        }
        item
    }
}

struct Probe {
    pulled: Arc<AtomicUsize>,
    dropped: Arc<AtomicBool>,
}

fn source<S>(inner: S) -> (Source<S>, Probe) {
    let pulled = Arc::new(AtomicUsize::new(0));
    let dropped = Arc::new(AtomicBool::new(false));
    (
        Source {
            inner,
            pulled: pulled.clone(),
            dropped: dropped.clone(),
        },
        Probe { pulled, dropped },
    )
}

/// `n` numbered deltas, then a result.
fn numbered(n: usize) -> Vec<Result<Event>> {
    (0..n)
        .map(|i| Ok(testing::text_delta(&i.to_string())))
        .chain([Ok(testing::result("done"))])
        .collect()
}

/// Polls a subscriber once.
async fn poll_once(s: &mut Subscriber) -> Poll<Option<Result<Event>>> {
    poll_fn(|cx| Poll::Ready(s.poll_next_unpin(cx))).await
}

fn label(item: &Result<Event>) -> String {
    match item {
        Ok(Event::Result(_)) => "result".into(),
        Ok(e) => e.text_delta().unwrap_or("?").to_owned(),
        Err(e) => format!("err:{}", e.code()),
    }
}

async fn drain(s: Subscriber) -> Vec<String> {
    s.map(|i| label(&i)).collect().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn wait_policy_delivers_everything_in_order_to_every_subscriber() {
    const N: usize = 2000;
    let (tx, mut rx) = mpsc::channel::<Result<Event>>(1);
    let producer = tokio::spawn(async move {
        for item in numbered(N) {
            if tx.send(item).await.is_err() {
                return false;
            }
        }
        true
    });
    let hub = Broadcast::new(futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx)));
    let mut tasks = Vec::new();
    for (capacity, slow) in [(1, false), (4, true), (16, false)] {
        let mut sub = hub.subscribe(capacity, Policy::Wait);
        tasks.push(tokio::spawn(async move {
            let mut got = Vec::new();
            while let Some(item) = sub.next().await {
                assert!(sub.queued() <= capacity);
                got.push(label(&item));
                if slow {
                    tokio::task::yield_now().await;
                }
            }
            got
        }));
    }
    drop(hub);
    let expected: Vec<String> = numbered(N).iter().map(label).collect();
    let all = tokio::time::timeout(Duration::from_secs(60), async {
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.unwrap());
        }
        out
    })
    .await
    .expect("a subscriber was never woken");
    for got in all {
        assert_eq!(got, expected);
    }
    assert!(producer.await.unwrap());
}

#[tokio::test]
async fn wait_policy_slow_subscriber_holds_the_source_back() {
    let (src, probe) = source(iter(numbered(100)));
    let hub = Broadcast::new(src);
    let mut slow = hub.subscribe(4, Policy::Wait);
    let mut fast = hub.subscribe(64, Policy::Wait);
    let mut got = 0;
    while let Poll::Ready(Some(_)) = poll_once(&mut fast).await {
        got += 1;
    }
    // `slow` was never polled: its 4 slots are full, so exactly 4 items were pulled.
    assert_eq!(got, 4);
    assert_eq!(probe.pulled.load(Ordering::SeqCst), 4);
    assert_eq!(slow.queued(), 4);
    // One item taken by `slow` lets exactly one more through.
    assert!(matches!(
        poll_once(&mut slow).await,
        Poll::Ready(Some(Ok(_)))
    ));
    assert!(matches!(
        poll_once(&mut fast).await,
        Poll::Ready(Some(Ok(_)))
    ));
    assert!(poll_once(&mut fast).await.is_pending());
    assert_eq!(probe.pulled.load(Ordering::SeqCst), 5);
    // Nothing was lost for `slow`: it reads 1..=100 and the result.
    let rest = drain_concurrently(slow, fast).await;
    assert_eq!(rest.0.len(), 100 - 1 + 1);
    assert_eq!(rest.0.first().map(String::as_str), Some("1"));
    assert_eq!(rest.1.first().map(String::as_str), Some("5"));
    assert_eq!(rest.1.last().map(String::as_str), Some("result"));
}

async fn drain_concurrently(a: Subscriber, b: Subscriber) -> (Vec<String>, Vec<String>) {
    tokio::join!(drain(a), drain(b))
}

#[tokio::test]
async fn drop_oldest_loses_the_oldest_and_counts_them() {
    let hub = Broadcast::new(iter(numbered(10)));
    let lossy = hub.subscribe(2, Policy::DropOldest);
    let full = hub.subscribe(64, Policy::Wait);
    let all = drain(full).await;
    assert_eq!(all.len(), 11);
    assert_eq!(lossy.lagged(), 9);
    assert_eq!(lossy.queued(), 2);
    assert_eq!(drain(lossy).await, ["9", "result"]);
}

#[tokio::test]
async fn drop_oldest_subscriber_never_slows_the_source() {
    let (src, probe) = source(iter(numbered(1000)));
    let hub = Broadcast::new(src);
    let _idle = hub.subscribe(1, Policy::DropOldest);
    let reader = hub.subscribe(1, Policy::Wait);
    assert_eq!(drain(reader).await.len(), 1001);
    assert_eq!(probe.pulled.load(Ordering::SeqCst), 1001);
}

#[tokio::test]
async fn error_policy_detaches_the_laggard_and_the_others_go_on() {
    let hub = Broadcast::new(iter(numbered(10)));
    let strict = hub.subscribe(2, Policy::Error);
    let full = hub.subscribe(64, Policy::Wait);
    assert_eq!(drain(full).await.len(), 11);
    // Its buffered items, then the error, then the end.
    assert_eq!(drain(strict).await, ["0", "1", "err:cancelled"]);
}

#[tokio::test]
async fn late_subscribers_see_only_new_items() {
    let hub = Broadcast::new(iter(numbered(5)));
    let mut early = hub.subscribe(8, Policy::Wait);
    for _ in 0..3 {
        assert!(matches!(
            poll_once(&mut early).await,
            Poll::Ready(Some(Ok(_)))
        ));
    }
    let late = hub.subscribe(8, Policy::Wait);
    let (e, l) = drain_concurrently(early, late).await;
    assert_eq!(e, ["3", "4", "result"]);
    assert_eq!(l, ["3", "4", "result"]);
}

#[tokio::test]
async fn dropping_the_full_wait_subscriber_unblocks_the_others() {
    let hub = Broadcast::new(iter(numbered(20)));
    let blocker = hub.subscribe(1, Policy::Wait);
    let mut reader = hub.subscribe(64, Policy::Wait);
    assert!(matches!(
        poll_once(&mut reader).await,
        Poll::Ready(Some(Ok(_)))
    ));
    assert!(poll_once(&mut reader).await.is_pending());
    drop(blocker);
    assert_eq!(drain(reader).await.len(), 20);
}

#[tokio::test]
async fn dropping_every_subscriber_drops_the_source() {
    let (src, probe) = source(iter(numbered(3)).chain(pending()));
    let hub = Broadcast::new(src);
    let mut a = hub.subscribe(4, Policy::Wait);
    let b = hub.subscribe(4, Policy::DropOldest);
    assert!(matches!(poll_once(&mut a).await, Poll::Ready(Some(Ok(_)))));
    drop(a);
    assert!(
        !probe.dropped.load(Ordering::SeqCst),
        "one subscriber is left"
    );
    assert_eq!(hub.subscriber_count(), 1);
    drop(b);
    assert!(
        probe.dropped.load(Ordering::SeqCst),
        "the source outlived its subscribers"
    );
    assert!(hub.is_closed());
    // Subscribing now: the source is gone, the subscriber is told so.
    let late = hub.subscribe(4, Policy::Wait);
    assert_eq!(drain(late).await, ["err:cancelled"]);
}

#[tokio::test]
async fn dropping_every_subscriber_closes_a_channel_source() {
    let (tx, mut rx) = mpsc::channel::<Result<Event>>(4);
    let hub = Broadcast::new(futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx)));
    let mut sub = hub.subscribe(4, Policy::Wait);
    tx.send(Ok(testing::system_init())).await.unwrap();
    assert!(matches!(
        poll_once(&mut sub).await,
        Poll::Ready(Some(Ok(_)))
    ));
    drop(sub);
    // The producer (a backend's reader, say) learns at once that nobody listens.
    assert!(tx.is_closed());
    drop(hub);
}

#[tokio::test]
async fn dropping_the_handle_before_anyone_subscribed_drops_the_source() {
    let (src, probe) = source(iter(numbered(3)));
    let hub = Broadcast::new(src);
    let clone = hub.clone();
    drop(hub);
    assert!(
        !probe.dropped.load(Ordering::SeqCst),
        "a handle is still alive"
    );
    drop(clone);
    assert!(probe.dropped.load(Ordering::SeqCst));
}

#[tokio::test]
async fn subscribing_after_the_end_yields_nothing() {
    let hub = Broadcast::new(iter(numbered(2)));
    let first = hub.subscribe(4, Policy::Wait);
    assert_eq!(drain(first).await, ["0", "1", "result"]);
    assert!(hub.is_closed());
    let late = hub.subscribe(4, Policy::Wait);
    assert!(drain(late).await.is_empty());
}

#[tokio::test]
async fn errors_reach_every_subscriber_with_their_context() {
    let items = vec![
        Ok(testing::system_init()),
        Err(Error::new(ErrorCode::RateLimit, "slow down")
            .with_http_status(429)
            .with_source(std::io::Error::other("cause"))),
    ];
    let hub = Broadcast::new(iter(items));
    let subs: Vec<Subscriber> = (0..3).map(|_| hub.subscribe(4, Policy::Wait)).collect();
    let results =
        futures_util::future::join_all(subs.into_iter().map(|s| s.collect::<Vec<_>>())).await;
    for items in results {
        assert_eq!(items.len(), 2);
        let err = items[1].as_ref().unwrap_err();
        assert_eq!(err.code(), ErrorCode::RateLimit);
        assert_eq!(err.message(), "slow down");
        assert_eq!(err.context().http_status, Some(429));
    }
}

#[tokio::test]
async fn subscribers_are_event_streams() {
    let hub = Broadcast::new(iter(testing::streamed_turn(&["He", "llo"])));
    let a = hub.subscribe(2, Policy::Wait);
    let b = hub.subscribe(2, Policy::Wait);
    let (text, outcome) = tokio::join!(
        a.text_only().map(|t| t.unwrap()).collect::<String>(),
        b.collect_outcome()
    );
    assert_eq!(text, "Hello");
    assert_eq!(outcome.unwrap().1.text, "Hello");
}
