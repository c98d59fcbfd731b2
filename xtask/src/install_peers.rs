//! `cargo xtask install-peers`: the official Python MCP SDK (`mcp`, pinned) in a venv under the
//! cache, for the tests that check our MCP server and discovery against it
//! (`crates/mcp/tests/python_peers.rs`). `cargo xtask test` and `ci` ensure it like the CLI and
//! pass its interpreter to the tests as `CLAUDE_SDK_MCP_PYTHON`.
//!
//! Layout: `<cache>/peers/mcp-py/<version>/bin/python`.

use std::path::PathBuf;
use std::process::Stdio;

use crate::peers::{self, PythonPeer};
use crate::util::Result;

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
    peers::ensure_python(&PythonPeer {
        dir: "mcp-py",
        package: MCP_PY_PACKAGE,
        version: MCP_PY_VERSION,
        version_script: "import importlib.metadata as m, mcp; print(m.version('mcp'))",
        pip_stdout: Stdio::inherit,
    })
}
