//! Content blocks of Anthropic messages as the CLI prints them.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::de::{LeanString, wire_struct};
use super::fast::{Cur, Fast, FastRest, Tag};

/// One content block. Unknown block types are kept verbatim in [`ContentBlock::Unknown`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ContentBlock {
    /// Plain text.
    Text(TextBlock),
    /// Extended thinking.
    Thinking(ThinkingBlock),
    /// Redacted thinking.
    RedactedThinking(RedactedThinkingBlock),
    /// A tool call by the model.
    ToolUse(ToolUseBlock),
    /// The result of a tool call (in user messages).
    ToolResult(ToolResultBlock),
    /// Any block type this version does not know (images, server tools, …), verbatim.
    #[serde(untagged)]
    Unknown(Value),
}

impl<'de> Deserialize<'de> for ContentBlock {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        super::tagged::deserialize(d)
    }
}

impl super::tagged::Tagged for ContentBlock {
    const TAG: &'static str = "type";
    const EXPECTING: &'static str = "a content block (a JSON object)";

    fn from_tagged<'de, D: serde::Deserializer<'de>>(tag: &str, rest: D) -> Result<Self, D::Error> {
        Ok(match tag {
            "text" => ContentBlock::Text(TextBlock::deserialize(rest)?),
            "thinking" => ContentBlock::Thinking(ThinkingBlock::deserialize(rest)?),
            "redacted_thinking" => {
                ContentBlock::RedactedThinking(RedactedThinkingBlock::deserialize(rest)?)
            }
            "tool_use" => ContentBlock::ToolUse(ToolUseBlock::deserialize(rest)?),
            "tool_result" => ContentBlock::ToolResult(ToolResultBlock::deserialize(rest)?),
            _ => ContentBlock::Unknown(super::tagged::unknown(Self::TAG, tag, rest)?),
        })
    }

    fn untagged(value: Value) -> Self {
        ContentBlock::Unknown(value)
    }
}

impl ContentBlock {
    /// A text block.
    pub fn text(text: impl Into<String>) -> Self {
        ContentBlock::Text(TextBlock {
            text: text.into(),
            extra: Map::new(),
        })
    }

    /// The text of a text block.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            ContentBlock::Text(t) => Some(&t.text),
            _ => None,
        }
    }
}

/// A text block.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TextBlock {
    /// The text.
    pub text: String,
    /// Fields this version does not model (citations, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A thinking block.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThinkingBlock {
    /// The thinking text.
    #[serde(default)]
    pub thinking: String,
    /// The signature, when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    /// Unmodelled fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A redacted thinking block.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RedactedThinkingBlock {
    /// Opaque data.
    #[serde(default)]
    pub data: String,
    /// Unmodelled fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A tool call.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToolUseBlock {
    /// Tool call id (`toolu_…`).
    pub id: String,
    /// Tool name (`Bash`, `mcp__server__tool`, …).
    pub name: String,
    /// The parsed input.
    #[serde(default)]
    pub input: Value,
    /// Unmodelled fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A tool result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToolResultBlock {
    /// The call this answers.
    pub tool_use_id: String,
    /// A string or a list of content blocks.
    #[serde(default)]
    pub content: Value,
    /// Whether the tool failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_error: Option<bool>,
    /// Unmodelled fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A user message's content: a string, or a list of blocks.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum UserContent {
    /// Plain text.
    Text(String),
    /// Content blocks (text, images, tool results, …).
    Blocks(Vec<ContentBlock>),
}

impl UserContent {
    /// All text in this content, joined without separators.
    pub fn text(&self) -> String {
        match self {
            UserContent::Text(t) => t.clone(),
            UserContent::Blocks(b) => b.iter().filter_map(ContentBlock::as_text).collect(),
        }
    }
}

impl From<String> for UserContent {
    fn from(s: String) -> Self {
        UserContent::Text(s)
    }
}

impl From<&str> for UserContent {
    fn from(s: &str) -> Self {
        UserContent::Text(s.to_owned())
    }
}

impl From<Vec<ContentBlock>> for UserContent {
    fn from(b: Vec<ContentBlock>) -> Self {
        UserContent::Blocks(b)
    }
}

wire_struct!(TextBlock, "a text block",
    required { text: "text" via LeanString }
    optional {}
    extra extra);

wire_struct!(ThinkingBlock, "a thinking block",
    required {}
    optional { thinking: "thinking" via LeanString, signature: "signature" }
    extra extra);

wire_struct!(RedactedThinkingBlock, "a redacted thinking block",
    required {}
    optional { data: "data" }
    extra extra);

wire_struct!(ToolUseBlock, "a tool_use block",
    required { id: "id", name: "name" }
    optional { input: "input" }
    extra extra);

wire_struct!(ToolResultBlock, "a tool_result block",
    required { tool_use_id: "tool_use_id" }
    optional { content: "content", is_error: "is_error" }
    extra extra);

// Untagged by shape, read without buffering: a string is `Text`, an array is `Blocks`.
impl<'de> Deserialize<'de> for UserContent {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = UserContent;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string or a list of content blocks")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<UserContent, E> {
                Ok(UserContent::Text(v.to_owned()))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<UserContent, E> {
                Ok(UserContent::Text(v))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                seq: A,
            ) -> Result<UserContent, A::Error> {
                Vec::<ContentBlock>::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))
                    .map(UserContent::Blocks)
            }
        }
        d.deserialize_any(V)
    }
}

impl Fast for ContentBlock {
    fn read(c: &mut Cur<'_>) -> Option<Self> {
        let (tag, at) = c.open_tagged()?;
        let first = at == Tag::Later;
        let mut block = match tag {
            "text" => ContentBlock::Text(TextBlock::read_rest(c, first)?),
            "thinking" => ContentBlock::Thinking(ThinkingBlock::read_rest(c, first)?),
            "redacted_thinking" => {
                ContentBlock::RedactedThinking(RedactedThinkingBlock::read_rest(c, first)?)
            }
            "tool_use" => ContentBlock::ToolUse(ToolUseBlock::read_rest(c, first)?),
            "tool_result" => ContentBlock::ToolResult(ToolResultBlock::read_rest(c, first)?),
            _ => return None,
        };
        if at == Tag::Later {
            let extra = match &mut block {
                ContentBlock::Text(b) => &mut b.extra,
                ContentBlock::Thinking(b) => &mut b.extra,
                ContentBlock::RedactedThinking(b) => &mut b.extra,
                ContentBlock::ToolUse(b) => &mut b.extra,
                ContentBlock::ToolResult(b) => &mut b.extra,
                ContentBlock::Unknown(_) => return None,
            };
            extra.remove("type");
        }
        Some(block)
    }
}

impl Fast for UserContent {
    fn read(c: &mut Cur<'_>) -> Option<Self> {
        match c.peek()? {
            b'"' => c.string().map(UserContent::Text),
            b'[' => Vec::<ContentBlock>::read(c).map(UserContent::Blocks),
            _ => None,
        }
    }
}
