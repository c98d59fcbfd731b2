//! Rendering a scripted message: SSE event frames (streamed lazily) or one JSON message.

use std::collections::VecDeque;
use std::io;
use std::time::Duration;

use bytes::Bytes;
use futures_core::Stream;
use serde_json::Value;
use tokio::sync::watch;

use super::reply::{Block, HUGE_TEXT_DELTA_BYTES, huge_text_slice};

/// A message ready to be rendered for one request.
#[derive(Debug)]
pub(crate) struct Message {
    pub(crate) id: String,
    pub(crate) model: String,
    pub(crate) blocks: Vec<RenderBlock>,
    pub(crate) stop_reason: String,
    pub(crate) input_tokens: u64,
    pub(crate) output_tokens: u64,
    /// Slept between consecutive content deltas.
    pub(crate) delay: Duration,
}

/// A [`Block`] with its per-request tool id.
#[derive(Debug)]
pub(crate) struct RenderBlock {
    pub(crate) block: Block,
    pub(crate) tool_id: String,
}

/// Builds a message: ids, stop reason and usage.
pub(crate) fn message(
    model: &str,
    blocks: Vec<Block>,
    delay: Duration,
    usage: Option<(u64, u64)>,
    stop_reason: Option<String>,
) -> Message {
    let has_tool = blocks.iter().any(|b| matches!(b, Block::ToolUse { .. }));
    let stop_reason =
        stop_reason.unwrap_or_else(|| if has_tool { "tool_use" } else { "end_turn" }.to_owned());
    let content_bytes: usize = blocks.iter().map(block_bytes).sum();
    let (input_tokens, output_tokens) = usage.unwrap_or((
        super::reply::DEFAULT_INPUT_TOKENS,
        (content_bytes as u64).div_ceil(4).max(1),
    ));
    Message {
        id: format!("msg_mock_{}", hex_id(16)),
        model: model.to_owned(),
        blocks: blocks
            .into_iter()
            .map(|block| RenderBlock {
                block,
                tool_id: format!("toolu_mock_{}", hex_id(24)),
            })
            .collect(),
        stop_reason,
        input_tokens,
        output_tokens,
        delay,
    }
}

/// `n` (at most 32) random lowercase hex digits.
pub(crate) fn hex_id(n: usize) -> String {
    let mut s = uuid::Uuid::new_v4().simple().to_string();
    s.truncate(n);
    s
}

fn block_bytes(block: &Block) -> usize {
    match block {
        Block::Text(chunks) => chunks.iter().map(String::len).sum(),
        Block::HugeText(n) => *n,
        Block::Thinking { thinking, .. } => thinking.len(),
        Block::ToolUse { name, input } => name.len() + input.to_string().len(),
    }
}

/// Wire shapes, serialized with `"type"` first like the real API.
mod wire {
    use serde::Serialize;
    use serde_json::Value;

    #[derive(Serialize)]
    pub(super) struct Usage {
        pub(super) input_tokens: u64,
        pub(super) output_tokens: u64,
        pub(super) cache_creation_input_tokens: u64,
        pub(super) cache_read_input_tokens: u64,
    }

    #[derive(Serialize)]
    pub(super) struct Message<'a> {
        pub(super) id: &'a str,
        #[serde(rename = "type")]
        pub(super) kind: &'static str,
        pub(super) role: &'static str,
        pub(super) model: &'a str,
        pub(super) content: Vec<ContentBlock<'a>>,
        pub(super) stop_reason: Option<&'a str>,
        pub(super) stop_sequence: Option<&'a str>,
        pub(super) usage: Usage,
    }

    #[derive(Serialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    pub(super) enum ContentBlock<'a> {
        Text {
            text: String,
        },
        Thinking {
            thinking: &'a str,
            signature: &'a str,
        },
        ToolUse {
            id: &'a str,
            name: &'a str,
            input: &'a Value,
        },
    }

    #[derive(Serialize)]
    #[serde(tag = "type")]
    pub(super) enum Delta<'a> {
        #[serde(rename = "text_delta")]
        Text { text: &'a str },
        #[serde(rename = "thinking_delta")]
        Thinking { thinking: &'a str },
        #[serde(rename = "signature_delta")]
        Signature { signature: &'a str },
        #[serde(rename = "input_json_delta")]
        InputJson { partial_json: &'a str },
    }

    #[derive(Serialize)]
    pub(super) struct StopDelta<'a> {
        pub(super) stop_reason: &'a str,
        pub(super) stop_sequence: Option<&'a str>,
    }

    #[derive(Serialize)]
    pub(super) struct OutputUsage {
        pub(super) output_tokens: u64,
    }

    #[derive(Serialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    pub(super) enum Event<'a> {
        MessageStart {
            message: Message<'a>,
        },
        ContentBlockStart {
            index: usize,
            content_block: ContentBlock<'a>,
        },
        Ping,
        ContentBlockDelta {
            index: usize,
            delta: Delta<'a>,
        },
        ContentBlockStop {
            index: usize,
        },
        MessageDelta {
            delta: StopDelta<'a>,
            usage: OutputUsage,
        },
        MessageStop,
    }

    impl Event<'_> {
        pub(super) fn name(&self) -> &'static str {
            match self {
                Event::MessageStart { .. } => "message_start",
                Event::ContentBlockStart { .. } => "content_block_start",
                Event::Ping => "ping",
                Event::ContentBlockDelta { .. } => "content_block_delta",
                Event::ContentBlockStop { .. } => "content_block_stop",
                Event::MessageDelta { .. } => "message_delta",
                Event::MessageStop => "message_stop",
            }
        }
    }
}

use wire::{ContentBlock, Delta, Event};

fn wire_message<'a>(
    msg: &'a Message,
    content: Vec<ContentBlock<'a>>,
    stop_reason: Option<&'a str>,
    output_tokens: u64,
) -> wire::Message<'a> {
    wire::Message {
        kind: "message",
        id: &msg.id,
        role: "assistant",
        model: &msg.model,
        content,
        stop_reason,
        stop_sequence: None,
        usage: wire::Usage {
            input_tokens: msg.input_tokens,
            output_tokens,
            cache_creation_input_tokens: 0,
            cache_read_input_tokens: 0,
        },
    }
}

/// The non-streaming answer: one complete message object, serialized.
pub(crate) fn message_json(msg: &Message) -> String {
    let content = msg
        .blocks
        .iter()
        .map(|rb| match &rb.block {
            Block::Text(chunks) => ContentBlock::Text {
                text: chunks.concat(),
            },
            Block::HugeText(n) => ContentBlock::Text {
                text: huge_text_slice(0, *n),
            },
            Block::Thinking {
                thinking,
                signature,
            } => ContentBlock::Thinking {
                thinking,
                signature,
            },
            Block::ToolUse { name, input } => ContentBlock::ToolUse {
                id: &rb.tool_id,
                name,
                input,
            },
        })
        .collect();
    to_json(&wire_message(
        msg,
        content,
        Some(&msg.stop_reason),
        msg.output_tokens,
    ))
}

fn to_json(value: &impl serde::Serialize) -> String {
    // These shapes hold only strings, numbers and JSON values: serializing cannot fail.
    serde_json::to_string(value).unwrap_or_else(|_| "{}".to_owned())
}

/// One step of a streamed SSE body.
#[derive(Debug)]
pub(crate) enum Step {
    /// Bytes to send.
    Frame(Bytes),
    /// Wait before the next step.
    Sleep(Duration),
    /// The rest of a huge text block: `text_delta`s generated on demand.
    Huge {
        index: usize,
        offset: usize,
        total: usize,
    },
    /// Drop the connection.
    Abort,
}

/// One SSE frame: `event: <type>\ndata: <json>\n\n`.
fn frame(event: &Event<'_>) -> Step {
    Step::Frame(Bytes::from(format!(
        "event: {}\ndata: {}\n\n",
        event.name(),
        to_json(event)
    )))
}

fn message_start(msg: &Message) -> Step {
    frame(&Event::MessageStart {
        message: wire_message(msg, Vec::new(), None, 1),
    })
}

fn ping() -> Step {
    frame(&Event::Ping)
}

fn block_start(index: usize, content_block: ContentBlock<'_>) -> Step {
    frame(&Event::ContentBlockStart {
        index,
        content_block,
    })
}

fn empty_text() -> ContentBlock<'static> {
    ContentBlock::Text {
        text: String::new(),
    }
}

fn delta(index: usize, delta: Delta<'_>) -> Step {
    frame(&Event::ContentBlockDelta { index, delta })
}

fn text_delta(index: usize, text: &str) -> Step {
    delta(index, Delta::Text { text })
}

fn block_stop(index: usize) -> Step {
    frame(&Event::ContentBlockStop { index })
}

/// Splits `s` into `parts` pieces of roughly equal size at char boundaries (no empty pieces).
pub(crate) fn split_in(s: &str, parts: usize) -> Vec<&str> {
    let target = s.len().div_ceil(parts.max(1)).max(1);
    let mut out = Vec::new();
    let mut start = 0;
    while start < s.len() {
        let mut end = (start + target).min(s.len());
        while !s.is_char_boundary(end) {
            end += 1;
        }
        out.push(&s[start..end]);
        start = end;
    }
    out
}

/// The full event sequence of a message.
pub(crate) fn message_steps(msg: &Message) -> VecDeque<Step> {
    let empty_input = Value::Object(serde_json::Map::new());
    let mut steps = VecDeque::new();
    steps.push_back(message_start(msg));
    let mut any_delta = false;
    let mut push_delta = |steps: &mut VecDeque<Step>, step: Step| {
        if any_delta && !msg.delay.is_zero() {
            steps.push_back(Step::Sleep(msg.delay));
        }
        any_delta = true;
        steps.push_back(step);
    };
    for (index, rb) in msg.blocks.iter().enumerate() {
        match &rb.block {
            Block::Text(chunks) => {
                steps.push_back(block_start(index, empty_text()));
                if index == 0 {
                    steps.push_back(ping());
                }
                for chunk in chunks {
                    push_delta(&mut steps, text_delta(index, chunk));
                }
            }
            Block::HugeText(total) => {
                steps.push_back(block_start(index, empty_text()));
                if index == 0 {
                    steps.push_back(ping());
                }
                steps.push_back(Step::Huge {
                    index,
                    offset: 0,
                    total: *total,
                });
            }
            Block::Thinking {
                thinking,
                signature,
            } => {
                steps.push_back(block_start(
                    index,
                    ContentBlock::Thinking {
                        thinking: "",
                        signature: "",
                    },
                ));
                if index == 0 {
                    steps.push_back(ping());
                }
                for piece in split_in(thinking, 2) {
                    push_delta(
                        &mut steps,
                        delta(index, Delta::Thinking { thinking: piece }),
                    );
                }
                push_delta(&mut steps, delta(index, Delta::Signature { signature }));
            }
            Block::ToolUse { name, input } => {
                steps.push_back(block_start(
                    index,
                    ContentBlock::ToolUse {
                        id: &rb.tool_id,
                        name,
                        input: &empty_input,
                    },
                ));
                if index == 0 {
                    steps.push_back(ping());
                }
                let json = input.to_string();
                for piece in split_in(&json, 3) {
                    push_delta(
                        &mut steps,
                        delta(
                            index,
                            Delta::InputJson {
                                partial_json: piece,
                            },
                        ),
                    );
                }
            }
        }
        steps.push_back(block_stop(index));
    }
    steps.push_back(frame(&Event::MessageDelta {
        delta: wire::StopDelta {
            stop_reason: &msg.stop_reason,
            stop_sequence: None,
        },
        usage: wire::OutputUsage {
            output_tokens: msg.output_tokens,
        },
    }));
    steps.push_back(frame(&Event::MessageStop));
    steps
}

/// `message_start`, `content_block_start`, `ping`, one `text_delta` with the first half of `text`,
/// then the connection is dropped.
pub(crate) fn cut_steps(msg: &Message, text: &str) -> VecDeque<Step> {
    let first = split_in(text, 2).first().copied().unwrap_or("");
    VecDeque::from([
        message_start(msg),
        block_start(0, empty_text()),
        ping(),
        text_delta(0, first),
        Step::Abort,
    ])
}

/// A 200 event stream whose data lines are not JSON.
pub(crate) fn malformed_steps() -> VecDeque<Step> {
    VecDeque::from([
        Step::Frame(Bytes::from_static(
            b"event: message_start\ndata: {this is not json\n\n",
        )),
        Step::Frame(Bytes::from_static(
            b"event: content_block_delta\ndata: ]]garbage[[\n\n",
        )),
    ])
}

struct BodyState {
    steps: VecDeque<Step>,
    shutdown: watch::Receiver<bool>,
}

fn aborted(why: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::ConnectionAborted, why)
}

/// Turns steps into a lazily produced body: a step is produced only when the client is ready for
/// it, so slow readers are backpressured. An `Err` item makes hyper drop the connection.
pub(crate) fn body_stream(
    steps: VecDeque<Step>,
    shutdown: watch::Receiver<bool>,
) -> impl Stream<Item = Result<Bytes, io::Error>> + Send + 'static {
    futures_util::stream::unfold(BodyState { steps, shutdown }, |mut st| async move {
        loop {
            if *st.shutdown.borrow() && !st.steps.is_empty() {
                st.steps.clear();
                return Some((Err(aborted("mock server shut down")), st));
            }
            match st.steps.pop_front()? {
                Step::Frame(bytes) => return Some((Ok(bytes), st)),
                Step::Sleep(d) => {
                    let stop = tokio::select! {
                        () = tokio::time::sleep(d) => false,
                        _ = st.shutdown.wait_for(|s| *s) => true,
                    };
                    if stop {
                        st.steps.clear();
                        return Some((Err(aborted("mock server shut down")), st));
                    }
                }
                Step::Huge {
                    index,
                    offset,
                    total,
                } => {
                    let len = HUGE_TEXT_DELTA_BYTES.min(total - offset);
                    if offset + len < total {
                        st.steps.push_front(Step::Huge {
                            index,
                            offset: offset + len,
                            total,
                        });
                    }
                    if len == 0 {
                        continue;
                    }
                    let text = huge_text_slice(offset, len);
                    if let Step::Frame(bytes) = text_delta(index, &text) {
                        return Some((Ok(bytes), st));
                    }
                }
                Step::Abort => {
                    // Hyper buffers writes and drops its buffer when the body fails: return
                    // Pending once so that it flushes what was sent so far, then fail.
                    tokio::task::yield_now().await;
                    st.steps.clear();
                    return Some((Err(aborted("mock stream cut")), st));
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_in_keeps_all_text_at_char_boundaries() {
        let s = "héllo wörld ☃☃";
        for parts in 1..8 {
            let pieces = split_in(s, parts);
            assert_eq!(pieces.concat(), s);
            assert!(pieces.iter().all(|p| !p.is_empty()));
        }
        assert!(split_in("", 3).is_empty());
    }

    #[test]
    fn tool_stop_reason_and_usage_defaults() {
        let m = message(
            "m",
            vec![Block::ToolUse {
                name: "Bash".into(),
                input: serde_json::json!({"command": "x"}),
            }],
            Duration::ZERO,
            None,
            None,
        );
        assert_eq!(m.stop_reason, "tool_use");
        assert_eq!(m.input_tokens, super::super::reply::DEFAULT_INPUT_TOKENS);
        assert!(m.output_tokens >= 1);
        assert!(m.id.starts_with("msg_mock_") && m.id.len() == "msg_mock_".len() + 16);
    }
}
