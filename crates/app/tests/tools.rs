//! `claude-rs tools list` and `claude-rs query --mcp-config`: MCP servers from a config file
//! (here one of ours, served over streamable HTTP on loopback by the test itself).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Output, Stdio};

use claude_sdk_mcp::{McpServer, Tool, ToolOutput};
use claude_sdk_testing::{CliTestEnv, Reply, Script};
use serde_json::{Value, json};

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Add {
    a: i64,
    b: i64,
}

fn calc() -> McpServer {
    McpServer::builder("calc")
        .tool(Tool::new(
            "add",
            "Add two integers\nmore text",
            |x: Add| async move { ToolOutput::text(format!("sum={}", x.a + x.b)) },
        ))
        .text_resource("memo://calc/readme", "readme", "calc adds integers")
        .build()
        .unwrap()
}

async fn claude_rs(args: &[&str], env: &[(String, String)], cwd: &std::path::Path) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_claude-rs"))
        .args(args)
        .envs(env.iter().cloned())
        .current_dir(cwd)
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output()
        .await
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tools_list_shows_servers_and_failures() {
    let http = claude_sdk_mcp::serve::serve_http(calc(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.json");
    std::fs::write(
        &good,
        json!({"mcpServers": {"calc": {"type": "http", "url": http.url()}}}).to_string(),
    )
    .unwrap();
    let out = claude_rs(
        &["tools", "list", "--mcp-config", good.to_str().unwrap()],
        &[],
        dir.path(),
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("calc (calc 1.0.0)\n"), "{stdout}");
    assert!(stdout.contains("tool     mcp__calc__add"), "{stdout}");
    assert!(
        stdout.contains("Add two integers\n"),
        "first description line only: {stdout}"
    );
    assert!(stdout.contains("resource memo://calc/readme"), "{stdout}");

    let out = claude_rs(
        &[
            "tools",
            "list",
            "--json",
            "--mcp-config",
            good.to_str().unwrap(),
        ],
        &[],
        dir.path(),
    )
    .await;
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["servers"][0]["tools"][0]["qualified_name"],
        "mcp__calc__add"
    );
    assert_eq!(
        v["servers"][0]["tools"][0]["input_schema"]["required"],
        json!(["a", "b"])
    );

    // A server that cannot start: listed as failed, exit code 1; inline JSON works too.
    let broken = json!({"mcpServers": {"gone": {"command": "/no/such/mcp-server"}}}).to_string();
    let out = claude_rs(
        &[
            "tools",
            "list",
            "--mcp-config",
            good.to_str().unwrap(),
            "--mcp-config",
            &broken,
        ],
        &[],
        dir.path(),
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("mcp__calc__add"), "{stdout}");
    assert!(stdout.contains("gone: FAILED"), "{stdout}");
    assert!(
        text(&out.stderr).contains("error[tool] 1 of 2 MCP server(s) failed"),
        "{}",
        text(&out.stderr)
    );

    // No config at all: a config error (exit 2).
    let out = claude_rs(&["tools", "list"], &[], dir.path()).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    http.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_passes_mcp_config_to_the_cli() {
    let script = Script::new()
        .then(Reply::tool_use("mcp__calc__add", json!({"a": 2, "b": 3})))
        .then(Reply::text("five"));
    let Some(env) = CliTestEnv::start(script).await else {
        return;
    };
    let http = claude_sdk_mcp::serve::serve_http(calc(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let config = env.project_dir().join("mcp.json");
    std::fs::write(
        &config,
        json!({"mcpServers": {"calc": {"type": "http", "url": http.url()}}}).to_string(),
    )
    .unwrap();
    let mut vars = env.env();
    vars.push((
        "CLAUDE_CLI_PATH".into(),
        env.cli.to_string_lossy().into_owned(),
    ));
    let out = claude_rs(
        &[
            "--cli-max-retries",
            "0",
            "query",
            "--mcp-config",
            config.to_str().unwrap(),
            "--allowed-tools",
            "mcp__calc__add",
            "add 2 and 3",
        ],
        &vars,
        env.project_dir(),
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "five\n");
    let reqs = env.mock.message_requests();
    assert_eq!(reqs.len(), 2, "{reqs:#?}");
    assert_eq!(reqs[1].tool_result_texts(), ["sum=5"]);
    http.shutdown().await;
}
