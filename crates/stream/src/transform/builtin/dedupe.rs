//! [`DedupeText`]: drop assistant text that was already streamed as deltas.

use std::collections::HashMap;

use claude_sdk_core::message::StreamEvent;
use claude_sdk_core::{ContentBlock, Event};

use crate::transform::{TransformStep, Transformer};

/// Removes, from assistant messages, the text blocks whose text already arrived as text
/// deltas (with partial messages on the CLI prints every block again once it is complete).
/// Other blocks (thinking, tool calls) are kept; an assistant event left without blocks is
/// dropped. The final [`Event::Result`] is kept as is.
///
/// A consumer that shows deltas and also renders assistant messages then shows each text once.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use claude_sdk_core::Event;
/// use claude_sdk_stream::transform::{DedupeText, EventStreamExt, testing};
/// let (events, _) = futures_util::stream::iter(testing::streamed_turn(&["Hel", "lo"]))
///     .transform(DedupeText::new())
///     .collect_outcome()
///     .await
///     .unwrap();
/// // The assistant line repeating "Hello" is gone; the deltas and the result stay.
/// assert!(!events.iter().any(|e| matches!(e, Event::Assistant(_))));
/// # });
/// ```
#[derive(Debug, Clone, Default)]
pub struct DedupeText {
    /// Per sub-agent (`None`: the main conversation): the message streaming now and whether
    /// it streamed text.
    streaming: HashMap<Option<String>, Streaming>,
}

#[derive(Debug, Clone, Default)]
struct Streaming {
    message_id: Option<String>,
    has_text: bool,
}

impl DedupeText {
    /// A new deduplicator.
    pub fn new() -> Self {
        DedupeText::default()
    }
}

impl Transformer for DedupeText {
    fn transform(&mut self, mut event: Event) -> TransformStep {
        match &mut event {
            Event::StreamEvent(m) => match &m.event {
                StreamEvent::MessageStart { message, .. } => {
                    let message_id = message
                        .get("id")
                        .and_then(serde_json::Value::as_str)
                        .map(str::to_owned);
                    self.streaming.insert(
                        m.parent_tool_use_id.clone(),
                        Streaming {
                            message_id,
                            has_text: false,
                        },
                    );
                }
                _ if m.text_delta().is_some() => {
                    self.streaming
                        .entry(m.parent_tool_use_id.clone())
                        .or_default()
                        .has_text = true;
                }
                _ => {}
            },
            Event::Assistant(a) => {
                let streamed = self.streaming.get(&a.parent_tool_use_id).is_some_and(|s| {
                    s.has_text
                        && match (&s.message_id, &a.message.id) {
                            (Some(streaming), Some(id)) => streaming == id,
                            _ => true,
                        }
                });
                if streamed {
                    a.message
                        .content
                        .retain(|b| !matches!(b, ContentBlock::Text(_)));
                    if a.message.content.is_empty() {
                        return TransformStep::Skip;
                    }
                }
            }
            Event::Result(_) => self.streaming.clear(),
            _ => {}
        }
        TransformStep::Emit(event)
    }
}
