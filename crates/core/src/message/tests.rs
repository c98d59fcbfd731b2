#![allow(clippy::unwrap_used)]

use super::*;

/// Parses a line, and checks that serde alone (without the direct reader) gives the same.
fn parse(line: &str) -> Message {
    let m = Message::from_slice(line.as_bytes()).unwrap();
    assert_eq!(Message::from_json_str_serde(line).unwrap(), m, "{line}");
    m
}

#[test]
fn system_init_with_unknown_fields() {
    let m = parse(
        r#"{"type":"system","subtype":"init","cwd":"/home/u/proj","session_id":"72d1","tools":["Task","Bash"],"mcp_servers":[{"name":"calc","status":"connected","source":"sdk"}],"model":"claude-opus-5-5","permissionMode":"default","apiKeySource":"ANTHROPIC_API_KEY","claude_code_version":"2.1.330","capabilities":["interrupt_receipt_v1"],"uuid":"dbd8"}"#,
    );
    let Message::System(s) = m else {
        panic!("not system")
    };
    assert_eq!(s.session_id.as_deref(), Some("72d1"));
    let init = s.as_init().unwrap();
    assert_eq!(init.model.as_deref(), Some("claude-opus-5-5"));
    assert_eq!(init.claude_code_version.as_deref(), Some("2.1.330"));
    assert_eq!(init.tools, ["Task", "Bash"]);
    assert!(init.extra.contains_key("capabilities"));
}

#[test]
fn assistant_blocks() {
    let m = parse(
        r#"{"type":"assistant","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-opus-5-5","content":[{"type":"text","text":"hi"}],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":10,"output_tokens":1,"cache_creation_input_tokens":0,"cache_read_input_tokens":0},"context_management":null},"parent_tool_use_id":null,"session_id":"s","uuid":"u","timestamp":"2026-11-24T05:27:48.311Z","request_id":"req_mock_0f58"}"#,
    );
    let Message::Assistant(a) = m else { panic!() };
    assert_eq!(a.text(), "hi");
    assert_eq!(a.message.usage.as_ref().unwrap().input_tokens, 10);
    assert_eq!(a.request_id.as_deref(), Some("req_mock_0f58"));
    assert_eq!(a.timestamp.as_deref(), Some("2026-11-24T05:27:48.311Z"));
    assert_eq!(a.message.message_type.as_deref(), Some("message"));
    assert!(a.extra.is_empty() && a.message.extra.is_empty());

    for (line, check) in [
        (
            r#"{"type":"assistant","message":{"content":[{"type":"tool_use","id":"toolu_1","name":"Bash","input":{"command":"echo hi"}}]},"session_id":"s"}"#,
            "tool_use",
        ),
        (
            r#"{"type":"assistant","message":{"content":[{"type":"thinking","thinking":"Let me think.","signature":"sigMOCK=="}]}}"#,
            "thinking",
        ),
        (
            r#"{"type":"assistant","message":{"content":[{"type":"server_tool_use","id":"x","name":"web_search"}]}}"#,
            "unknown",
        ),
    ] {
        let Message::Assistant(a) = parse(line) else {
            panic!("{line}")
        };
        let kind = match &a.message.content[0] {
            ContentBlock::ToolUse(t) => {
                assert_eq!(t.input["command"], "echo hi");
                "tool_use"
            }
            ContentBlock::Thinking(t) => {
                assert_eq!(t.signature.as_deref(), Some("sigMOCK=="));
                "thinking"
            }
            ContentBlock::Unknown(v) => {
                assert_eq!(v["type"], "server_tool_use");
                "unknown"
            }
            other => panic!("{other:?}"),
        };
        assert_eq!(kind, check);
    }
}

#[test]
fn user_tool_result() {
    let m = parse(
        r#"{"type":"user","message":{"role":"user","content":[{"tool_use_id":"toolu_1","type":"tool_result","content":"made","is_error":false}]},"parent_tool_use_id":null,"session_id":"b9","uuid":"3e","tool_use_result":{"stdout":"made","stderr":""},"tool_result_meta":[{"id":"toolu_1"}]}"#,
    );
    let Message::User(u) = m else { panic!() };
    let UserContent::Blocks(b) = &u.message.content else {
        panic!()
    };
    let ContentBlock::ToolResult(r) = &b[0] else {
        panic!()
    };
    assert_eq!(r.content, "made");
    assert_eq!(u.tool_use_result.as_ref().unwrap()["stdout"], "made");
    // plain string content
    let Message::User(u) = parse(
        r#"{"type":"user","message":{"role":"user","content":"[Request interrupted by user]"}}"#,
    ) else {
        panic!()
    };
    assert_eq!(u.message.content.text(), "[Request interrupted by user]");
}

#[test]
fn results_success_and_errors() {
    let Message::Result(r) = parse(
        r#"{"type":"result","subtype":"success","is_error":false,"api_error_status":null,"result":"hi","stop_reason":"end_turn","terminal_reason":"completed","duration_ms":108,"duration_api_ms":20,"num_turns":1,"session_id":"72d1","total_cost_usd":0.00028,"usage":{"input_tokens":10,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":5,"service_tier":"standard"},"modelUsage":{"claude-opus-5-5":{"inputTokens":20,"outputTokens":10,"cacheReadInputTokens":0,"cacheCreationInputTokens":0,"webSearchRequests":0,"costUSD":0.00028,"contextWindow":1000000}},"model_usage_since_last_result":{"claude-opus-5-5":{"inputTokens":10,"outputTokens":5,"costUSD":0.00014}},"permission_denials":[],"result_index":0}"#,
    ) else {
        panic!()
    };
    assert!(!r.is_error);
    assert_eq!(r.usage.as_ref().unwrap().output_tokens, 5);
    assert_eq!(r.model_usage["claude-opus-5-5"].cost_usd, 0.00028);
    assert_eq!(r.turn_cost_usd(), Some(0.00014));
    assert_eq!(r.result_index, Some(0));
    assert!(r.extra.is_empty());

    let Message::Result(r) = parse(
        r#"{"type":"result","subtype":"error_max_turns","is_error":true,"num_turns":3,"stop_reason":"tool_use","terminal_reason":"max_turns","errors":["Reached maximum number of turns (2)"],"session_id":"s"}"#,
    ) else {
        panic!()
    };
    assert_eq!(r.error_text(), "Reached maximum number of turns (2)");

    let Message::Result(r) = parse(
        r#"{"type":"result","subtype":"success","is_error":true,"api_error_status":429,"api_error_type":"rate_limit_error","result":"API Error: Request rejected (429) · mock 429","terminal_reason":"api_error","session_id":"s","permission_denials":[{"tool_name":"Write","tool_use_id":"toolu_2","tool_input":{"file_path":"/x"}}]}"#,
    ) else {
        panic!()
    };
    assert_eq!(r.api_error_status, Some(429));
    assert_eq!(r.permission_denials[0].tool_name, "Write");
}

#[test]
fn stream_events() {
    let Message::StreamEvent(e) = parse(
        r#"{"type":"stream_event","event":{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"hello there"}},"session_id":"f5","parent_tool_use_id":null,"uuid":"5e","api_message_id":"msg_1"}"#,
    ) else {
        panic!()
    };
    assert_eq!(e.text_delta(), Some("hello there"));
    let Message::StreamEvent(e) = parse(
        r#"{"type":"stream_event","event":{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\"a\": "}}}"#,
    ) else {
        panic!()
    };
    assert!(matches!(
        e.event,
        StreamEvent::ContentBlockDelta {
            delta: Delta::InputJsonDelta { .. },
            ..
        }
    ));
    let Message::StreamEvent(e) =
        parse(r#"{"type":"stream_event","event":{"type":"brand_new_event","x":1}}"#)
    else {
        panic!()
    };
    assert!(matches!(e.event, StreamEvent::Unknown(_)));
}

#[test]
fn control_messages() {
    let Message::ControlRequest(c) = parse(
        r#"{"type":"control_request","request_id":"975c","request":{"subtype":"can_use_tool","tool_name":"Bash","display_name":"Bash","input":{"command":"touch x"},"tool_use_id":"toolu_3"}}"#,
    ) else {
        panic!()
    };
    assert_eq!(c.request.subtype(), "can_use_tool");
    let Message::ControlRequest(c) = parse(
        r#"{"type":"control_request","request_id":"r","request":{"subtype":"future_thing","a":1}}"#,
    ) else {
        panic!()
    };
    assert_eq!(c.request.subtype(), "future_thing");
    let Message::ControlResponse(c) = parse(
        r#"{"type":"control_response","response":{"subtype":"error","request_id":"req_5","error":"Unsupported control request subtype: x","error_code":"unsupported_request"}}"#,
    ) else {
        panic!()
    };
    assert_eq!(c.response.request_id(), Some("req_5"));
    let out = serde_json::to_value(ControlRequestMessage {
        request_id: "req_1".into(),
        request: ControlRequest::Interrupt { extra: Map::new() },
        extra: Map::new(),
    })
    .unwrap();
    assert_eq!(
        out,
        serde_json::json!({"request_id":"req_1","request":{"subtype":"interrupt"}})
    );
}

#[test]
fn unknown_and_malformed() {
    assert_eq!(
        parse(r#"{"type":"transcript_mirror","x":1}"#).type_name(),
        "transcript_mirror"
    );
    // known type, unexpected shape: kept, not fatal
    let m = parse(r#"{"type":"assistant","message":"not an object"}"#);
    assert!(matches!(m, Message::Unknown(_)));
    assert!(Message::from_slice(b"{not json").is_err());
    assert!(Message::from_slice(b"[1,2]").is_err());
    // non-ASCII survives
    let Message::Assistant(a) = parse(
        r#"{"type":"assistant","message":{"content":[{"type":"text","text":"héllo 👋 你好"}]}}"#,
    ) else {
        panic!()
    };
    assert_eq!(a.text(), "héllo 👋 你好");
}

#[test]
fn roundtrip_keeps_unknown_fields() {
    let line = r#"{"type":"result","subtype":"success","is_error":false,"result":"hi","session_id":"s","brand_new":{"a":[1,2]}}"#;
    let m = parse(line);
    let back = serde_json::to_value(&m).unwrap();
    assert_eq!(back["brand_new"]["a"][1], 2);
    assert_eq!(back["type"], "result");
}

#[test]
fn tag_anywhere_in_the_object() {
    // The CLI's result line in stream-json input mode puts "type" last: the slow path.
    let Message::Result(r) = parse(
        r#"{"duration_api_ms":26,"session_id":"s","is_error":false,"result":"hi","subtype":"success","type":"result"}"#,
    ) else {
        panic!()
    };
    assert_eq!(r.result.as_deref(), Some("hi"));
    assert_eq!(r.duration_api_ms, 26);
    // Nested enums with the tag last.
    let Message::StreamEvent(e) = parse(
        r#"{"event":{"index":2,"delta":{"text":"x","type":"text_delta"},"type":"content_block_delta"},"type":"stream_event"}"#,
    ) else {
        panic!()
    };
    assert!(
        matches!(e.event, StreamEvent::ContentBlockDelta { index: 2, delta: Delta::TextDelta { ref text }, .. } if text == "x")
    );
}

#[test]
fn untagged_and_odd_tags_are_kept() {
    // A content block without a type, and one with a non-string type: kept as Unknown blocks.
    let Message::Assistant(a) = parse(
        r#"{"type":"assistant","message":{"content":[{"text":"no tag"},{"type":7,"x":1},{"type":"image","source":{}}]}}"#,
    ) else {
        panic!()
    };
    let kinds: Vec<bool> = a
        .message
        .content
        .iter()
        .map(|b| matches!(b, ContentBlock::Unknown(_)))
        .collect();
    assert_eq!(kinds, [true, true, true]);
    let ContentBlock::Unknown(v) = &a.message.content[2] else {
        panic!()
    };
    assert_eq!(v["type"], "image");
    // An object without "type" at top level.
    assert!(matches!(parse(r#"{"hello":"world"}"#), Message::Unknown(_)));
    // Unknown delta type keeps its fields and its tag.
    let Message::StreamEvent(e) = parse(
        r#"{"type":"stream_event","event":{"type":"content_block_delta","index":0,"delta":{"type":"citations_delta","citation":{"a":1}}}}"#,
    ) else {
        panic!()
    };
    let StreamEvent::ContentBlockDelta {
        delta: Delta::Unknown(d),
        ..
    } = e.event
    else {
        panic!()
    };
    assert_eq!(d["type"], "citations_delta");
    assert_eq!(d["citation"]["a"], 1);
}

#[test]
fn escaped_tags_and_keys() {
    // Escapes force owned strings in the tag reader.
    let Message::System(s) =
        parse(r#"{"\u0074ype":"sys\u0074em","subtype":"init","session_id":"s"}"#)
    else {
        panic!()
    };
    assert_eq!(s.subtype, "init");
}

/// The recorded CLI session the parse benchmark uses.
const SESSION: &str = include_str!("../../../stream/benches/fixtures/cli-session.ndjson");

/// Whether the direct reader took `line`; when it did, serde must accept the line too and
/// build the same message.
fn fast_agrees(line: &str) -> bool {
    let Some(fast) = fast::message(line) else {
        return false;
    };
    match Message::from_json_str_serde(line) {
        Ok(slow) => assert_eq!(fast, slow, "fast path differs on {line}"),
        Err(e) => panic!("fast path accepted a line serde rejects ({e}): {line}"),
    }
    true
}

#[test]
fn fast_path_matches_serde() {
    let lines: Vec<&str> = SESSION.lines().collect();
    let taken = lines.iter().filter(|l| fast_agrees(l)).count();
    // Every line (the CLI writes `result` with the tag last, `tool_result` blocks with it
    // second).
    assert_eq!(taken, lines.len());
    assert!(taken > 400, "{taken}");

    // Mutations: each one either leaves the fast path (serde decides) or must agree with serde.
    let edits: [&str; 22] = [
        "",
        "\"",
        "\\",
        ",",
        "}",
        "{",
        "[",
        "]",
        ":",
        " ",
        "0",
        "-",
        ".",
        "e",
        "n",
        "null",
        "\u{1}",
        "\\u0041",
        "\\ud800",
        "1e999",
        "\"x\":1,",
        "\"type\":\"x\",",
    ];
    let mut rng = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = |n: usize| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        (rng % n as u64) as usize
    };
    let (mut tried, mut kept) = (0, 0);
    for line in &lines {
        for _ in 0..24 {
            let at = next(line.len());
            if !line.is_char_boundary(at) {
                continue;
            }
            let edit = edits[next(edits.len())];
            // Insert, or replace the next char.
            let rest = if next(2) == 0 {
                &line[at..]
            } else {
                line[at..]
                    .get(line[at..].chars().next().map_or(0, char::len_utf8)..)
                    .unwrap_or("")
            };
            let mutated = format!("{}{edit}{rest}", &line[..at]);
            tried += 1;
            kept += usize::from(fast_agrees(&mutated));
        }
    }
    assert!(
        tried > 5000 && kept > 1000,
        "tried {tried}, kept on the fast path {kept}"
    );
}

#[test]
fn fast_path_gives_way_on_odd_input() {
    for line in [
        // Repeated keys: serde rejects the field, the object is kept as Unknown.
        r#"{"type":"stream_event","event":{"type":"message_stop"},"uuid":"a","uuid":"b"}"#,
        r#"{"type":"stream_event","event":{"type":"message_stop"},"api_message_id":1,"api_message_id":"m"}"#,
        // Escapes in keys and tags.
        r#"{"type":"sys\u0074em","subtype":"init"}"#,
        r#"{"\u0074ype":"system","subtype":"init"}"#,
        r#"{"type":"system","sub\u0074ype":"init"}"#,
        // Numbers serde reads differently from a plain integer.
        r#"{"type":"stream_event","event":{"type":"content_block_stop","index":1.0}}"#,
        r#"{"type":"stream_event","event":{"type":"content_block_stop","index":-1}}"#,
        r#"{"type":"stream_event","event":{"type":"content_block_stop","index":01}}"#,
        // serde_json's raw-value marker as the first key of an unmodelled object.
        r#"{"type":"system","subtype":"x","data":{"$serde_json::private::RawValue":"[1]"}}"#,
        // Unknown delta fields (ignored by serde), unknown delta and event types.
        r#"{"type":"stream_event","event":{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a","x":1}}}"#,
        r#"{"type":"stream_event","event":{"type":"content_block_delta","index":0,"delta":{"type":"citations_delta"}}}"#,
        r#"{"type":"stream_event","event":{"type":"brand_new"}}"#,
        // Trailing text, a BOM, an unterminated string.
        r#"{"type":"system","subtype":"init"} x"#,
        "\u{feff}{\"type\":\"system\"}",
        r#"{"type":"system","subtype":"init"#,
    ] {
        assert!(fast::message(line).is_none(), "{line}");
        // serde still decides: whatever it gives is what `from_slice` gives.
        assert_eq!(
            Message::from_slice(line.as_bytes()).ok(),
            Message::from_json_str_serde(line).ok(),
            "{line}"
        );
    }
}

/// Parses, checks, serializes and parses again: the same message.
fn round_trip(line: &str) -> Message {
    let m = parse(line);
    let json = serde_json::to_string(&m).unwrap();
    assert_eq!(parse(&json), m, "{json}");
    // Through serde alone (and `from_value`) too.
    assert_eq!(Message::from_json_str_serde(line).unwrap(), m);
    let v: Value = serde_json::from_str(line).unwrap();
    assert_eq!(serde_json::from_value::<Message>(v).unwrap(), m);
    m
}

#[test]
fn stream_event_fields() {
    let Message::StreamEvent(e) = round_trip(
        r#"{"type":"stream_event","event":{"type":"message_start","message":{"id":"msg_1"}},"session_id":"s","parent_tool_use_id":null,"uuid":"u","ttft_ms":19,"thinking_display":"updates","api_message_id":"msg_1","brand_new":[1]}"#,
    ) else {
        panic!()
    };
    assert_eq!(e.api_message_id.as_deref(), Some("msg_1"));
    assert_eq!(e.thinking_display.as_deref(), Some("updates"));
    assert_eq!(e.ttft_ms, Some(19));
    // Only the unknown field is left in `extra`.
    assert_eq!(e.extra.len(), 1);
    assert_eq!(e.extra["brand_new"], serde_json::json!([1]));
    let back = serde_json::to_value(&e).unwrap();
    assert_eq!(back["api_message_id"], "msg_1");
    assert_eq!(back["ttft_ms"], 19);

    // Absent: not serialized.
    let Message::StreamEvent(e) =
        round_trip(r#"{"type":"stream_event","event":{"type":"message_stop"},"session_id":"s"}"#)
    else {
        panic!()
    };
    assert_eq!(
        (e.api_message_id, e.thinking_display, e.ttft_ms),
        (None, None, None)
    );
    assert!(e.extra.is_empty());
}

#[test]
fn lenient_fields_keep_values_of_another_type() {
    // A newer CLI sending another type must not turn the line into `Unknown`: the value stays
    // in `extra`, verbatim, and serializes back under its key. `null` is no value, as for every
    // optional field.
    let Message::StreamEvent(e) = round_trip(
        r#"{"type":"stream_event","event":{"type":"message_stop"},"api_message_id":{"id":"m"},"thinking_display":null,"ttft_ms":1.5}"#,
    ) else {
        panic!()
    };
    assert_eq!(
        (e.api_message_id, e.thinking_display, e.ttft_ms),
        (None, None, None)
    );
    assert_eq!(e.extra["api_message_id"], serde_json::json!({"id":"m"}));
    assert_eq!(e.extra["ttft_ms"], 1.5);
    assert_eq!(e.extra.len(), 2);
    let Message::StreamEvent(e) =
        round_trip(r#"{"type":"stream_event","event":{"type":"message_stop"},"ttft_ms":-3}"#)
    else {
        panic!()
    };
    assert_eq!(e.extra["ttft_ms"], -3);
    // A repeated key is refused as for any known field: the object is kept as `Unknown`.
    for line in [
        r#"{"type":"stream_event","event":{"type":"message_stop"},"ttft_ms":"x","ttft_ms":1}"#,
        r#"{"type":"stream_event","event":{"type":"message_stop"},"ttft_ms":null,"ttft_ms":1}"#,
    ] {
        assert!(matches!(parse(line), Message::Unknown(_)), "{line}");
    }
}

/// The recorded session's lines, by `type` (and `subtype` or event type).
fn session_line(kind: &str) -> &'static str {
    SESSION
        .lines()
        .find(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            let sub = v["subtype"].as_str().or(v["event"]["type"].as_str());
            let name = match sub {
                Some(sub) => format!("{}/{sub}", v["type"].as_str().unwrap()),
                None => v["type"].as_str().unwrap().to_owned(),
            };
            name == kind
        })
        .unwrap()
}

#[test]
fn modelled_fields_of_cli_2_1_330() {
    // The lines CLI 2.1.330 prints leave nothing in `extra` that is modelled.
    let Message::Assistant(a) = round_trip(session_line("assistant")) else {
        panic!()
    };
    assert!(a.timestamp.is_some() && a.request_id.is_some());
    assert!(a.extra.is_empty(), "{:?}", a.extra);
    assert_eq!(a.message.message_type.as_deref(), Some("message"));
    assert_eq!(a.message.stop_sequence, None);
    assert!(a.message.extra.is_empty(), "{:?}", a.message.extra);

    let thinking = SESSION
        .lines()
        .find(|l| l.starts_with(r#"{"type":"assistant""#) && l.contains("thinking_duration_ms"))
        .unwrap();
    let Message::Assistant(a) = round_trip(thinking) else {
        panic!()
    };
    assert!(a.thinking_duration_ms.is_some());
    assert_eq!(a.thinking_display.as_deref(), Some("updates"));
    assert!(a.extra.is_empty(), "{:?}", a.extra);

    let Message::User(u) = round_trip(session_line("user")) else {
        panic!()
    };
    assert!(u.timestamp.is_some());
    assert!(u.tool_result_meta.as_ref().unwrap().is_array());
    assert!(u.extra.is_empty(), "{:?}", u.extra);

    let Message::Result(r) = round_trip(session_line("result/success")) else {
        panic!()
    };
    assert!(r.ttft_ms.is_some() && r.ttft_stream_ms.is_some());
    assert!(r.time_to_request_ms.is_some() && r.first_content_frame_ms.is_some());
    assert_eq!(r.fast_mode_state.as_deref(), Some("off"));
    assert_eq!(
        r.fast_mode_disabled_reason.as_deref(),
        Some("sdk_opt_in_required")
    );
    assert_eq!(r.safety_stops, Some(0));
    assert_eq!(r.queued_turn_count, Some(0));
    assert_eq!(r.result_index, Some(0));
    assert_eq!(r.begun_message_ids.as_ref().unwrap().len(), 1);
    assert!(r.subagent_stats.as_ref().unwrap().is_object());
    assert!(r.extra.is_empty(), "{:?}", r.extra);
    // `Usage` keeps its extra fields in `extra` (see its docs).
    assert_eq!(r.usage.as_ref().unwrap().extra["service_tier"], "standard");
    for m in r.model_usage.values().chain(
        r.model_usage_since_last_result
            .iter()
            .flat_map(|m| m.values()),
    ) {
        assert_eq!(m.max_output_tokens, Some(128000));
        assert_eq!(m.thinking_tokens, Some(0));
        assert_eq!(m.cache_creation_ephemeral_5m_input_tokens, Some(0));
        assert_eq!(m.cache_creation_ephemeral_1h_input_tokens, Some(0));
        assert_eq!(m.canonical_model.as_deref(), Some("claude-opus-5-5"));
        assert_eq!(m.provider.as_deref(), Some("firstParty"));
        assert_eq!(m.cost_basis.as_deref(), Some("list"));
        assert!(m.extra.is_empty(), "{:?}", m.extra);
    }
    let back = serde_json::to_value(&r).unwrap();
    assert_eq!(
        back["model_usage_since_last_result"]["claude-opus-5-5"]["maxOutputTokens"],
        128000
    );
    assert_eq!(back["fast_mode_state"], "off");

    let Message::StreamEvent(e) = round_trip(session_line("stream_event/message_start")) else {
        panic!()
    };
    assert!(e.ttft_ms.is_some() && e.api_message_id.is_some());
    assert!(e.extra.is_empty(), "{:?}", e.extra);
}

#[test]
fn modelled_fields_keep_unknown_neighbours() {
    let Message::Result(r) = round_trip(
        r#"{"type":"result","subtype":"success","session_id":"s","ttft_ms":5,"speed_bump":1,"usage":{"input_tokens":1,"service_tier":"priority","tier2":true},"modelUsage":{"m":{"costUSD":0.5,"provider":"x","region":"eu"}},"begun_message_ids":["a",1]}"#,
    ) else {
        panic!()
    };
    assert_eq!(r.ttft_ms, Some(5));
    assert_eq!(r.extra["speed_bump"], 1);
    // Not a list of strings: kept as it is.
    assert_eq!(r.begun_message_ids, None);
    assert_eq!(r.extra["begun_message_ids"], serde_json::json!(["a", 1]));
    assert_eq!(r.usage.unwrap().extra["tier2"], true);
    let m = &r.model_usage["m"];
    assert_eq!(m.provider.as_deref(), Some("x"));
    assert_eq!(m.extra["region"], "eu");
}
