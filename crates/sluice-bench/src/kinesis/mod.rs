//! The Kinesis scenarios (AWS JSON 1.1): `put`, `get` and `subscribe`. Each measurement
//! makes a fresh stream (`sluice-bench-<scenario>-<pid>[-r<round><a|b>]`), waits until
//! it is ACTIVE, runs the scenario's workers in the shared measured window
//! ([`run_window`]: same counters, histograms, progress line and report as the queue
//! scenarios) and deletes the stream at the end.
//!
//! - `api.rs`: request bodies and the response fields read.
//! - `eventstream.rs`: a SubscribeToShard response read as it arrives.
//! - `subscribe.rs`: the `subscribe` scenario.

mod api;
mod eventstream;
mod subscribe;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::client::{Conn, Response};
use crate::driver::{self, run_window, Target, Window};
use crate::report::{self, Summary};
use crate::scenarios::{self, Scenario};
use crate::sqs::json_string;
use crate::stats::{Op, Recorder};
use crate::worker::{Plan, Run, ERROR_BACKOFF};
use crate::Cli;

use api::REQUEST_TIMEOUT;

/// Records `get` puts into its stream before the measured window unless `--fill` says.
pub const DEFAULT_FILL: u64 = 100_000;
/// Connections that fill the stream for `get`.
const FILL_CONNECTIONS: usize = 4;
/// How long a stream or consumer may take to become ACTIVE.
const ACTIVE_TIMEOUT: Duration = Duration::from_secs(60);
/// How often its status is read meanwhile.
const ACTIVE_POLL: Duration = Duration::from_millis(50);
/// Time the workers get, beyond a request's timeout, to finish after the stop.
const DRAIN_GRACE: Duration = Duration::from_secs(5);

/// The stream of one measurement.
pub struct Stream {
    pub name: String,
    /// The name as a JSON string literal.
    pub name_json: String,
    pub arn: String,
    pub shards: Vec<String>,
}

/// One measured window of a Kinesis scenario against one target.
pub async fn measure(
    cli: &Cli,
    target: &Target<'_>,
    duration: Duration,
    tag: &str,
) -> Result<Summary, String> {
    let name = format!(
        "sluice-bench-{}-{}{tag}",
        cli.scenario.name(),
        std::process::id()
    );
    let plan = scenarios::plan(cli.scenario, &driver::shape(cli));
    let mut admin = Conn::new(target.addr);
    let stream = Arc::new(create_stream(&mut admin, &name, plan.shards).await?);
    let result = run_scenario(cli, target, duration, &stream, plan).await;
    let deleted = api::call_json(
        &mut admin,
        "DeleteStream",
        &json!({ "StreamName": name, "EnforceConsumerDeletion": true }),
    )
    .await;
    if let Err(e) = deleted {
        eprintln!("sluice-bench: {e}");
    }
    result
}

async fn run_scenario(
    cli: &Cli,
    target: &Target<'_>,
    duration: Duration,
    stream: &Arc<Stream>,
    plan: Plan,
) -> Result<Summary, String> {
    let addr = target.addr;
    if cli.scenario == Scenario::Get {
        fill(addr, stream, cli.fill, plan.batch, plan.size).await?;
    }
    let run = Arc::new(Run::new(addr, &[], None, plan, cli.max_requests));
    eprintln!(
        "sluice-bench: {} against http://{addr} ({}) for {:.1} s: stream of {} shards, {} producers, {} consumers, {} B records{}",
        cli.scenario.name(),
        target.store,
        duration.as_secs_f64(),
        stream.shards.len(),
        run.plan.producers,
        run.plan.consumers,
        run.plan.size,
        if cli.scenario == Scenario::Put {
            format!(", {} per PutRecords", run.plan.batch)
        } else {
            String::new()
        }
    );
    let drain = REQUEST_TIMEOUT + DRAIN_GRACE;
    let mut extra_notes = Vec::new();
    let window = match cli.scenario {
        Scenario::Put => {
            run_window(&run, target, duration, drain, cli.max_requests, || {
                (0..run.plan.producers)
                    .map(|i| tokio::spawn(put_worker(Arc::clone(&run), Arc::clone(stream), i)))
                    .collect()
            })
            .await
        }
        Scenario::Get => {
            let exhausted = Arc::new(AtomicU64::new(0));
            let window = run_window(&run, target, duration, drain, cli.max_requests, || {
                (0..run.plan.consumers)
                    .map(|i| {
                        tokio::spawn(get_worker(
                            Arc::clone(&run),
                            Arc::clone(stream),
                            i,
                            Arc::clone(&exhausted),
                        ))
                    })
                    .collect()
            })
            .await;
            extra_notes.push(format!(
                "Stream filled with {} records of {} B before the window; shards read to their end {} times (each then read again from TRIM_HORIZON).",
                cli.fill,
                run.plan.size,
                exhausted.load(Ordering::Relaxed)
            ));
            window
        }
        _ => {
            let (window, notes) =
                subscribe::run(&run, target, duration, drain, cli.max_requests, stream).await?;
            extra_notes.extend(notes);
            window
        }
    };
    Ok(summary(cli, target, stream, &run, window, extra_notes))
}

fn summary(
    cli: &Cli,
    target: &Target<'_>,
    stream: &Stream,
    run: &Run,
    window: Window,
    extra_notes: Vec<String>,
) -> Summary {
    let mut rows = report::rows(&run.live, &window.rec, window.elapsed);
    for row in &mut rows {
        if row.operation == Op::SubscribeToShard.name() {
            row.operation = "SubscribeToShard events (put ack→event)".to_owned();
        } else if row.operation == "send→receive" {
            row.operation = "put sent→event".to_owned();
        }
    }
    Summary {
        scenario: cli.scenario.name(),
        store: target.store,
        endpoint: format!("http://{}", target.addr),
        queue: stream.name.clone(),
        plan: run.plan.clone(),
        client_threads: cli.client_threads,
        elapsed: window.elapsed,
        rows,
        errors: run.live.error_codes(),
        empty_receives: run.live.empty_receives.load(Ordering::Relaxed),
        early_empty_receives: 0,
        server: window.server,
        client_cpu: window.client_cpu,
        machine_cpu: window.machine_cpu,
        queue_depth: None,
        server_log: None,
        extra_notes,
    }
}

/// Reads a JSON string member at `path`.
fn string_at<'a>(v: &'a serde_json::Value, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(v, |v, k| v.get(k))?.as_str()
}

/// Creates the stream, waits until it is ACTIVE, and lists its shards.
async fn create_stream(conn: &mut Conn, name: &str, shards: usize) -> Result<Stream, String> {
    api::call_json(
        conn,
        "CreateStream",
        &json!({ "StreamName": name, "ShardCount": shards }),
    )
    .await?;
    let deadline = Instant::now() + ACTIVE_TIMEOUT;
    let arn = loop {
        let v = api::call_json(
            conn,
            "DescribeStreamSummary",
            &json!({ "StreamName": name }),
        )
        .await?;
        let summary = ["StreamDescriptionSummary"];
        if string_at(&v, &[summary[0], "StreamStatus"]) == Some("ACTIVE") {
            break string_at(&v, &[summary[0], "StreamARN"])
                .unwrap_or_default()
                .to_owned();
        }
        if Instant::now() >= deadline {
            return Err(format!("stream {name} not ACTIVE after {ACTIVE_TIMEOUT:?}"));
        }
        tokio::time::sleep(ACTIVE_POLL).await;
    };
    let mut ids = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let body = match &token {
            Some(t) => json!({ "NextToken": t }),
            None => json!({ "StreamName": name }),
        };
        let v = api::call_json(conn, "ListShards", &body).await?;
        for shard in v["Shards"].as_array().into_iter().flatten() {
            if let Some(id) = shard["ShardId"].as_str() {
                ids.push(id.to_owned());
            }
        }
        token = v["NextToken"].as_str().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    if ids.is_empty() {
        return Err(format!("stream {name} lists no shards"));
    }
    Ok(Stream {
        name: name.to_owned(),
        name_json: json_string(name),
        arn,
        shards: ids,
    })
}

/// Puts `records` records into the stream, outside any measured window.
async fn fill(
    addr: std::net::SocketAddr,
    stream: &Arc<Stream>,
    records: u64,
    batch: usize,
    size: usize,
) -> Result<(), String> {
    let started = Instant::now();
    let left = Arc::new(AtomicU64::new(records));
    let data = Arc::new(api::b64(&vec![b'x'; size]));
    let mut tasks = Vec::new();
    for i in 0..FILL_CONNECTIONS {
        let (stream, left, data) = (Arc::clone(stream), Arc::clone(&left), Arc::clone(&data));
        tasks.push(tokio::spawn(async move {
            let mut conn = Conn::new(addr);
            let mut body = Vec::new();
            let mut key = (i as u64) << 40;
            loop {
                let n = left.load(Ordering::Relaxed).min(batch as u64);
                if n == 0 {
                    return Ok(());
                }
                api::put_records(&mut body, &stream.name_json, &data, key, n as usize);
                key += n;
                let resp = conn
                    .call_kinesis("PutRecords", &body, REQUEST_TIMEOUT)
                    .await
                    .map_err(|e| format!("filling: PutRecords: {e}"))?;
                if resp.status != 200 {
                    return Err(format!(
                        "filling: PutRecords: {}",
                        api::error_code(resp.status, resp.body)
                    ));
                }
                let failed = api::parse_put_records(resp.body)
                    .map_err(|e| format!("filling: PutRecords: {e}"))?;
                let done = n - failed.len() as u64;
                // Failed records (throttled, say) are put again by the next call.
                let _ = left.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |l| {
                    Some(l.saturating_sub(done))
                });
                if !failed.is_empty() {
                    tokio::time::sleep(ERROR_BACKOFF).await;
                }
            }
        }));
    }
    for task in tasks {
        task.await.map_err(|e| format!("filling: {e}"))??;
    }
    eprintln!(
        "sluice-bench: filled {} with {records} records in {:.1} s",
        stream.name,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// One connection's Kinesis calls, timed and counted.
struct Caller {
    run: Arc<Run>,
    stop: tokio::sync::watch::Receiver<bool>,
    conn: Conn,
    body: Vec<u8>,
    rec: Recorder,
}

impl Caller {
    fn new(run: Arc<Run>) -> Self {
        Self {
            conn: Conn::new(run.addr),
            stop: run.subscribe(),
            run,
            body: Vec::new(),
            rec: Recorder::new(),
        }
    }

    fn stopping(&self) -> bool {
        *self.stop.borrow()
    }

    /// Sends `self.body` as `op`; the response if it was a 200. Failures are counted.
    async fn call(&mut self, op: Op) -> Option<Response<'_>> {
        let started = Instant::now();
        let failure = match self
            .conn
            .call_kinesis(op.name(), &self.body, REQUEST_TIMEOUT)
            .await
        {
            Ok(resp) if resp.status == 200 => {
                let took = started.elapsed();
                self.rec.latency(op, took);
                self.run.live.observe(took);
                return Some(resp);
            }
            Ok(resp) => api::error_code(resp.status, resp.body),
            Err(e) => e.code(),
        };
        self.run.live.error(op, &failure);
        tokio::time::sleep(ERROR_BACKOFF).await;
        None
    }
}

/// `put`: `PutRecords` of the plan's batch, flat out, each record with its own
/// partition key.
async fn put_worker(run: Arc<Run>, stream: Arc<Stream>, index: usize) -> Recorder {
    let mut c = Caller::new(Arc::clone(&run));
    let data = api::b64(&vec![b'x'; run.plan.size]);
    let batch = run.plan.batch;
    let mut key = (index as u64) << 40;
    while !c.stopping() && run.take_request() {
        api::put_records(&mut c.body, &stream.name_json, &data, key, batch);
        key += batch as u64;
        let Some(resp) = c.call(Op::PutRecords).await else {
            continue;
        };
        match api::parse_put_records(resp.body) {
            Ok(failed) => {
                for code in &failed {
                    run.live.error(Op::PutRecords, code);
                }
                run.live
                    .completed(Op::PutRecords, (batch - failed.len()) as u64);
            }
            Err(_) => run.live.error(Op::PutRecords, "unparsable response"),
        }
    }
    c.rec
}

/// `get`: reads shard after shard (starting at its own, so consumers spread), each from
/// TRIM_HORIZON to its end, following NextShardIterator.
async fn get_worker(
    run: Arc<Run>,
    stream: Arc<Stream>,
    index: usize,
    exhausted: Arc<AtomicU64>,
) -> Recorder {
    let mut c = Caller::new(Arc::clone(&run));
    let shards = &stream.shards;
    let mut shard = index % shards.len();
    let mut iterator: Option<String> = None;
    while !c.stopping() && run.take_request() {
        let Some(it) = iterator.take() else {
            api::get_shard_iterator(&mut c.body, &stream.name_json, &shards[shard]);
            if let Some(resp) = c.call(Op::GetShardIterator).await {
                match api::parse_shard_iterator(resp.body) {
                    Ok(Some(it)) => {
                        run.live.completed(Op::GetShardIterator, 0);
                        iterator = Some(it);
                    }
                    _ => run.live.error(Op::GetShardIterator, "no ShardIterator"),
                }
            }
            continue;
        };
        api::get_records(&mut c.body, &it);
        let Some(resp) = c.call(Op::GetRecords).await else {
            // An expired or refused iterator: start the shard again.
            continue;
        };
        let got = match api::parse_get_records(resp.body) {
            Ok(got) => got,
            Err(_) => {
                run.live.error(Op::GetRecords, "unparsable response");
                continue;
            }
        };
        run.live.completed(Op::GetRecords, got.records as u64);
        if got.records == 0 {
            run.live.empty_receives.fetch_add(1, Ordering::Relaxed);
        }
        // At the shard's end: nothing came, or less than asked with nothing behind.
        let at_end =
            got.records == 0 || (got.records < api::GET_RECORDS_LIMIT && got.behind_ms == Some(0));
        match got.next {
            Some(next) if !at_end => iterator = Some(next),
            _ => {
                exhausted.fetch_add(1, Ordering::Relaxed);
                shard = (shard + 1) % shards.len();
            }
        }
    }
    c.rec
}
