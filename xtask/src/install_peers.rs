//! `cargo xtask install-peers`: the official Python MCP SDK (`mcp`, pinned) in a venv under the
//! cache, for the tests that check our MCP server and discovery against it
//! (`crates/mcp/tests/python_peers.rs`). `cargo xtask test` and `ci` ensure it like the CLI and
//! pass its interpreter to the tests as `CLAUDE_SDK_MCP_PYTHON`.
//!
//! Layout: `<cache>/peers/mcp-py/<version>/bin/python`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::install_cli;
use crate::util::{self, Result};

/// The PyPI package.
pub const MCP_PY_PACKAGE: &str = "mcp";
/// Its pinned version.
pub const MCP_PY_VERSION: &str = "2.3.0";
/// The variable that tells the tests which interpreter has it.
pub const MCP_PYTHON_VAR: &str = "CLAUDE_SDK_MCP_PYTHON";

/// `cargo xtask install-peers`: install if needed; print the interpreter path.
pub fn main(args: &[String]) -> Result<()> {
    if let Some(extra) = args.first() {
        return Err(format!("install-peers takes no arguments (got `{extra}`)"));
    }
    let python = ensure_mcp_python()?;
    println!("{}", python.display());
    Ok(())
}

/// A venv with the pinned `mcp` package; its interpreter. Idempotent (a marker file plus an
/// import check); a failed install leaves no marker, so the next run starts over.
pub fn ensure_mcp_python() -> Result<PathBuf> {
    let dir = install_cli::cache_dir()?
        .join("peers")
        .join("mcp-py")
        .join(MCP_PY_VERSION);
    let python = dir.join("bin").join("python");
    let marker = dir.join(".claude-sdk-rs-installed");
    if marker.is_file() && installed_version(&python).as_deref() == Some(MCP_PY_VERSION) {
        eprintln!(
            "{MCP_PY_PACKAGE} {MCP_PY_VERSION} already installed in {}",
            dir.display()
        );
        return Ok(python);
    }
    eprintln!(
        "installing {MCP_PY_PACKAGE}=={MCP_PY_VERSION} into {} ...",
        dir.display()
    );
    match std::fs::remove_dir_all(&dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(format!("cannot remove {}: {e}", dir.display())),
    }
    let base = std::env::var_os("PYTHON").unwrap_or_else(|| "python3".into());
    util::run(Command::new(&base).args(["-m", "venv"]).arg(&dir))
        .map_err(|e| format!("{e} (Python 3.10+ with the venv module is needed)"))?;
    util::run(
        Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "--quiet",
            ])
            .arg(format!("{MCP_PY_PACKAGE}=={MCP_PY_VERSION}"))
            .stdin(Stdio::null()),
    )?;
    match installed_version(&python) {
        Some(v) if v == MCP_PY_VERSION => {}
        other => {
            return Err(format!(
                "installed {MCP_PY_PACKAGE}=={MCP_PY_VERSION} but it reports version {other:?}"
            ));
        }
    }
    std::fs::write(&marker, MCP_PY_VERSION)
        .map_err(|e| format!("cannot write {}: {e}", marker.display()))?;
    Ok(python)
}

fn installed_version(python: &Path) -> Option<String> {
    let out = Command::new(python)
        .args([
            "-c",
            "import importlib.metadata as m, mcp; print(m.version('mcp'))",
        ])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}
