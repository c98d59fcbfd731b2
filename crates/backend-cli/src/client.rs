//! [`CliClient`]: a long-lived CLI process holding one conversation across many turns
//! (stream-json input), with `interrupt`, runtime control and a clean close.

use std::pin::Pin;
use std::process::ExitStatus;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

use claude_sdk_core::message::{ControlRequest, UserContent};
use claude_sdk_core::{
    Error, ErrorCode, Event, EventStream, Options, Outcome, PermissionMode, Result,
};
use futures_core::Stream;
use serde_json::{Map, Value, json};
use tokio::sync::{Mutex, OwnedMutexGuard, mpsc};
use tokio::time::{Instant, Sleep};

use crate::argv::{ENV_REMOVE, build_args, build_env};
use crate::config::CliConfig;
use crate::connection::{Connection, ErrorScope};
use crate::control::runtime::{
    self, ContextUsage, InterruptReceipt, McpSetServersResult, McpStatus, ModelInfo,
    RewindFilesResult, SettingsSnapshot,
};
use crate::control::{ControlHandler, ControlRouter};
use crate::discovery::{check_version_string, find_cli};
use crate::process::{ProcessGroup, SpawnSpec};
use crate::redact::Redactor;

type Events = mpsc::Receiver<Result<Event>>;

pub(crate) struct Inner {
    conn: Connection,
    events: Arc<Mutex<Events>>,
    server_info: Value,
    config: CliConfig,
    /// Turns whose stream was dropped before its result: their remaining events are skipped.
    abandoned: AtomicUsize,
}

/// A connected CLI process. Cheap to clone; the process is killed when the last clone (and
/// every stream from it) is dropped, or closed cleanly with [`CliClient::close`].
///
/// ```no_run
/// # async fn demo() -> claude_sdk_core::Result<()> {
/// use claude_sdk_backend_cli::{CliClient, CliConfig};
/// use claude_sdk_core::Options;
/// let client = CliClient::connect(CliConfig::new(), Options::new()).await?;
/// let first = client.query("Remember the number 7.").await?;
/// let second = client.query("Which number?").await?; // same process, same conversation
/// println!("{} / {}", first.text, second.text);
/// client.close().await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct CliClient {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for CliClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CliClient")
            .field("pid", &self.pid())
            .finish_non_exhaustive()
    }
}

impl CliClient {
    /// Spawns the CLI and completes the `initialize` handshake.
    pub async fn connect(config: CliConfig, options: Options) -> Result<CliClient> {
        CliClient::connect_with_router(config, options, ControlRouter::new()).await
    }

    /// Like [`CliClient::connect`], with a handler for every control request of the CLI.
    pub async fn connect_with_handler(
        config: CliConfig,
        options: Options,
        handler: Arc<dyn ControlHandler>,
    ) -> Result<CliClient> {
        CliClient::connect_with_router(config, options, ControlRouter::new().fallback(handler))
            .await
    }

    /// Like [`CliClient::connect`], with permission callback, hooks and handlers: the hooks go
    /// in the `initialize` request, and a permission callback adds
    /// `--permission-prompt-tool=stdio` (a different `permission_prompt_tool` in the options is
    /// a `config` error).
    pub async fn connect_with_router(
        config: CliConfig,
        mut options: Options,
        router: ControlRouter,
    ) -> Result<CliClient> {
        config.validate()?;
        options.validate()?;
        if router.has_permission_callback() {
            match options.permission_prompt_tool.as_deref() {
                None | Some("stdio") => options.permission_prompt_tool = Some("stdio".into()),
                Some(other) => {
                    return Err(Error::config(format!(
                        "a permission callback needs `permission_prompt_tool` stdio, but the options name {other:?}"
                    )));
                }
            }
        }
        let hooks = router.hooks_config();
        let handler: Arc<dyn ControlHandler> = Arc::new(router);
        let program = find_cli(config.cli_path.as_deref())?;
        let args = build_args(&options);
        let env = build_env(&options, &config);
        let parent_env: Vec<(String, String)> = std::env::vars().collect();
        let redactor = Redactor::from_env(
            parent_env
                .iter()
                .chain(&env)
                .map(|(k, v)| (k.as_str(), v.as_str())),
        );
        let scope = ErrorScope {
            command: redactor.command_line(&program.to_string_lossy(), &args),
            model: options.model.clone(),
            redactor,
        };
        let (process, pipes) = ProcessGroup::spawn(SpawnSpec {
            program: &program,
            args: &args,
            env: &env,
            env_remove: &ENV_REMOVE,
            cwd: options.cwd.as_deref(),
            stderr_tail_bytes: config.stderr_tail_bytes,
        })
        .map_err(|e| scope.decorate(e))?;
        tracing::debug!(pid = process.handle().pid(), command = %scope.command, "spawned the CLI");
        let (tx, rx) = mpsc::channel(config.event_buffer);
        let conn = Connection::start(
            process,
            pipes.stdin,
            pipes.stdout,
            config.max_line_bytes,
            tx,
            handler,
            scope,
        );

        let init = ControlRequest::Initialize {
            hooks,
            extra: Map::new(),
        };
        // On any failure from here on, `conn` is dropped and the process group killed.
        let server_info = conn.request(init, config.init_timeout).await.map_err(|e| {
            if e.code() == ErrorCode::Timeout {
                conn.scope.decorate_with_process(
                    Error::new(
                        ErrorCode::Protocol,
                        format!("the CLI did not answer `initialize`: {}", e.message()),
                    ),
                    conn.process(),
                )
            } else {
                e
            }
        })?;
        if config.check_version
            && let Some(v) = server_info
                .get("claude_code_version")
                .and_then(Value::as_str)
        {
            check_version_string(&program, v).map_err(|e| conn.scope.decorate(e))?;
        }
        Ok(CliClient {
            inner: Arc::new(Inner {
                conn,
                events: Arc::new(Mutex::new(rx)),
                server_info,
                config,
                abandoned: AtomicUsize::new(0),
            }),
        })
    }

    /// The `initialize` answer (commands, agents, models, account, CLI version, …).
    pub fn server_info(&self) -> &Value {
        &self.inner.server_info
    }

    /// The CLI's pid (also its process group id).
    pub fn pid(&self) -> u32 {
        self.inner.conn.process().pid()
    }

    /// The exit status, once the process has exited.
    pub fn exit_status(&self) -> Option<ExitStatus> {
        self.inner.conn.process().try_status()
    }

    /// Writes a user message. It is queued by the CLI if a turn is running.
    pub async fn send(&self, prompt: impl Into<UserContent>) -> Result<()> {
        let content =
            serde_json::to_value(prompt.into()).map_err(|e| Error::protocol(e.to_string()))?;
        let msg = json!({
            "type": "user",
            "message": {"role": "user", "content": content},
            "parent_tool_use_id": null,
            "session_id": "",
        });
        self.inner.conn.write_json(&msg).await
    }

    /// The events of the next turn, up to and including its result.
    pub async fn receive(&self) -> TurnStream {
        self.receive_with_deadline(None).await
    }

    /// The events of the next turn; past `deadline` the process is killed and a `timeout` error ends them.
    pub(crate) async fn receive_with_deadline(&self, deadline: Option<Instant>) -> TurnStream {
        let guard = self.inner.events.clone().lock_owned().await;
        let skip = self.inner.abandoned.swap(0, Ordering::SeqCst);
        TurnStream {
            inner: self.inner.clone(),
            events: Some(guard),
            skip,
            deadline: deadline.map(|d| Box::pin(tokio::time::sleep_until(d))),
            done: false,
            close_when_done: false,
        }
    }

    /// Sends a prompt and returns the events of its turn.
    pub async fn turn(&self, prompt: impl Into<UserContent>) -> Result<TurnStream> {
        self.send(prompt).await?;
        Ok(self.receive().await)
    }

    /// Sends a prompt and waits for the outcome of its turn.
    pub async fn query(&self, prompt: impl Into<UserContent>) -> Result<Outcome> {
        let stream = self.turn(prompt).await?;
        EventStream::new(stream).outcome().await
    }

    /// Stops the running turn. Its stream ends with an `error_during_execution` result (a
    /// `cancelled` error); the client stays usable.
    pub async fn interrupt(&self) -> Result<()> {
        self.interrupt_with_receipt().await.map(drop)
    }

    /// Like [`CliClient::interrupt`], returning which queued messages will still run.
    pub async fn interrupt_with_receipt(&self) -> Result<InterruptReceipt> {
        let v = self
            .control(ControlRequest::Interrupt { extra: Map::new() })
            .await?;
        runtime::decode("interrupt", v)
    }

    /// Switches the model for the next turns (`None`: the default model).
    pub async fn set_model(&self, model: Option<&str>) -> Result<()> {
        self.control(ControlRequest::SetModel {
            model: model.map(str::to_owned),
            extra: Map::new(),
        })
        .await
        .map(drop)
    }

    /// Switches the permission mode.
    pub async fn set_permission_mode(&self, mode: PermissionMode) -> Result<()> {
        self.control(ControlRequest::SetPermissionMode {
            mode: mode.as_str().to_owned(),
            extra: Map::new(),
        })
        .await
        .map(drop)
    }

    /// Sets the thinking budget for the next turns (`None`: back to the session default).
    pub async fn set_max_thinking_tokens(&self, tokens: Option<u32>) -> Result<()> {
        self.control_subtype(
            "set_max_thinking_tokens",
            json!({ "max_thinking_tokens": tokens }),
        )
        .await
        .map(drop)
    }

    /// The session's MCP servers and their connection state.
    pub async fn mcp_status(&self) -> Result<McpStatus> {
        let v = self.control_subtype("mcp_status", json!({})).await?;
        runtime::decode("mcp_status", v)
    }

    /// Reconnects an MCP server (an unknown name is an `execution` error).
    pub async fn mcp_reconnect(&self, server: &str) -> Result<()> {
        self.control_subtype("mcp_reconnect", json!({ "serverName": server }))
            .await
            .map(drop)
    }

    /// Enables or disables an MCP server (an unknown name is an `execution` error).
    pub async fn mcp_toggle(&self, server: &str, enabled: bool) -> Result<()> {
        self.control_subtype(
            "mcp_toggle",
            json!({ "serverName": server, "enabled": enabled }),
        )
        .await
        .map(drop)
    }

    /// Replaces the dynamically added MCP servers: `{name: config}` as in `--mcp-config`.
    pub async fn mcp_set_servers(
        &self,
        servers: Map<String, Value>,
    ) -> Result<McpSetServersResult> {
        let v = self
            .control_subtype("mcp_set_servers", json!({ "servers": servers }))
            .await?;
        runtime::decode("mcp_set_servers", v)
    }

    /// How the context window is used, by category.
    pub async fn context_usage(&self) -> Result<ContextUsage> {
        let v = self.control_subtype("get_context_usage", json!({})).await?;
        runtime::decode("get_context_usage", v)
    }

    /// Restores the files changed since the user message `user_message_id` (`dry_run`: only
    /// report). Needs file checkpointing: set `CLAUDE_CODE_ENABLE_SDK_FILE_CHECKPOINTING=true` in
    /// the options' environment, else the answer says it is not enabled.
    pub async fn rewind_files(
        &self,
        user_message_id: &str,
        dry_run: bool,
    ) -> Result<RewindFilesResult> {
        let v = self
            .control_subtype(
                "rewind_files",
                json!({ "user_message_id": user_message_id, "dry_run": dry_run }),
            )
            .await?;
        runtime::decode("rewind_files", v)
    }

    /// Stops a background task (by the `task_id` of its `task_started` message).
    pub async fn stop_task(&self, task_id: &str) -> Result<()> {
        self.control_subtype("stop_task", json!({ "task_id": task_id }))
            .await
            .map(drop)
    }

    /// Applies settings to this session only (the `--settings` layer), e.g. `{"model":"sonnet"}`.
    pub async fn apply_flag_settings(&self, settings: Map<String, Value>) -> Result<()> {
        self.control_subtype("apply_flag_settings", json!({ "settings": settings }))
            .await
            .map(drop)
    }

    /// The effective settings, their sources, and what the session runs with.
    pub async fn settings(&self) -> Result<SettingsSnapshot> {
        let v = self.control_subtype("get_settings", json!({})).await?;
        runtime::decode("get_settings", v)
    }

    /// The models this session can switch to.
    pub async fn list_models(&self) -> Result<Vec<ModelInfo>> {
        let v = self.control_subtype("list_models", json!({})).await?;
        runtime::decode::<runtime::ModelList>("list_models", v).map(|l| l.models)
    }

    /// Sends a request of `subtype` with the fields of `fields` (an object).
    async fn control_subtype(&self, subtype: &str, fields: Value) -> Result<Value> {
        let mut obj = match fields {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        obj.insert("subtype".into(), Value::String(subtype.to_owned()));
        self.control(ControlRequest::Other(Value::Object(obj)))
            .await
    }

    /// Sends any control request and returns the CLI's answer payload.
    pub async fn control(&self, request: ControlRequest) -> Result<Value> {
        self.inner
            .conn
            .request(request, self.inner.config.control_timeout)
            .await
    }

    /// Closes stdin, lets the CLI finish and exit (killing it after `close_timeout`), and reaps it.
    pub async fn close(self) -> Result<Option<ExitStatus>> {
        Ok(self
            .inner
            .conn
            .shutdown(self.inner.config.close_timeout)
            .await)
    }

    pub(crate) fn into_owned_turn(self, mut stream: TurnStream) -> TurnStream {
        stream.close_when_done = true;
        drop(self);
        stream
    }

    pub(crate) fn scope_error(&self, err: Error) -> Error {
        self.inner
            .conn
            .scope
            .decorate_with_process(err, self.inner.conn.process())
    }
}

/// The events of one turn, ending with its `result`. Dropping it before the result: for a
/// one-shot stream the process is killed; for a [`CliClient`] turn the rest of the turn is
/// skipped by the next `receive`.
pub struct TurnStream {
    inner: Arc<Inner>,
    events: Option<OwnedMutexGuard<Events>>,
    skip: usize,
    deadline: Option<Pin<Box<Sleep>>>,
    done: bool,
    close_when_done: bool,
}

impl std::fmt::Debug for TurnStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TurnStream")
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl TurnStream {
    fn finish(&mut self) {
        self.done = true;
        self.events = None;
        if self.close_when_done {
            // One-shot: let the CLI exit cleanly (flushing its transcript) in the background.
            let inner = self.inner.clone();
            tokio::spawn(async move {
                inner.conn.shutdown(inner.config.close_timeout).await;
            });
        }
    }
}

impl Stream for TurnStream {
    type Item = Result<Event>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(None);
        }
        if let Some(d) = this.deadline.as_mut()
            && d.as_mut().poll(cx).is_ready()
        {
            this.inner.conn.process().kill();
            let err = this.inner.conn.scope.decorate(Error::new(
                ErrorCode::Timeout,
                "the request passed its deadline; the CLI process was killed",
            ));
            this.done = true;
            this.events = None;
            return Poll::Ready(Some(Err(err)));
        }
        loop {
            let Some(rx) = this.events.as_mut() else {
                return Poll::Ready(None);
            };
            match rx.poll_recv(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => {
                    this.finish();
                    return Poll::Ready(Some(Err(Error::new(
                        ErrorCode::Process,
                        "the CLI connection is closed",
                    ))));
                }
                Poll::Ready(Some(Err(e))) => {
                    this.finish();
                    return Poll::Ready(Some(Err(e)));
                }
                Poll::Ready(Some(Ok(ev))) => {
                    let is_result = matches!(ev, Event::Result(_));
                    if this.skip > 0 {
                        if is_result {
                            this.skip -= 1;
                        }
                        continue;
                    }
                    if is_result {
                        this.finish();
                    }
                    return Poll::Ready(Some(Ok(ev)));
                }
            }
        }
    }
}

impl Drop for TurnStream {
    fn drop(&mut self) {
        if !self.done && !self.close_when_done {
            self.inner.abandoned.fetch_add(1, Ordering::SeqCst);
        }
    }
}
