//! Token usage and cost.

use serde::Serialize;

use super::de::wire_struct;
use serde_json::{Map, Value};

/// Token usage as reported by the API (snake_case keys).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Usage {
    /// Input tokens.
    #[serde(default)]
    pub input_tokens: u64,
    /// Output tokens.
    #[serde(default)]
    pub output_tokens: u64,
    /// Tokens written to the prompt cache.
    #[serde(default)]
    pub cache_creation_input_tokens: u64,
    /// Tokens read from the prompt cache.
    #[serde(default)]
    pub cache_read_input_tokens: u64,
    /// Unmodelled fields (service tier, server tool use, …). Kept unmodelled on purpose: the
    /// partial-message assembler in `claude-sdk-stream` merges a delta's `extra` into the
    /// running usage.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Usage {
    /// Input + output + cache tokens.
    pub fn total_tokens(&self) -> u64 {
        self.input_tokens
            + self.output_tokens
            + self.cache_creation_input_tokens
            + self.cache_read_input_tokens
    }

    /// Adds another usage to this one (unmodelled fields are left alone).
    pub fn add(&mut self, other: &Usage) {
        self.input_tokens += other.input_tokens;
        self.output_tokens += other.output_tokens;
        self.cache_creation_input_tokens += other.cache_creation_input_tokens;
        self.cache_read_input_tokens += other.cache_read_input_tokens;
    }
}

/// Per-model usage in a result (`modelUsage`, camelCase keys).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelUsage {
    /// Input tokens.
    #[serde(default)]
    pub input_tokens: u64,
    /// Output tokens.
    #[serde(default)]
    pub output_tokens: u64,
    /// Cache read tokens.
    #[serde(default)]
    pub cache_read_input_tokens: u64,
    /// Cache creation tokens.
    #[serde(default)]
    pub cache_creation_input_tokens: u64,
    /// Web search requests.
    #[serde(default)]
    pub web_search_requests: u64,
    /// Cost in USD.
    #[serde(default, rename = "costUSD")]
    pub cost_usd: f64,
    /// Context window of the model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_window: Option<u64>,
    /// Maximum output tokens of the model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_output_tokens: Option<u64>,
    /// Thinking tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thinking_tokens: Option<u64>,
    /// Cache creation tokens with the 5-minute TTL.
    #[serde(
        default,
        rename = "cacheCreationEphemeral5mInputTokens",
        skip_serializing_if = "Option::is_none"
    )]
    pub cache_creation_ephemeral_5m_input_tokens: Option<u64>,
    /// Cache creation tokens with the 1-hour TTL.
    #[serde(
        default,
        rename = "cacheCreationEphemeral1hInputTokens",
        skip_serializing_if = "Option::is_none"
    )]
    pub cache_creation_ephemeral_1h_input_tokens: Option<u64>,
    /// The canonical model id behind an alias.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canonical_model: Option<String>,
    /// The API provider (`firstParty`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// What the cost is based on (`list`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_basis: Option<String>,
    /// Unmodelled fields, and a modelled field whose value has another type than expected.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

wire_struct!(Usage, "token usage",
    required {}
    optional {
        input_tokens: "input_tokens",
        output_tokens: "output_tokens",
        cache_creation_input_tokens: "cache_creation_input_tokens",
        cache_read_input_tokens: "cache_read_input_tokens",
    }
    extra extra);

wire_struct!(ModelUsage, "per-model usage",
    required {}
    optional {
        input_tokens: "inputTokens",
        output_tokens: "outputTokens",
        cache_read_input_tokens: "cacheReadInputTokens",
        cache_creation_input_tokens: "cacheCreationInputTokens",
        web_search_requests: "webSearchRequests",
        cost_usd: "costUSD",
        context_window: "contextWindow",
    }
    lenient {
        max_output_tokens: "maxOutputTokens",
        thinking_tokens: "thinkingTokens",
        cache_creation_ephemeral_5m_input_tokens: "cacheCreationEphemeral5mInputTokens",
        cache_creation_ephemeral_1h_input_tokens: "cacheCreationEphemeral1hInputTokens",
        canonical_model: "canonicalModel",
        provider: "provider",
        cost_basis: "costBasis",
    }
    extra extra);
