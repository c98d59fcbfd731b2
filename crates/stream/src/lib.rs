//! Streams for claude-sdk-rs.
//!
//! - [`framer`] / [`reader`]: bounded line framing of NDJSON (sans-I/O [`LineFramer`], async
//!   [`LineReader`]). A line past the limit is an error, never unbounded memory.
//! - [`sse`]: a bounded, sans-I/O Server-Sent Events parser.
//! - [`partial`]: partial parsing while a message streams — text and thinking so far, tool inputs
//!   parsed incrementally from their JSON deltas, structured output fields as they complete.
//! - [`transform`]: combinators over event streams and the [`transform::Transformer`] trait.
//! - [`compose`]: merge (tagged by source), race, concat.
//! - [`broadcast`]: fan-out to several consumers with a per-consumer buffering policy.
#![deny(missing_docs)]

pub mod broadcast;
pub mod compose;
pub mod framer;
#[doc(hidden)]
pub mod fuzz;
pub mod partial;
pub mod reader;
pub mod sse;
pub mod transform;

pub use framer::{DEFAULT_MAX_LINE_BYTES, FrameError, LineFramer};
pub use reader::{LineReader, ReadLineError};
