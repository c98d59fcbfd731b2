//! The control protocol: answering the CLI's control requests (`can_use_tool`, `hook_callback`,
//! `mcp_message`, and whatever a newer CLI sends) and the typed payloads of our own runtime
//! requests.
//!
//! - [`ControlHandler`]: the low-level trait — one JSON answer per request.
//! - [`ControlRouter`]: the handler the backend uses. It sends `can_use_tool` to a permission
//!   callback ([`permission`]), `hook_callback` to the registered hooks ([`hooks`]), `mcp_message`
//!   to an optional MCP handler, and anything else to a fallback handler (by default
//!   `unsupported_request`).
//! - [`runtime`]: typed results of the SDK → CLI requests (`mcp_status`, `get_context_usage`, …).
//!
//! Every request gets exactly one answer: a handler error, an unknown subtype, or a handler that
//! panics all become an `error` answer (a failing permission callback becomes a deny), never
//! silence. A request the CLI withdraws (`control_cancel_request`) is aborted and not answered.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use claude_sdk_core::message::ControlRequest;
use serde_json::Value;

pub mod hooks;
pub mod permission;
mod router;
pub mod runtime;

pub use router::ControlRouter;

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

impl fmt::Display for ControlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Serves control requests that the CLI sends to the SDK. Implemented above the backend (the
/// MCP crate serves `mcp_message`; [`ControlRouter`] serves permission prompts and hooks).
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

/// What a user callback may return: the value itself, or a `Result` whose error is shown to the
/// CLI (a failed permission callback denies the tool; a failed hook is a hook error).
pub trait CallbackOutput<T> {
    /// The value, or the error text.
    fn into_result(self) -> Result<T, String>;
}

macro_rules! callback_output {
    ($t:ty) => {
        impl $crate::control::CallbackOutput<$t> for $t {
            fn into_result(self) -> Result<$t, String> {
                Ok(self)
            }
        }
        impl<E: std::fmt::Display> $crate::control::CallbackOutput<$t> for Result<$t, E> {
            fn into_result(self) -> Result<$t, String> {
                self.map_err(|e| e.to_string())
            }
        }
    };
}
pub(crate) use callback_output;

/// A string enum of the wire with named values and an `Other(String)` arm that keeps whatever a
/// newer CLI sends.
macro_rules! open_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
            /// A value this version does not know, verbatim.
            Other(String),
        }

        impl $name {
            /// Every named value.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The wire spelling.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $wire,)+
                    $name::Other(s) => s,
                }
            }

            /// Reads the wire spelling; unknown values become `Other`.
            pub fn from_wire(s: &str) -> $name {
                match s {
                    $($wire => $name::$variant,)+
                    other => $name::Other(other.to_owned()),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = std::borrow::Cow::<'de, str>::deserialize(d)?;
                Ok($name::from_wire(&s))
            }
        }
    };
}
pub(crate) use open_enum;

/// The text of a caught panic.
pub(crate) fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[tokio::test]
    async fn unsupported_names_the_subtype() {
        let req: ControlRequest = serde_json::from_value(json!({"subtype": "brand_new"})).unwrap();
        let err = Unsupported.handle(req).await.unwrap_err();
        assert_eq!(err.code.as_deref(), Some("unsupported_request"));
        assert!(err.message.contains("brand_new"), "{err}");
    }
}
