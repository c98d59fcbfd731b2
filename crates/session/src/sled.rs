//! [`SledStore`]: sessions in an embedded [sled](https://docs.rs/sled/0.34) database, the default
//! store for a single machine.
//!
//! # Layout
//! One sled tree, keys prefixed by record kind, so every change is one atomic
//! [`sled::Batch`] (sled seals a batch in its log as a unit: after a crash either all of it or none
//! of it is there):
//!
//! | key | value |
//! |---|---|
//! | `m` id(16) | the [`SessionMeta`] as JSON |
//! | `t` id(16) seq(8, big-endian) | one [`TranscriptEntry`] as JSON (the export shape) |
//! | `p` term `\0` id(16) | occurrences of the term in the session (u32, big-endian) |
//! | `i` `format` | the layout version, `1` |
//!
//! Postings are ordered by term then id, so one term's sessions are one prefix scan, already sorted
//! by id for merging with another term's. BM25's document frequency (sessions with the term) is
//! counted from the postings the first time a term is searched and then cached and kept in step by
//! the writes: storing it would double the keys every append writes (measured: half the import
//! time), and counting is cheap for all but the commonest terms, which stay cached.
//!
//! # Reads, writes and threads
//! The store holds every session's metadata in memory (loaded when opened, kept in step by the
//! writes), which answers `meta`, `list` and the metadata filters and tie-breaks of `search`
//! without touching the disk. That is sound because the store is opened by one process at a time
//! (see *Locking*). Writes are serialized by one lock: each computes its batch from the current
//! state, applies it, updates the in-memory metadata and releases the lock before flushing, so
//! concurrent writers share flushes (group commit). Everything that may touch the disk or take
//! more than a few microseconds (writes, `load`, `list`, `search`) runs on tokio's blocking pool
//! (`spawn_blocking`), so a caller's async runtime is never blocked; `meta` is a map lookup and
//! runs inline. Outside a tokio runtime (another executor) everything runs inline.
//!
//! # Durability
//! With [`Durability::Sync`] (the default) a write returns `Ok` only after sled has flushed it to
//! disk (`fsync`): an acknowledged append survives the process being killed or the machine
//! losing power. [`Durability::Background`] lets sled flush on a timer instead: much faster bulk
//! loading, but a crash may lose the writes acknowledged since the last flush (never part of one).
//!
//! # Locking
//! A store directory is opened by one process at a time. The second [`SledStore::open`] (in any
//! process) fails with [`ErrorCode::Locked`] instead of touching the files; the lock is an OS
//! file lock, so it goes away with the process that held it, even after `SIGKILL`.
//!
//! ```
//! use claude_sdk_session::{NewSession, SessionStore, SledStore, TranscriptEntry};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> claude_sdk_core::Result<()> {
//! let dir = tempfile::tempdir().unwrap();
//! let store = SledStore::open(dir.path())?;
//! let meta = store.create(NewSession::new().title("notes")).await?;
//! store.append(meta.id, vec![TranscriptEntry::prompt("remember the milk")]).await?;
//! assert_eq!(store.load(meta.id).await?.transcript.len(), 1);
//! # Ok(()) }
//! ```

use std::collections::HashMap;
use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use claude_sdk_core::{Error, ErrorCode, Result};

use crate::model::{MetaPatch, NewSession, Session, SessionId, SessionMeta, TranscriptEntry};
use crate::query::{ListQuery, Page, SearchHit, SearchQuery};
use crate::store::{SessionStore, already_exists, check_insert, not_found};
use crate::text;

const META: u8 = b'm';
const TRANSCRIPT: u8 = b't';
const POSTING: u8 = b'p';
/// `i` (info) + `format`.
const FORMAT_KEY: &[u8] = b"iformat";
const FORMAT: &[u8] = b"1";
const LOCK_FILE: &str = "claude-sdk-session.lock";
/// Cached document frequencies kept before the cache starts over.
const DF_CACHE_TERMS: usize = 200_000;

/// When a write is on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Durability {
    /// Flush (fsync) before a write returns `Ok`: acknowledged means durable. Concurrent writers
    /// share flushes.
    #[default]
    Sync,
    /// Let sled flush every `every_ms` milliseconds: a crash may lose writes acknowledged within
    /// that window (whole writes only, never part of one). For bulk imports and benchmarks.
    Background {
        /// The flush interval in milliseconds.
        every_ms: u64,
    },
}

/// How to open a [`SledStore`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SledOptions {
    /// When writes are on disk.
    pub durability: Durability,
    /// sled's page cache, in bytes.
    pub cache_capacity: u64,
}

impl Default for SledOptions {
    fn default() -> Self {
        SledOptions {
            durability: Durability::Sync,
            cache_capacity: 256 * 1024 * 1024,
        }
    }
}

impl SledOptions {
    /// The defaults: [`Durability::Sync`], a 256 MiB cache.
    pub fn new() -> Self {
        SledOptions::default()
    }

    /// Sets the durability.
    pub fn durability(mut self, durability: Durability) -> Self {
        self.durability = durability;
        self
    }

    /// Sets sled's page cache size in bytes.
    pub fn cache_capacity(mut self, bytes: u64) -> Self {
        self.cache_capacity = bytes;
        self
    }
}

/// Sessions in a sled database (see the [module docs](self)). Cheap to clone: clones share the
/// open database.
#[derive(Clone)]
pub struct SledStore {
    inner: Arc<Inner>,
}

struct Inner {
    db: sled::Db,
    path: PathBuf,
    durability: Durability,
    /// Serializes writes.
    write: Mutex<()>,
    /// Every session's metadata, as stored.
    metas: RwLock<HashMap<SessionId, SessionMeta>>,
    /// Document frequencies of the terms searched so far (see [`Inner::df`]).
    df: Mutex<HashMap<String, u64>>,
    /// Held (locked) while the store is open; dropped after `db`.
    _lock: File,
}

impl std::fmt::Debug for SledStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SledStore")
            .field("path", &self.inner.path)
            .field("durability", &self.inner.durability)
            .field("sessions", &self.inner.read_metas().len())
            .finish()
    }
}

fn storage(what: impl std::fmt::Display, err: impl std::fmt::Display) -> Error {
    Error::new(ErrorCode::Storage, format!("session store: {what}: {err}"))
}

fn sled_err(what: &str, err: sled::Error) -> Error {
    let e = match &err {
        sled::Error::Io(io) => Error::new(
            ErrorCode::Storage,
            format!("session store: {what}: I/O error: {io}"),
        ),
        sled::Error::Corruption { .. } => Error::new(
            ErrorCode::Storage,
            format!("session store: {what}: the database is corrupt ({err})"),
        ),
        _ => storage(what, &err),
    };
    e.with_source(err)
}

fn corrupt(what: impl std::fmt::Display, err: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorCode::Storage,
        format!("session store: corrupt record ({what}): {err}"),
    )
}

fn meta_key(id: SessionId) -> [u8; 17] {
    let mut k = [0u8; 17];
    k[0] = META;
    k[1..].copy_from_slice(id.as_bytes());
    k
}

fn transcript_prefix(id: SessionId) -> [u8; 17] {
    let mut k = meta_key(id);
    k[0] = TRANSCRIPT;
    k
}

fn transcript_key(id: SessionId, seq: u64) -> [u8; 25] {
    let mut k = [0u8; 25];
    k[..17].copy_from_slice(&transcript_prefix(id));
    k[17..].copy_from_slice(&seq.to_be_bytes());
    k
}

fn posting_prefix(term: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(term.len() + 18);
    k.push(POSTING);
    k.extend_from_slice(term.as_bytes());
    k.push(0);
    k
}

fn posting_key(term: &str, id: SessionId) -> Vec<u8> {
    let mut k = posting_prefix(term);
    k.extend_from_slice(id.as_bytes());
    k
}

fn read_u32(what: &str, v: &[u8]) -> Result<u32> {
    <[u8; 4]>::try_from(v)
        .map(u32::from_be_bytes)
        .map_err(|_| corrupt(what, format!("expected 4 bytes, got {}", v.len())))
}

fn read_u64(what: &str, v: &[u8]) -> Result<u64> {
    <[u8; 8]>::try_from(v)
        .map(u64::from_be_bytes)
        .map_err(|_| corrupt(what, format!("expected 8 bytes, got {}", v.len())))
}

fn id_from(what: &str, bytes: &[u8]) -> Result<SessionId> {
    <[u8; 16]>::try_from(bytes)
        .map(SessionId::from_bytes)
        .map_err(|_| corrupt(what, "a session id is 16 bytes"))
}

/// The next posting of a term's prefix scan.
fn next_posting(it: &mut sled::Iter, prefix_len: usize) -> Result<Option<(SessionId, u32)>> {
    let Some(kv) = it.next() else {
        return Ok(None);
    };
    let (k, v) = kv.map_err(|e| sled_err("reading the index", e))?;
    let id = id_from("posting key", k.get(prefix_len..).unwrap_or_default())?;
    Ok(Some((id, read_u32("posting", &v)?)))
}

fn encode<T: serde::Serialize>(what: &str, v: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(v).map_err(|e| {
        Error::new(
            ErrorCode::Config,
            format!("session store: cannot encode {what}: {e}"),
        )
    })
}

/// Orders like [`crate::query::sort_hits`]: score descending, newest change, id.
fn hit_order(a: &(f64, u64, SessionId), b: &(f64, u64, SessionId)) -> std::cmp::Ordering {
    b.0.total_cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2))
}

/// The page `[offset, offset + limit)` of `items` in [`hit_order`], without sorting all of them.
fn top_page(
    mut items: Vec<(f64, u64, SessionId)>,
    offset: usize,
    limit: usize,
) -> (Vec<(f64, u64, SessionId)>, usize) {
    let total = items.len();
    let end = offset.saturating_add(limit).min(total);
    if end < total && end > 0 {
        items.select_nth_unstable_by(end - 1, hit_order);
        items.truncate(end);
    }
    items.sort_unstable_by(hit_order);
    let start = offset.min(items.len());
    (items.split_off(start), total)
}

impl SledStore {
    /// Opens (creating if needed) the store in directory `path` with [`SledOptions::default`].
    ///
    /// Fails with [`ErrorCode::Locked`] when another process (or another `SledStore` in this
    /// one) has it open, and with `storage` when the files cannot be read.
    ///
    /// This blocks while sled replays its log and every session's metadata is read (milliseconds
    /// for a few thousand sessions, seconds for 100 000); from async code with a large store,
    /// call it inside `tokio::task::spawn_blocking`.
    pub fn open(path: impl AsRef<Path>) -> Result<SledStore> {
        SledStore::open_with(path, SledOptions::default())
    }

    /// [`open`](Self::open) with options.
    pub fn open_with(path: impl AsRef<Path>, options: SledOptions) -> Result<SledStore> {
        let path = path.as_ref().to_path_buf();
        std::fs::create_dir_all(&path).map_err(|e| {
            Error::io(
                format!("cannot create the session store {}", path.display()),
                e,
            )
        })?;
        let lock_path = path.join(LOCK_FILE);
        let lock = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(|e| Error::io(format!("cannot open {}", lock_path.display()), e))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Err(locked(&path)),
            Err(TryLockError::Error(e)) => {
                return Err(Error::io(format!("cannot lock {}", lock_path.display()), e));
            }
        }
        let flush_every = match options.durability {
            Durability::Sync => Some(1000),
            Durability::Background { every_ms } => Some(every_ms.max(1)),
        };
        let db = sled::Config::new()
            .path(&path)
            .cache_capacity(options.cache_capacity)
            .flush_every_ms(flush_every)
            .mode(sled::Mode::HighThroughput)
            .open()
            .map_err(|e| match &e {
                sled::Error::Io(io) if io.to_string().contains("could not acquire lock") => {
                    locked(&path)
                }
                _ => sled_err(&format!("cannot open {}", path.display()), e),
            })?;
        match db
            .get(FORMAT_KEY)
            .map_err(|e| sled_err("reading the format", e))?
        {
            None => {
                db.insert(FORMAT_KEY, FORMAT)
                    .map_err(|e| sled_err("writing the format", e))?;
            }
            Some(v) if v.as_ref() == FORMAT => {}
            Some(v) => {
                return Err(Error::new(
                    ErrorCode::Integrity,
                    format!(
                        "session store {} has layout version {:?}; this build reads version 1",
                        path.display(),
                        String::from_utf8_lossy(&v)
                    ),
                ));
            }
        }
        let mut metas = HashMap::new();
        for kv in db.scan_prefix([META]) {
            let (k, v) = kv.map_err(|e| sled_err("reading metadata", e))?;
            let id = id_from("metadata key", &k[1..])?;
            let meta: SessionMeta =
                serde_json::from_slice(&v).map_err(|e| corrupt(format!("metadata of {id}"), e))?;
            if meta.id != id {
                return Err(corrupt(
                    format!("metadata of {id}"),
                    format!("it names {}", meta.id),
                ));
            }
            metas.insert(id, meta);
        }
        Ok(SledStore {
            inner: Arc::new(Inner {
                db,
                path,
                durability: options.durability,
                write: Mutex::new(()),
                metas: RwLock::new(metas),
                df: Mutex::new(HashMap::new()),
                _lock: lock,
            }),
        })
    }

    /// Where [`open_default`](Self::open_default) keeps sessions:
    /// `<data dir>/claude-sdk-rs/sessions` (`~/.local/share/…` on Linux,
    /// `~/Library/Application Support/…` on macOS, `%APPDATA%\…` on Windows).
    pub fn default_path() -> Result<PathBuf> {
        dirs::data_dir()
            .map(|d| d.join("claude-sdk-rs").join("sessions"))
            .ok_or_else(|| {
                Error::config(
                    "no user data directory (set HOME, or XDG_DATA_HOME) for the session store",
                )
            })
    }

    /// Opens the store at [`default_path`](Self::default_path).
    pub fn open_default() -> Result<SledStore> {
        SledStore::open(SledStore::default_path()?)
    }

    /// The store's directory.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Flushes everything to disk (useful with [`Durability::Background`]).
    pub async fn flush(&self) -> Result<()> {
        let inner = Arc::clone(&self.inner);
        blocking(move || {
            inner
                .db
                .flush()
                .map(drop)
                .map_err(|e| sled_err("flushing", e))
        })
        .await
    }

    /// The bytes the store occupies on disk, as sled counts them.
    pub fn size_on_disk(&self) -> Result<u64> {
        self.inner
            .db
            .size_on_disk()
            .map_err(|e| sled_err("measuring the size", e))
    }
}

fn locked(path: &Path) -> Error {
    Error::new(
        ErrorCode::Locked,
        format!(
            "the session store {} is open in another process (or another SledStore in this one)",
            path.display()
        ),
    )
}

/// Runs `f` on tokio's blocking pool; outside a tokio runtime (another executor), inline.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    let Ok(handle) = tokio::runtime::Handle::try_current() else {
        return f();
    };
    handle.spawn_blocking(f).await.map_err(|e| {
        Error::new(
            ErrorCode::Storage,
            format!("session store: a store task failed: {e}"),
        )
    })?
}

impl Inner {
    fn read_metas(&self) -> RwLockReadGuard<'_, HashMap<SessionId, SessionMeta>> {
        // A panic cannot leave the map half-changed: every change is one `insert`/`remove`.
        self.metas.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write_metas(&self) -> RwLockWriteGuard<'_, HashMap<SessionId, SessionMeta>> {
        self.metas.write().unwrap_or_else(PoisonError::into_inner)
    }

    fn lock_writes(&self) -> MutexGuard<'_, ()> {
        self.write.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn get_meta(&self, id: SessionId) -> Result<SessionMeta> {
        self.read_metas()
            .get(&id)
            .cloned()
            .ok_or_else(|| not_found(id))
    }

    /// Makes a write durable when the options say so (called after releasing the write lock).
    fn sync(&self) -> Result<()> {
        if self.durability == Durability::Sync {
            self.db.flush().map_err(|e| sled_err("flushing", e))?;
        }
        Ok(())
    }

    fn apply(&self, batch: sled::Batch) -> Result<()> {
        self.db
            .apply_batch(batch)
            .map_err(|e| sled_err("writing", e))
    }

    /// Adds entries (seq already set) and their index postings to `batch`.
    fn add_entries(
        &self,
        batch: &mut sled::Batch,
        id: SessionId,
        entries: &[TranscriptEntry],
        fresh: bool,
    ) -> Result<Vec<String>> {
        let mut new_terms = Vec::new();
        for e in entries {
            batch.insert(
                &transcript_key(id, e.seq)[..],
                encode("a transcript entry", e)?,
            );
        }
        for (term, n) in text::term_counts(entries) {
            let pk = posting_key(&term, id);
            // A session being inserted has no postings yet.
            let old = if fresh {
                None
            } else {
                self.db
                    .get(&pk)
                    .map_err(|e| sled_err("reading the index", e))?
            };
            match old {
                Some(v) => {
                    let tf = read_u32("posting", &v)?.saturating_add(n);
                    batch.insert(pk, &tf.to_be_bytes()[..]);
                }
                None => {
                    batch.insert(pk, &n.to_be_bytes()[..]);
                    new_terms.push(term);
                }
            }
        }
        Ok(new_terms)
    }

    fn lock_df(&self) -> MutexGuard<'_, HashMap<String, u64>> {
        self.df.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Keeps the cached document frequencies in step with a write that has been applied (called
    /// under the write lock): `+1` for terms new to a session, `-1` for a deleted session's terms.
    fn adjust_df(&self, terms: &[String], up: bool) {
        let mut df = self.lock_df();
        for t in terms {
            if let Some(n) = df.get_mut(t) {
                *n = if up { *n + 1 } else { n.saturating_sub(1) };
            }
        }
    }

    /// How many sessions contain `term`: cached, else counted from the postings under the write
    /// lock (so no write slips between the count and the cache).
    fn df(&self, term: &str) -> Result<u64> {
        if let Some(n) = self.lock_df().get(term) {
            return Ok(*n);
        }
        let _w = self.lock_writes();
        if let Some(n) = self.lock_df().get(term) {
            return Ok(*n);
        }
        let mut n = 0u64;
        for kv in self.db.scan_prefix(posting_prefix(term)).keys() {
            kv.map_err(|e| sled_err("reading the index", e))?;
            n += 1;
        }
        let mut df = self.lock_df();
        if df.len() >= DF_CACHE_TERMS {
            df.clear();
        }
        df.insert(term.to_owned(), n);
        Ok(n)
    }

    /// A session's transcript, entries `0..n`.
    fn transcript(&self, id: SessionId, n: u64) -> Result<Vec<TranscriptEntry>> {
        let mut out = Vec::with_capacity(usize::try_from(n).unwrap_or(0).min(1 << 16));
        for kv in self.db.scan_prefix(transcript_prefix(id)) {
            let (k, v) = kv.map_err(|e| sled_err("reading a transcript", e))?;
            let seq = read_u64("transcript key", &k[17..])?;
            if seq >= n {
                break;
            }
            let entry: TranscriptEntry = serde_json::from_slice(&v)
                .map_err(|e| corrupt(format!("entry {seq} of session {id}"), e))?;
            if seq != out.len() as u64 || entry.seq != seq {
                return Err(corrupt(
                    format!("session {id}"),
                    format!("entry {} found where {} belongs", entry.seq, out.len()),
                ));
            }
            out.push(entry);
        }
        if out.len() as u64 != n {
            return Err(corrupt(
                format!("session {id}"),
                format!("{} of {n} transcript entries present", out.len()),
            ));
        }
        Ok(out)
    }

    /// One term's postings, in id order.
    fn postings(&self, term: &str) -> Result<Vec<(SessionId, u32)>> {
        let prefix = posting_prefix(term);
        let mut it = self.db.scan_prefix(&prefix);
        let mut out = Vec::new();
        while let Some(p) = next_posting(&mut it, prefix.len())? {
            out.push(p);
        }
        Ok(out)
    }

    fn create(&self, new: NewSession) -> Result<SessionMeta> {
        let meta = SessionMeta::new(new);
        let bytes = encode("metadata", &meta)?;
        {
            let _w = self.lock_writes();
            if self.read_metas().contains_key(&meta.id) {
                return Err(already_exists(meta.id));
            }
            let mut batch = sled::Batch::default();
            batch.insert(&meta_key(meta.id)[..], bytes);
            self.apply(batch)?;
            self.write_metas().insert(meta.id, meta.clone());
        }
        self.sync()?;
        Ok(meta)
    }

    fn append(&self, id: SessionId, mut entries: Vec<TranscriptEntry>) -> Result<SessionMeta> {
        let meta = {
            let _w = self.lock_writes();
            let mut meta = self.get_meta(id)?;
            if entries.is_empty() {
                return Ok(meta);
            }
            for e in &mut entries {
                e.seq = meta.entries;
                meta.absorb(e);
            }
            let mut batch = sled::Batch::default();
            batch.insert(&meta_key(id)[..], encode("metadata", &meta)?);
            let new_terms = self.add_entries(&mut batch, id, &entries, false)?;
            self.apply(batch)?;
            self.adjust_df(&new_terms, true);
            self.write_metas().insert(id, meta.clone());
            meta
        };
        self.sync()?;
        Ok(meta)
    }

    fn update(&self, id: SessionId, patch: &MetaPatch) -> Result<SessionMeta> {
        let meta = {
            let _w = self.lock_writes();
            let mut meta = self.get_meta(id)?;
            patch.apply(&mut meta);
            let mut batch = sled::Batch::default();
            batch.insert(&meta_key(id)[..], encode("metadata", &meta)?);
            self.apply(batch)?;
            self.write_metas().insert(id, meta.clone());
            meta
        };
        self.sync()?;
        Ok(meta)
    }

    fn delete(&self, id: SessionId) -> Result<bool> {
        {
            let _w = self.lock_writes();
            let Some(meta) = self.read_metas().get(&id).cloned() else {
                return Ok(false);
            };
            let transcript = self.transcript(id, meta.entries)?;
            let mut batch = sled::Batch::default();
            batch.remove(&meta_key(id)[..]);
            for e in &transcript {
                batch.remove(&transcript_key(id, e.seq)[..]);
            }
            let terms: Vec<String> = text::term_counts(&transcript).into_keys().collect();
            for term in &terms {
                batch.remove(posting_key(term, id));
            }
            self.apply(batch)?;
            self.adjust_df(&terms, false);
            self.write_metas().remove(&id);
        }
        self.sync()?;
        Ok(true)
    }

    fn insert(&self, mut session: Session) -> Result<SessionMeta> {
        check_insert(&session)?;
        let id = session.meta.id;
        // Stored as given: the metadata's `entries` already matches (checked above).
        let meta = std::mem::replace(&mut session.meta, SessionMeta::new(NewSession::new()));
        {
            let _w = self.lock_writes();
            if self.read_metas().contains_key(&id) {
                return Err(already_exists(id));
            }
            let mut batch = sled::Batch::default();
            batch.insert(&meta_key(id)[..], encode("metadata", &meta)?);
            let new_terms = self.add_entries(&mut batch, id, &session.transcript, true)?;
            self.apply(batch)?;
            self.adjust_df(&new_terms, true);
            self.write_metas().insert(id, meta.clone());
        }
        self.sync()?;
        Ok(meta)
    }

    fn load(&self, id: SessionId) -> Result<Session> {
        // Appends write the transcript before the metadata map, so the entries it counts are there.
        let meta = self.get_meta(id)?;
        match self.transcript(id, meta.entries) {
            Ok(transcript) => Ok(Session::new(meta, transcript)),
            // Deleted while we read it: that is not corruption.
            Err(_) if !self.read_metas().contains_key(&id) => Err(not_found(id)),
            Err(e) => Err(e),
        }
    }

    fn list(&self, query: &ListQuery) -> Page<SessionMeta> {
        let metas = self.read_metas();
        let keys: Vec<_> = metas.values().map(|m| (0.0, m.updated_at, m.id)).collect();
        let (page, total) = top_page(keys, query.offset, query.effective_limit());
        let items = page
            .iter()
            .filter_map(|(_, _, id)| metas.get(id).cloned())
            .collect();
        Page::new(items, total, query.offset)
    }

    fn search(&self, query: &SearchQuery) -> Result<Page<SearchHit>> {
        let words = query.words();
        let limit = query.effective_limit();
        let scored: Vec<(f64, u64, SessionId)>;
        let metas;
        if words.is_empty() {
            metas = self.read_metas();
            scored = metas
                .values()
                .filter(|m| query.matches_meta(m))
                .map(|m| (0.0, m.updated_at, m.id))
                .collect();
        } else {
            let mut terms = Vec::with_capacity(words.len());
            for w in words {
                let df = self.df(&w)?;
                if df == 0 {
                    return Ok(Page::new(Vec::new(), 0, query.offset));
                }
                terms.push((w, df));
            }
            terms.sort_by_key(|t| t.1);
            // Candidates from the rarest term, narrowed by each other term: by point lookups
            // while the candidates are few next to the term's postings, else by merging the
            // term's (id-ordered) postings.
            let n = self.read_metas().len();
            let weight =
                |tf: u32, df: u64| text::bm25(tf, usize::try_from(df).unwrap_or(usize::MAX), n);
            let (first, first_df) = &terms[0];
            // (id, score so far), in id order.
            let mut cands: Vec<(SessionId, f64)> = self
                .postings(first)?
                .into_iter()
                .map(|(id, tf)| (id, weight(tf, *first_df)))
                .collect();
            for (term, df) in &terms[1..] {
                if cands.is_empty() {
                    break;
                }
                let mut kept = Vec::with_capacity(cands.len());
                if (cands.len() as u64).saturating_mul(16) < *df {
                    for (id, score) in cands {
                        if let Some(v) = self
                            .db
                            .get(posting_key(term, id))
                            .map_err(|e| sled_err("reading the index", e))?
                        {
                            kept.push((id, score + weight(read_u32("posting", &v)?, *df)));
                        }
                    }
                } else {
                    let prefix = posting_prefix(term);
                    let mut it = self.db.scan_prefix(&prefix);
                    let mut cur = next_posting(&mut it, prefix.len())?;
                    for (id, score) in cands {
                        while let Some((o, _)) = cur
                            && o < id
                        {
                            cur = next_posting(&mut it, prefix.len())?;
                        }
                        match cur {
                            Some((o, tf)) if o == id => {
                                kept.push((id, score + weight(tf, *df)));
                                cur = next_posting(&mut it, prefix.len())?;
                            }
                            Some(_) => {}
                            None => break,
                        }
                    }
                }
                cands = kept;
            }
            metas = self.read_metas();
            scored = cands
                .into_iter()
                .filter_map(|(id, score)| {
                    let m = metas.get(&id).filter(|m| query.matches_meta(m))?;
                    Some((score, m.updated_at, id))
                })
                .collect();
        }
        let (page, total) = top_page(scored, query.offset, limit);
        let items = page
            .into_iter()
            .filter_map(|(score, _, id)| metas.get(&id).map(|m| SearchHit::new(m.clone(), score)))
            .collect();
        Ok(Page::new(items, total, query.offset))
    }
}

impl SessionStore for SledStore {
    async fn create(&self, new: NewSession) -> Result<SessionMeta> {
        let inner = Arc::clone(&self.inner);
        blocking(move || inner.create(new)).await
    }

    async fn append(&self, id: SessionId, entries: Vec<TranscriptEntry>) -> Result<SessionMeta> {
        let inner = Arc::clone(&self.inner);
        blocking(move || inner.append(id, entries)).await
    }

    async fn meta(&self, id: SessionId) -> Result<SessionMeta> {
        self.inner.get_meta(id)
    }

    async fn load(&self, id: SessionId) -> Result<Session> {
        let inner = Arc::clone(&self.inner);
        blocking(move || inner.load(id)).await
    }

    async fn list(&self, query: ListQuery) -> Result<Page<SessionMeta>> {
        let inner = Arc::clone(&self.inner);
        blocking(move || Ok(inner.list(&query))).await
    }

    async fn update(&self, id: SessionId, patch: MetaPatch) -> Result<SessionMeta> {
        let inner = Arc::clone(&self.inner);
        blocking(move || inner.update(id, &patch)).await
    }

    async fn delete(&self, id: SessionId) -> Result<bool> {
        let inner = Arc::clone(&self.inner);
        blocking(move || inner.delete(id)).await
    }

    async fn search(&self, query: SearchQuery) -> Result<Page<SearchHit>> {
        let inner = Arc::clone(&self.inner);
        blocking(move || inner.search(&query)).await
    }

    async fn insert(&self, session: Session) -> Result<SessionMeta> {
        let inner = Arc::clone(&self.inner);
        blocking(move || inner.insert(session)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .expect("runtime")
    }

    #[test]
    fn a_second_open_in_this_process_is_locked() {
        let dir = tempfile::tempdir().expect("tempdir");
        let first = SledStore::open(dir.path()).expect("first open");
        let err = SledStore::open(dir.path()).expect_err("second open");
        assert_eq!(err.code(), ErrorCode::Locked);
        assert!(err.to_string().contains("another process"), "{err}");
        drop(first);
    }

    #[test]
    fn corrupt_records_are_storage_errors() {
        let dir = tempfile::tempdir().expect("tempdir");
        rt().block_on(async {
            let store = SledStore::open(dir.path()).expect("open");
            let m = store.create(NewSession::new()).await.expect("create");
            store
                .append(
                    m.id,
                    vec![TranscriptEntry::prompt("a"), TranscriptEntry::prompt("b")],
                )
                .await
                .expect("append");
            // A garbled entry.
            store
                .inner
                .db
                .insert(transcript_key(m.id, 1), &b"{not json"[..])
                .expect("raw write");
            let err = store.load(m.id).await.expect_err("corrupt entry");
            assert_eq!(err.code(), ErrorCode::Storage);
            assert!(err.to_string().contains("corrupt record"), "{err}");
            // A missing entry.
            store
                .inner
                .db
                .remove(transcript_key(m.id, 1))
                .expect("raw remove");
            let err = store.load(m.id).await.expect_err("missing entry");
            assert_eq!(err.code(), ErrorCode::Storage);
            // A garbled posting.
            store
                .inner
                .db
                .insert(posting_key("a", m.id), &b"xyz"[..])
                .expect("raw write");
            let err = store
                .search(SearchQuery::new().text("a"))
                .await
                .expect_err("corrupt posting");
            assert_eq!(err.code(), ErrorCode::Storage);
            // Garbled metadata: the store refuses to open rather than guess.
            store
                .inner
                .db
                .insert(meta_key(m.id), &b"\xff\x00"[..])
                .expect("raw write");
            store.inner.db.flush().expect("flush");
        });
        let err = SledStore::open(dir.path()).expect_err("corrupt metadata");
        assert_eq!(err.code(), ErrorCode::Storage);
        assert!(err.to_string().contains("corrupt record"), "{err}");
    }

    #[test]
    fn an_unknown_layout_version_is_an_integrity_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        {
            let store = SledStore::open(dir.path()).expect("open");
            store.inner.db.insert(FORMAT_KEY, &b"99"[..]).expect("raw");
            store.inner.db.flush().expect("flush");
        }
        let err = SledStore::open(dir.path()).expect_err("version 99");
        assert_eq!(err.code(), ErrorCode::Integrity);
    }

    #[test]
    fn works_outside_a_tokio_runtime() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = SledStore::open(dir.path()).expect("open");
        // Outside tokio every call completes on its first poll.
        let meta = futures_block_on(store.create(NewSession::new().title("no tokio")));
        let meta = meta.expect("create without tokio");
        let page = futures_block_on(store.list(ListQuery::new())).expect("list without tokio");
        assert_eq!(page.items[0].id, meta.id);
    }

    fn futures_block_on<F: std::future::Future>(f: F) -> F::Output {
        let mut f = std::pin::pin!(f);
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        match f.as_mut().poll(&mut cx) {
            std::task::Poll::Ready(v) => v,
            std::task::Poll::Pending => panic!("a store call waited outside tokio"),
        }
    }

    #[test]
    fn top_page_matches_a_full_sort() {
        let mut rng = 7u64;
        let mut next = || {
            rng = rng.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            rng >> 33
        };
        let items: Vec<_> = (0..500)
            .map(|_| ((next() % 5) as f64, next() % 7, SessionId::new()))
            .collect();
        let mut sorted = items.clone();
        sorted.sort_by(hit_order);
        for (offset, limit) in [(0, 10), (3, 1), (490, 20), (600, 5), (0, 1000)] {
            let (page, total) = top_page(items.clone(), offset, limit);
            assert_eq!(total, 500);
            let want: Vec<_> = sorted.iter().skip(offset).take(limit).copied().collect();
            assert_eq!(page, want, "offset {offset} limit {limit}");
        }
    }

    #[test]
    fn meta_records_survive_a_reopen() {
        let dir = tempfile::tempdir().expect("tempdir");
        let meta = rt().block_on(async {
            let store = SledStore::open(dir.path()).expect("open");
            let m = store
                .create(NewSession::new().title("kept").tag("x"))
                .await
                .expect("create");
            store
                .append(m.id, vec![TranscriptEntry::prompt("persist me")])
                .await
                .expect("append")
        });
        rt().block_on(async {
            let store = SledStore::open(dir.path()).expect("reopen");
            assert_eq!(store.meta(meta.id).await.expect("meta"), meta);
            let hits = store
                .search(SearchQuery::new().text("persist").tag("x"))
                .await
                .expect("search");
            assert_eq!(hits.total, 1);
        });
    }
}
