//! `SseParser` on arbitrary bytes fed in arbitrary chunks (see [`super::support`] for the
//! input layout). Checks: no panic; every event's data, type and id fit the limit; the buffer stays
//! within the limit after draining; the events, the final error, the last event id and the retry
//! are exactly what a plain whole-input implementation of the spec gives (so chunking never
//! changes the result); errors stick.

use super::support::{Plan, SseOutcome, sse_reference};
use crate::sse::{SseError, SseEvent, SseParser};

fn drain(parser: &mut SseParser, events: &mut Vec<SseEvent>, limit: usize) -> Option<SseError> {
    loop {
        match parser.next_event() {
            Ok(Some(event)) => events.push(event),
            Ok(None) => {
                // A partial byte order mark (2 bytes) may wait even with a limit of 1.
                assert!(parser.buffered() <= limit.max(2), "buffer past the limit");
                return None;
            }
            Err(e) => return Some(e),
        }
    }
}

/// The target: panics when an invariant does not hold.
pub fn run(input: &[u8]) {
    let plan = Plan::new(input);
    let mut parser = SseParser::new(plan.limit);
    let mut events = Vec::new();
    let mut error = None;
    for (chunk, drain_now) in plan.chunks() {
        parser.feed(chunk);
        if drain_now {
            error = drain(&mut parser, &mut events, plan.limit);
            if error.is_some() {
                break;
            }
        }
    }
    if error.is_none() {
        error = drain(&mut parser, &mut events, plan.limit);
    }
    if error.is_none() {
        loop {
            match parser.finish() {
                Ok(Some(event)) => events.push(event),
                Ok(None) => break,
                Err(e) => {
                    error = Some(e);
                    break;
                }
            }
        }
    }

    for event in &events {
        assert!(event.data.len() <= plan.limit);
        assert!(
            event
                .event
                .as_ref()
                .is_none_or(|t| !t.is_empty() && t.len() <= plan.limit)
        );
        assert!(
            event
                .id
                .as_ref()
                .is_none_or(|id| !id.is_empty() && !id.contains('\0'))
        );
        assert!(!event.event_type().contains(['\r', '\n']));
    }
    let got = SseOutcome {
        events,
        error: error.clone(),
        last_event_id: parser.last_event_id().map(str::to_owned),
        retry: parser.retry(),
    };
    let want = sse_reference(plan.data, plan.limit);
    assert_eq!(
        got, want,
        "streaming parse differs from the whole-input reference"
    );
    if let Some(e) = error {
        assert_eq!(parser.buffered(), 0, "memory not freed after the error");
        parser.feed(b"data: x\n\n");
        assert_eq!(parser.buffered(), 0);
        assert_eq!(
            parser.next_event(),
            Err(e.clone()),
            "the error did not stick"
        );
        assert_eq!(parser.finish(), Err(e));
    } else {
        assert_eq!(parser.buffered(), 0);
        assert_eq!(parser.finish(), Ok(None));
    }
}
