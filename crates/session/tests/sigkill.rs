//! Durability and locking with real processes: `session-writer` (src/bin) appends and prints
//! every acknowledged append; the test SIGKILLs it at a point chosen from what it has read, reopens
//! the store and checks that every acknowledged entry is there, whole appends only.
#![cfg(all(unix, feature = "sled"))]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};

use claude_sdk_core::ErrorCode;
use claude_sdk_session::{EntryKind, SearchQuery, SessionId, SessionStore, SledStore};

const WRITER: &str = env!("CARGO_BIN_EXE_session-writer");
const ROUNDS: usize = 20;
const SESSIONS: usize = 3;
const APPENDS: u64 = 200;

fn spawn(args: &[&str]) -> (Child, BufReader<ChildStdout>) {
    let mut child = Command::new(WRITER)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn session-writer");
    let out = BufReader::new(child.stdout.take().expect("stdout"));
    (child, out)
}

fn read_line(out: &mut BufReader<ChildStdout>) -> Option<String> {
    let mut line = String::new();
    match out.read_line(&mut line) {
        Ok(0) => None,
        Ok(_) => Some(line.trim_end().to_owned()),
        Err(e) => panic!("reading the writer: {e}"),
    }
}

/// Entry counts a session can have: after whole appends of 1, 2, 3, 1, 2, 3, … entries.
fn boundaries() -> Vec<u64> {
    let mut b = vec![0];
    let mut n = 0;
    for k in 0..APPENDS {
        n += k % 3 + 1;
        b.push(n);
    }
    b
}

/// The text the writer puts in entry `j` of append `k`, found by seq.
fn expected_texts(id: SessionId, entries: u64) -> Vec<String> {
    let mut out = Vec::new();
    'outer: for k in 0..APPENDS {
        for j in 0..k % 3 + 1 {
            if out.len() as u64 == entries {
                break 'outer;
            }
            out.push(format!("session {id} append {k} part {j} durable marker"));
        }
    }
    out
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("runtime")
}

/// Reopens the store and checks every session against what was acknowledged.
fn verify(dir: &Path, acked: &BTreeMap<SessionId, u64>, round: usize) {
    let bounds = boundaries();
    rt().block_on(async {
        let store = SledStore::open(dir)
            .unwrap_or_else(|e| panic!("round {round}: the store does not reopen: {e:#}"));
        for (&id, &acked_entries) in acked {
            let s = store
                .load(id)
                .await
                .unwrap_or_else(|e| panic!("round {round}: session {id} does not load: {e:#}"));
            let n = s.meta.entries;
            assert!(
                n >= acked_entries,
                "round {round}: session {id} lost acknowledged entries: {n} < {acked_entries}"
            );
            assert!(
                bounds.contains(&n),
                "round {round}: session {id} has {n} entries, not a whole number of appends"
            );
            assert_eq!(
                s.transcript.len() as u64,
                n,
                "round {round}: transcript length"
            );
            let want = expected_texts(id, n);
            for (i, e) in s.transcript.iter().enumerate() {
                assert_eq!(e.seq, i as u64);
                let EntryKind::Prompt { text } = &e.kind else {
                    panic!("round {round}: entry {i} is not a prompt");
                };
                assert_eq!(text, &want[i], "round {round}: session {id} entry {i}");
            }
        }
        // The index agrees with the transcripts.
        let hits = store
            .search(
                SearchQuery::new()
                    .text("durable marker")
                    .tag("crash-test")
                    .limit(1000),
            )
            .await
            .expect("search");
        let with_entries = acked.keys().len();
        assert!(
            hits.total <= with_entries + SESSIONS,
            "round {round}: search finds sessions that do not exist"
        );
        for (&id, &n) in acked {
            if n > 0 {
                assert!(
                    hits.items.iter().any(|h| h.meta.id == id),
                    "round {round}: session {id} missing from the index"
                );
            }
        }
    });
}

#[test]
fn sigkill_mid_stream_loses_no_acknowledged_entry_20_rounds() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store_dir = dir.path().join("store");
    let store_arg = store_dir.to_str().expect("utf-8 path");
    // Acknowledged entry counts of every session of every round so far.
    let mut acked: BTreeMap<SessionId, u64> = BTreeMap::new();
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for round in 0..ROUNDS {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        // Kill after this many acknowledgements (the writer prints up to SESSIONS * APPENDS).
        let kill_after = 1 + (seed % (SESSIONS as u64 * APPENDS / 2)) as usize;
        let (mut child, mut out) = spawn(&[
            "append",
            store_arg,
            &SESSIONS.to_string(),
            &APPENDS.to_string(),
        ]);
        let mut acks = 0;
        let handle = |line: &str, acked: &mut BTreeMap<SessionId, u64>| -> bool {
            let parts: Vec<&str> = line.split(' ').collect();
            match parts[..] {
                ["session", id] => {
                    acked.insert(id.parse().expect("session id"), 0);
                    false
                }
                ["ack", id, n] => {
                    let id: SessionId = id.parse().expect("session id");
                    let n: u64 = n.parse().expect("count");
                    let e = acked.entry(id).or_insert(0);
                    assert!(n > *e, "acks grow");
                    *e = n;
                    true
                }
                ["done"] => false,
                _ => panic!("round {round}: unexpected writer output `{line}`"),
            }
        };
        while let Some(line) = read_line(&mut out) {
            if handle(&line, &mut acked) {
                acks += 1;
                if acks == kill_after {
                    break;
                }
            }
        }
        assert_eq!(acks, kill_after, "round {round}: the writer ended early");
        child.kill().expect("SIGKILL the writer");
        // Lines written before the kill are acknowledged too.
        while let Some(line) = read_line(&mut out) {
            handle(&line, &mut acked);
        }
        let status = child.wait().expect("reap the writer");
        assert!(
            !status.success(),
            "round {round}: the writer was killed, not finished"
        );
        verify(&store_dir, &acked, round);
    }
    assert!(acked.len() == ROUNDS * SESSIONS);
}

#[test]
fn a_second_process_gets_locked_and_the_lock_dies_with_its_holder() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = dir.path().join("store");
    let store_arg = store.to_str().expect("utf-8 path");

    // Held by a child: another child and this process both get `locked`.
    let (mut holder, mut out) = spawn(&["hold", store_arg]);
    assert_eq!(read_line(&mut out).as_deref(), Some("held"));
    let (mut other, mut other_out) = spawn(&["open", store_arg]);
    assert_eq!(read_line(&mut other_out).as_deref(), Some("error locked"));
    assert_eq!(other.wait().expect("reap").code(), Some(3));
    let err = SledStore::open(&store).expect_err("held by the child");
    assert_eq!(err.code(), ErrorCode::Locked);

    // The holder closes the store: free again.
    drop(holder.stdin.take());
    assert!(holder.wait().expect("reap").success());
    let (mut other, mut other_out) = spawn(&["open", store_arg]);
    assert_eq!(read_line(&mut other_out).as_deref(), Some("ok"));
    assert!(other.wait().expect("reap").success());

    // Held by this process: the child gets `locked`.
    let mine = SledStore::open(&store).expect("open here");
    let (mut other, mut other_out) = spawn(&["open", store_arg]);
    assert_eq!(read_line(&mut other_out).as_deref(), Some("error locked"));
    assert_eq!(other.wait().expect("reap").code(), Some(3));
    drop(mine);

    // A holder killed with SIGKILL leaves no stale lock, and the store opens cleanly.
    let (mut holder, mut out) = spawn(&["hold", store_arg]);
    assert_eq!(read_line(&mut out).as_deref(), Some("held"));
    holder.kill().expect("SIGKILL the holder");
    holder.wait().expect("reap");
    let reopened = SledStore::open(&store).expect("open after the holder died");
    assert!(reopened.path().ends_with("store"));
}
