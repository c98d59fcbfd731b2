//! [`PartialMessage`]: a model message accumulated from raw stream events.

use std::collections::BTreeMap;

use claude_sdk_core::Event;
use claude_sdk_core::message::{ContentBlock, Delta, StreamEvent, Usage};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::json::PartialJson;
use super::structured::{PartialObject, STRUCTURED_OUTPUT_TOOL};

/// A model message as it streams: text, thinking and tool calls so far, from the raw API events
/// the CLI forwards with `--include-partial-messages` ([`Event::StreamEvent`]).
///
/// Blocks are tracked by their index (indexes may be sparse). A `message_start` starts a new
/// message (a turn with tool calls has several), so the accumulator always shows the latest one.
///
/// By default only the main agent's events are taken by [`apply_event`](Self::apply_event);
/// a sub-agent's message is followed with [`for_parent_tool_use`](Self::for_parent_tool_use).
///
/// ```
/// use claude_sdk_core::message::StreamEvent;
/// use claude_sdk_stream::partial::PartialMessage;
/// use serde_json::json;
///
/// let events = [
///     json!({"type": "message_start", "message": {"id": "msg_1", "usage": {"input_tokens": 9}}}),
///     json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
///     json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Looking it up."}}),
///     json!({"type": "content_block_stop", "index": 0}),
///     json!({"type": "content_block_start", "index": 1,
///            "content_block": {"type": "tool_use", "id": "toolu_1", "name": "Read", "input": {}}}),
///     json!({"type": "content_block_delta", "index": 1,
///            "delta": {"type": "input_json_delta", "partial_json": "{\"file_path\": \"/tmp/no"}}),
/// ];
/// let mut msg = PartialMessage::new();
/// for e in events {
///     msg.apply(&serde_json::from_value::<StreamEvent>(e)?);
/// }
/// assert_eq!(msg.text(), "Looking it up.");
/// let call = msg.tool_calls().next().unwrap();
/// assert_eq!((call.id(), call.name()), ("toolu_1", "Read"));
/// assert_eq!(call.input_snapshot(), Some(json!({"file_path": "/tmp/no"})));
/// assert!(!call.is_complete());
///
/// for e in [
///     json!({"type": "content_block_delta", "index": 1,
///            "delta": {"type": "input_json_delta", "partial_json": "tes.md\"}"}}),
///     json!({"type": "content_block_stop", "index": 1}),
///     json!({"type": "message_delta", "delta": {"stop_reason": "tool_use"}, "usage": {"output_tokens": 30}}),
///     json!({"type": "message_stop"}),
/// ] {
///     msg.apply(&serde_json::from_value::<StreamEvent>(e)?);
/// }
/// let call = msg.tool_calls().next().unwrap();
/// assert_eq!(call.input(), Some(json!({"file_path": "/tmp/notes.md"})));
/// assert_eq!(msg.stop_reason(), Some("tool_use"));
/// assert_eq!(msg.usage().map(|u| (u.input_tokens, u.output_tokens)), Some((9, 30)));
/// assert!(msg.is_done());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct PartialMessage {
    parent_tool_use_id: Option<String>,
    message: Option<Value>,
    blocks: BTreeMap<usize, PartialBlock>,
    stop_reason: Option<String>,
    stop_sequence: Option<String>,
    usage: Option<Usage>,
    error: Option<Value>,
    done: bool,
}

impl PartialMessage {
    /// An empty accumulator following the main agent.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty accumulator following the sub-agent started by the tool call `tool_use_id`
    /// (events whose `parent_tool_use_id` is that id).
    pub fn for_parent_tool_use(tool_use_id: impl Into<String>) -> Self {
        Self {
            parent_tool_use_id: Some(tool_use_id.into()),
            ..Self::default()
        }
    }

    /// The sub-agent tool call this accumulator follows (`None`: the main agent).
    pub fn parent_tool_use_id(&self) -> Option<&str> {
        self.parent_tool_use_id.as_deref()
    }

    /// Applies an event of any backend stream: a [`Event::StreamEvent`] of the agent this
    /// accumulator follows is applied (returns `true`); every other event is ignored (`false`).
    pub fn apply_event(&mut self, event: &Event) -> bool {
        match event {
            Event::StreamEvent(m) if m.parent_tool_use_id == self.parent_tool_use_id => {
                self.apply(&m.event);
                true
            }
            _ => false,
        }
    }

    /// Applies one raw API event.
    ///
    /// `message_start` resets the accumulator. A delta for an index that was never started
    /// starts a block of the delta's kind; a delta of the wrong kind for its block, or after the
    /// block's `content_block_stop`, is ignored.
    pub fn apply(&mut self, event: &StreamEvent) {
        match event {
            StreamEvent::MessageStart { message, .. } => {
                self.reset();
                self.usage = message
                    .get("usage")
                    .and_then(|u| Usage::deserialize(u).ok());
                self.message = Some(message.clone());
            }
            StreamEvent::ContentBlockStart {
                index,
                content_block,
                ..
            } => {
                self.blocks
                    .insert(*index, PartialBlock::start(*index, content_block));
            }
            StreamEvent::ContentBlockDelta { index, delta, .. } => {
                self.blocks
                    .entry(*index)
                    .or_insert_with(|| PartialBlock::implied(*index, delta))
                    .apply_delta(delta);
            }
            StreamEvent::ContentBlockStop { index, .. } => {
                if let Some(block) = self.blocks.get_mut(index) {
                    block.stop();
                }
            }
            StreamEvent::MessageDelta { delta, usage, .. } => {
                let text = |k: &str| delta.get(k).and_then(Value::as_str).map(str::to_owned);
                if let Some(r) = text("stop_reason") {
                    self.stop_reason = Some(r);
                }
                if let Some(s) = text("stop_sequence") {
                    self.stop_sequence = Some(s);
                }
                if let Some(u) = usage {
                    self.merge_usage(u);
                }
            }
            StreamEvent::MessageStop { .. } => self.done = true,
            StreamEvent::Error { error, .. } => self.error = Some(error.clone()),
            StreamEvent::Ping { .. } | StreamEvent::Unknown(_) => {}
        }
    }

    /// `message_delta` usage is cumulative: it replaces output tokens, and the other counts
    /// when it reports them.
    fn merge_usage(&mut self, delta: &Usage) {
        let usage = self.usage.get_or_insert_with(Usage::default);
        usage.output_tokens = delta.output_tokens;
        for (into, from) in [
            (&mut usage.input_tokens, delta.input_tokens),
            (
                &mut usage.cache_creation_input_tokens,
                delta.cache_creation_input_tokens,
            ),
            (
                &mut usage.cache_read_input_tokens,
                delta.cache_read_input_tokens,
            ),
        ] {
            if from != 0 {
                *into = from;
            }
        }
        usage
            .extra
            .extend(delta.extra.iter().map(|(k, v)| (k.clone(), v.clone())));
    }

    /// Forgets everything (keeps the agent filter).
    pub fn reset(&mut self) {
        *self = Self {
            parent_tool_use_id: self.parent_tool_use_id.take(),
            ..Self::default()
        };
    }

    /// All text blocks so far, in index order, concatenated.
    pub fn text(&self) -> String {
        self.blocks
            .values()
            .filter_map(|b| match b {
                PartialBlock::Text(t) => Some(t.text()),
                _ => None,
            })
            .collect()
    }

    /// All thinking so far, in index order, concatenated.
    pub fn thinking(&self) -> String {
        self.blocks
            .values()
            .filter_map(|b| match b {
                PartialBlock::Thinking(t) => Some(t.thinking()),
                _ => None,
            })
            .collect()
    }

    /// The signature of the last thinking block that has one.
    pub fn thinking_signature(&self) -> Option<&str> {
        self.blocks.values().rev().find_map(|b| match b {
            PartialBlock::Thinking(t) => t.signature(),
            _ => None,
        })
    }

    /// The tool calls so far, in index order.
    pub fn tool_calls(&self) -> impl Iterator<Item = &PartialToolCall> {
        self.blocks.values().filter_map(|b| match b {
            PartialBlock::ToolUse(t) => Some(t),
            _ => None,
        })
    }

    /// The tool call with this id.
    pub fn tool_call(&self, id: &str) -> Option<&PartialToolCall> {
        self.tool_calls().find(|t| t.id() == id)
    }

    /// The structured output being produced (with an output schema, the model fills it through
    /// a tool call named [`STRUCTURED_OUTPUT_TOOL`]): the last such call of this message.
    pub fn structured_output(&self) -> Option<PartialObject<'_>> {
        self.tool_calls()
            .filter(|t| t.name() == STRUCTURED_OUTPUT_TOOL)
            .last()
            .map(PartialObject::new)
    }

    /// All blocks so far with their index, in index order.
    pub fn blocks(&self) -> impl Iterator<Item = (usize, &PartialBlock)> {
        self.blocks.iter().map(|(i, b)| (*i, b))
    }

    /// The block at `index`.
    pub fn block(&self, index: usize) -> Option<&PartialBlock> {
        self.blocks.get(&index)
    }

    /// The message skeleton of `message_start` (id, model, initial usage, …).
    pub fn message(&self) -> Option<&Value> {
        self.message.as_ref()
    }

    /// The message id (`msg_…`).
    pub fn id(&self) -> Option<&str> {
        self.message.as_ref()?.get("id")?.as_str()
    }

    /// The model answering.
    pub fn model(&self) -> Option<&str> {
        self.message.as_ref()?.get("model")?.as_str()
    }

    /// The stop reason (`end_turn`, `tool_use`, `max_tokens`, …) once `message_delta` said it.
    pub fn stop_reason(&self) -> Option<&str> {
        self.stop_reason.as_deref()
    }

    /// The stop sequence that ended the message, if any.
    pub fn stop_sequence(&self) -> Option<&str> {
        self.stop_sequence.as_deref()
    }

    /// Usage: the input counts of `message_start`, updated by `message_delta`.
    pub fn usage(&self) -> Option<&Usage> {
        self.usage.as_ref()
    }

    /// The error object of an `error` stream event.
    pub fn error(&self) -> Option<&Value> {
        self.error.as_ref()
    }

    /// Whether a `message_start` was seen (since the last reset).
    pub fn is_started(&self) -> bool {
        self.message.is_some()
    }

    /// Whether `message_stop` was seen.
    pub fn is_done(&self) -> bool {
        self.done
    }
}

/// One content block of a [`PartialMessage`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum PartialBlock {
    /// Text.
    Text(PartialText),
    /// Extended thinking.
    Thinking(PartialThinking),
    /// A tool call.
    ToolUse(PartialToolCall),
    /// Any other block (redacted thinking, server tools, types this version does not know).
    Other(PartialOther),
}

impl PartialBlock {
    fn start(index: usize, block: &ContentBlock) -> Self {
        match block {
            ContentBlock::Text(t) => PartialBlock::Text(PartialText {
                text: t.text.clone(),
                done: false,
            }),
            ContentBlock::Thinking(t) => PartialBlock::Thinking(PartialThinking {
                thinking: t.thinking.clone(),
                signature: t.signature.clone().unwrap_or_default(),
                done: false,
            }),
            ContentBlock::ToolUse(t) => PartialBlock::ToolUse(PartialToolCall {
                index,
                id: t.id.clone(),
                name: t.name.clone(),
                initial: t.input.clone(),
                json: PartialJson::new(),
                done: false,
                input: None,
            }),
            other => PartialBlock::Other(PartialOther {
                block: other.clone(),
                deltas: Vec::new(),
                done: false,
            }),
        }
    }

    /// The block a delta implies when its `content_block_start` was not seen.
    fn implied(index: usize, delta: &Delta) -> Self {
        let block = match delta {
            Delta::TextDelta { .. } => ContentBlock::text(""),
            Delta::ThinkingDelta { .. } | Delta::SignatureDelta { .. } => {
                return PartialBlock::Thinking(PartialThinking::default());
            }
            Delta::InputJsonDelta { .. } => {
                return PartialBlock::ToolUse(PartialToolCall {
                    index,
                    id: String::new(),
                    name: String::new(),
                    initial: Value::Null,
                    json: PartialJson::new(),
                    done: false,
                    input: None,
                });
            }
            Delta::Unknown(_) => ContentBlock::Unknown(Value::Null),
        };
        Self::start(index, &block)
    }

    fn apply_delta(&mut self, delta: &Delta) {
        if self.is_complete() {
            return;
        }
        match (self, delta) {
            (PartialBlock::Text(t), Delta::TextDelta { text }) => t.text.push_str(text),
            (PartialBlock::Thinking(t), Delta::ThinkingDelta { thinking }) => {
                t.thinking.push_str(thinking);
            }
            (PartialBlock::Thinking(t), Delta::SignatureDelta { signature }) => {
                t.signature.push_str(signature);
            }
            (PartialBlock::ToolUse(t), Delta::InputJsonDelta { partial_json }) => {
                t.json.push(partial_json);
            }
            (PartialBlock::Other(o), d) => o.deltas.push(d.clone()),
            _ => {}
        }
    }

    fn stop(&mut self) {
        match self {
            PartialBlock::Text(t) => t.done = true,
            PartialBlock::Thinking(t) => t.done = true,
            PartialBlock::ToolUse(t) => t.finish(),
            PartialBlock::Other(o) => o.done = true,
        }
    }

    /// Whether the block's `content_block_stop` was seen.
    pub fn is_complete(&self) -> bool {
        match self {
            PartialBlock::Text(t) => t.done,
            PartialBlock::Thinking(t) => t.done,
            PartialBlock::ToolUse(t) => t.done,
            PartialBlock::Other(o) => o.done,
        }
    }
}

/// A text block so far.
#[derive(Debug, Clone, Default)]
pub struct PartialText {
    text: String,
    done: bool,
}

impl PartialText {
    /// The text so far.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether the block's `content_block_stop` was seen.
    pub fn is_complete(&self) -> bool {
        self.done
    }
}

/// A thinking block so far.
#[derive(Debug, Clone, Default)]
pub struct PartialThinking {
    thinking: String,
    signature: String,
    done: bool,
}

impl PartialThinking {
    /// The thinking so far.
    pub fn thinking(&self) -> &str {
        &self.thinking
    }

    /// The signature, once received.
    pub fn signature(&self) -> Option<&str> {
        Some(self.signature.as_str()).filter(|s| !s.is_empty())
    }

    /// Whether the block's `content_block_stop` was seen.
    pub fn is_complete(&self) -> bool {
        self.done
    }
}

/// A block of another kind: its start skeleton and its deltas, verbatim.
#[derive(Debug, Clone)]
pub struct PartialOther {
    block: ContentBlock,
    deltas: Vec<Delta>,
    done: bool,
}

impl PartialOther {
    /// The block as `content_block_start` announced it (`ContentBlock::Unknown(Value::Null)` when
    /// the start was not seen).
    pub fn block(&self) -> &ContentBlock {
        &self.block
    }

    /// The deltas received for this block.
    pub fn deltas(&self) -> &[Delta] {
        &self.deltas
    }

    /// Whether the block's `content_block_stop` was seen.
    pub fn is_complete(&self) -> bool {
        self.done
    }
}

/// A tool call whose input JSON is still arriving.
///
/// The input streams as `input_json_delta` fragments into a [`PartialJson`];
/// [`input_snapshot`](Self::input_snapshot) shows what has arrived, and once the block's
/// `content_block_stop` is seen the input is parsed strictly (once) and offered by
/// [`input`](Self::input) and [`parse_input`](Self::parse_input).
#[derive(Debug, Clone)]
pub struct PartialToolCall {
    index: usize,
    id: String,
    name: String,
    /// The input of `content_block_start` (normally `{}`): the input when no delta comes.
    initial: Value,
    json: PartialJson,
    done: bool,
    /// The strictly parsed input, set at the block's stop (`None` if it did not parse).
    input: Option<Value>,
}

impl PartialToolCall {
    /// The block index.
    pub fn index(&self) -> usize {
        self.index
    }

    /// The tool call id (`toolu_…`; empty when the block start was not seen).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The tool name (empty when the block start was not seen).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The input JSON received so far, with its scanner.
    pub fn json(&self) -> &PartialJson {
        &self.json
    }

    /// The input JSON text received so far.
    pub fn input_json(&self) -> &str {
        self.json.as_str()
    }

    /// The best-effort input so far (see [`PartialJson::snapshot`]); before any fragment, the
    /// block start's input (`{}`); once complete, the final input.
    ///
    /// Each call parses the input received so far (O(length)): to follow a large input, take a
    /// snapshot when you need one rather than after every delta.
    pub fn input_snapshot(&self) -> Option<Value> {
        if let Some(v) = &self.input {
            return Some(v.clone());
        }
        if self.json.is_blank() {
            return Some(self.initial.clone()).filter(|v| !v.is_null());
        }
        self.json.snapshot()
    }

    /// Whether the block's `content_block_stop` was seen.
    pub fn is_complete(&self) -> bool {
        self.done
    }

    /// The input, once complete and valid (use [`parse_input`](Self::parse_input) for the error).
    pub fn input(&self) -> Option<Value> {
        self.input.clone()
    }

    /// The input parsed as `T`, once complete.
    ///
    /// # Errors
    /// The inner result fails when the input is not valid JSON of the shape of `T`.
    pub fn parse_input<T: DeserializeOwned>(&self) -> Option<Result<T, serde_json::Error>> {
        if !self.done {
            return None;
        }
        Some(match &self.input {
            Some(v) => T::deserialize(v),
            None => self.json.parse(),
        })
    }

    /// The input viewed as an object whose fields complete one after the other.
    pub fn as_object(&self) -> PartialObject<'_> {
        PartialObject::new(self)
    }

    /// The parsed final input, without cloning.
    pub(crate) fn final_input(&self) -> Option<&Value> {
        self.input.as_ref()
    }

    fn finish(&mut self) {
        self.done = true;
        self.input = if self.json.is_blank() {
            Some(self.initial.clone()).filter(|v| !v.is_null())
        } else {
            self.json.parse().ok()
        };
    }
}
