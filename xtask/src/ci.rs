//! `cargo xtask ci` (every check, in order, failing fast) and `cargo xtask test [args]`.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::install_cli;
use crate::redis;
use crate::util::{self, Result};

/// cargo-deny version installed when it is missing (`cargo install --locked`, ~2.5 min on 2 cores).
const CARGO_DENY_VERSION: &str = "0.20.2";

/// `cargo xtask ci`.
pub fn main(args: &[String]) -> Result<()> {
    if let Some(extra) = args.first() {
        return Err(format!("ci takes no arguments (got `{extra}`)"));
    }
    let mut ci = Ci::default();
    let result = ci.run_all();
    ci.print_summary();
    match result {
        Ok(()) => {
            eprintln!("ci: all steps passed");
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// `cargo xtask test [args]`: install the CLI if needed, then run the tests with `args` forwarded.
pub fn test_main(args: &[String]) -> Result<()> {
    let cli = install_cli::ensure_cli()?;
    eprintln!("CLAUDE_CLI_PATH={}", cli.display());
    eprintln!("{}", redis::ensure_redis()?);
    let mut cmd = test_command(&cli, args);
    util::run(&mut cmd)
}

#[derive(Debug, Default)]
struct Ci {
    steps: Vec<(String, Duration, String)>,
}

impl Ci {
    fn run_all(&mut self) -> Result<()> {
        self.step("fmt", || {
            let mut fmt = cargo_cmd(None);
            fmt.args(["fmt", "--all", "--check"]);
            if !util::stdout_is_tty() {
                fmt.args(["--", "--color", "never"]);
            }
            util::run(&mut fmt)
                .map(|()| String::new())
                .map_err(|e| format!("{e}; run `cargo fmt --all` to fix"))
        })?;
        self.step("clippy", || {
            util::run(cargo_cmd(None).args([
                "clippy",
                "--workspace",
                "--all-targets",
                "--all-features",
                "--",
                "-D",
                "warnings",
            ]))
            .map(|()| String::new())
        })?;
        let mut cli_path = None;
        self.step("install-cli", || {
            let bin = install_cli::ensure_cli()?;
            let note = format!("CLAUDE_CLI_PATH={}", bin.display());
            eprintln!("{note}");
            cli_path = Some(bin);
            Ok(note)
        })?;
        let cli = cli_path.ok_or("install-cli step produced no path")?;
        self.step("install-redis", redis::ensure_redis)?;
        let nextest = has_nextest();
        self.step("test", || {
            util::run(&mut test_command(&cli, &[])).map(|()| {
                if nextest {
                    "cargo nextest".to_owned()
                } else {
                    "cargo test (nextest not installed)".to_owned()
                }
            })
        })?;
        self.step("doctest", || {
            if nextest {
                util::run(cargo_cmd(Some(&cli)).args([
                    "test",
                    "--workspace",
                    "--all-features",
                    "--doc",
                ]))
                .map(|()| String::new())
            } else {
                Ok("skipped: already run by `cargo test`".to_owned())
            }
        })?;
        self.step("doc", || {
            util::run(cargo_cmd(None).env("RUSTDOCFLAGS", "-D warnings").args([
                "doc",
                "--workspace",
                "--all-features",
                "--no-deps",
            ]))
            .map(|()| String::new())
        })?;
        self.step("deny", || {
            let installed = ensure_cargo_deny()?;
            util::run(cargo_cmd(None).args(["deny", "check", "bans", "licenses", "sources"]))?;
            Ok(installed.unwrap_or_default())
        })?;
        Ok(())
    }

    /// Run one step, record its time, and name it in the error if it fails.
    fn step(&mut self, name: &str, f: impl FnOnce() -> Result<String>) -> Result<()> {
        eprintln!("\n==> ci step `{name}`");
        let start = Instant::now();
        let result = f();
        let elapsed = start.elapsed();
        match result {
            Ok(note) => {
                self.steps.push((name.to_owned(), elapsed, ok_note(&note)));
                Ok(())
            }
            Err(e) => {
                self.steps
                    .push((name.to_owned(), elapsed, "FAILED".to_owned()));
                Err(format!("ci step `{name}` failed: {e}"))
            }
        }
    }

    fn print_summary(&self) {
        if self.steps.is_empty() {
            return;
        }
        let total: Duration = self.steps.iter().map(|(_, d, _)| *d).sum();
        eprintln!("\nci summary:");
        for (name, elapsed, note) in &self.steps {
            eprintln!("  {name:<12} {:>8.1}s  {note}", elapsed.as_secs_f64());
        }
        eprintln!("  {:<12} {:>8.1}s", "total", total.as_secs_f64());
    }
}

fn ok_note(note: &str) -> String {
    if note.is_empty() {
        "ok".to_owned()
    } else if note.starts_with("skipped") {
        note.to_owned()
    } else {
        format!("ok ({note})")
    }
}

/// A cargo command with the CI environment (and `CLAUDE_CLI_PATH` when given).
fn cargo_cmd(cli: Option<&Path>) -> Command {
    let mut cmd = util::cargo();
    cmd.envs(util::base_env());
    if let Some(cli) = cli {
        cmd.env("CLAUDE_CLI_PATH", cli);
    }
    cmd
}

fn has_nextest() -> bool {
    util::probe(util::cargo().args(["nextest", "--version"]))
}

/// The test step: `cargo nextest run` when available, else `cargo test`; `args` appended
/// (`--workspace` unless they select packages).
fn test_command(cli: &Path, args: &[String]) -> Command {
    let mut cmd = cargo_cmd(Some(cli));
    if has_nextest() {
        cmd.args(["nextest", "run"]);
    } else {
        cmd.arg("test");
    }
    // `cargo xtask test -p foo` tests foo, not the workspace plus foo.
    if !selects_packages(args) {
        cmd.arg("--workspace");
    }
    cmd.arg("--all-features").args(args);
    cmd
}

/// Whether cargo arguments (before any `--`) pick packages themselves.
fn selects_packages(args: &[String]) -> bool {
    args.iter()
        .take_while(|a| *a != "--")
        .any(|a| a == "--package" || a.starts_with("--package=") || a.starts_with("-p"))
}

/// Install cargo-deny (pinned) when `cargo deny` is not available; returns a note if it did.
fn ensure_cargo_deny() -> Result<Option<String>> {
    if util::probe(util::cargo().args(["deny", "--version"])) {
        return Ok(None);
    }
    eprintln!(
        "cargo-deny not found: installing cargo-deny {CARGO_DENY_VERSION} (takes a few minutes)"
    );
    let start = Instant::now();
    util::run(cargo_cmd(None).args([
        "install",
        "--locked",
        &format!("cargo-deny@{CARGO_DENY_VERSION}"),
    ]))?;
    Ok(Some(format!(
        "installed cargo-deny {CARGO_DENY_VERSION} in {:.0}s",
        start.elapsed().as_secs_f64()
    )))
}
