//! Runnable examples for claude-sdk-rs. See `quickstart.rs` and `demo.rs`:
//!
//! - `cargo run -p claude-sdk-examples --example quickstart` — the facade against your real setup
//!   (needs the `claude` CLI and an API key, or `ANTHROPIC_BASE_URL` pointing at a mock).
//! - `cargo xtask demo` — everything offline: the embedded mock API + the real CLI.
//! - `cargo run -p claude-sdk-examples --example mcp_tool` — an in-process MCP tool in Rust,
//!   called by the real CLI (offline, like the demo).
