//! [`RedisStore`]: sessions in Redis, shared between processes and hosts (feature `redis`).
//!
//! Every key starts with a prefix (default [`DEFAULT_PREFIX`], see [`RedisStore::with_prefix`]),
//! so tenants and tests can share one server:
//!
//! | key | type | holds |
//! |---|---|---|
//! | `<p>s:<id>` | hash | `meta` (the [`SessionMeta`] as JSON), `rev` (bumped by every change) |
//! | `<p>log:<id>` | list | the transcript, one entry's JSON per element, in `seq` order |
//! | `<p>tf:<id>` | hash | term → occurrences in this session (to unindex on delete) |
//! | `<p>t:<term>` | hash | session id → occurrences of the term (its length is the term's df) |
//! | `<p>updated` | sorted set | session ids scored by `-updated_at` (the list order) |
//!
//! Changes are Lua scripts, so each one is atomic for every client. Metadata is folded in Rust
//! ([`SessionMeta::absorb`], [`MetaPatch::apply`]) and written with a check-and-set on `rev`: a
//! writer that lost a race re-reads and tries again, so concurrent appends from any number of
//! tasks, processes or hosts are serialized and none is lost; `seq`s come from the committed
//! entry count.
//!
//! ```no_run
//! use claude_sdk_session::{NewSession, RedisStore, SessionStore};
//!
//! # async fn run() -> claude_sdk_core::Result<()> {
//! let store = RedisStore::connect("redis://127.0.0.1:6379/0").await?.with_prefix("tenant-a:");
//! let meta = store.create(NewSession::new().title("shared")).await?;
//! # let _ = meta; Ok(()) }
//! ```

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use claude_sdk_core::{Error, ErrorCode, Result};
use redis::Script;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::model::{MetaPatch, NewSession, Session, SessionId, SessionMeta, TranscriptEntry};
use crate::query::{ListQuery, Page, SearchHit, SearchQuery, paginate, sort_hits};
use crate::store::{SessionStore, already_exists, check_insert, not_found};
use crate::text;

/// The key prefix when none is set.
pub const DEFAULT_PREFIX: &str = "claude-sdk:sessions:";

/// How often a writer retries after losing a check-and-set race before giving up.
const MAX_ATTEMPTS: u32 = 10_000;

/// Writes a session's metadata, appends entries and indexes their terms — only if the session's
/// `rev` is still `ARGV[1]` (or, with `ARGV[1] == "new"`, only if the session does not exist).
///
/// KEYS: session hash, log, updated set, session tf hash, then one posting hash per term.
/// ARGV: expected rev | "new", meta JSON, id, list score, n, n entry JSONs, then
/// (term, count) pairs aligned with the posting keys.
/// Returns 1 on success, 0 when "new" found the session, -1 on a rev mismatch, -2 when the
/// session is gone.
const COMMIT: &str = r"
local exists = redis.call('EXISTS', KEYS[1]) == 1
if ARGV[1] == 'new' then
  if exists then return 0 end
else
  if not exists then return -2 end
  if redis.call('HGET', KEYS[1], 'rev') ~= ARGV[1] then return -1 end
end
local n = tonumber(ARGV[5])
for i = 1, n do
  redis.call('RPUSH', KEYS[2], ARGV[5 + i])
end
local base = 5 + n
for i = 5, #KEYS do
  local j = base + 2 * (i - 5)
  redis.call('HINCRBY', KEYS[i], ARGV[3], ARGV[j + 2])
  redis.call('HINCRBY', KEYS[4], ARGV[j + 1], ARGV[j + 2])
end
redis.call('HSET', KEYS[1], 'meta', ARGV[2])
redis.call('HINCRBY', KEYS[1], 'rev', 1)
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[3])
return 1
";

/// Deletes a session, its log, its postings and its list entry.
/// KEYS: session hash, log, updated set, session tf hash. ARGV: id, posting key prefix.
const DELETE: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local terms = redis.call('HKEYS', KEYS[4])
for _, t in ipairs(terms) do
  redis.call('HDEL', ARGV[2] .. t, ARGV[1])
end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[4])
redis.call('ZREM', KEYS[3], ARGV[1])
return 1
";

/// One page of the list order, atomically: `{total, meta JSON…}`.
/// KEYS: updated set. ARGV: start, stop, session hash key prefix.
const LIST: &str = r"
local total = redis.call('ZCARD', KEYS[1])
local out = { tostring(total) }
local ids = redis.call('ZRANGE', KEYS[1], ARGV[1], ARGV[2])
for _, id in ipairs(ids) do
  local m = redis.call('HGET', ARGV[3] .. id, 'meta')
  if m then out[#out + 1] = m end
end
return out
";

/// The sessions holding every term, atomically: `{n, df…, then per session: id, tf…}` (tf in
/// KEYS order), or `{n}` when a term occurs nowhere. KEYS: updated set, one posting hash per term.
const TERMS: &str = r"
local out = { tostring(redis.call('ZCARD', KEYS[1])) }
local best = 2
local dfs = {}
for i = 2, #KEYS do
  local d = redis.call('HLEN', KEYS[i])
  if d == 0 then return out end
  dfs[i] = d
  if d < dfs[best] then best = i end
end
for i = 2, #KEYS do out[#out + 1] = tostring(dfs[i]) end
local all = redis.call('HGETALL', KEYS[best])
for j = 1, #all, 2 do
  local id = all[j]
  local row = {}
  local ok = true
  for i = 2, #KEYS do
    local tf
    if i == best then tf = all[j + 1] else tf = redis.call('HGET', KEYS[i], id) end
    if not tf then ok = false; break end
    row[#row + 1] = tf
  end
  if ok then
    out[#out + 1] = id
    for _, t in ipairs(row) do out[#out + 1] = t end
  end
end
return out
";

struct Scripts {
    commit: Script,
    delete: Script,
    list: Script,
    terms: Script,
}

/// A [`SessionStore`] in Redis, shared between processes and hosts. Cheap to clone (one
/// multiplexed, self-reconnecting connection inside).
#[derive(Clone)]
pub struct RedisStore {
    conn: ConnectionManager,
    prefix: Arc<str>,
    scripts: Arc<Scripts>,
    /// The URL without its password, for error messages.
    shown_url: Arc<str>,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("url", &self.shown_url)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

/// The password in a URL (to scrub it from any message), if there is one.
fn url_secret(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split('/').next()?;
    let userinfo = authority.rsplit_once('@')?.0;
    let secret = userinfo.split_once(':').map_or(userinfo, |(_, p)| p);
    (!secret.is_empty()).then(|| secret.to_owned())
}

impl RedisStore {
    /// Connects to Redis at `url` (`redis://[user:password@]host:port/db`, `rediss://…`,
    /// `redis+unix:///path`). An unreachable server, a refused password or a server that does not
    /// answer within 5 s is [`ErrorCode::Storage`]; a malformed URL is [`ErrorCode::Config`].
    /// Messages never contain the password.
    ///
    /// A fragment sets the key prefix: `redis://host:6379/0#tenant-a:` is
    /// `connect("redis://host:6379/0")` then [`with_prefix("tenant-a:")`](Self::with_prefix).
    pub async fn connect(url: &str) -> Result<RedisStore> {
        // A `#` before the `@` is part of a (badly encoded) password, not a fragment.
        let (url, prefix) = match url.split_once('#') {
            Some((u, p)) if !p.contains('@') => (u, if p.is_empty() { DEFAULT_PREFIX } else { p }),
            _ => (url, DEFAULT_PREFIX),
        };
        let shown: Arc<str> = crate::open::redact_url(url).into();
        let secret = url_secret(url);
        let scrub = |msg: String| match &secret {
            Some(s) => msg.replace(s.as_str(), "***"),
            None => msg,
        };
        let client = redis::Client::open(url).map_err(|e| {
            Error::new(
                ErrorCode::Config,
                scrub(format!("invalid Redis URL `{shown}`: {e}")),
            )
        })?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(5)))
            .set_response_timeout(Some(Duration::from_secs(60)))
            .set_number_of_retries(2);
        let mut conn = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(|e| {
                Error::new(
                    ErrorCode::Storage,
                    scrub(format!("cannot connect to Redis at {shown}: {e}")),
                )
            })?;
        // The connection is lazy about authentication errors on some servers: ask once.
        redis::cmd("PING")
            .query_async::<String>(&mut conn)
            .await
            .map_err(|e| {
                Error::new(
                    ErrorCode::Storage,
                    scrub(format!("Redis at {shown} does not answer: {e}")),
                )
            })?;
        Ok(RedisStore {
            conn,
            prefix: prefix.into(),
            scripts: Arc::new(Scripts {
                commit: Script::new(COMMIT),
                delete: Script::new(DELETE),
                list: Script::new(LIST),
                terms: Script::new(TERMS),
            }),
            shown_url: shown,
        })
    }

    /// Puts every key under `prefix` (instead of [`DEFAULT_PREFIX`]), isolating tenants and
    /// tests that share a server.
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into().into();
        self
    }

    /// The key prefix in use.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    fn key(&self, kind: &str, id: SessionId) -> String {
        format!("{}{kind}:{id}", self.prefix)
    }

    fn updated_key(&self) -> String {
        format!("{}updated", self.prefix)
    }

    fn term_prefix(&self) -> String {
        format!("{}t:", self.prefix)
    }

    fn storage_err(&self, what: &str, e: &redis::RedisError) -> Error {
        Error::new(
            ErrorCode::Storage,
            format!("Redis at {}: {what} failed: {e}", self.shown_url),
        )
    }

    /// The stored metadata and its revision, or `None` when the session does not exist.
    async fn read_meta(&self, id: SessionId) -> Result<Option<(SessionMeta, String)>> {
        let mut conn = self.conn.clone();
        let (meta, rev): (Option<String>, Option<String>) = redis::cmd("HMGET")
            .arg(self.key("s", id))
            .arg("meta")
            .arg("rev")
            .query_async(&mut conn)
            .await
            .map_err(|e| self.storage_err("reading a session", &e))?;
        match (meta, rev) {
            (Some(m), Some(r)) => Ok(Some((parse_meta(id, &m)?, r))),
            _ => Ok(None),
        }
    }

    /// Runs the commit script. `rev` is the expected revision, `None` for a new session.
    async fn commit(
        &self,
        rev: Option<&str>,
        meta: &SessionMeta,
        entries: &[TranscriptEntry],
    ) -> Result<i64> {
        let id = meta.id;
        let id_s = id.to_string();
        let meta_json = to_json(meta)?;
        let counts: BTreeMap<String, u32> = text::term_counts(entries);
        let mut inv = self.scripts.commit.prepare_invoke();
        inv.key(self.key("s", id))
            .key(self.key("log", id))
            .key(self.updated_key())
            .key(self.key("tf", id));
        let term_prefix = self.term_prefix();
        for term in counts.keys() {
            inv.key(format!("{term_prefix}{term}"));
        }
        inv.arg(rev.unwrap_or("new"))
            .arg(meta_json)
            .arg(&id_s)
            .arg(list_score(meta.updated_at))
            .arg(entries.len());
        for e in entries {
            inv.arg(to_json(e)?);
        }
        for (term, n) in &counts {
            inv.arg(term).arg(*n);
        }
        let mut conn = self.conn.clone();
        inv.invoke_async(&mut conn)
            .await
            .map_err(|e| self.storage_err("writing a session", &e))
    }

    /// Read, change and check-and-set until the write lands (or the session is gone).
    async fn modify(
        &self,
        id: SessionId,
        mut change: impl FnMut(&mut SessionMeta) -> Vec<TranscriptEntry>,
    ) -> Result<SessionMeta> {
        for attempt in 0..MAX_ATTEMPTS {
            let Some((mut meta, rev)) = self.read_meta(id).await? else {
                return Err(not_found(id));
            };
            let entries = change(&mut meta);
            match self.commit(Some(&rev), &meta, &entries).await? {
                1 => return Ok(meta),
                -2 => return Err(not_found(id)),
                _ => backoff(attempt).await,
            }
        }
        Err(Error::new(
            ErrorCode::Storage,
            format!(
                "Redis at {}: session {id} is changed by too many writers at once \
                 (gave up after {MAX_ATTEMPTS} attempts)",
                self.shown_url
            ),
        ))
    }

    async fn metas_in_list_order(
        &self,
        start: usize,
        stop: isize,
    ) -> Result<(usize, Vec<SessionMeta>)> {
        let mut conn = self.conn.clone();
        let out: Vec<String> = self
            .scripts
            .list
            .key(self.updated_key())
            .arg(start)
            .arg(stop)
            .arg(format!("{}s:", self.prefix))
            .invoke_async(&mut conn)
            .await
            .map_err(|e| self.storage_err("listing sessions", &e))?;
        let mut it = out.into_iter();
        let total = it
            .next()
            .and_then(|t| t.parse::<usize>().ok())
            .ok_or_else(|| bad_reply("list"))?;
        let metas = it
            .map(|m| {
                serde_json::from_str::<SessionMeta>(&m)
                    .map_err(|e| corrupt(format!("stored session metadata is not valid: {e}")))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((total, metas))
    }

    async fn metas_of(&self, ids: &[String]) -> Result<Vec<Option<SessionMeta>>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut pipe = redis::pipe();
        pipe.atomic();
        for id in ids {
            pipe.hget(format!("{}s:{id}", self.prefix), "meta");
        }
        let mut conn = self.conn.clone();
        let raw: Vec<Option<String>> = pipe
            .query_async(&mut conn)
            .await
            .map_err(|e| self.storage_err("reading sessions", &e))?;
        raw.into_iter()
            .map(|m| {
                m.map(|m| {
                    serde_json::from_str::<SessionMeta>(&m)
                        .map_err(|e| corrupt(format!("stored session metadata is not valid: {e}")))
                })
                .transpose()
            })
            .collect()
    }
}

/// The list-order score: newest first, and Redis breaks ties by member (the id) ascending,
/// exactly like [`sort_metas`](crate::query::sort_metas).
fn list_score(updated_at: u64) -> String {
    if updated_at == 0 {
        "0".to_owned()
    } else {
        format!("-{updated_at}")
    }
}

async fn backoff(attempt: u32) {
    if attempt < 8 {
        tokio::task::yield_now().await;
    } else {
        // A little random spread so writers that keep colliding drift apart.
        let jitter = u64::from(uuid::Uuid::new_v4().as_bytes()[0]) * 4;
        tokio::time::sleep(Duration::from_micros(jitter.saturating_add(50))).await;
    }
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v)
        .map_err(|e| Error::new(ErrorCode::Storage, format!("cannot encode a session: {e}")))
}

fn parse_meta(id: SessionId, s: &str) -> Result<SessionMeta> {
    serde_json::from_str(s)
        .map_err(|e| corrupt(format!("stored metadata of session {id} is not valid: {e}")))
}

fn corrupt(msg: String) -> Error {
    Error::new(ErrorCode::Storage, msg)
}

fn bad_reply(what: &str) -> Error {
    Error::new(
        ErrorCode::Storage,
        format!("unexpected reply from Redis to the {what} script"),
    )
}

impl SessionStore for RedisStore {
    async fn create(&self, new: NewSession) -> Result<SessionMeta> {
        let meta = SessionMeta::new(new);
        match self.commit(None, &meta, &[]).await? {
            1 => Ok(meta),
            _ => Err(already_exists(meta.id)),
        }
    }

    async fn append(&self, id: SessionId, entries: Vec<TranscriptEntry>) -> Result<SessionMeta> {
        self.modify(id, |meta| {
            let mut out = entries.clone();
            for e in &mut out {
                e.seq = meta.entries;
                meta.absorb(e);
            }
            out
        })
        .await
    }

    async fn meta(&self, id: SessionId) -> Result<SessionMeta> {
        self.read_meta(id)
            .await?
            .map(|(m, _)| m)
            .ok_or_else(|| not_found(id))
    }

    async fn load(&self, id: SessionId) -> Result<Session> {
        let mut conn = self.conn.clone();
        let (meta, log): (Option<String>, Vec<String>) = redis::pipe()
            .atomic()
            .hget(self.key("s", id), "meta")
            .lrange(self.key("log", id), 0, -1)
            .query_async(&mut conn)
            .await
            .map_err(|e| self.storage_err("loading a session", &e))?;
        let meta = parse_meta(id, &meta.ok_or_else(|| not_found(id))?)?;
        let transcript = log
            .iter()
            .map(|e| {
                serde_json::from_str::<TranscriptEntry>(e).map_err(|err| {
                    corrupt(format!(
                        "a stored transcript entry of session {id} is not valid: {err}"
                    ))
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Session::new(meta, transcript))
    }

    async fn list(&self, query: ListQuery) -> Result<Page<SessionMeta>> {
        let limit = query.effective_limit();
        // Redis indexes are i64; anything past that is past the end anyway.
        let start = query.offset.min(i64::MAX as usize / 2);
        let stop = isize::try_from(start + limit - 1).unwrap_or(isize::MAX);
        let (total, metas) = self.metas_in_list_order(start, stop).await?;
        Ok(Page::new(metas, total, query.offset))
    }

    async fn update(&self, id: SessionId, patch: MetaPatch) -> Result<SessionMeta> {
        self.modify(id, |meta| {
            patch.apply(meta);
            Vec::new()
        })
        .await
    }

    async fn delete(&self, id: SessionId) -> Result<bool> {
        let mut conn = self.conn.clone();
        let n: i64 = self
            .scripts
            .delete
            .key(self.key("s", id))
            .key(self.key("log", id))
            .key(self.updated_key())
            .key(self.key("tf", id))
            .arg(id.to_string())
            .arg(self.term_prefix())
            .invoke_async(&mut conn)
            .await
            .map_err(|e| self.storage_err("deleting a session", &e))?;
        Ok(n == 1)
    }

    async fn search(&self, query: SearchQuery) -> Result<Page<SearchHit>> {
        let words = query.words();
        let mut hits = Vec::new();
        if words.is_empty() {
            let (_, metas) = self.metas_in_list_order(0, -1).await?;
            hits.extend(
                metas
                    .into_iter()
                    .filter(|m| query.matches_meta(m))
                    .map(|m| SearchHit::new(m, 0.0)),
            );
        } else {
            let term_prefix = self.term_prefix();
            let mut inv = self.scripts.terms.key(self.updated_key());
            for w in &words {
                inv.key(format!("{term_prefix}{w}"));
            }
            let mut conn = self.conn.clone();
            let out: Vec<String> = inv
                .invoke_async(&mut conn)
                .await
                .map_err(|e| self.storage_err("searching sessions", &e))?;
            let k = words.len();
            let num = |s: &String| s.parse::<u64>().map_err(|_| bad_reply("search"));
            let n = out
                .first()
                .map(num)
                .transpose()?
                .ok_or_else(|| bad_reply("search"))?;
            if out.len() > 1 {
                let dfs = out
                    .get(1..=k)
                    .ok_or_else(|| bad_reply("search"))?
                    .iter()
                    .map(num)
                    .collect::<Result<Vec<u64>>>()?;
                // Sum in the reference store's order: rarest term first, ties in query order.
                let mut order: Vec<usize> = (0..k).collect();
                order.sort_by_key(|&i| dfs[i]);
                let rows = &out[1 + k..];
                if !rows.len().is_multiple_of(k + 1) {
                    return Err(bad_reply("search"));
                }
                let mut ids = Vec::with_capacity(rows.len() / (k + 1));
                let mut tfs = Vec::with_capacity(rows.len() / (k + 1));
                for row in rows.chunks(k + 1) {
                    ids.push(row[0].clone());
                    tfs.push(
                        row[1..]
                            .iter()
                            .map(|t| t.parse::<u32>().map_err(|_| bad_reply("search")))
                            .collect::<Result<Vec<u32>>>()?,
                    );
                }
                let metas = self.metas_of(&ids).await?;
                let n = usize::try_from(n).unwrap_or(usize::MAX);
                for (meta, tf) in metas.into_iter().zip(tfs) {
                    let Some(meta) = meta else { continue };
                    if !query.matches_meta(&meta) {
                        continue;
                    }
                    let score = order
                        .iter()
                        .map(|&i| {
                            text::bm25(tf[i], usize::try_from(dfs[i]).unwrap_or(usize::MAX), n)
                        })
                        .sum();
                    hits.push(SearchHit::new(meta, score));
                }
            }
        }
        sort_hits(&mut hits);
        Ok(paginate(hits, query.offset, query.effective_limit()))
    }

    async fn insert(&self, session: Session) -> Result<SessionMeta> {
        check_insert(&session)?;
        let Session { meta, transcript } = session;
        match self.commit(None, &meta, &transcript).await? {
            1 => Ok(meta),
            _ => Err(already_exists(meta.id)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_secrets_are_found() {
        assert_eq!(
            url_secret("redis://user:s3cret@host/0").as_deref(),
            Some("s3cret")
        );
        assert_eq!(url_secret("redis://:pw@host/0").as_deref(), Some("pw"));
        assert_eq!(url_secret("redis://host/0"), None);
    }

    #[test]
    fn list_scores_order_newest_first() {
        assert_eq!(list_score(1_700_000_000_123), "-1700000000123");
        assert_eq!(list_score(0), "0");
    }
}
