//! `cargo xtask bench parse`: framing + parsing throughput on recorded CLI output, ours against the
//! official Python and TypeScript SDKs' own stdout readers, on the same bytes; and the peak memory
//! of one 50 MiB line.
//!
//! - Input: the committed fixture `crates/stream/benches/fixtures/cli-session.ndjson` (real CLI
//!   output against the mock API, re-recorded with `--record`), repeated into a temporary file.
//! - Ours: `crates/stream/benches/parse_measure.rs`, built in the bench profile and run as a child,
//!   twice per round: the full typed parse (`Message::from_slice`) and the lazy path
//!   (`RawMessage::from_slice`: validate + classify, no typed parse), reported as separate rows.
//! - Python: `xtask/peers/parse_py.py` in a venv with the pinned `claude-agent-sdk`; TypeScript:
//!   `xtask/peers/parse_ts.mjs` with the pinned `@anthropic-ai/claude-agent-sdk`. Both are installed
//!   into `<cache>/peers/` on first use (see `install_cli::cache_dir`).
//! - Every implementation loads the file into memory first and is timed from the first byte fed to
//!   the last message out, in 64 KiB pieces (one pipe read), median of `--runs` runs.

use super::report;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{Value, json};

use crate::install_cli;
use crate::peers::{self, PythonPeer};
use crate::util::{self, Result};

const DEFAULT_RUNS: usize = 5;
const DEFAULT_SIZE_MB: usize = 200;
/// The line for the memory check (the issue's goal: peak memory < 3x the line).
const BIG_LINE_BYTES: usize = 50 * 1024 * 1024;
/// The line fed to the Python SDK, whose default limit is 1 MiB.
const PY_BIG_LINE_BYTES: usize = 5 * 1024 * 1024;
const MEMORY_GOAL: f64 = 3.0;
const PYTHON_GOAL: f64 = 20.0;
const TS_GOAL: f64 = 5.0;
const FIXTURE_MAX_BYTES: usize = 1_000_000;

/// The official Python SDK; 0.2.187 bundles the same CLI build (2.1.330) the fixture was recorded with.
const PY_PACKAGE: &str = "claude-agent-sdk";
const PY_VERSION: &str = "0.2.187";
/// The official TypeScript SDK; 0.3.330 is built for CLI 2.1.330 (`claudeCodeVersion`).
const TS_PACKAGE: &str = "@anthropic-ai/claude-agent-sdk";
const TS_VERSION: &str = "0.3.330";

const START_MARKER: &str = "<!-- bench:parse:start -->";
const END_MARKER: &str = "<!-- bench:parse:end -->";

#[derive(Debug)]
struct Options {
    runs: usize,
    size_mb: usize,
    record: bool,
    ours_only: bool,
}

const USAGE: &str =
    "usage: cargo xtask bench parse [--runs N] [--size-mb N] [--ours-only] | --record";

fn parse_args(args: &[String]) -> Result<Options> {
    let mut opts = Options {
        runs: DEFAULT_RUNS,
        size_mb: DEFAULT_SIZE_MB,
        record: false,
        ours_only: false,
    };
    let mut flags = util::Flags::new(args);
    while let Some(flag) = flags.next_flag() {
        match flag {
            "--runs" => opts.runs = flags.positive("--runs")?,
            "--size-mb" => opts.size_mb = flags.positive("--size-mb")?,
            "--record" => opts.record = true,
            "--ours-only" => opts.ours_only = true,
            other => {
                return Err(format!(
                    "unknown option `{other}` for bench parse ({USAGE})"
                ));
            }
        }
    }
    Ok(opts)
}

fn fixture_path() -> PathBuf {
    util::workspace_root().join("crates/stream/benches/fixtures/cli-session.ndjson")
}

pub fn main(args: &[String]) -> Result<()> {
    let opts = parse_args(args)?;
    if opts.record {
        return record(&fixture_path());
    }
    let fixture_file = fixture_path();
    let fixture = std::fs::read(&fixture_file)
        .map_err(|e| format!("cannot read {}: {e}", fixture_file.display()))?;
    let mix = line_mix(&fixture)?;

    let scratch = tempfile::Builder::new()
        .prefix("claude-sdk-bench-parse-")
        .tempdir()
        .map_err(|e| format!("cannot create a temporary directory: {e}"))?;
    let input = scratch.path().join("input.ndjson");
    let copies = (opts.size_mb * 1_000_000).div_ceil(fixture.len());
    let total = write_repeated(&input, &fixture, copies)?;
    // The same lines, each with a unique extra key: no line repeats a shape `RawMessage` has
    // learned, so the lazy path shows its worst case.
    let unique = scratch.path().join("unique-shapes.ndjson");
    let unique_total = write_unique_shapes(&unique, &fixture, copies)?;
    eprintln!(
        "bench parse: fixture {} bytes ({} lines) x {copies} = {total} bytes, {} runs each",
        fixture.len(),
        mix.lines,
        opts.runs
    );

    let measure = super::build_bench("claude-sdk-stream", "parse_measure")?;
    let peers = if opts.ours_only {
        None
    } else {
        Some(Peers {
            python: ensure_python()?,
            sdk: ensure_node()?,
        })
    };
    let root = util::workspace_root();
    let py_driver = root.join("xtask/peers/parse_py.py");
    let ts_driver = root.join("xtask/peers/parse_ts.mjs");
    let input_arg = path_arg(&input)?;
    let expected_lines = mix.lines * copies as u64;

    // Interleaved rounds: in each, every implementation runs in a fresh process, one warm-up pass
    // then one timed pass, in a rotating order, so that load from elsewhere on the machine is
    // spread over all of them.
    let timed = ["--warmup", "1", "--runs", "1"];
    let mut ours = Throughput::new(total);
    let mut ours_lazy = Throughput::new(total);
    let mut ours_unique = Throughput::new(unique_total);
    let mut py = Throughput::new(total);
    let mut ts_transport = Throughput::new(total);
    let mut ts_query = Throughput::new(total);
    let (mut py_version, mut node_version, mut query_messages) = (String::new(), String::new(), 0);
    let subjects = if peers.is_some() { 3 } else { 1 };
    for round in 0..opts.runs {
        let mut progress = Vec::new();
        for k in 0..subjects {
            match (round + k) % subjects {
                0 => {
                    let v = run_json(
                        Command::new(&measure)
                            .args(["throughput", input_arg])
                            .args(timed),
                        "parse_measure throughput",
                    )?;
                    check_count("ours", json_u64(&v, "lines"), expected_lines)?;
                    ours.push(&v, "secs")?;
                    let v = run_json(
                        Command::new(&measure)
                            .args(["throughput", input_arg, "--lazy"])
                            .args(timed),
                        "parse_measure throughput --lazy",
                    )?;
                    check_count("ours (lazy)", json_u64(&v, "lines"), expected_lines)?;
                    ours_lazy.push(&v, "secs")?;
                    let v = run_json(
                        Command::new(&measure)
                            .args(["throughput", path_arg(&unique)?, "--lazy"])
                            .args(timed),
                        "parse_measure throughput --lazy (unique shapes)",
                    )?;
                    check_count("ours (lazy, unique)", json_u64(&v, "lines"), expected_lines)?;
                    ours_unique.push(&v, "secs")?;
                    progress.push(format!(
                        "ours {:.1} MB/s typed, {:.1} MB/s lazy, {:.1} MB/s lazy without repeats",
                        ours.last(),
                        ours_lazy.last(),
                        ours_unique.last()
                    ));
                }
                1 => {
                    let Some(p) = &peers else { continue };
                    let v = run_json(
                        Command::new(&p.python)
                            .arg(&py_driver)
                            .args(["throughput", input_arg])
                            .args(timed),
                        "parse_py.py throughput",
                    )?;
                    check_count("python", json_u64(&v, "dicts"), expected_lines)?;
                    py.push(&v, "secs")?;
                    py_version = json_str(&v, "python");
                    progress.push(format!("python {:.1}", py.last()));
                }
                _ => {
                    let Some(p) = &peers else { continue };
                    let v = run_json(
                        Command::new("node")
                            .arg(&ts_driver)
                            .args(["--sdk", path_arg(&p.sdk)?, "throughput", input_arg])
                            .args(timed),
                        "parse_ts.mjs throughput",
                    )?;
                    check_count(
                        "typescript transport",
                        json_u64(&v, "transport_messages"),
                        expected_lines,
                    )?;
                    ts_transport.push(&v, "transport_secs")?;
                    ts_query.push(&v, "query_secs")?;
                    node_version = json_str(&v, "node");
                    query_messages = json_u64(&v, "query_messages");
                    progress.push(format!(
                        "ts transport {:.1}, ts query() {:.1}",
                        ts_transport.last(),
                        ts_query.last()
                    ));
                }
            }
        }
        eprintln!("round {}/{}: {}", round + 1, opts.runs, progress.join(", "));
    }
    eprintln!("ours: {}", ours.describe());
    eprintln!("ours, lazy: {}", ours_lazy.describe());
    eprintln!(
        "ours, lazy without shape repeats: {}",
        ours_unique.describe()
    );

    let big = scratch.path().join("big-line.ndjson");
    make_line(&measure, &big, BIG_LINE_BYTES)?;
    let ours_mem = run_json(
        Command::new(&measure).args(["memory", path_arg(&big)?]),
        "parse_measure memory",
    )?;
    let ours_mem = Memory::ours(&ours_mem)?;
    eprintln!("ours, 50 MiB line: {}", ours_mem.describe());

    let mut report = Report {
        command: std::iter::once("cargo xtask bench parse".to_owned())
            .chain(args.iter().cloned())
            .collect::<Vec<_>>()
            .join(" "),
        fixture_bytes: fixture.len(),
        mix,
        copies,
        total,
        runs: opts.runs,
        ours,
        ours_lazy,
        ours_unique,
        ours_mem,
        python: None,
        ts: None,
    };
    let Some(peers) = peers else {
        println!("\n{}", report.render_tables());
        eprintln!("--ours-only: docs/benchmarks.md not updated (it records the full comparison)");
        return Ok(());
    };
    eprintln!("python: {}", py.describe());
    eprintln!(
        "typescript: transport {}; query() {}",
        ts_transport.describe(),
        ts_query.describe()
    );

    let py_big = scratch.path().join("py-big-line.ndjson");
    make_line(&measure, &py_big, PY_BIG_LINE_BYTES)?;
    let py_mem = run_json(
        Command::new(&peers.python)
            .arg(&py_driver)
            .args(["bigline", path_arg(&py_big)?]),
        "parse_py.py bigline",
    )?;
    eprintln!("python, 5 MiB line: {}", json_str(&py_mem, "outcome"));
    let ts_mem = run_json(
        Command::new("node").arg(&ts_driver).args([
            "--sdk",
            path_arg(&peers.sdk)?,
            "bigline",
            path_arg(&big)?,
        ]),
        "parse_ts.mjs bigline",
    )?;
    let ts_mem = Memory::peer(&ts_mem)?;
    eprintln!("typescript, 50 MiB line: {}", ts_mem.describe());

    report.python = Some(Python {
        tp: py,
        version: py_version,
        big: py_mem,
    });
    report.ts = Some(Ts {
        transport: ts_transport,
        query: ts_query,
        query_messages,
        version: node_version,
        big: ts_mem,
    });

    let tables = report.render_tables();
    println!("\n{tables}");
    let section = report.render_section(&tables);
    let path = util::workspace_root().join("docs").join("benchmarks.md");
    report::write_section(&path, START_MARKER, END_MARKER, &section)?;
    eprintln!("updated {}", path.display());
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Measurements

/// Seconds per run over `bytes` bytes.
#[derive(Debug, Clone)]
struct Throughput {
    bytes: u64,
    secs: Vec<f64>,
}

impl Throughput {
    fn new(bytes: u64) -> Throughput {
        Throughput {
            bytes,
            secs: Vec::new(),
        }
    }

    /// Adds the runs of a child's JSON result (`key`: seconds per run, `bytes`: input size).
    fn push(&mut self, v: &Value, key: &str) -> Result<()> {
        let secs: Vec<f64> = v
            .get(key)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_f64).collect())
            .unwrap_or_default();
        if secs.is_empty() || json_u64(v, "bytes") != self.bytes || secs.iter().any(|s| *s <= 0.0) {
            return Err(format!("no usable `{key}` for {} bytes in {v}", self.bytes));
        }
        self.secs.extend(secs);
        Ok(())
    }

    /// MB/s of the latest run.
    fn last(&self) -> f64 {
        self.secs
            .last()
            .map_or(0.0, |s| self.bytes as f64 / s / 1e6)
    }

    /// MB/s (10^6 bytes) of each run, sorted.
    fn rates(&self) -> Vec<f64> {
        let mut r: Vec<f64> = self
            .secs
            .iter()
            .map(|s| self.bytes as f64 / s / 1e6)
            .collect();
        r.sort_by(f64::total_cmp);
        r
    }

    fn median(&self) -> f64 {
        median(&self.rates())
    }

    fn describe(&self) -> String {
        let r = self.rates();
        format!(
            "median {:.1} MB/s (min {:.1}, max {:.1}, {} runs)",
            self.median(),
            r.first().copied().unwrap_or(0.0),
            r.last().copied().unwrap_or(0.0),
            r.len()
        )
    }
}

fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    match n {
        0 => 0.0,
        _ if n % 2 == 1 => sorted[n / 2],
        _ => f64::midpoint(sorted[n / 2 - 1], sorted[n / 2]),
    }
}

/// Peak memory for one big line.
#[derive(Debug, Clone)]
struct Memory {
    line_bytes: u64,
    peak_kib: u64,
    before_kib: Option<u64>,
    secs: f64,
    outcome: String,
}

impl Memory {
    fn ours(v: &Value) -> Result<Memory> {
        let kinds: Vec<&str> = v
            .get("messages")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let m = Memory {
            line_bytes: json_u64(v, "longest_line"),
            peak_kib: json_u64(v, "vm_hwm_kib"),
            before_kib: v.get("vm_rss_before_kib").and_then(Value::as_u64),
            secs: v.get("secs").and_then(Value::as_f64).unwrap_or(0.0),
            outcome: format!(
                "parsed: {} ({} bytes of text)",
                kinds.join(", "),
                json_u64(v, "text_bytes")
            ),
        };
        if m.line_bytes == 0 || m.peak_kib == 0 || kinds != ["assistant"] {
            return Err(format!("unexpected parse_measure memory output: {v}"));
        }
        Ok(m)
    }

    fn peer(v: &Value) -> Result<Memory> {
        let m = Memory {
            line_bytes: json_u64(v, "line_bytes"),
            peak_kib: json_u64(v, "max_rss_kib"),
            before_kib: v.get("rss_before_kib").and_then(Value::as_u64),
            secs: v.get("secs").and_then(Value::as_f64).unwrap_or(0.0),
            outcome: json_str(v, "outcome"),
        };
        if m.line_bytes == 0 || m.peak_kib == 0 {
            return Err(format!("unexpected peer memory output: {v}"));
        }
        Ok(m)
    }

    fn ratio(&self) -> f64 {
        (self.peak_kib * 1024) as f64 / self.line_bytes as f64
    }

    fn describe(&self) -> String {
        format!(
            "line {:.1} MiB, peak RSS {:.1} MiB = {:.2}x the line; {}",
            mib(self.line_bytes),
            self.peak_kib as f64 / 1024.0,
            self.ratio(),
            self.outcome
        )
    }
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn json_u64(v: &Value, key: &str) -> u64 {
    v.get(key).and_then(Value::as_u64).unwrap_or(0)
}

fn json_str(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or("?").to_owned()
}

fn check_count(who: &str, got: u64, expected: u64) -> Result<()> {
    if got == expected {
        Ok(())
    } else {
        Err(format!(
            "{who} produced {got} messages, expected {expected} (one per line): not the same work"
        ))
    }
}

fn make_line(measure: &Path, out: &Path, bytes: usize) -> Result<()> {
    run_json(
        Command::new(measure).args(["make-line", path_arg(out)?, &bytes.to_string()]),
        "parse_measure make-line",
    )
    .map(drop)
}

/// Runs a measuring child (stderr inherited); its last stdout line as JSON.
fn run_json(cmd: &mut Command, what: &str) -> Result<Value> {
    let output = cmd
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("could not start {what}: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "{what} failed ({}); stdout: {}",
            util::describe_status(output.status),
            stdout.trim()
        ));
    }
    let last = stdout
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    serde_json::from_str(last).map_err(|e| format!("{what} printed no JSON result ({e}): {last:?}"))
}

fn path_arg(p: &Path) -> Result<&str> {
    p.to_str()
        .ok_or_else(|| format!("path {} is not UTF-8", p.display()))
}

fn write_repeated(path: &Path, data: &[u8], copies: usize) -> Result<u64> {
    let file = std::fs::File::create(path)
        .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    let mut w = std::io::BufWriter::new(file);
    for _ in 0..copies {
        w.write_all(data)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    w.flush()
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok((data.len() * copies) as u64)
}

/// `data` repeated `copies` times, each line given a unique last key (`"uN":0`, N counting
/// lines), so that no line has the shape of an earlier one. Every fixture line is an object.
fn write_unique_shapes(path: &Path, data: &[u8], copies: usize) -> Result<u64> {
    let file = std::fs::File::create(path)
        .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    let mut w = std::io::BufWriter::new(file);
    let (mut n, mut total) = (0u64, 0u64);
    for _ in 0..copies {
        for line in data.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            let body = line
                .strip_suffix(b"}")
                .ok_or("a fixture line does not end with `}`")?;
            let comma = if body.ends_with(b"{") { "" } else { "," };
            let tail = format!("{comma}\"u{n}\":0}}\n");
            w.write_all(body)
                .and_then(|()| w.write_all(tail.as_bytes()))
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            total += (body.len() + tail.len()) as u64;
            n += 1;
        }
    }
    w.flush()
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(total)
}

/// Lines of the fixture by `type` (`system/<subtype>`, `stream_event/<event type>`).
#[derive(Debug, Clone, Default)]
struct LineMix {
    lines: u64,
    by_kind: BTreeMap<String, (u64, u64)>,
    cli_version: String,
}

fn line_mix(fixture: &[u8]) -> Result<LineMix> {
    if fixture.is_empty() || !fixture.ends_with(b"\n") {
        return Err("the fixture is empty or does not end with a newline".to_owned());
    }
    let mut mix = LineMix::default();
    for (i, line) in fixture.split(|b| *b == b'\n').enumerate() {
        if line.is_empty() {
            continue;
        }
        let v: Value = serde_json::from_slice(line)
            .map_err(|e| format!("fixture line {} is not JSON: {e}", i + 1))?;
        let ty = json_str(&v, "type");
        let kind = match ty.as_str() {
            "system" => format!("system/{}", json_str(&v, "subtype")),
            "stream_event" => format!(
                "stream_event/{}",
                v.pointer("/event/type")
                    .and_then(Value::as_str)
                    .unwrap_or("?")
            ),
            _ => ty,
        };
        if let Some(version) = v.get("claude_code_version").and_then(Value::as_str) {
            version.clone_into(&mut mix.cli_version);
        }
        let e = mix.by_kind.entry(kind).or_default();
        e.0 += 1;
        e.1 += line.len() as u64 + 1;
        mix.lines += 1;
    }
    Ok(mix)
}

// ---------------------------------------------------------------------------------------------
// Peers

/// A venv with the pinned Python SDK under the cache; its interpreter.
fn ensure_python() -> Result<PathBuf> {
    peers::ensure_python(&PythonPeer {
        dir: "py",
        package: PY_PACKAGE,
        version: PY_VERSION,
        version_script: "import claude_agent_sdk; print(claude_agent_sdk.__version__)",
        pip_stdout: stderr_stdio,
    })
}

/// The pinned TypeScript SDK under the cache (without its optional native CLI binary: nothing is
/// spawned); the path of its `sdk.mjs`.
fn ensure_node() -> Result<PathBuf> {
    let dir = install_cli::cache_dir()?
        .join("peers")
        .join("node")
        .join(TS_VERSION);
    let package = dir.join("node_modules").join(TS_PACKAGE);
    let marker = dir.join(".claude-sdk-rs-installed");
    if marker.is_file() && node_sdk_version(&package).as_deref() == Some(TS_VERSION) {
        eprintln!(
            "{TS_PACKAGE} {TS_VERSION} already installed in {}",
            dir.display()
        );
        return Ok(package.join("sdk.mjs"));
    }
    eprintln!(
        "installing {TS_PACKAGE}@{TS_VERSION} into {} ...",
        dir.display()
    );
    remove_dir(&dir)?;
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    util::run(
        Command::new("npm")
            .args([
                "install",
                "--no-audit",
                "--no-fund",
                "--omit=optional",
                "--prefix",
            ])
            .arg(&dir)
            .arg(format!("{TS_PACKAGE}@{TS_VERSION}"))
            .stdin(Stdio::null())
            .stdout(stderr_stdio()),
    )
    .map_err(|e| format!("{e} (Node.js 18+ with npm is needed)"))?;
    match node_sdk_version(&package) {
        Some(v) if v == TS_VERSION => {}
        other => {
            return Err(format!(
                "installed {TS_PACKAGE}@{TS_VERSION} but its package.json says {other:?}"
            ));
        }
    }
    std::fs::write(&marker, TS_VERSION)
        .map_err(|e| format!("cannot write {}: {e}", marker.display()))?;
    Ok(package.join("sdk.mjs"))
}

fn node_sdk_version(package: &Path) -> Option<String> {
    let text = std::fs::read_to_string(package.join("package.json")).ok()?;
    let v: Value = serde_json::from_str(&text).ok()?;
    v.get("version")?.as_str().map(str::to_owned)
}

/// Our stderr, for a child's progress output (keeps our stdout for the table).
fn stderr_stdio() -> Stdio {
    use std::os::fd::AsFd;
    std::io::stderr()
        .as_fd()
        .try_clone_to_owned()
        .map_or_else(|_| Stdio::inherit(), Stdio::from)
}

fn remove_dir(dir: &Path) -> Result<()> {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("cannot remove {}: {e}", dir.display())),
    }
}

// ---------------------------------------------------------------------------------------------
// Report

#[derive(Debug)]
struct Peers {
    /// The venv's interpreter.
    python: PathBuf,
    /// The TypeScript SDK's `sdk.mjs`.
    sdk: PathBuf,
}

#[derive(Debug)]
struct Python {
    tp: Throughput,
    version: String,
    big: Value,
}

#[derive(Debug)]
struct Ts {
    transport: Throughput,
    query: Throughput,
    query_messages: u64,
    version: String,
    big: Memory,
}

#[derive(Debug)]
struct Report {
    command: String,
    fixture_bytes: usize,
    mix: LineMix,
    copies: usize,
    total: u64,
    runs: usize,
    ours: Throughput,
    ours_lazy: Throughput,
    ours_unique: Throughput,
    ours_mem: Memory,
    python: Option<Python>,
    ts: Option<Ts>,
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "**missed**" }
}

impl Report {
    fn render_tables(&self) -> String {
        let ours = self.ours.median();
        let lazy = self.ours_lazy.median();
        let mut out = String::from(
            "| implementation | what is timed | median MB/s | min–max MB/s | typed ÷ this | lazy ÷ this |\n\
             |---|---|---:|---:|---:|---:|\n",
        );
        let mut row = |name: &str, what: &str, t: &Throughput| {
            let r = t.rates();
            let _ = writeln!(
                out,
                "| {name} | {what} | {:.1} | {:.1}–{:.1} | {:.1}× | {:.1}× |",
                t.median(),
                r.first().copied().unwrap_or(0.0),
                r.last().copied().unwrap_or(0.0),
                ours / t.median(),
                lazy / t.median()
            );
        };
        row(
            "claude-sdk-rs, typed",
            "`LineFramer` fed 64 KiB pieces + `Message::from_slice` on every line (full typed parse \
             into `Message`)",
            &self.ours,
        );
        row(
            "claude-sdk-rs, lazy",
            "`LineFramer` fed 64 KiB pieces + `RawMessage::from_slice` on every line (UTF-8 check, \
             full JSON validation — by a learned line shape, else the one-pass scanner, else \
             serde_json —, top-level `type`/`subtype` read, line copied into the message; no typed \
             parse — that happens on `RawMessage::parse`)",
            &self.ours_lazy,
        );
        row(
            "claude-sdk-rs, lazy, no shape repeats",
            &format!(
                "as the lazy row, on the same lines each given a unique key (`\"uN\":0` before the \
                 closing brace; {} bytes): no line matches a learned shape, the shape cache's worst \
                 case",
                self.ours_unique.bytes
            ),
            &self.ours_unique,
        );
        if let Some(py) = &self.python {
            row(
                &format!("Python `{PY_PACKAGE}` {PY_VERSION}"),
                "`SubprocessCLITransport.read_messages()` over a 64 KiB-chunked byte stream \
                 (anyio `TextReceiveStream` UTF-8 decoding, `_LineFramer`, `json.loads`) + \
                 `message_parser.parse_message` on every dict",
                &py.tp,
            );
        }
        if let Some(ts) = &self.ts {
            row(
                &format!("TypeScript `{TS_PACKAGE}` {TS_VERSION}, transport"),
                "`ProcessTransport.readMessages()` (readline over the child's stdout + the SDK's \
                 `JSON.parse` wrapper), stdout = a 64 KiB-chunked `Readable` from `spawnClaudeCodeProcess`",
                &ts.transport,
            );
            row(
                &format!("TypeScript `{TS_PACKAGE}` {TS_VERSION}, `query()`"),
                &format!(
                    "public `query()` with the same fake process: transport + `Query` routing + the \
                     async iterator ({} of the {} lines reach the caller; control and host-only lines \
                     are consumed)",
                    ts.query_messages,
                    self.mix.lines * self.copies as u64
                ),
                &ts.query,
            );
        }
        let mut goals = Vec::new();
        if let Some(py) = &self.python {
            let r = ours / py.tp.median();
            let rl = lazy / py.tp.median();
            let ru = self.ours_unique.median() / py.tp.median();
            goals.push(format!(
                "≥ {PYTHON_GOAL}× Python: typed {} ({r:.1}×), lazy {} ({rl:.1}×; {ru:.1}× without \
                 shape repeats)",
                verdict(r >= PYTHON_GOAL),
                verdict(rl >= PYTHON_GOAL)
            ));
        }
        if let Some(ts) = &self.ts {
            let r = ours / ts.transport.median();
            let rq = ours / ts.query.median();
            let rl = lazy / ts.transport.median();
            let ru = self.ours_unique.median() / ts.transport.median();
            goals.push(format!(
                "≥ {TS_GOAL}× TypeScript: typed {} ({r:.1}× its transport, {rq:.1}× `query()`), \
                 lazy {} ({rl:.1}× its transport; {ru:.1}× without shape repeats)",
                verdict(r >= TS_GOAL),
                verdict(rl >= TS_GOAL)
            ));
        }
        let m = &self.ours_mem;
        goals.push(format!(
            "50 MiB line in < {MEMORY_GOAL}× its size: {} ({:.2}×)",
            verdict(m.ratio() < MEMORY_GOAL),
            m.ratio()
        ));
        let _ = writeln!(out, "\nGoals: {}.", goals.join("; "));

        let _ = write!(
            out,
            "\n| one big line | line | peak RSS | ÷ line | time | outcome |\n\
             |---|---:|---:|---:|---:|---|\n"
        );
        let mut mem_row = |name: &str, m: &Memory, peak_what: &str| {
            let _ = writeln!(
                out,
                "| {name} | {:.1} MiB | {:.1} MiB ({peak_what}{}) | {:.2}× | {:.2} s | {} |",
                mib(m.line_bytes),
                m.peak_kib as f64 / 1024.0,
                m.before_kib
                    .map(|b| format!("; {:.1} MiB before reading", b as f64 / 1024.0))
                    .unwrap_or_default(),
                m.ratio(),
                m.secs,
                m.outcome
            );
        };
        mem_row("claude-sdk-rs", &self.ours_mem, "VmHWM");
        if let Some(ts) = &self.ts {
            mem_row("TypeScript transport", &ts.big, "maxRSS");
        }
        if let Some(py) = &self.python {
            let big = &py.big;
            let _ = writeln!(
                out,
                "| Python SDK (default `max_buffer_size` 1 MiB) | {:.1} MiB | {:.1} MiB (maxrss) | – | {:.2} s | {} |",
                mib(json_u64(big, "line_bytes")),
                json_u64(big, "max_rss_kib") as f64 / 1024.0,
                big.get("secs").and_then(Value::as_f64).unwrap_or(0.0),
                json_str(big, "outcome"),
            );
        }
        out
    }

    fn render_section(&self, tables: &str) -> String {
        let mix = self
            .mix
            .by_kind
            .iter()
            .map(|(k, (n, bytes))| format!("{k} {n} ({:.0} KB)", *bytes as f64 / 1e3))
            .collect::<Vec<_>>()
            .join(", ");
        let versions = {
            let mut v = vec![
                rustc_version(),
                format!("CLI that wrote the fixture {}", self.mix.cli_version),
            ];
            if let Some(py) = &self.python {
                v.push(format!("Python {} + {PY_PACKAGE} {PY_VERSION}", py.version));
            }
            if let Some(ts) = &self.ts {
                v.push(format!("Node {} + {TS_PACKAGE} {TS_VERSION}", ts.version));
            }
            v.join("; ")
        };
        format!(
            "{START_MARKER}\n\
             ## Parse: framing + parsing recorded CLI output vs the official SDKs\n\n\
             - Command: `{}`\n\
             - Date: {} (UTC)\n\
             - Machine: {}\n\
             - Versions: {versions}; claude-sdk-rs at {}\n\
             - Input: `crates/stream/benches/fixtures/cli-session.ndjson` ({} bytes, {} lines: the real \
             CLI's stdout with `--include-partial-messages` for {} turns against the mock API, recorded by \
             `cargo xtask bench parse --record`) repeated {}× = {} bytes, the same file for every \
             implementation. Lines: {mix}\n\
             - Method: {} interleaved rounds; in each, every implementation runs in a fresh process that \
             loads the file into memory, makes one untimed warm-up pass, then one timed pass from the first \
             64 KiB piece to the last message. Median over the rounds; MB = 10^6 bytes. Python and \
             TypeScript run their SDK's own code, fed by an in-memory stand-in for the child's stdout \
             (see `xtask/peers/`).\n\n\
             {tables}\
             {END_MARKER}\n",
            self.command,
            report::today_utc(),
            report::machine(),
            git_rev(),
            self.fixture_bytes,
            self.mix.lines,
            self.mix.by_kind.get("result").map_or(0, |r| r.0),
            self.copies,
            self.total,
            self.runs,
        )
    }
}

fn rustc_version() -> String {
    Command::new("rustc")
        .arg("--version")
        .current_dir(util::workspace_root())
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map_or_else(
            || "rustc ?".to_owned(),
            |o| String::from_utf8_lossy(&o.stdout).trim().to_owned(),
        )
}

/// `abc1234` or `abc1234 + uncommitted changes in crates/core, crates/stream`.
fn git_rev() -> String {
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(util::workspace_root())
            .stderr(Stdio::null())
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    let rev = git(&["rev-parse", "--short", "HEAD"]).unwrap_or_else(|| "?".to_owned());
    let dirty: Vec<&str> = ["crates/core", "crates/stream"]
        .into_iter()
        .filter(|p| git(&["status", "--porcelain", "--", p]).is_some_and(|s| !s.is_empty()))
        .collect();
    if dirty.is_empty() {
        format!("`{rev}`")
    } else {
        format!("`{rev}` + uncommitted changes in {}", dirty.join(", "))
    }
}

// ---------------------------------------------------------------------------------------------
// Recording the fixture

/// What the user says each turn, and what the mock model answers (one reply per API request:
/// a tool call takes two).
fn conversation(project: &Path) -> (Vec<&'static str>, claude_sdk_testing::Script) {
    use claude_sdk_testing::{Reply, Script};
    let file = project.join("src").join("framer.rs");
    let script = Script::new()
        .then(Reply::thinking(THINKING, GREETING))
        .then(Reply::text_then_tool_use(
            "I'll list the project files first.",
            "Bash",
            json!({"command": "ls -la src", "description": "List the source files"}),
        ))
        .then(Reply::text_chunks(token_chunks(LISTING_ANSWER)))
        .then(Reply::tool_use(
            "Read",
            json!({"file_path": file.to_string_lossy()}),
        ))
        .then(Reply::text_chunks(token_chunks(EXPLANATION)))
        .then(Reply::text_chunks(token_chunks(GUIDE)))
        .then(Reply::thinking(THINKING, PITFALLS))
        .then(Reply::text_chunks(token_chunks(EXPLANATION)))
        .otherwise(Reply::text("ok"));
    let prompts = vec![
        "Hi! In two sentences: what is NDJSON framing?",
        "Which source files does this project have?",
        "Explain src/framer.rs to me.",
        "Write a short guide to reading CLI output, with an example.",
        "Anything to watch out for?",
        "Summarise the framer once more, please.",
    ];
    (prompts, script)
}

/// Splits text into streaming-sized deltas: 1–4 words each (with their spacing), as the API does.
fn token_chunks(text: &str) -> Vec<String> {
    const SIZES: [usize; 7] = [3, 1, 4, 2, 3, 2, 1];
    let mut chunks = Vec::new();
    let mut current = String::new();
    let mut words = 0;
    let mut size = 0;
    for (i, ch) in text.char_indices() {
        current.push(ch);
        let next_is_word_start = ch.is_whitespace()
            && text[i + ch.len_utf8()..]
                .chars()
                .next()
                .is_some_and(|c| !c.is_whitespace());
        if next_is_word_start {
            words += 1;
            if words >= SIZES[size % SIZES.len()] {
                chunks.push(std::mem::take(&mut current));
                words = 0;
                size += 1;
            }
        }
    }
    if !current.is_empty() {
        chunks.push(current);
    }
    chunks
}

/// Runs the real CLI against the mock for a few turns and writes its stdout to `out`.
fn record(out: &Path) -> Result<()> {
    let cli = install_cli::ensure_cli()?;
    let scratch = tempfile::Builder::new()
        .prefix("claude-sdk-record-")
        .tempdir()
        .map_err(|e| format!("cannot create a temporary directory: {e}"))?;
    let home = scratch.path().join("home");
    let project = scratch.path().join("proj");
    for dir in [&home, &project.join("src")] {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    // A small project for the Bash and Read tool calls: our own framer and lib.
    let root = util::workspace_root();
    for (from, to) in [
        ("crates/stream/src/framer.rs", "src/framer.rs"),
        ("crates/stream/src/reader.rs", "src/reader.rs"),
        ("crates/stream/src/lib.rs", "src/lib.rs"),
    ] {
        std::fs::copy(root.join(from), project.join(to))
            .map_err(|e| format!("cannot copy {from}: {e}"))?;
    }
    let (prompts, script) = conversation(&project);

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the tokio runtime: {e}"))?;
    let server = runtime
        .block_on(claude_sdk_testing::MockServer::start(script))
        .map_err(|e| format!("cannot start the mock Messages API server: {e}"))?;

    let stderr_path = scratch.path().join("stderr");
    let stderr = std::fs::File::create(&stderr_path)
        .map_err(|e| format!("cannot create {}: {e}", stderr_path.display()))?;
    let mut cmd = Command::new(&cli);
    cmd.args([
        "--output-format",
        "stream-json",
        "--verbose",
        "--include-partial-messages",
        "--input-format",
        "stream-json",
    ])
    .current_dir(&project)
    .env_clear()
    .env("PATH", std::env::var_os("PATH").unwrap_or_default())
    .env("HOME", &home)
    .env("ANTHROPIC_BASE_URL", server.base_url())
    .env("ANTHROPIC_API_KEY", "sk-test")
    .env("DISABLE_TELEMETRY", "1")
    .env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")
    .env("CLAUDE_CODE_MAX_RETRIES", "0")
    .env("CLAUDE_CODE_ENTRYPOINT", "sdk-rust")
    .env("CLAUDE_CODE_SDK_READS_SESSION_STATE", "1")
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(stderr);
    eprintln!("recording: {} ({} turns)", cli.display(), prompts.len());
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", cli.display()))?;
    let result = drive(&mut child, &prompts);
    if result.is_err() {
        let _ = child.kill();
    }
    let status = child
        .wait()
        .map_err(|e| format!("cannot wait for the CLI: {e}"))?;
    runtime.block_on(server.shutdown());
    let lines = result.map_err(|e| {
        let tail = std::fs::read_to_string(&stderr_path).unwrap_or_default();
        format!("{e}; CLI stderr: {:?}", tail.trim())
    })?;
    if !status.success() {
        return Err(format!(
            "the CLI exited with {}",
            util::describe_status(status)
        ));
    }

    // Temp paths become a fixed one so that re-recording gives a stable diff.
    let scratch_str = path_arg(scratch.path())?.to_owned();
    let mut fixture = Vec::new();
    for line in &lines {
        let line = String::from_utf8_lossy(line).replace(&scratch_str, "/tmp/claude-bench");
        serde_json::from_str::<Value>(&line)
            .map_err(|e| format!("the CLI printed a non-JSON line ({e}): {line:.200}"))?;
        fixture.extend_from_slice(line.as_bytes());
        fixture.push(b'\n');
    }
    for secret in ["sk-test", "x-api-key", "Bearer "] {
        if fixture
            .windows(secret.len())
            .any(|w| w == secret.as_bytes())
        {
            return Err(format!("the recording contains `{secret}`: not written"));
        }
    }
    if fixture.len() > FIXTURE_MAX_BYTES {
        return Err(format!(
            "the recording is {} bytes, over the {FIXTURE_MAX_BYTES}-byte budget",
            fixture.len()
        ));
    }
    std::fs::write(out, &fixture).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    let mix = line_mix(&fixture)?;
    eprintln!(
        "wrote {} ({} bytes, {} lines, CLI {})",
        out.display(),
        fixture.len(),
        mix.lines,
        mix.cli_version
    );
    for (kind, (n, bytes)) in &mix.by_kind {
        eprintln!("  {kind}: {n} lines, {bytes} bytes");
    }
    Ok(())
}

/// The SDK's conversation over stdin/stdout: `initialize`, then each prompt after the previous
/// `result`; stdin is closed after the last result and stdout read to its end.
fn drive(child: &mut std::process::Child, prompts: &[&str]) -> Result<Vec<Vec<u8>>> {
    let mut stdin = child.stdin.take().ok_or("the CLI has no stdin pipe")?;
    let stdout = child.stdout.take().ok_or("the CLI has no stdout pipe")?;
    let mut reader = BufReader::new(stdout);
    let send = |stdin: &mut std::process::ChildStdin, v: Value| -> Result<()> {
        writeln!(stdin, "{v}")
            .and_then(|()| stdin.flush())
            .map_err(|e| format!("cannot write to the CLI: {e}"))
    };
    send(
        &mut stdin,
        json!({"type": "control_request", "request_id": "req_1_record",
               "request": {"subtype": "initialize", "hooks": null}}),
    )?;
    let mut stdin = Some(stdin);
    let mut next = 0usize;
    let mut lines = Vec::new();
    loop {
        let mut line = Vec::new();
        let n = reader
            .read_until(b'\n', &mut line)
            .map_err(|e| format!("cannot read the CLI's stdout: {e}"))?;
        if n == 0 {
            break;
        }
        while line.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
            line.pop();
        }
        if line.is_empty() {
            continue;
        }
        let v: Value = serde_json::from_slice(&line).unwrap_or(Value::Null);
        let ty = v.get("type").and_then(Value::as_str).unwrap_or("");
        let turn_over = match ty {
            "control_response" => next == 0,
            "result" => {
                if v.get("is_error").and_then(Value::as_bool) == Some(true) {
                    return Err(format!("turn {next} failed: {v}"));
                }
                true
            }
            _ => false,
        };
        lines.push(line);
        if turn_over {
            match (prompts.get(next), stdin.as_mut()) {
                (Some(prompt), Some(w)) => {
                    send(
                        w,
                        json!({"type": "user", "message": {"role": "user", "content": prompt},
                               "parent_tool_use_id": null, "session_id": ""}),
                    )?;
                    next += 1;
                }
                // Closing stdin lets the CLI finish and exit.
                _ => drop(stdin.take()),
            }
        }
    }
    if next < prompts.len() {
        return Err(format!(
            "the CLI's stdout ended after {next} of {} turns",
            prompts.len()
        ));
    }
    Ok(lines)
}

const THINKING: &str = "The user wants a short, practical answer. NDJSON is one JSON value per \
line, so framing means splitting the byte stream on newlines, bounding how long a line may get, \
and handing each complete line to the JSON parser. I should mention partial reads: a read can end \
in the middle of a line, or in the middle of a UTF-8 character.";

const GREETING: &str = "NDJSON framing splits a byte stream into lines at each `\\n`, so that \
every line holds exactly one JSON document. A good framer keeps partial lines across reads and \
refuses lines past a size limit instead of buffering forever.";

const LISTING_ANSWER: &str = "The project is small. `src/` holds three files:\n\n\
| file | what it does |\n|---|---|\n\
| `lib.rs` | the crate root: module list and re-exports |\n\
| `framer.rs` | `LineFramer`, the sans-I/O newline framer with a length limit |\n\
| `reader.rs` | `LineReader`, an async wrapper that reads 64 KiB at a time into the framer |\n\n\
Want me to walk through `framer.rs`? It is where the interesting logic lives.";

const EXPLANATION: &str = "## How `src/framer.rs` works\n\n\
`LineFramer` owns one growable buffer (`BytesMut`) and an index, `scanned`, that remembers how \
far it already looked for a newline. That index is what keeps a long line linear: when a 50 MB \
line arrives in 64 KiB pieces, each call to `next_line()` only searches the bytes that are new.\n\n\
The main loop:\n\n\
```rust\nmatch memchr::memchr(b'\\n', &self.buf[self.scanned..]) {\n    \
Some(pos) => {\n        let end = self.scanned + pos;\n        self.scanned = 0;\n        \
if end > self.max_line {\n            return Err(self.fail());\n        }\n        \
let mut line = self.buf.split_to(end + 1);\n        line.truncate(end);\n        \
// a trailing \"\\r\" is dropped too\n        return Ok(Some(line.freeze()));\n    }\n    \
None => { /* remember where we stopped, check the limit */ }\n}\n```\n\n\
A few details worth knowing:\n\n\
1. **Zero-copy lines.** `split_to` hands out the front of the buffer as `Bytes` without copying; \
the parser reads straight from it.\n\
2. **The limit is sticky.** Once a line passes `max_line`, the framer frees its buffer and every \
later call fails with `LineTooLong` — a half-read stream cannot be trusted to resynchronise.\n\
3. **Empty lines are skipped**, and `\\r\\n` endings work as well as `\\n`.\n\
4. **UTF-8 is not its problem.** It splits on the byte `0x0A`, which never occurs inside a \
multi-byte character, so text such as “héllo 👋 你好” survives any chunking.\n\n\
`finish()` is called at end of input: it returns the last line when the stream did not end with \
a newline. That matters for tools that print a final message without `\\n`.";

const GUIDE: &str = "# Reading the CLI's output\n\n\
The CLI prints one JSON object per line on stdout. Route each line by its `\"type\"`:\n\n\
- `system` — `init` at the start of every turn (tools, model, session id), plus `status`, \
`api_retry` and friends;\n\
- `stream_event` — raw API events when `--include-partial-messages` is on: `text_delta`, \
`thinking_delta`, `input_json_delta`;\n\
- `assistant` — **one line per content block**, all with the same `message.id`;\n\
- `user` — tool results produced by the CLI;\n\
- `result` — the end of a turn: check `is_error`, not `subtype`;\n\
- `control_request` / `control_response` — the control protocol.\n\n\
### Example\n\n\
```python\nimport json, subprocess\n\n\
proc = subprocess.Popen([\"claude\", \"--output-format\", \"stream-json\", \"--verbose\"],\n\
                        stdout=subprocess.PIPE)\nfor raw in proc.stdout:\n    \
msg = json.loads(raw)\n    if msg[\"type\"] == \"result\":\n        \
print(\"done:\", msg.get(\"result\"), \"cost:\", msg[\"total_cost_usd\"])\n```\n\n\
In Rust, the same loop is `LineReader::next_line()` followed by `Message::from_slice(&line)`, \
which gives typed messages and keeps anything unknown in an `Unknown(Value)` arm, so a newer CLI \
never breaks the parser. Keep the line limit generous (the default is 64 MiB): a single \
`tool_result` can carry a whole file.";

const PITFALLS: &str = "A few things bite people:\n\n\
- `total_cost_usd` is cumulative per process — use `model_usage_since_last_result` per turn.\n\
- `system/init` repeats every turn; don't treat it as a new session.\n\
- A line can be huge (a file dump in a tool result): bound it, but generously.\n\
- Read stderr continuously, or the child blocks once the pipe buffer fills.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_chunks_keep_every_byte_and_split_between_words() {
        for text in [EXPLANATION, GUIDE, "one", "", "a  b\n\nc “d” 你好 👋"] {
            let chunks = token_chunks(text);
            assert_eq!(chunks.concat(), text);
            assert!(chunks.iter().all(|c| !c.is_empty()));
        }
        assert!(token_chunks(EXPLANATION).len() > 100);
    }

    #[test]
    fn median_and_rates() {
        assert!((median(&[1.0, 2.0, 3.0]) - 2.0).abs() < 1e-9);
        assert!((median(&[1.0, 2.0, 3.0, 4.0]) - 2.5).abs() < 1e-9);
        let mut t = Throughput::new(2_000_000);
        assert!(
            t.push(&json!({"bytes": 2_000_000, "secs": [1.0, 0.5]}), "secs")
                .is_ok()
        );
        assert!(t.push(&json!({"bytes": 3, "secs": [1.0]}), "secs").is_err());
        assert!(
            t.push(&json!({"bytes": 2_000_000, "secs": []}), "secs")
                .is_err()
        );
        assert_eq!(t.rates(), [2.0, 4.0]);
        assert!((t.median() - 3.0).abs() < 1e-9);
    }

    #[test]
    fn line_mix_counts_kinds() -> Result<()> {
        let mix = line_mix(
            b"{\"type\":\"system\",\"subtype\":\"init\",\"claude_code_version\":\"9.9\"}\n\
              {\"type\":\"stream_event\",\"event\":{\"type\":\"message_stop\"}}\n\n\
              {\"type\":\"result\"}\n",
        )?;
        assert_eq!(mix.lines, 3);
        assert_eq!(mix.cli_version, "9.9");
        let kinds: Vec<&str> = mix.by_kind.keys().map(String::as_str).collect();
        assert_eq!(
            kinds,
            ["result", "stream_event/message_stop", "system/init"]
        );
        assert!(line_mix(b"{\"type\":\"x\"}").is_err(), "no final newline");
        Ok(())
    }

    #[test]
    fn section_is_replaced_not_duplicated() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let path = dir.path().join("benchmarks.md");
        std::fs::write(&path, "# B\n\nother section\n").map_err(|e| e.to_string())?;
        report::write_section(
            &path,
            START_MARKER,
            END_MARKER,
            &format!("{START_MARKER}\none\n{END_MARKER}\n"),
        )?;
        report::write_section(
            &path,
            START_MARKER,
            END_MARKER,
            &format!("{START_MARKER}\ntwo\n{END_MARKER}\n"),
        )?;
        let text = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
        assert_eq!(
            text,
            format!("# B\n\nother section\n\n{START_MARKER}\ntwo\n{END_MARKER}\n")
        );
        Ok(())
    }
}
