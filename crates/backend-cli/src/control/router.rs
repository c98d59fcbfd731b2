//! [`ControlRouter`]: the control handler the CLI backend runs.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use claude_sdk_core::message::ControlRequest;
use futures_util::FutureExt;
use serde_json::{Map, Value};

use super::hooks::{DynHookCallback, HookCallback, HookEvent, HookInput, HookMatcher};
use super::permission::{CanUseTool, DynCanUseTool, PermissionRequest, PermissionResult};
use super::{ControlError, ControlHandler, HandlerFuture, Unsupported, panic_text};

#[derive(Debug, Clone)]
struct HookEntry {
    event: HookEvent,
    matcher: HookMatcher,
    id: String,
    callback: DynHookCallback,
}

/// Routes the CLI's control requests: `can_use_tool` → the permission callback, `hook_callback`
/// → the hook registered under that id, `mcp_message` → the MCP handler, anything else → the
/// fallback handler (by default an `unsupported_request` error).
///
/// Every request gets exactly one answer. A permission callback that fails or panics denies the
/// tool; a hook that fails or panics, or an unknown hook id, is an error answer (the CLI treats
/// it as a hook failure). Cheap to clone.
///
/// ```
/// use claude_sdk_backend_cli::control::hooks::{HookEvent, HookInput, HookOutput};
/// use claude_sdk_backend_cli::control::permission::{PermissionRequest, PermissionResult};
/// use claude_sdk_backend_cli::ControlRouter;
///
/// let router = ControlRouter::new()
///     .can_use_tool(|req: PermissionRequest| async move {
///         if req.tool_name == "Write" { PermissionResult::deny("read-only session") } else { PermissionResult::allow() }
///     })
///     .hook(HookEvent::UserPromptSubmit, None, |_input: HookInput| async move {
///         HookOutput::add_context(HookEvent::UserPromptSubmit, "The user prefers short answers.")
///     });
/// assert!(router.has_permission_callback());
/// assert_eq!(router.hooks_config()["UserPromptSubmit"][0]["hookCallbackIds"][0], "hook_0");
/// ```
#[derive(Clone, Default)]
pub struct ControlRouter {
    can_use_tool: Option<DynCanUseTool>,
    hooks: Arc<Vec<HookEntry>>,
    mcp: Option<Arc<dyn ControlHandler>>,
    fallback: Option<Arc<dyn ControlHandler>>,
}

impl std::fmt::Debug for ControlRouter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ControlRouter")
            .field("can_use_tool", &self.can_use_tool.is_some())
            .field(
                "hooks",
                &self
                    .hooks
                    .iter()
                    .map(|h| (h.event.as_str(), h.id.as_str()))
                    .collect::<Vec<_>>(),
            )
            .field("mcp", &self.mcp.is_some())
            .field("fallback", &self.fallback.is_some())
            .finish()
    }
}

impl ControlRouter {
    /// A router with no callbacks: it answers every request `unsupported_request`.
    pub fn new() -> Self {
        ControlRouter::default()
    }

    /// Answers permission prompts with `callback`. The CLI then runs with
    /// `--permission-prompt-tool=stdio`.
    pub fn can_use_tool(mut self, callback: impl CanUseTool) -> Self {
        self.can_use_tool = Some(DynCanUseTool::new(callback));
        self
    }

    /// Registers a hook for `event` when `matcher` matches (`None`: always; `"Bash"`,
    /// `"Write|Edit"`, or a [`HookMatcher`] with a timeout).
    pub fn hook(
        mut self,
        event: HookEvent,
        matcher: impl Into<HookMatcher>,
        callback: impl HookCallback,
    ) -> Self {
        let hooks = Arc::make_mut(&mut self.hooks);
        let id = format!("hook_{}", hooks.len());
        hooks.push(HookEntry {
            event,
            matcher: matcher.into(),
            id,
            callback: DynHookCallback::new(callback),
        });
        self
    }

    /// Serves `mcp_message` requests (in-process MCP servers) with `handler`.
    pub fn mcp_handler(mut self, handler: Arc<dyn ControlHandler>) -> Self {
        self.mcp = Some(handler);
        self
    }

    /// Serves every request the router has no callback for with `handler`.
    pub fn fallback(mut self, handler: Arc<dyn ControlHandler>) -> Self {
        self.fallback = Some(handler);
        self
    }

    /// Whether a permission callback is set.
    pub fn has_permission_callback(&self) -> bool {
        self.can_use_tool.is_some()
    }

    /// Whether any hook is registered.
    pub fn has_hooks(&self) -> bool {
        !self.hooks.is_empty()
    }

    /// The `hooks` field of the `initialize` request: `{Event: [{matcher, hookCallbackIds,
    /// timeout?, onFailure?}]}` in registration order, or `null` without hooks.
    pub fn hooks_config(&self) -> Value {
        if self.hooks.is_empty() {
            return Value::Null;
        }
        let mut out = Map::new();
        for h in self.hooks.iter() {
            let entry = h.matcher.to_wire(std::slice::from_ref(&h.id));
            if let Value::Array(list) = out
                .entry(h.event.as_str().to_owned())
                .or_insert_with(|| Value::Array(Vec::new()))
            {
                list.push(entry);
            }
        }
        Value::Object(out)
    }

    fn fallback_for(&self, request: ControlRequest) -> HandlerFuture {
        match &self.fallback {
            Some(h) => h.handle(request),
            None => Unsupported.handle(request),
        }
    }
}

impl ControlHandler for ControlRouter {
    fn handle(&self, request: ControlRequest) -> HandlerFuture {
        match request {
            ControlRequest::CanUseTool {
                tool_name,
                input,
                extra,
            } => {
                let Some(callback) = self.can_use_tool.clone() else {
                    return self.fallback_for(ControlRequest::CanUseTool {
                        tool_name,
                        input,
                        extra,
                    });
                };
                let original = input.clone();
                let request = PermissionRequest::from_wire(tool_name, input, extra);
                Box::pin(async move {
                    let tool = request.tool_name.clone();
                    let result = match AssertUnwindSafe(callback.call(request))
                        .catch_unwind()
                        .await
                    {
                        Ok(Ok(r)) => r,
                        Ok(Err(e)) => {
                            tracing::warn!(tool = %tool, "permission callback failed: {e}");
                            PermissionResult::deny(format!("the permission callback failed: {e}"))
                        }
                        Err(panic) => {
                            let text = panic_text(&*panic);
                            tracing::warn!(tool = %tool, "permission callback panicked: {text}");
                            PermissionResult::deny(format!(
                                "the permission callback panicked: {text}"
                            ))
                        }
                    };
                    Ok(result.to_wire(&original))
                })
            }
            ControlRequest::HookCallback {
                callback_id,
                input,
                extra,
            } => {
                let Some(entry) = self.hooks.iter().find(|h| h.id == callback_id) else {
                    return Box::pin(async move {
                        Err(ControlError::new(format!(
                            "no hook callback is registered as `{callback_id}`"
                        )))
                    });
                };
                let callback = entry.callback.clone();
                let event = entry.event.clone();
                let tool_use_id = extra.get("tool_use_id").and_then(Value::as_str);
                let input = HookInput::from_wire(input, tool_use_id);
                Box::pin(async move {
                    match AssertUnwindSafe(callback.call(input)).catch_unwind().await {
                        Ok(Ok(out)) => serde_json::to_value(out).map_err(|e| {
                            ControlError::new(format!("cannot encode the {event} hook output: {e}"))
                        }),
                        Ok(Err(e)) => {
                            Err(ControlError::new(format!("the {event} hook failed: {e}")))
                        }
                        Err(panic) => Err(ControlError::new(format!(
                            "the {event} hook panicked: {}",
                            panic_text(&*panic)
                        ))),
                    }
                })
            }
            req @ ControlRequest::McpMessage { .. } => match &self.mcp {
                Some(h) => h.handle(req),
                None => self.fallback_for(req),
            },
            other => self.fallback_for(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control::hooks::HookOutput;
    use serde_json::json;
    use std::time::Duration;

    fn can_use_tool(tool: &str, input: Value) -> ControlRequest {
        serde_json::from_value(
            json!({"subtype":"can_use_tool","tool_name":tool,"input":input,
            "permission_suggestions":[],"tool_use_id":"toolu_1"}),
        )
        .unwrap()
    }

    fn hook_callback(id: &str, input: Value) -> ControlRequest {
        serde_json::from_value(json!({"subtype":"hook_callback","callback_id":id,"input":input,"tool_use_id":"toolu_9"}))
            .unwrap()
    }

    #[tokio::test]
    async fn permission_callback_answers_and_sees_the_context() {
        let router = ControlRouter::new().can_use_tool(|req: PermissionRequest| async move {
            assert_eq!(req.tool_use_id.as_deref(), Some("toolu_1"));
            if req.tool_name == "Bash" {
                PermissionResult::deny("no shell")
            } else {
                PermissionResult::allow()
            }
        });
        let deny = router
            .handle(can_use_tool("Bash", json!({"command":"ls"})))
            .await
            .unwrap();
        assert_eq!(deny, json!({"behavior":"deny","message":"no shell"}));
        let allow = router
            .handle(can_use_tool("Read", json!({"file_path":"/a"})))
            .await
            .unwrap();
        assert_eq!(
            allow,
            json!({"behavior":"allow","updatedInput":{"file_path":"/a"}})
        );
    }

    #[tokio::test]
    async fn failing_or_panicking_permission_callbacks_deny() {
        let failing = ControlRouter::new().can_use_tool(|_r: PermissionRequest| async move {
            Err::<PermissionResult, _>("db down")
        });
        let a = failing
            .handle(can_use_tool("Bash", json!({})))
            .await
            .unwrap();
        assert_eq!(a["behavior"], "deny");
        assert!(a["message"].as_str().unwrap().contains("db down"), "{a}");

        #[allow(clippy::panic)]
        let panicking = ControlRouter::new().can_use_tool(|_r: PermissionRequest| async move {
            if true {
                panic!("boom in callback");
            }
            PermissionResult::allow()
        });
        let a = panicking
            .handle(can_use_tool("Bash", json!({})))
            .await
            .unwrap();
        assert_eq!(a["behavior"], "deny");
        assert!(
            a["message"].as_str().unwrap().contains("boom in callback"),
            "{a}"
        );
    }

    #[tokio::test]
    async fn hooks_are_registered_in_order_and_served_by_id() {
        let router =
            ControlRouter::new()
                .hook(HookEvent::PreToolUse, "Bash", |i: HookInput| async move {
                    assert_eq!(i.tool_use_id.as_deref(), Some("toolu_9"));
                    HookOutput::deny_tool("blocked")
                })
                .hook(
                    HookEvent::PostToolUse,
                    HookMatcher::all().timeout(Duration::from_secs(3)),
                    |_i: HookInput| async move {
                        HookOutput::add_context(HookEvent::PostToolUse, "ctx")
                    },
                )
                .hook(HookEvent::PreToolUse, None, |_i: HookInput| async move {
                    Err::<HookOutput, _>("nope")
                });
        assert_eq!(
            router.hooks_config(),
            json!({"PreToolUse":[{"matcher":"Bash","hookCallbackIds":["hook_0"]},
                                 {"matcher":null,"hookCallbackIds":["hook_2"]}],
                   "PostToolUse":[{"matcher":null,"hookCallbackIds":["hook_1"],"timeout":3}]})
        );
        let input = json!({"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{}});
        let out = router
            .handle(hook_callback("hook_0", input.clone()))
            .await
            .unwrap();
        assert_eq!(out["hookSpecificOutput"]["permissionDecision"], "deny");
        let out = router
            .handle(hook_callback("hook_1", input.clone()))
            .await
            .unwrap();
        assert_eq!(out["hookSpecificOutput"]["additionalContext"], "ctx");
        let err = router
            .handle(hook_callback("hook_2", input.clone()))
            .await
            .unwrap_err();
        assert!(err.message.contains("nope"), "{err}");
        let err = router
            .handle(hook_callback("hook_77", input))
            .await
            .unwrap_err();
        assert!(err.message.contains("hook_77"), "{err}");
        // A clone shares the registrations; adding to it leaves the original alone.
        let more = router
            .clone()
            .hook(HookEvent::Stop, None, |_i: HookInput| async move {
                HookOutput::new()
            });
        assert_eq!(
            more.hooks_config()["Stop"][0]["hookCallbackIds"][0],
            "hook_3"
        );
        assert!(router.hooks_config().get("Stop").is_none());
    }

    #[tokio::test]
    async fn panicking_hook_is_an_error_answer() {
        #[allow(clippy::panic)]
        let router = ControlRouter::new().hook(HookEvent::Stop, None, |_i: HookInput| async move {
            if true {
                panic!("hook exploded");
            }
            HookOutput::new()
        });
        let err = router
            .handle(hook_callback("hook_0", json!({"hook_event_name":"Stop"})))
            .await
            .unwrap_err();
        assert!(err.message.contains("hook exploded"), "{err}");
    }

    #[tokio::test]
    async fn other_requests_go_to_mcp_fallback_or_unsupported() {
        struct Echo;
        impl ControlHandler for Echo {
            fn handle(&self, request: ControlRequest) -> HandlerFuture {
                let s = request.subtype().to_owned();
                Box::pin(async move { Ok(json!({"served": s})) })
            }
        }
        let mcp: ControlRequest = serde_json::from_value(
            json!({"subtype":"mcp_message","server_name":"calc","message":{"jsonrpc":"2.0","method":"tools/list","id":1}}),
        )
        .unwrap();
        let odd: ControlRequest =
            serde_json::from_value(json!({"subtype":"from_the_future"})).unwrap();

        let bare = ControlRouter::new();
        let e = bare.handle(mcp.clone()).await.unwrap_err();
        assert_eq!(e.code.as_deref(), Some("unsupported_request"));
        let e = bare.handle(odd.clone()).await.unwrap_err();
        assert_eq!(e.code.as_deref(), Some("unsupported_request"));
        assert!(e.message.contains("from_the_future"));
        // Without a permission callback, can_use_tool is not ours to answer either.
        let e = bare
            .handle(can_use_tool("Bash", json!({})))
            .await
            .unwrap_err();
        assert_eq!(e.code.as_deref(), Some("unsupported_request"));

        let with_mcp = ControlRouter::new().mcp_handler(Arc::new(Echo));
        assert_eq!(
            with_mcp.handle(mcp.clone()).await.unwrap(),
            json!({"served":"mcp_message"})
        );
        assert!(with_mcp.handle(odd.clone()).await.is_err());

        let with_fallback = ControlRouter::new().fallback(Arc::new(Echo));
        assert_eq!(
            with_fallback.handle(odd).await.unwrap(),
            json!({"served":"from_the_future"})
        );
        assert_eq!(
            with_fallback.handle(mcp).await.unwrap(),
            json!({"served":"mcp_message"})
        );
    }
}
