//! Keeping secrets out of error messages: the command line and stderr pass through a
//! [`Redactor`] before they are stored in an error.

/// Environment variables whose values are secrets.
const SECRET_ENV_HINTS: [&str; 5] = ["KEY", "TOKEN", "SECRET", "PASSWORD", "CREDENTIAL"];

/// Flags whose values may carry secrets (MCP server env, settings with apiKeyHelper, …).
const SECRET_FLAGS: [&str; 2] = ["--mcp-config", "--settings"];

/// Replaces known secret values with `<redacted>`.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    secrets: Vec<String>,
}

impl Redactor {
    /// Collects secret values from environment variables whose names look secret.
    pub fn from_env<'a>(vars: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut secrets: Vec<String> = vars
            .into_iter()
            .filter(|(k, v)| {
                let k = k.to_ascii_uppercase();
                v.len() >= 4 && SECRET_ENV_HINTS.iter().any(|h| k.contains(h))
            })
            .map(|(_, v)| v.to_owned())
            .collect();
        // Longest first, so a secret containing another is replaced whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        Redactor { secrets }
    }

    /// Redacts a text.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for s in &self.secrets {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), "<redacted>");
            }
        }
        out
    }

    /// A shell-like rendering of a command line, with secret-bearing flag values hidden.
    pub fn command_line(&self, program: &str, args: &[String]) -> String {
        let mut out = vec![program.to_owned()];
        let mut hide_next = false;
        for a in args {
            if hide_next {
                out.push("<redacted>".into());
                hide_next = false;
                continue;
            }
            if let Some((flag, _)) = a.split_once('=') {
                if SECRET_FLAGS.contains(&flag) {
                    out.push(format!("{flag}=<redacted>"));
                    continue;
                }
            } else if SECRET_FLAGS.contains(&a.as_str()) {
                hide_next = true;
            }
            out.push(shell_quote(&self.redact(a)));
        }
        out.join(" ")
    }
}

fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_=./,:@<>".contains(&b))
    {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hides_secrets() {
        let r = Redactor::from_env([
            ("ANTHROPIC_API_KEY", "sk-ant-123456"),
            ("HOME", "/root"),
            ("MY_TOKEN", "tok-abcdef"),
        ]);
        assert_eq!(
            r.redact("key sk-ant-123456 and tok-abcdef in /root"),
            "key <redacted> and <redacted> in /root"
        );
        let line = r.command_line(
            "claude",
            &[
                "--mcp-config".into(),
                "{\"env\":{\"K\":\"v\"}}".into(),
                "--settings={}".into(),
                "--model=sonnet".into(),
                "sk-ant-123456".into(),
            ],
        );
        assert_eq!(
            line,
            "claude --mcp-config <redacted> --settings=<redacted> --model=sonnet <redacted>"
        );
    }
}
