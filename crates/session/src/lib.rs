//! # claude-sdk-session
//!
//! Sessions are conversations a user can stop, find, move and continue. A [`Session`] keeps our
//! id and the CLI's session id, title, description, tags, times, model, working directory,
//! totals (turns, tokens, cost) and the full event transcript.
//!
//! - [`SessionStore`]: the store contract (native `async fn`); [`DynSessionStore`] for trait
//!   objects.
//! - Stores: [`MemoryStore`] (tests), [`SledStore`] (embedded default, feature `sled`),
//!   `RedisStore` (shared between processes and hosts, feature `redis`).
//! - [`export`]: portable, checksummed export files that carry the CLI's own transcript, so
//!   `--resume` works after an import on another machine.
//! - [`SearchQuery`]: metadata filters plus ranked content search over an index kept in the store.
//!
//! ```
//! use claude_sdk_session::{MemoryStore, NewSession, SessionStore, SearchQuery, TranscriptEntry};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> claude_sdk_core::Result<()> {
//! let store = MemoryStore::new();
//! let meta = store.create(NewSession::new().title("Rust questions").tag("rust")).await?;
//! store.append(meta.id, vec![TranscriptEntry::prompt("How do lifetimes work?")]).await?;
//! let hits = store.search(SearchQuery::new().text("lifetimes").tag("rust")).await?;
//! assert_eq!(hits.items[0].meta.id, meta.id);
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

#[cfg(feature = "conformance")]
pub mod conformance;
pub mod export;
pub mod memory;
pub mod model;
pub mod open;
pub mod query;
pub mod recorder;
#[cfg(feature = "redis")]
pub mod redis;
#[cfg(feature = "sled")]
pub mod sled;
pub mod store;
pub mod text;

pub use memory::MemoryStore;
pub use model::{
    EntryKind, MetaPatch, Millis, NewSession, Session, SessionId, SessionMeta, Totals,
    TranscriptEntry, now_millis, title_of,
};
pub use open::{StoreSpec, open};
pub use query::{ListQuery, Page, SearchHit, SearchQuery};
pub use recorder::{Recorder, Recording};
#[cfg(feature = "redis")]
pub use redis::RedisStore;
#[cfg(feature = "sled")]
pub use sled::{Durability, SledOptions, SledStore};
pub use store::{DynSessionStore, SessionStore, SharedStore};
