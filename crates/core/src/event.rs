//! What a backend yields: a stream of [`Event`]s ending in one `result`, which becomes an
//! [`Outcome`] (or an [`Error`] when the result says the turn failed).

use std::collections::BTreeMap;
use std::fmt;
use std::future::poll_fn;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use serde_json::Value;

use crate::error::{Error, ErrorCode, Result};
use crate::message::{
    AssistantMessage, Message, ModelUsage, PermissionDenial, ResultMessage, StreamEventMessage,
    SystemMessage, Usage, UserMessage,
};

/// One event of a response. Control messages never appear here: backends answer them.
/// Serializes to the same JSON as the CLI's line (`{"type":"assistant",…}`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Event {
    /// `system` (init, api_retry, status, …).
    System(SystemMessage),
    /// One content block of a model message.
    Assistant(AssistantMessage),
    /// Tool results and replays.
    User(UserMessage),
    /// A raw API event (partial messages).
    StreamEvent(StreamEventMessage),
    /// The end of the turn. Always the last event of a response stream.
    Result(ResultMessage),
    /// A message type this version does not know, verbatim.
    #[serde(untagged)]
    Other(Value),
}

impl Event {
    /// Converts a wire message; control messages return `None`.
    pub fn from_message(m: Message) -> Option<Event> {
        Some(match m {
            Message::System(s) => Event::System(s),
            Message::Assistant(a) => Event::Assistant(a),
            Message::User(u) => Event::User(u),
            Message::Result(r) => Event::Result(r),
            Message::StreamEvent(e) => Event::StreamEvent(e),
            Message::Unknown(v) => Event::Other(v),
            Message::ControlRequest(_)
            | Message::ControlResponse(_)
            | Message::ControlCancelRequest(_) => {
                return None;
            }
        })
    }

    /// The text of a streamed text delta (with partial messages on).
    pub fn text_delta(&self) -> Option<&str> {
        match self {
            Event::StreamEvent(e) => e.text_delta(),
            _ => None,
        }
    }

    /// The session id, when the event carries one.
    pub fn session_id(&self) -> Option<&str> {
        match self {
            Event::System(m) => m.session_id.as_deref(),
            Event::Assistant(m) => m.session_id.as_deref(),
            Event::User(m) => m.session_id.as_deref(),
            Event::StreamEvent(m) => m.session_id.as_deref(),
            Event::Result(m) => Some(&m.session_id),
            Event::Other(v) => v.get("session_id").and_then(Value::as_str),
        }
    }
}

/// The collected result of one turn.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Outcome {
    /// The final text.
    pub text: String,
    /// Structured output (with an output schema).
    pub structured_output: Option<Value>,
    /// Usage of this turn.
    pub usage: Usage,
    /// Cost of this turn in USD (per turn, not the CLI's per-process cumulative figure).
    pub cost_usd: Option<f64>,
    /// Per-model usage of this turn.
    pub model_usage: BTreeMap<String, ModelUsage>,
    /// The CLI session id (resume with it).
    pub session_id: String,
    /// API stop reason.
    pub stop_reason: Option<String>,
    /// Wall time of the turn as the CLI measured it.
    pub duration_ms: u64,
    /// API round trips.
    pub num_turns: u32,
    /// Tool calls that were denied.
    pub permission_denials: Vec<PermissionDenial>,
    /// The raw result message.
    pub result: ResultMessage,
}

impl Outcome {
    /// Turns a result into an outcome, or into the error it reports (`is_error`).
    pub fn from_result(result: ResultMessage) -> Result<Outcome> {
        if result.is_error {
            return Err(result_error(&result));
        }
        let model_usage = match &result.model_usage_since_last_result {
            Some(m) if !m.is_empty() => m.clone(),
            _ => result.model_usage.clone(),
        };
        Ok(Outcome {
            text: result.result.clone().unwrap_or_default(),
            structured_output: result.structured_output.clone(),
            usage: result.usage.clone().unwrap_or_default(),
            cost_usd: result.turn_cost_usd(),
            model_usage,
            session_id: result.session_id.clone(),
            stop_reason: result.stop_reason.clone(),
            duration_ms: result.duration_ms,
            num_turns: result.num_turns,
            permission_denials: result.permission_denials.clone(),
            result,
        })
    }
}

/// The error an `is_error` result stands for.
pub fn result_error(r: &ResultMessage) -> Error {
    let code = if r.subtype == "error_max_turns" {
        ErrorCode::MaxTurns
    } else if r.subtype.starts_with("error_max_budget") {
        ErrorCode::MaxBudget
    } else if let Some(status) = r.api_error_status {
        ErrorCode::from_http_status(status)
    } else if r.api_error.is_some() || r.terminal_reason.as_deref() == Some("api_error") {
        ErrorCode::Api
    } else if r
        .terminal_reason
        .as_deref()
        .is_some_and(|t| t.starts_with("aborted"))
    {
        ErrorCode::Cancelled
    } else {
        ErrorCode::Execution
    };
    let mut err = Error::new(code, r.error_text());
    if !r.session_id.is_empty() {
        err = err.with_session_id(r.session_id.clone());
    }
    if let Some(s) = r.api_error_status {
        err = err.with_http_status(s);
    }
    err
}

/// A boxed stream of events.
pub type BoxEventStream = Pin<Box<dyn Stream<Item = Result<Event>> + Send + 'static>>;

/// The response of a backend: events as they arrive, the last one a [`Event::Result`].
/// Dropping it cancels the work underneath.
pub struct EventStream {
    inner: BoxEventStream,
}

impl fmt::Debug for EventStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventStream").finish_non_exhaustive()
    }
}

impl EventStream {
    /// Wraps a stream.
    pub fn new(stream: impl Stream<Item = Result<Event>> + Send + 'static) -> Self {
        EventStream {
            inner: Box::pin(stream),
        }
    }

    /// The next event.
    pub async fn next_event(&mut self) -> Option<Result<Event>> {
        poll_fn(|cx| self.inner.as_mut().poll_next(cx)).await
    }

    /// Drains the stream into the outcome of its result.
    pub async fn outcome(self) -> Result<Outcome> {
        self.collect().await.map(|(_, o)| o)
    }

    /// Drains the stream, keeping the events.
    pub async fn collect(mut self) -> Result<(Vec<Event>, Outcome)> {
        let mut events = Vec::new();
        while let Some(ev) = self.next_event().await {
            let ev = ev?;
            if let Event::Result(r) = &ev {
                let outcome = Outcome::from_result(r.clone())?;
                events.push(ev);
                return Ok((events, outcome));
            }
            events.push(ev);
        }
        Err(Error::protocol("the response ended without a result"))
    }
}

impl Stream for EventStream {
    type Item = Result<Event>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn result(json: &str) -> ResultMessage {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn error_results_map_to_codes() {
        let cases = [
            (
                r#"{"subtype":"success","is_error":true,"api_error_status":401,"result":"API Error: 401"}"#,
                ErrorCode::Auth,
            ),
            (
                r#"{"subtype":"success","is_error":true,"api_error_status":429,"result":"x"}"#,
                ErrorCode::RateLimit,
            ),
            (
                r#"{"subtype":"success","is_error":true,"api_error_status":529,"result":"x"}"#,
                ErrorCode::Overloaded,
            ),
            (
                r#"{"subtype":"success","is_error":true,"api_error_status":500,"result":"x"}"#,
                ErrorCode::Api,
            ),
            (
                r#"{"subtype":"success","is_error":true,"api_error":"connection_failed","result":"x"}"#,
                ErrorCode::Api,
            ),
            (
                r#"{"subtype":"error_max_turns","is_error":true,"errors":["Reached maximum number of turns (2)"]}"#,
                ErrorCode::MaxTurns,
            ),
            (
                r#"{"subtype":"error_max_budget_usd","is_error":true}"#,
                ErrorCode::MaxBudget,
            ),
            (
                r#"{"subtype":"error_during_execution","is_error":true,"terminal_reason":"aborted_streaming","errors":["x"]}"#,
                ErrorCode::Cancelled,
            ),
            (
                r#"{"subtype":"error_during_execution","is_error":true,"errors":["No conversation found"]}"#,
                ErrorCode::Execution,
            ),
        ];
        for (json, code) in cases {
            let e = Outcome::from_result(result(json)).unwrap_err();
            assert_eq!(e.code(), code, "{json}");
        }
        let e = Outcome::from_result(result(r#"{"subtype":"success","is_error":true,"api_error_status":500,"result":"API Error: 500 mock"}"#)).unwrap_err();
        assert_eq!(e.context().http_status, Some(500));
        assert!(e.is_retryable());
        assert_eq!(e.message(), "API Error: 500 mock");
    }

    #[test]
    fn success_outcome_uses_per_turn_cost() {
        let o = Outcome::from_result(result(
            r#"{"subtype":"success","is_error":false,"result":"hi","session_id":"s","total_cost_usd":0.5,
               "model_usage_since_last_result":{"m":{"inputTokens":1,"outputTokens":2,"costUSD":0.25}},
               "usage":{"input_tokens":1,"output_tokens":2}}"#,
        ))
        .unwrap();
        assert_eq!(o.text, "hi");
        assert_eq!(o.cost_usd, Some(0.25));
        assert_eq!(o.usage.output_tokens, 2);
        assert_eq!(o.session_id, "s");
    }
}
