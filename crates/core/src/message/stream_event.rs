//! Raw Messages API stream events, as wrapped by the CLI in `stream_event` lines
//! (`--include-partial-messages`).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{ContentBlock, Usage};

/// One SSE event of the Messages API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StreamEvent {
    /// Start of a message (the message skeleton, with initial usage).
    MessageStart {
        /// The message skeleton.
        message: Value,
        /// Unmodelled fields.
        #[serde(flatten)]
        extra: Map<String, Value>,
    },
    /// Start of a content block.
    ContentBlockStart {
        /// Block index.
        index: usize,
        /// The block skeleton (empty text, tool name and id, …).
        content_block: ContentBlock,
        /// Unmodelled fields.
        #[serde(flatten)]
        extra: Map<String, Value>,
    },
    /// A delta for a content block.
    ContentBlockDelta {
        /// Block index.
        index: usize,
        /// The delta.
        delta: Delta,
        /// Unmodelled fields.
        #[serde(flatten)]
        extra: Map<String, Value>,
    },
    /// End of a content block.
    ContentBlockStop {
        /// Block index.
        index: usize,
        /// Unmodelled fields.
        #[serde(flatten)]
        extra: Map<String, Value>,
    },
    /// Final message-level changes (stop reason, output usage).
    MessageDelta {
        /// `{"stop_reason":…,"stop_sequence":…}`.
        #[serde(default)]
        delta: Value,
        /// Final usage.
        #[serde(default)]
        usage: Option<Usage>,
        /// Unmodelled fields.
        #[serde(flatten)]
        extra: Map<String, Value>,
    },
    /// End of the message.
    MessageStop {
        /// Unmodelled fields.
        #[serde(flatten)]
        extra: Map<String, Value>,
    },
    /// Keep-alive.
    Ping {
        /// Unmodelled fields.
        #[serde(flatten)]
        extra: Map<String, Value>,
    },
    /// An error event inside the stream.
    Error {
        /// The error object.
        #[serde(default)]
        error: Value,
        /// Unmodelled fields.
        #[serde(flatten)]
        extra: Map<String, Value>,
    },
    /// An event type this version does not know, verbatim.
    #[serde(untagged)]
    Unknown(Value),
}

/// A content block delta.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Delta {
    /// More text.
    TextDelta {
        /// The text fragment.
        text: String,
    },
    /// More thinking.
    ThinkingDelta {
        /// The thinking fragment.
        thinking: String,
    },
    /// The thinking signature.
    SignatureDelta {
        /// The signature.
        signature: String,
    },
    /// A fragment of a tool call's input JSON.
    InputJsonDelta {
        /// The JSON fragment (not valid JSON on its own).
        partial_json: String,
    },
    /// A delta type this version does not know, verbatim.
    #[serde(untagged)]
    Unknown(Value),
}
