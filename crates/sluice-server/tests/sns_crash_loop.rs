//! SNS crash loop: publishers on a standard topic (three queue subscriptions) and on a
//! FIFO topic (two FIFO queues) while the test kills the `sluice` binary with SIGKILL
//! at random (seeded) intervals and restarts it on the same data directory. Standard
//! publishers send each message once; FIFO publishers retry an unanswered publish with
//! the same deduplication id until it is acknowledged, as FIFO clients do. After the
//! last restart every queue is drained and the checker requires, per queue:
//! - standard: every acknowledged MessageId exactly once, and no more unacknowledged
//!   ones than publishes that got no answer;
//! - FIFO: every acknowledged message exactly once (by its body, which is its
//!   deduplication id: a publish answered after a crash may carry a new MessageId when
//!   the crash came between its deliveries and its window record; the queue's own
//!   window then kept the first copy), nothing never published, and each group in
//!   publish order with increasing sequence numbers.
//!
//! `sns_crash_loop_short` runs in CI. The long run is ignored by default:
//!
//! ```text
//! SLUICE_SNS_KILLS=40 SLUICE_SNS_SEED=7 \
//!   cargo test --release -p sluice-server --test sns_crash_loop -- --ignored --nocapture
//! ```

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use aws_sdk_sqs::Client;
use common::process::Sluice;
use common::sns_query::{drain_notifications, sns_call, subscribed_queue, try_sns_call};

const STANDARD_QUEUES: usize = 3;
const FIFO_QUEUES: usize = 2;

struct Plan {
    kills: usize,
    /// Time between a process coming up and its kill, in ms.
    uptime_ms: (u64, u64),
    /// Standard publishers, and FIFO publishers (one message group each).
    publishers: usize,
    seed: u64,
    hard_limit: Duration,
}

/// What the publishers were told.
#[derive(Debug, Default)]
struct History {
    /// Standard: acknowledged MessageIds, and publishes that got no answer.
    acked: Vec<String>,
    unanswered: usize,
    /// FIFO: group → acknowledged (index, sequence number), and the bodies of publishes
    /// given up unanswered when the run stopped.
    fifo_acked: BTreeMap<String, Vec<(usize, String)>>,
    fifo_unanswered: HashSet<String>,
}

/// What one queue held, in the order it served it: (MessageId, body, SequenceNumber).
type Drained = Vec<(String, String, Option<String>)>;

#[derive(Debug, Default, PartialEq, Eq)]
struct Findings {
    lost: usize,
    duplicated: usize,
    unexpected: usize,
    out_of_order: usize,
}

impl Findings {
    fn passed(&self) -> bool {
        *self == Findings::default()
    }
}

/// A standard queue: acknowledged ids once each; unacknowledged ids no more than the
/// publishes that went unanswered.
fn check_standard(history: &History, got: &Drained) -> Findings {
    let acked: HashSet<&str> = history.acked.iter().map(String::as_str).collect();
    let mut seen = HashSet::new();
    let mut f = Findings::default();
    let mut not_acked = 0usize;
    for (id, _, _) in got {
        if !seen.insert(id.as_str()) {
            f.duplicated += 1;
        } else if !acked.contains(id.as_str()) {
            not_acked += 1;
        }
    }
    f.unexpected = not_acked.saturating_sub(history.unanswered);
    f.lost = acked.iter().filter(|id| !seen.contains(*id)).count();
    f
}

/// A FIFO queue: each acknowledged body once, nothing never published, groups in order.
fn check_fifo(history: &History, got: &Drained) -> Findings {
    let mut f = Findings::default();
    let mut expected: HashSet<String> = HashSet::new();
    for (group, acked) in &history.fifo_acked {
        for (i, _) in acked {
            expected.insert(format!("{group}-{i}"));
        }
    }
    let mut seen = HashSet::new();
    let mut last: HashMap<String, (usize, String)> = HashMap::new();
    for (_, body, sequence) in got {
        if !seen.insert(body.clone()) {
            f.duplicated += 1;
            continue;
        }
        if !expected.contains(body) && !history.fifo_unanswered.contains(body) {
            f.unexpected += 1;
            continue;
        }
        let (group, index) = body.rsplit_once('-').expect("group-index");
        let index: usize = index.parse().expect("index");
        let sequence = sequence.clone().unwrap_or_default();
        if let Some((i, s)) = last.get(group) {
            if *i >= index || *s >= sequence {
                f.out_of_order += 1;
            }
        }
        last.insert(group.to_owned(), (index, sequence));
    }
    f.lost = expected.iter().filter(|b| !seen.contains(*b)).count();
    f
}

#[test]
fn the_checkers_find_what_they_count() {
    let history = History {
        acked: vec!["a".into(), "b".into(), "c".into()],
        unanswered: 1,
        fifo_acked: [(
            "g0".to_owned(),
            vec![(0, "01".into()), (1, "02".into()), (2, "03".into())],
        )]
        .into(),
        fifo_unanswered: ["g0-3".to_owned()].into(),
    };
    let m = |id: &str, body: &str, seq: Option<&str>| (id.into(), body.into(), seq.map(Into::into));
    let standard = vec![
        m("a", "", None),
        m("a", "", None),
        m("x", "", None),
        m("y", "", None),
    ];
    assert_eq!(
        check_standard(&history, &standard),
        Findings {
            lost: 2,
            duplicated: 1,
            unexpected: 1,
            out_of_order: 0
        }
    );
    let fifo = vec![
        m("1", "g0-1", Some("02")),
        m("2", "g0-0", Some("01")),
        m("3", "g0-1", Some("02")),
        m("4", "g9-0", Some("09")),
        m("5", "g0-3", Some("04")),
    ];
    assert_eq!(
        check_fifo(&history, &fifo),
        Findings {
            lost: 1,
            duplicated: 1,
            unexpected: 1,
            out_of_order: 1
        }
    );
}

/// What a queue held: (MessageId, Message, SequenceNumber) in the order it served them.
async fn drain(client: &Client, url: &str) -> Drained {
    drain_notifications(client, url)
        .await
        .iter()
        .map(|doc| {
            let text = |k: &str| doc[k].as_str().map(str::to_owned);
            (
                text("MessageId").unwrap(),
                text("Message").unwrap(),
                text("SequenceNumber"),
            )
        })
        .collect()
}

struct Shared {
    endpoint: RwLock<String>,
    stop: AtomicBool,
    history: Mutex<History>,
}

impl Shared {
    fn endpoint(&self) -> String {
        self.endpoint.read().unwrap().clone()
    }
}

async fn standard_publisher(shared: Arc<Shared>, topic: String, p: usize) {
    let http = reqwest::Client::new();
    let mut i = 0;
    while !shared.stop.load(Ordering::SeqCst) {
        let body = format!("s{p}-{i}");
        let params = [
            ("Action", "Publish"),
            ("TopicArn", topic.as_str()),
            ("Message", body.as_str()),
        ];
        match try_sns_call(&http, &shared.endpoint(), &params, "MessageId").await {
            Ok(id) => shared.history.lock().unwrap().acked.push(id),
            Err(_) => {
                shared.history.lock().unwrap().unanswered += 1;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        i += 1;
    }
}

async fn fifo_publisher(shared: Arc<Shared>, topic: String, p: usize) {
    let http = reqwest::Client::new();
    let group = format!("g{p}");
    let mut i = 0;
    while !shared.stop.load(Ordering::SeqCst) {
        let body = format!("{group}-{i}");
        let params = [
            ("Action", "Publish"),
            ("TopicArn", topic.as_str()),
            ("Message", body.as_str()),
            ("MessageGroupId", group.as_str()),
            ("MessageDeduplicationId", body.as_str()),
        ];
        // Retried with the same deduplication id until answered.
        loop {
            match try_sns_call(&http, &shared.endpoint(), &params, "SequenceNumber").await {
                Ok(sequence) => {
                    let mut history = shared.history.lock().unwrap();
                    history
                        .fifo_acked
                        .entry(group.clone())
                        .or_default()
                        .push((i, sequence));
                    break;
                }
                Err(_) if shared.stop.load(Ordering::SeqCst) => {
                    shared.history.lock().unwrap().fifo_unanswered.insert(body);
                    return;
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        }
        i += 1;
    }
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
    let endpoint = server.endpoint();
    let client = server.client();
    let http = reqwest::Client::new();
    let standard = sns_call(
        &http,
        &endpoint,
        &[("Action", "CreateTopic"), ("Name", "soak")],
        "TopicArn",
    )
    .await;
    let fifo_params = [
        ("Action", "CreateTopic"),
        ("Name", "soak.fifo"),
        ("Attributes.entry.1.key", "FifoTopic"),
        ("Attributes.entry.1.value", "true"),
    ];
    let fifo = sns_call(&http, &endpoint, &fifo_params, "TopicArn").await;
    let mut standard_urls = Vec::new();
    for q in 0..STANDARD_QUEUES {
        let name = format!("soak-{q}");
        standard_urls.push(subscribed_queue(&client, &http, &endpoint, &standard, &name).await);
    }
    let mut fifo_urls = Vec::new();
    for q in 0..FIFO_QUEUES {
        let name = format!("soak-{q}.fifo");
        fifo_urls.push(subscribed_queue(&client, &http, &endpoint, &fifo, &name).await);
    }

    let shared = Arc::new(Shared {
        endpoint: RwLock::new(endpoint),
        stop: AtomicBool::new(false),
        history: Mutex::new(History::default()),
    });
    let mut tasks = Vec::new();
    for p in 0..plan.publishers {
        tasks.push(tokio::spawn(standard_publisher(
            shared.clone(),
            standard.clone(),
            p,
        )));
        tasks.push(tokio::spawn(fifo_publisher(
            shared.clone(),
            fifo.clone(),
            p,
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
        *shared.endpoint.write().unwrap() = server.endpoint();
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    shared.stop.store(true, Ordering::SeqCst);
    for t in tasks {
        t.await.unwrap();
    }

    let client = server.client();
    let history = std::mem::take(&mut *shared.history.lock().unwrap());
    let fifo_acked: usize = history.fifo_acked.values().map(Vec::len).sum();
    assert!(
        !history.acked.is_empty() && fifo_acked > 0,
        "nothing was published"
    );
    for url in &standard_urls {
        let findings = check_standard(&history, &drain(&client, url).await);
        assert!(findings.passed(), "{url}: {findings:?}");
    }
    for url in &fifo_urls {
        let findings = check_fifo(&history, &drain(&client, url).await);
        assert!(findings.passed(), "{url}: {findings:?}");
    }
    println!(
        "SNS crash loop (seed {:#x}): {} kills, {:.1} s; standard: {} acknowledged, {} \
         unanswered, in {} queues; FIFO: {} acknowledged, {} unanswered, in {} queues; \
         none lost, duplicated, unexpected or out of order",
        plan.seed,
        plan.kills,
        began.elapsed().as_secs_f64(),
        history.acked.len(),
        history.unanswered,
        STANDARD_QUEUES,
        fifo_acked,
        history.fifo_unanswered.len(),
        FIFO_QUEUES,
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
async fn sns_crash_loop_short() {
    run(Plan {
        kills: 3,
        uptime_ms: (300, 900),
        publishers: 3,
        seed: 0x5e5,
        hard_limit: Duration::from_secs(120),
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "long soak: SLUICE_SNS_KILLS (40), SLUICE_SNS_SEED, SLUICE_SNS_PUBLISHERS (6)"]
async fn sns_crash_loop_long() {
    run(Plan {
        kills: env_or("SLUICE_SNS_KILLS", 40),
        uptime_ms: (500, 3_000),
        publishers: env_or("SLUICE_SNS_PUBLISHERS", 6),
        seed: env_or("SLUICE_SNS_SEED", 7),
        hard_limit: Duration::from_secs(1_800),
    })
    .await;
}
