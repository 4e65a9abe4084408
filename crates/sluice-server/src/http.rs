//! The HTTP front: one handler for every request. It works out the protocol, the
//! action, the caller's region and the base URL queue URLs are built on, then hands the
//! decoded parameters to the operation table. It also holds the per-request bounds
//! (`limits.rs`): the body size, the requests worked on at once and the long polls
//! waiting at once.

use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use sluice_auth::policy::principal::is_account_id;
use sluice_core::clock::ManualClock;
use sluice_core::sqs::access::Access;
use sluice_core::sqs::{RequestContext, Sqs, SqsError, SqsErrorKind};

use crate::auth::{Authenticated, Authenticator};
use crate::connection::ConnectionInfo;
use crate::limits::{Gates, Pass, OVERSIZED_BODY_DRAIN_MAX_BYTES};
use crate::sqs::operations::{dispatch, Params, Reply};
use crate::sqs::protocol::{
    error_reply, json_reply, xml_reply, Protocol, JSON_CONTENT_TYPE, JSON_TARGET_PREFIX,
    XML_CONTENT_TYPE,
};

/// The largest request body accepted by default (see `limits.rs`).
pub const REQUEST_BODY_MAX_BYTES: usize = crate::limits::DEFAULT_MAX_REQUEST_BYTES;

/// The code of the error answering a body over the limit. SQS's model has no error for
/// it; its front end answers HTTP 413.
pub const REQUEST_TOO_LARGE_CODE: &str = "RequestEntityTooLarge";
/// The code of the error answering a body that did not arrive in time. AWS SDKs retry
/// it as a transient error.
pub const REQUEST_TIMEOUT_CODE: &str = "RequestTimeout";

/// What every request handler shares.
pub struct AppState {
    pub sqs: Arc<Sqs>,
    pub region: String,
    pub account_id: String,
    /// Fixed base for queue URLs; otherwise built from the request's Host header.
    pub base_url: Option<String>,
    /// Present only when the server runs on a hand-driven clock (tests).
    pub test_clock: Option<ManualClock>,
    /// The bounds and their live counters.
    pub gates: Arc<Gates>,
    /// Checks signatures against the configured identities (or lets all in).
    pub auth: Arc<Authenticator>,
}

pub fn router(state: Arc<AppState>) -> Router {
    Router::new().fallback(handle).with_state(state)
}

async fn handle(State(app): State<Arc<AppState>>, request: Request) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let (parts, body) = request.into_parts();
    let (uri, headers) = (&parts.uri, &parts.headers);
    if uri.path() == TEST_CLOCK_PATH {
        return advance_test_clock(&app, uri).await;
    }
    let target = header(headers, "x-amz-target");
    let protocol = if target.is_some() {
        Protocol::Json
    } else {
        Protocol::Query
    };
    // Overload: beyond the bound, answer at once rather than queue.
    let Some(pass) = app.gates.inflight.try_enter() else {
        let e = SqsError::new(
            SqsErrorKind::ServiceUnavailable,
            "The server is busy: too many requests are in progress. Please retry.",
        );
        return error_reply(protocol, &e, &request_id);
    };
    let limits = &app.gates.limits;
    let body = match read_body(
        body,
        headers,
        limits.max_request_bytes,
        limits.idle_timeout(),
    )
    .await
    {
        Ok(body) => body,
        Err(e) => return body_error_reply(protocol, e, limits.max_request_bytes, &request_id),
    };
    let mut slot = Slot {
        _pass: pass,
        waiting: false,
    };
    let authenticated = match app.auth.authenticate(&parts, &body, app.sqs.now()) {
        Ok(authenticated) => authenticated,
        Err(e) => {
            let status = StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::FORBIDDEN);
            return custom_error_reply(protocol, status, e.aws_code(), &e.message, &request_id);
        }
    };
    let mut ctx = context(&app, headers, &parts.extensions, authenticated);
    if let Some(target) = target {
        let Some(action) = target.strip_prefix(JSON_TARGET_PREFIX) else {
            let e = SqsError::new(
                SqsErrorKind::InvalidAction,
                format!("Unknown target {target}."),
            );
            return error_reply(Protocol::Json, &e, &request_id);
        };
        set_action(&mut ctx, action);
        let mut short_poll_body = None;
        if action == RECEIVE_MESSAGE {
            let parsed = serde_json::from_slice::<serde_json::Value>(&body).ok();
            let wait = parsed
                .as_ref()
                .and_then(|v| v.get(WAIT_TIME_SECONDS))
                .filter(|v| !v.is_null());
            if is_long_poll(wait.map(json_number_text).as_deref()) && !slot.wait(&app.gates) {
                if let Some(serde_json::Value::Object(mut fields)) = parsed {
                    fields.insert(WAIT_TIME_SECONDS.to_owned(), serde_json::Value::from(0));
                    short_poll_body = serde_json::to_vec(&fields).ok();
                }
            }
        }
        let params = Params::Json(short_poll_body.as_deref().unwrap_or(&body));
        let reply = match dispatch(&app.sqs, &ctx, action, params).await {
            Ok(Reply::Json(bytes)) => json_reply(bytes, &request_id),
            Ok(Reply::Value(v)) => json_reply(v.to_string().into_bytes(), &request_id),
            Err(e) => error_reply(Protocol::Json, &e, &request_id),
        };
        drop(slot);
        return reply;
    }
    let reply = query(&app, &mut ctx, &parts, &body, &request_id, &mut slot).await;
    drop(slot);
    reply
}

const RECEIVE_MESSAGE: &str = "ReceiveMessage";
const WAIT_TIME_SECONDS: &str = "WaitTimeSeconds";

/// Where a request counts while it is worked on: among the requests in progress, or,
/// once it is a long poll allowed to wait, among the waiting receives instead.
struct Slot {
    /// Held for the place it keeps; dropped with the slot.
    _pass: Pass,
    waiting: bool,
}

impl Slot {
    /// Moves a long poll from the requests in progress to the waiting receives. False
    /// when as many receives as allowed are waiting already: the caller then makes it a
    /// short poll, answered at once with what is available. AWS shows no such limit, but
    /// an empty answer is what a short poll or an expired long poll gives, which every
    /// client handles by polling again.
    fn wait(&mut self, gates: &Arc<Gates>) -> bool {
        if self.waiting {
            return true;
        }
        match gates.waiting.try_enter() {
            Some(pass) => {
                // Gives back the place among the requests in progress.
                self._pass = pass;
                self.waiting = true;
                true
            }
            None => false,
        }
    }
}

/// Whether a ReceiveMessage with this WaitTimeSeconds may wait: when it names 1-20
/// seconds, or names nothing (the queue's ReceiveMessageWaitTimeSeconds applies). An
/// invalid value is left for the service to reject.
fn is_long_poll(wait_time_seconds: Option<&str>) -> bool {
    match wait_time_seconds {
        None => true,
        Some(text) => text.trim().parse::<i64>().is_ok_and(|s| {
            (1..=i64::from(sluice_core::limits::RECEIVE_WAIT_TIME_MAX_S)).contains(&s)
        }),
    }
}

fn json_number_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Why a request body was not read.
#[derive(Debug)]
enum BodyError {
    /// Over the limit. `drained`: the rest of the body was read and thrown away, so the
    /// connection can carry the next request.
    TooLarge { drained: bool },
    /// It did not arrive in full within the idle timeout.
    TimedOut,
    /// The client went away or sent a malformed body.
    Broken,
}

/// Reads a body of at most `max` bytes within `timeout`. An oversized body that is not
/// too large is read to its end and thrown away (without keeping it), so the client,
/// which is usually still sending, reads the error rather than a reset connection.
async fn read_body(
    mut body: Body,
    headers: &HeaderMap,
    max: usize,
    timeout: Duration,
) -> Result<Bytes, BodyError> {
    let declared = header(headers, "content-length").and_then(|v| v.trim().parse::<u64>().ok());
    let drain_max = (max as u64).saturating_add(OVERSIZED_BODY_DRAIN_MAX_BYTES);
    if declared.is_some_and(|len| len > drain_max) {
        return Err(BodyError::TooLarge { drained: false });
    }
    let read = async {
        let mut buf = Vec::with_capacity(declared.map_or(0, |len| len.min(max as u64) as usize));
        let mut seen: u64 = 0;
        while let Some(frame) = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await
        {
            let Ok(data) = frame.map_err(|_| BodyError::Broken)?.into_data() else {
                continue;
            };
            seen += data.len() as u64;
            if seen > drain_max {
                return Err(BodyError::TooLarge { drained: false });
            }
            if seen <= max as u64 {
                buf.extend_from_slice(&data);
            }
        }
        if seen > max as u64 {
            return Err(BodyError::TooLarge { drained: true });
        }
        Ok(Bytes::from(buf))
    };
    tokio::time::timeout(timeout, read)
        .await
        .unwrap_or(Err(BodyError::TimedOut))
}

fn body_error_reply(protocol: Protocol, e: BodyError, max: usize, request_id: &str) -> Response {
    let (status, code, message, keep_alive) = match e {
        BodyError::TooLarge { drained } => (
            StatusCode::PAYLOAD_TOO_LARGE,
            REQUEST_TOO_LARGE_CODE,
            format!("The request body is larger than the limit of {max} bytes."),
            drained,
        ),
        BodyError::TimedOut => (
            StatusCode::BAD_REQUEST,
            REQUEST_TIMEOUT_CODE,
            "The request body did not arrive within the idle timeout.".to_owned(),
            false,
        ),
        BodyError::Broken => (
            StatusCode::BAD_REQUEST,
            "MalformedRequest",
            "The request body could not be read.".to_owned(),
            false,
        ),
    };
    let mut response = custom_error_reply(protocol, status, code, &message, request_id);
    if !keep_alive {
        response
            .headers_mut()
            .insert("connection", HeaderValue::from_static("close"));
    }
    response
}

/// An error outside the SQS error table, shaped as the protocol shapes every error:
/// JSON `__type` with the `x-amzn-query-error` header, or a Query `ErrorResponse`.
fn custom_error_reply(
    protocol: Protocol,
    status: StatusCode,
    code: &str,
    message: &str,
    request_id: &str,
) -> Response {
    let mut response = match protocol {
        Protocol::Json => {
            let body = serde_json::json!({
                "__type": format!("com.amazonaws.sqs#{code}"),
                "message": message,
            });
            (
                status,
                [("content-type", JSON_CONTENT_TYPE)],
                body.to_string(),
            )
                .into_response()
        }
        Protocol::Query => {
            let body = sluice_query::encode_error(code, message, true, request_id);
            (status, [("content-type", XML_CONTENT_TYPE)], body).into_response()
        }
    };
    let headers = response.headers_mut();
    if protocol == Protocol::Json {
        if let Ok(v) = HeaderValue::from_str(&format!("{code};Sender")) {
            headers.insert("x-amzn-query-error", v);
        }
    }
    if let Ok(v) = HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-requestid", v);
    }
    response
}

async fn query(
    app: &AppState,
    ctx: &mut RequestContext,
    parts: &Parts,
    body: &[u8],
    request_id: &str,
    slot: &mut Slot,
) -> Response {
    let (method, uri, headers) = (&parts.method, &parts.uri, &parts.headers);
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
            SqsErrorKind::MissingAction,
            "The request must contain the parameter Action.",
        );
        return error_reply(Protocol::Query, &e, request_id);
    };
    set_action(ctx, &action);
    // A Query request may address the queue by its path instead of a QueueUrl parameter.
    if uri.path() != "/" && !params.iter().any(|(k, _)| k == "QueueUrl") {
        params.push((
            "QueueUrl".to_owned(),
            format!("{}{}", ctx.base_url, uri.path()),
        ));
    }
    if action == RECEIVE_MESSAGE {
        let wait = params
            .iter()
            .find(|(k, _)| k == WAIT_TIME_SECONDS)
            .map(|(_, v)| v.as_str());
        if is_long_poll(wait) && !slot.wait(&app.gates) {
            params.retain(|(k, _)| k != WAIT_TIME_SECONDS);
            params.push((WAIT_TIME_SECONDS.to_owned(), "0".to_owned()));
        }
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
/// query), falling back to the server's region. Queue URLs take the scheme the request
/// arrived with (`https` on the TLS listener).
fn context(
    app: &AppState,
    headers: &HeaderMap,
    extensions: &axum::http::Extensions,
    authenticated: Authenticated,
) -> RequestContext {
    let Authenticated {
        access_key_id,
        region,
        caller,
    } = authenticated;
    let region = region
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| app.region.clone());
    let base_url = app.base_url.clone().unwrap_or_else(|| {
        let host = header(headers, "host").unwrap_or("localhost");
        let scheme = ConnectionInfo::scheme(extensions);
        format!("{scheme}://{host}")
    });
    let connection = ConnectionInfo::of(extensions);
    let account_id = match &caller {
        // An authenticated caller works in its own account.
        Some(caller) => caller.account_id.clone(),
        // On an open server, an access key id of twelve digits names the caller's
        // account, so one server can hold the queues of several accounts.
        None => access_key_id
            .as_deref()
            .filter(|k| is_account_id(k))
            .unwrap_or(&app.account_id)
            .to_owned(),
    };
    let access = caller.map(|caller| Access {
        caller,
        action: String::new(),
        secure_transport: connection.is_some_and(|c| c.secure),
        source_ip: connection.map(|c| c.peer.ip()),
    });
    RequestContext {
        region,
        account_id,
        base_url,
        sender_id: access_key_id.unwrap_or_else(|| app.account_id.clone()),
        access,
    }
}

/// Names the action an authenticated request performs, for the access check.
fn set_action(ctx: &mut RequestContext, action: &str) {
    if let Some(access) = ctx.access.as_mut() {
        action.clone_into(&mut access.action);
    }
}

/// `POST /_sluice/test-clock/advance?ms=N`: moves a test server's clock.
pub const TEST_CLOCK_PATH: &str = "/_sluice/test-clock/advance";

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
