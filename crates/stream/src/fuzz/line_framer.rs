//! `LineFramer` on arbitrary bytes fed in arbitrary chunks (see [`super::support`] for the
//! input layout), owned and borrowed lines alternating. Checks: no panic; every line is non-empty, has no `\n` and fits the limit (only one
//! trailing `\r` is removed, so `a\r\r\n` gives `a\r`); the buffer stays within the limit
//! after draining; the lines are exactly those of the whole input split at `\n` (and the error
//! happens exactly when a line is too long); errors stick.

use super::support::{Plan, framer_reference};
use crate::{FrameError, LineFramer};

/// The target: panics when an invariant does not hold.
pub fn run(input: &[u8]) {
    let plan = Plan::new(input);
    let mut framer = LineFramer::new(plan.limit);
    let mut lines = Vec::new();
    let mut error = None;
    // Owned (`next_line`) and borrowed (`next_line_ref`) lines alternate, so both and their
    // mix on one framer are checked.
    let next = |framer: &mut LineFramer, n: usize| {
        if n.is_multiple_of(2) {
            framer.next_line().map(|l| l.map(|l| l.to_vec()))
        } else {
            framer.next_line_ref().map(|l| l.map(<[u8]>::to_vec))
        }
    };
    let drain = |framer: &mut LineFramer, lines: &mut Vec<Vec<u8>>| loop {
        match next(framer, lines.len()) {
            Ok(Some(line)) => lines.push(line),
            Ok(None) => {
                assert!(framer.buffered() <= plan.limit, "buffer past the limit");
                return None;
            }
            Err(e) => return Some(e),
        }
    };
    for (chunk, drain_now) in plan.chunks() {
        framer.feed(chunk);
        if drain_now {
            error = drain(&mut framer, &mut lines);
            if error.is_some() {
                break;
            }
        }
    }
    if error.is_none() {
        error = drain(&mut framer, &mut lines);
    }
    if error.is_none() {
        loop {
            let last = if lines.len().is_multiple_of(2) {
                framer.finish().map(|l| l.map(|l| l.to_vec()))
            } else {
                framer.finish_ref().map(|l| l.map(<[u8]>::to_vec))
            };
            match last {
                Ok(Some(line)) => lines.push(line),
                Ok(None) => break,
                Err(e) => {
                    error = Some(e);
                    break;
                }
            }
        }
    }

    for line in &lines {
        assert!(!line.is_empty());
        assert!(!line.contains(&b'\n'));
        assert!(line.len() <= plan.limit);
    }
    let (want, want_error) = framer_reference(plan.data, plan.limit);
    assert_eq!(lines, want, "lines differ from the whole-input split");
    assert_eq!(error.is_some(), want_error, "error: {error:?}");
    if let Some(e) = error {
        assert_eq!(e, FrameError::LineTooLong { limit: plan.limit });
        assert_eq!(framer.buffered(), 0, "memory not freed after the error");
        framer.feed(b"ok\n");
        assert_eq!(framer.next_line(), Err(e), "the error did not stick");
    } else {
        assert_eq!(framer.buffered(), 0);
    }
}
