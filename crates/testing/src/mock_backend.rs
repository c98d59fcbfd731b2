//! [`MockBackend`]: a backend without processes, for unit tests of code above the backend
//! (middleware, caches, sessions, apps). It implements the same `tower` service contract as the
//! real backends and records every request.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! use claude_sdk_core::Request;
//! use claude_sdk_testing::{MockBackend, MockTurn};
//! use tower_service::Service;
//!
//! let mut backend = MockBackend::new().then(MockTurn::text("hi")).then(MockTurn::api_error(529, "overloaded"));
//! let outcome = backend.call(Request::new("hello")).await.unwrap().outcome().await.unwrap();
//! assert_eq!(outcome.text, "hi");
//! let err = backend.call(Request::new("again")).await.unwrap().outcome().await.unwrap_err();
//! assert_eq!(err.code(), claude_sdk_core::ErrorCode::Overloaded);
//! assert_eq!(backend.requests().len(), 2);
//! # });
//! ```

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use claude_sdk_core::message::Message;
use claude_sdk_core::{Error, Event, EventStream, Request, Result};
use serde_json::{Value, json};

/// What one request gets.
#[derive(Debug, Clone)]
pub enum MockTurn {
    /// These events, in order (the last should be a result).
    Events(Vec<Event>),
    /// The backend call itself fails (e.g. the CLI is missing).
    Fail {
        /// Error code.
        code: claude_sdk_core::ErrorCode,
        /// Message.
        message: String,
    },
}

impl MockTurn {
    /// A successful turn answering `text`: init, one assistant block, a result with usage and cost.
    pub fn text(text: &str) -> Self {
        let session = "00000000-0000-4000-8000-000000000000";
        let init = json!({"type":"system","subtype":"init","session_id":session,"model":"mock-model","tools":[]});
        let assistant = json!({"type":"assistant","session_id":session,"parent_tool_use_id":null,
            "message":{"id":"msg_mock","model":"mock-model","role":"assistant","content":[{"type":"text","text":text}],
                       "stop_reason":null,"usage":{"input_tokens":10,"output_tokens":5}}});
        let result = json!({"type":"result","subtype":"success","is_error":false,"result":text,"session_id":session,
            "num_turns":1,"duration_ms":1,"duration_api_ms":1,"total_cost_usd":0.0001,"stop_reason":"end_turn",
            "usage":{"input_tokens":10,"output_tokens":5}});
        MockTurn::Events(
            [init, assistant, result]
                .into_iter()
                .filter_map(to_event)
                .collect(),
        )
    }

    /// A turn that ends with an API error result (`is_error`, `api_error_status`).
    pub fn api_error(status: u16, message: &str) -> Self {
        let result = json!({"type":"result","subtype":"success","is_error":true,"api_error_status":status,
            "result":format!("API Error: {status} {message}"),"session_id":"00000000-0000-4000-8000-000000000000",
            "terminal_reason":"api_error"});
        MockTurn::Events(to_event(result).into_iter().collect())
    }

    /// The call fails before any event.
    pub fn fail(code: claude_sdk_core::ErrorCode, message: &str) -> Self {
        MockTurn::Fail {
            code,
            message: message.to_owned(),
        }
    }

    /// Events from CLI-style JSON lines.
    pub fn from_lines(lines: &[&str]) -> Self {
        MockTurn::Events(
            lines
                .iter()
                .filter_map(|l| Message::from_slice(l.as_bytes()).ok())
                .filter_map(Event::from_message)
                .collect(),
        )
    }
}

fn to_event(v: Value) -> Option<Event> {
    serde_json::from_value::<Message>(v)
        .ok()
        .and_then(Event::from_message)
}

#[derive(Debug, Default)]
struct State {
    queue: VecDeque<MockTurn>,
    fallback: Option<MockTurn>,
    requests: Vec<Request>,
}

/// A scripted backend. Cheap to clone; clones share the script and the request log.
#[derive(Debug, Clone, Default)]
pub struct MockBackend {
    state: Arc<Mutex<State>>,
}

impl MockBackend {
    /// An empty script: every request gets `MockTurn::text("ok")`.
    pub fn new() -> Self {
        MockBackend::default()
    }

    /// Queues a turn for the next request.
    pub fn then(self, turn: MockTurn) -> Self {
        if let Ok(mut s) = self.state.lock() {
            s.queue.push_back(turn);
        }
        self
    }

    /// The turn used once the queue is empty.
    pub fn otherwise(self, turn: MockTurn) -> Self {
        if let Ok(mut s) = self.state.lock() {
            s.fallback = Some(turn);
        }
        self
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Request> {
        self.state
            .lock()
            .map(|s| s.requests.clone())
            .unwrap_or_default()
    }

    fn next_turn(&self, req: Request) -> MockTurn {
        let Ok(mut s) = self.state.lock() else {
            return MockTurn::text("ok");
        };
        s.requests.push(req);
        match s.queue.pop_front() {
            Some(t) => t,
            None => s.fallback.clone().unwrap_or_else(|| MockTurn::text("ok")),
        }
    }
}

impl tower_service::Service<Request> for MockBackend {
    type Response = EventStream;
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<EventStream>> + Send + 'static>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let turn = self.next_turn(req);
        Box::pin(async move {
            match turn {
                MockTurn::Fail { code, message } => {
                    Err(Error::new(code, message).with_backend("mock"))
                }
                MockTurn::Events(events) => Ok(EventStream::new(futures_util::stream::iter(
                    events.into_iter().map(Ok),
                ))),
            }
        })
    }
}
