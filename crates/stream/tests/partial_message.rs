//! `PartialMessage` and structured output driven by realistic raw API event sequences.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use claude_sdk_core::Event;
use claude_sdk_core::message::{Message, StreamEvent};
use claude_sdk_stream::partial::{PartialBlock, PartialMessage, STRUCTURED_OUTPUT_TOOL};
use serde::Deserialize;
use serde_json::{Value, json};

fn ev(v: Value) -> StreamEvent {
    serde_json::from_value(v).unwrap()
}

fn message_start(id: &str) -> StreamEvent {
    ev(json!({"type": "message_start", "message": {
        "id": id, "type": "message", "role": "assistant", "model": "claude-test",
        "content": [], "stop_reason": null,
        "usage": {"input_tokens": 120, "output_tokens": 1, "cache_read_input_tokens": 7}}}))
}

fn block_start(index: usize, block: Value) -> StreamEvent {
    ev(json!({"type": "content_block_start", "index": index, "content_block": block}))
}

fn delta(index: usize, delta: Value) -> StreamEvent {
    ev(json!({"type": "content_block_delta", "index": index, "delta": delta}))
}

fn input_delta(index: usize, fragment: &str) -> StreamEvent {
    delta(
        index,
        json!({"type": "input_json_delta", "partial_json": fragment}),
    )
}

fn block_stop(index: usize) -> StreamEvent {
    ev(json!({"type": "content_block_stop", "index": index}))
}

/// Splits `s` into `n` non-empty pieces at char boundaries.
fn split_in(s: &str, n: usize) -> Vec<&str> {
    let target = s.len().div_ceil(n);
    let mut out = Vec::new();
    let mut rest = s;
    while !rest.is_empty() {
        let mut end = target.min(rest.len());
        while !rest.is_char_boundary(end) {
            end += 1;
        }
        let (a, b) = rest.split_at(end);
        out.push(a);
        rest = b;
    }
    out
}

#[derive(Debug, Deserialize, PartialEq)]
struct WriteInput {
    file_path: String,
    content: String,
    options: Value,
}

#[test]
fn tool_input_is_visible_before_the_block_stops() {
    let input = json!({
        "file_path": "/tmp/notes/été.md",
        "content": "# Notes\nLine with \"quotes\", a tab\t and emoji 😀.\n",
        "options": {"mode": 420, "append": false, "tags": ["a", "b", {"deep": [1.5, null]}]}
    });
    let input_text = input.to_string();
    let pieces = split_in(&input_text, 5);
    assert_eq!(pieces.len(), 5);

    let mut msg = PartialMessage::new();
    assert!(!msg.is_started());
    msg.apply(&message_start("msg_1"));
    assert_eq!(msg.id(), Some("msg_1"));
    assert_eq!(msg.model(), Some("claude-test"));
    msg.apply(&ev(json!({"type": "ping"})));

    // Thinking, then text, then the tool call.
    msg.apply(&block_start(
        0,
        json!({"type": "thinking", "thinking": "", "signature": ""}),
    ));
    msg.apply(&delta(
        0,
        json!({"type": "thinking_delta", "thinking": "The user wants "}),
    ));
    assert_eq!(msg.thinking(), "The user wants ");
    msg.apply(&delta(
        0,
        json!({"type": "thinking_delta", "thinking": "a file."}),
    ));
    assert_eq!(msg.thinking_signature(), None);
    msg.apply(&delta(
        0,
        json!({"type": "signature_delta", "signature": "c2ln"}),
    ));
    msg.apply(&block_stop(0));
    assert_eq!(msg.thinking(), "The user wants a file.");
    assert_eq!(msg.thinking_signature(), Some("c2ln"));

    msg.apply(&block_start(1, json!({"type": "text", "text": ""})));
    for t in ["I'll ", "write ", "it."] {
        msg.apply(&delta(1, json!({"type": "text_delta", "text": t})));
    }
    assert_eq!(msg.text(), "I'll write it.");
    assert!(!msg.block(1).unwrap().is_complete());
    msg.apply(&block_stop(1));
    assert!(msg.block(1).unwrap().is_complete());

    msg.apply(&block_start(
        2,
        json!({"type": "tool_use", "id": "toolu_01", "name": "Write", "input": {}}),
    ));
    let call = msg.tool_calls().next().unwrap();
    assert_eq!(
        (call.id(), call.name(), call.index()),
        ("toolu_01", "Write", 2)
    );
    assert_eq!(call.input_snapshot(), Some(json!({})));
    assert_eq!(call.input(), None);
    assert!(call.parse_input::<WriteInput>().is_none());

    let mut snapshots = Vec::new();
    for (n, piece) in pieces.iter().enumerate() {
        msg.apply(&input_delta(2, piece));
        let call = msg.tool_call("toolu_01").unwrap();
        assert!(!call.is_complete());
        assert_eq!(call.input(), None);
        assert_eq!(call.input_json(), pieces[..=n].concat());
        let snap = call.input_snapshot().expect("a snapshot after each delta");
        assert!(snap.is_object());
        snapshots.push(snap);
    }
    // Strictly partial snapshots were seen before the stop, growing towards the input.
    assert!(snapshots[..4].iter().all(|s| *s != input), "{snapshots:?}");
    assert!(
        snapshots[1..4]
            .iter()
            .any(|s| s["file_path"] == input["file_path"])
    );
    let content = snapshots[2]["content"].as_str().unwrap_or("");
    assert!(input["content"].as_str().unwrap().starts_with(content));

    msg.apply(&block_stop(2));
    let call = msg.tool_call("toolu_01").unwrap();
    assert!(call.is_complete());
    assert_eq!(call.input(), Some(input.clone()));
    assert_eq!(call.input_snapshot(), Some(input.clone()));
    let typed: WriteInput = call.parse_input().unwrap().unwrap();
    assert_eq!(typed.file_path, "/tmp/notes/été.md");
    assert!(call.parse_input::<Vec<u8>>().unwrap().is_err());

    assert_eq!(msg.stop_reason(), None);
    msg.apply(&ev(json!({"type": "message_delta",
        "delta": {"stop_reason": "tool_use", "stop_sequence": null},
        "usage": {"output_tokens": 88}})));
    assert_eq!(msg.stop_reason(), Some("tool_use"));
    let usage = msg.usage().unwrap();
    assert_eq!(
        (
            usage.input_tokens,
            usage.output_tokens,
            usage.cache_read_input_tokens
        ),
        (120, 88, 7)
    );
    assert!(!msg.is_done());
    msg.apply(&ev(json!({"type": "message_stop"})));
    assert!(msg.is_done());
    assert_eq!(msg.blocks().map(|(i, _)| i).collect::<Vec<_>>(), [0, 1, 2]);

    // The next message of the turn starts afresh.
    msg.apply(&message_start("msg_2"));
    assert_eq!(msg.id(), Some("msg_2"));
    assert_eq!(msg.tool_calls().count(), 0);
    assert_eq!(msg.text(), "");
    assert!(!msg.is_done());
    assert_eq!(msg.stop_reason(), None);
    assert_eq!(msg.usage().unwrap().output_tokens, 1);
}

#[test]
fn sparse_indexes_missing_starts_and_odd_blocks() {
    let mut msg = PartialMessage::new();
    // No message_start, sparse indexes, a delta without its block start.
    msg.apply(&block_start(5, json!({"type": "text", "text": "B"})));
    msg.apply(&delta(2, json!({"type": "text_delta", "text": "A"})));
    msg.apply(&delta(5, json!({"type": "text_delta", "text": "b"})));
    assert_eq!(msg.text(), "ABb");
    // A delta of the wrong kind is ignored; so is a delta after the stop.
    msg.apply(&input_delta(5, "{"));
    msg.apply(&block_stop(5));
    msg.apply(&delta(5, json!({"type": "text_delta", "text": "late"})));
    assert_eq!(msg.text(), "ABb");
    // A tool call whose start was missed still accumulates its input.
    msg.apply(&input_delta(9, r#"{"k": [1, 2"#));
    let call = msg.tool_calls().next().unwrap();
    assert_eq!((call.id(), call.index()), ("", 9));
    assert_eq!(call.input_snapshot(), Some(json!({"k": [1]})));
    // A tool call without any input delta ends with its start input.
    msg.apply(&block_start(
        11,
        json!({"type": "tool_use", "id": "t2", "name": "Noop", "input": {}}),
    ));
    msg.apply(&block_stop(11));
    assert_eq!(msg.tool_call("t2").unwrap().input(), Some(json!({})));
    // Unknown blocks and deltas are kept verbatim.
    msg.apply(&block_start(
        12,
        json!({"type": "server_tool_use", "id": "srv", "name": "web_search"}),
    ));
    msg.apply(&delta(12, json!({"type": "mystery_delta", "x": 1})));
    msg.apply(&input_delta(12, "{}"));
    match msg.block(12).unwrap() {
        PartialBlock::Other(o) => {
            assert_eq!(o.deltas().len(), 2);
            assert!(!o.is_complete());
        }
        other => panic!("{other:?}"),
    }
    msg.apply(&ev(
        json!({"type": "error", "error": {"type": "overloaded_error"}}),
    ));
    assert_eq!(msg.error().unwrap()["type"], "overloaded_error");
    msg.apply(&ev(json!({"type": "brand_new_event", "x": 1})));
    assert_eq!(
        msg.blocks().map(|(i, _)| i).collect::<Vec<_>>(),
        [2, 5, 9, 11, 12]
    );
}

#[test]
fn a_tool_call_with_invalid_input_reports_the_error() {
    let mut msg = PartialMessage::new();
    msg.apply(&block_start(
        0,
        json!({"type": "tool_use", "id": "t", "name": "X", "input": {}}),
    ));
    msg.apply(&input_delta(0, r#"{"a": 1"#));
    msg.apply(&block_stop(0));
    let call = msg.tool_calls().next().unwrap();
    assert!(call.is_complete());
    assert_eq!(call.input(), None);
    assert!(call.parse_input::<Value>().unwrap().is_err());
    assert_eq!(call.input_snapshot(), Some(json!({})));
}

fn line(v: Value) -> Event {
    Event::from_message(Message::from_slice(v.to_string().as_bytes()).unwrap()).unwrap()
}

#[test]
fn apply_event_follows_one_agent_and_ignores_other_events() {
    let main_delta = line(json!({"type": "stream_event", "session_id": "s",
        "parent_tool_use_id": null,
        "event": {"type": "content_block_delta", "index": 0,
                  "delta": {"type": "text_delta", "text": "main"}}}));
    let sub_delta = line(json!({"type": "stream_event", "session_id": "s",
        "parent_tool_use_id": "toolu_task",
        "event": {"type": "content_block_delta", "index": 0,
                  "delta": {"type": "text_delta", "text": "sub"}}}));
    let assistant = line(json!({"type": "assistant", "session_id": "s",
        "message": {"id": "m", "role": "assistant", "content": [{"type": "text", "text": "main"}]}}));
    let mut main = PartialMessage::new();
    let mut sub = PartialMessage::for_parent_tool_use("toolu_task");
    assert_eq!(sub.parent_tool_use_id(), Some("toolu_task"));
    for e in [&main_delta, &sub_delta, &assistant] {
        main.apply_event(e);
        sub.apply_event(e);
    }
    assert!(!main.apply_event(&assistant));
    assert!(!main.apply_event(&sub_delta));
    assert!(sub.apply_event(&sub_delta));
    assert_eq!(main.text(), "main");
    assert_eq!(sub.text(), "subsub");
    sub.reset();
    assert_eq!(sub.text(), "");
    assert_eq!(sub.parent_tool_use_id(), Some("toolu_task"));
}

#[derive(Debug, Deserialize, PartialEq)]
struct Report {
    title: String,
    score: f64,
    tags: Vec<String>,
    author: Author,
    done: bool,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Author {
    name: String,
    email: Option<String>,
}

#[test]
fn structured_output_fields_complete_in_order() {
    let output = r#"{"title": "Q3 \"review\" — été", "score": -1.5e1, "tags": ["x", "y\u00e9"], "author": {"name": "Zoë", "email": null}, "done": true}"#;
    let full: Value = serde_json::from_str(output).unwrap();
    let order = ["title", "score", "tags", "author", "done"];

    let mut msg = PartialMessage::new();
    msg.apply(&message_start("m"));
    msg.apply(&block_start(0, json!({"type": "text", "text": "Here:"})));
    msg.apply(&block_stop(0));
    assert!(msg.structured_output().is_none());
    msg.apply(&block_start(
        1,
        json!({"type": "tool_use", "id": "toolu_so", "name": STRUCTURED_OUTPUT_TOOL, "input": {}}),
    ));
    let mut last = Vec::new();
    for c in output.chars() {
        msg.apply(&input_delta(1, &c.to_string()));
        let so = msg.structured_output().unwrap();
        assert!(!so.is_complete());
        assert!(so.parse::<Report>().is_none());
        let fields = so.completed_fields();
        // Fields complete in document order and never go back.
        assert_eq!(fields, order[..fields.len()]);
        assert!(fields.len() >= last.len());
        // Completed fields have their final values.
        for (k, v) in so.completed() {
            assert_eq!(Some(&v), full.get(&k), "{k}");
        }
        assert_eq!(so.completed().len(), fields.len());
        last = fields;
    }
    // The last field (`true` then `}`) completes with the closing brace.
    assert_eq!(last, order);
    msg.apply(&block_stop(1));
    let so = msg.structured_output().unwrap();
    assert!(so.is_complete());
    assert_eq!(so.tool_call().id(), "toolu_so");
    assert_eq!(so.completed_fields(), order);
    assert_eq!(so.value(), Some(full.clone()));
    assert_eq!(so.snapshot(), Some(full));
    let report: Report = so.parse().unwrap().unwrap();
    assert_eq!(report.author.name, "Zoë");
    assert_eq!(report.author.email, None);
    assert_eq!(report.score, -15.0);
    assert_eq!(report.tags, ["x", "yé"]);
    assert!(report.done);
    assert_eq!(report.title, "Q3 \"review\" — été");
}
