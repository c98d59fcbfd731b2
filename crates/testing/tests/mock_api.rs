//! The mock Messages API over a raw HTTP/1.1 client (tokio `TcpStream`).
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::time::Duration;

use claude_sdk_testing::mock_api::{HUGE_TEXT_DELTA_BYTES, huge_text_content};
use claude_sdk_testing::{MockServer, Reply, Script};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

// ---------------------------------------------------------------------------------------------
// A tiny HTTP/1.1 client.

#[derive(Debug)]
struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// The body ended properly (final chunk / full content-length).
    complete: bool,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }

    /// Parses the body as SSE frames: (event name, raw data line).
    fn sse_raw(&self) -> Vec<(String, String)> {
        let text = std::str::from_utf8(&self.body).unwrap();
        text.split("\n\n")
            .filter(|f| !f.trim().is_empty())
            .map(|frame| {
                let mut event = None;
                let mut data = None;
                for line in frame.lines() {
                    if let Some(e) = line.strip_prefix("event: ") {
                        event = Some(e.to_owned());
                    } else if let Some(d) = line.strip_prefix("data: ") {
                        data = Some(d.to_owned());
                    } else {
                        panic!("unexpected SSE line {line:?}");
                    }
                }
                (event.unwrap(), data.unwrap())
            })
            .collect()
    }

    /// SSE frames with JSON data; checks that `data.type` equals the event name.
    fn sse(&self) -> Vec<(String, Value)> {
        self.sse_raw()
            .into_iter()
            .map(|(event, data)| {
                let value: Value = serde_json::from_str(&data)
                    .unwrap_or_else(|e| panic!("data of {event} is not JSON ({e}): {data}"));
                assert_eq!(value["type"], event.as_str(), "{data}");
                (event, value)
            })
            .collect()
    }
}

fn request_bytes(method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Vec<u8> {
    let mut req = format!("{method} {path} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n");
    for (name, value) in headers {
        req.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() {
        req.push_str("content-type: application/json\r\n");
    }
    req.push_str(&format!("content-length: {}\r\n\r\n{body}", body.len()));
    req.into_bytes()
}

async fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Resp {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(&request_bytes(method, path, headers, body))
        .await
        .unwrap();
    let mut raw = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
        }
    }
    parse_response(&raw)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn parse_response(raw: &[u8]) -> Resp {
    let head_end = find(raw, b"\r\n\r\n").expect("no complete response head");
    let head = std::str::from_utf8(&raw[..head_end]).unwrap();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    let status = status_line.split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .map(|l| {
            let (n, v) = l.split_once(':').unwrap();
            (n.trim().to_ascii_lowercase(), v.trim().to_owned())
        })
        .collect();
    let rest = &raw[head_end + 4..];
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
    let (body, complete) = if chunked {
        dechunk(rest)
    } else {
        let len: usize = headers
            .iter()
            .find(|(n, _)| n == "content-length")
            .map(|(_, v)| v.parse().unwrap())
            .unwrap_or(rest.len());
        (rest[..len.min(rest.len())].to_vec(), rest.len() >= len)
    };
    Resp {
        status,
        headers,
        body,
        complete,
    }
}

/// Decodes a chunked body; `complete` is true when the final zero-size chunk was seen.
fn dechunk(mut rest: &[u8]) -> (Vec<u8>, bool) {
    let mut body = Vec::new();
    loop {
        let Some(line_end) = find(rest, b"\r\n") else {
            return (body, false);
        };
        let size_str = std::str::from_utf8(&rest[..line_end]).unwrap();
        let size = usize::from_str_radix(size_str.split(';').next().unwrap().trim(), 16).unwrap();
        rest = &rest[line_end + 2..];
        if size == 0 {
            return (body, true);
        }
        if rest.len() < size + 2 {
            body.extend_from_slice(&rest[..size.min(rest.len())]);
            return (body, false);
        }
        body.extend_from_slice(&rest[..size]);
        rest = &rest[size + 2..];
    }
}

fn messages_body(stream: bool, prompt: &str) -> String {
    json!({
        "model": "claude-test-1",
        "max_tokens": 1024,
        "stream": stream,
        "messages": [{"role": "user", "content": [{"type": "text", "text": prompt}]}]
    })
    .to_string()
}

async fn post_messages(server: &MockServer, stream: bool, prompt: &str) -> Resp {
    send(
        server.addr(),
        "POST",
        "/v1/messages?beta=true",
        &[("anthropic-version", "2023-06-01")],
        &messages_body(stream, prompt),
    )
    .await
}

fn event_names(frames: &[(String, Value)]) -> Vec<&str> {
    frames.iter().map(|(e, _)| e.as_str()).collect()
}

/// Concatenation of the given delta field over all `content_block_delta`s of `index`.
fn deltas(frames: &[(String, Value)], index: u64, field: &str) -> Vec<String> {
    frames
        .iter()
        .filter(|(e, v)| e == "content_block_delta" && v["index"] == index)
        .filter_map(|(_, v)| v["delta"][field].as_str().map(str::to_owned))
        .collect()
}

// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn text_stream_frames_in_order() {
    let server = MockServer::start(Script::always(Reply::text("hello there")))
        .await
        .unwrap();
    let resp = post_messages(&server, true, "hi").await;
    assert_eq!(resp.status, 200);
    assert!(resp.complete);
    assert_eq!(resp.header("content-type"), Some("text/event-stream"));
    assert!(resp.header("request-id").unwrap().starts_with("req_mock_"));

    let raw = resp.sse_raw();
    assert!(raw.iter().all(|(_, data)| data.starts_with("{\"type\":")));
    let frames = resp.sse();
    assert_eq!(
        event_names(&frames),
        [
            "message_start",
            "content_block_start",
            "ping",
            "content_block_delta",
            "content_block_stop",
            "message_delta",
            "message_stop"
        ]
    );
    let msg = &frames[0].1["message"];
    let id = msg["id"].as_str().unwrap();
    let hex = id.strip_prefix("msg_mock_").unwrap();
    assert_eq!(hex.len(), 16);
    assert!(hex.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(msg["type"], "message");
    assert_eq!(msg["role"], "assistant");
    assert_eq!(msg["model"], "claude-test-1");
    assert_eq!(msg["content"], json!([]));
    assert_eq!(msg["stop_reason"], Value::Null);
    assert_eq!(
        msg["usage"],
        json!({"input_tokens": 10, "output_tokens": 1,
               "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0})
    );
    assert_eq!(
        frames[1].1["content_block"],
        json!({"type": "text", "text": ""})
    );
    assert_eq!(deltas(&frames, 0, "text").concat(), "hello there");
    assert_eq!(frames[3].1["delta"]["type"], "text_delta");
    assert_eq!(frames[4].1["index"], 0);
    let delta = &frames[5].1;
    assert_eq!(
        delta["delta"],
        json!({"stop_reason": "end_turn", "stop_sequence": null})
    );
    assert!(delta["usage"]["output_tokens"].as_u64().unwrap() > 0);
}

#[tokio::test]
async fn tool_use_input_json_deltas_concatenate() {
    let input = json!({"command": "echo mock-tool-ran", "description": "echo", "nested": {"a": [1, 2, 3], "b": "ünï"}});
    let server = MockServer::start(Script::always(Reply::text_then_tool_use(
        "Let me run it.",
        "Bash",
        input.clone(),
    )))
    .await
    .unwrap();
    let frames = post_messages(&server, true, "run it").await.sse();

    assert_eq!(deltas(&frames, 0, "text").concat(), "Let me run it.");
    let start = frames
        .iter()
        .find(|(e, v)| e == "content_block_start" && v["index"] == 1)
        .unwrap();
    let block = &start.1["content_block"];
    assert_eq!(block["type"], "tool_use");
    assert_eq!(block["name"], "Bash");
    assert_eq!(block["input"], json!({}));
    assert!(block["id"].as_str().unwrap().starts_with("toolu_mock_"));

    let pieces = deltas(&frames, 1, "partial_json");
    assert!(pieces.len() >= 2, "input split across deltas: {pieces:?}");
    let parsed: Value = serde_json::from_str(&pieces.concat()).unwrap();
    assert_eq!(parsed, input);

    let (_, message_delta) = frames.iter().find(|(e, _)| e == "message_delta").unwrap();
    assert_eq!(message_delta["delta"]["stop_reason"], "tool_use");
    assert_eq!(frames.last().unwrap().0, "message_stop");
}

#[tokio::test]
async fn thinking_then_text_stream() {
    let server = MockServer::start(Script::always(Reply::thinking("Let me think.", "Answer.")))
        .await
        .unwrap();
    let frames = post_messages(&server, true, "think").await.sse();
    let starts: Vec<&Value> = frames
        .iter()
        .filter(|(e, _)| e == "content_block_start")
        .map(|(_, v)| &v["content_block"])
        .collect();
    assert_eq!(starts[0]["type"], "thinking");
    assert_eq!(starts[1]["type"], "text");
    assert_eq!(deltas(&frames, 0, "thinking").concat(), "Let me think.");
    let signatures = deltas(&frames, 0, "signature");
    assert_eq!(signatures.len(), 1);
    assert!(!signatures[0].is_empty());
    // The signature comes after the thinking text.
    let kinds: Vec<&str> = frames
        .iter()
        .filter(|(e, v)| e == "content_block_delta" && v["index"] == 0)
        .map(|(_, v)| v["delta"]["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.last(), Some(&"signature_delta"));
    assert_eq!(deltas(&frames, 1, "text").concat(), "Answer.");
}

#[tokio::test]
async fn non_stream_json_answer() {
    let input = json!({"path": "/tmp/x"});
    let script = Script::new()
        .then(Reply::text("plain").with_usage(42, 7))
        .then(Reply::text_then_tool_use("using", "Read", input.clone()))
        .then(Reply::thinking("hmm", "done"));
    let server = MockServer::start(script).await.unwrap();

    let resp = post_messages(&server, false, "a").await;
    assert_eq!(resp.status, 200);
    assert_eq!(resp.header("content-type"), Some("application/json"));
    assert!(resp.header("request-id").unwrap().starts_with("req_mock_"));
    assert!(
        std::str::from_utf8(&resp.body)
            .unwrap()
            .starts_with("{\"id\":\"msg_mock_")
    );
    let msg = resp.json();
    assert_eq!(msg["type"], "message");
    assert_eq!(msg["role"], "assistant");
    assert_eq!(msg["model"], "claude-test-1");
    assert_eq!(msg["content"], json!([{"type": "text", "text": "plain"}]));
    assert_eq!(msg["stop_reason"], "end_turn");
    assert_eq!(msg["stop_sequence"], Value::Null);
    assert_eq!(msg["usage"]["input_tokens"], 42);
    assert_eq!(msg["usage"]["output_tokens"], 7);

    let msg = post_messages(&server, false, "b").await.json();
    assert_eq!(msg["stop_reason"], "tool_use");
    assert_eq!(msg["content"][0], json!({"type": "text", "text": "using"}));
    assert_eq!(msg["content"][1]["type"], "tool_use");
    assert_eq!(msg["content"][1]["name"], "Read");
    assert_eq!(msg["content"][1]["input"], input);

    let msg = post_messages(&server, false, "c").await.json();
    assert_eq!(msg["content"][0]["type"], "thinking");
    assert_eq!(msg["content"][0]["thinking"], "hmm");
    assert!(!msg["content"][0]["signature"].as_str().unwrap().is_empty());
    assert_eq!(msg["content"][1], json!({"type": "text", "text": "done"}));
}

#[tokio::test]
async fn usage_override_in_stream() {
    let server = MockServer::start(Script::always(Reply::text("x").with_usage(123, 45)))
        .await
        .unwrap();
    let frames = post_messages(&server, true, "u").await.sse();
    assert_eq!(frames[0].1["message"]["usage"]["input_tokens"], 123);
    let (_, md) = frames.iter().find(|(e, _)| e == "message_delta").unwrap();
    assert_eq!(md["usage"]["output_tokens"], 45);
}

#[tokio::test]
async fn error_status_retry_after_and_body() {
    let server = MockServer::start(Script::always(
        Reply::error(429, "rate_limit_error", "mock 429").with_retry_after(7),
    ))
    .await
    .unwrap();
    for stream in [true, false] {
        let resp = post_messages(&server, stream, "x").await;
        assert_eq!(resp.status, 429);
        assert_eq!(resp.header("retry-after"), Some("7"));
        assert_eq!(resp.header("content-type"), Some("application/json"));
        assert!(resp.header("request-id").unwrap().starts_with("req_mock_"));
        assert_eq!(
            std::str::from_utf8(&resp.body).unwrap(),
            r#"{"type":"error","error":{"type":"rate_limit_error","message":"mock 429"}}"#
        );
    }

    server.set_script(Script::always(Reply::error(
        529,
        "overloaded_error",
        "busy",
    )));
    let resp = post_messages(&server, true, "x").await;
    assert_eq!(resp.status, 529);
    assert_eq!(resp.header("retry-after"), None);
    assert_eq!(resp.json()["error"]["type"], "overloaded_error");
}

#[tokio::test]
async fn unknown_path_is_404_and_recorded_and_count_tokens_answers() {
    let server = MockServer::start(Script::new()).await.unwrap();
    let resp = send(server.addr(), "GET", "/v1/models?limit=1", &[], "").await;
    assert_eq!(resp.status, 404);
    assert!(resp.header("request-id").unwrap().starts_with("req_mock_"));
    let body = resp.json();
    assert_eq!(body["type"], "error");
    assert_eq!(body["error"]["type"], "not_found_error");

    let resp = send(
        server.addr(),
        "POST",
        "/v1/messages/count_tokens?beta=true",
        &[],
        &messages_body(false, "count me"),
    )
    .await;
    assert_eq!(resp.status, 200);
    assert!(resp.json()["input_tokens"].as_u64().unwrap() > 0);

    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].method, "GET");
    assert_eq!(reqs[0].path, "/v1/models");
    assert_eq!(reqs[0].query.as_deref(), Some("limit=1"));
    assert_eq!(reqs[0].seq(), 0);
    assert_eq!(reqs[1].path, "/v1/messages/count_tokens");
    assert_eq!(reqs[1].seq(), 1);
    assert!(server.message_requests().is_empty());
}

#[tokio::test]
async fn invalid_json_body_is_400_and_consumes_no_reply() {
    let server = MockServer::start(Script::new().then(Reply::text("first")))
        .await
        .unwrap();
    let resp = send(server.addr(), "POST", "/v1/messages", &[], "{not json").await;
    assert_eq!(resp.status, 400);
    assert_eq!(resp.json()["error"]["type"], "invalid_request_error");
    let msg = post_messages(&server, false, "x").await.json();
    assert_eq!(msg["content"][0]["text"], "first");
    let reqs = server.message_requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].body, Value::Null);
    assert_eq!(reqs[0].raw_body(), b"{not json");
}

async fn text_of(server: &MockServer, stream: bool, prompt: &str) -> String {
    let resp = post_messages(server, stream, prompt).await;
    assert_eq!(resp.status, 200);
    if stream {
        deltas(&resp.sse(), 0, "text").concat()
    } else {
        resp.json()["content"][0]["text"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

#[tokio::test]
async fn fifo_then_otherwise_and_set_script() {
    let script = Script::new()
        .then(Reply::text("one"))
        .then(Reply::text("two"))
        .otherwise(Reply::text("rest"));
    let server = MockServer::start(script).await.unwrap();
    // Streaming and non-streaming requests share one queue.
    assert_eq!(text_of(&server, true, "a").await, "one");
    assert_eq!(text_of(&server, false, "b").await, "two");
    assert_eq!(text_of(&server, true, "c").await, "rest");
    assert_eq!(text_of(&server, false, "d").await, "rest");

    server.set_script(Script::new().then(Reply::text("new")));
    assert_eq!(text_of(&server, true, "e").await, "new");
    assert_eq!(text_of(&server, true, "f").await, "ok");

    let prompts: Vec<String> = server
        .message_requests()
        .iter()
        .map(|r| r.last_user_text().unwrap())
        .collect();
    assert_eq!(prompts, ["a", "b", "c", "d", "e", "f"]);
}

#[tokio::test]
async fn from_fn_sees_each_request() {
    let server = MockServer::start(Script::from_fn(|req| {
        Reply::text(format!(
            "{}:{}:{}",
            req.model().unwrap_or("-"),
            req.is_stream(),
            req.last_user_text().unwrap_or_default()
        ))
    }))
    .await
    .unwrap();
    assert_eq!(text_of(&server, true, "p1").await, "claude-test-1:true:p1");
    assert_eq!(
        text_of(&server, false, "p2").await,
        "claude-test-1:false:p2"
    );
}

#[tokio::test]
async fn panicking_from_fn_gives_500_and_server_keeps_going() {
    let server = MockServer::start(Script::from_fn(|req| {
        if req.last_user_text().as_deref() == Some("boom") {
            panic!("scripted panic");
        }
        Reply::text("fine")
    }))
    .await
    .unwrap();
    let resp = post_messages(&server, true, "boom").await;
    assert_eq!(resp.status, 500);
    assert_eq!(resp.json()["error"]["type"], "api_error");
    assert_eq!(text_of(&server, true, "calm").await, "fine");
}

#[tokio::test]
async fn echo_answers_last_real_user_prompt() {
    let server = MockServer::start(Script::always(Reply::echo()))
        .await
        .unwrap();
    // Shaped like a CLI request after a tool round trip: reminders, tool_result, trailing system entry.
    let body = json!({
        "model": "claude-test-1",
        "stream": true,
        "system": [{"type": "text", "text": "billing"}, {"type": "text", "text": "You are a test."}],
        "messages": [
            {"role": "user", "content": [
                {"type": "text", "text": "<system-reminder>\nAttribution...</system-reminder>"},
                {"type": "text", "text": "what is 2+2?"}]},
            {"role": "system", "content": [{"type": "text", "text": "# Environment"}]},
            {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "4"}]},
            {"role": "system", "content": [{"type": "text", "text": "deferred tools..."}]}
        ]
    });
    let resp = send(
        server.addr(),
        "POST",
        "/v1/messages",
        &[],
        &body.to_string(),
    )
    .await;
    assert_eq!(deltas(&resp.sse(), 0, "text").concat(), "what is 2+2?");

    let req = &server.message_requests()[0];
    assert_eq!(req.user_texts(), ["what is 2+2?"]);
    assert_eq!(req.tool_results().len(), 1);
    assert_eq!(req.tool_results()[0]["tool_use_id"], "toolu_1");
    assert_eq!(req.tool_result_texts(), ["4"]);
    assert_eq!(req.system_text(), "billing\nYou are a test.");
    assert_eq!(req.messages().len(), 5);

    // No user text at all.
    let body = json!({"model": "m", "messages": []}).to_string();
    let resp = send(server.addr(), "POST", "/v1/messages", &[], &body).await;
    assert_eq!(resp.json()["content"][0]["text"], "(no user text)");
}

#[tokio::test]
async fn secret_headers_are_redacted() {
    let server = MockServer::start(Script::new()).await.unwrap();
    let resp = send(
        server.addr(),
        "POST",
        "/v1/messages?beta=true",
        &[
            ("X-Api-Key", "sk-ant-secret-123"),
            ("Authorization", "Bearer sk-ant-secret-456"),
            ("Anthropic-Version", "2023-06-01"),
        ],
        &messages_body(true, "x"),
    )
    .await;
    assert_eq!(resp.status, 200);
    let req = &server.requests()[0];
    assert_eq!(req.header("x-api-key"), Some("<redacted>"));
    assert_eq!(req.header("AUTHORIZATION"), Some("<redacted>"));
    assert_eq!(req.header("anthropic-version"), Some("2023-06-01"));
    assert!(
        req.headers
            .iter()
            .all(|(n, _)| *n == n.to_ascii_lowercase())
    );
    let dump = format!("{:?}", server.requests());
    assert!(!dump.contains("secret"), "{dump}");
}

#[tokio::test]
async fn huge_text_has_exact_length() {
    let bytes = 5 * 1024 * 1024 + 12_345;
    let server = MockServer::start(Script::always(Reply::huge_text(bytes)))
        .await
        .unwrap();
    let resp = post_messages(&server, true, "big").await;
    assert!(resp.complete);
    let frames = resp.sse();
    let pieces = deltas(&frames, 0, "text");
    assert_eq!(pieces.len(), bytes.div_ceil(HUGE_TEXT_DELTA_BYTES));
    let text = pieces.concat();
    assert_eq!(text.len(), bytes);
    assert_eq!(text, huge_text_content(bytes));
    assert_eq!(frames.last().unwrap().0, "message_stop");

    let msg = post_messages(&server, false, "big").await.json();
    assert_eq!(msg["content"][0]["text"].as_str().unwrap().len(), bytes);
}

#[tokio::test]
async fn slow_text_sends_one_delta_per_chunk() {
    let chunks: Vec<String> = ["a", "bc", "def", "ghij"].map(String::from).to_vec();
    let server = MockServer::start(Script::always(Reply::slow_text(
        chunks.clone(),
        Duration::from_millis(5),
    )))
    .await
    .unwrap();
    let frames = post_messages(&server, true, "slow").await.sse();
    assert_eq!(deltas(&frames, 0, "text"), chunks);
    assert_eq!(text_of(&server, false, "slow").await, "abcdefghij");
}

#[tokio::test]
async fn cut_after_first_delta_drops_the_connection() {
    let server = MockServer::start(Script::always(Reply::cut_after_first_delta(
        "partial answer",
    )))
    .await
    .unwrap();
    let resp = post_messages(&server, true, "x").await;
    assert_eq!(resp.status, 200);
    assert!(!resp.complete, "the chunked body must not be terminated");
    let frames = resp.sse();
    assert_eq!(
        event_names(&frames),
        [
            "message_start",
            "content_block_start",
            "ping",
            "content_block_delta"
        ]
    );
    assert_eq!(deltas(&frames, 0, "text").concat(), "partial");
    // The non-streaming fallback gets the whole text.
    assert_eq!(text_of(&server, false, "x").await, "partial answer");
}

#[tokio::test]
async fn malformed_sse_streams_garbage_and_falls_back_to_ok() {
    let server = MockServer::start(Script::always(Reply::malformed_sse()))
        .await
        .unwrap();
    let resp = post_messages(&server, true, "x").await;
    assert_eq!(resp.status, 200);
    assert_eq!(resp.header("content-type"), Some("text/event-stream"));
    let raw = resp.sse_raw();
    assert!(!raw.is_empty());
    assert!(
        raw.iter()
            .all(|(_, data)| serde_json::from_str::<Value>(data).is_err())
    );
    assert_eq!(text_of(&server, false, "x").await, "ok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hang_is_released_on_shutdown() {
    let server = MockServer::start(Script::always(Reply::hang()))
        .await
        .unwrap();
    let addr = server.addr();
    let client = tokio::spawn(async move {
        send(addr, "POST", "/v1/messages", &[], &messages_body(true, "x")).await
    });
    server.wait_for_message_requests(1).await;
    assert!(!client.is_finished());
    server.shutdown().await;
    let resp = client.await.unwrap();
    assert_eq!(resp.status, 503);
    // The listener is gone.
    assert!(TcpStream::connect(addr).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn survives_client_disconnect_mid_stream() {
    let chunks: Vec<String> = (0..200).map(|i| format!("chunk{i} ")).collect();
    let script = Script::new()
        .then(Reply::slow_text(chunks, Duration::from_millis(2)))
        .then(Reply::huge_text(32 * 1024 * 1024))
        .otherwise(Reply::text("still alive"));
    let server = MockServer::start(script).await.unwrap();

    for _ in 0..2 {
        let mut stream = TcpStream::connect(server.addr()).await.unwrap();
        let body = messages_body(true, "x");
        stream
            .write_all(&request_bytes("POST", "/v1/messages", &[], &body))
            .await
            .unwrap();
        // Read until the first delta has arrived, then hang up.
        let mut seen = Vec::new();
        let mut buf = vec![0u8; 4096];
        while find(&seen, b"content_block_delta").is_none() {
            let n = stream.read(&mut buf).await.unwrap();
            assert!(n > 0);
            seen.extend_from_slice(&buf[..n]);
        }
        drop(stream);
    }
    assert_eq!(text_of(&server, true, "y").await, "still alive");
    assert_eq!(server.message_requests().len(), 3);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_concurrent_requests() {
    const N: usize = 64;
    let mut script = Script::new();
    for i in 0..N {
        script = script.then(Reply::text(format!("reply-{i}")));
    }
    let server = MockServer::start(script).await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..N {
        let addr = server.addr();
        tasks.push(tokio::spawn(async move {
            let resp = send(
                addr,
                "POST",
                "/v1/messages",
                &[],
                &messages_body(i % 2 == 0, &format!("p{i}")),
            )
            .await;
            assert_eq!(resp.status, 200);
            if i % 2 == 0 {
                deltas(&resp.sse(), 0, "text").concat()
            } else {
                resp.json()["content"][0]["text"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            }
        }));
    }
    let mut got = BTreeSet::new();
    for task in tasks {
        got.insert(task.await.unwrap());
    }
    let want: BTreeSet<String> = (0..N).map(|i| format!("reply-{i}")).collect();
    assert_eq!(got, want);
    let reqs = server.message_requests();
    assert_eq!(reqs.len(), N);
    let seqs: Vec<usize> = reqs.iter().map(|r| r.seq()).collect();
    assert_eq!(seqs, (0..N).collect::<Vec<_>>());
}

#[tokio::test]
async fn debug_and_base_url() {
    let server = MockServer::start(Script::new().then(Reply::text("a")))
        .await
        .unwrap();
    assert_eq!(server.base_url(), format!("http://{}", server.addr()));
    assert!(server.addr().ip().is_loopback());
    assert_ne!(server.addr().port(), 0);
    assert!(format!("{server:?}").contains("MockServer"));
    assert!(format!("{:?}", Script::new().then(Reply::echo())).contains("Echo"));
}
