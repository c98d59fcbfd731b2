//! # claude-sdk
//!
//! Drive Claude from Rust. This facade puts a [`Client`] over the backends of claude-sdk-rs —
//! today the real Claude Code CLI as a child process — and re-exports the types you need.
//!
//! ```no_run
//! use claude_sdk::{Client, Options};
//!
//! # async fn demo() -> claude_sdk::Result<()> {
//! let client = Client::builder().model("sonnet").build()?;
//!
//! // One-shot
//! let outcome = client.query("Write a haiku about Rust").await?;
//! println!("{} (cost ${:.5})", outcome.text, outcome.cost_usd.unwrap_or(0.0));
//!
//! // Streaming text as it arrives
//! let mut stream = client.stream("Count to five").await?;
//! while let Some(event) = stream.next_event().await {
//!     if let Some(text) = event?.text_delta() {
//!         print!("{text}");
//!     }
//! }
//!
//! // A conversation in one long-lived process
//! let chat = client.connect().await?;
//! chat.query("My name is Ada.").await?;
//! let answer = chat.query("What is my name?").await?;
//! println!("{}", answer.text);
//! chat.close().await?;
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

mod client;
mod conversation;

pub use client::{Client, ClientBuilder, RecordedStream};
pub use conversation::Conversation;

/// MCP: in-process tools, servers, discovery, validation, adapters, analytics (feature `mcp`).
#[cfg(feature = "mcp")]
pub mod mcp {
    pub use claude_sdk_mcp::*;
}

/// Sessions: stores (sled, Redis, memory), the record model, search, export and import.
pub mod session {
    pub use claude_sdk_session::*;
}

pub use claude_sdk_core::message;
pub use claude_sdk_core::{
    Backend, ContentBlock, Effort, Error, ErrorCode, ErrorContext, Event, EventStream, Message,
    Options, Outcome, PermissionMode, Request, Result, ResultMessage, SettingSource, SystemPrompt,
    Usage, UserContent,
};

pub use claude_sdk_backend_cli::ControlRouter;
pub use claude_sdk_backend_cli::control::hooks::{HookEvent, HookInput, HookMatcher, HookOutput};
pub use claude_sdk_backend_cli::control::permission::{
    PermissionRequest, PermissionResult, PermissionRule, PermissionUpdate,
};

/// The Claude Code CLI backend (process settings, discovery, the multi-turn client).
pub mod cli {
    pub use claude_sdk_backend_cli::*;
}

/// Line framing and stream utilities.
pub mod stream {
    pub use claude_sdk_stream::*;
}
