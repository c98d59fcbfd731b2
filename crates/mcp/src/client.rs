//! Client and discovery: read an MCP config file (the `{"mcpServers":{…}}` shape the CLI's
//! `--mcp-config` and `.mcp.json` use), connect to each server with rmcp (stdio child process or
//! streamable HTTP), and list its tools, resources and prompts.
//!
//! ```no_run
//! # async fn demo() -> claude_sdk_core::Result<()> {
//! use claude_sdk_mcp::client::{McpConfig, discover};
//! let config = McpConfig::load("mcp.json".as_ref())?;
//! for server in discover(&config, std::time::Duration::from_secs(30)).await {
//!     match &server.error {
//!         None => println!("{}: {} tool(s)", server.name, server.tools.len()),
//!         Some(e) => println!("{}: failed: {e}", server.name),
//!     }
//! }
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use claude_sdk_core::{Error, ErrorCode, Result};
use rmcp::RoleClient;
use rmcp::ServiceExt;
use rmcp::model::{CallToolRequestParams, Implementation, Prompt, Resource, Tool};
use rmcp::service::RunningService;
use rmcp::transport::{StreamableHttpClientTransport, TokioChildProcess};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::tool::ToolOutput;
use crate::validate::{IssueKind, Severity, ValidationReport};

/// How to reach one server.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ServerSpec {
    /// A child process speaking JSON-RPC on stdin/stdout.
    Stdio {
        /// The program.
        command: String,
        /// Its arguments.
        args: Vec<String>,
        /// Extra environment variables.
        env: BTreeMap<String, String>,
        /// Working directory.
        cwd: Option<PathBuf>,
    },
    /// Streamable HTTP.
    Http {
        /// The endpoint (`http://host:port/mcp`).
        url: String,
        /// Extra headers (e.g. `Authorization`); never logged.
        headers: BTreeMap<String, String>,
    },
    /// A legacy SSE server (not supported by this client; listed with an error).
    Sse {
        /// The endpoint.
        url: String,
    },
    /// An in-process server of an SDK (`"type":"sdk"`): only the SDK that declared it can reach it.
    Sdk,
    /// A type this version does not know, verbatim.
    Unknown(Value),
}

#[derive(Deserialize)]
struct RawSpec {
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    command: Option<String>,
    #[serde(default)]
    args: Vec<String>,
    #[serde(default)]
    env: BTreeMap<String, String>,
    #[serde(default)]
    cwd: Option<PathBuf>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
}

impl ServerSpec {
    fn from_value(name: &str, v: Value) -> Result<ServerSpec> {
        let raw: RawSpec = serde_json::from_value(v.clone())
            .map_err(|e| Error::config(format!("MCP server `{name}`: {e}")))?;
        let kind = raw
            .kind
            .clone()
            .unwrap_or_else(|| if raw.url.is_some() { "http" } else { "stdio" }.to_owned());
        Ok(match kind.as_str() {
            "stdio" => ServerSpec::Stdio {
                command: raw.command.filter(|c| !c.is_empty()).ok_or_else(|| {
                    Error::config(format!(
                        "MCP server `{name}`: a stdio server needs `command`"
                    ))
                })?,
                args: raw.args,
                env: raw.env,
                cwd: raw.cwd,
            },
            "http" | "streamable-http" | "streamableHttp" => ServerSpec::Http {
                url: raw.url.ok_or_else(|| {
                    Error::config(format!("MCP server `{name}`: an http server needs `url`"))
                })?,
                headers: raw.headers,
            },
            "sse" => ServerSpec::Sse {
                url: raw.url.unwrap_or_default(),
            },
            "sdk" => ServerSpec::Sdk,
            _ => ServerSpec::Unknown(v),
        })
    }
}

/// An MCP config: servers by name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct McpConfig {
    /// The servers, by name.
    pub servers: BTreeMap<String, ServerSpec>,
}

impl McpConfig {
    /// Parses `{"mcpServers":{name:{…}}}` (a bare `{name:{…}}` map is accepted too).
    pub fn from_json_str(text: &str) -> Result<McpConfig> {
        let v: Value = serde_json::from_str(text)
            .map_err(|e| Error::config(format!("the MCP config is not valid JSON: {e}")))?;
        let Value::Object(mut top) = v else {
            return Err(Error::config("the MCP config must be a JSON object"));
        };
        let servers = match top.remove("mcpServers") {
            Some(Value::Object(m)) => m,
            Some(_) => return Err(Error::config("`mcpServers` must be an object")),
            None => top,
        };
        let mut out = BTreeMap::new();
        for (name, spec) in servers {
            out.insert(name.clone(), ServerSpec::from_value(&name, spec)?);
        }
        Ok(McpConfig { servers: out })
    }

    /// Reads and parses a config file.
    pub fn load(path: &Path) -> Result<McpConfig> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
        McpConfig::from_json_str(&text)
    }
}

/// A connection to one MCP server. Closing (or dropping) it ends the session; a stdio child is
/// killed on drop.
#[derive(Debug)]
pub struct McpClient {
    name: String,
    running: RunningService<RoleClient, ()>,
}

fn mcp_err(name: &str, what: &str, e: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorCode::Protocol,
        format!("MCP server `{name}`: {what}: {e}"),
    )
}

impl McpClient {
    /// Connects and completes the MCP handshake within `timeout`.
    pub async fn connect(name: &str, spec: &ServerSpec, timeout: Duration) -> Result<McpClient> {
        let work = async {
            let running = match spec {
                ServerSpec::Stdio {
                    command,
                    args,
                    env,
                    cwd,
                } => {
                    let mut cmd = tokio::process::Command::new(command);
                    cmd.args(args).envs(env).kill_on_drop(true);
                    if let Some(dir) = cwd {
                        cmd.current_dir(dir);
                    }
                    let (transport, _) = TokioChildProcess::builder(cmd)
                        .stderr(std::process::Stdio::null())
                        .spawn()
                        .map_err(|e| {
                            Error::new(
                                ErrorCode::Process,
                                format!("MCP server `{name}`: cannot start `{command}`: {e}"),
                            )
                        })?;
                    ().serve(transport)
                        .await
                        .map_err(|e| mcp_err(name, "handshake failed", e))?
                }
                ServerSpec::Http { url, headers } => {
                    let mut map = reqwest::header::HeaderMap::new();
                    for (k, v) in headers {
                        let (Ok(k), Ok(mut v)) = (
                            reqwest::header::HeaderName::from_bytes(k.as_bytes()),
                            reqwest::header::HeaderValue::from_str(v),
                        ) else {
                            return Err(Error::config(format!(
                                "MCP server `{name}`: bad header `{k}`"
                            )));
                        };
                        v.set_sensitive(true);
                        map.insert(k, v);
                    }
                    let client = reqwest::Client::builder()
                        .default_headers(map)
                        .build()
                        .map_err(|e| Error::config(format!("MCP server `{name}`: {e}")))?;
                    let mut config =
                        rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig::default();
                    config.uri = url.as_str().into();
                    let transport = StreamableHttpClientTransport::with_client(client, config);
                    ().serve(transport)
                        .await
                        .map_err(|e| mcp_err(name, "handshake failed", e))?
                }
                ServerSpec::Sse { .. } => {
                    return Err(Error::config(format!(
                        "MCP server `{name}`: legacy SSE servers are not supported; use streamable HTTP"
                    )));
                }
                ServerSpec::Sdk => {
                    return Err(Error::config(format!(
                        "MCP server `{name}` is an in-process SDK server; only its SDK can reach it"
                    )));
                }
                ServerSpec::Unknown(v) => {
                    return Err(Error::config(format!(
                        "MCP server `{name}`: unknown server type in {v}"
                    )));
                }
            };
            Ok(McpClient {
                name: name.to_owned(),
                running,
            })
        };
        match tokio::time::timeout(timeout, work).await {
            Ok(r) => r,
            Err(_) => Err(Error::new(
                ErrorCode::Timeout,
                format!("MCP server `{name}` did not answer within {timeout:?}"),
            )),
        }
    }

    /// The server's name in the config.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What the server said about itself in `initialize`.
    pub fn server_info(&self) -> Option<Implementation> {
        self.running.peer_info().and_then(|i| i.server_info.clone())
    }

    /// Every tool (all pages).
    pub async fn list_tools(&self) -> Result<Vec<Tool>> {
        self.running
            .list_all_tools()
            .await
            .map_err(|e| mcp_err(&self.name, "tools/list", e))
    }

    /// Every resource, or none when the server has no resources capability.
    pub async fn list_resources(&self) -> Result<Vec<Resource>> {
        if !self.has(|c| c.resources.is_some()) {
            return Ok(Vec::new());
        }
        self.running
            .list_all_resources()
            .await
            .map_err(|e| mcp_err(&self.name, "resources/list", e))
    }

    /// Every prompt, or none when the server has no prompts capability.
    pub async fn list_prompts(&self) -> Result<Vec<Prompt>> {
        if !self.has(|c| c.prompts.is_some()) {
            return Ok(Vec::new());
        }
        self.running
            .list_all_prompts()
            .await
            .map_err(|e| mcp_err(&self.name, "prompts/list", e))
    }

    fn has(&self, f: impl Fn(&rmcp::model::ServerCapabilities) -> bool) -> bool {
        self.running.peer_info().is_some_and(|i| f(&i.capabilities))
    }

    /// Calls a tool.
    pub async fn call_tool(&self, name: &str, arguments: Map<String, Value>) -> Result<ToolOutput> {
        let mut params = CallToolRequestParams::new(name.to_owned());
        params.arguments = Some(arguments);
        self.running
            .call_tool(params)
            .await
            .map(ToolOutput::from_call_result)
            .map_err(|e| mcp_err(&self.name, "tools/call", e))
    }

    /// Ends the session (a stdio child gets EOF on stdin, then is killed on drop).
    pub async fn close(mut self) {
        let _ = self.running.close().await;
    }
}

/// What discovery found on one server.
#[derive(Debug, Clone, Default)]
pub struct ServerListing {
    /// The server's name in the config.
    pub name: String,
    /// `serverInfo` from `initialize`.
    pub server_info: Option<Implementation>,
    /// Its tools.
    pub tools: Vec<Tool>,
    /// Its resources.
    pub resources: Vec<Resource>,
    /// Its prompts.
    pub prompts: Vec<Prompt>,
    /// Why it could not be listed, if it could not.
    pub error: Option<String>,
}

/// Connects to every server of `config` (concurrently; `timeout` each) and lists what it
/// offers. A server that fails is listed with its error; in-process (`sdk`) servers are skipped.
pub async fn discover(config: &McpConfig, timeout: Duration) -> Vec<ServerListing> {
    let jobs = config
        .servers
        .iter()
        .filter(|(_, s)| !matches!(s, ServerSpec::Sdk))
        .map(|(name, spec)| async move {
            let mut listing = ServerListing {
                name: name.clone(),
                ..Default::default()
            };
            let result = async {
                let client = McpClient::connect(name, spec, timeout).await?;
                let lists = tokio::time::timeout(timeout, async {
                    Ok::<_, Error>((
                        client.list_tools().await?,
                        client.list_resources().await?,
                        client.list_prompts().await?,
                    ))
                })
                .await;
                listing.server_info = client.server_info();
                client.close().await;
                match lists {
                    Ok(r) => r,
                    Err(_) => Err(Error::new(
                        ErrorCode::Timeout,
                        format!("MCP server `{name}` did not list within {timeout:?}"),
                    )),
                }
            }
            .await;
            match result {
                Ok((tools, resources, prompts)) => {
                    listing.tools = tools;
                    listing.resources = resources;
                    listing.prompts = prompts;
                }
                Err(e) => listing.error = Some(e.to_string()),
            }
            listing
        });
    futures_util::future::join_all(jobs).await
}

/// Validates discovered servers: every tool (names, schemas, sizes, collisions across
/// servers), and every server that failed to start or list as a `server_failed` error.
pub fn validate_listings(listings: &[ServerListing]) -> ValidationReport {
    let mut reports = Vec::new();
    let mut names = Vec::new();
    for l in listings {
        let mut r = ValidationReport::for_definitions(&l.name, &l.tools);
        if let Some(e) = &l.error {
            r.push(
                Severity::Error,
                IssueKind::ServerFailed,
                &l.name,
                None,
                e.clone(),
            );
        }
        reports.push(r);
        names.push((
            l.name.clone(),
            l.tools.iter().map(|t| t.name.to_string()).collect(),
        ));
    }
    ValidationReport::merge(reports, &names)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn parses_config_shapes() {
        let c = McpConfig::from_json_str(
            r#"{"mcpServers":{
                "a":{"command":"python","args":["s.py"],"env":{"X":"1"}},
                "b":{"type":"http","url":"http://127.0.0.1:1/mcp","headers":{"Authorization":"Bearer t"}},
                "c":{"type":"sdk","name":"c"},
                "d":{"type":"carrier-pigeon"}
            }}"#,
        )
        .unwrap();
        assert!(
            matches!(&c.servers["a"], ServerSpec::Stdio { command, args, .. } if command == "python" && args == &["s.py"])
        );
        assert!(matches!(&c.servers["b"], ServerSpec::Http { url, .. } if url.ends_with("/mcp")));
        assert_eq!(c.servers["c"], ServerSpec::Sdk);
        assert!(matches!(c.servers["d"], ServerSpec::Unknown(_)));
        for bad in [
            "[]",
            "{",
            r#"{"mcpServers":{"x":{"type":"stdio"}}}"#,
            r#"{"mcpServers":3}"#,
        ] {
            assert_eq!(
                McpConfig::from_json_str(bad).unwrap_err().code(),
                ErrorCode::Config,
                "{bad}"
            );
        }
    }

    #[tokio::test]
    async fn a_server_that_fails_to_start_is_reported() {
        let c = McpConfig::from_json_str(
            r#"{"mcpServers":{"gone":{"command":"/no/such/mcp-server"},"old":{"type":"sse","url":"http://x"}}}"#,
        )
        .unwrap();
        let found = discover(&c, Duration::from_secs(10)).await;
        assert_eq!(found.len(), 2);
        assert!(found.iter().all(|l| l.error.is_some()));
        let report = validate_listings(&found);
        assert_eq!(
            report.of_kind(IssueKind::ServerFailed).count(),
            2,
            "{report}"
        );
        assert!(report.to_string().contains("cannot start"), "{report}");
    }
}
