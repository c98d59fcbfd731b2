//! End-to-end: streaming, the multi-turn client, interrupt — the real CLI against the mock.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use claude_sdk_backend_cli::CliClient;
use claude_sdk_core::{ErrorCode, Event, EventStream, Request};
use claude_sdk_testing::{CliTestEnv, Reply, Script};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_deltas_arrive_before_the_result() {
    let chunks: Vec<String> = (0..5).map(|i| format!("chunk{i} ")).collect();
    let Some(env) = CliTestEnv::start(Script::always(Reply::slow_text(
        chunks.clone(),
        Duration::from_millis(30),
    )))
    .await
    else {
        return;
    };
    let opts = common::options(&env).include_partial_messages(true);
    let mut stream = common::backend(&env)
        .stream(Request::new("stream please").with_options(opts))
        .await
        .expect("stream");
    let mut deltas = Vec::new();
    let mut result_text = None;
    while let Some(ev) = stream.next_event().await {
        match ev.expect("event") {
            Event::Result(r) => {
                assert!(!deltas.is_empty(), "no delta before the result");
                result_text = r.result.clone();
            }
            ev => {
                assert!(result_text.is_none(), "event after the result: {ev:?}");
                if let Some(t) = ev.text_delta() {
                    deltas.push(t.to_owned());
                }
            }
        }
    }
    assert_eq!(deltas.len(), chunks.len(), "{deltas:?}");
    assert_eq!(deltas.concat(), chunks.concat());
    assert_eq!(result_text.as_deref(), Some(chunks.concat().as_str()));
    common::assert_no_processes_left(&env).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multi_turn_client_keeps_context_in_one_process() {
    // The mock answers with how many user prompts it saw: history must grow 1, 2, 3.
    let Some(env) = CliTestEnv::start(Script::from_fn(|req| {
        Reply::text(format!("seen {}", req.user_texts().len()))
    }))
    .await
    else {
        return;
    };
    let client = CliClient::connect(common::config(&env), common::options(&env))
        .await
        .expect("connect");
    let pid = client.pid();
    assert!(client.server_info().get("claude_code_version").is_some());
    let mut answers = Vec::new();
    for prompt in ["first", "second", "third"] {
        answers.push(client.query(prompt).await.expect("turn").text);
        assert_eq!(client.pid(), pid);
        assert_eq!(env.live_processes(), vec![pid], "exactly one CLI process");
    }
    assert_eq!(answers, ["seen 1", "seen 2", "seen 3"]);
    let reqs = env.mock.message_requests();
    assert_eq!(
        reqs.last().unwrap().user_texts(),
        ["first", "second", "third"]
    );
    let status = client.close().await.expect("close");
    assert!(status.is_some_and(|s| s.success()), "{status:?}");
    common::assert_no_processes_left(&env).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interrupt_stops_a_slow_stream_and_the_client_stays_usable() {
    let slow: Vec<String> = (0..100).map(|i| format!("c{i} ")).collect();
    let script = Script::new()
        .then(Reply::slow_text(slow, Duration::from_millis(100)))
        .otherwise(Reply::text("after"));
    let Some(env) = CliTestEnv::start(script).await else {
        return;
    };
    let client = CliClient::connect(
        common::config(&env),
        common::options(&env).include_partial_messages(true),
    )
    .await
    .expect("connect");
    let mut turn = EventStream::new(client.turn("go slowly").await.expect("send"));
    // Wait for the first delta, so the stream is really running.
    loop {
        let ev = turn
            .next_event()
            .await
            .expect("stream ended early")
            .expect("event");
        if ev.text_delta().is_some() {
            break;
        }
    }
    client.interrupt().await.expect("interrupt");
    let err = turn
        .outcome()
        .await
        .expect_err("interrupted turn must fail");
    assert_eq!(err.code(), ErrorCode::Cancelled, "{err:#}");
    let next = client
        .query("and now?")
        .await
        .expect("client usable after interrupt");
    assert_eq!(next.text, "after");
    client.close().await.expect("close");
    common::assert_no_processes_left(&env).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeout_kills_the_process() {
    let Some(env) = CliTestEnv::start(Script::always(Reply::hang())).await else {
        return;
    };
    let opts = common::options(&env).timeout(Duration::from_secs(2));
    let err = common::backend(&env)
        .query(Request::new("hang").with_options(opts.clone()))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Timeout, "{err:#}");
    common::assert_no_processes_left(&env).await;
    // The same through a stream. On a loaded machine the deadline may already pass during the
    // handshake, so `stream` itself is the timeout; otherwise the stream ends with it.
    match common::backend(&env)
        .stream(Request::new("hang").with_options(opts))
        .await
    {
        Err(e) => assert_eq!(e.code(), ErrorCode::Timeout, "{e:#}"),
        Ok(mut stream) => {
            let mut last = None;
            while let Some(ev) = stream.next_event().await {
                last = Some(ev);
            }
            assert_eq!(
                last.expect("an event").unwrap_err().code(),
                ErrorCode::Timeout
            );
        }
    }
    common::assert_no_processes_left(&env).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_a_stream_kills_the_process() {
    let slow: Vec<String> = (0..100).map(|i| format!("c{i} ")).collect();
    let Some(env) = CliTestEnv::start(Script::always(Reply::slow_text(
        slow,
        Duration::from_millis(100),
    )))
    .await
    else {
        return;
    };
    let opts = common::options(&env).include_partial_messages(true);
    let mut stream = common::backend(&env)
        .stream(Request::new("slow").with_options(opts))
        .await
        .expect("stream");
    loop {
        let ev = stream.next_event().await.expect("ended").expect("event");
        if ev.text_delta().is_some() {
            break;
        }
    }
    assert!(!env.live_processes().is_empty());
    drop(stream);
    common::assert_no_processes_left(&env).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interrupt_is_answered_while_the_consumer_lags() {
    // A one-slot event channel and a fast stream: the channel is full while we wait for the
    // interrupt's answer without reading events. The reader must read on to find that answer.
    let fast: Vec<String> = (0..400).map(|i| format!("f{i} ")).collect();
    let Some(env) = CliTestEnv::start(
        Script::new()
            .then(Reply::slow_text(fast, Duration::from_millis(5)))
            .otherwise(Reply::text("next")),
    )
    .await
    else {
        return;
    };
    let config = common::config(&env)
        .event_buffer(1)
        .control_timeout(Duration::from_secs(15));
    let client = CliClient::connect(config, common::options(&env).include_partial_messages(true))
        .await
        .expect("connect");
    let mut turn = EventStream::new(client.turn("fast").await.expect("send"));
    loop {
        if turn
            .next_event()
            .await
            .expect("ended")
            .expect("event")
            .text_delta()
            .is_some()
        {
            break;
        }
    }
    // Not reading `turn` while the interrupt is in flight.
    client
        .interrupt()
        .await
        .expect("interrupt answered despite the full channel");
    assert_eq!(
        turn.outcome().await.expect_err("interrupted").code(),
        ErrorCode::Cancelled
    );
    assert_eq!(client.query("again").await.expect("usable").text, "next");
    client.close().await.expect("close");
    common::assert_no_processes_left(&env).await;
}
