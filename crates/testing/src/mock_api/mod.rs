//! A scriptable mock of the Anthropic Messages API.
//!
//! [`MockServer`] listens on loopback and answers `POST /v1/messages` from a [`Script`] of
//! [`Reply`]s (text, thinking, tool use, HTTP errors, broken or slow streams), in the wire format of
//! the real API, streaming (SSE) or not. Every request is recorded as a [`RecordedRequest`].
//! Point the real `claude` CLI (or any Anthropic SDK) at it with `ANTHROPIC_BASE_URL`.
//!
//! ```
//! use claude_sdk_testing::{MockServer, Reply, Script};
//! use serde_json::json;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! let script = Script::new()
//!     .then(Reply::tool_use("Bash", json!({"command": "echo hi", "description": "echo"})))
//!     .then(Reply::text("done"));
//! let server = MockServer::start(script).await?;
//! // run: ANTHROPIC_BASE_URL=<server.base_url()> ANTHROPIC_API_KEY=sk-test claude -p ...
//! for req in server.message_requests() {
//!     let _ = (req.model(), req.last_user_text(), req.tool_results());
//! }
//! # Ok(())
//! # }
//! ```

mod record;
mod reply;
mod script;
mod server;
mod sse;

pub use record::{REDACTED, RecordedRequest};
pub use reply::{
    DEFAULT_INPUT_TOKENS, HUGE_TEXT_DELTA_BYTES, MALFORMED_SSE_FALLBACK_TEXT, Reply,
    huge_text_content,
};
pub use script::Script;
pub use server::{MAX_REQUEST_BODY, MockServer};
