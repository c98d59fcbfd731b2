//! [`Options`]: what a request asks of the backend. Plain data with chainable setters; checked
//! by [`Options::validate`] (backends call it before doing anything).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;

use crate::error::{Error, Result};

/// The system prompt.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum SystemPrompt {
    /// A minimal prompt (what the official SDKs do when none is given): the CLI's 7 kB
    /// Claude Code prompt is dropped.
    #[default]
    Minimal,
    /// The CLI's own Claude Code system prompt.
    ClaudeCode,
    /// Your own system prompt.
    Text(String),
    /// Read from a file.
    File(PathBuf),
}

/// Permission modes the CLI accepts on `--permission-mode`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PermissionMode {
    /// The CLI default (nothing is passed).
    Default,
    /// Accept file edits automatically.
    AcceptEdits,
    /// Plan only.
    Plan,
    /// Skip all permission checks (as root the CLI requires `IS_SANDBOX=1`).
    BypassPermissions,
    /// Deny anything that would prompt.
    DontAsk,
    /// Let the CLI decide.
    Auto,
    /// A mode this version does not know.
    Other(String),
}

impl PermissionMode {
    /// The CLI's spelling.
    pub fn as_str(&self) -> &str {
        match self {
            PermissionMode::Default => "default",
            PermissionMode::AcceptEdits => "acceptEdits",
            PermissionMode::Plan => "plan",
            PermissionMode::BypassPermissions => "bypassPermissions",
            PermissionMode::DontAsk => "dontAsk",
            PermissionMode::Auto => "auto",
            PermissionMode::Other(s) => s,
        }
    }

    /// Reads the CLI's spelling; an unknown mode is kept as [`PermissionMode::Other`].
    pub fn from_cli_str(s: &str) -> PermissionMode {
        match s {
            "default" => PermissionMode::Default,
            "acceptEdits" => PermissionMode::AcceptEdits,
            "plan" => PermissionMode::Plan,
            "bypassPermissions" => PermissionMode::BypassPermissions,
            "dontAsk" => PermissionMode::DontAsk,
            "auto" => PermissionMode::Auto,
            other => PermissionMode::Other(other.to_owned()),
        }
    }
}

impl serde::Serialize for PermissionMode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for PermissionMode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = std::borrow::Cow::<'de, str>::deserialize(d)?;
        Ok(PermissionMode::from_cli_str(&s))
    }
}

/// Reasoning effort (`--effort`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Effort {
    /// low
    Low,
    /// medium (the CLI default)
    Medium,
    /// high
    High,
    /// xhigh
    XHigh,
    /// max
    Max,
}

impl Effort {
    /// The CLI's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Effort::Low => "low",
            Effort::Medium => "medium",
            Effort::High => "high",
            Effort::XHigh => "xhigh",
            Effort::Max => "max",
        }
    }
}

/// Which settings files the CLI loads (`--setting-sources`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SettingSource {
    /// `~/.claude/settings.json`
    User,
    /// `.claude/settings.json`
    Project,
    /// `.claude/settings.local.json`
    Local,
}

impl SettingSource {
    /// The CLI's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            SettingSource::User => "user",
            SettingSource::Project => "project",
            SettingSource::Local => "local",
        }
    }
}

/// Options of a request. Every field maps to a CLI flag (or the child's environment); fields
/// the CLI lacks (temperature, max tokens) are deliberately absent.
///
/// ```
/// use claude_sdk_core::{Options, PermissionMode};
/// let opts = Options::new()
///     .model("sonnet")
///     .max_turns(3)
///     .allowed_tools(["Read", "Bash(git *)"])
///     .permission_mode(PermissionMode::AcceptEdits);
/// assert!(opts.validate().is_ok());
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct Options {
    /// `--model`: alias (`sonnet`) or full id.
    pub model: Option<String>,
    /// `--fallback-model`.
    pub fallback_model: Option<String>,
    /// `--system-prompt` / `--system-prompt-file`.
    pub system_prompt: SystemPrompt,
    /// `--append-system-prompt`.
    pub append_system_prompt: Option<String>,
    /// `--max-turns`.
    pub max_turns: Option<u32>,
    /// `--max-budget-usd`.
    pub max_budget_usd: Option<f64>,
    /// `--allowedTools` (permission allow rules).
    pub allowed_tools: Vec<String>,
    /// `--disallowedTools`.
    pub disallowed_tools: Vec<String>,
    /// `--tools`: the built-in tool set (`Some(vec![])` disables all built-ins).
    pub tools: Option<Vec<String>>,
    /// `--permission-mode`.
    pub permission_mode: Option<PermissionMode>,
    /// `--permission-prompt-tool`: who answers permission prompts. `stdio` sends them to the SDK as
    /// `can_use_tool` control requests (the CLI backend sets it when a permission callback is
    /// registered); an MCP tool name lets that tool answer.
    pub permission_prompt_tool: Option<String>,
    /// Working directory of the CLI process (there is no `--cwd` flag).
    pub cwd: Option<PathBuf>,
    /// `--add-dir`, once per directory.
    pub add_dirs: Vec<PathBuf>,
    /// Extra environment variables for the CLI process.
    pub env: BTreeMap<String, String>,
    /// `--mcp-config`: JSON strings or file paths.
    pub mcp_config: Vec<String>,
    /// `--strict-mcp-config`.
    pub strict_mcp_config: bool,
    /// `--setting-sources`.
    pub setting_sources: Option<Vec<SettingSource>>,
    /// `--settings` (JSON or path).
    pub settings: Option<String>,
    /// `--resume=<id>`.
    pub resume: Option<String>,
    /// `--continue`.
    pub continue_conversation: bool,
    /// `--fork-session` (with resume / continue).
    pub fork_session: bool,
    /// `--session-id=<uuid>`.
    pub session_id: Option<String>,
    /// `--no-session-persistence`.
    pub no_session_persistence: bool,
    /// `--include-partial-messages`: stream text deltas.
    pub include_partial_messages: bool,
    /// `--json-schema`: structured output.
    pub output_schema: Option<Value>,
    /// `--effort`.
    pub effort: Option<Effort>,
    /// `--betas`.
    pub betas: Vec<String>,
    /// Raw flags passed as they are: `("--flag", None)` or `("--flag", Some(value))`.
    pub extra_args: Vec<(String, Option<String>)>,
    /// A deadline for the whole request; past it the work is cancelled and a `timeout` error returned.
    pub timeout: Option<Duration>,
}

impl Options {
    /// Default options.
    pub fn new() -> Self {
        Options::default()
    }

    /// Checks the options for contradictions and bad values.
    pub fn validate(&self) -> Result<()> {
        if self.resume.is_some() && self.continue_conversation {
            return Err(Error::config(
                "`resume` and `continue_conversation` cannot be combined",
            ));
        }
        if self.fork_session && self.resume.is_none() && !self.continue_conversation {
            return Err(Error::config(
                "`fork_session` needs `resume` or `continue_conversation`",
            ));
        }
        if let Some(id) = &self.session_id
            && !is_uuid(id)
        {
            return Err(Error::config(format!(
                "`session_id` must be a UUID, got {id:?}"
            )));
        }
        if let Some(id) = &self.resume
            && id.trim().is_empty()
        {
            return Err(Error::config("`resume` must not be empty"));
        }
        if self.max_turns == Some(0) {
            return Err(Error::config("`max_turns` must be at least 1"));
        }
        if let Some(b) = self.max_budget_usd
            && !(b.is_finite() && b > 0.0)
        {
            return Err(Error::config(format!(
                "`max_budget_usd` must be a positive number, got {b}"
            )));
        }
        if self.timeout == Some(Duration::ZERO) {
            return Err(Error::config("`timeout` must be greater than zero"));
        }
        if let Some(s) = &self.output_schema
            && !s.is_object()
        {
            return Err(Error::config(
                "`output_schema` must be a JSON object (a JSON Schema)",
            ));
        }
        for k in self.env.keys() {
            if k.is_empty() || k.contains('=') || k.contains('\0') {
                return Err(Error::config(format!(
                    "invalid environment variable name {k:?}"
                )));
            }
        }
        if let Some(t) = &self.permission_prompt_tool
            && t.trim().is_empty()
        {
            return Err(Error::config("`permission_prompt_tool` must not be empty"));
        }
        for (flag, _) in &self.extra_args {
            if !flag.starts_with("--") || flag.len() < 3 {
                return Err(Error::config(format!(
                    "extra arg {flag:?} must start with `--`"
                )));
            }
        }
        Ok(())
    }

    /// Sets the model.
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.model = Some(model.into());
        self
    }
    /// Sets the fallback model.
    pub fn fallback_model(mut self, model: impl Into<String>) -> Self {
        self.fallback_model = Some(model.into());
        self
    }
    /// Sets the system prompt.
    pub fn system_prompt(mut self, prompt: impl Into<String>) -> Self {
        self.system_prompt = SystemPrompt::Text(prompt.into());
        self
    }
    /// Chooses the system prompt kind.
    pub fn system_prompt_kind(mut self, prompt: SystemPrompt) -> Self {
        self.system_prompt = prompt;
        self
    }
    /// Appends to the system prompt.
    pub fn append_system_prompt(mut self, text: impl Into<String>) -> Self {
        self.append_system_prompt = Some(text.into());
        self
    }
    /// Sets the maximum number of turns.
    pub fn max_turns(mut self, n: u32) -> Self {
        self.max_turns = Some(n);
        self
    }
    /// Sets the budget.
    pub fn max_budget_usd(mut self, usd: f64) -> Self {
        self.max_budget_usd = Some(usd);
        self
    }
    /// Adds permission allow rules.
    pub fn allowed_tools<I, S>(mut self, tools: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.allowed_tools.extend(tools.into_iter().map(Into::into));
        self
    }
    /// Adds disallowed tools.
    pub fn disallowed_tools<I, S>(mut self, tools: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.disallowed_tools
            .extend(tools.into_iter().map(Into::into));
        self
    }
    /// Sets the built-in tool set.
    pub fn tools<I, S>(mut self, tools: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.tools = Some(tools.into_iter().map(Into::into).collect());
        self
    }
    /// Sets the permission mode.
    pub fn permission_mode(mut self, mode: PermissionMode) -> Self {
        self.permission_mode = Some(mode);
        self
    }
    /// Sets who answers permission prompts (`stdio`, or an MCP tool name).
    pub fn permission_prompt_tool(mut self, tool: impl Into<String>) -> Self {
        self.permission_prompt_tool = Some(tool.into());
        self
    }
    /// Sets the working directory.
    pub fn cwd(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cwd = Some(dir.into());
        self
    }
    /// Adds an allowed directory.
    pub fn add_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.add_dirs.push(dir.into());
        self
    }
    /// Sets an environment variable for the CLI process.
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.insert(key.into(), value.into());
        self
    }
    /// Adds an MCP config (JSON or path).
    pub fn mcp_config(mut self, config: impl Into<String>) -> Self {
        self.mcp_config.push(config.into());
        self
    }
    /// Only use the given MCP configs.
    pub fn strict_mcp_config(mut self, yes: bool) -> Self {
        self.strict_mcp_config = yes;
        self
    }
    /// Sets the settings sources.
    pub fn setting_sources(mut self, sources: impl IntoIterator<Item = SettingSource>) -> Self {
        self.setting_sources = Some(sources.into_iter().collect());
        self
    }
    /// Sets settings (JSON or path).
    pub fn settings(mut self, settings: impl Into<String>) -> Self {
        self.settings = Some(settings.into());
        self
    }
    /// Resumes a CLI session by id.
    pub fn resume(mut self, session_id: impl Into<String>) -> Self {
        self.resume = Some(session_id.into());
        self
    }
    /// Continues the most recent session in the working directory.
    pub fn continue_conversation(mut self, yes: bool) -> Self {
        self.continue_conversation = yes;
        self
    }
    /// Forks instead of appending when resuming.
    pub fn fork_session(mut self, yes: bool) -> Self {
        self.fork_session = yes;
        self
    }
    /// Uses this UUID as the new session's id.
    pub fn session_id(mut self, id: impl Into<String>) -> Self {
        self.session_id = Some(id.into());
        self
    }
    /// Writes no transcript.
    pub fn no_session_persistence(mut self, yes: bool) -> Self {
        self.no_session_persistence = yes;
        self
    }
    /// Streams partial messages (text deltas).
    pub fn include_partial_messages(mut self, yes: bool) -> Self {
        self.include_partial_messages = yes;
        self
    }
    /// Asks for structured output matching a JSON Schema.
    pub fn output_schema(mut self, schema: Value) -> Self {
        self.output_schema = Some(schema);
        self
    }
    /// Sets the effort.
    pub fn effort(mut self, effort: Effort) -> Self {
        self.effort = Some(effort);
        self
    }
    /// Adds API betas.
    pub fn betas<I, S>(mut self, betas: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.betas.extend(betas.into_iter().map(Into::into));
        self
    }
    /// Passes a raw flag.
    pub fn extra_arg(mut self, flag: impl Into<String>, value: Option<String>) -> Self {
        self.extra_args.push((flag.into(), value));
        self
    }
    /// Sets a deadline for the whole request.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }
}

fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation() {
        assert!(Options::new().validate().is_ok());
        let bad = [
            Options::new().resume("a").continue_conversation(true),
            Options::new().fork_session(true),
            Options::new().session_id("nope"),
            Options::new().max_turns(0),
            Options::new().max_budget_usd(-1.0),
            Options::new().max_budget_usd(f64::NAN),
            Options::new().timeout(Duration::ZERO),
            Options::new().output_schema(Value::Bool(true)),
            Options::new().env("A=B", "x"),
            Options::new().extra_arg("-x", None),
            Options::new().permission_prompt_tool(" "),
        ];
        for o in bad {
            let e = o.validate().expect_err("should fail");
            assert_eq!(e.code(), crate::ErrorCode::Config);
        }
        for (text, mode) in [
            ("acceptEdits", PermissionMode::AcceptEdits),
            ("dontAsk", PermissionMode::DontAsk),
            ("manual", PermissionMode::Other("manual".into())),
        ] {
            assert_eq!(PermissionMode::from_cli_str(text), mode);
            let json = serde_json::to_value(&mode).unwrap();
            assert_eq!(json, serde_json::json!(text));
            let back: PermissionMode = serde_json::from_value(json).unwrap();
            assert_eq!(back, mode);
        }
        assert!(
            Options::new()
                .session_id("72d1fa3d-448c-4cc5-ae2e-672c7bc41682")
                .validate()
                .is_ok()
        );
    }
}
