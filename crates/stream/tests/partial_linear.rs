//! `PartialJson` scanning is linear: each byte is examined once, whatever the fragment sizes.
//! (Counts work, never wall time.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use claude_sdk_stream::partial::PartialJson;
use serde_json::{Value, json};

const MIB: usize = 1024 * 1024;
const FRAGMENT: usize = 4096;

/// Pushes `text` in `FRAGMENT`-byte pieces (at char boundaries) and checks the scan count after
/// every push.
fn push_in_fragments(text: &str) -> PartialJson {
    let mut json = PartialJson::new();
    let mut rest = text;
    let mut pushes = 0;
    while !rest.is_empty() {
        let mut end = FRAGMENT.min(rest.len());
        while !rest.is_char_boundary(end) {
            end += 1;
        }
        let (piece, tail) = rest.split_at(end);
        json.push(piece);
        rest = tail;
        pushes += 1;
        // Each byte is examined exactly once: never a rescan of what came before.
        assert_eq!(json.bytes_scanned(), json.len());
        // A cheap look at the state every so often (a snapshot is one parse of the prefix).
        if pushes % 512 == 0 {
            assert!(json.snapshot().is_some());
        }
    }
    assert!(pushes >= text.len() / FRAGMENT);
    json
}

#[test]
fn a_10_mib_string_is_scanned_once() {
    // A 10 MiB string value with an escape every 1000 bytes and some non-ASCII text.
    let mut content = String::with_capacity(10 * MIB + 64);
    let mut i = 0usize;
    while content.len() < 10 * MIB {
        content.push_str(match i % 1000 {
            0 => "\\n",
            1 => "\\u00e9",
            2 => "é",
            _ => "x",
        });
        i += 1;
    }
    let text = format!(r#"{{"file_path": "/big.txt", "content": "{content}"}}"#);
    assert!(text.len() > 10 * MIB);
    let json = push_in_fragments(&text);
    assert!(json.is_complete());
    assert_eq!(json.bytes_scanned(), text.len());
    assert_eq!(json.completed_keys(), ["file_path", "content"]);
    let v = json.finish().unwrap();
    assert_eq!(v["file_path"], "/big.txt");
    assert!(v["content"].as_str().unwrap().len() > 9 * MIB);
}

#[test]
fn a_large_array_of_small_values_is_scanned_once() {
    let items: Vec<Value> = (0..60_000)
        .map(|i| json!({"id": i, "x": -1.5e3, "ok": i % 2 == 0, "n": null, "s": format!("s{i}")}))
        .collect();
    let text = serde_json::to_string(&items).unwrap();
    assert!(text.len() > 2 * MIB);
    let json = push_in_fragments(&text);
    assert!(json.is_complete());
    assert_eq!(json.bytes_scanned(), text.len());
    assert_eq!(json.finish().unwrap(), Value::Array(items));
}
