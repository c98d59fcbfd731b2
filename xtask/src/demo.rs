//! `cargo xtask demo [args]`: the demo example against the pinned CLI.

use crate::install_cli;
use crate::util::{self, Result};

/// Install the CLI if needed, then `cargo run -p claude-sdk-examples --example demo [-- args]`.
pub fn main(args: &[String]) -> Result<()> {
    let cli = install_cli::ensure_cli()?;
    eprintln!("CLAUDE_CLI_PATH={}", cli.display());
    let mut cmd = util::cargo();
    cmd.envs(util::base_env())
        .env("CLAUDE_CLI_PATH", &cli)
        .args([
            "run",
            "--quiet",
            "-p",
            "claude-sdk-examples",
            "--example",
            "demo",
        ]);
    if !args.is_empty() {
        cmd.arg("--").args(args);
    }
    util::run(&mut cmd)
}
