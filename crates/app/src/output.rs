//! Printing outcomes and errors; exit codes.

use std::process::ExitCode;

use claude_sdk::{Error, ErrorCode, Outcome};
use serde_json::json;

use crate::cli::OutputFormat;

/// Exit code: the request failed (API error, max turns, …).
pub const EXIT_FAILED: u8 = 1;
/// Exit code: bad usage or configuration.
pub const EXIT_CONFIG: u8 = 2;
/// Exit code: the CLI is missing or too old.
pub const EXIT_CLI: u8 = 3;
/// Exit code: the deadline passed or the request was cancelled.
pub const EXIT_TIMEOUT: u8 = 4;
/// Exit code: the CLI process or protocol broke.
pub const EXIT_INTERNAL: u8 = 5;

/// Exit code: the session store failed, or the session or file does not exist or is invalid.
pub const EXIT_STORE: u8 = 6;

/// The exit code for an error.
pub fn exit_code(e: &Error) -> u8 {
    match e.code() {
        ErrorCode::Config => EXIT_CONFIG,
        ErrorCode::CliNotFound | ErrorCode::CliVersion => EXIT_CLI,
        ErrorCode::Timeout | ErrorCode::Cancelled => EXIT_TIMEOUT,
        ErrorCode::Process | ErrorCode::Protocol | ErrorCode::Io => EXIT_INTERNAL,
        ErrorCode::Storage | ErrorCode::NotFound | ErrorCode::Integrity | ErrorCode::Locked => {
            EXIT_STORE
        }
        _ => EXIT_FAILED,
    }
}

/// The JSON printed by `--output json`.
pub fn outcome_json(o: &Outcome) -> serde_json::Value {
    json!({
        "is_error": false,
        "result": o.text,
        "session_id": o.session_id,
        "cost_usd": o.cost_usd,
        "usage": o.usage,
        "num_turns": o.num_turns,
        "duration_ms": o.duration_ms,
        "stop_reason": o.stop_reason,
        "structured_output": o.structured_output,
        "permission_denials": o.permission_denials,
    })
}

/// Prints an error (one line on stderr; with `verbose`, the context too; JSON on stdout for the
/// JSON formats) and returns the exit code.
pub fn report_error(e: &Error, format: OutputFormat, verbose: bool) -> ExitCode {
    if verbose {
        eprintln!("error{e:#}");
    } else {
        eprintln!("error{e}");
    }
    if format != OutputFormat::Text {
        let c = e.context();
        println!(
            "{}",
            json!({
                "is_error": true,
                "code": e.code().as_str(),
                "message": e.message(),
                "http_status": c.http_status,
                "session_id": c.session_id,
                "exit_status": c.exit_status,
            })
        );
    }
    ExitCode::from(exit_code(e))
}

/// Prints `resources: peak_rss_kib=… cpu_us=…` for this process alone (not its children):
/// peak RSS from `/proc/self/status`, CPU time summed over our threads' `schedstat` (ns precision).
pub fn report_resources() {
    let hwm = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u64>().ok())
        });
    let cpu_ns: u64 = std::fs::read_dir("/proc/self/task")
        .map(|dir| {
            dir.flatten()
                .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
                .filter_map(|s| {
                    s.split_whitespace()
                        .next()
                        .and_then(|v| v.parse::<u64>().ok())
                })
                .sum()
        })
        .unwrap_or(0);
    eprintln!(
        "resources: peak_rss_kib={} cpu_us={}",
        hwm.unwrap_or(0),
        cpu_ns / 1000
    );
}
