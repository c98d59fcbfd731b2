//! End-to-end: the control protocol with the real CLI against the mock Messages API — the
//! permission callback, hooks, and runtime control requests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;
use std::sync::{Arc, Mutex};

use claude_sdk_backend_cli::control::hooks::{HookEvent, HookInput, HookMatcher, HookOutput};
use claude_sdk_backend_cli::control::permission::{PermissionRequest, PermissionResult};
use claude_sdk_backend_cli::{CliBackend, ControlRouter};
use claude_sdk_core::{ErrorCode, Request};
use claude_sdk_testing::{CliTestEnv, RecordedRequest, Reply, Script};
use serde_json::{Map, Value, json};

fn bash(command: String) -> Reply {
    Reply::tool_use(
        "Bash",
        json!({"command": command, "description": "test command"}),
    )
}

fn touch(dir: &Path, name: &str) -> String {
    format!("touch {} && echo made", dir.join(name).display())
}

fn backend(env: &CliTestEnv, router: ControlRouter) -> CliBackend {
    common::backend(env).with_router(router)
}

/// All `tool_result` blocks the mock received, from the last request (it holds the history).
fn tool_results(env: &CliTestEnv) -> Vec<Value> {
    env.mock
        .message_requests()
        .last()
        .map(RecordedRequest::tool_results)
        .unwrap_or_default()
}

fn result_text(block: &Value) -> String {
    match &block["content"] {
        Value::String(s) => s.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| p["text"].as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

/// Whether any request the mock got mentions `needle` in its messages.
fn model_saw(env: &CliTestEnv, needle: &str) -> bool {
    env.mock.message_requests().iter().any(|r| {
        serde_json::to_string(r.messages())
            .unwrap()
            .contains(needle)
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn permission_callback_denies_bash_and_the_command_never_runs() {
    let Some(env) = CliTestEnv::start(Script::new()).await else {
        return;
    };
    let marker = env.project_dir().join("marker.txt");
    env.mock.set_script(
        Script::new()
            .then(bash(touch(env.project_dir(), "marker.txt")))
            .then(Reply::text("done")),
    );
    let seen: Arc<Mutex<Vec<PermissionRequest>>> = Arc::default();
    let log = seen.clone();
    let router = ControlRouter::new().can_use_tool(move |req: PermissionRequest| {
        log.lock().unwrap().push(req.clone());
        async move {
            if req.tool_name == "Bash" {
                PermissionResult::deny("host says no")
            } else {
                PermissionResult::allow()
            }
        }
    });
    let outcome = backend(&env, router)
        .query(Request::new("make the marker").with_options(common::options(&env)))
        .await
        .expect("query");

    assert!(!marker.exists(), "the denied command ran");
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].tool_name, "Bash");
    assert!(
        seen[0].input["command"]
            .as_str()
            .unwrap()
            .contains("marker.txt")
    );
    assert!(
        seen[0]
            .tool_use_id
            .as_deref()
            .is_some_and(|id| id.starts_with("toolu_"))
    );
    assert!(!seen[0].suggestions.is_empty(), "the CLI suggests rules");

    assert_eq!(
        outcome.permission_denials.len(),
        1,
        "{:?}",
        outcome.permission_denials
    );
    assert_eq!(outcome.permission_denials[0].tool_name, "Bash");
    let results = tool_results(&env);
    assert_eq!(results.len(), 1, "{results:?}");
    assert_eq!(results[0]["is_error"], true);
    assert_eq!(result_text(&results[0]), "host says no");
    assert_eq!(outcome.text, "done");
    common::assert_no_processes_left(&env).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allow_with_updated_input_runs_the_rewritten_command() {
    let Some(env) = CliTestEnv::start(Script::new()).await else {
        return;
    };
    let dir = env.project_dir().to_owned();
    env.mock.set_script(
        Script::new()
            .then(bash(touch(&dir, "asked.txt")))
            .then(Reply::text("done")),
    );
    let rewritten = touch(&dir, "rewritten.txt");
    let router = ControlRouter::new().can_use_tool(move |req: PermissionRequest| {
        let mut input = req.input.clone();
        input["command"] = json!(rewritten);
        async move { PermissionResult::allow_with_input(input) }
    });
    let outcome = backend(&env, router)
        .query(Request::new("touch it").with_options(common::options(&env)))
        .await
        .expect("query");
    assert!(
        dir.join("rewritten.txt").exists(),
        "the rewritten command did not run"
    );
    assert!(!dir.join("asked.txt").exists(), "the original command ran");
    assert!(outcome.permission_denials.is_empty());
    let results = tool_results(&env);
    assert_eq!(results.len(), 1);
    assert_ne!(results[0]["is_error"], true, "{results:?}");
    assert!(result_text(&results[0]).contains("made"), "{results:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn panicking_permission_callback_denies_instead_of_crashing() {
    let Some(env) = CliTestEnv::start(Script::new()).await else {
        return;
    };
    let marker = env.project_dir().join("panic.txt");
    env.mock.set_script(
        Script::new()
            .then(bash(touch(env.project_dir(), "panic.txt")))
            .then(Reply::text("survived")),
    );
    let router = ControlRouter::new().can_use_tool(|_req: PermissionRequest| async move {
        if true {
            panic!("callback bug");
        }
        PermissionResult::allow()
    });
    let outcome = backend(&env, router)
        .query(Request::new("try").with_options(common::options(&env)))
        .await
        .expect("the run goes on after a panicking callback");
    assert!(!marker.exists());
    assert_eq!(outcome.text, "survived");
    assert_eq!(outcome.permission_denials.len(), 1);
    let results = tool_results(&env);
    assert_eq!(results[0]["is_error"], true);
    assert!(
        result_text(&results[0]).contains("callback bug"),
        "{results:?}"
    );
    common::assert_no_processes_left(&env).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pre_tool_use_hook_blocks_one_call_and_lets_another_through() {
    let Some(env) = CliTestEnv::start(Script::new()).await else {
        return;
    };
    let dir = env.project_dir().to_owned();
    env.mock.set_script(
        Script::new()
            .then(bash(touch(&dir, "blocked.txt")))
            .then(bash(touch(&dir, "allowed.txt")))
            .then(Reply::text("done")),
    );
    let calls: Arc<Mutex<Vec<HookInput>>> = Arc::default();
    let log = calls.clone();
    let router =
        ControlRouter::new().hook(HookEvent::PreToolUse, "Bash", move |input: HookInput| {
            log.lock().unwrap().push(input.clone());
            async move {
                let command = input
                    .tool_input
                    .as_ref()
                    .and_then(|i| i["command"].as_str())
                    .unwrap_or("");
                if command.contains("blocked.txt") {
                    HookOutput::deny_tool("hook blocks this one")
                } else {
                    HookOutput::allow_tool("hook allows this one")
                }
            }
        });
    let outcome = backend(&env, router)
        .query(Request::new("two commands").with_options(common::options(&env)))
        .await
        .expect("query");

    assert!(!dir.join("blocked.txt").exists(), "the blocked command ran");
    assert!(
        dir.join("allowed.txt").exists(),
        "the allowed command did not run"
    );
    let calls = calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 2);
    assert!(
        calls
            .iter()
            .all(|c| c.hook_event_name == HookEvent::PreToolUse
                && c.tool_name.as_deref() == Some("Bash")
                && c.tool_use_id.is_some())
    );

    let results = tool_results(&env);
    assert_eq!(results.len(), 2, "{results:?}");
    assert_eq!(results[0]["is_error"], true);
    assert!(
        result_text(&results[0]).contains("hook blocks this one"),
        "{results:?}"
    );
    assert_ne!(results[1]["is_error"], true, "{results:?}");
    assert!(result_text(&results[1]).contains("made"), "{results:?}");
    assert_eq!(outcome.permission_denials.len(), 1);
    assert_eq!(outcome.text, "done");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hook_additional_context_reaches_the_model() {
    let Some(env) = CliTestEnv::start(
        Script::new()
            .then(bash("echo hello-from-tool".into()))
            .then(Reply::text("done")),
    )
    .await
    else {
        return;
    };
    let prompts: Arc<Mutex<Vec<String>>> = Arc::default();
    let prompt_log = prompts.clone();
    let responses: Arc<Mutex<Vec<Value>>> = Arc::default();
    let response_log = responses.clone();
    let router =
        ControlRouter::new()
            .hook(
                HookEvent::UserPromptSubmit,
                None,
                move |input: HookInput| {
                    prompt_log.lock().unwrap().extend(input.prompt.clone());
                    async move {
                        HookOutput::add_context(HookEvent::UserPromptSubmit, "CTX-PROMPT-7f3a")
                    }
                },
            )
            .hook(
                HookEvent::PostToolUse,
                HookMatcher::new("Bash").timeout(std::time::Duration::from_secs(30)),
                move |input: HookInput| {
                    response_log
                        .lock()
                        .unwrap()
                        .extend(input.tool_response.clone());
                    async move { HookOutput::add_context(HookEvent::PostToolUse, "CTX-POST-91bc") }
                },
            );
    let outcome = backend(&env, router)
        .query(Request::new("run echo").with_options(common::options(&env)))
        .await
        .expect("query");
    assert_eq!(outcome.text, "done");
    assert_eq!(*prompts.lock().unwrap(), ["run echo"]);
    let responses = responses.lock().unwrap().clone();
    assert_eq!(responses.len(), 1);
    assert!(
        responses[0]["stdout"]
            .as_str()
            .unwrap()
            .contains("hello-from-tool"),
        "{responses:?}"
    );

    let reqs = env.mock.message_requests();
    assert_eq!(reqs.len(), 2);
    let first = serde_json::to_string(reqs[0].messages()).unwrap();
    assert!(
        first.contains("CTX-PROMPT-7f3a"),
        "the prompt hook's context is missing"
    );
    assert!(
        !first.contains("CTX-POST-91bc"),
        "the tool hook cannot have run yet"
    );
    assert!(
        model_saw(&env, "CTX-POST-91bc"),
        "the PostToolUse context is missing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hook_can_rewrite_tool_input() {
    let Some(env) = CliTestEnv::start(Script::new()).await else {
        return;
    };
    let dir = env.project_dir().to_owned();
    env.mock.set_script(
        Script::new()
            .then(bash(touch(&dir, "original.txt")))
            .then(Reply::text("done")),
    );
    let rewritten = touch(&dir, "from-hook.txt");
    let router =
        ControlRouter::new().hook(HookEvent::PreToolUse, "Bash", move |input: HookInput| {
            let mut tool_input = input.tool_input.clone().unwrap_or_default();
            tool_input["command"] = json!(rewritten);
            async move { HookOutput::rewrite_input(tool_input) }
        });
    backend(&env, router)
        .query(Request::new("touch").with_options(common::options(&env)))
        .await
        .expect("query");
    assert!(dir.join("from-hook.txt").exists());
    assert!(!dir.join("original.txt").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runtime_control_requests_are_answered_by_the_real_cli() {
    let Some(env) = CliTestEnv::start(Script::always(Reply::text("ok"))).await else {
        return;
    };
    let client = common::backend(&env)
        .connect(common::options(&env))
        .await
        .expect("connect");

    client
        .set_max_thinking_tokens(Some(2048))
        .await
        .expect("set_max_thinking_tokens");
    client
        .set_max_thinking_tokens(None)
        .await
        .expect("reset thinking");

    let status = client.mcp_status().await.expect("mcp_status");
    assert!(status.servers.is_empty(), "{status:?}");

    let usage = client.context_usage().await.expect("context_usage");
    assert!(usage.max_tokens > 0, "{usage:?}");
    assert!(!usage.categories.is_empty());

    let rewind = client
        .rewind_files("00000000-0000-0000-0000-000000000000", true)
        .await
        .expect("rewind_files");
    assert!(!rewind.can_rewind);
    assert!(rewind.error.is_some_and(|e| e.contains("not enabled")));

    let err = client
        .mcp_toggle("no-such-server", false)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Execution, "{err:#}");
    assert!(err.message().contains("no-such-server"), "{err}");
    let err = client.mcp_reconnect("no-such-server").await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Execution);

    let set = client
        .mcp_set_servers(Map::new())
        .await
        .expect("mcp_set_servers");
    assert!(set.added.is_empty() && set.removed.is_empty());

    client.stop_task("no-such-task").await.expect("stop_task");

    let models = client.list_models().await.expect("list_models");
    assert!(models.iter().any(|m| m.value == "sonnet"), "{models:?}");

    let mut settings = Map::new();
    settings.insert("model".into(), json!("sonnet"));
    client
        .apply_flag_settings(settings)
        .await
        .expect("apply_flag_settings");
    let snapshot = client.settings().await.expect("settings");
    assert_eq!(snapshot.effective["model"], "sonnet", "{snapshot:?}");

    let receipt = client.interrupt_with_receipt().await.expect("interrupt");
    assert!(receipt.still_queued.is_empty());

    // The flag settings took effect: the next turn asks for the Sonnet model.
    let outcome = client.query("hi").await.expect("query");
    assert_eq!(outcome.text, "ok");
    let model = env
        .mock
        .message_requests()
        .last()
        .and_then(|r| r.model().map(str::to_owned));
    assert!(
        model.as_deref().is_some_and(|m| m.contains("sonnet")),
        "{model:?}"
    );

    client.close().await.expect("close");
    common::assert_no_processes_left(&env).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn permission_callback_with_another_prompt_tool_is_a_config_error() {
    let Some(env) = CliTestEnv::start(Script::always(Reply::text("ok"))).await else {
        return;
    };
    let router = ControlRouter::new()
        .can_use_tool(|_r: PermissionRequest| async move { PermissionResult::allow() });
    let err = backend(&env, router)
        .query(
            Request::new("hi")
                .with_options(common::options(&env).permission_prompt_tool("mcp__perm__ask")),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Config, "{err:#}");
    assert!(env.mock.message_requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hook_ask_hands_the_call_to_the_permission_callback() {
    let Some(env) = CliTestEnv::start(
        Script::new()
            .then(bash("echo read-only".into()))
            .then(Reply::text("done")),
    )
    .await
    else {
        return;
    };
    let reasons: Arc<Mutex<Vec<Option<String>>>> = Arc::default();
    let log = reasons.clone();
    let router = ControlRouter::new()
        .hook(HookEvent::PreToolUse, "Bash", |_i: HookInput| async move {
            HookOutput::ask("hook wants a human")
        })
        .can_use_tool(move |req: PermissionRequest| {
            log.lock().unwrap().push(req.decision_reason.clone());
            async move { PermissionResult::deny("the human said no") }
        });
    let outcome = backend(&env, router)
        .query(Request::new("echo").with_options(common::options(&env)))
        .await
        .expect("query");
    // `echo` alone is auto-allowed; the hook's ask made the CLI prompt.
    let reasons = reasons.lock().unwrap().clone();
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    assert!(
        reasons[0]
            .as_deref()
            .is_some_and(|r| r.contains("hook wants a human")),
        "{reasons:?}"
    );
    assert_eq!(result_text(&tool_results(&env)[0]), "the human said no");
    assert_eq!(outcome.permission_denials.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn panicking_hook_is_a_hook_failure_that_on_failure_block_turns_into_a_block() {
    let Some(env) = CliTestEnv::start(Script::new()).await else {
        return;
    };
    let dir = env.project_dir().to_owned();
    env.mock.set_script(
        Script::new()
            .then(bash(touch(&dir, "guarded.txt")))
            .then(Reply::text("done")),
    );
    let router = ControlRouter::new()
        .hook(
            HookEvent::PreToolUse,
            HookMatcher::new("Bash")
                .on_failure(claude_sdk_backend_cli::control::hooks::HookFailure::Block),
            |_i: HookInput| async move {
                if true {
                    panic!("guard hook bug");
                }
                HookOutput::new()
            },
        )
        // Would allow the call if the hook's failure did not block it.
        .can_use_tool(|_r: PermissionRequest| async move { PermissionResult::allow() });
    let outcome = backend(&env, router)
        .query(Request::new("touch").with_options(common::options(&env)))
        .await
        .expect("the run goes on after a panicking hook");
    assert!(
        !dir.join("guarded.txt").exists(),
        "a failed blocking hook let the tool run"
    );
    assert_eq!(outcome.text, "done");
    let results = tool_results(&env);
    assert_eq!(results[0]["is_error"], true, "{results:?}");
    common::assert_no_processes_left(&env).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_hook_block_makes_the_model_continue() {
    let Some(env) = CliTestEnv::start(
        Script::new()
            .then(Reply::text("first answer"))
            .then(Reply::text("second answer")),
    )
    .await
    else {
        return;
    };
    let active: Arc<Mutex<Vec<Option<bool>>>> = Arc::default();
    let log = active.clone();
    let router = ControlRouter::new().hook(HookEvent::Stop, None, move |input: HookInput| {
        log.lock().unwrap().push(input.stop_hook_active);
        async move {
            if input.stop_hook_active == Some(true) {
                HookOutput::new()
            } else {
                HookOutput::block("STOP-HOOK-a41e: also mention the weather")
            }
        }
    });
    let outcome = backend(&env, router)
        .query(Request::new("hello").with_options(common::options(&env)))
        .await
        .expect("query");
    assert_eq!(outcome.text, "second answer");
    assert_eq!(*active.lock().unwrap(), [Some(false), Some(true)]);
    let reqs = env.mock.message_requests();
    assert_eq!(reqs.len(), 2);
    assert!(
        model_saw(&env, "STOP-HOOK-a41e"),
        "the block reason did not reach the model"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deny_and_interrupt_ends_the_turn_without_asking_the_model_again() {
    let Some(env) = CliTestEnv::start(Script::new()).await else {
        return;
    };
    env.mock.set_script(
        Script::new()
            .then(bash(touch(env.project_dir(), "never.txt")))
            .then(Reply::text("the model was asked again")),
    );
    let router = ControlRouter::new().can_use_tool(|_r: PermissionRequest| async move {
        PermissionResult::deny_and_interrupt("stop everything")
    });
    let err = backend(&env, router)
        .query(Request::new("touch").with_options(common::options(&env)))
        .await
        .unwrap_err();
    // The turn ends `error_during_execution` with an abort: our `cancelled`.
    assert_eq!(err.code(), ErrorCode::Cancelled, "{err:#}");
    assert!(!env.project_dir().join("never.txt").exists());
    assert_eq!(
        env.mock.message_requests().len(),
        1,
        "the model was asked again"
    );
    common::assert_no_processes_left(&env).await;
}
