//! The facade's `mcp_servers`: an in-process Rust tool and a permission callback on one router,
//! with the real CLI against the mock API.
#![cfg(feature = "mcp")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};

use claude_sdk::mcp::{McpServer, SdkMcpServers, Tool, ToolOutput};
use claude_sdk::{Client, Options, PermissionRequest, PermissionResult};
use claude_sdk_testing::{CliTestEnv, Reply, Script};
use serde_json::json;

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Add {
    a: i64,
    b: i64,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn builder_mcp_servers_and_permission_callback_share_the_router() {
    let Some(env) = CliTestEnv::start(Script::new()).await else {
        return;
    };
    // Writing a file prompts (a read-only `echo` would not).
    let marker = env.project_dir().join("marker.txt");
    env.mock.set_script(
        Script::new()
            .then(Reply::tool_use("mcp__calc__add", json!({"a": 20, "b": 22})))
            .then(Reply::tool_use(
                "Bash",
                json!({"command": format!("touch {}", marker.display()), "description": "x"}),
            ))
            .then(Reply::text("done")),
    );
    let mut options = Options::new().cwd(env.project_dir());
    for (k, v) in env.env() {
        options = options.env(k, v);
    }
    let calls: Arc<Mutex<Vec<(i64, i64)>>> = Arc::default();
    let seen = calls.clone();
    let calc = McpServer::builder("calc")
        .tool(Tool::new("add", "Add two integers", move |x: Add| {
            let seen = seen.clone();
            async move {
                seen.lock().unwrap().push((x.a, x.b));
                ToolOutput::text(format!("sum={}", x.a + x.b))
            }
        }))
        .build()
        .unwrap();
    let asked: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = asked.clone();
    let client = Client::builder()
        .cli_path(&env.cli)
        .cli_max_retries(0)
        .options(options)
        .mcp_servers(SdkMcpServers::new().with(calc))
        .can_use_tool(move |req: PermissionRequest| {
            log.lock().unwrap().push(req.tool_name.clone());
            async move { PermissionResult::deny("not in tests") }
        })
        .build()
        .unwrap();

    let outcome = client.query("add, then run a command").await.unwrap();
    assert_eq!(outcome.text, "done");
    assert_eq!(
        *calls.lock().unwrap(),
        vec![(20, 22)],
        "the Rust tool ran once"
    );
    let results = env.mock.message_requests();
    assert!(
        results[1]
            .tool_result_texts()
            .iter()
            .any(|t| t.contains("sum=42")),
        "the tool's result went back to the API"
    );
    assert!(
        asked.lock().unwrap().iter().any(|t| t == "Bash"),
        "the permission callback decided Bash: {:?}",
        asked.lock().unwrap()
    );
    assert!(
        !asked
            .lock()
            .unwrap()
            .iter()
            .any(|t| t.starts_with("mcp__calc")),
        "the MCP tool was allowed up front, not prompted"
    );
    assert!(
        outcome
            .permission_denials
            .iter()
            .any(|d| d.tool_name == "Bash"),
        "the denial is in the result"
    );
    assert!(!marker.exists(), "the denied command never ran");
}
