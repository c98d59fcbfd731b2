//! [`Client`] and its builder.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use claude_sdk_backend_cli::control::hooks::{HookCallback, HookEvent, HookMatcher};
use claude_sdk_backend_cli::control::permission::CanUseTool;
use claude_sdk_backend_cli::{CliBackend, CliConfig, ControlRouter, find_cli};
use claude_sdk_core::{
    Error, ErrorCode, EventStream, Options, Outcome, Request, Result, UserContent,
};
use claude_sdk_session::{NewSession, Recorder, SessionId, SessionMeta, SessionStore, SharedStore};

use crate::conversation::Conversation;

/// Builds a [`Client`]. Setters never fail; [`ClientBuilder::build`] checks everything.
#[derive(Clone, Default)]
pub struct ClientBuilder {
    config: CliConfig,
    options: Options,
    router: ControlRouter,
    store: Option<SharedStore>,
    record_partials: bool,
    #[cfg(feature = "mcp")]
    mcp: Option<claude_sdk_mcp::SdkMcpServers>,
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("config", &self.config)
            .field("options", &self.options)
            .field("store", &self.store.is_some())
            .field("router", &self.router)
            .finish()
    }
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

    /// Records every conversation into this session store (see [`Client::query_in`]).
    pub fn store(self, store: impl SessionStore) -> Self {
        self.shared_store(Arc::new(store))
    }

    /// Records every conversation into this shared store.
    pub fn shared_store(mut self, store: SharedStore) -> Self {
        self.store = Some(store);
        self
    }

    /// Also records partial-message deltas (`stream_event`s). Off by default.
    pub fn record_partials(mut self, yes: bool) -> Self {
        self.record_partials = yes;
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

    /// Gives every request these in-process MCP servers (Rust tools the CLI calls through the
    /// control channel): their `--mcp-config` goes into the options and their tools are allowed;
    /// the router serves their `mcp_message` requests. Needs the `mcp` feature.
    ///
    /// ```no_run
    /// use claude_sdk::Client;
    /// use claude_sdk::mcp::{McpServer, SdkMcpServers, Tool, ToolOutput};
    ///
    /// #[derive(serde::Deserialize, schemars::JsonSchema)]
    /// struct Add { a: f64, b: f64 }
    ///
    /// # fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// let calc = McpServer::builder("calc")
    ///     .tool(Tool::new("add", "Add two numbers", |x: Add| async move {
    ///         ToolOutput::text(format!("{}", x.a + x.b))
    ///     }))
    ///     .build()?;
    /// let client = Client::builder().mcp_servers(SdkMcpServers::new().with(calc)).build()?;
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "mcp")]
    pub fn mcp_servers(mut self, servers: claude_sdk_mcp::SdkMcpServers) -> Self {
        self.mcp = Some(servers);
        self
    }

    /// Validates the settings, finds the CLI, and builds the client.
    pub fn build(mut self) -> Result<Client> {
        #[cfg(feature = "mcp")]
        if let Some(servers) = self.mcp.take() {
            self.options = servers
                .apply(self.options)
                .allowed_tools(servers.allowed_tools());
            self.router = self.router.mcp_handler(servers.handler());
        }
        self.config.validate()?;
        self.options.validate()?;
        let path = find_cli(self.config.cli_path.as_deref())?;
        self.config.cli_path = Some(path);
        Ok(Client {
            backend: CliBackend::new(self.config).with_router(self.router),
            defaults: self.options,
            store: self.store,
            record_partials: self.record_partials,
        })
    }
}

/// A Claude client. Cheap to clone.
///
/// With a session store ([`ClientBuilder::store`]), every query, stream and conversation is
/// recorded: the prompt before it is sent, then every event (partial deltas only when asked).
/// [`Client::query_in`] continues a stored session, also after a restart of the process.
#[derive(Clone)]
pub struct Client {
    backend: CliBackend,
    defaults: Options,
    store: Option<SharedStore>,
    record_partials: bool,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("backend", &self.backend)
            .field("defaults", &self.defaults)
            .field("store", &self.store.is_some())
            .finish()
    }
}

impl Client {
    /// A builder.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// This client with other default options (same backend and store).
    pub fn with_options(mut self, options: Options) -> Client {
        self.defaults = options;
        self
    }

    /// This client recording into `store` (same backend and defaults).
    pub fn with_store(mut self, store: SharedStore) -> Client {
        self.store = Some(store);
        self
    }

    /// The default options.
    pub fn options(&self) -> &Options {
        &self.defaults
    }

    /// The backend (a `tower` service: wrap it in layers).
    pub fn backend(&self) -> &CliBackend {
        &self.backend
    }

    /// The session store, when one is configured.
    pub fn store(&self) -> Option<&SharedStore> {
        self.store.as_ref()
    }

    /// Asks once and waits for the outcome. Recorded into a new session when a store is set.
    pub async fn query(&self, prompt: impl Into<UserContent>) -> Result<Outcome> {
        self.query_with(prompt, self.defaults.clone()).await
    }

    /// Asks once with these options instead of the defaults.
    pub async fn query_with(
        &self,
        prompt: impl Into<UserContent>,
        options: Options,
    ) -> Result<Outcome> {
        let prompt = prompt.into();
        match &self.store {
            None => {
                self.backend
                    .query(Request::new(prompt).with_options(options))
                    .await
            }
            Some(_) => {
                let meta = self.new_session_for(&prompt, &options).await?;
                self.run_in(meta, prompt, options)
                    .await?
                    .outcome_recorded()
                    .await
            }
        }
    }

    /// Asks once and streams the events; text deltas are on.
    pub async fn stream(&self, prompt: impl Into<UserContent>) -> Result<EventStream> {
        let options = self.defaults.clone().include_partial_messages(true);
        self.stream_with(prompt, options).await
    }

    /// Asks once with these options and streams the events. Recorded into a new session when a
    /// store is set (storage errors are logged; use [`Client::stream_in`] to see them).
    pub async fn stream_with(
        &self,
        prompt: impl Into<UserContent>,
        options: Options,
    ) -> Result<EventStream> {
        let prompt = prompt.into();
        match &self.store {
            None => {
                self.backend
                    .stream(Request::new(prompt).with_options(options))
                    .await
            }
            Some(_) => {
                let meta = self.new_session_for(&prompt, &options).await?;
                Ok(self.run_in(meta, prompt, options).await?.into_stream())
            }
        }
    }

    /// Creates an empty session in the store (model and working directory from the defaults).
    pub async fn new_session(&self, new: NewSession) -> Result<SessionMeta> {
        let store = self.require_store()?;
        let mut new = new;
        if new.model.is_none() {
            new.model.clone_from(&self.defaults.model);
        }
        if new.cwd.is_none() {
            new.cwd = self.defaults.cwd.as_ref().map(|p| p.display().to_string());
        }
        store.create(new).await
    }

    /// Asks within a stored session and waits for the outcome. The first turn of a session starts
    /// a new CLI conversation; later turns resume it (`--resume` with the CLI's session id), so
    /// this works after a restart of the process too. Everything is recorded; a storage failure
    /// is an error (code `storage`), even when the turn itself succeeded.
    pub async fn query_in(&self, id: SessionId, prompt: impl Into<UserContent>) -> Result<Outcome> {
        let store = self.require_store()?;
        let meta = store.meta(id).await?;
        self.run_in(meta, prompt.into(), self.defaults.clone())
            .await?
            .outcome_recorded()
            .await
    }

    /// Asks within a stored session and streams the events (text deltas on). Await
    /// [`RecordedStream::finish`] after the stream to learn that everything is stored.
    pub async fn stream_in(
        &self,
        id: SessionId,
        prompt: impl Into<UserContent>,
    ) -> Result<RecordedStream> {
        let store = self.require_store()?;
        let meta = store.meta(id).await?;
        let options = self.defaults.clone().include_partial_messages(true);
        self.run_in(meta, prompt.into(), options).await
    }

    /// Starts a conversation in one long-lived CLI process. Recorded into a new session when a
    /// store is set.
    pub async fn connect(&self) -> Result<Conversation> {
        self.connect_with(self.defaults.clone()).await
    }

    /// Starts a conversation with these options.
    pub async fn connect_with(&self, options: Options) -> Result<Conversation> {
        let recorder = match &self.store {
            None => None,
            Some(store) => {
                let mut new = NewSession::new();
                new.model.clone_from(&options.model);
                new.cwd = options.cwd.as_ref().map(|p| p.display().to_string());
                let meta = store.create(new).await?;
                Some(self.recorder(store, meta.id))
            }
        };
        let client = self.backend.connect(options).await?;
        Ok(Conversation::new(client, recorder))
    }

    /// Continues a stored session in one long-lived CLI process (resuming the CLI session).
    pub async fn connect_in(&self, id: SessionId) -> Result<Conversation> {
        let store = self.require_store()?;
        let meta = store.meta(id).await?;
        let options = resume_options(self.defaults.clone(), &meta);
        let client = self.backend.connect(options).await?;
        Ok(Conversation::new(client, Some(self.recorder(store, id))))
    }

    fn require_store(&self) -> Result<&SharedStore> {
        self.store.as_ref().ok_or_else(|| {
            Error::new(
                ErrorCode::Config,
                "no session store configured (ClientBuilder::store)",
            )
        })
    }

    fn recorder(&self, store: &SharedStore, id: SessionId) -> Recorder {
        Recorder::new(store.clone(), id).include_partials(self.record_partials)
    }

    async fn new_session_for(
        &self,
        prompt: &UserContent,
        options: &Options,
    ) -> Result<SessionMeta> {
        let mut new = NewSession::new().title(claude_sdk_session::title_of(&prompt.text()));
        new.model.clone_from(&options.model);
        new.cwd = options.cwd.as_ref().map(|p| p.display().to_string());
        self.require_store()?.create(new).await
    }

    async fn run_in(
        &self,
        meta: SessionMeta,
        prompt: UserContent,
        options: Options,
    ) -> Result<RecordedStream> {
        let recorder = self.recorder(self.require_store()?, meta.id);
        let options = resume_options(options, &meta);
        recorder.prompt(&prompt).await?;
        let events = self
            .backend
            .stream(Request::new(prompt).with_options(options))
            .await?;
        let (events, recording) = recorder.record(events);
        Ok(RecordedStream {
            events,
            recording: Some(recording),
            session: Some(meta.id),
        })
    }
}

/// Resumes the CLI session recorded in `meta`, if any.
fn resume_options(options: Options, meta: &SessionMeta) -> Options {
    match &meta.cli_session_id {
        Some(cli) if options.resume.is_none() => options.resume(cli.clone()),
        _ => options,
    }
}

/// The events of a recorded turn, plus the background recording.
#[derive(Debug)]
pub struct RecordedStream {
    events: EventStream,
    recording: Option<claude_sdk_session::Recording>,
    session: Option<SessionId>,
}

impl RecordedStream {
    /// A stream that records nothing (so code can treat both cases alike).
    pub fn plain(events: EventStream) -> Self {
        RecordedStream {
            events,
            recording: None,
            session: None,
        }
    }

    /// The session the turn is recorded into.
    pub fn session_id(&self) -> Option<SessionId> {
        self.session
    }

    /// The next event.
    pub async fn next_event(&mut self) -> Option<Result<claude_sdk_core::Event>> {
        self.events.next_event().await
    }

    /// Waits until everything the stream yielded is stored; returns the session's metadata.
    pub async fn finish(self) -> Result<Option<SessionMeta>> {
        drop(self.events);
        match self.recording {
            Some(r) => r.finish().await,
            None => Ok(None),
        }
    }

    /// Drains the turn, waits for the recording, and returns the outcome. A turn error wins over
    /// a storage error; a storage error fails an otherwise successful turn.
    pub async fn outcome_recorded(self) -> Result<Outcome> {
        let outcome = self.events.outcome().await;
        let stored = match self.recording {
            Some(r) => r.finish().await.map(drop),
            None => Ok(()),
        };
        let outcome = outcome?;
        stored?;
        Ok(outcome)
    }

    /// The plain event stream (the recording goes on in the background; errors are logged).
    pub fn into_stream(self) -> EventStream {
        self.events
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
