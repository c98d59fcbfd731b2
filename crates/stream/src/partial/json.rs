//! [`PartialJson`]: JSON text arriving in fragments, with a best-effort value of what has arrived.
//!
//! A small validating scanner runs over each new byte exactly once and keeps just enough state
//! (the open containers, whether we are inside a string or an escape, where the last complete
//! member ended) to know, at any moment, how to cut the buffer and which closing characters to
//! append so that the result is valid JSON. A snapshot is then one `serde_json` parse of
//! `buffer[..cut] + suffix`; the scanner state itself is never rebuilt.

use serde::de::DeserializeOwned;
use serde_json::Value;

/// JSON text received in fragments (e.g. the `partial_json` of `input_json_delta` events), with
/// a best-effort [`snapshot`](Self::snapshot) of the value received so far.
///
/// Fragments may split the text anywhere (inside a string, an escape such as `\u00e9`, a number,
/// a literal). A snapshot:
/// - closes open strings, arrays and objects;
/// - keeps a string that is still arriving as the prefix received so far (never cutting an
///   escape or a surrogate pair in half);
/// - drops what cannot be shown yet: a key without its value, a trailing comma, a literal or a
///   number still arriving (`tru`, `-`, `12` inside a container — more digits may follow).
///
/// Every value a snapshot shows is therefore consistent with the final value: strings are
/// prefixes of their final text, arrays and objects only grow, and numbers, booleans and `null`
/// appear only once they are complete.
///
/// Scanning is O(total length) over all pushes (see [`bytes_scanned`](Self::bytes_scanned));
/// each snapshot costs one parse of the text received so far.
///
/// ```
/// use claude_sdk_stream::partial::PartialJson;
/// use serde_json::json;
///
/// let mut json = PartialJson::new();
/// json.push(r#"{"city": "Par"#);
/// assert_eq!(json.snapshot(), Some(json!({"city": "Par"})));
/// json.push(r#"is", "days": [1, 2"#);
/// assert_eq!(json.snapshot(), Some(json!({"city": "Paris", "days": [1]})));
/// assert_eq!(json.completed_keys(), ["city"]);
/// json.push("]}");
/// assert!(json.is_complete());
/// assert_eq!(json.finish()?, json!({"city": "Paris", "days": [1, 2]}));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct PartialJson {
    buf: String,
    scan: Scanner,
}

impl PartialJson {
    /// An empty buffer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a fragment and scans its bytes (each byte once).
    ///
    /// After a syntax error the text is still appended (see [`as_str`](Self::as_str)) but no
    /// longer scanned, and [`snapshot`](Self::snapshot) returns `None`.
    pub fn push(&mut self, fragment: &str) {
        let from = self.buf.len();
        self.buf.push_str(fragment);
        self.scan.feed(&self.buf, from);
    }

    /// The text received so far.
    pub fn as_str(&self) -> &str {
        &self.buf
    }

    /// Bytes received so far.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// Whether nothing was received yet.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Whether only whitespace (or nothing) was received so far.
    pub fn is_blank(&self) -> bool {
        self.buf
            .bytes()
            .all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
    }

    /// The best-effort value of the text received so far, or `None` when nothing can be shown
    /// yet (no value started, only an incomplete top-level literal or number) or the text is not
    /// a prefix of valid JSON.
    ///
    /// Once the first `{` or `[` (or `"`) of the top-level value has arrived, this is always
    /// `Some` while the text stays a valid prefix (up to `serde_json`'s nesting limit of 128).
    ///
    /// ```
    /// use claude_sdk_stream::partial::PartialJson;
    /// use serde_json::json;
    ///
    /// let mut json = PartialJson::new();
    /// json.push(r#"{"a": "caf\u00"#); // an escape split across fragments
    /// assert_eq!(json.snapshot(), Some(json!({"a": "caf"})));
    /// json.push(r#"e9", "b": tr"#); // an incomplete literal is dropped, with its key
    /// assert_eq!(json.snapshot(), Some(json!({"a": "café"})));
    /// ```
    pub fn snapshot(&self) -> Option<Value> {
        let (cut, close_string) = self.scan.cut(self.buf.len())?;
        let head = self.buf.get(..cut)?;
        if !close_string && self.scan.stack.is_empty() {
            return serde_json::from_str(head).ok();
        }
        let mut text = String::with_capacity(cut + 1 + self.scan.stack.len());
        text.push_str(head);
        if close_string {
            text.push('"');
        }
        text.extend(self.scan.stack.iter().rev().map(|f| f.kind.closer()));
        serde_json::from_str(&text).ok()
    }

    /// Whether the text received so far is one complete JSON value (possibly followed by
    /// whitespace), so that [`finish`](Self::finish) succeeds.
    ///
    /// A top-level number counts as complete as soon as it is valid, although more digits could
    /// still follow.
    pub fn is_complete(&self) -> bool {
        self.scan.error_at.is_none()
            && (self.scan.root_end.is_some()
                || (self.scan.stack.is_empty()
                    && matches!(self.scan.token, Token::Num(n) if n.accepting())))
    }

    /// The offset of the first byte that cannot continue valid JSON, if any.
    pub fn error_offset(&self) -> Option<usize> {
        self.scan.error_at
    }

    /// How many arrays and objects are open.
    pub fn depth(&self) -> usize {
        self.scan.stack.len()
    }

    /// The keys of the top-level object whose values are fully received, in arrival order (a key
    /// sent twice appears twice). The key whose value is still arriving is not included.
    ///
    /// ```
    /// use claude_sdk_stream::partial::PartialJson;
    ///
    /// let mut json = PartialJson::new();
    /// json.push(r#"{"title": "Dune", "tags": ["sf", "#);
    /// assert_eq!(json.completed_keys(), ["title"]);
    /// json.push(r#""classic"], "year": 1965"#);
    /// assert_eq!(json.completed_keys(), ["title", "tags"]); // 1965 might go on: 19650…
    /// json.push("}");
    /// assert_eq!(json.completed_keys(), ["title", "tags", "year"]);
    /// ```
    pub fn completed_keys(&self) -> &[String] {
        &self.scan.completed_keys
    }

    /// How many bytes the scanner has examined in total. Each received byte is examined exactly
    /// once, so this equals [`len`](Self::len) unless scanning stopped at a syntax error: pushing
    /// is linear in the total length however the text is split.
    pub fn bytes_scanned(&self) -> usize {
        self.scan.scanned
    }

    /// Strictly parses the whole text received so far as `T`.
    ///
    /// # Errors
    /// When the text is not one valid JSON value of the shape of `T`.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_str(&self.buf)
    }

    /// Strictly parses the whole text.
    ///
    /// # Errors
    /// When the text is not one complete, valid JSON value.
    pub fn finish(self) -> Result<Value, serde_json::Error> {
        serde_json::from_str(&self.buf)
    }

    /// Empties the buffer and resets the scanner (keeping the allocation).
    pub fn clear(&mut self) {
        self.buf.clear();
        self.scan = Scanner::default();
    }
}

/// An open container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Object,
    Array,
}

impl Kind {
    fn closer(self) -> char {
        match self {
            Kind::Object => '}',
            Kind::Array => ']',
        }
    }
}

/// What an open container expects next (outside of a token).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// After `{`: a key or `}`.
    KeyOrEnd,
    /// After `,` in an object: a key.
    Key,
    /// After a key: `:`.
    Colon,
    /// After `[`: a value or `]`.
    ValueOrEnd,
    /// After `:` or `,` in an array: a value.
    Value,
    /// A member value is being received (a token or a nested container).
    InValue,
    /// After a value: `,` or the closer.
    CommaOrEnd,
}

#[derive(Debug, Clone, Copy)]
struct Frame {
    kind: Kind,
    expect: Expect,
    /// Offset just past the last complete member (or the opening bracket): cutting the text
    /// here and closing the containers gives valid JSON.
    last_good: usize,
}

/// Position inside an escape sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Esc {
    None,
    /// After `\` (at this offset).
    Backslash(usize),
    /// After `\u` (the backslash at `at`) and `digits` hex digits.
    Hex {
        at: usize,
        digits: u8,
        value: u16,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Str {
    key: bool,
    /// Offset of the opening quote.
    start: usize,
    esc: Esc,
    /// Offset of the backslash of a high surrogate escape still waiting for its low half.
    high: Option<usize>,
}

/// States of the JSON number grammar `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Num {
    Minus,
    Zero,
    Int,
    Dot,
    Frac,
    Exp,
    ExpSign,
    ExpInt,
}

impl Num {
    fn start(b: u8) -> Option<Num> {
        match b {
            b'-' => Some(Num::Minus),
            b'0' => Some(Num::Zero),
            b'1'..=b'9' => Some(Num::Int),
            _ => None,
        }
    }

    fn next(self, b: u8) -> Option<Num> {
        let digit = b.is_ascii_digit();
        match (self, b) {
            (Num::Minus, b'0') => Some(Num::Zero),
            (Num::Minus, _) if digit => Some(Num::Int),
            (Num::Int, _) if digit => Some(Num::Int),
            (Num::Zero | Num::Int, b'.') => Some(Num::Dot),
            (Num::Dot | Num::Frac, _) if digit => Some(Num::Frac),
            (Num::Zero | Num::Int | Num::Frac, b'e' | b'E') => Some(Num::Exp),
            (Num::Exp, b'+' | b'-') => Some(Num::ExpSign),
            (Num::Exp | Num::ExpSign | Num::ExpInt, _) if digit => Some(Num::ExpInt),
            _ => None,
        }
    }

    fn accepting(self) -> bool {
        matches!(self, Num::Zero | Num::Int | Num::Frac | Num::ExpInt)
    }
}

/// The token being received, if any.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Token {
    #[default]
    None,
    Str(Str),
    Num(Num),
    /// A literal (`true`, `false`, `null`): the bytes still expected.
    Lit(&'static [u8]),
}

/// Syntax error marker (the offset is recorded by the caller).
struct Invalid;

#[derive(Debug, Clone, Default)]
struct Scanner {
    stack: Vec<Frame>,
    token: Token,
    /// End offset of the complete top-level value.
    root_end: Option<usize>,
    error_at: Option<usize>,
    scanned: usize,
    /// Span (quotes included) of the key of the top-level object member being received.
    key: Option<(usize, usize)>,
    completed_keys: Vec<String>,
}

impl Scanner {
    /// Scans `buf[from..]`.
    fn feed(&mut self, buf: &str, from: usize) {
        let bytes = buf.as_bytes();
        let mut i = from;
        while self.error_at.is_none() {
            let Some(&b) = bytes.get(i) else { break };
            if let Token::Str(s) = self.token {
                i = self.string(buf, s, i);
                continue;
            }
            self.scanned += 1;
            if self.byte(buf, b, i).is_err() {
                self.error_at = Some(i);
            }
            i += 1;
        }
    }

    /// One byte outside strings.
    fn byte(&mut self, buf: &str, b: u8, i: usize) -> Result<(), Invalid> {
        match self.token {
            Token::Num(n) => match n.next(b) {
                Some(next) => {
                    self.token = Token::Num(next);
                    return Ok(());
                }
                None if n.accepting() => {
                    // The number ends before this byte, which is structural.
                    self.token = Token::None;
                    self.value_done(buf, i);
                }
                None => return Err(Invalid),
            },
            Token::Lit(rest) => {
                return match rest.split_first() {
                    Some((&want, tail)) if want == b => {
                        if tail.is_empty() {
                            self.token = Token::None;
                            self.value_done(buf, i + 1);
                        } else {
                            self.token = Token::Lit(tail);
                        }
                        Ok(())
                    }
                    _ => Err(Invalid),
                };
            }
            Token::Str(_) | Token::None => {}
        }
        self.structural(buf, b, i)
    }

    fn structural(&mut self, buf: &str, b: u8, i: usize) -> Result<(), Invalid> {
        if matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
            return Ok(());
        }
        let Some(top) = self.stack.last_mut() else {
            if self.root_end.is_some() {
                return Err(Invalid); // trailing characters
            }
            return self.begin_value(b, i);
        };
        match (top.expect, top.kind, b) {
            (Expect::KeyOrEnd, _, b'}') | (Expect::ValueOrEnd, _, b']') => {
                self.close(buf, i);
                Ok(())
            }
            (Expect::KeyOrEnd | Expect::Key, _, b'"') => {
                top.expect = Expect::InValue;
                self.token = Token::Str(Str {
                    key: true,
                    start: i,
                    esc: Esc::None,
                    high: None,
                });
                Ok(())
            }
            (Expect::Colon, _, b':') => {
                top.expect = Expect::Value;
                Ok(())
            }
            (Expect::Value | Expect::ValueOrEnd, _, _) => {
                top.expect = Expect::InValue;
                self.begin_value(b, i)
            }
            (Expect::CommaOrEnd, Kind::Object, b',') => {
                top.expect = Expect::Key;
                Ok(())
            }
            (Expect::CommaOrEnd, Kind::Array, b',') => {
                top.expect = Expect::Value;
                Ok(())
            }
            (Expect::CommaOrEnd, Kind::Object, b'}') | (Expect::CommaOrEnd, Kind::Array, b']') => {
                self.close(buf, i);
                Ok(())
            }
            _ => Err(Invalid),
        }
    }

    /// The first byte of a value.
    fn begin_value(&mut self, b: u8, i: usize) -> Result<(), Invalid> {
        let open = |kind, expect| Frame {
            kind,
            expect,
            last_good: i + 1,
        };
        match b {
            b'{' => self.stack.push(open(Kind::Object, Expect::KeyOrEnd)),
            b'[' => self.stack.push(open(Kind::Array, Expect::ValueOrEnd)),
            b'"' => {
                self.token = Token::Str(Str {
                    key: false,
                    start: i,
                    esc: Esc::None,
                    high: None,
                });
            }
            b't' => self.token = Token::Lit(b"rue"),
            b'f' => self.token = Token::Lit(b"alse"),
            b'n' => self.token = Token::Lit(b"ull"),
            _ => self.token = Token::Num(Num::start(b).ok_or(Invalid)?),
        }
        Ok(())
    }

    /// The closer at `i` ends the innermost container.
    fn close(&mut self, buf: &str, i: usize) {
        self.stack.pop();
        self.value_done(buf, i + 1);
    }

    /// A value ended just before `end`.
    fn value_done(&mut self, buf: &str, end: usize) {
        let depth = self.stack.len();
        let Some(top) = self.stack.last_mut() else {
            self.root_end = Some(end);
            return;
        };
        top.expect = Expect::CommaOrEnd;
        top.last_good = end;
        if depth == 1 && top.kind == Kind::Object {
            let key = self
                .key
                .take()
                .and_then(|(s, e)| buf.get(s..e))
                .and_then(|k| serde_json::from_str::<String>(k).ok());
            self.completed_keys.extend(key);
        }
    }

    /// Scans string bytes from `i` until the string ends, a syntax error, or the end of the
    /// buffer. Returns the offset of the next byte to scan.
    fn string(&mut self, buf: &str, mut s: Str, mut i: usize) -> usize {
        let bytes = buf.as_bytes();
        while let Some(&b) = bytes.get(i) {
            self.scanned += 1;
            match self.string_byte(&mut s, b, i) {
                Err(Invalid) => {
                    self.error_at = Some(i);
                    return i;
                }
                Ok(true) => {
                    self.token = Token::None;
                    if s.key {
                        if let Some(top) = self.stack.last_mut() {
                            top.expect = Expect::Colon;
                        }
                        if self.stack.len() == 1 {
                            self.key = Some((s.start, i + 1));
                        }
                    } else {
                        self.value_done(buf, i + 1);
                    }
                    return i + 1;
                }
                Ok(false) => {}
            }
            i += 1;
            if s.esc == Esc::None && s.high.is_none() {
                // Fast path: skip plain characters up to the next quote, backslash or control.
                let rest = bytes.get(i..).unwrap_or_default();
                let plain = rest
                    .iter()
                    .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
                    .unwrap_or(rest.len());
                self.scanned += plain;
                i += plain;
            }
        }
        self.token = Token::Str(s);
        i
    }

    /// One byte inside a string; `Ok(true)` at the closing quote.
    fn string_byte(&mut self, s: &mut Str, b: u8, i: usize) -> Result<bool, Invalid> {
        match s.esc {
            Esc::None => {
                if s.high.is_some() && b != b'\\' {
                    return Err(Invalid); // a high surrogate needs its low half next
                }
                match b {
                    b'"' => return Ok(true),
                    b'\\' => s.esc = Esc::Backslash(i),
                    0x00..=0x1f => return Err(Invalid),
                    _ => {}
                }
            }
            Esc::Backslash(at) => match b {
                b'u' => {
                    s.esc = Esc::Hex {
                        at,
                        digits: 0,
                        value: 0,
                    }
                }
                _ if s.high.is_some() => return Err(Invalid),
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => s.esc = Esc::None,
                _ => return Err(Invalid),
            },
            Esc::Hex { at, digits, value } => {
                let d = char::from(b).to_digit(16).ok_or(Invalid)?;
                // At most 4 digits of 4 bits: fits u16.
                let value = (value << 4) | d as u16;
                let digits = digits + 1;
                if digits < 4 {
                    s.esc = Esc::Hex { at, digits, value };
                    return Ok(false);
                }
                s.esc = Esc::None;
                match (s.high, value) {
                    (Some(_), 0xDC00..=0xDFFF) => s.high = None,
                    (Some(_), _) | (None, 0xDC00..=0xDFFF) => return Err(Invalid),
                    (None, 0xD800..=0xDBFF) => s.high = Some(at),
                    (None, _) => {}
                }
            }
        }
        Ok(false)
    }

    /// Where to cut the text for a snapshot, and whether a string must be closed there; `None`
    /// when nothing can be shown.
    fn cut(&self, len: usize) -> Option<(usize, bool)> {
        if self.error_at.is_some() {
            return None;
        }
        match self.token {
            Token::Str(s) if !s.key => {
                let cut = match (s.high, s.esc) {
                    (Some(at), _) | (None, Esc::Backslash(at) | Esc::Hex { at, .. }) => at,
                    (None, Esc::None) => len,
                };
                Some((cut, true))
            }
            Token::Num(n) if self.stack.is_empty() => n.accepting().then_some((len, false)),
            Token::Str(_) | Token::Num(_) | Token::Lit(_) | Token::None => {
                match self.stack.last() {
                    Some(top) => Some((top.last_good, false)),
                    None => self.root_end.map(|end| (end, false)),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn snap(text: &str) -> Option<Value> {
        let mut p = PartialJson::new();
        p.push(text);
        assert_eq!(p.bytes_scanned(), p.len(), "{text}");
        p.snapshot()
    }

    #[test]
    fn cuts() {
        assert_eq!(snap(""), None);
        assert_eq!(snap("  "), None);
        assert_eq!(snap("{"), Some(json!({})));
        assert_eq!(snap("[ "), Some(json!([])));
        assert_eq!(snap(r#"{"a"#), Some(json!({})));
        assert_eq!(snap(r#"{"a""#), Some(json!({})));
        assert_eq!(snap(r#"{"a": "#), Some(json!({})));
        assert_eq!(snap(r#"{"a": 1"#), Some(json!({})));
        assert_eq!(snap(r#"{"a": 1,"#), Some(json!({"a": 1})));
        assert_eq!(snap(r#"{"a": 1, "b": -"#), Some(json!({"a": 1})));
        assert_eq!(snap(r#"{"a": nul"#), Some(json!({})));
        assert_eq!(snap(r#"{"a": null"#), Some(json!({"a": null})));
        assert_eq!(snap(r#"{"a": "x\"#), Some(json!({"a": "x"})));
        assert_eq!(snap(r#"{"a": "x\n"#), Some(json!({"a": "x\n"})));
        assert_eq!(snap(r#"{"a": "\ud83d"#), Some(json!({"a": ""})));
        assert_eq!(snap(r#"{"a": "\ud83d\ude0"#), Some(json!({"a": ""})));
        assert_eq!(snap(r#"{"a": "\ud83d\ude00"#), Some(json!({"a": "😀"})));
        assert_eq!(
            snap(r#"[1, [2, {"x": [tr"#),
            Some(json!([1, [2, {"x": []}]]))
        );
        assert_eq!(snap(r#""abc"#), Some(json!("abc")));
        assert_eq!(snap("-"), None);
        assert_eq!(snap("-1.5e"), None);
        assert_eq!(snap("-1.5e3"), Some(json!(-1.5e3)));
        assert_eq!(snap("tru"), None);
        assert_eq!(snap("true "), Some(json!(true)));
    }

    #[test]
    fn syntax_errors_stop_the_scanner() {
        for bad in [
            "{,",
            "[1,]",
            "{\"a\" 1}",
            "01",
            "{} x",
            "\"\u{1}\"",
            r#""\x""#,
            r#""\ud83d x""#,
            r#""\ude00""#,
            r#""\ud83d\u0041""#,
            "[1}",
            "-a",
            "trux",
        ] {
            let mut p = PartialJson::new();
            p.push(bad);
            assert!(p.error_offset().is_some(), "{bad}");
            assert_eq!(p.snapshot(), None, "{bad}");
            assert!(!p.is_complete(), "{bad}");
            assert!(serde_json::from_str::<Value>(bad).is_err(), "{bad}");
        }
    }
}
