//! The state a run shares between its workers (queues, topic, plan, counters, request
//! budget, stop signal), and a worker: one connection issuing SQS or SNS calls and timing
//! them.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::client::{Conn, Response};
use crate::sns;
use crate::sqs::{self, FifoIds};
use crate::stats::{Live, Op, Recorder};

/// Time allowed for a request that does not long-poll.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Time allowed beyond a receive's wait time.
pub const RECEIVE_TIMEOUT_MARGIN: Duration = Duration::from_secs(10);
/// Pause after a failed request, so a failing endpoint is not hammered.
pub const ERROR_BACKOFF: Duration = Duration::from_millis(50);
/// An empty receive back sooner than this, with a wait time set, was not a long poll.
pub const EARLY_EMPTY_RECEIVE: Duration = Duration::from_millis(50);
/// Pause after such an early empty receive, so consumers never spin.
pub const EARLY_EMPTY_PAUSE: Duration = Duration::from_millis(50);
/// Messages a receive asks for (the SQS maximum).
pub const RECEIVE_MAX_MESSAGES: u32 = 10;

/// What the scenario's workers do.
#[derive(Debug, Clone)]
pub struct Plan {
    pub producers: usize,
    pub consumers: usize,
    /// Entries per send; 1 means `SendMessage`, more means `SendMessageBatch`.
    pub batch: usize,
    pub size: usize,
    /// FIFO: number of message groups; `None` on a standard queue.
    pub groups: Option<u64>,
    pub wait: Duration,
    /// Consumers drop a pending long poll at the stop rather than wait it out.
    pub cancel_on_stop: bool,
    /// Messages per second across all producers; `None`: as fast as they can.
    pub rate: Option<f64>,
    /// Producers hold back while this many messages are sent and not yet deleted;
    /// `None`: never.
    pub max_backlog: Option<u64>,
    /// SNS scenarios: queues subscribed to the topic (0: producers send to a queue).
    pub subscriptions: usize,
    /// SNS scenarios: messages carry the filter attribute and each subscription's filter
    /// policy accepts half its values.
    pub filtered: bool,
    /// Kinesis scenarios: shards of the stream (0 for the queue scenarios).
    pub shards: usize,
}

impl Plan {
    /// Queue copies one published message makes: every subscription, or half of them
    /// with the fan-out filters; 1 when producers send to the queue directly.
    pub fn deliveries_per_message(&self) -> u64 {
        match (self.subscriptions, self.filtered) {
            (0, _) => 1,
            (n, false) => n as u64,
            (n, true) => (n / 2) as u64,
        }
    }
}

/// Shared by every worker of a run.
pub struct Run {
    pub addr: SocketAddr,
    /// The queue URLs as JSON string literals (one, or one per subscription).
    pub queues_json: Vec<String>,
    /// SNS scenarios: the topic ARN, form-encoded.
    pub topic_form: Option<String>,
    pub plan: Plan,
    pub live: Live,
    /// Padding copied into every body.
    pad: Vec<u8>,
    /// Distinguishes this run's deduplication ids from earlier runs'.
    run_id: u64,
    seq: AtomicU64,
    budget: AtomicU64,
    stop: watch::Sender<bool>,
}

impl Run {
    /// A run over `queue_urls`, publishing to `topic_arn` when given.
    pub fn new(
        addr: SocketAddr,
        queue_urls: &[String],
        topic_arn: Option<&str>,
        plan: Plan,
        max_requests: u64,
    ) -> Self {
        Self {
            addr,
            queues_json: queue_urls.iter().map(|u| sqs::json_string(u)).collect(),
            topic_form: topic_arn.map(|arn| {
                let mut buf = Vec::new();
                sns::form_encode(&mut buf, arn);
                String::from_utf8(buf).expect("form encoding is ASCII")
            }),
            pad: vec![b'x'; plan.size],
            plan,
            live: Live::new(),
            run_id: sqs::now_nanos(),
            seq: AtomicU64::new(0),
            budget: AtomicU64::new(max_requests),
            stop: watch::channel(false).0,
        }
    }

    /// Takes one request from the budget; false (and the stop is signalled) when
    /// none is left.
    pub fn take_request(&self) -> bool {
        let taken = self
            .budget
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |b| b.checked_sub(1))
            .is_ok();
        if !taken {
            self.request_stop();
        }
        taken
    }

    pub fn request_stop(&self) {
        self.stop.send_replace(true);
    }

    pub fn subscribe(&self) -> watch::Receiver<bool> {
        self.stop.subscribe()
    }
}

/// Completes once the run is told to stop.
pub async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

/// Waits until the backlog is below the plan's cap; false if the run stopped first.
pub async fn wait_for_space(run: &Run, stop: &mut watch::Receiver<bool>) -> bool {
    let Some(cap) = run.plan.max_backlog else {
        return true;
    };
    loop {
        let space = run.live.space.notified();
        if run.live.backlog() < cap as i64 {
            return true;
        }
        tokio::select! {
            _ = space => {}
            _ = stopped(stop) => return false,
        }
    }
}

/// One connection's worth of load.
pub struct Worker {
    pub run: Arc<Run>,
    pub rec: Recorder,
    /// Index of the queue this worker sends to or receives from.
    queue: usize,
    conn: Conn,
    body: Vec<u8>,
    stop: watch::Receiver<bool>,
}

impl Worker {
    pub fn new(run: Arc<Run>) -> Self {
        Self::on_queue(run, 0)
    }

    /// A worker on queue `index` (modulo the run's queues).
    pub fn on_queue(run: Arc<Run>, index: usize) -> Self {
        Self {
            queue: index % run.queues_json.len().max(1),
            conn: Conn::new(run.addr),
            stop: run.subscribe(),
            run,
            rec: Recorder::new(),
            body: Vec::new(),
        }
    }

    pub fn stopping(&self) -> bool {
        *self.stop.borrow()
    }

    /// A handle on the stop signal, to wait on with [`stopped`] while the worker is busy.
    pub fn stop_signal(&self) -> watch::Receiver<bool> {
        self.stop.clone()
    }

    /// Sends `self.body` as `op`; the response if it was a 200. Failures are counted.
    async fn call(&mut self, op: Op, timeout: Duration) -> Option<Response<'_>> {
        let started = Instant::now();
        let outcome = if op.is_sns() {
            self.conn.call_sns(&self.body, timeout).await
        } else {
            self.conn.call(op.name(), &self.body, timeout).await
        };
        let failure = match outcome {
            Ok(resp) if resp.status == 200 => {
                let took = started.elapsed();
                self.rec.latency(op, took);
                // A long poll's wait is not a stall.
                if op != Op::ReceiveMessage {
                    self.run.live.observe(took);
                }
                return Some(resp);
            }
            Ok(resp) if op.is_sns() => sns::error_code(resp.status, resp.body),
            Ok(resp) => sqs::error_code(resp.status, resp.body),
            Err(e) => e.code(),
        };
        self.run.live.error(op, &failure);
        tokio::time::sleep(ERROR_BACKOFF).await;
        None
    }

    /// Sends `entries` messages: one `SendMessage`, or a `SendMessageBatch` (with a
    /// topic: one `Publish`, or a `PublishBatch`).
    pub async fn send(&mut self, entries: usize) {
        if self.run.topic_form.is_some() {
            return self.publish(entries).await;
        }
        let run = Arc::clone(&self.run);
        let plan = &run.plan;
        let ids: Vec<(String, String)> = match plan.groups {
            Some(groups) => (0..entries)
                .map(|_| {
                    let seq = run.seq.fetch_add(1, Ordering::Relaxed);
                    (
                        format!("g{}", seq % groups),
                        format!("{}-{seq}", run.run_id),
                    )
                })
                .collect(),
            None => Vec::new(),
        };
        let fifo: Vec<FifoIds<'_>> = ids
            .iter()
            .map(|(group, dedup)| FifoIds { group, dedup })
            .collect();
        let op = if plan.batch == 1 {
            sqs::send_message(
                &mut self.body,
                &run.queues_json[self.queue],
                plan.size,
                &run.pad,
                fifo.first(),
            );
            Op::SendMessage
        } else {
            sqs::send_message_batch(
                &mut self.body,
                &run.queues_json[self.queue],
                entries,
                plan.size,
                &run.pad,
                &fifo,
            );
            Op::SendMessageBatch
        };
        let Some(resp) = self.call(op, REQUEST_TIMEOUT).await else {
            return;
        };
        let failures = if op == Op::SendMessage {
            Ok(Vec::new())
        } else {
            sqs::parse_batch_failures(resp.body)
        };
        match failures {
            Ok(codes) => {
                for code in &codes {
                    run.live.error(op, code);
                }
                let sent = (entries - codes.len().min(entries)) as u64;
                run.live.sent(sent);
                run.live.completed(op, sent);
            }
            Err(_) => run.live.error(op, "unparsable response"),
        }
    }

    /// Publishes `entries` messages to the run's topic: one `Publish`, or a
    /// `PublishBatch`. With filters, message k carries the filter attribute's value k
    /// modulo the subscriptions, so values come round evenly.
    async fn publish(&mut self, entries: usize) {
        let run = Arc::clone(&self.run);
        let plan = &run.plan;
        let topic = run
            .topic_form
            .as_deref()
            .expect("publishing runs have a topic");
        let values: Vec<Option<String>> = (0..entries)
            .map(|_| {
                plan.filtered.then(|| {
                    let seq = run.seq.fetch_add(1, Ordering::Relaxed);
                    sns::filter_value(seq, plan.subscriptions as u64)
                })
            })
            .collect();
        let op = if plan.batch == 1 {
            sns::publish(
                &mut self.body,
                topic,
                plan.size,
                &run.pad,
                values[0].as_deref(),
            );
            Op::Publish
        } else {
            sns::publish_batch(&mut self.body, topic, plan.size, &run.pad, &values);
            Op::PublishBatch
        };
        let Some(resp) = self.call(op, REQUEST_TIMEOUT).await else {
            return;
        };
        let outcome = if op == Op::Publish {
            sns::element(resp.body, "MessageId")
                .map(|_| (1, Vec::new()))
                .ok_or_else(|| "no MessageId".to_owned())
        } else {
            sns::parse_batch(resp.body)
        };
        match outcome {
            Ok((published, failed)) => {
                for code in &failed {
                    run.live.error(op, code);
                }
                let published = published as u64;
                run.live.sent(published * plan.deliveries_per_message());
                run.live.completed(op, published);
            }
            Err(e) => run.live.error(op, &format!("unparsable response: {e}")),
        }
    }

    /// One `ReceiveMessage`; the receipt handles of what came back.
    pub async fn receive(&mut self) -> Vec<String> {
        let run = Arc::clone(&self.run);
        let wait = run.plan.wait;
        let queue = &run.queues_json[self.queue];
        sqs::receive_message(&mut self.body, queue, RECEIVE_MAX_MESSAGES, wait);
        let started = Instant::now();
        let Some(resp) = self
            .call(Op::ReceiveMessage, wait + RECEIVE_TIMEOUT_MARGIN)
            .await
        else {
            return Vec::new();
        };
        let received = match sqs::parse_receive(resp.body) {
            Ok(r) => r,
            Err(_) => {
                run.live.error(Op::ReceiveMessage, "unparsable response");
                return Vec::new();
            }
        };
        let now = sqs::now_nanos();
        for sent in &received.sent_at_nanos {
            self.rec
                .end_to_end(Duration::from_nanos(now.saturating_sub(*sent)));
        }
        let count = received.handles.len() as u64;
        run.live.completed(Op::ReceiveMessage, count);
        if count == 0 {
            run.live.empty_receives.fetch_add(1, Ordering::Relaxed);
            if !wait.is_zero() && started.elapsed() < EARLY_EMPTY_RECEIVE {
                run.live
                    .early_empty_receives
                    .fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(EARLY_EMPTY_PAUSE).await;
            }
        }
        received.handles
    }

    /// Deletes received messages with one `DeleteMessageBatch`.
    pub async fn delete(&mut self, handles: &[String]) {
        let run = Arc::clone(&self.run);
        sqs::delete_message_batch(&mut self.body, &run.queues_json[self.queue], handles);
        let Some(resp) = self.call(Op::DeleteMessageBatch, REQUEST_TIMEOUT).await else {
            return;
        };
        match sqs::parse_batch_failures(resp.body) {
            Ok(codes) => {
                for code in &codes {
                    run.live.error(Op::DeleteMessageBatch, code);
                }
                let deleted = (handles.len() - codes.len().min(handles.len())) as u64;
                run.live.deleted(deleted, run.plan.max_backlog);
                run.live.completed(Op::DeleteMessageBatch, deleted);
            }
            Err(_) => run
                .live
                .error(Op::DeleteMessageBatch, "unparsable response"),
        }
    }
}
