//! Permission prompts: the CLI's `can_use_tool` request (sent only with
//! `--permission-prompt-tool=stdio`, and only when a rule would otherwise prompt), answered by a
//! user callback with [`PermissionResult`].
//!
//! ```
//! use claude_sdk_backend_cli::control::permission::{PermissionRequest, PermissionResult};
//! use claude_sdk_backend_cli::ControlRouter;
//!
//! let router = ControlRouter::new().can_use_tool(|req: PermissionRequest| async move {
//!     if req.tool_name == "Bash" {
//!         PermissionResult::deny("no shell here")
//!     } else {
//!         PermissionResult::allow()
//!     }
//! });
//! # let _ = router;
//! ```

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use claude_sdk_core::PermissionMode;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{CallbackOutput, callback_output, open_enum};

open_enum! {
    /// What a permission rule does.
    PermissionBehavior {
        /// Allow without asking.
        Allow = "allow",
        /// Deny.
        Deny = "deny",
        /// Ask.
        Ask = "ask",
    }
}

open_enum! {
    /// Where a permission update applies and is kept.
    PermissionDestination {
        /// In memory, for this session.
        Session = "session",
        /// `.claude/settings.local.json`.
        LocalSettings = "localSettings",
        /// `.claude/settings.json`.
        ProjectSettings = "projectSettings",
        /// `~/.claude/settings.json`.
        UserSettings = "userSettings",
    }
}

#[allow(clippy::derivable_impls)] // the enum comes from `open_enum!`
impl Default for PermissionDestination {
    fn default() -> Self {
        PermissionDestination::Session
    }
}

/// A permission rule: a tool, optionally narrowed (`Bash` + `npm test`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PermissionRule {
    /// The tool name.
    #[serde(rename = "toolName")]
    pub tool_name: String,
    /// What the rule matches within the tool; `None` covers every use of the tool. (The CLI
    /// rejects a `null` here, so it is left out rather than sent as null.)
    #[serde(
        rename = "ruleContent",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub rule_content: Option<String>,
    /// Unmodelled fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl PermissionRule {
    /// A rule for every use of `tool`.
    pub fn tool(tool: impl Into<String>) -> Self {
        PermissionRule {
            tool_name: tool.into(),
            rule_content: None,
            extra: Map::new(),
        }
    }

    /// A rule for `tool` narrowed by `content` (for Bash: the command).
    pub fn new(tool: impl Into<String>, content: impl Into<String>) -> Self {
        PermissionRule {
            rule_content: Some(content.into()),
            ..PermissionRule::tool(tool)
        }
    }
}

/// A change to the permission rules, as the CLI suggests it (`permission_suggestions`) and as an
/// allow answer may apply it (`updatedPermissions`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
#[non_exhaustive]
pub enum PermissionUpdate {
    /// Add rules.
    AddRules {
        /// The rules.
        rules: Vec<PermissionRule>,
        /// What they do.
        behavior: PermissionBehavior,
        /// Where they apply.
        #[serde(default)]
        destination: PermissionDestination,
    },
    /// Replace the rules of a behavior.
    ReplaceRules {
        /// The rules.
        rules: Vec<PermissionRule>,
        /// What they do.
        behavior: PermissionBehavior,
        /// Where they apply.
        #[serde(default)]
        destination: PermissionDestination,
    },
    /// Remove rules.
    RemoveRules {
        /// The rules.
        rules: Vec<PermissionRule>,
        /// What they did.
        behavior: PermissionBehavior,
        /// Where they applied.
        #[serde(default)]
        destination: PermissionDestination,
    },
    /// Switch the permission mode.
    SetMode {
        /// The new mode.
        mode: PermissionMode,
        /// Where it applies.
        #[serde(default)]
        destination: PermissionDestination,
    },
    /// Allow more directories.
    AddDirectories {
        /// The directories.
        directories: Vec<String>,
        /// Where they apply.
        #[serde(default)]
        destination: PermissionDestination,
    },
    /// Remove allowed directories.
    RemoveDirectories {
        /// The directories.
        directories: Vec<String>,
        /// Where they applied.
        #[serde(default)]
        destination: PermissionDestination,
    },
    /// An update this version does not know (or cannot read), verbatim.
    #[serde(untagged)]
    Unknown(Value),
}

impl PermissionUpdate {
    /// Adds allow rules for this session.
    pub fn allow_rules(rules: impl IntoIterator<Item = PermissionRule>) -> Self {
        PermissionUpdate::AddRules {
            rules: rules.into_iter().collect(),
            behavior: PermissionBehavior::Allow,
            destination: PermissionDestination::Session,
        }
    }

    /// Adds deny rules for this session.
    pub fn deny_rules(rules: impl IntoIterator<Item = PermissionRule>) -> Self {
        PermissionUpdate::AddRules {
            rules: rules.into_iter().collect(),
            behavior: PermissionBehavior::Deny,
            destination: PermissionDestination::Session,
        }
    }

    /// Switches the permission mode for this session.
    pub fn set_mode(mode: PermissionMode) -> Self {
        PermissionUpdate::SetMode {
            mode,
            destination: PermissionDestination::Session,
        }
    }

    /// Allows more directories for this session.
    pub fn add_directories<I, S>(dirs: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        PermissionUpdate::AddDirectories {
            directories: dirs.into_iter().map(Into::into).collect(),
            destination: PermissionDestination::Session,
        }
    }
}

/// A `can_use_tool` request: the tool, its input, and why the CLI asks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PermissionRequest {
    /// The tool (`Bash`, `Write`, `mcp__calc__add`, …).
    pub tool_name: String,
    /// Its input.
    #[serde(default)]
    pub input: Value,
    /// Rule changes the CLI suggests (what "always allow" would apply).
    #[serde(
        rename = "permission_suggestions",
        default,
        deserialize_with = "null_as_empty"
    )]
    pub suggestions: Vec<PermissionUpdate>,
    /// The path that triggered the prompt, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked_path: Option<String>,
    /// The tool call's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_use_id: Option<String>,
    /// Why the prompt escalated (e.g. a PreToolUse hook's `ask` reason).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_reason: Option<String>,
    /// A machine-readable kind of `decision_reason` (`rule`, `hook`, `safetyCheck`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_reason_type: Option<String>,
    /// The full prompt sentence, when the CLI has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// A short label for the action.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// A subtitle for the prompt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The sub-agent asking, if not the main thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// For MCP tools: `{"name":…,"source":…}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mcp_server: Option<Value>,
    /// Unmodelled fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

fn null_as_empty<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Vec<PermissionUpdate>, D::Error> {
    Ok(Option::<Vec<PermissionUpdate>>::deserialize(d)?.unwrap_or_default())
}

impl PermissionRequest {
    /// A request for `tool_name` with `input` and nothing else.
    pub fn new(tool_name: impl Into<String>, input: Value) -> Self {
        PermissionRequest {
            tool_name: tool_name.into(),
            input,
            suggestions: Vec::new(),
            blocked_path: None,
            tool_use_id: None,
            decision_reason: None,
            decision_reason_type: None,
            title: None,
            display_name: None,
            description: None,
            agent_id: None,
            mcp_server: None,
            extra: Map::new(),
        }
    }

    /// Reads the fields of a `can_use_tool` request. Fields of an unexpected shape are kept in
    /// `extra` rather than failing the request.
    pub fn from_wire(tool_name: String, input: Value, extra: Map<String, Value>) -> Self {
        let mut obj = extra.clone();
        obj.insert("tool_name".into(), Value::String(tool_name.clone()));
        obj.insert("input".into(), input.clone());
        match serde_json::from_value(Value::Object(obj)) {
            Ok(req) => req,
            Err(e) => {
                tracing::debug!("can_use_tool fields of an unexpected shape: {e}");
                PermissionRequest {
                    extra,
                    ..PermissionRequest::new(tool_name, input)
                }
            }
        }
    }
}

/// The answer to a permission prompt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "behavior", rename_all = "lowercase")]
#[non_exhaustive]
pub enum PermissionResult {
    /// Run the tool.
    Allow {
        /// Run it with this input instead (`None`: the original input is sent back, as the CLI
        /// expects an `updatedInput` on every allow).
        #[serde(
            rename = "updatedInput",
            default,
            skip_serializing_if = "Option::is_none"
        )]
        updated_input: Option<Value>,
        /// Rule changes to apply along with this allow.
        #[serde(
            rename = "updatedPermissions",
            default,
            skip_serializing_if = "Vec::is_empty"
        )]
        updated_permissions: Vec<PermissionUpdate>,
    },
    /// Do not run it; the model sees `message` as the tool's error result.
    Deny {
        /// Why.
        #[serde(default)]
        message: String,
        /// Also stop the whole turn.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        interrupt: bool,
    },
}

impl PermissionResult {
    /// Allow with the original input.
    pub fn allow() -> Self {
        PermissionResult::Allow {
            updated_input: None,
            updated_permissions: Vec::new(),
        }
    }

    /// Allow, running the tool with `input` instead.
    pub fn allow_with_input(input: Value) -> Self {
        PermissionResult::Allow {
            updated_input: Some(input),
            updated_permissions: Vec::new(),
        }
    }

    /// Deny with a message for the model.
    pub fn deny(message: impl Into<String>) -> Self {
        PermissionResult::Deny {
            message: message.into(),
            interrupt: false,
        }
    }

    /// Deny and stop the turn.
    pub fn deny_and_interrupt(message: impl Into<String>) -> Self {
        PermissionResult::Deny {
            message: message.into(),
            interrupt: true,
        }
    }

    /// Adds permission updates to an allow (a deny is returned unchanged).
    pub fn with_updates(mut self, updates: impl IntoIterator<Item = PermissionUpdate>) -> Self {
        if let PermissionResult::Allow {
            updated_permissions,
            ..
        } = &mut self
        {
            updated_permissions.extend(updates);
        }
        self
    }

    /// Whether this allows the tool.
    pub fn is_allow(&self) -> bool {
        matches!(self, PermissionResult::Allow { .. })
    }

    /// The answer payload for the CLI. An allow always carries `updatedInput` (the original
    /// input when unchanged), as the CLI requires.
    pub fn to_wire(&self, original_input: &Value) -> Value {
        let mut v = serde_json::to_value(self).unwrap_or(Value::Null);
        if let (PermissionResult::Allow { updated_input, .. }, Some(obj)) =
            (self, v.as_object_mut())
            && updated_input.is_none()
        {
            obj.insert("updatedInput".into(), original_input.clone());
        }
        v
    }
}

callback_output!(PermissionResult);

/// A permission callback: `async fn(PermissionRequest) -> PermissionResult` (or a `Result` of
/// it). Implemented for every such closure.
pub trait CanUseTool: Send + Sync + 'static {
    /// Decides one prompt. An `Err` denies the tool with its text.
    fn can_use_tool(
        &self,
        request: PermissionRequest,
    ) -> impl Future<Output = Result<PermissionResult, String>> + Send;
}

impl<F, Fut, R> CanUseTool for F
where
    F: Fn(PermissionRequest) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = R> + Send,
    R: CallbackOutput<PermissionResult>,
{
    async fn can_use_tool(&self, request: PermissionRequest) -> Result<PermissionResult, String> {
        self(request).await.into_result()
    }
}

type BoxFut<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// A type-erased [`CanUseTool`] (the boxed-future adapter).
#[derive(Clone)]
pub struct DynCanUseTool(
    Arc<dyn Fn(PermissionRequest) -> BoxFut<Result<PermissionResult, String>> + Send + Sync>,
);

impl DynCanUseTool {
    /// Erases a callback.
    pub fn new(callback: impl CanUseTool) -> Self {
        let callback = Arc::new(callback);
        DynCanUseTool(Arc::new(move |req| {
            let callback = callback.clone();
            Box::pin(async move { callback.can_use_tool(req).await })
        }))
    }

    /// Runs the callback.
    pub fn call(&self, request: PermissionRequest) -> BoxFut<Result<PermissionResult, String>> {
        (self.0)(request)
    }
}

impl std::fmt::Debug for DynCanUseTool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DynCanUseTool")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn request_reads_the_observed_wire_shape() {
        let wire = json!({
            "display_name": "Bash",
            "description": "touch",
            "permission_suggestions": [
                {"type":"addRules","rules":[{"toolName":"Bash","ruleContent":"touch x"}],"behavior":"allow","destination":"localSettings"},
                {"type":"addDirectories","directories":["/home/u/proj"],"destination":"session"},
                {"type":"setMode","mode":"acceptEdits","destination":"session"},
                {"type":"someFutureUpdate","x":1}
            ],
            "blocked_path": "/home/u/proj/created.txt",
            "tool_use_id": "toolu_1",
            "brand_new_field": true
        });
        let Value::Object(extra) = wire else { panic!() };
        let req = PermissionRequest::from_wire("Bash".into(), json!({"command": "touch x"}), extra);
        assert_eq!(req.tool_name, "Bash");
        assert_eq!(req.input["command"], "touch x");
        assert_eq!(
            req.blocked_path.as_deref(),
            Some("/home/u/proj/created.txt")
        );
        assert_eq!(req.tool_use_id.as_deref(), Some("toolu_1"));
        assert_eq!(req.display_name.as_deref(), Some("Bash"));
        assert_eq!(req.extra["brand_new_field"], true);
        assert_eq!(req.suggestions.len(), 4);
        assert_eq!(
            req.suggestions[0],
            PermissionUpdate::AddRules {
                rules: vec![PermissionRule::new("Bash", "touch x")],
                behavior: PermissionBehavior::Allow,
                destination: PermissionDestination::LocalSettings,
            }
        );
        assert_eq!(
            req.suggestions[2],
            PermissionUpdate::SetMode {
                mode: PermissionMode::AcceptEdits,
                destination: PermissionDestination::Session
            }
        );
        assert!(matches!(&req.suggestions[3], PermissionUpdate::Unknown(v) if v["x"] == 1));
        // Round trip keeps the unknown update verbatim.
        let back = serde_json::to_value(&req.suggestions).unwrap();
        assert_eq!(back[3], json!({"type":"someFutureUpdate","x":1}));
    }

    #[test]
    fn odd_fields_do_not_fail_the_request() {
        let Value::Object(extra) = json!({"permission_suggestions": null, "tool_use_id": 5}) else {
            panic!()
        };
        let req = PermissionRequest::from_wire("Write".into(), json!({}), extra);
        assert_eq!(req.tool_name, "Write");
        assert!(req.suggestions.is_empty());
        assert_eq!(req.extra["tool_use_id"], 5);
    }

    #[test]
    fn answers_have_the_exact_wire_shapes() {
        let input = json!({"command": "ls", "description": "list"});
        assert_eq!(
            PermissionResult::allow().to_wire(&input),
            json!({"behavior": "allow", "updatedInput": input})
        );
        assert_eq!(
            PermissionResult::allow_with_input(json!({"command": "pwd"})).to_wire(&input),
            json!({"behavior": "allow", "updatedInput": {"command": "pwd"}})
        );
        let with_rules = PermissionResult::allow()
            .with_updates([PermissionUpdate::allow_rules([
                PermissionRule::new("Bash", "npm test"),
                PermissionRule::tool("Read"),
            ])])
            .to_wire(&input);
        assert_eq!(
            with_rules["updatedPermissions"],
            json!([{"type":"addRules","rules":[{"toolName":"Bash","ruleContent":"npm test"},{"toolName":"Read"}],
                    "behavior":"allow","destination":"session"}])
        );
        assert_eq!(
            PermissionResult::deny("host says no").to_wire(&input),
            json!({"behavior": "deny", "message": "host says no"})
        );
        assert_eq!(
            PermissionResult::deny_and_interrupt("stop").to_wire(&input),
            json!({"behavior": "deny", "message": "stop", "interrupt": true})
        );
        assert_eq!(
            serde_json::to_value(PermissionUpdate::set_mode(PermissionMode::Plan)).unwrap(),
            json!({"type":"setMode","mode":"plan","destination":"session"})
        );
        assert_eq!(
            serde_json::to_value(PermissionUpdate::add_directories(["/a"])).unwrap(),
            json!({"type":"addDirectories","directories":["/a"],"destination":"session"})
        );
        let parsed: PermissionResult =
            serde_json::from_value(json!({"behavior":"deny","message":"m","interrupt":true}))
                .unwrap();
        assert_eq!(parsed, PermissionResult::deny_and_interrupt("m"));
    }

    #[test]
    fn open_enums_keep_unknown_values() {
        let d: PermissionDestination = serde_json::from_value(json!("cloudSettings")).unwrap();
        assert_eq!(d, PermissionDestination::Other("cloudSettings".into()));
        assert_eq!(serde_json::to_value(&d).unwrap(), json!("cloudSettings"));
        for d in PermissionDestination::ALL {
            assert_eq!(&PermissionDestination::from_wire(d.as_str()), d);
        }
    }

    #[tokio::test]
    async fn closures_are_callbacks() {
        let plain = DynCanUseTool::new(|r: PermissionRequest| async move {
            PermissionResult::deny(r.tool_name)
        });
        let r = plain.call(PermissionRequest::new("Bash", json!({}))).await;
        assert_eq!(r, Ok(PermissionResult::deny("Bash")));
        let fallible = DynCanUseTool::new(|_r: PermissionRequest| async move {
            Err::<PermissionResult, _>("policy server down")
        });
        let r = fallible
            .call(PermissionRequest::new("Bash", json!({})))
            .await;
        assert_eq!(r, Err("policy server down".to_owned()));
    }
}
