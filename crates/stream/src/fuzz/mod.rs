//! The bodies of the fuzz targets in `fuzz/` (cargo-fuzz, nightly), shared with the stable
//! smoke run in `tests/fuzz_smoke.rs` so that both check the same invariants. Not part of the
//! public API: each `run` panics when an invariant does not hold, which is what a fuzz target
//! is for. See docs/fuzzing.md.
#![allow(missing_docs, clippy::missing_panics_doc)]

pub mod event_parser;
pub mod line_framer;
pub mod raw_shape;
pub mod sse_parser;
pub mod support;
