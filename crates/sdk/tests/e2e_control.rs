//! End-to-end through the facade: the builder's permission callback and hooks reach the real
//! CLI, on every turn of a multi-turn conversation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};

use claude_sdk::{
    Client, HookEvent, HookInput, HookOutput, Options, PermissionRequest, PermissionResult,
};
use claude_sdk_testing::{CliTestEnv, Reply, Script};
use serde_json::json;

fn options(env: &CliTestEnv) -> Options {
    let mut o = Options::new().cwd(env.project_dir());
    for (k, v) in env.env() {
        o = o.env(k, v);
    }
    o
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn builder_callbacks_serve_every_turn_of_a_conversation() {
    let Some(env) = CliTestEnv::start(Script::new()).await else {
        return;
    };
    let dir = env.project_dir().to_owned();
    let touch = |name: &str| {
        Reply::tool_use(
            "Bash",
            json!({"command": format!("touch {}", dir.join(name).display()), "description": "t"}),
        )
    };
    env.mock.set_script(
        Script::new()
            .then(touch("one.txt"))
            .then(Reply::text("first"))
            .then(touch("two.txt"))
            .then(Reply::text("second")),
    );
    let asked: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = asked.clone();
    let prompts: Arc<Mutex<Vec<String>>> = Arc::default();
    let prompt_log = prompts.clone();
    let client = Client::builder()
        .cli_path(&env.cli)
        .cli_max_retries(0)
        .options(options(&env))
        .can_use_tool(move |req: PermissionRequest| {
            let command = req.input["command"].as_str().unwrap_or_default().to_owned();
            log.lock().unwrap().push(command.clone());
            async move {
                if command.contains("two.txt") {
                    PermissionResult::deny("not the second one")
                } else {
                    PermissionResult::allow()
                }
            }
        })
        .hook(
            HookEvent::UserPromptSubmit,
            None,
            move |input: HookInput| {
                prompt_log.lock().unwrap().extend(input.prompt);
                async move { HookOutput::new() }
            },
        )
        .build()
        .expect("build");

    let chat = client.connect().await.expect("connect");
    let first = chat.query("make one").await.expect("first turn");
    let second = chat.query("make two").await.expect("second turn");
    chat.close().await.expect("close");

    assert_eq!(
        (first.text.as_str(), second.text.as_str()),
        ("first", "second")
    );
    assert!(dir.join("one.txt").exists());
    assert!(!dir.join("two.txt").exists());
    assert_eq!(asked.lock().unwrap().len(), 2);
    assert_eq!(*prompts.lock().unwrap(), ["make one", "make two"]);
    assert!(first.permission_denials.is_empty());
    assert_eq!(second.permission_denials.len(), 1);
}
