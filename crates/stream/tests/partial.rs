//! `PartialJson` fed a tricky document split every possible way.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use claude_sdk_stream::partial::PartialJson;
use serde_json::{Value, json};

/// Nested objects and arrays, every escape kind (`\u00e9`, a surrogate pair), raw emoji and
/// non-ASCII text, numbers of every shape, literals, empty containers, odd whitespace.
const TRICKY: &str = r#"{
  "name": "Zoë \"the\" coder\\",
  "emoji": "😀 raw, then escaped \ud83d\ude00!",
  "accent": "caf\u00e9 \u00E9t\u00e9",
  "nums": [0, -1.5e3, 42, 3.25, -0, 1E+2, 7e-1, 123456789012],
  "flags": {"t": true, "f": false, "n": null},
  "nested": {"a": [{"b": [[], {}, [1, [2, [3]]]]}, "tab\tnewline\n/slash\/ \b\f\r"], "empty": ""},
  "ключ": "значение 日本語",
  "last":[true,false,null,-7]	,"z" : {"deep": {"deeper": {"deepest": "end"}}}
}"#;

/// `partial` shows nothing that contradicts `full`: strings are prefixes, arrays and objects
/// only grow (all array elements but the last are final), scalars are final.
fn consistent(partial: &Value, full: &Value) -> bool {
    match (partial, full) {
        (Value::String(p), Value::String(f)) => f.starts_with(p.as_str()),
        (Value::Array(p), Value::Array(f)) => {
            let last = p.len().saturating_sub(1);
            p.len() <= f.len()
                && p.iter()
                    .zip(f)
                    .enumerate()
                    .all(|(i, (x, y))| if i < last { x == y } else { consistent(x, y) })
        }
        (Value::Object(p), Value::Object(f)) => p
            .iter()
            .all(|(k, v)| f.get(k).is_some_and(|w| consistent(v, w))),
        _ => partial == full,
    }
}

/// Checks one snapshot of `json` (a prefix of `text`) against the final value.
fn check_prefix(json: &PartialJson, text: &str, full: &Value) -> Option<Value> {
    let snap = json.snapshot();
    let received = json.as_str();
    assert!(text.starts_with(received));
    let started = received.trim_start().starts_with(['{', '[', '"']);
    if started {
        assert!(snap.is_some(), "no snapshot after {received:?}");
    }
    if let Some(s) = &snap {
        assert!(
            consistent(s, full),
            "snapshot {s} after {received:?} contradicts {full}"
        );
        // Completed keys have their final values, and come in the final document's order.
        let keys = json.completed_keys();
        for k in keys {
            assert_eq!(
                s.get(k),
                full.get(k),
                "completed key {k} after {received:?}"
            );
        }
        let snap_keys = s.as_object().map_or(0, |m| m.len());
        assert!(keys.len() <= snap_keys, "{keys:?} vs {s}");
    }
    assert_eq!(json.bytes_scanned(), received.len());
    assert_eq!(
        json.is_complete(),
        received.len() >= text.trim_end().len(),
        "{received:?}"
    );
    snap
}

fn char_by_char(text: &str) {
    let full: Value = serde_json::from_str(text).unwrap();
    let mut json = PartialJson::new();
    assert_eq!(json.snapshot(), None);
    let mut prev: Option<Value> = None;
    let mut buf = [0u8; 4];
    for c in text.chars() {
        json.push(c.encode_utf8(&mut buf));
        let snap = check_prefix(&json, text, &full);
        // Snapshots only grow.
        if let (Some(p), Some(s)) = (&prev, &snap) {
            assert!(consistent(p, s), "{p} then {s} after {:?}", json.as_str());
        }
        assert!(prev.is_none() || snap.is_some(), "a snapshot disappeared");
        prev = snap;
    }
    assert_eq!(prev.as_ref(), Some(&full));
    let keys: Vec<&str> = json.completed_keys().iter().map(String::as_str).collect();
    if let Some(m) = full.as_object() {
        assert_eq!(keys.len(), m.len());
        assert!(keys.iter().all(|k| m.contains_key(*k)));
    }
    assert_eq!(json.finish().unwrap(), full);
}

#[test]
fn char_by_char_every_snapshot_is_consistent() {
    char_by_char(TRICKY);
    let full: Value = serde_json::from_str(TRICKY).unwrap();
    char_by_char(&full.to_string());
    char_by_char(&serde_json::to_string_pretty(&full).unwrap());
    char_by_char(&format!("  [ {TRICKY} , [ ] , \"x\\u0041\" ] \n"));
}

#[test]
fn every_two_way_split_gives_the_same_value() {
    let full: Value = serde_json::from_str(TRICKY).unwrap();
    for (k, _) in TRICKY.char_indices().chain([(TRICKY.len(), ' ')]) {
        let (a, b) = TRICKY.split_at(k);
        let mut json = PartialJson::new();
        json.push(a);
        check_prefix(&json, TRICKY, &full);
        json.push(b);
        check_prefix(&json, TRICKY, &full);
        assert_eq!(json.snapshot().as_ref(), Some(&full), "split at {k}");
        assert_eq!(json.finish().unwrap(), full, "split at {k}");
    }
}

#[test]
fn every_three_way_split_inside_escapes_is_safe() {
    // All splits of the escape-heavy part, in three fragments.
    let text = r#"{"s": "a\"b\\c\u00e9\ud83d\ude00\/\n😀", "n": -1.5e3}"#;
    let full: Value = serde_json::from_str(text).unwrap();
    let cuts: Vec<usize> = text
        .char_indices()
        .map(|(i, _)| i)
        .chain([text.len()])
        .collect();
    for &i in &cuts {
        for &j in cuts.iter().filter(|&&j| j >= i) {
            let mut json = PartialJson::new();
            for part in [&text[..i], &text[i..j], &text[j..]] {
                json.push(part);
                check_prefix(&json, text, &full);
            }
            assert_eq!(json.finish().unwrap(), full);
        }
    }
}

#[test]
fn specific_cuts() {
    let cases = [
        (r#"{"a": "caf\u00"#, json!({"a": "caf"})),
        (r#"{"a": "caf\u00e9"#, json!({"a": "café"})),
        (r#"{"a": "x\ud83d"#, json!({"a": "x"})),
        (r#"{"a": "x\ud83d\u"#, json!({"a": "x"})),
        (r#"{"a": "x\ud83d\ude00"#, json!({"a": "x😀"})),
        (r#"{"a": 1, "b""#, json!({"a": 1})),
        (r#"{"a": 1, "b":"#, json!({"a": 1})),
        (r#"{"a": 1, "b": tru"#, json!({"a": 1})),
        (r#"{"a": 1, "b": true"#, json!({"a": 1, "b": true})),
        (r#"{"a": 1, "b": -"#, json!({"a": 1})),
        (r#"{"a": 1, "b": -1.5e3"#, json!({"a": 1})),
        (r#"{"a": 1, "b": -1.5e3 "#, json!({"a": 1, "b": -1500.0})),
        (r#"{"a": [1, 2,"#, json!({"a": [1, 2]})),
        (r#"{"a": [1, {"b": [{"#, json!({"a": [1, {"b": [{}]}]})),
        (r#"{"a": {"b": "c"}, "#, json!({"a": {"b": "c"}})),
        (r#""partial top-level str"#, json!("partial top-level str")),
        ("[\"é", json!(["é"])),
    ];
    for (text, want) in cases {
        let mut json = PartialJson::new();
        json.push(text);
        assert_eq!(json.snapshot(), Some(want), "{text}");
        assert_eq!(json.error_offset(), None);
    }
    for (text, want) in [
        ("", None),
        (" \n", None),
        ("-", None),
        ("-1", Some(json!(-1))),
        ("1.", None),
        ("fals", None),
        ("false", Some(json!(false))),
        (" null ", Some(Value::Null)),
    ] {
        let mut json = PartialJson::new();
        json.push(text);
        assert_eq!(json.snapshot(), want, "{text:?}");
    }
}

#[test]
fn invalid_text_stops_scanning_without_panicking() {
    for (text, at) in [
        ("{\"a\": 1,}", 8),
        ("[1 2]", 3),
        ("{\"a\" : \"\u{7}\"}", 8),
        (r#"["\q"]"#, 3),
        (r#"["\ud83dx"]"#, 8),
        ("{} {}", 3),
        ("[01]", 2),
        ("{\"a\":nul!}", 8),
    ] {
        let mut json = PartialJson::new();
        json.push(text);
        assert_eq!(json.error_offset(), Some(at), "{text}");
        assert_eq!(json.snapshot(), None, "{text}");
        assert!(!json.is_complete());
        json.push("more");
        assert_eq!(json.as_str(), format!("{text}more"));
        assert!(json.clone().finish().is_err());
        json.clear();
        json.push("[1]");
        assert_eq!(json.finish().unwrap(), json!([1]));
    }
}

#[test]
fn completed_keys_follow_arrival_order() {
    let text = r#"{"z": {"inner": 1, "x": [1]}, "a": "text", "m": 12, "q": [1, {"w": 2}]}"#;
    let mut json = PartialJson::new();
    let mut seen = Vec::new();
    for c in text.chars() {
        json.push(&c.to_string());
        let keys = json.completed_keys().to_vec();
        assert!(keys.starts_with(&seen), "{seen:?} then {keys:?}");
        seen = keys;
    }
    assert_eq!(seen, ["z", "a", "m", "q"]);
    assert_eq!(json.depth(), 0);
}

/// A tiny deterministic generator (xorshift), so the test needs no extra dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn scanner_agrees_with_serde_json_on_random_text() {
    // JSON-ish pieces, so that many random texts stay valid for a while.
    const PIECES: &[&str] = &[
        "{", "}", "[", "]", "\"", "\"k\":", ":", ",", " ", "\n", "\\", "\\u", "00e9", "d83d",
        "\\ude00", "\\n", "u", "0", "1", "-", ".", "e", "+", "tr", "ue", "false", "null", "é",
        "😀", "x", "\"a\"", "\u{1}",
    ];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut valid, mut complete) = (0, 0);
    for _ in 0..30_000 {
        let mut json = PartialJson::new();
        let first = ["{", "[", "\"", "-", "t", " "][rng.below(6)];
        json.push(first);
        for _ in 0..rng.below(24) {
            // One to three pieces per fragment.
            let fragment: String = (0..=rng.below(3))
                .map(|_| PIECES[rng.below(PIECES.len())])
                .collect();
            json.push(&fragment);
            let text = json.as_str();
            let strict = serde_json::from_str::<Value>(text);
            let snap = json.snapshot();
            match json.error_offset() {
                Some(at) => {
                    assert!(strict.is_err(), "{text:?} is valid but failed at {at}");
                    assert!(snap.is_none());
                    assert!(!json.is_complete());
                    assert!(at < text.len());
                    // Everything before the error is a valid prefix.
                    let mut before = PartialJson::new();
                    before.push(text.get(..at).expect("errors are at char boundaries"));
                    assert_eq!(before.error_offset(), None, "{text:?}");
                }
                None => {
                    valid += 1;
                    assert_eq!(json.bytes_scanned(), text.len());
                    if strict.is_ok() {
                        assert!(json.is_complete(), "{text:?}");
                    }
                    if json.is_complete() {
                        complete += 1;
                        assert_eq!(snap.as_ref(), strict.as_ref().ok(), "{text:?}");
                    }
                    if text.trim_start().starts_with(['{', '[', '"']) {
                        assert!(snap.is_some(), "no snapshot of valid prefix {text:?}");
                    }
                }
            }
        }
    }
    // The generator reaches deep enough to make the test meaningful.
    assert!(valid > 10_000, "{valid}");
    assert!(complete > 100, "{complete}");
}
