//! Recognises which SQS protocol a request speaks and encodes replies and errors in it.
//! AWS JSON 1.0: `POST /` with `X-Amz-Target: AmazonSQS.<Action>` and a JSON body.
//! AWS Query: form parameters (POST body or GET query string) with `Action=<Action>`,
//! addressed to `/` or to the queue URL's path; XML replies.

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sluice_core::sqs::SqsError;

use super::errors::to_wire;

pub const JSON_TARGET_PREFIX: &str = "AmazonSQS.";
pub const JSON_CONTENT_TYPE: &str = "application/x-amz-json-1.0";
pub const XML_CONTENT_TYPE: &str = "text/xml";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    Json,
    Query,
}

fn with_request_id(mut response: Response, request_id: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(request_id) {
        response.headers_mut().insert("x-amzn-requestid", v);
    }
    response
}

pub fn json_reply(body: Vec<u8>, request_id: &str) -> Response {
    let response = (StatusCode::OK, [("content-type", JSON_CONTENT_TYPE)], body).into_response();
    with_request_id(response, request_id)
}

pub fn xml_reply(body: String, request_id: &str) -> Response {
    let response = (StatusCode::OK, [("content-type", XML_CONTENT_TYPE)], body).into_response();
    with_request_id(response, request_id)
}

pub fn error_reply(protocol: Protocol, e: &SqsError, request_id: &str) -> Response {
    let wire = to_wire(e);
    let status = StatusCode::from_u16(wire.status).unwrap_or(StatusCode::BAD_REQUEST);
    let fault = if wire.sender_fault {
        "Sender"
    } else {
        "Receiver"
    };
    let mut headers = HeaderMap::new();
    let response = match protocol {
        Protocol::Json => {
            if let Ok(v) = HeaderValue::from_str(&format!("{};{fault}", wire.code)) {
                headers.insert("x-amzn-query-error", v);
            }
            let body = serde_json::json!({ "__type": wire.json_type, "message": wire.message });
            (
                status,
                [("content-type", JSON_CONTENT_TYPE)],
                headers,
                body.to_string(),
            )
                .into_response()
        }
        Protocol::Query => {
            let body =
                sluice_query::encode_error(wire.code, &wire.message, wire.sender_fault, request_id);
            (status, [("content-type", XML_CONTENT_TYPE)], headers, body).into_response()
        }
    };
    with_request_id(response, request_id)
}
