//! [`Script`]: the queue of replies a [`MockServer`](super::MockServer) answers with.

use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;

use super::record::RecordedRequest;
use super::reply::Reply;

type ReplyFn = dyn Fn(&RecordedRequest) -> Reply + Send + Sync + 'static;

/// What a [`MockServer`](super::MockServer) answers to each `POST /v1/messages` request.
///
/// Each request (streaming or not) takes the next reply of the FIFO queue ([`then`](Self::then));
/// once the queue is empty every request gets the fallback: [`otherwise`](Self::otherwise)
/// (default `Reply::text("ok")`) or the closure of [`from_fn`](Self::from_fn).
///
/// ```
/// use claude_sdk_testing::{Reply, Script};
///
/// let script = Script::new()
///     .then(Reply::error(529, "overloaded_error", "busy"))
///     .then(Reply::text("first"))
///     .otherwise(Reply::text("later"));
/// # let _ = script;
/// let _echo = Script::from_fn(|req| Reply::text(format!("you said {:?}", req.last_user_text())));
/// ```
#[derive(Clone)]
pub struct Script {
    queue: VecDeque<Reply>,
    fallback: Fallback,
}

#[derive(Clone)]
enum Fallback {
    Reply(Reply),
    Fn(Arc<ReplyFn>),
}

impl Default for Script {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Script {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Script");
        d.field("queue", &self.queue);
        match &self.fallback {
            Fallback::Reply(r) => d.field("otherwise", r),
            Fallback::Fn(_) => d.field("otherwise", &"<fn>"),
        };
        d.finish()
    }
}

impl Script {
    /// An empty queue; every request gets `Reply::text("ok")`.
    pub fn new() -> Self {
        Self::always(Reply::text("ok"))
    }

    /// Every request gets `reply`.
    pub fn always(reply: Reply) -> Self {
        Self {
            queue: VecDeque::new(),
            fallback: Fallback::Reply(reply),
        }
    }

    /// Queues `reply`: each request takes the next queued reply, in order.
    pub fn then(mut self, reply: Reply) -> Self {
        self.queue.push_back(reply);
        self
    }

    /// The reply used once the queue is empty (replaces any earlier fallback, including a closure).
    pub fn otherwise(mut self, reply: Reply) -> Self {
        self.fallback = Fallback::Reply(reply);
        self
    }

    /// Calls `f` for every request (once queued replies, if any, are used up).
    ///
    /// `f` runs outside the server's lock. If it panics, that request gets `500 api_error`.
    pub fn from_fn(f: impl Fn(&RecordedRequest) -> Reply + Send + Sync + 'static) -> Self {
        Self {
            queue: VecDeque::new(),
            fallback: Fallback::Fn(Arc::new(f)),
        }
    }

    /// How many queued replies are left.
    pub fn remaining(&self) -> usize {
        self.queue.len()
    }

    /// Takes the reply for the next request. A closure is returned unevaluated so that the caller
    /// can run it without holding a lock.
    pub(crate) fn next(&mut self) -> Next {
        match self.queue.pop_front() {
            Some(reply) => Next::Reply(reply),
            None => match &self.fallback {
                Fallback::Reply(reply) => Next::Reply(reply.clone()),
                Fallback::Fn(f) => Next::Fn(Arc::clone(f)),
            },
        }
    }
}

/// The next reply of a script, or the closure that computes it.
pub(crate) enum Next {
    Reply(Reply),
    Fn(Arc<ReplyFn>),
}

impl Next {
    /// The reply; a panicking closure becomes a `500 api_error` reply so the server keeps going
    /// (the panic message is still printed by the panic hook).
    pub(crate) fn resolve(self, req: &RecordedRequest) -> Reply {
        match self {
            Next::Reply(reply) => reply,
            Next::Fn(f) => std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(req)))
                .unwrap_or_else(|_| {
                    tracing::error!("mock api: Script::from_fn closure panicked");
                    Reply::error(500, "api_error", "mock script closure panicked")
                }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock_api::reply::Kind;
    use serde_json::Value;

    fn text_of(reply: &Reply) -> String {
        match &reply.kind {
            Kind::Content { blocks, .. } => format!("{blocks:?}"),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn queue_then_otherwise() {
        let req = RecordedRequest::new("POST", "/v1/messages", None, vec![], Value::Null);
        let mut s = Script::new()
            .then(Reply::text("a"))
            .then(Reply::text("b"))
            .otherwise(Reply::text("z"));
        assert_eq!(s.remaining(), 2);
        let got: Vec<String> = (0..4).map(|_| text_of(&s.next().resolve(&req))).collect();
        assert!(got[0].contains("\"a\""));
        assert!(got[1].contains("\"b\""));
        assert!(got[2].contains("\"z\""));
        assert!(got[3].contains("\"z\""));
    }

    #[test]
    fn default_is_ok_and_fn_follows_queue() {
        let req = RecordedRequest::new("POST", "/v1/messages", None, vec![], Value::Null);
        assert!(text_of(&Script::new().next().resolve(&req)).contains("\"ok\""));
        let mut s = Script::from_fn(|_| Reply::text("f")).then(Reply::text("q"));
        assert!(text_of(&s.next().resolve(&req)).contains("\"q\""));
        assert!(text_of(&s.next().resolve(&req)).contains("\"f\""));
        assert!(format!("{s:?}").contains("<fn>"));
    }
}
