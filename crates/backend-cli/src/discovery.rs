//! Finding the `claude` binary and checking its version. The library never downloads the CLI.
//!
//! Order: the explicit path, `$CLAUDE_CLI_PATH`, `claude` on `$PATH`, then the usual install
//! locations (npm global prefixes, `~/.local/bin`, `~/.claude/local`, the xtask cache).

use std::path::{Path, PathBuf};
use std::process::Stdio;

use claude_sdk_core::{Error, ErrorCode, Result};

/// The oldest CLI version this crate is tested against.
pub const MIN_CLI_VERSION: Version = Version(2, 1, 0);

/// The CLI version the project pins for development and CI.
pub const PINNED_CLI_VERSION: &str = "2.1.330";

/// A `major.minor.patch` version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version(pub u32, pub u32, pub u32);

impl Version {
    /// Parses the first `x.y.z` in a string such as `2.1.330 (Claude Code)`.
    pub fn parse(s: &str) -> Option<Version> {
        let word = s.split_whitespace().next()?;
        let mut parts = word.trim_start_matches('v').split(['.', '-', '+']);
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        let patch = parts.next()?.parse().ok()?;
        Some(Version(major, minor, patch))
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

/// Checks a version string against [`MIN_CLI_VERSION`].
pub fn check_version_string(path: &Path, reported: &str) -> Result<Version> {
    let v = Version::parse(reported).ok_or_else(|| {
        Error::new(
            ErrorCode::CliVersion,
            format!(
                "cannot read the version of {} from {reported:?}",
                path.display()
            ),
        )
    })?;
    if v < MIN_CLI_VERSION {
        return Err(Error::new(
            ErrorCode::CliVersion,
            format!(
                "{} is Claude Code {v}, older than the minimum {MIN_CLI_VERSION}; update it (npm install -g @anthropic-ai/claude-code)",
                path.display()
            ),
        ));
    }
    Ok(v)
}

/// Runs `<path> --version` and checks it.
pub async fn probe_version(path: &Path) -> Result<Version> {
    let out = tokio::process::Command::new(path)
        .arg("--version")
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output()
        .await
        .map_err(|e| {
            Error::new(
                ErrorCode::CliVersion,
                format!("cannot run {} --version: {e}", path.display()),
            )
        })?;
    check_version_string(path, &String::from_utf8_lossy(&out.stdout))
}

/// Finds the CLI: `explicit`, then `$CLAUDE_CLI_PATH`, `$PATH`, and the usual locations.
pub fn find_cli(explicit: Option<&Path>) -> Result<PathBuf> {
    if let Some(p) = explicit {
        return if is_executable(p) {
            Ok(p.to_path_buf())
        } else {
            Err(not_found(format!(
                "the configured CLI path {} is not an executable file",
                p.display()
            )))
        };
    }
    if let Some(p) = std::env::var_os("CLAUDE_CLI_PATH").filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        return if is_executable(&p) {
            Ok(p)
        } else {
            Err(not_found(format!(
                "CLAUDE_CLI_PATH={} is not an executable file",
                p.display()
            )))
        };
    }
    let on_path = std::env::var_os("PATH")
        .map(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join("claude"))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let usual = usual_locations();
    if let Some(found) = on_path.iter().chain(&usual).find(|c| is_executable(c)) {
        return Ok(found.clone());
    }
    let searched: Vec<String> = usual.iter().map(|c| c.display().to_string()).collect();
    Err(not_found(format!(
        "the Claude Code CLI was not found on PATH nor in {}; install it (npm install -g @anthropic-ai/claude-code) or set CLAUDE_CLI_PATH",
        searched.join(", ")
    )))
}

fn not_found(msg: String) -> Error {
    Error::new(ErrorCode::CliNotFound, msg).with_backend("cli")
}

fn usual_locations() -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Some(home) = std::env::var_os("HOME").map(PathBuf::from) {
        for rel in [
            ".npm-global/bin/claude",
            ".local/bin/claude",
            ".claude/local/claude",
            "node_modules/.bin/claude",
            ".yarn/bin/claude",
            ".bun/bin/claude",
        ] {
            out.push(home.join(rel));
        }
        let cache = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| home.join(".cache"));
        out.push(
            cache
                .join("claude-sdk-rs/cli")
                .join(PINNED_CLI_VERSION)
                .join("node_modules/.bin/claude"),
        );
    }
    out.push(PathBuf::from("/usr/local/bin/claude"));
    out.push(PathBuf::from("/usr/bin/claude"));
    out
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(
            Version::parse("2.1.330 (Claude Code)"),
            Some(Version(2, 1, 330))
        );
        assert_eq!(Version::parse("v1.0.0-beta"), Some(Version(1, 0, 0)));
        assert_eq!(Version::parse("garbage"), None);
        let p = Path::new("/x/claude");
        assert!(check_version_string(p, "2.1.330 (Claude Code)").is_ok());
        let e = check_version_string(p, "1.0.99 (Claude Code)").unwrap_err();
        assert_eq!(e.code(), ErrorCode::CliVersion);
        assert_eq!(
            check_version_string(p, "").unwrap_err().code(),
            ErrorCode::CliVersion
        );
    }

    #[test]
    fn explicit_missing_path_is_not_found() {
        let e = find_cli(Some(Path::new("/definitely/not/here/claude"))).unwrap_err();
        assert_eq!(e.code(), ErrorCode::CliNotFound);
        assert!(e.message().contains("/definitely/not/here/claude"));
    }
}
