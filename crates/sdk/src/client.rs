//! [`Client`] and its builder.

use std::path::PathBuf;
use std::time::Duration;

use claude_sdk_backend_cli::control::hooks::{HookCallback, HookEvent, HookMatcher};
use claude_sdk_backend_cli::control::permission::CanUseTool;
use claude_sdk_backend_cli::{CliBackend, CliClient, CliConfig, ControlRouter, find_cli};
use claude_sdk_core::{EventStream, Options, Outcome, Request, Result, UserContent};

/// Builds a [`Client`]. Setters never fail; [`ClientBuilder::build`] checks everything.
#[derive(Debug, Clone, Default)]
pub struct ClientBuilder {
    config: CliConfig,
    options: Options,
    router: ControlRouter,
}

impl ClientBuilder {
    /// Path of the `claude` binary (otherwise: `CLAUDE_CLI_PATH`, `PATH`, usual locations).
    pub fn cli_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.config.cli_path = Some(path.into());
        self
    }

    /// Default model for every request.
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.options.model = Some(model.into());
        self
    }

    /// Default options for every request (replaces earlier option setters).
    pub fn options(mut self, options: Options) -> Self {
        self.options = options;
        self
    }

    /// CLI process settings (replaces `cli_path` and the other process setters).
    pub fn cli_config(mut self, config: CliConfig) -> Self {
        self.config = config;
        self
    }

    /// Longest stdout line accepted from the CLI.
    pub fn max_line_bytes(mut self, n: usize) -> Self {
        self.config.max_line_bytes = n;
        self
    }

    /// How often the CLI itself retries failed API calls.
    pub fn cli_max_retries(mut self, n: u32) -> Self {
        self.config.cli_max_retries = Some(n);
        self
    }

    /// Deadline for every request.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.options.timeout = Some(timeout);
        self
    }

    /// Decides the CLI's permission prompts with `callback` (the CLI then runs with
    /// `--permission-prompt-tool=stdio`).
    ///
    /// ```no_run
    /// use claude_sdk::{Client, PermissionRequest, PermissionResult};
    /// # fn demo() -> claude_sdk::Result<()> {
    /// let client = Client::builder()
    ///     .can_use_tool(|req: PermissionRequest| async move {
    ///         if req.tool_name == "Bash" { PermissionResult::deny("no shell") } else { PermissionResult::allow() }
    ///     })
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    pub fn can_use_tool(mut self, callback: impl CanUseTool) -> Self {
        self.router = self.router.can_use_tool(callback);
        self
    }

    /// Registers a hook for `event` when `matcher` matches (`None`, `"Bash"`, `"Write|Edit"`,
    /// or a [`HookMatcher`] with a timeout).
    ///
    /// ```no_run
    /// use claude_sdk::{Client, HookEvent, HookInput, HookOutput};
    /// # fn demo() -> claude_sdk::Result<()> {
    /// let client = Client::builder()
    ///     .hook(HookEvent::PreToolUse, "Bash", |input: HookInput| async move {
    ///         let cmd = input.tool_input.as_ref().and_then(|i| i["command"].as_str()).unwrap_or("");
    ///         if cmd.contains("rm ") { HookOutput::deny_tool("no deletes") } else { HookOutput::new() }
    ///     })
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    pub fn hook(
        mut self,
        event: HookEvent,
        matcher: impl Into<HookMatcher>,
        callback: impl HookCallback,
    ) -> Self {
        self.router = self.router.hook(event, matcher, callback);
        self
    }

    /// Serves the CLI's control requests with this router (replaces earlier `can_use_tool` and
    /// `hook` calls).
    pub fn control_router(mut self, router: ControlRouter) -> Self {
        self.router = router;
        self
    }

    /// Validates the settings, finds the CLI, and builds the client.
    pub fn build(mut self) -> Result<Client> {
        self.config.validate()?;
        self.options.validate()?;
        let path = find_cli(self.config.cli_path.as_deref())?;
        self.config.cli_path = Some(path);
        Ok(Client {
            backend: CliBackend::new(self.config).with_router(self.router),
            defaults: self.options,
        })
    }
}

/// A Claude client. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Client {
    backend: CliBackend,
    defaults: Options,
}

impl Client {
    /// A builder.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The default options.
    pub fn options(&self) -> &Options {
        &self.defaults
    }

    /// The backend (a `tower` service: wrap it in layers).
    pub fn backend(&self) -> &CliBackend {
        &self.backend
    }

    /// Asks once and waits for the outcome.
    pub async fn query(&self, prompt: impl Into<UserContent>) -> Result<Outcome> {
        self.backend
            .query(Request::new(prompt).with_options(self.defaults.clone()))
            .await
    }

    /// Asks once with these options instead of the defaults.
    pub async fn query_with(
        &self,
        prompt: impl Into<UserContent>,
        options: Options,
    ) -> Result<Outcome> {
        self.backend
            .query(Request::new(prompt).with_options(options))
            .await
    }

    /// Asks once and streams the events; text deltas are on.
    pub async fn stream(&self, prompt: impl Into<UserContent>) -> Result<EventStream> {
        let options = self.defaults.clone().include_partial_messages(true);
        self.backend
            .stream(Request::new(prompt).with_options(options))
            .await
    }

    /// Asks once with these options and streams the events.
    pub async fn stream_with(
        &self,
        prompt: impl Into<UserContent>,
        options: Options,
    ) -> Result<EventStream> {
        self.backend
            .stream(Request::new(prompt).with_options(options))
            .await
    }

    /// Starts a conversation in one long-lived CLI process.
    pub async fn connect(&self) -> Result<CliClient> {
        self.backend.connect(self.defaults.clone()).await
    }

    /// Starts a conversation with these options.
    pub async fn connect_with(&self, options: Options) -> Result<CliClient> {
        self.backend.connect(options).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use claude_sdk_core::ErrorCode;

    #[test]
    fn build_checks_everything() {
        let e = Client::builder()
            .cli_path("/no/such/claude")
            .build()
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::CliNotFound);
        let e = Client::builder()
            .options(Options::new().max_turns(0))
            .build()
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::Config);
        let e = Client::builder().max_line_bytes(10).build().unwrap_err();
        assert_eq!(e.code(), ErrorCode::Config);
    }

    #[test]
    fn callbacks_reach_the_backend_router() {
        use crate::{HookInput, HookOutput, PermissionRequest, PermissionResult};
        let client = Client::builder()
            .cli_path("/bin/sh")
            .can_use_tool(|_r: PermissionRequest| async move { PermissionResult::allow() })
            .hook(HookEvent::Stop, None, |_i: HookInput| async move {
                HookOutput::new()
            })
            .build()
            .unwrap();
        let router = client.backend().router();
        assert!(router.has_permission_callback());
        assert_eq!(
            router.hooks_config()["Stop"][0]["hookCallbackIds"][0],
            "hook_0"
        );
    }
}
