//! End-to-end: the **real** `claude` CLI uses our standalone MCP server (the
//! `claude-sdk-mcp-demo` binary, stdio) declared in `--mcp-config`; the mock API asks for
//! `mcp__calc__add`, the CLI's `tools/call` reaches our server process, and its answer reaches
//! the mock in the next request.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use claude_sdk_backend_cli::{CliBackend, CliConfig};
use claude_sdk_core::{Options, Request};
use claude_sdk_testing::{CliTestEnv, Reply, Script};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_cli_uses_our_stdio_server() {
    let script = Script::new()
        .then(Reply::tool_use("mcp__calc__add", json!({"a": 20, "b": 22})))
        .then(Reply::text("It is 42."));
    let Some(env) = CliTestEnv::start(script).await else {
        return;
    };
    let log = env.project_dir().join("calls.jsonl");
    let config = json!({"mcpServers": {"calc": {
        "type": "stdio",
        "command": env!("CARGO_BIN_EXE_claude-sdk-mcp-demo"),
        "args": [],
        "env": {"CALC_CALL_LOG": log},
    }}});
    let mut opts = Options::new()
        .cwd(env.project_dir())
        .mcp_config(config.to_string())
        .strict_mcp_config(true)
        .allowed_tools(["mcp__calc__add"]);
    for (k, v) in env.env() {
        opts = opts.env(k, v);
    }
    let backend = CliBackend::new(CliConfig::new().cli_path(&env.cli).cli_max_retries(0));
    let outcome = backend
        .query(Request::new("what is 20 + 22?").with_options(opts))
        .await
        .unwrap();
    assert_eq!(outcome.text, "It is 42.");

    // The call reached our server process with the model's input…
    let calls: Vec<Value> = std::fs::read_to_string(&log)
        .expect("the server logged no call")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(calls, [json!({"a": 20, "b": 22})]);
    // …and its answer reached the API.
    let reqs = env.mock.message_requests();
    assert_eq!(reqs.len(), 2, "{reqs:#?}");
    assert_eq!(reqs[1].tool_result_texts(), ["sum=42"]);

    // The CLI and our server are gone (bounded poll of /proc).
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !env.live_processes().is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "left behind: {:?}",
            env.live_processes()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
