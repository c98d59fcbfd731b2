//! Built-in [`Transformer`](super::Transformer)s.

mod coalesce;
mod dedupe;
mod redact;

pub use coalesce::Coalesce;
pub use dedupe::DedupeText;
pub use redact::Redact;

use claude_sdk_core::Event;
use claude_sdk_core::message::{Delta, StreamEvent, StreamEventMessage};

/// The block a text delta belongs to: (sub-agent, block index).
type BlockKey = (Option<String>, usize);

/// The block key and the text of a text-delta event.
fn text_delta_mut(m: &mut StreamEventMessage) -> Option<(BlockKey, &mut String)> {
    match &mut m.event {
        StreamEvent::ContentBlockDelta {
            index,
            delta: Delta::TextDelta { text },
            ..
        } => Some(((m.parent_tool_use_id.clone(), *index), text)),
        _ => None,
    }
}

/// A copy of a text-delta event carrying `text` instead.
fn with_text(template: &StreamEventMessage, text: String) -> Event {
    let mut m = template.clone();
    if let StreamEvent::ContentBlockDelta {
        delta: Delta::TextDelta { text: t },
        ..
    } = &mut m.event
    {
        *t = text;
    }
    Event::StreamEvent(m)
}
