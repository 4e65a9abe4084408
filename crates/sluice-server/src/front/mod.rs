//! The HTTP front every service shares: one handler for every request. It takes a
//! place among the requests in progress (`limits.rs`), reads the body within its
//! bounds, decides which service the request is for (`route.rs`), authenticates it
//! for that service's signing name, and hands it to the service's wire module
//! (`sqs/`, `sns/`, `sts/`, `kinesis/`), which answers in the protocol the request spoke. Errors of every
//! kind are rendered in one place (`wire.rs`). A response that pushes events rather
//! than answering once streams through `stream.rs`.

pub mod body;
pub mod route;
pub mod stream;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, Version};
use axum::response::Response;
use axum::Router;
use sluice_core::sns::Sns;
use sluice_core::sqs::Sqs;
use sluice_core::sts::Sts;
use tracing::Instrument as _;

use sluice_core::access::Access;
use sluice_core::kinesis::Kinesis;

use crate::auth::{Authenticated, Authenticator};
use crate::connection::ConnectionInfo;
use crate::limits::Gates;
use crate::sqs::longpoll::Slot;
use crate::wire::{error_reply, unknown_operation, Protocol, WireError};
use body::{read_body, BodyError};
use route::{route, Route, Service};

/// The largest request body accepted by default (see `limits.rs`).
pub const REQUEST_BODY_MAX_BYTES: usize = crate::limits::DEFAULT_MAX_REQUEST_BYTES;

/// What every request handler shares.
pub struct AppState {
    pub sqs: Arc<Sqs>,
    pub sns: Arc<Sns>,
    /// The key SNS notifications are signed with, and its certificate.
    pub sns_signing: Arc<crate::sns::SigningKey>,
    pub sts: Arc<Sts>,
    pub kinesis: Arc<Kinesis>,
    /// Requests counted and timed for `/metrics`.
    pub request_metrics: Arc<crate::metrics::RequestMetrics>,
    pub region: String,
    pub account_id: String,
    /// Fixed base for queue URLs; otherwise built from the request's Host header.
    pub base_url: Option<String>,
    /// The bounds and their live counters.
    pub gates: Arc<Gates>,
    /// Checks signatures against the configured identities (or lets all in).
    pub auth: Arc<Authenticator>,
    /// Turns true when the server begins to stop; responses that stream end then.
    pub stopping: tokio::sync::watch::Receiver<bool>,
    /// Which SubscribeToShard stream holds each consumer's subscription to each shard.
    pub kinesis_subscriptions: Arc<crate::kinesis::LiveSubscriptions>,
}

pub fn router(state: Arc<AppState>) -> Router {
    Router::new().fallback(handle).with_state(state)
}

/// A request the front has read, routed and authenticated, for a service's wire module.
pub struct Incoming {
    pub parts: Parts,
    pub body: Bytes,
    pub request_id: String,
    /// The action a JSON request's `X-Amz-Target` names (after the service prefix).
    pub target_action: Option<String>,
    /// A Query request's parameters: the query string's, then a form body's.
    pub params: Vec<(String, String)>,
    pub authenticated: Authenticated,
}

impl Incoming {
    /// The first value of Query parameter `name`.
    pub fn param(&self, name: &str) -> Option<&str> {
        param(&self.params, name)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.parts.headers, name)
    }

    /// The region the request is for: its credential scope's, else the server's.
    pub fn region(&self, default: &str) -> String {
        self.authenticated
            .region
            .clone()
            .filter(|r| !r.is_empty())
            .unwrap_or_else(|| default.to_owned())
    }

    /// The caller as the access engine sees it (with the connection's facts), when the
    /// server enforces access; `None` on an open server.
    pub fn access(&self, action: &str) -> Option<Access> {
        let connection = ConnectionInfo::of(&self.parts.extensions);
        self.authenticated.enforced_caller().map(|caller| Access {
            action: action.to_owned(),
            secure_transport: connection.is_some_and(|c| c.secure),
            source_ip: connection.map(|c| c.peer.ip()),
            ..Access::new(caller)
        })
    }
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The protocol of errors answered before a request is routed: JSON when it names a
/// target, else SQS's Query documents (the service a bare Query request goes to).
fn early_protocol(target: Option<&str>) -> Protocol {
    match target {
        Some(_) => Protocol::Json,
        None => crate::sqs::QUERY,
    }
}

/// What a request is counted under in `/metrics`: labels from fixed sets only.
struct RequestLabel {
    service: &'static str,
    action: &'static str,
}

async fn handle(State(app): State<Arc<AppState>>, request: Request) -> Response {
    let started = std::time::Instant::now();
    let mut label = RequestLabel {
        service: "none",
        action: "unknown",
    };
    // At debug level every request is a span (its id, service, action and, once the
    // service finds it, the queue or stream), closed by one event with its outcome.
    let span = tracing::debug_span!(
        "request",
        id = tracing::field::Empty,
        service = tracing::field::Empty,
        action = tracing::field::Empty,
        queue = tracing::field::Empty,
        stream = tracing::field::Empty,
    );
    let response = answer(&app, request, &mut label)
        .instrument(span.clone())
        .await;
    let outcome = response
        .extensions()
        .get::<crate::metrics::RequestOutcome>()
        .copied();
    let elapsed = started.elapsed();
    app.request_metrics
        .observe(label.service, label.action, outcome, elapsed);
    if !span.is_disabled() {
        let request_id = response
            .headers()
            .get("x-amzn-requestid")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        span.record("id", request_id);
        span.record("service", label.service);
        span.record("action", label.action);
        span.in_scope(|| {
            tracing::debug!(
                status = response.status().as_u16(),
                outcome = outcome.map_or("OK", |o| o.0),
                elapsed_us = elapsed.as_micros() as u64,
                "answered"
            )
        });
    }
    response
}

/// `action` as a label: one of `service`'s own action names, else `unknown`.
fn action_label(service: Service, action: Option<&str>) -> &'static str {
    let Some(action) = action else {
        return "unknown";
    };
    let known = |list: &[&'static str]| list.iter().copied().find(|a| *a == action);
    let label = match service {
        Service::Sqs => known(crate::sqs::operations::ACTIONS),
        Service::Sns => known(crate::sns::SERVED),
        Service::Sts => known(crate::sts::ACTIONS),
        Service::Kinesis => crate::kinesis::action_label(action),
    };
    label.unwrap_or("unknown")
}

async fn answer(app: &Arc<AppState>, request: Request, label: &mut RequestLabel) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let (parts, body) = request.into_parts();
    if parts.method == axum::http::Method::GET
        && parts.uri.path() == sluice_core::sns::SIGNING_CERT_PATH
    {
        return app.sns_signing.certificate_response().await;
    }
    let target = header(&parts.headers, "x-amz-target").map(str::to_owned);
    let early = early_protocol(target.as_deref());
    // Overload: beyond the bound, answer at once rather than queue.
    let Some(pass) = app.gates.inflight.try_enter() else {
        let busy = WireError::new(
            503,
            "ServiceUnavailable",
            "com.amazon.coral.service#ServiceUnavailable",
            "The server is busy: too many requests are in progress. Please retry.",
        )
        .receiver();
        return error_reply(early, &busy, &request_id);
    };
    let limits = &app.gates.limits;
    let kinesis_target = target.as_deref().is_some_and(|t| {
        t.split_once('.')
            .is_some_and(|(prefix, _)| prefix == crate::kinesis::JSON_TARGET_PREFIX)
    });
    let max_request_bytes = if kinesis_target {
        limits
            .max_request_bytes
            .max(crate::limits::KINESIS_MIN_MAX_REQUEST_BYTES)
    } else {
        limits.max_request_bytes
    };
    let body = match read_body(
        body,
        &parts.headers,
        max_request_bytes,
        limits.idle_timeout(),
    )
    .await
    {
        Ok(body) => body,
        Err(e) => {
            let max = max_request_bytes;
            return body_error_reply(early, &e, max, &request_id, parts.version);
        }
    };
    let params = match target {
        Some(_) => Vec::new(),
        None => query_params(&parts, &body),
    };
    let scope_service = match target {
        Some(_) => None,
        None => crate::auth::scope_service(&parts),
    };
    let routed = route(
        target.as_deref(),
        scope_service.as_deref(),
        param(&params, "Version"),
        param(&params, "Action"),
    );
    let (service, protocol) = match routed {
        Route::Json(service) => (service, Protocol::Json),
        Route::Query(service) => (service, query_protocol(service)),
        Route::UnknownTarget => {
            return error_reply(Protocol::Json, &unknown_operation(), &request_id)
        }
        Route::UnknownService => {
            let action = param(&params, "Action").unwrap_or_default();
            return error_reply(early, &crate::sqs::invalid_action(action), &request_id);
        }
    };
    let authenticated =
        if !app.auth.is_open() && anonymous_sns_link(service, &parts, param(&params, "Action")) {
            Authenticated {
                enforced: true,
                anonymous: true,
                ..Authenticated::default()
            }
        } else {
            match app.auth.authenticate(
                &parts,
                &body,
                app.sqs.now(),
                service.signing_names(),
                &app.sts,
            ) {
                Ok(authenticated) => authenticated,
                Err(e) => return error_reply(protocol, &crate::auth::to_wire(&e), &request_id),
            }
        };
    let target_action = target.map(|t| match t.split_once('.') {
        Some((_, action)) => action.to_owned(),
        None => String::new(),
    });
    label.service = service.name();
    label.action = action_label(
        service,
        target_action.as_deref().or(param(&params, "Action")),
    );
    let incoming = Incoming {
        parts,
        body,
        request_id,
        target_action,
        params,
        authenticated,
    };
    match service {
        Service::Sqs => crate::sqs::serve(app, incoming, Slot::in_progress(pass)).await,
        Service::Sns => crate::sns::serve(app.clone(), incoming).await,
        Service::Sts => crate::sts::serve(app, incoming).await,
        Service::Kinesis => crate::kinesis::serve(app.clone(), incoming).await,
    }
}

/// The one exception to signed requests on a server with identities: the links SNS
/// puts in the documents it delivers. An unsigned GET of ConfirmSubscription (a
/// SubscribeURL) or Unsubscribe (an UnsubscribeURL) is served without a caller, as AWS
/// serves them: the confirmation token, or for Unsubscribe the subscription's own rule
/// (AuthenticateOnUnsubscribe), is what protects them. A request that carries any
/// signature is checked as usual.
fn anonymous_sns_link(service: Service, parts: &Parts, action: Option<&str>) -> bool {
    let signed = parts.headers.contains_key("authorization")
        || parts.uri.query().is_some_and(|q| {
            sluice_query::parse_form(q.as_bytes())
                .iter()
                .any(|(k, _)| k == "X-Amz-Signature" || k == "X-Amz-Credential")
        });
    service == Service::Sns
        && parts.method == Method::GET
        && !signed
        && matches!(action, Some("ConfirmSubscription" | "Unsubscribe"))
}

fn query_protocol(service: Service) -> Protocol {
    match service {
        Service::Sqs => crate::sqs::QUERY,
        Service::Sns => crate::sns::QUERY,
        Service::Sts => crate::sts::QUERY,
        // Kinesis has no Query protocol; its requests are routed by their target.
        Service::Kinesis => crate::sqs::QUERY,
    }
}

/// A Query request's parameters: the query string's, then, for a POST with a form body
/// (or no content type), the body's.
fn query_params(parts: &Parts, body: &[u8]) -> Vec<(String, String)> {
    let mut params = parts
        .uri
        .query()
        .map(|q| sluice_query::parse_form(q.as_bytes()))
        .unwrap_or_default();
    let form_body = header(&parts.headers, "content-type")
        .is_none_or(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if parts.method == Method::POST && form_body {
        params.extend(sluice_query::parse_form(body));
    }
    params
}

/// The reply to a body that was not read. An HTTP/1 connection whose body was left
/// unread cannot carry another request, so it is closed; HTTP/2 has no such header
/// (the stream alone ends, reset if its body is still coming).
fn body_error_reply(
    protocol: Protocol,
    e: &BodyError,
    max: usize,
    request_id: &str,
    version: Version,
) -> Response {
    let mut response = error_reply(protocol, &e.to_wire(max), request_id);
    if !e.keeps_connection() && version < Version::HTTP_2 {
        response
            .headers_mut()
            .insert("connection", HeaderValue::from_static("close"));
    }
    response
}

pub fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}
