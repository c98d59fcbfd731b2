//! [`Coalesce`]: merge small text deltas into chunks of at least N bytes.

use claude_sdk_core::Event;
use claude_sdk_core::message::StreamEventMessage;

use super::{BlockKey, text_delta_mut};
use crate::transform::{TransformStep, Transformer};

/// Merges consecutive text deltas of the same block until they hold at least `min_bytes`
/// bytes, then emits them as one delta (with the metadata of the first). Any other event
/// flushes what is held first, so order is kept and nothing is lost; at most about `min_bytes`
/// plus one delta is held.
///
/// Useful to cut the per-event overhead of a slow consumer (a UI repaint, a network send).
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use claude_sdk_stream::transform::{Coalesce, EventStreamExt, testing};
/// use futures_util::StreamExt;
/// let chunks: Vec<String> = futures_util::stream::iter(testing::streamed_turn(&["a", "b", "c"]))
///     .transform(Coalesce::new(2))
///     .text_only()
///     .map(|t| t.unwrap())
///     .collect()
///     .await;
/// assert_eq!(chunks, ["ab", "c"]); // "c" is flushed when its block ends
/// # });
/// ```
#[derive(Debug, Clone)]
pub struct Coalesce {
    min_bytes: usize,
    held: Option<(BlockKey, StreamEventMessage)>,
}

impl Coalesce {
    /// Emits text deltas once at least `min_bytes` bytes are gathered (`0` or `1`: every delta
    /// as it comes).
    pub fn new(min_bytes: usize) -> Self {
        Coalesce {
            min_bytes,
            held: None,
        }
    }
}

impl Transformer for Coalesce {
    fn transform(&mut self, event: Event) -> TransformStep {
        let Event::StreamEvent(mut m) = event else {
            return match self.held.take() {
                Some((_, held)) => TransformStep::EmitMany(vec![Event::StreamEvent(held), event]),
                None => TransformStep::Emit(event),
            };
        };
        let Some((key, text)) = text_delta_mut(&mut m) else {
            let event = Event::StreamEvent(m);
            return match self.held.take() {
                Some((_, held)) => TransformStep::EmitMany(vec![Event::StreamEvent(held), event]),
                None => TransformStep::Emit(event),
            };
        };
        let mut out = Vec::new();
        match &mut self.held {
            Some((held_key, held)) if *held_key == key => {
                if let Some((_, held_text)) = text_delta_mut(held) {
                    held_text.push_str(text);
                }
            }
            _ => {
                if let Some((_, prev)) = self.held.take() {
                    out.push(Event::StreamEvent(prev));
                }
                self.held = Some((key, m));
            }
        }
        let full = match &mut self.held {
            Some((_, held)) => text_delta_mut(held).is_some_and(|(_, t)| t.len() >= self.min_bytes),
            None => false,
        };
        if full && let Some((_, held)) = self.held.take() {
            out.push(Event::StreamEvent(held));
        }
        match out.len() {
            0 => TransformStep::Skip,
            1 => out.pop().map_or(TransformStep::Skip, TransformStep::Emit),
            _ => TransformStep::EmitMany(out),
        }
    }

    fn finish(&mut self) -> TransformStep {
        match self.held.take() {
            Some((_, held)) => TransformStep::Emit(Event::StreamEvent(held)),
            None => TransformStep::Skip,
        }
    }
}
