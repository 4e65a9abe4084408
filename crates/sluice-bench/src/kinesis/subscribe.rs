//! `subscribe`: a consumer is registered on the stream and subscribes to every shard
//! (`SubscribeToShard`, LATEST), each subscription on its own connection; once every
//! subscription has answered its `initial-response`, producers `PutRecord` at the plan's
//! rate, each record's data starting with the time it was sent. Two latencies per
//! record: from the put's acknowledgement (its response read) to the arrival of the
//! event carrying it, matched by sequence number, and from the send time in its data
//! to that arrival.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::api;
use super::eventstream;
use super::{string_at, Caller, Stream, ACTIVE_POLL, ACTIVE_TIMEOUT};
use crate::client::Conn;
use crate::driver::{run_window, Target, Window};
use crate::sqs::now_nanos;
use crate::stats::{Op, Recorder};
use crate::worker::{stopped, Run};

/// The event that opens a subscription.
const INITIAL_RESPONSE: &str = "initial-response";
/// The event type of each batch of records.
const SUBSCRIBE_EVENT: &str = "SubscribeToShardEvent";
/// How long the subscriptions may take to answer their first event.
const READY_TIMEOUT: Duration = Duration::from_secs(30);
/// How long subscriptions keep reading after the stop, for the events of the last puts
/// (so they are not miscounted as undelivered).
const STOP_GRACE: Duration = Duration::from_millis(500);

/// Which side of a record was seen first.
enum Seen {
    /// The put's response, at this instant.
    Acked(Instant),
    /// The event.
    Arrived,
}

/// What the producers and the subscribers share: records seen by one side only.
#[derive(Default)]
struct Pending {
    by_sequence: Mutex<HashMap<String, Seen>>,
    /// Events that arrived before their put's response was read.
    before_ack: AtomicU64,
}

impl Pending {
    /// The put of `sequence` was acknowledged at `at`: records the latency if its
    /// event is already in.
    fn acked(&self, sequence: String, at: Instant, rec: &mut Recorder, measuring: bool) {
        let mut map = self.by_sequence.lock().expect("not poisoned");
        match map.remove(&sequence) {
            Some(Seen::Arrived) => {
                if measuring {
                    self.before_ack.fetch_add(1, Ordering::Relaxed);
                    rec.latency(Op::SubscribeToShard, Duration::ZERO);
                }
            }
            _ => {
                map.insert(sequence, Seen::Acked(at));
            }
        }
    }

    /// The event of `sequence` arrived at `at`.
    fn arrived(&self, sequence: &str, at: Instant, rec: &mut Recorder, measuring: bool) {
        let mut map = self.by_sequence.lock().expect("not poisoned");
        match map.remove(sequence) {
            Some(Seen::Acked(acked)) => {
                if measuring {
                    rec.latency(Op::SubscribeToShard, at.saturating_duration_since(acked));
                }
            }
            _ => {
                map.insert(sequence.to_owned(), Seen::Arrived);
            }
        }
    }

    /// Puts acknowledged whose event never came.
    fn undelivered(&self) -> usize {
        self.by_sequence
            .lock()
            .expect("not poisoned")
            .values()
            .filter(|s| matches!(s, Seen::Acked(_)))
            .count()
    }
}

/// Registers the consumer, subscribes every shard, runs the window, deregisters.
/// Answers the window and the notes on the subscriptions.
pub async fn run(
    run: &Arc<Run>,
    target: &Target<'_>,
    duration: Duration,
    drain: Duration,
    max_requests: u64,
    stream: &Arc<Stream>,
) -> Result<(Window, Vec<String>), String> {
    let mut admin = Conn::new(run.addr);
    let consumer = register(
        &mut admin,
        &stream.arn,
        &format!("{}-consumer", stream.name),
    )
    .await?;
    let result = subscribed(
        run,
        target,
        duration,
        drain,
        max_requests,
        stream,
        &consumer,
    )
    .await;
    if let Err(e) = api::call_json(
        &mut admin,
        "DeregisterStreamConsumer",
        &json!({ "ConsumerARN": consumer }),
    )
    .await
    {
        eprintln!("sluice-bench: {e}");
    }
    result
}

async fn subscribed(
    run: &Arc<Run>,
    target: &Target<'_>,
    duration: Duration,
    drain: Duration,
    max_requests: u64,
    stream: &Arc<Stream>,
    consumer: &str,
) -> Result<(Window, Vec<String>), String> {
    let pending = Arc::new(Pending::default());
    let (ready_tx, mut ready_rx) = mpsc::channel(stream.shards.len());
    let mut subscribers: Vec<JoinHandle<Recorder>> = stream
        .shards
        .iter()
        .map(|shard| {
            let body = json!({
                "ConsumerARN": consumer,
                "ShardId": shard,
                "StartingPosition": { "Type": "LATEST" },
            });
            tokio::spawn(subscriber(
                Arc::clone(run),
                Arc::clone(&pending),
                serde_json::to_vec(&body).expect("JSON values serialise"),
                ready_tx.clone(),
            ))
        })
        .collect();
    drop(ready_tx);
    let deadline = tokio::time::Instant::now() + READY_TIMEOUT;
    for _ in 0..stream.shards.len() {
        let ready = tokio::time::timeout_at(deadline, ready_rx.recv()).await;
        let failure = match ready {
            Ok(Some(Ok(()))) => continue,
            Ok(Some(Err(e))) => e,
            Ok(None) => "a subscriber stopped".to_owned(),
            Err(_) => format!("subscriptions not open after {READY_TIMEOUT:?}"),
        };
        run.request_stop();
        for s in &subscribers {
            s.abort();
        }
        return Err(failure);
    }
    let window = run_window(run, target, duration, drain, max_requests, || {
        for i in 0..run.plan.producers {
            subscribers.push(tokio::spawn(producer(
                Arc::clone(run),
                Arc::clone(stream),
                Arc::clone(&pending),
                i,
            )));
        }
        subscribers
    })
    .await;
    let mut notes = vec![format!(
        "SubscribeToShard: {} subscriptions (one per shard, LATEST) through one registered consumer; producers PutRecord paced to {} records/s in all.",
        stream.shards.len(),
        run.plan.rate.unwrap_or_default()
    )];
    notes.push(format!(
        "Put ack→event: from reading the PutRecord response to reading the event that carries the record; {} events arrived before their put's response was read (counted as 0 ms); {} acknowledged puts had no event by the end.",
        pending.before_ack.load(Ordering::Relaxed),
        pending.undelivered()
    ));
    Ok((window, notes))
}

/// Registers a stream consumer and waits until it is ACTIVE; answers its ARN.
async fn register(conn: &mut Conn, stream_arn: &str, name: &str) -> Result<String, String> {
    let v = api::call_json(
        conn,
        "RegisterStreamConsumer",
        &json!({ "StreamARN": stream_arn, "ConsumerName": name }),
    )
    .await?;
    let arn = string_at(&v, &["Consumer", "ConsumerARN"])
        .ok_or("RegisterStreamConsumer: no ConsumerARN")?
        .to_owned();
    let deadline = Instant::now() + ACTIVE_TIMEOUT;
    loop {
        let v = api::call_json(
            conn,
            "DescribeStreamConsumer",
            &json!({ "ConsumerARN": arn }),
        )
        .await?;
        if string_at(&v, &["ConsumerDescription", "ConsumerStatus"]) == Some("ACTIVE") {
            return Ok(arn);
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "consumer {name} not ACTIVE after {ACTIVE_TIMEOUT:?}"
            ));
        }
        tokio::time::sleep(ACTIVE_POLL).await;
    }
}

/// One subscription: says when its `initial-response` is in, then reads events until
/// the stop, the end of the response, or an error.
async fn subscriber(
    run: Arc<Run>,
    pending: Arc<Pending>,
    body: Vec<u8>,
    ready: mpsc::Sender<Result<(), String>>,
) -> Recorder {
    let mut rec = Recorder::new();
    let opened = eventstream::open(run.addr, "SubscribeToShard", &body).await;
    let mut reader = match opened {
        Ok(r) => r,
        Err(e) => {
            let _ = ready.send(Err(e)).await;
            return rec;
        }
    };
    match reader.next().await {
        Ok(Some(m)) if m.header(":event-type") == Some(INITIAL_RESPONSE) => {
            let _ = ready.send(Ok(())).await;
        }
        other => {
            let what = match other {
                Ok(Some(m)) => format!("first event {:?}", m.headers),
                Ok(None) => "the response ended at once".to_owned(),
                Err(e) => e,
            };
            let _ = ready.send(Err(format!("SubscribeToShard: {what}"))).await;
            return rec;
        }
    }
    let mut stop = run.subscribe();
    let mut grace_ends = None;
    loop {
        let next = match grace_ends {
            None => tokio::select! {
                next = reader.next() => next,
                () = stopped(&mut stop) => {
                    grace_ends = Some(tokio::time::Instant::now() + STOP_GRACE);
                    continue;
                }
            },
            Some(end) => match tokio::time::timeout_at(end, reader.next()).await {
                Ok(next) => next,
                Err(_) => break,
            },
        };
        let arrived = Instant::now();
        let arrived_ns = now_nanos();
        let message = match next {
            Ok(Some(m)) => m,
            Ok(None) => {
                eprintln!("sluice-bench: a subscription ended");
                break;
            }
            Err(e) => {
                run.live.error(Op::SubscribeToShard, &e);
                break;
            }
        };
        if message.header(":message-type") != Some("event") {
            let code = message
                .header(":exception-type")
                .or(message.header(":error-code"))
                .unwrap_or("unknown message")
                .to_owned();
            run.live.error(Op::SubscribeToShard, &code);
            break;
        }
        if message.header(":event-type") != Some(SUBSCRIBE_EVENT) {
            continue;
        }
        let event: api::SubscribeEvent<'_> = match serde_json::from_slice(&message.payload) {
            Ok(e) => e,
            Err(_) => {
                run.live.error(Op::SubscribeToShard, "unparsable event");
                continue;
            }
        };
        let measuring = run.live.is_measuring();
        run.live
            .completed(Op::SubscribeToShard, event.records.len() as u64);
        for r in &event.records {
            if measuring {
                if let Some(sent) = api::data_timestamp(&r.data) {
                    rec.end_to_end(Duration::from_nanos(arrived_ns.saturating_sub(sent)));
                }
            }
            pending.arrived(&r.sequence_number, arrived, &mut rec, measuring);
        }
    }
    rec
}

/// Puts one record at a time, paced to its share of the plan's rate.
async fn producer(
    run: Arc<Run>,
    stream: Arc<Stream>,
    pending: Arc<Pending>,
    index: usize,
) -> Recorder {
    let mut c = Caller::new(Arc::clone(&run));
    let rate = run.plan.rate.unwrap_or(1.0) / run.plan.producers.max(1) as f64;
    let mut ticker = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
    // Late ticks are made up for, so the rate holds on a busy machine.
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut stop = run.subscribe();
    let mut key = (index as u64) << 40;
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            () = stopped(&mut stop) => break,
        }
        if !run.take_request() {
            break;
        }
        let data = api::timestamped_data(run.plan.size);
        api::put_record(&mut c.body, &stream.name_json, &data, key);
        key += 1;
        let measuring = run.live.is_measuring();
        let Some(resp) = c.call(Op::PutRecord).await else {
            continue;
        };
        let acked = Instant::now();
        let parsed = api::parse_put_record(resp.body);
        match parsed {
            Ok(sequence) => {
                run.live.completed(Op::PutRecord, 1);
                pending.acked(sequence, acked, &mut c.rec, measuring);
            }
            Err(_) => run.live.error(Op::PutRecord, "unparsable response"),
        }
    }
    c.rec
}
