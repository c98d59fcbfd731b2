//! Reaping a child with `wait4(2)` to read the CPU time it (and the descendants it reaped) used.
//!
//! The only unsafe code in xtask: two libc calls with plain-old-data out-parameters.
#![allow(unsafe_code)]

use std::os::unix::process::ExitStatusExt;
use std::process::{Child, ExitStatus};
use std::time::Duration;

use crate::util::Result;

/// Wait for `child` to exit and return its exit status and CPU time (user + system).
///
/// The CPU time includes every descendant the child waited for (`RUSAGE_CHILDREN` semantics of
/// `wait4`), e.g. the `claude` CLI that `claude-rs` spawns and reaps.
pub fn wait_with_cpu(child: Child) -> Result<(ExitStatus, Duration)> {
    let pid = libc::pid_t::try_from(child.id())
        .map_err(|_| format!("child pid {} does not fit pid_t", child.id()))?;
    // std's `Child` neither kills nor waits on drop; we reap the process ourselves below and
    // never touch `child` again, so no one else can reap (or reuse) this pid meanwhile.
    drop(child);
    let mut status: libc::c_int = 0;
    // SAFETY: `rusage` is a plain C struct for which all-zero bytes is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: `status` and `usage` are valid, exclusively borrowed out-pointers for the
        // duration of the call; `pid` is our own unreaped child.
        let ret = unsafe { libc::wait4(pid, &raw mut status, 0, &raw mut usage) };
        if ret == pid {
            break;
        }
        let err = std::io::Error::last_os_error();
        if err.kind() != std::io::ErrorKind::Interrupted {
            return Err(format!("wait4({pid}) failed: {err}"));
        }
    }
    let cpu = timeval(usage.ru_utime) + timeval(usage.ru_stime);
    Ok((ExitStatus::from_raw(status), cpu))
}

fn timeval(tv: libc::timeval) -> Duration {
    let secs = u64::try_from(tv.tv_sec).unwrap_or(0);
    let micros = u64::try_from(tv.tv_usec).unwrap_or(0);
    Duration::from_secs(secs) + Duration::from_micros(micros)
}
