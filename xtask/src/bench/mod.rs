//! `cargo xtask bench <name> [options]`: built-in benchmarks.

mod overhead;
mod parse;
mod report;
mod rusage;
mod sessions;

use std::path::PathBuf;
use std::process::Stdio;

use serde_json::Value;

use crate::util::{self, Result};

/// The available benches: name, options, description.
const BENCHES: &[(&str, &str, &str)] = &[
    (
        "overhead",
        "[--runs N] [--bare-only]",
        "wall and CPU time of `claude-rs query` vs the bare `claude -p`, on the mock API",
    ),
    (
        "parse",
        "[--runs N] [--size-mb N] [--ours-only] | --record",
        "framing + parsing MB/s on recorded CLI output vs the Python and TypeScript SDKs; 50 MiB line memory",
    ),
    (
        "sessions",
        "[--sessions N] [--queries N]",
        "sled session store over 100k sessions: insert rate, size on disk, durable appends, search p50/p99",
    ),
];

/// `cargo xtask bench [name] [options]`.
pub fn main(args: &[String]) -> Result<()> {
    match args.split_first() {
        None => {
            list();
            Ok(())
        }
        Some((name, rest)) => match name.as_str() {
            "overhead" => overhead::main(rest),
            "parse" => parse::main(rest),
            "sessions" => sessions::main(rest),
            "-h" | "--help" | "help" | "list" => {
                list();
                Ok(())
            }
            other => Err(format!(
                "unknown bench `{other}` (available: {})",
                BENCHES.iter().map(|b| b.0).collect::<Vec<_>>().join(", ")
            )),
        },
    }
}

fn list() {
    println!("available benches (cargo xtask bench <name> [options]):");
    for (name, options, about) in BENCHES {
        println!("  {name} {options}");
        println!("      {about}");
    }
}

/// `cargo bench --no-run` a measuring binary (`--bench <bench>` of `package`); its path.
fn build_bench(package: &str, bench: &str) -> Result<PathBuf> {
    let mut cmd = util::cargo();
    cmd.envs(util::base_env()).args([
        "bench",
        "-p",
        package,
        "--bench",
        bench,
        "--no-run",
        "--message-format",
        "json-render-diagnostics",
    ]);
    eprintln!("$ {}", util::display(&cmd));
    let output = cmd
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("could not run cargo: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "building the {bench} bench failed ({})",
            util::describe_status(output.status)
        ));
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v.pointer("/target/name").and_then(Value::as_str) == Some(bench))
        .find_map(|v| v.get("executable")?.as_str().map(PathBuf::from))
        .ok_or_else(|| format!("cargo built {bench} but reported no executable"))
}
