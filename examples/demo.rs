//! The offline demo (`cargo xtask demo`): the embedded mock Messages API, the real `claude`
//! CLI (installed by `cargo xtask install-cli`), and claude-sdk-rs driving it — a query, a
//! stream, and a three-turn conversation in one process. No API key or network needed.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::Write;
use std::time::Duration;

use claude_sdk::{Client, Options};
use claude_sdk_testing::{CliTestEnv, Reply, Script};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The mock answers like a model would: streamed text that remembers what it was told.
    let script = Script::from_fn(|req| {
        let prompts = req.user_texts();
        let last = prompts.last().cloned().unwrap_or_default();
        let text = if last.starts_with("Stream") {
            return Reply::slow_text(
                [
                    "Streaming ",
                    "word ",
                    "by ",
                    "word, ",
                    "straight ",
                    "from ",
                    "the ",
                    "CLI.",
                ]
                .map(String::from)
                .to_vec(),
                Duration::from_millis(60),
            );
        } else if prompts.len() > 1 {
            format!(
                "Turn {}: you told me {:?} earlier; now you say {last:?}.",
                prompts.len(),
                prompts[0]
            )
        } else {
            format!("Hello! You said {last:?}.")
        };
        Reply::text(text).with_usage(120, 24)
    });
    let Some(env) = CliTestEnv::start(script).await else {
        return Err(
            "the claude CLI is not installed: run `cargo xtask install-cli` or set CLAUDE_CLI_PATH"
                .into(),
        );
    };
    println!(
        "mock Messages API at {}  ·  CLI {}",
        env.mock.base_url(),
        env.cli.display()
    );

    let mut options = Options::new().cwd(env.project_dir());
    for (k, v) in env.env() {
        options = options.env(k, v);
    }
    let client = Client::builder()
        .cli_path(&env.cli)
        .options(options.clone())
        .build()?;

    println!("\n1) query");
    let outcome = client.query("Hi there 👋 — こんにちは").await?;
    println!(
        "   {}\n   session {} · {} in / {} out tokens · ${:.6}",
        outcome.text,
        outcome.session_id,
        outcome.usage.input_tokens,
        outcome.usage.output_tokens,
        outcome.cost_usd.unwrap_or(0.0)
    );

    println!("\n2) stream");
    print!("   ");
    let mut stream = client.stream("Stream me something").await?;
    while let Some(event) = stream.next_event().await {
        if let Some(text) = event?.text_delta() {
            print!("{text}");
            std::io::stdout().flush()?;
        }
    }
    println!();

    println!("\n3) a conversation in one CLI process");
    let chat = client.connect().await?;
    for prompt in [
        "My name is Ada.",
        "I write Rust.",
        "What do you know about me?",
    ] {
        let o = chat.query(prompt).await?;
        println!("   > {prompt}\n   < {}", o.text);
    }
    println!("   (pid {} served all three turns)", chat.pid());
    chat.close().await?;

    let requests = env.mock.message_requests();
    println!(
        "\nThe mock saw {} API requests; the last carried the whole conversation: {:?}",
        requests.len(),
        requests.last().map(|r| r.user_texts()).unwrap_or_default()
    );
    Ok(())
}
