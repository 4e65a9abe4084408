//! Group commit under concurrency, fail-stop, and snapshots taken while
//! appends are in flight.

mod common;

use std::sync::Arc;
use std::time::Instant;

use common::*;
use parking_lot::Mutex;
use sluice_log::{Log, LogError};

const TASKS: usize = 64;

fn task_record(task: usize, seq: usize) -> Vec<u8> {
    let mut r = Vec::with_capacity(64);
    r.extend_from_slice(&(task as u32).to_le_bytes());
    r.extend_from_slice(&(seq as u32).to_le_bytes());
    r.resize(64, 0xEE);
    r
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_commit_shares_fsyncs_between_concurrent_waiters() {
    const PER_TASK: usize = 200;
    let dir = tempfile::tempdir().unwrap();
    let (log, _, _) = open_collect(opts(dir.path())).unwrap();
    let log = Arc::new(log);

    let started = Instant::now();
    let mut handles = Vec::new();
    for task in 0..TASKS {
        let log = Arc::clone(&log);
        handles.push(tokio::spawn(async move {
            for seq in 0..PER_TASK {
                let lsn = log.append(&task_record(task, seq)).unwrap();
                log.wait_durable(lsn).await.unwrap();
                assert!(log.durable_lsn() >= lsn);
            }
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    let elapsed = started.elapsed();
    let total = (TASKS * PER_TASK) as u64;
    let syncs = log.sync_count();
    eprintln!(
        "{total} records, {syncs} fdatasyncs ({:.1} records per sync) in {elapsed:?}",
        total as f64 / syncs as f64
    );
    assert!(syncs > 0);
    assert!(
        syncs * 4 <= total,
        "group commit ineffective: {syncs} syncs for {total} records"
    );
    log.close().unwrap();

    let (_, replayed) = replay_all(opts(dir.path()));
    assert_eq!(replayed.len(), total as usize);
    let mut next_seq = vec![0usize; TASKS];
    for r in &replayed {
        let task = u32::from_le_bytes(r[..4].try_into().unwrap()) as usize;
        let seq = u32::from_le_bytes(r[4..8].try_into().unwrap()) as usize;
        assert_eq!(seq, next_seq[task], "task {task} out of order");
        assert_eq!(r, &task_record(task, seq));
        next_seq[task] += 1;
    }
    assert!(next_seq.iter().all(|&n| n == PER_TASK));
}

#[tokio::test]
async fn injected_failure_fails_waiters_and_later_appends() {
    let dir = tempfile::tempdir().unwrap();
    let (log, _, _) = open_collect(opts(dir.path())).unwrap();
    let good = log.append(b"durable before the failure").unwrap();
    log.wait_durable(good).await.unwrap();
    let durable_before = log.durable_lsn();

    log.inject_failure_for_tests();
    let doomed = log.append(b"never durable").unwrap();
    assert!(matches!(
        log.wait_durable(doomed).await,
        Err(LogError::Failed)
    ));
    assert_eq!(
        log.durable_lsn(),
        durable_before,
        "unsynced data reported durable"
    );
    assert!(matches!(log.append(b"later"), Err(LogError::Failed)));
    assert!(matches!(log.flush(), Err(LogError::Failed)));
    assert!(matches!(log.begin_snapshot(), Err(LogError::Failed)));
    assert!(matches!(
        log.wait_durable(good).await,
        Err(LogError::Failed)
    ));
    assert!(matches!(log.close(), Err(LogError::Failed)));
    drop(log);

    let (_, replayed) = replay_all(opts(dir.path()));
    assert_eq!(replayed, vec![b"durable before the failure".to_vec()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failure_under_load_wakes_every_waiter() {
    let dir = tempfile::tempdir().unwrap();
    let (log, _, _) = open_collect(opts(dir.path())).unwrap();
    let log = Arc::new(log);
    let mut handles = Vec::new();
    for task in 0..TASKS {
        let log = Arc::clone(&log);
        handles.push(tokio::spawn(async move {
            let mut acked = Vec::new();
            for seq in 0.. {
                let lsn = match log.append(&task_record(task, seq)) {
                    Ok(lsn) => lsn,
                    Err(LogError::Failed) => return acked,
                    Err(other) => panic!("unexpected {other}"),
                };
                match log.wait_durable(lsn).await {
                    Ok(()) => acked.push(lsn),
                    Err(LogError::Failed) => return acked,
                    Err(other) => panic!("unexpected {other}"),
                }
            }
            unreachable!()
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    log.inject_failure_for_tests();
    let mut max_acked = 0;
    for h in handles {
        let acked = h.await.unwrap();
        max_acked = max_acked.max(acked.last().copied().unwrap_or(0));
    }
    let durable = log.durable_lsn();
    assert!(max_acked <= durable);
    drop(log);
    // Everything acknowledged is on disk.
    let (report, _) = replay_all(opts(dir.path()));
    assert!(report.next_lsn > max_acked);
}

/// A toy store: the state is a running sum; each record adds to it and a
/// snapshot is one record holding the sum. Snapshots are taken while other
/// tasks keep appending; after a restart the sum must match exactly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshots_during_concurrent_appends_preserve_state() {
    const PER_TASK: u64 = 300;
    const WRITERS: u64 = 16;
    let dir = tempfile::tempdir().unwrap();
    let o = small_segments(dir.path(), 4096);
    let (log, _, _) = open_collect(o.clone()).unwrap();
    let log = Arc::new(log);
    let state = Arc::new(Mutex::new(0u64));

    let mut handles = Vec::new();
    for task in 0..WRITERS {
        let log = Arc::clone(&log);
        let state = Arc::clone(&state);
        handles.push(tokio::spawn(async move {
            for i in 0..PER_TASK {
                let delta = task * 1000 + i;
                let lsn = {
                    let mut sum = state.lock();
                    *sum += delta;
                    log.append(&delta.to_le_bytes()).unwrap()
                };
                log.wait_durable(lsn).await.unwrap();
            }
        }));
    }
    let snapshots = {
        let log = Arc::clone(&log);
        let state = Arc::clone(&state);
        tokio::spawn(async move {
            for _ in 0..10 {
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                let (cut, sum) = {
                    let sum = state.lock();
                    (log.begin_snapshot().unwrap(), *sum)
                };
                let log = Arc::clone(&log);
                tokio::task::spawn_blocking(move || {
                    log.write_snapshot(cut, vec![sum.to_le_bytes().to_vec()])
                })
                .await
                .unwrap()
                .unwrap();
            }
        })
    };
    for h in handles {
        h.await.unwrap();
    }
    snapshots.await.unwrap();
    let expected: u64 = *state.lock();
    let next = log.next_lsn();
    log.close().unwrap();
    drop(log);

    let (report, replayed) = replay_all(o);
    let sum: u64 = replayed
        .iter()
        .map(|r| u64::from_le_bytes(r[..].try_into().unwrap()))
        .sum();
    assert_eq!(sum, expected);
    assert_eq!(report.next_lsn, next);
    assert_eq!(report.snapshot_records, 1);
    assert!(report.snapshot_cut.is_some());
}

#[test]
fn log_can_be_shared_across_threads() {
    let dir = tempfile::tempdir().unwrap();
    let (log, _, _) = open_collect(opts(dir.path())).unwrap();
    let log: Arc<Log> = Arc::new(log);
    std::thread::scope(|s| {
        for t in 0..4 {
            let log = &log;
            s.spawn(move || {
                for i in 0..500 {
                    log.append(&task_record(t, i)).unwrap();
                }
                log.flush().unwrap();
            });
        }
    });
    let next = log.next_lsn();
    assert_eq!(next, 2001);
    assert!(log.durable_lsn() >= 2000);
    drop(log);
    assert_eq!(replay_all(opts(dir.path())).1.len(), 2000);
}
