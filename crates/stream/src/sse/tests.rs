#![allow(clippy::unwrap_used)]

use super::*;

/// Parses `input` fed in the given chunks; draining after every chunk. Returns the events and
/// the error that stopped the parse, if any.
fn parse_chunks<'a>(
    chunks: impl IntoIterator<Item = &'a [u8]>,
    limit: usize,
) -> (Vec<SseEvent>, Option<SseError>) {
    let mut parser = SseParser::new(limit);
    let mut events = Vec::new();
    for chunk in chunks {
        parser.feed(chunk);
        loop {
            match parser.next_event() {
                Ok(Some(event)) => events.push(event),
                Ok(None) => break,
                Err(e) => return (events, Some(e)),
            }
        }
        assert!(parser.buffered() <= limit.max(2), "buffer past the limit");
    }
    loop {
        match parser.finish() {
            Ok(Some(event)) => events.push(event),
            Ok(None) => return (events, None),
            Err(e) => return (events, Some(e)),
        }
    }
}

/// The result is the same for the whole input, every chunk size, and every split into three
/// (into two for long inputs).
fn parse_every_chunking(input: &[u8], limit: usize) -> (Vec<SseEvent>, Option<SseError>) {
    let whole = parse_chunks([input], limit);
    for size in 1..=input.len().max(1) {
        assert_eq!(
            parse_chunks(input.chunks(size), limit),
            whole,
            "chunk size {size}"
        );
    }
    for i in 0..=input.len() {
        let js = if input.len() <= 200 {
            i..=input.len()
        } else {
            i..=i
        };
        for j in js {
            let chunks = [&input[..i], &input[i..j], &input[j..]];
            assert_eq!(parse_chunks(chunks, limit), whole, "split at {i} and {j}");
        }
    }
    whole
}

fn ev(event: Option<&str>, data: &str, id: Option<&str>, retry: Option<u64>) -> SseEvent {
    SseEvent {
        event: event.map(str::to_owned),
        data: data.to_owned(),
        id: id.map(str::to_owned),
        retry,
    }
}

fn data(data: &str) -> SseEvent {
    ev(None, data, None, None)
}

const API_STREAM: &str = "event: message_start\n\
data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"claude-opus-5-5\",\"stop_reason\":null,\"usage\":{\"input_tokens\":10,\"output_tokens\":1}}}\n\
\n\
event: content_block_start\n\
data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\
\n\
event: ping\n\
data: {\"type\": \"ping\"}\n\
\n\
event: content_block_delta\n\
data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"hé👋\"}}\n\
\n\
event: content_block_stop\n\
data: {\"type\":\"content_block_stop\",\"index\":0}\n\
\n\
event: message_delta\n\
data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":5}}\n\
\n\
event: message_stop\n\
data: {\"type\":\"message_stop\"}\n\
\n";

#[test]
fn messages_api_stream_on_every_chunking() {
    let (events, err) = parse_every_chunking(API_STREAM.as_bytes(), 1024);
    assert_eq!(err, None);
    let types: Vec<&str> = events.iter().map(SseEvent::event_type).collect();
    assert_eq!(
        types,
        [
            "message_start",
            "content_block_start",
            "ping",
            "content_block_delta",
            "content_block_stop",
            "message_delta",
            "message_stop"
        ]
    );
    for event in &events {
        let json: serde_json::Value = serde_json::from_str(&event.data).unwrap();
        assert_eq!(json["type"], event.event_type());
        assert_eq!((event.id.as_deref(), event.retry), (None, None));
    }
    assert!(events[3].data.contains("hé👋"));
}

#[test]
fn messages_api_stream_with_crlf_and_cr() {
    let (lf, _) = parse_chunks([API_STREAM.as_bytes()], 1024);
    let crlf = API_STREAM.replace('\n', "\r\n");
    assert_eq!(
        parse_every_chunking(crlf.as_bytes(), 1024),
        (lf.clone(), None)
    );
    let cr = API_STREAM.replace('\n', "\r");
    assert_eq!(parse_every_chunking(cr.as_bytes(), 1024), (lf, None));
}

#[test]
fn fields_per_the_spec() {
    let input = "\u{feff}: a comment\n\
data\n\
\n\
data:no space\n\
data:  two spaces\n\
data: \n\
data:x:y\n\
\n\
event:custom\n\
unknown: field\n\
DATA: not data\n\
data : not data either\n\
data: after\n\
\n\
event: dropped\n\
\n\
data: typeless again\n\
\n";
    let (events, err) = parse_every_chunking(input.as_bytes(), 64);
    assert_eq!(err, None);
    assert_eq!(
        events,
        [
            data(""),
            data("no space\n two spaces\n\nx:y"),
            ev(Some("custom"), "after", None, None),
            data("typeless again"),
        ]
    );
}

#[test]
fn ids_persist_and_retry_is_digits_only() {
    let input = "id: 1\n\
data: a\n\
\n\
data: b\n\
\n\
id\n\
retry: 1500\n\
data: c\n\
\n\
id: 2\n\
retry: 12a\n\
\n\
id: 3\0x\n\
retry: 99999999999999999999999\n\
retry: -1\n\
retry:\n\
data: d\n\
\n";
    let mut parser = SseParser::new(64);
    parser.feed(input.as_bytes());
    let mut events = Vec::new();
    while let Some(event) = parser.finish().unwrap() {
        events.push(event);
    }
    assert_eq!(
        events,
        [
            ev(None, "a", Some("1"), None),
            ev(None, "b", Some("1"), None),
            // An empty id resets the last event id.
            ev(None, "c", None, Some(1500)),
            // The id from the dataless block persists; the one with NUL is ignored.
            ev(None, "d", Some("2"), None),
        ]
    );
    assert_eq!(parser.last_event_id(), Some("2"));
    assert_eq!(parser.retry(), Some(1500));
    assert_eq!(parse_every_chunking(input.as_bytes(), 64), (events, None));
}

#[test]
fn cr_at_the_end_of_a_chunk_and_lf_at_the_start_of_the_next() {
    let mut parser = SseParser::new(64);
    parser.feed(b"data: a\r");
    assert_eq!(parser.next_event(), Ok(None));
    parser.feed(b"\n\r");
    // The blank line (`\r`) ended the event; the LF after the first CR was not a blank line.
    assert_eq!(parser.next_event(), Ok(Some(data("a"))));
    parser.feed(b"\ndata: b\r\r");
    assert_eq!(parser.next_event(), Ok(Some(data("b"))));
    assert_eq!(parser.finish(), Ok(None));

    // CR CR LF is two line endings: the second one a blank line.
    let (events, err) = parse_every_chunking(b"data: a\r\r\ndata: b\n\n", 64);
    assert_eq!((events, err), (vec![data("a"), data("b")], None));
    // LF CR is two line endings too.
    let (events, err) = parse_every_chunking(b"data: a\n\rdata: b\n\r", 64);
    assert_eq!((events, err), (vec![data("a"), data("b")], None));
}

#[test]
fn byte_order_mark_only_at_the_start() {
    let (events, _) = parse_every_chunking("\u{feff}data: a\n\n".as_bytes(), 64);
    assert_eq!(events, [data("a")]);
    // A second BOM is part of the field name, so the line is an unknown field.
    let (events, _) = parse_every_chunking("\u{feff}\u{feff}data: a\n\ndata: b\n\n".as_bytes(), 64);
    assert_eq!(events, [data("b")]);
    let (events, _) = parse_every_chunking("data: a\n\n\u{feff}data: b\n\n".as_bytes(), 64);
    assert_eq!(events, [data("a")]);
    // A stream that is only a BOM is empty.
    assert_eq!(parse_every_chunking(BOM, 64), (vec![], None));
}

#[test]
fn limit_is_exact_and_sticky() {
    // A line of exactly the limit is fine, CR or LF not counted.
    let (events, err) = parse_every_chunking(b"data:abcd\r\n\r\n", 9);
    assert_eq!((events, err), (vec![data("abcd")], None));
    let (events, err) = parse_every_chunking(b"data: x\n\ndata:abcde\n\ndata: y\n\n", 9);
    assert_eq!(
        (events, err),
        (vec![data("x")], Some(SseError::LineTooLong { limit: 9 }))
    );

    let mut parser = SseParser::new(4);
    parser.feed(b"abcd");
    assert_eq!(parser.next_event(), Ok(None));
    parser.feed(b"e");
    // Reported before the line ends; the memory is freed.
    assert_eq!(parser.next_event(), Err(SseError::LineTooLong { limit: 4 }));
    assert_eq!(parser.buffered(), 0);
    parser.feed(b"\n\ndata: x\n\n");
    assert_eq!(parser.buffered(), 0);
    assert_eq!(parser.next_event(), Err(SseError::LineTooLong { limit: 4 }));
    assert_eq!(parser.finish(), Err(SseError::LineTooLong { limit: 4 }));
}

#[test]
fn data_limit_counts_the_joined_data() {
    // Every line fits, the joined data "abc\nabc\nabc" (11 bytes) does not.
    let input = b"data:abc\ndata:abc\ndata:abc\n\n";
    let (events, err) = parse_every_chunking(input, 8);
    assert_eq!(
        (events, err),
        (vec![], Some(SseError::DataTooLong { limit: 8 }))
    );
    // Exactly at the limit: "a\na\na\na" is 7 bytes.
    let (events, err) = parse_every_chunking(b"data:a\ndata:a\ndata:a\ndata:a\n\n", 7);
    assert_eq!((events, err), (vec![data("a\na\na\na")], None));
    // An empty data line still adds its newline.
    let input = b"data:a\ndata:a\ndata:a\ndata:a\ndata\n\n";
    let (events, err) = parse_every_chunking(input, 7);
    assert_eq!(
        (events, err),
        (vec![], Some(SseError::DataTooLong { limit: 7 }))
    );
    // The limit is per event.
    let (events, err) = parse_every_chunking(b"data:abcde\n\ndata:abcde\n\n", 10);
    assert_eq!((events, err), (vec![data("abcde"), data("abcde")], None));
}

#[test]
fn invalid_utf8_is_an_error_with_the_line_number() {
    let (events, err) = parse_every_chunking(b"data: a\n\n: ok\ndata: \xff\n\n", 64);
    assert_eq!(
        (events, err),
        (vec![data("a")], Some(SseError::InvalidUtf8 { line: 4 }))
    );
    // In a comment too: the stream must be UTF-8.
    let (_, err) = parse_every_chunking(b":\xc3\n", 64);
    assert_eq!(err, Some(SseError::InvalidUtf8 { line: 1 }));
    // And in an unterminated last line.
    let (_, err) = parse_every_chunking(b"data: a\n\n:\xe2\x82", 64);
    assert_eq!(err, Some(SseError::InvalidUtf8 { line: 3 }));
    // A character split across chunks is fine.
    let (events, err) = parse_every_chunking("data: 你好\n\n".as_bytes(), 64);
    assert_eq!((events, err), (vec![data("你好")], None));
}

#[test]
fn end_of_input() {
    // Nothing, or only complete events and harmless leftovers.
    assert_eq!(parse_every_chunking(b"", 64), (vec![], None));
    assert_eq!(
        parse_every_chunking(b"data: a\n\n: bye", 64),
        (vec![data("a")], None)
    );
    assert_eq!(
        parse_every_chunking(b"event: x\nid: 7\n", 64),
        (vec![], None)
    );
    assert_eq!(
        parse_every_chunking(b"event: x\nretry: 1", 64),
        (vec![], None)
    );
    // A started event is reported as cut.
    let cut = Some(SseError::UnexpectedEof);
    assert_eq!(
        parse_every_chunking(b"data: a\n\ndata: b\n", 64),
        (vec![data("a")], cut.clone())
    );
    assert_eq!(
        parse_every_chunking(b"data: a\n\ndata: b", 64),
        (vec![data("a")], cut.clone())
    );
    assert_eq!(parse_every_chunking(b"data", 64), (vec![], cut.clone()));
    assert_eq!(parse_every_chunking(b"data:\r", 64), (vec![], cut.clone()));
    // A final CR is a complete blank line.
    assert_eq!(
        parse_every_chunking(b"data: a\r\r", 64),
        (vec![data("a")], None)
    );

    // finish returns buffered events first, then the verdict; errors stick.
    let mut parser = SseParser::new(64);
    parser.feed(b"data: a\n\ndata: b\n\ndata: c");
    assert_eq!(parser.finish(), Ok(Some(data("a"))));
    assert_eq!(parser.finish(), Ok(Some(data("b"))));
    assert_eq!(parser.finish(), Err(SseError::UnexpectedEof));
    assert_eq!(parser.next_event(), Err(SseError::UnexpectedEof));
}

#[test]
fn long_line_in_many_chunks_is_scanned_once() {
    // Not a timing test: checks that the scan offset resumes (the work per byte is constant),
    // via the line being accepted exactly at the limit after many one-byte feeds.
    let limit = 10_000;
    let mut parser = SseParser::new(limit);
    parser.feed(b"data:");
    for _ in 0..limit - 5 {
        parser.feed(b"x");
        assert_eq!(parser.next_event(), Ok(None));
        assert!(parser.scanned == parser.buffered());
    }
    parser.feed(b"\n\n");
    let event = parser.next_event().unwrap().unwrap();
    assert_eq!(event.data.len(), limit - 5);
}

#[test]
fn memory_stays_bounded_while_draining() {
    let mut parser = SseParser::new(64);
    for i in 0..10_000 {
        parser.feed(format!("data: {i}\n\n").as_bytes());
        assert_eq!(parser.next_event().unwrap().unwrap().data, i.to_string());
        assert_eq!(parser.buffered(), 0);
    }
    assert!(parser.buf.capacity() <= 1024, "{}", parser.buf.capacity());
}

#[test]
fn errors_display_one_line() {
    for e in [
        SseError::LineTooLong { limit: 3 },
        SseError::DataTooLong { limit: 3 },
        SseError::InvalidUtf8 { line: 2 },
        SseError::UnexpectedEof,
    ] {
        let s = e.to_string();
        assert!(!s.is_empty() && !s.contains('\n'), "{s}");
    }
}

#[test]
fn reconnect_state_survives_an_error() {
    let mut parser = SseParser::new(16);
    parser.feed(b"retry: 250\nid: e-41\ndata: a\n\nid: e-42\ndata: b\n\ndata: 0123456789abcdef\n");
    assert_eq!(
        parser.next_event().unwrap().unwrap().id.as_deref(),
        Some("e-41")
    );
    assert_eq!(
        parser.next_event().unwrap().unwrap().id.as_deref(),
        Some("e-42")
    );
    assert_eq!(
        parser.next_event(),
        Err(SseError::LineTooLong { limit: 16 })
    );
    assert_eq!(
        (parser.last_event_id(), parser.retry()),
        (Some("e-42"), Some(250))
    );
}
