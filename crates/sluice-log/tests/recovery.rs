//! Crash recovery: torn tails are dropped, any other damage is reported.

mod common;

use std::fs::{self, OpenOptions};
use std::path::{Path, PathBuf};

use common::*;
use sluice_log::frame::{self, FILE_HEADER_BYTES, FRAME_HEADER_BYTES};
use sluice_log::LogError;

/// Writes records 0..n in a single segment and returns the segment path and
/// the file offset of each record's frame.
fn single_segment(dir: &Path, n: usize) -> (PathBuf, Vec<u64>) {
    let (log, _, _) = open_collect(opts(dir)).unwrap();
    let mut offsets = Vec::new();
    let mut pos = FILE_HEADER_BYTES as u64;
    for i in 0..n {
        log.append(&record(i)).unwrap();
        offsets.push(pos);
        pos += (FRAME_HEADER_BYTES + record(i).len()) as u64;
    }
    log.close().unwrap();
    let segs = segment_files(dir);
    assert_eq!(segs.len(), 1);
    assert_eq!(fs::metadata(&segs[0]).unwrap().len(), pos);
    (segs[0].clone(), offsets)
}

fn flip_byte(path: &Path, offset: u64) {
    let mut data = fs::read(path).unwrap();
    data[offset as usize] ^= 0x5a;
    fs::write(path, data).unwrap();
}

fn expect_corrupt(dir: &Path, want_file: &Path, want_offset: u64) {
    match open_collect(opts(dir)) {
        Err(LogError::Corrupt {
            file,
            offset,
            reason,
        }) => {
            assert_eq!(file, want_file);
            assert_eq!(offset, want_offset, "reason: {reason}");
            // The message names both.
            let msg = LogError::Corrupt {
                file,
                offset,
                reason,
            }
            .to_string();
            assert!(msg.contains(&want_file.display().to_string()), "{msg}");
            assert!(msg.contains(&want_offset.to_string()), "{msg}");
        }
        Err(other) => panic!("expected Corrupt, got {other}"),
        Ok(_) => panic!("expected Corrupt, open succeeded"),
    }
}

#[test]
fn truncated_last_record_is_dropped_and_appends_continue() {
    let dir = tempfile::tempdir().unwrap();
    let (seg, offsets) = single_segment(dir.path(), 50);
    let len = fs::metadata(&seg).unwrap().len();
    let last_start = offsets[49];
    // Cut the last frame in half.
    let cut_at = last_start + (len - last_start) / 2;
    OpenOptions::new()
        .write(true)
        .open(&seg)
        .unwrap()
        .set_len(cut_at)
        .unwrap();

    let (log, report, replayed) = open_collect(opts(dir.path())).unwrap();
    assert_eq!(replayed, (0..49).map(record).collect::<Vec<_>>());
    assert_eq!(report.torn_tail_bytes, cut_at - last_start);
    assert_eq!(report.next_lsn, 50);
    assert_eq!(fs::metadata(&seg).unwrap().len(), last_start);
    assert_eq!(log.append(b"replacement").unwrap(), 50);
    log.close().unwrap();

    let (report, replayed) = replay_all(opts(dir.path()));
    let mut expected: Vec<Vec<u8>> = (0..49).map(record).collect();
    expected.push(b"replacement".to_vec());
    assert_eq!(replayed, expected);
    assert_eq!(report.torn_tail_bytes, 0);
}

#[test]
fn truncation_inside_a_frame_header_is_a_torn_tail() {
    let dir = tempfile::tempdir().unwrap();
    let (seg, offsets) = single_segment(dir.path(), 5);
    OpenOptions::new()
        .write(true)
        .open(&seg)
        .unwrap()
        .set_len(offsets[4] + 3)
        .unwrap();
    let (report, replayed) = replay_all(opts(dir.path()));
    assert_eq!(replayed.len(), 4);
    assert_eq!(report.torn_tail_bytes, 3);
}

#[test]
fn flipped_byte_in_last_record_is_a_torn_tail() {
    let dir = tempfile::tempdir().unwrap();
    let (seg, offsets) = single_segment(dir.path(), 20);
    let len = fs::metadata(&seg).unwrap().len();
    flip_byte(&seg, offsets[19] + FRAME_HEADER_BYTES as u64);
    let (report, replayed) = replay_all(opts(dir.path()));
    assert_eq!(replayed, (0..19).map(record).collect::<Vec<_>>());
    assert_eq!(report.torn_tail_bytes, len - offsets[19]);
}

#[test]
fn garbage_after_the_last_record_is_a_torn_tail() {
    let dir = tempfile::tempdir().unwrap();
    let (seg, _) = single_segment(dir.path(), 20);
    let mut data = fs::read(&seg).unwrap();
    data.extend_from_slice(&[0u8; 4096]);
    fs::write(&seg, data).unwrap();
    let (report, replayed) = replay_all(opts(dir.path()));
    assert_eq!(replayed.len(), 20);
    assert_eq!(report.torn_tail_bytes, 4096);
}

#[test]
fn flipped_byte_in_a_middle_record_is_corruption() {
    let dir = tempfile::tempdir().unwrap();
    let (seg, offsets) = single_segment(dir.path(), 20);
    // Payload byte of record 10.
    flip_byte(&seg, offsets[10] + FRAME_HEADER_BYTES as u64 + 2);
    expect_corrupt(dir.path(), &seg, offsets[10]);
    // Nothing was truncated by the failed open.
    assert_eq!(
        fs::metadata(&seg).unwrap().len(),
        offsets[19] + (FRAME_HEADER_BYTES + record(19).len()) as u64
    );
}

#[test]
fn flipped_length_in_a_middle_record_is_corruption() {
    let dir = tempfile::tempdir().unwrap();
    let (seg, offsets) = single_segment(dir.path(), 20);
    flip_byte(&seg, offsets[7]);
    expect_corrupt(dir.path(), &seg, offsets[7]);
}

#[test]
fn damage_in_an_earlier_segment_is_corruption_even_at_its_tail() {
    let dir = tempfile::tempdir().unwrap();
    let o = small_segments(dir.path(), 512);
    let (log, _, _) = open_collect(o.clone()).unwrap();
    for i in 0..200 {
        log.append(&record(i)).unwrap();
    }
    log.close().unwrap();
    let segs = segment_files(dir.path());
    assert!(segs.len() > 3);
    let victim = &segs[1];
    let len = fs::metadata(victim).unwrap().len();
    flip_byte(victim, len - 1);
    match open_collect(o) {
        Err(LogError::Corrupt { file, .. }) => assert_eq!(&file, victim),
        Err(other) => panic!("expected Corrupt, got {other}"),
        Ok(_) => panic!("expected Corrupt, open succeeded"),
    }
}

#[test]
fn missing_segment_is_corruption() {
    let dir = tempfile::tempdir().unwrap();
    let o = small_segments(dir.path(), 512);
    let (log, _, _) = open_collect(o.clone()).unwrap();
    for i in 0..200 {
        log.append(&record(i)).unwrap();
    }
    log.close().unwrap();
    let segs = segment_files(dir.path());
    fs::remove_file(&segs[2]).unwrap();
    expect_corrupt(dir.path(), &segs[3], 0);
}

#[test]
fn header_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    let (seg, _) = single_segment(dir.path(), 3);
    let good = fs::read(&seg).unwrap();

    // Wrong magic.
    let mut bad = good.clone();
    bad[0] = b'X';
    fs::write(&seg, &bad).unwrap();
    expect_corrupt(dir.path(), &seg, 0);

    // A future format version with an intact header is refused, not parsed.
    let mut future = good.clone();
    let mut header = frame::encode_file_header(frame::SEGMENT_MAGIC, 1);
    header[8..12].copy_from_slice(&2u32.to_le_bytes());
    let crc = crc32(&header[..20]);
    header[20..].copy_from_slice(&crc.to_le_bytes());
    future[..FILE_HEADER_BYTES].copy_from_slice(&header);
    fs::write(&seg, &future).unwrap();
    match open_collect(opts(dir.path())) {
        Err(LogError::UnsupportedVersion { found: 2, .. }) => {}
        Err(other) => panic!("unexpected {other}"),
        Ok(_) => panic!("opened a future-format segment"),
    }

    fs::write(&seg, &good).unwrap();
    assert_eq!(replay_all(opts(dir.path())).1.len(), 3);
}

#[test]
fn last_segment_with_torn_header_is_repaired() {
    let dir = tempfile::tempdir().unwrap();
    let o = small_segments(dir.path(), 512);
    let (log, _, _) = open_collect(o.clone()).unwrap();
    for i in 0..100 {
        log.append(&record(i)).unwrap();
    }
    log.close().unwrap();
    // A new segment was being created when the process died.
    let (_, replayed) = replay_all(o.clone());
    let next = replayed.len() as u64 + 1;
    let fresh = dir.path().join(sluice_log::segment_file_name(next));
    fs::write(
        &fresh,
        &frame::encode_file_header(frame::SEGMENT_MAGIC, next)[..10],
    )
    .unwrap();

    let (log, report, replayed) = open_collect(o.clone()).unwrap();
    assert_eq!(replayed.len(), 100);
    assert_eq!(report.torn_tail_bytes, 10);
    assert_eq!(log.append(b"more").unwrap(), next);
    log.close().unwrap();
    let (_, replayed) = replay_all(o);
    assert_eq!(replayed.len(), 101);
}

fn crc32(bytes: &[u8]) -> u32 {
    // Bitwise CRC-32 (IEEE), independent of the crate under test.
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}
