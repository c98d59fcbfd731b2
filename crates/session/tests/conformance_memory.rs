//! The reference store passes the conformance suite.

use claude_sdk_session::{MemoryStore, conformance};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_store_passes_the_conformance_suite() {
    conformance::run_all(MemoryStore::new).await;
}
