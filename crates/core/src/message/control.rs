//! The control protocol: requests and responses exchanged with the CLI over stdin/stdout.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::de::wire_struct;
use super::fast::{Cur, Fast};

/// `{"type":"control_request","request_id":…,"request":{…}}`, in either direction.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ControlRequestMessage {
    /// Unique id; the answer carries it back.
    pub request_id: String,
    /// The request.
    pub request: ControlRequest,
    /// Unmodelled fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A control request, by `subtype`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "subtype", rename_all = "snake_case")]
pub enum ControlRequest {
    /// SDK → CLI: the handshake (hooks, agents, …).
    Initialize {
        /// Hook registrations, or null.
        #[serde(default)]
        hooks: Value,
        /// Unmodelled fields (agents, skills, …).
        #[serde(flatten)]
        extra: Map<String, Value>,
    },
    /// SDK → CLI: stop the running turn.
    Interrupt {
        /// Unmodelled fields.
        #[serde(flatten)]
        extra: Map<String, Value>,
    },
    /// SDK → CLI: change the permission mode.
    SetPermissionMode {
        /// The new mode.
        mode: String,
        /// Unmodelled fields.
        #[serde(flatten)]
        extra: Map<String, Value>,
    },
    /// SDK → CLI: change the model (null for the default).
    SetModel {
        /// The model alias or id.
        #[serde(default)]
        model: Option<String>,
        /// Unmodelled fields.
        #[serde(flatten)]
        extra: Map<String, Value>,
    },
    /// CLI → SDK: may this tool run?
    CanUseTool {
        /// The tool.
        tool_name: String,
        /// Its input.
        #[serde(default)]
        input: Value,
        /// Unmodelled fields (permission_suggestions, blocked_path, tool_use_id, …).
        #[serde(flatten)]
        extra: Map<String, Value>,
    },
    /// CLI → SDK: run a registered hook callback.
    HookCallback {
        /// Which callback.
        callback_id: String,
        /// The hook input.
        #[serde(default)]
        input: Value,
        /// Unmodelled fields.
        #[serde(flatten)]
        extra: Map<String, Value>,
    },
    /// CLI → SDK: a JSON-RPC message for an in-process MCP server.
    McpMessage {
        /// The SDK MCP server's name.
        server_name: String,
        /// The JSON-RPC message.
        message: Value,
        /// Unmodelled fields.
        #[serde(flatten)]
        extra: Map<String, Value>,
    },
    /// Any other subtype, verbatim.
    #[serde(untagged)]
    Other(Value),
}

impl ControlRequest {
    /// The subtype string.
    pub fn subtype(&self) -> &str {
        match self {
            ControlRequest::Initialize { .. } => "initialize",
            ControlRequest::Interrupt { .. } => "interrupt",
            ControlRequest::SetPermissionMode { .. } => "set_permission_mode",
            ControlRequest::SetModel { .. } => "set_model",
            ControlRequest::CanUseTool { .. } => "can_use_tool",
            ControlRequest::HookCallback { .. } => "hook_callback",
            ControlRequest::McpMessage { .. } => "mcp_message",
            ControlRequest::Other(v) => v.get("subtype").and_then(Value::as_str).unwrap_or(""),
        }
    }
}

/// `{"type":"control_response","response":{…}}`, in either direction.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ControlResponseMessage {
    /// The response.
    pub response: ControlResponse,
    /// Unmodelled fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A control response, by `subtype`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "subtype", rename_all = "snake_case")]
pub enum ControlResponse {
    /// The request succeeded.
    Success {
        /// The id of the request this answers.
        request_id: String,
        /// The payload.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        response: Option<Value>,
    },
    /// The request failed.
    Error {
        /// The id of the request this answers.
        request_id: String,
        /// Error text.
        #[serde(default)]
        error: String,
        /// Machine-readable code (`unsupported_request`, …).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error_code: Option<String>,
    },
    /// Any other subtype, verbatim.
    #[serde(untagged)]
    Other(Value),
}

// Read as one `Value` (the payload is a `Value` anyway), then picked apart by hand: the derived
// internally tagged impl buffered the whole (often large) payload as `Content` first. Same
// outcome as that impl: unknown fields are ignored, a subtype we know with a shape we do not
// understand (or any other subtype) is kept verbatim in `Other`.
impl<'de> Deserialize<'de> for ControlResponse {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Value::deserialize(d).map(ControlResponse::from_value)
    }
}

impl ControlResponse {
    pub(super) fn from_value(v: Value) -> ControlResponse {
        let Value::Object(mut obj) = v else {
            return ControlResponse::Other(v);
        };
        let string = |v: Option<&Value>| matches!(v, Some(Value::String(_)));
        let take_string = |obj: &mut Map<String, Value>, key: &str| match obj.remove(key) {
            Some(Value::String(s)) => s,
            _ => String::new(),
        };
        match obj.get("subtype").and_then(Value::as_str) {
            Some("success") if string(obj.get("request_id")) => {
                let request_id = take_string(&mut obj, "request_id");
                let response = obj.remove("response").filter(|r| !r.is_null());
                ControlResponse::Success {
                    request_id,
                    response,
                }
            }
            Some("error")
                if string(obj.get("request_id"))
                    && obj.get("error").is_none_or(Value::is_string)
                    && obj
                        .get("error_code")
                        .is_none_or(|c| c.is_null() || c.is_string()) =>
            {
                ControlResponse::Error {
                    request_id: take_string(&mut obj, "request_id"),
                    error: take_string(&mut obj, "error"),
                    error_code: match obj.remove("error_code") {
                        Some(Value::String(c)) => Some(c),
                        _ => None,
                    },
                }
            }
            _ => ControlResponse::Other(Value::Object(obj)),
        }
    }

    /// The id of the request this answers.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            ControlResponse::Success { request_id, .. }
            | ControlResponse::Error { request_id, .. } => Some(request_id),
            ControlResponse::Other(v) => v.get("request_id").and_then(Value::as_str),
        }
    }
}

/// `{"type":"control_cancel_request","request_id":…}`: the CLI gave up on one of its requests.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ControlCancelRequest {
    /// The request it gave up on.
    pub request_id: String,
    /// Unmodelled fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

// The same as the `Deserialize` impl: one `Value`, picked apart.
impl Fast for ControlResponse {
    fn read(c: &mut Cur<'_>) -> Option<Self> {
        c.value().map(ControlResponse::from_value)
    }
}

// Requests are rare and derive their impl: always the serde path.
impl Fast for ControlRequest {
    fn read(_: &mut Cur<'_>) -> Option<Self> {
        None
    }
}

wire_struct!(ControlRequestMessage, "a control_request message",
    required { request_id: "request_id", request: "request" }
    optional {}
    extra extra);

wire_struct!(ControlResponseMessage, "a control_response message",
    required { response: "response" }
    optional {}
    extra extra);

wire_struct!(ControlCancelRequest, "a control_cancel_request message",
    required { request_id: "request_id" }
    optional {}
    extra extra);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// What the derived internally tagged impl (with an untagged `Other`) gave.
    #[test]
    fn control_response_shapes() {
        let parse = |v: Value| serde_json::from_value::<ControlResponse>(v).unwrap();
        let from_str = |v: Value| serde_json::from_str::<ControlResponse>(&v.to_string()).unwrap();
        for p in [parse, from_str] {
            assert_eq!(
                p(json!({"subtype":"success","request_id":"r","response":{"a":1},"x":2})),
                ControlResponse::Success {
                    request_id: "r".into(),
                    response: Some(json!({"a":1}))
                }
            );
            assert_eq!(
                p(json!({"request_id":"r","subtype":"success","response":null})),
                ControlResponse::Success {
                    request_id: "r".into(),
                    response: None
                }
            );
            assert_eq!(
                p(json!({"subtype":"error","request_id":"r"})),
                ControlResponse::Error {
                    request_id: "r".into(),
                    error: String::new(),
                    error_code: None
                }
            );
            assert_eq!(
                p(json!({"subtype":"error","request_id":"r","error":"no","error_code":"x"})),
                ControlResponse::Error {
                    request_id: "r".into(),
                    error: "no".into(),
                    error_code: Some("x".into())
                }
            );
            for other in [
                json!({"subtype":"success"}),
                json!({"subtype":"success","request_id":5}),
                json!({"subtype":"error","request_id":"r","error":null}),
                json!({"subtype":"error","request_id":"r","error_code":3}),
                json!({"subtype":"later","request_id":"r"}),
                json!({"request_id":"r"}),
                json!("text"),
            ] {
                assert_eq!(p(other.clone()), ControlResponse::Other(other));
            }
        }
    }
}
