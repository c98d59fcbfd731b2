//! Permission callback and hooks: deny risky shell commands, log every tool call, and give the
//! model extra context with each prompt.
//!
//! `cargo run -p claude-sdk-examples --example permissions` (uses your `claude` CLI and credentials).
#![allow(clippy::print_stdout)]

use claude_sdk::{Client, HookEvent, HookInput, HookOutput, PermissionRequest, PermissionResult};

#[tokio::main]
async fn main() -> claude_sdk::Result<()> {
    let client = Client::builder()
        // Asked whenever a tool would need the user's approval.
        .can_use_tool(|req: PermissionRequest| async move {
            let command = req.input["command"].as_str().unwrap_or_default();
            if req.tool_name == "Bash" && (command.contains("rm ") || command.contains("sudo")) {
                PermissionResult::deny("This host does not allow deleting files or sudo.")
            } else {
                println!("[allow] {} {}", req.tool_name, req.input);
                PermissionResult::allow()
            }
        })
        // Runs before every tool, approval needed or not.
        .hook(HookEvent::PreToolUse, None, |input: HookInput| async move {
            println!(
                "[hook] about to run {}",
                input.tool_name.unwrap_or_default()
            );
            HookOutput::new()
        })
        // Adds context to every prompt.
        .hook(
            HookEvent::UserPromptSubmit,
            None,
            |_input: HookInput| async move {
                HookOutput::add_context(HookEvent::UserPromptSubmit, "Answer in one sentence.")
            },
        )
        .build()?;

    let outcome = client
        .query("Create notes.txt containing 'hello', then show it with cat.")
        .await?;
    println!("{}", outcome.text);
    for denial in &outcome.permission_denials {
        println!("denied: {}", denial.tool_name);
    }
    Ok(())
}
