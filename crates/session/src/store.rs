//! The [`SessionStore`] contract and its object-safe twin [`DynSessionStore`].

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use claude_sdk_core::Result;

use crate::model::{MetaPatch, NewSession, Session, SessionId, SessionMeta, TranscriptEntry};
use crate::query::{ListQuery, Page, SearchHit, SearchQuery};

/// Where sessions live. Every store (sled, Redis, memory) passes the same conformance suite
/// (`conformance` feature), so code above it does not care which one it has.
///
/// Errors: an unknown id is [`ErrorCode::NotFound`](claude_sdk_core::ErrorCode::NotFound); a
/// failing medium is `storage`; bad input is `config`.
pub trait SessionStore: Send + Sync + 'static {
    /// Creates an empty session and returns its metadata.
    fn create(&self, new: NewSession) -> impl Future<Output = Result<SessionMeta>> + Send;

    /// Appends entries to a session's transcript. The store assigns `seq` (continuing from the
    /// last entry), folds each entry into the metadata ([`SessionMeta::absorb`]) and updates the
    /// content index. When this returns `Ok`, the entries are durable (survive a crash of the
    /// process). Concurrent appends to one session are serialized; none is lost.
    fn append(
        &self,
        id: SessionId,
        entries: Vec<TranscriptEntry>,
    ) -> impl Future<Output = Result<SessionMeta>> + Send;

    /// A session's metadata.
    fn meta(&self, id: SessionId) -> impl Future<Output = Result<SessionMeta>> + Send;

    /// A whole session: metadata and transcript in `seq` order.
    fn load(&self, id: SessionId) -> impl Future<Output = Result<Session>> + Send;

    /// Sessions, newest change first.
    fn list(&self, query: ListQuery) -> impl Future<Output = Result<Page<SessionMeta>>> + Send;

    /// Changes metadata (title, description, tags, CLI session id).
    fn update(
        &self,
        id: SessionId,
        patch: MetaPatch,
    ) -> impl Future<Output = Result<SessionMeta>> + Send;

    /// Deletes a session and its index entries. `Ok(false)` when it did not exist.
    fn delete(&self, id: SessionId) -> impl Future<Output = Result<bool>> + Send;

    /// Searches by metadata and content; ranked and paginated (see [`SearchQuery`]).
    fn search(&self, query: SearchQuery) -> impl Future<Output = Result<Page<SearchHit>>> + Send;

    /// Inserts a whole session (an import) all at once: either everything is stored and indexed,
    /// or nothing is. Fails with `config` when the id already exists. The stored metadata is
    /// taken as given (totals are not recomputed), except `entries`, which must match the
    /// transcript length.
    fn insert(&self, session: Session) -> impl Future<Output = Result<SessionMeta>> + Send;
}

/// A boxed future, for [`DynSessionStore`].
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// [`SessionStore`] as a trait object (`Arc<dyn DynSessionStore>`). Every `SessionStore` is one.
#[allow(missing_docs)]
pub trait DynSessionStore: Send + Sync + 'static {
    fn create(&self, new: NewSession) -> BoxFuture<'_, Result<SessionMeta>>;
    fn append(
        &self,
        id: SessionId,
        entries: Vec<TranscriptEntry>,
    ) -> BoxFuture<'_, Result<SessionMeta>>;
    fn meta(&self, id: SessionId) -> BoxFuture<'_, Result<SessionMeta>>;
    fn load(&self, id: SessionId) -> BoxFuture<'_, Result<Session>>;
    fn list(&self, query: ListQuery) -> BoxFuture<'_, Result<Page<SessionMeta>>>;
    fn update(&self, id: SessionId, patch: MetaPatch) -> BoxFuture<'_, Result<SessionMeta>>;
    fn delete(&self, id: SessionId) -> BoxFuture<'_, Result<bool>>;
    fn search(&self, query: SearchQuery) -> BoxFuture<'_, Result<Page<SearchHit>>>;
    fn insert(&self, session: Session) -> BoxFuture<'_, Result<SessionMeta>>;
}

impl<S: SessionStore> DynSessionStore for S {
    fn create(&self, new: NewSession) -> BoxFuture<'_, Result<SessionMeta>> {
        Box::pin(SessionStore::create(self, new))
    }
    fn append(
        &self,
        id: SessionId,
        entries: Vec<TranscriptEntry>,
    ) -> BoxFuture<'_, Result<SessionMeta>> {
        Box::pin(SessionStore::append(self, id, entries))
    }
    fn meta(&self, id: SessionId) -> BoxFuture<'_, Result<SessionMeta>> {
        Box::pin(SessionStore::meta(self, id))
    }
    fn load(&self, id: SessionId) -> BoxFuture<'_, Result<Session>> {
        Box::pin(SessionStore::load(self, id))
    }
    fn list(&self, query: ListQuery) -> BoxFuture<'_, Result<Page<SessionMeta>>> {
        Box::pin(SessionStore::list(self, query))
    }
    fn update(&self, id: SessionId, patch: MetaPatch) -> BoxFuture<'_, Result<SessionMeta>> {
        Box::pin(SessionStore::update(self, id, patch))
    }
    fn delete(&self, id: SessionId) -> BoxFuture<'_, Result<bool>> {
        Box::pin(SessionStore::delete(self, id))
    }
    fn search(&self, query: SearchQuery) -> BoxFuture<'_, Result<Page<SearchHit>>> {
        Box::pin(SessionStore::search(self, query))
    }
    fn insert(&self, session: Session) -> BoxFuture<'_, Result<SessionMeta>> {
        Box::pin(SessionStore::insert(self, session))
    }
}

/// A shared, type-erased store.
pub type SharedStore = Arc<dyn DynSessionStore>;

/// A shared store is a store too (so generic code such as `export` takes one).
impl SessionStore for Arc<dyn DynSessionStore> {
    fn create(&self, new: NewSession) -> impl Future<Output = Result<SessionMeta>> + Send {
        (**self).create(new)
    }
    fn append(
        &self,
        id: SessionId,
        entries: Vec<TranscriptEntry>,
    ) -> impl Future<Output = Result<SessionMeta>> + Send {
        (**self).append(id, entries)
    }
    fn meta(&self, id: SessionId) -> impl Future<Output = Result<SessionMeta>> + Send {
        (**self).meta(id)
    }
    fn load(&self, id: SessionId) -> impl Future<Output = Result<Session>> + Send {
        (**self).load(id)
    }
    fn list(&self, query: ListQuery) -> impl Future<Output = Result<Page<SessionMeta>>> + Send {
        (**self).list(query)
    }
    fn update(
        &self,
        id: SessionId,
        patch: MetaPatch,
    ) -> impl Future<Output = Result<SessionMeta>> + Send {
        (**self).update(id, patch)
    }
    fn delete(&self, id: SessionId) -> impl Future<Output = Result<bool>> + Send {
        (**self).delete(id)
    }
    fn search(&self, query: SearchQuery) -> impl Future<Output = Result<Page<SearchHit>>> + Send {
        (**self).search(query)
    }
    fn insert(&self, session: Session) -> impl Future<Output = Result<SessionMeta>> + Send {
        (**self).insert(session)
    }
}

/// The error for an unknown session id.
pub fn not_found(id: SessionId) -> claude_sdk_core::Error {
    claude_sdk_core::Error::new(
        claude_sdk_core::ErrorCode::NotFound,
        format!("no session with id {id}"),
    )
}

/// The error for inserting an id that exists.
pub fn already_exists(id: SessionId) -> claude_sdk_core::Error {
    claude_sdk_core::Error::new(
        claude_sdk_core::ErrorCode::Config,
        format!("a session with id {id} already exists"),
    )
}

/// Checks a session before [`SessionStore::insert`]: `entries` matches the transcript and the
/// transcript's `seq`s run 0, 1, 2, … (every store calls this first).
pub fn check_insert(session: &Session) -> Result<()> {
    if session.meta.entries != session.transcript.len() as u64 {
        return Err(claude_sdk_core::Error::new(
            claude_sdk_core::ErrorCode::Integrity,
            format!(
                "session {} says it has {} entries but carries {}",
                session.meta.id,
                session.meta.entries,
                session.transcript.len()
            ),
        ));
    }
    if let Some((i, e)) = session
        .transcript
        .iter()
        .enumerate()
        .find(|(i, e)| e.seq != *i as u64)
    {
        return Err(claude_sdk_core::Error::new(
            claude_sdk_core::ErrorCode::Integrity,
            format!(
                "session {}: entry {i} has seq {} (expected {i})",
                session.meta.id, e.seq
            ),
        ));
    }
    Ok(())
}
