//! `RedisStore` against a real `redis-server` (started by the test): the same results, in the
//! same order and with the same scores, as the reference `MemoryStore`; errors; isolation;
//! concurrent writers.
#![cfg(feature = "redis")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;

use claude_sdk_core::ErrorCode;
use claude_sdk_session::{
    ListQuery, MemoryStore, MetaPatch, NewSession, RedisStore, SearchQuery, SessionId,
    SessionStore, conformance,
};
use common::redis_server::{RedisServer, unique_prefix};
use common::{answer_at, prompt_at, result_at};

async fn store(server: &RedisServer, test: &str) -> RedisStore {
    RedisStore::connect(&server.url())
        .await
        .expect("connect")
        .with_prefix(unique_prefix(test))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis_store_passes_the_conformance_suite() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    // Each check gets an empty store: a fresh key prefix on the same server.
    conformance::run_all_async(|| store(&server, "conformance")).await;
}

/// Feeds both stores the same sessions (fixed ids and times) and checks every read agrees.
async fn feed<S: SessionStore>(s: &S, ids: &[SessionId]) {
    let words = [
        "rust lifetimes borrow checker",
        "python asyncio event loop",
        "rust async tokio runtime",
        "redis sorted sets and hashes",
        "lifetimes again: rust rust rust",
        "日本語のテキスト rust",
    ];
    for (i, id) in ids.iter().enumerate() {
        let i64 = i as u64;
        let mut new = NewSession::new()
            .id(*id)
            .created_at(1_000 + i64)
            .title(format!("session {i}"))
            .tag(if i % 2 == 0 { "even" } else { "odd" });
        if i % 3 == 0 {
            new = new.tag("three").model("claude-a").cwd("/w/a");
        }
        s.create(new).await.unwrap();
        let cli = format!("cli-{i}");
        s.append(
            *id,
            vec![
                prompt_at(words[i % words.len()], 2_000 + i64),
                answer_at(words[(i + 1) % words.len()], 2_001 + i64, &cli),
            ],
        )
        .await
        .unwrap();
        if i % 2 == 1 {
            // A second turn with a cost; equal `at`s make ties on updated_at (broken by id).
            s.append(
                *id,
                vec![
                    prompt_at("more rust please", 5_000),
                    result_at(5_000, 0.25 * i as f64, &cli),
                ],
            )
            .await
            .unwrap();
        }
    }
}

fn queries() -> Vec<SearchQuery> {
    vec![
        SearchQuery::new(),
        SearchQuery::new().text("rust"),
        SearchQuery::new().text("RUST lifetimes"),
        SearchQuery::new().text("rust").tag("odd"),
        SearchQuery::new().text("rust").limit(2).offset(1),
        SearchQuery::new().text("nothing-here"),
        SearchQuery::new().text("rust nothing"),
        SearchQuery::new().text("日本"),
        SearchQuery::new()
            .tag("three")
            .model("claude-a")
            .cwd("/w/a"),
        SearchQuery::new().cost_between(Some(0.5), None),
        SearchQuery::new()
            .cost_between(None, Some(0.3))
            .text("more"),
        SearchQuery::new().created_between(Some(1_002), Some(1_005)),
        SearchQuery::new().limit(3).offset(2),
        SearchQuery::new().offset(100),
        SearchQuery::new().text("tokio runtime"),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_agrees_with_the_memory_store() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let redis = store(&server, "agree").await;
    let memory = MemoryStore::new();
    let ids: Vec<SessionId> = (0..12).map(|_| SessionId::new()).collect();
    feed(&memory, &ids).await;
    feed(&redis, &ids).await;

    for id in &ids {
        assert_eq!(
            redis.load(*id).await.unwrap(),
            memory.load(*id).await.unwrap()
        );
    }
    for q in [
        ListQuery::new(),
        ListQuery::new().limit(5).offset(3),
        ListQuery::new().offset(50),
    ] {
        assert_eq!(
            redis.list(q.clone()).await.unwrap(),
            memory.list(q.clone()).await.unwrap(),
            "{q:?}"
        );
    }
    for q in queries() {
        let r = redis.search(q.clone()).await.unwrap();
        let m = memory.search(q.clone()).await.unwrap();
        assert_eq!(r, m, "{q:?}");
    }
    // Something was found at all (the comparison above is not vacuous).
    let hits = redis.search(SearchQuery::new().text("rust")).await.unwrap();
    assert!(hits.total >= 6, "{hits:?}");
    assert!(hits.items[0].score > 0.0);

    // Deleting unindexes: both agree again, and the term is gone for the deleted session.
    for id in ids.iter().step_by(3) {
        assert!(redis.delete(*id).await.unwrap());
        assert!(memory.delete(*id).await.unwrap());
        assert!(!redis.delete(*id).await.unwrap());
    }
    for q in queries() {
        assert_eq!(
            redis.search(q.clone()).await.unwrap(),
            memory.search(q.clone()).await.unwrap(),
            "after delete: {q:?}"
        );
    }
    assert_eq!(
        redis.list(ListQuery::new()).await.unwrap(),
        memory.list(ListQuery::new()).await.unwrap()
    );
    assert_eq!(
        redis.meta(ids[0]).await.unwrap_err().code(),
        ErrorCode::NotFound
    );

    // insert (an import) of a loaded session lands whole and is searchable alike.
    let mut s = memory.load(ids[1]).await.unwrap();
    let fresh = SessionId::new();
    s.meta.id = fresh;
    memory.insert(s.clone()).await.unwrap();
    redis.insert(s.clone()).await.unwrap();
    assert_eq!(redis.load(fresh).await.unwrap(), s);
    assert_eq!(
        redis.insert(s.clone()).await.unwrap_err().code(),
        ErrorCode::Config
    );
    for q in queries() {
        assert_eq!(
            redis.search(q.clone()).await.unwrap(),
            memory.search(q.clone()).await.unwrap(),
            "after insert: {q:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_and_errors() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let s = store(&server, "update").await;
    let meta = s
        .create(NewSession::new().title("t").tag("a").tag("b"))
        .await
        .unwrap();
    let updated = s
        .update(
            meta.id,
            MetaPatch::new()
                .title("new")
                .add_tag("c")
                .remove_tag("a")
                .cli_session_id("cli-x"),
        )
        .await
        .unwrap();
    assert_eq!(updated.title.as_deref(), Some("new"));
    assert_eq!(
        updated.tags,
        ["b", "c"]
            .into_iter()
            .map(String::from)
            .collect::<BTreeSet<_>>()
    );
    assert_eq!(s.meta(meta.id).await.unwrap(), updated);
    let hits = s.search(SearchQuery::new().tag("c")).await.unwrap();
    assert_eq!(hits.items.len(), 1);

    let missing = SessionId::new();
    for code in [
        s.append(missing, vec![prompt_at("x", 1)])
            .await
            .unwrap_err()
            .code(),
        s.update(missing, MetaPatch::new().title("x"))
            .await
            .unwrap_err()
            .code(),
        s.load(missing).await.unwrap_err().code(),
        s.meta(missing).await.unwrap_err().code(),
    ] {
        assert_eq!(code, ErrorCode::NotFound);
    }
    assert!(!s.delete(missing).await.unwrap());
    assert_eq!(
        s.create(NewSession::new().id(meta.id))
            .await
            .unwrap_err()
            .code(),
        ErrorCode::Config
    );
    // insert refuses a session whose entry count lies, and stores nothing.
    let mut bad = s.load(meta.id).await.unwrap();
    bad.meta.id = SessionId::new();
    bad.meta.entries = 3;
    assert_eq!(
        s.insert(bad.clone()).await.unwrap_err().code(),
        ErrorCode::Integrity
    );
    assert_eq!(
        s.meta(bad.meta.id).await.unwrap_err().code(),
        ErrorCode::NotFound
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prefixes_isolate_tenants() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let a = store(&server, "tenant-a").await;
    let b = store(&server, "tenant-b").await;
    let m = a
        .create(NewSession::new().title("only in a"))
        .await
        .unwrap();
    a.append(m.id, vec![prompt_at("secret plans", 10)])
        .await
        .unwrap();
    assert_eq!(a.list(ListQuery::new()).await.unwrap().total, 1);
    assert_eq!(b.list(ListQuery::new()).await.unwrap().total, 0);
    assert_eq!(
        b.search(SearchQuery::new().text("plans"))
            .await
            .unwrap()
            .total,
        0
    );
    assert_eq!(b.meta(m.id).await.unwrap_err().code(), ErrorCode::NotFound);
    assert_eq!(
        a.search(SearchQuery::new().text("plans"))
            .await
            .unwrap()
            .total,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_appends_from_many_tasks_and_clients_lose_nothing() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let prefix = unique_prefix("concurrent");
    let mut clients = Vec::new();
    for _ in 0..3 {
        clients.push(Arc::new(
            RedisStore::connect(&server.url())
                .await
                .unwrap()
                .with_prefix(prefix.clone()),
        ));
    }
    let meta = clients[0].create(NewSession::new()).await.unwrap();
    let mut tasks = Vec::new();
    for (c, client) in clients.iter().enumerate() {
        for t in 0..4 {
            let client = Arc::clone(client);
            tasks.push(tokio::spawn(async move {
                for k in 0..15 {
                    client
                        .append(meta.id, vec![prompt_at(&format!("w{c}x{t}y{k} common"), 1)])
                        .await
                        .unwrap();
                }
            }));
        }
    }
    for t in tasks {
        t.await.unwrap();
    }
    let s = clients[2].load(meta.id).await.unwrap();
    assert_eq!(s.meta.entries, 180);
    assert_eq!(s.transcript.len(), 180);
    for (i, e) in s.transcript.iter().enumerate() {
        assert_eq!(e.seq, i as u64);
    }
    let texts: BTreeSet<String> = s
        .transcript
        .iter()
        .filter_map(|e| e.searchable_text())
        .collect();
    assert_eq!(texts.len(), 180, "every append landed exactly once");
    let hit = clients[1]
        .search(SearchQuery::new().text("common"))
        .await
        .unwrap();
    assert_eq!(hit.total, 1);
    // tf is the sum of all appends: compare the score with a memory store fed the same text.
    let memory = MemoryStore::new();
    let m = memory.create(NewSession::new()).await.unwrap();
    memory.append(m.id, s.transcript.to_vec()).await.unwrap();
    let mhit = memory
        .search(SearchQuery::new().text("common"))
        .await
        .unwrap();
    assert_eq!(hit.items[0].score, mhit.items[0].score);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_failures_are_storage_errors_without_the_password() {
    // A port nothing listens on: bind, read the port, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("redis://user:hunter2-very-secret@127.0.0.1:{port}/0");
    let err = RedisStore::connect(&url).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Storage, "{err:#}");
    let shown = format!("{err} {err:#} {err:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains(&port.to_string()), "{shown}");

    let err = RedisStore::connect("not a url at all").await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Config, "{err:#}");
    let err = RedisStore::connect("redis://:hunter2@[::1")
        .await
        .unwrap_err();
    assert!(!format!("{err} {err:#}").contains("hunter2"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_is_a_storage_error_without_the_password() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    // The server has no password; a client sending one gets an error from AUTH.
    let url = format!("redis://someone:hunter2-pw@127.0.0.1:{}/0", server.port());
    let err = RedisStore::connect(&url).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Storage);
    assert!(
        !format!("{err} {err:#} {err:?}").contains("hunter2"),
        "{err:#}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_going_away_is_a_storage_error_and_the_server_is_reaped() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let s = store(&server, "gone").await;
    let m = s.create(NewSession::new()).await.unwrap();
    let pid = server.pid();
    drop(server);
    assert!(
        !std::path::Path::new(&format!("/proc/{pid}")).exists(),
        "redis-server reaped"
    );
    let err = s.meta(m.id).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Storage, "{err:#}");
}
