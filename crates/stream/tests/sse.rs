//! `claude_sdk_stream::sse` against a plain whole-input implementation of the WHATWG rules on
//! many generated streams and chunkings, on a Messages API stream decoded into core's
//! `StreamEvent`, and with large inputs under the limit.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use claude_sdk_core::message::{Delta, StreamEvent};
use claude_sdk_stream::sse::{SseError, SseEvent, SseParser};

/// Events, final error, last event id and retry.
type Outcome = (Vec<SseEvent>, Option<SseError>, Option<String>, Option<u64>);

/// Feeds `chunks`, draining after a chunk when `drain(i)` says so, then finishes.
fn stream(chunks: &[&[u8]], limit: usize, drain: impl Fn(usize) -> bool) -> Outcome {
    let mut parser = SseParser::new(limit);
    let mut events = Vec::new();
    let mut error = None;
    'feed: for (i, chunk) in chunks.iter().enumerate() {
        parser.feed(chunk);
        if drain(i) {
            loop {
                match parser.next_event() {
                    Ok(Some(e)) => events.push(e),
                    Ok(None) => break,
                    Err(e) => {
                        error = Some(e);
                        break 'feed;
                    }
                }
            }
            assert!(parser.buffered() <= limit.max(2));
        }
    }
    if error.is_none() {
        loop {
            match parser.finish() {
                Ok(Some(e)) => events.push(e),
                Ok(None) => break,
                Err(e) => {
                    error = Some(e);
                    break;
                }
            }
        }
    }
    let id = parser.last_event_id().map(str::to_owned);
    (events, error, id, parser.retry())
}

/// The event stream interpretation written the plain way, over the whole input, with this
/// crate's bounds, strict UTF-8 and end-of-input rules.
fn reference(input: &[u8], limit: usize) -> Outcome {
    let limit = limit.max(1);
    let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let mut lines = Vec::new();
    let (mut start, mut i) = (0, 0);
    while i < input.len() {
        if input[i] == b'\n' || input[i] == b'\r' {
            lines.push(&input[start..i]);
            if input[i] == b'\r' && input.get(i + 1) == Some(&b'\n') {
                i += 1;
            }
            start = i + 1;
        }
        i += 1;
    }
    let tail = &input[start..];
    let mut events = Vec::new();
    let (mut ty, mut data, mut id, mut event_retry, mut retry) =
        (String::new(), None::<String>, String::new(), None, None);
    // On error: the events so far, the error, and the id and retry seen so far.
    macro_rules! fail {
        ($e:expr) => {
            return (events, Some($e), (!id.is_empty()).then_some(id), retry)
        };
    }
    for (n, line) in lines.iter().enumerate() {
        if line.len() > limit {
            fail!(SseError::LineTooLong { limit });
        }
        if line.is_empty() {
            let t = std::mem::take(&mut ty);
            let r = event_retry.take();
            if let Some(data) = data.take() {
                events.push(SseEvent {
                    event: (!t.is_empty()).then_some(t),
                    data,
                    id: (!id.is_empty()).then(|| id.clone()),
                    retry: r,
                });
            }
            continue;
        }
        let Ok(line) = std::str::from_utf8(line) else {
            let e = SseError::InvalidUtf8 { line: n as u64 + 1 };
            fail!(e);
        };
        if line.starts_with(':') {
            continue;
        }
        let (field, value) = match line.find(':') {
            Some(c) => (
                &line[..c],
                line[c + 1..].strip_prefix(' ').unwrap_or(&line[c + 1..]),
            ),
            None => (line, ""),
        };
        match field {
            "event" => ty = value.to_owned(),
            "data" => {
                let joined = data.map_or_else(|| value.to_owned(), |d| format!("{d}\n{value}"));
                if joined.len() > limit {
                    fail!(SseError::DataTooLong { limit });
                }
                data = Some(joined);
            }
            "id" if !value.contains('\0') => id = value.to_owned(),
            "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                if let Ok(ms) = value.parse() {
                    (event_retry, retry) = (Some(ms), Some(ms));
                }
            }
            _ => {}
        }
    }
    let mut tail_is_data = false;
    if !tail.is_empty() {
        if tail.len() > limit {
            fail!(SseError::LineTooLong { limit });
        }
        let Ok(tail) = std::str::from_utf8(tail) else {
            let e = SseError::InvalidUtf8 {
                line: lines.len() as u64 + 1,
            };
            fail!(e);
        };
        tail_is_data = tail.split(':').next() == Some("data");
    }
    if data.is_some() || tail_is_data {
        fail!(SseError::UnexpectedEof);
    }
    (events, None, (!id.is_empty()).then_some(id), retry)
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Field parts of generated lines.
const FIELDS: &[&[u8]] = &[
    b"data", b"data", b"data", b"data:", b"data: ", b"data: ", b"event: ", b"event:", b"id: ",
    b"id", b"retry: ", b"retry:", b":", b": ", b"other: ", b"",
];

/// Value parts of generated lines.
const VALUES: &[&[u8]] = &[
    b"",
    b"x",
    b"ab",
    b" ab",
    b"1500",
    b"7",
    b":",
    b"message_start",
    b"{\"type\":\"ping\"}",
    "é".as_bytes(),
    "👋".as_bytes(),
];

/// Rarer pieces: a BOM or part of one, invalid UTF-8, NUL, a number too large for `retry`.
const RARE: &[&[u8]] = &[
    b"\xEF\xBB\xBF",
    b"\xEF",
    b"\xF0\x9F",
    b"\xFF",
    b"\0",
    b"99999999999999999999",
];

/// A stream of up to 12 lines: blank lines, fields with values (often many `data` lines),
/// every kind of line ending, now and then a rare piece, sometimes no final line ending.
fn generate(rng: &mut Rng) -> Vec<u8> {
    let mut input = Vec::new();
    let lines = rng.below(13);
    // A third of the streams are mostly `data:` lines, long events.
    let data_heavy = rng.below(3) == 0;
    for i in 0..lines {
        if data_heavy && rng.below(10) != 0 {
            input.extend_from_slice(b"data:");
            input.extend_from_slice(VALUES[rng.below(VALUES.len())]);
        } else if rng.below(4) != 0 {
            input.extend_from_slice(FIELDS[rng.below(FIELDS.len())]);
            for _ in 0..rng.below(3) {
                input.extend_from_slice(VALUES[rng.below(VALUES.len())]);
            }
        }
        if rng.below(40) == 0 {
            let at = rng.below(input.len() + 1);
            let piece = RARE[rng.below(RARE.len())];
            input.splice(at..at, piece.iter().copied());
        }
        if i + 1 < lines || rng.below(4) != 0 {
            input.extend_from_slice([&b"\n"[..], b"\r", b"\r\n"][rng.below(3)]);
        }
    }
    input
}

#[test]
fn matches_the_reference_on_generated_streams_and_chunkings() {
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    let mut checked = 0;
    // How many inputs ended each way: no error with or without events, or each kind of error.
    let mut kinds = [0usize; 6];
    for _ in 0..10_000 {
        let input = generate(&mut rng);
        // Limits around the longest line, so that each kind of outcome is common.
        let longest = input
            .split(|&b| b == b'\n' || b == b'\r')
            .map(<[u8]>::len)
            .max()
            .unwrap_or(0);
        let limit = [
            1,
            longest.saturating_sub(1),
            longest,
            longest + 3,
            2 * longest,
            1 << 16,
        ][rng.below(6)];
        let want = reference(&input, limit);
        kinds[match (&want.1, want.0.is_empty()) {
            (None, false) => 0,
            (None, true) => 1,
            (Some(SseError::LineTooLong { .. }), _) => 2,
            (Some(SseError::DataTooLong { .. }), _) => 3,
            (Some(SseError::InvalidUtf8 { .. }), _) => 4,
            (Some(_), _) => 5,
        }] += 1;
        assert_eq!(stream(&[&input], limit, |_| true), want, "input {input:?}");
        for _ in 0..8 {
            let mut chunks = Vec::new();
            let mut rest = &input[..];
            while !rest.is_empty() {
                let (a, b) = rest.split_at(rng.below(rest.len() + 1));
                chunks.push(a);
                rest = b;
            }
            let mask = rng.next();
            let got = stream(&chunks, limit, |i| mask >> (i % 64) & 1 == 1);
            assert_eq!(got, want, "input {input:?} chunks {chunks:?} limit {limit}");
            checked += 1;
        }
    }
    // The generator is not degenerate: every outcome happens often.
    assert!(kinds.iter().all(|&k| k >= 100), "{kinds:?}");
    assert_eq!(checked, 80_000);
}

/// A Messages API stream as the API sends it (tool use, thinking, ping, CRLF endings).
const API: &str = "event: message_start\r\n\
data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_01\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"claude-opus-5-5\",\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":25,\"output_tokens\":1}}}\r\n\
\r\n\
event: content_block_start\r\n\
data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}}\r\n\
\r\n\
event: content_block_delta\r\n\
data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"Let me think.\"}}\r\n\
\r\n\
event: content_block_delta\r\n\
data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"signature_delta\",\"signature\":\"sig==\"}}\r\n\
\r\n\
event: content_block_stop\r\n\
data: {\"type\":\"content_block_stop\",\"index\":0}\r\n\
\r\n\
event: ping\r\n\
data: {\"type\": \"ping\"}\r\n\
\r\n\
event: content_block_start\r\n\
data: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_01\",\"name\":\"Bash\",\"input\":{}}}\r\n\
\r\n\
event: content_block_delta\r\n\
data: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"command\\\": \\\"echo hi\\\"}\"}}\r\n\
\r\n\
event: content_block_stop\r\n\
data: {\"type\":\"content_block_stop\",\"index\":1}\r\n\
\r\n\
event: message_delta\r\n\
data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":42}}\r\n\
\r\n\
event: message_stop\r\n\
data: {\"type\":\"message_stop\"}\r\n\
\r\n";

#[test]
fn messages_api_stream_decodes_into_stream_events() {
    let mut parser = SseParser::default();
    let mut decoded = Vec::new();
    // Chunks of 7 bytes put CR and LF in different chunks many times over.
    for chunk in API.as_bytes().chunks(7) {
        parser.feed(chunk);
        while let Some(event) = parser.next_event().unwrap() {
            let parsed: StreamEvent = serde_json::from_str(&event.data).unwrap();
            decoded.push((event.event_type().to_owned(), parsed));
        }
    }
    assert!(parser.finish().unwrap().is_none());

    let names: Vec<&str> = decoded.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "message_start",
            "content_block_start",
            "content_block_delta",
            "content_block_delta",
            "content_block_stop",
            "ping",
            "content_block_start",
            "content_block_delta",
            "content_block_stop",
            "message_delta",
            "message_stop",
        ]
    );
    assert!(matches!(decoded[0].1, StreamEvent::MessageStart { .. }));
    assert!(matches!(decoded[5].1, StreamEvent::Ping { .. }));
    assert!(matches!(decoded[10].1, StreamEvent::MessageStop { .. }));
    match &decoded[7].1 {
        StreamEvent::ContentBlockDelta {
            index: 1,
            delta: Delta::InputJsonDelta { partial_json, .. },
            ..
        } => assert_eq!(partial_json, r#"{"command": "echo hi"}"#),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn an_error_event_and_a_cut_stream() {
    let body = b"event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n";
    let (events, err, _, _) = stream(&[body], 1024, |_| true);
    assert_eq!(err, None);
    assert_eq!(events[0].event_type(), "error");
    assert!(matches!(
        serde_json::from_str::<StreamEvent>(&events[0].data).unwrap(),
        StreamEvent::Error { .. }
    ));

    // Cut in the middle of message_delta.
    let cut = API.find("{\"type\":\"message_delta\"").unwrap() + 10;
    let (events, err, _, _) = stream(&[&API.as_bytes()[..cut]], 1024, |_| true);
    assert_eq!(events.len(), 9);
    assert_eq!(err, Some(SseError::UnexpectedEof));
}

#[test]
fn large_events_within_the_limit_and_memory_bound_past_it() {
    const CHUNK: usize = 4096;
    let big = "x".repeat(1 << 20);
    let body = format!("event: content_block_delta\ndata: {big}\ndata: {big}\n\n");

    // 2 MiB + 1 of data fits a limit of 2 MiB + 1.
    let limit = (2 << 20) + 1;
    let mut parser = SseParser::new(limit);
    let mut got = None;
    for chunk in body.as_bytes().chunks(CHUNK) {
        parser.feed(chunk);
        if let Some(event) = parser.next_event().unwrap() {
            got = Some(event);
        }
        assert!(parser.buffered() <= limit);
    }
    assert_eq!(got.unwrap().data.len(), limit);

    // With a 64 KiB limit the first data line fails once 64 KiB have arrived, and the buffer
    // never holds more than the limit plus one chunk.
    let limit = 64 << 10;
    let mut parser = SseParser::new(limit);
    let mut fed = 0;
    let mut error = None;
    for chunk in body.as_bytes().chunks(CHUNK) {
        parser.feed(chunk);
        fed += chunk.len();
        assert!(parser.buffered() <= limit + CHUNK);
        if let Err(e) = parser.next_event() {
            error = Some(e);
            break;
        }
    }
    assert_eq!(error, Some(SseError::LineTooLong { limit }));
    assert!(fed <= limit + 2 * CHUNK, "failed late, after {fed} bytes");
    assert_eq!(parser.buffered(), 0);
}

#[test]
fn reconnect_state() {
    let (events, err, id, retry) = stream(
        &[b"retry: 3000\nid: evt-1\ndata: a\n\nid: evt-2\n\n: keep-alive\n"],
        64,
        |_| true,
    );
    assert_eq!(err, None);
    assert_eq!(
        events,
        [SseEvent {
            event: None,
            data: "a".to_owned(),
            id: Some("evt-1".to_owned()),
            retry: Some(3000),
        }]
    );
    // The id of the dataless block still counts for reconnecting.
    assert_eq!((id.as_deref(), retry), (Some("evt-2"), Some(3000)));
}
