//! Portable, versioned, checksummed session export files, carrying the CLI's own transcript so
//! `--resume` works after an import on another machine, `HOME` or working directory.
//!
//! The format is JSON Lines (see `docs/session-format.md`): a header line naming the format,
//! its version, the number of body lines and the SHA-256 of the body (every byte after the
//! header's newline), then the body: the session metadata, one line per transcript entry and,
//! optionally, the CLI transcript line by line. API keys and bearer tokens are redacted from the
//! body before it is hashed. [`import`] checks everything before it changes anything, and then
//! changes the store and `HOME` all or nothing.
//!
//! ```
//! use claude_sdk_session::export::{self, ExportOptions, ImportOptions};
//! use claude_sdk_session::{MemoryStore, NewSession, SessionStore, TranscriptEntry};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> claude_sdk_core::Result<()> {
//! let a = MemoryStore::new();
//! let meta = a.create(NewSession::new().title("moving house")).await?;
//! a.append(meta.id, vec![TranscriptEntry::prompt("my key is sk-ant-api03-abcdef")]).await?;
//! let bytes = export::export(&a, meta.id, &ExportOptions::new()).await?;
//! assert!(!String::from_utf8_lossy(&bytes).contains("sk-ant-api03"));
//!
//! let b = MemoryStore::new();
//! let imported = export::import(&b, &bytes, &ImportOptions::new()).await?;
//! assert_eq!(imported.title.as_deref(), Some("moving house"));
//! # Ok(()) }
//! ```

use std::io::Write as _;
use std::path::{Path, PathBuf};

use claude_sdk_core::{Error, ErrorCode, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::model::{Session, SessionId, SessionMeta, TranscriptEntry};
use crate::store::check_insert;

/// The format name in the header.
pub const FORMAT: &str = "claude-sdk-session-export";
/// The format version this build writes and reads.
pub const VERSION: u32 = 1;
/// What redacted secrets are replaced with.
pub const REDACTED: &str = "[REDACTED]";
/// Environment variables whose values are redacted from exports.
pub const SECRET_ENV_VARS: [&str; 2] = ["ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN"];
/// Shortest secret value (from the environment or [`ExportOptions::redact`]) that is redacted;
/// shorter ones would mangle ordinary text.
pub const MIN_SECRET_LEN: usize = 6;

/// How to export.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ExportOptions {
    /// The `HOME` the CLI transcript is found in (`$HOME` when `None`).
    pub home: Option<PathBuf>,
    /// Whether to carry the CLI's transcript (needed to `--resume` after import). When the
    /// session has a CLI session id but its transcript is not found, export fails (`not_found`).
    pub include_cli_transcript: bool,
    /// More secret values to redact, besides the `ANTHROPIC_API_KEY` / `ANTHROPIC_AUTH_TOKEN`
    /// values from the environment and anything that looks like `sk-ant-…` or `Bearer …`.
    pub redact: Vec<String>,
}

impl Default for ExportOptions {
    fn default() -> Self {
        ExportOptions {
            home: None,
            include_cli_transcript: true,
            redact: Vec::new(),
        }
    }
}

impl ExportOptions {
    /// Defaults: `$HOME`, with the CLI transcript.
    pub fn new() -> Self {
        ExportOptions::default()
    }

    /// The `HOME` to find the CLI transcript in.
    pub fn home(mut self, home: impl Into<PathBuf>) -> Self {
        self.home = Some(home.into());
        self
    }

    /// Whether to carry the CLI transcript.
    pub fn include_cli_transcript(mut self, yes: bool) -> Self {
        self.include_cli_transcript = yes;
        self
    }

    /// One more secret value to redact.
    pub fn redact(mut self, secret: impl Into<String>) -> Self {
        self.redact.push(secret.into());
        self
    }
}

/// How to import.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ImportOptions {
    /// The `HOME` the CLI transcript is written into (`$HOME` when `None`).
    pub home: Option<PathBuf>,
    /// The working directory the session continues in: the CLI transcript goes to
    /// `<home>/.claude/projects/<encoded cwd>/` and the metadata's `cwd` becomes this. When
    /// `None`, the current directory.
    pub cwd: Option<PathBuf>,
    /// Import under a new id (e.g. when the original id exists in the target store).
    pub new_id: Option<SessionId>,
}

impl ImportOptions {
    /// Defaults: `$HOME`, the current directory, the exported id.
    pub fn new() -> Self {
        ImportOptions::default()
    }

    /// The target `HOME`.
    pub fn home(mut self, home: impl Into<PathBuf>) -> Self {
        self.home = Some(home.into());
        self
    }

    /// The target working directory.
    pub fn cwd(mut self, cwd: impl Into<PathBuf>) -> Self {
        self.cwd = Some(cwd.into());
        self
    }

    /// Import under this id.
    pub fn new_id(mut self, id: SessionId) -> Self {
        self.new_id = Some(id);
        self
    }
}

/// The header line.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    format: String,
    version: u32,
    body_lines: u64,
    sha256: String,
}

/// One body line.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum Record {
    /// First: the metadata.
    Session { meta: SessionMeta },
    /// Then `meta.entries` of these, in `seq` order.
    Entry { entry: TranscriptEntry },
    /// Optionally, the CLI transcript's header…
    CliTranscript { session_id: String, lines: u64 },
    /// …and its lines, verbatim (after redaction).
    CliLine { text: String },
}

/// The CLI's name for a working directory under `~/.claude/projects/`: every character that is
/// not an ASCII letter or digit becomes `-` (`/home/u/proj` → `-home-u-proj`).
pub fn encode_cwd(cwd: &Path) -> String {
    cwd.to_string_lossy()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

/// Where the CLI keeps the transcript of `cli_session_id` for a session run in `cwd`:
/// `<home>/.claude/projects/<encoded cwd>/<cli_session_id>.jsonl`.
pub fn cli_transcript_path(home: &Path, cwd: &Path, cli_session_id: &str) -> Result<PathBuf> {
    check_cli_session_id(cli_session_id)?;
    Ok(home
        .join(".claude")
        .join("projects")
        .join(encode_cwd(cwd))
        .join(format!("{cli_session_id}.jsonl")))
}

/// Finds the transcript of `cli_session_id` in any project directory under `home` (the CLI's
/// `--resume` does the same). `Ok(None)` when there is none.
pub fn find_cli_transcript(home: &Path, cli_session_id: &str) -> Result<Option<PathBuf>> {
    check_cli_session_id(cli_session_id)?;
    let projects = home.join(".claude").join("projects");
    let dir = match std::fs::read_dir(&projects) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(format!("reading {}", projects.display()), e)),
    };
    let name = format!("{cli_session_id}.jsonl");
    let mut found: Vec<PathBuf> = dir
        .flatten()
        .map(|d| d.path().join(&name))
        .filter(|p| p.is_file())
        .collect();
    found.sort();
    Ok(found.into_iter().next())
}

/// CLI session ids become file names: only UUIDs are accepted (no `/`, no `..`).
fn check_cli_session_id(id: &str) -> Result<()> {
    let ok = id.len() == 36
        && id.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        });
    if ok {
        Ok(())
    } else {
        Err(Error::new(
            ErrorCode::Config,
            format!("`{}` is not a CLI session id (a UUID)", id.escape_debug()),
        ))
    }
}

fn home_dir(home: Option<&Path>) -> Result<PathBuf> {
    match home {
        Some(h) => Ok(h.to_path_buf()),
        None => std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(PathBuf::from)
            .ok_or_else(|| Error::config("HOME is not set; pass a home directory")),
    }
}

/// The secret values to redact: the options' plus the environment's.
fn secrets(extra: &[String], env: impl Fn(&str) -> Option<String>) -> Vec<String> {
    let mut out: Vec<String> = extra
        .iter()
        .cloned()
        .chain(SECRET_ENV_VARS.iter().filter_map(|k| env(k)))
        .filter(|s| s.len() >= MIN_SECRET_LEN)
        .collect();
    // Longest first, so a secret that contains another is replaced whole.
    out.sort_by_key(|s| std::cmp::Reverse(s.len()));
    out.dedup();
    out
}

/// Redacts secrets from one line of JSON text: `sk-ant-…` keys, `Bearer …` tokens and the given
/// values. The result is still valid JSON (checked; falls back to redacting string by string).
pub fn redact_json_line(line: &str, secrets: &[String]) -> String {
    let out = redact_text(line, secrets, true);
    if out == line || serde_json::from_str::<serde::de::IgnoredAny>(&out).is_ok() {
        return out;
    }
    // A replacement broke an escape sequence: redact the decoded strings instead.
    match serde_json::from_str::<Value>(line) {
        Ok(mut v) => {
            redact_value(&mut v, secrets);
            serde_json::to_string(&v).unwrap_or_else(|_| REDACTED.to_owned())
        }
        Err(_) => out,
    }
}

fn redact_value(v: &mut Value, secrets: &[String]) {
    match v {
        Value::String(s) => *s = redact_text(s, secrets, false),
        Value::Array(a) => a.iter_mut().for_each(|v| redact_value(v, secrets)),
        Value::Object(o) => o.values_mut().for_each(|v| redact_value(v, secrets)),
        _ => {}
    }
}

fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~+/=".contains(c)
}

/// Text-level redaction. `json_escaped`: secrets are searched in their JSON-escaped form.
fn redact_text(text: &str, secrets: &[String], json_escaped: bool) -> String {
    let mut s = text.to_owned();
    for secret in secrets {
        let needle = if json_escaped {
            let q = serde_json::to_string(secret).unwrap_or_default();
            q.get(1..q.len().saturating_sub(1)).unwrap_or("").to_owned()
        } else {
            secret.clone()
        };
        if !needle.is_empty() && s.contains(&needle) {
            s = s.replace(&needle, REDACTED);
        }
    }
    let s = replace_runs(&s, "sk-ant-", 1, is_key_char, false);
    replace_runs(&s, "bearer ", 8, is_token_char, true)
}

/// Replaces `prefix` (ASCII; matched case-insensitively when `keep_prefix`) followed by at least
/// `min` characters for which `body` holds: the whole run, or only the part after the prefix.
fn replace_runs(
    text: &str,
    prefix: &str,
    min: usize,
    body: fn(char) -> bool,
    keep_prefix: bool,
) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    while let Some(found) = lower[pos..].find(prefix) {
        let start = pos + found;
        let after = start + prefix.len();
        let run = text[after..]
            .char_indices()
            .find(|(_, c)| !body(*c))
            .map_or(text.len() - after, |(i, _)| i);
        if run >= min {
            out.push_str(&text[pos..start]);
            if keep_prefix {
                out.push_str(&text[start..after]);
            }
            out.push_str(REDACTED);
            pos = after + run;
        } else {
            out.push_str(&text[pos..after]);
            pos = after;
        }
    }
    out.push_str(&text[pos..]);
    out
}

fn integrity(msg: impl Into<String>) -> Error {
    Error::new(ErrorCode::Integrity, msg)
}

fn encode_err(e: serde_json::Error) -> Error {
    Error::new(ErrorCode::Storage, format!("cannot encode an export: {e}"))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Exports session `id` from `store` as the bytes of an export file. `store` is any
/// [`SessionStore`](crate::SessionStore) or a `dyn DynSessionStore` (`&*shared_store`).
pub async fn export<S: crate::DynSessionStore + ?Sized>(
    store: &S,
    id: SessionId,
    options: &ExportOptions,
) -> Result<Vec<u8>> {
    let session = store.load(id).await?;
    let cli = match (&session.meta.cli_session_id, options.include_cli_transcript) {
        (Some(cli_id), true) => {
            let home = home_dir(options.home.as_deref())?;
            let path = find_cli_transcript(&home, cli_id)?.ok_or_else(|| {
                Error::new(
                    ErrorCode::NotFound,
                    format!(
                        "the CLI transcript of session {id} (CLI session {cli_id}) is not under {}; \
                         export without it or pass the HOME the CLI ran with",
                        home.join(".claude/projects").display()
                    ),
                )
            })?;
            let text = tokio::fs::read_to_string(&path)
                .await
                .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
            Some((cli_id.clone(), text))
        }
        _ => None,
    };
    let secrets = secrets(&options.redact, |k| std::env::var(k).ok());
    encode(
        &session,
        cli.as_ref().map(|(i, t)| (i.as_str(), t.as_str())),
        &secrets,
    )
}

/// Builds the file from a session and an optional CLI transcript `(session id, text)`.
fn encode(session: &Session, cli: Option<(&str, &str)>, secrets: &[String]) -> Result<Vec<u8>> {
    let mut body = String::new();
    let mut lines = 0u64;
    let mut push = |line: &Record| -> Result<()> {
        let json = serde_json::to_string(line).map_err(encode_err)?;
        body.push_str(&redact_json_line(&json, secrets));
        body.push('\n');
        lines += 1;
        Ok(())
    };
    push(&Record::Session {
        meta: session.meta.clone(),
    })?;
    for entry in &session.transcript {
        push(&Record::Entry {
            entry: entry.clone(),
        })?;
    }
    if let Some((cli_id, text)) = cli {
        // Blank lines, and a line that is not JSON (e.g. cut short by a crash of the CLI), are
        // left out: the CLI could not use them either, and import insists on JSON.
        let cli_lines: Vec<&str> = text
            .lines()
            .filter(|l| serde_json::from_str::<serde::de::IgnoredAny>(l).is_ok())
            .collect();
        push(&Record::CliTranscript {
            session_id: cli_id.to_owned(),
            lines: cli_lines.len() as u64,
        })?;
        for l in cli_lines {
            push(&Record::CliLine {
                text: redact_json_line(l, secrets),
            })?;
        }
    }
    let header = Header {
        format: FORMAT.to_owned(),
        version: VERSION,
        body_lines: lines,
        sha256: hex(&Sha256::digest(body.as_bytes())),
    };
    let mut out = serde_json::to_vec(&header).map_err(encode_err)?;
    out.push(b'\n');
    out.extend_from_slice(body.as_bytes());
    Ok(out)
}

/// Exports session `id` into the file `path` (written atomically: a temp file, then a rename).
pub async fn write_export<S: crate::DynSessionStore + ?Sized>(
    store: &S,
    id: SessionId,
    options: &ExportOptions,
    path: &Path,
) -> Result<()> {
    let bytes = export(store, id, options).await?;
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || atomic_write(&path, &bytes))
        .await
        .map_err(|e| Error::new(ErrorCode::Io, format!("writing an export: {e}")))?
}

/// Creates `path` (which must not exist), writes `bytes` and syncs it to disk.
fn write_new_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Writes `bytes` to `path` via a temp file in the same directory and a rename.
fn atomic_write(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = temp_path(path);
    let write = || -> std::io::Result<()> {
        write_new_synced(&tmp, bytes)?;
        std::fs::rename(&tmp, path)?;
        // Make the rename itself durable.
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(format!("writing {}", path.display()), e)
    })
}

fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp-{}", uuid::Uuid::new_v4().simple()))
}

/// What a checked export file holds.
#[derive(Debug)]
struct Decoded {
    session: Session,
    /// `(CLI session id, transcript text)`.
    cli: Option<(String, String)>,
}

/// Checks and parses an export file. Every failure is [`ErrorCode::Integrity`].
fn decode(bytes: &[u8]) -> Result<Decoded> {
    let nl = bytes.iter().position(|b| *b == b'\n').ok_or_else(|| {
        integrity("not a session export: no header line (empty or truncated file)")
    })?;
    let header: Header = serde_json::from_slice(&bytes[..nl])
        .map_err(|e| integrity(format!("not a session export: bad header line: {e}")))?;
    if header.format != FORMAT {
        return Err(integrity(format!(
            "not a session export: format is `{}`, expected `{FORMAT}`",
            header.format.escape_debug()
        )));
    }
    if header.version != VERSION {
        return Err(integrity(format!(
            "session export version {} is not supported (this build reads version {VERSION})",
            header.version
        )));
    }
    let body = &bytes[nl + 1..];
    let actual = hex(&Sha256::digest(body));
    if !actual.eq_ignore_ascii_case(&header.sha256) {
        return Err(integrity(
            "session export checksum mismatch: the file was changed or truncated after export",
        ));
    }
    let body =
        std::str::from_utf8(body).map_err(|_| integrity("session export body is not UTF-8"))?;
    if !body.is_empty() && !body.ends_with('\n') {
        return Err(integrity("session export is truncated (no final newline)"));
    }
    let lines: Vec<&str> = body.lines().collect();
    if lines.len() as u64 != header.body_lines {
        return Err(integrity(format!(
            "session export has {} body lines, its header says {}",
            lines.len(),
            header.body_lines
        )));
    }
    let mut it = lines.into_iter().enumerate().map(|(i, l)| {
        serde_json::from_str::<Record>(l)
            .map_err(|e| integrity(format!("session export line {}: {e}", i + 2)))
    });
    let meta = match it.next().transpose()? {
        Some(Record::Session { meta }) => meta,
        _ => {
            return Err(integrity(
                "session export: the first body line must be the session",
            ));
        }
    };
    let mut transcript = Vec::new();
    let mut cli: Option<(String, u64, Vec<String>)> = None;
    for line in it {
        match (line?, &mut cli) {
            (Record::Entry { entry }, None) => transcript.push(entry),
            (Record::CliTranscript { session_id, lines }, None) => {
                check_cli_session_id(&session_id).map_err(|e| integrity(e.message()))?;
                cli = Some((session_id, lines, Vec::new()));
            }
            (Record::CliLine { text }, Some((_, _, got))) => {
                if text.contains('\n') || text.contains('\r') {
                    return Err(integrity("session export: a CLI line holds a line break"));
                }
                serde_json::from_str::<serde::de::IgnoredAny>(&text).map_err(|e| {
                    integrity(format!(
                        "session export: a CLI transcript line is not JSON: {e}"
                    ))
                })?;
                got.push(text);
            }
            (other, _) => {
                return Err(integrity(format!(
                    "session export: unexpected {} line",
                    line_name(&other)
                )));
            }
        }
    }
    let cli = match cli {
        None => None,
        Some((id, n, got)) => {
            if got.len() as u64 != n {
                return Err(integrity(format!(
                    "session export: the CLI transcript has {} lines, its header says {n}",
                    got.len()
                )));
            }
            if meta.cli_session_id.as_deref() != Some(id.as_str()) {
                return Err(integrity(
                    "session export: the CLI transcript belongs to another CLI session",
                ));
            }
            let mut text = got.join("\n");
            text.push('\n');
            Some((id, text))
        }
    };
    let session = Session::new(meta, transcript);
    check_insert(&session)?;
    Ok(Decoded { session, cli })
}

fn line_name(l: &Record) -> &'static str {
    match l {
        Record::Session { .. } => "session",
        Record::Entry { .. } => "entry",
        Record::CliTranscript { .. } => "cli_transcript",
        Record::CliLine { .. } => "cli_line",
    }
}

/// Imports an export file into `store`, and its CLI transcript into the target `HOME` so the
/// CLI can `--resume` it from the target working directory.
///
/// The whole file is checked first (format, version, checksum, schema, counts); a malformed,
/// truncated or tampered file is [`ErrorCode::Integrity`] and nothing changes. An id that exists
/// in the store is `config` (pass [`ImportOptions::new_id`]); a different transcript already at
/// the target path is `config` too. Otherwise the store and `HOME` change together or not at all.
pub async fn import<S: crate::DynSessionStore + ?Sized>(
    store: &S,
    bytes: &[u8],
    options: &ImportOptions,
) -> Result<SessionMeta> {
    let Decoded { mut session, cli } = decode(bytes)?;
    if let Some(id) = options.new_id {
        session.meta.id = id;
    }
    // The CLI names project directories after the absolute cwd.
    let cwd = match &options.cwd {
        Some(c) => std::path::absolute(c),
        None => std::env::current_dir(),
    }
    .map_err(|e| Error::io("resolving the target working directory", e))?;
    session.meta.cwd = Some(cwd.to_string_lossy().into_owned());

    let Some((cli_id, text)) = cli else {
        return store.insert(session).await;
    };
    let home = home_dir(options.home.as_deref())?;
    let target = cli_transcript_path(&home, &cwd, &cli_id)?;
    let placed = tokio::task::spawn_blocking({
        let home = home.clone();
        let target = target.clone();
        move || stage_cli_transcript(&home, &cli_id, &target, text.as_bytes())
    })
    .await
    .map_err(|e| Error::new(ErrorCode::Io, format!("importing a CLI transcript: {e}")))??;
    match store.insert(session).await {
        Ok(meta) => {
            placed.commit()?;
            Ok(meta)
        }
        Err(e) => {
            placed.abort();
            Err(e)
        }
    }
}

/// A CLI transcript staged next to its target, renamed into place on commit.
#[derive(Debug)]
enum Placed {
    /// The same content is already there (in the target or another project directory).
    AlreadyThere,
    Staged {
        tmp: PathBuf,
        target: PathBuf,
        /// Directories we created, deepest first (removed again on abort).
        created: Vec<PathBuf>,
    },
}

impl Placed {
    fn commit(self) -> Result<()> {
        let Placed::Staged { tmp, target, .. } = self else {
            return Ok(());
        };
        if target.exists() {
            let _ = std::fs::remove_file(&tmp);
            return Err(Error::new(
                ErrorCode::Config,
                format!(
                    "{} appeared while importing; not overwritten",
                    target.display()
                ),
            ));
        }
        std::fs::rename(&tmp, &target).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            Error::io(format!("placing {}", target.display()), e)
        })
    }

    fn abort(self) {
        if let Placed::Staged { tmp, created, .. } = self {
            let _ = std::fs::remove_file(&tmp);
            for d in created {
                let _ = std::fs::remove_dir(d);
            }
        }
    }
}

fn stage_cli_transcript(home: &Path, cli_id: &str, target: &Path, bytes: &[u8]) -> Result<Placed> {
    if let Some(existing) = find_cli_transcript(home, cli_id)? {
        let current = std::fs::read(&existing)
            .map_err(|e| Error::io(format!("reading {}", existing.display()), e))?;
        if current == bytes {
            return Ok(Placed::AlreadyThere);
        }
        return Err(Error::new(
            ErrorCode::Config,
            format!(
                "a different transcript of CLI session {cli_id} already exists at {}; not overwritten",
                existing.display()
            ),
        ));
    }
    let dir = target
        .parent()
        .ok_or_else(|| Error::config("the CLI transcript path has no directory"))?;
    let mut created = Vec::new();
    let mut d = Some(dir);
    while let Some(p) = d {
        if p.exists() {
            break;
        }
        created.push(p.to_path_buf());
        d = p.parent();
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
    let tmp = temp_path(target);
    let write = || write_new_synced(&tmp, bytes);
    let placed = Placed::Staged {
        tmp: tmp.clone(),
        target: target.to_path_buf(),
        created,
    };
    if let Err(e) = write() {
        placed.abort();
        return Err(Error::io(format!("writing {}", tmp.display()), e));
    }
    Ok(placed)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::{MemoryStore, NewSession, SessionStore};

    #[test]
    fn cwd_encoding_matches_the_cli() {
        assert_eq!(encode_cwd(Path::new("/home/u/proj")), "-home-u-proj");
        assert_eq!(encode_cwd(Path::new("/tmp/a_b.c d")), "-tmp-a-b-c-d");
    }

    #[test]
    fn cli_session_ids_must_be_uuids() {
        let home = Path::new("/h");
        assert!(cli_transcript_path(home, Path::new("/p"), "../../etc/passwd").is_err());
        assert!(cli_transcript_path(home, Path::new("/p"), "").is_err());
        let p = cli_transcript_path(
            home,
            Path::new("/p"),
            "0b0e7f4e-2c1a-4f7e-9a7e-1d2c3b4a5f6e",
        )
        .unwrap();
        assert_eq!(
            p,
            Path::new("/h/.claude/projects/-p/0b0e7f4e-2c1a-4f7e-9a7e-1d2c3b4a5f6e.jsonl")
        );
    }

    #[test]
    fn redaction_covers_keys_tokens_and_given_values() {
        let secrets = secrets(&["my-own-secret-value".into(), "short".into()], |k| {
            (k == "ANTHROPIC_API_KEY").then(|| "env-key-1234567".to_owned())
        });
        let line = serde_json::json!({
            "a": "key sk-ant-api03-AbC_dEf-123 end",
            "b": "Authorization: Bearer eyJhbGciOi.J9-x_y end",
            "c": "bearer of bad news",
            "d": ["my-own-secret-value", "env-key-1234567", "short"],
            "e": "quote \" sk-ant-xyz\\n"
        })
        .to_string();
        let out = redact_json_line(&line, &secrets);
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["a"], "key [REDACTED] end");
        assert_eq!(v["b"], "Authorization: Bearer [REDACTED] end");
        assert_eq!(v["c"], "bearer of bad news");
        assert_eq!(v["d"][0], REDACTED);
        assert_eq!(v["d"][1], REDACTED);
        assert_eq!(v["d"][2], "short", "too short to redact");
        assert_eq!(v["e"], "quote \" [REDACTED]\\n");
        for s in ["sk-ant-api03", "eyJhbGciOi", "my-own-secret", "env-key-123"] {
            assert!(!out.contains(s), "{s} in {out}");
        }
    }

    #[test]
    fn a_secret_that_breaks_an_escape_falls_back_to_string_redaction() {
        // The JSON text `\n` + "abcdefgh": text-level replacement of "nabcdefgh" would leave a
        // lone backslash; the fallback redacts decoded strings instead.
        let line = r#"{"x":"\nabcdefgh tail"}"#;
        let out = redact_json_line(line, &["nabcdefgh".to_owned()]);
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            v["x"], "\nabcdefgh tail",
            "the decoded text has no such secret"
        );
    }

    async fn sample() -> (MemoryStore, SessionId, Vec<u8>) {
        let store = MemoryStore::new();
        let meta = store
            .create(NewSession::new().title("t").tag("x"))
            .await
            .unwrap();
        store
            .append(
                meta.id,
                vec![
                    TranscriptEntry::prompt("hello sk-ant-api03-SECRETSECRET"),
                    TranscriptEntry::prompt("second"),
                ],
            )
            .await
            .unwrap();
        let bytes = encode(&store.load(meta.id).await.unwrap(), None, &[]).unwrap();
        (store, meta.id, bytes)
    }

    #[test]
    fn cli_lines_that_are_not_json_are_left_out() {
        let store_session = Session::new(
            SessionMeta::new(
                NewSession::new().cli_session_id("0b0e7f4e-2c1a-4f7e-9a7e-1d2c3b4a5f6e"),
            ),
            Vec::new(),
        );
        let cli = "{\"a\":1}\n\n{\"b\":2}\n{\"c\":";
        let bytes = encode(
            &store_session,
            Some(("0b0e7f4e-2c1a-4f7e-9a7e-1d2c3b4a5f6e", cli)),
            &[],
        )
        .unwrap();
        let decoded = decode(&bytes).unwrap();
        assert_eq!(
            decoded.cli.unwrap().1,
            "{\"a\":1}\n{\"b\":2}\n",
            "the cut-off last line is dropped"
        );
    }

    #[tokio::test]
    async fn round_trip_keeps_everything_but_secrets() {
        let (store, id, bytes) = sample().await;
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(!text.contains("SECRETSECRET"));
        assert!(text.starts_with("{\"format\":\"claude-sdk-session-export\",\"version\":1,"));
        let target = MemoryStore::new();
        let cwd = std::env::temp_dir();
        let meta = import(&target, &bytes, &ImportOptions::new().cwd(&cwd))
            .await
            .unwrap();
        let mut orig = store.load(id).await.unwrap();
        let got = target.load(id).await.unwrap();
        assert_eq!(meta, got.meta);
        orig.meta.cwd = Some(cwd.to_string_lossy().into_owned());
        assert_eq!(got.meta, orig.meta);
        assert_eq!(got.transcript[1], orig.transcript[1]);
        assert_eq!(
            got.transcript[0].searchable_text().as_deref(),
            Some("hello [REDACTED]")
        );
        // Again: the id exists.
        let err = import(&target, &bytes, &ImportOptions::new().cwd(&cwd))
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::Config);
        let other = SessionId::new();
        let meta = import(
            &target,
            &bytes,
            &ImportOptions::new().cwd(&cwd).new_id(other),
        )
        .await
        .unwrap();
        assert_eq!(meta.id, other);
        // Through a type-erased store as well.
        let shared: crate::SharedStore = std::sync::Arc::new(MemoryStore::new());
        let meta = import(&*shared, &bytes, &ImportOptions::new().cwd(&cwd))
            .await
            .unwrap();
        assert_eq!(meta.id, id);
        let again = export(
            &*shared,
            id,
            &ExportOptions::new().include_cli_transcript(false),
        )
        .await
        .unwrap();
        assert_eq!(
            decode(&again).unwrap().session,
            shared.load(id).await.unwrap()
        );
    }

    #[tokio::test]
    async fn every_flipped_byte_and_every_truncation_is_refused() {
        let (_, _, bytes) = sample().await;
        let target = MemoryStore::new();
        let opts = ImportOptions::new().cwd(std::env::temp_dir());
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x01;
            let err = import(&target, &b, &opts).await.unwrap_err();
            assert_eq!(err.code(), ErrorCode::Integrity, "byte {i}: {err}");
        }
        for len in 0..bytes.len() {
            let err = import(&target, &bytes[..len], &opts).await.unwrap_err();
            assert_eq!(err.code(), ErrorCode::Integrity, "len {len}: {err}");
        }
        assert_eq!(target.list(crate::ListQuery::new()).await.unwrap().total, 0);
    }

    #[tokio::test]
    async fn a_wrong_format_or_version_is_named() {
        let (_, _, bytes) = sample().await;
        let text = String::from_utf8(bytes).unwrap();
        let target = MemoryStore::new();
        let opts = ImportOptions::new().cwd(std::env::temp_dir());
        let v2 = text.replacen("\"version\":1", "\"version\":2", 1);
        let err = import(&target, v2.as_bytes(), &opts).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::Integrity);
        assert!(err.message().contains("version 2"), "{err}");
        let other = text.replacen(FORMAT, "something-else", 1);
        let err = import(&target, other.as_bytes(), &opts).await.unwrap_err();
        assert!(err.message().contains("something-else"), "{err}");
        // A consistent file (checksum recomputed) that breaks the schema is refused too.
        let (head, body) = text.split_once('\n').unwrap();
        let body = body.replacen("\"seq\":1", "\"seq\":7", 1);
        let mut h: Header = serde_json::from_str(head).unwrap();
        h.sha256 = hex(&Sha256::digest(body.as_bytes()));
        let forged = format!("{}\n{body}", serde_json::to_string(&h).unwrap());
        let err = import(&target, forged.as_bytes(), &opts).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::Integrity, "{err}");
        // So is an unknown field on a body line, or an unknown line type.
        for (from, to) in [
            ("{\"type\":\"entry\",", "{\"type\":\"entry\",\"extra\":1,"),
            ("{\"type\":\"entry\",", "{\"type\":\"attachment\","),
        ] {
            let body = body_of(&text).replacen(from, to, 1);
            assert_ne!(body, body_of(&text));
            let forged = rehash(&text, &body);
            let err = import(&target, forged.as_bytes(), &opts).await.unwrap_err();
            assert_eq!(err.code(), ErrorCode::Integrity, "{err}");
        }
        assert_eq!(target.list(crate::ListQuery::new()).await.unwrap().total, 0);
    }

    fn body_of(text: &str) -> String {
        text.split_once('\n').unwrap().1.to_owned()
    }

    /// A file with `body` and a correct checksum for it.
    fn rehash(text: &str, body: &str) -> String {
        let (head, _) = text.split_once('\n').unwrap();
        let mut h: Header = serde_json::from_str(head).unwrap();
        h.sha256 = hex(&Sha256::digest(body.as_bytes()));
        format!("{}\n{body}", serde_json::to_string(&h).unwrap())
    }
}
