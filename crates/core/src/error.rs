//! One opaque [`Error`] type with a stable [`ErrorCode`] and rich context.
//!
//! `Display` is one clear line (`[code] message`); the alternate form `{:#}` adds the context
//! (request id, session id, backend, model, redacted command line, exit status, stderr tail, HTTP
//! status, retry-after), one item per line.

use std::fmt;
use std::time::Duration;

/// Stable, machine-readable error codes. The string form (`as_str`) never changes once released.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// Invalid options or builder input.
    Config,
    /// The `claude` CLI binary could not be found.
    CliNotFound,
    /// The CLI is too old (or its version could not be read).
    CliVersion,
    /// The CLI process could not be spawned, or exited abnormally without a result.
    Process,
    /// The CLI spoke something we cannot read: invalid JSON, a line past the limit, a broken handshake.
    Protocol,
    /// The API answered with an error that has no more specific code (400, 5xx, network failure).
    Api,
    /// The API rejected the credentials (401/403).
    Auth,
    /// The API rate-limited the request (429).
    RateLimit,
    /// The API is overloaded (529).
    Overloaded,
    /// The run stopped at the configured maximum number of turns.
    MaxTurns,
    /// The run stopped at the configured budget.
    MaxBudget,
    /// The CLI reported an error while executing the turn (e.g. interrupted, unknown session).
    Execution,
    /// A deadline passed.
    Timeout,
    /// The operation was cancelled by the caller.
    Cancelled,
    /// A permission was denied.
    Permission,
    /// A tool failed.
    Tool,
    /// A session store failed.
    Storage,
    /// Local I/O failed.
    Io,
    /// The thing asked for does not exist (a session id, a file).
    NotFound,
    /// Data failed validation: a wrong format version, a checksum mismatch, a schema violation.
    /// Nothing was changed.
    Integrity,
    /// A resource is held by someone else (e.g. a sled store opened by another process).
    Locked,
}

impl ErrorCode {
    /// Every code, for documentation and tests.
    pub const ALL: [ErrorCode; 21] = [
        ErrorCode::Config,
        ErrorCode::CliNotFound,
        ErrorCode::CliVersion,
        ErrorCode::Process,
        ErrorCode::Protocol,
        ErrorCode::Api,
        ErrorCode::Auth,
        ErrorCode::RateLimit,
        ErrorCode::Overloaded,
        ErrorCode::MaxTurns,
        ErrorCode::MaxBudget,
        ErrorCode::Execution,
        ErrorCode::Timeout,
        ErrorCode::Cancelled,
        ErrorCode::Permission,
        ErrorCode::Tool,
        ErrorCode::Storage,
        ErrorCode::Io,
        ErrorCode::NotFound,
        ErrorCode::Integrity,
        ErrorCode::Locked,
    ];

    /// The stable snake_case name of this code.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Config => "config",
            ErrorCode::CliNotFound => "cli_not_found",
            ErrorCode::CliVersion => "cli_version",
            ErrorCode::Process => "process",
            ErrorCode::Protocol => "protocol",
            ErrorCode::Api => "api",
            ErrorCode::Auth => "auth",
            ErrorCode::RateLimit => "rate_limit",
            ErrorCode::Overloaded => "overloaded",
            ErrorCode::MaxTurns => "max_turns",
            ErrorCode::MaxBudget => "max_budget",
            ErrorCode::Execution => "execution",
            ErrorCode::Timeout => "timeout",
            ErrorCode::Cancelled => "cancelled",
            ErrorCode::Permission => "permission",
            ErrorCode::Tool => "tool",
            ErrorCode::Storage => "storage",
            ErrorCode::Io => "io",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Integrity => "integrity",
            ErrorCode::Locked => "locked",
        }
    }

    /// The code for an HTTP status returned by the Messages API.
    pub fn from_http_status(status: u16) -> ErrorCode {
        match status {
            401 | 403 => ErrorCode::Auth,
            429 => ErrorCode::RateLimit,
            529 => ErrorCode::Overloaded,
            _ => ErrorCode::Api,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where and why an error happened. Every field is optional; secrets are never stored here.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct ErrorContext {
    /// API request id (`req_…`) when known.
    pub request_id: Option<String>,
    /// The CLI's session id when known.
    pub session_id: Option<String>,
    /// The backend that failed (`cli`, `api`, …).
    pub backend: Option<String>,
    /// The model in use.
    pub model: Option<String>,
    /// The command line that was run, with secrets redacted.
    pub command: Option<String>,
    /// The child's exit status, e.g. `exit code 1` or `signal 9`.
    pub exit_status: Option<String>,
    /// The last lines the child wrote to stderr.
    pub stderr_tail: Option<String>,
    /// HTTP status of a failed API call.
    pub http_status: Option<u16>,
    /// How long the server asked us to wait.
    pub retry_after: Option<Duration>,
}

impl ErrorContext {
    fn is_empty(&self) -> bool {
        *self == ErrorContext::default()
    }
}

struct Inner {
    code: ErrorCode,
    message: String,
    context: ErrorContext,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

/// The error type of every claude-sdk-rs crate.
///
/// ```
/// use claude_sdk_core::{Error, ErrorCode};
/// let err = Error::new(ErrorCode::RateLimit, "API Error: Request rejected (429)").with_http_status(429);
/// assert_eq!(err.code(), ErrorCode::RateLimit);
/// assert!(err.is_retryable());
/// assert_eq!(err.to_string(), "[rate_limit] API Error: Request rejected (429)");
/// ```
pub struct Error {
    inner: Box<Inner>,
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A new error with a code and a one-line message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error {
            inner: Box::new(Inner {
                code,
                message: message.into(),
                context: ErrorContext::default(),
                source: None,
            }),
        }
    }

    /// Shorthand for [`ErrorCode::Config`].
    pub fn config(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::Config, message)
    }

    /// Shorthand for [`ErrorCode::Protocol`].
    pub fn protocol(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::Protocol, message)
    }

    /// Shorthand for [`ErrorCode::Io`] wrapping an I/O error.
    pub fn io(what: impl Into<String>, err: std::io::Error) -> Self {
        let what = what.into();
        Error::new(ErrorCode::Io, format!("{what}: {err}")).with_source(err)
    }

    /// The stable code.
    pub fn code(&self) -> ErrorCode {
        self.inner.code
    }

    /// The one-line message, without the code.
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// The context.
    pub fn context(&self) -> &ErrorContext {
        &self.inner.context
    }

    /// Mutable access to the context (for layers that add what they know).
    pub fn context_mut(&mut self) -> &mut ErrorContext {
        &mut self.inner.context
    }

    /// Whether retrying the same request may succeed.
    pub fn is_retryable(&self) -> bool {
        match self.inner.code {
            ErrorCode::RateLimit | ErrorCode::Overloaded | ErrorCode::Timeout => true,
            ErrorCode::Api => match self.inner.context.http_status {
                Some(s) => s >= 500 || s == 408 || s == 409,
                // No status: a connection failure.
                None => true,
            },
            _ => false,
        }
    }

    /// Attach a source error.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.inner.source = Some(Box::new(source));
        self
    }

    /// Replace the whole context.
    pub fn with_context(mut self, context: ErrorContext) -> Self {
        self.inner.context = context;
        self
    }

    /// A copy of this error without its source (for fanning one failure out to many waiters).
    pub fn duplicate(&self) -> Self {
        Error::new(self.inner.code, self.inner.message.clone())
            .with_context(self.inner.context.clone())
    }

    /// Set the HTTP status.
    pub fn with_http_status(mut self, status: u16) -> Self {
        self.inner.context.http_status = Some(status);
        self
    }

    /// Set the session id.
    pub fn with_session_id(mut self, id: impl Into<String>) -> Self {
        self.inner.context.session_id = Some(id.into());
        self
    }

    /// Set the request id.
    pub fn with_request_id(mut self, id: impl Into<String>) -> Self {
        self.inner.context.request_id = Some(id.into());
        self
    }

    /// Set the backend name.
    pub fn with_backend(mut self, backend: impl Into<String>) -> Self {
        self.inner.context.backend = Some(backend.into());
        self
    }

    /// Set the model.
    pub fn with_model(mut self, model: impl Into<String>) -> Self {
        self.inner.context.model = Some(model.into());
        self
    }

    /// Set the (already redacted) command line.
    pub fn with_command(mut self, command: impl Into<String>) -> Self {
        self.inner.context.command = Some(command.into());
        self
    }

    /// Set the exit status description.
    pub fn with_exit_status(mut self, status: impl Into<String>) -> Self {
        self.inner.context.exit_status = Some(status.into());
        self
    }

    /// Set the stderr tail.
    pub fn with_stderr_tail(mut self, tail: impl Into<String>) -> Self {
        let tail = tail.into();
        if !tail.trim().is_empty() {
            self.inner.context.stderr_tail = Some(tail);
        }
        self
    }

    /// Set retry-after.
    pub fn with_retry_after(mut self, after: Duration) -> Self {
        self.inner.context.retry_after = Some(after);
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] {}", self.inner.code, self.inner.message)?;
        if f.alternate() && !self.inner.context.is_empty() {
            let c = &self.inner.context;
            let mut line = |k: &str, v: &dyn fmt::Display| write!(f, "\n  {k}: {v}");
            if let Some(v) = &c.backend {
                line("backend", v)?;
            }
            if let Some(v) = &c.model {
                line("model", v)?;
            }
            if let Some(v) = &c.session_id {
                line("session_id", v)?;
            }
            if let Some(v) = &c.request_id {
                line("request_id", v)?;
            }
            if let Some(v) = &c.http_status {
                line("http_status", v)?;
            }
            if let Some(v) = &c.retry_after {
                line("retry_after", &format_args!("{:.1}s", v.as_secs_f64()))?;
            }
            if let Some(v) = &c.command {
                line("command", v)?;
            }
            if let Some(v) = &c.exit_status {
                line("exit_status", v)?;
            }
            if let Some(v) = &c.stderr_tail {
                let indented: String = v.lines().map(|l| format!("\n    {l}")).collect();
                line("stderr_tail", &format_args!("{indented}"))?;
            }
        }
        if f.alternate()
            && let Some(src) = &self.inner.source
        {
            write!(f, "\n  caused_by: {src}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("code", &self.inner.code)
            .field("message", &self.inner.message)
            .field("context", &self.inner.context)
            .field("source", &self.inner.source)
            .finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|s| s as &(dyn std::error::Error + 'static))
    }
}

impl From<std::io::Error> for Error {
    fn from(err: std::io::Error) -> Self {
        Error::new(ErrorCode::Io, err.to_string()).with_source(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for c in ErrorCode::ALL {
            assert!(seen.insert(c.as_str()), "duplicate {c}");
            assert!(
                c.as_str()
                    .chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch == '_')
            );
        }
    }

    #[test]
    fn alternate_display_adds_context() {
        let e = Error::new(ErrorCode::Process, "CLI exited")
            .with_exit_status("exit code 1")
            .with_stderr_tail("line1\nline2");
        assert_eq!(e.to_string(), "[process] CLI exited");
        let alt = format!("{e:#}");
        assert!(alt.contains("exit_status: exit code 1"), "{alt}");
        assert!(alt.contains("    line2"), "{alt}");
    }

    #[test]
    fn retryable_by_status() {
        assert!(
            Error::new(ErrorCode::Api, "x")
                .with_http_status(500)
                .is_retryable()
        );
        assert!(
            !Error::new(ErrorCode::Api, "x")
                .with_http_status(400)
                .is_retryable()
        );
        assert!(!Error::new(ErrorCode::Auth, "x").is_retryable());
        assert_eq!(ErrorCode::from_http_status(529), ErrorCode::Overloaded);
        assert_eq!(ErrorCode::from_http_status(401), ErrorCode::Auth);
    }
}
