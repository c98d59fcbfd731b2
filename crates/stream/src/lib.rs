//! Streams for claude-sdk-rs: bounded line framing of NDJSON (sans-I/O [`LineFramer`] and the
//! async [`LineReader`]). A line past the limit is an error, never unbounded memory.
#![deny(missing_docs)]

pub mod framer;
pub mod reader;

pub use framer::{DEFAULT_MAX_LINE_BYTES, FrameError, LineFramer};
pub use reader::{LineReader, ReadLineError};
