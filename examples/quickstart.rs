//! The facade in 20 lines: a query, a stream and a conversation.
//!
//! `cargo run -p claude-sdk-examples --example quickstart` (uses your `claude` CLI and credentials).
#![allow(clippy::print_stdout)]

use std::io::Write;

use claude_sdk::Client;

#[tokio::main]
async fn main() -> claude_sdk::Result<()> {
    let client = Client::builder().build()?;

    let outcome = client.query("Say hello in five words.").await?;
    println!(
        "{}  (${:.5}, {} tokens)",
        outcome.text,
        outcome.cost_usd.unwrap_or(0.0),
        outcome.usage.total_tokens()
    );

    let mut stream = client.stream("Count from one to five.").await?;
    while let Some(event) = stream.next_event().await {
        if let Some(text) = event?.text_delta() {
            print!("{text}");
            let _ = std::io::stdout().flush();
        }
    }
    println!();

    let chat = client.connect().await?;
    chat.query("My favourite colour is teal.").await?;
    println!("{}", chat.query("What is my favourite colour?").await?.text);
    chat.close().await?;
    Ok(())
}
