//! Shared helpers for the session store tests.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stderr
)]

pub mod redis_server;

use claude_sdk_session::TranscriptEntry;

/// A prompt entry recorded at a fixed time (so two stores fed alike agree exactly).
pub fn prompt_at(text: &str, at: u64) -> TranscriptEntry {
    let mut e = TranscriptEntry::prompt(text);
    e.at = at;
    e
}

/// An entry from its stored JSON shape (`{"seq":…,"at":…,"event":{…}}`).
pub fn entry(json: serde_json::Value) -> TranscriptEntry {
    serde_json::from_value(json).expect("a valid transcript entry")
}

/// An assistant text event recorded at `at`.
pub fn answer_at(text: &str, at: u64, cli_session: &str) -> TranscriptEntry {
    entry(serde_json::json!({"seq": 0, "at": at, "event": {
        "type": "assistant",
        "message": {"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-test",
                    "content": [{"type": "text", "text": text}],
                    "stop_reason": null, "stop_sequence": null,
                    "usage": {"input_tokens": 1, "output_tokens": 1}},
        "parent_tool_use_id": null,
        "session_id": cli_session,
        "uuid": "00000000-0000-4000-8000-000000000001"
    }}))
}

/// A successful result event with usage and cost, recorded at `at`.
pub fn result_at(at: u64, cost: f64, cli_session: &str) -> TranscriptEntry {
    entry(serde_json::json!({"seq": 0, "at": at, "event": {
        "type": "result", "subtype": "success", "is_error": false,
        "duration_ms": 10, "duration_api_ms": 5, "num_turns": 1,
        "result": "done", "stop_reason": "end_turn",
        "session_id": cli_session, "total_cost_usd": cost,
        "usage": {"input_tokens": 10, "output_tokens": 4,
                  "cache_read_input_tokens": 2, "cache_creation_input_tokens": 1},
        "uuid": "00000000-0000-4000-8000-000000000002"
    }}))
}
