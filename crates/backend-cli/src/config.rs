//! [`CliConfig`]: how the CLI process is found and driven (not what is asked of it — that is
//! [`claude_sdk_core::Options`]).

use std::path::PathBuf;
use std::time::Duration;

use claude_sdk_stream::DEFAULT_MAX_LINE_BYTES;

/// Process-level settings of the CLI backend.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CliConfig {
    /// Explicit path of the `claude` binary; otherwise discovery runs (see [`crate::discovery`]).
    pub cli_path: Option<PathBuf>,
    /// Longest stdout line accepted; a longer one is a `protocol` error. Default 64 MiB.
    pub max_line_bytes: usize,
    /// How much of stderr to keep for error context. Default 16 KiB.
    pub stderr_tail_bytes: usize,
    /// How long to wait for the `initialize` answer. Default 60 s.
    pub init_timeout: Duration,
    /// How long to wait for the answer to any other control request. Default 60 s.
    pub control_timeout: Duration,
    /// After closing stdin, how long the CLI may take to exit before it is killed. Default 5 s.
    pub close_timeout: Duration,
    /// Events buffered between the reader and the consumer; when full, we stop reading the CLI's
    /// stdout (backpressure). Default 64.
    pub event_buffer: usize,
    /// Sets `CLAUDE_CODE_MAX_RETRIES` for the child, so the CLI's own retries do not multiply
    /// with a retry layer above. `None` leaves the CLI's default (10).
    pub cli_max_retries: Option<u32>,
    /// Check the CLI version from the `initialize` answer. Default true.
    pub check_version: bool,
}

impl Default for CliConfig {
    fn default() -> Self {
        CliConfig {
            cli_path: None,
            max_line_bytes: DEFAULT_MAX_LINE_BYTES,
            stderr_tail_bytes: 16 * 1024,
            init_timeout: Duration::from_secs(60),
            control_timeout: Duration::from_secs(60),
            close_timeout: Duration::from_secs(5),
            event_buffer: 64,
            cli_max_retries: None,
            check_version: true,
        }
    }
}

impl CliConfig {
    /// Default settings.
    pub fn new() -> Self {
        CliConfig::default()
    }
    /// Uses this binary.
    pub fn cli_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.cli_path = Some(path.into());
        self
    }
    /// Sets the maximum stdout line length.
    pub fn max_line_bytes(mut self, n: usize) -> Self {
        self.max_line_bytes = n;
        self
    }
    /// Sets the stderr tail size.
    pub fn stderr_tail_bytes(mut self, n: usize) -> Self {
        self.stderr_tail_bytes = n;
        self
    }
    /// Sets the initialize timeout.
    pub fn init_timeout(mut self, t: Duration) -> Self {
        self.init_timeout = t;
        self
    }
    /// Sets the control request timeout.
    pub fn control_timeout(mut self, t: Duration) -> Self {
        self.control_timeout = t;
        self
    }
    /// Sets the close timeout.
    pub fn close_timeout(mut self, t: Duration) -> Self {
        self.close_timeout = t;
        self
    }
    /// Sets the event buffer size.
    pub fn event_buffer(mut self, n: usize) -> Self {
        self.event_buffer = n;
        self
    }
    /// Sets the CLI's own API retry count.
    pub fn cli_max_retries(mut self, n: u32) -> Self {
        self.cli_max_retries = Some(n);
        self
    }
    /// Turns the version check on or off.
    pub fn check_version(mut self, yes: bool) -> Self {
        self.check_version = yes;
        self
    }

    /// Checks the settings.
    pub fn validate(&self) -> claude_sdk_core::Result<()> {
        use claude_sdk_core::Error;
        if self.max_line_bytes < 1024 {
            return Err(Error::config("`max_line_bytes` must be at least 1024"));
        }
        if self.event_buffer == 0 {
            return Err(Error::config("`event_buffer` must be at least 1"));
        }
        for (name, t) in [
            ("init_timeout", self.init_timeout),
            ("control_timeout", self.control_timeout),
        ] {
            if t.is_zero() {
                return Err(Error::config(format!("`{name}` must be greater than zero")));
            }
        }
        Ok(())
    }
}
