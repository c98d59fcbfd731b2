//! The child process: its own process group, a waiter that reaps it, a stderr drain into a
//! bounded ring, and a kill that takes the whole group down. No zombies, no orphans: every path
//! (drop, timeout, cancel, failed handshake) ends in [`ProcessHandle::kill`] or a clean exit, and
//! the waiter task reaps.

use std::collections::VecDeque;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use claude_sdk_core::{Error, ErrorCode, Result};
use tokio::io::AsyncReadExt;
use tokio::process::{ChildStdin, ChildStdout, Command};
use tokio::sync::watch;

/// The last bytes a child wrote to stderr.
#[derive(Debug)]
pub struct StderrTail {
    buf: Mutex<VecDeque<u8>>,
    cap: usize,
}

impl StderrTail {
    fn new(cap: usize) -> Self {
        StderrTail {
            buf: Mutex::new(VecDeque::with_capacity(cap.min(4096))),
            cap,
        }
    }

    fn push(&self, data: &[u8]) {
        let Ok(mut buf) = self.buf.lock() else { return };
        let data = if data.len() > self.cap {
            &data[data.len() - self.cap..]
        } else {
            data
        };
        let overflow = (buf.len() + data.len()).saturating_sub(self.cap);
        buf.drain(..overflow);
        buf.extend(data);
    }

    /// The tail as text (lossy UTF-8), starting at a line boundary when possible.
    pub fn text(&self) -> String {
        let Ok(buf) = self.buf.lock() else {
            return String::new();
        };
        let (a, b) = buf.as_slices();
        let mut bytes = Vec::with_capacity(a.len() + b.len());
        bytes.extend_from_slice(a);
        bytes.extend_from_slice(b);
        let text = String::from_utf8_lossy(&bytes).into_owned();
        if buf.len() == self.cap
            && let Some(nl) = text.find('\n')
        {
            return text[nl + 1..].trim_end().to_owned();
        }
        text.trim_end().to_owned()
    }
}

/// A spawned CLI process group. Dropping it kills the group; use [`ProcessGroup::handle`] for
/// non-owning access.
#[derive(Debug)]
pub struct ProcessGroup {
    handle: ProcessHandle,
}

/// A non-owning view of a [`ProcessGroup`]: status, stderr, kill. Dropping it does nothing.
#[derive(Debug, Clone)]
pub struct ProcessHandle {
    pid: u32,
    reaped: Arc<AtomicBool>,
    exit: watch::Receiver<Option<ExitStatus>>,
    stderr: Arc<StderrTail>,
}

/// The pipes of a freshly spawned child.
#[derive(Debug)]
pub struct Pipes {
    /// The child's stdin.
    pub stdin: ChildStdin,
    /// The child's stdout.
    pub stdout: ChildStdout,
}

/// What to spawn.
#[derive(Debug)]
pub struct SpawnSpec<'a> {
    /// The binary.
    pub program: &'a Path,
    /// Arguments.
    pub args: &'a [String],
    /// Variables to set.
    pub env: &'a [(String, String)],
    /// Variables to remove.
    pub env_remove: &'a [&'a str],
    /// Working directory.
    pub cwd: Option<&'a Path>,
    /// Stderr bytes to keep.
    pub stderr_tail_bytes: usize,
}

impl ProcessGroup {
    /// Spawns the child in a new process group with piped stdio. Must run inside a tokio runtime.
    pub fn spawn(spec: SpawnSpec<'_>) -> Result<(ProcessGroup, Pipes)> {
        let mut cmd = Command::new(spec.program);
        cmd.args(spec.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(true);
        for k in spec.env_remove {
            cmd.env_remove(k);
        }
        for (k, v) in spec.env {
            cmd.env(k, v);
        }
        if let Some(dir) = spec.cwd {
            cmd.current_dir(dir);
        }
        if let Some(dir) = spec.cwd.filter(|d| !d.is_dir()) {
            return Err(Error::config(format!(
                "the working directory {} does not exist",
                dir.display()
            )));
        }
        let mut child = cmd.spawn().map_err(|e| {
            let code = match e.kind() {
                std::io::ErrorKind::NotFound => ErrorCode::CliNotFound,
                _ => ErrorCode::Process,
            };
            Error::new(
                code,
                format!("cannot start {}: {e}", spec.program.display()),
            )
            .with_source(e)
            .with_backend("cli")
        })?;
        let pid = child.id().unwrap_or(0);
        let (Some(stdin), Some(stdout), Some(mut stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            kill_group(pid);
            return Err(
                Error::new(ErrorCode::Process, "the CLI's stdio pipes are missing")
                    .with_backend("cli"),
            );
        };

        let tail = Arc::new(StderrTail::new(spec.stderr_tail_bytes.max(256)));
        let tail2 = tail.clone();
        tokio::spawn(async move {
            let mut chunk = vec![0u8; 8192];
            loop {
                match stderr.read(&mut chunk).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        tracing::debug!(target: "claude_sdk::cli::stderr", "{}", String::from_utf8_lossy(&chunk[..n]).trim_end());
                        tail2.push(&chunk[..n]);
                    }
                }
            }
        });

        let (exit_tx, exit_rx) = watch::channel(None);
        let reaped = Arc::new(AtomicBool::new(false));
        let reaped2 = reaped.clone();
        tokio::spawn(async move {
            let status = child.wait().await;
            // The leader is reaped: take down anything it left in its group, once, now — later
            // the id could name another group.
            kill_group(pid);
            reaped2.store(true, Ordering::SeqCst);
            let _ = exit_tx.send(status.ok());
        });

        let handle = ProcessHandle {
            pid,
            reaped,
            exit: exit_rx,
            stderr: tail,
        };
        Ok((ProcessGroup { handle }, Pipes { stdin, stdout }))
    }

    /// A non-owning handle.
    pub fn handle(&self) -> &ProcessHandle {
        &self.handle
    }
}

impl ProcessHandle {
    /// The child's pid (also its process group id).
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Kills the whole process group with SIGKILL (no-op once reaped). The waiter task reaps.
    pub fn kill(&self) {
        if !self.reaped.load(Ordering::SeqCst) {
            kill_group(self.pid);
        }
    }

    /// Waits for the exit status.
    pub async fn wait(&self) -> Option<ExitStatus> {
        let mut rx = self.exit.clone();
        match rx.wait_for(Option::is_some).await {
            Ok(s) => *s,
            Err(_) => None,
        }
    }

    /// The exit status, if the child has exited.
    pub fn try_status(&self) -> Option<ExitStatus> {
        *self.exit.borrow()
    }

    /// The stderr tail so far.
    pub fn stderr_tail(&self) -> String {
        self.stderr.text()
    }
}

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        self.handle.kill();
    }
}

/// Describes an exit status for humans (`exit code 1`, `signal 9 (SIGKILL)`).
pub fn describe_status(status: Option<ExitStatus>) -> String {
    use std::os::unix::process::ExitStatusExt;
    match status {
        None => "unknown".to_owned(),
        Some(s) => match (s.code(), s.signal()) {
            (Some(c), _) => format!("exit code {c}"),
            (None, Some(9)) => "killed by signal 9 (SIGKILL)".to_owned(),
            (None, Some(15)) => "killed by signal 15 (SIGTERM)".to_owned(),
            (None, Some(sig)) => format!("killed by signal {sig}"),
            (None, None) => "unknown".to_owned(),
        },
    }
}

#[allow(unsafe_code)]
fn kill_group(pid: u32) {
    let Ok(pgid) = libc::pid_t::try_from(pid) else {
        return;
    };
    if pgid <= 1 {
        return;
    }
    // SAFETY: kill(2) with a negative pid signals a process group; it touches no memory of ours.
    // `pgid` is the id of a group we created with process_group(0), and callers stop calling this
    // once the leader has been reaped (see `reaped`).
    unsafe {
        libc::kill(-pgid, libc::SIGKILL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stderr_tail_is_bounded() {
        let t = StderrTail::new(16);
        t.push(b"first line\nsecond line\nthird\n");
        let s = t.text();
        assert!(s.len() <= 16, "{s}");
        assert!(s.ends_with("third"), "{s}");
        t.push(&[b'x'; 100]);
        assert_eq!(t.text().len(), 16);
    }
}
