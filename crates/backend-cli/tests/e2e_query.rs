//! End-to-end: the real CLI against the mock Messages API — one-shot queries.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use claude_sdk_core::{ErrorCode, Request};
use claude_sdk_testing::{CliTestEnv, Reply, Script};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_returns_scripted_text_with_usage_and_cost() {
    let Some(env) = CliTestEnv::start(Script::always(
        Reply::text("Hello from the mock").with_usage(42, 7),
    ))
    .await
    else {
        return;
    };
    let req = Request::new("say hi").with_options(common::options(&env).model("claude-sonnet-5-5"));
    let outcome = common::backend(&env).query(req).await.expect("query");
    assert_eq!(outcome.text, "Hello from the mock");
    assert!(outcome.usage.output_tokens > 0, "{:?}", outcome.usage);
    assert!(outcome.usage.input_tokens > 0, "{:?}", outcome.usage);
    assert!(
        outcome.cost_usd.is_some_and(|c| c > 0.0),
        "{:?}",
        outcome.cost_usd
    );
    assert!(!outcome.session_id.is_empty());
    let reqs = env.mock.message_requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].model(), Some("claude-sonnet-5-5"));
    assert_eq!(reqs[0].last_user_text().as_deref(), Some("say hi"));
    assert!(
        reqs[0]
            .header("user-agent")
            .unwrap_or("")
            .contains("sdk-rust"),
        "{:?}",
        reqs[0].header("user-agent")
    );
    common::assert_no_processes_left(&env).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_cli_binary_is_cli_not_found() {
    let config = claude_sdk_backend_cli::CliConfig::new().cli_path("/nonexistent/bin/claude");
    let err = claude_sdk_backend_cli::CliBackend::new(config)
        .query(Request::new("hi"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::CliNotFound);
    assert!(err.message().contains("/nonexistent/bin/claude"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tricky_prompts_round_trip_unchanged() {
    let Some(env) = CliTestEnv::start(Script::always(Reply::echo())).await else {
        return;
    };
    let backend = common::backend(&env);
    let prompts = [
        "--help",
        "-p",
        "emoji 👋🏽 and CJK 你好世界 こんにちは 한국어",
        "quotes \" ' ` $HOME \\ and a\nsecond line",
    ];
    for prompt in prompts {
        let outcome = backend
            .query(Request::new(prompt).with_options(common::options(&env)))
            .await
            .unwrap_or_else(|e| panic!("{prompt:?}: {e:#}"));
        assert_eq!(outcome.text, prompt);
        let last = env.mock.message_requests().pop().expect("a request");
        assert_eq!(last.last_user_text().as_deref(), Some(prompt));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_mib_block_arrives_intact() {
    const SIZE: usize = 5 * 1024 * 1024;
    let Some(env) = CliTestEnv::start(Script::always(Reply::huge_text(SIZE))).await else {
        return;
    };
    let stream = common::backend(&env)
        .stream(Request::new("big").with_options(common::options(&env)))
        .await
        .expect("stream");
    let (events, outcome) = stream.collect().await.expect("outcome");
    assert_eq!(outcome.text.len(), SIZE);
    let block: String = events
        .iter()
        .filter_map(|e| match e {
            claude_sdk_core::Event::Assistant(a) => Some(a.text()),
            _ => None,
        })
        .collect();
    assert_eq!(block, outcome.text, "assistant block and result differ");
    common::assert_no_processes_left(&env).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn line_past_the_limit_is_a_protocol_error() {
    let Some(env) = CliTestEnv::start(Script::always(Reply::huge_text(4 * 1024 * 1024))).await
    else {
        return;
    };
    let backend =
        claude_sdk_backend_cli::CliBackend::new(common::config(&env).max_line_bytes(1024 * 1024));
    let err = backend
        .query(Request::new("big").with_options(common::options(&env)))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Protocol, "{err:#}");
    assert!(err.message().contains("1048576"), "{err}");
    common::assert_no_processes_left(&env).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_errors_get_distinct_codes_with_context() {
    let Some(env) = CliTestEnv::start(Script::new()).await else {
        return;
    };
    let backend = common::backend(&env);
    let cases = [
        (401, "authentication_error", ErrorCode::Auth),
        (500, "api_error", ErrorCode::Api),
        (529, "overloaded_error", ErrorCode::Overloaded),
    ];
    for (status, kind, code) in cases {
        env.mock.set_script(Script::always(Reply::error(
            status,
            kind,
            &format!("mock {status}"),
        )));
        let err = backend
            .query(Request::new("hi").with_options(common::options(&env)))
            .await
            .unwrap_err();
        assert_eq!(err.code(), code, "{status}: {err:#}");
        let ctx = err.context();
        assert_eq!(ctx.http_status, Some(status), "{err:#}");
        assert!(ctx.exit_status.is_some(), "no exit status: {err:#}");
        assert!(
            ctx.command
                .as_deref()
                .is_some_and(|c| c.contains("--input-format=stream-json")),
            "{err:#}"
        );
        assert!(
            !ctx.session_id.clone().unwrap_or_default().is_empty(),
            "{err:#}"
        );
        assert!(
            !format!("{err:#}").contains("sk-test"),
            "secret leaked: {err:#}"
        );
    }
    common::assert_no_processes_left(&env).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_startup_failure_carries_stderr_tail_and_exit_status() {
    let Some(env) = CliTestEnv::start(Script::new()).await else {
        return;
    };
    let opts = common::options(&env).extra_arg("--no-such-flag-here", None);
    let err = common::backend(&env)
        .query(Request::new("hi").with_options(opts))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Config, "{err:#}");
    let ctx = err.context();
    assert!(
        ctx.stderr_tail
            .as_deref()
            .is_some_and(|s| s.contains("--no-such-flag-here")),
        "{err:#}"
    );
    assert_eq!(ctx.exit_status.as_deref(), Some("exit code 1"), "{err:#}");
    assert!(env.mock.message_requests().is_empty());
    common::assert_no_processes_left(&env).await;
}
