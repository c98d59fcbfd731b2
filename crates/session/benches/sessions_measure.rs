//! Measurement binary driven by `cargo xtask bench sessions` (not criterion): builds a sled store
//! of N realistic sessions and measures insert throughput, size on disk, open time, durable append
//! rates and search latencies. Prints progress on stderr and one JSON object on stdout.
//!
//! `sessions_measure --dir DIR [--sessions N] [--queries N] [--seed N]`
//!
//! Sessions: 1–4 turns of prompt, `system/init`, assistant text and `result` (CLI-shaped JSON),
//! words drawn from a generated 50 000-word vocabulary with Zipf (s = 1) frequencies, a seeded
//! PRNG, tags, models, working directories, creation times over a year and per-turn costs.
#![allow(clippy::print_stdout, clippy::print_stderr, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use claude_sdk_core::{Event, Message};
use claude_sdk_session::{
    Durability, NewSession, SearchQuery, Session, SessionId, SessionMeta, SessionStore,
    SledOptions, SledStore, TranscriptEntry,
};
use serde_json::{Value, json};

const VOCAB: usize = 50_000;
const MODELS: [&str; 3] = ["claude-opus-5-5", "claude-sonnet-5-5", "claude-haiku-5-5"];
const TAGS: usize = 30;
const PROJECTS: usize = 50;
const YEAR_MS: u64 = 365 * 24 * 3600 * 1000;
const START_MS: u64 = 1_767_225_600_000; // 2026-01-01

struct Args {
    dir: PathBuf,
    sessions: usize,
    queries: usize,
    seed: u64,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        dir: PathBuf::new(),
        sessions: 100_000,
        queries: 200,
        seed: 42,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--dir" => a.dir = PathBuf::from(value()?),
            "--sessions" => a.sessions = value()?.parse().map_err(|e| format!("{e}"))?,
            "--queries" => a.queries = value()?.parse().map_err(|e| format!("{e}"))?,
            "--seed" => a.seed = value()?.parse().map_err(|e| format!("{e}"))?,
            // cargo bench passes --bench.
            "--bench" => {}
            other => return Err(format!("unknown option {other}")),
        }
    }
    if a.dir.as_os_str().is_empty() {
        return Err("--dir is required".into());
    }
    Ok(a)
}

/// Word `rank` (0 = most frequent): syllables of `rank + 100` in base 100, so frequent words
/// are short and every word is distinct.
fn word(rank: usize) -> String {
    const C: &[u8] = b"bcdfghjklmnprstvwxyz";
    const V: &[u8] = b"aeiou";
    let mut n = rank + 100;
    let mut syl = Vec::new();
    while n > 0 {
        let s = n % 100;
        syl.push([C[s / 5] as char, V[s % 5] as char]);
        n /= 100;
    }
    syl.iter().rev().flat_map(|s| s.iter()).collect()
}

struct Gen {
    rng: fastrand::Rng,
    words: Vec<String>,
    /// Cumulative Zipf weights.
    cdf: Vec<f64>,
}

impl Gen {
    fn new(seed: u64) -> Self {
        let words = (0..VOCAB).map(word).collect();
        let mut cdf = Vec::with_capacity(VOCAB);
        let mut acc = 0.0;
        for r in 0..VOCAB {
            acc += 1.0 / (r as f64 + 1.0);
            cdf.push(acc);
        }
        Gen {
            rng: fastrand::Rng::with_seed(seed),
            words,
            cdf,
        }
    }

    fn rank(&mut self) -> usize {
        let total = *self.cdf.last().unwrap();
        let x = self.rng.f64() * total;
        self.cdf.partition_point(|c| *c < x).min(VOCAB - 1)
    }

    fn text(&mut self, min: usize, max: usize, ranks: &mut Vec<usize>) -> String {
        let n = self.rng.usize(min..=max);
        let mut s = String::new();
        for i in 0..n {
            let r = self.rank();
            ranks.push(r);
            if i > 0 {
                s.push(if self.rng.u8(0..12) == 0 { '.' } else { ' ' });
                s.push(' ');
            }
            s.push_str(&self.words[r]);
        }
        s
    }

    /// One session and the word ranks it contains.
    fn session(&mut self) -> (Session, Vec<usize>) {
        let created = START_MS + self.rng.u64(0..YEAR_MS);
        let title_rank = self.rank();
        let model = MODELS[[0, 0, 1, 1, 1, 2][self.rng.usize(0..6)]];
        let project = (self.rng.f64().powi(2) * PROJECTS as f64) as usize;
        let mut new = NewSession::new()
            .created_at(created)
            .title(format!("session about {}", self.words[title_rank]));
        for _ in 0..self.rng.usize(0..=3) {
            let t = (self.rng.f64().powi(2) * TAGS as f64) as usize;
            new = new.tag(format!("tag{t}"));
        }
        let mut meta = SessionMeta::new(new);
        let cli = SessionId::new().to_string();
        let cwd = format!("/home/dev/project{project}");
        let turns = 1 + self.rng.usize(0..4).min(self.rng.usize(0..4));
        let mut ranks = Vec::new();
        let mut entries = Vec::new();
        let mut t = created;
        let mut cumulative = 0.0;
        for _ in 0..turns {
            let prompt = self.text(5, 30, &mut ranks);
            let answer = self.text(20, 120, &mut ranks);
            let cost = self.rng.f64() * 0.05;
            cumulative += cost;
            let (input, output) = (self.rng.u64(50..5000), self.rng.u64(20..2000));
            let events = [
                json!({"type":"system","subtype":"init","cwd":cwd,"session_id":cli,"tools":["Bash","Read","Edit","Write","Grep"],"mcp_servers":[],"model":model,"permissionMode":"default","apiKeySource":"none","claude_code_version":"2.1.330","output_style":"default","uuid":SessionId::new().to_string()}),
                json!({"type":"assistant","message":{"id":"msg_bench","type":"message","role":"assistant","model":model,"content":[{"type":"text","text":answer}],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":input,"output_tokens":1,"cache_creation_input_tokens":0,"cache_read_input_tokens":0}},"parent_tool_use_id":null,"session_id":cli,"uuid":SessionId::new().to_string()}),
                json!({"type":"result","subtype":"success","is_error":false,"result":"","stop_reason":"end_turn","duration_ms":1800,"duration_api_ms":1500,"num_turns":1,"session_id":cli,"uuid":SessionId::new().to_string(),"total_cost_usd":cumulative,"usage":{"input_tokens":input,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":output},"modelUsage":{model:{"inputTokens":input,"outputTokens":output,"costUSD":cumulative}},"model_usage_since_last_result":{model:{"inputTokens":input,"outputTokens":output,"costUSD":cost}},"permission_denials":[]}),
            ];
            let mut e = TranscriptEntry::prompt(prompt);
            e.at = t;
            entries.push(e);
            for v in events {
                t += self.rng.u64(100..5000);
                let m = Message::from_slice(v.to_string().as_bytes()).unwrap();
                let mut e = TranscriptEntry::event(Event::from_message(m).unwrap());
                e.at = t;
                entries.push(e);
            }
            t += self.rng.u64(10_000..600_000);
        }
        for (i, e) in entries.iter_mut().enumerate() {
            e.seq = i as u64;
            meta.absorb(e);
        }
        (Session::new(meta, entries), ranks)
    }
}

fn dir_size(p: &Path) -> u64 {
    let Ok(rd) = std::fs::read_dir(p) else {
        return 0;
    };
    rd.filter_map(Result::ok)
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_size(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

struct Latencies {
    name: &'static str,
    times: Vec<Duration>,
    hits: usize,
}

impl Latencies {
    fn json(&mut self) -> Value {
        self.times.sort();
        json!({
            "kind": self.name,
            "queries": self.times.len(),
            "p50_ms": percentile(&self.times, 0.5),
            "p99_ms": percentile(&self.times, 0.99),
            "mean_hits": self.hits as f64 / self.times.len().max(1) as f64,
        })
    }
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("sessions_measure: {e}");
            std::process::exit(2);
        }
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let out = rt.block_on(run(&args));
    println!("{out}");
}

async fn run(args: &Args) -> Value {
    let store_dir = args.dir.join("bulk");
    let mut g = Gen::new(args.seed);
    let sample_every = (args.sessions / args.queries.max(1)).max(1);
    let mut samples: Vec<(Vec<usize>, SessionMeta)> = Vec::new();

    // Bulk import.
    let store = SledStore::open_with(
        &store_dir,
        SledOptions::new().durability(Durability::Background { every_ms: 500 }),
    )
    .unwrap();
    let mut entries = 0u64;
    let mut gen_time = Duration::ZERO;
    let start = Instant::now();
    for i in 0..args.sessions {
        let t0 = Instant::now();
        let (s, ranks) = g.session();
        gen_time += t0.elapsed();
        entries += s.transcript.len() as u64;
        if i % sample_every == 0 {
            samples.push((ranks, s.meta.clone()));
        }
        store.insert(s).await.unwrap();
        if (i + 1) % 10_000 == 0 {
            eprintln!(
                "  {} sessions, {:.0} s",
                i + 1,
                start.elapsed().as_secs_f64()
            );
        }
    }
    store.flush().await.unwrap();
    let insert_secs = (start.elapsed() - gen_time).as_secs_f64();
    drop(store);
    let size = dir_size(&store_dir);
    eprintln!(
        "bench sessions: {} sessions, {entries} entries inserted in {insert_secs:.1} s (+{:.1} s generating), {:.0} MB on disk",
        args.sessions,
        gen_time.as_secs_f64(),
        size as f64 / 1e6
    );

    // Where the open time goes: sled's own recovery, then reading the metadata.
    let t0 = Instant::now();
    let raw = sled::Config::new().path(&store_dir).open().unwrap();
    let sled_open_ms = t0.elapsed().as_secs_f64() * 1000.0;
    let t0 = Instant::now();
    let metas = raw.scan_prefix(b"m").count();
    let meta_scan_ms = t0.elapsed().as_secs_f64() * 1000.0;
    drop(raw);
    eprintln!(
        "open: sled {sled_open_ms:.0} ms, metadata scan {meta_scan_ms:.0} ms ({metas} records)"
    );

    // Reopen: loads every session's metadata.
    let t0 = Instant::now();
    let store = SledStore::open(&store_dir).unwrap();
    let open_ms = t0.elapsed().as_secs_f64() * 1000.0;

    // Queries built from sampled sessions, so they have hits.
    let mut kinds: Vec<(Latencies, Vec<SearchQuery>)> = Vec::new();
    let mut q_rare_common = Vec::new();
    let mut q_mid_common = Vec::new();
    let mut q_common = Vec::new();
    let mut q_rare = Vec::new();
    let mut q_meta = Vec::new();
    let mut q_combined = Vec::new();
    for (k, (ranks, meta)) in samples.iter().enumerate() {
        let mut r = ranks.clone();
        r.sort_unstable();
        r.dedup();
        let common = g.words[r[0]].clone();
        let common2 = g.words[r[1.min(r.len() - 1)]].clone();
        let rare = g.words[*r.last().unwrap()].clone();
        let mid = g.words[r[r.len() / 2]].clone();
        q_rare_common.push(SearchQuery::new().text(format!("{common} {rare}")));
        q_mid_common.push(SearchQuery::new().text(format!("{mid} {common}")));
        q_common.push(SearchQuery::new().text(format!("{common} {common2}")));
        q_rare.push(SearchQuery::new().text(rare.clone()));
        let tag = meta.tags.iter().next().cloned().unwrap_or("tag0".into());
        q_meta.push(match k % 4 {
            0 => SearchQuery::new().tag(tag.clone()),
            1 => SearchQuery::new()
                .model(meta.model.clone().unwrap_or_default())
                .cwd(meta.cwd.clone().unwrap_or_default()),
            2 => SearchQuery::new()
                .created_between(Some(meta.created_at), Some(meta.created_at + YEAR_MS / 52)),
            _ => SearchQuery::new().cost_between(Some(meta.totals.cost_usd), None),
        });
        q_combined.push(
            SearchQuery::new()
                .text(format!("{common} {mid}"))
                .model(meta.model.clone().unwrap_or_default())
                .created_between(Some(START_MS), Some(meta.created_at + 1)),
        );
    }
    for (name, qs) in [
        ("content: common + rare word", q_rare_common),
        ("content: common + mid word", q_mid_common),
        ("content: two most common words", q_common),
        ("content: one rare word", q_rare),
        ("metadata: tag, model+cwd, week or cost", q_meta),
        ("combined: words + model + time", q_combined),
    ] {
        kinds.push((
            Latencies {
                name,
                times: Vec::new(),
                hits: 0,
            },
            qs,
        ));
    }
    // Warm-up: one pass over a few queries of each kind.
    for (_, qs) in &kinds {
        for q in qs.iter().take(5) {
            store.search(q.clone()).await.unwrap();
        }
    }
    let mut all_content = Vec::new();
    for (lat, qs) in &mut kinds {
        for q in qs.iter() {
            let t0 = Instant::now();
            let page = store.search(q.clone()).await.unwrap();
            let dt = t0.elapsed();
            lat.times.push(dt);
            lat.hits += page.total;
            assert!(
                page.total > 0 || lat.name.starts_with("combined"),
                "{}: a sampled query found nothing",
                lat.name
            );
            if lat.name.starts_with("content") {
                all_content.push(dt);
            }
        }
    }
    all_content.sort();
    let mut list_times = Vec::new();
    for k in 0..args.queries.min(200) {
        let t0 = Instant::now();
        let page = store
            .list(claude_sdk_session::ListQuery::new().offset(k % 5 * 20))
            .await
            .unwrap();
        list_times.push(t0.elapsed());
        assert_eq!(page.total, args.sessions);
    }
    list_times.sort();
    let mut rows: Vec<Value> = kinds.iter_mut().map(|(l, _)| l.json()).collect();
    rows.push(json!({
        "kind": "list: newest first, page of 20",
        "queries": list_times.len(),
        "p50_ms": percentile(&list_times, 0.5),
        "p99_ms": percentile(&list_times, 0.99),
        "mean_hits": args.sessions,
    }));
    drop(store);

    // Durable appends (Durability::Sync), one writer and 8 concurrent writers.
    let durable = durable_appends(&args.dir.join("durable")).await;

    json!({
        "sessions": args.sessions,
        "entries": entries,
        "insert_secs": insert_secs,
        "sessions_per_sec": args.sessions as f64 / insert_secs,
        "entries_per_sec": entries as f64 / insert_secs,
        "bytes_on_disk": size,
        "open_ms": open_ms,
        "sled_open_ms": sled_open_ms,
        "meta_scan_ms": meta_scan_ms,
        "content_p50_ms": percentile(&all_content, 0.5),
        "content_p99_ms": percentile(&all_content, 0.99),
        "queries": rows,
        "durable": durable,
    })
}

async fn durable_appends(dir: &Path) -> Value {
    const N: usize = 400;
    let store = Arc::new(SledStore::open(dir).unwrap());
    let mut g = Gen::new(7);
    let id = store.create(NewSession::new()).await.unwrap().id;
    let mut ranks = Vec::new();
    let texts: Vec<String> = (0..N).map(|_| g.text(10, 40, &mut ranks)).collect();
    let t0 = Instant::now();
    for t in &texts {
        store
            .append(id, vec![TranscriptEntry::prompt(t.clone())])
            .await
            .unwrap();
    }
    let serial = N as f64 / t0.elapsed().as_secs_f64();
    let ids: Vec<SessionId> = {
        let mut v = Vec::new();
        for _ in 0..8 {
            v.push(store.create(NewSession::new()).await.unwrap().id);
        }
        v
    };
    let texts = Arc::new(texts);
    let t0 = Instant::now();
    let mut tasks = Vec::new();
    for (w, id) in ids.into_iter().enumerate() {
        let store = Arc::clone(&store);
        let texts = Arc::clone(&texts);
        tasks.push(tokio::spawn(async move {
            for t in texts.iter().skip(w).step_by(8) {
                store
                    .append(id, vec![TranscriptEntry::prompt(t.clone())])
                    .await
                    .unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let concurrent = N as f64 / t0.elapsed().as_secs_f64();
    eprintln!("durable appends: {serial:.0}/s one writer, {concurrent:.0}/s 8 writers");
    json!({ "appends": N, "serial_per_sec": serial, "concurrent8_per_sec": concurrent })
}
