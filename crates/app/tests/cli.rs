//! End-to-end tests of the `claude-rs` binary: the real CLI against the mock API.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

use claude_sdk_testing::{CliTestEnv, Reply, Script};

fn run(env: &CliTestEnv, args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_claude-rs"));
    cmd.args(args)
        .envs(env.env())
        .env("CLAUDE_CLI_PATH", &env.cli)
        .current_dir(env.project_dir())
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn claude-rs");
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    child.wait_with_output().expect("wait")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_text_json_and_stdin_prompt() {
    let Some(env) = CliTestEnv::start(Script::always(Reply::echo())).await else {
        return;
    };
    let out = run(
        &env,
        &["query", "--model", "claude-haiku-5-5", "--", "-p"],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "-p\n");
    assert_eq!(
        env.mock.message_requests()[0].model(),
        Some("claude-haiku-5-5")
    );

    let out = run(
        &env,
        &["query", "--output", "json", "-"],
        Some("from stdin ✓"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["result"], "from stdin ✓");
    assert_eq!(v["is_error"], false);
    assert!(v["usage"]["output_tokens"].as_u64().unwrap() > 0);
    assert!(v["cost_usd"].as_f64().unwrap() > 0.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_prints_text_as_it_arrives() {
    let chunks: Vec<String> = ["one ", "two ", "three"].map(String::from).to_vec();
    let Some(env) = CliTestEnv::start(Script::always(Reply::slow_text(
        chunks,
        std::time::Duration::from_millis(20),
    )))
    .await
    else {
        return;
    };
    let out = run(&env, &["stream", "count"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "one two three\n");

    let out = run(&env, &["query", "--output", "stream-json", "count"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(lines.last().unwrap()["type"], "result");
    let deltas = lines
        .iter()
        .filter(|l| l["event"]["delta"]["type"] == "text_delta")
        .count();
    assert_eq!(deltas, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_have_codes_and_exit_codes() {
    let Some(env) = CliTestEnv::start(Script::always(Reply::error(
        401,
        "authentication_error",
        "bad key",
    )))
    .await
    else {
        return;
    };
    let out = run(&env, &["--cli-max-retries", "0", "query", "hi"], None);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.starts_with("error[auth] "), "{err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");

    let out = run(
        &env,
        &["--cli-max-retries", "0", "query", "--output", "json", "hi"],
        None,
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json error");
    assert_eq!(v["code"], "auth");
    assert_eq!(v["http_status"], 401);

    let out = run(
        &env,
        &["--cli-path", "/nonexistent/claude", "query", "hi"],
        None,
    );
    assert_eq!(out.status.code(), Some(3));
    assert!(
        text(&out.stderr).starts_with("error[cli_not_found] "),
        "{}",
        text(&out.stderr)
    );

    let out = run(&env, &["query", "--timeout", "-1", "hi"], None);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_line_past_the_limit_keeps_memory_bounded() {
    const HUGE: usize = 48 * 1024 * 1024;
    let Some(env) = CliTestEnv::start(Script::always(Reply::huge_text(HUGE))).await else {
        return;
    };
    let out = run(
        &env,
        // No session store: this measures the line path alone (sled adds ~6 MiB of its own).
        &[
            "--no-store",
            "--max-line-bytes",
            "1048576",
            "--report-resources",
            "query",
            "big",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(5));
    let err = text(&out.stderr);
    assert!(err.starts_with("error[protocol] "), "{err}");
    let rss_kib: u64 = err
        .lines()
        .find_map(|l| l.strip_prefix("resources: peak_rss_kib="))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .expect("resources line");
    // The 48 MiB line is never buffered: far below its size.
    assert!(rss_kib < 32 * 1024, "peak RSS {rss_kib} KiB");
    assert!(env.live_processes().is_empty(), "leftover processes");
}
