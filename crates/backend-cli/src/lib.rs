//! The Claude Code CLI as a backend: the `claude` binary as a child process speaking
//! stream-json on stdin/stdout.
//!
//! - [`discovery`]: find the binary (explicit path, `CLAUDE_CLI_PATH`, `PATH`, usual places) and
//!   check its version.
//! - [`argv`]: options → flags the CLI really has; the prompt always goes on stdin.
//! - [`process`]: own process group, kill + reap on every path, bounded stderr tail.
//! - [`control`]: the control protocol — [`ControlRouter`] answers permission prompts
//!   ([`PermissionResult`]) and hooks ([`HookOutput`]); typed runtime-control answers.
//! - [`CliClient`]: a long-lived multi-turn process with `interrupt` and runtime control.
//! - [`CliBackend`]: one-shot `query` / `stream`, and the `tower` service.
#![deny(missing_docs)]

pub mod argv;
mod backend;
mod client;
pub mod config;
mod connection;
pub mod control;
pub mod discovery;
pub mod process;
pub mod redact;

pub use backend::CliBackend;
pub use client::{CliClient, TurnStream};
pub use config::CliConfig;
pub use control::hooks::{HookEvent, HookInput, HookMatcher, HookOutput};
pub use control::permission::{PermissionRequest, PermissionResult, PermissionUpdate};
pub use control::{ControlError, ControlHandler, ControlRouter, HandlerFuture, Unsupported};
pub use discovery::{MIN_CLI_VERSION, PINNED_CLI_VERSION, Version, find_cli};
