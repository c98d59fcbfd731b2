//! [`Recorder`]: writes a conversation into a store as it happens — the prompt before it is sent,
//! then the events a backend yields, in batches, on a background task.

use std::pin::Pin;
use std::task::{Context, Poll};

use claude_sdk_core::{Error, Event, EventStream, Result, UserContent};
use futures_core::Stream;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::model::{SessionId, SessionMeta, TranscriptEntry};
use crate::store::SharedStore;

/// Records into one session of a store.
#[derive(Clone)]
pub struct Recorder {
    store: SharedStore,
    id: SessionId,
    partials: bool,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("id", &self.id)
            .field("partials", &self.partials)
            .finish_non_exhaustive()
    }
}

impl Recorder {
    /// Records into the session `id` (which must exist in `store`).
    pub fn new(store: SharedStore, id: SessionId) -> Self {
        Recorder {
            store,
            id,
            partials: false,
        }
    }

    /// Also records raw `stream_event`s (partial-message deltas). Off by default: the final
    /// `assistant` messages carry the same content, and deltas are most of the bytes.
    pub fn include_partials(mut self, yes: bool) -> Self {
        self.partials = yes;
        self
    }

    /// The session this records into.
    pub fn id(&self) -> SessionId {
        self.id
    }

    /// The store.
    pub fn store(&self) -> &SharedStore {
        &self.store
    }

    /// Stores the prompt (durably, before it is sent).
    pub async fn prompt(&self, prompt: &UserContent) -> Result<SessionMeta> {
        self.store
            .append(self.id, vec![TranscriptEntry::prompt(prompt.text())])
            .await
    }

    /// Wraps a stream: every event it yields is recorded. The [`Recording`] reports when all of
    /// them are stored (or the first storage error).
    pub fn record(&self, stream: EventStream) -> (EventStream, Recording) {
        let (tx, rx) = mpsc::unbounded_channel();
        let store = self.store.clone();
        let id = self.id;
        let handle = tokio::spawn(write_batches(store, id, rx));
        let tap = Tap {
            inner: stream,
            tx: Some(tx),
            partials: self.partials,
        };
        (EventStream::new(tap), Recording { handle })
    }
}

/// The background writer of one recorded stream.
#[derive(Debug)]
pub struct Recording {
    handle: JoinHandle<Result<Option<SessionMeta>>>,
}

impl Recording {
    /// Waits until every event the stream yielded is stored. Returns the session's metadata after
    /// the last append (`None` when there was nothing to store), or the first storage error. The
    /// stream must have ended or been dropped, or this waits for it.
    pub async fn finish(self) -> Result<Option<SessionMeta>> {
        match self.handle.await {
            Ok(r) => r,
            Err(e) => Err(Error::new(
                claude_sdk_core::ErrorCode::Storage,
                format!("session recorder task failed: {e}"),
            )),
        }
    }
}

async fn write_batches(
    store: SharedStore,
    id: SessionId,
    mut rx: mpsc::UnboundedReceiver<TranscriptEntry>,
) -> Result<Option<SessionMeta>> {
    let mut last = None;
    let mut first_error = None;
    while let Some(entry) = rx.recv().await {
        let mut batch = vec![entry];
        while let Ok(more) = rx.try_recv() {
            batch.push(more);
        }
        match store.append(id, batch).await {
            Ok(meta) => last = Some(meta),
            Err(e) => {
                tracing::error!(session = %id, error = %e, "recording into the session store failed");
                first_error.get_or_insert(e);
            }
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(last),
    }
}

struct Tap {
    inner: EventStream,
    tx: Option<mpsc::UnboundedSender<TranscriptEntry>>,
    partials: bool,
}

impl Stream for Tap {
    type Item = Result<Event>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        let item = std::task::ready!(Pin::new(&mut this.inner).poll_next(cx));
        match &item {
            Some(Ok(event)) => {
                let keep = this.partials || !matches!(event, Event::StreamEvent(_));
                if keep && let Some(tx) = &this.tx {
                    // The writer only stops when we drop the sender, so this cannot fail
                    // while the stream runs.
                    let _ = tx.send(TranscriptEntry::event(event.clone()));
                }
            }
            Some(Err(_)) => {}
            None => this.tx = None,
        }
        Poll::Ready(item)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use claude_sdk_core::Message;

    use super::*;
    use crate::{EntryKind, MemoryStore, NewSession};

    fn event(line: &str) -> Event {
        Event::from_message(Message::from_slice(line.as_bytes()).unwrap()).unwrap()
    }

    #[tokio::test]
    async fn records_prompt_and_events_but_not_partials() {
        let store: SharedStore = Arc::new(MemoryStore::new());
        let meta = store.create(NewSession::new()).await.unwrap();
        let rec = Recorder::new(store.clone(), meta.id);
        rec.prompt(&UserContent::from("hello")).await.unwrap();
        let events = vec![
            Ok(event(
                r#"{"type":"system","subtype":"init","session_id":"cli-1","model":"m1","cwd":"/p"}"#,
            )),
            Ok(event(
                r#"{"type":"stream_event","event":{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"hi"}},"session_id":"cli-1"}"#,
            )),
            Ok(event(
                r#"{"type":"assistant","message":{"role":"assistant","content":[{"type":"text","text":"hi there"}]},"session_id":"cli-1"}"#,
            )),
            Ok(event(
                r#"{"type":"result","subtype":"success","is_error":false,"result":"hi there","session_id":"cli-1","total_cost_usd":0.5,"usage":{"input_tokens":3,"output_tokens":4}}"#,
            )),
        ];
        let (mut s, recording) = rec.record(EventStream::new(futures_util::stream::iter(events)));
        let mut seen = 0;
        while let Some(e) = s.next_event().await {
            e.unwrap();
            seen += 1;
        }
        assert_eq!(seen, 4, "the stream passes every event through");
        let after = recording.finish().await.unwrap().unwrap();
        assert_eq!(after.entries, 4, "prompt + 3 events (the delta is skipped)");
        assert_eq!(after.cli_session_id.as_deref(), Some("cli-1"));
        assert_eq!(after.model.as_deref(), Some("m1"));
        assert_eq!(after.totals.turns, 1);
        assert_eq!(after.totals.output_tokens, 4);
        let session = store.load(meta.id).await.unwrap();
        assert!(
            matches!(&session.transcript[0].kind, EntryKind::Prompt { text } if text == "hello")
        );
        let seqs: Vec<u64> = session.transcript.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, vec![0, 1, 2, 3]);
    }

    #[tokio::test]
    async fn a_missing_session_is_reported_by_finish() {
        let store: SharedStore = Arc::new(MemoryStore::new());
        let rec = Recorder::new(store, SessionId::new());
        let events = vec![Ok(event(
            r#"{"type":"result","subtype":"success","session_id":"x"}"#,
        ))];
        let (s, recording) = rec.record(EventStream::new(futures_util::stream::iter(events)));
        s.outcome().await.unwrap();
        let e = recording.finish().await.unwrap_err();
        assert_eq!(e.code(), claude_sdk_core::ErrorCode::NotFound);
    }
}
