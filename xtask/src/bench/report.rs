//! Shared by the benches: machine description, date, and the marked sections of
//! docs/benchmarks.md.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::util::Result;

/// Replaces the section of `path` between `start` and `end` (markers included in `section`), or
/// appends it; creates the file with a header when missing.
pub fn write_section(path: &Path, start: &str, end: &str, section: &str) -> Result<()> {
    let existing = match std::fs::read_to_string(path) {
        Ok(s) => s,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::from(
            "# Benchmarks\n\n\
             Results written by `cargo xtask bench <name>`; each section is replaced when its bench runs again.\n\
             Numbers come from one machine and one run: compare ratios, not absolute times.\n",
        ),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let updated = match (existing.find(start), existing.find(end)) {
        (Some(s), Some(e)) if s < e => {
            let mut after = e + end.len();
            if existing[after..].starts_with('\n') {
                after += 1;
            }
            format!("{}{section}{}", &existing[..s], &existing[after..])
        }
        (None, None) => {
            let sep = if existing.ends_with("\n\n") {
                ""
            } else if existing.ends_with('\n') {
                "\n"
            } else {
                "\n\n"
            };
            format!("{existing}{sep}{section}")
        }
        _ => {
            return Err(format!(
                "{} has a broken section: expected `{start}` followed by `{end}`",
                path.display()
            ));
        }
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    std::fs::write(path, updated).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// `N CPUs, <model name>, <arch>`.
pub fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = info
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or("unknown CPU", |(_, v)| v.trim());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map(|kib| format!(", {:.0} GiB RAM", kib as f64 / 1024.0 / 1024.0))
        .unwrap_or_default();
    format!(
        "{cpus} CPUs (nproc), {model}, {}{mem}",
        std::env::consts::ARCH
    )
}

/// Today's date (UTC) as YYYY-MM-DD, from the civil-from-days algorithm.
pub fn today_utc() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}
