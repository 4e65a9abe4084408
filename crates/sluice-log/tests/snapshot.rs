//! Snapshots: cut semantics, cleanup, and ignoring incomplete snapshots.

mod common;

use std::fs;
use std::path::Path;

use common::*;
use sluice_log::snapshot_file_name;
use sluice_log::LogError;
use sluice_log::SNAPSHOT_FOOTER_BYTES;

fn snap_record(i: usize) -> Vec<u8> {
    format!("state-{i}").into_bytes()
}

#[test]
fn snapshot_replaces_records_before_the_cut() {
    let dir = tempfile::tempdir().unwrap();
    let o = small_segments(dir.path(), 512);
    let (log, _, _) = open_collect(o.clone()).unwrap();
    for i in 0..100 {
        log.append(&record(i)).unwrap();
    }
    let cut = log.begin_snapshot().unwrap();
    assert_eq!(cut.lsn(), 101);
    assert_eq!(log.bytes_since_snapshot(), 0);
    for i in 100..150 {
        log.append(&record(i)).unwrap();
    }
    log.write_snapshot(cut, (0..3).map(snap_record)).unwrap();
    log.flush().unwrap();

    // Every segment holding records below the cut is gone.
    let segs = segment_files(dir.path());
    assert!(!segs.is_empty());
    for seg in &segs {
        assert!(file_lsn(seg) >= 101, "{} survived", seg.display());
    }
    assert_eq!(file_lsn(&segs[0]), 101);
    let snaps = snapshot_files(dir.path());
    assert_eq!(snaps.len(), 1);
    assert_eq!(file_lsn(&snaps[0]), 101);
    log.close().unwrap();

    let (log, report, replayed) = open_collect(o.clone()).unwrap();
    let mut expected: Vec<Vec<u8>> = (0..3).map(snap_record).collect();
    expected.extend((100..150).map(record));
    assert_eq!(replayed, expected);
    assert_eq!(report.snapshot_cut, Some(101));
    assert_eq!(report.snapshot_records, 3);
    assert_eq!(report.segment_records, 50);
    assert_eq!(report.next_lsn, 151);
    assert!(log.bytes_since_snapshot() > 0);

    // A second snapshot supersedes the first.
    assert_eq!(log.append(b"tail").unwrap(), 151);
    let cut = log.begin_snapshot().unwrap();
    assert_eq!(cut.lsn(), 152);
    log.write_snapshot(cut, vec![b"second".to_vec()]).unwrap();
    let snaps = snapshot_files(dir.path());
    assert_eq!(snaps.len(), 1);
    assert_eq!(file_lsn(&snaps[0]), 152);
    assert_eq!(log.append(b"after").unwrap(), 152);
    log.close().unwrap();

    let (report, replayed) = replay_all(o);
    assert_eq!(replayed, vec![b"second".to_vec(), b"after".to_vec()]);
    assert_eq!(report.next_lsn, 153);
}

#[test]
fn snapshot_of_an_empty_log_and_back_to_back_snapshots() {
    let dir = tempfile::tempdir().unwrap();
    let (log, _, _) = open_collect(opts(dir.path())).unwrap();
    let cut = log.begin_snapshot().unwrap();
    assert_eq!(cut.lsn(), 1);
    log.write_snapshot(cut, vec![b"empty".to_vec()]).unwrap();
    let cut = log.begin_snapshot().unwrap();
    assert_eq!(cut.lsn(), 1);
    log.write_snapshot(cut, vec![b"still empty".to_vec()])
        .unwrap();
    assert_eq!(log.append(b"first").unwrap(), 1);
    log.close().unwrap();
    let (report, replayed) = replay_all(opts(dir.path()));
    assert_eq!(replayed, vec![b"still empty".to_vec(), b"first".to_vec()]);
    assert_eq!(report.next_lsn, 2);
}

#[test]
fn stale_cut_does_not_replace_newer_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let (log, _, _) = open_collect(opts(dir.path())).unwrap();
    log.append(b"a").unwrap();
    let old_cut = log.begin_snapshot().unwrap();
    log.append(b"b").unwrap();
    let new_cut = log.begin_snapshot().unwrap();
    log.write_snapshot(new_cut, vec![b"a+b".to_vec()]).unwrap();
    log.write_snapshot(old_cut, vec![b"a".to_vec()]).unwrap();
    log.append(b"c").unwrap();
    log.close().unwrap();
    let (_, replayed) = replay_all(opts(dir.path()));
    assert_eq!(replayed, vec![b"a+b".to_vec(), b"c".to_vec()]);
}

/// Builds a log with 100 records in segments starting at 1 plus an empty
/// segment at 101, and a complete snapshot cut at 101 -- as if the crash came
/// after the snapshot rename but before the old segments were deleted.
fn log_with_snapshot_and_old_segments(dir: &Path) {
    let (log, _, _) = open_collect(small_segments(dir, 512)).unwrap();
    for i in 0..100 {
        log.append(&record(i)).unwrap();
    }
    log.close().unwrap();
    let backup: Vec<(std::path::PathBuf, Vec<u8>)> = segment_files(dir)
        .into_iter()
        .map(|p| {
            let data = fs::read(&p).unwrap();
            (p, data)
        })
        .collect();
    let (log, _, _) = open_collect(small_segments(dir, 512)).unwrap();
    let cut = log.begin_snapshot().unwrap();
    log.write_snapshot(cut, vec![b"snap".to_vec()]).unwrap();
    log.close().unwrap();
    for (p, data) in backup {
        fs::write(p, data).unwrap();
    }
}

#[test]
fn leftover_segments_before_a_complete_snapshot_are_removed() {
    let dir = tempfile::tempdir().unwrap();
    log_with_snapshot_and_old_segments(dir.path());
    let (report, replayed) = replay_all(small_segments(dir.path(), 512));
    assert_eq!(replayed, vec![b"snap".to_vec()]);
    assert!(report.removed_files > 1);
    assert_eq!(report.next_lsn, 101);
    for seg in segment_files(dir.path()) {
        assert!(file_lsn(&seg) >= 101);
    }
}

#[test]
fn snapshot_without_valid_footer_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    log_with_snapshot_and_old_segments(dir.path());
    let snap = dir.path().join(snapshot_file_name(101));
    let data = fs::read(&snap).unwrap();
    fs::write(&snap, &data[..data.len() - SNAPSHOT_FOOTER_BYTES]).unwrap();

    let (report, replayed) = replay_all(small_segments(dir.path(), 512));
    assert_eq!(replayed, (0..100).map(record).collect::<Vec<_>>());
    assert_eq!(report.ignored_snapshots, 1);
    assert_eq!(report.snapshot_cut, None);
}

#[test]
fn snapshot_with_bad_footer_checksum_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    log_with_snapshot_and_old_segments(dir.path());
    let snap = dir.path().join(snapshot_file_name(101));
    let mut data = fs::read(&snap).unwrap();
    let last = data.len() - 1;
    data[last] ^= 0xff;
    fs::write(&snap, &data).unwrap();

    let (report, replayed) = replay_all(small_segments(dir.path(), 512));
    assert_eq!(replayed, (0..100).map(record).collect::<Vec<_>>());
    assert_eq!(report.ignored_snapshots, 1);
}

#[test]
fn temp_snapshot_is_ignored_and_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let (log, _, _) = open_collect(opts(dir.path())).unwrap();
    for i in 0..10 {
        log.append(&record(i)).unwrap();
    }
    log.close().unwrap();
    // A snapshot that was being written when the process died.
    let tmp = dir.path().join(format!("{}.tmp", snapshot_file_name(11)));
    fs::write(&tmp, b"SLUICSNP half written").unwrap();

    let (report, replayed) = replay_all(opts(dir.path()));
    assert_eq!(replayed, (0..10).map(record).collect::<Vec<_>>());
    assert_eq!(report.removed_files, 1);
    assert!(!tmp.exists());
}

#[test]
fn falling_back_past_a_bad_snapshot_never_skips_data() {
    // The only snapshot is damaged and the segments it replaced are gone:
    // opening must fail rather than start from an empty state.
    let dir = tempfile::tempdir().unwrap();
    let (log, _, _) = open_collect(small_segments(dir.path(), 512)).unwrap();
    for i in 0..100 {
        log.append(&record(i)).unwrap();
    }
    let cut = log.begin_snapshot().unwrap();
    log.append(b"after").unwrap();
    log.write_snapshot(cut, vec![b"snap".to_vec()]).unwrap();
    log.close().unwrap();
    let snap = dir.path().join(snapshot_file_name(101));
    let mut data = fs::read(&snap).unwrap();
    data[30] ^= 1;
    fs::write(&snap, &data).unwrap();

    match open_collect(small_segments(dir.path(), 512)) {
        Err(LogError::Corrupt { file, offset, .. }) => {
            assert_eq!(file_lsn(&file), 101);
            assert_eq!(offset, 0);
        }
        Err(other) => panic!("unexpected error {other}"),
        Ok(_) => panic!("open succeeded without the snapshot's data"),
    }
}

#[test]
fn snapshot_bytes_is_the_newest_snapshot_files_size() {
    let dir = tempfile::tempdir().unwrap();
    let (log, _, _) = open_collect(opts(dir.path())).unwrap();
    assert_eq!(log.snapshot_bytes(), 0, "no snapshot yet");
    log.append(&record(0)).unwrap();
    let cut = log.begin_snapshot().unwrap();
    let at = cut.lsn();
    log.write_snapshot(cut, (0..3).map(snap_record)).unwrap();
    let first = fs::metadata(dir.path().join(snapshot_file_name(at)))
        .unwrap()
        .len();
    assert_eq!(log.snapshot_bytes(), first);
    log.append(&record(1)).unwrap();
    let cut = log.begin_snapshot().unwrap();
    let at = cut.lsn();
    log.write_snapshot(cut, (0..300).map(snap_record)).unwrap();
    let second = fs::metadata(dir.path().join(snapshot_file_name(at)))
        .unwrap()
        .len();
    assert!(second > first);
    assert_eq!(log.snapshot_bytes(), second);
}
