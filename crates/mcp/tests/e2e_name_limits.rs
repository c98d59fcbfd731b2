//! The name-length rule of the validator, checked against the **real** CLI: a tool whose full
//! name `mcp__<server>__<tool>` has 128 characters is listed and runs; with 129 the CLI drops it
//! silently (not in the deferred-tool list; a call gets "No such tool available"). The server here
//! answers `mcp_message` by hand, since our builder refuses such names.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use claude_sdk_backend_cli::{CliBackend, CliConfig, ControlError, ControlHandler, HandlerFuture};
use claude_sdk_core::message::ControlRequest;
use claude_sdk_core::{Options, Request};
use claude_sdk_mcp::validate::{IssueKind, ValidationReport};
use claude_sdk_testing::{CliTestEnv, Reply, Script};
use serde_json::json;

/// A minimal hand-written in-process server with one tool of any name.
struct RawServer(String);

impl ControlHandler for RawServer {
    fn handle(&self, request: ControlRequest) -> HandlerFuture {
        let name = self.0.clone();
        Box::pin(async move {
            let ControlRequest::McpMessage { message, .. } = request else {
                return Err(ControlError::new("only mcp_message"));
            };
            let id = message["id"].clone();
            let result = match message["method"].as_str().unwrap_or("") {
                "initialize" => {
                    json!({"protocolVersion": "2025-11-25", "capabilities": {"tools": {}},
                                       "serverInfo": {"name": "s", "version": "1"}})
                }
                "tools/list" => json!({"tools": [{"name": name, "description": "d",
                                                  "inputSchema": {"type": "object"}}]}),
                "tools/call" => json!({"content": [{"type": "text", "text": "RAN"}]}),
                _ => json!({}),
            };
            let reply = if id.is_null() {
                json!({"jsonrpc": "2.0", "result": {}})
            } else {
                json!({"jsonrpc": "2.0", "id": id, "result": result})
            };
            Ok(json!({ "mcp_response": reply }))
        })
    }
}

/// Runs one query where the model calls the tool; returns (listed to the model, tool result text).
async fn try_tool(tool: &str) -> Option<(bool, String)> {
    let full = format!("mcp__s__{tool}");
    let script = Script::new()
        .then(Reply::tool_use(&full, json!({})))
        .then(Reply::text("done"));
    let env = CliTestEnv::start(script).await?;
    let mut opts = Options::new()
        .cwd(env.project_dir())
        .mcp_config(r#"{"mcpServers":{"s":{"type":"sdk","name":"s"}}}"#)
        .allowed_tools([full.clone()]);
    for (k, v) in env.env() {
        opts = opts.env(k, v);
    }
    let backend = CliBackend::new(CliConfig::new().cli_path(&env.cli).cli_max_retries(0))
        .with_control_handler(Arc::new(RawServer(tool.to_owned())));
    let outcome = backend
        .query(Request::new("go").with_options(opts))
        .await
        .unwrap();
    assert_eq!(outcome.text, "done");
    let reqs = env.mock.message_requests();
    let system: String = reqs[0]
        .messages()
        .iter()
        .filter(|m| m["role"] == "system")
        .map(ToString::to_string)
        .collect();
    // Listed under exactly this name (followed by a non-name character).
    let listed = system
        .match_indices(&full)
        .any(|(i, _)| !system[i + full.len()..].starts_with('x'));
    Some((listed, reqs[1].tool_result_texts().join("")))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_drops_tools_whose_full_name_passes_128_chars() {
    let ok = "x".repeat(120); // mcp__s__ + 120 = 128
    let Some((listed, result)) = try_tool(&ok).await else {
        return;
    };
    assert!(listed);
    assert_eq!(result, "RAN");
    let raw = |n: &str| rmcp::model::Tool::new(n.to_owned(), "d", Arc::new(serde_json::Map::new()));
    let report = ValidationReport::for_definitions("s", &[raw(&ok)]);
    assert_eq!(
        report
            .of_kind(IssueKind::TooLarge)
            .filter(|i| i.severity == claude_sdk_mcp::Severity::Error)
            .count(),
        0,
        "{report}"
    );

    let too_long = "x".repeat(121); // 129
    let (listed, result) = try_tool(&too_long).await.unwrap();
    assert!(!listed);
    assert!(result.contains("No such tool available"), "{result}");
    let report = ValidationReport::for_definitions("s", &[raw(&too_long)]);
    assert!(report.has_errors(), "{report}");
    assert_eq!(report.of_kind(IssueKind::TooLarge).count(), 1, "{report}");
}
