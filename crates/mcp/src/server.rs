//! [`McpServer`]: tools (plus optional resources, prompts and custom methods) grouped under one
//! server name. The same value is served in-process to the CLI (see [`crate::SdkMcpServers`]),
//! and standalone over stdio or streamable HTTP (see [`crate::serve`]) through rmcp's
//! [`ServerHandler`].

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use claude_sdk_core::{Error, Result};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, ClientJsonRpcMessage, ClientRequest, CustomRequest,
    CustomResult, ErrorCode, ErrorData, GetPromptRequestParams, GetPromptResponse, GetPromptResult,
    Implementation, JsonObject, JsonRpcError, JsonRpcMessage, JsonRpcResponse, JsonRpcVersion2_0,
    ListPromptsResult, ListResourcesResult, ListToolsResult, PaginatedRequestParams, Prompt,
    PromptArgument, PromptMessage, ReadResourceRequestParams, ReadResourceResponse,
    ReadResourceResult, RequestId, Resource, ResourceContents, Role, ServerCapabilities,
    ServerConfig, ServerResult,
};
use rmcp::service::{NotificationContext, RequestContext};
use rmcp::{RoleServer, ServerHandler};
use serde_json::{Value, json};

use crate::analytics::UsageRecorder;
use crate::tool::{BoxFuture, Tool, ToolOutput};
use crate::validate::ValidationReport;

type ResourceReader =
    Arc<dyn Fn(String) -> BoxFuture<std::result::Result<String, String>> + Send + Sync>;
type PromptRenderer = Arc<
    dyn Fn(JsonObject) -> BoxFuture<std::result::Result<Vec<PromptMessage>, String>> + Send + Sync,
>;
type CustomMethod =
    Arc<dyn Fn(Option<Value>) -> BoxFuture<std::result::Result<Value, ErrorData>> + Send + Sync>;
type NotificationSink = Arc<dyn Fn(String, Option<Value>) + Send + Sync>;

#[derive(Clone)]
struct ResourceEntry {
    resource: Resource,
    read: ResourceReader,
}

#[derive(Clone)]
struct PromptEntry {
    prompt: Prompt,
    render: PromptRenderer,
}

struct Inner {
    name: String,
    version: String,
    instructions: Option<String>,
    tools: Vec<Tool>,
    by_name: HashMap<String, usize>,
    resources: Vec<ResourceEntry>,
    prompts: Vec<PromptEntry>,
    methods: HashMap<String, CustomMethod>,
    on_notification: Option<NotificationSink>,
    experimental: BTreeMap<String, JsonObject>,
    recorder: Option<UsageRecorder>,
    tool_timeout: Option<Duration>,
}

/// An MCP server made of Rust tools. Cheap to clone.
///
/// ```
/// use claude_sdk_mcp::{McpServer, Tool, ToolOutput};
/// # #[derive(serde::Deserialize, schemars::JsonSchema)] struct Add { a: f64, b: f64 }
/// let calc = McpServer::builder("calc")
///     .tool(Tool::new("add", "Add two numbers", |x: Add| async move {
///         ToolOutput::text(format!("sum={}", x.a + x.b))
///     }))
///     .build()?;
/// assert_eq!(calc.tool_names(), ["add"]);
/// # Ok::<(), claude_sdk_core::Error>(())
/// ```
#[derive(Clone)]
pub struct McpServer {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for McpServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("McpServer")
            .field("name", &self.inner.name)
            .field("tools", &self.tool_names())
            .finish_non_exhaustive()
    }
}

/// Builds an [`McpServer`]; [`McpServerBuilder::build`] validates the tool set.
#[must_use]
pub struct McpServerBuilder {
    name: String,
    version: String,
    instructions: Option<String>,
    tools: Vec<Tool>,
    resources: Vec<ResourceEntry>,
    prompts: Vec<PromptEntry>,
    methods: HashMap<String, CustomMethod>,
    on_notification: Option<NotificationSink>,
    experimental: BTreeMap<String, JsonObject>,
    recorder: Option<UsageRecorder>,
    tool_timeout: Option<Duration>,
}

impl std::fmt::Debug for McpServerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("McpServerBuilder")
            .field("name", &self.name)
            .field("tools", &self.tools)
            .finish_non_exhaustive()
    }
}

impl McpServerBuilder {
    /// The version reported in `serverInfo` (default `1.0.0`).
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = version.into();
        self
    }

    /// Instructions for the client (returned by `initialize`).
    pub fn instructions(mut self, text: impl Into<String>) -> Self {
        self.instructions = Some(text.into());
        self
    }

    /// Adds a tool.
    pub fn tool(mut self, tool: Tool) -> Self {
        self.tools.push(tool);
        self
    }

    /// Adds tools.
    pub fn tools(mut self, tools: impl IntoIterator<Item = Tool>) -> Self {
        self.tools.extend(tools);
        self
    }

    /// Adds a resource whose text is produced by `read` (called with the URI) on every
    /// `resources/read`.
    pub fn resource<F, Fut>(mut self, resource: Resource, read: F) -> Self
    where
        F: Fn(String) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = std::result::Result<String, String>> + Send + 'static,
    {
        self.resources.push(ResourceEntry {
            resource,
            read: Arc::new(move |uri| Box::pin(read(uri))),
        });
        self
    }

    /// Adds a fixed text resource.
    pub fn text_resource(
        self,
        uri: impl Into<String>,
        name: impl Into<String>,
        text: impl Into<String>,
    ) -> Self {
        let text: Arc<str> = text.into().into();
        self.resource(
            Resource::new(uri, name).with_mime_type("text/plain"),
            move |_| {
                let text = text.clone();
                async move { Ok(text.to_string()) }
            },
        )
    }

    /// Adds a prompt; `render` receives the arguments and returns the messages.
    pub fn prompt<F, Fut>(mut self, prompt: Prompt, render: F) -> Self
    where
        F: Fn(JsonObject) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = std::result::Result<Vec<PromptMessage>, String>> + Send + 'static,
    {
        self.prompts.push(PromptEntry {
            prompt,
            render: Arc::new(move |args| Box::pin(render(args))),
        });
        self
    }

    /// Adds a prompt with a template: `{name}` placeholders are replaced by the arguments
    /// (every placeholder is a required argument).
    pub fn template_prompt(
        self,
        name: impl Into<String>,
        description: impl Into<String>,
        template: impl Into<String>,
    ) -> Self {
        let template: Arc<str> = template.into().into();
        let args = placeholders(&template)
            .into_iter()
            .map(|a| PromptArgument::new(a).with_required(true))
            .collect::<Vec<_>>();
        let prompt = Prompt::new(name.into(), Some(description.into()), Some(args));
        self.prompt(prompt, move |args| {
            let template = template.clone();
            async move {
                let mut text = template.to_string();
                for p in placeholders(&template) {
                    let Some(v) = args.get(&p) else {
                        return Err(format!("missing argument `{p}`"));
                    };
                    let v = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
                    text = text.replace(&format!("{{{p}}}"), &v);
                }
                Ok(vec![PromptMessage::new_text(Role::User, text)])
            }
        })
    }

    /// Serves a custom JSON-RPC method (an MCP extension): `params` in, result out.
    pub fn custom_method<F, Fut>(mut self, method: impl Into<String>, f: F) -> Self
    where
        F: Fn(Option<Value>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = std::result::Result<Value, ErrorData>> + Send + 'static,
    {
        self.methods
            .insert(method.into(), Arc::new(move |p| Box::pin(f(p))));
        self
    }

    /// Called for every notification the client sends, known or custom (method, params).
    pub fn on_notification(
        mut self,
        f: impl Fn(String, Option<Value>) + Send + Sync + 'static,
    ) -> Self {
        self.on_notification = Some(Arc::new(f));
        self
    }

    /// Declares an experimental capability (`capabilities.experimental.<key>`).
    pub fn experimental(mut self, key: impl Into<String>, settings: JsonObject) -> Self {
        self.experimental.insert(key.into(), settings);
        self
    }

    /// A time limit for every tool call: past it the handler is cancelled and the call ends
    /// with an error result (default: none; the CLI has its own `MCP_TOOL_TIMEOUT`).
    pub fn tool_timeout(mut self, timeout: Duration) -> Self {
        self.tool_timeout = Some(timeout);
        self
    }

    /// Records every call's outcome and latency.
    pub fn analytics(mut self, recorder: UsageRecorder) -> Self {
        self.recorder = Some(recorder);
        self
    }

    /// Checks the server as it stands (names, schemas, sizes) without building it.
    pub fn validate(&self) -> ValidationReport {
        ValidationReport::for_tools(&self.name, &self.tools)
    }

    /// Builds the server; fails with a `config` error carrying the report when the tool set has
    /// errors (warnings do not fail).
    pub fn build(self) -> Result<McpServer> {
        if self.tool_timeout.is_some_and(|t| t.is_zero()) {
            return Err(Error::config("`tool_timeout` must be greater than zero"));
        }
        let report = self.validate();
        if report.has_errors() {
            return Err(Error::config(format!(
                "MCP server `{}` is invalid: {}",
                self.name,
                report.error_summary()
            )));
        }
        let by_name = self
            .tools
            .iter()
            .enumerate()
            .map(|(i, t)| (t.name().to_owned(), i))
            .collect();
        Ok(McpServer {
            inner: Arc::new(Inner {
                name: self.name,
                version: self.version,
                instructions: self.instructions,
                tools: self.tools,
                by_name,
                resources: self.resources,
                prompts: self.prompts,
                methods: self.methods,
                on_notification: self.on_notification,
                experimental: self.experimental,
                recorder: self.recorder,
                tool_timeout: self.tool_timeout,
            }),
        })
    }
}

/// `{name}` placeholders, in order of first appearance.
pub(crate) fn placeholders(template: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else { break };
        let name = &after[..end];
        if !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !out.iter().any(|o| o == name)
        {
            out.push(name.to_owned());
        }
        rest = &after[end + 1..];
    }
    out
}

impl McpServer {
    /// Starts a builder for a server called `name` (the model sees its tools as
    /// `mcp__<name>__<tool>`).
    pub fn builder(name: impl Into<String>) -> McpServerBuilder {
        McpServerBuilder {
            name: name.into(),
            version: "1.0.0".into(),
            instructions: None,
            tools: Vec::new(),
            resources: Vec::new(),
            prompts: Vec::new(),
            methods: HashMap::new(),
            on_notification: None,
            experimental: BTreeMap::new(),
            recorder: None,
            tool_timeout: None,
        }
    }

    /// The server's name.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The tools.
    pub fn tools(&self) -> &[Tool] {
        &self.inner.tools
    }

    /// The tool names, in order.
    pub fn tool_names(&self) -> Vec<&str> {
        self.inner.tools.iter().map(Tool::name).collect()
    }

    /// The names the model sees: `mcp__<server>__<tool>` (what `--allowedTools` takes).
    pub fn qualified_tool_names(&self) -> Vec<String> {
        self.inner
            .tools
            .iter()
            .map(|t| crate::validate::qualified_name(&self.inner.name, t.name()))
            .collect()
    }

    /// Validates the server (see [`ValidationReport`]).
    pub fn validate(&self) -> ValidationReport {
        ValidationReport::for_tools(&self.inner.name, &self.inner.tools)
    }

    /// What `initialize` answers (protocol version set to the latest that has `initialize`).
    pub fn server_config(&self) -> ServerConfig {
        let mut caps = ServerCapabilities::default();
        caps.tools = Some(Default::default());
        if !self.inner.resources.is_empty() {
            caps.resources = Some(Default::default());
        }
        if !self.inner.prompts.is_empty() {
            caps.prompts = Some(Default::default());
        }
        if !self.inner.experimental.is_empty() {
            caps.experimental = Some(self.inner.experimental.clone());
        }
        let mut info = ServerConfig::new(caps);
        info.protocol_version = rmcp::model::ProtocolVersion::LATEST_WITH_INITIALIZE;
        info.server_info = Implementation::new(self.inner.name.clone(), self.inner.version.clone());
        info.instructions = self.inner.instructions.clone();
        info
    }

    /// The `tools/list` answer.
    pub fn list_tools_result(&self) -> ListToolsResult {
        ListToolsResult::with_all_items(
            self.inner
                .tools
                .iter()
                .map(|t| t.definition().clone())
                .collect(),
        )
    }

    /// Runs a tool by name. An unknown tool or bad arguments give an error *result* (the model
    /// sees it), never a panic; calls are recorded when analytics are on.
    pub async fn call_tool(&self, name: &str, arguments: Value) -> ToolOutput {
        self.call_tool_traced(name, arguments, None).await
    }

    /// Like [`McpServer::call_tool`], with the caller's `tool_use_id` (the CLI sends it in
    /// `_meta`) so analytics can match the call with the event stream.
    pub async fn call_tool_traced(
        &self,
        name: &str,
        arguments: Value,
        tool_use_id: Option<&str>,
    ) -> ToolOutput {
        let started = Instant::now();
        let out = match self.inner.by_name.get(name) {
            Some(&i) => {
                let tool = self.inner.tools[i].clone();
                // A panicking handler becomes an error result; a dropped call aborts the handler.
                let task = AbortOnDrop(tokio::spawn(tool.call(arguments)));
                let joined = match self.inner.tool_timeout {
                    None => Some(task.join().await),
                    Some(t) => tokio::time::timeout(t, task.join()).await.ok(),
                };
                match joined {
                    Some(Ok(out)) => out,
                    Some(Err(e)) if e.is_panic() => {
                        ToolOutput::error(format!("tool `{name}` panicked"))
                    }
                    Some(Err(_)) => ToolOutput::error(format!("tool `{name}` was cancelled")),
                    None => ToolOutput::error(format!(
                        "tool `{name}` timed out after {:?}",
                        self.inner.tool_timeout.unwrap_or_default()
                    )),
                }
            }
            None => ToolOutput::error(format!("unknown tool `{name}`")),
        };
        if let Some(r) = &self.inner.recorder {
            let qualified = crate::validate::qualified_name(&self.inner.name, name);
            match tool_use_id {
                Some(id) => {
                    r.record_call_with_id(&qualified, id, out.is_error(), started.elapsed())
                }
                None => r.record_call(&qualified, out.is_error(), started.elapsed()),
            }
        }
        out
    }

    /// The `resources/list` answer.
    pub fn list_resources_result(&self) -> ListResourcesResult {
        ListResourcesResult::with_all_items(
            self.inner
                .resources
                .iter()
                .map(|r| r.resource.clone())
                .collect(),
        )
    }

    /// Reads a resource by URI.
    pub async fn read_resource(
        &self,
        uri: &str,
    ) -> std::result::Result<ReadResourceResult, ErrorData> {
        let Some(entry) = self.inner.resources.iter().find(|r| r.resource.uri == uri) else {
            return Err(ErrorData::resource_not_found(
                format!("unknown resource `{uri}`"),
                None,
            ));
        };
        let text = (entry.read)(uri.to_owned())
            .await
            .map_err(|e| ErrorData::internal_error(e, None))?;
        let mut contents = ResourceContents::text(text, uri);
        if let Some(m) = &entry.resource.mime_type {
            contents = contents.with_mime_type(m.clone());
        }
        Ok(ReadResourceResult::new(vec![contents]))
    }

    /// The `prompts/list` answer.
    pub fn list_prompts_result(&self) -> ListPromptsResult {
        ListPromptsResult::with_all_items(
            self.inner
                .prompts
                .iter()
                .map(|p| p.prompt.clone())
                .collect(),
        )
    }

    /// Renders a prompt.
    pub async fn get_prompt(
        &self,
        name: &str,
        arguments: JsonObject,
    ) -> std::result::Result<GetPromptResult, ErrorData> {
        let Some(entry) = self.inner.prompts.iter().find(|p| p.prompt.name == name) else {
            return Err(ErrorData::invalid_params(
                format!("unknown prompt `{name}`"),
                None,
            ));
        };
        let messages = (entry.render)(arguments)
            .await
            .map_err(|e| ErrorData::invalid_params(e, None))?;
        let mut r = GetPromptResult::new(messages);
        if let Some(d) = &entry.prompt.description {
            r = r.with_description(d.clone());
        }
        Ok(r)
    }

    /// Runs a custom method, or answers `-32601` when there is none.
    pub async fn custom_request(
        &self,
        method: &str,
        params: Option<Value>,
    ) -> std::result::Result<Value, ErrorData> {
        match self.inner.methods.get(method) {
            Some(f) => f(params).await,
            None => Err(method_not_found(method)),
        }
    }

    fn notify(&self, method: &str, params: Option<Value>) {
        if let Some(f) = &self.inner.on_notification {
            f(method.to_owned(), params);
        }
    }

    /// Answers one JSON-RPC message as the in-process (`"type":"sdk"`) server does for the CLI:
    /// a request gets its response or a JSON-RPC error; a notification gets the empty ack
    /// `{"jsonrpc":"2.0","result":{}}` the CLI waits for. Never fails.
    pub async fn handle_jsonrpc(&self, message: Value) -> Value {
        let id = message.get("id").cloned();
        let tool_use_id = message
            .pointer("/params/_meta/claudecode~1toolUseId")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let parsed = match serde_json::from_value::<ClientJsonRpcMessage>(message.clone()) {
            Ok(m) => m,
            Err(e) => {
                // A well-formed request for a method with bad params, or garbage.
                let code = if message.get("method").is_some() {
                    ErrorCode::INVALID_PARAMS
                } else {
                    ErrorCode::INVALID_REQUEST
                };
                return error_value(
                    id,
                    ErrorData::new(code, format!("invalid message: {e}"), None),
                );
            }
        };
        match parsed {
            JsonRpcMessage::Request(req) => {
                let rid = req.id.clone();
                let result = self.dispatch(req.request, tool_use_id.as_deref()).await;
                match result {
                    Ok(mut r) => {
                        // The CLI negotiates a version with `initialize`: legacy result shapes.
                        r.strip_result_type_for_legacy_peer();
                        r.strip_non_object_output_for_legacy_peer();
                        serde_json::to_value(
                            JsonRpcMessage::<ClientRequest, ServerResult, Value>::Response(
                                JsonRpcResponse {
                                    jsonrpc: JsonRpcVersion2_0,
                                    id: rid.clone(),
                                    result: r,
                                },
                            ),
                        )
                        .unwrap_or_else(|e| {
                            error_json(Some(&rid), ErrorData::internal_error(e.to_string(), None))
                        })
                    }
                    Err(e) => error_json(Some(&rid), e),
                }
            }
            JsonRpcMessage::Notification(n) => {
                let v = serde_json::to_value(&n).unwrap_or(Value::Null);
                let method = v.get("method").and_then(Value::as_str).unwrap_or("");
                self.notify(method, v.get("params").cloned());
                json!({"jsonrpc": "2.0", "result": {}})
            }
            // Responses to requests we never send: acknowledge and ignore.
            JsonRpcMessage::Response(_) | JsonRpcMessage::Error(_) => {
                json!({"jsonrpc": "2.0", "result": {}})
            }
        }
    }

    async fn dispatch(
        &self,
        request: ClientRequest,
        tool_use_id: Option<&str>,
    ) -> std::result::Result<ServerResult, ErrorData> {
        match request {
            ClientRequest::InitializeRequest(r) => {
                ServerHandler::negotiate_initialize(self, &r.params)
                    .map(ServerResult::InitializeResult)
            }
            ClientRequest::PingRequest(_) => Ok(ServerResult::empty(())),
            ClientRequest::ListToolsRequest(_) => {
                Ok(ServerResult::ListToolsResult(self.list_tools_result()))
            }
            ClientRequest::CallToolRequest(r) => {
                let args = r.params.arguments.map_or(Value::Null, Value::Object);
                let out = self
                    .call_tool_traced(&r.params.name, args, tool_use_id)
                    .await;
                Ok(ServerResult::CallToolResult(out.into_call_result()))
            }
            ClientRequest::ListResourcesRequest(_) if !self.inner.resources.is_empty() => Ok(
                ServerResult::ListResourcesResult(self.list_resources_result()),
            ),
            ClientRequest::ReadResourceRequest(r) if !self.inner.resources.is_empty() => self
                .read_resource(&r.params.uri)
                .await
                .map(ServerResult::ReadResourceResult),
            ClientRequest::ListPromptsRequest(_) if !self.inner.prompts.is_empty() => {
                Ok(ServerResult::ListPromptsResult(self.list_prompts_result()))
            }
            ClientRequest::GetPromptRequest(r) if !self.inner.prompts.is_empty() => self
                .get_prompt(&r.params.name, r.params.arguments.unwrap_or_default())
                .await
                .map(ServerResult::GetPromptResult),
            ClientRequest::CustomRequest(r) => self
                .custom_request(&r.method, r.params)
                .await
                .map(|v| ServerResult::CustomResult(CustomResult(v))),
            other => Err(method_not_found(other.method())),
        }
    }
}

/// A spawned handler that is aborted when the call is dropped or times out.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> AbortOnDrop<T> {
    async fn join(mut self) -> std::result::Result<T, tokio::task::JoinError> {
        (&mut self.0).await
    }
}

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn method_not_found(method: &str) -> ErrorData {
    ErrorData::new(
        ErrorCode::METHOD_NOT_FOUND,
        format!("Method not found: {method}"),
        None,
    )
}

fn error_json(id: Option<&RequestId>, error: ErrorData) -> Value {
    serde_json::to_value(JsonRpcError::new(id.cloned(), error)).unwrap_or_else(
        |_| json!({"jsonrpc": "2.0", "error": {"code": -32603, "message": "internal error"}}),
    )
}

/// A JSON-RPC error for a message whose id is only known as raw JSON.
pub(crate) fn error_value(id: Option<Value>, error: ErrorData) -> Value {
    let mut v = json!({"jsonrpc": "2.0", "error": error});
    if let Some(id) = id.filter(|i| i.is_string() || i.is_number()) {
        v["id"] = id;
    }
    v
}

impl ServerHandler for McpServer {
    fn get_info(&self) -> ServerConfig {
        self.server_config()
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> std::result::Result<ListToolsResult, ErrorData> {
        Ok(self.list_tools_result())
    }

    fn get_tool(&self, name: &str) -> Option<rmcp::model::Tool> {
        self.inner
            .by_name
            .get(name)
            .map(|&i| self.inner.tools[i].definition().clone())
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> std::result::Result<CallToolResponse, ErrorData> {
        let args = request.arguments.map_or(Value::Null, Value::Object);
        Ok(McpServer::call_tool(self, &request.name, args)
            .await
            .into_call_result()
            .into())
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> std::result::Result<ListResourcesResult, ErrorData> {
        if self.inner.resources.is_empty() {
            return Err(method_not_found("resources/list"));
        }
        Ok(self.list_resources_result())
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> std::result::Result<ReadResourceResponse, ErrorData> {
        McpServer::read_resource(self, &request.uri)
            .await
            .map(Into::into)
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> std::result::Result<ListPromptsResult, ErrorData> {
        if self.inner.prompts.is_empty() {
            return Err(method_not_found("prompts/list"));
        }
        Ok(self.list_prompts_result())
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> std::result::Result<GetPromptResponse, ErrorData> {
        McpServer::get_prompt(self, &request.name, request.arguments.unwrap_or_default())
            .await
            .map(Into::into)
    }

    async fn on_custom_request(
        &self,
        request: CustomRequest,
        _context: RequestContext<RoleServer>,
    ) -> std::result::Result<CustomResult, ErrorData> {
        self.custom_request(&request.method, request.params)
            .await
            .map(CustomResult)
    }

    async fn on_custom_notification(
        &self,
        notification: rmcp::model::CustomNotification,
        _context: NotificationContext<RoleServer>,
    ) {
        self.notify(&notification.method, notification.params);
    }

    async fn on_initialized(&self, _context: NotificationContext<RoleServer>) {
        self.notify("notifications/initialized", None);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[derive(serde::Deserialize, schemars::JsonSchema)]
    struct Add {
        a: f64,
        b: f64,
    }

    fn calc() -> McpServer {
        McpServer::builder("calc")
            .tool(Tool::new("add", "Add two numbers", |x: Add| async move {
                ToolOutput::text(format!("sum={}", x.a + x.b))
            }))
            .build()
            .unwrap()
    }

    #[tokio::test]
    async fn answers_the_cli_handshake_and_calls() {
        let s = calc();
        let init = s
            .handle_jsonrpc(json!({"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"claude-code","version":"2.1.330"}},"jsonrpc":"2.0","id":0}))
            .await;
        assert_eq!(init["id"], 0);
        assert_eq!(init["result"]["protocolVersion"], "2025-11-25");
        assert_eq!(init["result"]["serverInfo"]["name"], "calc");
        assert!(
            init["result"]["capabilities"]["tools"].is_object(),
            "{init}"
        );

        let ack = s
            .handle_jsonrpc(json!({"jsonrpc":"2.0","method":"notifications/initialized"}))
            .await;
        assert_eq!(ack, json!({"jsonrpc":"2.0","result":{}}));

        let list = s
            .handle_jsonrpc(json!({"method":"tools/list","jsonrpc":"2.0","id":1}))
            .await;
        assert_eq!(list["result"]["tools"][0]["name"], "add");
        assert_eq!(
            list["result"]["tools"][0]["inputSchema"]["required"],
            json!(["a", "b"])
        );
        assert!(list["result"].get("resultType").is_none(), "{list}");

        let call = s
            .handle_jsonrpc(json!({"method":"tools/call","params":{"name":"add","arguments":{"a":2,"b":3}},"jsonrpc":"2.0","id":2}))
            .await;
        assert_eq!(call["id"], 2);
        assert_eq!(call["result"]["content"][0]["text"], "sum=5");
        assert_eq!(call["result"]["isError"], false);

        let ping = s
            .handle_jsonrpc(json!({"method":"ping","jsonrpc":"2.0","id":"p"}))
            .await;
        assert_eq!(ping, json!({"jsonrpc":"2.0","id":"p","result":{}}));
    }

    #[tokio::test]
    async fn bad_calls_are_errors_not_panics() {
        let s = calc();
        let unknown = s
            .handle_jsonrpc(json!({"method":"frobnicate","jsonrpc":"2.0","id":7}))
            .await;
        assert_eq!(unknown["id"], 7);
        assert_eq!(unknown["error"]["code"], -32601);

        let bad_args = s
            .handle_jsonrpc(json!({"method":"tools/call","params":{"name":"add","arguments":{"a":"x"}},"jsonrpc":"2.0","id":3}))
            .await;
        assert_eq!(bad_args["result"]["isError"], true, "{bad_args}");

        let no_tool = s
            .handle_jsonrpc(json!({"method":"tools/call","params":{"name":"nope","arguments":{}},"jsonrpc":"2.0","id":4}))
            .await;
        assert_eq!(no_tool["result"]["isError"], true);

        let garbage = s.handle_jsonrpc(json!([1, 2, 3])).await;
        assert_eq!(garbage["error"]["code"], -32600);

        let resources = s
            .handle_jsonrpc(json!({"method":"resources/list","jsonrpc":"2.0","id":5}))
            .await;
        assert_eq!(resources["error"]["code"], -32601);
    }

    #[tokio::test]
    async fn a_panicking_handler_is_an_error_result() {
        let s = McpServer::builder("p")
            .tool(Tool::new("boom", "panics", |_: Add| async move {
                if true {
                    panic!("boom");
                }
                ToolOutput::text("never")
            }))
            .build()
            .unwrap();
        let out = s.call_tool("boom", json!({"a":1,"b":2})).await;
        assert!(out.is_error());
        assert!(out.text_content().contains("panicked"));
    }

    #[tokio::test]
    async fn a_hung_handler_times_out_and_is_cancelled() {
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let tx = std::sync::Mutex::new(Some(tx));
        let s = McpServer::builder("h")
            .tool(Tool::new("hang", "never ends", move |_: Add| {
                // Dropped (with the task) when the call is cancelled: the receiver sees it.
                let guard = tx.lock().unwrap().take();
                async move {
                    let _guard = guard;
                    std::future::pending::<ToolOutput>().await
                }
            }))
            .tool_timeout(Duration::from_millis(50))
            .build()
            .unwrap();
        let out = s.call_tool("hang", json!({"a":1,"b":2})).await;
        assert!(out.is_error());
        assert!(
            out.text_content().contains("timed out"),
            "{}",
            out.text_content()
        );
        assert!(rx.await.is_err(), "the handler's task was dropped");
        assert!(
            McpServer::builder("z")
                .tool_timeout(Duration::ZERO)
                .build()
                .is_err()
        );
    }

    #[test]
    fn finds_template_placeholders() {
        assert_eq!(
            placeholders("Review {file} for {topic}, {file}"),
            ["file", "topic"]
        );
        assert!(placeholders("no {} {a b}").is_empty());
    }
}
