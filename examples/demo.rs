//! The offline demo (`cargo xtask demo`): the embedded mock Messages API, the real `claude`
//! CLI (installed by `cargo xtask install-cli`), and claude-sdk-rs driving it — a query, a
//! stream, and a three-turn conversation in one process, all recorded into a sled session store
//! on disk; then the store is reopened (as after a restart), searched, and the conversation
//! continued. No API key or network needed.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::Write;
use std::time::Duration;

use claude_sdk::session::{NewSession, SearchQuery, StoreSpec};
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
    let store_path = env.home().join("sessions");
    let spec = StoreSpec::Sled(store_path.clone());
    let store = claude_sdk::session::open(&spec).await?;
    println!("session store: {spec}");
    let client = Client::builder()
        .cli_path(&env.cli)
        .options(options.clone())
        .shared_store(store.clone())
        .build()?;

    println!("\n1) query");
    let outcome = client.query("Hi there 👋 — こんにちは").await?;
    println!(
        "   {}\n   CLI session {} · {} in / {} out tokens · ${:.6}",
        outcome.text,
        outcome.session_id,
        outcome.usage.input_tokens,
        outcome.usage.output_tokens,
        outcome.cost_usd.unwrap_or(0.0)
    );

    println!("\n2) stream");
    print!("   ");
    let streamed = client
        .new_session(NewSession::new().title("a stream"))
        .await?;
    let mut stream = client.stream_in(streamed.id, "Stream me something").await?;
    while let Some(event) = stream.next_event().await {
        if let Some(text) = event?.text_delta() {
            print!("{text}");
            std::io::stdout().flush()?;
        }
    }
    stream.finish().await?;
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
    let chat_id = chat.session_id().ok_or("the conversation is recorded")?;
    chat.close().await?;

    println!(
        "\n4) sessions: close the store, reopen it (as a new process would), search, continue"
    );
    drop(client);
    drop(store);
    let store = claude_sdk::session::open(&spec).await?;
    let listed = store.list(Default::default()).await?;
    println!(
        "   {} sessions stored in {}",
        listed.total,
        store_path.display()
    );
    let hits = store.search(SearchQuery::new().text("rust")).await?;
    for hit in &hits.items {
        println!(
            "   found {} ({} turns, score {:.2})",
            hit.meta.id, hit.meta.totals.turns, hit.score
        );
    }
    let found = hits
        .items
        .first()
        .ok_or("the search finds the conversation")?;
    assert_eq!(found.meta.id, chat_id);
    let client = Client::builder()
        .cli_path(&env.cli)
        .options(options.clone())
        .shared_store(store.clone())
        .build()?;
    let again = client
        .query_in(found.meta.id, "Do you still remember me?")
        .await?;
    println!("   > Do you still remember me?\n   < {}", again.text);
    let meta = store.meta(found.meta.id).await?;
    println!(
        "   session {} now has {} turns, {} entries (CLI session {})",
        meta.id,
        meta.totals.turns,
        meta.entries,
        meta.cli_session_id.as_deref().unwrap_or("?")
    );

    let requests = env.mock.message_requests();
    println!(
        "\nThe mock saw {} API requests; the last carried the whole conversation: {:?}",
        requests.len(),
        requests.last().map(|r| r.user_texts()).unwrap_or_default()
    );
    Ok(())
}
