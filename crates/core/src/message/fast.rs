//! A direct reader for the lines the CLI prints, ahead of the serde path.
//!
//! serde_json drives every key and value through serde's generic visitor machinery (a
//! `MapAccess` per object, a seed per key, a visitor per value, a `Result` per step); on the
//! CLI's short, regular lines that machinery costs more than reading the JSON. This module reads
//! the same text with a small cursor and builds the same owned types directly.
//!
//! It is a fast path only. It gives up (`None`) on anything it does not handle or on which
//! serde might decide otherwise — an escape in a key or a tag, a repeated key, a tag that is
//! not the first key, a number that is not a plain integer where an integer is wanted, a type
//! mismatch, invalid JSON of any kind — and [`super::Message::from_json_str`] then parses the
//! line with serde as before. So it accepts only lines the serde path accepts and builds exactly
//! what the serde path builds; `tests::fast_path_matches_serde` checks that on the recorded CLI
//! session and on thousands of mutations of it.
//!
//! What each [`Fast`] impl reads mirrors the type's `Deserialize` impl: the wire structs get
//! theirs from [`super::de::wire_struct!`], the tagged enums read their tag first (as the serde
//! fast path does) and give up otherwise.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::de::unescape_body;
use super::{
    AssistantMessage, ControlResponseMessage, Message, ResultMessage, StreamEventMessage,
    SystemMessage, UserMessage,
};

/// How deep a [`Value`] read here may nest. serde_json stops at 128 levels counted from the
/// line; values sit a few levels down, so anything deeper is left to serde to decide.
const VALUE_DEPTH: u32 = 64;

/// serde_json's raw-value marker (see `super::de`): an object whose first key is this becomes
/// a raw value when read as a [`Value`]. Left to serde.
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

/// Where a tagged object's tag was.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tag {
    /// The first key, already read.
    First,
    /// A later key, still to be read with the other members.
    Later,
}

/// The next member of an object, as [`Cur::member`] found it.
pub(crate) enum Member<'a, F> {
    /// The closing `}`.
    End,
    /// The predicted key (its `:` read).
    Known(F),
    /// Another key (its `:` read).
    Key(&'a str),
}

/// A position in one line of JSON text.
pub(crate) struct Cur<'a> {
    text: &'a str,
    s: &'a [u8],
    i: usize,
}

/// A type read straight from the cursor, as its `Deserialize` impl would read it from
/// serde_json; `None` when it cannot be sure.
pub(crate) trait Fast: Sized {
    /// Reads one value (leading whitespace allowed).
    fn read(c: &mut Cur<'_>) -> Option<Self>;
}

/// A struct or enum variant read from the members of an object whose `{` (and, for a tagged
/// enum, the tag) has been read.
pub(crate) trait FastRest: Sized {
    /// Reads the remaining members and the closing `}`; `first` when no member has been read.
    fn read_rest(c: &mut Cur<'_>, first: bool) -> Option<Self>;
}

/// Reads the whole line as one message when the fast path can, else asks `slow` (the serde
/// path).
///
/// Inlined, and each variant goes straight into the result once it is complete, so that the
/// message (up to ~460 bytes) is copied once instead of through a chain of `Option`s.
#[inline(always)]
pub(super) fn message_or(
    text: &str,
    slow: impl FnOnce(&str) -> Result<Message, serde_json::Error>,
) -> Result<Message, serde_json::Error> {
    let mut c = Cur::new(text);
    let Some((tag, at)) = c.open_tagged() else {
        return slow(text);
    };
    let first = at == Tag::Later;
    // Reads a variant; a tag that came later went into its extra map like any other key, and
    // comes out again (as `parse_tag_elsewhere` does).
    macro_rules! variant {
        ($variant:ident, $ty:ty, $extra:ident) => {{
            if let Some(mut m) = <$ty>::read_rest(&mut c, first) {
                if at == Tag::Later {
                    m.$extra.remove("type");
                }
                if c.at_end() {
                    return Ok(Message::$variant(m));
                }
            }
        }};
    }
    match tag {
        "stream_event" => variant!(StreamEvent, StreamEventMessage, extra),
        "system" => variant!(System, SystemMessage, data),
        "assistant" => variant!(Assistant, AssistantMessage, extra),
        "user" => variant!(User, UserMessage, extra),
        "result" => variant!(Result, ResultMessage, extra),
        "control_response" => variant!(ControlResponse, ControlResponseMessage, extra),
        _ => {}
    }
    slow(text)
}

/// The whole line as one message, when the fast path can read it (for tests).
#[cfg(test)]
pub(super) fn message(text: &str) -> Option<Message> {
    message_or(text, |_| {
        Err(serde::de::Error::custom("not on the fast path"))
    })
    .ok()
}

impl<'a> Cur<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Cur {
            text,
            s: text.as_bytes(),
            i: 0,
        }
    }

    /// Skips JSON whitespace.
    #[inline]
    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.s.get(self.i) {
            self.i += 1;
        }
    }

    /// The next byte after whitespace, not consumed.
    #[inline]
    pub(crate) fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.s.get(self.i).copied()
    }

    /// Consumes `b` (after whitespace).
    #[inline]
    pub(crate) fn eat(&mut self, b: u8) -> Option<()> {
        (self.peek()? == b).then(|| self.i += 1)
    }

    /// Only whitespace is left.
    fn at_end(&mut self) -> bool {
        self.ws();
        self.i == self.s.len()
    }

    /// Consumes `word` (a literal) exactly.
    fn lit(&mut self, word: &[u8]) -> Option<()> {
        let end = self.i + word.len();
        (self.s.get(self.i..end)? == word).then(|| self.i = end)
    }

    /// A string literal: the byte range of its body and whether it has escapes. Fails on a raw
    /// control character (as serde_json does) or an unterminated string.
    #[inline]
    fn str_span(&mut self) -> Option<(usize, usize, bool)> {
        self.eat(b'"')?;
        let start = self.i;
        let mut escaped = false;
        loop {
            let j = find_special(self.s, self.i);
            match self.s.get(j)? {
                b'"' => {
                    self.i = j + 1;
                    return Some((start, j, escaped));
                }
                b'\\' => {
                    // Skip the escaped byte; `unescape_body` checks the escape itself.
                    escaped = true;
                    self.i = j + 2;
                    if self.i > self.s.len() {
                        return None;
                    }
                }
                _ => return None,
            }
        }
    }

    /// A string without escapes, borrowed (keys and tags); `None` for one with escapes.
    #[inline]
    pub(crate) fn raw_str(&mut self) -> Option<&'a str> {
        let (a, b, escaped) = self.str_span()?;
        if escaped {
            return None;
        }
        self.text.get(a..b)
    }

    /// A string, decoded into an exact-size `String` (an upper bound when it has escapes).
    /// Always inlined: returned through memory, the `String` was reloaded with wider loads
    /// than it was stored with (a store-forwarding stall at every string value).
    #[inline(always)]
    pub(crate) fn string(&mut self) -> Option<String> {
        let (a, b, escaped) = self.str_span()?;
        let body = self.text.get(a..b)?;
        if escaped {
            unescape_body::<serde_json::Error>(body).ok()
        } else {
            Some(body.to_owned())
        }
    }

    /// The next key of an object whose `{` has been read (`first`: no member read yet), with
    /// its `:` consumed; `Some(None)` at the closing `}`. Keys with escapes are left to serde.
    #[inline]
    pub(crate) fn key(&mut self, first: &mut bool) -> Option<Option<&'a str>> {
        if std::mem::take(first) {
            if self.peek()? == b'}' {
                self.i += 1;
                return Some(None);
            }
        } else {
            match self.peek()? {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    return Some(None);
                }
                _ => return None,
            }
        }
        let key = self.raw_str()?;
        self.eat(b':')?;
        Some(Some(key))
    }

    /// Like [`Cur::key`], trying `guess` (`("\"key\":", field)`) first as a plain prefix:
    /// when the object's keys come in the expected order, no key is scanned or matched.
    #[inline]
    pub(crate) fn member<F: Copy>(
        &mut self,
        first: &mut bool,
        guess: Option<&(&'static str, F)>,
    ) -> Option<Member<'a, F>> {
        if std::mem::take(first) {
            if self.peek()? == b'}' {
                self.i += 1;
                return Some(Member::End);
            }
        } else {
            match self.peek()? {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    return Some(Member::End);
                }
                _ => return None,
            }
        }
        if let Some(&(pattern, field)) = guess
            && self.s.get(self.i..)?.starts_with(pattern.as_bytes())
        {
            self.i += pattern.len();
            return Some(Member::Known(field));
        }
        let key = self.raw_str()?;
        self.eat(b':')?;
        Some(Member::Key(key))
    }

    /// Reads `{"type":"…"` and returns the tag; gives up when the tag is not the first key.
    pub(crate) fn tag(&mut self) -> Option<&'a str> {
        self.eat(b'{')?;
        let mut first = true;
        if self.key(&mut first)?? != "type" {
            return None;
        }
        self.raw_str()
    }

    /// Reads the `{` of a tagged object and finds its tag. When `"type"` is the first key it is
    /// read (`Tag::First`); otherwise the members are skimmed for it and nothing else is read
    /// (`Tag::Later`): the variant then reads every member, the tag included, and the caller
    /// removes the tag from the variant's `extra` — what serde's buffered path and
    /// `parse_tag_elsewhere` do. A repeated or non-string tag is left to serde. (So a variant's
    /// struct must not model a `type` field of its own.)
    pub(crate) fn open_tagged(&mut self) -> Option<(&'a str, Tag)> {
        self.eat(b'{')?;
        let start = self.i;
        let mut first = true;
        if self.key(&mut first)?? == "type" {
            return Some((self.raw_str()?, Tag::First));
        }
        self.i = start;
        let tag = self.find_tag()?;
        self.i = start;
        Some((tag, Tag::Later))
    }

    /// Skims the members of an object (from just after its `{`) for the one `"type"` key.
    fn find_tag(&mut self) -> Option<&'a str> {
        let mut first = true;
        let mut tag = None;
        while let Some(key) = self.key(&mut first)? {
            if key == "type" {
                if tag.is_some() {
                    return None;
                }
                tag = Some(self.raw_str()?);
            } else {
                self.skip()?;
            }
        }
        tag
    }

    /// Skips one value without building it. It only finds where the value ends; whatever is
    /// read afterwards is read (and checked) properly.
    fn skip(&mut self) -> Option<()> {
        match self.peek()? {
            b'"' => self.str_span().map(drop),
            b'{' | b'[' => {
                let mut depth = 0usize;
                loop {
                    match *self.s.get(self.i)? {
                        b'"' => {
                            self.str_span()?;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                self.i += 1;
                                return Some(());
                            }
                        }
                        _ => {}
                    }
                    self.i += 1;
                }
            }
            _ => {
                while let Some(&b) = self.s.get(self.i) {
                    if matches!(b, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t') {
                        break;
                    }
                    self.i += 1;
                }
                Some(())
            }
        }
    }

    /// A plain non-negative integer (no sign, fraction or exponent, at most 19 digits, so it
    /// fits). Anything else is left to serde.
    #[inline]
    pub(crate) fn u64(&mut self) -> Option<u64> {
        self.ws();
        let start = self.i;
        let mut j = start;
        let mut n: u64 = 0;
        while let Some(&d) = self.s.get(j) {
            if !d.is_ascii_digit() {
                break;
            }
            n = n.wrapping_mul(10).wrapping_add(u64::from(d - b'0'));
            j += 1;
        }
        let len = j - start;
        if len == 0 || len > 19 || (len > 1 && self.s.get(start) == Some(&b'0')) {
            return None;
        }
        if let Some(b'.' | b'e' | b'E') = self.s.get(j) {
            return None;
        }
        self.i = j;
        Some(n)
    }

    /// The text of a number (its characters; serde_json checks the grammar).
    fn number_span(&mut self) -> Option<&'a str> {
        self.ws();
        let start = self.i;
        let mut j = start;
        while let Some(b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E') = self.s.get(j) {
            j += 1;
        }
        let span = self.text.get(start..j).filter(|s| !s.is_empty())?;
        self.i = j;
        Some(span)
    }

    /// A number as `f64`, exactly as serde_json reads it into an `f64` field.
    fn f64(&mut self) -> Option<f64> {
        if let Some(n) = self.u64() {
            // serde_json hands a plain integer to `visit_u64`, which casts.
            return Some(n as f64);
        }
        serde_json::from_str::<f64>(self.number_span()?).ok()
    }

    /// Any JSON value, as serde_json's `Value` impl builds it.
    pub(crate) fn value(&mut self) -> Option<Value> {
        self.value_at(VALUE_DEPTH)
    }

    fn value_at(&mut self, depth: u32) -> Option<Value> {
        match self.peek()? {
            b'"' => self.string().map(Value::String),
            b'{' => {
                let depth = depth.checked_sub(1)?;
                self.i += 1;
                let mut map = Map::new();
                let mut first = true;
                loop {
                    if first {
                        if self.peek()? == b'}' {
                            self.i += 1;
                            break;
                        }
                    } else {
                        match self.peek()? {
                            b',' => self.i += 1,
                            b'}' => {
                                self.i += 1;
                                break;
                            }
                            _ => return None,
                        }
                    }
                    let key = self.string()?;
                    if first && key == RAW_VALUE_TOKEN {
                        return None;
                    }
                    first = false;
                    self.eat(b':')?;
                    let value = self.value_at(depth)?;
                    map.insert(key, value);
                }
                Some(Value::Object(map))
            }
            b'[' => {
                let depth = depth.checked_sub(1)?;
                self.i += 1;
                let mut items = Vec::new();
                if self.peek()? == b']' {
                    self.i += 1;
                    return Some(Value::Array(items));
                }
                loop {
                    items.push(self.value_at(depth)?);
                    match self.peek()? {
                        b',' => self.i += 1,
                        b']' => {
                            self.i += 1;
                            return Some(Value::Array(items));
                        }
                        _ => return None,
                    }
                }
            }
            b't' => self.lit(b"true").map(|()| Value::Bool(true)),
            b'f' => self.lit(b"false").map(|()| Value::Bool(false)),
            b'n' => self.lit(b"null").map(|()| Value::Null),
            b'-' | b'0'..=b'9' => match self.u64() {
                Some(n) => Some(Value::from(n)),
                None => serde_json::from_str::<Value>(self.number_span()?).ok(),
            },
            _ => None,
        }
    }

    /// The remaining members of an object as a map (what `Map::deserialize` reads).
    pub(crate) fn map_rest(&mut self, mut first: bool) -> Option<Map<String, Value>> {
        let mut map = Map::new();
        while let Some(key) = self.key(&mut first)? {
            let value = self.value()?;
            map.insert(key.to_owned(), value);
        }
        Some(map)
    }
}

/// The index of the first `"`, `\` or control character at or after `i` (or `s.len()`):
/// eight bytes at a time.
#[inline]
pub(crate) fn find_special(s: &[u8], mut i: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const QUOTE: u64 = ONES * b'"' as u64;
    const BACKSLASH: u64 = ONES * b'\\' as u64;
    const SPACE: u64 = ONES * 0x20;
    while let Some(chunk) = s.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        let q = w ^ QUOTE;
        let b = w ^ BACKSLASH;
        // The lowest flagged byte is exact (borrows only run upwards).
        let hit = ((q.wrapping_sub(ONES) & !q)
            | (b.wrapping_sub(ONES) & !b)
            | (w.wrapping_sub(SPACE) & !w))
            & HIGH;
        if hit != 0 {
            return i + (hit.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&c) = s.get(i) {
        if c == b'"' || c == b'\\' || c < 0x20 {
            return i;
        }
        i += 1;
    }
    i
}

impl Fast for String {
    #[inline]
    fn read(c: &mut Cur<'_>) -> Option<Self> {
        c.string()
    }
}

impl<T: Fast> Fast for Option<T> {
    #[inline]
    fn read(c: &mut Cur<'_>) -> Option<Self> {
        if c.peek()? == b'n' {
            c.lit(b"null")?;
            return Some(None);
        }
        T::read(c).map(Some)
    }
}

impl Fast for u64 {
    #[inline]
    fn read(c: &mut Cur<'_>) -> Option<Self> {
        c.u64()
    }
}

impl Fast for u32 {
    fn read(c: &mut Cur<'_>) -> Option<Self> {
        c.u64().and_then(|n| u32::try_from(n).ok())
    }
}

impl Fast for u16 {
    fn read(c: &mut Cur<'_>) -> Option<Self> {
        c.u64().and_then(|n| u16::try_from(n).ok())
    }
}

impl Fast for usize {
    #[inline]
    fn read(c: &mut Cur<'_>) -> Option<Self> {
        c.u64().and_then(|n| usize::try_from(n).ok())
    }
}

impl Fast for bool {
    fn read(c: &mut Cur<'_>) -> Option<Self> {
        match c.peek()? {
            b't' => c.lit(b"true").map(|()| true),
            b'f' => c.lit(b"false").map(|()| false),
            _ => None,
        }
    }
}

impl Fast for f64 {
    fn read(c: &mut Cur<'_>) -> Option<Self> {
        c.f64()
    }
}

impl Fast for Value {
    #[inline]
    fn read(c: &mut Cur<'_>) -> Option<Self> {
        c.value()
    }
}

impl<T: Fast> Fast for Vec<T> {
    fn read(c: &mut Cur<'_>) -> Option<Self> {
        c.eat(b'[')?;
        let mut items = Vec::new();
        if c.peek()? == b']' {
            c.i += 1;
            return Some(items);
        }
        loop {
            items.push(T::read(c)?);
            match c.peek()? {
                b',' => c.i += 1,
                b']' => {
                    c.i += 1;
                    return Some(items);
                }
                _ => return None,
            }
        }
    }
}

impl<T: Fast> Fast for BTreeMap<String, T> {
    fn read(c: &mut Cur<'_>) -> Option<Self> {
        c.eat(b'{')?;
        let mut map = BTreeMap::new();
        let mut first = true;
        // serde's map impl keeps the last value of a repeated key, as `insert` does.
        while let Some(key) = c.key(&mut first)? {
            let value = T::read(c)?;
            map.insert(key.to_owned(), value);
        }
        Some(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_special_matches_a_byte_scan() {
        let text: Vec<u8> = (0u8..=255)
            .chain(b"abc\"def\\ghi\x1fjk".iter().copied())
            .collect();
        for start in 0..text.len() {
            for end in start..text.len().min(start + 40) {
                let s = &text[..end];
                let want = (start..s.len())
                    .find(|&i| s[i] == b'"' || s[i] == b'\\' || s[i] < 0x20)
                    .unwrap_or(s.len());
                assert_eq!(find_special(s, start), want, "{start}..{end}");
            }
        }
    }

    #[test]
    fn values_match_serde_json() {
        for json in [
            r#"{"a":[1,2.5,-3,"x\n",null,true,false,{}],"b":{"c":[]},"a":0}"#,
            r#"[18446744073709551615, 18446744073709551616, 1e5, -0, 0.1, 12345678901234567890]"#,
            r#""caf\u00e9 \ud83d\ude00""#,
            " { \"k\" : [ 1 , 2 ] } ",
        ] {
            let want: Value = serde_json::from_str(json).unwrap();
            let mut c = Cur::new(json);
            assert_eq!(c.value(), Some(want), "{json}");
            assert!(c.at_end());
        }
        for bad in [
            r#"{"a":1,}"#,
            "[1,]",
            "01",
            r#""\x""#,
            "\"a\u{1}\"",
            r#""\ud800""#,
            "tru",
            r#"{"$serde_json::private::RawValue":"1"}"#,
            "1e999",
        ] {
            let mut c = Cur::new(bad);
            assert!(c.value().is_none() || !c.at_end(), "{bad}");
        }
    }
}
