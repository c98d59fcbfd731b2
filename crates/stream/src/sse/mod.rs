//! Server-Sent Events parsing, sans I/O.
//!
//! [`SseParser`] turns the bytes of a `text/event-stream` body (the Messages API stream) into
//! [`SseEvent`]s, following the WHATWG EventSource parsing rules
//! (<https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation>):
//!
//! - lines end with CRLF, LF or CR — also a CR at the end of one chunk and the LF at the start of
//!   the next, which count as one line ending;
//! - a line starting with `:` is a comment; `field: value` has one leading space of the value
//!   stripped; a line without a colon is a field with an empty value; unknown fields are ignored;
//! - `data` lines accumulate, joined with `\n`; `event` sets the event type; `id` sets the last
//!   event id (unless the value contains NUL), which persists across events; `retry` with only
//!   ASCII digits sets the reconnection time;
//! - a blank line dispatches the event, unless no `data` line was seen since the last one;
//! - one UTF-8 byte order mark at the very start of the stream is skipped.
//!
//! Where this parser is stricter than a browser:
//!
//! - **Bounded.** A line longer than the limit, or an event whose data (lines joined with `\n`)
//!   would grow past the limit, is an error. A line is rejected as soon as the limit is passed,
//!   before its end arrives, so the buffer never holds more than the limit plus one fed chunk,
//!   and an event's data never more than the limit.
//! - **Strict UTF-8.** A line that is not valid UTF-8 is an error ([`SseError::InvalidUtf8`]),
//!   where a browser would substitute U+FFFD. The Messages API always sends UTF-8; corrupt
//!   bytes mean a broken stream.
//! - **A cut stream is reported.** At the end of input, [`SseParser::finish`] returns
//!   [`SseError::UnexpectedEof`] when an event with data was started but never dispatched. A
//!   browser silently drops it; the caller can do the same by ignoring that error.
//!
//! Errors are final: once [`SseParser::next_event`] or [`SseParser::finish`] returns an error,
//! every later call returns the same error, later input is dropped and the buffers are freed.
//! [`SseParser::last_event_id`] and [`SseParser::retry`] stay available for reconnecting.
//!
//! Lines are scanned once: a line arriving in many chunks resumes the search where the last
//! chunk ended (the same approach as [`LineFramer`](crate::LineFramer)).
//!
//! ```
//! use claude_sdk_stream::sse::{SseError, SseParser};
//!
//! let mut parser = SseParser::new(1 << 20);
//! // What a socket read might deliver: one event and a half, CRLF line endings.
//! parser.feed(b"event: message_start\r\ndata: {\"type\":\"message_start\"}\r\n\r\n: ping\r\nevent: content_block_delta\r\ndata: {\"type\":");
//!
//! let event = parser.next_event()?.expect("the first event is complete");
//! assert_eq!(event.event.as_deref(), Some("message_start"));
//! assert_eq!(event.data, r#"{"type":"message_start"}"#);
//! assert!(parser.next_event()?.is_none()); // the second one is not, yet
//!
//! parser.feed(b"\"content_block_delta\"}\r\n\r\n");
//! let event = parser.next_event()?.expect("now it is");
//! assert_eq!(event.event_type(), "content_block_delta");
//! assert_eq!(event.data, r#"{"type":"content_block_delta"}"#);
//!
//! // End of the body: nothing left over.
//! assert!(parser.finish()?.is_none());
//!
//! // A body cut in the middle of an event is reported.
//! let mut parser = SseParser::new(1 << 20);
//! parser.feed(b"event: message_stop\ndata: {\"type\":\"message_stop\"}\n");
//! assert!(parser.next_event()?.is_none());
//! assert_eq!(parser.finish(), Err(SseError::UnexpectedEof));
//! # Ok::<(), SseError>(())
//! ```

use std::fmt;

use bytes::{Buf, BytesMut};

#[cfg(test)]
mod tests;

/// The UTF-8 byte order mark, skipped once at the start of a stream.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// One dispatched event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event` field, `None` when the event did not name a type (the type is then
    /// `message`; see [`SseEvent::event_type`]).
    pub event: Option<String>,
    /// The `data` lines, joined with `\n` (no trailing newline).
    pub data: String,
    /// The last event id when the event was dispatched: the value of the most recent `id`
    /// field, in this event or an earlier one (WHATWG `lastEventId`). `None` when no `id` was
    /// seen, or the last one was empty.
    pub id: Option<String>,
    /// The `retry` value (milliseconds) given in this event's lines, if any. The reconnection
    /// time in effect, also set by events that were never dispatched, is
    /// [`SseParser::retry`].
    pub retry: Option<u64>,
}

impl SseEvent {
    /// The event type: the `event` field, or `message` by default.
    ///
    /// ```
    /// let event = claude_sdk_stream::sse::SseEvent::default();
    /// assert_eq!(event.event_type(), "message");
    /// ```
    pub fn event_type(&self) -> &str {
        self.event.as_deref().unwrap_or("message")
    }
}

/// An SSE parsing error. Errors are final for the parser that returned them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SseError {
    /// A line passed the limit.
    LineTooLong {
        /// The limit in bytes.
        limit: usize,
    },
    /// The data of one event (its `data` lines joined with `\n`) passed the limit.
    DataTooLong {
        /// The limit in bytes.
        limit: usize,
    },
    /// A line was not valid UTF-8.
    InvalidUtf8 {
        /// The line number, counted from 1 (every line ending counts, blank lines too).
        line: u64,
    },
    /// The input ended inside an event that had data but was never dispatched by a blank line.
    UnexpectedEof,
}

impl fmt::Display for SseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SseError::LineTooLong { limit } => {
                write!(f, "an SSE line passed the maximum length of {limit} bytes")
            }
            SseError::DataTooLong { limit } => {
                write!(f, "an SSE event's data passed the maximum of {limit} bytes")
            }
            SseError::InvalidUtf8 { line } => write!(f, "SSE line {line} is not valid UTF-8"),
            SseError::UnexpectedEof => {
                f.write_str("the SSE stream ended in the middle of an event")
            }
        }
    }
}

impl std::error::Error for SseError {}

/// A bounded, incremental Server-Sent Events parser (see the [module docs](self)).
///
/// Feed bytes with [`SseParser::feed`]; take events with [`SseParser::next_event`] until it
/// returns `Ok(None)`; at the end of input call [`SseParser::finish`] until it returns
/// `Ok(None)` (or an error).
#[derive(Debug)]
pub struct SseParser {
    /// Bytes not yet consumed; starts at the beginning of a line (or of the stream).
    buf: BytesMut,
    /// Bytes of `buf` already scanned for a line ending.
    scanned: usize,
    /// The previous line ended with CR: a LF right after it belongs to that line ending.
    after_cr: bool,
    /// The start of the stream was checked for a byte order mark.
    bom_checked: bool,
    /// Lines consumed so far (for error messages).
    lines: u64,
    max_line: usize,
    fields: Fields,
    failed: Option<SseError>,
}

/// Everything that line processing changes (kept apart from the buffer it reads lines from).
#[derive(Debug, Default)]
struct Fields {
    max_data: usize,
    /// The event type buffer.
    event: String,
    /// The data buffer, without the trailing newline the spec's algorithm keeps.
    data: String,
    /// A `data` line was seen since the last dispatch (the data may still be empty).
    has_data: bool,
    /// `retry` given since the last dispatch.
    event_retry: Option<u64>,
    /// The last event id buffer (persists across events).
    last_event_id: String,
    /// The reconnection time (persists).
    retry: Option<u64>,
}

impl SseParser {
    /// A parser whose lines, and whose events' data, are at most `max_line_bytes` long
    /// (at least 1). [`DEFAULT_MAX_LINE_BYTES`](crate::DEFAULT_MAX_LINE_BYTES) is a generous
    /// default.
    pub fn new(max_line_bytes: usize) -> Self {
        let max_line = max_line_bytes.max(1);
        SseParser {
            buf: BytesMut::new(),
            scanned: 0,
            after_cr: false,
            bom_checked: false,
            lines: 0,
            max_line,
            fields: Fields {
                max_data: max_line,
                ..Fields::default()
            },
            failed: None,
        }
    }

    /// The limit for one line and for one event's data, in bytes.
    pub fn max_line_bytes(&self) -> usize {
        self.max_line
    }

    /// Appends input. Input fed after an error is dropped.
    pub fn feed(&mut self, data: &[u8]) {
        if self.failed.is_none() {
            self.buf.extend_from_slice(data);
        }
    }

    /// Bytes buffered and not yet consumed. After [`SseParser::next_event`] returns
    /// `Ok(None)`, this is at most the limit (or the 2 bytes of a partial byte order mark).
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// The last event id: the value of the most recent `id` field, `None` if there was none or
    /// it was empty. Send it as `Last-Event-ID` when reconnecting.
    pub fn last_event_id(&self) -> Option<&str> {
        Some(self.fields.last_event_id.as_str()).filter(|id| !id.is_empty())
    }

    /// The reconnection time in milliseconds from the most recent valid `retry` field.
    pub fn retry(&self) -> Option<u64> {
        self.fields.retry
    }

    /// The next complete event; `Ok(None)` when more input is needed.
    pub fn next_event(&mut self) -> Result<Option<SseEvent>, SseError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        self.advance().map_err(|e| self.fail(e))
    }

    /// At the end of input: the next event still buffered, if any (call until `Ok(None)`).
    /// Then whatever is left is dropped, as the spec says; if that was an event with data,
    /// the result is [`SseError::UnexpectedEof`].
    pub fn finish(&mut self) -> Result<Option<SseEvent>, SseError> {
        if let Some(event) = self.next_event()? {
            return Ok(Some(event));
        }
        // What is left is an unterminated line (or a partial byte order mark).
        let tail = std::mem::take(&mut self.buf);
        self.scanned = 0;
        self.after_cr = false;
        self.bom_checked = true;
        let unfinished = match self
            .fields
            .tail_is_data(&tail, self.max_line, self.lines + 1)
        {
            Ok(is_data) => is_data || self.fields.has_data,
            Err(e) => return Err(self.fail(e)),
        };
        self.fields.discard_event();
        if unfinished {
            return Err(self.fail(SseError::UnexpectedEof));
        }
        Ok(None)
    }

    fn advance(&mut self) -> Result<Option<SseEvent>, SseError> {
        if !self.bom_checked {
            let n = self.buf.len().min(BOM.len());
            if self.buf[..n] != BOM[..n] {
                self.bom_checked = true;
            } else if n == BOM.len() {
                self.buf.advance(n);
                self.bom_checked = true;
            } else {
                // Empty, or a partial byte order mark: wait for more.
                return Ok(None);
            }
        }
        loop {
            if self.after_cr {
                match self.buf.first() {
                    None => return Ok(None),
                    Some(&b) => {
                        if b == b'\n' {
                            self.buf.advance(1);
                        }
                        self.after_cr = false;
                    }
                }
            }
            let Some(pos) = memchr::memchr2(b'\n', b'\r', &self.buf[self.scanned..]) else {
                self.scanned = self.buf.len();
                if self.scanned > self.max_line {
                    return Err(SseError::LineTooLong {
                        limit: self.max_line,
                    });
                }
                return Ok(None);
            };
            let end = self.scanned + pos;
            self.scanned = 0;
            if end > self.max_line {
                return Err(SseError::LineTooLong {
                    limit: self.max_line,
                });
            }
            self.after_cr = self.buf[end] == b'\r';
            self.lines += 1;
            let event = self.fields.line(&self.buf[..end], self.lines)?;
            self.buf.advance(end + 1);
            if event.is_some() {
                return Ok(event);
            }
        }
    }

    fn fail(&mut self, error: SseError) -> SseError {
        // Free the memory at once; keep the last event id and retry for reconnecting.
        self.buf = BytesMut::new();
        self.scanned = 0;
        self.fields.event = String::new();
        self.fields.data = String::new();
        self.fields.has_data = false;
        self.fields.event_retry = None;
        self.failed = Some(error.clone());
        error
    }
}

impl Default for SseParser {
    /// A parser with [`DEFAULT_MAX_LINE_BYTES`](crate::DEFAULT_MAX_LINE_BYTES).
    fn default() -> Self {
        SseParser::new(crate::DEFAULT_MAX_LINE_BYTES)
    }
}

/// Splits a line into field name and value (one leading space of the value removed).
fn split_field(line: &str) -> (&str, &str) {
    match line.split_once(':') {
        Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
        None => (line, ""),
    }
}

impl Fields {
    /// Processes one line (without its line ending).
    fn line(&mut self, line: &[u8], number: u64) -> Result<Option<SseEvent>, SseError> {
        if line.is_empty() {
            return Ok(self.dispatch());
        }
        let line = std::str::from_utf8(line).map_err(|_| SseError::InvalidUtf8 { line: number })?;
        if line.starts_with(':') {
            return Ok(None); // a comment
        }
        let (field, value) = split_field(line);
        match field {
            "event" => {
                self.event.clear();
                self.event.push_str(value);
            }
            "data" => {
                let grown = self
                    .data
                    .len()
                    .saturating_add(value.len())
                    .saturating_add(usize::from(self.has_data));
                if grown > self.max_data {
                    return Err(SseError::DataTooLong {
                        limit: self.max_data,
                    });
                }
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
            }
            "id" if !value.contains('\0') => {
                self.last_event_id.clear();
                self.last_event_id.push_str(value);
            }
            "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                // Too large for a u64: ignored like any other invalid value.
                if let Ok(ms) = value.parse::<u64>() {
                    self.retry = Some(ms);
                    self.event_retry = Some(ms);
                }
            }
            _ => {} // unknown fields, `id` with NUL, `retry` not all digits: ignored
        }
        Ok(None)
    }

    /// A blank line: the event, unless no `data` line was seen.
    fn dispatch(&mut self) -> Option<SseEvent> {
        let event = std::mem::take(&mut self.event);
        let retry = self.event_retry.take();
        if !std::mem::take(&mut self.has_data) {
            return None;
        }
        Some(SseEvent {
            event: (!event.is_empty()).then_some(event),
            data: std::mem::take(&mut self.data),
            id: (!self.last_event_id.is_empty()).then(|| self.last_event_id.clone()),
            retry,
        })
    }

    /// Whether an unterminated last line is a `data` line (it is checked like any other line).
    fn tail_is_data(&self, tail: &[u8], max_line: usize, number: u64) -> Result<bool, SseError> {
        if tail.is_empty() {
            return Ok(false);
        }
        if tail.len() > max_line {
            // Only a partial byte order mark can get here (with a limit of 1).
            return Err(SseError::LineTooLong { limit: max_line });
        }
        let line = std::str::from_utf8(tail).map_err(|_| SseError::InvalidUtf8 { line: number })?;
        Ok(split_field(line).0 == "data")
    }

    /// Drops the event being built (end of input).
    fn discard_event(&mut self) {
        self.event.clear();
        self.data.clear();
        self.has_data = false;
        self.event_retry = None;
    }
}
