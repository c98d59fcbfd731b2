//! Shared helpers for the end-to-end tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use claude_sdk_backend_cli::{CliBackend, CliConfig};
use claude_sdk_core::Options;
use claude_sdk_testing::CliTestEnv;

/// Options pointing the CLI at the env's mock, in its project dir.
pub fn options(env: &CliTestEnv) -> Options {
    let mut o = Options::new().cwd(env.project_dir());
    for (k, v) in env.env() {
        o = o.env(k, v);
    }
    o
}

/// Process settings with the env's CLI and no CLI-internal retries (fast error tests).
pub fn config(env: &CliTestEnv) -> CliConfig {
    CliConfig::new().cli_path(&env.cli).cli_max_retries(0)
}

pub fn backend(env: &CliTestEnv) -> CliBackend {
    CliBackend::new(config(env))
}

/// Waits (without sleeping blindly) until no process of this env is alive: polls `/proc`
/// with a short yield between scans, bounded by a generous limit so a leak fails the test.
pub async fn assert_no_processes_left(env: &CliTestEnv) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let live = env.live_processes();
        if live.is_empty() {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "processes still alive: {live:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
