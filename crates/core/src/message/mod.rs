//! Typed messages for everything the CLI prints with `--output-format stream-json --verbose`.
//!
//! Every enum has an unknown arm and every struct keeps unknown fields in `extra`, so a newer CLI
//! never breaks parsing. A line whose `type` we know but whose shape we do not understand is kept
//! as [`Message::Unknown`] rather than failing.
//!
//! ```
//! use claude_sdk_core::message::Message;
//! let line = br#"{"type":"result","subtype":"success","is_error":false,"result":"hi","session_id":"s1","total_cost_usd":0.00014}"#;
//! let Message::Result(r) = Message::from_slice(line).unwrap() else { panic!() };
//! assert_eq!(r.result.as_deref(), Some("hi"));
//! ```

mod content;
mod control;
pub(crate) mod de;
pub(crate) mod fast;
mod raw;
mod stream_event;
pub(crate) mod tagged;
mod usage;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use content::{
    ContentBlock, RedactedThinkingBlock, TextBlock, ThinkingBlock, ToolResultBlock, ToolUseBlock,
    UserContent,
};
pub use control::{
    ControlCancelRequest, ControlRequest, ControlRequestMessage, ControlResponse,
    ControlResponseMessage,
};
pub use raw::RawMessage;
#[doc(hidden)]
pub use raw::fuzzing as raw_fuzzing;
pub use stream_event::{Delta, StreamEvent};
pub use usage::{ModelUsage, Usage};

/// One line of CLI output.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Message {
    /// `system` (init, api_retry, status, …).
    System(SystemMessage),
    /// `assistant`: one line per content block.
    Assistant(AssistantMessage),
    /// `user`: tool results, replays.
    User(UserMessage),
    /// `result`: the end of a turn.
    Result(ResultMessage),
    /// `stream_event`: a raw API event (partial messages).
    StreamEvent(StreamEventMessage),
    /// `control_request`.
    ControlRequest(ControlRequestMessage),
    /// `control_response`.
    ControlResponse(ControlResponseMessage),
    /// `control_cancel_request`.
    ControlCancelRequest(ControlCancelRequest),
    /// Anything else, verbatim.
    #[serde(untagged)]
    Unknown(Value),
}

impl<'de> Deserialize<'de> for Message {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        tagged::deserialize(d)
    }
}

impl tagged::Tagged for Message {
    const TAG: &'static str = "type";
    const EXPECTING: &'static str = "a CLI message (a JSON object)";

    fn from_tagged<'de, D: serde::Deserializer<'de>>(tag: &str, rest: D) -> Result<Self, D::Error> {
        Ok(match tag {
            "system" => Message::System(SystemMessage::deserialize(rest)?),
            "assistant" => Message::Assistant(AssistantMessage::deserialize(rest)?),
            "user" => Message::User(UserMessage::deserialize(rest)?),
            "result" => Message::Result(ResultMessage::deserialize(rest)?),
            "stream_event" => Message::StreamEvent(StreamEventMessage::deserialize(rest)?),
            "control_request" => Message::ControlRequest(ControlRequestMessage::deserialize(rest)?),
            "control_response" => {
                Message::ControlResponse(ControlResponseMessage::deserialize(rest)?)
            }
            "control_cancel_request" => {
                Message::ControlCancelRequest(ControlCancelRequest::deserialize(rest)?)
            }
            _ => Message::Unknown(tagged::unknown(Self::TAG, tag, rest)?),
        })
    }

    fn untagged(value: Value) -> Self {
        Message::Unknown(value)
    }
}

impl Message {
    /// Parses one line. Fails only on invalid JSON (or invalid UTF-8) or a non-object; an
    /// unknown or unexpected shape becomes [`Message::Unknown`].
    ///
    /// UTF-8 is validated once for the whole line. The lines the CLI prints are then read by a
    /// direct reader (`fast`) that builds the message without serde's visitor machinery; it
    /// gives way to serde on anything unusual (an escaped key, a repeated key, an unknown tag,
    /// a number that is not a plain integer where one is wanted, invalid JSON), so the result
    /// is always what serde gives. With serde: when `"type"` is the first key, the tag-first
    /// path parses in one pass; otherwise (the CLI's `result` lines put it last) a fast
    /// skip-scan reads the tag and the line is parsed once into the right variant — never
    /// buffered.
    pub fn from_slice(line: &[u8]) -> Result<Message, serde_json::Error> {
        Message::from_json_str(utf8(line)?)
    }

    /// Like [`Message::from_slice`], for text.
    pub fn from_json_str(text: &str) -> Result<Message, serde_json::Error> {
        // The direct reader takes the lines it is sure about; serde decides all others.
        fast::message_or(text, Message::from_json_str_serde)
    }

    /// [`Message::from_json_str`] without the direct reader (`fast`): serde alone.
    fn from_json_str_serde(text: &str) -> Result<Message, serde_json::Error> {
        let not_object = || serde::de::Error::custom("a CLI message must be a JSON object");
        let parsed = if tag_is_first(text) {
            serde_json::from_str::<Message>(text)
        } else {
            parse_tag_elsewhere(text)
        };
        match parsed {
            Ok(Message::Unknown(v)) if !v.is_object() => Err(not_object()),
            Ok(m) => Ok(m),
            Err(e) => {
                // Valid JSON but a shape we do not model: keep it.
                let v: Value = serde_json::from_str(text).map_err(|_| e)?;
                if v.is_object() {
                    Ok(Message::Unknown(v))
                } else {
                    Err(not_object())
                }
            }
        }
    }

    /// The `type` of this message.
    pub fn type_name(&self) -> &str {
        match self {
            Message::System(_) => "system",
            Message::Assistant(_) => "assistant",
            Message::User(_) => "user",
            Message::Result(_) => "result",
            Message::StreamEvent(_) => "stream_event",
            Message::ControlRequest(_) => "control_request",
            Message::ControlResponse(_) => "control_response",
            Message::ControlCancelRequest(_) => "control_cancel_request",
            Message::Unknown(v) => v.get("type").and_then(Value::as_str).unwrap_or(""),
        }
    }
}

/// Whether the object's first key is `"type"` (the common case), allowing for leading whitespace.
fn tag_is_first(text: &str) -> bool {
    let t = text.trim_start();
    t.strip_prefix('{')
        .is_some_and(|rest| rest.trim_start().starts_with("\"type\""))
}

/// Parses an object whose `type` is not its first key: skip-scan for the tag, then parse once.
fn parse_tag_elsewhere(text: &str) -> Result<Message, serde_json::Error> {
    #[derive(Deserialize)]
    struct Peek<'a> {
        #[serde(rename = "type", borrow, default)]
        ty: Option<std::borrow::Cow<'a, str>>,
    }
    let peek: Peek<'_> = serde_json::from_str(text)?;
    let Some(tag) = peek.ty else {
        return serde_json::from_str::<Message>(text);
    };
    let mut de = serde_json::Deserializer::from_str(text);
    let mut msg = <Message as tagged::Tagged>::from_tagged(&tag, &mut de)?;
    de.end()?;
    // The variant's `extra` saw the tag too; it is not an unknown field.
    if let Some(extra) = msg.extra_mut() {
        extra.remove("type");
    }
    Ok(msg)
}

impl Message {
    fn extra_mut(&mut self) -> Option<&mut Map<String, Value>> {
        Some(match self {
            Message::System(m) => &mut m.data,
            Message::Assistant(m) => &mut m.extra,
            Message::User(m) => &mut m.extra,
            Message::Result(m) => &mut m.extra,
            Message::StreamEvent(m) => &mut m.extra,
            Message::ControlRequest(m) => &mut m.extra,
            Message::ControlResponse(m) => &mut m.extra,
            Message::ControlCancelRequest(m) => &mut m.extra,
            Message::Unknown(_) => return None,
        })
    }
}

/// A `system` message. The payload depends on `subtype`; typed views are offered for the common ones.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SystemMessage {
    /// `init`, `api_retry`, `status`, `model_fallback`, `permission_denied`, …
    #[serde(default)]
    pub subtype: String,
    /// Session id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// Message uuid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uuid: Option<String>,
    /// Everything else.
    #[serde(flatten)]
    pub data: Map<String, Value>,
}

impl SystemMessage {
    /// The `init` payload, when this is `system/init`.
    pub fn as_init(&self) -> Option<SystemInit> {
        if self.subtype != "init" {
            return None;
        }
        serde_json::from_value(Value::Object(self.data.clone())).ok()
    }

    /// The `api_retry` payload, when this is `system/api_retry`.
    pub fn as_api_retry(&self) -> Option<ApiRetry> {
        if self.subtype != "api_retry" {
            return None;
        }
        serde_json::from_value(Value::Object(self.data.clone())).ok()
    }
}

/// The payload of `system/init` (repeated at the start of every turn).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SystemInit {
    /// Working directory.
    pub cwd: Option<String>,
    /// Tools available.
    pub tools: Vec<String>,
    /// MCP servers and their status.
    pub mcp_servers: Vec<Value>,
    /// Model in use.
    pub model: Option<String>,
    /// Permission mode.
    #[serde(rename = "permissionMode")]
    pub permission_mode: Option<String>,
    /// Where the API key came from.
    #[serde(rename = "apiKeySource")]
    pub api_key_source: Option<String>,
    /// The CLI version.
    pub claude_code_version: Option<String>,
    /// Slash commands.
    pub slash_commands: Vec<String>,
    /// Agents.
    pub agents: Vec<String>,
    /// Unmodelled fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The payload of `system/api_retry`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ApiRetry {
    /// Attempt number (1-based).
    pub attempt: u32,
    /// Retries allowed.
    pub max_retries: u32,
    /// Delay before the retry.
    pub retry_delay_ms: u64,
    /// HTTP status, or none for network failures.
    pub error_status: Option<u16>,
    /// `rate_limit`, `server_error`, `overloaded`, `authentication_failed`, `unknown`.
    pub error: Option<String>,
    /// Unmodelled fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An `assistant` line: one content block of a model message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AssistantMessage {
    /// The API message (with one block in `content`).
    pub message: ApiMessage,
    /// Set for messages from sub-agents.
    #[serde(default)]
    pub parent_tool_use_id: Option<String>,
    /// Session id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// Message uuid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uuid: Option<String>,
    /// Set on synthetic API error messages (`rate_limit`, `authentication_failed`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// When the CLI wrote the message (RFC 3339, e.g. `2026-11-24T05:27:48.311Z`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    /// The API request id (`req_…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// How long the model thought, in milliseconds (on thinking blocks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thinking_duration_ms: Option<u64>,
    /// How thinking is shown (`updates`); on thinking blocks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thinking_display: Option<String>,
    /// Unmodelled fields (api_error_status, …), and a modelled field whose value has another
    /// type than expected.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl AssistantMessage {
    /// All text blocks of this message, concatenated.
    pub fn text(&self) -> String {
        self.message
            .content
            .iter()
            .filter_map(ContentBlock::as_text)
            .collect()
    }
}

/// An Anthropic API message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApiMessage {
    /// `msg_…` id.
    #[serde(default)]
    pub id: Option<String>,
    /// Model id (`<synthetic>` for CLI-made error messages).
    #[serde(default)]
    pub model: Option<String>,
    /// `assistant`.
    #[serde(default)]
    pub role: Option<String>,
    /// Content blocks.
    #[serde(default)]
    pub content: Vec<ContentBlock>,
    /// Stop reason (null in per-block lines).
    #[serde(default)]
    pub stop_reason: Option<String>,
    /// Usage (the `message_start` usage in per-block lines).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
    /// The object type (`message`).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub message_type: Option<String>,
    /// The stop sequence that ended the message (null in per-block lines).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_sequence: Option<String>,
    /// Context management applied by the API (null when none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_management: Option<Value>,
    /// Unmodelled fields, and a modelled field whose value has another type than expected.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A `user` line: tool results from the CLI, or replayed prompts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UserMessage {
    /// The message.
    pub message: UserPayload,
    /// Set for sub-agent messages.
    #[serde(default)]
    pub parent_tool_use_id: Option<String>,
    /// Session id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// Message uuid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uuid: Option<String>,
    /// The tool's structured output (shape depends on the tool).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_use_result: Option<Value>,
    /// When the CLI wrote the message (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    /// Per tool result: its id and the permission decision
    /// (`[{"id":…,"permission_decision":{"decision":"accept","source":"config"}}]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_result_meta: Option<Value>,
    /// Unmodelled fields, and a modelled field whose value has another type than expected.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The `message` of a user line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UserPayload {
    /// `user`.
    #[serde(default)]
    pub role: Option<String>,
    /// Content.
    pub content: UserContent,
    /// Unmodelled fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A tool call that was denied.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PermissionDenial {
    /// Tool name.
    pub tool_name: String,
    /// Tool call id.
    #[serde(default)]
    pub tool_use_id: Option<String>,
    /// Input it was called with.
    #[serde(default)]
    pub tool_input: Value,
    /// Unmodelled fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The `result` line ending a turn. Check `is_error`, not `subtype`: API failures come as
/// `subtype:"success"` with `is_error:true`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResultMessage {
    /// `success`, `error_max_turns`, `error_during_execution`, …
    #[serde(default)]
    pub subtype: String,
    /// Whether the turn failed.
    #[serde(default)]
    pub is_error: bool,
    /// Final text (absent on CLI errors).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    /// Error texts (CLI errors).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
    /// Wall time of the turn.
    #[serde(default)]
    pub duration_ms: u64,
    /// API time, cumulative per process.
    #[serde(default)]
    pub duration_api_ms: u64,
    /// API round trips.
    #[serde(default)]
    pub num_turns: u32,
    /// Session id.
    #[serde(default)]
    pub session_id: String,
    /// Cost in USD, cumulative per process.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_cost_usd: Option<f64>,
    /// Usage of this turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
    /// Per-model usage, cumulative per process.
    #[serde(
        default,
        rename = "modelUsage",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub model_usage: BTreeMap<String, ModelUsage>,
    /// Per-model usage since the previous result (the per-turn delta).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_usage_since_last_result: Option<BTreeMap<String, ModelUsage>>,
    /// Denied tool calls.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub permission_denials: Vec<PermissionDenial>,
    /// Structured output (with `--json-schema`), absent when the model never produced it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub structured_output: Option<Value>,
    /// API stop reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_reason: Option<String>,
    /// Why the turn ended (`completed`, `max_turns`, `api_error`, `aborted_streaming`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminal_reason: Option<String>,
    /// HTTP status of the API failure, if that is why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_error_status: Option<u16>,
    /// API error type (`rate_limit_error`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_error_type: Option<String>,
    /// Network-level error (`connection_failed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_error: Option<String>,
    /// Message uuid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uuid: Option<String>,
    /// Time to the first token of the turn, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttft_ms: Option<u64>,
    /// Time to the first streamed token, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttft_stream_ms: Option<u64>,
    /// Time until the API request was sent, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_to_request_ms: Option<u64>,
    /// Time to the first content frame, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_content_frame_ms: Option<u64>,
    /// Fast mode (`off`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fast_mode_state: Option<String>,
    /// Why fast mode is off (`sdk_opt_in_required`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fast_mode_disabled_reason: Option<String>,
    /// Sub-agent counters (spawned, completed, failed, …), as the CLI reports them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subagent_stats: Option<Value>,
    /// Safety stops in the turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub safety_stops: Option<u64>,
    /// Ids (`msg_…`) of the API messages begun in the turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub begun_message_ids: Option<Vec<String>>,
    /// Turns queued behind this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queued_turn_count: Option<u64>,
    /// Index of this result in the process (0-based).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_index: Option<u64>,
    /// Unmodelled fields, and a modelled field whose value has another type than expected.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ResultMessage {
    /// The per-turn cost: from `model_usage_since_last_result` when present (the CLI's
    /// `total_cost_usd` is cumulative per process), else `total_cost_usd`.
    pub fn turn_cost_usd(&self) -> Option<f64> {
        match &self.model_usage_since_last_result {
            Some(m) if !m.is_empty() => Some(m.values().map(|u| u.cost_usd).sum()),
            _ => self.total_cost_usd,
        }
    }

    /// The best one-line error text: `errors[]`, then `result`, then `subtype`.
    pub fn error_text(&self) -> String {
        if !self.errors.is_empty() {
            return self.errors.join("; ");
        }
        match &self.result {
            Some(r) if !r.is_empty() => r.clone(),
            _ => self.subtype.clone(),
        }
    }
}

/// A `stream_event` line: one raw API event (with `--include-partial-messages`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StreamEventMessage {
    /// The event.
    pub event: StreamEvent,
    /// Session id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// Set for sub-agent events.
    #[serde(default)]
    pub parent_tool_use_id: Option<String>,
    /// Message uuid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uuid: Option<String>,
    /// The id (`msg_…`) of the API message this event belongs to (CLI 2.1.330 sends it on every
    /// event).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_message_id: Option<String>,
    /// How thinking is shown (`updates`); set on thinking-related events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thinking_display: Option<String>,
    /// Time to first token in milliseconds; set on `message_start`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttft_ms: Option<u64>,
    /// Unmodelled fields (and a modelled field whose value has another type than expected).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl StreamEventMessage {
    /// The text of a `text_delta`, if this is one.
    pub fn text_delta(&self) -> Option<&str> {
        match &self.event {
            StreamEvent::ContentBlockDelta {
                delta: Delta::TextDelta { text },
                ..
            } => Some(text),
            _ => None,
        }
    }
}

de::wire_struct!(SystemMessage, "a system message",
    required {}
    optional { subtype: "subtype", session_id: "session_id", uuid: "uuid" }
    extra data);

de::wire_struct!(AssistantMessage, "an assistant message",
    required { message: "message" }
    optional {
        parent_tool_use_id: "parent_tool_use_id",
        session_id: "session_id",
        uuid: "uuid",
        error: "error",
    }
    lenient {
        timestamp: "timestamp",
        request_id: "request_id",
        thinking_duration_ms: "thinking_duration_ms",
        thinking_display: "thinking_display",
    }
    extra extra);

de::wire_struct!(ApiMessage, "an API message",
    required {}
    optional {
        id: "id",
        model: "model",
        role: "role",
        content: "content",
        stop_reason: "stop_reason",
        usage: "usage",
    }
    lenient {
        message_type: "type",
        stop_sequence: "stop_sequence",
        context_management: "context_management",
    }
    extra extra);

de::wire_struct!(UserMessage, "a user message",
    required { message: "message" }
    optional {
        parent_tool_use_id: "parent_tool_use_id",
        session_id: "session_id",
        uuid: "uuid",
        tool_use_result: "tool_use_result",
    }
    lenient {
        timestamp: "timestamp",
        tool_result_meta: "tool_result_meta",
    }
    extra extra);

de::wire_struct!(UserPayload, "a user message payload",
    required { content: "content" }
    optional { role: "role" }
    extra extra);

de::wire_struct!(PermissionDenial, "a permission denial",
    required { tool_name: "tool_name" }
    optional { tool_use_id: "tool_use_id", tool_input: "tool_input" }
    extra extra);

de::wire_struct!(ResultMessage, "a result message",
    required {}
    optional {
        subtype: "subtype",
        is_error: "is_error",
        result: "result",
        errors: "errors",
        duration_ms: "duration_ms",
        duration_api_ms: "duration_api_ms",
        num_turns: "num_turns",
        session_id: "session_id",
        total_cost_usd: "total_cost_usd",
        usage: "usage",
        model_usage: "modelUsage",
        model_usage_since_last_result: "model_usage_since_last_result",
        permission_denials: "permission_denials",
        structured_output: "structured_output",
        stop_reason: "stop_reason",
        terminal_reason: "terminal_reason",
        api_error_status: "api_error_status",
        api_error_type: "api_error_type",
        api_error: "api_error",
        uuid: "uuid",
    }
    lenient {
        ttft_ms: "ttft_ms",
        ttft_stream_ms: "ttft_stream_ms",
        time_to_request_ms: "time_to_request_ms",
        first_content_frame_ms: "first_content_frame_ms",
        fast_mode_state: "fast_mode_state",
        fast_mode_disabled_reason: "fast_mode_disabled_reason",
        subagent_stats: "subagent_stats",
        safety_stops: "safety_stops",
        begun_message_ids: "begun_message_ids",
        queued_turn_count: "queued_turn_count",
        result_index: "result_index",
    }
    extra extra);

de::wire_struct!(StreamEventMessage, "a stream_event message",
    required { event: "event" }
    optional {
        session_id: "session_id",
        parent_tool_use_id: "parent_tool_use_id",
        uuid: "uuid",
    }
    lenient {
        api_message_id: "api_message_id",
        thinking_display: "thinking_display",
        ttft_ms: "ttft_ms",
    }
    extra extra);

#[cfg(test)]
mod tests;

/// `line` as text: UTF-8 checked with SIMD where the CPU has it (`simdutf8`, about 1.7× the
/// standard library's check on CLI lines); the error says where the first bad byte is.
pub(crate) fn utf8(line: &[u8]) -> Result<&str, serde_json::Error> {
    simdutf8::basic::from_utf8(line).map_err(|_| {
        let detail = std::str::from_utf8(line).err().map(|e| e.to_string());
        serde::de::Error::custom(format!(
            "invalid UTF-8: {}",
            detail.unwrap_or_else(|| "invalid byte".to_owned())
        ))
    })
}
