//! Small helpers shared by the xtask commands: errors, paths, flags and running subprocesses.

use std::ffi::OsStr;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};

/// Every xtask command fails with one clear line.
pub type Result<T> = std::result::Result<T, String>;

/// The workspace root (the parent of `xtask/`).
pub fn workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map_or_else(|| manifest_dir.to_path_buf(), Path::to_path_buf)
}

/// The cargo that runs us (`$CARGO`, set by `cargo run`), else `cargo` from `PATH`.
pub fn cargo() -> Command {
    let program = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(program);
    cmd.current_dir(workspace_root());
    cmd
}

/// Environment variables every subprocess we start should see: `CARGO_TERM_COLOR=never`
/// unless our stdout is a terminal (or the user chose a value).
pub fn base_env() -> Vec<(String, String)> {
    let mut env = Vec::new();
    if std::env::var_os("CARGO_TERM_COLOR").is_none() && !stdout_is_tty() {
        env.push(("CARGO_TERM_COLOR".to_owned(), "never".to_owned()));
    }
    env
}

/// Whether our stdout is a terminal (colours are for terminals only).
pub fn stdout_is_tty() -> bool {
    std::io::stdout().is_terminal()
}

/// A command line as a user would type it (for messages).
pub fn display(cmd: &Command) -> String {
    let mut parts: Vec<String> = cmd
        .get_envs()
        .filter_map(|(k, v)| {
            let k = k.to_string_lossy();
            // Only the variables that change what the command does are worth showing.
            (k == "RUSTDOCFLAGS").then(|| format!("{k}={}", shell_word(v.unwrap_or_default())))
        })
        .collect();
    let program = cmd.get_program();
    if std::env::var_os("CARGO").is_some_and(|cargo| cargo == program) {
        parts.push("cargo".to_owned());
    } else {
        parts.push(shell_word(program));
    }
    parts.extend(cmd.get_args().map(shell_word));
    parts.join(" ")
}

fn shell_word(s: &OsStr) -> String {
    let s = s.to_string_lossy();
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:@+,".contains(c))
    {
        s.into_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// Describe an unsuccessful exit status.
pub fn describe_status(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit code {code}"),
        (None, Some(sig)) => format!("killed by signal {sig}"),
        (None, None) => status.to_string(),
    }
}

/// Run a command with inherited stdio; an unsuccessful exit is an error naming the command.
pub fn run(cmd: &mut Command) -> Result<()> {
    let shown = display(cmd);
    eprintln!("$ {shown}");
    let status = cmd
        .status()
        .map_err(|e| format!("could not start `{shown}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{shown}` failed ({})", describe_status(status)))
    }
}

/// Whether a command runs and exits successfully, output discarded (for probing tools).
pub fn probe(cmd: &mut Command) -> bool {
    cmd.stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Make a path absolute against the current directory (without touching the file system).
pub fn absolute(path: &Path) -> Result<PathBuf> {
    std::path::absolute(path).map_err(|e| format!("cannot make {} absolute: {e}", path.display()))
}

/// Command-line flags: `--flag`, `--flag VALUE` and `--flag=VALUE`, one at a time.
///
/// ```text
/// let mut flags = Flags::new(args);
/// while let Some(flag) = flags.next_flag() {
///     match flag {
///         "--runs" => runs = flags.positive("--runs")?,
///         "--quiet" => quiet = true,
///         other => return Err(format!("unknown option `{other}`")),
///     }
/// }
/// ```
#[derive(Debug)]
pub struct Flags<'a> {
    args: std::slice::Iter<'a, String>,
    inline: Option<&'a str>,
}

impl<'a> Flags<'a> {
    pub fn new(args: &'a [String]) -> Self {
        Flags {
            args: args.iter(),
            inline: None,
        }
    }

    /// The next argument; for `--flag=VALUE`, the `--flag` part (the value is kept for
    /// [`Flags::value`]).
    pub fn next_flag(&mut self) -> Option<&'a str> {
        let arg = self.args.next()?;
        match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                self.inline = Some(value);
                Some(flag)
            }
            _ => {
                self.inline = None;
                Some(arg)
            }
        }
    }

    /// The value of flag `name`: the part after `=`, else the next argument.
    pub fn value(&mut self, name: &str) -> Result<&'a str> {
        match self.inline.take() {
            Some(value) => Ok(value),
            None => self
                .args
                .next()
                .map(String::as_str)
                .ok_or_else(|| format!("{name} needs a value")),
        }
    }

    /// The value of flag `name` as a positive integer.
    pub fn positive<T>(&mut self, name: &str) -> Result<T>
    where
        T: std::str::FromStr + PartialOrd + From<u8>,
    {
        let value = self.value(name)?;
        value
            .parse::<T>()
            .ok()
            .filter(|n| *n > T::from(0))
            .ok_or_else(|| format!("{name} expects a positive integer, got `{value}`"))
    }

    /// Every argument not read yet (what follows `--`).
    pub fn rest(&mut self) -> impl Iterator<Item = &'a String> + '_ {
        self.args.by_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn flags_with_separate_and_inline_values() {
        let list = args(&["--runs", "3", "--size=7", "--quiet", "--", "-x", "y"]);
        let mut flags = Flags::new(&list);
        assert_eq!(flags.next_flag(), Some("--runs"));
        assert_eq!(flags.positive::<usize>("--runs"), Ok(3));
        assert_eq!(flags.next_flag(), Some("--size"));
        assert_eq!(flags.positive::<u64>("--size"), Ok(7));
        assert_eq!(flags.next_flag(), Some("--quiet"));
        assert_eq!(flags.next_flag(), Some("--"));
        assert_eq!(
            flags.rest().cloned().collect::<Vec<_>>(),
            args(&["-x", "y"])
        );
        assert_eq!(flags.next_flag(), None);
    }

    #[test]
    fn bad_values_are_clear_errors() {
        for (list, error) in [
            (&["--runs"][..], "--runs needs a value"),
            (
                &["--runs", "0"],
                "--runs expects a positive integer, got `0`",
            ),
            (&["--runs=x"], "--runs expects a positive integer, got `x`"),
            (
                &["--runs", "-2"],
                "--runs expects a positive integer, got `-2`",
            ),
        ] {
            let list = args(list);
            let mut flags = Flags::new(&list);
            assert_eq!(flags.next_flag(), Some("--runs"));
            assert_eq!(flags.positive::<usize>("--runs"), Err(error.to_owned()));
        }
    }
}
