//! One live CLI process speaking stream-json: a reader task that routes stdout lines (events to
//! the consumer through a bounded channel, control responses to their waiters, control requests
//! to the handler), a writer task that owns stdin, and the registry of our pending control
//! requests. The reader never waits on the writer: answers go through the writer's channel.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use claude_sdk_core::message::{ControlRequest, ControlRequestMessage, ControlResponse, Message};
use claude_sdk_core::{Error, ErrorCode, Event, Result};
use claude_sdk_stream::{LineReader, ReadLineError};
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;
use tokio::process::{ChildStdin, ChildStdout};

use tokio::sync::mpsc::error::TrySendError;
use tokio::sync::{Notify, mpsc, oneshot};

use crate::control::{ControlError, ControlHandler};
use crate::process::{ProcessGroup, ProcessHandle, describe_status};
use crate::redact::Redactor;

type Pending = Arc<Mutex<HashMap<String, oneshot::Sender<Result<Value>>>>>;
/// The CLI's requests we are answering, by id: a `control_cancel_request` aborts one.
type InFlight = Arc<Mutex<HashMap<String, tokio::task::AbortHandle>>>;

enum WriterCmd {
    Line(Bytes),
    Close,
}

/// What errors about this process should say.
#[derive(Debug, Clone)]
pub(crate) struct ErrorScope {
    pub command: String,
    pub model: Option<String>,
    pub redactor: Redactor,
}

impl ErrorScope {
    /// Adds backend, model and command context.
    pub fn decorate(&self, mut err: Error) -> Error {
        let ctx = err.context_mut();
        ctx.backend.get_or_insert_with(|| "cli".into());
        if ctx.model.is_none() {
            ctx.model.clone_from(&self.model);
        }
        ctx.command.get_or_insert_with(|| self.command.clone());
        err
    }

    /// Adds exit status and stderr tail too.
    pub fn decorate_with_process(&self, err: Error, process: &ProcessHandle) -> Error {
        let mut err = self.decorate(err);
        if let Some(status) = process.try_status() {
            err = err.with_exit_status(describe_status(Some(status)));
        }
        err.with_stderr_tail(self.redactor.redact(&process.stderr_tail()))
    }
}

/// A running CLI process and its plumbing.
pub(crate) struct Connection {
    process: ProcessGroup,
    writer: mpsc::Sender<WriterCmd>,
    pending: Pending,
    pending_added: Arc<Notify>,
    next_id: AtomicU64,
    pub scope: ErrorScope,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("pid", &self.process.handle().pid())
            .finish_non_exhaustive()
    }
}

impl Connection {
    /// Starts the reader and writer tasks over a spawned process. Events go to `events`.
    pub fn start(
        process: ProcessGroup,
        stdin: ChildStdin,
        stdout: ChildStdout,
        max_line: usize,
        events: mpsc::Sender<Result<Event>>,
        handler: Arc<dyn ControlHandler>,
        scope: ErrorScope,
    ) -> Connection {
        let (writer_tx, writer_rx) = mpsc::channel(64);
        tokio::spawn(write_loop(stdin, writer_rx));
        let pending: Pending = Arc::default();
        let pending_added = Arc::new(Notify::new());
        let reader = Reader {
            process: process.handle().clone(),
            pending: pending.clone(),
            pending_added: pending_added.clone(),
            writer: writer_tx.clone(),
            events,
            handler,
            in_flight: InFlight::default(),
            scope: scope.clone(),
        };
        tokio::spawn(reader.run(stdout, max_line));
        Connection {
            process,
            writer: writer_tx,
            pending,
            pending_added,
            next_id: AtomicU64::new(1),
            scope,
        }
    }

    pub fn process(&self) -> &ProcessHandle {
        self.process.handle()
    }

    /// Writes one JSON line to stdin.
    pub async fn write_json(&self, value: &Value) -> Result<()> {
        let mut line = serde_json::to_vec(value)
            .map_err(|e| Error::protocol(format!("cannot encode a message: {e}")))?;
        line.push(b'\n');
        self.writer
            .send(WriterCmd::Line(Bytes::from(line)))
            .await
            .map_err(|_| self.process_gone("the CLI's stdin is closed"))
    }

    /// Sends a control request and waits for its answer.
    pub async fn request(&self, request: ControlRequest, timeout: Duration) -> Result<Value> {
        let subtype = request.subtype().to_owned();
        let n = self.next_id.fetch_add(1, Ordering::Relaxed);
        let id = format!("req_{n}_{:08x}", std::process::id() ^ (nanos() as u32));
        let (tx, rx) = oneshot::channel();
        if let Ok(mut p) = self.pending.lock() {
            p.insert(id.clone(), tx);
        }
        // Wake a reader held up by a slow consumer: it must read on to find our answer.
        self.pending_added.notify_one();
        let msg = Message::ControlRequest(ControlRequestMessage {
            request_id: id.clone(),
            request,
            extra: Default::default(),
        });
        let value = serde_json::to_value(&msg).map_err(|e| Error::protocol(e.to_string()))?;
        self.write_json(&value).await?;
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(answer)) => answer,
            Ok(Err(_)) => {
                Err(self.process_gone(&format!("the CLI ended before answering `{subtype}`")))
            }
            Err(_) => {
                if let Ok(mut p) = self.pending.lock() {
                    p.remove(&id);
                }
                Err(self.scope.decorate(Error::new(
                    ErrorCode::Timeout,
                    format!(
                        "control request `{subtype}` got no answer within {:.1}s",
                        timeout.as_secs_f64()
                    ),
                )))
            }
        }
    }

    #[cfg(test)]
    fn has_pending_for_test(&self) -> bool {
        self.pending.lock().is_ok_and(|p| !p.is_empty())
    }

    /// Closes stdin: the CLI finishes queued turns and exits.
    pub async fn close_stdin(&self) {
        let _ = self.writer.send(WriterCmd::Close).await;
    }

    /// Closes stdin and waits up to `timeout` for a clean exit, then kills the group.
    pub async fn shutdown(&self, timeout: Duration) -> Option<std::process::ExitStatus> {
        self.close_stdin().await;
        match tokio::time::timeout(timeout, self.process().wait()).await {
            Ok(status) => status,
            Err(_) => {
                self.process().kill();
                self.process().wait().await
            }
        }
    }

    fn process_gone(&self, what: &str) -> Error {
        self.scope.decorate_with_process(
            Error::new(ErrorCode::Process, what.to_owned()),
            self.process(),
        )
    }
}

fn nanos() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

async fn write_loop(mut stdin: ChildStdin, mut rx: mpsc::Receiver<WriterCmd>) {
    while let Some(cmd) = rx.recv().await {
        match cmd {
            WriterCmd::Line(bytes) => {
                if let Err(e) = stdin.write_all(&bytes).await {
                    tracing::debug!("writing to the CLI's stdin failed: {e}");
                    break;
                }
                if stdin.flush().await.is_err() {
                    break;
                }
            }
            WriterCmd::Close => break,
        }
    }
    // Dropping stdin sends EOF.
}

struct Reader {
    process: ProcessHandle,
    pending: Pending,
    pending_added: Arc<Notify>,
    writer: mpsc::Sender<WriterCmd>,
    events: mpsc::Sender<Result<Event>>,
    handler: Arc<dyn ControlHandler>,
    in_flight: InFlight,
    scope: ErrorScope,
}

impl Reader {
    /// Reads stdout until EOF or a fatal error.
    ///
    /// Backpressure: events wait in `backlog` for room in the bounded channel. With a backlog and
    /// none of our control requests pending, we stop reading (the pipe fills, the CLI waits). While
    /// one of ours is pending we read on past the backlog — its answer may be behind the events a
    /// slow consumer has not taken yet, and waiting for it must never deadlock.
    async fn run(self, stdout: ChildStdout, max_line: usize) {
        let mut lines = LineReader::new(stdout, max_line);
        let mut backlog: VecDeque<Event> = VecDeque::new();
        let fatal: Option<Error> = loop {
            self.flush(&mut backlog);
            if !backlog.is_empty() && !self.has_pending() {
                tokio::select! {
                    permit = self.events.reserve() => match permit {
                        Ok(p) => {
                            if let Some(ev) = backlog.pop_front() {
                                p.send(Ok(ev));
                            }
                        }
                        // Nobody listens any more; keep draining so the CLI never blocks.
                        Err(_) => backlog.clear(),
                    },
                    () = self.pending_added.notified() => {}
                }
                continue;
            }
            let line = match lines.next_line_ref().await {
                Ok(Some(line)) => line,
                Ok(None) => break None,
                Err(ReadLineError::Frame(e)) => {
                    break Some(Error::protocol(format!(
                        "{e} on the CLI's stdout (raise CliConfig::max_line_bytes to accept it)"
                    )));
                }
                Err(ReadLineError::Io(e)) => break Some(Error::io("reading the CLI's stdout", e)),
            };
            if line.first() != Some(&b'{') {
                tracing::debug!(
                    "skipping a non-JSON stdout line: {}",
                    String::from_utf8_lossy(&line[..line.len().min(200)])
                );
                continue;
            }
            let msg = match Message::from_slice(line) {
                Ok(m) => m,
                Err(e) => {
                    break Some(Error::protocol(format!(
                        "the CLI printed invalid JSON: {e}"
                    )));
                }
            };
            match msg {
                Message::ControlResponse(r) => self.resolve(r.response),
                Message::ControlRequest(r) => self.answer(r),
                Message::ControlCancelRequest(c) => {
                    // The CLI no longer waits for this answer: stop the work, send nothing.
                    let task = self
                        .in_flight
                        .lock()
                        .ok()
                        .and_then(|mut m| m.remove(&c.request_id));
                    tracing::debug!(
                        "the CLI cancelled its control request {} (running: {})",
                        c.request_id,
                        task.is_some()
                    );
                    if let Some(task) = task {
                        task.abort();
                    }
                }
                other => backlog.extend(Event::from_message(other)),
            }
        };
        for ev in backlog {
            if self.events.send(Ok(ev)).await.is_err() {
                break;
            }
        }
        let err = match fatal {
            Some(e) => {
                // We cannot trust the stream any more: stop the process.
                self.process.kill();
                let _ = self.process.wait().await;
                self.scope.decorate_with_process(e, &self.process)
            }
            None => {
                let status = self.process.wait().await;
                let stderr = self.process.stderr_tail();
                let code = classify_stderr(&stderr);
                let msg = format!(
                    "the CLI exited ({}) without finishing the turn",
                    describe_status(status)
                );
                let msg = match stderr.lines().rev().find(|l| !l.trim().is_empty()) {
                    Some(last) => format!("{msg}: {}", self.scope.redactor.redact(last.trim())),
                    None => msg,
                };
                self.scope
                    .decorate_with_process(Error::new(code, msg), &self.process)
            }
        };
        // Fail our pending control requests.
        let waiters: Vec<_> = match self.pending.lock() {
            Ok(mut p) => p.drain().map(|(_, tx)| tx).collect(),
            Err(_) => Vec::new(),
        };
        for tx in waiters {
            let _ = tx.send(Err(err.duplicate()));
        }
        let _ = self.events.send(Err(err)).await;
    }

    /// Moves backlog events into the channel while it has room.
    fn flush(&self, backlog: &mut VecDeque<Event>) {
        while let Some(ev) = backlog.pop_front() {
            match self.events.try_send(Ok(ev)) {
                Ok(()) => {}
                Err(TrySendError::Full(Ok(ev))) => {
                    backlog.push_front(ev);
                    return;
                }
                Err(TrySendError::Full(Err(_))) => return,
                Err(TrySendError::Closed(_)) => {
                    backlog.clear();
                    return;
                }
            }
        }
    }

    fn has_pending(&self) -> bool {
        self.pending.lock().is_ok_and(|p| !p.is_empty())
    }

    fn resolve(&self, response: ControlResponse) {
        let Some(id) = response.request_id() else {
            tracing::debug!("control response without request_id");
            return;
        };
        let tx = self.pending.lock().ok().and_then(|mut p| p.remove(id));
        let Some(tx) = tx else {
            tracing::debug!("control response for unknown request {id}");
            return;
        };
        let result = match response {
            ControlResponse::Success { response, .. } => Ok(response.unwrap_or(Value::Null)),
            ControlResponse::Error {
                error, error_code, ..
            } => {
                let code = match error_code.as_deref() {
                    Some("unsupported_request") => ErrorCode::Protocol,
                    _ => ErrorCode::Execution,
                };
                Err(self.scope.decorate(Error::new(
                    code,
                    format!("the CLI refused the request: {error}"),
                )))
            }
            ControlResponse::Other(v) => Err(self
                .scope
                .decorate(Error::protocol(format!("unexpected control response: {v}")))),
        };
        let _ = tx.send(result);
    }

    fn answer(&self, msg: ControlRequestMessage) {
        let handler = self.handler.clone();
        let writer = self.writer.clone();
        let in_flight = self.in_flight.clone();
        let id = msg.request_id;
        let subtype = msg.request.subtype().to_owned();
        let fut = handler.handle(msg.request);
        // The handler runs on its own task: a panic there becomes an error answer, and a
        // `control_cancel_request` aborts it (registered before it can run, so a cancel that
        // arrives at once still finds it).
        let mut map = self.in_flight.lock().ok();
        let work = tokio::spawn(fut);
        if let Some(m) = map.as_mut() {
            m.insert(id.clone(), work.abort_handle());
        }
        drop(map);
        tokio::spawn(async move {
            let outcome = match work.await {
                Ok(r) => r,
                Err(e) if e.is_cancelled() => return,
                Err(e) => Err(ControlError::new(format!(
                    "the handler for `{subtype}` failed: {e}"
                ))),
            };
            // Answer only if the CLI did not withdraw the request meanwhile.
            let still_wanted = in_flight
                .lock()
                .map(|mut m| m.remove(&id).is_some())
                .unwrap_or(true);
            if !still_wanted {
                return;
            }
            let line = response_line(&id, outcome);
            if let Ok(mut bytes) = serde_json::to_vec(&line) {
                bytes.push(b'\n');
                let _ = writer.send(WriterCmd::Line(Bytes::from(bytes))).await;
            }
        });
    }
}

/// The `control_response` line answering request `id`.
fn response_line(id: &str, outcome: std::result::Result<Value, ControlError>) -> Value {
    let response = match outcome {
        Ok(v) => json!({"subtype": "success", "request_id": id, "response": v}),
        Err(e) => {
            let mut r = json!({"subtype": "error", "request_id": id, "error": e.message});
            if let (Some(code), Some(obj)) = (e.code, r.as_object_mut()) {
                obj.insert("error_code".into(), json!(code));
            }
            r
        }
    };
    json!({"type": "control_response", "response": response})
}

/// Picks a code from what the CLI wrote to stderr before dying.
fn classify_stderr(stderr: &str) -> ErrorCode {
    let s = stderr.to_ascii_lowercase();
    if s.contains("unknown option")
        || s.contains("invalid session id")
        || s.contains("already in use")
        || s.contains("requires --verbose")
    {
        ErrorCode::Config
    } else if s.contains("cannot be used with root") {
        ErrorCode::Permission
    } else if s.contains("error parsing streaming input") {
        ErrorCode::Protocol
    } else {
        ErrorCode::Process
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control::ControlRouter;
    use crate::control::permission::{PermissionRequest, PermissionResult};
    use crate::process::SpawnSpec;

    /// A fake CLI: `sh -c script` wired up like the real one.
    fn fake_cli(
        script: &str,
        router: ControlRouter,
    ) -> (Connection, mpsc::Receiver<Result<Event>>) {
        let args = vec!["-c".to_owned(), script.to_owned()];
        let (process, pipes) = ProcessGroup::spawn(SpawnSpec {
            program: std::path::Path::new("/bin/sh"),
            args: &args,
            env: &[],
            env_remove: &[],
            cwd: None,
            stderr_tail_bytes: 1024,
        })
        .unwrap();
        let (tx, rx) = mpsc::channel(16);
        let scope = ErrorScope {
            command: "sh".into(),
            model: None,
            redactor: Redactor::from_env(std::iter::empty()),
        };
        let conn = Connection::start(
            process,
            pipes.stdin,
            pipes.stdout,
            1 << 20,
            tx,
            Arc::new(router),
            scope,
        );
        (conn, rx)
    }

    /// The next `{"type": tag, …}` line the fake printed.
    async fn next_other(rx: &mut mpsc::Receiver<Result<Event>>, tag: &str) -> Value {
        while let Some(ev) = rx.recv().await {
            if let Ok(Event::Other(v)) = ev
                && v["type"] == tag
            {
                return v;
            }
        }
        panic!("the fake CLI ended without printing {tag}");
    }

    /// Prints `requests`, echoes the first answer back as `{"type":"echo","line":…}`, then at
    /// stdin EOF reports how many more lines it got as `{"type":"rest","lines":N}`.
    fn echo_script(requests: &[Value]) -> String {
        let mut s = String::new();
        for r in requests {
            s.push_str(&format!("printf '%s\\n' '{r}'\n"));
        }
        s.push_str("read -r line; printf '{\"type\":\"echo\",\"line\":%s}\\n' \"$line\"\n");
        s.push_str("n=$(wc -l); printf '{\"type\":\"rest\",\"lines\":%s}\\n' $n\n");
        s
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn unknown_cli_request_gets_exactly_one_error_answer() {
        let req = json!({"type":"control_request","request_id":"cli_1","request":{"subtype":"from_the_future","x":1}});
        let (conn, mut rx) = fake_cli(&echo_script(&[req]), ControlRouter::new());
        let echo = next_other(&mut rx, "echo").await;
        assert_eq!(
            echo["line"],
            json!({"type":"control_response","response":{"subtype":"error","request_id":"cli_1",
                "error":"Unsupported control request subtype: from_the_future","error_code":"unsupported_request"}})
        );
        conn.close_stdin().await;
        assert_eq!(next_other(&mut rx, "rest").await["lines"], 0);
        assert!(conn.process().wait().await.is_some_and(|s| s.success()));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_cancelled_request_is_aborted_and_not_answered() {
        let (started_tx, started_rx) = oneshot::channel::<()>();
        let (dropped_tx, dropped_rx) = oneshot::channel::<()>();
        let slots = Arc::new(Mutex::new(Some((started_tx, dropped_tx))));
        let router = ControlRouter::new().can_use_tool(move |_r: PermissionRequest| {
            let slot = slots.lock().ok().and_then(|mut g| g.take());
            async move {
                // `held` lives as long as this future: dropped (closing the channel) on abort.
                let held = slot.map(|(started, dropped)| {
                    let _ = started.send(());
                    dropped
                });
                let _held = held;
                std::future::pending::<PermissionResult>().await
            }
        });
        // The fake waits for our go (sent once the callback runs) before cancelling.
        let c1 = json!({"type":"control_request","request_id":"c1","request":{"subtype":"can_use_tool","tool_name":"Bash","input":{}}});
        let cancel = json!({"type":"control_cancel_request","request_id":"c1"});
        let c2 = json!({"type":"control_request","request_id":"c2","request":{"subtype":"other"}});
        let script = format!(
            "printf '%s\\n' '{c1}'\nread -r go\nprintf '%s\\n' '{cancel}'\n{}",
            echo_script(&[c2])
        );
        let (conn, mut rx) = fake_cli(&script, router);
        started_rx.await.unwrap();
        conn.write_json(&json!({"go": true})).await.unwrap();
        // The callback's future was dropped: the task was aborted.
        assert!(dropped_rx.await.is_err());
        let echo = next_other(&mut rx, "echo").await;
        assert_eq!(echo["line"]["response"]["request_id"], "c2");
        conn.close_stdin().await;
        assert_eq!(
            next_other(&mut rx, "rest").await["lines"],
            0,
            "c1 must get no answer"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn our_request_without_an_answer_is_a_timeout_error() {
        // A fake that reads stdin and never answers.
        let (conn, _rx) = fake_cli("cat > /dev/null", ControlRouter::new());
        let err = conn
            .request(
                ControlRequest::Interrupt {
                    extra: Default::default(),
                },
                Duration::from_millis(200),
            )
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::Timeout, "{err:#}");
        assert!(err.message().contains("`interrupt`"), "{err}");
        assert!(!conn.has_pending_for_test(), "the waiter must be removed");
        conn.process().kill();
    }

    #[test]
    fn stderr_classification() {
        assert_eq!(
            classify_stderr("error: unknown option '--bogus'"),
            ErrorCode::Config
        );
        assert_eq!(
            classify_stderr("Error: Session ID x is already in use."),
            ErrorCode::Config
        );
        assert_eq!(
            classify_stderr(
                "--dangerously-skip-permissions cannot be used with root/sudo privileges"
            ),
            ErrorCode::Permission
        );
        assert_eq!(classify_stderr("Segmentation fault"), ErrorCode::Process);
    }
}
