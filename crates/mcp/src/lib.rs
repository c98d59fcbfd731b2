//! MCP tools for claude-sdk-rs, built on [rmcp](https://docs.rs/rmcp) (protocol types and
//! transports are rmcp's):
//!
//! - [`Tool`] / [`McpServer`]: tools written in Rust (typed input, schema from schemars, async
//!   handler), grouped into a server.
//! - [`SdkMcpServers`]: those servers served in-process to the CLI (`--mcp-config` with
//!   `"type":"sdk"` + the `mcp_message` control handler).
//! - [`validate`]: a [`ValidationReport`] for a tool set before a query.
//! - [`adapters`]: a shell command, an HTTP endpoint or a closure as a tool.
//! - [`analytics`]: per-tool calls, errors, denials, latency percentiles.
//! - [`serve`]: the same servers standalone over stdio or streamable HTTP.
//! - [`client`]: connect to MCP servers from an MCP config file and list their tools,
//!   resources and prompts.
#![deny(missing_docs)]

pub mod adapters;
pub mod analytics;
pub mod client;
mod inprocess;
pub mod serve;
mod server;
pub mod tool;
pub mod validate;

pub use analytics::{ToolStats, UsageRecorder, UsageSnapshot};
pub use inprocess::SdkMcpServers;
pub use server::{McpServer, McpServerBuilder};
pub use tool::{IntoToolOutput, Tool, ToolHandler, ToolOutput};
pub use validate::{Issue, IssueKind, Severity, ValidationReport};

/// rmcp, re-exported for its model types (content blocks, resources, prompts, errors).
pub use rmcp;
/// schemars, re-exported for `#[derive(JsonSchema)]` on tool inputs.
pub use schemars;
