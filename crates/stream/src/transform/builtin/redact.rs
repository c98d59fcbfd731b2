//! [`Redact`]: replace a literal pattern in the text the user sees.

use claude_sdk_core::message::StreamEventMessage;
use claude_sdk_core::{ContentBlock, Event};

use super::{BlockKey, text_delta_mut, with_text};
use crate::transform::{TransformStep, Transformer};

/// Replaces every occurrence of a literal pattern with a replacement in text deltas,
/// assistant text blocks and the result's text.
///
/// A pattern split across deltas (`"pass"` + `"word"`) is still caught: the end of a delta
/// that could begin the pattern is held back (at most `pattern.len() - 1` bytes) and sent with
/// the next delta of the same block, or on its own before any other event. Thinking, tool
/// inputs and tool results are not touched. An empty pattern changes nothing.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use claude_sdk_stream::transform::{EventStreamExt, Redact, testing};
/// use futures_util::StreamExt;
/// let text: Vec<String> = futures_util::stream::iter(testing::streamed_turn(&["key: sk-1", "234 ok"]))
///     .transform(Redact::new("sk-1234", "<key>"))
///     .text_only()
///     .map(|t| t.unwrap())
///     .collect()
///     .await;
/// assert_eq!(text, ["key: ", "<key> ok"]);
/// # });
/// ```
#[derive(Debug, Clone)]
pub struct Redact {
    pattern: String,
    replacement: String,
    /// The held-back end of the last delta, and that delta (as a template to send it in).
    held: Option<Held>,
}

#[derive(Debug, Clone)]
struct Held {
    key: BlockKey,
    template: StreamEventMessage,
    tail: String,
}

impl Redact {
    /// Replaces `pattern` with `replacement`.
    pub fn new(pattern: impl Into<String>, replacement: impl Into<String>) -> Self {
        Redact {
            pattern: pattern.into(),
            replacement: replacement.into(),
            held: None,
        }
    }

    fn replace(&self, text: &mut String) {
        if !self.pattern.is_empty() && text.contains(&self.pattern) {
            *text = text.replace(&self.pattern, &self.replacement);
        }
    }

    /// Redacts `text` as a piece of a longer stream: returns what can be sent now and what
    /// must wait (a suffix that may be the start of the pattern).
    fn redact_streaming(&self, text: &str) -> (String, String) {
        let mut out = String::with_capacity(text.len());
        let mut rest = 0;
        for (at, m) in text.match_indices(&self.pattern) {
            out.push_str(&text[rest..at]);
            out.push_str(&self.replacement);
            rest = at + m.len();
        }
        let remainder = &text[rest..];
        // The longest suffix of `remainder` that is a proper prefix of the pattern.
        let hold = (1..self.pattern.len())
            .rev()
            .find(|&k| self.pattern.is_char_boundary(k) && remainder.ends_with(&self.pattern[..k]))
            .unwrap_or(0);
        let split = remainder.len() - hold;
        out.push_str(&remainder[..split]);
        (out, remainder[split..].to_owned())
    }

    fn flush(&mut self) -> Option<Event> {
        self.held.take().map(|h| with_text(&h.template, h.tail))
    }

    /// Redacts a complete (non-delta) event.
    fn redact_whole(&self, event: &mut Event) {
        match event {
            Event::Assistant(a) => {
                for block in &mut a.message.content {
                    if let ContentBlock::Text(t) = block {
                        self.replace(&mut t.text);
                    }
                }
            }
            Event::Result(r) => {
                if let Some(text) = &mut r.result {
                    self.replace(text);
                }
            }
            _ => {}
        }
    }
}

impl Transformer for Redact {
    fn transform(&mut self, mut event: Event) -> TransformStep {
        if self.pattern.is_empty() {
            return TransformStep::Emit(event);
        }
        let mut out = Vec::new();
        if let Event::StreamEvent(m) = &mut event
            && let Some((key, text)) = text_delta_mut(m)
        {
            let mut joined = match self.held.take() {
                Some(h) if h.key == key => h.tail,
                Some(h) => {
                    out.push(with_text(&h.template, h.tail));
                    String::new()
                }
                None => String::new(),
            };
            joined.push_str(text);
            let (now, later) = self.redact_streaming(&joined);
            *text = now;
            let empty = text.is_empty();
            if !later.is_empty() {
                self.held = Some(Held {
                    key,
                    template: m.clone(),
                    tail: later,
                });
            }
            if !empty {
                out.push(event);
            }
        } else {
            out.extend(self.flush());
            self.redact_whole(&mut event);
            out.push(event);
        }
        match out.len() {
            0 => TransformStep::Skip,
            1 => out.pop().map_or(TransformStep::Skip, TransformStep::Emit),
            _ => TransformStep::EmitMany(out),
        }
    }

    fn finish(&mut self) -> TransformStep {
        match self.flush() {
            Some(ev) => TransformStep::Emit(ev),
            None => TransformStep::Skip,
        }
    }
}
