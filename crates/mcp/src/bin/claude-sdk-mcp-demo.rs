//! A small MCP server built with `claude-sdk-mcp`, served standalone: over stdio (default) or
//! streamable HTTP (`--http 127.0.0.1:0` prints the URL on the first stdout line). Tests drive
//! it with the official Python MCP client and with the real Claude Code CLI.
//!
//! Server `calc`: tool `add` (integers `a`, `b` → `sum=<a+b>`), resource `memo://calc/readme`,
//! prompt `explain` (`{topic}`), custom method `calc/version`, experimental capability
//! `claude-sdk-rs/demo`. With `CALC_CALL_LOG=<file>`, every `add` input is appended to the file.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::Write;
use std::process::ExitCode;

use claude_sdk_mcp::{McpServer, Tool, ToolOutput};
use serde_json::json;

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Add {
    /// First addend.
    a: i64,
    /// Second addend.
    b: i64,
}

fn server() -> claude_sdk_core::Result<McpServer> {
    let log = std::env::var_os("CALC_CALL_LOG");
    McpServer::builder("calc")
        .version(env!("CARGO_PKG_VERSION"))
        .tool(Tool::new("add", "Add two integers", move |x: Add| {
            let log = log.clone();
            async move {
                if let Some(path) = log {
                    let line = json!({"a": x.a, "b": x.b}).to_string();
                    let _ = std::fs::OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(path)
                        .and_then(|mut f| writeln!(f, "{line}"));
                }
                match x.a.checked_add(x.b) {
                    Some(sum) => ToolOutput::text(format!("sum={sum}")),
                    None => ToolOutput::error("overflow"),
                }
            }
        }))
        .text_resource("memo://calc/readme", "readme", "calc adds integers")
        .template_prompt("explain", "Explain a topic", "Explain {topic} briefly.")
        .custom_method("calc/version", |_| async {
            Ok(json!({"version": env!("CARGO_PKG_VERSION")}))
        })
        .experimental(
            "claude-sdk-rs/demo",
            serde_json::Map::from_iter([("customMethods".into(), json!(["calc/version"]))]),
        )
        .build()
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let server = match server() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = match args.as_slice() {
        [] => claude_sdk_mcp::serve::serve_stdio(server).await,
        [flag, addr] if flag == "--http" => match addr.parse() {
            Ok(addr) => match claude_sdk_mcp::serve::serve_http(server, addr).await {
                Ok(http) => {
                    println!("{}", http.url());
                    let _ = std::io::stdout().flush();
                    // Serve until stdin closes (the parent's lifetime), then stop cleanly.
                    let mut sink = Vec::new();
                    let _ =
                        tokio::io::AsyncReadExt::read_to_end(&mut tokio::io::stdin(), &mut sink)
                            .await;
                    http.shutdown().await;
                    Ok(())
                }
                Err(e) => Err(e),
            },
            Err(e) => {
                eprintln!("error: bad address {addr:?}: {e}");
                return ExitCode::from(2);
            }
        },
        _ => {
            eprintln!("usage: claude-sdk-mcp-demo [--http ADDR]");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
