//! `claude-rs` records into a session store and the `session` commands work across processes
//! and machines (HOMEs): the real CLI against the mock API, a real sled store on disk.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output, Stdio};

use claude_sdk_testing::{CliTestEnv, Reply, Script};

/// Runs `claude-rs` in `env` with these extra environment variables (e.g. another HOME).
fn run_in(env: &CliTestEnv, extra: &[(&str, &Path)], cwd: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_claude-rs"));
    cmd.args(args)
        .envs(env.env())
        .env("CLAUDE_CLI_PATH", &env.cli)
        .env_remove("CLAUDE_RS_STORE")
        .env_remove("XDG_DATA_HOME")
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in extra {
        cmd.env(k, v);
    }
    cmd.output().expect("run claude-rs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// The answer and the session id of `claude-rs query --output json`.
fn answer_and_session(out: &Output) -> (String, String) {
    let v: serde_json::Value = serde_json::from_str(&ok(out)).expect("json output");
    (
        v["result"].as_str().unwrap().to_owned(),
        v["session"]
            .as_str()
            .expect("recorded into a session")
            .to_owned(),
    )
}

fn counting_script() -> Script {
    Script::from_fn(|req| Reply::text(format!("seen {}", req.user_texts().len())))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_restart_and_resume_by_id_then_manage_the_session() {
    let Some(env) = CliTestEnv::start(counting_script()).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let store = format!("sled:{}", dir.path().join("store").display());
    let cwd = env.project_dir().to_path_buf();

    let first = run_in(
        &env,
        &[],
        &cwd,
        &[
            "--store",
            &store,
            "query",
            "--output",
            "json",
            "my name is Ada",
        ],
    );
    let (answer, id) = answer_and_session(&first);
    assert_eq!(answer, "seen 1");

    // A new process: only the store links the turns.
    let second = run_in(
        &env,
        &[],
        &cwd,
        &[
            "--store",
            &store,
            "session",
            "resume",
            &id[..8],
            "what is my name?",
        ],
    );
    assert_eq!(
        ok(&second),
        "seen 2\n",
        "the CLI resumed the same conversation"
    );
    let last = env.mock.requests().into_iter().last().unwrap();
    assert!(
        last.user_texts()
            .iter()
            .any(|t| t.contains("my name is Ada")),
        "the mock saw the history"
    );

    let list = ok(&run_in(
        &env,
        &[],
        &cwd,
        &["--store", &store, "session", "list"],
    ));
    assert!(list.contains(&id) && list.contains("turns=2"), "{list}");

    let show = ok(&run_in(
        &env,
        &[],
        &cwd,
        &["--store", &store, "session", "show", &id],
    ));
    assert!(show.contains("you:    my name is Ada"), "{show}");
    assert!(show.contains("claude: seen 2"), "{show}");

    ok(&run_in(
        &env,
        &[],
        &cwd,
        &["--store", &store, "session", "tag", &id, "people"],
    ));
    let hits = ok(&run_in(
        &env,
        &[],
        &cwd,
        &[
            "--store", &store, "session", "search", "ada", "--tag", "people", "--json",
        ],
    ));
    let hit: serde_json::Value = serde_json::from_str(hits.lines().next().unwrap()).unwrap();
    assert_eq!(hit["id"], id.as_str());
    assert!(hit["score"].as_f64().unwrap() > 0.0);
    let none = ok(&run_in(
        &env,
        &[],
        &cwd,
        &[
            "--store", &store, "session", "search", "ada", "--tag", "other",
        ],
    ));
    assert!(none.trim().is_empty(), "{none}");

    ok(&run_in(
        &env,
        &[],
        &cwd,
        &["--store", &store, "session", "rm", &id],
    ));
    let gone = run_in(
        &env,
        &[],
        &cwd,
        &["--store", &store, "session", "show", &id],
    );
    assert_eq!(gone.status.code(), Some(6), "{}", text(&gone.stderr));
    assert!(text(&gone.stderr).contains("error[not_found]"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_on_one_home_import_on_another_and_resume_there() {
    let Some(env) = CliTestEnv::start(counting_script()).await else {
        return;
    };
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let store_a = format!("sled:{}", a.path().join("store").display());
    let store_b = format!("sled:{}", b.path().join("store").display());
    let home_b = b.path().join("home");
    let cwd_b = b.path().join("project");
    std::fs::create_dir_all(&home_b).unwrap();
    std::fs::create_dir_all(&cwd_b).unwrap();
    let cwd_a = env.project_dir().to_path_buf();

    let first = run_in(
        &env,
        &[],
        &cwd_a,
        &[
            "--store",
            &store_a,
            "query",
            "--output",
            "json",
            "remember 42",
        ],
    );
    let (answer, id) = answer_and_session(&first);
    assert_eq!(answer, "seen 1");
    let file = a.path().join("session.export");
    ok(&run_in(
        &env,
        &[],
        &cwd_a,
        &[
            "--store",
            &store_a,
            "session",
            "export",
            &id,
            "-o",
            file.to_str().unwrap(),
        ],
    ));

    // Tampered and truncated copies are refused; store B stays empty.
    let bytes = std::fs::read(&file).unwrap();
    let tampered = b.path().join("tampered.export");
    let mut t = bytes.clone();
    let pos = text(&t)
        .find("remember 42")
        .expect("the prompt is in the export");
    t[pos] = b'R';
    std::fs::write(&tampered, &t).unwrap();
    let truncated = b.path().join("truncated.export");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let home = [("HOME", home_b.as_path())];
    for bad in [&tampered, &truncated] {
        let out = run_in(
            &env,
            &home,
            &cwd_b,
            &[
                "--store",
                &store_b,
                "session",
                "import",
                bad.to_str().unwrap(),
            ],
        );
        assert_eq!(out.status.code(), Some(6), "{}", text(&out.stderr));
        assert!(
            text(&out.stderr).contains("error[integrity]"),
            "{}",
            text(&out.stderr)
        );
    }
    let empty = ok(&run_in(
        &env,
        &home,
        &cwd_b,
        &["--store", &store_b, "session", "list"],
    ));
    assert!(empty.trim().is_empty(), "{empty}");
    assert!(
        !home_b.join(".claude").exists(),
        "a refused import writes nothing into HOME"
    );

    ok(&run_in(
        &env,
        &home,
        &cwd_b,
        &[
            "--store",
            &store_b,
            "session",
            "import",
            file.to_str().unwrap(),
        ],
    ));
    let resumed = run_in(
        &env,
        &home,
        &cwd_b,
        &[
            "--store",
            &store_b,
            "session",
            "resume",
            &id,
            "and the number?",
        ],
    );
    assert_eq!(
        ok(&resumed),
        "seen 2\n",
        "resumed on the other HOME and cwd"
    );
    let last = env.mock.requests().into_iter().last().unwrap();
    assert!(last.user_texts().iter().any(|t| t.contains("remember 42")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_store_records_nothing_and_bad_store_specs_are_config_errors() {
    let Some(env) = CliTestEnv::start(Script::always(Reply::text("hi"))).await else {
        return;
    };
    let cwd = env.project_dir().to_path_buf();
    let out = run_in(&env, &[], &cwd, &["--no-store", "query", "x"]);
    assert_eq!(ok(&out), "hi\n");
    assert!(
        !text(&out.stderr).contains("session "),
        "{}",
        text(&out.stderr)
    );
    let bad = run_in(&env, &[], &cwd, &["--store", "ftp://x", "session", "list"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains("error[config]"));
}
