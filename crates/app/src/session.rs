//! `claude-rs session …`: list, show, search, export, import, resume, tag and remove stored
//! sessions; and the `--store` plumbing shared with `query` and `stream`.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args as ClapArgs, Subcommand};
use claude_sdk::session::{
    EntryKind, ListQuery, MetaPatch, Page, SearchHit, SearchQuery, SessionId, SessionMeta,
    SharedStore, StoreSpec,
};
use claude_sdk::{Error, ErrorCode, Event};
use serde_json::json;

use crate::cli::Global;

/// Session commands.
#[derive(Debug, ClapArgs)]
pub struct SessionArgs {
    #[command(subcommand)]
    pub command: SessionCommand,
}

/// What to do with sessions.
#[derive(Debug, Subcommand)]
pub enum SessionCommand {
    /// List sessions, newest change first.
    List {
        /// Page size.
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// Sessions to skip.
        #[arg(long, default_value_t = 0)]
        offset: usize,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Show one session: metadata and transcript.
    Show {
        /// Session id or a unique prefix of it.
        id: String,
        /// The whole record as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Search by words in prompts and answers, and by metadata; ranked.
    Search(SearchArgs),
    /// Export a session (with the CLI's own transcript) to a portable file.
    Export {
        /// Session id or a unique prefix of it.
        id: String,
        /// The file to write.
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Import a session from an exported file (checked; refused whole when invalid).
    Import {
        /// The exported file.
        file: PathBuf,
        /// The working directory the session continues in (default: the current one).
        #[arg(long)]
        cwd: Option<PathBuf>,
    },
    /// Continue a stored session with a new prompt (the CLI resumes its conversation).
    Resume {
        /// Session id or a unique prefix of it.
        id: String,
        /// The prompt; `-` reads it from stdin.
        #[arg(allow_hyphen_values = true)]
        prompt: String,
        /// Print the outcome as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Add tags to a session (or remove them with --remove).
    Tag {
        /// Session id or a unique prefix of it.
        id: String,
        /// Tags.
        #[arg(required = true)]
        tags: Vec<String>,
        /// Remove these tags instead.
        #[arg(long)]
        remove: bool,
    },
    /// Delete a session.
    Rm {
        /// Session id or a unique prefix of it.
        id: String,
    },
}

/// `session search` arguments.
#[derive(Debug, ClapArgs)]
pub struct SearchArgs {
    /// Words that must all occur (may be empty to filter by metadata only).
    #[arg(default_value = "")]
    pub query: String,
    /// Tags the session must have (repeatable).
    #[arg(long = "tag")]
    pub tags: Vec<String>,
    /// Model.
    #[arg(long)]
    pub model: Option<String>,
    /// Working directory.
    #[arg(long)]
    pub cwd: Option<String>,
    /// Created on or after (YYYY-MM-DD or RFC 3339).
    #[arg(long)]
    pub since: Option<String>,
    /// Created before (YYYY-MM-DD or RFC 3339).
    #[arg(long)]
    pub until: Option<String>,
    /// Total cost at least (USD).
    #[arg(long)]
    pub min_cost: Option<f64>,
    /// Total cost at most (USD).
    #[arg(long)]
    pub max_cost: Option<f64>,
    /// Page size.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// Hits to skip.
    #[arg(long, default_value_t = 0)]
    pub offset: usize,
    /// One JSON object per line.
    #[arg(long)]
    pub json: bool,
}

/// The store named by `--store` (default: sled in the user's data dir), or `None` with
/// `--no-store`.
pub async fn open_store(global: &Global) -> Result<Option<SharedStore>, Error> {
    if global.no_store {
        return Ok(None);
    }
    let spec = match &global.store {
        Some(s) => s.parse::<StoreSpec>()?,
        None => StoreSpec::default_sled()?,
    };
    claude_sdk::session::open(&spec).await.map(Some)
}

async fn require_store(global: &Global) -> Result<SharedStore, Error> {
    open_store(global)
        .await?
        .ok_or_else(|| Error::config("session commands need a store (drop --no-store)"))
}

/// Finds a session by full id or unique prefix.
pub async fn resolve(store: &SharedStore, id: &str) -> Result<SessionId, Error> {
    if let Ok(id) = id.parse::<SessionId>() {
        return Ok(id);
    }
    let prefix = id.trim().to_ascii_lowercase();
    if prefix.len() < 4 || !prefix.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        return Err(Error::config(format!(
            "`{id}` is neither a session id nor a prefix of one (at least 4 hex digits)"
        )));
    }
    let mut found = Vec::new();
    let mut offset = 0;
    loop {
        let page = store
            .list(ListQuery::new().limit(1000).offset(offset))
            .await?;
        found.extend(
            page.items
                .iter()
                .filter(|m| m.id.to_string().starts_with(&prefix))
                .map(|m| m.id),
        );
        if !page.has_more() || found.len() > 1 {
            break;
        }
        offset += page.items.len();
    }
    match found.as_slice() {
        [one] => Ok(*one),
        [] => Err(Error::new(
            ErrorCode::NotFound,
            format!("no session id starts with `{id}`"),
        )),
        _ => Err(Error::config(format!(
            "`{id}` matches several sessions; give more of the id"
        ))),
    }
}

/// Runs a session command.
pub async fn run(global: &Global, args: &SessionArgs) -> Result<(), Error> {
    let store = require_store(global).await?;
    let mut out = std::io::stdout().lock();
    let w = |r: std::io::Result<()>| r.map_err(|e| Error::io("writing to stdout", e));
    match &args.command {
        SessionCommand::List {
            limit,
            offset,
            json,
        } => {
            let page = store
                .list(ListQuery::new().limit(*limit).offset(*offset))
                .await?;
            print_metas(&mut out, page, *json, |m| (m, None))?;
        }
        SessionCommand::Show { id, json } => {
            let id = resolve(&store, id).await?;
            let session = store.load(id).await?;
            if *json {
                let v = serde_json::to_string_pretty(&session)
                    .map_err(|e| Error::new(ErrorCode::Storage, e.to_string()))?;
                w(writeln!(out, "{v}"))?;
            } else {
                w(write_meta_long(&mut out, &session.meta))?;
                for e in &session.transcript {
                    if let Some(line) = transcript_line(&e.kind) {
                        w(writeln!(out, "{:>4} {line}", e.seq))?;
                    }
                }
            }
        }
        SessionCommand::Search(s) => {
            let q = s.query()?;
            let page: Page<SearchHit> = store.search(q).await?;
            let Page {
                items,
                total,
                offset,
                ..
            } = page;
            let metas = items.into_iter().map(|h| (h.meta, Some(h.score))).collect();
            print_pairs(&mut out, metas, total, offset, s.json)?;
        }
        SessionCommand::Export { id, output } => {
            let id = resolve(&store, id).await?;
            crate::session_io::export(&store, id, output).await?;
            w(writeln!(out, "exported {id} to {}", output.display()))?;
        }
        SessionCommand::Import { file, cwd } => {
            let meta = crate::session_io::import(&store, file, cwd.as_deref()).await?;
            w(writeln!(out, "imported {}", meta.id))?;
        }
        SessionCommand::Resume { id, prompt, json } => {
            let id = resolve(&store, id).await?;
            let prompt = crate::cli::read_prompt(prompt)?;
            let client = crate::cli::client_with_store(global, Some(store.clone()))?;
            let outcome = client.query_in(id, prompt).await?;
            if *json {
                let mut v = crate::output::outcome_json(&outcome);
                v["session"] = json!(id.to_string());
                w(writeln!(out, "{v}"))?;
            } else {
                w(writeln!(out, "{}", outcome.text))?;
            }
        }
        SessionCommand::Tag { id, tags, remove } => {
            let id = resolve(&store, id).await?;
            let mut patch = MetaPatch::new();
            for t in tags {
                patch = if *remove {
                    patch.remove_tag(t.clone())
                } else {
                    patch.add_tag(t.clone())
                };
            }
            let meta = store.update(id, patch).await?;
            let tags: Vec<&str> = meta.tags.iter().map(String::as_str).collect();
            w(writeln!(out, "{id} tags: {}", tags.join(", ")))?;
        }
        SessionCommand::Rm { id } => {
            let id = resolve(&store, id).await?;
            if !store.delete(id).await? {
                return Err(Error::new(
                    ErrorCode::NotFound,
                    format!("no session with id {id}"),
                ));
            }
            w(writeln!(out, "removed {id}"))?;
        }
    }
    Ok(())
}

impl SearchArgs {
    fn query(&self) -> Result<SearchQuery, Error> {
        let mut q = SearchQuery::new()
            .limit(self.limit)
            .offset(self.offset)
            .created_between(
                self.since.as_deref().map(parse_time).transpose()?,
                self.until.as_deref().map(parse_time).transpose()?,
            )
            .cost_between(self.min_cost, self.max_cost);
        if !self.query.trim().is_empty() {
            q = q.text(self.query.clone());
        }
        for t in &self.tags {
            q = q.tag(t.clone());
        }
        if let Some(m) = &self.model {
            q = q.model(m.clone());
        }
        if let Some(c) = &self.cwd {
            q = q.cwd(c.clone());
        }
        Ok(q)
    }
}

/// `YYYY-MM-DD` (UTC midnight) or an RFC 3339 timestamp, as milliseconds since the epoch.
fn parse_time(s: &str) -> Result<u64, Error> {
    let ts = if let Ok(ts) = s.parse::<jiff::Timestamp>() {
        ts
    } else {
        let date: jiff::civil::Date = s.parse().map_err(|_| {
            Error::config(format!(
                "invalid date `{s}`: use YYYY-MM-DD or an RFC 3339 timestamp"
            ))
        })?;
        date.to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .map_err(|e| Error::config(format!("invalid date `{s}`: {e}")))?
            .timestamp()
    };
    u64::try_from(ts.as_millisecond())
        .map_err(|_| Error::config(format!("date `{s}` is before 1970")))
}

fn format_time(ms: u64) -> String {
    i64::try_from(ms)
        .ok()
        .and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
        .map(|t| t.strftime("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_else(|| ms.to_string())
}

fn print_metas(
    out: &mut impl Write,
    page: Page<SessionMeta>,
    json: bool,
    f: impl Fn(SessionMeta) -> (SessionMeta, Option<f64>),
) -> Result<(), Error> {
    let Page {
        items,
        total,
        offset,
        ..
    } = page;
    print_pairs(out, items.into_iter().map(f).collect(), total, offset, json)
}

fn print_pairs(
    out: &mut impl Write,
    items: Vec<(SessionMeta, Option<f64>)>,
    total: usize,
    offset: usize,
    json: bool,
) -> Result<(), Error> {
    let w = |r: std::io::Result<()>| r.map_err(|e| Error::io("writing to stdout", e));
    let shown = items.len();
    for (meta, score) in items {
        if json {
            let mut v = serde_json::to_value(&meta)
                .map_err(|e| Error::new(ErrorCode::Storage, e.to_string()))?;
            if let Some(s) = score {
                v["score"] = json!(s);
            }
            w(writeln!(out, "{v}"))?;
        } else {
            let tags: Vec<&str> = meta.tags.iter().map(String::as_str).collect();
            let score = score.map(|s| format!(" score={s:.2}")).unwrap_or_default();
            w(writeln!(
                out,
                "{}  {}  turns={} cost=${:.4}{}{}  {}",
                meta.id,
                format_time(meta.updated_at),
                meta.totals.turns,
                meta.totals.cost_usd,
                if tags.is_empty() {
                    String::new()
                } else {
                    format!(" tags={}", tags.join(","))
                },
                score,
                meta.title.as_deref().unwrap_or("")
            ))?;
        }
    }
    if !json && offset + shown < total {
        w(writeln!(
            out,
            "… {} more (use --offset {})",
            total - offset - shown,
            offset + shown
        ))?;
    }
    Ok(())
}

fn write_meta_long(out: &mut impl Write, m: &SessionMeta) -> std::io::Result<()> {
    writeln!(out, "id:          {}", m.id)?;
    if let Some(c) = &m.cli_session_id {
        writeln!(out, "cli session: {c}")?;
    }
    if let Some(t) = &m.title {
        writeln!(out, "title:       {t}")?;
    }
    if let Some(d) = &m.description {
        writeln!(out, "description: {d}")?;
    }
    if !m.tags.is_empty() {
        let tags: Vec<&str> = m.tags.iter().map(String::as_str).collect();
        writeln!(out, "tags:        {}", tags.join(", "))?;
    }
    writeln!(out, "created:     {}", format_time(m.created_at))?;
    writeln!(out, "updated:     {}", format_time(m.updated_at))?;
    if let Some(model) = &m.model {
        writeln!(out, "model:       {model}")?;
    }
    if let Some(cwd) = &m.cwd {
        writeln!(out, "cwd:         {cwd}")?;
    }
    let t = &m.totals;
    writeln!(
        out,
        "totals:      {} turns, {} in / {} out tokens, ${:.4}",
        t.turns, t.input_tokens, t.output_tokens, t.cost_usd
    )?;
    writeln!(out, "entries:     {}", m.entries)
}

/// One readable line for a transcript entry (None for bookkeeping events).
fn transcript_line(kind: &EntryKind) -> Option<String> {
    let one_line = |s: &str| s.replace('\n', " ⏎ ");
    match kind {
        EntryKind::Prompt { text } => Some(format!("you:    {}", one_line(text))),
        EntryKind::Event(e) => match &**e {
            Event::Assistant(a) => {
                let text: Vec<String> = a
                    .message
                    .content
                    .iter()
                    .map(|b| match b.as_text() {
                        Some(t) => one_line(t),
                        None => format!("[{}]", block_kind(b)),
                    })
                    .collect();
                Some(format!("claude: {}", text.join(" ")))
            }
            Event::Result(r) => Some(format!(
                "result: {} ({} turns{})",
                r.subtype,
                r.num_turns,
                r.total_cost_usd
                    .map(|c| format!(", ${c:.4} process total"))
                    .unwrap_or_default()
            )),
            _ => None,
        },
        _ => None,
    }
}

fn block_kind(b: &claude_sdk::ContentBlock) -> &'static str {
    match b {
        claude_sdk::ContentBlock::Thinking(_) => "thinking",
        claude_sdk::ContentBlock::ToolUse(_) => "tool use",
        claude_sdk::ContentBlock::ToolResult(_) => "tool result",
        _ => "block",
    }
}
