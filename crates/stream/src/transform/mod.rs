//! Combinators over event streams and composable, user-defined transformers.
//!
//! - [`EventStreamExt`] adds combinators to every `Stream<Item = Result<Event>> + Send` (an
//!   [`EventStream`](claude_sdk_core::EventStream), a merged or broadcast stream, a test stream):
//!   [`map_events`](EventStreamExt::map_events), [`filter_events`](EventStreamExt::filter_events),
//!   [`inspect_events`](EventStreamExt::inspect_events), [`text_only`](EventStreamExt::text_only),
//!   [`take_until_result`](EventStreamExt::take_until_result),
//!   [`transform`](EventStreamExt::transform) and
//!   [`collect_outcome`](EventStreamExt::collect_outcome).
//! - [`Transformer`] is a small synchronous trait — one event in, zero, one or many out — that
//!   users implement for their own pipeline steps. Steps compose like tower layers:
//!   [`TransformerExt::and_then`] builds a [`Stack`], so a pipeline is a chain of small pieces.
//! - Built-in transformers: [`DedupeText`] (drop assistant text already streamed as deltas),
//!   [`Redact`] (replace a pattern, also across delta boundaries) and [`Coalesce`] (merge small
//!   text deltas into chunks of at least N bytes).
//!
//! Errors (`Err` items) pass through every combinator untouched and in order.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! use claude_sdk_stream::transform::{
//!     Coalesce, EventStreamExt, Redact, TransformerExt, testing,
//! };
//! use futures_util::StreamExt;
//!
//! // A turn streamed as text deltas, as the CLI prints it with partial messages on.
//! let events = testing::streamed_turn(&["my pass", "word is hunter2", "!"]);
//! let pipeline = Redact::new("password", "[redacted]").and_then(Coalesce::new(16));
//! let text: Vec<String> = futures_util::stream::iter(events)
//!     .transform(pipeline)
//!     .text_only()
//!     .map(|t| t.unwrap())
//!     .collect()
//!     .await;
//! assert_eq!(text.concat(), "my [redacted] is hunter2!");
//! # });
//! ```

mod adapters;
mod builtin;
mod collect;
mod text;
mod transformer;

pub mod testing;

use std::future::Future;

use claude_sdk_core::{Event, Outcome, Result};
use futures_core::Stream;

pub use adapters::{FilterEvents, InspectEvents, MapEvents, TakeUntilResult};
pub use builtin::{Coalesce, DedupeText, Redact};
pub(crate) use collect::Collector;
pub use text::TextOnly;
pub use transformer::{
    FnTransformer, Identity, Stack, Transform, TransformStep, Transformer, TransformerExt, from_fn,
};

/// Combinators for any stream of `Result<Event>`.
///
/// Implemented for every `Stream<Item = Result<Event>> + Send`; import the trait to use them.
/// Every combinator is lazy, keeps at most the output of one input event buffered, and passes
/// `Err` items through untouched.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use claude_sdk_core::Event;
/// use claude_sdk_stream::transform::{EventStreamExt, testing};
///
/// let events = testing::streamed_turn(&["Hel", "lo"]);
/// let mut seen = 0;
/// let (kept, outcome) = futures_util::stream::iter(events)
///     .inspect_events(|_| seen += 1)
///     .filter_events(|e| !matches!(e, Event::System(_)))
///     .collect_outcome()
///     .await
///     .unwrap();
/// assert_eq!(outcome.text, "Hello");
/// assert!(kept.len() < seen);
/// # });
/// ```
pub trait EventStreamExt: Stream<Item = Result<Event>> + Send + Sized {
    /// Replaces every event with `f(event)`.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// use claude_sdk_core::Event;
    /// use claude_sdk_stream::transform::{EventStreamExt, testing};
    /// let (_, outcome) = futures_util::stream::iter(testing::streamed_turn(&["hi"]))
    ///     .map_events(|e| match e {
    ///         Event::Result(mut r) => {
    ///             r.result = r.result.map(|t| t.to_uppercase());
    ///             Event::Result(r)
    ///         }
    ///         other => other,
    ///     })
    ///     .collect_outcome()
    ///     .await
    ///     .unwrap();
    /// assert_eq!(outcome.text, "HI");
    /// # });
    /// ```
    fn map_events<F>(self, f: F) -> MapEvents<Self, F>
    where
        F: FnMut(Event) -> Event + Send,
    {
        MapEvents::new(self, f)
    }

    /// Keeps the events for which `pred` returns true. Filtering out the final
    /// [`Event::Result`] makes [`collect_outcome`](Self::collect_outcome) fail.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// use claude_sdk_core::Event;
    /// use claude_sdk_stream::transform::{EventStreamExt, testing};
    /// use futures_util::StreamExt;
    /// let n = futures_util::stream::iter(testing::streamed_turn(&["a", "b"]))
    ///     .filter_events(|e| e.text_delta().is_some())
    ///     .count()
    ///     .await;
    /// assert_eq!(n, 2);
    /// # });
    /// ```
    fn filter_events<P>(self, pred: P) -> FilterEvents<Self, P>
    where
        P: FnMut(&Event) -> bool + Send,
    {
        FilterEvents::new(self, pred)
    }

    /// Calls `f` with every event as it passes (a tap: logging, metrics, progress).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// use claude_sdk_stream::transform::{EventStreamExt, testing};
    /// let mut deltas = 0;
    /// futures_util::stream::iter(testing::streamed_turn(&["a", "b", "c"]))
    ///     .inspect_events(|e| deltas += usize::from(e.text_delta().is_some()))
    ///     .collect_outcome()
    ///     .await
    ///     .unwrap();
    /// assert_eq!(deltas, 3);
    /// # });
    /// ```
    fn inspect_events<F>(self, f: F) -> InspectEvents<Self, F>
    where
        F: FnMut(&Event) + Send,
    {
        InspectEvents::new(self, f)
    }

    /// The text of the answer, as it streams: every text delta; and for a turn that streamed
    /// no deltas (partial messages off), the text of its assistant messages, or else the
    /// result's text — each piece of text exactly once, never the deltas and then the final
    /// message again. See [`TextOnly`] for the exact rules.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// use claude_sdk_stream::transform::{EventStreamExt, testing};
    /// use futures_util::StreamExt;
    /// // With deltas: only the deltas.
    /// let streamed: Vec<String> = futures_util::stream::iter(testing::streamed_turn(&["Hel", "lo"]))
    ///     .text_only()
    ///     .map(|t| t.unwrap())
    ///     .collect()
    ///     .await;
    /// assert_eq!(streamed, ["Hel", "lo"]);
    /// // Without deltas: the assistant message once.
    /// let whole: Vec<String> = futures_util::stream::iter(testing::message_turn("Hello"))
    ///     .text_only()
    ///     .map(|t| t.unwrap())
    ///     .collect()
    ///     .await;
    /// assert_eq!(whole, ["Hello"]);
    /// # });
    /// ```
    fn text_only(self) -> TextOnly<Self> {
        TextOnly::new(self)
    }

    /// Ends the stream after the first [`Event::Result`] (included) or the first error, and
    /// drops the source right then.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// use claude_sdk_stream::transform::{EventStreamExt, testing};
    /// use futures_util::StreamExt;
    /// let two_turns = testing::streamed_turn(&["a"]).into_iter().chain(testing::streamed_turn(&["b"]));
    /// let first: Vec<_> = futures_util::stream::iter(two_turns).take_until_result().collect().await;
    /// assert_eq!(first.len(), testing::streamed_turn(&["a"]).len());
    /// # });
    /// ```
    fn take_until_result(self) -> TakeUntilResult<Self> {
        TakeUntilResult::new(self)
    }

    /// Runs every event through `transformer` (see [`Transformer`]).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// use claude_sdk_stream::transform::{Coalesce, EventStreamExt, testing};
    /// use futures_util::StreamExt;
    /// let deltas: Vec<String> = futures_util::stream::iter(testing::streamed_turn(&["a", "b", "c", "d"]))
    ///     .transform(Coalesce::new(2))
    ///     .text_only()
    ///     .map(|t| t.unwrap())
    ///     .collect()
    ///     .await;
    /// assert_eq!(deltas, ["ab", "cd"]);
    /// # });
    /// ```
    fn transform<T>(self, transformer: T) -> Transform<Self, T>
    where
        T: Transformer,
    {
        Transform::new(self, transformer)
    }

    /// Drains the stream up to its first [`Event::Result`], keeping the events, with the same
    /// semantics as [`EventStream::collect`](claude_sdk_core::EventStream::collect): the first
    /// error is returned, an `is_error` result becomes its error, and a stream that ends
    /// without a result is a `protocol` error. Items after the result are not read.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// use claude_sdk_stream::transform::{EventStreamExt, testing};
    /// let (events, outcome) = futures_util::stream::iter(testing::message_turn("hi"))
    ///     .collect_outcome()
    ///     .await
    ///     .unwrap();
    /// assert_eq!(outcome.text, "hi");
    /// assert!(matches!(events.last(), Some(claude_sdk_core::Event::Result(_))));
    /// # });
    /// ```
    fn collect_outcome(self) -> impl Future<Output = Result<(Vec<Event>, Outcome)>> + Send {
        collect::collect_outcome(self)
    }
}

impl<S> EventStreamExt for S where S: Stream<Item = Result<Event>> + Send {}
