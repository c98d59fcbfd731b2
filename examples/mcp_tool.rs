//! An in-process MCP tool written in Rust, called by the real `claude` CLI (offline: the mock
//! Messages API asks for the tool, as a model would).
//!
//! `cargo run -p claude-sdk-examples --example mcp_tool` (needs `cargo xtask install-cli`).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use claude_sdk::cli::{CliBackend, CliConfig};
use claude_sdk::{Options, Request};
use claude_sdk_mcp::{McpServer, SdkMcpServers, Tool, ToolOutput, UsageRecorder};
use claude_sdk_testing::{CliTestEnv, Reply, Script};
use serde_json::json;

/// The tool's input; its JSON Schema comes from this type.
#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Add {
    /// First addend.
    a: f64,
    /// Second addend.
    b: f64,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let script = Script::new()
        .then(Reply::tool_use("mcp__calc__add", json!({"a": 2, "b": 3})))
        .then(Reply::text("2 + 3 = 5, says the Rust tool."));
    let Some(env) = CliTestEnv::start(script).await else {
        return Err("the claude CLI is not installed: run `cargo xtask install-cli`".into());
    };

    let usage = UsageRecorder::new();
    let calc = McpServer::builder("calc")
        .tool(Tool::new("add", "Add two numbers", |x: Add| async move {
            println!("  (the Rust handler runs: {} + {})", x.a, x.b);
            ToolOutput::text(format!("sum={}", x.a + x.b))
        }))
        .analytics(usage.clone())
        .build()?;
    let servers = SdkMcpServers::new().with(calc);
    let report = servers.validate();
    println!("validation: {report}");

    let mut options = servers
        .apply(Options::new().cwd(env.project_dir()))
        .allowed_tools(servers.allowed_tools());
    for (k, v) in env.env() {
        options = options.env(k, v);
    }
    let backend = CliBackend::new(CliConfig::new().cli_path(&env.cli))
        .with_control_handler(servers.handler());
    let outcome = backend
        .query(Request::new("What is 2 + 3?").with_options(options))
        .await?;
    println!("answer: {}", outcome.text);
    println!(
        "the API saw the tool result: {:?}",
        env.mock.message_requests()[1].tool_result_texts()
    );
    print!("{}", usage.snapshot());
    Ok(())
}
