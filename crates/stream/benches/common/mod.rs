//! Shared by the `parse` criterion bench and the `parse_measure` binary: the recorded fixture,
//! the frame-and-parse loop being measured, and the synthetic big line.

use claude_sdk_core::message::{Message, RawMessage};
use claude_sdk_stream::{DEFAULT_MAX_LINE_BYTES, LineFramer};
use serde_json::Value;

/// Recorded output of the real CLI (see `fixtures/README.md`).
pub const FIXTURE: &[u8] = include_bytes!("../fixtures/cli-session.ndjson");

/// Bytes handed to the framer at a time: what one `read` of a pipe returns at most.
pub const CHUNK: usize = 64 * 1024;

/// Splits `data` into lines (fed in `chunk`-byte pieces) and calls `each` on every line.
pub fn frame(
    data: &[u8],
    chunk: usize,
    mut each: impl FnMut(&[u8]) -> Result<(), String>,
) -> Result<(), String> {
    let mut framer = LineFramer::new(DEFAULT_MAX_LINE_BYTES);
    for piece in data.chunks(chunk.max(1)) {
        framer.feed(piece);
        while let Some(line) = framer.next_line_ref().map_err(|e| e.to_string())? {
            each(line)?;
        }
    }
    if let Some(line) = framer.finish().map_err(|e| e.to_string())? {
        each(&line)?;
    }
    Ok(())
}

/// Lines and typed messages seen, by `type`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Counts {
    /// Lines framed.
    pub lines: u64,
    /// Messages parsed into a known variant (not `Message::Unknown`).
    pub typed: u64,
    /// Messages kept as `Message::Unknown`.
    pub unknown: u64,
}

impl Counts {
    /// Counts one parsed message.
    pub fn add(&mut self, msg: &Message) {
        self.lines += 1;
        if matches!(msg, Message::Unknown(_)) {
            self.unknown += 1;
        } else {
            self.typed += 1;
        }
    }
}

/// Frames `data` and parses every line into a typed [`Message`] (what the CLI backend does with
/// the child's stdout), returning what it saw.
pub fn frame_and_parse(data: &[u8], chunk: usize) -> Result<Counts, String> {
    let mut counts = Counts::default();
    frame(data, chunk, |line| {
        let msg = Message::from_slice(line).map_err(|e| format!("unparsable line: {e}"))?;
        counts.add(std::hint::black_box(&msg));
        Ok(())
    })?;
    Ok(counts)
}

/// Frames `data` and checks and classifies every line as a [`RawMessage`] (valid JSON object,
/// top-level `type`/`subtype` read, the line kept; no typed parse): the lazy, pass-through path.
pub fn frame_and_classify(data: &[u8], chunk: usize) -> Result<Counts, String> {
    let mut counts = Counts::default();
    frame(data, chunk, |line| {
        let raw = RawMessage::from_slice(line).map_err(|e| format!("unparsable line: {e}"))?;
        counts.lines += 1;
        if std::hint::black_box(&raw).type_name().is_empty() {
            counts.unknown += 1;
        } else {
            counts.typed += 1;
        }
        Ok(())
    })?;
    Ok(counts)
}

/// One `assistant` line of about `target` bytes (newline excluded) whose single text block is the
/// fixture's longest assistant text repeated: markdown with newlines, quotes and non-ASCII, so
/// the JSON string has escapes, as a long answer or file dump does.
pub fn big_assistant_line(fixture: &[u8], target: usize) -> Result<Vec<u8>, String> {
    let (mut template, unit) = fixture
        .split(|b| *b == b'\n')
        .filter_map(|line| serde_json::from_slice::<Value>(line).ok())
        .filter(|v| v.get("type").and_then(Value::as_str) == Some("assistant"))
        .filter_map(|v| {
            let text = v
                .pointer("/message/content/0/text")
                .and_then(Value::as_str)?
                .to_owned();
            Some((v, text))
        })
        .max_by_key(|(_, text)| text.len())
        .ok_or("the fixture has no assistant line with a text block")?;
    let unit = format!("{unit}\n\n");
    let escaped = |s: &str| serde_json::to_string(s).map_or(0, |j| j.len().saturating_sub(2));
    let set_text = |template: &mut Value, text: String| -> Result<Vec<u8>, String> {
        let slot = template
            .pointer_mut("/message/content/0/text")
            .ok_or("the template line lost its text block")?;
        *slot = Value::String(text);
        serde_json::to_vec(&*template).map_err(|e| e.to_string())
    };
    let skeleton = set_text(&mut template, String::new())?.len();
    let unit_len = escaped(&unit).max(1);
    let mut text = unit.repeat(target.saturating_sub(skeleton) / unit_len);
    // Top up with a prefix of the unit (at a char boundary) to land close to the target.
    let mut missing = target.saturating_sub(skeleton + escaped(&text));
    for ch in unit.chars() {
        let w = escaped(ch.encode_utf8(&mut [0; 4]));
        if w > missing {
            break;
        }
        text.push(ch);
        missing -= w;
    }
    set_text(&mut template, text)
}
