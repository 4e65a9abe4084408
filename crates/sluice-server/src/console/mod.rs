//! The built-in console: `GET /console` on the admin listener. Server-rendered HTML that
//! reads without JavaScript; a small embedded script (`assets/console.js`) adds live
//! counts, rates, charts and move-task progress. Nothing loads from elsewhere. The charts
//! of the last hour come from a sampler the server runs (`sampler.rs`, `history.rs`).
//!
//! Pages read through the services and stores as an open caller (no policy checks: the
//! admin listener binds loopback by default). Every action (a POST form) must carry the
//! per-process token of its page and, when the browser says where it came from, come from
//! the console's own origin; each one is logged.

mod charts;
pub mod history;
mod html;
mod queues;
pub mod sampler;
mod streams;
mod topics;

use std::collections::HashMap;
use std::sync::Arc;

use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use sluice_core::kinesis::Kinesis;
use sluice_core::sns::Sns;
use sluice_core::sqs::Sqs;

use crate::admin::AdminState;
pub use html::escape;
use html::Html;

const CSS: &str = include_str!("assets/console.css");
const JS: &str = include_str!("assets/console.js");

/// The services the console reads and acts through.
pub struct Services {
    pub sqs: Arc<Sqs>,
    pub sns: Arc<Sns>,
    /// The key SNS notifications are signed with (for test publishes).
    pub sns_signing: Arc<crate::sns::SigningKey>,
    pub kinesis: Arc<Kinesis>,
}

/// What the console reads and acts through, set once the services are up.
pub struct Console {
    pub sqs: Arc<Sqs>,
    pub sns: Arc<Sns>,
    pub sns_signing: Arc<crate::sns::SigningKey>,
    pub kinesis: Arc<Kinesis>,
    /// The base queue URLs are built on (`--base-url`), or the API listener's address.
    pub base_url: String,
    /// The region and account the console's forms create things in by default.
    pub region: String,
    pub account_id: String,
    /// A per-process secret every action form carries (CSRF defence).
    token: String,
    /// The last hour of queue depths and activity, and shard writes.
    history: Arc<history::History>,
}

impl Console {
    pub fn new(
        services: Services,
        base_url: String,
        region: String,
        account_id: String,
    ) -> Arc<Self> {
        let Services {
            sqs,
            sns,
            sns_signing,
            kinesis,
        } = services;
        let history = Arc::new(history::History::new(sqs.now()));
        Arc::new(Self {
            history,
            sqs,
            sns,
            sns_signing,
            kinesis,
            base_url,
            region,
            account_id,
            token: uuid::Uuid::new_v4().simple().to_string(),
        })
    }

    /// The history the sampler feeds (see `sampler::spawn`).
    pub fn history(&self) -> &Arc<history::History> {
        &self.history
    }

    /// The hidden field every action form carries.
    fn token_field(&self) -> String {
        format!(
            r#"<input type="hidden" name="token" value="{}">"#,
            escape(&self.token)
        )
    }
}

/// The console's routes, mounted on the admin listener.
pub fn routes() -> Router<Arc<AdminState>> {
    Router::new()
        .route(
            "/console",
            get(|| async { Redirect::to("/console/queues") }),
        )
        .route(
            "/console/",
            get(|| async { Redirect::to("/console/queues") }),
        )
        .route("/console/assets/console.css", get(css))
        .route("/console/assets/console.js", get(js))
        .route("/console/queues", get(queues::list))
        .route("/console/queues.json", get(queues::list_json))
        .route(
            "/console/queues/{region}/{account}/{name}",
            get(queues::show),
        )
        .route(
            "/console/queues/{region}/{account}/{name}/tasks.json",
            get(queues::tasks_json),
        )
        .route(
            "/console/queues/{region}/{account}/{name}/history.json",
            get(queues::history_json),
        )
        .route(
            "/console/queues/{region}/{account}/{name}/send",
            post(queues::send),
        )
        .route(
            "/console/queues/{region}/{account}/{name}/purge",
            post(queues::purge),
        )
        .route(
            "/console/queues/{region}/{account}/{name}/redrive",
            post(queues::redrive),
        )
        .route("/console/topics", get(topics::list))
        .route("/console/topics/{arn}", get(topics::show))
        .route("/console/topics/{arn}/publish", post(topics::publish))
        .route("/console/streams", get(streams::list))
        .route("/console/streams/{arn}", get(streams::show))
        .route(
            "/console/streams/{arn}/history.json",
            get(streams::history_json),
        )
}

async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        CSS,
    )
        .into_response()
}

async fn js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        JS,
    )
        .into_response()
}

/// The page answered while the server is still starting (the console is not set yet).
fn starting() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Html::page("Starting", "", "<p>The server is still starting.</p>"),
    )
        .into_response()
}

/// Checks an action's CSRF defences, answering a refusal if they fail: its form token, and its Origin (or Referer) when the
/// browser sends one, which must name the host the request was made to.
fn refusal(console: &Console, headers: &HeaderMap, token: Option<&str>) -> Option<Response> {
    let refuse = |why: &str| {
        tracing::warn!(reason = why, "console action refused");
        (
            StatusCode::FORBIDDEN,
            Html::page("Refused", "", &format!("<p>{}</p>", escape(why))),
        )
            .into_response()
    };
    if !token.is_some_and(|t| crate::admin_auth::same_secret(t, &console.token)) {
        return Some(refuse(
            "The form's token is missing or stale: reload the page and try again.",
        ));
    }
    if !same_origin(headers) {
        return Some(refuse("The request came from another site."));
    }
    None
}

/// Whether the request's Origin (or, without one, its Referer) names the host it was
/// made to. A request with neither (a non-browser client) passes: the form token is
/// what such a client cannot have.
fn same_origin(headers: &HeaderMap) -> bool {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let origin = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .map(|h| h.to_str().unwrap_or("invalid"));
    match origin {
        None => true,
        Some(origin) => {
            let authority = origin
                .split_once("://")
                .map(|(_, rest)| rest.split(['/', '?', '#']).next().unwrap_or(""));
            !host.is_empty() && authority == Some(host)
        }
    }
}

/// The `notice` query parameter a redirect after an action carries.
fn notice(uri: &Uri) -> Option<String> {
    query_param(uri.query(), "notice")
}

/// A submitted form's fields (`application/x-www-form-urlencoded`); the last of a
/// repeated name wins.
fn form(body: &[u8]) -> HashMap<String, String> {
    form_urlencoded::parse(body).into_owned().collect()
}

/// The console and an action's accepted form fields.
type AcceptedForm = (std::sync::Arc<Console>, HashMap<String, String>);

/// Logs a console action's outcome (`action` on `resource`) and words the notice the
/// page shows: `done` when it succeeded, `failed` followed by AWS's message when not.
fn report<T: std::fmt::Display>(
    action: &str,
    resource: &str,
    outcome: Result<T, String>,
    done: impl FnOnce(&T) -> String,
    failed: &str,
) -> String {
    match outcome {
        Ok(out) => {
            tracing::info!(action, resource, result = %out, "console action");
            done(&out)
        }
        Err(e) => {
            tracing::info!(action, resource, error = %e, "console action failed");
            format!("{failed}: {e}")
        }
    }
}

/// What every console action starts with: the console (once the server is ready) and
/// the posted form, refused unless it carries the page's token from the same site.
fn action_form(
    state: &crate::admin::AdminState,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<AcceptedForm, Box<Response>> {
    let console = state.console().ok_or_else(|| Box::new(starting()))?;
    let fields = form(body);
    if let Some(r) = refusal(&console, headers, fields.get("token").map(String::as_str)) {
        return Err(Box::new(r));
    }
    Ok((console, fields))
}

/// A JSON reply for the page scripts.
fn json(value: &impl serde::Serialize) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => (
            [
                (header::CONTENT_TYPE, "application/json"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            body,
        )
            .into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    form_urlencoded::parse(query?.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Redirects back to a page after an action, with a notice to show there.
fn back_to(path: &str, notice: &str) -> Response {
    let encoded: String = form_urlencoded::byte_serialize(notice.as_bytes()).collect();
    Redirect::to(&format!("{path}?notice={encoded}")).into_response()
}

/// Formats epoch milliseconds as UTC date and time.
fn timestamp(ms: u64) -> String {
    let Ok(at) = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000) else {
        return ms.to_string();
    };
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:03} UTC",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.millisecond()
    )
}

/// A path segment, percent-encoded (ARNs carry `:`, which is fine, and names never `/`,
/// but nothing is assumed).
fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.:~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_percent_encoded() {
        assert_eq!(
            segment("arn:aws:sns:us-east-1:1:t"),
            "arn:aws:sns:us-east-1:1:t"
        );
        assert_eq!(segment("a/b c<"), "a%2Fb%20c%3C");
    }

    #[test]
    fn timestamps_are_utc() {
        assert_eq!(timestamp(0), "1970-01-01 00:00:00.000 UTC");
        assert_eq!(timestamp(1_700_000_000_123), "2023-11-14 22:13:20.123 UTC");
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn actions_must_come_from_the_console_itself() {
        let host = ("host", "127.0.0.1:9326");
        assert!(same_origin(&headers(&[host])));
        assert!(same_origin(&headers(&[
            host,
            ("origin", "http://127.0.0.1:9326")
        ])));
        assert!(same_origin(&headers(&[
            host,
            ("referer", "http://127.0.0.1:9326/console/queues?x=1")
        ])));
        assert!(!same_origin(&headers(&[
            host,
            ("origin", "http://evil.example")
        ])));
        assert!(!same_origin(&headers(&[host, ("origin", "null")])));
        assert!(!same_origin(&headers(&[
            host,
            ("origin", "http://127.0.0.1:9326.evil.example")
        ])));
        assert!(!same_origin(&headers(&[
            host,
            ("referer", "http://evil.example/127.0.0.1:9326")
        ])));
        assert!(!same_origin(&headers(&[(
            "origin",
            "http://127.0.0.1:9326"
        )])));
    }

    #[test]
    fn query_params_are_decoded() {
        assert_eq!(
            query_param(Some("a=1&notice=Sent+%3Cb%3E"), "notice").as_deref(),
            Some("Sent <b>")
        );
        assert_eq!(query_param(None, "notice"), None);
    }
}
