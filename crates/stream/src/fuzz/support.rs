//! What the fuzz targets share: how an input becomes a limit and a chunking, and
//! straightforward whole-input reference implementations to compare the streaming code with.
//!
//!
//! Input layout for `line_framer` and `sse_parser`: 4 header bytes, then the stream.
//!
//! - byte 0: the limit — `1 + (b & 0x7f)` (1..=128) when the top bit is clear, 65536 when set;
//! - bytes 1, 2: the seed of the chunking;
//! - byte 3: the largest chunk is `b + 1` bytes (chunks may also be empty);
//!
//! and each chunk also decides whether the consumer drains the output after feeding it.

use std::collections::HashSet;
use std::fmt;

use crate::sse::{SseError, SseEvent};
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// Limit and chunking derived from a fuzz input.
#[derive(Debug)]
pub struct Plan<'a> {
    /// The line limit.
    pub limit: usize,
    /// The stream.
    pub data: &'a [u8],
    seed: u64,
    max_chunk: usize,
}

impl<'a> Plan<'a> {
    /// Splits the header off `input`.
    pub fn new(input: &'a [u8]) -> Self {
        let (head, data) = input.split_at(input.len().min(4));
        let mut h = [0u8; 4];
        h[..head.len()].copy_from_slice(head);
        let limit = if h[0] & 0x80 != 0 {
            1 << 16
        } else {
            usize::from(h[0]) + 1
        };
        Plan {
            limit,
            data,
            seed: 0x9E37_79B9_7F4A_7C15 ^ (u64::from(h[1]) << 8 | u64::from(h[2])),
            max_chunk: usize::from(h[3]) + 1,
        }
    }

    /// The chunks, each with whether to drain the output after feeding it. Concatenated, they
    /// are `data`.
    pub fn chunks(&self) -> Vec<(&'a [u8], bool)> {
        let mut rng = self.seed;
        let mut rest = self.data;
        let mut out = Vec::new();
        while !rest.is_empty() {
            // xorshift64
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            let len = (rng % (self.max_chunk as u64 + 1)) as usize;
            let (chunk, tail) = rest.split_at(len.min(rest.len()));
            out.push((chunk, rng & (1 << 40) != 0));
            rest = tail;
        }
        out
    }
}

/// What `LineFramer` must produce for `data`: the lines (pieces between `\n`, one trailing
/// `\r` removed, empty ones skipped) and whether it fails. It fails at the first piece longer
/// than the limit; that length counts a trailing `\r` (the framer checks before removing it).
pub fn framer_reference(data: &[u8], limit: usize) -> (Vec<Vec<u8>>, bool) {
    let limit = limit.max(1);
    let mut lines = Vec::new();
    for piece in data.split(|&b| b == b'\n') {
        if piece.len() > limit {
            return (lines, true);
        }
        let line = piece.strip_suffix(b"\r").unwrap_or(piece);
        if !line.is_empty() {
            lines.push(line.to_vec());
        }
    }
    (lines, false)
}

/// What `SseParser` must produce for the whole input at once.
#[derive(Debug, PartialEq, Eq)]
pub struct SseOutcome {
    /// Dispatched events.
    pub events: Vec<SseEvent>,
    /// The error that ended the stream.
    pub error: Option<SseError>,
    /// The last event id.
    pub last_event_id: Option<String>,
    /// The reconnection time.
    pub retry: Option<u64>,
}

/// The WHATWG event stream interpretation, written the plain way over the whole input, with
/// this SDK's bounds, strict UTF-8 and end-of-input rules (see `claude_sdk_stream::sse`).
pub fn sse_reference(input: &[u8], limit: usize) -> SseOutcome {
    let limit = limit.max(1);
    let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let mut lines = Vec::new();
    let (mut start, mut i) = (0, 0);
    while i < input.len() {
        match input[i] {
            b'\n' => {
                lines.push(&input[start..i]);
                i += 1;
                start = i;
            }
            b'\r' => {
                lines.push(&input[start..i]);
                i += 1;
                if input.get(i) == Some(&b'\n') {
                    i += 1;
                }
                start = i;
            }
            _ => i += 1,
        }
    }
    let tail = &input[start..];

    let mut out = SseOutcome {
        events: Vec::new(),
        error: None,
        last_event_id: None,
        retry: None,
    };
    let mut event_type = String::new();
    let mut data: Option<String> = None;
    let mut last_id = String::new();
    let mut event_retry = None;
    let mut retry = None;
    // On error: the events so far, the error, and the id and retry seen so far.
    macro_rules! fail {
        ($e:expr) => {{
            out.error = Some($e);
            out.last_event_id = (!last_id.is_empty()).then_some(last_id);
            out.retry = retry;
            return out;
        }};
    }
    for (n, line) in lines.iter().enumerate() {
        if line.len() > limit {
            fail!(SseError::LineTooLong { limit });
        }
        if line.is_empty() {
            let ty = std::mem::take(&mut event_type);
            let r = event_retry.take();
            if let Some(data) = data.take() {
                out.events.push(SseEvent {
                    event: (!ty.is_empty()).then_some(ty),
                    data,
                    id: (!last_id.is_empty()).then(|| last_id.clone()),
                    retry: r,
                });
            }
            continue;
        }
        let Ok(line) = std::str::from_utf8(line) else {
            fail!(SseError::InvalidUtf8 { line: n as u64 + 1 });
        };
        if line.starts_with(':') {
            continue;
        }
        let (field, value) = match line.find(':') {
            Some(c) => {
                let v = &line[c + 1..];
                (&line[..c], v.strip_prefix(' ').unwrap_or(v))
            }
            None => (line, ""),
        };
        match field {
            "event" => event_type = value.to_owned(),
            "data" => {
                let joined = match &data {
                    Some(d) => format!("{d}\n{value}"),
                    None => value.to_owned(),
                };
                if joined.len() > limit {
                    fail!(SseError::DataTooLong { limit });
                }
                data = Some(joined);
            }
            "id" if !value.contains('\0') => last_id = value.to_owned(),
            "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                if let Ok(ms) = value.parse::<u64>() {
                    event_retry = Some(ms);
                    retry = Some(ms);
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
        let Ok(t) = std::str::from_utf8(tail) else {
            let line = lines.len() as u64 + 1;
            fail!(SseError::InvalidUtf8 { line });
        };
        tail_is_data = t.split(':').next() == Some("data");
    }
    if data.is_some() || tail_is_data {
        fail!(SseError::UnexpectedEof);
    }
    out.last_event_id = (!last_id.is_empty()).then_some(last_id);
    out.retry = retry;
    out
}

/// Whether `json` (valid JSON) has an object with the same key twice, at any depth.
pub fn has_duplicate_keys(json: &[u8]) -> bool {
    serde_json::from_slice::<DupCheck>(json).is_ok_and(|d| d.0)
}

/// Walks any JSON value; `true` when some object repeats a key.
struct DupCheck(bool);

impl<'de> Deserialize<'de> for DupCheck {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(DupVisitor)
    }
}

struct DupVisitor;

impl<'de> Visitor<'de> for DupVisitor {
    type Value = DupCheck;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<DupCheck, E> {
        Ok(DupCheck(false))
    }
    fn visit_i64<E>(self, _: i64) -> Result<DupCheck, E> {
        Ok(DupCheck(false))
    }
    fn visit_u64<E>(self, _: u64) -> Result<DupCheck, E> {
        Ok(DupCheck(false))
    }
    fn visit_f64<E>(self, _: f64) -> Result<DupCheck, E> {
        Ok(DupCheck(false))
    }
    fn visit_str<E>(self, _: &str) -> Result<DupCheck, E> {
        Ok(DupCheck(false))
    }
    fn visit_unit<E>(self) -> Result<DupCheck, E> {
        Ok(DupCheck(false))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<DupCheck, A::Error> {
        let mut dup = false;
        while let Some(DupCheck(d)) = seq.next_element()? {
            dup |= d;
        }
        Ok(DupCheck(dup))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<DupCheck, A::Error> {
        let mut keys = HashSet::new();
        let mut dup = false;
        while let Some((key, DupCheck(d))) = map.next_entry::<String, DupCheck>()? {
            dup |= d | !keys.insert(key);
        }
        Ok(DupCheck(dup))
    }
}

/// JSON equality where numbers may differ by at most `ulps` units in the last place (as f64).
pub fn json_eq_ulps(a: &Value, b: &Value, ulps: u64) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            x == y
                || match (x.as_f64(), y.as_f64()) {
                    (Some(x), Some(y)) => ulp_distance(x, y) <= ulps,
                    _ => false,
                }
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| json_eq_ulps(x, y, ulps))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq_ulps(v, w, ulps)))
        }
        _ => a == b,
    }
}

/// How many representable f64 lie between `x` and `y` (same sign; otherwise "far").
fn ulp_distance(x: f64, y: f64) -> u64 {
    if x == y {
        return 0;
    }
    if x.is_sign_negative() != y.is_sign_negative() || !x.is_finite() || !y.is_finite() {
        return u64::MAX;
    }
    x.to_bits().abs_diff(y.to_bits())
}
