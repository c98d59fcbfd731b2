//! [`race`] and [`race_ok`]: the first turn to finish wins; the others are dropped.

use std::future::poll_fn;
use std::pin::Pin;
use std::task::Poll;

use claude_sdk_core::{Error, Event, Outcome, Result};
use futures_core::Stream;

use crate::transform::Collector;

/// Items polled from one contender before the others get their turn.
const BUDGET: usize = 32;

/// Runs every stream concurrently, collecting each one's events, until the FIRST one
/// finishes — with its [`Event::Result`], an error, or by ending without a result — and
/// returns its index and what `collect` would have returned for it. The other streams are
/// dropped at that moment: for a backend stream that cancels its request (the CLI backend kills
/// its process group).
///
/// Memory: each contender's events so far (what `collect` keeps), dropped with the losers.
/// With no streams at all the answer is `(0, Err(config error))`.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use claude_sdk_core::EventStream;
/// use claude_sdk_stream::compose::race;
/// use claude_sdk_stream::transform::testing;
/// use futures_util::StreamExt;
/// use futures_util::stream::{iter, pending};
/// // The first stream starts but never finishes (think: a slow backend).
/// let slow = iter(vec![Ok(testing::system_init())]).chain(pending());
/// let (winner, result) = race([
///     EventStream::new(slow),
///     EventStream::new(iter(testing::message_turn("quick"))),
/// ])
/// .await;
/// assert_eq!(winner, 1);
/// assert_eq!(result.unwrap().1.text, "quick");
/// # });
/// ```
pub async fn race<S, I>(streams: I) -> (usize, Result<(Vec<Event>, Outcome)>)
where
    I: IntoIterator<Item = S>,
    S: Stream<Item = Result<Event>>,
{
    run(streams, false).await
}

/// Like [`race`], but the first stream to finish with an [`Outcome`] wins: a stream that fails
/// is dropped and the race goes on. When every stream fails, the answer is the last failure
/// (with its index). Use it to hedge a request over several backends or models.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use claude_sdk_stream::compose::race_ok;
/// use claude_sdk_stream::transform::testing;
/// use futures_util::stream::iter;
/// let failing = vec![Ok(testing::system_init()), Ok(testing::error_result(529, "overloaded"))];
/// let (winner, result) = race_ok([
///     iter(failing),
///     iter(testing::streamed_turn(&["fine"])),
/// ])
/// .await;
/// assert_eq!(winner, 1);
/// assert_eq!(result.unwrap().1.text, "fine");
/// # });
/// ```
pub async fn race_ok<S, I>(streams: I) -> (usize, Result<(Vec<Event>, Outcome)>)
where
    I: IntoIterator<Item = S>,
    S: Stream<Item = Result<Event>>,
{
    run(streams, true).await
}

struct Contender<S> {
    index: usize,
    stream: Pin<Box<S>>,
    collector: Collector,
}

async fn run<S, I>(streams: I, only_ok: bool) -> (usize, Result<(Vec<Event>, Outcome)>)
where
    I: IntoIterator<Item = S>,
    S: Stream<Item = Result<Event>>,
{
    let mut contenders: Vec<Contender<S>> = streams
        .into_iter()
        .enumerate()
        .map(|(index, s)| Contender {
            index,
            stream: Box::pin(s),
            collector: Collector::default(),
        })
        .collect();
    if contenders.is_empty() {
        return (0, Err(Error::config("race: no streams were given")));
    }
    let mut start = 0;
    poll_fn(move |cx| {
        let mut i = start % contenders.len().max(1);
        let mut checked = 0;
        while checked < contenders.len() {
            if i >= contenders.len() {
                i = 0;
            }
            let c = &mut contenders[i];
            let mut finished = None;
            for polled in 0.. {
                if polled == BUDGET {
                    // Let the others run; come back at once.
                    cx.waker().wake_by_ref();
                    break;
                }
                match c.stream.as_mut().poll_next(cx) {
                    Poll::Pending => break,
                    Poll::Ready(item) => {
                        if let Some(done) = c.collector.push(item) {
                            finished = Some((c.index, done));
                            break;
                        }
                    }
                }
            }
            match finished {
                Some((index, Err(e))) if only_ok => {
                    // This one is out; drop it now and go on with the rest.
                    contenders.remove(i);
                    if contenders.is_empty() {
                        return Poll::Ready((index, Err(e)));
                    }
                }
                Some((index, done)) => {
                    // The winner: drop (cancel) every loser before answering.
                    contenders.clear();
                    return Poll::Ready((index, done));
                }
                None => {
                    i += 1;
                    checked += 1;
                }
            }
        }
        start = i + 1;
        Poll::Pending
    })
    .await
}
