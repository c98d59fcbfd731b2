//! The [`Transformer`] trait, its composition ([`Stack`]) and the stream adapter
//! ([`Transform`]).

use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use claude_sdk_core::{Error, Event, Result};
use futures_core::Stream;
use pin_project_lite::pin_project;

/// What a [`Transformer`] makes of one event.
// `Emit` is as large as an `Event`; boxing it would cost an allocation per event.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum TransformStep {
    /// Emit nothing for this event (drop it, or keep it buffered inside the transformer).
    Skip,
    /// Emit one event.
    Emit(Event),
    /// Emit these events, in order (possibly none).
    EmitMany(Vec<Event>),
    /// Emit these events, then end the stream: the source is dropped (cancelling the work
    /// underneath) and [`Transformer::finish`] is not called.
    End(Vec<Event>),
    /// End the stream with this error; the source is dropped.
    Fail(Error),
}

/// One synchronous step of an event pipeline: an event in, zero, one or many events out.
///
/// Implement it for your own steps and apply them with
/// [`EventStreamExt::transform`](super::EventStreamExt::transform); chain steps with
/// [`TransformerExt::and_then`]. A transformer sees events only: `Err` items of the stream pass
/// it by. State that spans turns should be reset on [`Event::Result`].
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use claude_sdk_core::Event;
/// use claude_sdk_stream::transform::{EventStreamExt, TransformStep, Transformer, testing};
///
/// /// Drops everything but text deltas and the result, and counts the deltas.
/// #[derive(Default)]
/// struct DeltasOnly {
///     seen: usize,
/// }
///
/// impl Transformer for DeltasOnly {
///     fn transform(&mut self, event: Event) -> TransformStep {
///         if event.text_delta().is_some() {
///             self.seen += 1;
///             TransformStep::Emit(event)
///         } else if matches!(event, Event::Result(_)) {
///             TransformStep::Emit(event)
///         } else {
///             TransformStep::Skip
///         }
///     }
/// }
///
/// let (events, outcome) = futures_util::stream::iter(testing::streamed_turn(&["a", "b"]))
///     .transform(DeltasOnly::default())
///     .collect_outcome()
///     .await
///     .unwrap();
/// assert_eq!(events.len(), 3);
/// assert_eq!(outcome.text, "ab");
/// # });
/// ```
pub trait Transformer {
    /// Transforms one event.
    fn transform(&mut self, event: Event) -> TransformStep;

    /// Called once when the source ends, to flush what the transformer still holds. The
    /// default emits nothing. (`End` here is the same as `EmitMany`.)
    fn finish(&mut self) -> TransformStep {
        TransformStep::Skip
    }
}

impl<T: Transformer + ?Sized> Transformer for Box<T> {
    fn transform(&mut self, event: Event) -> TransformStep {
        (**self).transform(event)
    }
    fn finish(&mut self) -> TransformStep {
        (**self).finish()
    }
}

impl<T: Transformer + ?Sized> Transformer for &mut T {
    fn transform(&mut self, event: Event) -> TransformStep {
        (**self).transform(event)
    }
    fn finish(&mut self) -> TransformStep {
        (**self).finish()
    }
}

/// Composition of transformers.
pub trait TransformerExt: Transformer + Sized {
    /// Feeds this transformer's output into `next`: `a.and_then(b).and_then(c)` runs `a`, then
    /// `b`, then `c` on every event (like a stack of tower layers).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// use claude_sdk_stream::transform::{
    ///     Coalesce, DedupeText, EventStreamExt, Redact, TransformerExt, testing,
    /// };
    /// let pipeline = DedupeText::new()
    ///     .and_then(Redact::new("secret", "***"))
    ///     .and_then(Coalesce::new(1024));
    /// let (_, outcome) = futures_util::stream::iter(testing::streamed_turn(&["a sec", "ret"]))
    ///     .transform(pipeline)
    ///     .collect_outcome()
    ///     .await
    ///     .unwrap();
    /// assert_eq!(outcome.text, "a ***");
    /// # });
    /// ```
    fn and_then<B: Transformer>(self, next: B) -> Stack<Self, B> {
        Stack::new(self, next)
    }
}

impl<T: Transformer> TransformerExt for T {}

/// Two transformers in a row: every event goes through `A`, and what `A` emits through `B`.
/// Built by [`TransformerExt::and_then`].
///
/// If `B` fails while handling one of several events emitted by `A` for a single input, the
/// events `B` emitted before failing are yielded first and the error right after them.
#[derive(Debug, Clone)]
pub struct Stack<A, B> {
    first: A,
    second: B,
    failed: Option<FailAfter>,
}

/// An error of the second stage held back until the events before it are out.
#[derive(Debug)]
struct FailAfter(Error);

impl Clone for FailAfter {
    fn clone(&self) -> Self {
        FailAfter(self.0.duplicate())
    }
}

impl<A, B> Stack<A, B> {
    /// `first`, then `second`.
    pub fn new(first: A, second: B) -> Self {
        Stack {
            first,
            second,
            failed: None,
        }
    }

    /// The first stage.
    pub fn first(&self) -> &A {
        &self.first
    }

    /// The second stage.
    pub fn second(&self) -> &B {
        &self.second
    }

    /// The two stages.
    pub fn into_parts(self) -> (A, B) {
        (self.first, self.second)
    }
}

impl<A: Transformer, B: Transformer> Stack<A, B> {
    /// Runs `events` through the second stage; `ending` flushes it afterwards.
    fn feed(&mut self, events: Vec<Event>, ending: bool) -> TransformStep {
        let mut out = Vec::new();
        for ev in events {
            match self.second.transform(ev) {
                TransformStep::Skip => {}
                TransformStep::Emit(e) => out.push(e),
                TransformStep::EmitMany(v) => out.extend(v),
                TransformStep::End(v) => {
                    out.extend(v);
                    return TransformStep::End(out);
                }
                TransformStep::Fail(e) => return self.fail_after(out, e),
            }
        }
        if !ending {
            return TransformStep::EmitMany(out);
        }
        match self.second.finish() {
            TransformStep::Skip => {}
            TransformStep::Emit(e) => out.push(e),
            TransformStep::EmitMany(v) | TransformStep::End(v) => out.extend(v),
            TransformStep::Fail(e) => return self.fail_after(out, e),
        }
        TransformStep::End(out)
    }

    fn fail_after(&mut self, out: Vec<Event>, err: Error) -> TransformStep {
        if out.is_empty() {
            TransformStep::Fail(err)
        } else {
            // Emit what came before the failure now; fail on the next call.
            self.failed = Some(FailAfter(err));
            TransformStep::EmitMany(out)
        }
    }
}

impl<A: Transformer, B: Transformer> Transformer for Stack<A, B> {
    fn transform(&mut self, event: Event) -> TransformStep {
        if let Some(FailAfter(e)) = self.failed.take() {
            return TransformStep::Fail(e);
        }
        match self.first.transform(event) {
            TransformStep::Skip => TransformStep::Skip,
            TransformStep::Emit(e) => self.second.transform(e),
            TransformStep::EmitMany(v) => self.feed(v, false),
            TransformStep::End(v) => self.feed(v, true),
            TransformStep::Fail(e) => TransformStep::Fail(e),
        }
    }

    fn finish(&mut self) -> TransformStep {
        if let Some(FailAfter(e)) = self.failed.take() {
            return TransformStep::Fail(e);
        }
        let flushed = match self.first.finish() {
            TransformStep::Skip => Vec::new(),
            TransformStep::Emit(e) => vec![e],
            TransformStep::EmitMany(v) | TransformStep::End(v) => v,
            TransformStep::Fail(e) => return TransformStep::Fail(e),
        };
        self.feed(flushed, true)
    }
}

/// The transformer that passes every event through unchanged (the neutral element of
/// [`TransformerExt::and_then`], handy when folding a list of steps).
///
/// ```
/// use claude_sdk_stream::transform::{Identity, Redact, Transformer, TransformerExt};
/// let words = ["foo", "bar"];
/// let _pipeline: Box<dyn Transformer + Send> = words.iter().fold(
///     Box::new(Identity) as Box<dyn Transformer + Send>,
///     |acc, w| Box::new(acc.and_then(Redact::new(*w, "_"))),
/// );
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Identity;

impl Transformer for Identity {
    fn transform(&mut self, event: Event) -> TransformStep {
        TransformStep::Emit(event)
    }
}

/// A transformer from a closure (see [`from_fn`]).
#[derive(Clone)]
pub struct FnTransformer<F> {
    f: F,
}

impl<F> fmt::Debug for FnTransformer<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FnTransformer").finish_non_exhaustive()
    }
}

/// A transformer from a closure; it has nothing to flush at the end.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use claude_sdk_core::Event;
/// use claude_sdk_stream::transform::{EventStreamExt, TransformStep, from_fn, testing};
/// use futures_util::StreamExt;
/// // Duplicate every text delta.
/// let twice = from_fn(|e: Event| {
///     if e.text_delta().is_some() {
///         TransformStep::EmitMany(vec![e.clone(), e])
///     } else {
///         TransformStep::Emit(e)
///     }
/// });
/// let n = futures_util::stream::iter(testing::streamed_turn(&["a"]))
///     .transform(twice)
///     .text_only()
///     .count()
///     .await;
/// assert_eq!(n, 2);
/// # });
/// ```
pub fn from_fn<F>(f: F) -> FnTransformer<F>
where
    F: FnMut(Event) -> TransformStep,
{
    FnTransformer { f }
}

impl<F> Transformer for FnTransformer<F>
where
    F: FnMut(Event) -> TransformStep,
{
    fn transform(&mut self, event: Event) -> TransformStep {
        (self.f)(event)
    }
}

pin_project! {
    /// The stream of [`EventStreamExt::transform`](super::EventStreamExt::transform).
    ///
    /// Buffers at most the events emitted for one input event (plus the final flush).
    #[must_use = "streams do nothing unless polled"]
    pub struct Transform<S, T> {
        #[pin]
        source: Option<S>,
        transformer: T,
        out: VecDeque<Event>,
        error: Option<Error>,
    }
}

impl<S, T> Transform<S, T> {
    pub(crate) fn new(source: S, transformer: T) -> Self {
        Transform {
            source: Some(source),
            transformer,
            out: VecDeque::new(),
            error: None,
        }
    }

    /// The transformer.
    pub fn transformer(&self) -> &T {
        &self.transformer
    }
}

impl<S: fmt::Debug, T: fmt::Debug> fmt::Debug for Transform<S, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transform")
            .field("source", &self.source)
            .field("transformer", &self.transformer)
            .field("buffered", &self.out.len())
            .finish()
    }
}

impl<S, T> Stream for Transform<S, T>
where
    S: Stream<Item = Result<Event>>,
    T: Transformer,
{
    type Item = Result<Event>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut this = self.project();
        loop {
            if let Some(ev) = this.out.pop_front() {
                return Poll::Ready(Some(Ok(ev)));
            }
            if let Some(err) = this.error.take() {
                return Poll::Ready(Some(Err(err)));
            }
            let Some(source) = this.source.as_mut().as_pin_mut() else {
                return Poll::Ready(None);
            };
            let (step, ended) = match std::task::ready!(source.poll_next(cx)) {
                Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                Some(Ok(ev)) => (this.transformer.transform(ev), false),
                None => (this.transformer.finish(), true),
            };
            let stop = match step {
                TransformStep::Skip => ended,
                TransformStep::Emit(e) => {
                    this.out.push_back(e);
                    ended
                }
                TransformStep::EmitMany(v) => {
                    this.out.extend(v);
                    ended
                }
                TransformStep::End(v) => {
                    this.out.extend(v);
                    true
                }
                TransformStep::Fail(e) => {
                    *this.error = Some(e);
                    true
                }
            };
            if stop {
                this.source.set(None);
            }
        }
    }
}
