//! `cargo xtask bench <name> [options]`: built-in benchmarks.

mod overhead;
mod parse;
mod report;
mod rusage;
mod sessions;

use crate::util::Result;

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
