//! Typed answers to the SDK → CLI control requests that [`crate::CliClient`] sends at run time.
//! Each keeps the fields it does not model in `extra`, so a newer CLI never breaks them.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// `interrupt`: what survived the interrupt.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct InterruptReceipt {
    /// Uuids of queued user messages that will still run.
    #[serde(default)]
    pub still_queued: Vec<String>,
    /// Unmodelled fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `mcp_status`: the MCP servers of the session.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct McpStatus {
    /// One entry per configured server.
    #[serde(rename = "mcpServers", default)]
    pub servers: Vec<McpServerStatus>,
    /// Unmodelled fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One MCP server's connection state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct McpServerStatus {
    /// The server's name.
    pub name: String,
    /// `connected`, `failed`, `needs-auth`, `pending`, `disabled`, …
    #[serde(default)]
    pub status: String,
    /// Why it failed, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Unmodelled fields (`serverInfo`, `config`, `scope`, `source`, `tools`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `get_context_usage`: how the context window is used.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ContextUsage {
    /// Usage by category (system prompt, tools, messages, free space, …).
    #[serde(default)]
    pub categories: Vec<ContextCategory>,
    /// Tokens in use.
    #[serde(rename = "totalTokens", default)]
    pub total_tokens: u64,
    /// The window's size.
    #[serde(rename = "maxTokens", default)]
    pub max_tokens: u64,
    /// `total_tokens / max_tokens` in percent.
    #[serde(default)]
    pub percentage: f64,
    /// The model it was computed for.
    #[serde(default)]
    pub model: String,
    /// Unmodelled fields (`memoryFiles`, `mcpTools`, `messageBreakdown`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One category of [`ContextUsage`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ContextCategory {
    /// Its name.
    pub name: String,
    /// Its tokens.
    #[serde(default)]
    pub tokens: u64,
    /// Unmodelled fields (`id`, `kind`, `color`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `rewind_files`: whether files could be (or were) restored to a user message's state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RewindFilesResult {
    /// Whether the rewind is possible (or happened).
    #[serde(rename = "canRewind", default)]
    pub can_rewind: bool,
    /// Why not (e.g. "File rewinding is not enabled.": start the CLI with
    /// `CLAUDE_CODE_ENABLE_SDK_FILE_CHECKPOINTING=true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The files that change.
    #[serde(rename = "filesChanged", default)]
    pub files_changed: Vec<String>,
    /// Lines inserted.
    #[serde(default)]
    pub insertions: u64,
    /// Lines deleted.
    #[serde(default)]
    pub deletions: u64,
    /// Unmodelled fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `mcp_set_servers`: what changed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct McpSetServersResult {
    /// Servers added.
    #[serde(default)]
    pub added: Vec<String>,
    /// Servers removed.
    #[serde(default)]
    pub removed: Vec<String>,
    /// Errors by server name.
    #[serde(default)]
    pub errors: Map<String, Value>,
    /// Unmodelled fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `list_models`: one model the session can switch to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ModelInfo {
    /// The value to pass to `set_model` (`default`, `opus`, `sonnet`, …).
    pub value: String,
    /// The model id it resolves to.
    #[serde(
        rename = "resolvedModel",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub resolved_model: Option<String>,
    /// A name for people.
    #[serde(rename = "displayName", default)]
    pub display_name: String,
    /// A description.
    #[serde(default)]
    pub description: String,
    /// Unmodelled fields (`supportsEffort`, `supportedEffortLevels`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Deserialize)]
pub(crate) struct ModelList {
    #[serde(default)]
    pub models: Vec<ModelInfo>,
}

/// `get_settings`: the effective settings and where they came from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SettingsSnapshot {
    /// The merged settings.
    #[serde(default)]
    pub effective: Map<String, Value>,
    /// Each source's settings: `[{source, settings}]`.
    #[serde(default)]
    pub sources: Vec<Value>,
    /// What the session runs with (resolved model, effort, …).
    #[serde(default)]
    pub applied: Map<String, Value>,
    /// Unmodelled fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Reads an answer payload as `T`, with a clear `protocol` error naming the request.
pub(crate) fn decode<T: serde::de::DeserializeOwned>(
    subtype: &str,
    payload: Value,
) -> claude_sdk_core::Result<T> {
    // An empty success (`response` absent) reads as an empty object.
    let payload = if payload.is_null() {
        Value::Object(Map::new())
    } else {
        payload
    };
    serde_json::from_value(payload).map_err(|e| {
        claude_sdk_core::Error::protocol(format!(
            "the CLI's answer to `{subtype}` has an unexpected shape: {e}"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn observed_answers_decode() {
        let s: McpStatus = decode("mcp_status", json!({"mcpServers": []})).unwrap();
        assert!(s.servers.is_empty());
        let s: McpStatus = decode(
            "mcp_status",
            json!({"mcpServers": [{"name":"calc","status":"connected","source":"sdk"}]}),
        )
        .unwrap();
        assert_eq!(s.servers[0].name, "calc");
        assert_eq!(s.servers[0].extra["source"], "sdk");

        let r: RewindFilesResult = decode(
            "rewind_files",
            json!({"canRewind": false, "error": "File rewinding is not enabled."}),
        )
        .unwrap();
        assert!(!r.can_rewind);
        assert_eq!(r.error.as_deref(), Some("File rewinding is not enabled."));

        let u: ContextUsage = decode(
            "get_context_usage",
            json!({"categories":[{"id":"free_space","name":"Free space","tokens":956416,"kind":"free"}],
                   "totalTokens": 43584, "maxTokens": 1000000, "percentage": 4.36, "model": "claude-opus-5-5", "gridRows": []}),
        )
        .unwrap();
        assert_eq!(u.categories[0].tokens, 956416);
        assert_eq!(u.max_tokens, 1_000_000);
        assert!(u.extra.contains_key("gridRows"));

        let i: InterruptReceipt = decode("interrupt", Value::Null).unwrap();
        assert!(i.still_queued.is_empty());

        let e = decode::<McpStatus>("mcp_status", json!({"mcpServers": 5})).unwrap_err();
        assert_eq!(e.code(), claude_sdk_core::ErrorCode::Protocol);
        assert!(e.message().contains("mcp_status"), "{e}");
    }
}
