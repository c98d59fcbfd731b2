//! End-to-end: in-process MCP tools served to the **real** `claude` CLI (mock Messages API only).
//! The mock asks for `mcp__calc__add`; the CLI sends `tools/call` through an `mcp_message`
//! control request; our Rust handler runs with the typed input; its result goes back to the
//! API in the next request; the final answer arrives.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};

use claude_sdk_backend_cli::{CliBackend, CliConfig};
use claude_sdk_core::{Options, Request};
use claude_sdk_mcp::{McpServer, SdkMcpServers, Tool, ToolOutput, UsageRecorder};
use claude_sdk_testing::{CliTestEnv, Reply, Script};
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Clone, PartialEq, Deserialize, schemars::JsonSchema)]
struct Add {
    /// First addend.
    a: i64,
    /// Second addend.
    b: i64,
}

fn options(env: &CliTestEnv) -> Options {
    let mut o = Options::new().cwd(env.project_dir());
    for (k, v) in env.env() {
        o = o.env(k, v);
    }
    o
}

fn calc(seen: Arc<Mutex<Vec<Add>>>, usage: &UsageRecorder) -> McpServer {
    McpServer::builder("calc")
        .tool(Tool::new("add", "Add two integers", move |x: Add| {
            let seen = seen.clone();
            async move {
                let sum = x.a + x.b;
                seen.lock().unwrap().push(x);
                ToolOutput::text(format!("sum={sum}"))
            }
        }))
        .tool(Tool::new("fail", "Always fails", |_: Add| async move {
            ToolOutput::error("it broke")
        }))
        .analytics(usage.clone())
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_cli_calls_an_in_process_tool() {
    let script = Script::new()
        .then(Reply::tool_use("mcp__calc__add", json!({"a": 2, "b": 3})))
        .then(Reply::text("The sum is 5."));
    let Some(env) = CliTestEnv::start(script).await else {
        return;
    };
    let seen = Arc::new(Mutex::new(Vec::new()));
    let usage = UsageRecorder::new();
    let servers = SdkMcpServers::new().with(calc(seen.clone(), &usage));
    assert!(servers.validate().is_clean(), "{}", servers.validate());
    let opts = servers
        .apply(options(&env))
        .allowed_tools(servers.allowed_tools());
    let backend = CliBackend::new(CliConfig::new().cli_path(&env.cli).cli_max_retries(0))
        .with_control_handler(servers.handler());

    let mut events = backend
        .stream(Request::new("add 2 and 3").with_options(opts))
        .await
        .unwrap();
    let mut outcome = None;
    while let Some(ev) = events.next().await {
        let ev = ev.unwrap();
        usage.observe(&ev);
        if let claude_sdk_core::Event::Result(r) = &ev {
            outcome = Some(r.clone());
        }
    }
    let result = outcome.expect("a result event");
    assert!(!result.is_error, "{result:?}");
    assert_eq!(result.result.as_deref(), Some("The sum is 5."));

    // The Rust handler ran once, with the typed input.
    assert_eq!(*seen.lock().unwrap(), [Add { a: 2, b: 3 }]);

    // The CLI sent the handler's result back to the API in the next request.
    let reqs = env.mock.message_requests();
    assert_eq!(reqs.len(), 2, "{reqs:#?}");
    assert!(reqs[0].tool_results().is_empty());
    assert_eq!(reqs[1].tool_result_texts(), ["sum=5"]);
    assert_ne!(reqs[1].tool_results()[0]["is_error"], true);

    // Analytics: one call, counted once although both the handler and the stream saw it.
    let snap = usage.snapshot();
    let add = &snap.tools["mcp__calc__add"];
    assert_eq!((add.calls, add.errors, add.denials), (1, 0, 0), "{snap}");
    assert_eq!(add.samples, 1);
    assert_eq!(snap.total_calls(), 1, "{snap}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_and_denials_reach_the_model_and_the_counters() {
    // Turn 1: an allowed tool that fails; turn 2: a tool not allowed (denied, never run).
    let script = Script::new()
        .then(Reply::tool_use("mcp__calc__fail", json!({"a": 1, "b": 1})))
        .then(Reply::tool_use("mcp__calc__add", json!({"a": 4, "b": 4})))
        .then(Reply::text("done"));
    let Some(env) = CliTestEnv::start(script).await else {
        return;
    };
    let seen = Arc::new(Mutex::new(Vec::new()));
    let usage = UsageRecorder::new();
    let servers = SdkMcpServers::new().with(calc(seen.clone(), &usage));
    // Only `fail` is allowed; `add` would prompt, and with `dontAsk` a prompt is a denial.
    let opts = servers
        .apply(options(&env))
        .allowed_tools(["mcp__calc__fail"])
        .permission_mode(claude_sdk_core::PermissionMode::DontAsk);
    let backend = CliBackend::new(CliConfig::new().cli_path(&env.cli).cli_max_retries(0))
        .with_control_handler(servers.handler());
    let mut events = backend
        .stream(Request::new("go").with_options(opts))
        .await
        .unwrap();
    while let Some(ev) = events.next().await {
        usage.observe(&ev.unwrap());
    }
    assert!(seen.lock().unwrap().is_empty(), "add must not run");
    let reqs = env.mock.message_requests();
    assert_eq!(reqs.len(), 3, "{reqs:#?}");
    // The CLI appends a schema hint to errors of deferred (not yet loaded) tools.
    let text = &reqs[1].tool_result_texts()[0];
    assert!(text.starts_with("it broke"), "{text}");
    assert_eq!(reqs[1].tool_results()[0]["is_error"], true);
    assert_eq!(reqs[2].tool_results().last().unwrap()["is_error"], true);

    let snap = usage.snapshot();
    let fail = &snap.tools["mcp__calc__fail"];
    assert_eq!((fail.calls, fail.errors, fail.denials), (1, 1, 0), "{snap}");
    let add = &snap.tools["mcp__calc__add"];
    assert_eq!((add.calls, add.errors, add.denials), (1, 0, 1), "{snap}");
}
