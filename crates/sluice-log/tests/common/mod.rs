//! Helpers shared by the integration tests.

#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};

use sluice_log::{Log, LogError, LogOptions, RecoveryReport};

pub fn opts(dir: &Path) -> LogOptions {
    LogOptions::new(dir)
}

pub fn small_segments(dir: &Path, segment_max_bytes: u64) -> LogOptions {
    LogOptions {
        segment_max_bytes,
        ..LogOptions::new(dir)
    }
}

/// Opens the log and collects every replayed record.
pub fn open_collect(opts: LogOptions) -> Result<(Log, RecoveryReport, Vec<Vec<u8>>), LogError> {
    let mut records = Vec::new();
    let (log, report) = Log::open(opts, |r| {
        records.push(r.to_vec());
        Ok(())
    })?;
    Ok((log, report, records))
}

/// Replays the log in `opts.dir` and closes it again.
pub fn replay_all(opts: LogOptions) -> (RecoveryReport, Vec<Vec<u8>>) {
    let (log, report, records) = open_collect(opts).expect("open");
    log.close().expect("close");
    (report, records)
}

pub fn record(i: usize) -> Vec<u8> {
    // Varying sizes, including empty records.
    let mut r = format!("record-{i}-").into_bytes();
    r.resize(i % 97, b'x');
    r
}

fn files_with_suffix(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_str().unwrap().ends_with(suffix))
        .collect();
    out.sort();
    out
}

pub fn segment_files(dir: &Path) -> Vec<PathBuf> {
    files_with_suffix(dir, ".seg")
}

pub fn snapshot_files(dir: &Path) -> Vec<PathBuf> {
    files_with_suffix(dir, ".snap")
}

/// First LSN encoded in a segment or snapshot file name.
pub fn file_lsn(path: &Path) -> u64 {
    let name = path.file_name().unwrap().to_str().unwrap();
    name.split('.').next().unwrap().parse().unwrap()
}

/// Flushes, retrying (bounded) while the log answers that the disk is full:
/// once space is back, the writer's next retry catches up.
pub fn flush_eventually(log: &Log) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        match log.flush() {
            Ok(()) => return,
            Err(LogError::NoSpace) => {
                assert!(
                    std::time::Instant::now() < deadline,
                    "the log never caught up"
                );
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            Err(other) => panic!("unexpected {other}"),
        }
    }
}
