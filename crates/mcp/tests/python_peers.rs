//! Our MCP server and discovery against the **official Python MCP SDK** (`mcp`, pinned in
//! xtask, installed by `cargo xtask install-peers` / `test` / `ci` into
//! `~/.cache/claude-sdk-rs/peers/mcp-py/<version>`). The interpreter comes from
//! `$CLAUDE_SDK_MCP_PYTHON`, else that cache; missing, the tests skip — under `CI=true` they fail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use claude_sdk_mcp::client::{McpClient, McpConfig, discover, validate_listings};
use claude_sdk_mcp::{McpServer, Tool, ToolOutput};
use claude_sdk_testing::cli_env::in_ci;
use serde_json::{Value, json};

const MCP_PY_VERSION: &str = "2.3.0";
/// A safety net for a hung peer, not a speed assertion.
const LIMIT: Duration = Duration::from_secs(120);

fn mcp_python() -> Option<PathBuf> {
    let path = std::env::var_os("CLAUDE_SDK_MCP_PYTHON")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            let cache = std::env::var_os("CLAUDE_SDK_CACHE_DIR")
                .map(PathBuf::from)
                .or_else(|| {
                    std::env::var_os("XDG_CACHE_HOME")
                        .map(|p| PathBuf::from(p).join("claude-sdk-rs"))
                })
                .or_else(|| {
                    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/claude-sdk-rs"))
                })?;
            Some(
                cache
                    .join("peers/mcp-py")
                    .join(MCP_PY_VERSION)
                    .join("bin/python"),
            )
        });
    match path {
        Some(p) if p.is_file() => Some(p),
        other => {
            let msg = format!(
                "the Python MCP SDK peer is not installed ({other:?}); run `cargo xtask install-peers`"
            );
            assert!(!in_ci(), "{msg}");
            eprintln!("skipping: {msg}");
            None
        }
    }
}

fn peer_script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/peers")
        .join(name)
}

/// Runs the Python client script; returns what it printed as JSON.
async fn run_python_client(python: &Path, args: &[&str]) -> Value {
    let mut cmd = tokio::process::Command::new(python);
    cmd.arg(peer_script("mcp_client.py"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let out = tokio::time::timeout(LIMIT, cmd.output())
        .await
        .expect("the python client hung")
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "python client failed: {}\nstdout: {stdout}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(stdout.lines().last().unwrap_or("")).unwrap()
}

fn assert_calc_answers(seen: &Value) {
    assert_eq!(seen["server"], "calc", "{seen:#}");
    assert_eq!(seen["tools"], json!(["add"]));
    assert_eq!(seen["schemas"]["add"]["required"], json!(["a", "b"]));
    assert_eq!(seen["call"], json!({"is_error": false, "text": ["sum=5"]}));
    assert_eq!(seen["bad_call_is_error"], true);
    assert_eq!(seen["resources"], json!(["memo://calc/readme"]));
    assert_eq!(seen["resource_text"], json!(["calc adds integers"]));
    assert_eq!(seen["prompts"], json!(["explain"]));
    assert_eq!(seen["prompt_text"], json!(["Explain X briefly."]));
    assert_eq!(seen["experimental"], json!(["claude-sdk-rs/demo"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_client_uses_our_stdio_server() {
    let Some(python) = mcp_python() else { return };
    let seen = run_python_client(
        &python,
        &["stdio", env!("CARGO_BIN_EXE_claude-sdk-mcp-demo")],
    )
    .await;
    assert_calc_answers(&seen);
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Add {
    a: i64,
    b: i64,
}

fn calc() -> McpServer {
    McpServer::builder("calc")
        .tool(Tool::new("add", "Add two integers", |x: Add| async move {
            ToolOutput::text(format!("sum={}", x.a + x.b))
        }))
        .text_resource("memo://calc/readme", "readme", "calc adds integers")
        .template_prompt("explain", "Explain a topic", "Explain {topic} briefly.")
        .experimental("claude-sdk-rs/demo", serde_json::Map::new())
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_client_uses_our_http_server() {
    let Some(python) = mcp_python() else { return };
    let http = claude_sdk_mcp::serve::serve_http(calc(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let seen = run_python_client(&python, &["http", &http.url()]).await;
    assert_calc_answers(&seen);
    http.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_lists_a_python_server() {
    let Some(python) = mcp_python() else { return };
    let config = McpConfig::from_json_str(
        &json!({"mcpServers": {
            "py": {"command": python, "args": [peer_script("mcp_server.py")]},
        }})
        .to_string(),
    )
    .unwrap();
    let found = discover(&config, LIMIT).await;
    assert_eq!(found.len(), 1);
    let py = &found[0];
    assert_eq!(py.error, None);
    assert_eq!(
        py.server_info.as_ref().map(|i| i.name.as_str()),
        Some("pycalc")
    );
    let mut tools: Vec<&str> = py.tools.iter().map(|t| t.name.as_ref()).collect();
    tools.sort_unstable();
    assert_eq!(tools, ["greet", "multiply"]);
    let multiply = py.tools.iter().find(|t| t.name == "multiply").unwrap();
    assert_eq!(
        multiply.description.as_deref(),
        Some("Multiply two numbers")
    );
    assert_eq!(
        multiply.input_schema.get("required"),
        Some(&json!(["a", "b"]))
    );
    assert_eq!(
        py.resources
            .iter()
            .map(|r| r.uri.as_str())
            .collect::<Vec<_>>(),
        ["memo://readme"]
    );
    assert_eq!(
        py.prompts
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>(),
        ["review"]
    );
    let report = validate_listings(&found);
    assert!(!report.has_errors(), "{report}");

    // And a call through our client.
    let client = McpClient::connect("py", &config.servers["py"], LIMIT)
        .await
        .unwrap();
    let out = client
        .call_tool(
            "greet",
            serde_json::Map::from_iter([("name".into(), json!("rust"))]),
        )
        .await
        .unwrap();
    assert!(!out.is_error());
    assert_eq!(out.text_content(), "hello rust");
    client.close().await;
}
