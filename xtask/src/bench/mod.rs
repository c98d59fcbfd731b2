//! `cargo xtask bench <name> [options]`: built-in benchmarks.

mod overhead;
mod rusage;

use crate::util::Result;

/// The available benches: name, options, description.
const BENCHES: &[(&str, &str, &str)] = &[(
    "overhead",
    "[--runs N] [--bare-only]",
    "wall and CPU time of `claude-rs query` vs the bare `claude -p`, on the mock API",
)];

/// `cargo xtask bench [name] [options]`.
pub fn main(args: &[String]) -> Result<()> {
    match args.split_first() {
        None => {
            list();
            Ok(())
        }
        Some((name, rest)) => match name.as_str() {
            "overhead" => overhead::main(rest),
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
