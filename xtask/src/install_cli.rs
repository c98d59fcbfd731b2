//! `cargo xtask install-cli`: the pinned Claude Code CLI from npm, cached outside the repository.
//!
//! Layout: `<cache>/cli/<version>/node_modules/...` where `<cache>` is `$CLAUDE_SDK_CACHE_DIR`,
//! else `$XDG_CACHE_HOME/claude-sdk-rs`, else `~/.cache/claude-sdk-rs`.

use std::os::fd::AsFd;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::util::{self, Result};

/// The CLI version development and CI run against.
pub const CLI_VERSION: &str = "2.1.330";
/// The npm package that ships the CLI.
pub const CLI_PACKAGE: &str = "@anthropic-ai/claude-code";

/// `cargo xtask install-cli`: install if needed, then print the binary path as the last stdout line.
pub fn main(args: &[String]) -> Result<()> {
    if let Some(extra) = args.first() {
        return Err(format!("install-cli takes no arguments (got `{extra}`)"));
    }
    let bin = ensure_cli()?;
    println!("{}", bin.display());
    Ok(())
}

/// The cache root: `$CLAUDE_SDK_CACHE_DIR`, `$XDG_CACHE_HOME/claude-sdk-rs` or `~/.cache/claude-sdk-rs`.
pub fn cache_dir() -> Result<PathBuf> {
    let non_empty = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    let dir = if let Some(dir) = non_empty("CLAUDE_SDK_CACHE_DIR") {
        PathBuf::from(dir)
    } else if let Some(xdg) = non_empty("XDG_CACHE_HOME") {
        PathBuf::from(xdg).join("claude-sdk-rs")
    } else if let Some(home) = non_empty("HOME") {
        PathBuf::from(home).join(".cache").join("claude-sdk-rs")
    } else {
        return Err(
            "no cache directory: set CLAUDE_SDK_CACHE_DIR (or XDG_CACHE_HOME or HOME)".to_owned(),
        );
    };
    util::absolute(&dir)
}

/// Where the pinned CLI is installed (the npm prefix).
pub fn install_dir() -> Result<PathBuf> {
    Ok(cache_dir()?.join("cli").join(CLI_VERSION))
}

/// Make sure the pinned CLI is installed and return the absolute path of its binary.
///
/// Idempotent: when the binary is there and reports the pinned version, npm is not run.
/// The install goes to a staging directory first and is renamed into place, so an
/// interrupted install never leaves a half-populated cache entry behind.
pub fn ensure_cli() -> Result<PathBuf> {
    let dir = install_dir()?;
    if let Some(bin) = installed_binary(&dir) {
        eprintln!(
            "claude {CLI_VERSION} already installed in {} (skipping npm)",
            dir.display()
        );
        return Ok(bin);
    }

    let parent = dir
        .parent()
        .ok_or_else(|| format!("install directory {} has no parent", dir.display()))?;
    std::fs::create_dir_all(parent)
        .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    let staging = parent.join(format!(".{CLI_VERSION}.staging-{}", std::process::id()));
    remove_dir_if_exists(&staging)?;
    std::fs::create_dir_all(&staging)
        .map_err(|e| format!("cannot create {}: {e}", staging.display()))?;

    eprintln!(
        "installing {CLI_PACKAGE}@{CLI_VERSION} into {} ...",
        dir.display()
    );
    let result = npm_install(&staging).and_then(|()| {
        installed_binary(&staging).ok_or_else(|| {
            format!(
                "npm installed {CLI_PACKAGE}@{CLI_VERSION} but no working `claude` binary reporting \
                 version {CLI_VERSION} was found under {}/node_modules \
                 (looked for {})",
                staging.display(),
                candidates(Path::new("."))
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
    });
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }

    // Replace a broken previous install, then move ours into place.
    remove_dir_if_exists(&dir)?;
    if let Err(e) = std::fs::rename(&staging, &dir) {
        let _ = std::fs::remove_dir_all(&staging);
        // Another process may have finished the same install first.
        return installed_binary(&dir).ok_or_else(|| {
            format!(
                "cannot move {} to {}: {e}",
                staging.display(),
                dir.display()
            )
        });
    }
    installed_binary(&dir).ok_or_else(|| {
        format!(
            "the CLI moved into {} no longer reports version {CLI_VERSION}",
            dir.display()
        )
    })
}

fn npm_install(prefix: &Path) -> Result<()> {
    let mut cmd = Command::new("npm");
    cmd.args(["install", "--no-audit", "--no-fund", "--prefix"])
        .arg(prefix)
        .arg(format!("{CLI_PACKAGE}@{CLI_VERSION}"))
        .stdin(Stdio::null());
    // Keep our stdout for the binary path: npm's progress goes to stderr, still streamed.
    if let Ok(fd) = std::io::stderr().as_fd().try_clone_to_owned() {
        cmd.stdout(Stdio::from(fd));
    }
    util::run(&mut cmd).map_err(|e| {
        if which("npm").is_none() {
            "npm not found on PATH: install Node.js (with npm) to install the Claude Code CLI"
                .to_owned()
        } else {
            e
        }
    })
}

/// The binary inside an npm prefix, if present and reporting the pinned version.
fn installed_binary(prefix: &Path) -> Option<PathBuf> {
    candidates(prefix)
        .into_iter()
        .find(|bin| bin.is_file() && reports_pinned_version(bin))
}

/// Where the binary may be, best first: the platform package's native binary, then npm's link.
fn candidates(prefix: &Path) -> Vec<PathBuf> {
    let modules = prefix.join("node_modules");
    let mut out = Vec::new();
    if let Some(platform) = npm_platform() {
        for suffix in ["", "-musl"] {
            out.push(
                modules
                    .join("@anthropic-ai")
                    .join(format!("claude-code-{platform}{suffix}"))
                    .join("claude"),
            );
        }
    }
    out.push(modules.join(".bin").join("claude"));
    out
}

/// npm's name for this platform (`linux-x64`, `darwin-arm64`, ...).
fn npm_platform() -> Option<String> {
    let os = match std::env::consts::OS {
        "linux" => "linux",
        "macos" => "darwin",
        _ => return None,
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "x64",
        "aarch64" => "arm64",
        _ => return None,
    };
    Some(format!("{os}-{arch}"))
}

fn reports_pinned_version(bin: &Path) -> bool {
    cli_version(bin).is_some_and(|v| v.starts_with(CLI_VERSION))
}

/// The first line `<bin> --version` prints, if it runs successfully.
pub fn cli_version(bin: &Path) -> Option<String> {
    let output = Command::new(bin)
        .arg("--version")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(str::to_owned)
}

fn remove_dir_if_exists(dir: &Path) -> Result<()> {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("cannot remove {}: {e}", dir.display())),
    }
}

fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}
