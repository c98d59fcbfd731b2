//! The CLI's command line and environment for a set of [`Options`].
//!
//! Only flags the pinned CLI has are ever emitted (see `shared/CLI-REFERENCE.md` §5). The prompt
//! never goes in argv: it is written to stdin as stream-json, so a prompt such as `--help` is text.
//! Flags with values use the `--flag=value` form, so a value starting with `-` is never read as a flag.

use claude_sdk_core::{Options, PermissionMode, SystemPrompt};

use crate::config::CliConfig;

/// `CLAUDE_CODE_ENTRYPOINT` value: shows up in the CLI's User-Agent.
pub const ENTRYPOINT: &str = "sdk-rust";

/// The arguments for a stream-json session with these options.
pub fn build_args(opts: &Options) -> Vec<String> {
    let mut a: Vec<String> = vec!["--output-format=stream-json".into(), "--verbose".into()];
    let kv = |a: &mut Vec<String>, flag: &str, value: &str| a.push(format!("{flag}={value}"));

    match &opts.system_prompt {
        SystemPrompt::Minimal => kv(&mut a, "--system-prompt", ""),
        SystemPrompt::ClaudeCode => {}
        SystemPrompt::Text(s) => kv(&mut a, "--system-prompt", s),
        SystemPrompt::File(p) => kv(&mut a, "--system-prompt-file", &p.to_string_lossy()),
    }
    if let Some(s) = &opts.append_system_prompt {
        kv(&mut a, "--append-system-prompt", s);
    }
    if let Some(tools) = &opts.tools {
        kv(&mut a, "--tools", &tools.join(","));
    }
    if !opts.allowed_tools.is_empty() {
        kv(&mut a, "--allowedTools", &opts.allowed_tools.join(","));
    }
    if let Some(n) = opts.max_turns {
        kv(&mut a, "--max-turns", &n.to_string());
    }
    if let Some(b) = opts.max_budget_usd {
        kv(&mut a, "--max-budget-usd", &b.to_string());
    }
    if !opts.disallowed_tools.is_empty() {
        kv(
            &mut a,
            "--disallowedTools",
            &opts.disallowed_tools.join(","),
        );
    }
    if let Some(m) = &opts.model {
        kv(&mut a, "--model", m);
    }
    if let Some(m) = &opts.fallback_model {
        kv(&mut a, "--fallback-model", m);
    }
    if !opts.betas.is_empty() {
        kv(&mut a, "--betas", &opts.betas.join(","));
    }
    match &opts.permission_mode {
        None | Some(PermissionMode::Default) => {}
        Some(m) => kv(&mut a, "--permission-mode", m.as_str()),
    }
    if let Some(t) = &opts.permission_prompt_tool {
        kv(&mut a, "--permission-prompt-tool", t);
    }
    if opts.continue_conversation {
        a.push("--continue".into());
    }
    if let Some(id) = &opts.resume {
        kv(&mut a, "--resume", id);
    }
    if let Some(id) = &opts.session_id {
        kv(&mut a, "--session-id", id);
    }
    if let Some(s) = &opts.settings {
        kv(&mut a, "--settings", s);
    }
    for d in &opts.add_dirs {
        kv(&mut a, "--add-dir", &d.to_string_lossy());
    }
    for c in &opts.mcp_config {
        kv(&mut a, "--mcp-config", c);
    }
    if opts.strict_mcp_config {
        a.push("--strict-mcp-config".into());
    }
    if opts.include_partial_messages {
        a.push("--include-partial-messages".into());
    }
    if opts.fork_session {
        a.push("--fork-session".into());
    }
    if opts.no_session_persistence {
        a.push("--no-session-persistence".into());
    }
    if let Some(sources) = &opts.setting_sources {
        let s: Vec<&str> = sources.iter().map(|s| s.as_str()).collect();
        kv(&mut a, "--setting-sources", &s.join(","));
    }
    if let Some(e) = opts.effort {
        kv(&mut a, "--effort", e.as_str());
    }
    if let Some(schema) = &opts.output_schema {
        kv(&mut a, "--json-schema", &schema.to_string());
    }
    for (flag, value) in &opts.extra_args {
        match value {
            Some(v) => kv(&mut a, flag, v),
            None => a.push(flag.clone()),
        }
    }
    a.push("--input-format=stream-json".into());
    a
}

/// Environment changes for the child: variables to set (the parent's environment is inherited
/// minus `CLAUDECODE`, which would make a nested CLI refuse to start).
pub fn build_env(opts: &Options, config: &CliConfig) -> Vec<(String, String)> {
    let mut env = vec![
        ("CLAUDE_CODE_ENTRYPOINT".to_owned(), ENTRYPOINT.to_owned()),
        (
            "CLAUDE_AGENT_SDK_VERSION".to_owned(),
            env!("CARGO_PKG_VERSION").to_owned(),
        ),
    ];
    if let Some(n) = config.cli_max_retries {
        env.push(("CLAUDE_CODE_MAX_RETRIES".to_owned(), n.to_string()));
    }
    if let Some(cwd) = &opts.cwd {
        env.push(("PWD".to_owned(), cwd.to_string_lossy().into_owned()));
    }
    // The user's own variables win.
    env.extend(opts.env.iter().map(|(k, v)| (k.clone(), v.clone())));
    env
}

/// Variables removed from the inherited environment.
pub const ENV_REMOVE: [&str; 1] = ["CLAUDECODE"];

#[cfg(test)]
mod tests {
    use super::*;
    use claude_sdk_core::{Effort, SettingSource};

    #[test]
    fn defaults() {
        assert_eq!(
            build_args(&Options::new()),
            [
                "--output-format=stream-json",
                "--verbose",
                "--system-prompt=",
                "--input-format=stream-json"
            ]
        );
    }

    #[test]
    fn every_option_maps_to_a_real_flag() {
        let o = Options::new()
            .model("sonnet")
            .fallback_model("haiku")
            .system_prompt("-p is text")
            .append_system_prompt("more")
            .max_turns(3)
            .max_budget_usd(0.5)
            .allowed_tools(["Read", "Bash(git *)"])
            .disallowed_tools(["Write"])
            .tools(["Read"])
            .permission_mode(PermissionMode::AcceptEdits)
            .permission_prompt_tool("stdio")
            .add_dir("/tmp/a")
            .mcp_config("{\"mcpServers\":{}}")
            .strict_mcp_config(true)
            .setting_sources([SettingSource::User, SettingSource::Project])
            .settings("{}")
            .resume("-weird-id")
            .fork_session(true)
            .include_partial_messages(true)
            .no_session_persistence(true)
            .output_schema(serde_json::json!({"type":"object"}))
            .effort(Effort::High)
            .betas(["b1"])
            .extra_arg("--debug-file", Some("/tmp/d".into()));
        let args = build_args(&o);
        let expected = [
            "--output-format=stream-json",
            "--verbose",
            "--system-prompt=-p is text",
            "--append-system-prompt=more",
            "--tools=Read",
            "--allowedTools=Read,Bash(git *)",
            "--max-turns=3",
            "--max-budget-usd=0.5",
            "--disallowedTools=Write",
            "--model=sonnet",
            "--fallback-model=haiku",
            "--betas=b1",
            "--permission-mode=acceptEdits",
            "--permission-prompt-tool=stdio",
            "--resume=-weird-id",
            "--settings={}",
            "--add-dir=/tmp/a",
            "--mcp-config={\"mcpServers\":{}}",
            "--strict-mcp-config",
            "--include-partial-messages",
            "--fork-session",
            "--no-session-persistence",
            "--setting-sources=user,project",
            "--effort=high",
            "--json-schema={\"type\":\"object\"}",
            "--debug-file=/tmp/d",
            "--input-format=stream-json",
        ];
        assert_eq!(args, expected);
        // Flags the CLI does not have must never appear.
        for bad in [
            "--max-tokens",
            "--temperature",
            "--cwd",
            "--api-key",
            "-p",
            "--print",
        ] {
            assert!(
                !args
                    .iter()
                    .any(|a| a == bad || a.starts_with(&format!("{bad}="))),
                "{bad}"
            );
        }
    }

    #[test]
    fn env_sets_entrypoint_and_user_wins() {
        let env = build_env(
            &Options::new()
                .env("CLAUDE_CODE_ENTRYPOINT", "mine")
                .cwd("/w"),
            &CliConfig::new().cli_max_retries(0),
        );
        let last = |k: &str| {
            env.iter()
                .rev()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(last("CLAUDE_CODE_ENTRYPOINT"), Some("mine"));
        assert_eq!(last("CLAUDE_CODE_MAX_RETRIES"), Some("0"));
        assert_eq!(last("PWD"), Some("/w"));
    }
}
