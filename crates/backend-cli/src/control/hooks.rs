//! Hooks: async callbacks the CLI runs at points of its loop (before a tool, after a tool, when
//! a prompt is submitted, …). They are registered in the `initialize` request as
//! `hooks: {Event: [{matcher, hookCallbackIds, timeout}]}` and served on `hook_callback` by id.
//!
//! ```
//! use claude_sdk_backend_cli::control::hooks::{HookEvent, HookInput, HookOutput};
//! use claude_sdk_backend_cli::ControlRouter;
//!
//! let router = ControlRouter::new().hook(HookEvent::PreToolUse, "Bash", |input: HookInput| async move {
//!     let command = input.tool_input.as_ref().and_then(|i| i["command"].as_str()).unwrap_or("");
//!     if command.contains("rm -rf") {
//!         HookOutput::deny_tool("no recursive deletes")
//!     } else {
//!         HookOutput::new()
//!     }
//! });
//! # let _ = router;
//! ```

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::{CallbackOutput, callback_output, open_enum};

open_enum! {
    /// The hook events of the pinned CLI (2.1.330), in its own order.
    HookEvent {
        /// Before a tool runs (can block it, rewrite its input, or add context).
        PreToolUse = "PreToolUse",
        /// After a tool succeeded (can add context or replace its output).
        PostToolUse = "PostToolUse",
        /// After a tool failed.
        PostToolUseFailure = "PostToolUseFailure",
        /// After a batch of tool calls resolved.
        PostToolBatch = "PostToolBatch",
        /// A notification for the user.
        Notification = "Notification",
        /// A prompt was submitted (can block it or add context).
        UserPromptSubmit = "UserPromptSubmit",
        /// A prompt is being expanded (slash commands).
        UserPromptExpansion = "UserPromptExpansion",
        /// A session starts.
        SessionStart = "SessionStart",
        /// A session ends.
        SessionEnd = "SessionEnd",
        /// The model is about to stop (can make it continue).
        Stop = "Stop",
        /// A turn failed.
        StopFailure = "StopFailure",
        /// A sub-agent starts.
        SubagentStart = "SubagentStart",
        /// A sub-agent is about to stop.
        SubagentStop = "SubagentStop",
        /// Before compaction.
        PreCompact = "PreCompact",
        /// After compaction.
        PostCompact = "PostCompact",
        /// Before a model switch.
        PreModelSwitch = "PreModelSwitch",
        /// After a model switch.
        PostModelSwitch = "PostModelSwitch",
        /// A permission prompt is about to be shown.
        PermissionRequest = "PermissionRequest",
        /// A tool call was denied.
        PermissionDenied = "PermissionDenied",
        /// Setup.
        Setup = "Setup",
        /// A teammate is idle.
        TeammateIdle = "TeammateIdle",
        /// A task was created.
        TaskCreated = "TaskCreated",
        /// A task completed.
        TaskCompleted = "TaskCompleted",
        /// An MCP server asks the user for input.
        Elicitation = "Elicitation",
        /// The answer to an elicitation.
        ElicitationResult = "ElicitationResult",
        /// Settings changed.
        ConfigChange = "ConfigChange",
        /// A worktree was created.
        WorktreeCreate = "WorktreeCreate",
        /// A worktree was removed.
        WorktreeRemove = "WorktreeRemove",
        /// Instructions (CLAUDE.md, …) were loaded.
        InstructionsLoaded = "InstructionsLoaded",
        /// The working directory changed.
        CwdChanged = "CwdChanged",
        /// A watched file changed.
        FileChanged = "FileChanged",
        /// A directory was added.
        DirectoryAdded = "DirectoryAdded",
        /// A message is about to be displayed.
        MessageDisplay = "MessageDisplay",
    }
}

open_enum! {
    /// What the CLI does when a hook callback fails (`onFailure`).
    HookFailure {
        /// Count the failure as no decision (the CLI's default).
        Continue = "continue",
        /// Block the action.
        Block = "block",
    }
}

/// When a hook runs: a matcher (a tool name or `A|B` pattern for tool events; `None` matches
/// everything), a timeout, and what a failure means.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct HookMatcher {
    /// The matcher; `None` matches every occurrence of the event.
    pub matcher: Option<String>,
    /// How long the CLI waits for the callback (the CLI's default is 60 s).
    pub timeout: Option<Duration>,
    /// What a failed callback means.
    pub on_failure: Option<HookFailure>,
}

impl HookMatcher {
    /// Matches everything.
    pub fn all() -> Self {
        HookMatcher::default()
    }

    /// Matches `pattern` (e.g. `Bash`, `Write|Edit`).
    pub fn new(pattern: impl Into<String>) -> Self {
        HookMatcher {
            matcher: Some(pattern.into()),
            ..HookMatcher::default()
        }
    }

    /// Sets the timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sets what a failure means.
    pub fn on_failure(mut self, on_failure: HookFailure) -> Self {
        self.on_failure = Some(on_failure);
        self
    }

    /// The wire entry for these callback ids.
    pub(crate) fn to_wire(&self, callback_ids: &[String]) -> Value {
        let mut v = json!({"matcher": self.matcher, "hookCallbackIds": callback_ids});
        if let Some(obj) = v.as_object_mut() {
            if let Some(t) = self.timeout {
                let secs = t.as_secs_f64();
                let n = if t.subsec_nanos() == 0 {
                    json!(t.as_secs())
                } else {
                    json!(secs)
                };
                obj.insert("timeout".into(), n);
            }
            if let Some(f) = &self.on_failure {
                obj.insert("onFailure".into(), json!(f.as_str()));
            }
        }
        v
    }
}

impl From<&str> for HookMatcher {
    fn from(pattern: &str) -> Self {
        HookMatcher::new(pattern)
    }
}

impl From<String> for HookMatcher {
    fn from(pattern: String) -> Self {
        HookMatcher::new(pattern)
    }
}

impl From<Option<&str>> for HookMatcher {
    fn from(pattern: Option<&str>) -> Self {
        pattern.map(HookMatcher::new).unwrap_or_default()
    }
}

/// What the CLI tells a hook. Common fields are typed; the event-specific ones that most hooks
/// read are typed too, and everything else is in `extra`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct HookInput {
    /// The event.
    pub hook_event_name: HookEvent,
    /// The session.
    #[serde(default)]
    pub session_id: String,
    /// The session's transcript file.
    #[serde(default)]
    pub transcript_path: String,
    /// The CLI's working directory.
    #[serde(default)]
    pub cwd: String,
    /// The permission mode in effect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permission_mode: Option<String>,
    /// Tool events: the tool.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_name: Option<String>,
    /// Tool events: its input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_input: Option<Value>,
    /// Tool events: the call's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_use_id: Option<String>,
    /// PostToolUse: what the tool returned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_response: Option<Value>,
    /// PostToolUseFailure: the error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// UserPromptSubmit: the prompt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    /// Stop / SubagentStop: whether a stop hook already made the model continue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_hook_active: Option<bool>,
    /// Notification: the message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Sub-agent events (and tool events inside a sub-agent): the agent's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// Sub-agent events: the agent type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_type: Option<String>,
    /// Unmodelled fields (`prompt_id`, `effort`, `duration_ms`, `trigger`, `source`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl HookInput {
    /// An input for `event` with every other field empty.
    pub fn new(event: HookEvent) -> Self {
        HookInput {
            hook_event_name: event,
            session_id: String::new(),
            transcript_path: String::new(),
            cwd: String::new(),
            permission_mode: None,
            tool_name: None,
            tool_input: None,
            tool_use_id: None,
            tool_response: None,
            error: None,
            prompt: None,
            stop_hook_active: None,
            message: None,
            agent_id: None,
            agent_type: None,
            extra: Map::new(),
        }
    }

    /// Reads a `hook_callback` input. A shape we cannot read still reaches the callback: the
    /// event becomes `Other` and the whole object is in `extra`.
    pub fn from_wire(input: Value, tool_use_id: Option<&str>) -> Self {
        let mut parsed = match serde_json::from_value::<HookInput>(input.clone()) {
            Ok(i) => i,
            Err(e) => {
                tracing::debug!("hook input of an unexpected shape: {e}");
                let event = input
                    .get("hook_event_name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned();
                let mut i = HookInput::new(HookEvent::Other(event));
                if let Value::Object(map) = input {
                    i.extra = map;
                }
                i
            }
        };
        if parsed.tool_use_id.is_none() {
            parsed.tool_use_id = tool_use_id.map(str::to_owned);
        }
        parsed
    }
}

open_enum! {
    /// A PreToolUse hook's permission decision.
    HookPermissionDecision {
        /// Run the tool without a permission prompt.
        Allow = "allow",
        /// Do not run it.
        Deny = "deny",
        /// Ask (the permission callback decides).
        Ask = "ask",
        /// No opinion; leave it to the other hooks and rules.
        Defer = "defer",
    }
}

open_enum! {
    /// The top-level `decision` of a hook output.
    HookDecision {
        /// Block (a prompt, a stop, a tool result).
        Block = "block",
        /// Approve (deprecated for PreToolUse; use a permission decision).
        Approve = "approve",
    }
}

/// The event-specific part of a hook output (`hookSpecificOutput`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct HookSpecificOutput {
    /// The event this answers (required by the CLI).
    #[serde(rename = "hookEventName")]
    pub hook_event_name: HookEvent,
    /// PreToolUse: allow / deny / ask / defer.
    #[serde(
        rename = "permissionDecision",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub permission_decision: Option<HookPermissionDecision>,
    /// PreToolUse: why (a deny reason reaches the model as the tool's error).
    #[serde(
        rename = "permissionDecisionReason",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub permission_decision_reason: Option<String>,
    /// PreToolUse: run the tool with this input instead.
    #[serde(
        rename = "updatedInput",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub updated_input: Option<Value>,
    /// Text added to the model's context.
    #[serde(
        rename = "additionalContext",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub additional_context: Option<String>,
    /// PostToolUse: replaces the tool output (must match the tool's output schema).
    #[serde(
        rename = "updatedToolOutput",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub updated_tool_output: Option<Value>,
    /// PostToolUse: replaces an MCP tool's output.
    #[serde(
        rename = "updatedMCPToolOutput",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub updated_mcp_tool_output: Option<Value>,
    /// Other event-specific fields (`sessionTitle`, `decision`, `watchPaths`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl HookSpecificOutput {
    /// An empty output for `event`.
    pub fn new(event: HookEvent) -> Self {
        HookSpecificOutput {
            hook_event_name: event,
            permission_decision: None,
            permission_decision_reason: None,
            updated_input: None,
            additional_context: None,
            updated_tool_output: None,
            updated_mcp_tool_output: None,
            extra: Map::new(),
        }
    }
}

/// What a hook answers. Everything is optional: `HookOutput::new()` means "no opinion".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct HookOutput {
    /// `false` stops the run after this hook (`continue` on the wire).
    #[serde(rename = "continue", default, skip_serializing_if = "Option::is_none")]
    pub continue_: Option<bool>,
    /// Shown when `continue` is false.
    #[serde(
        rename = "stopReason",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub stop_reason: Option<String>,
    /// Hide the hook's output from the transcript.
    #[serde(
        rename = "suppressOutput",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub suppress_output: Option<bool>,
    /// `block` (prompts, stops, tool results).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<HookDecision>,
    /// Feedback for the model about the decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// A message shown to the user.
    #[serde(
        rename = "systemMessage",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub system_message: Option<String>,
    /// Event-specific controls.
    #[serde(
        rename = "hookSpecificOutput",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub hook_specific_output: Option<HookSpecificOutput>,
    /// Other fields (`async`, `asyncTimeout`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl HookOutput {
    /// No opinion.
    pub fn new() -> Self {
        HookOutput::default()
    }

    fn specific(event: HookEvent) -> HookSpecificOutput {
        HookSpecificOutput::new(event)
    }

    /// PreToolUse: do not run the tool; `reason` reaches the model as its error result.
    pub fn deny_tool(reason: impl Into<String>) -> Self {
        let mut s = HookOutput::specific(HookEvent::PreToolUse);
        s.permission_decision = Some(HookPermissionDecision::Deny);
        s.permission_decision_reason = Some(reason.into());
        HookOutput {
            hook_specific_output: Some(s),
            ..HookOutput::default()
        }
    }

    /// PreToolUse: run the tool without a permission prompt.
    pub fn allow_tool(reason: impl Into<String>) -> Self {
        let mut s = HookOutput::specific(HookEvent::PreToolUse);
        s.permission_decision = Some(HookPermissionDecision::Allow);
        s.permission_decision_reason = Some(reason.into());
        HookOutput {
            hook_specific_output: Some(s),
            ..HookOutput::default()
        }
    }

    /// PreToolUse: ask the permission callback, with `reason` as its `decision_reason`.
    pub fn ask(reason: impl Into<String>) -> Self {
        let mut s = HookOutput::specific(HookEvent::PreToolUse);
        s.permission_decision = Some(HookPermissionDecision::Ask);
        s.permission_decision_reason = Some(reason.into());
        HookOutput {
            hook_specific_output: Some(s),
            ..HookOutput::default()
        }
    }

    /// PreToolUse: run the tool with `input` instead (allowed without a prompt).
    pub fn rewrite_input(input: Value) -> Self {
        let mut s = HookOutput::specific(HookEvent::PreToolUse);
        s.permission_decision = Some(HookPermissionDecision::Allow);
        s.updated_input = Some(input);
        HookOutput {
            hook_specific_output: Some(s),
            ..HookOutput::default()
        }
    }

    /// Adds `text` to the model's context (PreToolUse, PostToolUse, PostToolUseFailure,
    /// UserPromptSubmit, SessionStart, SubagentStart, Stop, …).
    pub fn add_context(event: HookEvent, text: impl Into<String>) -> Self {
        let mut s = HookOutput::specific(event);
        s.additional_context = Some(text.into());
        HookOutput {
            hook_specific_output: Some(s),
            ..HookOutput::default()
        }
    }

    /// `decision: block` with a reason (UserPromptSubmit blocks the prompt; Stop makes the model
    /// continue with the reason; PostToolUse feeds it back).
    pub fn block(reason: impl Into<String>) -> Self {
        HookOutput {
            decision: Some(HookDecision::Block),
            reason: Some(reason.into()),
            ..HookOutput::default()
        }
    }

    /// `continue: false`: stop the run, showing `reason`.
    pub fn stop(reason: impl Into<String>) -> Self {
        HookOutput {
            continue_: Some(false),
            stop_reason: Some(reason.into()),
            ..HookOutput::default()
        }
    }

    /// Adds a message for the user.
    pub fn with_system_message(mut self, text: impl Into<String>) -> Self {
        self.system_message = Some(text.into());
        self
    }

    /// Hides the hook's output from the transcript.
    pub fn suppress_output(mut self) -> Self {
        self.suppress_output = Some(true);
        self
    }
}

callback_output!(HookOutput);

/// A hook callback: `async fn(HookInput) -> HookOutput` (or a `Result` of it). Implemented for
/// every such closure.
pub trait HookCallback: Send + Sync + 'static {
    /// Runs the hook. An `Err` is a hook failure (see [`HookFailure`]).
    fn call(&self, input: HookInput) -> impl Future<Output = Result<HookOutput, String>> + Send;
}

impl<F, Fut, R> HookCallback for F
where
    F: Fn(HookInput) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = R> + Send,
    R: CallbackOutput<HookOutput>,
{
    async fn call(&self, input: HookInput) -> Result<HookOutput, String> {
        self(input).await.into_result()
    }
}

type BoxFut<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// A type-erased [`HookCallback`] (the boxed-future adapter).
#[derive(Clone)]
pub struct DynHookCallback(
    Arc<dyn Fn(HookInput) -> BoxFut<Result<HookOutput, String>> + Send + Sync>,
);

impl DynHookCallback {
    /// Erases a callback.
    pub fn new(callback: impl HookCallback) -> Self {
        let callback = Arc::new(callback);
        DynHookCallback(Arc::new(move |input| {
            let callback = callback.clone();
            Box::pin(async move { callback.call(input).await })
        }))
    }

    /// Runs the callback.
    pub fn call(&self, input: HookInput) -> BoxFut<Result<HookOutput, String>> {
        (self.0)(input)
    }
}

impl std::fmt::Debug for DynHookCallback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DynHookCallback")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_have_the_wire_shapes_the_cli_reads() {
        assert_eq!(serde_json::to_value(HookOutput::new()).unwrap(), json!({}));
        assert_eq!(
            serde_json::to_value(HookOutput::deny_tool("hook blocks rm")).unwrap(),
            json!({"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny",
                   "permissionDecisionReason":"hook blocks rm"}})
        );
        assert_eq!(
            serde_json::to_value(HookOutput::add_context(HookEvent::PostToolUse, "hi")).unwrap(),
            json!({"hookSpecificOutput":{"hookEventName":"PostToolUse","additionalContext":"hi"}})
        );
        assert_eq!(
            serde_json::to_value(HookOutput::rewrite_input(json!({"command":"pwd"}))).unwrap(),
            json!({"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"allow",
                   "updatedInput":{"command":"pwd"}}})
        );
        assert_eq!(
            serde_json::to_value(
                HookOutput::stop("enough")
                    .with_system_message("bye")
                    .suppress_output()
            )
            .unwrap(),
            json!({"continue":false,"stopReason":"enough","systemMessage":"bye","suppressOutput":true})
        );
        assert_eq!(
            serde_json::to_value(HookOutput::block("not that")).unwrap(),
            json!({"decision":"block","reason":"not that"})
        );
        // Unknown fields survive a round trip.
        let wire = json!({"async":true,"asyncTimeout":500,"hookSpecificOutput":{"hookEventName":"SessionStart","watchPaths":["/a"]}});
        let parsed: HookOutput = serde_json::from_value(wire.clone()).unwrap();
        assert_eq!(parsed.extra["async"], true);
        assert_eq!(serde_json::to_value(&parsed).unwrap(), wire);
    }

    #[test]
    fn input_reads_the_observed_pre_tool_use_shape() {
        let wire = json!({"session_id":"b95d","transcript_path":"/h/.claude/projects/p/b95d.jsonl",
            "cwd":"/home/u/proj","prompt_id":"e1ed","permission_mode":"default","effort":{"level":"medium"},
            "hook_event_name":"PreToolUse","tool_name":"Bash",
            "tool_input":{"command":"touch x","description":"touch"},"tool_use_id":"toolu_1"});
        let input = HookInput::from_wire(wire, None);
        assert_eq!(input.hook_event_name, HookEvent::PreToolUse);
        assert_eq!(input.tool_name.as_deref(), Some("Bash"));
        assert_eq!(input.tool_input.as_ref().unwrap()["command"], "touch x");
        assert_eq!(input.tool_use_id.as_deref(), Some("toolu_1"));
        assert_eq!(input.extra["effort"]["level"], "medium");

        let odd =
            HookInput::from_wire(json!({"hook_event_name":"FutureEvent","cwd":7}), Some("t2"));
        assert_eq!(odd.hook_event_name, HookEvent::Other("FutureEvent".into()));
        assert_eq!(odd.extra["cwd"], 7);
        assert_eq!(odd.tool_use_id.as_deref(), Some("t2"));
    }

    #[test]
    fn matcher_wire_entry() {
        let ids = vec!["hook_0".to_owned()];
        assert_eq!(
            HookMatcher::all().to_wire(&ids),
            json!({"matcher":null,"hookCallbackIds":["hook_0"]})
        );
        assert_eq!(
            HookMatcher::new("Bash")
                .timeout(Duration::from_secs(5))
                .on_failure(HookFailure::Block)
                .to_wire(&ids),
            json!({"matcher":"Bash","hookCallbackIds":["hook_0"],"timeout":5,"onFailure":"block"})
        );
        assert_eq!(
            HookMatcher::new("A|B")
                .timeout(Duration::from_millis(1500))
                .to_wire(&ids)["timeout"],
            json!(1.5)
        );
    }

    #[test]
    fn every_event_of_the_pinned_cli_is_named() {
        // The list `strings` finds in the 2.1.330 binary.
        let cli = "PreToolUse,PostToolUse,PostToolUseFailure,PostToolBatch,Notification,UserPromptSubmit,\
                   UserPromptExpansion,SessionStart,SessionEnd,Stop,StopFailure,SubagentStart,SubagentStop,\
                   PreCompact,PostCompact,PreModelSwitch,PostModelSwitch,PermissionRequest,PermissionDenied,\
                   Setup,TeammateIdle,TaskCreated,TaskCompleted,Elicitation,ElicitationResult,ConfigChange,\
                   WorktreeCreate,WorktreeRemove,InstructionsLoaded,CwdChanged,FileChanged,DirectoryAdded,MessageDisplay";
        let ours: Vec<&str> = HookEvent::ALL.iter().map(HookEvent::as_str).collect();
        assert_eq!(ours.join(","), cli);
    }
}
