//! The facade records into a session store and continues stored sessions — real CLI, mock API.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use claude_sdk::session::{EntryKind, ListQuery, MemoryStore, NewSession, SharedStore};
use claude_sdk::{Client, Event, Options};
use claude_sdk_testing::{CliTestEnv, Reply, Script};

fn client(env: &CliTestEnv, store: &SharedStore) -> Client {
    let mut o = Options::new().cwd(env.project_dir());
    for (k, v) in env.env() {
        o = o.env(k, v);
    }
    Client::builder()
        .cli_path(&env.cli)
        .cli_max_retries(0)
        .options(o)
        .shared_store(store.clone())
        .build()
        .unwrap()
}

/// The mock answers with how many user prompts it has seen in the request's history.
fn counting_script() -> Script {
    Script::from_fn(|req| Reply::text(format!("seen {}", req.user_texts().len())))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stored_session_continues_from_a_fresh_client() {
    let Some(env) = CliTestEnv::start(counting_script()).await else {
        return;
    };
    let store: SharedStore = Arc::new(MemoryStore::new());
    let id = {
        let c = client(&env, &store);
        let meta = c.new_session(NewSession::new().tag("t1")).await.unwrap();
        let first = c.query_in(meta.id, "my name is Ada").await.unwrap();
        assert_eq!(first.text, "seen 1");
        meta.id
    };
    // A new client knows nothing but the store: the turn resumes the CLI session.
    let c = client(&env, &store);
    let second = c.query_in(id, "what is my name?").await.unwrap();
    assert_eq!(second.text, "seen 2", "the CLI resumed the conversation");
    let last = env.mock.requests().into_iter().last().unwrap();
    let texts = last.user_texts();
    assert!(
        texts.iter().any(|t| t.contains("my name is Ada")),
        "{texts:?}"
    );

    let session = store.load(id).await.unwrap();
    assert_eq!(session.meta.totals.turns, 2);
    assert!(session.meta.cli_session_id.is_some());
    assert_eq!(
        Some(second.session_id.as_str()),
        session.meta.cli_session_id.as_deref()
    );
    let prompts: Vec<&str> = session
        .transcript
        .iter()
        .filter_map(|e| match &e.kind {
            EntryKind::Prompt { text } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(prompts, ["my name is Ada", "what is my name?"]);
    let answers = session
        .transcript
        .iter()
        .filter(|e| matches!(&e.kind, EntryKind::Event(ev) if matches!(**ev, Event::Assistant(_))))
        .count();
    assert_eq!(answers, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_stream_and_conversation_record_automatically() {
    let Some(env) = CliTestEnv::start(counting_script()).await else {
        return;
    };
    let store: SharedStore = Arc::new(MemoryStore::new());
    let c = client(&env, &store);

    let out = c.query("first line\nsecond line").await.unwrap();
    assert_eq!(out.text, "seen 1");

    let mut s = c.stream("streamed").await.unwrap();
    let mut deltas = 0;
    while let Some(ev) = s.next_event().await {
        if ev.unwrap().text_delta().is_some() {
            deltas += 1;
        }
    }
    assert!(deltas > 0);

    let chat = c.connect().await.unwrap();
    let chat_id = chat.session_id().expect("recorded conversation");
    assert_eq!(chat.query("one").await.unwrap().text, "seen 1");
    assert_eq!(chat.query("two").await.unwrap().text, "seen 2");
    chat.close().await.unwrap();

    let page = store.list(ListQuery::new()).await.unwrap();
    assert_eq!(page.total, 3);
    let query_session = page
        .items
        .iter()
        .find(|m| m.title.as_deref() == Some("first line"))
        .expect("the one-shot query is recorded with its first line as title");
    assert_eq!(query_session.totals.turns, 1);
    // The stream is recorded in the background; partial deltas are not kept by default.
    let chat_meta = store.meta(chat_id).await.unwrap();
    assert_eq!(chat_meta.totals.turns, 2);
    assert_eq!(
        chat_meta.cwd.as_deref(),
        Some(env.project_dir().display().to_string().as_str())
    );
    let chat_session = store.load(chat_id).await.unwrap();
    assert!(chat_session.transcript.iter().all(
        |e| !matches!(&e.kind, EntryKind::Event(ev) if matches!(**ev, Event::StreamEvent(_)))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_in_an_unknown_session_is_not_found_and_runs_nothing() {
    let Some(env) = CliTestEnv::start(counting_script()).await else {
        return;
    };
    let store: SharedStore = Arc::new(MemoryStore::new());
    let c = client(&env, &store);
    let e = c
        .query_in(claude_sdk::session::SessionId::new(), "hi")
        .await
        .unwrap_err();
    assert_eq!(e.code(), claude_sdk::ErrorCode::NotFound);
    assert!(env.mock.requests().is_empty(), "no CLI was started");
}
