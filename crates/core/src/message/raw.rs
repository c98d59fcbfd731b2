//! [`RawMessage`]: a CLI line that is checked and classified, but whose body is parsed only on
//! demand. For consumers that mostly pass lines through (forwarding stream-json, logging,
//! recording, routing by type) and look inside only a few of them.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};

use super::Message;

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
    /// [`Message::from_slice`] fails: invalid UTF-8, invalid JSON, or not an object. The whole
    /// line is validated (serde_json's skip-scan); nothing is allocated but the line itself.
    pub fn from_slice(line: &[u8]) -> Result<RawMessage, serde_json::Error> {
        let text = std::str::from_utf8(line)
            .map_err(|e| serde::de::Error::custom(format!("invalid UTF-8: {e}")))?;
        RawMessage::from_string(text.to_owned())
    }

    /// Like [`RawMessage::from_slice`], taking ownership of the text (no copy).
    pub fn from_string(line: String) -> Result<RawMessage, serde_json::Error> {
        let (type_name, subtype) = classify(&line)?;
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
fn classify(line: &str) -> Result<(Option<Tag>, Option<Tag>), serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(line);
    let found = de.deserialize_any(TopLevel { base: line }).map_err(|e| {
        if e.is_data() {
            de::Error::custom("a CLI message must be a JSON object")
        } else {
            e
        }
    })?;
    de.end()?;
    Ok(found)
}

struct TopLevel<'a> {
    base: &'a str,
}

impl<'de> Visitor<'de> for TopLevel<'de> {
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
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            // The last occurrence counts, as in a map; a non-string tag is no tag.
            *slot = map.next_value::<MaybeStr<'de>>()?.0.map(|s| self.tag(s));
        }
        Ok((ty, sub))
    }
}

impl<'de> TopLevel<'de> {
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

/// A string (borrowed when it can be), or any other value skipped.
struct MaybeStr<'de>(Option<Cow<'de, str>>);

impl<'de> Deserialize<'de> for MaybeStr<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = MaybeStr<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(MaybeStr(Some(Cow::Borrowed(v))))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(MaybeStr(Some(Cow::Owned(v.to_owned()))))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(MaybeStr(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(MaybeStr(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(MaybeStr(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(MaybeStr(None))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(MaybeStr(None))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(MaybeStr(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(MaybeStr(None))
            }
        }
        d.deserialize_any(V)
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
}
