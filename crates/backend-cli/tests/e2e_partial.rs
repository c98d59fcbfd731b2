//! End-to-end: partial parsing of tool inputs and structured output while the real CLI streams
//! (`--include-partial-messages`) against the mock Messages API.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use claude_sdk_core::message::{ContentBlock, StreamEvent};
use claude_sdk_core::{Event, Outcome, Request};
use claude_sdk_stream::partial::{PartialMessage, STRUCTURED_OUTPUT_TOOL};
use claude_sdk_testing::{CliTestEnv, Reply, Script};
use serde_json::{Value, json};

/// `partial` shows nothing that contradicts `full` (strings are prefixes, containers grow).
fn consistent(partial: &Value, full: &Value) -> bool {
    match (partial, full) {
        (Value::String(p), Value::String(f)) => f.starts_with(p.as_str()),
        (Value::Array(p), Value::Array(f)) => {
            p.len() <= f.len() && p.iter().zip(f).all(|(p, f)| consistent(p, f))
        }
        (Value::Object(p), Value::Object(f)) => p
            .iter()
            .all(|(k, v)| f.get(k).is_some_and(|w| consistent(v, w))),
        _ => partial == full,
    }
}

/// What one streamed turn showed about the tool call named `tool`.
#[derive(Default)]
struct Seen {
    /// Input snapshots after each of its input deltas, before its `content_block_stop`.
    snapshots: Vec<Value>,
    /// Completed top-level fields after each input delta.
    fields: Vec<Vec<String>>,
    /// The input once its block stopped.
    final_input: Option<Value>,
    /// The input of the complete `assistant` line for the call.
    assistant_input: Option<Value>,
    /// Text of the last message.
    last_text: String,
}

async fn stream_turn(
    env: &CliTestEnv,
    opts: claude_sdk_core::Options,
    tool: &str,
) -> (Seen, Outcome) {
    let mut stream = common::backend(env)
        .stream(Request::new("go").with_options(opts))
        .await
        .expect("stream");
    let mut msg = PartialMessage::new();
    let mut seen = Seen::default();
    let mut result = None;
    while let Some(ev) = stream.next_event().await {
        let ev = ev.expect("event");
        msg.apply_event(&ev);
        match &ev {
            Event::StreamEvent(m) => {
                let call = msg.tool_calls().find(|c| c.name() == tool);
                match (&m.event, call) {
                    (
                        StreamEvent::ContentBlockDelta {
                            delta: claude_sdk_core::message::Delta::InputJsonDelta { .. },
                            ..
                        },
                        Some(call),
                    ) => {
                        assert!(!call.is_complete());
                        assert_eq!(call.input(), None);
                        let snap = call.input_snapshot().expect("a snapshot after a delta");
                        seen.snapshots.push(snap);
                        seen.fields.push(call.as_object().completed_fields());
                    }
                    (StreamEvent::ContentBlockStop { index, .. }, Some(call))
                        if call.index() == *index =>
                    {
                        assert!(call.is_complete());
                        seen.final_input = call.input();
                        let typed: Value = call.parse_input().unwrap().unwrap();
                        assert_eq!(Some(typed), seen.final_input);
                    }
                    _ => {}
                }
            }
            Event::Assistant(a) => {
                for block in &a.message.content {
                    if let ContentBlock::ToolUse(t) = block
                        && t.name == tool
                    {
                        seen.assistant_input = Some(t.input.clone());
                    }
                }
            }
            Event::Result(r) => {
                seen.last_text = msg.text();
                assert!(msg.is_done());
                result = Some(Outcome::from_result(r.clone()).expect("successful turn"));
            }
            _ => {}
        }
    }
    (seen, result.expect("a result"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tool_input_snapshots_arrive_before_the_block_stops() {
    let Some(env) = CliTestEnv::start(Script::new()).await else {
        return;
    };
    // A Write the CLI will not perform (no permission prompt tool in stream-json mode), with a
    // long, escape-heavy content so the mock's deltas cut through strings and escapes.
    let target = env.project_dir().join("out.txt");
    let content: String = (0..400)
        .map(|i| format!("line {i}: \"quoted\" tab\t café 😀 \\ end\n"))
        .collect();
    let input = json!({"file_path": target.to_string_lossy(), "content": content});
    env.mock.set_script(
        Script::new()
            .then(Reply::tool_use("Write", input.clone()))
            .otherwise(Reply::text("done")),
    );

    let opts = common::options(&env).include_partial_messages(true);
    let (seen, outcome) = stream_turn(&env, opts, "Write").await;

    assert!(
        seen.snapshots.len() >= 2,
        "input arrived in {} delta(s)",
        seen.snapshots.len()
    );
    let strictly_partial = seen
        .snapshots
        .iter()
        .filter(|s| s.is_object() && **s != input)
        .count();
    assert!(strictly_partial >= 1, "{:?}", seen.snapshots);
    for s in &seen.snapshots {
        assert!(consistent(s, &input), "{s} contradicts the input");
    }
    // Some snapshot already shows part of the content, but not all of it.
    assert!(seen.snapshots.iter().any(|s| {
        s["content"]
            .as_str()
            .is_some_and(|c| !c.is_empty() && c.len() < content.len())
    }));
    assert_eq!(seen.final_input.as_ref(), Some(&input));
    assert_eq!(seen.assistant_input.as_ref(), Some(&input));
    // The CLI answered the tool call and went on to the next message.
    assert_eq!(seen.last_text, "done");
    assert_eq!(outcome.text, "done");
    assert!(env.mock.message_requests().len() >= 2);
    assert!(!target.exists(), "the Write was not denied");
    assert_eq!(
        outcome.permission_denials.len(),
        1,
        "{:?}",
        outcome.permission_denials
    );
    common::assert_no_processes_left(&env).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn structured_output_fields_complete_while_streaming() {
    let output = json!({
        "title": "A \"partial\" report — été",
        "summary": "word ".repeat(200),
        "scores": [1, 2.5, -12.75],
        "done": true
    });
    let schema = json!({
        "type": "object",
        "properties": {
            "title": {"type": "string"},
            "summary": {"type": "string"},
            "scores": {"type": "array", "items": {"type": "number"}},
            "done": {"type": "boolean"}
        },
        "required": ["title", "summary", "scores", "done"]
    });
    let script = Script::new()
        .then(Reply::tool_use(STRUCTURED_OUTPUT_TOOL, output.clone()))
        .otherwise(Reply::text("done"));
    let Some(env) = CliTestEnv::start(script).await else {
        return;
    };
    let opts = common::options(&env)
        .include_partial_messages(true)
        .output_schema(schema);
    let (seen, outcome) = stream_turn(&env, opts, STRUCTURED_OUTPUT_TOOL).await;

    let tools = env.mock.message_requests()[0].tool_names();
    assert!(
        tools.iter().any(|t| t == STRUCTURED_OUTPUT_TOOL),
        "{tools:?}"
    );
    assert!(seen.snapshots.len() >= 2, "{:?}", seen.snapshots);
    assert!(seen.snapshots.iter().any(|s| s.is_object() && *s != output));
    let order = ["done", "scores", "summary", "title"]; // serde_json's sorted key order
    for (s, fields) in seen.snapshots.iter().zip(&seen.fields) {
        assert!(consistent(s, &output), "{s}");
        for f in fields {
            assert!(order.contains(&f.as_str()), "{f}");
            assert_eq!(s.get(f), output.get(f), "completed field {f}");
        }
    }
    // Fields completed one by one while the input streamed, never going back.
    for pair in seen.fields.windows(2) {
        assert!(pair[1].starts_with(&pair[0]), "{pair:?}");
    }
    assert!(
        seen.fields
            .iter()
            .any(|f| !f.is_empty() && f.len() < order.len())
    );
    assert_eq!(seen.final_input.as_ref(), Some(&output));
    assert_eq!(outcome.structured_output.as_ref(), Some(&output));
    common::assert_no_processes_left(&env).await;
}
