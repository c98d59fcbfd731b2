//! The conformance suite every [`SessionStore`] passes (cargo feature `conformance`).
//!
//! Each check gets a fresh, empty store from the caller's factory, so stores that need set-up
//! (a temporary directory, a Redis key prefix) make one per check. The checks panic with a message
//! naming the store behaviour that failed; they are meant to run inside `#[tokio::test]`s with the
//! multi-thread runtime (the concurrency checks spawn tasks).
//!
//! ```no_run
//! # async fn f() {
//! use claude_sdk_session::{MemoryStore, conformance};
//! conformance::run_all(MemoryStore::new).await;
//! # }
//! ```
//!
//! Events are built from CLI-shaped JSON lines (`system/init`, `assistant` text, `result` with
//! usage, cumulative `total_cost_usd` and the per-turn `model_usage_since_last_result`), so the
//! stores are checked on what they will really hold.
#![allow(clippy::unwrap_used, clippy::missing_panics_doc)]

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::Arc;

use claude_sdk_core::{ErrorCode, Event, Message};

use crate::model::{MetaPatch, NewSession, Session, SessionId, SessionMeta, TranscriptEntry};
use crate::query::{ListQuery, SearchHit, SearchQuery};
use crate::store::SessionStore;
use crate::text;

/// Every check, each on a fresh store from `make`.
pub async fn run_all<S: SessionStore>(make: impl Fn() -> S) {
    run_all_async(|| std::future::ready(make())).await;
}

/// [`run_all`] for stores whose construction is async (e.g. a Redis connection).
pub async fn run_all_async<S, F, Fut>(make: F)
where
    S: SessionStore,
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
{
    create_and_meta(make().await).await;
    unknown_ids_are_not_found(make().await).await;
    append_numbers_entries_and_folds_totals(make().await).await;
    load_round_trips(make().await).await;
    list_orders_and_paginates(make().await).await;
    update_changes_metadata_and_tags(make().await).await;
    delete_removes_everything(make().await).await;
    search_by_each_metadata_filter(make().await).await;
    search_content_and_ranking(make().await).await;
    search_combined_filters_and_pagination(make().await).await;
    insert_is_all_or_nothing(make().await).await;
    concurrent_appends_to_one_session(make().await).await;
    concurrent_appends_to_many_sessions(make().await).await;
}

// ---------------------------------------------------------------------------------------------
// Realistic events.

fn event(json: &str) -> Event {
    let m = Message::from_slice(json.as_bytes()).expect("fixture JSON parses as a CLI message");
    Event::from_message(m).expect("fixture is an event")
}

/// A `system/init` line as the CLI prints it.
pub fn init_event(cli_session: &str, model: &str, cwd: &str) -> Event {
    event(&format!(
        r#"{{"type":"system","subtype":"init","cwd":"{cwd}","session_id":"{cli_session}","tools":["Bash","Read"],"mcp_servers":[],"model":"{model}","permissionMode":"default","slash_commands":[],"apiKeySource":"none","claude_code_version":"2.1.330","output_style":"default","agents":[],"skills":[],"plugins":[],"uuid":"dbd82f43-0000-4000-8000-000000000001"}}"#
    ))
}

/// An `assistant` line with one text block.
pub fn assistant_text(cli_session: &str, model: &str, text: &str) -> Event {
    let text = serde_json::to_string(text).unwrap();
    event(&format!(
        r#"{{"type":"assistant","message":{{"id":"msg_mock_1","type":"message","role":"assistant","model":"{model}","content":[{{"type":"text","text":{text}}}],"stop_reason":null,"stop_sequence":null,"usage":{{"input_tokens":10,"output_tokens":1,"cache_creation_input_tokens":0,"cache_read_input_tokens":0}}}},"parent_tool_use_id":null,"session_id":"{cli_session}","uuid":"86a13328-0000-4000-8000-000000000002"}}"#
    ))
}

/// A `result` line: `input`/`output` tokens, `cache_read` tokens, this turn's cost and the
/// process's cumulative cost.
pub fn result_event(
    cli_session: &str,
    model: &str,
    (input, output, cache_read): (u64, u64, u64),
    turn_cost: f64,
    cumulative_cost: f64,
) -> Event {
    event(&format!(
        r#"{{"type":"result","subtype":"success","is_error":false,"api_error_status":null,"result":"done","stop_reason":"end_turn","duration_ms":108,"duration_api_ms":20,"num_turns":1,"session_id":"{cli_session}","uuid":"458075eb-0000-4000-8000-000000000003","total_cost_usd":{cumulative_cost},"usage":{{"input_tokens":{input},"cache_creation_input_tokens":2,"cache_read_input_tokens":{cache_read},"output_tokens":{output},"service_tier":"standard"}},"modelUsage":{{"{model}":{{"inputTokens":{input},"outputTokens":{output},"cacheReadInputTokens":{cache_read},"cacheCreationInputTokens":2,"costUSD":{cumulative_cost}}}}},"model_usage_since_last_result":{{"{model}":{{"inputTokens":{input},"outputTokens":{output},"cacheReadInputTokens":{cache_read},"cacheCreationInputTokens":2,"costUSD":{turn_cost}}}}},"permission_denials":[]}}"#
    ))
}

/// One turn as a frontend records it: prompt, init, answer, result.
pub fn turn(
    cli_session: &str,
    model: &str,
    prompt: &str,
    answer: &str,
    turn_cost: f64,
    cumulative_cost: f64,
) -> Vec<TranscriptEntry> {
    vec![
        TranscriptEntry::prompt(prompt),
        TranscriptEntry::event(init_event(cli_session, model, "/home/u/proj")),
        TranscriptEntry::event(assistant_text(cli_session, model, answer)),
        TranscriptEntry::event(result_event(
            cli_session,
            model,
            (100, 20, 5),
            turn_cost,
            cumulative_cost,
        )),
    ]
}

fn at(mut e: TranscriptEntry, t: u64) -> TranscriptEntry {
    e.at = t;
    e
}

fn ids(hits: &[SearchHit]) -> Vec<SessionId> {
    hits.iter().map(|h| h.meta.id).collect()
}

fn code_of<T: std::fmt::Debug>(r: claude_sdk_core::Result<T>) -> ErrorCode {
    match r {
        Ok(v) => panic!("expected an error, got Ok({v:?})"),
        Err(e) => e.code(),
    }
}

async fn text_hits<S: SessionStore>(store: &S, words: &str) -> Vec<SessionId> {
    ids(&store
        .search(SearchQuery::new().text(words).limit(1000))
        .await
        .unwrap()
        .items)
}

/// A session with one prompt of `text`, updated at `t`.
async fn session_with<S: SessionStore>(store: &S, t: u64, text: &str) -> SessionId {
    let m = store.create(NewSession::new().created_at(t)).await.unwrap();
    store
        .append(m.id, vec![at(TranscriptEntry::prompt(text), t)])
        .await
        .unwrap();
    m.id
}

// ---------------------------------------------------------------------------------------------
// Checks.

/// `create` returns the metadata it stored; `meta` reads it back; ids are fresh unless fixed.
pub async fn create_and_meta<S: SessionStore>(store: S) {
    let before = crate::now_millis();
    let m = store
        .create(
            NewSession::new()
                .title("Rust questions")
                .description("lifetimes and borrowing")
                .tag("rust")
                .tag("learning")
                .model("claude-opus-5-5")
                .cwd("/home/u/proj")
                .cli_session_id("cli-1"),
        )
        .await
        .unwrap();
    assert_eq!(m.title.as_deref(), Some("Rust questions"));
    assert_eq!(m.description.as_deref(), Some("lifetimes and borrowing"));
    assert_eq!(
        m.tags,
        ["learning", "rust"].into_iter().map(String::from).collect()
    );
    assert_eq!(m.model.as_deref(), Some("claude-opus-5-5"));
    assert_eq!(m.cwd.as_deref(), Some("/home/u/proj"));
    assert_eq!(m.cli_session_id.as_deref(), Some("cli-1"));
    assert_eq!(m.entries, 0);
    assert!(m.created_at >= before, "created_at is now");
    assert_eq!(m.updated_at, m.created_at);
    assert_eq!(store.meta(m.id).await.unwrap(), m, "meta reads back create");

    let other = store.create(NewSession::new()).await.unwrap();
    assert_ne!(other.id, m.id, "fresh ids differ");
    assert_eq!(other.title, None);

    let fixed = SessionId::new();
    let f = store
        .create(NewSession::new().id(fixed).created_at(1_000))
        .await
        .unwrap();
    assert_eq!(f.id, fixed);
    assert_eq!((f.created_at, f.updated_at), (1_000, 1_000));
    assert_eq!(store.meta(fixed).await.unwrap(), f);
    let loaded = store.load(fixed).await.unwrap();
    assert!(loaded.transcript.is_empty());
    assert_eq!(loaded.meta, f);
}

/// Every operation on an unknown id is `not_found`, except `delete`, which says `false`.
pub async fn unknown_ids_are_not_found<S: SessionStore>(store: S) {
    let ghost = SessionId::new();
    assert_eq!(code_of(store.meta(ghost).await), ErrorCode::NotFound);
    assert_eq!(code_of(store.load(ghost).await), ErrorCode::NotFound);
    assert_eq!(
        code_of(
            store
                .append(ghost, vec![TranscriptEntry::prompt("hello")])
                .await
        ),
        ErrorCode::NotFound
    );
    assert_eq!(
        code_of(store.update(ghost, MetaPatch::new().title("x")).await),
        ErrorCode::NotFound
    );
    assert!(!store.delete(ghost).await.unwrap());
    // A failed append created nothing.
    assert_eq!(store.list(ListQuery::new()).await.unwrap().total, 0);
    assert_eq!(text_hits(&store, "hello").await, vec![]);
}

/// `append` numbers entries from 0 across calls and folds them into the metadata like
/// [`SessionMeta::absorb`]: entries, updated time, CLI session id, model, cwd and totals.
pub async fn append_numbers_entries_and_folds_totals<S: SessionStore>(store: S) {
    let m = store
        .create(NewSession::new().created_at(1_000))
        .await
        .unwrap();
    assert_eq!(m.model, None);
    let model = "claude-opus-5-5";
    let first: Vec<_> = turn(
        "cli-abc",
        model,
        "What is a lifetime?",
        "A scope.",
        0.25,
        0.25,
    )
    .into_iter()
    .map(|e| at(e, 2_000))
    .collect();
    let second: Vec<_> = turn("cli-abc", model, "And borrowing?", "A loan.", 0.5, 0.75)
        .into_iter()
        .map(|e| at(e, 3_000))
        .collect();

    let mut expected = m.clone();
    for e in first.iter().chain(&second) {
        expected.absorb(e);
    }

    let after_first = store.append(m.id, first.clone()).await.unwrap();
    assert_eq!(after_first.entries, 4);
    assert_eq!(after_first.totals.turns, 1);
    assert_eq!(after_first.updated_at, 2_000);
    let after_second = store.append(m.id, second.clone()).await.unwrap();
    assert_eq!(
        after_second, expected,
        "append folds entries like SessionMeta::absorb"
    );
    assert_eq!(after_second.entries, 8);
    assert_eq!(after_second.cli_session_id.as_deref(), Some("cli-abc"));
    assert_eq!(after_second.model.as_deref(), Some(model));
    assert_eq!(after_second.cwd.as_deref(), Some("/home/u/proj"));
    assert_eq!(after_second.updated_at, 3_000);
    let t = &after_second.totals;
    assert_eq!(t.turns, 2);
    assert_eq!((t.input_tokens, t.output_tokens), (200, 40));
    assert_eq!((t.cache_read_tokens, t.cache_creation_tokens), (10, 4));
    assert!(
        (t.cost_usd - 0.75).abs() < 1e-9,
        "cost adds per-turn deltas, not the cumulative figure: {}",
        t.cost_usd
    );
    assert_eq!(store.meta(m.id).await.unwrap(), after_second);

    // An empty append changes nothing but is fine.
    let same = store.append(m.id, Vec::new()).await.unwrap();
    assert_eq!(same.entries, 8);

    let s = store.load(m.id).await.unwrap();
    let seqs: Vec<u64> = s.transcript.iter().map(|e| e.seq).collect();
    assert_eq!(
        seqs,
        (0..8).collect::<Vec<_>>(),
        "seq runs 0..n across appends"
    );
}

/// `load` returns exactly what was appended (with seqs), events intact.
pub async fn load_round_trips<S: SessionStore>(store: S) {
    let m = store.create(NewSession::new().title("t")).await.unwrap();
    let mut entries = turn(
        "cli-x",
        "claude-opus-5-5",
        "Explain «unicode» — 日本語 and emoji 🦀, \"quotes\"\nnewlines",
        "Sure: 🦀",
        0.1,
        0.1,
    );
    entries.push(TranscriptEntry::event(event(
        r#"{"type":"user","message":{"role":"user","content":[{"tool_use_id":"toolu_1","type":"tool_result","content":"made","is_error":false}]},"parent_tool_use_id":null,"session_id":"cli-x","uuid":"3e3801fd-0000-4000-8000-000000000004","tool_use_result":{"stdout":"made","stderr":""}}"#,
    )));
    entries.push(TranscriptEntry::event(event(
        r#"{"type":"some_future_type","payload":{"k":[1,2,3]},"session_id":"cli-x"}"#,
    )));
    let meta = store.append(m.id, entries.clone()).await.unwrap();
    let s = store.load(m.id).await.unwrap();
    assert_eq!(s.meta, meta);
    assert_eq!(s.transcript.len(), entries.len());
    for (i, (got, want)) in s.transcript.iter().zip(&entries).enumerate() {
        assert_eq!(got.seq, i as u64);
        assert_eq!(got.at, want.at);
        assert_eq!(got.kind, want.kind, "entry {i} round-trips");
    }
    // The whole session serializes and reads back the same (the export shape).
    let json = serde_json::to_string(&s).unwrap();
    let back: Session = serde_json::from_str(&json).unwrap();
    assert_eq!(back, s);
}

/// `list` is newest change first (ties by id), paginated with a correct `total`.
pub async fn list_orders_and_paginates<S: SessionStore>(store: S) {
    let mut made = Vec::new();
    for t in [5_000u64, 1_000, 3_000, 4_000, 2_000] {
        made.push(store.create(NewSession::new().created_at(t)).await.unwrap());
    }
    // Two sessions with the same time: ordered by id.
    let tie_a = store
        .create(NewSession::new().created_at(2_500))
        .await
        .unwrap();
    let tie_b = store
        .create(NewSession::new().created_at(2_500))
        .await
        .unwrap();
    let (lo, hi) = if tie_a.id < tie_b.id {
        (tie_a.id, tie_b.id)
    } else {
        (tie_b.id, tie_a.id)
    };
    // An append moves a session to the front.
    let bumped = made[1].id;
    store
        .append(bumped, vec![at(TranscriptEntry::prompt("bump"), 9_000)])
        .await
        .unwrap();

    let by_time = |t: u64| made.iter().find(|m| m.created_at == t).unwrap().id;
    let expected = vec![
        bumped,
        by_time(5_000),
        by_time(4_000),
        by_time(3_000),
        lo,
        hi,
        by_time(2_000),
    ];
    let all = store.list(ListQuery::new().limit(100)).await.unwrap();
    assert_eq!(all.total, 7);
    assert_eq!(
        all.items.iter().map(|m| m.id).collect::<Vec<_>>(),
        expected,
        "list order: updated_at desc, then id"
    );
    assert!(!all.has_more());

    let mut paged = Vec::new();
    for offset in (0..7).step_by(3) {
        let page = store
            .list(ListQuery::new().limit(3).offset(offset))
            .await
            .unwrap();
        assert_eq!(page.total, 7);
        assert_eq!(page.offset, offset);
        assert_eq!(page.has_more(), offset + 3 < 7);
        paged.extend(page.items.iter().map(|m| m.id));
    }
    assert_eq!(paged, expected, "pages concatenate to the full list");
    let past = store.list(ListQuery::new().offset(50)).await.unwrap();
    assert!(past.items.is_empty());
    assert_eq!(past.total, 7);
    let one = store.list(ListQuery::new().limit(0)).await.unwrap();
    assert_eq!(one.items.len(), 1, "limit 0 means the smallest page, 1");
}

/// `update` sets, clears and tags; the change persists and bumps `updated_at`.
pub async fn update_changes_metadata_and_tags<S: SessionStore>(store: S) {
    let m = store
        .create(
            NewSession::new()
                .title("old")
                .tag("a")
                .tag("b")
                .created_at(1_000),
        )
        .await
        .unwrap();
    let u = store
        .update(
            m.id,
            MetaPatch::new()
                .title("new title")
                .description("desc")
                .add_tag("c")
                .remove_tag("a")
                .cli_session_id("cli-fork"),
        )
        .await
        .unwrap();
    assert_eq!(u.title.as_deref(), Some("new title"));
    assert_eq!(u.description.as_deref(), Some("desc"));
    assert_eq!(u.cli_session_id.as_deref(), Some("cli-fork"));
    assert_eq!(
        u.tags,
        ["b", "c"]
            .into_iter()
            .map(String::from)
            .collect::<BTreeSet<_>>()
    );
    assert!(u.updated_at > 1_000, "update bumps updated_at");
    assert_eq!(u.created_at, 1_000);
    assert_eq!(store.meta(m.id).await.unwrap(), u, "update persists");

    let mut clear = MetaPatch::new();
    clear.title = Some(None);
    let c = store.update(m.id, clear).await.unwrap();
    assert_eq!(c.title, None, "Some(None) clears");
    assert_eq!(c.description.as_deref(), Some("desc"), "None leaves alone");

    // Tag filters see the new tags.
    let hits = store.search(SearchQuery::new().tag("c")).await.unwrap();
    assert_eq!(ids(&hits.items), vec![m.id]);
    let hits = store.search(SearchQuery::new().tag("a")).await.unwrap();
    assert_eq!(hits.total, 0, "a removed tag no longer matches");
}

/// `delete` removes the session, its transcript and its index entries.
pub async fn delete_removes_everything<S: SessionStore>(store: S) {
    let keep = session_with(&store, 1_000, "shared words zebra").await;
    let gone = session_with(&store, 2_000, "shared words quokka").await;
    store
        .update(gone, MetaPatch::new().add_tag("doomed"))
        .await
        .unwrap();
    assert_eq!(text_hits(&store, "shared").await, vec![gone, keep]);

    assert!(store.delete(gone).await.unwrap());
    assert!(!store.delete(gone).await.unwrap(), "second delete is false");
    assert_eq!(code_of(store.meta(gone).await), ErrorCode::NotFound);
    assert_eq!(code_of(store.load(gone).await), ErrorCode::NotFound);
    assert_eq!(
        code_of(
            store
                .append(gone, vec![TranscriptEntry::prompt("again")])
                .await
        ),
        ErrorCode::NotFound
    );
    assert_eq!(text_hits(&store, "quokka").await, vec![]);
    assert_eq!(text_hits(&store, "shared words").await, vec![keep]);
    assert_eq!(
        store
            .search(SearchQuery::new().tag("doomed"))
            .await
            .unwrap()
            .total,
        0
    );
    let list = store.list(ListQuery::new()).await.unwrap();
    assert_eq!(list.total, 1);
    assert_eq!(list.items[0].id, keep);

    // The score of the survivor reflects one session with the words, out of one.
    let hit = store
        .search(SearchQuery::new().text("shared"))
        .await
        .unwrap();
    let want = text::bm25(1, 1, 1);
    assert!(
        (hit.items[0].score - want).abs() < 1e-9,
        "df and n shrink on delete"
    );

    // Re-creating the id starts from scratch: old words are gone.
    store
        .create(NewSession::new().id(gone).created_at(3_000))
        .await
        .unwrap();
    store
        .append(gone, vec![TranscriptEntry::prompt("fresh start")])
        .await
        .unwrap();
    assert_eq!(text_hits(&store, "quokka").await, vec![]);
    assert_eq!(text_hits(&store, "fresh").await, vec![gone]);
    let s = store.load(gone).await.unwrap();
    assert_eq!(s.transcript.len(), 1);
    assert_eq!(s.transcript[0].seq, 0);
}

/// Metadata-only searches: each filter alone, newest first, score 0.
pub async fn search_by_each_metadata_filter<S: SessionStore>(store: S) {
    let mk = |t: u64, model: &str, cwd: &str, tags: &[&str]| {
        let mut n = NewSession::new().created_at(t).model(model).cwd(cwd);
        for tag in tags {
            n = n.tag(*tag);
        }
        n
    };
    let a = store
        .create(mk(1_000, "opus", "/a", &["rust", "work"]))
        .await
        .unwrap()
        .id;
    let b = store
        .create(mk(2_000, "sonnet", "/b", &["rust"]))
        .await
        .unwrap()
        .id;
    let c = store
        .create(mk(3_000, "opus", "/b", &["home"]))
        .await
        .unwrap()
        .id;
    // Costs: a 0.5, b 1.5, c 0.
    let cost = |m: &str, c: f64| {
        vec![TranscriptEntry::event(result_event(
            "s",
            m,
            (1, 1, 0),
            c,
            c,
        ))]
    };
    let mut e = cost("opus", 0.5);
    e[0].at = 1_000;
    store.append(a, e).await.unwrap();
    let mut e = cost("sonnet", 1.5);
    e[0].at = 2_000;
    store.append(b, e).await.unwrap();

    let q = |q: SearchQuery| {
        let store = &store;
        async move {
            let page = store.search(q.limit(100)).await.unwrap();
            assert_eq!(page.total, page.items.len());
            assert!(
                page.items.iter().all(|h| h.score == 0.0),
                "no words: score 0"
            );
            ids(&page.items)
        }
    };
    assert_eq!(
        q(SearchQuery::new()).await,
        vec![c, b, a],
        "everything, newest first"
    );
    assert_eq!(q(SearchQuery::new().tag("rust")).await, vec![b, a]);
    assert_eq!(q(SearchQuery::new().tag("rust").tag("work")).await, vec![a]);
    assert_eq!(q(SearchQuery::new().tag("nope")).await, vec![]);
    assert_eq!(q(SearchQuery::new().model("opus")).await, vec![c, a]);
    assert_eq!(q(SearchQuery::new().cwd("/b")).await, vec![c, b]);
    assert_eq!(
        q(SearchQuery::new().created_between(Some(2_000), None)).await,
        vec![c, b],
        "from is inclusive"
    );
    assert_eq!(
        q(SearchQuery::new().created_between(None, Some(2_000))).await,
        vec![a],
        "to is exclusive"
    );
    assert_eq!(
        q(SearchQuery::new().created_between(Some(1_500), Some(2_500))).await,
        vec![b]
    );
    assert_eq!(
        q(SearchQuery::new().cost_between(Some(0.5), None)).await,
        vec![b, a],
        "min is inclusive"
    );
    assert_eq!(
        q(SearchQuery::new().cost_between(None, Some(0.5))).await,
        vec![c, a],
        "max is inclusive"
    );
    assert_eq!(
        q(SearchQuery::new().cost_between(Some(1.0), Some(2.0))).await,
        vec![b]
    );
    // Words that are all punctuation are no words at all.
    assert_eq!(q(SearchQuery::new().text(" ,.; ")).await, vec![c, b, a]);
}

/// Content search: every word must occur (any case, prompts and answers, not tool noise);
/// ranked by BM25 — more occurrences and rarer words first — ties newest first, then by id.
pub async fn search_content_and_ranking<S: SessionStore>(store: S) {
    // Filler: "common" is everywhere.
    for t in 0..6u64 {
        session_with(&store, 100 + t, "common filler text").await;
    }
    // a: common x2, rare x1.  b: common x1, rare x2.
    let a = session_with(&store, 1_000, "Common COMMON rare").await;
    let b = session_with(&store, 900, "common rare rare").await;
    let n = 8;

    // AND: both words.
    assert_eq!(
        text_hits(&store, "rare common").await.len(),
        2,
        "every word must occur"
    );
    assert_eq!(text_hits(&store, "rare missingword").await, vec![]);
    assert_eq!(text_hits(&store, "RARE").await.len(), 2, "case-insensitive");

    // Rarer words weigh more: b has more of the rare word, so it beats a although a is newer.
    let page = store
        .search(SearchQuery::new().text("common rare"))
        .await
        .unwrap();
    assert_eq!(
        ids(&page.items),
        vec![b, a],
        "rarer word occurrences rank first"
    );
    let score_b = text::bm25(1, 8, n) + text::bm25(2, 2, n);
    let score_a = text::bm25(2, 8, n) + text::bm25(1, 2, n);
    assert!(
        (page.items[0].score - score_b).abs() < 1e-9,
        "BM25 score of b"
    );
    assert!(
        (page.items[1].score - score_a).abs() < 1e-9,
        "BM25 score of a"
    );

    // More occurrences of one word rank first.
    let page = store
        .search(SearchQuery::new().text("common"))
        .await
        .unwrap();
    assert_eq!(page.total, 8);
    assert_eq!(page.items[0].meta.id, a, "most occurrences first");

    // Ties: newest first, then by id.
    let old = session_with(&store, 5_000, "tie breaker").await;
    let new = session_with(&store, 6_000, "tie breaker").await;
    let x = session_with(&store, 7_000, "tie breaker").await;
    let y = session_with(&store, 7_000, "tie breaker").await;
    let (x, y) = if x < y { (x, y) } else { (y, x) };
    assert_eq!(text_hits(&store, "breaker").await, vec![x, y, new, old]);

    // Answers are indexed; tool inputs and results are not.
    let m = store.create(NewSession::new()).await.unwrap();
    store
        .append(
            m.id,
            vec![
                TranscriptEntry::event(assistant_text("s", "m", "The answer mentions kangaroo.")),
                TranscriptEntry::event(event(
                    r#"{"type":"assistant","message":{"id":"msg_2","type":"message","role":"assistant","model":"m","content":[{"type":"tool_use","id":"toolu_1","name":"Bash","input":{"command":"echo wombat"}}]},"session_id":"s"}"#,
                )),
            ],
        )
        .await
        .unwrap();
    assert_eq!(text_hits(&store, "kangaroo").await, vec![m.id]);
    assert_eq!(
        text_hits(&store, "wombat").await,
        vec![],
        "tool input not indexed"
    );

    // Words from several appends add up; CJK characters are words of their own.
    let j = session_with(&store, 8_000, "日本語の質問").await;
    store
        .append(j, vec![TranscriptEntry::prompt("and later: straße")])
        .await
        .unwrap();
    assert_eq!(text_hits(&store, "本 straße").await, vec![j]);
    assert_eq!(
        text_hits(&store, "STRASSE").await,
        vec![],
        "no stemming or folding"
    );

    // A rare word with a very common one (stores may intersect differently by list size).
    for t in 0..40u64 {
        session_with(&store, 10_000 + t, "ubiquitous").await;
    }
    let lone = session_with(&store, 9_000, "ubiquitous solitary").await;
    let n = store.list(ListQuery::new()).await.unwrap().total;
    let page = store
        .search(SearchQuery::new().text("solitary ubiquitous"))
        .await
        .unwrap();
    assert_eq!(ids(&page.items), vec![lone]);
    let want = text::bm25(1, 41, n) + text::bm25(1, 1, n);
    assert!(
        (page.items[0].score - want).abs() < 1e-9,
        "score over n = {n}"
    );
    assert_eq!(text_hits(&store, "ubiquitous").await.len(), 41);
}

/// Words plus metadata filters plus pagination; `total` counts every match.
pub async fn search_combined_filters_and_pagination<S: SessionStore>(store: S) {
    let mut want = Vec::new();
    for i in 0..12u64 {
        let tagged = i % 2 == 0;
        let mut n = NewSession::new()
            .created_at(1_000 + i)
            .model(if i % 3 == 0 { "opus" } else { "sonnet" });
        if tagged {
            n = n.tag("keep");
        }
        let m = store.create(n).await.unwrap();
        let text = if i < 10 {
            "borrow checker question"
        } else {
            "unrelated"
        };
        store
            .append(m.id, vec![at(TranscriptEntry::prompt(text), 1_000 + i)])
            .await
            .unwrap();
        if tagged && i < 10 && i % 3 != 0 {
            want.push((1_000 + i, m.id));
        }
    }
    // Equal scores: newest first.
    want.sort_by_key(|w| std::cmp::Reverse(w.0));
    let want: Vec<SessionId> = want.into_iter().map(|(_, id)| id).collect();
    assert_eq!(want.len(), 3);

    let q = SearchQuery::new()
        .text("borrow question")
        .tag("keep")
        .model("sonnet");
    let all = store.search(q.clone().limit(100)).await.unwrap();
    assert_eq!(ids(&all.items), want);
    assert_eq!(all.total, 3);
    let mut paged = Vec::new();
    for offset in 0..3 {
        let page = store
            .search(q.clone().limit(1).offset(offset))
            .await
            .unwrap();
        assert_eq!(page.total, 3, "total counts every match, not the page");
        assert_eq!(page.offset, offset);
        paged.extend(ids(&page.items));
    }
    assert_eq!(paged, want);
    let past = store.search(q.clone().offset(10)).await.unwrap();
    assert!(past.items.is_empty());
    assert_eq!(past.total, 3);

    // Cost and time filters combine with words too.
    let cheap = store
        .search(
            SearchQuery::new()
                .text("checker")
                .cost_between(None, Some(0.0))
                .created_between(Some(1_005), None),
        )
        .await
        .unwrap();
    assert_eq!(cheap.total, 5, "created 1005..=1009 with the word, cost 0");
}

/// `insert` stores a whole session or nothing: an existing id is `config`, a bad transcript is
/// `integrity`, and the store is unchanged after either.
pub async fn insert_is_all_or_nothing<S: SessionStore>(store: S) {
    let existing = session_with(&store, 1_000, "already here").await;

    let mut meta = SessionMeta::new(
        NewSession::new()
            .title("imported")
            .tag("import")
            .created_at(500),
    );
    let mut transcript = turn("cli-imp", "opus", "imported platypus", "answer", 0.2, 0.2);
    for (i, e) in transcript.iter_mut().enumerate() {
        e.seq = i as u64;
        e.at = 600;
    }
    meta.entries = transcript.len() as u64;
    meta.updated_at = 600;
    // Totals are taken as given, not recomputed.
    meta.totals.turns = 7;
    meta.totals.cost_usd = 3.5;
    let session = Session::new(meta.clone(), transcript.clone());
    let stored = store.insert(session.clone()).await.unwrap();
    assert_eq!(stored, meta);
    assert_eq!(
        store.load(meta.id).await.unwrap(),
        session,
        "insert round-trips"
    );
    assert_eq!(text_hits(&store, "platypus").await, vec![meta.id]);
    // Appends continue after the imported transcript.
    let after = store
        .append(meta.id, vec![TranscriptEntry::prompt("more")])
        .await
        .unwrap();
    assert_eq!(after.entries, 5);
    assert_eq!(store.load(meta.id).await.unwrap().transcript[4].seq, 4);

    let before = snapshot(&store).await;

    // Existing id.
    let mut clash = Session::new(store.meta(existing).await.unwrap(), Vec::new());
    clash.meta.entries = 0;
    clash.meta.title = Some("clash".into());
    assert_eq!(code_of(store.insert(clash).await), ErrorCode::Config);
    assert_eq!(snapshot(&store).await, before, "a clash changes nothing");

    // Bad seq.
    let mut bad = Session::new(
        SessionMeta::new(NewSession::new()),
        vec![
            at(TranscriptEntry::prompt("numbat one"), 1),
            at(TranscriptEntry::prompt("numbat two"), 2),
        ],
    );
    bad.meta.entries = 2;
    bad.transcript[1].seq = 5;
    let bad_id = bad.meta.id;
    assert_eq!(
        code_of(store.insert(bad.clone()).await),
        ErrorCode::Integrity
    );
    // Entry count that does not match.
    bad.transcript[1].seq = 1;
    bad.meta.entries = 3;
    assert_eq!(code_of(store.insert(bad).await), ErrorCode::Integrity);
    assert_eq!(code_of(store.meta(bad_id).await), ErrorCode::NotFound);
    assert_eq!(text_hits(&store, "numbat").await, vec![], "nothing indexed");
    assert_eq!(
        snapshot(&store).await,
        before,
        "a bad insert changes nothing"
    );
}

/// Everything observable: every session loaded, and who has the word "here".
async fn snapshot<S: SessionStore>(store: &S) -> (Vec<Session>, Vec<SessionId>) {
    let list = store.list(ListQuery::new().limit(100)).await.unwrap();
    let mut sessions = Vec::new();
    for m in &list.items {
        sessions.push(store.load(m.id).await.unwrap());
    }
    let hits = store
        .search(SearchQuery::new().text("here").limit(100))
        .await
        .unwrap();
    (sessions, ids(&hits.items))
}

const TASKS: usize = 16;
const APPENDS: usize = 12;

/// Many tasks appending to one session: nothing lost, seqs 0..n unique, each task's entries in
/// its own order.
pub async fn concurrent_appends_to_one_session<S: SessionStore>(store: S) {
    let store = Arc::new(store);
    let id = store.create(NewSession::new()).await.unwrap().id;
    let mut tasks = Vec::new();
    for task in 0..TASKS {
        let store = Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            for i in 0..APPENDS {
                let entries = vec![
                    TranscriptEntry::prompt(format!("task{task} step{i} first")),
                    TranscriptEntry::prompt(format!("task{task} step{i} second")),
                ];
                store.append(id, entries).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.expect("append task");
    }
    let n = TASKS * APPENDS * 2;
    let s = store.load(id).await.unwrap();
    assert_eq!(s.meta.entries, n as u64);
    assert_eq!(s.transcript.len(), n, "no entry lost");
    let seqs: Vec<u64> = s.transcript.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (0..n as u64).collect::<Vec<_>>(), "seq 0..n, unique");
    let mut per_task: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for (k, e) in s.transcript.iter().enumerate() {
        let crate::model::EntryKind::Prompt { text } = &e.kind else {
            panic!("entry {k} is not a prompt");
        };
        let task: usize = text
            .strip_prefix("task")
            .and_then(|r| r.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap();
        per_task.entry(task).or_default().push(text.clone());
        if text.ends_with("first") {
            // One append's entries stay together.
            let next = &s.transcript[k + 1];
            let crate::model::EntryKind::Prompt { text: t2 } = &next.kind else {
                panic!("entry {} is not a prompt", k + 1);
            };
            assert_eq!(
                t2,
                &text.replace("first", "second"),
                "an append is contiguous"
            );
        }
    }
    assert_eq!(per_task.len(), TASKS);
    for (task, texts) in per_task {
        let want: Vec<String> = (0..APPENDS)
            .flat_map(|i| {
                [
                    format!("task{task} step{i} first"),
                    format!("task{task} step{i} second"),
                ]
            })
            .collect();
        assert_eq!(texts, want, "task {task}'s appends in its own order");
    }
    let hit = store
        .search(SearchQuery::new().text("first"))
        .await
        .unwrap();
    assert_eq!(hit.total, 1);
    let want = text::bm25((TASKS * APPENDS) as u32, 1, 1);
    assert!(
        (hit.items[0].score - want).abs() < 1e-9,
        "the index counted every occurrence"
    );
}

/// Many tasks appending to many sessions at once: every session complete and numbered.
pub async fn concurrent_appends_to_many_sessions<S: SessionStore>(store: S) {
    let store = Arc::new(store);
    let mut sessions = Vec::new();
    for _ in 0..TASKS {
        sessions.push(store.create(NewSession::new()).await.unwrap().id);
    }
    let mut tasks = Vec::new();
    // Two writers per session, each touching every session.
    for task in 0..TASKS * 2 {
        let store = Arc::clone(&store);
        let sessions = sessions.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..APPENDS {
                let id = sessions[(task + i) % sessions.len()];
                store
                    .append(
                        id,
                        vec![TranscriptEntry::prompt(format!("w{task} s{i} shared"))],
                    )
                    .await
                    .unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.expect("append task");
    }
    let mut total = 0;
    let mut seen = BTreeSet::new();
    for id in &sessions {
        let s = store.load(*id).await.unwrap();
        let seqs: Vec<u64> = s.transcript.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, (0..s.transcript.len() as u64).collect::<Vec<_>>());
        assert_eq!(s.meta.entries, s.transcript.len() as u64);
        total += s.transcript.len();
        for e in &s.transcript {
            if let crate::model::EntryKind::Prompt { text } = &e.kind {
                assert!(seen.insert(text.clone()), "no entry stored twice");
            }
        }
    }
    assert_eq!(total, TASKS * 2 * APPENDS, "no entry lost");
    assert_eq!(text_hits(&*store, "shared").await.len(), TASKS);
}
