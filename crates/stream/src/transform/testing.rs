//! Synthetic events shaped like the CLI's, for examples and tests of stream code.
//!
//! ```
//! use claude_sdk_core::Event;
//! use claude_sdk_stream::transform::testing;
//! let turn = testing::streamed_turn(&["Hel", "lo"]);
//! assert!(matches!(turn.last(), Some(Ok(Event::Result(r))) if r.result.as_deref() == Some("Hello")));
//! ```

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use claude_sdk_core::message::Message;
use claude_sdk_core::{Event, Result};
use futures_core::Stream;
use serde_json::{Value, json};

const SESSION: &str = "00000000-0000-4000-8000-000000000000";
const MESSAGE_ID: &str = "msg_synthetic";

fn event(v: Value) -> Option<Event> {
    let line = serde_json::to_vec(&v).ok()?;
    Message::from_slice(&line)
        .ok()
        .and_then(Event::from_message)
}

/// A `system/init` event.
pub fn system_init() -> Event {
    event(json!({"type": "system", "subtype": "init", "session_id": SESSION, "tools": []}))
        .unwrap_or(Event::Other(Value::Null))
}

fn stream_event(e: Value) -> Option<Event> {
    event(
        json!({"type": "stream_event", "event": e, "session_id": SESSION, "parent_tool_use_id": null}),
    )
}

/// A `message_start` stream event for message `id`.
pub fn message_start(id: &str) -> Event {
    stream_event(
        json!({"type": "message_start", "message": {"id": id, "type": "message",
        "role": "assistant", "content": [], "model": "claude-mock"}}),
    )
    .unwrap_or(Event::Other(Value::Null))
}

/// A text delta of block `0`.
pub fn text_delta(text: &str) -> Event {
    stream_event(json!({"type": "content_block_delta", "index": 0,
        "delta": {"type": "text_delta", "text": text}}))
    .unwrap_or(Event::Other(Value::Null))
}

/// The assistant line of a text block of message `id`.
pub fn assistant(id: &str, text: &str) -> Event {
    event(
        json!({"type": "assistant", "session_id": SESSION, "parent_tool_use_id": null,
        "message": {"id": id, "role": "assistant", "model": "claude-mock",
            "content": [{"type": "text", "text": text}]}}),
    )
    .unwrap_or(Event::Other(Value::Null))
}

/// A successful result with this final text.
pub fn result(text: &str) -> Event {
    event(
        json!({"type": "result", "subtype": "success", "is_error": false, "result": text,
        "session_id": SESSION, "num_turns": 1, "duration_ms": 1,
        "usage": {"input_tokens": 1, "output_tokens": 1}}),
    )
    .unwrap_or(Event::Other(Value::Null))
}

/// A failed result (`is_error`, HTTP `status`), as the CLI reports an API error.
pub fn error_result(status: u16, message: &str) -> Event {
    event(
        json!({"type": "result", "subtype": "success", "is_error": true,
        "result": message, "api_error_status": status, "session_id": SESSION}),
    )
    .unwrap_or(Event::Other(Value::Null))
}

/// A turn with partial messages on: init, the message's stream events with one text delta
/// per chunk, its assistant line (repeating the whole text), and the result.
pub fn streamed_turn(chunks: &[&str]) -> Vec<Result<Event>> {
    let text: String = chunks.concat();
    let mut events = vec![system_init(), message_start(MESSAGE_ID)];
    events.extend(stream_event(
        json!({"type": "content_block_start", "index": 0,
            "content_block": {"type": "text", "text": ""}}),
    ));
    events.extend(chunks.iter().map(|c| text_delta(c)));
    events.extend(stream_event(
        json!({"type": "content_block_stop", "index": 0}),
    ));
    events.push(assistant(MESSAGE_ID, &text));
    events.extend(stream_event(json!({"type": "message_delta",
        "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 1}})));
    events.extend(stream_event(json!({"type": "message_stop"})));
    events.push(result(&text));
    events.into_iter().map(Ok).collect()
}

/// A turn with partial messages off: init, one assistant line, the result.
pub fn message_turn(text: &str) -> Vec<Result<Event>> {
    vec![
        Ok(system_init()),
        Ok(assistant(MESSAGE_ID, text)),
        Ok(result(text)),
    ]
}

/// A stream wrapper that records when it is dropped: proves that a combinator cancels (drops)
/// the work underneath it.
#[derive(Debug)]
pub struct Tracked<S> {
    inner: S,
    dropped: Arc<AtomicBool>,
}

impl<S> Tracked<S> {
    /// Wraps `inner`, flipping an existing flag on drop.
    pub fn with_flag(inner: S, dropped: Arc<AtomicBool>) -> Self {
        Tracked { inner, dropped }
    }
}

impl<S> Drop for Tracked<S> {
    fn drop(&mut self) {
        self.dropped.store(true, Ordering::SeqCst);
    }
}

impl<S: Stream + Unpin> Stream for Tracked<S> {
    type Item = S::Item;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        Pin::new(&mut self.inner).poll_next(cx)
    }
}

/// Wraps `inner`; the flag turns true when the wrapper is dropped.
///
/// ```
/// use claude_sdk_stream::transform::testing::tracked;
/// let (stream, dropped) = tracked(futures_util::stream::empty::<()>());
/// drop(stream);
/// assert!(dropped.load(std::sync::atomic::Ordering::SeqCst));
/// ```
pub fn tracked<S>(inner: S) -> (Tracked<S>, Arc<AtomicBool>) {
    let dropped = Arc::new(AtomicBool::new(false));
    (Tracked::with_flag(inner, dropped.clone()), dropped)
}
