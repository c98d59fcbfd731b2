//! `SseParser` on arbitrary bytes fed in arbitrary chunks (see
//! `claude_sdk_stream::fuzz::support` for the input layout). Checks: no panic; every event's data, type and id fit the limit; the buffer stays
//! within the limit after draining; the events, the final error, the last event id and the retry
//! are exactly what a plain whole-input implementation of the spec gives (so chunking never
//! changes the result); errors stick.
//!
//! The body is `claude_sdk_stream::fuzz::sse_parser`, shared with the stable smoke run
//! (`crates/stream/tests/fuzz_smoke.rs`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| claude_sdk_stream::fuzz::sse_parser::run(input));
