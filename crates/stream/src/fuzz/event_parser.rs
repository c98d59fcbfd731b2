//! `Message::from_slice` on arbitrary bytes. Checks: no panic; `type_name` works; an `Ok`
//! message serializes to JSON and parses back to an equal message (round-trip), and that JSON
//! is a fixed point (serializing the re-parsed message gives the same bytes). The lazy
//! `RawMessage::from_slice` accepts exactly the same lines, keeps them verbatim, reads the same
//! `type` (input without repeated keys) and parses to the same message.
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

use super::support::{has_duplicate_keys, json_eq_ulps};
use claude_sdk_core::message::{Message, RawMessage};

/// Serializes and parses again; panics with the JSON on failure.
fn round_trip(message: &Message) -> (Vec<u8>, Message) {
    let json = match serde_json::to_vec(message) {
        Ok(json) => json,
        Err(e) => panic!("a parsed message does not serialize: {e}\n{message:?}"),
    };
    match Message::from_slice(&json) {
        Ok(again) => (json, again),
        Err(e) => panic!(
            "serialized message does not parse: {e}\njson: {}",
            String::from_utf8_lossy(&json)
        ),
    }
}

/// Equal, or equal up to a few ULP in numbers (same variant, same JSON otherwise).
fn nearly_equal(a: &Message, b: &Message) -> bool {
    if a == b {
        return true;
    }
    if std::mem::discriminant(a) != std::mem::discriminant(b) {
        return false;
    }
    match (serde_json::to_value(a), serde_json::to_value(b)) {
        (Ok(a), Ok(b)) => json_eq_ulps(&a, &b, 4),
        _ => false,
    }
}

/// `RawMessage::from_slice` against `Message::from_slice` on `input`: the same acceptance, the
/// line kept verbatim, the same message from `RawMessage::parse`, the same `type` (input
/// without repeated keys). Returns the typed message when both accept. Shared with `raw_shape`.
pub fn raw_agrees(input: &[u8]) -> Option<Message> {
    let parsed = Message::from_slice(input);
    let raw = RawMessage::from_slice(input);
    assert_eq!(
        parsed.is_ok(),
        raw.is_ok(),
        "Message and RawMessage disagree: {parsed:?} / {raw:?}"
    );
    let (Ok(message), Ok(raw)) = (parsed, raw) else {
        return None;
    };
    assert_eq!(
        raw.as_str().as_bytes(),
        input,
        "RawMessage changed the line"
    );
    assert_eq!(
        raw.parse().ok().as_ref(),
        Some(&message),
        "RawMessage::parse differs"
    );
    if !has_duplicate_keys(input) {
        assert_eq!(
            raw.type_name(),
            message.type_name(),
            "RawMessage type differs"
        );
    }
    Some(message)
}

/// The target: panics when an invariant does not hold.
pub fn run(input: &[u8]) {
    let Some(mut message) = raw_agrees(input) else {
        return;
    };
    if has_duplicate_keys(input) {
        message = round_trip(&message).1;
    }
    let (json, again) = round_trip(&message);
    assert!(
        nearly_equal(&message, &again),
        "round trip changed the message\njson: {}\nbefore: {message:?}\nafter:  {again:?}",
        String::from_utf8_lossy(&json)
    );
    let (json2, third) = round_trip(&again);
    assert!(
        nearly_equal(&again, &third),
        "second round trip changed the message\njson: {}",
        String::from_utf8_lossy(&json2)
    );
}
