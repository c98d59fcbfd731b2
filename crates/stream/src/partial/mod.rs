//! Partial parsing while a message streams.
//!
//! With `--include-partial-messages` ([`Options::include_partial_messages`]) the CLI forwards
//! the raw API events of each model message as [`Event::StreamEvent`]s, before the complete
//! `assistant` lines. This module turns them into something usable mid-stream:
//!
//! - [`PartialJson`]: JSON received in fragments (tool inputs arrive as `input_json_delta`
//!   fragments that are not valid JSON on their own), with a best-effort
//!   [`snapshot`](PartialJson::snapshot) of the value so far. Linear in the total length.
//! - [`PartialMessage`]: the message so far — text, thinking, tool calls
//!   ([`PartialToolCall`]) with their inputs as they arrive, stop reason and usage.
//! - [`PartialObject`]: a tool input (the structured output of `--json-schema`, which the
//!   model produces by calling the [`STRUCTURED_OUTPUT_TOOL`]) as its top-level fields
//!   complete.
//!
//! ```
//! use claude_sdk_core::Event;
//! use claude_sdk_stream::partial::PartialMessage;
//! use serde_json::json;
//!
//! // Events as a backend stream yields them (here parsed from CLI lines).
//! let lines = [
//!     json!({"type": "stream_event", "event": {"type": "message_start", "message": {"id": "msg_1"}}}),
//!     json!({"type": "stream_event", "event": {"type": "content_block_start", "index": 0,
//!            "content_block": {"type": "tool_use", "id": "toolu_1", "name": "Write", "input": {}}}}),
//!     json!({"type": "stream_event", "event": {"type": "content_block_delta", "index": 0,
//!            "delta": {"type": "input_json_delta", "partial_json": "{\"file_path\":\"a.txt\",\"content\":\"Hel"}}}),
//! ];
//! let mut msg = PartialMessage::new();
//! for line in lines {
//!     let event = Event::from_message(serde_json::from_value(line)?).unwrap();
//!     assert!(msg.apply_event(&event));
//! }
//! let write = msg.tool_calls().next().unwrap();
//! assert_eq!(write.input_snapshot(), Some(json!({"file_path": "a.txt", "content": "Hel"})));
//! assert_eq!(write.as_object().completed_fields(), ["file_path"]);
//! # Ok::<(), serde_json::Error>(())
//! ```
//!
//! [`Options::include_partial_messages`]: claude_sdk_core::Options::include_partial_messages
//! [`Event::StreamEvent`]: claude_sdk_core::Event::StreamEvent

mod json;
mod message;
mod structured;

pub use json::PartialJson;
pub use message::{
    PartialBlock, PartialMessage, PartialOther, PartialText, PartialThinking, PartialToolCall,
};
pub use structured::{PartialObject, STRUCTURED_OUTPUT_TOOL};
