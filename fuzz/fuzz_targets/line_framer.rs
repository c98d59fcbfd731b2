//! `LineFramer` on arbitrary bytes fed in arbitrary chunks (see
//! `claude_sdk_stream::fuzz::support` for the input layout). Checks: no panic; every line is non-empty, has no `\n` and fits the limit (only one
//! trailing `\r` is removed, so `a\r\r\n` gives `a\r`); the buffer stays within the limit
//! after draining; the lines are exactly those of the whole input split at `\n` (and the error
//! happens exactly when a line is too long); errors stick.
//!
//! The body is `claude_sdk_stream::fuzz::line_framer`, shared with the stable smoke run
//! (`crates/stream/tests/fuzz_smoke.rs`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| claude_sdk_stream::fuzz::line_framer::run(input));
