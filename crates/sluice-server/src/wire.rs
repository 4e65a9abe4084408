//! What every service's wire module shares: the protocols a request can speak, replies,
//! and the one place an error becomes an HTTP response.
//!
//! Each service owns a table that turns its domain errors into a [`WireError`] (the
//! AWS code, the JSON `__type`, the fault and the HTTP status, all from one value);
//! [`error_reply`] renders it in the request's protocol. Nothing else shapes an error.
//!
//! Responses that push events rather than answer once are framed by [`eventstream`].

pub mod cbor;
pub mod eventstream;

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// AWS JSON 1.0 (SQS).
pub const JSON_1_0_CONTENT_TYPE: &str = "application/x-amz-json-1.0";
/// AWS JSON 1.1 (Kinesis).
pub const JSON_1_1_CONTENT_TYPE: &str = "application/x-amz-json-1.1";
/// AWS CBOR 1.1 (Kinesis, as the Java SDKs speak it).
pub const CBOR_1_1_CONTENT_TYPE: &str = "application/x-amz-cbor-1.1";
/// Query/XML replies.
pub const XML_CONTENT_TYPE: &str = "text/xml";

/// The wire protocol a request speaks, which its reply and errors speak too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// AWS JSON 1.0: `X-Amz-Target` names the action, the body is JSON.
    Json,
    /// AWS JSON 1.1: the same with 1.1's content type (Kinesis).
    Json11,
    /// AWS CBOR 1.1: `X-Amz-Target` names the action, the body is CBOR (Kinesis).
    Cbor,
    /// AWS Query: form parameters in, XML out; errors are documents in `namespace`.
    Query { namespace: &'static str },
}

/// An error as it goes on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireError {
    pub status: u16,
    /// The AWS Query `<Code>`, also sent with JSON as `x-amzn-query-error` when
    /// `query_error_header` is set.
    pub code: &'static str,
    /// AWS JSON `__type`: the modelled error shape, fully qualified.
    pub json_type: &'static str,
    pub sender_fault: bool,
    pub message: String,
    /// Whether a JSON reply carries `x-amzn-query-error: <code>;<fault>` (services
    /// that moved from Query to JSON, as SQS did, send it so clients keep the old codes).
    pub query_error_header: bool,
    /// Whether a JSON reply carries the message at all (some framework errors, such as
    /// an unknown operation, have none).
    pub has_message: bool,
    /// The JSON member the message goes in: `message`, or `Message` for the framework's
    /// serialization errors.
    pub message_key: &'static str,
    /// Whether a Query reply is the bare `<Code/>` element AWS's front answers with
    /// before any service runs, rather than an `ErrorResponse` document.
    pub bare_query_body: bool,
}

impl WireError {
    /// A sender's error with a message, as most are.
    pub fn new(
        status: u16,
        code: &'static str,
        json_type: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Self {
            status,
            code,
            json_type,
            sender_fault: true,
            message: message.into(),
            query_error_header: true,
            has_message: true,
            message_key: "message",
            bare_query_body: false,
        }
    }

    /// The service is at fault.
    pub fn receiver(mut self) -> Self {
        self.sender_fault = false;
        self
    }
}

/// The code and `__type` of a request for an operation no service here knows.
pub const UNKNOWN_OPERATION_CODE: &str = "UnknownOperationException";
pub const UNKNOWN_OPERATION_TYPE: &str = "com.amazon.coral.service#UnknownOperationException";

/// What AWS's JSON front answers for a target it does not know: HTTP 400 and a body
/// that names the error and says nothing else.
pub fn unknown_operation() -> WireError {
    WireError {
        query_error_header: false,
        has_message: false,
        ..WireError::new(400, UNKNOWN_OPERATION_CODE, UNKNOWN_OPERATION_TYPE, "")
    }
}

/// The code, `__type` and status of a JSON body AWS's deserializer could not read.
pub const SERIALIZATION_CODE: &str = "SerializationException";
pub const SERIALIZATION_TYPE: &str = "com.amazon.coral.service#SerializationException";

/// A JSON body, or a member of it, that is not what the operation's shape expects:
/// HTTP 400 with the deserializer's own words, or no words when the body is not JSON.
pub fn serialization_error(message: Option<String>) -> WireError {
    WireError {
        query_error_header: false,
        has_message: message.is_some(),
        message_key: "Message",
        ..WireError::new(
            400,
            SERIALIZATION_CODE,
            SERIALIZATION_TYPE,
            message.unwrap_or_default(),
        )
    }
}

fn with_request_id(mut response: Response, request_id: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(request_id) {
        response.headers_mut().insert("x-amzn-requestid", v);
    }
    response
}

pub fn json_reply(body: Vec<u8>, request_id: &str) -> Response {
    typed_reply(JSON_1_0_CONTENT_TYPE, body, request_id)
}

/// A 200 answer of `content_type`.
pub fn typed_reply(content_type: &'static str, body: Vec<u8>, request_id: &str) -> Response {
    let response = (StatusCode::OK, [("content-type", content_type)], body).into_response();
    with_request_id(response, request_id)
}

/// A Query answer in JSON, for a Query request that asked for it (`Accept:
/// application/json`).
pub fn query_json_reply(body: serde_json::Value, request_id: &str) -> Response {
    let response = (
        StatusCode::OK,
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response();
    with_request_id(response, request_id)
}

pub fn xml_reply(body: String, request_id: &str) -> Response {
    let response = (StatusCode::OK, [("content-type", XML_CONTENT_TYPE)], body).into_response();
    with_request_id(response, request_id)
}

/// The one renderer of errors: JSON `__type` (with the `x-amzn-query-error` header
/// where the service sends it), or a Query `ErrorResponse`, with the error's status.
pub fn error_reply(protocol: Protocol, e: &WireError, request_id: &str) -> Response {
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST);
    let fault = if e.sender_fault { "Sender" } else { "Receiver" };
    let mut response = match protocol {
        Protocol::Json | Protocol::Json11 | Protocol::Cbor => {
            let mut body = serde_json::Map::new();
            body.insert("__type".to_owned(), e.json_type.into());
            if e.has_message {
                body.insert(e.message_key.to_owned(), e.message.clone().into());
            }
            let body = serde_json::Value::Object(body);
            let (content_type, bytes) = match protocol {
                Protocol::Json => (JSON_1_0_CONTENT_TYPE, body.to_string().into_bytes()),
                Protocol::Json11 => (JSON_1_1_CONTENT_TYPE, body.to_string().into_bytes()),
                _ => (CBOR_1_1_CONTENT_TYPE, cbor::from_json(&body)),
            };
            (status, [("content-type", content_type)], bytes).into_response()
        }
        Protocol::Query { .. } if e.bare_query_body => {
            let body = format!("<{}/>", e.code);
            (status, [("content-type", XML_CONTENT_TYPE)], body).into_response()
        }
        Protocol::Query { namespace } => {
            let body = sluice_query::encode_error_in(
                namespace,
                e.code,
                &e.message,
                e.sender_fault,
                request_id,
            );
            (status, [("content-type", XML_CONTENT_TYPE)], body).into_response()
        }
    };
    if protocol == Protocol::Json && e.query_error_header {
        if let Ok(v) = HeaderValue::from_str(&format!("{};{fault}", e.code)) {
            response.headers_mut().insert("x-amzn-query-error", v);
        }
    }
    response
        .extensions_mut()
        .insert(crate::metrics::RequestOutcome(e.code));
    with_request_id(response, request_id)
}
