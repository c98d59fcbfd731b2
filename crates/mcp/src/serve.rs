//! An [`McpServer`] served standalone with rmcp's transports: stdio (for `"type":"stdio"` entries
//! in an MCP config, e.g. the CLI's `--mcp-config`), any byte stream pair, or streamable HTTP
//! (mounted on axum).
//!
//! ```no_run
//! # async fn demo(server: claude_sdk_mcp::McpServer) -> claude_sdk_core::Result<()> {
//! // As a child process of an MCP client:
//! claude_sdk_mcp::serve::serve_stdio(server.clone()).await?;
//! // Or on loopback over streamable HTTP (POST/GET/DELETE on `/mcp`):
//! let http = claude_sdk_mcp::serve::serve_http(server, "127.0.0.1:0".parse().unwrap()).await?;
//! println!("{}", http.url());
//! http.shutdown().await;
//! # Ok(()) }
//! ```

use std::net::SocketAddr;
use std::sync::Arc;

use claude_sdk_core::{Error, ErrorCode, Result};
use rmcp::ServiceExt;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::server::McpServer;

/// The path the HTTP server answers on.
pub const HTTP_PATH: &str = "/mcp";

/// Serves `server` on stdin/stdout until the client closes stdin.
pub async fn serve_stdio(server: McpServer) -> Result<()> {
    serve_io(server, tokio::io::stdin(), tokio::io::stdout()).await
}

/// Serves `server` on any reader/writer pair (newline-delimited JSON-RPC) until the reader ends.
pub async fn serve_io<R, W>(server: McpServer, reader: R, writer: W) -> Result<()>
where
    R: AsyncRead + Send + Unpin + 'static,
    W: AsyncWrite + Send + Unpin + 'static,
{
    let running = server
        .serve((reader, writer))
        .await
        .map_err(|e| Error::new(ErrorCode::Protocol, format!("MCP handshake failed: {e}")))?;
    running
        .waiting()
        .await
        .map_err(|e| Error::new(ErrorCode::Protocol, format!("MCP server task failed: {e}")))?;
    Ok(())
}

/// A running streamable-HTTP server. Dropping it does not stop it; call
/// [`HttpServer::shutdown`].
#[derive(Debug)]
pub struct HttpServer {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl HttpServer {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://<addr>/mcp`.
    pub fn url(&self) -> String {
        format!("http://{}{HTTP_PATH}", self.addr)
    }

    /// Stops accepting, ends the sessions and waits for the server task.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
    }
}

/// The axum router serving `server` on [`HTTP_PATH`] (to mount in your own app). Only
/// loopback `Host` headers are accepted (rmcp's DNS-rebinding guard).
pub fn http_router(server: McpServer) -> axum::Router {
    http_router_with(server, StreamableHttpServerConfig::default())
}

fn http_router_with(server: McpServer, config: StreamableHttpServerConfig) -> axum::Router {
    let service = StreamableHttpService::new(
        move || Ok(server.clone()),
        Arc::new(LocalSessionManager::default()),
        config,
    );
    axum::Router::new().nest_service(HTTP_PATH, service)
}

/// Binds `addr` and serves `server` over streamable HTTP on [`HTTP_PATH`].
pub async fn serve_http(server: McpServer, addr: SocketAddr) -> Result<HttpServer> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| Error::io(format!("cannot bind {addr}"), e))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::io("local address", e))?;
    let config = StreamableHttpServerConfig::default();
    let sessions = config.cancellation_token.clone();
    let app = http_router_with(server, config);
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let shutdown = async move {
            let _ = rx.await;
            // Ends open SSE streams so the graceful shutdown does not wait on them.
            sessions.cancel();
        };
        if let Err(e) = axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await
        {
            tracing::warn!(error = %e, "MCP HTTP server stopped");
        }
    });
    Ok(HttpServer {
        addr,
        stop: Some(tx),
        task,
    })
}
