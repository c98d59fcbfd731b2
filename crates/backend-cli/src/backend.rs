//! [`CliBackend`]: the CLI as a [`tower_service::Service`] — one process per request — plus
//! the one-shot [`CliBackend::query`] and [`CliBackend::stream`], and [`CliBackend::connect`]
//! for a multi-turn [`CliClient`].

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use claude_sdk_core::{Error, ErrorCode, EventStream, Options, Outcome, Request, Result};
use tokio::time::Instant;

use crate::client::CliClient;
use crate::config::CliConfig;
use crate::control::{ControlHandler, ControlRouter};

/// The Claude Code CLI backend. Cheap to clone.
///
/// ```no_run
/// # async fn demo() -> claude_sdk_core::Result<()> {
/// use claude_sdk_backend_cli::{CliBackend, CliConfig};
/// use claude_sdk_core::Request;
/// let backend = CliBackend::new(CliConfig::new());
/// let outcome = backend.query(Request::new("Say hi")).await?;
/// println!("{} (${:?})", outcome.text, outcome.cost_usd);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct CliBackend {
    config: Arc<CliConfig>,
    router: ControlRouter,
}

impl std::fmt::Debug for CliBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CliBackend")
            .field("config", &self.config)
            .field("router", &self.router)
            .finish()
    }
}

impl CliBackend {
    /// A backend with these process settings.
    pub fn new(config: CliConfig) -> Self {
        CliBackend {
            config: Arc::new(config),
            router: ControlRouter::new(),
        }
    }

    /// Serves the CLI's control requests with `router` (permission callback, hooks, MCP).
    pub fn with_router(mut self, router: ControlRouter) -> Self {
        self.router = router;
        self
    }

    /// The control router.
    pub fn router(&self) -> &ControlRouter {
        &self.router
    }

    /// Serves the control requests the router has no callback for with `handler`.
    pub fn with_control_handler(mut self, handler: Arc<dyn ControlHandler>) -> Self {
        self.router = self.router.fallback(handler);
        self
    }

    /// Serves `mcp_message` requests (in-process MCP servers) with `handler`.
    pub fn with_mcp_handler(mut self, handler: Arc<dyn ControlHandler>) -> Self {
        self.router = self.router.mcp_handler(handler);
        self
    }

    /// The process settings.
    pub fn config(&self) -> &CliConfig {
        &self.config
    }

    /// Starts a multi-turn client.
    pub async fn connect(&self, options: Options) -> Result<CliClient> {
        let deadline = options.timeout.map(|t| Instant::now() + t);
        with_deadline(deadline, self.spawn(options)).await
    }

    fn spawn(&self, options: Options) -> impl Future<Output = Result<CliClient>> + use<> {
        CliClient::connect_with_router((*self.config).clone(), options, self.router.clone())
    }

    /// Runs one request to its outcome. An `is_error` result is an error with its code and
    /// the process context (exit status, stderr tail).
    pub async fn query(&self, request: Request) -> Result<Outcome> {
        let deadline = request.options.timeout.map(|t| Instant::now() + t);
        let work = async {
            let client = self.spawn(request.options).await?;
            client.send(request.prompt).await?;
            let turn = client.receive().await;
            let result = EventStream::new(turn).outcome().await;
            let probe = client.clone();
            client.close().await?;
            result.map_err(|e| probe.scope_error(e))
        };
        with_deadline(deadline, work).await
    }

    /// Runs one request, returning its events as they arrive. Dropping the stream kills the process.
    pub async fn stream(&self, request: Request) -> Result<EventStream> {
        let deadline = request.options.timeout.map(|t| Instant::now() + t);
        let client = with_deadline(deadline, self.spawn(request.options)).await?;
        client.send(request.prompt).await?;
        let turn = client.receive_with_deadline(deadline).await;
        Ok(EventStream::new(client.into_owned_turn(turn)))
    }
}

async fn with_deadline<T>(
    deadline: Option<Instant>,
    fut: impl Future<Output = Result<T>>,
) -> Result<T> {
    match deadline {
        None => fut.await,
        Some(d) => match tokio::time::timeout_at(d, fut).await {
            Ok(r) => r,
            // The future was dropped: its process group is killed and reaped.
            Err(_) => Err(Error::new(
                ErrorCode::Timeout,
                "the request passed its deadline; the CLI process was killed",
            )
            .with_backend("cli")),
        },
    }
}

impl tower_service::Service<Request> for CliBackend {
    type Response = EventStream;
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<EventStream>> + Send + 'static>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let this = self.clone();
        Box::pin(async move { this.stream(request).await })
    }
}
