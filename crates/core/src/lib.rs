//! Core types of claude-sdk-rs: the wire messages of the Claude Code CLI, request
//! [`Options`], the opaque [`Error`] with stable [`ErrorCode`]s, and the [`Backend`] contract
//! ([`Request`] in, [`EventStream`] of [`Event`]s out, ending in an [`Outcome`]).
//!
//! This crate has no async runtime and does no I/O.
#![deny(missing_docs)]

pub mod backend;
pub mod error;
pub mod event;
pub mod message;
pub mod options;
pub mod request;

pub use backend::Backend;
pub use error::{Error, ErrorCode, ErrorContext, Result};
pub use event::{BoxEventStream, Event, EventStream, Outcome, result_error};
pub use message::{ContentBlock, Message, ResultMessage, Usage, UserContent};
pub use options::{Effort, Options, PermissionMode, SettingSource, SystemPrompt};
pub use request::Request;
