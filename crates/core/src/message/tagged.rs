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
                // The tag comes later: keep every value as its raw JSON text (borrowed from the
                // input when it can be), find the tag, then parse the values once, in place.
                let mut entries = Vec::new();
                let mut tag = None;
                if let Some(k) = first {
                    entries.push((k, map.next_value::<Buffered<'de>>()?));
                }
                while let Some(CowStr(k)) = map.next_key::<CowStr<'de>>()? {
                    entries.push((k, map.next_value::<Buffered<'de>>()?));
                }
                // A repeated tag: the last one counts (as in a map).
                if let Some(t) = entries
                    .iter()
                    .rposition(|(k, _)| k == T::TAG)
                    .and_then(|i| entries[i].1.as_str())
                {
                    tag = Some(t);
                    entries.retain(|(k, _)| k != T::TAG);
                }
                match tag {
                    Some(tag) => T::from_tagged(
                        &tag,
                        MapAccessDeserializer::new(BufferedMap {
                            entries: entries.into_iter(),
                            value: None,
                        }),
                    )
                    .map_err(de::Error::custom),
                    None => {
                        let mut obj = Map::new();
                        for (k, v) in entries {
                            obj.insert(k.into_owned(), v.into_value().map_err(de::Error::custom)?);
                        }
                        Ok(T::untagged(Value::Object(obj)))
                    }
                }
            }
        }
    }
}

/// The name serde_json gives its raw-value newtype (see `super::de`): asking a serde_json
/// deserializer for it hands over the value's JSON text.
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

/// One value of an object whose tag has not been seen yet.
enum Buffered<'de> {
    /// Its JSON text, borrowed from the input when the input is borrowed.
    Raw(Cow<'de, str>),
    /// A deserializer that is not serde_json: the value itself.
    Value(Value),
}

impl<'de> Buffered<'de> {
    /// The string this value is, if it is one.
    fn as_str(&self) -> Option<String> {
        match self {
            Buffered::Raw(raw) => serde_json::from_str::<String>(raw).ok(),
            Buffered::Value(Value::String(s)) => Some(s.clone()),
            Buffered::Value(_) => None,
        }
    }

    fn into_value(self) -> Result<Value, serde_json::Error> {
        match self {
            Buffered::Raw(raw) => serde_json::from_str(&raw),
            Buffered::Value(v) => Ok(v),
        }
    }
}

impl<'de> Deserialize<'de> for Buffered<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Buffered<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            // serde_json: a one-entry map whose value is the raw JSON text.
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                if map.next_key::<de::IgnoredAny>()?.is_none() {
                    return Err(de::Error::invalid_type(de::Unexpected::Map, &self));
                }
                Ok(Buffered::Raw(map.next_value::<CowStr<'de>>()?.0))
            }
            fn visit_newtype_struct<D: Deserializer<'de>>(
                self,
                d: D,
            ) -> Result<Self::Value, D::Error> {
                Value::deserialize(d).map(Buffered::Value)
            }
        }
        d.deserialize_newtype_struct(RAW_VALUE_TOKEN, V)
    }
}

/// The buffered rest of an object, read as a map.
struct BufferedMap<'de> {
    entries: std::vec::IntoIter<(Cow<'de, str>, Buffered<'de>)>,
    value: Option<Buffered<'de>>,
}

impl<'de> MapAccess<'de> for BufferedMap<'de> {
    type Error = serde_json::Error;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, serde_json::Error> {
        let Some((k, v)) = self.entries.next() else {
            return Ok(None);
        };
        self.value = Some(v);
        match k {
            Cow::Borrowed(k) => seed
                .deserialize(de::value::BorrowedStrDeserializer::new(k))
                .map(Some),
            Cow::Owned(k) => seed
                .deserialize(de::value::StringDeserializer::new(k))
                .map(Some),
        }
    }

    fn next_value_seed<V: de::DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, serde_json::Error> {
        match self.value.take() {
            Some(Buffered::Raw(Cow::Borrowed(raw))) => {
                let mut de = serde_json::Deserializer::from_str(raw);
                let v = seed.deserialize(&mut de)?;
                de.end()?;
                Ok(v)
            }
            Some(Buffered::Raw(Cow::Owned(raw))) => {
                seed.deserialize(serde_json::from_str::<Value>(&raw)?)
            }
            Some(Buffered::Value(v)) => seed.deserialize(v),
            None => Err(de::Error::custom(
                "a map value was asked for before its key",
            )),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
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
