//! [`MockServer`]: the HTTP server (axum on loopback) answering with a [`Script`].

use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::serve::ListenerExt;
use serde_json::json;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::record::RecordedRequest;
use super::reply::{Kind, MALFORMED_SSE_FALLBACK_TEXT, Reply};
use super::script::Script;
use super::sse;

/// Request bodies larger than this are rejected with `413`.
pub const MAX_REQUEST_BODY: usize = 256 * 1024 * 1024;

/// The reply text of [`Reply::echo`] when the request has no user text.
const ECHO_EMPTY: &str = "(no user text)";

/// A mock of the Anthropic Messages API on `127.0.0.1`, answering from a [`Script`].
///
/// * `POST /v1/messages` (any query, the CLI adds `?beta=true`): the next scripted [`Reply`], as SSE
///   when the body has `"stream": true`, else as one JSON message. A body that is not a JSON object
///   gets `400 invalid_request_error` and consumes no reply.
/// * `POST /v1/messages/count_tokens`: `{"input_tokens": <body bytes / 4>}`.
/// * anything else: `404` with an API error body.
///
/// Every response carries a `request-id: req_mock_<hex>` header. Every request is recorded
/// ([`requests`](Self::requests)), with secret headers redacted. Dropping the server stops it;
/// requests still hanging or streaming are then ended.
///
/// ```
/// use claude_sdk_testing::{MockServer, Reply, Script};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let server = MockServer::start(Script::new().then(Reply::text("hi"))).await?;
/// assert!(server.base_url().starts_with("http://127.0.0.1:"));
/// // point ANTHROPIC_BASE_URL at server.base_url() and run the client...
/// assert!(server.message_requests().is_empty());
/// server.shutdown().await;
/// # Ok(())
/// # }
/// ```
pub struct MockServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown_tx: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

struct Shared {
    state: Mutex<ServerState>,
    /// (all requests, message requests) received so far.
    counts: watch::Sender<(usize, usize)>,
    shutdown: watch::Receiver<bool>,
}

struct ServerState {
    requests: Vec<RecordedRequest>,
    script: Script,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, ServerState> {
        // A panicking `from_fn` closure runs outside the lock, so poisoning is not expected; recover anyway.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl fmt::Debug for MockServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (requests, message_requests) = *self.shared.counts.borrow();
        f.debug_struct("MockServer")
            .field("addr", &self.addr)
            .field("requests", &requests)
            .field("message_requests", &message_requests)
            .finish_non_exhaustive()
    }
}

impl MockServer {
    /// Starts a server on `127.0.0.1` with a free port.
    pub async fn start(script: Script) -> io::Result<MockServer> {
        Self::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), script).await
    }

    /// Starts a server on `addr` (port 0 picks a free port).
    pub async fn bind(addr: SocketAddr, script: Script) -> io::Result<MockServer> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let listener = listener.tap_io(|tcp| {
            if let Err(err) = tcp.set_nodelay(true) {
                tracing::trace!("mock api: set_nodelay failed: {err}");
            }
        });
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let shared = Arc::new(Shared {
            state: Mutex::new(ServerState {
                requests: Vec::new(),
                script,
            }),
            counts: watch::Sender::new((0, 0)),
            shutdown: shutdown_rx.clone(),
        });
        let app = Router::new()
            .fallback(handle)
            .with_state(Arc::clone(&shared));
        let mut signal = shutdown_rx;
        let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
            // Err means the sender is gone: shut down as well.
            let _ = signal.wait_for(|stop| *stop).await;
        });
        let task = tokio::spawn(async move {
            if let Err(err) = serve.await {
                tracing::warn!("mock api server stopped: {err}");
            }
        });
        tracing::debug!("mock api listening on http://{addr}");
        Ok(MockServer {
            addr,
            shared,
            shutdown_tx,
            task: Some(task),
        })
    }

    /// `"http://127.0.0.1:PORT"`, for `ANTHROPIC_BASE_URL`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every request received so far, in arrival order (including 404s).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.lock().requests.clone()
    }

    /// Only the `POST /v1/messages` requests, in arrival order.
    pub fn message_requests(&self) -> Vec<RecordedRequest> {
        self.shared
            .lock()
            .requests
            .iter()
            .filter(|r| r.is_messages())
            .cloned()
            .collect()
    }

    /// Replaces the script; the next request uses the new one.
    pub fn set_script(&self, script: Script) {
        self.shared.lock().script = script;
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        self.shared.lock().requests.clear();
    }

    /// Waits until at least `n` requests (of any kind) have been received.
    ///
    /// A request counts as soon as it is recorded, before it is answered.
    pub async fn wait_for_requests(&self, n: usize) {
        let mut rx = self.shared.counts.subscribe();
        // The sender lives in `self.shared`, so this cannot fail while `self` is borrowed.
        let _ = rx.wait_for(|(all, _)| *all >= n).await;
    }

    /// Waits until at least `n` `POST /v1/messages` requests have been received.
    pub async fn wait_for_message_requests(&self, n: usize) {
        let mut rx = self.shared.counts.subscribe();
        let _ = rx.wait_for(|(_, messages)| *messages >= n).await;
    }

    /// Stops accepting connections, ends hanging and streaming responses, and waits for the
    /// server task to finish.
    pub async fn shutdown(mut self) {
        self.shutdown_tx.send_replace(true);
        if let Some(task) = self.task.take() {
            let abort = task.abort_handle();
            // Connections finish promptly once signalled; a client stuck mid-upload must not hang us.
            if tokio::time::timeout(std::time::Duration::from_secs(5), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.shutdown_tx.send_replace(true);
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

async fn handle(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let request_id = format!("req_mock_{}", sse::hex_id(24));
    let (parts, body) = req.into_parts();
    let (raw, too_large) = match axum::body::to_bytes(body, MAX_REQUEST_BODY).await {
        Ok(bytes) => (bytes, false),
        Err(err) => {
            tracing::debug!("mock api: reading request body failed: {err}");
            (bytes::Bytes::new(), true)
        }
    };
    let headers = parts
        .headers
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    let method = parts.method.as_str().to_owned();
    let path = parts.uri.path().to_owned();
    let query = parts.uri.query().map(str::to_owned);

    let (recorded, next) = {
        let mut state = shared.lock();
        let seq = state.requests.len();
        let recorded = RecordedRequest::received(method, path, query, headers, raw, seq);
        let next = (recorded.is_messages() && recorded.body.is_object() && !too_large)
            .then(|| state.script.next());
        state.requests.push(recorded.clone());
        shared.counts.send_modify(|(all, messages)| {
            *all += 1;
            if recorded.is_messages() {
                *messages += 1;
            }
        });
        (recorded, next)
    };

    let mut response = if too_large {
        error_response(
            413,
            "request_too_large",
            "Request exceeds the maximum allowed size",
        )
    } else if recorded.is_messages() {
        match next {
            Some(next) => {
                let reply = next.resolve(&recorded);
                render(reply, &recorded, shared.shutdown.clone()).await
            }
            None => error_response(
                400,
                "invalid_request_error",
                "request body must be a JSON object",
            ),
        }
    } else if recorded.method == "POST" && recorded.path == "/v1/messages/count_tokens" {
        let tokens = (recorded.raw_body().len() as u64).div_ceil(4).max(1);
        json_response(
            StatusCode::OK,
            json!({ "input_tokens": tokens }).to_string(),
        )
    } else {
        error_response(
            404,
            "not_found_error",
            &format!("Not found: {} {}", recorded.method, recorded.path),
        )
    };
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response
            .headers_mut()
            .insert(HeaderName::from_static("request-id"), value);
    }
    response
}

/// Renders one reply for one messages request.
async fn render(
    reply: Reply,
    req: &RecordedRequest,
    mut shutdown: watch::Receiver<bool>,
) -> Response {
    let model = req.model().unwrap_or("claude-mock").to_owned();
    let stream = req.is_stream();
    let Reply {
        kind,
        usage,
        retry_after,
        stop_reason,
    } = reply;
    let msg = |blocks, delay| sse::message(&model, blocks, delay, usage, stop_reason.clone());
    let text = |t: String| vec![super::reply::Block::Text(vec![t])];
    let mut response = match kind {
        Kind::Error {
            status,
            error_type,
            message,
        } => error_response(status, &error_type, &message),
        Kind::Hang => {
            // Err: the server is gone; answer anyway.
            let _ = shutdown.wait_for(|stop| *stop).await;
            error_response(503, "api_error", "mock server shut down")
        }
        Kind::Content { blocks, delay } => {
            let m = msg(blocks, delay);
            if stream {
                sse_response(sse::message_steps(&m), shutdown)
            } else {
                json_response(StatusCode::OK, sse::message_json(&m))
            }
        }
        Kind::Echo => {
            let t = req
                .last_user_text()
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| ECHO_EMPTY.to_owned());
            let m = msg(text(t), std::time::Duration::ZERO);
            if stream {
                sse_response(sse::message_steps(&m), shutdown)
            } else {
                json_response(StatusCode::OK, sse::message_json(&m))
            }
        }
        Kind::MalformedSse => {
            if stream {
                sse_response(sse::malformed_steps(), shutdown)
            } else {
                let m = msg(
                    text(MALFORMED_SSE_FALLBACK_TEXT.to_owned()),
                    std::time::Duration::ZERO,
                );
                json_response(StatusCode::OK, sse::message_json(&m))
            }
        }
        Kind::CutAfterFirstDelta(t) => {
            let m = msg(text(t.clone()), std::time::Duration::ZERO);
            if stream {
                sse_response(sse::cut_steps(&m, &t), shutdown)
            } else {
                json_response(StatusCode::OK, sse::message_json(&m))
            }
        }
    };
    if let Some(secs) = retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}

fn sse_response(
    steps: std::collections::VecDeque<sse::Step>,
    shutdown: watch::Receiver<bool>,
) -> Response {
    let mut response = Response::new(Body::from_stream(sse::body_stream(steps, shutdown)));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

fn json_response(status: StatusCode, body: String) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// `status` with `{"type":"error","error":{"type":..,"message":..}}`; an invalid status becomes 500.
fn error_response(status: u16, error_type: &str, message: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    json_response(
        status,
        serde_json::to_string(&ErrorBody {
            kind: "error",
            error: ErrorDetail {
                kind: error_type,
                message,
            },
        })
        .unwrap_or_default(),
    )
}

/// The API error shape, `"type"` first like the real API.
#[derive(serde::Serialize)]
struct ErrorBody<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    error: ErrorDetail<'a>,
}

#[derive(serde::Serialize)]
struct ErrorDetail<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    message: &'a str,
}
