//! `Message::from_slice` on arbitrary bytes. Checks: no panic; `type_name` works; an `Ok`
//! message serializes to JSON and parses back to an equal message (round-trip), and that JSON
//! is a fixed point (serializing the re-parsed message gives the same bytes).
//!
//! Two known exceptions (reported, see docs/fuzzing.md), so that the fuzzer can look past them:
//!
//! - Input with a repeated object key. The typed parse rejects the duplicate field, so the
//!   object is kept in an unknown arm (`Message::Unknown`, `ControlResponse::Other`, …) with the
//!   last value of the key; serialized, it has unique keys and parses as the typed variant. For
//!   such input the round trip starts from the re-parsed message.
//! - Floating point numbers. Without its `float_roundtrip` feature serde_json may parse a
//!   decimal 1 ULP off, so `3.888888888888889e+106` printed and read back can change. Numbers
//!   may differ by a few ULP; everything else must be equal.
//!
//! The body is `claude_sdk_stream::fuzz::event_parser`, shared with the stable smoke run
//! (`crates/stream/tests/fuzz_smoke.rs`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| claude_sdk_stream::fuzz::event_parser::run(input));
