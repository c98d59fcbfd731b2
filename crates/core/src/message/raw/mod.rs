//! [`RawMessage`]: a CLI line that is checked and classified, but whose body is parsed only on
//! demand. For consumers that mostly pass lines through (forwarding stream-json, logging,
//! recording, routing by type) and look inside only a few of them.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::ops::Range;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::Message;

mod scan;
mod shape;

/// The shape fast path's invariant, as a panicking check for the `raw_shape` fuzz target
/// (`crates/stream/src/fuzz/raw_shape.rs`). Not part of the public API.
#[doc(hidden)]
pub mod fuzzing {
    use super::{Message, scan, shape};

    /// The shape of one sample line.
    #[derive(Debug)]
    pub struct Learned(shape::Shape);

    impl Learned {
        /// Learns the shape of `sample`, when the scanner accepts it. Panics if the sample
        /// does not match its own shape with the scanner's tags.
        pub fn of(sample: &[u8]) -> Option<Learned> {
            let sample = std::str::from_utf8(sample).ok()?;
            let scan::Scan::Valid { type_name, subtype } = scan::scan(sample) else {
                return None;
            };
            let shape = shape::Shape::of(sample.as_bytes())?;
            assert_eq!(
                shape.matches(sample.as_bytes()),
                Ok((type_name, subtype)),
                "a line does not match its own shape"
            );
            Some(Learned(shape))
        }

        /// Matches `line` against the shape. Panics if it matches although the scanner or the
        /// typed parse rejects it, or with other tags than the scanner reads. Returns whether
        /// it matched.
        pub fn check(&self, line: &[u8]) -> bool {
            // `RawMessage` only ever looks up valid UTF-8.
            let Ok(line) = std::str::from_utf8(line) else {
                return false;
            };
            let Ok((type_name, subtype)) = self.0.matches(line.as_bytes()) else {
                return false;
            };
            assert_eq!(
                scan::scan(line),
                scan::Scan::Valid { type_name, subtype },
                "the shape matched a line the scanner reads otherwise"
            );
            assert!(
                Message::from_slice(line.as_bytes()).is_ok(),
                "the shape matched a line the typed parse rejects"
            );
            true
        }
    }
}

/// One line of CLI output, kept verbatim: valid JSON, an object, its top-level `type` and
/// `subtype` read; everything else left as text until [`RawMessage::parse`].
///
/// ```
/// use claude_sdk_core::message::{Message, RawMessage};
/// let line = br#"{"type":"system","subtype":"init","session_id":"s1","tools":[]}"#;
/// let raw = RawMessage::from_slice(line).unwrap();
/// assert_eq!(raw.type_name(), "system");
/// assert_eq!(raw.subtype(), Some("init"));
/// assert_eq!(raw.as_str().as_bytes(), line); // forward it unchanged
/// let Message::System(s) = raw.parse().unwrap() else { panic!() };
/// assert_eq!(s.session_id.as_deref(), Some("s1"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct RawMessage {
    line: Box<str>,
    type_name: Tag,
    subtype: Option<Tag>,
}

/// Where a tag's text is: a range of the line (no escapes), or decoded.
#[derive(Clone, PartialEq, Eq)]
enum Tag {
    Span(Range<usize>),
    Owned(Box<str>),
}

impl RawMessage {
    /// Checks one line and reads its `type` and `subtype`. Fails exactly where
    /// [`Message::from_slice`] fails: invalid UTF-8, invalid JSON (numbers out of `f64` range,
    /// lone surrogates and too deep nesting included), or not an object. The whole line is
    /// validated — by a line shape learned on this thread (`shape`), else a fast conservative
    /// pass (`scan`), else serde_json wherever that pass is unsure; nothing is allocated but the
    /// line itself (and, the first time a shape is seen, the shape).
    pub fn from_slice(line: &[u8]) -> Result<RawMessage, serde_json::Error> {
        RawMessage::from_string(super::utf8(line)?.to_owned())
    }

    /// Like [`RawMessage::from_slice`], taking ownership of the text (no copy).
    pub fn from_string(line: String) -> Result<RawMessage, serde_json::Error> {
        // A known shape, else the scanner, else (unsure) serde_json: see `shape` and `scan`.
        let found = shape::lookup(line.as_bytes());
        let fast = match found {
            shape::Lookup::Hit(tags) => Some(tags),
            shape::Lookup::Miss | shape::Lookup::Bypass => match scan::scan(&line) {
                scan::Scan::Valid { type_name, subtype } => {
                    if found == shape::Lookup::Miss {
                        shape::learn(line.as_bytes());
                    }
                    Some((type_name, subtype))
                }
                scan::Scan::Unsure => None,
            },
        };
        let (type_name, subtype) = match fast {
            Some((type_name, subtype)) => (type_name.map(Tag::Span), subtype.map(Tag::Span)),
            None => classify(&line)?,
        };
        Ok(RawMessage {
            line: line.into_boxed_str(),
            type_name: type_name.unwrap_or(Tag::Span(0..0)),
            subtype,
        })
    }

    /// The top-level `type` (`""` when it is missing or not a string).
    pub fn type_name(&self) -> &str {
        self.tag(&self.type_name)
    }

    /// The top-level `subtype`, when it is a string (`system` and `result` lines).
    pub fn subtype(&self) -> Option<&str> {
        self.subtype.as_ref().map(|t| self.tag(t))
    }

    /// The line, exactly as read (no newline).
    pub fn as_str(&self) -> &str {
        &self.line
    }

    /// The line, exactly as read.
    pub fn into_string(self) -> String {
        self.line.into_string()
    }

    /// Parses the typed message, as [`Message::from_slice`] would have.
    pub fn parse(&self) -> Result<Message, serde_json::Error> {
        Message::from_json_str(&self.line)
    }

    fn tag<'a>(&'a self, tag: &'a Tag) -> &'a str {
        match tag {
            Tag::Span(r) => self.line.get(r.clone()).unwrap_or(""),
            Tag::Owned(s) => s,
        }
    }
}

impl fmt::Debug for RawMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawMessage")
            .field("type", &self.type_name())
            .field("subtype", &self.subtype())
            .field("bytes", &self.line.len())
            .finish()
    }
}

impl From<RawMessage> for String {
    fn from(raw: RawMessage) -> String {
        raw.into_string()
    }
}

impl TryFrom<&RawMessage> for Message {
    type Error = serde_json::Error;

    fn try_from(raw: &RawMessage) -> Result<Message, serde_json::Error> {
        raw.parse()
    }
}

/// Validates `line` as one JSON object and finds its top-level `type` and `subtype`.
///
/// serde_json reads every value as it does when it builds a `Value` ([`Strict`]), so numbers
/// out of `f64` range, lone surrogates in `\u` escapes and nesting past serde_json's recursion
/// limit fail here as they fail in [`Message::from_slice`]. Where the typed parse is more
/// lenient than that (it re-reads some bodies from buffered raw JSON, whose nesting then counts
/// from the body, not the line), a failing line is handed to [`Message::from_slice`] itself:
/// rejections cost a typed parse, and a line is rejected exactly when the typed parse rejects it.
fn classify(line: &str) -> Result<(Option<Tag>, Option<Tag>), serde_json::Error> {
    match read_tags::<Strict>(line) {
        Ok(found) => Ok(found),
        Err(e) if Message::from_json_str(line).is_ok() => {
            // Valid for the typed parse: read the tags with a syntax-only skip of the rest.
            read_tags::<IgnoredAny>(line).map_err(|_| e)
        }
        Err(e) => Err(e),
    }
}

/// One top-level pass; `S` reads (or skips) every value that is not a tag.
fn read_tags<'de, S: Deserialize<'de>>(
    line: &'de str,
) -> Result<(Option<Tag>, Option<Tag>), serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(line);
    let found = de
        .deserialize_any(TopLevel::<S> {
            base: line,
            skip: PhantomData,
        })
        .map_err(|e| {
            if e.is_data() {
                de::Error::custom("a CLI message must be a JSON object")
            } else {
                e
            }
        })?;
    de.end()?;
    Ok(found)
}

struct TopLevel<'a, S> {
    base: &'a str,
    skip: PhantomData<fn() -> S>,
}

impl<'de, S: Deserialize<'de>> Visitor<'de> for TopLevel<'de, S> {
    type Value = (Option<Tag>, Option<Tag>);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a CLI message (a JSON object)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let (mut ty, mut sub) = (None, None);
        while let Some(key) = map.next_key::<super::de::Key<'de>>()? {
            let slot = match key.as_str() {
                "type" => &mut ty,
                "subtype" => &mut sub,
                _ => {
                    map.next_value::<S>()?;
                    continue;
                }
            };
            // The last occurrence counts, as in a map; a non-string tag is no tag.
            *slot = map.next_value::<MaybeStr<'de, S>>()?.0.map(|s| self.tag(s));
        }
        Ok((ty, sub))
    }
}

impl<'de, S> TopLevel<'de, S> {
    fn tag(&self, s: Cow<'de, str>) -> Tag {
        match s {
            Cow::Borrowed(b) => {
                let start = b.as_ptr() as usize - self.base.as_ptr() as usize;
                Tag::Span(start..start + b.len())
            }
            Cow::Owned(o) => Tag::Owned(o.into_boxed_str()),
        }
    }
}

/// A string (borrowed when it can be), or any other value read as `S` and dropped.
struct MaybeStr<'de, S>(Option<Cow<'de, str>>, PhantomData<fn() -> S>);

impl<'de, S: Deserialize<'de>> Deserialize<'de> for MaybeStr<'de, S> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<S>(PhantomData<fn() -> S>);
        impl<'de, S: Deserialize<'de>> Visitor<'de> for V<S> {
            type Value = MaybeStr<'de, S>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(MaybeStr(Some(Cow::Borrowed(v)), PhantomData))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(MaybeStr(Some(Cow::Owned(v.to_owned())), PhantomData))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(MaybeStr(None, PhantomData))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(MaybeStr(None, PhantomData))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(MaybeStr(None, PhantomData))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(MaybeStr(None, PhantomData))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(MaybeStr(None, PhantomData))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<S>()?.is_some() {}
                Ok(MaybeStr(None, PhantomData))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<S, S>()?.is_some() {}
                Ok(MaybeStr(None, PhantomData))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// Any JSON value, read (not skipped) and dropped: serde_json checks strings (surrogates),
/// numbers (range) and depth as it does when it builds a `Value`. `IgnoredAny` would skip
/// them with a syntax-only scan and accept lines the typed parse rejects.
struct Strict;

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Strict;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Strict, E> {
        Ok(Strict)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Strict, E> {
        Ok(Strict)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Strict, E> {
        Ok(Strict)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Strict, E> {
        Ok(Strict)
    }
    fn visit_str<E>(self, _: &str) -> Result<Strict, E> {
        Ok(Strict)
    }
    fn visit_unit<E>(self) -> Result<Strict, E> {
        Ok(Strict)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Strict, A::Error> {
        while seq.next_element::<Strict>()?.is_some() {}
        Ok(Strict)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Strict, A::Error> {
        while map.next_entry::<Strict, Strict>()?.is_some() {}
        Ok(Strict)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_without_parsing_and_parses_on_demand() {
        let line = r#"{"type":"stream_event","event":{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"hi"}},"session_id":"s"}"#;
        let raw = RawMessage::from_slice(line.as_bytes()).unwrap();
        assert_eq!(raw.type_name(), "stream_event");
        assert_eq!(raw.subtype(), None);
        assert_eq!(raw.as_str(), line);
        let Message::StreamEvent(e) = raw.parse().unwrap() else {
            panic!("not a stream event")
        };
        assert_eq!(e.text_delta(), Some("hi"));
    }

    #[test]
    fn tag_anywhere_escaped_or_repeated() {
        let raw = RawMessage::from_slice(
            br#"{"result":"x","subtype":"succ\u0065ss","type":"a","type":"result"}"#,
        )
        .unwrap();
        assert_eq!(raw.type_name(), "result");
        assert_eq!(raw.subtype(), Some("success"));
        let raw = RawMessage::from_slice(br#"{"type":5,"subtype":{"a":"b"}}"#).unwrap();
        assert_eq!(raw.type_name(), "");
        assert_eq!(raw.subtype(), None);
        assert!(matches!(raw.parse(), Ok(Message::Unknown(_))));
    }

    #[test]
    fn fails_where_message_fails() {
        for line in [
            &b"[1,2]"[..],
            b"\"text\"",
            b"42",
            b"{\"type\":\"x\"",
            b"{\"type\":\"x\"} trailing",
            b"{\"a\":\"\xff\"}",
            b"",
            b"{\"a\":[1,}",
        ] {
            assert!(Message::from_slice(line).is_err(), "{line:?}");
            let err = RawMessage::from_slice(line).unwrap_err();
            assert!(!err.to_string().is_empty());
        }
        assert!(
            RawMessage::from_slice(b"[1]")
                .unwrap_err()
                .to_string()
                .contains("must be a JSON object")
        );
    }

    /// Lines where JSON validators often differ from serde_json. For each: `RawMessage` agrees
    /// with `Message`, both validators agree with it when they accept, and the fast one never
    /// accepts a line serde_json rejects.
    #[test]
    fn edge_cases_accept_exactly_what_message_accepts() {
        let nest = |open: &str, close: &str, n: usize| {
            format!(
                r#"{{"type":"x","a":{}1{}}}"#,
                open.repeat(n),
                close.repeat(n)
            )
        };
        let mut cases: Vec<(String, bool)> = vec![
            // numbers out of f64 range fail; underflow and big integers are read as f64
            (r#"{"type":"x","a":1e400}"#.into(), false),
            (r#"{"type":"x","a":-1e400}"#.into(), false),
            (format!(r#"{{"type":"x","a":1{}}}"#, "0".repeat(400)), false),
            (r#"{"type":"x","a":1e-400}"#.into(), true),
            (
                r#"{"type":"x","a":123456789012345678901234567890}"#.into(),
                true,
            ),
            (r#"{"type":"x","a":-9223372036854775809}"#.into(), true),
            (r#"{"type":"x","a":1.7976931348623157e308}"#.into(), true),
            (r#"{"type":"x","a":01}"#.into(), false),
            (r#"{"type":"x","a":1.}"#.into(), false),
            (r#"{"type":"x","a":-}"#.into(), false),
            (r#"{"type":"x","a":.5}"#.into(), false),
            (r#"{"type":"x","a":+1}"#.into(), false),
            (r#"{"type":"x","a":NaN}"#.into(), false),
            // lone surrogates in \u escapes fail, pairs pass
            (r#"{"type":"x","a":"\ud800"}"#.into(), false),
            (r#"{"type":"x","a":"\udc00"}"#.into(), false),
            (r#"{"type":"x","a":"\ud800\u0041"}"#.into(), false),
            (r#"{"type":"x","\ud800":1}"#.into(), false),
            (r#"{"type":"\ud800"}"#.into(), false),
            (r#"{"type":"x","a":["\udfff"]}"#.into(), false),
            (r#"{"type":"x","a":"\ud83d\ude00"}"#.into(), true),
            (r#"{"type":"x","a":"\u00e9\n\t\/\\\""}"#.into(), true),
            (r#"{"type":"x","a":"\x"}"#.into(), false),
            (r#"{"type":"x","a":"\u12"}"#.into(), false),
            // control characters: never raw inside a string; only space, \t, \n, \r between tokens
            ("{\"type\":\"x\",\"a\":\"\u{1}\"}".into(), false),
            ("{\"type\":\"x\",\"a\":\"\t\"}".into(), false),
            ("{\"type\":\"x\",\"a\":\"\n\"}".into(), false),
            ("{\"type\":\"x\",\"a\":\"\u{0}\"}".into(), false),
            ("{\"type\":\"x\",\"a\":\"\u{7f}\"}".into(), true),
            ("{\"type\":\"x\",\u{b}\"a\":1}".into(), false),
            ("{\"type\":\"x\"}\u{0}".into(), false),
            ("{\"type\":\"x\"}\u{c}".into(), false),
            // duplicate keys are valid JSON (the typed parse keeps the object as unknown)
            (r#"{"type":"x","a":1,"a":2}"#.into(), true),
            (
                r#"{"type":"assistant","message":{"id":"1","id":"2"}}"#.into(),
                true,
            ),
            (r#"{"type":"a","type":"b"}"#.into(), true),
            // whitespace around the value, never a BOM
            ("{\"type\":\"x\"}  \t\r\n ".into(), true),
            (" \t\r\n{ \"type\" : \"x\" }".into(), true),
            ("\u{feff}{\"type\":\"x\"}".into(), false),
            ("{\"type\":\"x\"}\u{a0}".into(), false),
            // literals and structure
            (r#"{"type":"x","a":[true,false,null]}"#.into(), true),
            (r#"{"type":"x","a":tru}"#.into(), false),
            (r#"{"type":"x","a":nul}"#.into(), false),
            (r#"{"type":"x",}"#.into(), false),
            (r#"{"type":"x","a":[1,]}"#.into(), false),
            (r#"{"type":"x"}{}"#.into(), false),
            (r#"{"type":"x"} 1"#.into(), false),
            (r#"{}"#.into(), true),
            (r#"{"a":{}}"#.into(), true),
            ("{".into(), false),
            ("{\"a\"}".into(), false),
            ("null".into(), false),
            // nesting: the line's object is level 1; serde_json stops past 127 levels
            (nest("[", "]", 125), true),
            (nest("[", "]", 126), true),
            (nest("[", "]", 127), false),
            (nest("[", "]", 128), false),
            (nest("[", "]", 4000), false),
            (nest(r#"{"k":"#, "}", 126), true),
            (nest(r#"{"k":"#, "}", 127), false),
        ];
        // nesting inside a message body the typed parse reads in its own way (there only the
        // agreement with `Message` is checked)
        for n in [120_usize, 126, 127, 200] {
            cases.push((
                format!(
                    r#"{{"type":"assistant","message":{{"id":"m","role":"assistant","content":[{{"type":"tool_use","id":"t","name":"n","input":{{"a":{}1{}}}}}]}}}}"#,
                    "[".repeat(n.saturating_sub(5)),
                    "]".repeat(n.saturating_sub(5))
                ),
                false,
            ));
        }
        for (line, expect) in &cases {
            let message = Message::from_slice(line.as_bytes());
            let raw = RawMessage::from_slice(line.as_bytes());
            let shown = &line[..line.len().min(80)];
            assert_eq!(message.is_ok(), raw.is_ok(), "Message/RawMessage: {shown}");
            if !line.contains("tool_use") {
                assert_eq!(raw.is_ok(), *expect, "expected acceptance: {shown}");
            }
        }
    }

    /// The typed parse's nesting limit depends on where a value sits (bodies it buffers and
    /// re-reads count from the body): `RawMessage` accepts what it accepts.
    #[test]
    fn deep_nesting_follows_the_typed_parse() {
        for n in [100, 125, 126, 127, 128, 130, 200, 400] {
            for line in [
                format!(
                    r#"{{"x":{}1{},"type":"user"}}"#,
                    "[".repeat(n),
                    "]".repeat(n)
                ),
                format!(
                    r#"{{"x":{}1{},"kind":"user"}}"#,
                    "[".repeat(n),
                    "]".repeat(n)
                ),
                format!(r#"{{"type":"x","x":{}1{}}}"#, "[".repeat(n), "]".repeat(n)),
            ] {
                let message = Message::from_slice(line.as_bytes());
                let raw = RawMessage::from_slice(line.as_bytes());
                assert_eq!(message.is_ok(), raw.is_ok(), "{n}: {line}");
                if let Ok(raw) = raw {
                    assert_eq!(raw.type_name(), message.unwrap().type_name());
                }
            }
        }
    }

    #[test]
    fn reads_top_level_tags_only() {
        for (line, ty, sub) in [
            (
                r#"{"type":"system","subtype":"init","session_id":"s"}"#,
                "system",
                Some("init"),
            ),
            (
                r#"{"a":{"type":"inner"},"b":[{"subtype":"no"}],"type":"outer"}"#,
                "outer",
                None,
            ),
            (
                r#"{"type":"a\\","subtype":"\ud83d\ude00"}"#,
                "a\\",
                Some("\u{1f600}"),
            ),
            (r#"{"x":1}"#, "", None),
        ] {
            let raw = RawMessage::from_slice(line.as_bytes()).unwrap();
            assert_eq!(raw.type_name(), ty, "{line}");
            assert_eq!(raw.subtype(), sub, "{line}");
        }
    }
}
