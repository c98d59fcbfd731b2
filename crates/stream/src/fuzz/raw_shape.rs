//! The shape fast path of `RawMessage` (`crates/core/src/message/raw/shape.rs`) on one line:
//! the shapes of the recorded CLI session (`benches/fixtures/cli-session.ndjson`, one sample
//! line per shape) are learned, and the input is matched against each. Checks: every sample
//! matches its own shape; an input that matches a shape is accepted by the scanner with the
//! same `type`/`subtype` spans and by `Message::from_slice`. Then `RawMessage::from_slice`
//! (whose per-thread cache has learned shapes by then) must agree with `Message::from_slice`
//! as in `event_parser` (`raw_agrees`).

use std::sync::OnceLock;

use claude_sdk_core::message::{RawMessage, raw_fuzzing};

/// The recorded session: real CLI lines of every kind the fixture has.
const FIXTURE: &[u8] = include_bytes!("../../benches/fixtures/cli-session.ndjson");

/// One fixture line per distinct (`type`, `subtype`, event type, block type) — enough to
/// cover the fixture's shapes without learning every line.
fn shapes() -> &'static [raw_fuzzing::Learned] {
    static SHAPES: OnceLock<Vec<raw_fuzzing::Learned>> = OnceLock::new();
    SHAPES.get_or_init(|| {
        let mut seen = std::collections::HashSet::new();
        FIXTURE
            .split(|&b| b == b'\n')
            .filter(|line| !line.is_empty())
            .filter(|line| {
                let kind = RawMessage::from_slice(line)
                    .ok()
                    .and_then(|raw| raw.parse().ok())
                    .map(|m| format!("{m:?}").chars().take(60).collect::<String>());
                seen.insert(kind)
            })
            .map(|sample| raw_fuzzing::Learned::of(sample).expect("the fixture's lines scan"))
            .collect()
    })
}

/// The target: panics when an invariant does not hold. Returns whether the input matched a
/// sample's shape (so the smoke run can check the mutations reach the fast path).
pub fn run(input: &[u8]) -> bool {
    let mut matched = false;
    for shape in shapes() {
        matched |= shape.check(input);
    }
    super::event_parser::raw_agrees(input);
    matched
}
