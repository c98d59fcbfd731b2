//! The server framework with our own client (rmcp on both sides): stdio child process, streamable
//! HTTP, and custom extensions (a custom method, a custom notification, an experimental
//! capability) over a raw byte stream.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use claude_sdk_mcp::client::{McpClient, McpConfig, ServerSpec, discover};
use claude_sdk_mcp::{McpServer, Tool, ToolOutput};
use serde_json::{Map, Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

const LIMIT: Duration = Duration::from_secs(60);

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Add {
    a: i64,
    b: i64,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_client_and_our_stdio_server() {
    let spec = ServerSpec::Stdio {
        command: env!("CARGO_BIN_EXE_claude-sdk-mcp-demo").into(),
        args: vec![],
        env: Default::default(),
        cwd: None,
    };
    let client = McpClient::connect("calc", &spec, LIMIT).await.unwrap();
    assert_eq!(client.server_info().unwrap().name, "calc");
    let tools = client.list_tools().await.unwrap();
    assert_eq!(tools.len(), 1);
    assert_eq!(tools[0].name, "add");
    let out = client
        .call_tool(
            "add",
            Map::from_iter([("a".into(), json!(40)), ("b".into(), json!(2))]),
        )
        .await
        .unwrap();
    assert_eq!(out.text_content(), "sum=42");
    assert_eq!(
        client.list_resources().await.unwrap()[0].uri,
        "memo://calc/readme"
    );
    assert_eq!(client.list_prompts().await.unwrap()[0].name, "explain");
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_over_http() {
    let server = McpServer::builder("web")
        .tool(Tool::new("add", "Add", |x: Add| async move {
            ToolOutput::text((x.a + x.b).to_string())
        }))
        .build()
        .unwrap();
    let http = claude_sdk_mcp::serve::serve_http(server, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let config = McpConfig::from_json_str(
        &json!({"mcpServers": {
            "web": {"type": "http", "url": http.url()},
            "inproc": {"type": "sdk", "name": "inproc"},
        }})
        .to_string(),
    )
    .unwrap();
    let found = discover(&config, LIMIT).await;
    assert_eq!(found.len(), 1, "sdk servers are skipped");
    assert_eq!(found[0].error, None);
    assert_eq!(found[0].tools[0].name, "add");
    assert!(found[0].resources.is_empty() && found[0].prompts.is_empty());
    http.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_methods_notifications_and_capabilities() {
    let (notes_tx, mut notes_rx) = tokio::sync::mpsc::unbounded_channel();
    let server = McpServer::builder("ext")
        .tool(Tool::new("add", "Add", |x: Add| async move {
            ToolOutput::text((x.a + x.b).to_string())
        }))
        .custom_method("ext/echo", |p| async move { Ok(json!({"echo": p})) })
        .on_notification(move |method, params| {
            let _ = notes_tx.send((method, params));
        })
        .experimental("ext/feature", Map::from_iter([("level".into(), json!(2))]))
        .build()
        .unwrap();
    let (ours, theirs) = tokio::io::duplex(64 * 1024);
    let (r, w) = tokio::io::split(theirs);
    let task = tokio::spawn(claude_sdk_mcp::serve::serve_io(server, r, w));
    let (r, mut w) = tokio::io::split(ours);
    let mut lines = BufReader::new(r).lines();
    let mut send = async move |v: Value| {
        w.write_all(format!("{v}\n").as_bytes()).await.unwrap();
    };
    send(json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"0"}}})).await;
    let init: Value = serde_json::from_str(&lines.next_line().await.unwrap().unwrap()).unwrap();
    assert_eq!(
        init["result"]["capabilities"]["experimental"]["ext/feature"],
        json!({"level": 2})
    );
    send(json!({"jsonrpc":"2.0","method":"notifications/initialized"})).await;
    send(json!({"jsonrpc":"2.0","method":"ext/hello","params":{"x":1}})).await;
    send(json!({"jsonrpc":"2.0","id":2,"method":"ext/echo","params":{"y":2}})).await;
    let echo: Value = serde_json::from_str(&lines.next_line().await.unwrap().unwrap()).unwrap();
    assert_eq!(
        echo,
        json!({"jsonrpc":"2.0","id":2,"result":{"echo":{"y":2}}})
    );
    send(json!({"jsonrpc":"2.0","id":3,"method":"ext/nope"})).await;
    let nope: Value = serde_json::from_str(&lines.next_line().await.unwrap().unwrap()).unwrap();
    assert_eq!(nope["error"]["code"], -32601, "{nope}");
    assert_eq!(
        notes_rx.recv().await.unwrap().0,
        "notifications/initialized"
    );
    assert_eq!(
        notes_rx.recv().await.unwrap(),
        ("ext/hello".to_owned(), Some(json!({"x": 1})))
    );
    drop(send);
    drop(lines);
    // Closing the stream ends the server.
    tokio::time::timeout(LIMIT, task)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
}
