//! The sled store passes the conformance suite, each check in a fresh directory.
#![cfg(feature = "sled")]

use std::sync::atomic::{AtomicUsize, Ordering};

use claude_sdk_session::{SledStore, conformance};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sled_store_passes_the_conformance_suite() {
    let root = tempfile::tempdir().expect("tempdir");
    let n = AtomicUsize::new(0);
    conformance::run_all(|| {
        let dir = root
            .path()
            .join(n.fetch_add(1, Ordering::Relaxed).to_string());
        SledStore::open(&dir).expect("open a fresh sled store")
    })
    .await;
}
