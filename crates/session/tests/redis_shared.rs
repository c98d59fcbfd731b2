//! Two processes share one Redis store: this test re-runs its own binary as a writer process
//! (the ignored `writer_process` test, selected with `--ignored --exact`), and both processes
//! append to the same session from several tasks at once.
#![cfg(feature = "redis")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;
use std::process::Stdio;

use claude_sdk_session::{NewSession, RedisStore, SearchQuery, SessionId, SessionStore};
use common::prompt_at;
use common::redis_server::{RedisServer, unique_prefix};

const WRITES_PER_TASK: usize = 20;
const TASKS: usize = 3;

async fn write(store: RedisStore, id: SessionId, who: &str) {
    let mut tasks = Vec::new();
    for t in 0..TASKS {
        let store = store.clone();
        let who = who.to_owned();
        tasks.push(tokio::spawn(async move {
            for k in 0..WRITES_PER_TASK {
                store
                    .append(id, vec![prompt_at(&format!("{who} t{t} k{k} shared"), 7)])
                    .await
                    .unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
}

/// The writer side: only does something when the parent test started it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "started by `two_processes_share_one_store` as a child process"]
async fn writer_process() {
    let url = std::env::var("SESSION_TEST_REDIS_URL").expect("started by the parent test");
    let prefix = std::env::var("SESSION_TEST_PREFIX").unwrap();
    let id: SessionId = std::env::var("SESSION_TEST_ID").unwrap().parse().unwrap();
    let store = RedisStore::connect(&url).await.unwrap().with_prefix(prefix);
    write(store.clone(), id, "child").await;
    // A session of its own, for the parent to find by search.
    let own = store
        .create(NewSession::new().title("made by the child"))
        .await
        .unwrap();
    store
        .append(own.id, vec![prompt_at("zebra crossing", 9)])
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_share_one_store() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let prefix = unique_prefix("shared");
    let store = RedisStore::connect(&server.url())
        .await
        .unwrap()
        .with_prefix(prefix.clone());
    let meta = store
        .create(NewSession::new().title("shared"))
        .await
        .unwrap();

    let exe = std::env::current_exe().unwrap();
    let child = tokio::process::Command::new(exe)
        .args(["--ignored", "--exact", "writer_process", "--nocapture"])
        .env("SESSION_TEST_REDIS_URL", server.url())
        .env("SESSION_TEST_PREFIX", &prefix)
        .env("SESSION_TEST_ID", meta.id.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    // The parent writes at the same time as the child.
    let second_client = RedisStore::connect(&server.url())
        .await
        .unwrap()
        .with_prefix(prefix.clone());
    write(second_client, meta.id, "parent").await;
    let out = child.wait_with_output().await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "writer process failed: {}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    // libtest ran exactly the writer (not zero tests).
    assert!(stdout.contains("1 passed"), "{stdout}");

    let s = store.load(meta.id).await.unwrap();
    let expected = 2 * TASKS * WRITES_PER_TASK;
    assert_eq!(s.meta.entries as usize, expected);
    assert_eq!(s.transcript.len(), expected);
    assert!(
        s.transcript
            .iter()
            .enumerate()
            .all(|(i, e)| e.seq == i as u64)
    );
    let texts: BTreeSet<String> = s
        .transcript
        .iter()
        .filter_map(|e| e.searchable_text())
        .collect();
    assert_eq!(texts.len(), expected, "no append lost or doubled");
    assert!(texts.iter().any(|t| t.starts_with("child ")));
    assert!(texts.iter().any(|t| t.starts_with("parent ")));

    let hits = store
        .search(SearchQuery::new().text("zebra"))
        .await
        .unwrap();
    assert_eq!(hits.total, 1);
    assert_eq!(
        hits.items[0].meta.title.as_deref(),
        Some("made by the child")
    );
    let hits = store
        .search(SearchQuery::new().text("shared"))
        .await
        .unwrap();
    assert_eq!(hits.items[0].meta.id, meta.id);
}
