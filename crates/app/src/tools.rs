//! `claude-rs tools …`: MCP servers from a config file — list what they offer, and validate it.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use clap::{Args as ClapArgs, Subcommand};
use claude_sdk::{Error, ErrorCode};
use claude_sdk_mcp::client::{McpConfig, ServerListing, discover, validate_listings};
use claude_sdk_mcp::validate::qualified_name;
use serde_json::json;

/// `tools` subcommands.
#[derive(Debug, ClapArgs)]
pub struct ToolsArgs {
    #[command(subcommand)]
    pub command: ToolsCommand,
}

/// What to do with MCP tools.
#[derive(Debug, Subcommand)]
pub enum ToolsCommand {
    /// Connect to every server of an MCP config and list its tools, resources and prompts.
    List(ListArgs),
}

/// `tools list` options.
#[derive(Debug, ClapArgs)]
pub struct ListArgs {
    /// MCP config: a file or inline JSON (`{"mcpServers":{…}}`); repeatable. Default: `.mcp.json`.
    #[arg(long, value_name = "FILE|JSON")]
    pub mcp_config: Vec<String>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    /// Seconds allowed per server to start and answer.
    #[arg(long, value_name = "SECS", default_value_t = 30.0)]
    pub timeout: f64,
}

fn load(sources: &[String]) -> Result<McpConfig, Error> {
    let default = [".mcp.json".to_owned()];
    let sources = if sources.is_empty() {
        if !Path::new(".mcp.json").is_file() {
            return Err(Error::config(
                "no MCP config: pass --mcp-config FILE (or create .mcp.json)",
            ));
        }
        &default[..]
    } else {
        sources
    };
    let mut all = McpConfig::default();
    for s in sources {
        let c = if s.trim_start().starts_with('{') {
            McpConfig::from_json_str(s)?
        } else {
            McpConfig::load(Path::new(s))?
        };
        all.servers.extend(c.servers);
    }
    Ok(all)
}

/// Runs `tools …`.
pub async fn run(args: &ToolsArgs) -> Result<(), Error> {
    match &args.command {
        ToolsCommand::List(l) => list(l).await,
    }
}

async fn list(args: &ListArgs) -> Result<(), Error> {
    let timeout = Duration::try_from_secs_f64(args.timeout)
        .ok()
        .filter(|t| !t.is_zero())
        .ok_or_else(|| Error::config(format!("invalid --timeout {}", args.timeout)))?;
    let config = load(&args.mcp_config)?;
    let found = discover(&config, timeout).await;
    let report = validate_listings(&found);
    let mut out = std::io::stdout().lock();
    let written = if args.json {
        writeln!(out, "{}", listing_json(&found))
    } else {
        write_text(&mut out, &found)
    };
    written.map_err(|e| Error::io("writing to stdout", e))?;
    for issue in &report.issues {
        tracing::warn!("{issue}");
    }
    let failed = found.iter().filter(|l| l.error.is_some()).count();
    if failed > 0 {
        return Err(Error::new(
            ErrorCode::Tool,
            format!("{failed} of {} MCP server(s) failed", found.len()),
        ));
    }
    Ok(())
}

fn listing_json(found: &[ServerListing]) -> serde_json::Value {
    let servers: Vec<_> = found
        .iter()
        .map(|l| {
            json!({
                "name": l.name,
                "server_info": l.server_info,
                "error": l.error,
                "tools": l.tools.iter().map(|t| json!({
                    "name": t.name,
                    "qualified_name": qualified_name(&l.name, &t.name),
                    "description": t.description,
                    "input_schema": t.input_schema,
                })).collect::<Vec<_>>(),
                "resources": l.resources,
                "prompts": l.prompts,
            })
        })
        .collect();
    json!({ "servers": servers })
}

fn first_line(s: Option<&str>) -> &str {
    s.and_then(|s| s.lines().next()).unwrap_or("")
}

fn write_text(out: &mut impl Write, found: &[ServerListing]) -> std::io::Result<()> {
    for l in found {
        match (&l.error, &l.server_info) {
            (Some(e), _) => writeln!(out, "{}: FAILED: {e}", l.name)?,
            (None, Some(i)) => writeln!(out, "{} ({} {})", l.name, i.name, i.version)?,
            (None, None) => writeln!(out, "{}", l.name)?,
        }
        for t in &l.tools {
            writeln!(
                out,
                "  tool     {:<40} {}",
                qualified_name(&l.name, &t.name),
                first_line(t.description.as_deref())
            )?;
        }
        for r in &l.resources {
            writeln!(
                out,
                "  resource {:<40} {}",
                r.uri,
                first_line(r.description.as_deref())
            )?;
        }
        for p in &l.prompts {
            writeln!(
                out,
                "  prompt   {:<40} {}",
                p.name,
                first_line(p.description.as_deref())
            )?;
        }
    }
    Ok(())
}
