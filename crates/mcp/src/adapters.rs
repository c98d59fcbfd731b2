//! Adapters: an existing command, HTTP endpoint or Rust function as a [`Tool`] in a few lines.
//!
//! ```
//! use claude_sdk_mcp::adapters::{CommandTool, HttpTool, from_fn};
//! # #[derive(serde::Deserialize, schemars::JsonSchema)] struct Add { a: i64, b: i64 }
//!
//! // `{path}` becomes a required string parameter; no shell is involved.
//! let wc = CommandTool::new("count_lines", "Count the lines of a file", "wc")
//!     .args(["-l", "{path}"])
//!     .build()?;
//! // `{city}` is filled from the input (percent-encoded); other inputs go in the query string.
//! let weather = HttpTool::get("weather", "Weather for a city", "http://127.0.0.1:8080/weather/{city}")
//!     .build()?;
//! // A plain function; its `Serialize` output becomes JSON content.
//! let add = from_fn("add", "Add two integers", |x: Add| x.a + x.b);
//! # let _ = (wc, weather, add);
//! # Ok::<(), claude_sdk_core::Error>(())
//! ```

use std::path::PathBuf;
use std::time::Duration;

use claude_sdk_backend_cli::process::{ProcessGroup, SpawnSpec};
use claude_sdk_core::{Error, Result};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use rmcp::model::JsonObject;
use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::server::placeholders;
use crate::tool::{Tool, ToolOutput, input_schema_for};

/// Default time limit for a command or HTTP call.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// Default cap on the output kept from a command or HTTP response.
pub const DEFAULT_MAX_OUTPUT: usize = 1024 * 1024;

/// A plain (synchronous) function as a tool: typed input, any `Serialize` output (as JSON).
/// Use [`Tool::new`] for async closures.
pub fn from_fn<I, O, F>(name: &str, description: &str, f: F) -> Tool
where
    I: DeserializeOwned + JsonSchema + Send + 'static,
    O: Serialize,
    F: Fn(I) -> O + Send + Sync + 'static,
{
    let f = std::sync::Arc::new(f);
    Tool::new(name.to_owned(), description.to_owned(), move |input: I| {
        let f = f.clone();
        async move { ToolOutput::json(f(input)) }
    })
}

fn fill(template: &str, args: &Map<String, Value>, encode: bool) -> String {
    let mut s = template.to_owned();
    for p in placeholders(template) {
        let v = args.get(&p).map_or(String::new(), value_text);
        let v = if encode {
            utf8_percent_encode(&v, PATH_SEGMENT).to_string()
        } else {
            v
        };
        s = s.replace(&format!("{{{p}}}"), &v);
    }
    s
}

/// Characters kept as they are in a path segment (RFC 3986 unreserved).
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn value_text(v: &Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_owned)
}

fn string_schema(params: &[String], descriptions: &Map<String, Value>) -> JsonObject {
    let props: Map<String, Value> = params
        .iter()
        .map(|p| {
            let mut s = json!({"type": "string"});
            if let Some(d) = descriptions.get(p) {
                s["description"] = d.clone();
            }
            (p.clone(), s)
        })
        .collect();
    let mut o = Map::new();
    o.insert("type".into(), json!("object"));
    o.insert("properties".into(), Value::Object(props));
    o.insert("required".into(), json!(params));
    o
}

/// Missing required parameters, as an error output.
fn missing(params: &[String], args: &Map<String, Value>) -> Option<ToolOutput> {
    let absent: Vec<&str> = params
        .iter()
        .filter(|p| !args.contains_key(p.as_str()))
        .map(String::as_str)
        .collect();
    (!absent.is_empty()).then(|| ToolOutput::error(format!("missing input: {}", absent.join(", "))))
}

fn as_object(arguments: Value) -> std::result::Result<Map<String, Value>, ToolOutput> {
    match arguments {
        Value::Object(m) => Ok(m),
        Value::Null => Ok(Map::new()),
        other => Err(ToolOutput::error(format!(
            "the input must be a JSON object, got {other}"
        ))),
    }
}

/// A command (no shell) as a tool. `{param}` placeholders in the arguments become required
/// string inputs, each substituted as one whole argument (no word splitting, no injection).
/// The child runs in its own process group; the timeout and a dropped call kill the group.
/// Exit code 0 → stdout as text; otherwise an error result with the exit status and stderr.
#[derive(Debug, Clone)]
#[must_use]
pub struct CommandTool {
    name: String,
    description: String,
    program: PathBuf,
    args: Vec<String>,
    stdin_param: Option<String>,
    descriptions: Map<String, Value>,
    cwd: Option<PathBuf>,
    env: Vec<(String, String)>,
    timeout: Duration,
    max_output: usize,
}

impl CommandTool {
    /// `program` is looked up on `PATH` unless it is a path.
    pub fn new(name: &str, description: &str, program: impl Into<PathBuf>) -> Self {
        CommandTool {
            name: name.to_owned(),
            description: description.to_owned(),
            program: program.into(),
            args: Vec::new(),
            stdin_param: None,
            descriptions: Map::new(),
            cwd: None,
            env: Vec::new(),
            timeout: DEFAULT_TIMEOUT,
            max_output: DEFAULT_MAX_OUTPUT,
        }
    }

    /// Adds one argument (may contain `{param}` placeholders).
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Adds arguments.
    pub fn args<I: IntoIterator<Item = S>, S: Into<String>>(mut self, args: I) -> Self {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// A required string input written to the command's stdin.
    pub fn stdin_param(mut self, name: impl Into<String>) -> Self {
        self.stdin_param = Some(name.into());
        self
    }

    /// Describes an input for the model.
    pub fn describe(mut self, param: &str, description: impl Into<String>) -> Self {
        self.descriptions
            .insert(param.to_owned(), Value::String(description.into()));
        self
    }

    /// The working directory.
    pub fn cwd(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cwd = Some(dir.into());
        self
    }

    /// Sets an environment variable for the command.
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Time limit per call (default 60 s); past it the process group is killed.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Stdout bytes kept (default 1 MiB); the rest is dropped and the output marked truncated.
    pub fn max_output_bytes(mut self, n: usize) -> Self {
        self.max_output = n;
        self
    }

    /// The tool; a `config` error for an empty program, a zero timeout or output cap.
    pub fn build(self) -> Result<Tool> {
        if self.program.as_os_str().is_empty() {
            return Err(Error::config("CommandTool: the program is empty"));
        }
        if self.timeout.is_zero() || self.max_output == 0 {
            return Err(Error::config(
                "CommandTool: timeout and max_output_bytes must be greater than zero",
            ));
        }
        let mut params: Vec<String> = Vec::new();
        for a in &self.args {
            for p in placeholders(a) {
                if !params.contains(&p) {
                    params.push(p);
                }
            }
        }
        if let Some(p) = &self.stdin_param
            && !params.contains(p)
        {
            params.push(p.clone());
        }
        let schema = string_schema(&params, &self.descriptions);
        let spec = std::sync::Arc::new(self);
        Ok(Tool::from_json_fn(
            spec.name.clone(),
            spec.description.clone(),
            schema,
            move |arguments| {
                let spec = spec.clone();
                let params = params.clone();
                async move {
                    let args = match as_object(arguments) {
                        Ok(a) => a,
                        Err(e) => return e,
                    };
                    if let Some(e) = missing(&params, &args) {
                        return e;
                    }
                    spec.run(&args).await
                }
            },
        ))
    }

    async fn run(&self, args: &Map<String, Value>) -> ToolOutput {
        let argv: Vec<String> = self.args.iter().map(|a| fill(a, args, false)).collect();
        let (group, pipes) = match ProcessGroup::spawn(SpawnSpec {
            program: &self.program,
            args: &argv,
            env: &self.env,
            env_remove: &[],
            cwd: self.cwd.as_deref(),
            stderr_tail_bytes: 4096,
        }) {
            Ok(x) => x,
            Err(e) => {
                return ToolOutput::error(format!(
                    "cannot start `{}`: {}",
                    self.program.display(),
                    e.message()
                ));
            }
        };
        let mut stdin = pipes.stdin;
        let input = self
            .stdin_param
            .as_ref()
            .and_then(|p| args.get(p))
            .map(value_text);
        let mut stdout = pipes.stdout;
        let max = self.max_output;
        let work = async {
            let writer = async move {
                if let Some(text) = input {
                    // A child that does not read stdin closes it: not an error.
                    let _ = stdin.write_all(text.as_bytes()).await;
                }
                drop(stdin);
            };
            let reader = async {
                let mut out = Vec::new();
                let mut buf = vec![0u8; 8192];
                let mut truncated = false;
                loop {
                    match stdout.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            let room = max.saturating_sub(out.len());
                            out.extend_from_slice(&buf[..n.min(room)]);
                            truncated |= n > room;
                        }
                    }
                }
                (out, truncated)
            };
            let ((), (out, truncated)) = tokio::join!(writer, reader);
            let status = group.handle().wait().await;
            (out, truncated, status)
        };
        // On timeout `work` is dropped and with it `group`: the process group is killed.
        let Ok((out, truncated, status)) = tokio::time::timeout(self.timeout, work).await else {
            return ToolOutput::error(format!(
                "`{}` timed out after {:?} and was killed",
                self.program.display(),
                self.timeout
            ));
        };
        let mut text = String::from_utf8_lossy(&out).into_owned();
        if truncated {
            text.push_str(&format!("\n[output truncated at {max} bytes]"));
        }
        match status {
            Some(s) if s.success() => ToolOutput::text(text),
            other => {
                let stderr = group.handle().stderr_tail();
                ToolOutput::error(format!(
                    "`{}` failed ({}){}{}",
                    self.program.display(),
                    claude_sdk_backend_cli::process::describe_status(other),
                    if stderr.trim().is_empty() { "" } else { ": " },
                    stderr.trim_end()
                ))
            }
        }
    }
}

/// An HTTP endpoint as a tool (plain `http://`; reqwest is built without TLS here). `{param}`
/// placeholders in the URL are filled from the input (percent-encoded); the other inputs go in
/// the query string (GET, DELETE) or as a JSON body (POST, PUT, PATCH). A 2xx answer becomes
/// the result (JSON when the server says so), anything else an error result with the status.
#[derive(Debug, Clone)]
#[must_use]
pub struct HttpTool {
    name: String,
    description: String,
    method: reqwest::Method,
    url: String,
    schema: Option<JsonObject>,
    descriptions: Map<String, Value>,
    headers: Vec<(String, String)>,
    timeout: Duration,
    max_output: usize,
}

impl HttpTool {
    /// Any method.
    pub fn new(name: &str, description: &str, method: reqwest::Method, url: &str) -> Self {
        HttpTool {
            name: name.to_owned(),
            description: description.to_owned(),
            method,
            url: url.to_owned(),
            schema: None,
            descriptions: Map::new(),
            headers: Vec::new(),
            timeout: DEFAULT_TIMEOUT,
            max_output: DEFAULT_MAX_OUTPUT,
        }
    }

    /// A GET endpoint.
    pub fn get(name: &str, description: &str, url: &str) -> Self {
        Self::new(name, description, reqwest::Method::GET, url)
    }

    /// A POST endpoint.
    pub fn post(name: &str, description: &str, url: &str) -> Self {
        Self::new(name, description, reqwest::Method::POST, url)
    }

    /// The input type: its schema replaces the one made from the URL placeholders.
    pub fn input<I: JsonSchema + 'static>(mut self) -> Self {
        self.schema = Some(input_schema_for::<I>());
        self
    }

    /// A hand-written input schema.
    pub fn schema(mut self, schema: JsonObject) -> Self {
        self.schema = Some(schema);
        self
    }

    /// Describes a URL placeholder for the model.
    pub fn describe(mut self, param: &str, description: impl Into<String>) -> Self {
        self.descriptions
            .insert(param.to_owned(), Value::String(description.into()));
        self
    }

    /// Adds a request header (e.g. an API key — it is never logged nor put in results).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Time limit per call (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Response bytes kept (default 1 MiB).
    pub fn max_output_bytes(mut self, n: usize) -> Self {
        self.max_output = n;
        self
    }

    /// The tool; a `config` error for a URL that does not parse or a bad header.
    pub fn build(self) -> Result<Tool> {
        let params = placeholders(&self.url);
        let probe = fill(
            &self.url,
            &params.iter().map(|p| (p.clone(), json!("x"))).collect(),
            true,
        );
        reqwest::Url::parse(&probe)
            .map_err(|e| Error::config(format!("HttpTool `{}`: bad URL: {e}", self.name)))?;
        let mut headers = reqwest::header::HeaderMap::new();
        for (k, v) in &self.headers {
            let name = reqwest::header::HeaderName::from_bytes(k.as_bytes()).map_err(|e| {
                Error::config(format!("HttpTool `{}`: bad header name: {e}", self.name))
            })?;
            let mut value = reqwest::header::HeaderValue::from_str(v).map_err(|_| {
                Error::config(format!(
                    "HttpTool `{}`: bad value for header `{k}`",
                    self.name
                ))
            })?;
            value.set_sensitive(true);
            headers.insert(name, value);
        }
        if self.timeout.is_zero() || self.max_output == 0 {
            return Err(Error::config(
                "HttpTool: timeout and max_output_bytes must be greater than zero",
            ));
        }
        let client = reqwest::Client::builder()
            .default_headers(headers)
            .timeout(self.timeout)
            .build()
            .map_err(|e| Error::config(format!("HttpTool `{}`: {e}", self.name)))?;
        let schema = self
            .schema
            .clone()
            .unwrap_or_else(|| string_schema(&params, &self.descriptions));
        let spec = std::sync::Arc::new(self);
        Ok(Tool::from_json_fn(
            spec.name.clone(),
            spec.description.clone(),
            schema,
            move |arguments| {
                let spec = spec.clone();
                let client = client.clone();
                let params = params.clone();
                async move {
                    let args = match as_object(arguments) {
                        Ok(a) => a,
                        Err(e) => return e,
                    };
                    if let Some(e) = missing(&params, &args) {
                        return e;
                    }
                    spec.run(&client, &params, args).await
                }
            },
        ))
    }

    async fn run(
        &self,
        client: &reqwest::Client,
        params: &[String],
        args: Map<String, Value>,
    ) -> ToolOutput {
        let url = fill(&self.url, &args, true);
        let rest: Map<String, Value> = args
            .into_iter()
            .filter(|(k, _)| !params.contains(k))
            .collect();
        let mut req = client.request(self.method.clone(), &url);
        let body_method = matches!(
            self.method,
            reqwest::Method::POST | reqwest::Method::PUT | reqwest::Method::PATCH
        );
        if body_method {
            req = req.json(&rest);
        } else if !rest.is_empty() {
            let pairs: Vec<(String, String)> = rest
                .iter()
                .map(|(k, v)| (k.clone(), value_text(v)))
                .collect();
            req = req.query(&pairs);
        }
        let mut resp = match req.send().await {
            Ok(r) => r,
            Err(e) => {
                return ToolOutput::error(format!(
                    "{} {}: {}",
                    self.method,
                    redact_url(&url),
                    e.without_url()
                ));
            }
        };
        let status = resp.status();
        let is_json = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.contains("json"));
        let mut body = Vec::new();
        let mut truncated = false;
        loop {
            match resp.chunk().await {
                Ok(Some(c)) => {
                    let room = self.max_output.saturating_sub(body.len());
                    body.extend_from_slice(&c[..c.len().min(room)]);
                    if c.len() > room {
                        truncated = true;
                        break;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    return ToolOutput::error(format!(
                        "reading the response failed: {}",
                        e.without_url()
                    ));
                }
            }
        }
        let text = String::from_utf8_lossy(&body).into_owned();
        if !status.is_success() {
            return ToolOutput::error(format!("HTTP {status}: {text}"));
        }
        if is_json
            && !truncated
            && let Ok(v) = serde_json::from_str::<Value>(&text)
        {
            return ToolOutput::json(v);
        }
        if truncated {
            ToolOutput::text(format!(
                "{text}\n[response truncated at {} bytes]",
                self.max_output
            ))
        } else {
            ToolOutput::text(text)
        }
    }
}

/// The URL without its query string (which may carry credentials).
fn redact_url(url: &str) -> &str {
    url.split('?').next().unwrap_or(url)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn fills_and_encodes() {
        let args: Map<String, Value> =
            [("a".to_owned(), json!("x y/z")), ("n".to_owned(), json!(3))]
                .into_iter()
                .collect();
        assert_eq!(fill("/p/{a}/{n}", &args, true), "/p/x%20y%2Fz/3");
        assert_eq!(fill("{a}", &args, false), "x y/z");
        assert_eq!(placeholders("{a}-{b}-{a}"), ["a", "b"]);
    }
}
