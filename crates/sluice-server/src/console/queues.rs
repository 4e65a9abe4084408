//! Queues: the list with live depths and rates, and each queue's page (charts of the
//! last hour, attributes, tags, policy, dead-letter links, a peek that changes nothing,
//! and the send, purge and redrive actions with move-task progress).

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use base64::Engine;
use serde::Serialize;
use sluice_core::sqs::activity::ActivityCounts;
use sluice_core::sqs::api::{
    ListMessageMoveTasksInput, ListMessageMoveTasksResultEntry, QueueUrlInput, SendMessageInput,
    StartMessageMoveTaskInput,
};
use sluice_core::sqs::attributes::{render, QueueCounts, QueueFacts};
use sluice_core::sqs::queue::Phase;
use sluice_core::sqs::store::{Peeked, QueueMeta};
use sluice_core::sqs::{QueueKey, RequestContext};

use super::charts::{self, number_text, Series, Spec};
use super::history::{QueueRates, QueueRow, RATE_WINDOW_MS, SAMPLE_PERIOD_MS, WINDOW_MS};
use super::html::{definition_table, notice, Html};
use super::sampler;
use super::{action_form, back_to, escape, json, report, starting, timestamp, Console};
use crate::admin::AdminState;
use crate::admin_auth::AdminCaller;

/// How many messages a peek shows.
const PEEK_MAX: usize = 10;

type QueuePath = Path<(String, String, String)>;

/// The console's path of a queue's page.
fn queue_path(key: &QueueKey) -> String {
    format!(
        "/console/queues/{}/{}/{}",
        super::segment(&key.region),
        super::segment(&key.account_id),
        super::segment(&key.name)
    )
}

/// A link to a queue's page, named by its ARN's queue name.
fn queue_link(key: &QueueKey) -> String {
    format!(
        r#"<a href="{}">{}</a>"#,
        escape(&queue_path(key)),
        escape(&key.name)
    )
}

/// An open caller in the queue's own region and account.
fn context(console: &Console, key: &QueueKey) -> RequestContext {
    RequestContext {
        region: key.region.clone(),
        account_id: key.account_id.clone(),
        base_url: console.base_url.clone(),
        sender_id: key.account_id.clone(),
        trace_header: None,
        access: None,
    }
}

/// The caller of a console action: the signed identity, if the request had one (its
/// policies decide as the API's would), else the operator.
fn acting(
    console: &Console,
    key: &QueueKey,
    caller: &Option<Extension<AdminCaller>>,
    action: &str,
) -> RequestContext {
    let mut ctx = context(console, key);
    if let Some(Extension(caller)) = caller {
        ctx.sender_id = caller.0.user_id.clone();
        ctx.access = Some(caller.access(action));
    }
    ctx
}

fn dead_letter_target(meta: &QueueMeta) -> Option<QueueKey> {
    meta.attributes
        .redrive_policy
        .as_ref()
        .and_then(|p| QueueKey::from_arn(&p.dead_letter_target_arn))
}

/// The queues whose redrive policy names `key` as their dead-letter queue.
fn dead_letter_sources(all: &[QueueMeta], key: &QueueKey) -> Vec<QueueKey> {
    all.iter()
        .filter(|q| dead_letter_target(q).as_ref() == Some(key))
        .map(|q| q.key.clone())
        .collect()
}

fn depth_cells(counts: QueueCounts) -> String {
    format!(
        r#"<td data-field="visible">{}</td><td data-field="in_flight">{}</td><td data-field="delayed">{}</td>"#,
        counts.visible, counts.in_flight, counts.delayed
    )
}

/// The column headings of [`rate_cells`].
const RATE_HEADINGS: &str =
    r#"<th scope="col">Sent/s</th><th scope="col">Received/s</th><th scope="col">Deleted/s</th>"#;

fn rate_cells(rates: QueueRates) -> String {
    format!(
        r#"<td data-field="sent_rate">{}</td><td data-field="received_rate">{}</td><td data-field="deleted_rate">{}</td>"#,
        number_text(rates.sent),
        number_text(rates.received),
        number_text(rates.deleted)
    )
}

/// A queue's depth now and its rates over the last minute; `None` when it is gone.
async fn live(
    console: &Console,
    meta: &QueueMeta,
    activity: &HashMap<QueueKey, ActivityCounts>,
    now: u64,
) -> Option<(QueueCounts, QueueRates)> {
    let point = sampler::queue_point(&console.sqs, &meta.key, activity, now).await?;
    let rates = console
        .history()
        .queue_rates(&meta.key, meta.created_at_ms, point);
    let counts = QueueCounts {
        visible: point.visible,
        in_flight: point.in_flight,
        delayed: point.delayed,
    };
    Some((counts, rates))
}

const DEPTH_CHART: Spec = Spec {
    id: "depth-chart",
    title: "Depth over the last hour",
    unit: "messages",
    series: &[
        Series {
            field: "visible",
            label: "Visible",
        },
        Series {
            field: "in_flight",
            label: "In flight",
        },
        Series {
            field: "delayed",
            label: "Delayed",
        },
    ],
};

const RATE_CHART: Spec = Spec {
    id: "rate-chart",
    title: "Sends, receives and deletes per second over the last hour",
    unit: "per second",
    series: &[
        Series {
            field: "sent",
            label: "Sent",
        },
        Series {
            field: "received",
            label: "Received",
        },
        Series {
            field: "deleted",
            label: "Deleted",
        },
    ],
};

fn depth_rows(rows: &[QueueRow]) -> Vec<charts::Row> {
    rows.iter()
        .map(|r| {
            let values = vec![r.visible as f64, r.in_flight as f64, r.delayed as f64];
            (r.at_ms, values)
        })
        .collect()
}

fn rate_rows(rows: &[QueueRow]) -> Vec<charts::Row> {
    rows.iter()
        .map(|r| (r.at_ms, vec![r.sent, r.received, r.deleted]))
        .collect()
}

/// A queue's chart rows of the last hour up to now; `None` when it is gone.
async fn history_rows(console: &Console, meta: &QueueMeta, now: u64) -> Option<Vec<QueueRow>> {
    let activity = sampler::activity(&console.sqs);
    let point = sampler::queue_point(&console.sqs, &meta.key, &activity, now).await?;
    Some(
        console
            .history()
            .queue_rows(&meta.key, meta.created_at_ms, point),
    )
}

/// How long ago the queue's oldest message was sent, as a short text; `None` when the
/// queue is empty.
async fn oldest_age(console: &Console, key: &QueueKey, now: u64) -> Option<String> {
    let oldest = console.sqs.store().peek(key, 1, now).await.ok()?;
    let first = oldest.first()?;
    Some(age_text(
        now.saturating_sub(first.state.content.sent_at_ms()),
    ))
}

fn age_text(ms: u64) -> String {
    let s = ms / 1000;
    match s {
        0..60 => format!("{s} s"),
        60..3_600 => format!("{} min", s / 60),
        3_600..86_400 => format!("{} h", s / 3_600),
        _ => format!("{} d", s / 86_400),
    }
}

fn not_found(key: &QueueKey) -> Response {
    (
        StatusCode::NOT_FOUND,
        Html::page(
            "No such queue",
            "queues",
            &format!(
                r#"<p>There is no queue {} in {} ({}).</p><p><a href="/console/queues">All queues</a></p>"#,
                escape(&key.name),
                escape(&key.region),
                escape(&key.account_id)
            ),
        ),
    )
        .into_response()
}

pub async fn list(State(state): State<Arc<AdminState>>, uri: Uri) -> Response {
    let Some(console) = state.console() else {
        return starting();
    };
    let store = console.sqs.store();
    let mut queues = store.all_queues().await;
    queues.sort_by(|a, b| a.key.cmp(&b.key));
    let now = console.sqs.now();
    let activity = sampler::activity(&console.sqs);
    let mut rows = String::new();
    for q in &queues {
        let Some((counts, rates)) = live(&console, q, &activity, now).await else {
            continue;
        };
        let arn = q.key.arn();
        let dlq = dead_letter_target(q)
            .map(|k| queue_link(&k))
            .unwrap_or_default();
        let _ = write!(
            rows,
            r#"<tr data-arn="{arn_attr}"><th scope="row">{link}</th><td>{region}</td><td>{account}</td>{depth}{rates}<td data-field="oldest_age">{age}</td><td>{dlq}</td></tr>"#,
            arn_attr = escape(&arn),
            link = queue_link(&q.key),
            region = escape(&q.key.region),
            account = escape(&q.key.account_id),
            depth = depth_cells(counts),
            rates = rate_cells(rates),
            age = escape(
                &oldest_age(&console, &q.key, now)
                    .await
                    .unwrap_or_else(|| "none".to_owned())
            ),
        );
    }
    let body = if queues.is_empty() {
        "<p>There are no queues yet.</p>".to_owned()
    } else {
        format!(
            r#"<table class="list" data-live-queues>
<caption>{n} queue{s}; rates are messages per second over the last minute; depths and rates update every few seconds with JavaScript, or on reload</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Region</th><th scope="col">Account</th><th scope="col">Visible</th><th scope="col">In flight</th><th scope="col">Delayed</th>{RATE_HEADINGS}<th scope="col">Oldest message</th><th scope="col">Dead-letter queue</th></tr></thead>
<tbody>{rows}</tbody>
</table>"#,
            n = queues.len(),
            s = if queues.len() == 1 { "" } else { "s" },
        )
    };
    let body = format!("{}{body}", notice(super::notice(&uri).as_deref()));
    Html::page("Queues", "queues", &body).into_response()
}

#[derive(Serialize)]
struct Depth {
    arn: String,
    visible: u64,
    in_flight: u64,
    delayed: u64,
    /// Messages per second over the last minute, as the table shows them.
    sent_rate: String,
    received_rate: String,
    deleted_rate: String,
    oldest_age: String,
}

/// Every queue's depth and rates, for the live counts.
pub async fn list_json(State(state): State<Arc<AdminState>>) -> Response {
    let Some(console) = state.console() else {
        return starting();
    };
    let store = console.sqs.store();
    let now = console.sqs.now();
    let activity = sampler::activity(&console.sqs);
    let mut out = Vec::new();
    for q in store.all_queues().await {
        if let Some((c, rates)) = live(&console, &q, &activity, now).await {
            out.push(Depth {
                arn: q.key.arn(),
                visible: c.visible,
                in_flight: c.in_flight,
                delayed: c.delayed,
                sent_rate: number_text(rates.sent),
                received_rate: number_text(rates.received),
                deleted_rate: number_text(rates.deleted),
                oldest_age: oldest_age(&console, &q.key, now)
                    .await
                    .unwrap_or_else(|| "none".to_owned()),
            });
        }
    }
    json(&serde_json::json!({ "queues": out }))
}

fn phase_text(phase: Phase) -> &'static str {
    match phase {
        Phase::Ready => "visible",
        Phase::InFlight => "in flight",
        Phase::Delayed => "delayed",
    }
}

/// One peeked message: body, message attributes and system attributes.
fn render_message(p: &Peeked) -> String {
    let s = &p.state;
    let c = &s.content;
    let id = c.message_id_string();
    let mut system: Vec<(&str, String)> = vec![
        ("SenderId", c.sender_id().to_owned()),
        (
            "SentTimestamp",
            format!("{} ({})", c.sent_at_ms(), timestamp(c.sent_at_ms())),
        ),
        ("ApproximateReceiveCount", s.receive_count.to_string()),
    ];
    if let Some(first) = s.first_receive_ms() {
        system.push((
            "ApproximateFirstReceiveTimestamp",
            format!("{first} ({})", timestamp(first)),
        ));
    }
    if let Some(n) = c.sequence_number() {
        system.push(("SequenceNumber", n.to_string()));
    }
    if let Some(v) = c.group_id() {
        system.push(("MessageGroupId", v.to_owned()));
    }
    if let Some(v) = c.deduplication_id() {
        system.push(("MessageDeduplicationId", v.to_owned()));
    }
    if let Some(v) = c
        .system_attributes()
        .get("AWSTraceHeader")
        .and_then(|v| v.string_value.clone())
    {
        system.push(("AWSTraceHeader", v));
    }
    if let Some(v) = c.dead_letter_source_arn() {
        system.push(("DeadLetterQueueSourceArn", v.to_owned()));
    }
    if s.phase != Phase::Ready {
        system.push((
            "Visible at",
            format!("{} ({})", s.visible_at_ms, timestamp(s.visible_at_ms)),
        ));
    }
    let b64 = base64::engine::general_purpose::STANDARD;
    let attributes: Vec<(String, String)> = c
        .attributes()
        .iter()
        .map(|(name, v)| {
            let value = if let Some(text) = &v.string_value {
                text.clone()
            } else if let Some(blob) = &v.binary_value {
                format!("base64:{}", b64.encode(&blob.0))
            } else if let Some(list) = &v.string_list_values {
                list.join(", ")
            } else {
                String::new()
            };
            (name.clone(), format!("{} ({})", value, v.data_type))
        })
        .collect();
    format!(
        r#"<article class="message" data-message-id="{id}">
<h3>Message <code>{id}</code> <span class="phase">{phase}</span></h3>
<h4>Body</h4>
<pre class="body">{body}</pre>
{attrs}
{system}
</article>"#,
        id = escape(&id),
        phase = phase_text(s.phase),
        body = escape(c.body()),
        attrs = definition_table(
            "Message attributes",
            attributes.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            "No message attributes.",
        ),
        system = definition_table(
            "System attributes",
            system.iter().map(|(k, v)| (*k, v.as_str())),
            "",
        ),
    )
}

fn task_rows(tasks: &[ListMessageMoveTasksResultEntry]) -> String {
    let mut rows = String::new();
    for t in tasks {
        let to_move = t.approximate_number_of_messages_to_move.unwrap_or(0);
        let moved = t.approximate_number_of_messages_moved;
        let _ = write!(
            rows,
            r#"<tr><td>{started}</td><td data-field="status">{status}</td><td><progress max="{max}" value="{moved}" aria-label="Messages moved">{moved} of {to_move}</progress> <span data-field="progress">{moved} of {to_move}</span></td><td>{reason}</td></tr>"#,
            started = escape(&timestamp(t.started_timestamp.max(0) as u64)),
            status = escape(&t.status),
            max = to_move.max(1),
            reason = escape(t.failure_reason.as_deref().unwrap_or("")),
        );
    }
    rows
}

async fn move_tasks(console: &Console, key: &QueueKey) -> Vec<ListMessageMoveTasksResultEntry> {
    let input = ListMessageMoveTasksInput {
        source_arn: Some(key.arn()),
        max_results: Some(10),
    };
    match console
        .sqs
        .list_message_move_tasks(&context(console, key), input)
        .await
    {
        Ok(out) => out.results,
        Err(_) => Vec::new(),
    }
}

pub async fn show(
    State(state): State<Arc<AdminState>>,
    Path((region, account, name)): QueuePath,
    uri: Uri,
) -> Response {
    let Some(console) = state.console() else {
        return starting();
    };
    let key = QueueKey::new(&region, &account, &name);
    let store = console.sqs.store();
    let Some(meta) = store.queue(&key).await else {
        return not_found(&key);
    };
    let now = console.sqs.now();
    let activity = sampler::activity(&console.sqs);
    let Some((counts, rates)) = live(&console, &meta, &activity, now).await else {
        return not_found(&key);
    };
    let arn = key.arn();
    let path = queue_path(&key);
    let mut body = notice(super::notice(&uri).as_deref());

    // Depth, updated live.
    let _ = write!(
        body,
        r#"<p class="arn">ARN <code>{arn}</code><br>URL <code>{url}</code></p>
<table class="list" data-live-queues><caption>Depth now, and messages per second over the last minute</caption>
<thead><tr><th scope="col">Visible</th><th scope="col">In flight</th><th scope="col">Delayed</th>{RATE_HEADINGS}</tr></thead>
<tbody><tr data-arn="{arn}">{depth}{rates}</tr></tbody></table>"#,
        arn = escape(&arn),
        url = escape(&key.url(&console.base_url)),
        depth = depth_cells(counts),
        rates = rate_cells(rates),
    );
    if let Some(age) = oldest_age(&console, &key, now).await {
        let _ = write!(
            body,
            "<p>The oldest message was sent {} ago.</p>",
            escape(&age)
        );
    }

    // The last hour, redrawn live from its JSON.
    let rows = history_rows(&console, &meta, now).await.unwrap_or_default();
    let _ = write!(
        body,
        r#"<section aria-labelledby="activity-h" data-history="{path}/history.json"><h2 id="activity-h">Activity</h2>
<p>A sample every {period} s over the last hour, and one now; rates are per second since the sample before. The charts follow along with JavaScript, or on reload.</p>
{depth}{rates}</section>"#,
        path = escape(&path),
        period = SAMPLE_PERIOD_MS / 1_000,
        depth = charts::render(&DEPTH_CHART, &depth_rows(&rows), now, WINDOW_MS),
        rates = charts::render(&RATE_CHART, &rate_rows(&rows), now, WINDOW_MS),
    );

    // Dead-letter links.
    let all = store.all_queues().await;
    let sources = dead_letter_sources(&all, &key);
    body.push_str(r#"<section aria-labelledby="dlq-h"><h2 id="dlq-h">Dead letters</h2>"#);
    match (&meta.attributes.redrive_policy, dead_letter_target(&meta)) {
        (Some(policy), Some(target)) => {
            let _ = write!(
                body,
                "<p>Messages received {} times move to {}.</p>",
                policy.max_receive_count,
                queue_link(&target)
            );
        }
        _ => body.push_str("<p>This queue has no dead-letter queue.</p>"),
    }
    if sources.is_empty() {
        body.push_str("<p>No queue dead-letters into this one.</p>");
    } else {
        body.push_str("<p>Dead-letter queue of:</p><ul>");
        for s in &sources {
            let _ = write!(body, "<li>{}</li>", queue_link(s));
        }
        body.push_str("</ul>");
    }
    body.push_str("</section>");

    // Attributes, tags, policy.
    let attributes = render(
        &QueueFacts {
            key: &key,
            attributes: &meta.attributes,
            counts,
            created_at_ms: meta.created_at_ms,
            last_modified_ms: meta.last_modified_ms,
        },
        &["All".to_owned()],
    );
    let _ = write!(
        body,
        r#"<section aria-labelledby="attrs-h"><h2 id="attrs-h">Attributes</h2>{}</section>"#,
        definition_table(
            "Queue attributes (as GetQueueAttributes reports them)",
            attributes
                .iter()
                .filter(|(k, _)| k.as_str() != "Policy")
                .map(|(k, v)| (k.as_str(), v.as_str())),
            "No attributes.",
        )
    );
    let _ = write!(
        body,
        r#"<section aria-labelledby="tags-h"><h2 id="tags-h">Tags</h2>{}</section>"#,
        definition_table(
            "Tags",
            meta.tags.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            "No tags.",
        )
    );
    let policy = meta.attributes.policy.as_deref().map(|p| {
        serde_json::from_str::<serde_json::Value>(p)
            .ok()
            .and_then(|v| serde_json::to_string_pretty(&v).ok())
            .unwrap_or_else(|| p.to_owned())
    });
    let _ = write!(
        body,
        r#"<section aria-labelledby="policy-h"><h2 id="policy-h">Policy</h2>{}</section>"#,
        match policy {
            Some(p) => format!(r#"<pre class="policy">{}</pre>"#, escape(&p)),
            None => "<p>No policy.</p>".to_owned(),
        }
    );

    // Peek.
    let peeked = store.peek(&key, PEEK_MAX, now).await.unwrap_or_default();
    let _ = write!(
        body,
        r#"<section aria-labelledby="peek-h" class="peek"><h2 id="peek-h">Messages</h2>
<p>The oldest {PEEK_MAX} messages, visible or not, as they stand. Looking changes nothing: no receive is counted and no message is hidden. <a href="{path}#peek-h">Refresh</a></p>"#,
        path = escape(&path),
    );
    if peeked.is_empty() {
        body.push_str("<p>The queue is empty.</p>");
    }
    for p in &peeked {
        body.push_str(&render_message(p));
    }
    body.push_str("</section>");

    // Actions.
    let token = console.token_field();
    let fifo = meta.attributes.fifo_queue;
    let fifo_fields = if fifo {
        r#"<p><label for="send-group">Message group id</label>
<input id="send-group" name="group_id" required maxlength="128"></p>
<p><label for="send-dedup">Deduplication id (optional with content-based deduplication)</label>
<input id="send-dedup" name="deduplication_id" maxlength="128"></p>"#
    } else {
        r#"<p><label for="send-delay">Delay in seconds</label>
<input id="send-delay" name="delay" type="number" min="0" max="900" value="0"></p>"#
    };
    let _ = write!(
        body,
        r#"<section aria-labelledby="send-h"><h2 id="send-h">Send a message</h2>
<form method="post" action="{path}/send">{token}
<p><label for="send-body">Body</label>
<textarea id="send-body" name="body" rows="4" cols="60" required></textarea></p>
{fifo_fields}
<p><button type="submit">Send message</button></p>
</form></section>
<section aria-labelledby="purge-h"><h2 id="purge-h">Purge</h2>
<form method="post" action="{path}/purge">{token}
<p>Deletes every message in the queue, in flight or not. It cannot be undone.</p>
<p><button type="submit" class="danger">Purge queue</button></p>
</form></section>"#,
        path = escape(&path),
    );
    if !sources.is_empty() {
        let tasks = move_tasks(&console, &key).await;
        let running = tasks.iter().any(|t| t.status == "RUNNING");
        let _ = write!(
            body,
            r#"<section aria-labelledby="redrive-h"><h2 id="redrive-h">Redrive</h2>
<form method="post" action="{path}/redrive">{token}
<p>Moves this queue's visible messages back to the queues they were dead-lettered from.</p>
<p><label for="redrive-rate">Messages per second (optional; as fast as possible when empty)</label>
<input id="redrive-rate" name="rate" type="number" min="1" max="500"></p>
<p><button type="submit"{disabled}>Redrive to source queues</button></p>
</form>
<table class="list" data-move-tasks="{path}/tasks.json"><caption>Move tasks, newest first (<a href="{path}#redrive-h">refresh</a>)</caption>
<thead><tr><th scope="col">Started</th><th scope="col">Status</th><th scope="col">Progress</th><th scope="col">Failure</th></tr></thead>
<tbody>{rows}</tbody></table></section>"#,
            path = escape(&path),
            disabled = if running { " disabled" } else { "" },
            rows = task_rows(&tasks),
        );
    }
    Html::page(&format!("Queue {}", key.name), "queues", &body).into_response()
}

/// The queue's last hour (chart rows, oldest first, the last one now), its rates over
/// the last minute, and each chart's summary, for the live charts.
pub async fn history_json(
    State(state): State<Arc<AdminState>>,
    Path((region, account, name)): QueuePath,
) -> Response {
    let Some(console) = state.console() else {
        return starting();
    };
    let key = QueueKey::new(&region, &account, &name);
    let Some(meta) = console.sqs.store().queue(&key).await else {
        return not_found(&key);
    };
    let now = console.sqs.now();
    let activity = sampler::activity(&console.sqs);
    let (Some((_, rates)), Some(rows)) = (
        live(&console, &meta, &activity, now).await,
        history_rows(&console, &meta, now).await,
    ) else {
        return not_found(&key);
    };
    let summaries = serde_json::json!({
        DEPTH_CHART.id: charts::summary(&DEPTH_CHART, &depth_rows(&rows)),
        RATE_CHART.id: charts::summary(&RATE_CHART, &rate_rows(&rows)),
    });
    json(&serde_json::json!({
        "now_ms": now,
        "window_ms": WINDOW_MS,
        "sample_period_ms": SAMPLE_PERIOD_MS,
        "rate_window_ms": RATE_WINDOW_MS,
        "rates": rates,
        "rows": rows,
        "summaries": summaries,
    }))
}

/// The queue's move tasks, for the progress bars.
pub async fn tasks_json(
    State(state): State<Arc<AdminState>>,
    Path((region, account, name)): QueuePath,
) -> Response {
    let Some(console) = state.console() else {
        return starting();
    };
    let key = QueueKey::new(&region, &account, &name);
    let tasks = move_tasks(&console, &key).await;
    json(&serde_json::json!({ "tasks": tasks }))
}

pub async fn send(
    State(state): State<Arc<AdminState>>,
    Path((region, account, name)): QueuePath,
    caller: Option<Extension<AdminCaller>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (console, fields) = match action_form(&state, &headers, &body) {
        Ok(accepted) => accepted,
        Err(refused) => return *refused,
    };
    let key = QueueKey::new(&region, &account, &name);
    let field = |name: &str| {
        fields
            .get(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let delay_seconds = match field("delay").map(|d| d.parse::<i64>()) {
        None => None,
        Some(Ok(d)) => Some(d),
        Some(Err(_)) => {
            return back_to(
                &queue_path(&key),
                "The delay must be a whole number of seconds.",
            )
        }
    };
    let input = SendMessageInput {
        queue_url: Some(key.url(&console.base_url)),
        message_body: fields.get("body").cloned(),
        delay_seconds,
        message_group_id: field("group_id"),
        message_deduplication_id: field("deduplication_id"),
        ..SendMessageInput::default()
    };
    let outcome = console
        .sqs
        .send_message(&acting(&console, &key, &caller, "SendMessage"), input)
        .await;
    let text = report(
        "send",
        &key.arn(),
        outcome.map(|out| out.message_id).map_err(|e| e.message),
        |id| format!("Sent message {id}."),
        "The message was not sent",
    );
    back_to(&queue_path(&key), &text)
}

pub async fn purge(
    State(state): State<Arc<AdminState>>,
    Path((region, account, name)): QueuePath,
    caller: Option<Extension<AdminCaller>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (console, _) = match action_form(&state, &headers, &body) {
        Ok(accepted) => accepted,
        Err(refused) => return *refused,
    };
    let key = QueueKey::new(&region, &account, &name);
    let input = QueueUrlInput {
        queue_url: Some(key.url(&console.base_url)),
    };
    let outcome = console
        .sqs
        .purge_queue(&acting(&console, &key, &caller, "PurgeQueue"), input)
        .await;
    let text = report(
        "purge",
        &key.arn(),
        outcome.map(|_| "purged").map_err(|e| e.message),
        |_| "The queue was purged.".to_owned(),
        "The queue was not purged",
    );
    back_to(&queue_path(&key), &text)
}

pub async fn redrive(
    State(state): State<Arc<AdminState>>,
    Path((region, account, name)): QueuePath,
    caller: Option<Extension<AdminCaller>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (console, fields) = match action_form(&state, &headers, &body) {
        Ok(accepted) => accepted,
        Err(refused) => return *refused,
    };
    let key = QueueKey::new(&region, &account, &name);
    let rate = match fields
        .get("rate")
        .map(|r| r.trim())
        .filter(|r| !r.is_empty())
    {
        None => None,
        Some(r) => match r.parse::<i64>() {
            Ok(r) => Some(r),
            Err(_) => {
                return back_to(
                    &queue_path(&key),
                    "The rate must be a whole number of messages per second.",
                )
            }
        },
    };
    let input = StartMessageMoveTaskInput {
        source_arn: Some(key.arn()),
        destination_arn: None,
        max_number_of_messages_per_second: rate,
    };
    let outcome = console
        .sqs
        .start_message_move_task(
            &acting(&console, &key, &caller, "StartMessageMoveTask"),
            input,
        )
        .await;
    let text = report(
        "redrive",
        &key.arn(),
        outcome.map(|out| out.task_handle).map_err(|e| e.message),
        |_| "The redrive started.".to_owned(),
        "The redrive did not start",
    );
    back_to(&queue_path(&key), &text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_are_short() {
        assert_eq!(age_text(0), "0 s");
        assert_eq!(age_text(59_999), "59 s");
        assert_eq!(age_text(60_000), "1 min");
        assert_eq!(age_text(7_200_000), "2 h");
        assert_eq!(age_text(3 * 86_400_000), "3 d");
    }
}
