//! [`Reply`]: what the mock answers to one `POST /v1/messages` request.

use std::time::Duration;

use serde_json::Value;

/// Default `usage.input_tokens` reported for a reply (see [`Reply::with_usage`]).
pub const DEFAULT_INPUT_TOKENS: u64 = 10;

/// The text answered to a non-streaming request by [`Reply::malformed_sse`] (the CLI's fallback request).
pub const MALFORMED_SSE_FALLBACK_TEXT: &str = "ok";

/// Size of each `text_delta` sent by [`Reply::huge_text`].
pub const HUGE_TEXT_DELTA_BYTES: usize = 64 * 1024;

const HUGE_TEXT_PATTERN: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ ";

/// The deterministic content of a [`Reply::huge_text`] block of `bytes` bytes.
///
/// Byte `i` is `PATTERN[i % PATTERN.len()]` with a pattern of 63 ASCII letters, digits and a space
/// (nothing that needs escaping in JSON).
pub fn huge_text_content(bytes: usize) -> String {
    huge_text_slice(0, bytes)
}

pub(crate) fn huge_text_slice(offset: usize, len: usize) -> String {
    (offset..offset + len)
        .map(|i| char::from(HUGE_TEXT_PATTERN[i % HUGE_TEXT_PATTERN.len()]))
        .collect()
}

/// One scripted answer of the mock Messages API.
///
/// A reply describes the content (text, thinking, tool use) or the failure (HTTP error, broken
/// stream, no answer) and is rendered as SSE when the request has `"stream": true`, else as one
/// JSON message. Replies are queued in a [`Script`](super::Script).
///
/// ```
/// use claude_sdk_testing::Reply;
/// use serde_json::json;
///
/// let _text = Reply::text("hello").with_usage(12, 3);
/// let _tool = Reply::tool_use("Bash", json!({"command": "echo hi", "description": "echo"}));
/// let _rate_limited = Reply::error(429, "rate_limit_error", "slow down").with_retry_after(1);
/// ```
#[derive(Clone, Debug)]
pub struct Reply {
    pub(crate) kind: Kind,
    pub(crate) usage: Option<(u64, u64)>,
    pub(crate) retry_after: Option<u64>,
    pub(crate) stop_reason: Option<String>,
}

#[derive(Clone, Debug)]
pub(crate) enum Kind {
    /// A normal message; `delay` is slept between consecutive deltas.
    Content { blocks: Vec<Block>, delay: Duration },
    /// A text block with the request's last user prompt.
    Echo,
    /// An HTTP error with an API error body.
    Error {
        status: u16,
        error_type: String,
        message: String,
    },
    /// 200 `text/event-stream` with unparsable data lines.
    MalformedSse,
    /// Stream cut after the first delta of this text.
    CutAfterFirstDelta(String),
    /// Never answer (until the server shuts down).
    Hang,
}

/// One content block of a scripted message.
#[derive(Clone, Debug)]
pub(crate) enum Block {
    /// A text block sent as one `text_delta` per chunk.
    Text(Vec<String>),
    /// A text block of exactly this many bytes, generated lazily.
    HugeText(usize),
    /// A thinking block followed by its signature.
    Thinking { thinking: String, signature: String },
    /// A tool call; the input JSON is split across several `input_json_delta`s.
    ToolUse { name: String, input: Value },
}

/// The signature sent with thinking blocks.
pub(crate) const MOCK_SIGNATURE: &str = "c2lnTU9DSw==";

impl Reply {
    fn content(blocks: Vec<Block>) -> Self {
        Self::from_kind(Kind::Content {
            blocks,
            delay: Duration::ZERO,
        })
    }

    fn from_kind(kind: Kind) -> Self {
        Self {
            kind,
            usage: None,
            retry_after: None,
            stop_reason: None,
        }
    }

    /// One text block, sent as a single `text_delta`; `stop_reason` `"end_turn"`.
    pub fn text(t: impl Into<String>) -> Self {
        Self::content(vec![Block::Text(vec![t.into()])])
    }

    /// One text block sent as one `text_delta` per chunk, without delay (see [`slow_text`](Self::slow_text)).
    pub fn text_chunks(chunks: Vec<String>) -> Self {
        Self::content(vec![Block::Text(chunks)])
    }

    /// A thinking block (`thinking_delta` then `signature_delta`), then a text block.
    pub fn thinking(thinking: impl Into<String>, text: impl Into<String>) -> Self {
        Self::content(vec![
            Block::Thinking {
                thinking: thinking.into(),
                signature: MOCK_SIGNATURE.to_owned(),
            },
            Block::Text(vec![text.into()]),
        ])
    }

    /// One `tool_use` block (id `toolu_mock_<hex>`, fresh per request); `stop_reason` `"tool_use"`.
    ///
    /// The input JSON is streamed across several `input_json_delta`s.
    pub fn tool_use(name: impl Into<String>, input: Value) -> Self {
        Self::content(vec![Block::ToolUse {
            name: name.into(),
            input,
        }])
    }

    /// A text block, then a `tool_use` block; `stop_reason` `"tool_use"`.
    pub fn text_then_tool_use(
        text: impl Into<String>,
        name: impl Into<String>,
        input: Value,
    ) -> Self {
        Self::content(vec![
            Block::Text(vec![text.into()]),
            Block::ToolUse {
                name: name.into(),
                input,
            },
        ])
    }

    /// A text block with the request's last real user prompt
    /// ([`RecordedRequest::last_user_text`](super::RecordedRequest::last_user_text)),
    /// or `"(no user text)"` when there is none.
    pub fn echo() -> Self {
        Self::from_kind(Kind::Echo)
    }

    /// One text block, one `text_delta` per chunk, sleeping `delay` between consecutive deltas.
    ///
    /// The body is streamed: nothing is buffered ahead of the client.
    pub fn slow_text(chunks: Vec<String>, delay: Duration) -> Self {
        Self::from_kind(Kind::Content {
            blocks: vec![Block::Text(chunks)],
            delay,
        })
    }

    /// One text block of exactly `bytes` ASCII bytes ([`huge_text_content`]), streamed in
    /// deltas of [`HUGE_TEXT_DELTA_BYTES`] generated on demand (never buffered whole when streaming).
    pub fn huge_text(bytes: usize) -> Self {
        Self::content(vec![Block::HugeText(bytes)])
    }

    /// An HTTP error: `status` with body `{"type":"error","error":{"type":error_type,"message":message}}`,
    /// for streaming and non-streaming requests alike.
    pub fn error(status: u16, error_type: &str, message: &str) -> Self {
        Self::from_kind(Kind::Error {
            status,
            error_type: error_type.to_owned(),
            message: message.to_owned(),
        })
    }

    /// Adds a `retry-after: <secs>` response header.
    pub fn with_retry_after(mut self, secs: u64) -> Self {
        self.retry_after = Some(secs);
        self
    }

    /// Sets the reported usage. Without it, `input_tokens` is [`DEFAULT_INPUT_TOKENS`] and
    /// `output_tokens` is about one per 4 bytes of content (at least 1).
    pub fn with_usage(mut self, input_tokens: u64, output_tokens: u64) -> Self {
        self.usage = Some((input_tokens, output_tokens));
        self
    }

    /// Overrides the `stop_reason` (default `"tool_use"` when the reply has a tool call, else `"end_turn"`).
    pub fn with_stop_reason(mut self, stop_reason: impl Into<String>) -> Self {
        self.stop_reason = Some(stop_reason.into());
        self
    }

    /// Streaming requests get `200 text/event-stream` whose data lines are not JSON.
    ///
    /// A non-streaming request (the CLI's fallback after a broken stream) gets a normal message with
    /// the text [`MALFORMED_SSE_FALLBACK_TEXT`] (`"ok"`).
    pub fn malformed_sse() -> Self {
        Self::from_kind(Kind::MalformedSse)
    }

    /// Streaming requests get `message_start`, `content_block_start`, `ping` and one `text_delta`
    /// (the first half of `text`), then the connection is dropped.
    ///
    /// A non-streaming request gets a normal message with the whole `text`.
    pub fn cut_after_first_delta(text: impl Into<String>) -> Self {
        Self::from_kind(Kind::CutAfterFirstDelta(text.into()))
    }

    /// Accepts the request and never answers. When the server shuts down the request is answered
    /// `503` so that no client is left waiting.
    pub fn hang() -> Self {
        Self::from_kind(Kind::Hang)
    }
}
