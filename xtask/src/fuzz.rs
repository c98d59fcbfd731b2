//! `cargo xtask fuzz [TARGET...] [--seconds N | --smoke] [--sanitizer S] [-- LIBFUZZER_ARGS]`:
//! the cargo-fuzz targets in `fuzz/` (see `docs/fuzzing.md`).
//!
//! For each target: copy `fuzz/seeds/<target>/` into `fuzz/corpus/<target>/` (gitignored, kept
//! between runs so coverage accumulates), then
//! `cargo +nightly fuzz run <target> fuzz/corpus/<target> -- -max_total_time=N`. libFuzzer's
//! output is passed through; at the end a summary gives execs, coverage and findings per
//! target. Any crash (or timeout / out-of-memory artifact) makes the command fail, after the
//! remaining targets ran.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{self, Result};

/// The fuzz targets, in the order they run.
pub const TARGETS: [&str; 4] = ["line_framer", "sse_parser", "event_parser", "raw_shape"];
/// cargo-fuzz version installed when missing (`cargo install --locked`, ~55 s on 2 cores).
const CARGO_FUZZ_VERSION: &str = "0.13.2";
/// Seconds per target by default.
const DEFAULT_SECONDS: u64 = 600;
/// Seconds per target for `--smoke`.
const SMOKE_SECONDS: u64 = 20;

const USAGE: &str = "\
usage: cargo xtask fuzz [TARGET...] [--seconds N | --smoke] [--sanitizer S] [-- LIBFUZZER_ARGS]

  TARGET         line_framer, sse_parser, event_parser, raw_shape (default: all four)
  --seconds N    fuzzing time per target (default 600)
  --smoke        20 seconds per target
  --sanitizer S  cargo-fuzz sanitizer: none (default; the code under test is safe Rust), address, ...
  -- ARGS        passed to libFuzzer (e.g. -- -jobs=2 -workers=2)

Needs a nightly toolchain (`rustup toolchain install nightly`); installs cargo-fuzz
{CARGO_FUZZ_VERSION} with `cargo install --locked` when it is missing.";

#[derive(Debug)]
struct Args {
    targets: Vec<&'static str>,
    seconds: u64,
    sanitizer: String,
    libfuzzer: Vec<String>,
}

/// `cargo xtask fuzz`.
pub fn main(args: &[String]) -> Result<()> {
    let Some(args) = parse_args(args)? else {
        println!(
            "{}",
            USAGE.replace("{CARGO_FUZZ_VERSION}", CARGO_FUZZ_VERSION)
        );
        return Ok(());
    };
    let started = Instant::now();
    ensure_nightly()?;
    ensure_cargo_fuzz()?;

    let root = util::workspace_root();
    let mut reports = Vec::new();
    for target in &args.targets {
        let corpus = prepare_corpus(&root.join("fuzz"), target)?;
        reports.push(run_target(&root, target, &corpus, &args)?);
    }
    print_summary(&reports, started.elapsed());

    let failed: Vec<&Report> = reports.iter().filter(|r| !r.ok()).collect();
    if failed.is_empty() {
        return Ok(());
    }
    for r in &failed {
        eprintln!("\nfuzz target `{}` FAILED ({})", r.target, r.status);
        for artifact in &r.artifacts {
            eprintln!("  input:     {}", artifact.display());
            eprintln!(
                "  reproduce: cargo +nightly fuzz run -s {} {} {}",
                args.sanitizer,
                r.target,
                artifact.display()
            );
            eprintln!(
                "  minimize:  cargo +nightly fuzz tmin -s {} {} {}",
                args.sanitizer,
                r.target,
                artifact.display()
            );
        }
    }
    let names: Vec<&str> = failed.iter().map(|r| r.target).collect();
    Err(format!("fuzzing found a problem in: {}", names.join(", ")))
}

/// `None` for `--help`.
fn parse_args(args: &[String]) -> Result<Option<Args>> {
    let mut targets = Vec::new();
    let mut seconds = None;
    let mut smoke = false;
    let mut sanitizer = "none".to_owned();
    let mut libfuzzer = Vec::new();
    let mut flags = util::Flags::new(args);
    while let Some(flag) = flags.next_flag() {
        match flag {
            "-h" | "--help" => return Ok(None),
            "--smoke" => smoke = true,
            "--seconds" => seconds = Some(flags.positive::<u64>("--seconds")?),
            "--sanitizer" => sanitizer = flags.value("--sanitizer")?.to_owned(),
            "--" => libfuzzer.extend(flags.rest().cloned()),
            _ if flag.starts_with('-') => {
                return Err(format!(
                    "unknown option `{flag}` (see `cargo xtask fuzz --help`)"
                ));
            }
            name => {
                let target = TARGETS.iter().find(|t| **t == name).ok_or_else(|| {
                    format!(
                        "unknown fuzz target `{name}` (targets: {})",
                        TARGETS.join(", ")
                    )
                })?;
                if !targets.contains(target) {
                    targets.push(*target);
                }
            }
        }
    }
    if smoke && seconds.is_some() {
        return Err("--smoke and --seconds exclude each other".to_owned());
    }
    if targets.is_empty() {
        targets = TARGETS.to_vec();
    }
    let seconds = if smoke {
        SMOKE_SECONDS
    } else {
        seconds.unwrap_or(DEFAULT_SECONDS)
    };
    Ok(Some(Args {
        targets,
        seconds,
        sanitizer,
        libfuzzer,
    }))
}

/// `cargo +nightly`: through the rustup proxy on `PATH` (not `$CARGO`, which is the pinned
/// toolchain's own binary and does not understand `+nightly`).
fn nightly_cargo() -> Command {
    let mut cmd = Command::new("cargo");
    cmd.arg("+nightly");
    cmd.current_dir(util::workspace_root());
    cmd.envs(util::base_env());
    // The fuzz crate builds into its own target dir (fuzz/target), never the workspace's.
    cmd.env_remove("CARGO_TARGET_DIR");
    cmd.env_remove("CARGO_BUILD_TARGET_DIR");
    cmd
}

fn ensure_nightly() -> Result<()> {
    if util::probe(nightly_cargo().arg("--version")) {
        Ok(())
    } else {
        Err(
            "no nightly toolchain (cargo-fuzz needs one): run `rustup toolchain install nightly`"
                .to_owned(),
        )
    }
}

/// Install the pinned cargo-fuzz unless `cargo fuzz --version` already reports it.
fn ensure_cargo_fuzz() -> Result<()> {
    let installed = nightly_cargo()
        .args(["fuzz", "--version"])
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    let wanted = format!("cargo-fuzz {CARGO_FUZZ_VERSION}");
    match installed.as_deref() {
        Some(v) if v == wanted => return Ok(()),
        Some(v) => eprintln!("found {v}, installing {wanted} (the pinned version)"),
        None => eprintln!("cargo-fuzz not found: installing {wanted} (about a minute)"),
    }
    let start = Instant::now();
    util::run(util::cargo().envs(util::base_env()).args([
        "install",
        "--locked",
        &format!("cargo-fuzz@{CARGO_FUZZ_VERSION}"),
    ]))?;
    eprintln!(
        "installed {wanted} in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Copies the committed seeds into the target's corpus directory; returns that directory.
fn prepare_corpus(fuzz_dir: &Path, target: &str) -> Result<PathBuf> {
    let seeds = fuzz_dir.join("seeds").join(target);
    let corpus = fuzz_dir.join("corpus").join(target);
    std::fs::create_dir_all(&corpus)
        .map_err(|e| format!("cannot create {}: {e}", corpus.display()))?;
    let entries = std::fs::read_dir(&seeds)
        .map_err(|e| format!("cannot read the seeds in {}: {e}", seeds.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot read {}: {e}", seeds.display()))?;
        let from = entry.path();
        if from.is_file() {
            let to = corpus.join(entry.file_name());
            std::fs::copy(&from, &to)
                .map_err(|e| format!("cannot copy {} to {}: {e}", from.display(), to.display()))?;
        }
    }
    Ok(corpus)
}

/// What one target's run gave.
#[derive(Debug, Default)]
struct Report {
    target: &'static str,
    status: String,
    success: bool,
    wall: Duration,
    /// The last libFuzzer status line (`#N ... cov: ... exec/s: ...`).
    last_status: Option<String>,
    execs: Option<u64>,
    execs_per_sec: Option<u64>,
    peak_rss_mb: Option<u64>,
    artifacts: Vec<PathBuf>,
}

impl Report {
    fn ok(&self) -> bool {
        self.success && self.artifacts.is_empty()
    }

    /// `cov: 175` → 175, from the last status line.
    fn status_field(&self, name: &str) -> Option<&str> {
        let line = self.last_status.as_deref()?;
        let mut words = line.split_whitespace();
        words.find(|w| *w == name)?;
        words.next()
    }

    /// Reads one line of libFuzzer / cargo-fuzz output (`root`: the directory it runs in).
    fn observe(&mut self, line: &str, root: &Path) {
        let stat = |key: &str| {
            line.strip_prefix(key)
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        if line.starts_with('#') && line.contains(" cov: ") {
            self.last_status = Some(line.to_owned());
        } else if let Some(v) = stat("stat::number_of_executed_units:") {
            self.execs = Some(v);
        } else if let Some(v) = stat("stat::average_exec_per_sec:") {
            self.execs_per_sec = Some(v);
        } else if let Some(v) = stat("stat::peak_rss_mb:") {
            self.peak_rss_mb = Some(v);
        } else if let Some((_, path)) = line.split_once("Test unit written to ") {
            let path = PathBuf::from(path.trim());
            // cargo-fuzz passes an absolute prefix; a relative one is relative to our cwd.
            let path = if path.is_relative() {
                root.join(path)
            } else {
                path
            };
            if !self.artifacts.contains(&path) {
                self.artifacts.push(path);
            }
        }
    }
}

fn run_target(root: &Path, target: &'static str, corpus: &Path, args: &Args) -> Result<Report> {
    let mut cmd = nightly_cargo();
    cmd.args(["fuzz", "run", "--sanitizer", &args.sanitizer, target])
        .arg(corpus)
        .arg("--")
        .arg(format!("-max_total_time={}", args.seconds))
        .arg("-print_final_stats=1")
        .args(&args.libfuzzer)
        .stdin(Stdio::null())
        .stderr(Stdio::piped());
    let shown = util::display(&cmd);
    eprintln!("\n=== fuzz {target}: {} s ===\n$ {shown}", args.seconds);
    let start = Instant::now();
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("could not start `{shown}`: {e}"))?;
    let mut report = Report {
        target,
        ..Report::default()
    };
    if let Some(stderr) = child.stderr.take() {
        // Pass everything through, and keep what the summary needs.
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            eprintln!("{line}");
            report.observe(&line, root);
        }
    }
    let status = child
        .wait()
        .map_err(|e| format!("waiting for `{shown}` failed: {e}"))?;
    report.wall = start.elapsed();
    report.success = status.success();
    report.status = if status.success() {
        "ok".to_owned()
    } else {
        util::describe_status(status)
    };
    if !report.success && report.last_status.is_none() && report.artifacts.is_empty() {
        // libFuzzer never started: a build failure or a bad argument, not a finding.
        return Err(format!(
            "`{shown}` failed before fuzzing started ({})",
            report.status
        ));
    }
    Ok(report)
}

fn print_summary(reports: &[Report], total: Duration) {
    let num = |v: Option<u64>| v.map_or_else(|| "-".to_owned(), |v| v.to_string());
    eprintln!("\nfuzz summary (wall time includes the build):");
    eprintln!(
        "  {:<13} {:<8} {:>7} {:>12} {:>8} {:>6} {:>7} {:>10} {:>7}",
        "target", "result", "wall", "execs", "exec/s", "cov", "ft", "corpus", "rss MB"
    );
    for r in reports {
        let result = if r.ok() { "ok" } else { "FAILED" };
        eprintln!(
            "  {:<13} {:<8} {:>6.0}s {:>12} {:>8} {:>6} {:>7} {:>10} {:>7}",
            r.target,
            result,
            r.wall.as_secs_f64(),
            num(r.execs),
            num(r.execs_per_sec),
            r.status_field("cov:").unwrap_or("-"),
            r.status_field("ft:").unwrap_or("-"),
            r.status_field("corp:").unwrap_or("-"),
            num(r.peak_rss_mb),
        );
    }
    eprintln!("  total {:.0} s", total.as_secs_f64());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: &[&str]) -> Result<Option<Args>> {
        parse_args(&v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>())
    }

    #[test]
    fn defaults_and_options() {
        let a = args(&[]).unwrap().unwrap();
        assert_eq!(a.targets, TARGETS);
        assert_eq!((a.seconds, a.sanitizer.as_str()), (600, "none"));

        let a = args(&["sse_parser", "--seconds=5", "--", "-jobs=2"])
            .unwrap()
            .unwrap();
        assert_eq!((a.targets, a.seconds), (vec!["sse_parser"], 5));
        assert_eq!(a.libfuzzer, ["-jobs=2"]);

        let a = args(&["--smoke", "event_parser", "line_framer"])
            .unwrap()
            .unwrap();
        assert_eq!(
            (a.targets, a.seconds),
            (vec!["event_parser", "line_framer"], 20)
        );

        assert!(args(&["--help"]).unwrap().is_none());
        assert!(args(&["nope"]).is_err());
        assert!(args(&["--seconds"]).is_err());
        assert!(args(&["--seconds", "0"]).is_err());
        assert!(args(&["--smoke", "--seconds", "3"]).is_err());
        assert!(args(&["--bogus"]).is_err());
    }

    #[test]
    fn reads_libfuzzer_output() {
        let root = Path::new("/r");
        let mut r = Report::default();
        for line in [
            "#1136351\tDONE   cov: 175 ft: 799 corp: 178/109Kb lim: 4096 exec/s: 54111 rss: 28Mb",
            "stat::number_of_executed_units: 1136351",
            "stat::average_exec_per_sec:     54111",
            "stat::peak_rss_mb:              28",
            "artifact_prefix='/r/fuzz/artifacts/x/'; Test unit written to fuzz/artifacts/x/crash-1",
        ] {
            r.observe(line, root);
        }
        assert_eq!(r.execs, Some(1_136_351));
        assert_eq!(r.execs_per_sec, Some(54_111));
        assert_eq!(r.peak_rss_mb, Some(28));
        assert_eq!(r.status_field("cov:"), Some("175"));
        assert_eq!(r.status_field("corp:"), Some("178/109Kb"));
        assert_eq!(r.artifacts, [PathBuf::from("/r/fuzz/artifacts/x/crash-1")]);
    }
}
