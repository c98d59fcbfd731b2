//! The fuzz targets' shared pieces live in `claude_sdk_stream::fuzz` (so that the stable smoke
//! run in the normal test suite replays the same bodies); re-exported here for tools and
//! one-off experiments in this crate.

pub use claude_sdk_stream::fuzz::support::*;
