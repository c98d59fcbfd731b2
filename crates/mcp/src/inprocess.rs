//! [`SdkMcpServers`]: in-process MCP servers handed to a query. The CLI is told about them with
//! `--mcp-config '{"mcpServers":{"calc":{"type":"sdk","name":"calc"}}}'` and then speaks MCP
//! JSON-RPC inside `mcp_message` control requests, which this type answers as the CLI backend's
//! [`ControlHandler`] with `{"mcp_response": <JSON-RPC message>}`. Other control requests
//! (permissions, hooks) go to a fallback handler.
//!
//! ```no_run
//! # async fn demo() -> claude_sdk_core::Result<()> {
//! use std::sync::Arc;
//! use claude_sdk_backend_cli::{CliBackend, CliConfig};
//! use claude_sdk_core::{Options, Request};
//! use claude_sdk_mcp::{McpServer, SdkMcpServers, Tool, ToolOutput};
//! # #[derive(serde::Deserialize, schemars::JsonSchema)] struct Add { a: f64, b: f64 }
//!
//! let calc = McpServer::builder("calc")
//!     .tool(Tool::new("add", "Add two numbers", |x: Add| async move {
//!         ToolOutput::text(format!("sum={}", x.a + x.b))
//!     }))
//!     .build()?;
//! let servers = SdkMcpServers::new().with(calc);
//! let options = servers.apply(Options::new()).allowed_tools(servers.allowed_tools());
//! let backend = CliBackend::new(CliConfig::new()).with_control_handler(servers.handler());
//! let outcome = backend.query(Request::new("What is 2 + 3?").with_options(options)).await?;
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;
use std::sync::Arc;

use claude_sdk_backend_cli::{ControlHandler, HandlerFuture, Unsupported};
use claude_sdk_core::Options;
use claude_sdk_core::message::ControlRequest;
use rmcp::model::{ErrorCode, ErrorData};
use serde_json::{Value, json};

use crate::server::{McpServer, error_value};
use crate::validate::ValidationReport;

/// In-process MCP servers by name, and the control handler that serves them. Cheap to clone.
#[derive(Clone)]
pub struct SdkMcpServers {
    servers: Arc<BTreeMap<String, McpServer>>,
    fallback: Arc<dyn ControlHandler>,
}

impl std::fmt::Debug for SdkMcpServers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SdkMcpServers")
            .field("servers", &self.servers.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl Default for SdkMcpServers {
    fn default() -> Self {
        Self::new()
    }
}

impl SdkMcpServers {
    /// No servers; other control requests answered `unsupported_request`.
    pub fn new() -> Self {
        SdkMcpServers {
            servers: Arc::new(BTreeMap::new()),
            fallback: Arc::new(Unsupported),
        }
    }

    /// Adds a server (a later server with the same name replaces an earlier one; see
    /// [`SdkMcpServers::validate`]).
    pub fn with(mut self, server: McpServer) -> Self {
        Arc::make_mut(&mut self.servers).insert(server.name().to_owned(), server);
        self
    }

    /// Serves every other control request (`can_use_tool`, `hook_callback`, …) with `handler`.
    pub fn fallback(mut self, handler: Arc<dyn ControlHandler>) -> Self {
        self.fallback = handler;
        self
    }

    /// The servers.
    pub fn servers(&self) -> impl Iterator<Item = &McpServer> {
        self.servers.values()
    }

    /// `{"mcpServers":{"<name>":{"type":"sdk","name":"<name>"},…}}` for `--mcp-config`.
    pub fn mcp_config(&self) -> String {
        let servers: serde_json::Map<String, Value> = self
            .servers
            .keys()
            .map(|n| (n.clone(), json!({"type": "sdk", "name": n})))
            .collect();
        json!({ "mcpServers": servers }).to_string()
    }

    /// `options` plus the `--mcp-config` for these servers.
    pub fn apply(&self, options: Options) -> Options {
        if self.servers.is_empty() {
            options
        } else {
            options.mcp_config(self.mcp_config())
        }
    }

    /// Every tool's full name (`mcp__calc__add`, …): pass them to `allowed_tools` so the CLI
    /// runs them without asking (MCP tools prompt by default).
    pub fn allowed_tools(&self) -> Vec<String> {
        self.servers
            .values()
            .flat_map(McpServer::qualified_tool_names)
            .collect()
    }

    /// Validates every server and the names across servers.
    pub fn validate(&self) -> ValidationReport {
        let reports = self.servers.values().map(McpServer::validate).collect();
        let names: Vec<(String, Vec<String>)> = self
            .servers
            .values()
            .map(|s| {
                (
                    s.name().to_owned(),
                    s.tool_names().into_iter().map(str::to_owned).collect(),
                )
            })
            .collect();
        ValidationReport::merge(reports, &names)
    }

    /// This value as the CLI backend's control handler.
    pub fn handler(&self) -> Arc<dyn ControlHandler> {
        Arc::new(self.clone())
    }

    /// Answers one `mcp_message`: the JSON-RPC reply for `server_name`, or a JSON-RPC error when
    /// no such server exists.
    pub async fn answer(&self, server_name: &str, message: Value) -> Value {
        match self.servers.get(server_name) {
            Some(s) => s.handle_jsonrpc(message).await,
            None => {
                let id = message.get("id").cloned();
                error_value(
                    id,
                    ErrorData::new(
                        ErrorCode::METHOD_NOT_FOUND,
                        format!("Server '{server_name}' not found"),
                        None,
                    ),
                )
            }
        }
    }
}

impl ControlHandler for SdkMcpServers {
    fn handle(&self, request: ControlRequest) -> HandlerFuture {
        match request {
            ControlRequest::McpMessage {
                server_name,
                message,
                ..
            } => {
                let this = self.clone();
                Box::pin(async move {
                    let reply = this.answer(&server_name, message).await;
                    Ok(json!({ "mcp_response": reply }))
                })
            }
            other => self.fallback.handle(other),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::tool::{Tool, ToolOutput};
    use serde_json::Map;

    #[derive(serde::Deserialize, schemars::JsonSchema)]
    struct Add {
        a: f64,
        b: f64,
    }

    fn servers() -> SdkMcpServers {
        SdkMcpServers::new().with(
            McpServer::builder("calc")
                .tool(Tool::new("add", "Add", |x: Add| async move {
                    ToolOutput::text(format!("sum={}", x.a + x.b))
                }))
                .build()
                .unwrap(),
        )
    }

    #[tokio::test]
    async fn serves_mcp_messages_and_passes_the_rest_on() {
        let s = servers();
        assert_eq!(
            s.mcp_config(),
            r#"{"mcpServers":{"calc":{"name":"calc","type":"sdk"}}}"#
        );
        assert_eq!(s.allowed_tools(), ["mcp__calc__add"]);
        let h = s.handler();
        let ok = h
            .handle(ControlRequest::McpMessage {
                server_name: "calc".into(),
                message: json!({"jsonrpc":"2.0","id":1,"method":"tools/list"}),
                extra: Map::new(),
            })
            .await
            .unwrap();
        assert_eq!(ok["mcp_response"]["result"]["tools"][0]["name"], "add");
        let missing = h
            .handle(ControlRequest::McpMessage {
                server_name: "nope".into(),
                message: json!({"jsonrpc":"2.0","id":9,"method":"tools/list"}),
                extra: Map::new(),
            })
            .await
            .unwrap();
        assert_eq!(missing["mcp_response"]["id"], 9);
        assert_eq!(missing["mcp_response"]["error"]["code"], -32601);
        let other = h
            .handle(ControlRequest::CanUseTool {
                tool_name: "Bash".into(),
                input: json!({}),
                extra: Map::new(),
            })
            .await
            .unwrap_err();
        assert_eq!(other.code.as_deref(), Some("unsupported_request"));
    }
}
