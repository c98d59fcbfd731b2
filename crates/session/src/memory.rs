//! [`MemoryStore`]: everything in memory. For tests, and the reference the other stores are
//! checked against.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use claude_sdk_core::{Error, ErrorCode, Result};

use crate::model::{MetaPatch, NewSession, Session, SessionId, SessionMeta, TranscriptEntry};
use crate::query::{ListQuery, Page, SearchHit, SearchQuery, paginate, sort_hits, sort_metas};
use crate::store::{SessionStore, already_exists, not_found};
use crate::text;

#[derive(Default)]
struct Inner {
    sessions: HashMap<SessionId, Session>,
    /// term -> session -> occurrences.
    postings: BTreeMap<String, HashMap<SessionId, u32>>,
}

impl Inner {
    fn index(&mut self, id: SessionId, entries: &[TranscriptEntry]) {
        for (term, n) in text::term_counts(entries) {
            *self
                .postings
                .entry(term)
                .or_default()
                .entry(id)
                .or_insert(0) += n;
        }
    }

    fn unindex(&mut self, id: SessionId) {
        self.postings.retain(|_, p| {
            p.remove(&id);
            !p.is_empty()
        });
    }
}

/// A store in memory, lost when dropped.
#[derive(Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.inner.lock().map(|g| g.sessions.len()).unwrap_or(0);
        f.debug_struct("MemoryStore").field("sessions", &n).finish()
    }
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        MemoryStore::default()
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Inner>> {
        self.inner
            .lock()
            .map_err(|_| Error::new(ErrorCode::Storage, "memory store poisoned by a panic"))
    }
}

impl SessionStore for MemoryStore {
    async fn create(&self, new: NewSession) -> Result<SessionMeta> {
        let meta = SessionMeta::new(new);
        let mut g = self.lock()?;
        if g.sessions.contains_key(&meta.id) {
            return Err(already_exists(meta.id));
        }
        g.sessions
            .insert(meta.id, Session::new(meta.clone(), Vec::new()));
        Ok(meta)
    }

    async fn append(
        &self,
        id: SessionId,
        mut entries: Vec<TranscriptEntry>,
    ) -> Result<SessionMeta> {
        let mut g = self.lock()?;
        let s = g.sessions.get_mut(&id).ok_or_else(|| not_found(id))?;
        for e in &mut entries {
            e.seq = s.transcript.len() as u64;
            s.meta.absorb(e);
            s.transcript.push(e.clone());
        }
        let meta = s.meta.clone();
        g.index(id, &entries);
        Ok(meta)
    }

    async fn meta(&self, id: SessionId) -> Result<SessionMeta> {
        let g = self.lock()?;
        g.sessions
            .get(&id)
            .map(|s| s.meta.clone())
            .ok_or_else(|| not_found(id))
    }

    async fn load(&self, id: SessionId) -> Result<Session> {
        let g = self.lock()?;
        g.sessions.get(&id).cloned().ok_or_else(|| not_found(id))
    }

    async fn list(&self, query: ListQuery) -> Result<Page<SessionMeta>> {
        let g = self.lock()?;
        let mut metas: Vec<SessionMeta> = g.sessions.values().map(|s| s.meta.clone()).collect();
        sort_metas(&mut metas);
        Ok(paginate(metas, query.offset, query.effective_limit()))
    }

    async fn update(&self, id: SessionId, patch: MetaPatch) -> Result<SessionMeta> {
        let mut g = self.lock()?;
        let s = g.sessions.get_mut(&id).ok_or_else(|| not_found(id))?;
        patch.apply(&mut s.meta);
        Ok(s.meta.clone())
    }

    async fn delete(&self, id: SessionId) -> Result<bool> {
        let mut g = self.lock()?;
        let existed = g.sessions.remove(&id).is_some();
        if existed {
            g.unindex(id);
        }
        Ok(existed)
    }

    async fn search(&self, query: SearchQuery) -> Result<Page<SearchHit>> {
        let g = self.lock()?;
        let n = g.sessions.len();
        let words = query.words();
        let mut hits = Vec::new();
        if words.is_empty() {
            for s in g.sessions.values() {
                if query.matches_meta(&s.meta) {
                    hits.push(SearchHit::new(s.meta.clone(), 0.0));
                }
            }
        } else {
            let mut lists = Vec::with_capacity(words.len());
            for w in &words {
                match g.postings.get(w) {
                    Some(p) => lists.push(p),
                    None => return Ok(Page::new(Vec::new(), 0, query.offset)),
                }
            }
            lists.sort_by_key(|p| p.len());
            for (id, _) in lists[0].iter() {
                if !lists.iter().all(|p| p.contains_key(id)) {
                    continue;
                }
                let Some(s) = g.sessions.get(id) else {
                    continue;
                };
                if !query.matches_meta(&s.meta) {
                    continue;
                }
                let score = lists.iter().map(|p| text::bm25(p[id], p.len(), n)).sum();
                hits.push(SearchHit::new(s.meta.clone(), score));
            }
        }
        sort_hits(&mut hits);
        Ok(paginate(hits, query.offset, query.effective_limit()))
    }

    async fn insert(&self, session: Session) -> Result<SessionMeta> {
        crate::store::check_insert(&session)?;
        let mut g = self.lock()?;
        let id = session.meta.id;
        if g.sessions.contains_key(&id) {
            return Err(already_exists(id));
        }
        g.index(id, &session.transcript);
        let meta = session.meta.clone();
        g.sessions.insert(id, session);
        Ok(meta)
    }
}
