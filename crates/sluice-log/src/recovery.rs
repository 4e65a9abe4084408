//! Recovery on open: choose the newest complete snapshot, replay it, then
//! replay every segment after its cut in LSN order, repairing only what a
//! crash can legitimately leave behind.
//!
//! What a crash may leave, and what recovery does about it:
//!
//! * `*.tmp` files (a snapshot that was never renamed into place): deleted.
//! * A `.snap` that does not verify: ignored with a warning; the next older
//!   snapshot is tried.
//! * Snapshots older than the chosen one, and segments that end before its
//!   cut (the crash hit between renaming a snapshot and deleting what it
//!   replaced): deleted.
//! * A torn or checksum-failing frame at the very end of the last segment,
//!   with no valid frame anywhere after it (a write cut short): the file is
//!   truncated there, a warning names file and offset, and the bytes are
//!   counted in [`RecoveryReport::torn_tail_bytes`]. Those records were never
//!   fdatasync'd, so no client was told they were durable.
//! * A last segment shorter than its header (created, then crashed): its
//!   header is rewritten.
//!
//! Anything else — a damaged frame in an earlier segment, a damaged frame in
//! the last segment followed by a frame that verifies, a missing segment (a
//! gap in LSNs), a bad header — fails `open` with [`LogError::Corrupt`]
//! naming the file and offset. Acknowledged data is never skipped silently
//! and `replay` never sees bytes that did not verify.

use std::fmt;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::error::{io_at, LogError};
use crate::frame::{self, HeaderError, FILE_HEADER_BYTES, FORMAT_VERSION, SEGMENT_MAGIC};
use crate::segment::{self, ActiveSegment};
use crate::{snapshot, LogOptions, Lsn};

/// What recovery found and did; meant for a log line at startup.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecoveryReport {
    /// Records handed to `replay` in total (snapshot plus segments).
    pub records_replayed: u64,
    /// Of those, records that came from the snapshot.
    pub snapshot_records: u64,
    /// Of those, records that came from segments.
    pub segment_records: u64,
    /// Cut LSN of the snapshot that was loaded, if any.
    pub snapshot_cut: Option<Lsn>,
    /// Bytes dropped from the end of the last segment (a torn write).
    pub torn_tail_bytes: u64,
    /// Segment files replayed.
    pub segments: usize,
    /// Total size in bytes of the segments replayed, after any truncation.
    pub segment_bytes: u64,
    /// Snapshot files that failed verification and were skipped.
    pub ignored_snapshots: usize,
    /// Leftover files deleted (temporary files, superseded snapshots and
    /// segments).
    pub removed_files: usize,
    /// LSN the next appended record will get.
    pub next_lsn: Lsn,
    /// Wall-clock time spent in recovery.
    pub elapsed: Duration,
}

impl fmt::Display for RecoveryReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "replayed {} records ({} from snapshot",
            self.records_replayed, self.snapshot_records
        )?;
        if let Some(cut) = self.snapshot_cut {
            write!(f, " cut at LSN {cut}")?;
        }
        write!(
            f,
            ", {} from {} segments totalling {} bytes) in {:?}; next LSN {}",
            self.segment_records, self.segments, self.segment_bytes, self.elapsed, self.next_lsn
        )?;
        if self.torn_tail_bytes > 0 {
            write!(f, "; dropped a torn tail of {} bytes", self.torn_tail_bytes)?;
        }
        if self.ignored_snapshots > 0 {
            write!(f, "; ignored {} damaged snapshots", self.ignored_snapshots)?;
        }
        if self.removed_files > 0 {
            write!(f, "; removed {} leftover files", self.removed_files)?;
        }
        Ok(())
    }
}

/// Result of recovery: the report plus what the writer needs to continue.
pub(crate) struct Recovered {
    pub report: RecoveryReport,
    pub next_lsn: Lsn,
    pub segment: ActiveSegment,
    pub snapshot_cut: Lsn,
    pub bytes_since_snapshot: u64,
}

fn corrupt(file: &Path, offset: u64, reason: impl Into<String>) -> LogError {
    LogError::Corrupt {
        file: file.to_path_buf(),
        offset,
        reason: reason.into(),
    }
}

fn header_error(file: &Path, err: HeaderError) -> LogError {
    match err {
        HeaderError::UnsupportedVersion { found } => LogError::UnsupportedVersion {
            file: file.to_path_buf(),
            found,
            supported: FORMAT_VERSION,
        },
        other => corrupt(file, 0, other.reason()),
    }
}

pub(crate) fn recover(
    opts: &LogOptions,
    replay: &mut dyn FnMut(&[u8]) -> Result<(), String>,
) -> Result<Recovered, LogError> {
    let started = Instant::now();
    let dir = opts.dir.as_path();
    std::fs::create_dir_all(dir).map_err(|e| io_at("creating log directory", dir, e))?;
    let listing = segment::list_dir(dir)?;
    let mut report = RecoveryReport::default();
    let mut removed_any = false;

    for tmp in &listing.temps {
        tracing::info!(file = %tmp.display(), "removing leftover temporary log file");
        segment::remove_file(tmp)?;
        report.removed_files += 1;
        removed_any = true;
    }

    // Newest snapshot that verifies.
    let mut chosen: Option<(Lsn, PathBuf)> = None;
    for (cut, path) in listing.snapshots.iter().rev() {
        match snapshot::read(path, *cut, &mut |_| Ok(())) {
            Ok(_) => {
                chosen = Some((*cut, path.clone()));
                break;
            }
            Err(LogError::Corrupt {
                file,
                offset,
                reason,
            }) => {
                tracing::warn!(
                    file = %file.display(),
                    offset,
                    reason = %reason,
                    "ignoring incomplete or damaged snapshot"
                );
                report.ignored_snapshots += 1;
            }
            Err(other) => return Err(other),
        }
    }

    let snapshot_cut = match &chosen {
        Some((cut, path)) => {
            let info = snapshot::read(path, *cut, replay)?;
            report.snapshot_records = info.records;
            report.snapshot_cut = Some(*cut);
            for (older, older_path) in &listing.snapshots {
                if older < cut {
                    segment::remove_file(older_path)?;
                    report.removed_files += 1;
                    removed_any = true;
                }
            }
            *cut
        }
        None => 1,
    };

    // Segments wholly before the snapshot cut are covered by it. The writer
    // always starts a fresh segment at the cut before the snapshot is
    // written, so "first LSN < cut" means "every record < cut".
    let mut segments = Vec::new();
    for (first, path) in &listing.segments {
        if chosen.is_some() && *first < snapshot_cut {
            segment::remove_file(path)?;
            report.removed_files += 1;
            removed_any = true;
        } else {
            segments.push((*first, path.clone()));
        }
    }
    if removed_any {
        segment::sync_dir(dir)?;
    }

    let mut expected = snapshot_cut;
    let mut active: Option<ActiveSegment> = None;
    let mut bytes_since_snapshot = 0u64;
    let last_index = segments.len().checked_sub(1);
    for (i, (first, path)) in segments.iter().enumerate() {
        let is_last = Some(i) == last_index;
        if *first != expected {
            return Err(corrupt(
                path,
                0,
                format!(
                    "segment starts at LSN {first} but LSN {expected} was expected \
                     (a segment is missing or out of place)"
                ),
            ));
        }
        let scan = segment::scan_segment(path)?;
        let file_len = scan.data.len() as u64;
        match scan.header {
            Ok(lsn) if lsn == *first => {}
            Ok(lsn) => {
                return Err(corrupt(
                    path,
                    0,
                    format!("header says first LSN {lsn} but the file name says {first}"),
                ))
            }
            Err(HeaderError::Short { .. }) if is_last => {
                // Created but the header never reached the disk.
                tracing::warn!(
                    file = %path.display(),
                    len = file_len,
                    "last log segment has a torn header; rewriting it"
                );
                rewrite_header(path, *first, opts.sync)?;
                report.torn_tail_bytes += file_len;
                report.segments += 1;
                report.segment_bytes += FILE_HEADER_BYTES as u64;
                active = Some(ActiveSegment::open_existing(
                    path.clone(),
                    *first,
                    FILE_HEADER_BYTES as u64,
                    0,
                )?);
                continue;
            }
            Err(err) => return Err(header_error(path, err)),
        }

        let mut valid_len = file_len;
        if let Some(bad) = &scan.bad {
            if !is_last {
                return Err(corrupt(
                    path,
                    bad.offset,
                    format!("{} (in a segment that is not the last one)", bad.reason),
                ));
            }
            if let Some(later) = bad.later_valid {
                return Err(corrupt(
                    path,
                    bad.offset,
                    format!(
                        "{}, but a valid record follows at offset {later}, so this is not a torn tail",
                        bad.reason
                    ),
                ));
            }
            tracing::warn!(
                file = %path.display(),
                offset = bad.offset,
                dropped_bytes = file_len - bad.offset,
                reason = %bad.reason,
                "dropping torn record(s) at the tail of the last log segment"
            );
            truncate(path, bad.offset, opts.sync)?;
            report.torn_tail_bytes += file_len - bad.offset;
            valid_len = bad.offset;
        }
        debug_assert_eq!(valid_len, scan.valid_len);

        for i in 0..scan.records.len() {
            replay(scan.record(i)).map_err(LogError::Replay)?;
        }
        let count = scan.records.len() as u64;
        report.segment_records += count;
        report.segments += 1;
        report.segment_bytes += valid_len;
        bytes_since_snapshot += valid_len - FILE_HEADER_BYTES as u64;
        expected = first + count;
        if is_last {
            active = Some(ActiveSegment::open_existing(
                path.clone(),
                *first,
                valid_len,
                count,
            )?);
        }
    }

    let segment = match active {
        Some(segment) => segment,
        None => ActiveSegment::create(dir, expected, opts.sync)?,
    };
    report.records_replayed = report.snapshot_records + report.segment_records;
    report.next_lsn = expected;
    report.elapsed = started.elapsed();
    Ok(Recovered {
        report,
        next_lsn: expected,
        segment,
        snapshot_cut: chosen.map_or(0, |(cut, _)| cut),
        bytes_since_snapshot,
    })
}

fn truncate(path: &Path, len: u64, sync: bool) -> Result<(), LogError> {
    let file = OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| io_at("opening for truncation", path, e))?;
    file.set_len(len)
        .map_err(|e| io_at("truncating", path, e))?;
    if sync {
        file.sync_all()
            .map_err(|e| io_at("syncing truncated", path, e))?;
    }
    Ok(())
}

fn rewrite_header(path: &Path, first_lsn: Lsn, sync: bool) -> Result<(), LogError> {
    let mut file = OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(path)
        .map_err(|e| io_at("opening for repair", path, e))?;
    file.write_all(&frame::encode_file_header(SEGMENT_MAGIC, first_lsn))
        .map_err(|e| io_at("rewriting header of", path, e))?;
    if sync {
        file.sync_all()
            .map_err(|e| io_at("syncing repaired", path, e))?;
    }
    Ok(())
}
