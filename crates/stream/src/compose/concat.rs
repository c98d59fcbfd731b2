//! [`concat`] and [`deferred`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use pin_project_lite::pin_project;

/// Yields every item of the first stream, then of the second, and so on. Streams are taken
/// from the iterator lazily — the next one only when the previous has ended — and each is
/// dropped as soon as it ends. With [`deferred`] streams, each request starts only when its
/// turn comes.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use claude_sdk_stream::compose::concat;
/// use futures_util::StreamExt;
/// use futures_util::stream::iter;
/// let out: Vec<i32> = concat([iter(vec![1, 2]), iter(vec![]), iter(vec![3])]).collect().await;
/// assert_eq!(out, [1, 2, 3]);
/// # });
/// ```
pub fn concat<I>(streams: I) -> Concat<I::IntoIter>
where
    I: IntoIterator,
    I::Item: Stream,
{
    Concat {
        iter: streams.into_iter(),
        current: None,
    }
}

pin_project! {
    /// The stream of [`concat`].
    #[must_use = "streams do nothing unless polled"]
    pub struct Concat<I>
    where
        I: Iterator,
    {
        iter: I,
        #[pin]
        current: Option<I::Item>,
    }
}

impl<I: Iterator> fmt::Debug for Concat<I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Concat")
            .field("running", &self.current.is_some())
            .finish_non_exhaustive()
    }
}

impl<I> Stream for Concat<I>
where
    I: Iterator,
    I::Item: Stream,
{
    type Item = <I::Item as Stream>::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut this = self.project();
        loop {
            if let Some(s) = this.current.as_mut().as_pin_mut() {
                match std::task::ready!(s.poll_next(cx)) {
                    Some(item) => return Poll::Ready(Some(item)),
                    None => this.current.set(None),
                }
            }
            match this.iter.next() {
                Some(next) => this.current.set(Some(next)),
                None => return Poll::Ready(None),
            }
        }
    }
}

/// A stream made by a future — such as `backend.stream(request)` — that is only started on the
/// first poll. If the future fails, the stream yields that error and ends.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use claude_sdk_core::{Error, Event, Result};
/// use claude_sdk_stream::compose::{concat, deferred};
/// use claude_sdk_stream::transform::{EventStreamExt, testing};
/// use futures_util::StreamExt;
/// use futures_util::stream::{Iter, iter};
///
/// // Stand-in for an async backend call.
/// async fn start(text: &'static str) -> Result<Iter<std::vec::IntoIter<Result<Event>>>> {
///     if text.is_empty() { Err(Error::config("empty")) } else { Ok(iter(testing::message_turn(text))) }
/// }
///
/// let calls = ["a", "b"].into_iter().map(|t| deferred(start(t)));
/// let texts: Vec<String> = concat(calls).text_only().map(|t| t.unwrap()).collect().await;
/// assert_eq!(texts, ["a", "b"]);
///
/// let failed: Vec<Result<Event>> = deferred(start("")).collect().await;
/// assert!(matches!(failed.as_slice(), [Err(_)]));
/// # });
/// ```
pub fn deferred<F, S, T, E>(future: F) -> Deferred<F, S>
where
    F: Future<Output = Result<S, E>>,
    S: Stream<Item = Result<T, E>>,
{
    Deferred {
        future: Some(future),
        stream: None,
    }
}

pin_project! {
    /// The stream of [`deferred`].
    #[must_use = "streams do nothing unless polled"]
    pub struct Deferred<F, S> {
        #[pin]
        future: Option<F>,
        #[pin]
        stream: Option<S>,
    }
}

impl<F, S> fmt::Debug for Deferred<F, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match (&self.future, &self.stream) {
            (Some(_), _) => "starting",
            (None, Some(_)) => "streaming",
            (None, None) => "done",
        };
        f.debug_struct("Deferred").field("state", &state).finish()
    }
}

impl<F, S, T, E> Stream for Deferred<F, S>
where
    F: Future<Output = Result<S, E>>,
    S: Stream<Item = Result<T, E>>,
{
    type Item = Result<T, E>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut this = self.project();
        if let Some(f) = this.future.as_mut().as_pin_mut() {
            let started = std::task::ready!(f.poll(cx));
            this.future.set(None);
            match started {
                Ok(s) => this.stream.set(Some(s)),
                Err(e) => return Poll::Ready(Some(Err(e))),
            }
        }
        let Some(s) = this.stream.as_mut().as_pin_mut() else {
            return Poll::Ready(None);
        };
        let item = std::task::ready!(s.poll_next(cx));
        if item.is_none() {
            this.stream.set(None);
        }
        Poll::Ready(item)
    }
}
