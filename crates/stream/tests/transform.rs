//! Transformers and stream combinators over synthetic event streams.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use claude_sdk_core::message::{ContentBlock, Message};
use claude_sdk_core::{Error, ErrorCode, Event, EventStream, Result};
use claude_sdk_stream::transform::testing::tracked;
use claude_sdk_stream::transform::{
    Coalesce, DedupeText, EventStreamExt, Identity, Redact, TransformStep, Transformer,
    TransformerExt, from_fn, testing,
};
use futures_core::Stream;
use futures_util::StreamExt;
use futures_util::stream::{iter, pending};

fn event(json: serde_json::Value) -> Event {
    Event::from_message(Message::from_slice(json.to_string().as_bytes()).unwrap()).unwrap()
}

fn delta_at(index: usize, text: &str) -> Event {
    event(
        serde_json::json!({"type": "stream_event", "parent_tool_use_id": null,
        "event": {"type": "content_block_delta", "index": index,
                  "delta": {"type": "text_delta", "text": text}}}),
    )
}

fn block_stop(index: usize) -> Event {
    event(
        serde_json::json!({"type": "stream_event", "parent_tool_use_id": null,
        "event": {"type": "content_block_stop", "index": index}}),
    )
}

fn tool_use_assistant(id: &str) -> Event {
    event(
        serde_json::json!({"type": "assistant", "parent_tool_use_id": null,
        "message": {"id": id, "role": "assistant", "content": [
            {"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {"command": "ls"}}]}}),
    )
}

fn deltas(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| e.text_delta().map(str::to_owned))
        .collect()
}

async fn texts<S: Stream<Item = Result<Event>> + Send>(s: S) -> Vec<String> {
    s.text_only().map(|t| t.unwrap()).collect().await
}

async fn events_of<S: Stream<Item = Result<Event>>>(s: S) -> Vec<Event> {
    s.map(|e| e.unwrap()).collect().await
}

fn oks(events: Vec<Event>) -> Vec<Result<Event>> {
    events.into_iter().map(Ok).collect()
}

#[tokio::test]
async fn map_events_maps_and_passes_errors_through() {
    let items = vec![
        Ok(testing::text_delta("a")),
        Err(Error::new(ErrorCode::Api, "boom")),
        Ok(testing::text_delta("b")),
    ];
    let out: Vec<Result<Event>> = iter(items)
        .map_events(|e| match e.text_delta() {
            Some(t) => testing::text_delta(&t.to_uppercase()),
            None => e,
        })
        .collect()
        .await;
    assert_eq!(out.len(), 3);
    assert_eq!(out[0].as_ref().unwrap().text_delta(), Some("A"));
    assert_eq!(out[1].as_ref().unwrap_err().code(), ErrorCode::Api);
    assert_eq!(out[2].as_ref().unwrap().text_delta(), Some("B"));
}

#[tokio::test]
async fn filter_events_keeps_order_and_errors() {
    let mut items = testing::streamed_turn(&["1", "2", "3"]);
    items.insert(3, Err(Error::protocol("in the middle")));
    let out: Vec<Result<Event>> = iter(items)
        .filter_events(|e| e.text_delta().is_some())
        .collect()
        .await;
    let shape: Vec<String> = out
        .iter()
        .map(|r| match r {
            Ok(e) => e.text_delta().unwrap().to_owned(),
            Err(e) => e.code().to_string(),
        })
        .collect();
    assert_eq!(shape, ["protocol", "1", "2", "3"]);
}

#[tokio::test]
async fn inspect_events_sees_every_event_once_in_order() {
    let turn = testing::streamed_turn(&["x", "y"]);
    let n = turn.len();
    let mut seen = Vec::new();
    let out = events_of(iter(turn).inspect_events(|e| seen.push(e.clone()))).await;
    assert_eq!(seen.len(), n);
    assert_eq!(seen, out);
}

#[tokio::test]
async fn text_only_with_deltas_never_repeats_the_final_text() {
    let out = texts(iter(testing::streamed_turn(&["Hel", "lo", " world"]))).await;
    assert_eq!(out, ["Hel", "lo", " world"]);
}

#[tokio::test]
async fn text_only_without_deltas_yields_the_message_once() {
    assert_eq!(texts(iter(testing::message_turn("Hello"))).await, ["Hello"]);
    // A turn with only a result (no assistant line): the result's text, once.
    let only_result = vec![Ok(testing::system_init()), Ok(testing::result("just this"))];
    assert_eq!(texts(iter(only_result)).await, ["just this"]);
}

#[tokio::test]
async fn text_only_turn_with_a_tool_call_yields_each_message_once() {
    // Partial messages on: message 1 streams text then calls a tool; message 2 streams the answer.
    let mut turn = vec![testing::system_init(), testing::message_start("msg_1")];
    turn.push(testing::text_delta("Let me look. "));
    turn.push(testing::assistant("msg_1", "Let me look. "));
    turn.push(tool_use_assistant("msg_1"));
    turn.push(testing::message_start("msg_2"));
    turn.push(testing::text_delta("Found it."));
    turn.push(testing::assistant("msg_2", "Found it."));
    turn.push(testing::result("Found it."));
    assert_eq!(texts(iter(oks(turn))).await, ["Let me look. ", "Found it."]);
    // Partial messages off: the two assistant texts, not the result again.
    let turn = vec![
        testing::assistant("msg_1", "Let me look. "),
        tool_use_assistant("msg_1"),
        testing::assistant("msg_2", "Found it."),
        testing::result("Found it."),
    ];
    assert_eq!(texts(iter(oks(turn))).await, ["Let me look. ", "Found it."]);
}

#[tokio::test]
async fn text_only_error_result_is_an_error_and_synthetic_messages_are_not_text() {
    let synthetic = event(
        serde_json::json!({"type": "assistant", "parent_tool_use_id": null,
        "error": "rate_limit",
        "message": {"id": "x", "model": "<synthetic>", "role": "assistant",
                    "content": [{"type": "text", "text": "API Error: 429"}]}}),
    );
    let turn = vec![
        Ok(testing::system_init()),
        Ok(synthetic),
        Ok(testing::error_result(429, "API Error: 429")),
    ];
    let out: Vec<Result<String>> = iter(turn).text_only().collect().await;
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].as_ref().unwrap_err().code(), ErrorCode::RateLimit);
}

#[tokio::test]
async fn text_only_skips_sub_agent_text() {
    let sub = event(
        serde_json::json!({"type": "assistant", "parent_tool_use_id": "toolu_9",
        "message": {"id": "sub", "role": "assistant",
                    "content": [{"type": "text", "text": "sub-agent chatter"}]}}),
    );
    let turn = vec![
        sub,
        testing::assistant("m", "main answer"),
        testing::result("main answer"),
    ];
    assert_eq!(texts(iter(oks(turn))).await, ["main answer"]);
}

#[tokio::test]
async fn text_only_resets_between_turns() {
    let two = testing::streamed_turn(&["a", "b"])
        .into_iter()
        .chain(testing::message_turn("c"))
        .chain(vec![Ok(testing::result("d"))]);
    assert_eq!(texts(iter(two)).await, ["a", "b", "c", "d"]);
}

#[tokio::test]
async fn take_until_result_ends_at_the_result_and_drops_the_source() {
    let two = testing::streamed_turn(&["a"])
        .into_iter()
        .chain(testing::streamed_turn(&["b"]));
    let (source, dropped) = tracked(iter(two).chain(pending()));
    let mut s = source.take_until_result();
    let mut n = 0;
    while let Some(ev) = s.next().await {
        n += 1;
        if matches!(ev.unwrap(), Event::Result(_)) {
            assert!(
                dropped.load(Ordering::SeqCst),
                "source kept after the result"
            );
        }
    }
    assert_eq!(n, testing::streamed_turn(&["a"]).len());
    assert!(s.next().await.is_none());
}

#[tokio::test]
async fn take_until_result_ends_after_an_error() {
    let items = vec![
        Ok(testing::system_init()),
        Err(Error::protocol("bad line")),
        Ok(testing::result("never")),
    ];
    let out: Vec<Result<Event>> = iter(items).take_until_result().collect().await;
    assert_eq!(out.len(), 2);
    assert!(out[1].is_err());
}

#[tokio::test]
async fn collect_outcome_has_the_semantics_of_event_stream_collect() {
    type Case = fn() -> Vec<Result<Event>>;
    let cases: [Case; 5] = [
        || testing::streamed_turn(&["o", "k"]),
        || vec![Ok(testing::system_init())],
        || vec![Ok(testing::error_result(529, "overloaded"))],
        || {
            vec![
                Ok(testing::system_init()),
                Err(Error::new(ErrorCode::Timeout, "late")),
            ]
        },
        || {
            let mut v = testing::message_turn("first");
            v.extend(testing::message_turn("second"));
            v
        },
    ];
    for case in cases {
        let ours = iter(case()).collect_outcome().await;
        let core = EventStream::new(iter(case())).collect().await;
        match (ours, core) {
            (Ok((e1, o1)), Ok((e2, o2))) => {
                assert_eq!(e1, e2);
                assert_eq!(o1, o2);
            }
            (Err(a), Err(b)) => {
                assert_eq!(a.code(), b.code());
                assert_eq!(a.message(), b.message());
            }
            (a, b) => panic!("differ: {a:?} vs {b:?}"),
        }
    }
}

/// Emits each event twice, drops system events, ends on the word "stop", fails on "fail", and
/// emits a marker at the end.
#[derive(Default)]
struct Script {
    finished: usize,
}

impl Transformer for Script {
    fn transform(&mut self, event: Event) -> TransformStep {
        match event.text_delta() {
            Some("stop") => TransformStep::End(vec![testing::text_delta("bye")]),
            Some("fail") => TransformStep::Fail(Error::new(ErrorCode::Tool, "failed on purpose")),
            Some(_) => TransformStep::EmitMany(vec![event.clone(), event]),
            None if matches!(event, Event::System(_)) => TransformStep::Skip,
            None => TransformStep::Emit(event),
        }
    }
    fn finish(&mut self) -> TransformStep {
        self.finished += 1;
        TransformStep::Emit(testing::text_delta("end"))
    }
}

#[tokio::test]
async fn transformer_steps_skip_emit_many_and_finish_once() {
    let mut t = Script::default();
    let out = events_of(iter(testing::streamed_turn(&["a", "b"])).transform(&mut t)).await;
    assert_eq!(deltas(&out), ["a", "a", "b", "b", "end"]);
    assert!(!out.iter().any(|e| matches!(e, Event::System(_))));
    assert_eq!(t.finished, 1);
}

#[tokio::test]
async fn transformer_end_drops_the_source_and_skips_finish() {
    let (source, dropped) =
        tracked(iter(testing::streamed_turn(&["a", "stop", "b"])).chain(pending()));
    let mut t = Script::default();
    let mut s = source.transform(&mut t);
    let mut got = Vec::new();
    while let Some(ev) = s.next().await {
        got.push(ev.unwrap());
    }
    assert!(dropped.load(Ordering::SeqCst));
    assert_eq!(deltas(&got), ["a", "a", "bye"]);
    drop(s);
    assert_eq!(t.finished, 0);
}

#[tokio::test]
async fn transformer_fail_yields_the_error_last_and_drops_the_source() {
    let (source, dropped) =
        tracked(iter(testing::streamed_turn(&["a", "fail", "b"])).chain(pending()));
    let out: Vec<Result<Event>> = source.transform(Script::default()).collect().await;
    assert!(dropped.load(Ordering::SeqCst));
    let last = out.last().unwrap().as_ref().unwrap_err();
    assert_eq!(last.code(), ErrorCode::Tool);
    assert_eq!(out.iter().filter(|r| r.is_err()).count(), 1);
}

#[tokio::test]
async fn errors_of_the_source_pass_a_transformer() {
    let items = vec![
        Ok(testing::text_delta("a")),
        Err(Error::protocol("x")),
        Ok(testing::text_delta("b")),
    ];
    let out: Vec<Result<Event>> = iter(items).transform(Identity).collect().await;
    assert_eq!(out.len(), 3);
    assert!(out[1].is_err());
}

#[tokio::test]
async fn stacks_apply_in_order() {
    let log = Arc::new(std::sync::Mutex::new(Vec::new()));
    let step = |name: &'static str| {
        let log = log.clone();
        from_fn(move |e: Event| {
            if let Some(t) = e.text_delta() {
                log.lock().unwrap().push(format!("{name}:{t}"));
                return TransformStep::Emit(testing::text_delta(&format!("{t}{name}")));
            }
            TransformStep::Emit(e)
        })
    };
    let pipeline = step("1").and_then(step("2")).and_then(step("3"));
    let out = events_of(iter(vec![Ok(testing::text_delta("x"))]).transform(pipeline)).await;
    assert_eq!(deltas(&out), ["x123"]);
    assert_eq!(*log.lock().unwrap(), ["1:x", "2:x1", "3:x12"]);
}

#[tokio::test]
async fn stack_end_in_the_first_stage_flushes_the_second() {
    // Coalesce holds "a" until the end; Script ends on "stop" → Coalesce must flush its "a", "bye".
    let pipeline = Script::default().and_then(Coalesce::new(1000));
    let out = events_of(
        iter(vec![
            Ok(testing::text_delta("a")),
            Ok(testing::text_delta("stop")),
        ])
        .transform(pipeline),
    )
    .await;
    assert_eq!(deltas(&out), ["aabye"]);
}

#[tokio::test]
async fn stack_failure_after_partial_output_keeps_order() {
    // First stage emits [ok, fail]; second stage fails on "fail" after emitting "ok".
    let first = from_fn(|e: Event| match e.text_delta() {
        Some(_) => {
            TransformStep::EmitMany(vec![testing::text_delta("ok"), testing::text_delta("fail")])
        }
        None => TransformStep::Emit(e),
    });
    let pipeline = first.and_then(Script::default());
    let out: Vec<Result<Event>> = iter(vec![
        Ok(testing::text_delta("go")),
        Ok(testing::result("r")),
    ])
    .transform(pipeline)
    .collect()
    .await;
    let shape: Vec<String> = out
        .iter()
        .map(|r| match r {
            Ok(e) => e.text_delta().unwrap_or("?").to_owned(),
            Err(e) => e.code().to_string(),
        })
        .collect();
    assert_eq!(shape, ["ok", "ok", "tool"]);
}

#[tokio::test]
async fn dedupe_text_drops_streamed_text_blocks_only() {
    let mut turn = vec![testing::message_start("msg_1"), testing::text_delta("hi")];
    turn.push(testing::assistant("msg_1", "hi"));
    turn.push(tool_use_assistant("msg_1"));
    // A later message that was not streamed (e.g. synthetic) keeps its text.
    turn.push(testing::assistant("msg_2", "not streamed"));
    turn.push(testing::result("not streamed"));
    let out = events_of(iter(oks(turn)).transform(DedupeText::new())).await;
    let assistant_texts: Vec<String> = out
        .iter()
        .filter_map(|e| match e {
            Event::Assistant(a) => Some(a.text()),
            _ => None,
        })
        .collect();
    assert_eq!(assistant_texts, ["", "not streamed"]);
    let tool_calls = out
        .iter()
        .filter(|e| matches!(e, Event::Assistant(a) if matches!(a.message.content[..], [ContentBlock::ToolUse(_)])))
        .count();
    assert_eq!(tool_calls, 1);
    assert!(matches!(out.last(), Some(Event::Result(_))));
}

#[tokio::test]
async fn redact_catches_the_pattern_across_every_split() {
    let text = "the password is password; pass word passwor";
    let expected = text.replace("password", "***");
    for i in 0..=text.len() {
        for j in i..=text.len() {
            let chunks = [&text[..i], &text[i..j], &text[j..]];
            let out = events_of(
                iter(testing::streamed_turn(&chunks)).transform(Redact::new("password", "***")),
            )
            .await;
            assert_eq!(deltas(&out).concat(), expected, "split at {i},{j}");
            let Some(Event::Result(r)) = out.last() else {
                panic!("no result")
            };
            assert_eq!(r.result.as_deref(), Some(expected.as_str()));
            let Some(Event::Assistant(a)) = out.iter().find(|e| matches!(e, Event::Assistant(_)))
            else {
                panic!("no assistant")
            };
            assert_eq!(a.text(), expected);
        }
    }
}

#[tokio::test]
async fn redact_holds_back_only_a_possible_prefix_and_flushes_it_in_order() {
    let items = oks(vec![
        delta_at(0, "abc pass"),
        block_stop(0),
        delta_at(1, "wo"),
    ]);
    let out = events_of(iter(items).transform(Redact::new("password", "***"))).await;
    // "pass" waits; the block stop releases it before itself; the end releases "wo".
    let shape: Vec<String> = out
        .iter()
        .map(|e| e.text_delta().map_or("stop".to_owned(), str::to_owned))
        .collect();
    assert_eq!(shape, ["abc ", "pass", "stop", "wo"]);
}

#[tokio::test]
async fn redact_respects_utf8_boundaries() {
    let text = "café→cafés→é";
    let expected = text.replace("é→", "E");
    let cuts: Vec<usize> = (0..=text.len())
        .filter(|&i| text.is_char_boundary(i))
        .collect();
    for &i in &cuts {
        let out = events_of(
            iter(testing::streamed_turn(&[&text[..i], &text[i..]]))
                .transform(Redact::new("é→", "E")),
        )
        .await;
        assert_eq!(deltas(&out).concat(), expected);
    }
}

#[tokio::test]
async fn coalesce_merges_deltas_per_block_and_keeps_order() {
    let items = oks(vec![
        delta_at(0, "ab"),
        delta_at(0, "cd"),
        delta_at(0, "e"),
        delta_at(1, "x"),
        block_stop(1),
        delta_at(1, "y"),
    ]);
    let out = events_of(iter(items).transform(Coalesce::new(4))).await;
    let shape: Vec<String> = out
        .iter()
        .map(|e| e.text_delta().map_or("stop".to_owned(), str::to_owned))
        .collect();
    assert_eq!(shape, ["abcd", "e", "x", "stop", "y"]);
}

#[tokio::test]
async fn coalesce_chunks_reach_the_minimum_and_lose_nothing() {
    let chunks: Vec<String> = (0..500).map(|i| "z".repeat(1 + i % 7)).collect();
    let refs: Vec<&str> = chunks.iter().map(String::as_str).collect();
    let out = events_of(iter(testing::streamed_turn(&refs)).transform(Coalesce::new(64))).await;
    let got = deltas(&out);
    assert_eq!(got.concat(), chunks.concat());
    let (last, rest) = got.split_last().unwrap();
    assert!(rest.iter().all(|c| c.len() >= 64 && c.len() < 64 + 7));
    assert!(!last.is_empty());
}

#[tokio::test]
async fn pipeline_over_a_channel_fed_stream() {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<Event>>(1);
    let producer = tokio::spawn(async move {
        for ev in testing::streamed_turn(&["sec", "ret ", "data ", "here"]) {
            tx.send(ev).await.unwrap();
        }
    });
    let source = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
    let pulled = Arc::new(AtomicUsize::new(0));
    let counter = pulled.clone();
    let text: String = source
        .inspect_events(move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
        })
        .transform(
            DedupeText::new()
                .and_then(Redact::new("secret", "[x]"))
                .and_then(Coalesce::new(8)),
        )
        .text_only()
        .map(|t| t.unwrap())
        .collect()
        .await;
    producer.await.unwrap();
    assert_eq!(text, "[x] data here");
    assert_eq!(
        pulled.load(Ordering::SeqCst),
        testing::streamed_turn(&["a", "b", "c", "d"]).len()
    );
}
