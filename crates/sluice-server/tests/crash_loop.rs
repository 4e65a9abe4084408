//! Crash loop: concurrent senders and consumers on a standard queue of the real
//! `sluice` binary while the test kills it with SIGKILL at random (seeded) intervals
//! and restarts it on the same data directory. Every request's outcome is logged by
//! the clients (`crash_loop/client.rs`, `history.rs`); after the last restart the
//! queue is drained and the checker (`checker.rs`) requires: no acknowledged message
//! lost, nothing unexpected delivered, no committed delete resurrected.
//!
//! `crash_loop_short` runs in CI. The long run is ignored by default:
//!
//! ```text
//! SLUICE_CRASH_KILLS=50 SLUICE_CRASH_SEED=7 \
//!   cargo test --release -p sluice-server --test crash_loop -- --ignored --nocapture
//! ```

#[path = "crash_loop/checker.rs"]
mod checker;
#[path = "crash_loop/client.rs"]
mod client;
#[path = "crash_loop/history.rs"]
mod history;
#[path = "crash_loop/process.rs"]
mod process;

use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use checker::{check, Report};
use client::{Api, Shared};
use history::{Delete, Delivery, History, Outcome, Send};
use process::{Rng, Sluice};

const QUEUE: &str = "crash-loop";

/// The load tests each start a server and a swarm of clients: one at a time.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

struct Plan {
    kills: usize,
    /// Time between a process coming up and its kill, in ms.
    uptime_ms: (u64, u64),
    senders: usize,
    /// Each sender's pause between requests, in ms.
    send_pause_ms: (u64, u64),
    consumers: usize,
    seed: u64,
    /// The whole run fails rather than hangs past this.
    hard_limit: Duration,
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn run(plan: Plan) -> Report {
    let _serial = ONE_AT_A_TIME.lock().await;
    let limit = plan.hard_limit;
    match tokio::time::timeout(limit, crash_loop(plan)).await {
        Ok(report) => report,
        Err(_) => panic!("the crash loop did not finish within {limit:?}"),
    }
}

async fn crash_loop(plan: Plan) -> Report {
    let began = Instant::now();
    let data = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let mut ports = HashSet::new();
    let mut server = Sluice::start(data.path(), logs.path().join("epoch-1.log"), &ports);
    ports.insert(server.port);
    let shared = Arc::new(Shared::new(Api::connect(server.endpoint(), 1, QUEUE).await));
    let mut tasks = Vec::new();
    for s in 0..plan.senders {
        tasks.push(tokio::spawn(client::sender(
            shared.clone(),
            s,
            plan.seed ^ (s as u64 + 1),
            plan.send_pause_ms,
        )));
    }
    for c in 0..plan.consumers {
        tasks.push(tokio::spawn(client::consumer(
            shared.clone(),
            plan.seed ^ (1000 + c as u64),
        )));
    }

    let mut rng = Rng::new(plan.seed);
    for kill in 1..=plan.kills {
        let uptime = rng.between(plan.uptime_ms.0, plan.uptime_ms.1);
        tokio::time::sleep(Duration::from_millis(uptime)).await;
        shared.history.lock().unwrap().kills.push(Instant::now());
        let epoch = kill as u32 + 1;
        let (dir, log) = (
            data.path().to_owned(),
            logs.path().join(format!("epoch-{epoch}.log")),
        );
        let used = ports.clone();
        server = tokio::task::spawn_blocking(move || {
            server.kill_9();
            Sluice::start(&dir, log, &used)
        })
        .await
        .unwrap();
        ports.insert(server.port);
        shared.set_api(Api::connect(server.endpoint(), epoch, QUEUE).await);
    }
    // Load on the last process a little longer, then stop and drain.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    shared.stop.store(true, Ordering::SeqCst);
    for t in tasks {
        t.await.unwrap();
    }
    client::drain(&shared, Duration::from_secs(60)).await;
    drop(server);

    let history = std::mem::take(&mut *shared.history.lock().unwrap());
    let report = check(&history);
    println!(
        "crash loop (seed {:#x}): {:.1} s wall time\n{}",
        plan.seed,
        began.elapsed().as_secs_f64(),
        summary(&report, &history)
    );
    assert!(
        history.errors.is_empty(),
        "answers no correct server gives ({}), first ones:\n{}",
        history.errors.len(),
        first(&history.errors)
    );
    assert!(report.passed(), "{}", failures(&report));
    report
}

fn first(lines: &[String]) -> String {
    lines
        .iter()
        .take(20)
        .cloned()
        .collect::<Vec<_>>()
        .join("\n")
}

fn failures(r: &Report) -> String {
    format!(
        "lost {}:\n{}\nunexpected {}:\n{}\nresurrected {}:\n{}",
        r.lost.len(),
        first(&r.lost),
        r.unexpected.len(),
        first(&r.unexpected),
        r.resurrected.len(),
        first(&r.resurrected)
    )
}

fn summary(r: &Report, h: &History) -> String {
    let redeliveries = r.redelivered_after_visibility
        + r.redelivered_after_restart
        + r.redelivered_after_uncommitted_delete
        + r.redelivered_early;
    [
        format!("  kills survived: {}", r.kills),
        format!(
            "  messages sent: {} (acknowledged {}, unknown {} of which {} stored, refused {})",
            h.sends.len(),
            r.sends_acked,
            r.sends_unknown,
            r.unknown_sends_stored,
            r.sends_refused
        ),
        format!(
            "  deliveries: {} (redeliveries {redeliveries}: visibility expiry {}, restart {}, uncommitted delete {}, early {})",
            r.deliveries,
            r.redelivered_after_visibility,
            r.redelivered_after_restart,
            r.redelivered_after_uncommitted_delete,
            r.redelivered_early
        ),
        format!(
            "  deletes: acknowledged {} (uncovered by a later send before a kill: {}), unknown {}, refused {}",
            r.deletes_acked, r.uncovered_deletes, r.deletes_unknown, r.deletes_refused
        ),
        format!(
            "  receive count not rising within a process: {}; requests without an answer: {}",
            r.receive_count_not_rising, h.transport_errors
        ),
        format!(
            "  lost {}, unexpected {}, resurrected {}; legitimately resurrected (uncommitted deletes) {}",
            r.lost.len(),
            r.unexpected.len(),
            r.resurrected.len(),
            r.legitimately_resurrected
        ),
    ]
    .join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_loop_short() {
    let report = run(Plan {
        kills: 5,
        uptime_ms: (2_000, 4_000),
        senders: 4,
        send_pause_ms: (20, 100),
        consumers: 4,
        seed: env_or("SLUICE_CRASH_SEED", 0x5eed_c4a5),
        hard_limit: Duration::from_secs(150),
    })
    .await;
    assert_eq!(report.kills, 5);
    assert!(report.sends_acked > 1_000, "{report:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "long: run with --release -- --ignored --nocapture"]
async fn crash_loop_long() {
    let kills = env_or("SLUICE_CRASH_KILLS", 50);
    let report = run(Plan {
        kills,
        uptime_ms: (
            env_or("SLUICE_CRASH_MIN_UPTIME_MS", 300),
            env_or("SLUICE_CRASH_MAX_UPTIME_MS", 3_000),
        ),
        senders: env_or("SLUICE_CRASH_SENDERS", 6),
        send_pause_ms: (0, env_or("SLUICE_CRASH_MAX_SEND_PAUSE_MS", 40)),
        consumers: env_or("SLUICE_CRASH_CONSUMERS", 6),
        seed: env_or("SLUICE_CRASH_SEED", 0x10c0_ffee),
        hard_limit: Duration::from_secs(120 + 15 * kills as u64),
    })
    .await;
    assert_eq!(report.kills, kills);
}

/// A fabricated history: epoch 1 is killed, epoch 2 drains.
struct Fake {
    h: History,
    t0: Instant,
}

impl Fake {
    fn new() -> Self {
        let t0 = Instant::now();
        let h = History {
            kills: vec![t0 + Duration::from_millis(500)],
            ..History::default()
        };
        Self { h, t0 }
    }

    fn at(&self, ms: u64) -> Instant {
        self.t0 + Duration::from_millis(ms)
    }

    fn send(&mut self, token: &str, ms: u64, epoch: u32) {
        let start = self.at(ms);
        self.h.sends.push(Send {
            token: token.into(),
            message_id: Some(format!("id-{token}")),
            outcome: Outcome::Acked,
            start,
            epoch,
        });
    }

    fn deliver(&mut self, token: &str, ms: u64, epoch: u32) {
        let (start, end) = (self.at(ms), self.at(ms + 5));
        self.h.deliveries.push(Delivery {
            token: token.into(),
            message_id: format!("id-{token}"),
            receive_count: 1,
            visibility_ms: 30_000,
            start,
            end,
            epoch,
        });
    }

    fn delete(&mut self, token: &str, ms: u64, epoch: u32) {
        let end = self.at(ms + 5);
        self.h.deletes.push(Delete {
            token: token.into(),
            outcome: Outcome::Acked,
            end,
            epoch,
        });
    }
}

#[test]
fn checker_reports_a_lost_message() {
    let mut f = Fake::new();
    f.send("kept", 0, 1);
    f.send("lost", 10, 1);
    f.deliver("kept", 20, 1);
    f.delete("kept", 30, 1);
    let r = check(&f.h);
    assert_eq!(r.lost, ["lost: acknowledged in epoch 1, never delivered"]);
    assert!(r.unexpected.is_empty() && r.resurrected.is_empty());
    assert!(!r.passed());
}

#[test]
fn checker_reports_a_resurrected_committed_delete() {
    let mut f = Fake::new();
    f.send("a", 0, 1);
    f.send("b", 0, 1);
    f.deliver("a", 20, 1);
    f.deliver("b", 20, 1);
    // a's delete is acknowledged before the send of c starts: committed. b's delete
    // comes after the last acknowledged send of epoch 1: it may come back.
    f.delete("a", 30, 1);
    f.send("c", 100, 1);
    f.delete("b", 200, 1);
    // After the kill both come back; then the drain takes everything.
    for (token, ms) in [("a", 600), ("b", 600), ("c", 600)] {
        f.deliver(token, ms, 2);
        f.delete(token, ms + 10, 2);
    }
    let r = check(&f.h);
    assert_eq!(
        r.resurrected,
        ["a: delivered in epoch 2 after a committed delete in epoch 1"]
    );
    assert_eq!(r.legitimately_resurrected, 1);
    assert_eq!(r.uncovered_deletes, 1);
    assert!(r.lost.is_empty() && r.unexpected.is_empty());
    assert!(!r.passed());
}

#[test]
fn checker_reports_unexpected_deliveries_but_not_maybe_sent_ones() {
    let mut f = Fake::new();
    f.h.sends.push(Send {
        token: "maybe".into(),
        message_id: None,
        outcome: Outcome::Unknown,
        start: f.at(0),
        epoch: 1,
    });
    f.deliver("maybe", 600, 2);
    f.delete("maybe", 610, 2);
    f.deliver("ghost", 620, 2);
    f.delete("ghost", 630, 2);
    let r = check(&f.h);
    assert_eq!(r.unexpected, ["ghost: delivered, never sent"]);
    assert_eq!(r.unknown_sends_stored, 1);
    assert!(r.lost.is_empty() && r.resurrected.is_empty());
}
