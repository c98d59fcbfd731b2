#![allow(clippy::unwrap_used, clippy::print_stderr)]
use claude_sdk_testing::{MockServer, Reply, Script};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
fn rss() -> String { std::fs::read_to_string("/proc/self/status").unwrap().lines().find(|l| l.starts_with("VmRSS")).unwrap().to_owned() }
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bp() {
    let server = MockServer::start(Script::always(Reply::huge_text(1 << 30))).await.unwrap();
    eprintln!("before {}", rss());
    let mut s = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
    let body = r#"{"model":"m","stream":true,"messages":[]}"#;
    s.write_all(format!("POST /v1/messages HTTP/1.1\r\nhost: x\r\ncontent-length: {}\r\n\r\n{}", body.len(), body).as_bytes()).await.unwrap();
    let mut buf = vec![0u8; 1024];
    s.read_exact(&mut buf).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    eprintln!("stalled {}", rss());
    let mut total = 0u64; let mut big = vec![0u8; 1 << 20];
    loop { let n = s.read(&mut big).await.unwrap(); if n == 0 { break; } total += n as u64; if total > (1 << 30) + 100_000_000 { break; } }
    eprintln!("read {total} after {}", rss());
}
