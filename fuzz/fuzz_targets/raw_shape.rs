//! `RawMessage`'s shape fast path on `SAMPLE\nLINE` pairs: a line that matches a learned
//! shape must be one the scanner and the typed parse accept, with the same tags.
//!
//! The body is `claude_sdk_stream::fuzz::raw_shape`, shared with the stable smoke run
//! (`crates/stream/tests/fuzz_smoke.rs`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    claude_sdk_stream::fuzz::raw_shape::run(input);
});
