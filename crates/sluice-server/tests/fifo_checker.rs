//! A concurrency test of FIFO queues against the real `sluice` binary on the wall
//! clock, with a checker over everything the clients saw.
//!
//! Producers send to many message groups (each group is fed by one producer, in
//! order: message `i` of a group is sent only after message `i - 1` was acknowledged)
//! and re-send some messages with the same MessageDeduplicationId, alone or inside the
//! same batch. Consumers receive with a random MaxNumberOfMessages (1-10) and a random
//! VisibilityTimeout (1-2 s) and work through each batch in order: they delete each
//! message, but sometimes "crash" part-way (abandoning the rest to their visibility
//! timeout), sometimes stall past the timeout first, and stop at the first failed
//! delete, as a consumer that needs order must. The second test kills the server
//! with SIGKILL in the middle of the load and restarts it on the same data directory;
//! every client retries through the outage. Epoch 1 is the first process, epoch 2 the
//! restarted one. The kill lands a quarter second after the test decides on it, so
//! requests race it as they do on a loaded machine; what the first process may have
//! done is judged from the instant it was reaped.
//!
//! Every request is recorded with its start and end instants; the server acted at some
//! moment between the two, so each check below only reports what no correct server
//! could have produced:
//!
//! * Sends: every message is acknowledged eventually; all acknowledgements for one
//!   deduplication id name the same MessageId and SequenceNumber (duplicates were
//!   enqueued once, also across the restart); sequence numbers rise within a group.
//! * Nothing unexpected: every delivery is a sent message with its MessageId,
//!   SequenceNumber, MessageGroupId and MessageDeduplicationId.
//! * Order (per group): when a receive returns message `i`, every earlier message `j`
//!   of its group is either earlier in the same response or was deleted by a request
//!   that started before that response ended. In epoch 2 this is required of the
//!   earlier messages that epoch 2 delivered (those still in the queue after the
//!   restart); one it never delivered must have been deleted in epoch 1.
//!   Also, within an epoch, message `i`'s first successful delete never completes
//!   before message `j`'s first successful delete starts.
//! * Locking and visibility: within an epoch a message is never received again before
//!   the visibility timeout of its previous receive could have run out, and its
//!   ApproximateReceiveCount rises with every receive.
//! * No loss: every message is deleted successfully at least once (or, for a delete cut
//!   off by the kill, was never seen again), and the queue ends empty.
//! * No resurrection: within an epoch, no receive that starts after a successful
//!   delete returns that message. Across the kill, a delete acknowledged before the
//!   kill may come back only if no send started after the delete's acknowledgement and
//!   was acknowledged (such a send's commit makes every earlier journal record
//!   durable, so that delete must stay done).
//!
//! Beside the two load tests: a step-by-step restart test of the FIFO state (the
//! deduplication window, the sequence counter, group locks), and two tests that feed
//! the checker a bad history to show it fails.

mod common;

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use aws_sdk_sqs::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sqs::types::{
    Message, MessageSystemAttributeName as S, QueueAttributeName as A, SendMessageBatchRequestEntry,
};
use aws_sdk_sqs::Client;
use common::*;

const QUEUE: &str = "checked.fifo";
/// Whole-test bound: a hang fails the test instead of stalling the suite.
const HARD_LIMIT: Duration = Duration::from_secs(55);

/// How long the first process goes on serving after the test decides to kill it.
const KILL_LAG: Duration = Duration::from_millis(250);

/// The two tests each start a server and a swarm of clients; run them one at a time.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A `sluice` process on a loopback port over a data directory.
struct Sluice {
    child: Option<Child>,
    port: u16,
    log: PathBuf,
}

impl Sluice {
    fn start(data_dir: &Path, log_dir: &Path, run: &str) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("an ephemeral port")
            .port();
        let log = log_dir.join(format!("{run}.log"));
        let out = File::create(&log).expect("create log file");
        let err = out.try_clone().unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_sluice"));
        for (var, _) in std::env::vars() {
            if var.starts_with("SLUICE_") {
                command.env_remove(var);
            }
        }
        let child = command
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--admin-listen")
            .arg("127.0.0.1:0")
            .arg("--data-dir")
            .arg(data_dir)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            .spawn()
            .expect("spawn sluice");
        let mut server = Self {
            child: Some(child),
            port,
            log,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = server.child.as_mut().unwrap().try_wait().unwrap() {
                panic!("sluice exited early ({status}):\n{}", server.log_text());
            }
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return server;
            }
            assert!(
                Instant::now() < deadline,
                "sluice did not listen within 20 s:\n{}",
                server.log_text()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGKILL: no chance to flush anything. Returns the instant the process was
    /// reaped: a request sent from then on reaches no server, while one sent before may
    /// still have been served.
    fn kill_9(mut self) -> Instant {
        let mut child = self.child.take().unwrap();
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");
        Instant::now()
    }
}

impl Drop for Sluice {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// xorshift64*: small, seeded, reproducible.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn percent(&mut self, p: usize) -> bool {
        self.below(100) < p
    }
}

/// (group, index within the group).
type Key = (usize, usize);

fn group_name(g: usize) -> String {
    format!("group-{g:02}")
}

fn dedup_id(k: Key) -> String {
    format!("dedup-{}-{}", k.0, k.1)
}

fn body(k: Key) -> String {
    format!("{}:{}", k.0, k.1)
}

fn parse_body(body: &str) -> Option<Key> {
    let (g, i) = body.split_once(':')?;
    Some((g.parse().ok()?, i.parse().ok()?))
}

struct Sent {
    key: Key,
    message_id: String,
    sequence_number: String,
    start: Instant,
    epoch: u32,
}

struct Delivery {
    key: Key,
    message_id: String,
    sequence_number: String,
    response: usize,
    position: usize,
    start: Instant,
    end: Instant,
    epoch: u32,
    visibility_ms: u64,
    receive_count: u32,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum DeleteResult {
    Ok,
    /// Refused by the server (a stale receipt handle).
    Refused,
    /// No answer (the server was killed): it may or may not have been applied.
    Unknown,
}

struct Delete {
    key: Key,
    result: DeleteResult,
    start: Instant,
    end: Instant,
    epoch: u32,
}

#[derive(Default)]
struct Record {
    sent: Vec<Sent>,
    deliveries: Vec<Delivery>,
    deletes: Vec<Delete>,
    responses: usize,
    empty_responses: usize,
    crashes: usize,
    stalls: usize,
    transport_errors: usize,
    /// Sends that got no answer (the server was down) and were sent again.
    send_retries: usize,
    /// Anything no correct server answers with, found while the load runs.
    violations: Vec<String>,
}

/// Where the server currently is.
#[derive(Clone)]
struct Conn {
    epoch: u32,
    client: Client,
    url: String,
}

struct Shared {
    conn: RwLock<Conn>,
    record: Mutex<Record>,
    stop: AtomicBool,
    acknowledged: AtomicUsize,
}

impl Shared {
    fn conn(&self) -> Conn {
        self.conn.read().unwrap().clone()
    }

    fn violation(&self, what: String) {
        self.record.lock().unwrap().violations.push(what);
    }
}

/// A failure with a service response is an answer; anything else (connection refused
/// or reset while the server is down) is an outage to ride out.
fn is_answer<E, R>(e: &SdkError<E, R>) -> bool {
    matches!(e, SdkError::ServiceError(_))
}

struct Load {
    producers: usize,
    groups: usize,
    per_group: usize,
    consumers: usize,
    seed: u64,
}

impl Load {
    fn total(&self) -> usize {
        self.groups * self.per_group
    }
}

/// Sends `keys` (consecutive messages of one group, in order) until acknowledged, as
/// one SendMessage or one SendMessageBatch; `duplicate` repeats the last entry inside
/// the batch. Returns once every entry is acknowledged.
async fn send_until_acked(shared: &Shared, keys: &[Key], duplicate: bool) {
    loop {
        let conn = shared.conn();
        let start = Instant::now();
        let acked: Option<Vec<(Key, String, Option<String>)>> = if keys.len() == 1 && !duplicate {
            let k = keys[0];
            match conn
                .client
                .send_message()
                .queue_url(&conn.url)
                .message_body(body(k))
                .message_group_id(group_name(k.0))
                .message_deduplication_id(dedup_id(k))
                .send()
                .await
            {
                Ok(out) => Some(vec![(
                    k,
                    out.message_id().unwrap_or_default().to_owned(),
                    out.sequence_number().map(str::to_owned),
                )]),
                Err(e) if is_answer(&e) => {
                    shared.violation(format!("send {k:?} refused: {:?}", e.code()));
                    return;
                }
                Err(_) => None,
            }
        } else {
            let mut entries: Vec<(String, Key)> = keys
                .iter()
                .enumerate()
                .map(|(n, k)| (format!("e{n}"), *k))
                .collect();
            if duplicate {
                entries.push(("dup".to_owned(), *keys.last().unwrap()));
            }
            let mut request = conn.client.send_message_batch().queue_url(&conn.url);
            for (id, k) in &entries {
                request = request.entries(
                    SendMessageBatchRequestEntry::builder()
                        .id(id)
                        .message_body(body(*k))
                        .message_group_id(group_name(k.0))
                        .message_deduplication_id(dedup_id(*k))
                        .build()
                        .unwrap(),
                );
            }
            match request.send().await {
                Ok(out) => {
                    if !out.failed().is_empty() {
                        shared.violation(format!("batch entries failed: {:?}", out.failed()));
                        return;
                    }
                    let by_id: HashMap<&str, Key> =
                        entries.iter().map(|(id, k)| (id.as_str(), *k)).collect();
                    let acked: Vec<_> = out
                        .successful()
                        .iter()
                        .map(|e| {
                            (
                                by_id[e.id()],
                                e.message_id().to_owned(),
                                e.sequence_number().map(str::to_owned),
                            )
                        })
                        .collect();
                    if acked.len() != entries.len() {
                        shared.violation(format!("batch answered {} entries", acked.len()));
                        return;
                    }
                    Some(acked)
                }
                Err(e) if is_answer(&e) => {
                    shared.violation(format!("batch refused: {:?}", e.code()));
                    return;
                }
                Err(_) => None,
            }
        };
        match acked {
            Some(acked) => {
                let mut record = shared.record.lock().unwrap();
                for (key, message_id, sequence_number) in acked {
                    let Some(sequence_number) = sequence_number else {
                        record
                            .violations
                            .push(format!("send {key:?}: no SequenceNumber"));
                        continue;
                    };
                    record.sent.push(Sent {
                        key,
                        message_id,
                        sequence_number,
                        start,
                        epoch: conn.epoch,
                    });
                }
                return;
            }
            None => {
                {
                    let mut record = shared.record.lock().unwrap();
                    record.transport_errors += 1;
                    record.send_retries += 1;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
}

async fn produce(shared: Arc<Shared>, load: Arc<Load>, producer: usize) {
    let mut rng = Rng::new(load.seed ^ ((producer as u64 + 1) * 7919));
    let groups: Vec<usize> = (0..load.groups)
        .filter(|g| g % load.producers == producer)
        .collect();
    let mut next: Vec<usize> = vec![0; groups.len()];
    loop {
        let open: Vec<usize> = (0..groups.len())
            .filter(|&n| next[n] < load.per_group)
            .collect();
        if open.is_empty() {
            return;
        }
        let n = open[rng.below(open.len())];
        let g = groups[n];
        let count = (1 + rng.below(4)).min(load.per_group - next[n]);
        let keys: Vec<Key> = (next[n]..next[n] + count).map(|i| (g, i)).collect();
        let duplicate = count > 1 && rng.percent(15);
        send_until_acked(&shared, &keys, duplicate).await;
        next[n] += count;
        shared.acknowledged.fetch_add(count, Ordering::SeqCst);
        // Sometimes send an earlier message of the group again: a duplicate within the
        // window, whether or not the original is still in the queue.
        if rng.percent(10) {
            let again = (g, rng.below(next[n]));
            send_until_acked(&shared, &[again], false).await;
        }
    }
}

async fn consume(shared: Arc<Shared>, seed: u64) {
    let mut rng = Rng::new(seed);
    while !shared.stop.load(Ordering::SeqCst) {
        let conn = shared.conn();
        let max = 1 + rng.below(10);
        let visibility_s = 1 + rng.below(2);
        let start = Instant::now();
        let result = conn
            .client
            .receive_message()
            .queue_url(&conn.url)
            .max_number_of_messages(max as i32)
            .visibility_timeout(visibility_s as i32)
            .wait_time_seconds(1)
            .message_system_attribute_names(S::All)
            .send()
            .await;
        let end = Instant::now();
        let messages: Vec<Message> = match result {
            Ok(out) => out.messages.unwrap_or_default(),
            Err(e) if is_answer(&e) => {
                shared.violation(format!("receive refused: {:?}", e.code()));
                return;
            }
            Err(_) => {
                shared.record.lock().unwrap().transport_errors += 1;
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        {
            let mut record = shared.record.lock().unwrap();
            let response = record.responses;
            record.responses += 1;
            if messages.is_empty() {
                record.empty_responses += 1;
            }
            if messages.len() > max {
                record
                    .violations
                    .push(format!("asked for {max}, got {}", messages.len()));
            }
            for (position, m) in messages.iter().enumerate() {
                let Some(key) = m.body().and_then(parse_body) else {
                    record
                        .violations
                        .push(format!("unexpected message {:?}", m.body()));
                    continue;
                };
                let attr = |name: S| system_attr(m, name);
                let expected = [
                    (S::MessageGroupId, Some(group_name(key.0))),
                    (S::MessageDeduplicationId, Some(dedup_id(key))),
                ];
                for (name, want) in expected {
                    if attr(name.clone()) != want {
                        record
                            .violations
                            .push(format!("{key:?}: {name:?} is {:?}", attr(name.clone())));
                    }
                }
                let receive_count = attr(S::ApproximateReceiveCount)
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(0);
                record.deliveries.push(Delivery {
                    key,
                    message_id: m.message_id().unwrap_or_default().to_owned(),
                    sequence_number: attr(S::SequenceNumber).unwrap_or_default(),
                    response,
                    position,
                    start,
                    end,
                    epoch: conn.epoch,
                    visibility_ms: visibility_s as u64 * 1000,
                    receive_count,
                });
            }
        }
        // Work through the batch in order; maybe crash part-way, maybe stall first.
        let stop_at = if !messages.is_empty() && rng.percent(10) {
            shared.record.lock().unwrap().crashes += 1;
            rng.below(messages.len().max(1))
        } else {
            messages.len()
        };
        if !messages.is_empty() && rng.percent(3) {
            shared.record.lock().unwrap().stalls += 1;
            tokio::time::sleep(Duration::from_millis(visibility_s as u64 * 1000 + 100)).await;
        }
        for m in &messages[..stop_at] {
            let Some(key) = m.body().and_then(parse_body) else {
                break;
            };
            let start = Instant::now();
            let result = conn
                .client
                .delete_message()
                .queue_url(&conn.url)
                .receipt_handle(m.receipt_handle().unwrap_or_default())
                .send()
                .await;
            let end = Instant::now();
            let result = match result {
                Ok(_) => DeleteResult::Ok,
                Err(e) if e.code() == Some("InvalidParameterValue") => DeleteResult::Refused,
                Err(e) if is_answer(&e) => {
                    shared.violation(format!("delete {key:?} refused: {:?}", e.code()));
                    DeleteResult::Refused
                }
                Err(_) => DeleteResult::Unknown,
            };
            shared.record.lock().unwrap().deletes.push(Delete {
                key,
                result,
                start,
                end,
                epoch: conn.epoch,
            });
            if result != DeleteResult::Ok {
                break;
            }
        }
    }
}

async fn queue_counts(conn: &Conn) -> Option<(u64, u64, u64)> {
    let out = conn
        .client
        .get_queue_attributes()
        .queue_url(&conn.url)
        .attribute_names(A::All)
        .send()
        .await
        .ok()?;
    let attrs = out.attributes()?;
    let n = |k: A| attrs.get(&k).and_then(|v| v.parse().ok());
    Some((
        n(A::ApproximateNumberOfMessages)?,
        n(A::ApproximateNumberOfMessagesNotVisible)?,
        n(A::ApproximateNumberOfMessagesDelayed)?,
    ))
}

async fn connect(server: &Sluice, epoch: u32) -> Conn {
    let client = sdk_client(&server.endpoint());
    let url = client
        .create_queue()
        .queue_name(QUEUE)
        .attributes(A::FifoQueue, "true")
        .attributes(A::VisibilityTimeout, "1")
        .send()
        .await
        .expect("create (or find) the queue")
        .queue_url()
        .unwrap()
        .to_owned();
    Conn { epoch, client, url }
}

/// What a run did, printed at the end (some fields are only read through `Debug`).
#[derive(Debug, Default)]
#[allow(dead_code)]
struct Figures {
    messages: usize,
    acknowledged_sends: usize,
    duplicate_sends: usize,
    receives: usize,
    empty_receives: usize,
    deliveries: usize,
    redeliveries: usize,
    crashes: usize,
    stalls: usize,
    refused_deletes: usize,
    unknown_deletes: usize,
    transport_errors: usize,
    send_retries: usize,
    kills: usize,
    /// Deletes acknowledged before the kill that no later send forced to disk.
    unforced_deletes: usize,
    resurrected: usize,
    elapsed_ms: u128,
}

async fn run(load: Load, kill: bool) -> Figures {
    let _serial = ONE_AT_A_TIME.lock().await;
    let began = Instant::now();
    let data = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let server = Sluice::start(data.path(), logs.path(), "first");
    let conn = connect(&server, 1).await;
    let load = Arc::new(load);
    let shared = Arc::new(Shared {
        conn: RwLock::new(conn),
        record: Mutex::new(Record::default()),
        stop: AtomicBool::new(false),
        acknowledged: AtomicUsize::new(0),
    });
    let outcome = tokio::time::timeout(HARD_LIMIT, async {
        let producers: Vec<_> = (0..load.producers)
            .map(|p| tokio::spawn(produce(shared.clone(), load.clone(), p)))
            .collect();
        let consumers: Vec<_> = (0..load.consumers)
            .map(|c| tokio::spawn(consume(shared.clone(), load.seed ^ (1000 + c as u64))))
            .collect();
        let mut server = server;
        let mut killed_at = None;
        if kill {
            while shared.acknowledged.load(Ordering::SeqCst) < load.total() / 2 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            let (data_dir, log_dir) = (data.path().to_owned(), logs.path().to_owned());
            // The kill lands a while after this point, as it does on a loaded machine
            // (the blocking thread starts late), and the first process serves the
            // clients, deletes included, until it is gone: the checker must take the
            // instant it was reaped, not this one.
            let (restarted, killed) = tokio::task::spawn_blocking(move || {
                std::thread::sleep(KILL_LAG);
                let killed = server.kill_9();
                (Sluice::start(&data_dir, &log_dir, "second"), killed)
            })
            .await
            .unwrap();
            server = restarted;
            killed_at = Some(killed);
            let conn = connect(&server, 2).await;
            *shared.conn.write().unwrap() = conn;
        }
        for p in producers {
            p.await.unwrap();
        }
        // Done when every message was deleted once and the queue is empty.
        loop {
            // Every send is acknowledged by now, so an empty queue means nothing more
            // can be delivered.
            if queue_counts(&shared.conn()).await == Some((0, 0, 0)) {
                break;
            }
            if !shared.record.lock().unwrap().violations.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        shared.stop.store(true, Ordering::SeqCst);
        for c in consumers {
            c.await.unwrap();
        }
        // Nothing is left behind: the queue answers empty.
        let conn = shared.conn();
        let left = conn
            .client
            .receive_message()
            .queue_url(&conn.url)
            .max_number_of_messages(10)
            .wait_time_seconds(0)
            .send()
            .await
            .expect("final receive");
        assert!(
            left.messages().is_empty(),
            "left in the queue: {:?}",
            left.messages()
        );
        (server, killed_at)
    })
    .await;
    let (server, killed_at) = outcome.unwrap_or_else(|_| {
        let record = shared.record.lock().unwrap();
        panic!(
            "the load did not finish within {HARD_LIMIT:?}: {} acknowledged, {} deliveries, {} deletes, violations: {:?}",
            shared.acknowledged.load(Ordering::SeqCst),
            record.deliveries.len(),
            record.deletes.len(),
            record.violations.iter().take(10).collect::<Vec<_>>()
        )
    });
    drop(server);
    let record = std::mem::take(&mut *shared.record.lock().unwrap());
    let mut figures = check(&load, &record, killed_at);
    figures.kills = usize::from(killed_at.is_some());
    figures.elapsed_ms = began.elapsed().as_millis();
    println!("{figures:#?}");
    figures
}

/// Applies every check in the module documentation; panics listing the violations.
/// `killed_at` is when the first process was reaped, if it was killed.
fn check(load: &Load, record: &Record, killed_at: Option<Instant>) -> Figures {
    let mut violations: Vec<String> = record.violations.clone();
    let total = load.total();

    // Sends: one identity per deduplication id, rising sequence numbers per group.
    let mut identity: HashMap<Key, (&str, &str)> = HashMap::new();
    for s in &record.sent {
        let this = (s.message_id.as_str(), s.sequence_number.as_str());
        let first = *identity.entry(s.key).or_insert(this);
        if first != this {
            violations.push(format!(
                "{:?} acknowledged as {first:?} and as {this:?}",
                s.key
            ));
        }
        if s.sequence_number.len() != 20 || s.sequence_number.parse::<u128>().is_err() {
            violations.push(format!("SequenceNumber {:?}", s.sequence_number));
        }
    }
    for g in 0..load.groups {
        for i in 0..load.per_group {
            if !identity.contains_key(&(g, i)) {
                violations.push(format!("{:?} never acknowledged", (g, i)));
            }
        }
        for i in 1..load.per_group {
            if let (Some(a), Some(b)) = (identity.get(&(g, i - 1)), identity.get(&(g, i))) {
                if a.1.parse::<u128>().ok() >= b.1.parse::<u128>().ok() {
                    violations.push(format!(
                        "group {g}: SequenceNumber {} of {i} is not above {}",
                        b.1, a.1
                    ));
                }
            }
        }
    }

    // Index the deletes: per (epoch, key), the earliest start and earliest end of a
    // successful delete, and the earliest start of any delete that may have applied.
    let mut ok_start: HashMap<(u32, Key), Instant> = HashMap::new();
    let mut ok_end: HashMap<(u32, Key), Instant> = HashMap::new();
    let mut maybe_start: HashMap<(u32, Key), Instant> = HashMap::new();
    for d in &record.deletes {
        // An unanswered delete sent after the first process was gone reached no
        // server; one sent before may have been applied (its answer cut off), and
        // an answered one was, whenever it started.
        let after_kill = d.result == DeleteResult::Unknown
            && killed_at.is_some_and(|k| d.epoch == 1 && d.start > k);
        if d.result == DeleteResult::Refused || after_kill {
            continue;
        }
        let k = (d.epoch, d.key);
        let s = maybe_start.entry(k).or_insert(d.start);
        *s = (*s).min(d.start);
        if d.result == DeleteResult::Ok {
            let s = ok_start.entry(k).or_insert(d.start);
            *s = (*s).min(d.start);
            let e = ok_end.entry(k).or_insert(d.end);
            *e = (*e).min(d.end);
        }
    }
    let mut delivered_in: HashMap<(u32, Key), Vec<&Delivery>> = HashMap::new();
    for d in &record.deliveries {
        delivered_in.entry((d.epoch, d.key)).or_default().push(d);
    }
    let mut by_response: HashMap<usize, Vec<&Delivery>> = HashMap::new();
    for d in &record.deliveries {
        by_response.entry(d.response).or_default().push(d);
    }
    // The last acknowledged send of epoch 1 started here: deletes acknowledged before
    // it are durable.
    let last_epoch1_send = record
        .sent
        .iter()
        .filter(|s| s.epoch == 1)
        .map(|s| s.start)
        .max();

    for d in &record.deliveries {
        let (g, i) = d.key;
        if g >= load.groups || i >= load.per_group {
            violations.push(format!("unexpected message {:?}", d.key));
            continue;
        }
        // Nothing unexpected: the message is the one acknowledged under its key.
        let this = (d.message_id.as_str(), d.sequence_number.as_str());
        if identity.get(&d.key).is_some_and(|sent| *sent != this) {
            violations.push(format!(
                "{:?} delivered as {this:?}, acknowledged as {:?}",
                d.key, identity[&d.key]
            ));
        }
        // Order: every earlier message of the group was out of the way.
        for j in 0..i {
            let earlier = (g, j);
            let same_response = by_response[&d.response]
                .iter()
                .any(|o| o.key == earlier && o.position < d.position);
            if same_response {
                continue;
            }
            let required_here = d.epoch == 1 || delivered_in.contains_key(&(d.epoch, earlier));
            let ok = if required_here {
                maybe_start
                    .get(&(d.epoch, earlier))
                    .is_some_and(|t| *t < d.end)
            } else {
                maybe_start.contains_key(&(1, earlier))
            };
            if !ok {
                violations.push(format!(
                    "order: {:?} delivered (epoch {}) while {earlier:?} was not deleted",
                    d.key, d.epoch
                ));
                break;
            }
        }
        // No delivery after a delete that must have stuck.
        if ok_end.get(&(d.epoch, d.key)).is_some_and(|t| *t < d.start) {
            violations.push(format!(
                "{:?} delivered again after it was deleted (epoch {})",
                d.key, d.epoch
            ));
        }
        if d.epoch == 2 {
            let committed = ok_end
                .get(&(1, d.key))
                .zip(last_epoch1_send)
                .is_some_and(|(deleted, send)| *deleted < send);
            if committed {
                violations.push(format!(
                    "{:?}: a delete committed before the kill came back",
                    d.key
                ));
            }
        }
    }

    // Locking and visibility within an epoch: receives of one message follow each
    // other by at least the visibility timeout, with rising receive counts.
    for list in delivered_in.values() {
        for a in list {
            for b in list {
                if a.end < b.start && b.receive_count <= a.receive_count {
                    violations.push(format!(
                        "{:?}: ApproximateReceiveCount {} after {}",
                        a.key, b.receive_count, a.receive_count
                    ));
                }
                let slack = Duration::from_millis(5);
                if b.receive_count > a.receive_count
                    && b.end + slack < a.start + Duration::from_millis(a.visibility_ms)
                {
                    violations.push(format!(
                        "{:?} received again before its visibility timeout ran out",
                        a.key
                    ));
                }
            }
        }
    }

    // Deletes in order within a group and epoch.
    for epoch in [1, 2] {
        for g in 0..load.groups {
            for i in 1..load.per_group {
                let Some(end_i) = ok_end.get(&(epoch, (g, i))) else {
                    continue;
                };
                for j in 0..i {
                    if ok_start.get(&(epoch, (g, j))).is_some_and(|s| end_i < s) {
                        violations
                            .push(format!("group {g}: {i} deleted before {j} (epoch {epoch})"));
                    }
                }
            }
        }
    }

    // No loss: every message was deleted at least once (a delete cut off by the kill
    // counts if the message never came back).
    let mut resurrected = 0;
    for g in 0..load.groups {
        for i in 0..load.per_group {
            let k = (g, i);
            let deleted = ok_start.contains_key(&(1, k))
                || ok_start.contains_key(&(2, k))
                || (maybe_start.contains_key(&(1, k)) && !delivered_in.contains_key(&(2, k)));
            if !deleted {
                violations.push(format!("{k:?} lost: never deleted"));
            }
            if ok_start.contains_key(&(1, k)) && delivered_in.contains_key(&(2, k)) {
                resurrected += 1;
            }
        }
    }
    if killed_at.is_none() && record.deliveries.iter().any(|d| d.epoch != 1) {
        violations.push("deliveries from a second epoch without a kill".into());
    }

    if !violations.is_empty() {
        panic!(
            "{} violations, first ones:\n{}",
            violations.len(),
            violations
                .iter()
                .take(25)
                .cloned()
                .collect::<Vec<_>>()
                .join("\n")
        );
    }

    let mut seen: HashSet<Key> = HashSet::new();
    let redeliveries = record
        .deliveries
        .iter()
        .filter(|d| !seen.insert(d.key))
        .count();
    Figures {
        messages: total,
        acknowledged_sends: record.sent.len(),
        duplicate_sends: record.sent.len() - total,
        receives: record.responses,
        empty_receives: record.empty_responses,
        deliveries: record.deliveries.len(),
        redeliveries,
        crashes: record.crashes,
        stalls: record.stalls,
        refused_deletes: record
            .deletes
            .iter()
            .filter(|d| d.result == DeleteResult::Refused)
            .count(),
        unknown_deletes: record
            .deletes
            .iter()
            .filter(|d| d.result == DeleteResult::Unknown)
            .count(),
        transport_errors: record.transport_errors,
        send_retries: record.send_retries,
        kills: 0,
        unforced_deletes: match (killed_at, last_epoch1_send) {
            (Some(_), Some(send)) => record
                .deletes
                .iter()
                .filter(|d| d.epoch == 1 && d.result == DeleteResult::Ok && d.end > send)
                .count(),
            _ => 0,
        },
        resurrected,
        elapsed_ms: 0,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifo_order_dedup_and_no_loss_under_concurrent_load() {
    let figures = run(
        Load {
            producers: 4,
            groups: 40,
            per_group: 50,
            consumers: 8,
            seed: 0x5eed_f1f0,
        },
        false,
    )
    .await;
    assert_eq!(figures.messages, 2_000);
    // The load really exercised redelivery and deduplication.
    assert!(figures.redeliveries > 0, "{figures:?}");
    assert!(figures.duplicate_sends > 0, "{figures:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifo_invariants_hold_across_a_kill_9() {
    let figures = run(
        Load {
            producers: 4,
            groups: 40,
            per_group: 30,
            consumers: 8,
            seed: 0x0dd_c0ffee,
        },
        true,
    )
    .await;
    assert_eq!(figures.kills, 1);
    assert_eq!(figures.messages, 1_200);
}

/// The FIFO state a restart must bring back, step by step: the deduplication window
/// (also for a deleted message), the sequence counter, and the lock an in-flight
/// message holds on its group.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifo_state_survives_a_kill_9() {
    let _serial = ONE_AT_A_TIME.lock().await;
    let data = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let send = |conn: Conn, body: &'static str, group: &'static str| async move {
        let out = conn
            .client
            .send_message()
            .queue_url(&conn.url)
            .message_body(body)
            .message_group_id(group)
            .message_deduplication_id(body)
            .send()
            .await
            .expect("send");
        (
            out.message_id().unwrap().to_owned(),
            out.sequence_number().unwrap().to_owned(),
        )
    };
    let receive = |conn: Conn, max: i32| async move {
        conn.client
            .receive_message()
            .queue_url(&conn.url)
            .max_number_of_messages(max)
            .visibility_timeout(600)
            .send()
            .await
            .expect("receive")
            .messages
            .unwrap_or_default()
    };
    let delete = |conn: Conn, m: Message| async move {
        conn.client
            .delete_message()
            .queue_url(&conn.url)
            .receipt_handle(m.receipt_handle().unwrap())
            .send()
            .await
            .expect("delete");
    };
    let bodies = |ms: &[Message]| -> Vec<String> {
        ms.iter().map(|m| m.body().unwrap().to_owned()).collect()
    };

    within("the restart steps", async {
        let server = Sluice::start(data.path(), logs.path(), "first");
        let conn = connect(&server, 1).await;
        let a0 = send(conn.clone(), "a0", "a").await;
        send(conn.clone(), "a1", "a").await;
        let d0 = send(conn.clone(), "d0", "d").await;
        // a0 in flight for ten minutes; d0 received and deleted.
        let held = receive(conn.clone(), 1).await;
        assert_eq!(bodies(&held), ["a0"]);
        let got = receive(conn.clone(), 1).await;
        assert_eq!(bodies(&got), ["d0"]);
        delete(conn.clone(), got[0].clone()).await;
        // An acknowledged send commits the receives and the delete before it.
        let (_, last_seq) = send(conn.clone(), "b0", "b").await;
        tokio::task::spawn_blocking(move || server.kill_9())
            .await
            .unwrap();

        let server = Sluice::start(data.path(), logs.path(), "second");
        let conn = connect(&server, 2).await;
        // Duplicates are still duplicates, of a message in the queue or a deleted one.
        assert_eq!(send(conn.clone(), "a0", "a").await, a0);
        assert_eq!(send(conn.clone(), "d0", "d").await, d0);
        // The sequence counter goes on from where it was.
        let (_, seq) = send(conn.clone(), "c0", "c").await;
        assert!(seq > last_seq, "{seq} after {last_seq}");
        // a0 is still in flight, so group a is still locked: only b0 and c0 come.
        let got = receive(conn.clone(), 10).await;
        assert_eq!(bodies(&got), ["b0", "c0"]);
        assert!(receive(conn.clone(), 10).await.is_empty());
        // The receipt handle from before the kill still deletes a0, which releases a1.
        delete(conn.clone(), held[0].clone()).await;
        assert_eq!(bodies(&receive(conn.clone(), 10).await), ["a1"]);
        drop(server);
    })
    .await;
}

/// The checker itself must be able to fail: a record of a group served out of order.
#[test]
#[should_panic(expected = "order: (0, 1) delivered (epoch 1) while (0, 0) was not deleted")]
fn checker_catches_a_group_served_out_of_order() {
    let t = Instant::now();
    let at = |ms: u64| t + Duration::from_millis(ms);
    let load = Load {
        producers: 1,
        groups: 1,
        per_group: 2,
        consumers: 1,
        seed: 1,
    };
    let mut record = Record::default();
    for i in 0..2 {
        record.sent.push(Sent {
            key: (0, i),
            message_id: format!("id-{i}"),
            sequence_number: format!("{:020}", i + 1),
            start: at(0),
            epoch: 1,
        });
    }
    // Message 0 is received (and still in flight) when another receive returns 1.
    for (response, i, start) in [(0, 0, 10), (1, 1, 20)] {
        record.deliveries.push(Delivery {
            key: (0, i),
            message_id: format!("id-{i}"),
            sequence_number: format!("{:020}", i + 1),
            response,
            position: 0,
            start: at(start),
            end: at(start + 5),
            epoch: 1,
            visibility_ms: 1000,
            receive_count: 1,
        });
    }
    for (i, start) in [(0, 30), (1, 40)] {
        record.deletes.push(Delete {
            key: (0, i),
            result: DeleteResult::Ok,
            start: at(start),
            end: at(start + 5),
            epoch: 1,
        });
    }
    check(&load, &record, None);
}

/// ... and a record where an acknowledged message was never delivered.
#[test]
#[should_panic(expected = "(0, 0) lost: never deleted")]
fn checker_catches_a_lost_message() {
    let load = Load {
        producers: 1,
        groups: 1,
        per_group: 1,
        consumers: 1,
        seed: 1,
    };
    let mut record = Record::default();
    record.sent.push(Sent {
        key: (0, 0),
        message_id: "id".into(),
        sequence_number: format!("{:020}", 1),
        start: Instant::now(),
        epoch: 1,
    });
    check(&load, &record, None);
}
