//! [`TextOnly`]: the answer's text as it streams, each piece exactly once.

use std::pin::Pin;
use std::task::{Context, Poll};

use claude_sdk_core::message::StreamEvent;
use claude_sdk_core::{Event, Result, result_error};
use futures_core::Stream;
use pin_project_lite::pin_project;

pin_project! {
    /// The stream of [`EventStreamExt::text_only`](super::EventStreamExt::text_only): the
    /// answer's text, as `Result<String>` pieces.
    ///
    /// Rules, per turn (a turn ends with its [`Event::Result`]; the state is reset after it, so
    /// concatenated turns work):
    /// - every non-empty text delta is yielded as it arrives (partial messages on);
    /// - an assistant message's text is yielded once its block arrives, unless that message
    ///   already streamed text deltas (the block repeats them) — so text is never shown twice;
    /// - the result's text is yielded only when the turn yielded no text at all (it repeats the
    ///   last message);
    /// - an `is_error` result becomes its error (as [`Outcome::from_result`] would), and the
    ///   CLI's synthetic error messages (`error` set) are not text;
    /// - sub-agent events (`parent_tool_use_id` set) are skipped: only the main answer is text.
    ///
    /// [`Outcome::from_result`]: claude_sdk_core::Outcome::from_result
    #[must_use = "streams do nothing unless polled"]
    #[derive(Debug)]
    pub struct TextOnly<S> {
        #[pin]
        stream: S,
        state: TextState,
    }
}

#[derive(Debug, Default)]
struct TextState {
    /// Id of the message whose `message_start` came last.
    message_id: Option<String>,
    /// Whether that message streamed text deltas.
    message_streamed: bool,
    /// Whether this turn yielded any text.
    turn_yielded: bool,
}

impl<S> TextOnly<S> {
    pub(crate) fn new(stream: S) -> Self {
        TextOnly {
            stream,
            state: TextState::default(),
        }
    }
}

impl TextState {
    /// What `ev` contributes, if anything.
    fn on_event(&mut self, ev: Event) -> Option<Result<String>> {
        match ev {
            Event::StreamEvent(m) if m.parent_tool_use_id.is_none() => match m.event {
                StreamEvent::MessageStart { message, .. } => {
                    self.message_id = message
                        .get("id")
                        .and_then(serde_json::Value::as_str)
                        .map(str::to_owned);
                    self.message_streamed = false;
                    None
                }
                StreamEvent::ContentBlockDelta {
                    delta: claude_sdk_core::message::Delta::TextDelta { text },
                    ..
                } if !text.is_empty() => {
                    self.message_streamed = true;
                    self.turn_yielded = true;
                    Some(Ok(text))
                }
                _ => None,
            },
            Event::Assistant(a) if a.parent_tool_use_id.is_none() && a.error.is_none() => {
                let same_message = match (&self.message_id, &a.message.id) {
                    (Some(streaming), Some(id)) => streaming == id,
                    // Without ids, a message seen as deltas is the one whose block this is.
                    _ => true,
                };
                if self.message_streamed && same_message {
                    return None;
                }
                let text = a.text();
                if text.is_empty() {
                    return None;
                }
                self.turn_yielded = true;
                Some(Ok(text))
            }
            Event::Result(r) => {
                let yielded = std::mem::take(self).turn_yielded;
                if r.is_error {
                    return Some(Err(result_error(&r)));
                }
                match r.result {
                    Some(text) if !yielded && !text.is_empty() => Some(Ok(text)),
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

impl<S> Stream for TextOnly<S>
where
    S: Stream<Item = Result<Event>>,
{
    type Item = Result<String>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut this = self.project();
        loop {
            match std::task::ready!(this.stream.as_mut().poll_next(cx)) {
                None => return Poll::Ready(None),
                Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                Some(Ok(ev)) => {
                    if let Some(out) = this.state.on_event(ev) {
                        return Poll::Ready(Some(out));
                    }
                }
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, self.stream.size_hint().1)
    }
}
