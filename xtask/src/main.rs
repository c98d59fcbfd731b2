//! Maintainer tasks for claude-sdk-rs: `cargo xtask <command>`.
//!
//! See `docs/development.md`.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod bench;
mod ci;
mod demo;
mod fuzz;
mod install_cli;
mod install_peers;
mod peers;
mod redis;
mod util;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command> [args]

commands:
  ci                 every check CI runs: fmt, clippy, install-cli, install-redis, tests, doctests, docs, cargo-deny
  test [args]        install the pinned CLI if needed, then the tests (args go to nextest / cargo test)
  demo [args]        install the pinned CLI if needed, then the demo example
  bench [name] ...   built-in benchmarks; without a name, list them
  fuzz [target] ...  cargo-fuzz targets, 600 s each (--seconds N, --smoke = 20 s; needs nightly)
  install-cli        install the pinned Claude Code CLI into the cache; prints the binary path
  install-redis      install redis-server (apt-get) when it is not on PATH (for the Redis store tests)
  install-peers      install the pinned Python MCP SDK (test peer) into the cache; prints its python
  help               this text";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        eprintln!("{USAGE}");
        return ExitCode::FAILURE;
    };
    let result = match command.as_str() {
        "ci" => ci::main(rest),
        "test" => ci::test_main(rest),
        "demo" => demo::main(rest),
        "bench" => bench::main(rest),
        "fuzz" => fuzz::main(rest),
        "install-cli" => install_cli::main(rest),
        "install-redis" => redis::main(rest),
        "install-peers" => install_peers::main(rest),
        "help" | "-h" | "--help" => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(format!(
            "unknown command `{other}` (run `cargo xtask help`)"
        )),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
