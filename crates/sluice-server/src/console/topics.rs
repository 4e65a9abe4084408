//! Topics: the list (of the server's region and account), each topic's page with its
//! attributes, its subscriptions with their filter policies, its recent deliveries and
//! what became of each (from the core's per-topic activity), and a form to publish a
//! test message.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use sluice_core::sns::activity::TopicActivity;
use sluice_core::sns::api::PublishInput;
use sluice_core::sns::delivery_log::{DeliveryRecord, RECENT_DELIVERIES_MAX};
use sluice_core::sns::names::parse_topic_arn;
use sluice_core::sns::outbox::DeliveryKind;
use sluice_core::sns::{Fanout, SnsContext, TopicKey};
use sluice_core::sqs::QueueKey;

use super::html::{definition_table, notice, Html};
use super::{action_form, back_to, escape, report, segment, starting, timestamp, Console};
use crate::admin::AdminState;
use crate::admin_auth::AdminCaller;

/// The most topics the list shows.
const LIST_MAX: usize = 1_000;

fn topic_path(arn: &str) -> String {
    format!("/console/topics/{}", segment(arn))
}

fn context(key: &TopicKey) -> SnsContext {
    SnsContext::open(&key.region, &key.account_id)
}

/// The caller of a console publish: the signed identity, if the request had one (its
/// policies decide as the API's would), else the operator.
fn acting(key: &TopicKey, caller: &Option<Extension<AdminCaller>>) -> SnsContext {
    let mut ctx = context(key);
    if let Some(Extension(caller)) = caller {
        ctx.principal_arn = caller.0.arn.clone();
        ctx.access = Some(caller.access("Publish"));
    }
    ctx
}

/// Pretty-prints JSON, or gives it back as it is.
fn pretty(json: &str) -> String {
    serde_json::from_str::<serde_json::Value>(json)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| json.to_owned())
}

pub async fn list(State(state): State<Arc<AdminState>>, uri: Uri) -> Response {
    let Some(console) = state.console() else {
        return starting();
    };
    let store = console.sns.store();
    // Every region and account's topics, up to LIST_MAX in all (one more says there
    // are more).
    let mut topics = Vec::new();
    for (region, account) in store.topic_accounts().await {
        let left = (LIST_MAX + 1).saturating_sub(topics.len());
        if left == 0 {
            break;
        }
        topics.extend(store.list_topics(&region, &account, None, left).await);
    }
    let more = topics.len() > LIST_MAX;
    topics.truncate(LIST_MAX);
    let mut body = notice(super::notice(&uri).as_deref());
    if topics.is_empty() {
        body.push_str("<p>There are no topics yet.</p>");
    } else {
        let mut rows = String::new();
        for t in &topics {
            let subscriptions = store.subscriptions_of_topic(&t.key).await;
            let arn = t.key.arn();
            let _ = write!(
                rows,
                r#"<tr><th scope="row"><a href="{path}">{name}</a></th><td>{region}</td><td>{account}</td><td><code>{arn}</code></td><td data-field="subscriptions">{n}</td></tr>"#,
                path = escape(&topic_path(&arn)),
                name = escape(&t.key.name),
                region = escape(&t.key.region),
                account = escape(&t.key.account_id),
                arn = escape(&arn),
                n = subscriptions.len(),
            );
        }
        let more = if more {
            format!(" (the first {LIST_MAX})")
        } else {
            String::new()
        };
        let _ = write!(
            body,
            r#"<table class="list"><caption>{n} topic{s}{more}</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Region</th><th scope="col">Account</th><th scope="col">ARN</th><th scope="col">Subscriptions</th></tr></thead>
<tbody>{rows}</tbody></table>"#,
            n = topics.len(),
            s = if topics.len() == 1 { "" } else { "s" },
        );
    }
    Html::page("Topics", "topics", &body).into_response()
}

fn not_found(arn: &str) -> Response {
    (
        StatusCode::NOT_FOUND,
        Html::page(
            "No such topic",
            "topics",
            &format!(
                r#"<p>There is no topic <code>{}</code>.</p><p><a href="/console/topics">All topics</a></p>"#,
                escape(arn)
            ),
        ),
    )
        .into_response()
}

/// A subscription's endpoint, linked to the queue's page when it is one of ours.
fn endpoint_cell(protocol: &str, endpoint: &str) -> String {
    match (protocol, QueueKey::from_arn(endpoint)) {
        ("sqs", Some(key)) => format!(
            r#"<a href="/console/queues/{}/{}/{}"><code>{}</code></a>"#,
            escape(&segment(&key.region)),
            escape(&segment(&key.account_id)),
            escape(&segment(&key.name)),
            escape(endpoint)
        ),
        _ => format!("<code>{}</code>", escape(endpoint)),
    }
}

pub async fn show(
    State(state): State<Arc<AdminState>>,
    Path(arn): Path<String>,
    uri: Uri,
) -> Response {
    let Some(console) = state.console() else {
        return starting();
    };
    let Ok(key) = parse_topic_arn(&arn, "TopicArn") else {
        return not_found(&arn);
    };
    let Ok(attributes) = console
        .sns
        .get_topic_attributes(&context(&key), Some(&arn))
        .await
    else {
        return not_found(&arn);
    };
    let mut body = notice(super::notice(&uri).as_deref());
    let _ = write!(
        body,
        r#"<p class="arn">ARN <code>{}</code></p>"#,
        escape(&arn)
    );

    // Subscriptions and their filter policies.
    let subscriptions = console.sns.store().subscriptions_of_topic(&key).await;
    body.push_str(r#"<section aria-labelledby="subs-h"><h2 id="subs-h">Subscriptions</h2>"#);
    if subscriptions.is_empty() {
        body.push_str("<p>No subscriptions.</p>");
    } else {
        let mut rows = String::new();
        for s in &subscriptions {
            let mut attrs = BTreeMap::new();
            s.attributes.describe(&mut attrs);
            let filter = match attrs.get("FilterPolicy") {
                Some(policy) => format!(
                    r#"<pre class="policy">{}</pre><p>Scope: {}</p>"#,
                    escape(&pretty(policy)),
                    escape(
                        attrs
                            .get("FilterPolicyScope")
                            .map(String::as_str)
                            .unwrap_or("MessageAttributes")
                    )
                ),
                None => "None: every message".to_owned(),
            };
            let protocol = s.protocol.as_str();
            let _ = write!(
                rows,
                r#"<tr><td>{protocol}</td><td>{endpoint}</td><td>{status}</td><td>{raw}</td><td>{filter}</td><td><code>{arn}</code></td></tr>"#,
                protocol = escape(protocol),
                endpoint = endpoint_cell(protocol, &s.endpoint),
                status = if s.pending {
                    "pending confirmation"
                } else {
                    "confirmed"
                },
                raw = escape(
                    attrs
                        .get("RawMessageDelivery")
                        .map(String::as_str)
                        .unwrap_or("false")
                ),
                arn = escape(&s.arn),
            );
        }
        let _ = write!(
            body,
            r#"<table class="list"><caption>{n} subscription{s}</caption>
<thead><tr><th scope="col">Protocol</th><th scope="col">Endpoint</th><th scope="col">Status</th><th scope="col">Raw delivery</th><th scope="col">Filter policy</th><th scope="col">ARN</th></tr></thead>
<tbody>{rows}</tbody></table>"#,
            n = subscriptions.len(),
            s = if subscriptions.len() == 1 { "" } else { "s" },
        );
    }
    body.push_str("</section>");

    let activity = console.sns.activity().get(&key);
    body.push_str(&recent_deliveries(activity.as_deref()));

    // Attributes.
    let _ = write!(
        body,
        r#"<section aria-labelledby="attrs-h"><h2 id="attrs-h">Attributes</h2>{}</section>"#,
        definition_table(
            "Topic attributes (as GetTopicAttributes reports them)",
            attributes
                .iter()
                .filter(|(k, _)| !matches!(k.as_str(), "Policy" | "EffectiveDeliveryPolicy"))
                .map(|(k, v)| (k.as_str(), v.as_str())),
            "No attributes.",
        )
    );
    if let Some(policy) = attributes.get("Policy") {
        let _ = write!(
            body,
            r#"<section aria-labelledby="policy-h"><h2 id="policy-h">Policy</h2><pre class="policy">{}</pre></section>"#,
            escape(&pretty(policy))
        );
    }

    // Publish.
    let fifo = key.name.ends_with(".fifo");
    let fifo_fields = if fifo {
        r#"<p><label for="pub-group">Message group id</label>
<input id="pub-group" name="group_id" required maxlength="128"></p>
<p><label for="pub-dedup">Deduplication id (optional with content-based deduplication)</label>
<input id="pub-dedup" name="deduplication_id" maxlength="128"></p>"#
    } else {
        ""
    };
    let _ = write!(
        body,
        r#"<section aria-labelledby="pub-h"><h2 id="pub-h">Publish a test message</h2>
<form method="post" action="{path}/publish">{token}
<p><label for="pub-subject">Subject (optional)</label>
<input id="pub-subject" name="subject" maxlength="100"></p>
<p><label for="pub-message">Message</label>
<textarea id="pub-message" name="message" rows="4" cols="60" required></textarea></p>
{fifo_fields}
<p><button type="submit">Publish</button></p>
</form></section>"#,
        path = escape(&topic_path(&arn)),
        token = console.token_field(),
    );
    Html::page(&format!("Topic {}", key.name), "topics", &body).into_response()
}

/// One delivery attempt as a table row.
fn delivery_row(r: &DeliveryRecord) -> String {
    let protocol = r.protocol.as_str();
    let attempt = match r.attempt {
        0 => "not attempted".to_owned(),
        n => n.to_string(),
    };
    let message = match r.kind {
        DeliveryKind::Notification => format!("<code>{}</code>", escape(&r.message_id)),
        kind => format!(
            "<code>{}</code> ({})",
            escape(&r.message_id),
            escape(kind.as_str())
        ),
    };
    let dead_letter = match &r.dead_letter_queue {
        Some(queue) => endpoint_cell("sqs", queue),
        None => "None".to_owned(),
    };
    format!(
        r#"<tr><td data-field="time">{time}</td><td data-field="endpoint">{endpoint}<br><code>{arn}</code></td><td data-field="protocol">{protocol}</td><td data-field="outcome">{outcome}</td><td data-field="http-status">{status}</td><td data-field="attempt">{attempt}</td><td data-field="dead-letter">{dead_letter}</td><td data-field="message">{message}</td><td data-field="detail">{detail}</td></tr>"#,
        time = escape(&timestamp(r.at_ms)),
        endpoint = endpoint_cell(protocol, &r.endpoint),
        arn = escape(&r.subscription_arn),
        protocol = escape(protocol),
        outcome = escape(&r.outcome.as_str().replace('_', " ")),
        status = r
            .http_status
            .map_or_else(|| "None".to_owned(), |s| s.to_string()),
        detail = escape(r.detail.as_deref().unwrap_or_default()),
    )
}

/// The "Recent deliveries" section: the topic's publish count and its last delivery
/// attempts, newest first.
fn recent_deliveries(activity: Option<&TopicActivity>) -> String {
    let mut out = String::from(
        r#"<section aria-labelledby="deliveries-h"><h2 id="deliveries-h">Recent deliveries</h2>"#,
    );
    let records = activity
        .map(TopicActivity::recent_deliveries)
        .unwrap_or_default();
    let published = activity.map_or(0, |a| a.counts().published);
    let _ = write!(
        out,
        r#"<p>Messages published since the server started: <span data-field="published">{published}</span>.</p>"#
    );
    if records.is_empty() {
        out.push_str("<p>No deliveries since the server started.</p>");
    } else {
        let rows: String = records.iter().map(delivery_row).collect();
        let _ = write!(
            out,
            r#"<table class="list"><caption>The last {n} delivery attempt{s}, newest first (at most {max} are kept)</caption>
<thead><tr><th scope="col">Time</th><th scope="col">Subscription</th><th scope="col">Protocol</th><th scope="col">Outcome</th><th scope="col">HTTP status</th><th scope="col">Attempt</th><th scope="col">Dead-letter queue</th><th scope="col">Message</th><th scope="col">Detail</th></tr></thead>
<tbody>{rows}</tbody></table>"#,
            n = records.len(),
            s = if records.len() == 1 { "" } else { "s" },
            max = RECENT_DELIVERIES_MAX,
        );
    }
    out.push_str("</section>");
    out
}

async fn publish_one(
    console: &Console,
    key: &TopicKey,
    caller: &Option<Extension<AdminCaller>>,
    input: PublishInput,
) -> Result<String, String> {
    let signer = console.sns_signing.get().await?;
    let fanout = Fanout {
        sqs: console.sqs.clone(),
        signer,
        base_url: console.base_url.clone(),
    };
    console
        .sns
        .publish(&acting(key, caller), &fanout, input)
        .await
        .map(|out| out.message_id)
        .map_err(|e| e.message.clone())
}

pub async fn publish(
    State(state): State<Arc<AdminState>>,
    Path(arn): Path<String>,
    caller: Option<Extension<AdminCaller>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (console, fields) = match action_form(&state, &headers, &body) {
        Ok(accepted) => accepted,
        Err(refused) => return *refused,
    };
    let Ok(key) = parse_topic_arn(&arn, "TopicArn") else {
        return not_found(&arn);
    };
    let field = |name: &str| {
        fields
            .get(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let input = PublishInput {
        topic_arn: Some(arn.clone()),
        message: fields.get("message").cloned(),
        subject: field("subject"),
        message_group_id: field("group_id"),
        message_deduplication_id: field("deduplication_id"),
        ..PublishInput::default()
    };
    let text = report(
        "publish",
        &arn,
        publish_one(&console, &key, &caller, input).await,
        |id| format!("Published message {id}."),
        "The message was not published",
    );
    back_to(&topic_path(&arn), &text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sluice_core::sns::delivery_log::Outcome;
    use sluice_core::sns::protocol::Protocol;

    fn http_record() -> DeliveryRecord {
        DeliveryRecord {
            at_ms: 1_700_000_000_123,
            subscription_arn: "arn:aws:sns:us-east-1:000000000000:t:1".to_owned(),
            endpoint: "http://example.com/<hook>".to_owned(),
            protocol: Protocol::Http,
            kind: DeliveryKind::Notification,
            message_id: "m-1".to_owned(),
            outcome: Outcome::DeadLettered,
            http_status: Some(500),
            attempt: 4,
            dead_letter_queue: Some("arn:aws:sqs:us-east-1:000000000000:dlq".to_owned()),
            detail: Some("The endpoint answered \"HTTP 500\"".to_owned()),
        }
    }

    #[test]
    fn a_delivery_row_shows_every_field_escaped() {
        let row = delivery_row(&http_record());
        assert!(row.contains(r#"<td data-field="time">2023-11-14 22:13:20.123 UTC</td>"#));
        assert!(row.contains("<code>http://example.com/&lt;hook&gt;</code>"));
        assert!(!row.contains("<hook>"));
        assert!(row.contains(r#"<td data-field="outcome">dead lettered</td>"#));
        assert!(row.contains(r#"<td data-field="http-status">500</td>"#));
        assert!(row.contains(r#"<td data-field="attempt">4</td>"#));
        assert!(row.contains(r#"href="/console/queues/us-east-1/000000000000/dlq""#));
        assert!(row.contains("The endpoint answered &quot;HTTP 500&quot;"));
    }

    #[test]
    fn the_section_has_a_captioned_table_or_says_there_is_nothing() {
        let empty = recent_deliveries(None);
        assert!(empty.contains("No deliveries since the server started."));
        assert!(!empty.contains("<table"));
        let activity = TopicActivity::default();
        activity.published();
        activity.record(vec![http_record()]);
        let section = recent_deliveries(Some(&activity));
        assert!(section.contains(r#"<span data-field="published">1</span>"#));
        assert!(section.contains("<caption>The last 1 delivery attempt, newest first"));
        assert_eq!(section.matches("<tr>").count(), 2, "the header and one row");
    }
}
