//! End-to-end: the real `claude` CLI against the mock Messages API.
//!
//! The CLI binary comes from `CLAUDE_CLI_PATH`, else the xtask cache
//! (`~/.cache/claude-sdk-rs/cli/2.1.330/node_modules/.bin/claude`). Without it the tests print a
//! skip note and pass, except under `CI=true` where a missing CLI is a failure.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};

use claude_sdk_testing::{MockServer, Reply, Script};
use serde_json::{Value, json};

const CLI_VERSION: &str = "2.1.330";

fn cli_path() -> Option<PathBuf> {
    let path = match std::env::var_os("CLAUDE_CLI_PATH") {
        Some(p) => PathBuf::from(p),
        None => {
            let home = std::env::var_os("HOME")
                .map(PathBuf::from)
                .unwrap_or_default();
            home.join(format!(
                ".cache/claude-sdk-rs/cli/{CLI_VERSION}/node_modules/.bin/claude"
            ))
        }
    };
    if path.exists() {
        return Some(path);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!(
            "claude CLI not found at {} (run `cargo xtask install-cli` or set CLAUDE_CLI_PATH)",
            path.display()
        );
    }
    eprintln!(
        "skipping: claude CLI not found at {} (set CLAUDE_CLI_PATH or run `cargo xtask install-cli`)",
        path.display()
    );
    None
}

#[derive(Debug)]
struct CliRun {
    status: ExitStatus,
    lines: Vec<Value>,
    stderr: String,
}

impl CliRun {
    fn result(&self) -> &Value {
        self.lines
            .iter()
            .rev()
            .find(|l| l["type"] == "result")
            .unwrap_or_else(|| panic!("no result line in {self:#?}"))
    }

    fn of_type<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
        self.lines.iter().filter(move |l| l["type"] == kind)
    }
}

/// Runs `claude -p <prompt> --output-format stream-json --verbose` with a fresh HOME and project
/// dir, stdin null, against `server`. `None` when the CLI is not installed.
async fn run_cli(server: &MockServer, env: &[(&str, &str)], args: &[&str]) -> Option<CliRun> {
    let cli = cli_path()?;
    let home = tempfile::tempdir().unwrap();
    let project = tempfile::tempdir().unwrap();
    let mut cmd = tokio::process::Command::new(cli);
    cmd.args([
        "-p",
        "say hi",
        "--output-format",
        "stream-json",
        "--verbose",
    ])
    .args(args)
    .current_dir(project.path())
    .env_clear()
    .env("PATH", std::env::var_os("PATH").unwrap_or_default())
    .env("HOME", home.path())
    .env("ANTHROPIC_BASE_URL", server.base_url())
    .env("ANTHROPIC_API_KEY", "sk-test")
    .env("DISABLE_TELEMETRY", "1")
    .env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")
    .envs(env.iter().copied())
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .kill_on_drop(true);
    let out = cmd.output().await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines = stdout
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad line {l:?}: {e}")))
        .collect();
    Some(CliRun {
        status: out.status,
        lines,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_text_reply() {
    let server = MockServer::start(Script::always(Reply::text("hello from the mock")))
        .await
        .unwrap();
    let Some(run) = run_cli(&server, &[], &[]).await else {
        return;
    };
    assert!(run.status.success(), "{run:#?}");
    let result = run.result();
    assert_eq!(result["is_error"], false, "{result:#}");
    assert_eq!(result["result"], "hello from the mock");
    assert!(
        result["usage"]["output_tokens"].as_u64().unwrap() > 0,
        "{result:#}"
    );

    let reqs = server.message_requests();
    assert_eq!(reqs.len(), 1);
    let req = &reqs[0];
    assert!(req.is_stream());
    assert_eq!(req.query.as_deref(), Some("beta=true"));
    assert_eq!(req.last_user_text().as_deref(), Some("say hi"));
    assert_eq!(req.header("x-api-key"), Some("<redacted>"));
    assert!(req.model().is_some());
    assert!(!req.system_text().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_tool_use_then_text() {
    let script = Script::new()
        .then(Reply::tool_use(
            "Bash",
            json!({"command": "echo mock-tool-ran", "description": "echo"}),
        ))
        .then(Reply::text("the tool ran"));
    let server = MockServer::start(script).await.unwrap();
    let Some(run) = run_cli(&server, &[], &["--allowedTools", "Bash"]).await else {
        return;
    };
    assert!(run.status.success(), "{run:#?}");
    assert_eq!(run.result()["result"], "the tool ran");
    assert_eq!(run.result()["num_turns"], 2);

    let reqs = server.message_requests();
    assert_eq!(reqs.len(), 2, "{reqs:#?}");
    let results = reqs[1].tool_result_texts();
    assert!(
        results.iter().any(|t| t.contains("mock-tool-ran")),
        "{:#?}",
        reqs[1].tool_results()
    );
    // The prompt is still the last real user text after the tool round trip.
    assert_eq!(reqs[1].last_user_text().as_deref(), Some("say hi"));
    let tool_use = run
        .of_type("assistant")
        .flat_map(|m| m["message"]["content"].as_array().unwrap().iter())
        .find(|b| b["type"] == "tool_use")
        .unwrap();
    assert_eq!(tool_use["name"], "Bash");
    assert_eq!(tool_use["input"]["command"], "echo mock-tool-ran");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_thinking_then_text() {
    let server = MockServer::start(Script::always(Reply::thinking(
        "Let me think about it.",
        "thought through",
    )))
    .await
    .unwrap();
    let Some(run) = run_cli(&server, &[], &[]).await else {
        return;
    };
    assert!(run.status.success(), "{run:#?}");
    assert_eq!(run.result()["result"], "thought through");
    let blocks: Vec<&Value> = run
        .of_type("assistant")
        .flat_map(|m| m["message"]["content"].as_array().unwrap().iter())
        .collect();
    let thinking = blocks.iter().find(|b| b["type"] == "thinking").unwrap();
    assert_eq!(thinking["thinking"], "Let me think about it.");
    assert!(!thinking["signature"].as_str().unwrap().is_empty());
}

async fn assert_api_error(status: u16, error_type: &str) {
    let server = MockServer::start(Script::always(Reply::error(
        status,
        error_type,
        &format!("mock {status}"),
    )))
    .await
    .unwrap();
    let Some(run) = run_cli(&server, &[("CLAUDE_CODE_MAX_RETRIES", "0")], &[]).await else {
        return;
    };
    assert!(!run.status.success(), "{run:#?}");
    let result = run.result();
    assert_eq!(result["is_error"], true, "{result:#}");
    assert_eq!(result["api_error_status"], status, "{result:#}");
    assert!(!server.message_requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_error_401() {
    assert_api_error(401, "authentication_error").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_error_500() {
    assert_api_error(500, "api_error").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_error_529() {
    assert_api_error(529, "overloaded_error").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_recovers_from_malformed_sse() {
    let server = MockServer::start(Script::always(Reply::malformed_sse()))
        .await
        .unwrap();
    let Some(run) = run_cli(&server, &[], &[]).await else {
        return;
    };
    assert!(run.status.success(), "{run:#?}");
    assert_eq!(run.result()["is_error"], false);
    assert_eq!(run.result()["result"], "ok");
    assert!(
        run.stderr.contains("this is not json"),
        "the CLI reports the bad chunk on stderr: {run:#?}"
    );
    let reqs = server.message_requests();
    assert!(reqs.first().unwrap().is_stream());
    assert!(
        !reqs.last().unwrap().is_stream(),
        "expected a non-streaming fallback"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_recovers_from_cut_stream() {
    let server = MockServer::start(Script::always(Reply::cut_after_first_delta(
        "the whole answer",
    )))
    .await
    .unwrap();
    let Some(run) = run_cli(&server, &[("CLAUDE_CODE_MAX_RETRIES", "0")], &[]).await else {
        return;
    };
    // The CLI drops the partial stream and falls back to one non-streaming request.
    assert!(run.status.success(), "{run:#?}");
    assert_eq!(run.result()["result"], "the whole answer");
    let reqs = server.message_requests();
    assert_eq!(reqs.len(), 2, "{reqs:#?}");
    assert!(reqs[0].is_stream());
    assert!(!reqs[1].is_stream());
}
