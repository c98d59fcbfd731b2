//! [`PartialObject`]: structured output (or any object-shaped tool input) as its fields complete.

use std::collections::HashSet;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::message::PartialToolCall;

/// The name of the tool through which the CLI receives structured output: with an output schema
/// (`--json-schema`) the model answers by calling it, its input being the structured value.
pub const STRUCTURED_OUTPUT_TOOL: &str = "StructuredOutput";

/// A tool call's input seen as an object whose top-level fields complete one after the other —
/// typically the structured output of a turn ([`PartialMessage::structured_output`]).
///
/// [`PartialMessage::structured_output`]: super::PartialMessage::structured_output
///
/// ```
/// use claude_sdk_core::message::StreamEvent;
/// use claude_sdk_stream::partial::PartialMessage;
/// use serde_json::json;
///
/// #[derive(serde::Deserialize, Debug, PartialEq)]
/// struct Review { title: String, stars: u8 }
///
/// fn feed(msg: &mut PartialMessage, event: serde_json::Value) {
///     msg.apply(&serde_json::from_value::<StreamEvent>(event).unwrap());
/// }
///
/// let mut msg = PartialMessage::new();
/// feed(&mut msg, json!({"type": "content_block_start", "index": 0, "content_block":
///     {"type": "tool_use", "id": "toolu_9", "name": "StructuredOutput", "input": {}}}));
/// feed(&mut msg, json!({"type": "content_block_delta", "index": 0,
///     "delta": {"type": "input_json_delta", "partial_json": "{\"title\": \"Dune\", \"sta"}}));
/// let out = msg.structured_output().unwrap();
/// assert_eq!(out.snapshot(), Some(json!({"title": "Dune"})));
/// assert_eq!(out.completed_fields(), ["title"]);
/// assert!(out.parse::<Review>().is_none()); // not complete yet
///
/// feed(&mut msg, json!({"type": "content_block_delta", "index": 0,
///     "delta": {"type": "input_json_delta", "partial_json": "rs\": 5}"}}));
/// feed(&mut msg, json!({"type": "content_block_stop", "index": 0}));
/// let out = msg.structured_output().unwrap();
/// assert_eq!(out.completed_fields(), ["title", "stars"]);
/// let review: Review = out.parse().unwrap()?;
/// assert_eq!(review, Review { title: "Dune".into(), stars: 5 });
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct PartialObject<'a> {
    call: &'a PartialToolCall,
}

impl<'a> PartialObject<'a> {
    /// Views a tool call's input as an object.
    pub fn new(call: &'a PartialToolCall) -> Self {
        Self { call }
    }

    /// The tool call underneath.
    pub fn tool_call(&self) -> &'a PartialToolCall {
        self.call
    }

    /// The best-effort object so far (see [`PartialToolCall::input_snapshot`]).
    pub fn snapshot(&self) -> Option<Value> {
        self.call.input_snapshot()
    }

    /// The top-level keys whose values are fully received, in arrival order, without
    /// duplicates. The key whose value is still arriving is not included; once the call is
    /// complete, every key is.
    pub fn completed_fields(&self) -> Vec<String> {
        if let (true, Some(Value::Object(m))) =
            (self.call.json().is_blank(), self.call.final_input())
        {
            return m.keys().cloned().collect();
        }
        let mut seen = HashSet::new();
        self.call
            .json()
            .completed_keys()
            .iter()
            .filter(|k| seen.insert(k.as_str()))
            .cloned()
            .collect()
    }

    /// The completed fields with their (final) values.
    pub fn completed(&self) -> Map<String, Value> {
        let Some(Value::Object(mut snapshot)) = self.snapshot() else {
            return Map::new();
        };
        let mut out = Map::new();
        for k in self.completed_fields() {
            if let Some(v) = snapshot.remove(&k) {
                out.insert(k, v);
            }
        }
        out
    }

    /// Whether the tool call is complete.
    pub fn is_complete(&self) -> bool {
        self.call.is_complete()
    }

    /// The final value, once complete and valid.
    pub fn value(&self) -> Option<Value> {
        self.call.input()
    }

    /// The final value parsed as `T`, once complete.
    ///
    /// # Errors
    /// The inner result fails when the value does not have the shape of `T`.
    pub fn parse<T: DeserializeOwned>(&self) -> Option<Result<T, serde_json::Error>> {
        self.call.parse_input()
    }
}
