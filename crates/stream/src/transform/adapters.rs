//! The simple adapters of [`EventStreamExt`](super::EventStreamExt).

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use claude_sdk_core::{Event, Result};
use futures_core::Stream;
use pin_project_lite::pin_project;

pin_project! {
    /// The stream of [`EventStreamExt::map_events`](super::EventStreamExt::map_events).
    #[must_use = "streams do nothing unless polled"]
    pub struct MapEvents<S, F> {
        #[pin]
        stream: S,
        f: F,
    }
}

impl<S, F> MapEvents<S, F> {
    pub(crate) fn new(stream: S, f: F) -> Self {
        MapEvents { stream, f }
    }
}

impl<S: fmt::Debug, F> fmt::Debug for MapEvents<S, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MapEvents")
            .field("stream", &self.stream)
            .finish_non_exhaustive()
    }
}

impl<S, F> Stream for MapEvents<S, F>
where
    S: Stream<Item = Result<Event>>,
    F: FnMut(Event) -> Event,
{
    type Item = Result<Event>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.project();
        this.stream
            .poll_next(cx)
            .map(|item| item.map(|r| r.map(&mut *this.f)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.stream.size_hint()
    }
}

pin_project! {
    /// The stream of [`EventStreamExt::filter_events`](super::EventStreamExt::filter_events).
    #[must_use = "streams do nothing unless polled"]
    pub struct FilterEvents<S, P> {
        #[pin]
        stream: S,
        pred: P,
    }
}

impl<S, P> FilterEvents<S, P> {
    pub(crate) fn new(stream: S, pred: P) -> Self {
        FilterEvents { stream, pred }
    }
}

impl<S: fmt::Debug, P> fmt::Debug for FilterEvents<S, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FilterEvents")
            .field("stream", &self.stream)
            .finish_non_exhaustive()
    }
}

impl<S, P> Stream for FilterEvents<S, P>
where
    S: Stream<Item = Result<Event>>,
    P: FnMut(&Event) -> bool,
{
    type Item = Result<Event>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut this = self.project();
        loop {
            match this.stream.as_mut().poll_next(cx) {
                Poll::Ready(Some(Ok(ev))) if !(this.pred)(&ev) => continue,
                other => return other,
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, self.stream.size_hint().1)
    }
}

pin_project! {
    /// The stream of [`EventStreamExt::inspect_events`](super::EventStreamExt::inspect_events).
    #[must_use = "streams do nothing unless polled"]
    pub struct InspectEvents<S, F> {
        #[pin]
        stream: S,
        f: F,
    }
}

impl<S, F> InspectEvents<S, F> {
    pub(crate) fn new(stream: S, f: F) -> Self {
        InspectEvents { stream, f }
    }
}

impl<S: fmt::Debug, F> fmt::Debug for InspectEvents<S, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InspectEvents")
            .field("stream", &self.stream)
            .finish_non_exhaustive()
    }
}

impl<S, F> Stream for InspectEvents<S, F>
where
    S: Stream<Item = Result<Event>>,
    F: FnMut(&Event),
{
    type Item = Result<Event>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.project();
        let item = this.stream.poll_next(cx);
        if let Poll::Ready(Some(Ok(ev))) = &item {
            (this.f)(ev);
        }
        item
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.stream.size_hint()
    }
}

pin_project! {
    /// The stream of [`EventStreamExt::take_until_result`](super::EventStreamExt::take_until_result).
    ///
    /// The source is dropped as soon as the result (or an error) has been yielded — for a
    /// backend stream that releases its process or connection right away.
    #[must_use = "streams do nothing unless polled"]
    pub struct TakeUntilResult<S> {
        #[pin]
        stream: Option<S>,
    }
}

impl<S> TakeUntilResult<S> {
    pub(crate) fn new(stream: S) -> Self {
        TakeUntilResult {
            stream: Some(stream),
        }
    }
}

impl<S: fmt::Debug> fmt::Debug for TakeUntilResult<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TakeUntilResult")
            .field("stream", &self.stream)
            .finish()
    }
}

impl<S> Stream for TakeUntilResult<S>
where
    S: Stream<Item = Result<Event>>,
{
    type Item = Result<Event>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut this = self.project();
        let Some(stream) = this.stream.as_mut().as_pin_mut() else {
            return Poll::Ready(None);
        };
        let item = std::task::ready!(stream.poll_next(cx));
        let last = matches!(item, None | Some(Err(_)) | Some(Ok(Event::Result(_))));
        if last {
            this.stream.set(None);
        }
        Poll::Ready(item)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.stream {
            Some(s) => (0, s.size_hint().1),
            None => (0, Some(0)),
        }
    }
}
