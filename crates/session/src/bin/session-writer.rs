//! A helper process for the store's crash and locking tests (`tests/sigkill.rs`); not a user tool.
//!
//! - `session-writer append <dir> <sessions> <appends>`: opens the store with the default
//!   (synchronous) durability, creates `<sessions>` sessions and appends to them from one task
//!   each; append `k` of a session carries `k % 3 + 1` entries. Prints `session <id>` for each
//!   session, then `ack <id> <entries>` after every append the store acknowledged.
//! - `session-writer hold <dir>`: opens the store, prints `held`, keeps it open until stdin closes.
//! - `session-writer open <dir>`: tries to open the store; prints `ok` or `error <code>`.

use std::io::Write;
use std::process::ExitCode;

use claude_sdk_session::{NewSession, SessionId, SessionStore, SledStore, TranscriptEntry};

/// The text of entry `j` of append `k` of a session (what the test expects to find).
fn entry_text(id: SessionId, k: u64, j: u64) -> String {
    format!("session {id} append {k} part {j} durable marker")
}

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    // A closed stdout (the test went away) is not worth dying for before the kill.
    let _ = writeln!(out, "{line}").and_then(|()| out.flush());
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rt = match tokio::runtime::Builder::new_current_thread().build() {
        Ok(rt) => rt,
        Err(e) => {
            say(&format!("error runtime {e}"));
            return ExitCode::from(2);
        }
    };
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["append", dir, sessions, appends] => {
            let (Ok(sessions), Ok(appends)) = (sessions.parse::<usize>(), appends.parse::<u64>())
            else {
                say("error usage");
                return ExitCode::from(2);
            };
            rt.block_on(append(dir, sessions, appends))
        }
        ["hold", dir] => match SledStore::open(dir) {
            Ok(store) => {
                say("held");
                let mut sink = Vec::new();
                let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut sink);
                drop(store);
                ExitCode::SUCCESS
            }
            Err(e) => {
                say(&format!("error {}", e.code()));
                ExitCode::from(3)
            }
        },
        ["open", dir] => match SledStore::open(dir) {
            Ok(_) => {
                say("ok");
                ExitCode::SUCCESS
            }
            Err(e) => {
                say(&format!("error {}", e.code()));
                ExitCode::from(3)
            }
        },
        _ => {
            say("error usage: append <dir> <sessions> <appends> | hold <dir> | open <dir>");
            ExitCode::from(2)
        }
    }
}

async fn append(dir: &str, sessions: usize, appends: u64) -> ExitCode {
    let store = match SledStore::open(dir) {
        Ok(s) => s,
        Err(e) => {
            say(&format!("error {}", e.code()));
            return ExitCode::from(3);
        }
    };
    let mut ids = Vec::new();
    for _ in 0..sessions {
        match store.create(NewSession::new().tag("crash-test")).await {
            Ok(m) => {
                say(&format!("session {}", m.id));
                ids.push(m.id);
            }
            Err(e) => {
                say(&format!("error {}", e.code()));
                return ExitCode::from(3);
            }
        }
    }
    let mut tasks = Vec::new();
    for id in ids {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            for k in 0..appends {
                let entries = (0..k % 3 + 1)
                    .map(|j| TranscriptEntry::prompt(entry_text(id, k, j)))
                    .collect();
                match store.append(id, entries).await {
                    Ok(meta) => say(&format!("ack {id} {}", meta.entries)),
                    Err(e) => {
                        say(&format!("error {}", e.code()));
                        return false;
                    }
                }
            }
            true
        }));
    }
    let mut ok = true;
    for t in tasks {
        ok &= t.await.unwrap_or(false);
    }
    if ok {
        say("done");
        ExitCode::SUCCESS
    } else {
        ExitCode::from(3)
    }
}
