//! End-to-end: the real CLI against the mock Messages API — one-shot queries.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use claude_sdk_core::{ErrorCode, Request};
use claude_sdk_testing::{CliTestEnv, Reply, Script};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_returns_scripted_text_with_usage_and_cost() {
    let Some(env) = CliTestEnv::start(Script::always(Reply::text("Hello from the mock").with_usage(42, 7))).await else {
        return;
    };
    let req = Request::new("say hi").with_options(common::options(&env).model("claude-sonnet-5-5"));
    let outcome = common::backend(&env).query(req).await.expect("query");
    assert_eq!(outcome.text, "Hello from the mock");
    assert!(outcome.usage.output_tokens > 0, "{:?}", outcome.usage);
    assert!(outcome.usage.input_tokens > 0, "{:?}", outcome.usage);
    assert!(outcome.cost_usd.is_some_and(|c| c > 0.0), "{:?}", outcome.cost_usd);
    assert!(!outcome.session_id.is_empty());
    let reqs = env.mock.message_requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].model(), Some("claude-sonnet-5-5"));
    assert_eq!(reqs[0].last_user_text().as_deref(), Some("say hi"));
    assert!(reqs[0].header("user-agent").unwrap_or("").contains("sdk-rust"), "{:?}", reqs[0].header("user-agent"));
    common::assert_no_processes_left(&env).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_cli_binary_is_cli_not_found() {
    let config = claude_sdk_backend_cli::CliConfig::new().cli_path("/nonexistent/bin/claude");
    let err = claude_sdk_backend_cli::CliBackend::new(config).query(Request::new("hi")).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::CliNotFound);
    assert!(err.message().contains("/nonexistent/bin/claude"), "{err}");
}
