//! Raw Messages API stream events, as wrapped by the CLI in `stream_event` lines
//! (`--include-partial-messages`).

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use super::de::wire_struct;
use super::fast::{Cur, Fast, FastRest};
use super::{ContentBlock, Usage, tagged};

/// One SSE event of the Messages API.
#[derive(Debug, Clone, PartialEq, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize)]
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

// Deserialization: the tag-first fast path of `super::tagged`, through private field structs
// (the public enums keep struct variants).

type Extra = Map<String, Value>;

struct MessageStartFields {
    message: Value,
    extra: Extra,
}

struct BlockStartFields {
    index: usize,
    content_block: ContentBlock,
    extra: Extra,
}

struct BlockDeltaFields {
    index: usize,
    delta: Delta,
    extra: Extra,
}

struct IndexFields {
    index: usize,
    extra: Extra,
}

struct MessageDeltaFields {
    delta: Value,
    usage: Option<Usage>,
    extra: Extra,
}

struct ErrorFields {
    error: Value,
    extra: Extra,
}

wire_struct!(MessageStartFields, "a message_start event",
    required { message: "message" }
    optional {}
    extra extra);

wire_struct!(BlockStartFields, "a content_block_start event",
    required { index: "index", content_block: "content_block" }
    optional {}
    extra extra);

wire_struct!(BlockDeltaFields, "a content_block_delta event",
    required { index: "index", delta: "delta" }
    optional {}
    extra extra);

wire_struct!(IndexFields, "a content_block_stop event",
    required { index: "index" }
    optional {}
    extra extra);

wire_struct!(MessageDeltaFields, "a message_delta event",
    required {}
    optional { delta: "delta", usage: "usage" }
    extra extra);

wire_struct!(ErrorFields, "an error event",
    required {}
    optional { error: "error" }
    extra extra);

impl<'de> Deserialize<'de> for StreamEvent {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        tagged::deserialize(d)
    }
}

impl tagged::Tagged for StreamEvent {
    const TAG: &'static str = "type";
    const EXPECTING: &'static str = "a stream event (a JSON object)";

    fn from_tagged<'de, D: Deserializer<'de>>(tag: &str, rest: D) -> Result<Self, D::Error> {
        Ok(match tag {
            "content_block_delta" => {
                let f = BlockDeltaFields::deserialize(rest)?;
                StreamEvent::ContentBlockDelta {
                    index: f.index,
                    delta: f.delta,
                    extra: f.extra,
                }
            }
            "content_block_start" => {
                let f = BlockStartFields::deserialize(rest)?;
                StreamEvent::ContentBlockStart {
                    index: f.index,
                    content_block: f.content_block,
                    extra: f.extra,
                }
            }
            "content_block_stop" => {
                let f = IndexFields::deserialize(rest)?;
                StreamEvent::ContentBlockStop {
                    index: f.index,
                    extra: f.extra,
                }
            }
            "message_start" => {
                let f = MessageStartFields::deserialize(rest)?;
                StreamEvent::MessageStart {
                    message: f.message,
                    extra: f.extra,
                }
            }
            "message_delta" => {
                let f = MessageDeltaFields::deserialize(rest)?;
                StreamEvent::MessageDelta {
                    delta: f.delta,
                    usage: f.usage,
                    extra: f.extra,
                }
            }
            "message_stop" => StreamEvent::MessageStop {
                extra: Extra::deserialize(rest)?,
            },
            "ping" => StreamEvent::Ping {
                extra: Extra::deserialize(rest)?,
            },
            "error" => {
                let f = ErrorFields::deserialize(rest)?;
                StreamEvent::Error {
                    error: f.error,
                    extra: f.extra,
                }
            }
            _ => StreamEvent::Unknown(tagged::unknown(Self::TAG, tag, rest)?),
        })
    }

    fn untagged(value: Value) -> Self {
        StreamEvent::Unknown(value)
    }
}

#[derive(Deserialize)]
struct TextFields {
    text: String,
}

#[derive(Deserialize)]
struct ThinkingFields {
    thinking: String,
}

#[derive(Deserialize)]
struct SignatureFields {
    signature: String,
}

#[derive(Deserialize)]
struct InputJsonFields {
    partial_json: String,
}

impl<'de> Deserialize<'de> for Delta {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        tagged::deserialize(d)
    }
}

impl tagged::Tagged for Delta {
    const TAG: &'static str = "type";
    const EXPECTING: &'static str = "a content block delta (a JSON object)";

    fn from_tagged<'de, D: Deserializer<'de>>(tag: &str, rest: D) -> Result<Self, D::Error> {
        Ok(match tag {
            "text_delta" => Delta::TextDelta {
                text: TextFields::deserialize(rest)?.text,
            },
            "thinking_delta" => Delta::ThinkingDelta {
                thinking: ThinkingFields::deserialize(rest)?.thinking,
            },
            "signature_delta" => Delta::SignatureDelta {
                signature: SignatureFields::deserialize(rest)?.signature,
            },
            "input_json_delta" => Delta::InputJsonDelta {
                partial_json: InputJsonFields::deserialize(rest)?.partial_json,
            },
            _ => Delta::Unknown(tagged::unknown(Self::TAG, tag, rest)?),
        })
    }

    fn untagged(value: Value) -> Self {
        Delta::Unknown(value)
    }
}

impl Fast for StreamEvent {
    fn read(c: &mut Cur<'_>) -> Option<Self> {
        Some(match c.tag()? {
            "content_block_delta" => {
                let f = BlockDeltaFields::read_rest(c, false)?;
                StreamEvent::ContentBlockDelta {
                    index: f.index,
                    delta: f.delta,
                    extra: f.extra,
                }
            }
            "content_block_start" => {
                let f = BlockStartFields::read_rest(c, false)?;
                StreamEvent::ContentBlockStart {
                    index: f.index,
                    content_block: f.content_block,
                    extra: f.extra,
                }
            }
            "content_block_stop" => {
                let f = IndexFields::read_rest(c, false)?;
                StreamEvent::ContentBlockStop {
                    index: f.index,
                    extra: f.extra,
                }
            }
            "message_start" => {
                let f = MessageStartFields::read_rest(c, false)?;
                StreamEvent::MessageStart {
                    message: f.message,
                    extra: f.extra,
                }
            }
            "message_delta" => {
                let f = MessageDeltaFields::read_rest(c, false)?;
                StreamEvent::MessageDelta {
                    delta: f.delta,
                    usage: f.usage,
                    extra: f.extra,
                }
            }
            "message_stop" => StreamEvent::MessageStop {
                extra: c.map_rest(false)?,
            },
            "ping" => StreamEvent::Ping {
                extra: c.map_rest(false)?,
            },
            "error" => {
                let f = ErrorFields::read_rest(c, false)?;
                StreamEvent::Error {
                    error: f.error,
                    extra: f.extra,
                }
            }
            _ => return None,
        })
    }
}

/// The one string field of a known delta (the derived impls ignore other keys; here they are
/// left to serde).
fn delta_field(c: &mut Cur<'_>, name: &str) -> Option<String> {
    let mut first = false;
    let mut value = None;
    while let Some(key) = c.key(&mut first)? {
        if key != name || value.is_some() {
            return None;
        }
        value = Some(c.string()?);
    }
    value
}

impl Fast for Delta {
    fn read(c: &mut Cur<'_>) -> Option<Self> {
        Some(match c.tag()? {
            "text_delta" => Delta::TextDelta {
                text: delta_field(c, "text")?,
            },
            "thinking_delta" => Delta::ThinkingDelta {
                thinking: delta_field(c, "thinking")?,
            },
            "signature_delta" => Delta::SignatureDelta {
                signature: delta_field(c, "signature")?,
            },
            "input_json_delta" => Delta::InputJsonDelta {
                partial_json: delta_field(c, "partial_json")?,
            },
            _ => return None,
        })
    }
}
