//! Hand-written deserialization for the wire structs.
//!
//! serde's `#[serde(flatten)]` makes a derived struct buffer the whole object (every value as a
//! `Content` tree) before it fills a single field; on the CLI's output that was most of the parse
//! time. [`wire_struct!`] generates a `Deserialize` impl that reads the object once: known keys
//! go straight into their fields, every other key into the struct's `extra` map (so unknown
//! fields still survive a round trip), exactly like the derived impl did — a repeated known key
//! is an error, a missing required field is an error, `#[serde(default)]` fields default.
//!
//! The same macro implements [`super::fast::Fast`] for the struct: the direct reader that
//! [`super::Message::from_json_str`] tries first, with the same rules (and giving up where serde
//! would fail, so serde can decide).
//!
//! [`LeanString`] reads a big string field without serde_json's unescape scratch buffer: it takes
//! the field as borrowed raw JSON and unescapes it straight into its final `String`, so a 50 MiB
//! text block costs the line plus the text, not the line plus two copies of the text.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::{Map, Value};

/// An object key, borrowed from the input when it can be.
pub(crate) struct Key<'de>(Cow<'de, str>);

impl Key<'_> {
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }

    pub(crate) fn into_string(self) -> String {
        self.0.into_owned()
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_identifier(V)
    }
}

/// Reads the value of a known key into its slot; a second occurrence is an error (as with a
/// derived impl).
pub(crate) fn set<'de, T: Deserialize<'de>, A: MapAccess<'de>>(
    slot: &mut Option<T>,
    key: &'static str,
    map: &mut A,
) -> Result<(), A::Error> {
    if slot.is_some() {
        return Err(de::Error::duplicate_field(key));
    }
    *slot = Some(map.next_value()?);
    Ok(())
}

/// Like [`set`], reading the value as `W` (a wrapper such as [`LeanString`]).
pub(crate) fn set_via<'de, W: Deserialize<'de> + Into<T>, T, A: MapAccess<'de>>(
    slot: &mut Option<T>,
    key: &'static str,
    map: &mut A,
) -> Result<(), A::Error> {
    if slot.is_some() {
        return Err(de::Error::duplicate_field(key));
    }
    *slot = Some(map.next_value::<W>()?.into());
    Ok(())
}

/// A type a `lenient` wire-struct field can hold. `null` is no value (as for any optional
/// field); a value of the right kind goes into the field; anything else is left to the struct's
/// `extra` map, verbatim. So a field the CLI starts sending with another type never makes the
/// whole message unparsable, and the value survives a round trip.
pub(crate) trait Lenient: Sized {
    /// The field's value from a (non-null) JSON value; the value back when it does not fit.
    fn from_value(v: Value) -> Result<Self, Value>;
}

impl Lenient for String {
    fn from_value(v: Value) -> Result<Self, Value> {
        match v {
            Value::String(s) => Ok(s),
            other => Err(other),
        }
    }
}

impl Lenient for u64 {
    fn from_value(v: Value) -> Result<Self, Value> {
        v.as_u64().ok_or(v)
    }
}

impl Lenient for Value {
    fn from_value(v: Value) -> Result<Self, Value> {
        Ok(v)
    }
}

impl Lenient for Vec<String> {
    fn from_value(v: Value) -> Result<Self, Value> {
        match v {
            Value::Array(items) if items.iter().all(Value::is_string) => Ok(items
                .into_iter()
                .filter_map(|s| match s {
                    Value::String(s) => Some(s),
                    _ => None,
                })
                .collect()),
            other => Err(other),
        }
    }
}

/// Puts the value of a `lenient` key where it belongs (see [`Lenient`]). A second occurrence
/// is an error (as for any known key), so a serialized struct never carries the key twice.
pub(crate) fn put_lenient<T: Lenient, E: de::Error>(
    slot: &mut Option<T>,
    seen: &mut bool,
    key: &'static str,
    extra: &mut Map<String, Value>,
    value: Value,
) -> Result<(), E> {
    if std::mem::replace(seen, true) {
        return Err(E::duplicate_field(key));
    }
    if !value.is_null() {
        match T::from_value(value) {
            Ok(v) => *slot = Some(v),
            Err(v) => {
                extra.insert(key.to_owned(), v);
            }
        }
    }
    Ok(())
}

/// Implements `Deserialize` for a wire struct: `required` fields must be present, `optional`
/// ones default when absent, `lenient` ones (`Option<T>`, `T:` [`Lenient`]) take the value when
/// it has their type and otherwise leave it in `extra` verbatim; any other key goes into the
/// `extra` map. A field may name a wrapper to read it through (`text: "text" via LeanString`).
macro_rules! wire_struct {
    (
        $ty:ident, $expecting:literal,
        required { $( $rf:ident : $rk:literal $(via $rw:ty)? ),* $(,)? }
        optional { $( $of:ident : $ok:literal $(via $ow:ty)? ),* $(,)? }
        $( lenient { $( $lf:ident : $lk:literal ),* $(,)? } )?
        extra $extra:ident
    ) => {
        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> ::serde::de::Visitor<'de> for V {
                    type Value = $ty;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str($expecting)
                    }
                    fn visit_map<A: ::serde::de::MapAccess<'de>>(
                        self,
                        mut map: A,
                    ) -> Result<$ty, A::Error> {
                        $( let mut $rf = None; )*
                        $( let mut $of = None; )*
                        $( $( let mut $lf = (None, false); )* )?
                        let mut $extra = ::serde_json::Map::new();
                        while let Some(key) =
                            map.next_key::<$crate::message::de::Key<'de>>()?
                        {
                            match key.as_str() {
                                $( $rk => $crate::message::de::wire_struct!(@set map, $rf, $rk $(, $rw)?), )*
                                $( $ok => $crate::message::de::wire_struct!(@set map, $of, $ok $(, $ow)?), )*
                                $( $( $lk => $crate::message::de::put_lenient::<_, A::Error>(
                                    &mut $lf.0, &mut $lf.1, $lk, &mut $extra, map.next_value()?,
                                )?, )* )?
                                _ => {
                                    let value = map.next_value::<::serde_json::Value>()?;
                                    $extra.insert(key.into_string(), value);
                                }
                            }
                        }
                        Ok($ty {
                            $( $rf: $rf.ok_or_else(|| {
                                <A::Error as ::serde::de::Error>::missing_field($rk)
                            })?, )*
                            $( $of: $of.unwrap_or_default(), )*
                            $( $( $lf: $lf.0, )* )?
                            $extra,
                        })
                    }
                }
                d.deserialize_map(V)
            }
        }

        impl $crate::message::fast::Fast for $ty {
            #[inline]
            fn read(c: &mut $crate::message::fast::Cur<'_>) -> Option<Self> {
                c.eat(b'{')?;
                <Self as $crate::message::fast::FastRest>::read_rest(c, true)
            }
        }

        impl $crate::message::fast::FastRest for $ty {
            #[inline]
            fn read_rest(c: &mut $crate::message::fast::Cur<'_>, mut first: bool) -> Option<Self> {
                use $crate::message::fast::Member;
                #[allow(non_camel_case_types)]
                #[derive(Clone, Copy)]
                enum F { $( $rf, )* $( $of, )* $( $( $lf, )* )? }
                // Each known key as it appears on the wire (`"key":`), in declaration order: the
                // next key is tried as a plain prefix first (the CLI writes its keys in a fixed
                // order), before it is scanned and matched.
                const KEYS: &[(&str, F)] = &[
                    $( (concat!("\"", $rk, "\":"), F::$rf), )*
                    $( (concat!("\"", $ok, "\":"), F::$of), )*
                    $( $( (concat!("\"", $lk, "\":"), F::$lf), )* )?
                ];
                $( let mut $rf = None; )*
                $( let mut $of = None; )*
                $( $( let mut $lf = (None, false); )* )?
                let mut $extra = ::serde_json::Map::new();
                let mut next = 0;
                loop {
                    let field = match c.member(&mut first, KEYS.get(next))? {
                        Member::End => break,
                        Member::Known(field) => field,
                        Member::Key(key) => match key {
                            $( $rk => F::$rf, )*
                            $( $ok => F::$of, )*
                            $( $( $lk => F::$lf, )* )?
                            _ => {
                                let value = c.value()?;
                                $extra.insert(key.to_owned(), value);
                                continue;
                            }
                        },
                    };
                    next = field as usize + 1;
                    match field {
                        $( F::$rf => {
                            if $rf.is_some() {
                                return None;
                            }
                            $rf = Some($crate::message::de::wire_struct!(@fast c $(, $rw)?));
                        } )*
                        $( F::$of => {
                            if $of.is_some() {
                                return None;
                            }
                            $of = Some($crate::message::de::wire_struct!(@fast c $(, $ow)?));
                        } )*
                        $( $( F::$lf => {
                            $crate::message::de::put_lenient::<_, ::serde_json::Error>(
                                &mut $lf.0, &mut $lf.1, $lk, &mut $extra, c.value()?,
                            ).ok()?;
                        } )* )?
                    }
                }
                Some($ty {
                    $( $rf: $rf?, )*
                    $( $of: $of.unwrap_or_default(), )*
                    $( $( $lf: $lf.0, )* )?
                    $extra,
                })
            }
        }
    };
    (@fast $c:ident) => {
        $crate::message::fast::Fast::read($c)?
    };
    (@fast $c:ident, $via:ty) => {
        <$via as $crate::message::fast::Fast>::read($c)?.into()
    };
    (@set $map:ident, $slot:ident, $key:literal) => {
        $crate::message::de::set(&mut $slot, $key, &mut $map)?
    };
    (@set $map:ident, $slot:ident, $key:literal, $via:ty) => {
        $crate::message::de::set_via::<$via, _, _>(&mut $slot, $key, &mut $map)?
    };
}
pub(crate) use wire_struct;

/// The name serde_json gives its raw-value newtype (`serde_json::value::RawValue`). Asking a
/// serde_json deserializer for a newtype of this name hands over the value's JSON text, borrowed
/// from the input when the input is borrowed. Any other deserializer treats it as an ordinary
/// newtype, so [`LeanString`] stays correct everywhere; only the memory saving depends on it.
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

/// A `String` read through serde_json's raw value: no scratch copy of an escaped string.
pub(crate) struct LeanString(pub(crate) String);

impl From<LeanString> for String {
    fn from(s: LeanString) -> String {
        s.0
    }
}

impl<'de> Deserialize<'de> for LeanString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_newtype_struct(RAW_VALUE_TOKEN, LeanVisitor)
    }
}

struct LeanVisitor;

impl<'de> Visitor<'de> for LeanVisitor {
    type Value = LeanString;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    // serde_json: a one-entry map whose value is the raw JSON text.
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<LeanString, A::Error> {
        if map.next_key::<IgnoredAny>()?.is_none() {
            return Err(de::Error::invalid_type(de::Unexpected::Map, &self));
        }
        map.next_value_seed(RawJsonString)
    }

    // Any other deserializer: an ordinary string.
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<LeanString, D::Error> {
        String::deserialize(d).map(LeanString)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<LeanString, E> {
        Ok(LeanString(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<LeanString, E> {
        Ok(LeanString(v))
    }
}

impl super::fast::Fast for LeanString {
    #[inline]
    fn read(c: &mut super::fast::Cur<'_>) -> Option<Self> {
        c.string().map(LeanString)
    }
}

/// The raw JSON text of a value, which must be a string; unescaped into a `String`.
struct RawJsonString;

impl<'de> DeserializeSeed<'de> for RawJsonString {
    type Value = LeanString;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<LeanString, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for RawJsonString {
    type Value = LeanString;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: de::Error>(self, raw: &str) -> Result<LeanString, E> {
        unescape(raw).map(LeanString)
    }
}

/// Decodes one JSON string literal (quotes included) that serde_json has already checked for
/// structure. Anything that is not a string is reported as the wrong type; bad escapes and lone
/// surrogates are errors, as in serde_json.
fn unescape<E: de::Error>(raw: &str) -> Result<String, E> {
    let raw = raw.trim_matches(|c: char| c.is_ascii_whitespace());
    let Some(body) = raw
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .filter(|_| raw.len() >= 2)
    else {
        return Err(de::Error::invalid_type(unexpected(raw), &"a string"));
    };
    unescape_body(body)
}

/// Decodes the text between the quotes of a JSON string literal whose structure is known to be
/// sound (no raw `"` or control character, every `\` starts an escape). Bad escapes and lone
/// surrogates are errors, as in serde_json.
pub(crate) fn unescape_body<E: de::Error>(body: &str) -> Result<String, E> {
    // Unescaping never grows the text, so `body.len()` is an upper bound: pages past the end
    // of what is written are never touched, and the spare capacity is given back at the end.
    let mut out = String::with_capacity(body.len());
    let bytes = body.as_bytes();
    let mut at = 0;
    loop {
        // In a sound body the only special byte left is the `\` starting an escape.
        let i = super::fast::find_special(bytes, at);
        let invalid = || de::Error::custom("invalid string");
        out.push_str(body.get(at..i).ok_or_else(invalid)?);
        match bytes.get(i) {
            None => break,
            Some(b'\\') => {}
            Some(_) => return Err(invalid()),
        }
        let unescaped = match bytes.get(i + 1) {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                let (c, used) = unicode_escape(body.get(i + 1..).ok_or_else(invalid)?)?;
                out.push(c);
                at = i + 1 + used;
                continue;
            }
            _ => return Err(de::Error::custom("invalid escape in string")),
        };
        out.push(unescaped);
        at = i + 2;
    }
    if out.capacity() - out.len() > 4096 {
        out.shrink_to_fit();
    }
    Ok(out)
}

/// `esc` starts at the `u` of `\uXXXX`; the char and how many bytes of `esc` it used.
fn unicode_escape<E: de::Error>(esc: &str) -> Result<(char, usize), E> {
    let hex = |s: Option<&str>| -> Result<u32, E> {
        s.filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .ok_or_else(|| de::Error::custom("invalid \\u escape in string"))
    };
    let first = hex(esc.get(1..5))?;
    match first {
        0xD800..=0xDBFF => {
            if esc.get(5..7) != Some("\\u") {
                return Err(de::Error::custom("lone leading surrogate in hex escape"));
            }
            let second = hex(esc.get(7..11))?;
            if !(0xDC00..=0xDFFF).contains(&second) {
                return Err(de::Error::custom("lone leading surrogate in hex escape"));
            }
            let c = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
            char::from_u32(c)
                .map(|c| (c, 11))
                .ok_or_else(|| de::Error::custom("invalid \\u escape in string"))
        }
        0xDC00..=0xDFFF => Err(de::Error::custom("lone trailing surrogate in hex escape")),
        c => char::from_u32(c)
            .map(|c| (c, 5))
            .ok_or_else(|| de::Error::custom("invalid \\u escape in string")),
    }
}

/// What a non-string raw value is, for the error message.
fn unexpected(raw: &str) -> de::Unexpected<'_> {
    match raw.as_bytes().first() {
        Some(b'{') => de::Unexpected::Map,
        Some(b'[') => de::Unexpected::Seq,
        Some(b'n') => de::Unexpected::Unit,
        Some(b't') => de::Unexpected::Bool(true),
        Some(b'f') => de::Unexpected::Bool(false),
        _ => de::Unexpected::Other("a number"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lean(json: &str) -> Result<String, serde_json::Error> {
        serde_json::from_str::<LeanString>(json).map(|s| s.0)
    }

    #[test]
    fn lean_string_matches_serde_json_on_every_escape() {
        for json in [
            r#""plain""#,
            r#""""#,
            r#""a\"b\\c\/d\be\ff\ng\rh\ti""#,
            r#""\u00e9\u4e2d\ud83d\ude00 end""#,
            r#""caf\u00E9 \u0000""#,
            "\"naïve — ünïcödé\"",
        ] {
            let want: String = serde_json::from_str(json).unwrap();
            assert_eq!(lean(json).unwrap(), want, "{json}");
            // Through `Value` (from_value) and a non-borrowing reader too.
            let v: serde_json::Value = serde_json::from_str(json).unwrap();
            assert_eq!(serde_json::from_value::<LeanString>(v).unwrap().0, want);
            assert_eq!(
                serde_json::from_reader::<_, LeanString>(json.as_bytes())
                    .unwrap()
                    .0,
                want
            );
        }
    }

    #[test]
    fn lean_string_rejects_what_serde_json_rejects() {
        for json in [
            r#""\ud83d""#,
            r#""\ude00""#,
            r#""\ud83dx""#,
            r#""\ud83d\u0041""#,
            r#""\x""#,
            r#""\u12""#,
            "5",
            "null",
            "[\"a\"]",
            "{\"a\":1}",
            "true",
        ] {
            assert!(serde_json::from_str::<String>(json).is_err(), "{json}");
            assert!(lean(json).is_err(), "{json}");
        }
    }

    #[test]
    fn lean_string_gives_back_spare_capacity() {
        let text = "\\n".repeat(100_000);
        let s = lean(&format!("\"{text}\"")).unwrap();
        assert_eq!(s.len(), 100_000);
        assert!(s.capacity() - s.len() <= 4096, "capacity {}", s.capacity());
    }
}
