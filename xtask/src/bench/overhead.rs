//! `cargo xtask bench overhead`: what `claude-rs query` costs on top of the bare `claude` CLI.
//!
//! Both run against the in-process mock Messages API with one warm temporary HOME, interleaved,
//! after warm-up runs. Per run: wall time (`Instant`) and CPU time (user + sys from `wait4`).
//! `wait4` counts the descendants a process reaped, so `claude-rs`'s CPU there includes its
//! `claude` child; claude-rs's own CPU and peak RSS come from its `--report-resources` line.

use super::report;
use std::fmt::Write as _;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::rusage;
use crate::install_cli;
use crate::util::{self, Result};

const DEFAULT_RUNS: usize = 20;
const WARMUP_RUNS: usize = 2;
const PROMPT: &str = "say hi";
const REPLY: &str = "hi";
const START_MARKER: &str = "<!-- bench:overhead:start -->";
const END_MARKER: &str = "<!-- bench:overhead:end -->";

#[derive(Debug)]
struct Options {
    runs: usize,
    bare_only: bool,
}

fn parse_args(args: &[String]) -> Result<Options> {
    let mut opts = Options {
        runs: DEFAULT_RUNS,
        bare_only: false,
    };
    let mut flags = crate::util::Flags::new(args);
    while let Some(flag) = flags.next_flag() {
        match flag {
            "--runs" => opts.runs = flags.positive("--runs")?,
            "--bare-only" => opts.bare_only = true,
            other => {
                return Err(format!(
                    "unknown option `{other}` for bench overhead (usage: cargo xtask bench overhead [--runs N] [--bare-only])"
                ));
            }
        }
    }
    Ok(opts)
}

/// One program being measured.
#[derive(Debug)]
struct Subject {
    label: &'static str,
    program: PathBuf,
    args: Vec<&'static str>,
    check: fn(&str) -> Result<()>,
    samples: Vec<Sample>,
}

#[derive(Debug, Clone, Copy)]
struct Sample {
    wall: Duration,
    cpu: Duration,
    /// claude-rs's own CPU and peak RSS (children excluded), from `--report-resources`.
    host: Option<HostUsage>,
}

#[derive(Debug, Clone, Copy)]
struct HostUsage {
    cpu: Duration,
    peak_rss_kib: u64,
}

/// Parses `resources: peak_rss_kib=N cpu_us=M` from claude-rs's stderr.
fn parse_host_usage(stderr: &str) -> Option<HostUsage> {
    let line = stderr.lines().find_map(|l| l.strip_prefix("resources: "))?;
    let field = |name: &str| {
        line.split_whitespace()
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
            .and_then(|v| v.parse::<u64>().ok())
    };
    Some(HostUsage {
        cpu: Duration::from_micros(field("cpu_us")?),
        peak_rss_kib: field("peak_rss_kib")?,
    })
}

pub fn main(args: &[String]) -> Result<()> {
    let opts = parse_args(args)?;
    let cli = install_cli::ensure_cli()?;
    let cli_version =
        install_cli::cli_version(&cli).unwrap_or_else(|| install_cli::CLI_VERSION.to_owned());

    let mut subjects = vec![Subject {
        label: "bare `claude -p`",
        program: cli.clone(),
        args: vec!["-p", PROMPT, "--output-format", "stream-json", "--verbose"],
        check: check_bare_output,
        samples: Vec::new(),
    }];
    if !opts.bare_only {
        subjects.push(Subject {
            label: "`claude-rs query`",
            program: build_claude_rs()?,
            args: vec!["--report-resources", "query", "--output", "json", PROMPT],
            check: check_claude_rs_output,
            samples: Vec::new(),
        });
    }

    // The mock API runs on its own runtime thread; the measured children are spawned and reaped
    // on this thread, so the mock's CPU time is never attributed to them.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the tokio runtime: {e}"))?;
    let server = runtime
        .block_on(claude_sdk_testing::MockServer::start(
            claude_sdk_testing::Script::always(claude_sdk_testing::Reply::text(REPLY)),
        ))
        .map_err(|e| format!("cannot start the mock Messages API server: {e}"))?;
    let base_url = server.base_url();

    let scratch = tempfile::Builder::new()
        .prefix("claude-sdk-bench-")
        .tempdir()
        .map_err(|e| format!("cannot create a temporary directory: {e}"))?;
    let home = scratch.path().join("home");
    let work = scratch.path().join("work");
    for dir in [&home, &work] {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let env = [
        ("HOME", home.as_os_str().to_owned()),
        ("ANTHROPIC_BASE_URL", base_url.clone().into()),
        ("ANTHROPIC_API_KEY", "sk-test".into()),
        ("DISABLE_TELEMETRY", "1".into()),
        ("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1".into()),
        ("CLAUDE_CLI_PATH", cli.as_os_str().to_owned()),
    ];

    eprintln!(
        "bench overhead: {} measured runs each (+{WARMUP_RUNS} warm-up), mock API at {base_url}, CLI {cli_version}",
        opts.runs
    );
    for i in 0..WARMUP_RUNS + opts.runs {
        let warmup = i < WARMUP_RUNS;
        let mut line = if warmup {
            format!("warm-up {}/{WARMUP_RUNS}:", i + 1)
        } else {
            format!("run {}/{}:", i + 1 - WARMUP_RUNS, opts.runs)
        };
        // Alternate which subject goes first so neither always runs right after the other.
        let order: Vec<usize> = if i % 2 == 0 {
            (0..subjects.len()).collect()
        } else {
            (0..subjects.len()).rev().collect()
        };
        for idx in order {
            let subject = &mut subjects[idx];
            let sample = run_once(subject, &env, &work, scratch.path())?;
            let _ = write!(
                line,
                "  {} {:.0} ms (cpu {:.0} ms)",
                subject.label,
                ms(sample.wall),
                ms(sample.cpu)
            );
            if !warmup {
                subject.samples.push(sample);
            }
        }
        eprintln!("{line}");
    }
    runtime.block_on(server.shutdown());
    drop(runtime);

    let table = render_table(&subjects);
    println!("\n{table}");
    let command = std::iter::once("cargo xtask bench overhead".to_owned())
        .chain(args.iter().cloned())
        .collect::<Vec<_>>()
        .join(" ");
    if opts.bare_only {
        eprintln!("--bare-only: docs/benchmarks.md not updated (it records the full comparison)");
        return Ok(());
    }
    let section = render_section(&command, &cli_version, opts.runs, &table);
    let path = util::workspace_root().join("docs").join("benchmarks.md");
    report::write_section(&path, START_MARKER, END_MARKER, &section)?;
    eprintln!("updated {}", path.display());
    Ok(())
}

/// `cargo build --release -p claude-rs`, then the binary's path in the target directory.
fn build_claude_rs() -> Result<PathBuf> {
    let mut build = util::cargo();
    build
        .envs(util::base_env())
        .args(["build", "--release", "-p", "claude-rs"]);
    util::run(&mut build).map_err(|e| format!("{e} (use --bare-only to measure the CLI alone)"))?;
    let bin = target_dir()?.join("release").join("claude-rs");
    if bin.is_file() {
        Ok(bin)
    } else {
        Err(format!(
            "built claude-rs but {} does not exist",
            bin.display()
        ))
    }
}

/// The workspace's target directory, as cargo reports it.
fn target_dir() -> Result<PathBuf> {
    let output = util::cargo()
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("could not run cargo metadata: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo metadata failed ({})",
            util::describe_status(output.status)
        ));
    }
    let meta: serde_json::Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("cargo metadata printed invalid JSON: {e}"))?;
    meta.get("target_directory")
        .and_then(serde_json::Value::as_str)
        .map(PathBuf::from)
        .ok_or_else(|| "cargo metadata has no target_directory".to_owned())
}

fn run_once(
    subject: &Subject,
    env: &[(&str, std::ffi::OsString)],
    work: &Path,
    scratch: &Path,
) -> Result<Sample> {
    let stdout_path = scratch.join("stdout");
    let stderr_path = scratch.join("stderr");
    let create =
        |p: &Path| File::create(p).map_err(|e| format!("cannot create {}: {e}", p.display()));
    let mut cmd = Command::new(&subject.program);
    cmd.args(&subject.args)
        .current_dir(work)
        .env_remove("ANTHROPIC_AUTH_TOKEN")
        .env_remove("CLAUDE_CONFIG_DIR")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(create(&stdout_path)?)
        .stderr(create(&stderr_path)?);

    let start = Instant::now();
    let child = cmd
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", subject.program.display()))?;
    let (status, cpu) = rusage::wait_with_cpu(child)?;
    let wall = start.elapsed();

    let stdout = std::fs::read_to_string(&stdout_path).unwrap_or_default();
    let failure = if status.success() {
        (subject.check)(&stdout).err()
    } else {
        Some(util::describe_status(status))
    };
    if let Some(why) = failure {
        let stderr = std::fs::read_to_string(&stderr_path).unwrap_or_default();
        return Err(format!(
            "{} run failed: {why}; stdout tail: {:?}; stderr tail: {:?}",
            subject.label,
            tail(&stdout, 600),
            tail(&stderr, 600)
        ));
    }
    let host = parse_host_usage(&std::fs::read_to_string(&stderr_path).unwrap_or_default());
    Ok(Sample { wall, cpu, host })
}

/// The bare CLI's stream must end in a successful `result` carrying the mock's reply.
fn check_bare_output(stdout: &str) -> Result<()> {
    let result = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v.get("type").and_then(serde_json::Value::as_str) == Some("result"))
        .ok_or("no `result` message in the CLI's output")?;
    if result.get("is_error").and_then(serde_json::Value::as_bool) == Some(true) {
        return Err(format!("the CLI reported an error result: {result}"));
    }
    match result.get("result").and_then(serde_json::Value::as_str) {
        Some(text) if text.contains(REPLY) => Ok(()),
        _ => Err(format!(
            "the result does not contain the mock's reply `{REPLY}`: {result}"
        )),
    }
}

fn check_claude_rs_output(stdout: &str) -> Result<()> {
    if stdout.contains(REPLY) {
        Ok(())
    } else {
        Err(format!(
            "the output does not contain the mock's reply `{REPLY}`"
        ))
    }
}

fn tail(s: &str, max: usize) -> &str {
    let s = s.trim_end();
    let mut start = s.len().saturating_sub(max);
    while !s.is_char_boundary(start) {
        start += 1;
    }
    &s[start..]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[derive(Debug, Clone, Copy)]
struct Stats {
    median: f64,
    p90: f64,
    min: f64,
}

/// Median, p90 (nearest rank) and minimum, in milliseconds.
fn stats(values: impl Iterator<Item = Duration>) -> Option<Stats> {
    let mut v: Vec<f64> = values.map(ms).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let median = if n % 2 == 1 {
        v[n / 2]
    } else {
        f64::midpoint(v[n / 2 - 1], v[n / 2])
    };
    let p90 = v[(n * 9).div_ceil(10).saturating_sub(1)];
    Some(Stats {
        median,
        p90,
        min: v[0],
    })
}

fn render_table(subjects: &[Subject]) -> String {
    let mut out = String::from(
        "| program | median wall (ms) | p90 wall (ms) | min wall (ms) | median CPU user+sys (ms) |\n\
         |---|---:|---:|---:|---:|\n",
    );
    let mut medians = Vec::new();
    for s in subjects {
        let (Some(wall), Some(cpu)) = (
            stats(s.samples.iter().map(|x| x.wall)),
            stats(s.samples.iter().map(|x| x.cpu)),
        ) else {
            continue;
        };
        let _ = writeln!(
            out,
            "| {} | {:.0} | {:.0} | {:.0} | {:.0} |",
            s.label, wall.median, wall.p90, wall.min, cpu.median
        );
        medians.push((wall.median, cpu.median));
    }
    if let [(bare_wall, bare_cpu), (rs_wall, rs_cpu)] = medians[..] {
        let _ = write!(
            out,
            "\nMedian wall difference: {:+.1} ms (ratio {:.3}×). \
             CPU of the whole process tree: {:.0} ms vs {:.0} ms ({:+.0} ms).\n",
            rs_wall - bare_wall,
            rs_wall / bare_wall,
            rs_cpu,
            bare_cpu,
            rs_cpu - bare_cpu,
        );
    }
    let host: Vec<HostUsage> = subjects
        .iter()
        .flat_map(|s| s.samples.iter().filter_map(|x| x.host))
        .collect();
    if let (Some(cpu), Some(rss)) = (
        stats(host.iter().map(|h| h.cpu)),
        stats(host.iter().map(|h| Duration::from_millis(h.peak_rss_kib))),
    ) {
        let _ = writeln!(
            out,
            "Host (claude-rs alone, measured by `--report-resources`): CPU per query median {:.2} ms \
             (p90 {:.2} ms); peak RSS median {:.1} MiB.",
            cpu.median,
            cpu.p90,
            rss.median / 1024.0,
        );
    }
    out
}

fn render_section(command: &str, cli_version: &str, runs: usize, table: &str) -> String {
    format!(
        "{START_MARKER}\n\
         ## Overhead: `claude-rs query` vs the bare CLI\n\n\
         - Command: `{command}`\n\
         - Date: {} (UTC)\n\
         - Machine: {}\n\
         - CLI: {cli_version}\n\
         - Runs: {runs} per program, interleaved, after {WARMUP_RUNS} warm-up runs each; \
         mock Messages API on loopback replying \"{REPLY}\"; one warm temporary HOME; stdin null\n\
         - Bare: `claude -p \"{PROMPT}\" --output-format stream-json --verbose`; \
         claude-rs: `claude-rs query --output json \"{PROMPT}\"`\n\n\
         {table}\
         {END_MARKER}\n",
        report::today_utc(),
        report::machine(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_median_p90_min() {
        let s = stats((1..=10).map(Duration::from_millis)).unwrap_or(Stats {
            median: 0.0,
            p90: 0.0,
            min: 0.0,
        });
        assert!((s.median - 5.5).abs() < 1e-9);
        assert!((s.p90 - 9.0).abs() < 1e-9);
        assert!((s.min - 1.0).abs() < 1e-9);
    }

    #[test]
    fn section_is_replaced_not_duplicated() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let path = dir.path().join("benchmarks.md");
        std::fs::write(&path, "# B\n\nintro\n").map_err(|e| e.to_string())?;
        report::write_section(
            &path,
            START_MARKER,
            END_MARKER,
            &format!("{START_MARKER}\none\n{END_MARKER}\n"),
        )?;
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .and_then(|mut f| std::io::Write::write_all(&mut f, b"\ntrailer\n"))
            .map_err(|e| e.to_string())?;
        report::write_section(
            &path,
            START_MARKER,
            END_MARKER,
            &format!("{START_MARKER}\ntwo\n{END_MARKER}\n"),
        )?;
        let text = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
        assert_eq!(
            text,
            format!("# B\n\nintro\n\n{START_MARKER}\ntwo\n{END_MARKER}\n\ntrailer\n")
        );
        Ok(())
    }

    #[test]
    fn bare_output_check() {
        let ok =
            "{\"type\":\"system\"}\n{\"type\":\"result\",\"is_error\":false,\"result\":\"hi\"}\n";
        assert!(check_bare_output(ok).is_ok());
        let err = "{\"type\":\"result\",\"is_error\":true,\"result\":\"API Error\"}\n";
        assert!(check_bare_output(err).is_err());
        assert!(check_bare_output("").is_err());
    }

    #[test]
    fn date_is_well_formed() {
        let d = report::today_utc();
        assert_eq!(d.len(), 10);
        assert!(d.starts_with("20"));
    }
}
