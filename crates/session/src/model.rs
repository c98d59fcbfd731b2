//! The session record: metadata, running totals and the transcript.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use claude_sdk_core::{Error, ErrorCode, Event, Message};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Our id for a session (a UUID v4), distinct from the CLI's session id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SessionId(uuid::Uuid);

impl SessionId {
    /// A fresh random id.
    pub fn new() -> Self {
        SessionId(uuid::Uuid::new_v4())
    }

    /// The 16 bytes, for stores that key by bytes.
    pub fn as_bytes(&self) -> &[u8; 16] {
        self.0.as_bytes()
    }

    /// From 16 bytes.
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        SessionId(uuid::Uuid::from_bytes(bytes))
    }
}

impl Default for SessionId {
    fn default() -> Self {
        SessionId::new()
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.hyphenated(), f)
    }
}

impl FromStr for SessionId {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        uuid::Uuid::parse_str(s.trim()).map(SessionId).map_err(|_| {
            Error::new(
                ErrorCode::Config,
                format!("invalid session id `{s}`: expected a UUID"),
            )
        })
    }
}

/// Milliseconds since the Unix epoch.
pub type Millis = u64;

/// The current time in milliseconds since the Unix epoch.
pub fn now_millis() -> Millis {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// A session title from a prompt: its first non-blank line, at most 80 characters.
pub fn title_of(prompt: &str) -> String {
    let line = prompt
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let mut t: String = line.chars().take(80).collect();
    if line.chars().count() > 80 {
        t.push('…');
    }
    t
}

/// Running totals over a session's turns.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Totals {
    /// Completed turns (one per `result`).
    pub turns: u64,
    /// Input tokens, summed over turns.
    pub input_tokens: u64,
    /// Output tokens, summed over turns.
    pub output_tokens: u64,
    /// Prompt-cache reads, summed over turns.
    pub cache_read_tokens: u64,
    /// Prompt-cache writes, summed over turns.
    pub cache_creation_tokens: u64,
    /// Cost in USD, summed over turns (the CLI reports cumulative cost per process; we add the
    /// per-turn part).
    pub cost_usd: f64,
}

/// A session's metadata: everything but the transcript.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SessionMeta {
    /// Our id.
    pub id: SessionId,
    /// The CLI's session id (what `--resume` takes), once the CLI has told us.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cli_session_id: Option<String>,
    /// A short title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// A longer description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Tags, sorted and unique.
    #[serde(default)]
    pub tags: BTreeSet<String>,
    /// When the session was created.
    pub created_at: Millis,
    /// When the session last changed (metadata or transcript).
    pub updated_at: Millis,
    /// The model (from the CLI's `system/init`, or set at creation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// The working directory the CLI ran in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    /// Totals over the turns.
    #[serde(default)]
    pub totals: Totals,
    /// Number of transcript entries.
    #[serde(default)]
    pub entries: u64,
}

impl SessionMeta {
    /// Metadata for a new session.
    pub fn new(new: NewSession) -> Self {
        let now = now_millis();
        SessionMeta {
            id: new.id.unwrap_or_default(),
            cli_session_id: new.cli_session_id,
            title: new.title,
            description: new.description,
            tags: new.tags,
            created_at: new.created_at.unwrap_or(now),
            updated_at: new.created_at.unwrap_or(now),
            model: new.model,
            cwd: new.cwd,
            totals: Totals::default(),
            entries: 0,
        }
    }

    /// Folds one transcript entry into the metadata: entry count, updated time, CLI session id,
    /// model, cwd and totals. Every store calls this, so all stores agree.
    pub fn absorb(&mut self, entry: &TranscriptEntry) {
        self.entries += 1;
        self.updated_at = self.updated_at.max(entry.at);
        let EntryKind::Event(event) = &entry.kind else {
            return;
        };
        if self.cli_session_id.is_none()
            && let Some(id) = event.session_id().filter(|s| !s.is_empty())
        {
            self.cli_session_id = Some(id.to_owned());
        }
        match &**event {
            Event::System(s) => {
                if let Some(init) = s.as_init() {
                    if self.model.is_none() {
                        self.model = init.model;
                    }
                    if self.cwd.is_none() {
                        self.cwd = init.cwd;
                    }
                }
            }
            Event::Result(r) => {
                let t = &mut self.totals;
                t.turns += 1;
                if let Some(u) = &r.usage {
                    t.input_tokens += u.input_tokens;
                    t.output_tokens += u.output_tokens;
                    t.cache_read_tokens += u.cache_read_input_tokens;
                    t.cache_creation_tokens += u.cache_creation_input_tokens;
                }
                // `total_cost_usd` is cumulative per process; the per-turn delta is in
                // `model_usage_since_last_result` when the CLI sends it.
                let turn_cost = match &r.model_usage_since_last_result {
                    Some(m) => m.values().map(|u| u.cost_usd).sum(),
                    None => r.total_cost_usd.unwrap_or(0.0),
                };
                if turn_cost.is_finite() && turn_cost > 0.0 {
                    t.cost_usd += turn_cost;
                }
            }
            _ => {}
        }
    }
}

/// What to create a session with. Everything is optional.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct NewSession {
    /// A fixed id (imports); a fresh one when `None`.
    pub id: Option<SessionId>,
    /// The CLI session id, if known up front (e.g. resuming a CLI session).
    pub cli_session_id: Option<String>,
    /// Title.
    pub title: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Tags.
    pub tags: BTreeSet<String>,
    /// Model.
    pub model: Option<String>,
    /// Working directory.
    pub cwd: Option<String>,
    /// Creation time (imports); now when `None`.
    pub created_at: Option<Millis>,
}

impl NewSession {
    /// An empty description of a new session.
    pub fn new() -> Self {
        NewSession::default()
    }

    /// Sets the title.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Sets the description.
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.description = Some(text.into());
        self
    }

    /// Adds a tag.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tags.insert(tag.into());
        self
    }

    /// Sets the model.
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.model = Some(model.into());
        self
    }

    /// Sets the working directory.
    pub fn cwd(mut self, cwd: impl Into<String>) -> Self {
        self.cwd = Some(cwd.into());
        self
    }

    /// Sets the CLI session id.
    pub fn cli_session_id(mut self, id: impl Into<String>) -> Self {
        self.cli_session_id = Some(id.into());
        self
    }

    /// Fixes our id.
    pub fn id(mut self, id: SessionId) -> Self {
        self.id = Some(id);
        self
    }

    /// Fixes the creation time.
    pub fn created_at(mut self, at: Millis) -> Self {
        self.created_at = Some(at);
        self
    }
}

/// A change to metadata. `None` leaves a field alone; `Some(None)` clears an optional field.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct MetaPatch {
    /// New title.
    pub title: Option<Option<String>>,
    /// New description.
    pub description: Option<Option<String>>,
    /// Tags to add.
    pub add_tags: BTreeSet<String>,
    /// Tags to remove (applied after `add_tags`).
    pub remove_tags: BTreeSet<String>,
    /// New CLI session id (e.g. after a fork).
    pub cli_session_id: Option<Option<String>>,
}

impl MetaPatch {
    /// An empty patch.
    pub fn new() -> Self {
        MetaPatch::default()
    }

    /// Sets the title.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(Some(title.into()));
        self
    }

    /// Sets the description.
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.description = Some(Some(text.into()));
        self
    }

    /// Adds a tag.
    pub fn add_tag(mut self, tag: impl Into<String>) -> Self {
        self.add_tags.insert(tag.into());
        self
    }

    /// Removes a tag.
    pub fn remove_tag(mut self, tag: impl Into<String>) -> Self {
        self.remove_tags.insert(tag.into());
        self
    }

    /// Sets the CLI session id.
    pub fn cli_session_id(mut self, id: impl Into<String>) -> Self {
        self.cli_session_id = Some(Some(id.into()));
        self
    }

    /// Applies the patch and bumps `updated_at`.
    pub fn apply(&self, meta: &mut SessionMeta) {
        if let Some(t) = &self.title {
            meta.title.clone_from(t);
        }
        if let Some(d) = &self.description {
            meta.description.clone_from(d);
        }
        if let Some(c) = &self.cli_session_id {
            meta.cli_session_id.clone_from(c);
        }
        meta.tags.extend(self.add_tags.iter().cloned());
        for t in &self.remove_tags {
            meta.tags.remove(t);
        }
        meta.updated_at = meta.updated_at.max(now_millis());
    }
}

/// One entry of a transcript: a prompt we sent or an event the backend yielded.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct TranscriptEntry {
    /// Position in the transcript, from 0; assigned by the store on append.
    pub seq: u64,
    /// When it was recorded.
    pub at: Millis,
    /// What it is.
    pub kind: EntryKind,
}

impl TranscriptEntry {
    /// A prompt entry stamped now (`seq` is assigned by the store).
    pub fn prompt(text: impl Into<String>) -> Self {
        TranscriptEntry {
            seq: 0,
            at: now_millis(),
            kind: EntryKind::Prompt { text: text.into() },
        }
    }

    /// An event entry stamped now (`seq` is assigned by the store).
    pub fn event(event: Event) -> Self {
        TranscriptEntry {
            seq: 0,
            at: now_millis(),
            kind: EntryKind::Event(Box::new(event)),
        }
    }

    /// The searchable text of this entry: the prompt, or the text the model wrote (answers and
    /// final results). Tool inputs, thinking and bookkeeping are not indexed.
    pub fn searchable_text(&self) -> Option<String> {
        match &self.kind {
            EntryKind::Prompt { text } => Some(text.clone()),
            EntryKind::Event(e) => {
                let Event::Assistant(a) = &**e else {
                    return None;
                };
                let text: Vec<&str> = a
                    .message
                    .content
                    .iter()
                    .filter_map(|b| b.as_text())
                    .collect();
                (!text.is_empty()).then(|| text.join("\n"))
            }
        }
    }
}

/// The kinds of transcript entry.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum EntryKind {
    /// A prompt we sent.
    Prompt {
        /// The prompt text.
        text: String,
    },
    /// An event the backend yielded (same JSON as the CLI's line).
    Event(Box<Event>),
}

/// The stored JSON shape of an entry: `{"seq":0,"at":…,"prompt":"…"}` or `{"seq":1,"at":…,"event":{…}}`.
#[derive(Serialize, Deserialize)]
struct EntryWire {
    seq: u64,
    at: Millis,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    prompt: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    event: Option<Value>,
}

impl Serialize for TranscriptEntry {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (prompt, event) = match &self.kind {
            EntryKind::Prompt { text } => (Some(text.clone()), None),
            EntryKind::Event(e) => (
                None,
                Some(serde_json::to_value(e).map_err(serde::ser::Error::custom)?),
            ),
        };
        EntryWire {
            seq: self.seq,
            at: self.at,
            prompt,
            event,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for TranscriptEntry {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let w = EntryWire::deserialize(d)?;
        let kind = match (w.prompt, w.event) {
            (Some(text), None) => EntryKind::Prompt { text },
            (None, Some(v)) => {
                let m: Message = serde_json::from_value(v).map_err(D::Error::custom)?;
                EntryKind::Event(Box::new(
                    Event::from_message(m)
                        .ok_or_else(|| D::Error::custom("control messages are not events"))?,
                ))
            }
            _ => {
                return Err(D::Error::custom(
                    "a transcript entry has exactly one of `prompt` and `event`",
                ));
            }
        };
        Ok(TranscriptEntry {
            seq: w.seq,
            at: w.at,
            kind,
        })
    }
}

/// A whole session: metadata and transcript.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Session {
    /// Metadata.
    pub meta: SessionMeta,
    /// Every entry, in `seq` order.
    pub transcript: Vec<TranscriptEntry>,
}

impl Session {
    /// A session from its parts.
    pub fn new(meta: SessionMeta, transcript: Vec<TranscriptEntry>) -> Self {
        Session { meta, transcript }
    }
}
