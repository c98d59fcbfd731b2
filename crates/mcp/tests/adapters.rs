//! Adapters: commands (real processes) and HTTP endpoints (a real loopback server) as tools.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use axum::Json;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::routing::{get, post};
use claude_sdk_mcp::adapters::{CommandTool, HttpTool, from_fn};
use claude_sdk_mcp::{McpServer, UsageRecorder};
use serde_json::{Value, json};

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Add {
    a: i64,
    b: i64,
}

#[tokio::test]
async fn a_command_is_a_tool() {
    let echo = CommandTool::new("echo", "Echo words", "echo")
        .args(["-n", "{text}"])
        .build()
        .unwrap();
    assert_eq!(echo.input_schema()["required"], json!(["text"]));
    // One argument, whatever it contains: no shell, no splitting.
    let out = echo.call(json!({"text": "a b; rm -rf /tmp/x"})).await;
    assert!(!out.is_error());
    assert_eq!(out.text_content(), "a b; rm -rf /tmp/x");

    let cat = CommandTool::new("upper", "Upper-case stdin", "tr")
        .args(["a-z", "A-Z"])
        .stdin_param("text")
        .build()
        .unwrap();
    assert_eq!(
        cat.call(json!({"text": "hello"})).await.text_content(),
        "HELLO"
    );
    let missing = cat.call(json!({})).await;
    assert!(missing.is_error());
    assert!(missing.text_content().contains("missing input: text"));
}

#[tokio::test]
async fn command_failures_are_error_results() {
    let fails = CommandTool::new("ls", "List", "ls")
        .arg("{path}")
        .build()
        .unwrap();
    let out = fails.call(json!({"path": "/definitely/not/here"})).await;
    assert!(out.is_error());
    assert!(
        out.text_content().contains("exit code 2"),
        "{}",
        out.text_content()
    );
    assert!(
        out.text_content().contains("No such file"),
        "{}",
        out.text_content()
    );

    let nope = CommandTool::new("nope", "Missing", "/no/such/program-xyz")
        .build()
        .unwrap();
    let out = nope.call(json!({})).await;
    assert!(out.is_error());
    assert!(
        out.text_content().contains("cannot start"),
        "{}",
        out.text_content()
    );

    assert!(CommandTool::new("x", "x", "").build().is_err());
}

#[tokio::test]
async fn a_command_past_its_timeout_is_killed() {
    let marker = format!("mcp-adapter-{}", std::process::id());
    let slow = CommandTool::new("slow", "Sleeps", "sleep")
        .arg("30")
        .env("MCP_ADAPTER_MARKER", &marker)
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let out = slow.call(json!({})).await;
    assert!(out.is_error());
    assert!(
        out.text_content().contains("timed out"),
        "{}",
        out.text_content()
    );
    // The group was killed and reaped: no process with our marker remains (bounded poll).
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let live = claude_sdk_testing::cli_env::processes_with_env("MCP_ADAPTER_MARKER", &marker);
        if live.is_empty() {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "left behind: {live:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn output_is_capped() {
    let big = CommandTool::new("big", "Lots of output", "head")
        .args(["-c", "100000", "/dev/zero"])
        .max_output_bytes(1000)
        .build()
        .unwrap();
    let out = big.call(json!({})).await;
    assert!(!out.is_error());
    assert!(
        out.text_content()
            .ends_with("[output truncated at 1000 bytes]")
    );
    assert!(out.text_content().len() < 1100);
}

async fn http_server() -> String {
    let app = axum::Router::new()
        .route(
            "/items/{id}",
            get(
                |Path(id): Path<String>,
                 Query(q): Query<std::collections::HashMap<String, String>>| async move {
                    Json(json!({"id": id, "q": q}))
                },
            ),
        )
        .route(
            "/sum",
            post(|Json(v): Json<Value>| async move {
                Json(json!({"sum": v["a"].as_i64().unwrap_or(0) + v["b"].as_i64().unwrap_or(0)}))
            }),
        )
        .route(
            "/broken",
            get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "kaputt") }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

#[tokio::test]
async fn an_http_endpoint_is_a_tool() {
    let base = http_server().await;
    let item = HttpTool::get("item", "Fetch an item", &format!("{base}/items/{{id}}"))
        .build()
        .unwrap();
    let out = item.call(json!({"id": "a b/c", "verbose": true})).await;
    assert!(!out.is_error(), "{}", out.text_content());
    let v: Value = serde_json::from_str(&out.text_content()).unwrap();
    assert_eq!(v, json!({"id": "a b/c", "q": {"verbose": "true"}}));

    let sum = HttpTool::post("sum", "Add", &format!("{base}/sum"))
        .input::<Add>()
        .build()
        .unwrap();
    assert_eq!(sum.input_schema()["required"], json!(["a", "b"]));
    let out = sum.call(json!({"a": 2, "b": 40})).await;
    assert_eq!(out.text_content(), r#"{"sum":42}"#);

    let broken = HttpTool::get("broken", "Fails", &format!("{base}/broken"))
        .build()
        .unwrap();
    let out = broken.call(json!({})).await;
    assert!(out.is_error());
    assert!(out.text_content().contains("500"), "{}", out.text_content());
    assert!(out.text_content().contains("kaputt"));

    assert!(HttpTool::get("bad", "bad", "not a url").build().is_err());
}

#[tokio::test]
async fn adapters_serve_from_one_server_with_analytics() {
    let usage = UsageRecorder::new();
    let server = McpServer::builder("util")
        .tool(from_fn("add", "Add", |x: Add| x.a + x.b))
        .tool(
            CommandTool::new("echo", "Echo", "echo")
                .arg("{text}")
                .build()
                .unwrap(),
        )
        .analytics(usage.clone())
        .build()
        .unwrap();
    assert_eq!(
        server
            .call_tool("add", json!({"a": 1, "b": 2}))
            .await
            .text_content(),
        "3"
    );
    assert_eq!(
        server
            .call_tool("echo", json!({"text": "hi"}))
            .await
            .text_content(),
        "hi\n"
    );
    assert!(server.call_tool("add", json!({"a": "x"})).await.is_error());
    let s = usage.snapshot();
    assert_eq!(
        (
            s.tools["mcp__util__add"].calls,
            s.tools["mcp__util__add"].errors
        ),
        (2, 1)
    );
    assert_eq!(s.tools["mcp__util__echo"].calls, 1);
    assert_eq!(s.tools["mcp__util__add"].samples, 2);
}
