//! A real `redis-server` for one test: free loopback port, temp dir, no persistence, killed
//! and reaped on drop. Missing `redis-server` skips the test, except under `CI=true` where it
//! fails (`cargo xtask install-redis` installs it).

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use claude_sdk_testing::cli_env::in_ci;

/// A running `redis-server`.
#[derive(Debug)]
pub struct RedisServer {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

/// `redis-server` on PATH, if any.
fn find_redis_server() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("redis-server"))
        .find(|p| p.is_file())
}

impl RedisServer {
    /// Starts a server; `None` means skip (not installed, not in CI).
    pub fn start() -> Option<RedisServer> {
        let Some(bin) = find_redis_server() else {
            let msg = "redis-server is not on PATH; run `cargo xtask install-redis`";
            assert!(!in_ci(), "{msg}");
            eprintln!("skipping: {msg}");
            return None;
        };
        // The port is free when we look; another process may take it before the server binds,
        // so try a few ports.
        let mut last_err = String::new();
        for _ in 0..5 {
            match Self::try_start(&bin) {
                Ok(s) => return Some(s),
                Err(e) => last_err = e,
            }
        }
        panic!("could not start redis-server: {last_err}");
    }

    fn try_start(bin: &PathBuf) -> Result<RedisServer, String> {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free port: {e}"))?
            .port();
        let dir = tempfile::Builder::new()
            .prefix("redis-test-")
            .tempdir()
            .map_err(|e| format!("temp dir: {e}"))?;
        let mut child = Command::new(bin)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .args(["--protected-mode", "yes", "--logfile", ""])
            .arg("--dir")
            .arg(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("spawn {}: {e}", bin.display()))?;
        // Wait for the server to say it is ready (no blind sleeping); keep draining its log.
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if line.contains("Ready to accept connections")
                    && let Some(tx) = tx.take()
                {
                    let _ = tx.send(());
                }
            }
        });
        // A bound so a broken server fails the test instead of hanging it.
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(()) => Ok(RedisServer {
                child,
                port,
                _dir: dir,
            }),
            Err(_) => {
                let _ = child.kill();
                let status = child.wait();
                Err(format!(
                    "redis-server on port {port} never became ready ({status:?})"
                ))
            }
        }
    }

    /// `redis://127.0.0.1:<port>/0`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's pid (to check it is reaped).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A key prefix unique to one test.
pub fn unique_prefix(test: &str) -> String {
    format!("test:{test}:{}:", uuid::Uuid::new_v4().simple())
}
