//! [`CliTestEnv`]: everything an end-to-end test needs to drive the **real** `claude` CLI
//! offline — a mock Messages API on loopback, a fresh `HOME` and project directory, the
//! environment that points the CLI at the mock, and a `/proc` scan that finds every process the
//! test started (by a unique marker variable), to prove none is left behind.
//!
//! The CLI is found at `$CLAUDE_CLI_PATH`, else in the xtask cache (`cargo xtask install-cli`).
//! When it is missing the test is skipped — except under `CI=true`, where that is a failure.

use std::path::{Path, PathBuf};

use crate::mock_api::{MockServer, Script};

/// The CLI version the project pins.
pub const PINNED_CLI_VERSION: &str = "2.1.330";

/// The marker variable set in every test process's environment.
pub const MARKER_VAR: &str = "CLAUDE_SDK_TEST_MARKER";

/// A real-CLI test environment. Dropping it removes the temp dirs and stops the mock.
#[derive(Debug)]
pub struct CliTestEnv {
    /// The mock API.
    pub mock: MockServer,
    /// The CLI binary.
    pub cli: PathBuf,
    home: tempfile::TempDir,
    project: tempfile::TempDir,
    marker: String,
}

/// Where the CLI is, if anywhere: `$CLAUDE_CLI_PATH`, else the xtask cache.
pub fn find_test_cli() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CLAUDE_CLI_PATH").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let cache = std::env::var_os("CLAUDE_SDK_CACHE_DIR")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("XDG_CACHE_HOME").map(|p| PathBuf::from(p).join("claude-sdk-rs"))
        })
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/claude-sdk-rs"))
        })?;
    let p = cache
        .join("cli")
        .join(PINNED_CLI_VERSION)
        .join("node_modules/@anthropic-ai/claude-code-linux-x64/claude");
    p.is_file().then_some(p)
}

/// Whether we run under CI (`CI=true`), where missing parts fail instead of skipping.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

impl CliTestEnv {
    /// Starts the mock with `script` and prepares a fresh HOME. `None` means "skip this test"
    /// (the CLI is not installed and we are not in CI).
    ///
    /// # Panics
    /// Under `CI=true` when the CLI is missing, or when the temp dirs or the mock cannot be made.
    #[allow(clippy::expect_used, clippy::print_stderr)]
    pub async fn start(script: Script) -> Option<CliTestEnv> {
        let cli = match find_test_cli() {
            Some(p) if p.is_file() => p,
            other => {
                let msg = format!(
                    "the claude CLI is not installed ({other:?}); run `cargo xtask install-cli` or set CLAUDE_CLI_PATH"
                );
                assert!(!in_ci(), "{msg}");
                eprintln!("skipping: {msg}");
                return None;
            }
        };
        let mock = MockServer::start(script).await.expect("start the mock API");
        let home = tempfile::Builder::new()
            .prefix("claude-home-")
            .tempdir()
            .expect("temp HOME");
        let project = tempfile::Builder::new()
            .prefix("claude-proj-")
            .tempdir()
            .expect("temp project");
        let marker = format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple());
        Some(CliTestEnv {
            mock,
            cli,
            home,
            project,
            marker,
        })
    }

    /// The temp HOME.
    pub fn home(&self) -> &Path {
        self.home.path()
    }

    /// The temp project directory (use it as the CLI's cwd).
    pub fn project_dir(&self) -> &Path {
        self.project.path()
    }

    /// The variables that point the CLI at the mock, isolate it, and mark its processes.
    pub fn env(&self) -> Vec<(String, String)> {
        let home = self.home.path().to_string_lossy().into_owned();
        vec![
            ("HOME".into(), home),
            ("ANTHROPIC_BASE_URL".into(), self.mock.base_url()),
            ("ANTHROPIC_API_KEY".into(), "sk-test".into()),
            ("DISABLE_TELEMETRY".into(), "1".into()),
            (
                "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC".into(),
                "1".into(),
            ),
            (MARKER_VAR.into(), self.marker.clone()),
        ]
    }

    /// Pids of live processes started by this environment (found by the marker variable).
    /// Zombies count as alive: a reaped process has no `/proc` entry.
    pub fn live_processes(&self) -> Vec<u32> {
        processes_with_env(MARKER_VAR, &self.marker)
    }
}

/// Pids whose environment holds `key=value` (reads `/proc/*/environ`).
pub fn processes_with_env(key: &str, value: &str) -> Vec<u32> {
    let needle = format!("{key}={value}");
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for entry in dir.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(environ) = std::fs::read(entry.path().join("environ")) else {
            // A zombie has an unreadable/empty environ; check its status instead.
            continue;
        };
        if environ.split(|b| *b == 0).any(|kv| kv == needle.as_bytes()) {
            out.push(pid);
        }
    }
    out
}

/// Whether a pid exists in `/proc` (alive or zombie).
pub fn pid_exists(pid: u32) -> bool {
    Path::new("/proc").join(pid.to_string()).exists()
}
