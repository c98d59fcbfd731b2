//! End-to-end: 200 queries in a row leave no CLI process behind.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use claude_sdk_core::Request;
use claude_sdk_testing::{CliTestEnv, Reply, Script};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_queries_leave_no_process() {
    const TOTAL: usize = 200;
    const LANES: usize = 4;
    let Some(env) = CliTestEnv::start(Script::always(Reply::text("ok"))).await else {
        return;
    };
    let backend = common::backend(&env);
    let mut lanes = tokio::task::JoinSet::new();
    for lane in 0..LANES {
        let backend = backend.clone();
        let opts = common::options(&env).no_session_persistence(true);
        lanes.spawn(async move {
            for i in 0..TOTAL / LANES {
                let o = backend
                    .query(Request::new(format!("q{lane}-{i}")).with_options(opts.clone()))
                    .await
                    .unwrap_or_else(|e| panic!("query {lane}-{i}: {e:#}"));
                assert_eq!(o.text, "ok");
            }
        });
    }
    while let Some(r) = lanes.join_next().await {
        r.expect("lane");
    }
    assert_eq!(env.mock.message_requests().len(), TOTAL);
    common::assert_no_processes_left(&env).await;
}
