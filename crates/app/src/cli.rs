//! Argument parsing and the commands.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args as ClapArgs, Parser, Subcommand, ValueEnum};
use claude_sdk::session::{NewSession, SessionId, SharedStore};
use claude_sdk::{Client, Error, Event, Options, RecordedStream};

use crate::output;

/// Drive Claude from the command line through the Claude Code CLI.
#[derive(Debug, Parser)]
#[command(name = "claude-rs", version, about)]
pub struct Args {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options for every command.
#[derive(Debug, ClapArgs)]
pub struct Global {
    /// Path of the `claude` binary (default: $CLAUDE_CLI_PATH, PATH, usual install locations).
    #[arg(long, global = true, value_name = "PATH")]
    pub cli_path: Option<PathBuf>,
    /// Longest line accepted from the CLI, in bytes.
    #[arg(long, global = true, value_name = "BYTES", default_value_t = claude_sdk::stream::DEFAULT_MAX_LINE_BYTES)]
    pub max_line_bytes: usize,
    /// How often the CLI itself retries failed API calls (default: the CLI's own, 10).
    #[arg(long, global = true, value_name = "N")]
    pub cli_max_retries: Option<u32>,
    /// Print this process's own peak RSS and CPU time (children excluded) to stderr at exit.
    #[arg(long, global = true, hide = true)]
    pub report_resources: bool,
    /// Session store that `query`, `stream` and `session` use: sled:PATH, redis://HOST:PORT/DB#PREFIX (port, db, prefix optional)
    /// or memory: (default: sled in the user's data dir, ~/.local/share/claude-sdk-rs/sessions).
    #[arg(long, global = true, value_name = "STORE", env = "CLAUDE_RS_STORE")]
    pub store: Option<String>,
    /// Do not record `query` and `stream` into a session store.
    #[arg(long, global = true, conflicts_with = "store")]
    pub no_store: bool,
    /// More logging on stderr (-v, -vv); or set CLAUDE_RS_LOG.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// Commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Ask once and print the answer.
    Query(QueryArgs),
    /// Ask once and print the text as it arrives.
    Stream(QueryArgs),
    /// Stored sessions: list, show, search, export, import, resume, tag, rm.
    Session(crate::session::SessionArgs),
    /// MCP tools: list what the servers of an MCP config offer.
    Tools(crate::tools::ToolsArgs),
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// The answer's text.
    Text,
    /// One JSON object with the answer, usage and cost.
    Json,
    /// Every event as one JSON line, as it arrives.
    StreamJson,
}

/// What to ask and how.
#[derive(Debug, ClapArgs)]
pub struct QueryArgs {
    /// The prompt; `-` reads it from stdin. Always sent on the CLI's stdin, never as an argument.
    #[arg(allow_hyphen_values = true)]
    pub prompt: String,
    /// Model alias or id.
    #[arg(long)]
    pub model: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,
    /// System prompt (default: a minimal one).
    #[arg(long)]
    pub system_prompt: Option<String>,
    /// Text appended to the system prompt.
    #[arg(long)]
    pub append_system_prompt: Option<String>,
    /// Maximum agent turns.
    #[arg(long)]
    pub max_turns: Option<u32>,
    /// Budget in USD.
    #[arg(long)]
    pub max_budget_usd: Option<f64>,
    /// Permission allow rules, comma separated.
    #[arg(long, value_delimiter = ',')]
    pub allowed_tools: Vec<String>,
    /// Tools to remove, comma separated.
    #[arg(long, value_delimiter = ',')]
    pub disallowed_tools: Vec<String>,
    /// MCP servers for the CLI: a config file or inline JSON (repeatable). MCP tools still
    /// need `--allowed-tools mcp__<server>__<tool>` (or a permission mode) to run unprompted.
    #[arg(long, value_name = "FILE|JSON")]
    pub mcp_config: Vec<String>,
    /// Resume a CLI session by id.
    #[arg(long)]
    pub resume: Option<String>,
    /// Working directory of the CLI.
    #[arg(long)]
    pub cwd: Option<PathBuf>,
    /// Deadline in seconds for the whole request.
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<f64>,
}

impl QueryArgs {
    fn options(&self) -> Result<Options, Error> {
        let mut o = Options::new();
        o.model.clone_from(&self.model);
        if let Some(s) = &self.system_prompt {
            o = o.system_prompt(s.clone());
        }
        o.append_system_prompt
            .clone_from(&self.append_system_prompt);
        o.max_turns = self.max_turns;
        o.max_budget_usd = self.max_budget_usd;
        o.allowed_tools.clone_from(&self.allowed_tools);
        o.disallowed_tools.clone_from(&self.disallowed_tools);
        o.mcp_config.clone_from(&self.mcp_config);
        o.resume.clone_from(&self.resume);
        o.cwd.clone_from(&self.cwd);
        if let Some(t) = self.timeout {
            let t = Duration::try_from_secs_f64(t)
                .map_err(|_| Error::config(format!("invalid --timeout {t}")))?;
            o = o.timeout(t);
        }
        Ok(o)
    }
}

/// The prompt argument, or stdin for `-`.
pub(crate) fn read_prompt(arg: &str) -> Result<String, Error> {
    if arg != "-" {
        return Ok(arg.to_owned());
    }
    let mut s = String::new();
    std::io::stdin()
        .read_to_string(&mut s)
        .map_err(|e| Error::io("reading the prompt from stdin", e))?;
    if s.trim().is_empty() {
        return Err(Error::config("the prompt read from stdin is empty"));
    }
    Ok(s)
}

/// The facade client for these options (checks them and finds the CLI), recording into `store`.
pub(crate) fn client_with_store(
    global: &Global,
    store: Option<SharedStore>,
) -> Result<Client, Error> {
    let mut builder = Client::builder().max_line_bytes(global.max_line_bytes);
    if let Some(store) = store {
        builder = builder.shared_store(store);
    }
    if let Some(path) = &global.cli_path {
        builder = builder.cli_path(path);
    }
    if let Some(n) = global.cli_max_retries {
        builder = builder.cli_max_retries(n);
    }
    builder.build()
}

/// Runs the command; returns the process exit code.
pub async fn run(args: Args) -> ExitCode {
    let (format, result) = match &args.command {
        Command::Query(q) => (q.output, query(&args.global, q).await),
        Command::Stream(q) => (q.output, stream(&args.global, q).await),
        Command::Session(s) => (
            OutputFormat::Text,
            crate::session::run(&args.global, s).await,
        ),
        Command::Tools(t) => (OutputFormat::Text, crate::tools::run(t).await),
    };
    let code = match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => output::report_error(&e, format, args.global.verbose > 0),
    };
    if args.global.report_resources {
        output::report_resources();
    }
    code
}

/// A client for `query`/`stream` and, when recording, the session to record into (created
/// now, titled by the prompt; its id goes into `--output json`, and to stderr with `-v`).
async fn recording_client(
    global: &Global,
    prompt: &str,
    options: &Options,
) -> Result<(Client, Option<SessionId>), Error> {
    // The CLI is checked before the store is opened, so a missing CLI is reported as such.
    let client = client_with_store(global, None)?.with_options(options.clone());
    let Some(store) = crate::session::open_store(global).await? else {
        return Ok((client, None));
    };
    let client = client.with_store(store);
    let meta = client
        .new_session(NewSession::new().title(claude_sdk::session::title_of(prompt)))
        .await?;
    if global.verbose > 0 {
        eprintln!("session {}", meta.id);
    }
    Ok((client, Some(meta.id)))
}

async fn query(global: &Global, q: &QueryArgs) -> Result<(), Error> {
    let prompt = read_prompt(&q.prompt)?;
    let mut options = q.options()?;
    if q.output == OutputFormat::StreamJson {
        options.include_partial_messages = true;
    }
    let (client, session) = recording_client(global, &prompt, &options).await?;
    if q.output == OutputFormat::StreamJson {
        let stream = match session {
            Some(id) => client.stream_in(id, prompt).await?,
            None => RecordedStream::plain(client.stream(prompt).await?),
        };
        return print_stream_json(stream).await;
    }
    let outcome = match session {
        Some(id) => client.query_in(id, prompt).await?,
        None => client.query(prompt).await?,
    };
    let mut out = std::io::stdout().lock();
    let written = match q.output {
        OutputFormat::Json => {
            let mut v = output::outcome_json(&outcome);
            if let Some(id) = session {
                v["session"] = serde_json::json!(id.to_string());
            }
            writeln!(out, "{v}")
        }
        _ => writeln!(out, "{}", outcome.text),
    };
    written.map_err(|e| Error::io("writing to stdout", e))
}

async fn stream(global: &Global, q: &QueryArgs) -> Result<(), Error> {
    let prompt = read_prompt(&q.prompt)?;
    let options = q.options()?.include_partial_messages(true);
    let (client, session) = recording_client(global, &prompt, &options).await?;
    let mut stream = match session {
        Some(id) => client.stream_in(id, prompt).await?,
        None => RecordedStream::plain(client.stream(prompt).await?),
    };
    if q.output == OutputFormat::StreamJson {
        return print_stream_json(stream).await;
    }
    let result = print_text_stream(&mut stream, q.output).await;
    let stored = stream.finish().await;
    result?;
    stored.map(drop)
}

async fn print_text_stream(stream: &mut RecordedStream, format: OutputFormat) -> Result<(), Error> {
    let mut out = std::io::stdout();
    let mut printed_any = false;
    while let Some(ev) = stream.next_event().await {
        let ev = ev?;
        if let Some(t) = ev.text_delta() {
            printed_any = true;
            out.write_all(t.as_bytes())
                .and_then(|_| out.flush())
                .map_err(|e| Error::io("writing to stdout", e))?;
        }
        if let Event::Result(r) = ev {
            let outcome = claude_sdk::Outcome::from_result(r)?;
            let tail = if printed_any {
                String::new()
            } else {
                outcome.text.clone()
            };
            if format == OutputFormat::Json {
                writeln!(out, "\n{}", output::outcome_json(&outcome))
            } else {
                writeln!(out, "{tail}")
            }
            .map_err(|e| Error::io("writing to stdout", e))?;
            return Ok(());
        }
    }
    Err(Error::protocol("the response ended without a result"))
}

/// Prints every event as a JSON line; the recording (if any) is complete when this returns.
async fn print_stream_json(mut stream: RecordedStream) -> Result<(), Error> {
    let result = print_json_lines(&mut stream).await;
    let stored = stream.finish().await;
    result?;
    stored.map(drop)
}

async fn print_json_lines(stream: &mut RecordedStream) -> Result<(), Error> {
    let mut out = std::io::stdout();
    while let Some(ev) = stream.next_event().await {
        let ev = ev?;
        let line = serde_json::to_string(&ev).map_err(|e| Error::protocol(e.to_string()))?;
        writeln!(out, "{line}")
            .and_then(|_| out.flush())
            .map_err(|e| Error::io("writing to stdout", e))?;
        if let Event::Result(r) = ev {
            claude_sdk::Outcome::from_result(r)?;
            return Ok(());
        }
    }
    Err(Error::protocol("the response ended without a result"))
}
