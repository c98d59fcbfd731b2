//! Fast deserialization of internally tagged wire enums.
//!
//! serde's derived `#[serde(tag = "type")]` buffers the whole object before it looks at the tag.
//! The CLI and the API write `"type"` first almost always, so we read the first key: when it is
//! the tag, the rest of the map is handed straight to the variant's deserializer (no buffering);
//! otherwise the object is collected into a map and dispatched from there. An unknown tag keeps
//! the object verbatim.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::value::MapAccessDeserializer;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_json::{Map, Value};

/// An enum dispatched on a tag key.
pub(crate) trait Tagged: Sized {
    /// The tag key (`type`, `subtype`).
    const TAG: &'static str;
    /// What the enum is called in error messages.
    const EXPECTING: &'static str;
    /// Builds the variant for `tag` from the rest of the object.
    fn from_tagged<'de, D: Deserializer<'de>>(tag: &str, rest: D) -> Result<Self, D::Error>;
    /// The unknown arm, for an object without a (string) tag.
    fn untagged(value: Value) -> Self;
}

/// Deserializes a [`Tagged`] enum.
pub(crate) fn deserialize<'de, D: Deserializer<'de>, T: Tagged>(d: D) -> Result<T, D::Error> {
    d.deserialize_map(TaggedVisitor(PhantomData))
}

/// Rebuilds an unknown object (tag included) from the rest of the map.
pub(crate) fn unknown<'de, D: Deserializer<'de>>(
    tag_key: &str,
    tag: &str,
    rest: D,
) -> Result<Value, D::Error> {
    let mut obj = Map::<String, Value>::deserialize(rest)?;
    obj.insert(tag_key.to_owned(), Value::String(tag.to_owned()));
    Ok(Value::Object(obj))
}

struct TaggedVisitor<T>(PhantomData<T>);

impl<'de, T: Tagged> Visitor<'de> for TaggedVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let first: Option<Cow<'de, str>> = map.next_key::<CowStr<'de>>()?.map(|k| k.0);
        match first {
            Some(k) if k == T::TAG => match map.next_value::<TagValue<'de>>()? {
                TagValue::Str(tag) => T::from_tagged(&tag, MapAccessDeserializer::new(map)),
                TagValue::Other(tag) => {
                    let mut obj =
                        Map::<String, Value>::deserialize(MapAccessDeserializer::new(map))?;
                    obj.insert(T::TAG.to_owned(), tag);
                    Ok(T::untagged(Value::Object(obj)))
                }
            },
            first => {
                let mut obj = Map::new();
                if let Some(k) = first {
                    obj.insert(k.into_owned(), map.next_value::<Value>()?);
                }
                while let Some((k, v)) = map.next_entry::<String, Value>()? {
                    obj.insert(k, v);
                }
                match obj.remove(T::TAG) {
                    Some(Value::String(tag)) => {
                        T::from_tagged(&tag, Value::Object(obj)).map_err(de::Error::custom)
                    }
                    Some(other) => {
                        obj.insert(T::TAG.to_owned(), other);
                        Ok(T::untagged(Value::Object(obj)))
                    }
                    None => Ok(T::untagged(Value::Object(obj))),
                }
            }
        }
    }
}

/// A tag value: a string (borrowed from the input when it can be), or anything else.
enum TagValue<'de> {
    Str(Cow<'de, str>),
    Other(Value),
}

impl<'de> Deserialize<'de> for TagValue<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = TagValue<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a tag")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(TagValue::Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(TagValue::Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(TagValue::Str(Cow::Owned(v)))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(TagValue::Other(Value::Bool(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(TagValue::Other(Value::from(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(TagValue::Other(Value::from(v)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(TagValue::Other(Value::from(v)))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(TagValue::Other(Value::Null))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                Value::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(TagValue::Other)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                Value::deserialize(MapAccessDeserializer::new(map)).map(TagValue::Other)
            }
        }
        d.deserialize_any(V)
    }
}

/// A string that borrows from the input when it can.
struct CowStr<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for CowStr<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = CowStr<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}
