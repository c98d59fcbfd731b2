//! `claude-mock-api`: serve the mock Messages API until killed.
//!
//! ```text
//! claude-mock-api [--text TEXT] [--port PORT]
//! ```
//! Every `/v1/messages` request is answered with `TEXT` (default `hi`). The first stdout line is the
//! base URL, `http://127.0.0.1:PORT`. Used by the benchmarks to drive the official SDKs.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;

use claude_sdk_testing::{MockServer, Reply, Script};

const USAGE: &str = "usage: claude-mock-api [--text TEXT] [--port PORT]";

struct Args {
    text: String,
    port: u16,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut parsed = Args {
        text: "hi".to_owned(),
        port: 0,
    };
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg, None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value\n{USAGE}"))
        };
        match flag.as_str() {
            "--text" => parsed.text = value("--text")?,
            "--port" => {
                let v = value("--port")?;
                parsed.port = v
                    .parse()
                    .map_err(|_| format!("invalid port {v:?}\n{USAGE}"))?;
            }
            "-h" | "--help" => return Ok(None),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    Ok(Some(parsed))
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(msg) => {
            eprintln!("{msg}");
            return ExitCode::from(2);
        }
    };
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, args.port));
    let server = match MockServer::bind(addr, Script::always(Reply::text(args.text))).await {
        Ok(server) => server,
        Err(err) => {
            eprintln!("claude-mock-api: cannot listen on {addr}: {err}");
            return ExitCode::FAILURE;
        }
    };
    println!("{}", server.base_url());
    // Flushing makes the line visible to a parent reading a pipe; if stdout is gone, keep serving.
    let _ = std::io::stdout().flush();
    if let Err(err) = tokio::signal::ctrl_c().await {
        eprintln!("claude-mock-api: cannot wait for ctrl-c ({err}); serving until killed");
        std::future::pending::<()>().await;
    }
    server.shutdown().await;
    ExitCode::SUCCESS
}
