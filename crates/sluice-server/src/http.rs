//! The HTTP front: one handler for every request. It works out the protocol, the
//! action, the caller's region and the base URL queue URLs are built on, then hands the
//! decoded parameters to the operation table.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use sluice_core::clock::ManualClock;
use sluice_core::sqs::{RequestContext, Sqs, SqsError, SqsErrorKind};

use crate::sqs::operations::{dispatch, Params, Reply};
use crate::sqs::protocol::{error_reply, json_reply, xml_reply, Protocol, JSON_TARGET_PREFIX};

/// The largest request body accepted. A 1 MiB batch sent form-encoded can take about
/// three times its size.
pub const REQUEST_BODY_MAX_BYTES: usize = 4 * 1024 * 1024;

/// What every request handler shares.
pub struct AppState {
    pub sqs: Arc<Sqs>,
    pub region: String,
    pub account_id: String,
    /// Fixed base for queue URLs; otherwise built from the request's Host header.
    pub base_url: Option<String>,
    /// Present only when the server runs on a hand-driven clock (tests).
    pub test_clock: Option<ManualClock>,
}

pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .fallback(handle)
        .layer(DefaultBodyLimit::max(REQUEST_BODY_MAX_BYTES))
        .with_state(state)
}

async fn handle(
    State(app): State<Arc<AppState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    if uri.path().starts_with(TEST_CLOCK_PATH) {
        return advance_test_clock(&app, &uri).await;
    }
    let ctx = context(&app, &headers, &uri);
    if let Some(target) = header(&headers, "x-amz-target") {
        let Some(action) = target.strip_prefix(JSON_TARGET_PREFIX) else {
            let e = SqsError::new(
                SqsErrorKind::InvalidAction,
                format!("Unknown target {target}."),
            );
            return error_reply(Protocol::Json, &e, &request_id);
        };
        return match dispatch(&app.sqs, &ctx, action, Params::Json(&body)).await {
            Ok(Reply::Json(bytes)) => json_reply(bytes, &request_id),
            Ok(Reply::Value(v)) => json_reply(v.to_string().into_bytes(), &request_id),
            Err(e) => error_reply(Protocol::Json, &e, &request_id),
        };
    }
    query(&app, &ctx, &method, &uri, &headers, &body, &request_id).await
}

async fn query(
    app: &AppState,
    ctx: &RequestContext,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
    request_id: &str,
) -> Response {
    let mut params = uri
        .query()
        .map(|q| sluice_query::parse_form(q.as_bytes()))
        .unwrap_or_default();
    let form_body = header(headers, "content-type")
        .is_none_or(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if *method == Method::POST && form_body {
        params.extend(sluice_query::parse_form(body));
    }
    let Some(action) = params
        .iter()
        .find(|(k, _)| k == "Action")
        .map(|(_, v)| v.clone())
    else {
        let e = SqsError::new(
            SqsErrorKind::MissingParameter,
            "The request must contain the parameter Action.",
        );
        return error_reply(Protocol::Query, &e, request_id);
    };
    // A Query request may address the queue by its path instead of a QueueUrl parameter.
    if uri.path() != "/" && !params.iter().any(|(k, _)| k == "QueueUrl") {
        params.push((
            "QueueUrl".to_owned(),
            format!("{}{}", ctx.base_url, uri.path()),
        ));
    }
    let input = match sluice_query::decode_input(&action, &params) {
        Ok(input) => input,
        Err(sluice_query::QueryError::UnknownAction(_)) => {
            let e = SqsError::new(
                SqsErrorKind::InvalidAction,
                format!("The action {action} is not valid for this endpoint."),
            );
            return error_reply(Protocol::Query, &e, request_id);
        }
        Err(sluice_query::QueryError::Malformed(message)) => {
            let e = SqsError::new(SqsErrorKind::MalformedQueryString, message);
            return error_reply(Protocol::Query, &e, request_id);
        }
    };
    match dispatch(&app.sqs, ctx, &action, Params::Value(input)).await {
        Ok(Reply::Value(v)) => xml_reply(
            sluice_query::encode_output(&action, &v, request_id),
            request_id,
        ),
        Ok(Reply::Json(bytes)) => {
            let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
            xml_reply(
                sluice_query::encode_output(&action, &v, request_id),
                request_id,
            )
        }
        Err(e) => error_reply(Protocol::Query, &e, request_id),
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The caller's region comes from its SigV4 credential scope (header or presigned
/// query), falling back to the server's region.
fn context(app: &AppState, headers: &HeaderMap, uri: &Uri) -> RequestContext {
    let credential = header(headers, "authorization")
        .and_then(|auth| auth.split("Credential=").nth(1))
        .map(|c| c.split([',', ' ']).next().unwrap_or("").to_owned())
        .or_else(|| {
            uri.query().and_then(|q| {
                sluice_query::parse_form(q.as_bytes())
                    .into_iter()
                    .find(|(k, _)| k == "X-Amz-Credential")
                    .map(|(_, v)| v)
            })
        });
    let mut scope = credential.as_deref().unwrap_or("").split('/');
    let access_key = scope.next().filter(|s| !s.is_empty());
    let region = scope
        .nth(1)
        .filter(|s| !s.is_empty())
        .unwrap_or(&app.region)
        .to_owned();
    let base_url = app.base_url.clone().unwrap_or_else(|| {
        let host = header(headers, "host").unwrap_or("localhost");
        format!("http://{host}")
    });
    // Until credentials are configured, an access key id of twelve digits names the
    // caller's account, so one server can hold the queues of several accounts.
    let account_id = access_key
        .filter(|k| k.len() == 12 && k.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or(&app.account_id)
        .to_owned();
    RequestContext {
        region,
        account_id,
        base_url,
        sender_id: access_key.unwrap_or(&app.account_id).to_owned(),
    }
}

/// `POST /_sluice/test-clock/advance?ms=N`: moves a test server's clock.
pub const TEST_CLOCK_PATH: &str = "/_sluice/test-clock";

async fn advance_test_clock(app: &AppState, uri: &Uri) -> Response {
    let Some(clock) = &app.test_clock else {
        return (StatusCode::NOT_FOUND, "the test clock is not enabled").into_response();
    };
    let ms = uri
        .query()
        .map(|q| sluice_query::parse_form(q.as_bytes()))
        .and_then(|p| p.into_iter().find(|(k, _)| k == "ms"))
        .and_then(|(_, v)| v.parse::<u64>().ok());
    let Some(ms) = ms else {
        return (StatusCode::BAD_REQUEST, "expected ?ms=<milliseconds>").into_response();
    };
    clock.advance_ms(ms);
    app.sqs.clock_moved().await;
    (StatusCode::OK, "ok").into_response()
}
