//! End-to-end: a session recorded with the real CLI in HOME A is exported, imported into a fresh
//! store in HOME B with another working directory, and resumed there by its CLI session id — the
//! mock API sees the earlier history. Tampered and truncated files change nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use claude_sdk_backend_cli::{CliBackend, CliConfig};
use claude_sdk_core::{ErrorCode, Options, Request};
use claude_sdk_session::export::{self, ExportOptions, ImportOptions};
use claude_sdk_session::{ListQuery, MemoryStore, NewSession, SessionStore, TranscriptEntry};
use claude_sdk_testing::{CliTestEnv, Reply, Script};

const KEY: &str = "sk-ant-api03-TESTKEY1234567890";

fn options(env: &CliTestEnv) -> Options {
    let mut o = Options::new().cwd(env.project_dir());
    for (k, v) in env.env() {
        o = o.env(k, v);
    }
    o
}

fn backend(env: &CliTestEnv) -> CliBackend {
    CliBackend::new(CliConfig::new().cli_path(&env.cli).cli_max_retries(0))
}

/// Runs one turn, recording the prompt and every event into `store`.
async fn record_turn(
    store: &MemoryStore,
    env: &CliTestEnv,
    id: claude_sdk_session::SessionId,
    prompt: &str,
    opts: Options,
) -> String {
    store
        .append(id, vec![TranscriptEntry::prompt(prompt)])
        .await
        .unwrap();
    let mut stream = backend(env)
        .stream(Request::new(prompt).with_options(opts))
        .await
        .expect("stream");
    let mut answer = None;
    while let Some(ev) = stream.next_event().await {
        let ev = ev.expect("event");
        if let claude_sdk_core::Event::Result(r) = &ev {
            answer = r.result.clone();
        }
        store
            .append(id, vec![TranscriptEntry::event(ev)])
            .await
            .unwrap();
    }
    answer.expect("a result")
}

fn transcripts_under(home: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(dirs) = std::fs::read_dir(home.join(".claude/projects")) {
        for d in dirs.flatten() {
            for f in std::fs::read_dir(d.path()).into_iter().flatten().flatten() {
                if f.path().extension().is_some_and(|e| e == "jsonl") {
                    out.push(f.path());
                }
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exported_session_resumes_in_another_home_and_cwd() {
    let Some(a) = CliTestEnv::start(Script::always(Reply::text(
        "Pelicans store fish in their pouch.",
    )))
    .await
    else {
        return;
    };
    let Some(b) = CliTestEnv::start(Script::always(Reply::text("You asked about pelicans."))).await
    else {
        return;
    };
    assert_ne!(a.home(), b.home());
    assert_ne!(a.project_dir(), b.project_dir());

    // HOME A: one recorded turn.
    let store_a = MemoryStore::new();
    let meta = store_a
        .create(NewSession::new().title("pelicans").tag("birds"))
        .await
        .unwrap();
    let first_prompt = format!("Tell me about pelicans. (my key is {KEY})");
    let answer = record_turn(&store_a, &a, meta.id, &first_prompt, options(&a)).await;
    assert_eq!(answer, "Pelicans store fish in their pouch.");
    let recorded = store_a.meta(meta.id).await.unwrap();
    let cli_id = recorded
        .cli_session_id
        .clone()
        .expect("the CLI session id was recorded");
    assert_eq!(recorded.totals.turns, 1);
    let in_a = export::find_cli_transcript(a.home(), &cli_id)
        .unwrap()
        .expect("CLI transcript in HOME A");
    assert!(std::fs::read_to_string(&in_a).unwrap().contains("TESTKEY"));

    // Export (written to a file atomically, then read back).
    let file = tempfile::tempdir().unwrap();
    let path = file.path().join("pelicans.session.jsonl");
    export::write_export(
        &store_a,
        meta.id,
        &ExportOptions::new().home(a.home()),
        &path,
    )
    .await
    .unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert!(
        text.contains("\"type\":\"cli_line\""),
        "carries the CLI transcript"
    );
    assert!(
        !text.contains("TESTKEY"),
        "the API key was redacted from both transcripts"
    );
    assert!(text.contains("[REDACTED]"));

    // Tampered (one byte) and truncated files: refused, store and HOME B unchanged.
    let store_b = MemoryStore::new();
    let import_opts = ImportOptions::new().home(b.home()).cwd(b.project_dir());
    let before = transcripts_under(b.home());
    let mut tampered = bytes.clone();
    let i = text.find("Pelicans store").unwrap();
    tampered[i] = b'Q';
    let truncated = &bytes[..bytes.len() * 2 / 3];
    for bad in [&tampered[..], truncated] {
        let err = export::import(&store_b, bad, &import_opts)
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::Integrity, "{err}");
        assert_eq!(store_b.list(ListQuery::new()).await.unwrap().total, 0);
        assert_eq!(
            export::find_cli_transcript(b.home(), &cli_id).unwrap(),
            None
        );
        assert_eq!(transcripts_under(b.home()), before);
    }

    // Import into HOME B / cwd B.
    let imported = export::import(&store_b, &bytes, &import_opts)
        .await
        .unwrap();
    assert_eq!(imported.id, meta.id);
    assert_eq!(imported.cli_session_id.as_deref(), Some(cli_id.as_str()));
    assert_eq!(imported.totals, recorded.totals);
    assert_eq!(
        imported.cwd.as_deref(),
        Some(b.project_dir().to_string_lossy().as_ref())
    );
    let placed = export::cli_transcript_path(b.home(), b.project_dir(), &cli_id).unwrap();
    assert!(placed.is_file(), "{}", placed.display());
    assert_eq!(
        store_b.load(meta.id).await.unwrap().transcript.len() as u64,
        recorded.entries
    );

    // Resume in HOME B by the CLI session id.
    let second = "What did I ask about before?";
    let answer = record_turn(
        &store_b,
        &b,
        meta.id,
        second,
        options(&b).resume(cli_id.clone()),
    )
    .await;
    assert_eq!(answer, "You asked about pelicans.");
    let req = b
        .mock
        .message_requests()
        .into_iter()
        .find(|r| r.last_user_text().as_deref() == Some(second))
        .expect("the resumed turn reached the mock");
    let history = serde_json::to_string(req.messages()).unwrap();
    assert!(history.contains("Tell me about pelicans."), "{history}");
    assert!(
        history.contains("Pelicans store fish in their pouch."),
        "{history}"
    );
    assert!(!history.contains("TESTKEY"));
    let after = store_b.meta(meta.id).await.unwrap();
    assert_eq!(after.totals.turns, 2);
    assert_eq!(after.cli_session_id.as_deref(), Some(cli_id.as_str()));
}
