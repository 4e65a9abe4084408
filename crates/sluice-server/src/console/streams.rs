//! Streams: the list (of the server's region and account), and each stream's page with
//! its summary, charts of its writes over the last hour, its shards with their write
//! rates and lineage (parent and adjacent parent), its consumers, and a tail of each
//! shard's recent records, shown as text when they are UTF-8. Everything is read
//! through the Kinesis service as an open caller.

use std::fmt::Write;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use sluice_core::kinesis::api::{
    GetRecordsInput, GetShardIteratorInput, ListShardsInput, ListStreamConsumersInput,
    ListStreamsInput, Record, Shard, StreamInput, StreamSummary,
};
use sluice_core::kinesis::names::{parse_shard_id, parse_stream_arn};
use sluice_core::kinesis::{Kinesis, KinesisContext, KinesisResult};

use super::charts::{self, number_text, Series, Spec};
use super::history::{
    ShardKey, ShardPoint, WriteRates, RATE_WINDOW_MS, SAMPLE_PERIOD_MS, WINDOW_MS,
};
use super::html::{definition_table, notice, Html};
use super::{escape, json, sampler, segment, starting, timestamp, Console};
use crate::admin::AdminState;

/// The most streams the list shows.
const LIST_MAX: i64 = 100;
/// How many of each shard's most recent records the tail shows.
const TAIL_RECORDS: usize = 10;
/// How many GetRecords calls the tail makes per shard to reach its end.
const TAIL_READS: usize = 10;

fn stream_path(arn: &str) -> String {
    format!("/console/streams/{}", segment(arn))
}

const RECORDS_CHART: Spec = Spec {
    id: "records-chart",
    title: "Records written per second over the last hour",
    unit: "records per second, all shards",
    series: &[Series {
        field: "records",
        label: "Records",
    }],
};

const BYTES_CHART: Spec = Spec {
    id: "bytes-chart",
    title: "Bytes written per second over the last hour",
    unit: "bytes per second, all shards",
    series: &[Series {
        field: "bytes",
        label: "Bytes",
    }],
};

/// The stream's shards with counters, at `now`.
fn shard_points(console: &Console, arn: &str, now: u64) -> Vec<(ShardKey, ShardPoint)> {
    match parse_stream_arn(arn) {
        Ok(stream) => sampler::shard_points(&console.kinesis, Some(&stream), now),
        Err(_) => Vec::new(),
    }
}

/// A shard's write rates over the last minute (none when it has had no writes).
fn shard_rates(console: &Console, points: &[(ShardKey, ShardPoint)], shard_id: &str) -> WriteRates {
    let index = parse_shard_id(shard_id);
    points
        .iter()
        .find(|((_, i), _)| Some(*i) == index)
        .map(|(key, point)| console.history().shard_rates(key, *point))
        .unwrap_or_default()
}

fn chart_rows(rows: &[WriteRates], records: bool) -> Vec<charts::Row> {
    rows.iter()
        .map(|r| (r.at_ms, vec![if records { r.records } else { r.bytes }]))
        .collect()
}

/// The region and account of `arn:aws:kinesis:REGION:ACCOUNT:stream/NAME`.
fn context_of(arn: &str) -> Option<KinesisContext> {
    let mut parts = arn.splitn(6, ':');
    let (arn_lit, _partition, service) = (parts.next()?, parts.next()?, parts.next()?);
    let (region, account, resource) = (parts.next()?, parts.next()?, parts.next()?);
    if arn_lit != "arn" || service != "kinesis" || !resource.starts_with("stream/") {
        return None;
    }
    Some(KinesisContext::open(region, account))
}

pub async fn list(State(state): State<Arc<AdminState>>, uri: Uri) -> Response {
    let Some(console) = state.console() else {
        return starting();
    };
    let mut body = notice(super::notice(&uri).as_deref());
    match all_streams(&console.kinesis).await {
        Ok((streams, _)) if streams.is_empty() => body.push_str("<p>There are no streams yet.</p>"),
        Ok((streams, more)) => {
            let mut rows = String::new();
            for (region, account, s) in &streams {
                let _ = write!(
                    rows,
                    r#"<tr><th scope="row"><a href="{path}">{name}</a></th><td>{region}</td><td>{account}</td><td>{status}</td><td>{mode}</td><td>{created}</td></tr>"#,
                    path = escape(&stream_path(&s.stream_arn)),
                    name = escape(&s.stream_name),
                    region = escape(region),
                    account = escape(account),
                    status = escape(&s.stream_status),
                    mode = escape(&s.stream_mode_details.stream_mode),
                    created = escape(&timestamp(s.stream_creation_timestamp_ms)),
                );
            }
            let more = if more {
                format!(" (the first {LIST_MAX})")
            } else {
                String::new()
            };
            let _ = write!(
                body,
                r#"<table class="list"><caption>{n} stream{s}{more}</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Region</th><th scope="col">Account</th><th scope="col">Status</th><th scope="col">Capacity mode</th><th scope="col">Created</th></tr></thead>
<tbody>{rows}</tbody></table>"#,
                n = streams.len(),
                s = if streams.len() == 1 { "" } else { "s" },
            );
        }
        Err(e) => {
            let _ = write!(
                body,
                r#"<p class="notice error" role="alert">The streams could not be listed: {}</p>"#,
                escape(&e.message)
            );
        }
    }
    Html::page("Streams", "streams", &body).into_response()
}

/// Every region and account's streams (region, account, summary), up to `LIST_MAX` in
/// all, and whether there were more.
async fn all_streams(
    kinesis: &Kinesis,
) -> KinesisResult<(Vec<(String, String, StreamSummary)>, bool)> {
    let mut streams = Vec::new();
    let mut more = false;
    for (region, account) in kinesis.stream_accounts().await? {
        let left = LIST_MAX - streams.len() as i64;
        if left <= 0 {
            more = true;
            break;
        }
        let input = ListStreamsInput {
            limit: Some(left),
            ..ListStreamsInput::default()
        };
        let out = kinesis
            .list_streams(&KinesisContext::open(&region, &account), input)
            .await?;
        more |= out.has_more_streams;
        streams.extend(
            out.stream_summaries
                .into_iter()
                .map(|s| (region.clone(), account.clone(), s)),
        );
    }
    Ok((streams, more))
}

fn not_found(arn: &str) -> Response {
    (
        StatusCode::NOT_FOUND,
        Html::page(
            "No such stream",
            "streams",
            &format!(
                r#"<p>There is no stream <code>{}</code>.</p><p><a href="/console/streams">All streams</a></p>"#,
                escape(arn)
            ),
        ),
    )
        .into_response()
}

/// Every shard of the stream, open or closed.
async fn shards(console: &Console, ctx: &KinesisContext, arn: &str) -> Vec<Shard> {
    let mut all = Vec::new();
    let mut input = ListShardsInput {
        stream_arn: Some(arn.to_owned()),
        ..ListShardsInput::default()
    };
    loop {
        let Ok(out) = console.kinesis.list_shards(ctx, input).await else {
            break;
        };
        all.extend(out.shards);
        match out.next_token {
            Some(token) => {
                input = ListShardsInput {
                    next_token: Some(token),
                    ..ListShardsInput::default()
                }
            }
            None => break,
        }
    }
    all
}

/// The last [`TAIL_RECORDS`] records of a shard within [`TAIL_READS`] reads from its
/// oldest, and whether the reads reached its end.
async fn tail(
    console: &Console,
    ctx: &KinesisContext,
    arn: &str,
    shard: &str,
) -> (Vec<Record>, bool) {
    let input = GetShardIteratorInput {
        stream_arn: Some(arn.to_owned()),
        shard_id: Some(shard.to_owned()),
        shard_iterator_type: Some("TRIM_HORIZON".to_owned()),
        ..GetShardIteratorInput::default()
    };
    let Ok(out) = console.kinesis.get_shard_iterator(ctx, input).await else {
        return (Vec::new(), false);
    };
    let mut iterator = Some(out.shard_iterator);
    let mut kept: Vec<Record> = Vec::new();
    for _ in 0..TAIL_READS {
        let Some(it) = iterator.take() else {
            return (kept, true);
        };
        let input = GetRecordsInput {
            shard_iterator: Some(it),
            limit: Some(1_000),
            stream_arn: Some(arn.to_owned()),
        };
        let Ok(out) = console.kinesis.get_records(ctx, input).await else {
            return (kept, false);
        };
        let caught_up = out.millis_behind_latest == 0;
        let empty = out.records.is_empty();
        kept.extend(out.records);
        if kept.len() > TAIL_RECORDS {
            kept.drain(..kept.len() - TAIL_RECORDS);
        }
        iterator = out.next_shard_iterator;
        if caught_up || empty {
            return (kept, true);
        }
    }
    (kept, iterator.is_none())
}

/// A record's data as text when it is UTF-8, else base64.
fn data_cell(data: &[u8]) -> String {
    match std::str::from_utf8(data) {
        Ok(text) => format!(r#"<pre class="body">{}</pre>"#, escape(text)),
        Err(_) => format!(
            r#"<span class="binary">base64</span> <code>{}</code>"#,
            escape(&base64::engine::general_purpose::STANDARD.encode(data))
        ),
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
    let Some(ctx) = context_of(&arn) else {
        return not_found(&arn);
    };
    let summary = match console
        .kinesis
        .describe_stream_summary(
            &ctx,
            StreamInput {
                stream_name: None,
                stream_arn: Some(arn.clone()),
            },
        )
        .await
    {
        Ok(out) => out.stream_description_summary,
        Err(_) => return not_found(&arn),
    };
    let mut body = notice(super::notice(&uri).as_deref());
    let _ = write!(
        body,
        r#"<p class="arn">ARN <code>{}</code></p>"#,
        escape(&arn)
    );
    let facts = [
        ("Status", summary.stream_status.clone()),
        (
            "Capacity mode",
            summary.stream_mode_details.stream_mode.clone(),
        ),
        (
            "Retention (hours)",
            summary.retention_period_hours.to_string(),
        ),
        ("Open shards", summary.open_shard_count.to_string()),
        ("Consumers", summary.consumer_count.to_string()),
        ("Encryption", summary.encryption_type.clone()),
        ("Created", timestamp(summary.stream_creation_timestamp_ms)),
    ];
    body.push_str(&definition_table(
        "Summary",
        facts.iter().map(|(k, v)| (*k, v.as_str())),
        "",
    ));

    // Writes over the last hour, redrawn live from their JSON.
    let now = console.kinesis.now();
    let points = shard_points(&console, &arn, now);
    let history = console.history().stream_rows(&points);
    let _ = write!(
        body,
        r#"<section aria-labelledby="writes-h" data-history="{path}/history.json"><h2 id="writes-h">Writes</h2>
<p>All shards together: a sample every {period} s over the last hour, and one now; rates are per second since the sample before. The charts follow along with JavaScript, or on reload.</p>
{records}{bytes}</section>"#,
        path = escape(&stream_path(&arn)),
        period = SAMPLE_PERIOD_MS / 1_000,
        records = charts::render(&RECORDS_CHART, &chart_rows(&history, true), now, WINDOW_MS),
        bytes = charts::render(&BYTES_CHART, &chart_rows(&history, false), now, WINDOW_MS),
    );

    // Shards, their write rates and their lineage.
    let shards = shards(&console, &ctx, &arn).await;
    let mut rows = String::new();
    for s in &shards {
        let open = s.sequence_number_range.ending_sequence_number.is_none();
        let rates = shard_rates(&console, &points, &s.shard_id);
        let link = |id: &Option<String>| match id {
            Some(id) => format!(r##"<a href="#shard-{0}"><code>{0}</code></a>"##, escape(id)),
            None => "none".to_owned(),
        };
        let _ = write!(
            rows,
            r#"<tr id="shard-{id}"><th scope="row"><code>{id}</code></th><td>{state}</td><td data-field="records_rate">{records}</td><td data-field="bytes_rate">{bytes}</td><td>{parent}</td><td>{adjacent}</td><td><code>{start}</code> to <code>{end}</code></td></tr>"#,
            id = escape(&s.shard_id),
            state = if open { "open" } else { "closed" },
            records = number_text(rates.records),
            bytes = number_text(rates.bytes),
            parent = link(&s.parent_shard_id),
            adjacent = link(&s.adjacent_parent_shard_id),
            start = escape(&s.hash_key_range.starting_hash_key),
            end = escape(&s.hash_key_range.ending_hash_key),
        );
    }
    let _ = write!(
        body,
        r#"<section aria-labelledby="shards-h"><h2 id="shards-h">Shards</h2>
<table class="list" data-live-shards><caption>{n} shard{s}, with their writes per second over the last minute and the shards they were split or merged from</caption>
<thead><tr><th scope="col">Shard</th><th scope="col">State</th><th scope="col">Records/s</th><th scope="col">Bytes/s</th><th scope="col">Parent</th><th scope="col">Adjacent parent</th><th scope="col">Hash keys</th></tr></thead>
<tbody>{rows}</tbody></table></section>"#,
        n = shards.len(),
        s = if shards.len() == 1 { "" } else { "s" },
    );

    // Consumers.
    let consumers = console
        .kinesis
        .list_stream_consumers(
            &ctx,
            ListStreamConsumersInput {
                stream_arn: Some(arn.clone()),
                ..ListStreamConsumersInput::default()
            },
        )
        .await
        .map(|out| out.consumers)
        .unwrap_or_default();
    body.push_str(r#"<section aria-labelledby="consumers-h"><h2 id="consumers-h">Consumers</h2>"#);
    if consumers.is_empty() {
        body.push_str("<p>No registered consumers.</p>");
    } else {
        let mut rows = String::new();
        for c in &consumers {
            let _ = write!(
                rows,
                r#"<tr><th scope="row">{name}</th><td>{status}</td><td>{created}</td><td><code>{arn}</code></td></tr>"#,
                name = escape(&c.consumer_name),
                status = escape(&c.consumer_status),
                created = escape(&timestamp(c.consumer_creation_timestamp_ms)),
                arn = escape(&c.consumer_arn),
            );
        }
        let _ = write!(
            body,
            r#"<table class="list"><caption>Registered consumers</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Status</th><th scope="col">Registered</th><th scope="col">ARN</th></tr></thead>
<tbody>{rows}</tbody></table>"#
        );
    }
    body.push_str("</section>");

    // The tail of each shard.
    let _ = write!(
        body,
        r#"<section aria-labelledby="tail-h"><h2 id="tail-h">Recent records</h2>
<p>The last {TAIL_RECORDS} records of each shard, read from its oldest. <a href="{path}#tail-h">Refresh</a></p>"#,
        path = escape(&stream_path(&arn)),
    );
    for s in &shards {
        let (records, complete) = tail(&console, &ctx, &arn, &s.shard_id).await;
        let _ = write!(
            body,
            r#"<h3>Shard <code>{}</code></h3>"#,
            escape(&s.shard_id)
        );
        if !complete {
            body.push_str("<p>(The shard holds more than the console reads at once: these may not be its latest records.)</p>");
        }
        if records.is_empty() {
            body.push_str("<p>No records.</p>");
            continue;
        }
        let mut rows = String::new();
        for r in &records {
            let _ = write!(
                rows,
                r#"<tr><td><code>{seq}</code></td><td>{arrived}</td><td>{key}</td><td>{data}</td></tr>"#,
                seq = escape(&r.sequence_number),
                arrived = escape(&timestamp(r.approximate_arrival_timestamp_ms)),
                key = escape(&r.partition_key),
                data = data_cell(&r.data),
            );
        }
        let _ = write!(
            body,
            r#"<table class="list records"><caption>Records of shard {id}, oldest first</caption>
<thead><tr><th scope="col">Sequence number</th><th scope="col">Arrived</th><th scope="col">Partition key</th><th scope="col">Data</th></tr></thead>
<tbody>{rows}</tbody></table>"#,
            id = escape(&s.shard_id),
        );
    }
    body.push_str("</section>");
    Html::page(&format!("Stream {}", summary.stream_name), "streams", &body).into_response()
}

#[derive(serde::Serialize)]
struct ShardRates {
    shard_id: String,
    /// Per second over the last minute, as the shard table shows them.
    records_rate: String,
    bytes_rate: String,
}

/// The stream's writes over the last hour (chart rows, oldest first, the last one now),
/// each written shard's rates over the last minute, and each chart's summary.
pub async fn history_json(
    State(state): State<Arc<AdminState>>,
    Path(arn): Path<String>,
) -> Response {
    let Some(console) = state.console() else {
        return starting();
    };
    if parse_stream_arn(&arn).is_err() {
        return not_found(&arn);
    }
    let now = console.kinesis.now();
    let points = shard_points(&console, &arn, now);
    let rows = console.history().stream_rows(&points);
    let shards: Vec<ShardRates> = points
        .iter()
        .map(|(key, point)| {
            let rates = console.history().shard_rates(key, *point);
            ShardRates {
                shard_id: sluice_core::kinesis::names::shard_id(key.1),
                records_rate: number_text(rates.records),
                bytes_rate: number_text(rates.bytes),
            }
        })
        .collect();
    let summaries = serde_json::json!({
        RECORDS_CHART.id: charts::summary(&RECORDS_CHART, &chart_rows(&rows, true)),
        BYTES_CHART.id: charts::summary(&BYTES_CHART, &chart_rows(&rows, false)),
    });
    json(&serde_json::json!({
        "now_ms": now,
        "window_ms": WINDOW_MS,
        "rate_window_ms": RATE_WINDOW_MS,
        "rows": rows,
        "shards": shards,
        "summaries": summaries,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_arns_give_their_region_and_account() {
        let ctx = context_of("arn:aws:kinesis:eu-west-1:123456789012:stream/s").unwrap();
        assert_eq!(
            (ctx.region.as_str(), ctx.account_id.as_str()),
            ("eu-west-1", "123456789012")
        );
        assert!(context_of("arn:aws:sqs:eu-west-1:1:q").is_none());
        assert!(context_of("nonsense").is_none());
    }

    #[test]
    fn record_data_is_text_or_base64() {
        assert_eq!(data_cell(b"<hi>"), r#"<pre class="body">&lt;hi&gt;</pre>"#);
        assert!(data_cell(&[0xff, 0x00]).contains("<code>/wA=</code>"));
    }
}
