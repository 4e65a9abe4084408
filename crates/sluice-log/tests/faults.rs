//! Storage faults injected into the writer's file layer: a full disk is
//! retryable and recovers without a restart, losing and reordering nothing;
//! fsync errors and torn writes fail-stop, and recovery then drops the torn
//! tail.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use sluice_log::frame::{FILE_HEADER_BYTES, FRAME_HEADER_BYTES};
use sluice_log::{Fault, Log, LogError, LogHealth, Lsn};

const FULL: Option<Fault> = Some(Fault::DiskFull { free_bytes: 0 });

fn segment_len(dir: &Path) -> u64 {
    let segs = segment_files(dir);
    fs::metadata(segs.last().unwrap()).unwrap().len()
}

/// Waits (bounded) until `lsn` is durable, tolerating `NoSpace` answers from
/// attempts made before space came back.
async fn eventually_durable(log: &Log, lsn: Lsn) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match log.wait_durable(lsn).await {
            Ok(()) => return,
            Err(LogError::NoSpace) => {
                assert!(Instant::now() < deadline, "LSN {lsn} never became durable");
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            Err(other) => panic!("unexpected {other}"),
        }
    }
}

/// Copies the log directory as a `kill -9` would leave it (everything written
/// so far, durable or not).
fn crash_image(dir: &Path) -> tempfile::TempDir {
    let copy = tempfile::tempdir().unwrap();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        fs::copy(&path, copy.path().join(path.file_name().unwrap())).unwrap();
    }
    copy
}

#[tokio::test]
async fn disk_full_fails_the_commit_then_recovers_without_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (log, _, _) = open_collect(opts(dir.path())).unwrap();
    let a = log.append(b"a: before the disk fills").unwrap();
    log.wait_durable(a).await.unwrap();
    let len_before = segment_len(dir.path());
    assert_eq!(log.health(), LogHealth::Healthy);

    log.inject_fault_for_tests(FULL);
    let b = log.append(b"b: while the disk is full").unwrap();
    assert!(matches!(log.wait_durable(b).await, Err(LogError::NoSpace)));
    assert_eq!(log.health(), LogHealth::OutOfSpace);
    assert_eq!(log.durable_lsn(), a, "unwritten data reported durable");
    assert!(matches!(log.flush(), Err(LogError::NoSpace)));
    assert_eq!(segment_len(dir.path()), len_before);
    // Earlier records stay durable; appends are still accepted.
    log.wait_durable(a).await.unwrap();
    let c = log.append(b"c: also while full").unwrap();
    assert!(matches!(log.wait_durable(c).await, Err(LogError::NoSpace)));
    assert_eq!(log.health(), LogHealth::OutOfSpace);

    log.inject_fault_for_tests(None);
    eventually_durable(&log, c).await;
    assert_eq!(log.health(), LogHealth::Healthy);
    log.wait_durable(b).await.unwrap();
    let d = log.append(b"d: after space came back").unwrap();
    log.wait_durable(d).await.unwrap();
    log.close().unwrap();

    // Nothing dropped, nothing reordered, LSNs continuous.
    let (report, records) = replay_all(opts(dir.path()));
    assert_eq!(
        records,
        vec![
            b"a: before the disk fills".to_vec(),
            b"b: while the disk is full".to_vec(),
            b"c: also while full".to_vec(),
            b"d: after space came back".to_vec(),
        ]
    );
    assert_eq!(report.next_lsn, d + 1);
    assert_eq!(report.torn_tail_bytes, 0);
}

#[tokio::test]
async fn short_write_on_a_full_disk_is_cut_back_to_the_durable_length() {
    let dir = tempfile::tempdir().unwrap();
    let (log, _, _) = open_collect(opts(dir.path())).unwrap();
    let a = log.append(b"durable").unwrap();
    log.wait_durable(a).await.unwrap();
    let len_before = segment_len(dir.path());

    // Five bytes of the next frame land, then ENOSPC.
    log.inject_fault_for_tests(Some(Fault::DiskFull { free_bytes: 5 }));
    let b = log.append(&[0xAB; 100]).unwrap();
    assert!(matches!(log.wait_durable(b).await, Err(LogError::NoSpace)));
    assert_eq!(
        segment_len(dir.path()),
        len_before,
        "the partial frame was not truncated"
    );

    // A crash now finds a clean log: no torn tail, only the durable record.
    let image = crash_image(dir.path());
    let (report, records) = replay_all(opts(image.path()));
    assert_eq!(records, vec![b"durable".to_vec()]);
    assert_eq!(report.torn_tail_bytes, 0);

    log.inject_fault_for_tests(None);
    eventually_durable(&log, b).await;
    log.close().unwrap();
    let (_, records) = replay_all(opts(dir.path()));
    assert_eq!(records, vec![b"durable".to_vec(), vec![0xAB; 100]]);
}

#[test]
fn disk_full_while_creating_a_segment_is_retried() {
    // 50-byte records: 58-byte frames, four to a 256-byte segment.
    let dir = tempfile::tempdir().unwrap();
    let options = small_segments(dir.path(), 256);
    let (log, _, _) = open_collect(options.clone()).unwrap();
    let rec = |i: u8| vec![i; 50];
    // Room for exactly the first segment's four frames, not the next header.
    log.inject_fault_for_tests(Some(Fault::DiskFull {
        free_bytes: 4 * (FRAME_HEADER_BYTES as u64 + 50),
    }));
    for i in 0..10 {
        log.append(&rec(i)).unwrap();
    }
    assert!(matches!(log.flush(), Err(LogError::NoSpace)));
    assert_eq!(log.health(), LogHealth::OutOfSpace);
    assert_eq!(log.durable_lsn(), 4, "the full first segment is durable");
    assert_eq!(
        segment_files(dir.path()).len(),
        1,
        "a half-created segment was left behind"
    );
    assert_eq!(
        segment_len(dir.path()),
        (FILE_HEADER_BYTES + 4 * (FRAME_HEADER_BYTES + 50)) as u64
    );

    log.inject_fault_for_tests(None);
    flush_eventually(&log);
    assert_eq!(log.health(), LogHealth::Healthy);
    log.close().unwrap();

    let (report, records) = replay_all(options);
    assert_eq!(records, (0..10).map(rec).collect::<Vec<_>>());
    assert_eq!(report.segments, 3);
}

#[tokio::test]
async fn fsync_error_fail_stops_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let (log, _, _) = open_collect(opts(dir.path())).unwrap();
    let a = log.append(b"durable").unwrap();
    log.wait_durable(a).await.unwrap();

    log.inject_fault_for_tests(Some(Fault::SyncError));
    let b = log.append(b"written but never synced").unwrap();
    assert!(matches!(log.wait_durable(b).await, Err(LogError::Failed)));
    assert_eq!(log.health(), LogHealth::Failed);
    assert_eq!(log.durable_lsn(), a);
    // A cleared fault does not revive it: a failed fsync is never retried.
    log.inject_fault_for_tests(None);
    assert!(matches!(log.append(b"later"), Err(LogError::Failed)));
    assert!(matches!(log.wait_durable(a).await, Err(LogError::Failed)));
    assert!(matches!(log.close(), Err(LogError::Failed)));
    drop(log);

    // The unsynced record may or may not be there (it was never acknowledged);
    // the durable one is.
    let (_, records) = replay_all(opts(dir.path()));
    assert_eq!(records[0], b"durable".to_vec());
    assert!(records.len() <= 2, "{records:?}");
}

#[tokio::test]
async fn torn_write_fail_stops_and_recovery_drops_the_torn_tail() {
    let dir = tempfile::tempdir().unwrap();
    let (log, _, _) = open_collect(opts(dir.path())).unwrap();
    let a = log.append(b"durable").unwrap();
    log.wait_durable(a).await.unwrap();
    let len_before = segment_len(dir.path());

    log.inject_fault_for_tests(Some(Fault::TornWrite { after_bytes: 6 }));
    let b = log.append(&[7u8; 40]).unwrap();
    assert!(matches!(log.wait_durable(b).await, Err(LogError::Failed)));
    assert_eq!(log.health(), LogHealth::Failed);
    assert!(matches!(log.close(), Err(LogError::Failed)));
    drop(log);
    assert_eq!(segment_len(dir.path()), len_before + 6);

    let (log, report, records) = open_collect(opts(dir.path())).unwrap();
    assert_eq!(records, vec![b"durable".to_vec()]);
    assert_eq!(report.torn_tail_bytes, 6);
    assert_eq!(segment_len(dir.path()), len_before);
    let c = log.append(b"after recovery").unwrap();
    assert_eq!(c, a + 1, "the torn record's LSN is reused");
    log.wait_durable(c).await.unwrap();
    log.close().unwrap();
    let (_, records) = replay_all(opts(dir.path()));
    assert_eq!(
        records,
        vec![b"durable".to_vec(), b"after recovery".to_vec()]
    );
}

#[tokio::test]
async fn closing_while_the_disk_is_full_reports_it() {
    let dir = tempfile::tempdir().unwrap();
    let (log, _, _) = open_collect(opts(dir.path())).unwrap();
    let a = log.append(b"durable").unwrap();
    log.wait_durable(a).await.unwrap();
    log.inject_fault_for_tests(FULL);
    let b = log.append(b"never written").unwrap();
    assert!(matches!(log.wait_durable(b).await, Err(LogError::NoSpace)));
    assert!(matches!(log.close(), Err(LogError::NoSpace)));
    assert!(matches!(log.append(b"later"), Err(LogError::Closed)));
    drop(log);
    let (_, records) = replay_all(opts(dir.path()));
    assert_eq!(records, vec![b"durable".to_vec()]);
}

#[tokio::test]
async fn snapshot_while_the_disk_is_full_is_refused_and_keeps_the_segments() {
    let dir = tempfile::tempdir().unwrap();
    let (log, _, _) = open_collect(opts(dir.path())).unwrap();
    let a = log.append(b"one").unwrap();
    log.wait_durable(a).await.unwrap();
    log.inject_fault_for_tests(FULL);
    let b = log.append(b"two").unwrap();
    assert!(matches!(log.wait_durable(b).await, Err(LogError::NoSpace)));
    let cut = log.begin_snapshot().unwrap();
    assert!(matches!(
        log.write_snapshot(cut, vec![b"state".to_vec()]),
        Err(LogError::NoSpace)
    ));
    assert!(snapshot_files(dir.path()).is_empty());
    log.inject_fault_for_tests(None);
    eventually_durable(&log, b).await;
    log.close().unwrap();
    let (_, records) = replay_all(opts(dir.path()));
    assert_eq!(records, vec![b"one".to_vec(), b"two".to_vec()]);
}

/// Many writers while the disk fills and frees up again: every record ever
/// appended ends up in the log exactly once, in LSN order, including those
/// whose writers were told `NoSpace`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disk_full_under_load_loses_and_reorders_nothing() {
    const TASKS: usize = 16;
    let dir = tempfile::tempdir().unwrap();
    let options = small_segments(dir.path(), 4096);
    let (log, _, _) = open_collect(options.clone()).unwrap();
    let log = Arc::new(log);
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut handles = Vec::new();
    for task in 0..TASKS {
        let log = Arc::clone(&log);
        let stop = Arc::clone(&stop);
        handles.push(tokio::spawn(async move {
            let mut appended = Vec::new();
            let (mut ok, mut no_space) = (0usize, 0usize);
            let mut seq = 0u32;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let mut rec = format!("task {task} record {seq}").into_bytes();
                rec.resize(20 + (seq as usize * 7) % 90, b'.');
                seq += 1;
                let lsn = log.append(&rec).unwrap();
                appended.push((lsn, rec));
                match log.wait_durable(lsn).await {
                    Ok(()) => ok += 1,
                    Err(LogError::NoSpace) => no_space += 1,
                    Err(other) => panic!("unexpected {other}"),
                }
            }
            (appended, ok, no_space)
        }));
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    log.inject_fault_for_tests(Some(Fault::DiskFull { free_bytes: 3000 }));
    tokio::time::sleep(Duration::from_millis(300)).await;
    log.inject_fault_for_tests(None);
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);

    let mut all = BTreeMap::new();
    let (mut ok, mut no_space) = (0, 0);
    for handle in handles {
        let (appended, o, n) = handle.await.unwrap();
        ok += o;
        no_space += n;
        for (lsn, rec) in appended {
            assert!(all.insert(lsn, rec).is_none(), "LSN {lsn} handed out twice");
        }
    }
    assert!(no_space > 0, "the disk never filled up");
    assert!(ok > 0);
    flush_eventually(&log);
    Arc::try_unwrap(log).unwrap().close().unwrap();

    let (report, records) = replay_all(options);
    assert_eq!(report.torn_tail_bytes, 0);
    let expected: Vec<Vec<u8>> = all.into_values().collect();
    assert_eq!(records.len(), expected.len());
    assert!(records == expected, "records lost or reordered");
}
