//! `cargo xtask bench sessions`: the sled session store at scale — bulk insert throughput, size on
//! disk, open time, durable appends, and search latency (content, metadata, combined, list) over
//! N realistic sessions (default 100 000).
//!
//! The work is done by `crates/session/benches/sessions_measure.rs`, built in the bench profile
//! and run as a child in a temporary directory; it prints one JSON object, which becomes the
//! `bench:sessions` section of docs/benchmarks.md.

use super::report;
use std::fmt::Write as _;
use std::io::Write as _;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::util::{self, Result};

const DEFAULT_SESSIONS: usize = 100_000;
const DEFAULT_QUERIES: usize = 200;
/// The issue's goal for a content query over 100k sessions.
const CONTENT_P50_GOAL_MS: f64 = 20.0;

const START_MARKER: &str = "<!-- bench:sessions:start -->";
const END_MARKER: &str = "<!-- bench:sessions:end -->";

const USAGE: &str = "usage: cargo xtask bench sessions [--sessions N] [--queries N]";

#[derive(Debug, PartialEq)]
struct Options {
    sessions: usize,
    queries: usize,
}

fn parse_args(args: &[String]) -> Result<Options> {
    let mut opts = Options {
        sessions: DEFAULT_SESSIONS,
        queries: DEFAULT_QUERIES,
    };
    let mut flags = crate::util::Flags::new(args);
    while let Some(flag) = flags.next_flag() {
        match flag {
            "--sessions" => opts.sessions = flags.positive("--sessions")?,
            "--queries" => opts.queries = flags.positive("--queries")?,
            other => {
                return Err(format!(
                    "unknown option `{other}` for bench sessions ({USAGE})"
                ));
            }
        }
    }
    Ok(opts)
}

pub fn main(args: &[String]) -> Result<()> {
    let opts = parse_args(args)?;
    let measure = super::build_bench("claude-sdk-session", "sessions_measure")?;
    let scratch = tempfile::Builder::new()
        .prefix("claude-sdk-bench-sessions-")
        .tempdir()
        .map_err(|e| format!("cannot create a temporary directory: {e}"))?;
    let load_before = load_average();
    let mut cmd = Command::new(&measure);
    cmd.arg("--dir")
        .arg(scratch.path())
        .args(["--sessions", &opts.sessions.to_string()])
        .args(["--queries", &opts.queries.to_string()]);
    eprintln!(
        "bench sessions: {} sessions, {} queries per kind (store in {})",
        opts.sessions,
        opts.queries,
        scratch.path().display()
    );
    let output = cmd
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("could not run sessions_measure: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "sessions_measure failed ({})",
            util::describe_status(output.status)
        ));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let v: Value = stdout
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str(l).ok())
        .ok_or("sessions_measure printed no JSON result")?;
    let command = if args.is_empty() {
        "cargo xtask bench sessions".to_owned()
    } else {
        format!("cargo xtask bench sessions {}", args.join(" "))
    };
    let load = format!("{load_before} at the start, {} at the end", load_average());
    let section = section(&v, &command, &load)?;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{section}");
    let path = util::workspace_root().join("docs/benchmarks.md");
    report::write_section(&path, START_MARKER, END_MARKER, &section)?;
    eprintln!("updated {}", path.display());
    Ok(())
}

fn num(v: &Value, key: &str) -> Result<f64> {
    v.get(key)
        .and_then(Value::as_f64)
        .ok_or_else(|| format!("sessions_measure result has no number `{key}`"))
}

/// The markdown section for docs/benchmarks.md.
/// The 1-minute load average (other work on the machine skews the figures).
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "unknown".to_owned())
}

fn section(v: &Value, command: &str, load: &str) -> Result<String> {
    let sessions = num(v, "sessions")?;
    let entries = num(v, "entries")?;
    let content_p50 = num(v, "content_p50_ms")?;
    let content_p99 = num(v, "content_p99_ms")?;
    let durable = v.get("durable").ok_or("no `durable` figures")?;
    let mut s = String::new();
    let _ = write!(
        s,
        "{START_MARKER}\n\
         ## Sessions: the sled store at scale\n\n\
         - Command: `{command}`\n\
         - Date: {} (UTC)\n\
         - Machine: {} (1-minute load average {load})\n\
         - Data: {sessions:.0} sessions, {entries:.0} transcript entries (1–4 turns each of prompt, `system/init`, assistant text, `result` with usage and cost, as the CLI prints them); words from a generated 50 000-word vocabulary with Zipf (s = 1) frequencies, seeded PRNG; 30 tags, 3 models, 50 working directories, creation times over a year. Built by `crates/session/benches/sessions_measure.rs`.\n\
         - Method: sessions imported one `insert` at a time with `Durability::Background` (bulk import; generation time excluded), then the store is closed, opened once by sled alone (that first open replays the log the import wrote), closed, and opened as a `SledStore` with the default `Durability::Sync`; each query kind runs once per sampled session (queries use words of that session, so they have hits) after a short warm-up; latency is the whole `SessionStore::search` call, `spawn_blocking` included. Durable appends: a fresh store, 400 one-entry appends from one task, then 400 spread over 8 tasks.\n\n\
         | figure | value |\n|---|---:|\n\
         | bulk insert | {:.0} sessions/s, {:.0} entries/s ({:.1} s) |\n\
         | size on disk | {:.0} MB ({:.0} bytes per entry) |\n\
         | first open after the import (sled replays its log) | {:.0} ms |\n\
         | later open (sled + loading every session's metadata) | {:.0} ms |\n\
         | durable appends (`Durability::Sync`, fsync each), one writer | {:.0} /s |\n\
         | durable appends, 8 concurrent writers (shared flushes) | {:.0} /s |\n\
         | **content query p50 / p99** (all content kinds) | **{content_p50:.2} ms** / {content_p99:.2} ms |\n\n\
         | query | n | p50 (ms) | p99 (ms) | mean hits |\n|---|---:|---:|---:|---:|\n",
        report::today_utc(),
        report::machine(),
        num(v, "sessions_per_sec")?,
        num(v, "entries_per_sec")?,
        num(v, "insert_secs")?,
        num(v, "bytes_on_disk")? / 1e6,
        num(v, "bytes_on_disk")? / entries.max(1.0),
        num(v, "sled_open_ms")?,
        num(v, "open_ms")?,
        num(durable, "serial_per_sec")?,
        num(durable, "concurrent8_per_sec")?,
    );
    for q in v
        .get("queries")
        .and_then(Value::as_array)
        .ok_or("no `queries` figures")?
    {
        let _ = writeln!(
            s,
            "| {} | {:.0} | {:.2} | {:.2} | {:.0} |",
            q.get("kind").and_then(Value::as_str).unwrap_or("?"),
            num(q, "queries")?,
            num(q, "p50_ms")?,
            num(q, "p99_ms")?,
            num(q, "mean_hits")?,
        );
    }
    let verdict = if content_p50 < CONTENT_P50_GOAL_MS {
        "met"
    } else {
        "NOT met"
    };
    let _ = write!(
        s,
        "\nGoal: content query p50 < {CONTENT_P50_GOAL_MS:.0} ms over 100k sessions — {verdict} at {sessions:.0} sessions ({content_p50:.2} ms).\n\
         {END_MARKER}\n"
    );
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_parse_and_reject() {
        let o = parse_args(&["--sessions".into(), "500".into(), "--queries=7".into()]);
        assert_eq!(
            o,
            Ok(Options {
                sessions: 500,
                queries: 7
            })
        );
        assert!(parse_args(&["--sessions".into(), "0".into()]).is_err());
        assert!(parse_args(&["--bogus".into()]).is_err());
    }

    #[test]
    fn section_has_markers_and_verdict() -> Result<()> {
        let v: Value = serde_json::from_str(
            r#"{"sessions":1000,"entries":7000,"insert_secs":2.0,"sessions_per_sec":500.0,
                "entries_per_sec":3500.0,"bytes_on_disk":1000000,"open_ms":12.0,"sled_open_ms":40.0,
                "content_p50_ms":0.5,"content_p99_ms":9.0,
                "durable":{"serial_per_sec":100.0,"concurrent8_per_sec":300.0},
                "queries":[{"kind":"content: x","queries":10,"p50_ms":0.1,"p99_ms":0.2,"mean_hits":3.0}]}"#,
        )
        .map_err(|e| e.to_string())?;
        let s = section(&v, "cargo xtask bench sessions --sessions 1000", "0.5")?;
        assert!(s.starts_with(START_MARKER) && s.ends_with(&format!("{END_MARKER}\n")));
        assert!(s.contains("| content: x | 10 | 0.10 | 0.20 | 3 |"));
        assert!(s.contains("— met at 1000 sessions"));
        assert!(s.contains("| first open after the import (sled replays its log) | 40 ms |"));
        Ok(())
    }
}
