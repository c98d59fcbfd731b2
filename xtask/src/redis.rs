//! The `redis-server` the Redis session-store tests start themselves (on a free loopback port,
//! in a temp dir). `ensure_redis` installs it from Debian's packages when it is not on `PATH`.

use std::process::Command;

use crate::util::{self, Result};

/// `cargo xtask install-redis`.
pub fn main(args: &[String]) -> Result<()> {
    if let Some(extra) = args.first() {
        return Err(format!("install-redis takes no arguments (got `{extra}`)"));
    }
    eprintln!("{}", ensure_redis()?);
    Ok(())
}

/// Make sure `redis-server` is on `PATH`: when it is missing, run `apt-get update` once and
/// then `apt-get install -y redis-server` (needs root, as on the development and CI machines).
/// Returns a note for the CI summary.
pub fn ensure_redis() -> Result<String> {
    if let Some(version) = redis_version() {
        return Ok(format!("redis-server {version} already installed"));
    }
    eprintln!("redis-server not found on PATH: installing it with apt-get");
    let apt = |args: &[&str]| {
        let mut cmd = Command::new("apt-get");
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        util::run(&mut cmd)
    };
    let hint = "install redis-server by hand (`apt-get install redis-server`, needs root) \
                or put a redis-server on PATH; the Redis session-store tests start it themselves";
    apt(&["update"]).map_err(|e| format!("could not install redis-server: {e}; {hint}"))?;
    apt(&["install", "-y", "--no-install-recommends", "redis-server"])
        .map_err(|e| format!("could not install redis-server: {e}; {hint}"))?;
    match redis_version() {
        Some(version) => Ok(format!("installed redis-server {version}")),
        None => Err(format!(
            "apt-get installed redis-server but it is still not on PATH; {hint}"
        )),
    }
}

/// `redis-server --version`'s version word (`v=7.2.4` → `7.2.4`), if it runs.
fn redis_version() -> Option<String> {
    let out = Command::new("redis-server")
        .arg("--version")
        .stdin(std::process::Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    Some(
        text.split_whitespace()
            .find_map(|w| w.strip_prefix("v="))
            .unwrap_or("(unknown version)")
            .to_owned(),
    )
}
