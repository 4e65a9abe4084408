//! Append, flush, reopen, segment rollover and API edge cases.

mod common;

use common::*;
use sluice_log::frame::FILE_HEADER_BYTES;
use sluice_log::{Log, LogError, MAX_RECORD_BYTES};

#[test]
fn round_trip_preserves_order_and_lsns_continue() {
    let dir = tempfile::tempdir().unwrap();
    let (log, report, replayed) = open_collect(opts(dir.path())).unwrap();
    assert!(replayed.is_empty());
    assert_eq!(report.next_lsn, 1);
    assert_eq!(log.next_lsn(), 1);

    for i in 0..1000 {
        assert_eq!(log.append(&record(i)).unwrap(), i as u64 + 1);
    }
    log.flush().unwrap();
    assert_eq!(log.durable_lsn(), 1000);
    log.close().unwrap();

    let (log, report, replayed) = open_collect(opts(dir.path())).unwrap();
    assert_eq!(replayed, (0..1000).map(record).collect::<Vec<_>>());
    assert_eq!(report.records_replayed, 1000);
    assert_eq!(report.segment_records, 1000);
    assert_eq!(report.snapshot_records, 0);
    assert_eq!(report.torn_tail_bytes, 0);
    assert_eq!(report.next_lsn, 1001);
    assert_eq!(log.durable_lsn(), 1000);
    assert_eq!(log.append(b"after reopen").unwrap(), 1001);
    drop(log); // Drop flushes and closes.

    let (report, replayed) = replay_all(opts(dir.path()));
    assert_eq!(replayed.len(), 1001);
    assert_eq!(replayed.last().unwrap(), b"after reopen");
    assert_eq!(report.next_lsn, 1002);
}

#[tokio::test]
async fn wait_durable_resolves_after_append() {
    let dir = tempfile::tempdir().unwrap();
    let (log, _, _) = open_collect(opts(dir.path())).unwrap();
    let lsn = log.append(b"one").unwrap();
    log.wait_durable(lsn).await.unwrap();
    assert!(log.durable_lsn() >= lsn);
    // Already durable: resolves immediately.
    log.wait_durable(lsn).await.unwrap();
    log.wait_durable(0).await.unwrap();
    assert!(log.sync_count() >= 1);
}

fn check_rollover(segment_max_bytes: u64, flush_every: usize) {
    let dir = tempfile::tempdir().unwrap();
    let o = small_segments(dir.path(), segment_max_bytes);
    let (log, _, _) = open_collect(o.clone()).unwrap();
    let n = 3000;
    for i in 0..n {
        log.append(&record(i)).unwrap();
        if (i + 1) % flush_every == 0 {
            log.flush().unwrap();
        }
    }
    log.close().unwrap();

    let segs = segment_files(dir.path());
    assert!(segs.len() > 50, "only {} segments", segs.len());
    for seg in &segs {
        let len = std::fs::metadata(seg).unwrap().len();
        // Records here are far smaller than a segment, so none overflows.
        assert!(len <= segment_max_bytes, "{} is {len} bytes", seg.display());
        assert!(len > FILE_HEADER_BYTES as u64, "{} is empty", seg.display());
    }
    assert_eq!(file_lsn(&segs[0]), 1);

    let (report, replayed) = replay_all(o.clone());
    assert_eq!(replayed, (0..n).map(record).collect::<Vec<_>>());
    assert_eq!(report.segments, segs.len());
    assert_eq!(report.next_lsn, n as u64 + 1);

    // Appends continue in the last segment and in new ones.
    let (log, _, _) = open_collect(o.clone()).unwrap();
    for i in n..n + 500 {
        assert_eq!(log.append(&record(i)).unwrap(), i as u64 + 1);
    }
    log.close().unwrap();
    let (_, replayed) = replay_all(o);
    assert_eq!(replayed, (0..n + 500).map(record).collect::<Vec<_>>());
}

#[test]
fn segments_roll_over_when_records_are_committed_one_by_one() {
    check_rollover(1024, 1);
}

#[test]
fn segments_roll_over_inside_one_large_batch() {
    check_rollover(1024, usize::MAX);
}

#[test]
fn oversized_record_gets_its_own_segment() {
    let dir = tempfile::tempdir().unwrap();
    let o = small_segments(dir.path(), 256);
    let (log, _, _) = open_collect(o.clone()).unwrap();
    log.append(b"small").unwrap();
    log.append(&[9u8; 1000]).unwrap();
    log.append(b"small again").unwrap();
    log.close().unwrap();
    assert_eq!(segment_files(dir.path()).len(), 3);
    let (_, replayed) = replay_all(o);
    assert_eq!(
        replayed,
        vec![b"small".to_vec(), vec![9u8; 1000], b"small again".to_vec()]
    );
}

#[test]
fn record_size_limit_is_enforced() {
    let dir = tempfile::tempdir().unwrap();
    let (log, _, _) = open_collect(opts(dir.path())).unwrap();
    let too_big = vec![0u8; MAX_RECORD_BYTES + 1];
    assert!(matches!(
        log.append(&too_big),
        Err(LogError::RecordTooLarge { len, .. }) if len == MAX_RECORD_BYTES + 1
    ));
    // The log is still usable and the rejected record took no LSN.
    assert_eq!(log.append(b"ok").unwrap(), 1);
}

#[tokio::test]
async fn closed_log_rejects_work() {
    let dir = tempfile::tempdir().unwrap();
    let (log, _, _) = open_collect(opts(dir.path())).unwrap();
    let lsn = log.append(b"x").unwrap();
    log.close().unwrap();
    log.close().unwrap(); // idempotent
    assert!(matches!(log.append(b"y"), Err(LogError::Closed)));
    assert!(matches!(log.begin_snapshot(), Err(LogError::Closed)));
    // Close flushed everything appended before it.
    log.wait_durable(lsn).await.unwrap();
    assert!(matches!(
        log.wait_durable(lsn + 1).await,
        Err(LogError::Closed)
    ));
}

#[test]
fn replay_error_fails_open() {
    let dir = tempfile::tempdir().unwrap();
    let (log, _, _) = open_collect(opts(dir.path())).unwrap();
    log.append(b"fine").unwrap();
    log.append(b"poison").unwrap();
    log.close().unwrap();
    let err = Log::open(opts(dir.path()), |r| {
        if r == b"poison" {
            Err("cannot apply poison".to_string())
        } else {
            Ok(())
        }
    })
    .unwrap_err();
    match err {
        LogError::Replay(msg) => assert_eq!(msg, "cannot apply poison"),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn bytes_since_snapshot_counts_frames() {
    let dir = tempfile::tempdir().unwrap();
    let (log, _, _) = open_collect(opts(dir.path())).unwrap();
    assert_eq!(log.bytes_since_snapshot(), 0);
    log.append(&[1u8; 10]).unwrap();
    log.append(&[2u8; 20]).unwrap();
    assert_eq!(log.bytes_since_snapshot(), 8 + 10 + 8 + 20);
    log.close().unwrap();
    // After a restart it is recomputed from the segments.
    let (log, _, _) = open_collect(opts(dir.path())).unwrap();
    assert_eq!(log.bytes_since_snapshot(), 8 + 10 + 8 + 20);
}

#[test]
fn sync_off_still_writes_everything() {
    let dir = tempfile::tempdir().unwrap();
    let mut o = opts(dir.path());
    o.sync = false;
    let (log, _, _) = open_collect(o.clone()).unwrap();
    for i in 0..100 {
        log.append(&record(i)).unwrap();
    }
    log.flush().unwrap();
    assert_eq!(log.sync_count(), 0);
    log.close().unwrap();
    let (_, replayed) = replay_all(o);
    assert_eq!(replayed.len(), 100);
}

#[tokio::test]
async fn append_all_enqueues_records_together_and_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let (log, _, _) = open_collect(opts(dir.path())).unwrap();
    assert_eq!(log.append(&record(0)).unwrap(), 1);
    let batch: Vec<Vec<u8>> = (1..=10).map(record).collect();
    let last = log.append_all(batch.iter().map(Vec::as_slice)).unwrap();
    assert_eq!(last, 11);
    assert_eq!(log.next_lsn(), 12);
    // Nothing to append: the LSN of the last record so far.
    assert_eq!(log.append_all(std::iter::empty()).unwrap(), 11);
    // One record too large: none of the batch is appended.
    let too_large = vec![0u8; MAX_RECORD_BYTES + 1];
    let small = record(99);
    assert!(matches!(
        log.append_all([small.as_slice(), too_large.as_slice()]),
        Err(LogError::RecordTooLarge { .. })
    ));
    assert_eq!(log.next_lsn(), 12);
    log.wait_durable(last).await.unwrap();
    log.close().unwrap();
    let (_, replayed) = replay_all(opts(dir.path()));
    assert_eq!(replayed, (0..=10).map(record).collect::<Vec<_>>());
}
