//! [`Tool`]: a tool defined in Rust — a name, a description, a typed input whose JSON Schema is
//! derived from the type (schemars), and an async handler returning [`ToolOutput`].
//!
//! ```
//! use claude_sdk_mcp::{Tool, ToolOutput};
//! use schemars::JsonSchema;
//! use serde::Deserialize;
//!
//! #[derive(Deserialize, JsonSchema)]
//! struct Add {
//!     /// First addend.
//!     a: f64,
//!     /// Second addend.
//!     b: f64,
//! }
//!
//! let add = Tool::new("add", "Add two numbers", |x: Add| async move {
//!     ToolOutput::text(format!("sum={}", x.a + x.b))
//! });
//! assert_eq!(add.name(), "add");
//! assert_eq!(add.input_schema()["required"], serde_json::json!(["a", "b"]));
//! ```

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use rmcp::model::{CallToolResult, ContentBlock, JsonObject, ToolAnnotations};
use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// A boxed future, for handlers behind trait objects.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// What a tool returns: content blocks for the model, optional structured content, and whether
/// it is an error (an error result still reaches the model, marked `is_error`).
#[derive(Debug, Clone, PartialEq)]
pub struct ToolOutput {
    content: Vec<ContentBlock>,
    structured: Option<Value>,
    is_error: bool,
}

impl ToolOutput {
    /// A text result.
    pub fn text(text: impl Into<String>) -> Self {
        ToolOutput {
            content: vec![ContentBlock::text(text)],
            structured: None,
            is_error: false,
        }
    }

    /// A JSON result: the value as text for the model, and as `structuredContent`.
    pub fn json(value: impl Serialize) -> Self {
        match serde_json::to_value(value) {
            Ok(v) => ToolOutput {
                content: vec![ContentBlock::text(v.to_string())],
                structured: Some(v),
                is_error: false,
            },
            Err(e) => ToolOutput::error(format!("the tool's output is not JSON: {e}")),
        }
    }

    /// An error result with a message for the model.
    pub fn error(message: impl Into<String>) -> Self {
        ToolOutput {
            content: vec![ContentBlock::text(message)],
            structured: None,
            is_error: true,
        }
    }

    /// Any MCP content blocks (images, resources, …).
    pub fn blocks(content: Vec<ContentBlock>) -> Self {
        ToolOutput {
            content,
            structured: None,
            is_error: false,
        }
    }

    /// Whether this is an error result.
    pub fn is_error(&self) -> bool {
        self.is_error
    }

    /// The content blocks.
    pub fn content(&self) -> &[ContentBlock] {
        &self.content
    }

    /// The text of all text blocks, joined by newlines.
    pub fn text_content(&self) -> String {
        self.content
            .iter()
            .filter_map(|c| c.as_text().map(|t| t.text.as_str()))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The MCP result.
    pub fn into_call_result(self) -> CallToolResult {
        let mut r = if self.is_error {
            CallToolResult::error(self.content)
        } else {
            CallToolResult::success(self.content)
        };
        r.structured_content = self.structured;
        r
    }

    /// From an MCP result (e.g. one returned by a remote server).
    pub fn from_call_result(r: CallToolResult) -> Self {
        ToolOutput {
            content: r.content,
            structured: r.structured_content,
            is_error: r.is_error.unwrap_or(false),
        }
    }
}

/// What a handler may return: a [`ToolOutput`], a `String`, or a `Result` of either whose
/// error becomes an error result.
pub trait IntoToolOutput {
    /// Converts.
    fn into_tool_output(self) -> ToolOutput;
}

impl IntoToolOutput for ToolOutput {
    fn into_tool_output(self) -> ToolOutput {
        self
    }
}

impl IntoToolOutput for String {
    fn into_tool_output(self) -> ToolOutput {
        ToolOutput::text(self)
    }
}

impl IntoToolOutput for &'static str {
    fn into_tool_output(self) -> ToolOutput {
        ToolOutput::text(self)
    }
}

impl<T: IntoToolOutput, E: std::fmt::Display> IntoToolOutput for Result<T, E> {
    fn into_tool_output(self) -> ToolOutput {
        match self {
            Ok(v) => v.into_tool_output(),
            Err(e) => ToolOutput::error(e.to_string()),
        }
    }
}

/// A tool handler with a typed input. Implemented for every `Fn(I) -> impl Future` closure;
/// implement it on your own type for stateful tools.
pub trait ToolHandler<I>: Send + Sync + 'static {
    /// Runs the tool.
    fn call(&self, input: I) -> impl Future<Output = ToolOutput> + Send;
}

impl<I, F, Fut, R> ToolHandler<I> for F
where
    I: Send + 'static,
    F: Fn(I) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = R> + Send,
    R: IntoToolOutput,
{
    fn call(&self, input: I) -> impl Future<Output = ToolOutput> + Send {
        let fut = self(input);
        async move { fut.await.into_tool_output() }
    }
}

/// The type-erased handler a [`Tool`] holds: raw JSON arguments in, output out.
pub trait DynToolHandler: Send + Sync + 'static {
    /// Runs the tool on raw arguments.
    fn call_json(&self, arguments: Value) -> BoxFuture<ToolOutput>;
}

struct Typed<I, H> {
    handler: Arc<H>,
    _input: std::marker::PhantomData<fn() -> I>,
}

impl<I, H> DynToolHandler for Typed<I, H>
where
    I: DeserializeOwned + Send + 'static,
    H: ToolHandler<I>,
{
    fn call_json(&self, arguments: Value) -> BoxFuture<ToolOutput> {
        let handler = self.handler.clone();
        Box::pin(async move {
            let arguments = if arguments.is_null() {
                Value::Object(Default::default())
            } else {
                arguments
            };
            match serde_json::from_value::<I>(arguments) {
                Ok(input) => handler.call(input).await,
                Err(e) => ToolOutput::error(format!("invalid input: {e}")),
            }
        })
    }
}

struct RawFn<F>(F);

impl<F, Fut> DynToolHandler for RawFn<F>
where
    F: Fn(Value) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ToolOutput> + Send + 'static,
{
    fn call_json(&self, arguments: Value) -> BoxFuture<ToolOutput> {
        Box::pin((self.0)(arguments))
    }
}

/// A tool: definition plus handler. Cheap to clone.
#[derive(Clone)]
pub struct Tool {
    def: rmcp::model::Tool,
    handler: Arc<dyn DynToolHandler>,
}

impl std::fmt::Debug for Tool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tool")
            .field("name", &self.def.name)
            .field("description", &self.def.description)
            .finish_non_exhaustive()
    }
}

impl Tool {
    /// A tool whose input type `I` gives the JSON Schema (schemars) and is deserialized from the
    /// call's arguments (a mismatch becomes an error result, never a panic).
    pub fn new<I, H>(
        name: impl Into<Cow<'static, str>>,
        description: impl Into<Cow<'static, str>>,
        handler: H,
    ) -> Self
    where
        I: DeserializeOwned + JsonSchema + Send + 'static,
        H: ToolHandler<I>,
    {
        let schema = input_schema_for::<I>();
        let def = rmcp::model::Tool::new(name.into(), description.into(), Arc::new(schema));
        Tool {
            def,
            handler: Arc::new(Typed::<I, H> {
                handler: Arc::new(handler),
                _input: std::marker::PhantomData,
            }),
        }
    }

    /// A tool with a hand-written schema and a handler on raw JSON arguments (for adapters and
    /// tools whose shape is only known at run time).
    pub fn from_json_fn<F, Fut>(
        name: impl Into<Cow<'static, str>>,
        description: impl Into<Cow<'static, str>>,
        input_schema: JsonObject,
        handler: F,
    ) -> Self
    where
        F: Fn(Value) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ToolOutput> + Send + 'static,
    {
        let def = rmcp::model::Tool::new(name.into(), description.into(), Arc::new(input_schema));
        Tool {
            def,
            handler: Arc::new(RawFn(handler)),
        }
    }

    /// Sets MCP annotations (read-only, destructive, … hints).
    pub fn with_annotations(mut self, annotations: ToolAnnotations) -> Self {
        self.def.annotations = Some(annotations);
        self
    }

    /// Sets a human-readable title.
    pub fn with_title(mut self, title: impl Into<String>) -> Self {
        self.def.title = Some(title.into());
        self
    }

    /// The tool's name inside its server (the model sees `mcp__<server>__<name>`).
    pub fn name(&self) -> &str {
        &self.def.name
    }

    /// The description.
    pub fn description(&self) -> &str {
        self.def.description.as_deref().unwrap_or("")
    }

    /// The input JSON Schema.
    pub fn input_schema(&self) -> Value {
        Value::Object((*self.def.input_schema).clone())
    }

    /// The MCP definition (what `tools/list` returns).
    pub fn definition(&self) -> &rmcp::model::Tool {
        &self.def
    }

    /// Runs the handler on raw arguments.
    pub fn call(&self, arguments: Value) -> BoxFuture<ToolOutput> {
        self.handler.call_json(arguments)
    }
}

/// The input schema for `I`: JSON Schema 2020-12 as MCP wants it (rmcp's generator), with the
/// `$schema` and `title` keys dropped (the CLI and models do not need them).
pub fn input_schema_for<I: JsonSchema + 'static>() -> JsonObject {
    let mut schema = (*rmcp::handler::server::common::schema_for_type::<I>()).clone();
    schema.remove("$schema");
    schema.remove("title");
    schema
}
