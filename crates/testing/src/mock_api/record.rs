//! [`RecordedRequest`]: one HTTP request as the mock received it.

use bytes::Bytes;
use serde_json::Value;

/// Header names whose values are replaced by [`REDACTED`] before a request is recorded.
pub(crate) const SECRET_HEADERS: &[&str] = &[
    "x-api-key",
    "authorization",
    "proxy-authorization",
    "cookie",
];

/// The value recorded in place of a secret header (`x-api-key`, `authorization`, ...).
pub const REDACTED: &str = "<redacted>";

/// One HTTP request received by a [`MockServer`](super::MockServer), in arrival order.
///
/// Secret headers (`x-api-key`, `authorization`, `proxy-authorization`, `cookie`) are recorded as
/// `"<redacted>"`: keys are never stored.
///
/// ```
/// use claude_sdk_testing::RecordedRequest;
/// use serde_json::json;
///
/// let req = RecordedRequest::new("POST", "/v1/messages", Some("beta=true"), vec![], json!({
///     "model": "claude-test", "stream": true,
///     "messages": [{"role": "user", "content": [
///         {"type": "text", "text": "<system-reminder>ignore me</system-reminder>"},
///         {"type": "text", "text": "say hi"}]}]
/// }));
/// assert_eq!(req.model(), Some("claude-test"));
/// assert!(req.is_stream());
/// assert_eq!(req.last_user_text().as_deref(), Some("say hi"));
/// ```
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    /// HTTP method, e.g. `"POST"`.
    pub method: String,
    /// Path without the query string, e.g. `"/v1/messages"`.
    pub path: String,
    /// The raw query string without `?` (the CLI sends `beta=true`), if any.
    pub query: Option<String>,
    /// Headers in arrival order, names lower-case, secrets redacted.
    pub headers: Vec<(String, String)>,
    /// The body parsed as JSON; `Value::Null` when it is empty or not JSON (see [`raw_body`](Self::raw_body)).
    pub body: Value,
    /// The body bytes exactly as received.
    raw_body: Bytes,
    /// 0-based position among all requests this server received.
    seq: usize,
}

impl RecordedRequest {
    /// Builds a request by hand (handy for unit-testing a [`Script::from_fn`](super::Script::from_fn) closure).
    ///
    /// Header names are lower-cased and secret headers redacted, as for a received request.
    pub fn new(
        method: impl Into<String>,
        path: impl Into<String>,
        query: Option<&str>,
        headers: Vec<(String, String)>,
        body: Value,
    ) -> Self {
        let raw = if body.is_null() {
            Bytes::new()
        } else {
            Bytes::from(body.to_string())
        };
        Self {
            method: method.into(),
            path: path.into(),
            query: query.map(str::to_owned),
            headers: redact_headers(headers),
            body,
            raw_body: raw,
            seq: 0,
        }
    }

    pub(crate) fn received(
        method: String,
        path: String,
        query: Option<String>,
        headers: Vec<(String, String)>,
        raw_body: Bytes,
        seq: usize,
    ) -> Self {
        let body = if raw_body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&raw_body).unwrap_or(Value::Null)
        };
        Self {
            method,
            path,
            query,
            headers: redact_headers(headers),
            body,
            raw_body,
            seq,
        }
    }

    /// The body bytes exactly as received.
    pub fn raw_body(&self) -> &[u8] {
        &self.raw_body
    }

    /// 0-based position of this request among all requests the server received.
    pub fn seq(&self) -> usize {
        self.seq
    }

    /// `true` for `POST /v1/messages` (any query string).
    pub fn is_messages(&self) -> bool {
        self.method == "POST" && self.path == "/v1/messages"
    }

    /// The first header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// `body.model`.
    pub fn model(&self) -> Option<&str> {
        self.body.get("model").and_then(Value::as_str)
    }

    /// `body.stream == true`.
    pub fn is_stream(&self) -> bool {
        self.body.get("stream").and_then(Value::as_bool) == Some(true)
    }

    /// `body.messages`, or an empty slice.
    pub fn messages(&self) -> &[Value] {
        self.body
            .get("messages")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// The user's prompts in order: one entry per `role:"user"` message that has prompt text.
    ///
    /// The entry is the string content, or the message's text blocks joined with `"\n"`. Text blocks
    /// starting with `<system-reminder>` and `tool_result` blocks are skipped; `role:"system"` entries
    /// (which the CLI puts in `messages[]`) are ignored.
    pub fn user_texts(&self) -> Vec<String> {
        self.messages()
            .iter()
            .filter(|m| m.get("role").and_then(Value::as_str) == Some("user"))
            .filter_map(|m| user_message_text(m.get("content")?))
            .collect()
    }

    /// The last entry of [`user_texts`](Self::user_texts).
    pub fn last_user_text(&self) -> Option<String> {
        self.user_texts().pop()
    }

    /// Every `tool_result` block found in `role:"user"` messages, in order.
    pub fn tool_results(&self) -> Vec<Value> {
        self.messages()
            .iter()
            .filter(|m| m.get("role").and_then(Value::as_str) == Some("user"))
            .filter_map(|m| m.get("content").and_then(Value::as_array))
            .flatten()
            .filter(|b| b.get("type").and_then(Value::as_str) == Some("tool_result"))
            .cloned()
            .collect()
    }

    /// The text of every tool result (string content, or its text blocks joined with `"\n"`), in order.
    pub fn tool_result_texts(&self) -> Vec<String> {
        self.tool_results()
            .iter()
            .map(|b| match b.get("content") {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Array(blocks)) => join_text_blocks(blocks.iter(), |_| true),
                _ => String::new(),
            })
            .collect()
    }

    /// The system prompt: `body.system` as a string, or its text blocks joined with `"\n"`; empty if absent.
    pub fn system_text(&self) -> String {
        match self.body.get("system") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Array(blocks)) => join_text_blocks(blocks.iter(), |_| true),
            _ => String::new(),
        }
    }

    /// The names of the tools offered in `body.tools`.
    pub fn tool_names(&self) -> Vec<String> {
        self.body
            .get("tools")
            .and_then(Value::as_array)
            .map(|tools| {
                tools
                    .iter()
                    .filter_map(|t| t.get("name").and_then(Value::as_str))
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }
}

fn redact_headers(headers: Vec<(String, String)>) -> Vec<(String, String)> {
    headers
        .into_iter()
        .map(|(name, value)| {
            let name = name.to_ascii_lowercase();
            if SECRET_HEADERS.contains(&name.as_str()) {
                (name, REDACTED.to_owned())
            } else {
                (name, value)
            }
        })
        .collect()
}

fn is_system_reminder(text: &str) -> bool {
    text.trim_start().starts_with("<system-reminder>")
}

fn user_message_text(content: &Value) -> Option<String> {
    match content {
        Value::String(s) if !is_system_reminder(s) => Some(s.clone()),
        Value::Array(blocks) => {
            let mut has_text = false;
            let text = join_text_blocks(blocks.iter(), |t| {
                let keep = !is_system_reminder(t);
                has_text |= keep;
                keep
            });
            has_text.then_some(text)
        }
        _ => None,
    }
}

/// Joins the `text` of `type:"text"` blocks accepted by `keep` with `"\n"`.
fn join_text_blocks<'a>(
    blocks: impl Iterator<Item = &'a Value>,
    mut keep: impl FnMut(&str) -> bool,
) -> String {
    let mut out = String::new();
    let mut first = true;
    for block in blocks {
        if block.get("type").and_then(Value::as_str) != Some("text") {
            continue;
        }
        let Some(text) = block.get("text").and_then(Value::as_str) else {
            continue;
        };
        if !keep(text) {
            continue;
        }
        if !first {
            out.push('\n');
        }
        out.push_str(text);
        first = false;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn req(body: Value) -> RecordedRequest {
        RecordedRequest::new("POST", "/v1/messages", None, vec![], body)
    }

    #[test]
    fn user_texts_skip_reminders_tool_results_and_system_entries() {
        let r = req(json!({"messages": [
            {"role": "user", "content": "first"},
            {"role": "assistant", "content": [{"type": "text", "text": "answer"}]},
            {"role": "user", "content": [
                {"type": "text", "text": "  <system-reminder>x</system-reminder>"},
                {"type": "text", "text": "second"},
                {"type": "text", "text": "more"}]},
            {"role": "assistant", "content": [{"type": "tool_use", "id": "t", "name": "Bash", "input": {}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t", "content": "out"}]},
            {"role": "system", "content": [{"type": "text", "text": "# Environment"}]}
        ]}));
        assert_eq!(
            r.user_texts(),
            vec!["first".to_owned(), "second\nmore".to_owned()]
        );
        assert_eq!(r.last_user_text().as_deref(), Some("second\nmore"));
        assert_eq!(r.tool_results().len(), 1);
        assert_eq!(r.tool_result_texts(), vec!["out".to_owned()]);
    }

    #[test]
    fn secrets_are_redacted_and_header_lookup_ignores_case() {
        let r = RecordedRequest::new(
            "POST",
            "/v1/messages",
            None,
            vec![
                ("X-Api-Key".into(), "sk-secret".into()),
                ("Authorization".into(), "Bearer sk-secret".into()),
                ("Anthropic-Version".into(), "2023-06-01".into()),
            ],
            Value::Null,
        );
        assert_eq!(r.header("x-api-key"), Some(REDACTED));
        assert_eq!(r.header("AUTHORIZATION"), Some(REDACTED));
        assert_eq!(r.header("anthropic-version"), Some("2023-06-01"));
        assert!(!format!("{r:?}").contains("sk-secret"));
    }

    #[test]
    fn system_text_accepts_string_and_blocks() {
        assert_eq!(req(json!({"system": "s"})).system_text(), "s");
        let r =
            req(json!({"system": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}));
        assert_eq!(r.system_text(), "a\nb");
        assert_eq!(req(json!({})).system_text(), "");
    }
}
