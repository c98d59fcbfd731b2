//! Answering the CLI's control requests (`can_use_tool`, `hook_callback`, `mcp_message`, and
//! whatever a newer CLI sends). Every request gets exactly one answer: a handler error, an
//! unknown subtype, or a handler that panics all become an `error` answer, never silence.

use std::future::Future;
use std::pin::Pin;

use claude_sdk_core::message::ControlRequest;
use serde_json::Value;

/// The future a handler returns.
pub type HandlerFuture =
    Pin<Box<dyn Future<Output = Result<Value, ControlError>> + Send + 'static>>;

/// Why a control request could not be served.
#[derive(Debug, Clone, PartialEq)]
pub struct ControlError {
    /// Text for the CLI.
    pub message: String,
    /// Machine-readable code, e.g. `unsupported_request`.
    pub code: Option<String>,
}

impl ControlError {
    /// An error with a message.
    pub fn new(message: impl Into<String>) -> Self {
        ControlError {
            message: message.into(),
            code: None,
        }
    }

    /// The answer for a subtype we do not serve.
    pub fn unsupported(subtype: &str) -> Self {
        ControlError {
            message: format!("Unsupported control request subtype: {subtype}"),
            code: Some("unsupported_request".into()),
        }
    }
}

/// Serves control requests that the CLI sends to the SDK. Implemented above the backend (the
/// MCP crate serves `mcp_message`; permission callbacks and hooks serve the others).
pub trait ControlHandler: Send + Sync + 'static {
    /// Answers one request. Runs on its own task; may take as long as it needs.
    fn handle(&self, request: ControlRequest) -> HandlerFuture;
}

/// The default handler: answers every request with `unsupported_request`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Unsupported;

impl ControlHandler for Unsupported {
    fn handle(&self, request: ControlRequest) -> HandlerFuture {
        let err = ControlError::unsupported(request.subtype());
        Box::pin(async move { Err(err) })
    }
}
