//! Kinesis crash loop: writers put records on a provisioned stream (PutRecord and
//! PutRecords, a counter per partition key) while the test kills the `sluice` binary
//! with SIGKILL at random (seeded) moments and restarts it on the same data directory.
//! A write that got no answer is not retried (a retry would be a second record, as on
//! AWS): the writer goes on with the next counter and the unanswered one may or may not
//! be kept. After the last restart every shard is read from TRIM_HORIZON and the
//! checker requires:
//! - every acknowledged record exactly once, on the shard and at the sequence number
//!   it was acknowledged with;
//! - nothing never written, and no unanswered record more than once;
//! - each partition key's records in counter order;
//! - no shard's sequence numbers going backwards across a restart: every sequence
//!   number a process acknowledged is above those its predecessors acknowledged.
//!
//! `kinesis_crash_loop_short` runs in CI. The long run is ignored by default:
//!
//! ```text
//! SLUICE_KINESIS_KILLS=40 SLUICE_KINESIS_SEED=7 \
//!   cargo test --release -p sluice-server --test kinesis_crash_loop -- --ignored --nocapture
//! ```

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use aws_sdk_kinesis::config::timeout::TimeoutConfig;
use aws_sdk_kinesis::primitives::Blob;
use aws_sdk_kinesis::types::{PutRecordsRequestEntry, ShardIteratorType};
use aws_sdk_kinesis::Client;
use common::process::Sluice;

const STREAM: &str = "soak";
const SHARDS: i32 = 3;
/// Records per PutRecords request.
const BATCH: u64 = 8;

fn kinesis_client(endpoint: &str) -> Client {
    let config = common::kinesis::kinesis_config(endpoint)
        .timeout_config(
            TimeoutConfig::builder()
                .operation_timeout(Duration::from_secs(10))
                .build(),
        )
        .build();
    Client::from_conf(config)
}

struct Plan {
    kills: usize,
    /// Time between a process coming up and its kill, in ms.
    uptime_ms: (u64, u64),
    /// PutRecord writers and PutRecords writers (one partition key each).
    writers: usize,
    seed: u64,
    hard_limit: Duration,
}

/// An acknowledged record: which process answered, its shard and sequence number.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Ack {
    epoch: usize,
    shard: String,
    sequence: String,
}

/// What the writers were told.
#[derive(Debug, Default)]
struct History {
    /// "key:counter" → its acknowledgement.
    acked: HashMap<String, Ack>,
    /// Records whose write got no answer.
    unanswered: HashSet<String>,
}

/// A record read back: its body ("key:counter"), shard and sequence number, in the
/// order its shard served it.
#[derive(Debug, Clone)]
struct Got {
    body: String,
    shard: String,
    sequence: String,
}

#[derive(Debug, Default, PartialEq, Eq)]
struct Findings {
    lost: usize,
    duplicated: usize,
    unexpected: usize,
    out_of_order: usize,
    sequence_changed: usize,
    sequence_backwards: usize,
}

impl Findings {
    fn passed(&self) -> bool {
        *self == Findings::default()
    }
}

/// Decimal sequence numbers, compared as numbers.
fn seq_key(s: &str) -> (usize, &str) {
    (s.len(), s)
}

fn check(history: &History, got: &[Got]) -> Findings {
    let mut f = Findings::default();
    let mut seen = HashSet::new();
    // Partition key → the last counter read, per shard (keys stay on one shard: the
    // stream is not resharded).
    let mut last: HashMap<String, u64> = HashMap::new();
    let mut last_seq: HashMap<&str, &str> = HashMap::new();
    for g in got {
        if let Some(prev) = last_seq.insert(&g.shard, &g.sequence) {
            if seq_key(prev) >= seq_key(&g.sequence) {
                f.out_of_order += 1;
            }
        }
        if !seen.insert(g.body.as_str()) {
            f.duplicated += 1;
            continue;
        }
        let acked = history.acked.get(&g.body);
        match acked {
            Some(ack) if ack.shard != g.shard || ack.sequence != g.sequence => {
                f.sequence_changed += 1
            }
            Some(_) => {}
            None if history.unanswered.contains(&g.body) => {}
            None => {
                f.unexpected += 1;
                continue;
            }
        }
        let Some((key, counter)) = g
            .body
            .rsplit_once(':')
            .and_then(|(k, c)| Some((k, c.parse::<u64>().ok()?)))
        else {
            f.unexpected += 1;
            continue;
        };
        if let Some(prev) = last.insert(key.to_owned(), counter) {
            if prev >= counter {
                f.out_of_order += 1;
            }
        }
    }
    f.lost = history
        .acked
        .keys()
        .filter(|b| !seen.contains(b.as_str()))
        .count();
    // Per shard and epoch, the acknowledged sequence numbers' range: each epoch's lowest
    // must be above every earlier epoch's highest.
    let mut ranges: BTreeMap<(&str, usize), (&str, &str)> = BTreeMap::new();
    for ack in history.acked.values() {
        let r = ranges
            .entry((ack.shard.as_str(), ack.epoch))
            .or_insert((&ack.sequence, &ack.sequence));
        if seq_key(&ack.sequence) < seq_key(r.0) {
            r.0 = &ack.sequence;
        }
        if seq_key(&ack.sequence) > seq_key(r.1) {
            r.1 = &ack.sequence;
        }
    }
    let mut highest: HashMap<&str, &str> = HashMap::new();
    for ((shard, _), (lo, hi)) in &ranges {
        if let Some(h) = highest.get(shard) {
            if seq_key(lo) <= seq_key(h) {
                f.sequence_backwards += 1;
            }
        }
        let h = highest.entry(shard).or_insert(hi);
        if seq_key(hi) > seq_key(h) {
            *h = hi;
        }
    }
    f
}

#[test]
fn the_checker_finds_what_it_counts() {
    let ack = |epoch: usize, shard: &str, sequence: &str| Ack {
        epoch,
        shard: shard.into(),
        sequence: sequence.into(),
    };
    let got = |body: &str, shard: &str, sequence: &str| Got {
        body: body.into(),
        shard: shard.into(),
        sequence: sequence.into(),
    };
    let history = History {
        acked: [
            ("a:0".to_owned(), ack(0, "s0", "10")),
            ("a:1".to_owned(), ack(0, "s0", "11")),
            ("a:2".to_owned(), ack(1, "s0", "12")),
            ("b:0".to_owned(), ack(0, "s1", "50")),
            ("b:1".to_owned(), ack(1, "s1", "60")),
            ("c:0".to_owned(), ack(0, "s2", "70")),
        ]
        .into(),
        unanswered: ["a:3".to_owned()].into(),
    };
    let clean = vec![
        got("a:0", "s0", "10"),
        got("a:1", "s0", "11"),
        got("a:2", "s0", "12"),
        got("a:3", "s0", "13"),
        got("b:0", "s1", "50"),
        got("b:1", "s1", "60"),
        got("c:0", "s2", "70"),
    ];
    assert!(check(&history, &clean).passed());
    // Each fault alone.
    let mut lost = clean.clone();
    lost.remove(1);
    assert_eq!(
        check(&history, &lost),
        Findings {
            lost: 1,
            ..Default::default()
        }
    );
    let mut duplicated = clean.clone();
    duplicated.insert(4, got("a:0", "s0", "14"));
    assert_eq!(
        check(&history, &duplicated),
        Findings {
            duplicated: 1,
            ..Default::default()
        }
    );
    let mut unexpected = clean.clone();
    unexpected.push(got("z:0", "s2", "71"));
    assert_eq!(
        check(&history, &unexpected),
        Findings {
            unexpected: 1,
            ..Default::default()
        }
    );
    let mut reordered = clean.clone();
    reordered.swap(0, 1);
    assert_eq!(
        check(&history, &reordered).out_of_order,
        2,
        "the shard's sequence numbers and the key's counters both go back"
    );
    let mut changed = clean.clone();
    changed[5] = got("b:1", "s1", "61");
    assert_eq!(
        check(&history, &changed),
        Findings {
            sequence_changed: 1,
            ..Default::default()
        }
    );
    let mut backwards = History {
        acked: history.acked.clone(),
        unanswered: history.unanswered.clone(),
    };
    backwards.acked.insert("a:2".to_owned(), ack(1, "s0", "9"));
    let reread = vec![
        got("a:2", "s0", "9"),
        got("a:0", "s0", "10"),
        got("a:1", "s0", "11"),
        got("b:0", "s1", "50"),
        got("b:1", "s1", "60"),
        got("c:0", "s2", "70"),
    ];
    let f = check(&backwards, &reread);
    assert_eq!(f.sequence_backwards, 1, "{f:?}");
    assert_eq!(f.out_of_order, 1, "a:2 read before a:0: {f:?}");
}

struct Shared {
    /// The running process's epoch and a client for it.
    current: RwLock<(usize, Client)>,
    stop: AtomicBool,
    history: Mutex<History>,
}

impl Shared {
    fn current(&self) -> (usize, Client) {
        self.current.read().unwrap().clone()
    }
}

async fn put_record_writer(shared: Arc<Shared>, key: String) {
    let mut counter = 0u64;
    while !shared.stop.load(Ordering::SeqCst) {
        let body = format!("{key}:{counter}");
        let (epoch, k) = shared.current();
        let result = k
            .put_record()
            .stream_name(STREAM)
            .partition_key(&key)
            .data(Blob::new(body.clone().into_bytes()))
            .send()
            .await;
        let failed = result.is_err();
        {
            let mut history = shared.history.lock().unwrap();
            match result {
                Ok(r) => {
                    history.acked.insert(
                        body,
                        Ack {
                            epoch,
                            shard: r.shard_id().to_owned(),
                            sequence: r.sequence_number().to_owned(),
                        },
                    );
                }
                Err(_) => {
                    history.unanswered.insert(body);
                }
            }
        }
        if failed {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        counter += 1;
    }
}

async fn put_records_writer(shared: Arc<Shared>, key: String) {
    let mut counter = 0u64;
    while !shared.stop.load(Ordering::SeqCst) {
        let bodies: Vec<String> = (counter..counter + BATCH)
            .map(|c| format!("{key}:{c}"))
            .collect();
        let entries = bodies
            .iter()
            .map(|b| {
                PutRecordsRequestEntry::builder()
                    .partition_key(&key)
                    .data(Blob::new(b.clone().into_bytes()))
                    .build()
                    .unwrap()
            })
            .collect();
        let (epoch, k) = shared.current();
        let result = k
            .put_records()
            .stream_name(STREAM)
            .set_records(Some(entries))
            .send()
            .await;
        let failed = result.is_err();
        {
            let mut history = shared.history.lock().unwrap();
            match result {
                Ok(r) => {
                    for (body, entry) in bodies.into_iter().zip(r.records()) {
                        match (entry.shard_id(), entry.sequence_number()) {
                            (Some(shard), Some(sequence)) => {
                                history.acked.insert(
                                    body,
                                    Ack {
                                        epoch,
                                        shard: shard.to_owned(),
                                        sequence: sequence.to_owned(),
                                    },
                                );
                            }
                            // A record the answer says failed was not kept.
                            _ => {
                                history.unanswered.insert(body);
                            }
                        }
                    }
                }
                Err(_) => history.unanswered.extend(bodies),
            }
        }
        if failed {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        counter += BATCH;
    }
}

/// Every record of every shard, from TRIM_HORIZON to the end of what is written.
async fn read_everything(k: &Client) -> Vec<Got> {
    let shards = k
        .list_shards()
        .stream_name(STREAM)
        .send()
        .await
        .expect("list shards");
    let mut all = Vec::new();
    for shard in shards.shards() {
        let id = shard.shard_id();
        let mut iterator = k
            .get_shard_iterator()
            .stream_name(STREAM)
            .shard_id(id)
            .shard_iterator_type(ShardIteratorType::TrimHorizon)
            .send()
            .await
            .expect("iterator")
            .shard_iterator()
            .unwrap()
            .to_owned();
        loop {
            let out = k
                .get_records()
                .shard_iterator(&iterator)
                .send()
                .await
                .expect("get records");
            for r in out.records() {
                all.push(Got {
                    body: String::from_utf8(r.data().as_ref().to_vec()).unwrap(),
                    shard: id.to_owned(),
                    sequence: r.sequence_number().to_owned(),
                });
            }
            match out.next_shard_iterator() {
                Some(next)
                    if !out.records().is_empty() || out.millis_behind_latest() != Some(0) =>
                {
                    iterator = next.to_owned()
                }
                _ => break,
            }
        }
    }
    all
}

/// A small seeded generator for the kill times.
struct Rng(u64);

impl Rng {
    fn between(&mut self, lo: u64, hi: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        lo + self.0 % (hi - lo + 1)
    }
}

async fn run(plan: Plan) {
    let began = Instant::now();
    let data = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let mut server = Sluice::start(data.path(), logs.path(), "epoch-0");
    let k = kinesis_client(&server.endpoint());
    k.create_stream()
        .stream_name(STREAM)
        .shard_count(SHARDS)
        .send()
        .await
        .expect("create stream");

    let shared = Arc::new(Shared {
        current: RwLock::new((0, k)),
        stop: AtomicBool::new(false),
        history: Mutex::new(History::default()),
    });
    let mut tasks = Vec::new();
    for w in 0..plan.writers {
        tasks.push(tokio::spawn(put_record_writer(
            shared.clone(),
            format!("single-{w}"),
        )));
        tasks.push(tokio::spawn(put_records_writer(
            shared.clone(),
            format!("batch-{w}"),
        )));
    }
    let mut rng = Rng(plan.seed.max(1));
    for kill in 1..=plan.kills {
        let uptime = rng.between(plan.uptime_ms.0, plan.uptime_ms.1);
        tokio::time::sleep(Duration::from_millis(uptime)).await;
        let (dir, log_dir) = (data.path().to_owned(), logs.path().to_owned());
        server = tokio::task::spawn_blocking(move || {
            server.kill_9();
            Sluice::start(&dir, &log_dir, &format!("epoch-{kill}"))
        })
        .await
        .unwrap();
        *shared.current.write().unwrap() = (kill, kinesis_client(&server.endpoint()));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    shared.stop.store(true, Ordering::SeqCst);
    for t in tasks {
        t.await.unwrap();
    }

    let k = kinesis_client(&server.endpoint());
    let history = std::mem::take(&mut *shared.history.lock().unwrap());
    assert!(!history.acked.is_empty(), "nothing was acknowledged");
    let got = read_everything(&k).await;
    let findings = check(&history, &got);
    assert!(
        findings.passed(),
        "{findings:?}; last log:\n{}",
        server.log_text()
    );
    let kept_unanswered = got.len() - history.acked.len();
    println!(
        "Kinesis crash loop (seed {:#x}): {} kills, {:.1} s; {} records acknowledged, {} \
         unanswered ({} of them kept), on {} shards; none lost, duplicated, unexpected, out \
         of order, moved or with a sequence number going backwards",
        plan.seed,
        plan.kills,
        began.elapsed().as_secs_f64(),
        history.acked.len(),
        history.unanswered.len(),
        kept_unanswered,
        SHARDS,
    );
    assert!(
        began.elapsed() < plan.hard_limit,
        "took longer than {:?}",
        plan.hard_limit
    );
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kinesis_crash_loop_short() {
    run(Plan {
        kills: 3,
        uptime_ms: (300, 900),
        writers: 3,
        seed: 0x6b1,
        hard_limit: Duration::from_secs(120),
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "long soak: SLUICE_KINESIS_KILLS (40), SLUICE_KINESIS_SEED, SLUICE_KINESIS_WRITERS (6)"]
async fn kinesis_crash_loop_long() {
    run(Plan {
        kills: env_or("SLUICE_KINESIS_KILLS", 40),
        uptime_ms: (500, 3_000),
        writers: env_or("SLUICE_KINESIS_WRITERS", 6),
        seed: env_or("SLUICE_KINESIS_SEED", 7),
        hard_limit: Duration::from_secs(1_800),
    })
    .await;
}
