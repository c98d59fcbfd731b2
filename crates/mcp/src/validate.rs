//! Checking a tool set before a query: names (and how the CLI turns them into
//! `mcp__<server>__<tool>`), collisions, schemas, sizes, and servers that fail to start. The
//! result is a [`ValidationReport`] (a struct with `Display`), never a panic.
//!
//! Limits used (from the MCP spec, the Messages API and the CLI's behaviour):
//! - MCP tool names: 1–128 characters of `A-Z a-z 0-9 _ - .` (the spec's SEP; rmcp warns alike).
//! - The name the model sees, `mcp__<server>__<tool>`, is built by the CLI after replacing every
//!   character outside `A-Z a-z 0-9 _ -` with `_`; the Messages API accepts tool names matching
//!   `^[a-zA-Z0-9_-]{1,128}$` and the pinned CLI silently drops a tool whose full name is longer
//!   (observed), so a longer full name is an error; one over 64 is a warning (other clients cap
//!   names at 64).
//! - Descriptions over [`MAX_DESCRIPTION_CHARS`] are truncated by the CLI: a warning.
//! - Input schemas over [`MAX_SCHEMA_BYTES`] cost context on every ToolSearch: a warning.

use std::collections::HashMap;
use std::fmt;

use serde_json::Value;

use crate::tool::Tool;

/// Longest full tool name the Messages API accepts.
pub const MAX_QUALIFIED_NAME: usize = 128;
/// Full tool names longer than this draw a warning.
pub const WARN_QUALIFIED_NAME: usize = 64;
/// Longest MCP tool name (spec).
pub const MAX_TOOL_NAME: usize = 128;
/// Descriptions longer than this are truncated by the CLI.
pub const MAX_DESCRIPTION_CHARS: usize = 2048;
/// Input schemas larger than this (serialized) draw a warning.
pub const MAX_SCHEMA_BYTES: usize = 16 * 1024;

/// How bad an issue is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Works, but probably not as intended.
    Warning,
    /// Will not work: the server does not build, or the CLI / API rejects or hides the tool.
    Error,
}

/// What kind of problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum IssueKind {
    /// A tool or server name breaks the naming rules.
    InvalidName,
    /// Two tools end up with the same name the model sees.
    DuplicateName,
    /// The input schema is not a usable JSON Schema object.
    InvalidSchema,
    /// A name, description or schema is too large.
    TooLarge,
    /// An external server could not be started or did not answer.
    ServerFailed,
}

impl IssueKind {
    /// Stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            IssueKind::InvalidName => "invalid_name",
            IssueKind::DuplicateName => "duplicate_name",
            IssueKind::InvalidSchema => "invalid_schema",
            IssueKind::TooLarge => "too_large",
            IssueKind::ServerFailed => "server_failed",
        }
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// Error or warning.
    pub severity: Severity,
    /// What kind.
    pub kind: IssueKind,
    /// The server.
    pub server: String,
    /// The tool, when the issue is about one.
    pub tool: Option<String>,
    /// What is wrong, for humans.
    pub message: String,
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{sev}[{}] {}", self.kind.as_str(), self.server)?;
        if let Some(t) = &self.tool {
            write!(f, "/{t}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// The findings for one or more servers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValidationReport {
    /// Every finding, in the order found.
    pub issues: Vec<Issue>,
    /// How many tools were checked.
    pub tools_checked: usize,
    /// How many servers were checked.
    pub servers_checked: usize,
}

impl fmt::Display for ValidationReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let errors = self.errors().count();
        let warnings = self.issues.len() - errors;
        write!(
            f,
            "{} server(s), {} tool(s): {errors} error(s), {warnings} warning(s)",
            self.servers_checked, self.tools_checked
        )?;
        for i in &self.issues {
            write!(f, "\n  {i}")?;
        }
        Ok(())
    }
}

impl ValidationReport {
    /// Checks one server's tools.
    pub fn for_tools(server: &str, tools: &[Tool]) -> Self {
        ValidationReport::for_entries(
            server,
            tools
                .iter()
                .map(|t| (t.name(), t.description(), t.input_schema())),
        )
    }

    /// Checks tool definitions as an MCP server lists them (e.g. a discovered server).
    pub fn for_definitions(server: &str, tools: &[rmcp::model::Tool]) -> Self {
        ValidationReport::for_entries(
            server,
            tools.iter().map(|t| {
                (
                    &*t.name,
                    t.description.as_deref().unwrap_or(""),
                    Value::Object((*t.input_schema).clone()),
                )
            }),
        )
    }

    /// One server's tools as (name, description, input schema): each checked, and names that
    /// collide once the CLI qualifies them (`mcp__server__tool`) flagged.
    fn for_entries<'a>(
        server: &str,
        tools: impl Iterator<Item = (&'a str, &'a str, Value)>,
    ) -> Self {
        let mut r = ValidationReport {
            servers_checked: 1,
            ..Default::default()
        };
        r.check_server_name(server);
        let mut seen: HashMap<String, String> = HashMap::new();
        for (name, description, schema) in tools {
            r.tools_checked += 1;
            r.check_tool(server, name, description, &schema);
            let q = qualified_name(server, name);
            if let Some(first) = seen.insert(q.clone(), name.to_owned()) {
                r.push(
                    Severity::Error,
                    IssueKind::DuplicateName,
                    server,
                    Some(name),
                    if first == name {
                        format!("the tool name `{name}` is used twice")
                    } else {
                        format!("`{name}` and `{first}` both become `{q}`")
                    },
                );
            }
        }
        r
    }

    /// Merges reports and flags full names that collide *across* servers (e.g. server `a__b`
    /// with tool `c` and server `a` with tool `b__c` are both `mcp__a__b__c`), and server names
    /// used twice.
    pub fn merge(reports: Vec<ValidationReport>, names: &[(String, Vec<String>)]) -> Self {
        let mut r = ValidationReport::default();
        for x in reports {
            r.issues.extend(x.issues);
            r.tools_checked += x.tools_checked;
            r.servers_checked += x.servers_checked;
        }
        let mut servers: HashMap<String, &str> = HashMap::new();
        let mut full: HashMap<String, (String, String)> = HashMap::new();
        for (server, tools) in names {
            if let Some(first) = servers.insert(normalize(server), server) {
                r.push(
                    Severity::Error,
                    IssueKind::DuplicateName,
                    server,
                    None,
                    format!("server name collides with `{first}`"),
                );
                continue;
            }
            for t in tools {
                let q = qualified_name(server, t);
                if let Some((s0, t0)) = full.get(&q)
                    && s0 != server
                {
                    let msg = format!("`{q}` is also `{s0}`/`{t0}`");
                    r.push(
                        Severity::Error,
                        IssueKind::DuplicateName,
                        server,
                        Some(t),
                        msg,
                    );
                } else {
                    full.insert(q, (server.clone(), t.clone()));
                }
            }
        }
        r
    }

    /// Whether any issue is an error.
    pub fn has_errors(&self) -> bool {
        self.errors().next().is_some()
    }

    /// Whether nothing was found at all.
    pub fn is_clean(&self) -> bool {
        self.issues.is_empty()
    }

    /// The errors.
    pub fn errors(&self) -> impl Iterator<Item = &Issue> {
        self.issues.iter().filter(|i| i.severity == Severity::Error)
    }

    /// The warnings.
    pub fn warnings(&self) -> impl Iterator<Item = &Issue> {
        self.issues
            .iter()
            .filter(|i| i.severity == Severity::Warning)
    }

    /// The issues of one kind.
    pub fn of_kind(&self, kind: IssueKind) -> impl Iterator<Item = &Issue> {
        self.issues.iter().filter(move |i| i.kind == kind)
    }

    /// The errors on one line (for error messages).
    pub fn error_summary(&self) -> String {
        self.errors()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Adds an issue.
    pub fn push(
        &mut self,
        severity: Severity,
        kind: IssueKind,
        server: &str,
        tool: Option<&str>,
        message: impl Into<String>,
    ) {
        self.issues.push(Issue {
            severity,
            kind,
            server: server.to_owned(),
            tool: tool.map(str::to_owned),
            message: message.into(),
        });
    }

    fn check_server_name(&mut self, server: &str) {
        if server.is_empty() {
            self.push(
                Severity::Error,
                IssueKind::InvalidName,
                server,
                None,
                "the server name is empty",
            );
        } else if !server.chars().all(is_api_char) {
            self.push(
                Severity::Warning,
                IssueKind::InvalidName,
                server,
                None,
                format!(
                    "the CLI replaces characters outside [A-Za-z0-9_-]: the model sees `mcp__{}__…`",
                    normalize(server)
                ),
            );
        }
        if server.contains("__") {
            self.push(
                Severity::Warning,
                IssueKind::InvalidName,
                server,
                None,
                "a `__` in the server name makes `mcp__server__tool` ambiguous",
            );
        }
    }

    fn check_tool(&mut self, server: &str, name: &str, description: &str, schema: &Value) {
        let tool = Some(name);
        if name.is_empty() {
            self.push(
                Severity::Error,
                IssueKind::InvalidName,
                server,
                tool,
                "the tool name is empty",
            );
        } else if name.chars().count() > MAX_TOOL_NAME {
            self.push(
                Severity::Error,
                IssueKind::InvalidName,
                server,
                tool,
                format!("the tool name is longer than {MAX_TOOL_NAME} characters"),
            );
        } else if !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        {
            self.push(
                Severity::Error,
                IssueKind::InvalidName,
                server,
                tool,
                "MCP tool names may only use A-Z a-z 0-9 _ - .",
            );
        }
        let q = qualified_name(server, name);
        if q.len() > MAX_QUALIFIED_NAME {
            self.push(
                Severity::Error,
                IssueKind::TooLarge,
                server,
                tool,
                format!(
                    "`{q}` is {} characters; the API accepts at most {MAX_QUALIFIED_NAME}",
                    q.len()
                ),
            );
        } else if q.len() > WARN_QUALIFIED_NAME {
            self.push(
                Severity::Warning,
                IssueKind::TooLarge,
                server,
                tool,
                format!("`{q}` is longer than {WARN_QUALIFIED_NAME} characters"),
            );
        }
        if description.trim().is_empty() {
            self.push(
                Severity::Warning,
                IssueKind::InvalidSchema,
                server,
                tool,
                "no description: the model cannot tell when to use it",
            );
        } else if description.chars().count() > MAX_DESCRIPTION_CHARS {
            self.push(
                Severity::Warning,
                IssueKind::TooLarge,
                server,
                tool,
                format!("the description is longer than {MAX_DESCRIPTION_CHARS} characters and will be truncated"),
            );
        }
        for problem in schema_problems(schema) {
            self.push(
                Severity::Error,
                IssueKind::InvalidSchema,
                server,
                tool,
                problem,
            );
        }
        let size = schema.to_string().len();
        if size > MAX_SCHEMA_BYTES {
            self.push(
                Severity::Warning,
                IssueKind::TooLarge,
                server,
                tool,
                format!("the input schema is {size} bytes (over {MAX_SCHEMA_BYTES})"),
            );
        }
    }
}

fn is_api_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// What the CLI does to server and tool names: every character outside `A-Z a-z 0-9 _ -`
/// becomes `_`.
pub fn normalize(name: &str) -> String {
    name.chars()
        .map(|c| if is_api_char(c) { c } else { '_' })
        .collect()
}

/// The name the model (and `--allowedTools`) sees: `mcp__<server>__<tool>`.
pub fn qualified_name(server: &str, tool: &str) -> String {
    format!("mcp__{}__{}", normalize(server), normalize(tool))
}

const JSON_TYPES: [&str; 7] = [
    "object", "array", "string", "number", "integer", "boolean", "null",
];

/// Structural problems with a tool's input schema: the root must be an object schema;
/// `properties` an object of schemas; `required` a list of property names; every `type` a
/// JSON type name.
pub fn schema_problems(schema: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let Some(root) = schema.as_object() else {
        out.push("the input schema is not a JSON object".to_owned());
        return out;
    };
    match root.get("type") {
        Some(Value::String(t)) if t == "object" => {}
        Some(t) => out.push(format!(
            "the input schema's root type must be \"object\", not {t}"
        )),
        None => out.push("the input schema has no `\"type\": \"object\"`".to_owned()),
    }
    let props = match root.get("properties") {
        None => None,
        Some(Value::Object(p)) => Some(p),
        Some(_) => {
            out.push("`properties` must be an object".to_owned());
            None
        }
    };
    match root.get("required") {
        None => {}
        Some(Value::Array(req)) => {
            for r in req {
                match r.as_str() {
                    Some(name) if props.is_some_and(|p| p.contains_key(name)) => {}
                    Some(name) => out.push(format!(
                        "`required` names `{name}`, which is not in `properties`"
                    )),
                    None => out.push(format!("`required` holds {r}, not a property name")),
                }
            }
        }
        Some(_) => out.push("`required` must be an array of property names".to_owned()),
    }
    check_types(schema, "#", &mut out, 0);
    out
}

fn check_types(schema: &Value, path: &str, out: &mut Vec<String>, depth: usize) {
    if depth > 64 {
        out.push(format!("{path}: the schema nests deeper than 64 levels"));
        return;
    }
    let Some(obj) = schema.as_object() else {
        if !schema.is_boolean() {
            out.push(format!(
                "{path}: a schema must be an object or a boolean, not {schema}"
            ));
        }
        return;
    };
    match obj.get("type") {
        None => {}
        Some(Value::String(t)) if JSON_TYPES.contains(&t.as_str()) => {}
        Some(Value::Array(ts))
            if ts
                .iter()
                .all(|t| t.as_str().is_some_and(|t| JSON_TYPES.contains(&t))) => {}
        Some(t) => out.push(format!("{path}: unknown type {t}")),
    }
    if let Some(Value::Object(props)) = obj.get("properties") {
        for (k, v) in props {
            check_types(v, &format!("{path}/properties/{k}"), out, depth + 1);
        }
    }
    if let Some(items) = obj.get("items") {
        check_types(items, &format!("{path}/items"), out, depth + 1);
    }
    for key in ["$defs", "definitions"] {
        if let Some(Value::Object(defs)) = obj.get(key) {
            for (k, v) in defs {
                check_types(v, &format!("{path}/{key}/{k}"), out, depth + 1);
            }
        }
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(Value::Array(xs)) = obj.get(key) {
            for (i, v) in xs.iter().enumerate() {
                check_types(v, &format!("{path}/{key}/{i}"), out, depth + 1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::tool::ToolOutput;
    use serde_json::json;

    fn raw(name: &str, schema: Value) -> Tool {
        Tool::from_json_fn(
            name.to_owned(),
            "does things",
            schema.as_object().cloned().unwrap_or_default(),
            |_| async { ToolOutput::text("ok") },
        )
    }

    #[test]
    fn flags_a_duplicate_and_an_invalid_schema() {
        let ok = json!({"type":"object","properties":{"a":{"type":"number"}},"required":["a"]});
        let bad = json!({"type":"object","properties":{"a":{"type":"float"}},"required":["b"]});
        let r = ValidationReport::for_tools(
            "calc",
            &[raw("add", ok.clone()), raw("add", ok), raw("mul", bad)],
        );
        assert!(r.has_errors());
        let dups: Vec<_> = r.of_kind(IssueKind::DuplicateName).collect();
        assert_eq!(dups.len(), 1, "{r}");
        assert_eq!(dups[0].tool.as_deref(), Some("add"));
        let schema: Vec<_> = r.of_kind(IssueKind::InvalidSchema).collect();
        assert_eq!(schema.len(), 2, "{r}");
        assert!(schema.iter().all(|i| i.tool.as_deref() == Some("mul")));
        let text = r.to_string();
        assert!(
            text.starts_with("1 server(s), 3 tool(s): 3 error(s)"),
            "{text}"
        );
        assert!(text.contains("error[duplicate_name] calc/add"), "{text}");
        assert!(text.contains("unknown type \"float\""), "{text}");
    }

    #[test]
    fn names_collide_after_the_clis_normalisation() {
        let s = json!({"type":"object"});
        let r = ValidationReport::for_tools("srv", &[raw("a.b", s.clone()), raw("a_b", s)]);
        let d: Vec<_> = r.of_kind(IssueKind::DuplicateName).collect();
        assert_eq!(d.len(), 1, "{r}");
        assert!(d[0].message.contains("mcp__srv__a_b"), "{r}");
        let merged = ValidationReport::merge(
            vec![],
            &[
                ("a__b".into(), vec!["c".into()]),
                ("a".into(), vec!["b__c".into()]),
            ],
        );
        assert_eq!(
            merged.of_kind(IssueKind::DuplicateName).count(),
            1,
            "{merged}"
        );
    }

    #[test]
    fn names_and_sizes() {
        let s = json!({"type":"object"});
        let long = "x".repeat(130);
        let r = ValidationReport::for_tools(
            "s",
            &[
                raw(&long, s.clone()),
                raw("has space", s.clone()),
                raw("", s),
            ],
        );
        assert_eq!(r.of_kind(IssueKind::InvalidName).count(), 3, "{r}");
        let r =
            ValidationReport::for_tools("s", &[raw(&"y".repeat(100), json!({"type":"object"}))]);
        // `mcp__s__` + 100 = 108 characters: accepted, with a warning.
        assert!(!r.has_errors(), "{r}");
        assert_eq!(
            r.warnings()
                .filter(|i| i.kind == IssueKind::TooLarge)
                .count(),
            1,
            "{r}"
        );
    }

    #[test]
    fn schema_rules() {
        assert!(schema_problems(&json!({"type":"object"})).is_empty());
        assert!(!schema_problems(&json!({"type":"string"})).is_empty());
        assert!(!schema_problems(&json!(42)).is_empty());
        assert!(!schema_problems(&json!({"type":"object","properties":[]})).is_empty());
        assert!(schema_problems(&json!({"type":"object","properties":{"x":{"anyOf":[{"type":"string"},{"type":"null"}]}}})).is_empty());
    }
}
