//! Segment files and the log directory: naming, listing, creating, opening for
//! append, and scanning a segment's records during recovery.
//!
//! A segment is named after the LSN of its first record, zero-padded to 20
//! digits so lexical and numeric order agree (`00000000000000000001.seg`). It
//! starts with a [file header](crate::frame) that repeats that LSN, followed by
//! record frames back to back. A record's LSN is not stored; it is the
//! segment's first LSN plus the record's index in the segment, and recovery
//! checks that consecutive segments continue each other exactly.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::error::{io_at, LogError};
use crate::frame::{self, HeaderError, FILE_HEADER_BYTES, SEGMENT_MAGIC};
use crate::Lsn;

/// File name suffix of segment files.
pub const SEGMENT_SUFFIX: &str = ".seg";
/// File name suffix of snapshot files.
pub const SNAPSHOT_SUFFIX: &str = ".snap";
/// File name suffix of files being written that are not yet in place.
pub const TEMP_SUFFIX: &str = ".tmp";
/// Number of digits in the zero-padded LSN of a file name.
pub const FILE_NAME_LSN_DIGITS: usize = 20;

/// File name of the segment whose first record has `first_lsn`.
pub fn segment_file_name(first_lsn: Lsn) -> String {
    format!(
        "{first_lsn:0width$}{SEGMENT_SUFFIX}",
        width = FILE_NAME_LSN_DIGITS
    )
}

/// File name of the snapshot cut at `cut_lsn`.
pub fn snapshot_file_name(cut_lsn: Lsn) -> String {
    format!(
        "{cut_lsn:0width$}{SNAPSHOT_SUFFIX}",
        width = FILE_NAME_LSN_DIGITS
    )
}

fn parse_lsn_name(name: &str, suffix: &str) -> Option<Lsn> {
    let digits = name.strip_suffix(suffix)?;
    if digits.len() != FILE_NAME_LSN_DIGITS || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The log files found in a directory, each list sorted by LSN ascending.
#[derive(Debug, Default)]
pub struct DirListing {
    pub segments: Vec<(Lsn, PathBuf)>,
    pub snapshots: Vec<(Lsn, PathBuf)>,
    pub temps: Vec<PathBuf>,
}

/// Lists the segment, snapshot and temporary files in `dir`. Other files are
/// ignored.
pub fn list_dir(dir: &Path) -> Result<DirListing, LogError> {
    let mut listing = DirListing::default();
    let entries = fs::read_dir(dir).map_err(|e| io_at("listing", dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| io_at("listing", dir, e))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let path = entry.path();
        if name.ends_with(TEMP_SUFFIX) {
            listing.temps.push(path);
        } else if let Some(lsn) = parse_lsn_name(name, SEGMENT_SUFFIX) {
            listing.segments.push((lsn, path));
        } else if let Some(lsn) = parse_lsn_name(name, SNAPSHOT_SUFFIX) {
            listing.snapshots.push((lsn, path));
        }
    }
    listing.segments.sort();
    listing.snapshots.sort();
    listing.temps.sort();
    Ok(listing)
}

/// Fsyncs a directory so that entries created, renamed or removed in it are
/// durable.
pub fn sync_dir(dir: &Path) -> Result<(), LogError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io_at("syncing directory", dir, e))
}

/// Removes a file, treating "already gone" as success.
pub fn remove_file(path: &Path) -> Result<(), LogError> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io_at("removing", path, e)),
    }
}

/// The segment currently being appended to by the writer.
#[derive(Debug)]
pub struct ActiveSegment {
    pub file: File,
    pub path: PathBuf,
    pub first_lsn: Lsn,
    /// File size in bytes, header included.
    pub bytes: u64,
    /// Number of records in the segment.
    pub records: u64,
}

impl ActiveSegment {
    /// Creates a new, empty segment starting at `first_lsn`. With `sync`, the
    /// header is fsync'd and the directory entry made durable before
    /// returning. If a step after creating the file fails (say, the disk is
    /// full), the file is removed again so that a retry can create it.
    pub fn create(dir: &Path, first_lsn: Lsn, sync: bool) -> Result<Self, LogError> {
        let path = dir.join(segment_file_name(first_lsn));
        let mut file = OpenOptions::new()
            .append(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| io_at("creating segment", &path, e))?;
        let finish = |file: &mut File| -> Result<(), LogError> {
            file.write_all(&frame::encode_file_header(SEGMENT_MAGIC, first_lsn))
                .map_err(|e| io_at("writing header of", &path, e))?;
            if sync {
                file.sync_all()
                    .map_err(|e| io_at("syncing new segment", &path, e))?;
                sync_dir(dir)?;
            }
            Ok(())
        };
        if let Err(err) = finish(&mut file) {
            // Best effort: recovery also repairs a last segment with a torn header.
            let _ = fs::remove_file(&path);
            return Err(err);
        }
        Ok(ActiveSegment {
            file,
            path,
            first_lsn,
            bytes: FILE_HEADER_BYTES as u64,
            records: 0,
        })
    }

    /// Opens an existing, already validated segment for appending.
    pub fn open_existing(
        path: PathBuf,
        first_lsn: Lsn,
        bytes: u64,
        records: u64,
    ) -> Result<Self, LogError> {
        let file = OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(|e| io_at("opening segment", &path, e))?;
        Ok(ActiveSegment {
            file,
            path,
            first_lsn,
            bytes,
            records,
        })
    }

    /// LSN the next record written to this segment will have.
    pub fn next_lsn(&self) -> Lsn {
        self.first_lsn + self.records
    }
}

/// The first damaged frame found while scanning a segment.
#[derive(Debug)]
pub struct BadRecord {
    /// Offset of the damaged frame in the file.
    pub offset: u64,
    pub reason: String,
    /// Offset of a later frame with a valid checksum, if one exists. Its
    /// presence means the damage is not a torn tail.
    pub later_valid: Option<u64>,
}

/// Everything recovery needs to know about one segment file.
#[derive(Debug)]
pub struct SegmentScan {
    /// The whole file.
    pub data: Vec<u8>,
    /// Result of parsing the header (the first LSN it records on success).
    pub header: Result<Lsn, HeaderError>,
    /// Byte ranges of the payloads of the valid records, in order.
    pub records: Vec<(usize, usize)>,
    /// Offset just past the last valid record (the header length when there
    /// are none).
    pub valid_len: u64,
    /// The first damaged frame, if the valid records do not reach the end.
    pub bad: Option<BadRecord>,
}

impl SegmentScan {
    /// The payload of the `i`th valid record.
    pub fn record(&self, i: usize) -> &[u8] {
        let (start, end) = self.records[i];
        &self.data[start..end]
    }
}

/// Reads a segment and parses its header and every valid record, stopping at
/// the first damaged frame.
pub fn scan_segment(path: &Path) -> Result<SegmentScan, LogError> {
    let data = fs::read(path).map_err(|e| io_at("reading segment", path, e))?;
    let header = frame::decode_file_header(&data, SEGMENT_MAGIC);
    let mut scan = SegmentScan {
        data,
        header,
        records: Vec::new(),
        valid_len: 0,
        bad: None,
    };
    if scan.header.is_err() {
        return Ok(scan);
    }
    let mut pos = FILE_HEADER_BYTES;
    while pos < scan.data.len() {
        match frame::decode(&scan.data[pos..]) {
            Ok((payload, len)) => {
                let start = pos + frame::FRAME_HEADER_BYTES;
                scan.records.push((start, start + payload.len()));
                pos += len;
            }
            Err(err) => {
                let later_valid =
                    frame::find_valid_frame_after(&scan.data, pos).map(|off| off as u64);
                scan.bad = Some(BadRecord {
                    offset: pos as u64,
                    reason: err.reason(),
                    later_valid,
                });
                break;
            }
        }
    }
    scan.valid_len = pos as u64;
    Ok(scan)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_sort_numerically_and_parse_back() {
        assert_eq!(segment_file_name(1), "00000000000000000001.seg");
        assert_eq!(snapshot_file_name(123), "00000000000000000123.snap");
        assert_eq!(
            parse_lsn_name(&segment_file_name(u64::MAX), SEGMENT_SUFFIX),
            Some(u64::MAX)
        );
        assert!(segment_file_name(9) < segment_file_name(10));
        assert_eq!(parse_lsn_name("1.seg", SEGMENT_SUFFIX), None);
        assert_eq!(
            parse_lsn_name("0000000000000000000x.seg", SEGMENT_SUFFIX),
            None
        );
    }

    #[test]
    fn listing_classifies_files() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            segment_file_name(5),
            segment_file_name(1),
            snapshot_file_name(3),
            format!("{}{TEMP_SUFFIX}", snapshot_file_name(9)),
            "README".to_string(),
        ] {
            fs::write(dir.path().join(name), b"x").unwrap();
        }
        let listing = list_dir(dir.path()).unwrap();
        let seg_lsns: Vec<_> = listing.segments.iter().map(|(l, _)| *l).collect();
        assert_eq!(seg_lsns, vec![1, 5]);
        assert_eq!(listing.snapshots.len(), 1);
        assert_eq!(listing.snapshots[0].0, 3);
        assert_eq!(listing.temps.len(), 1);
    }

    #[test]
    fn scan_reports_records_and_damage() {
        let dir = tempfile::tempdir().unwrap();
        let mut seg = ActiveSegment::create(dir.path(), 7, false).unwrap();
        let mut buf = Vec::new();
        frame::encode_into(&mut buf, b"one");
        frame::encode_into(&mut buf, b"two");
        seg.file.write_all(&buf).unwrap();
        seg.file.write_all(&[1, 2, 3]).unwrap();
        drop(seg);
        let scan = scan_segment(&dir.path().join(segment_file_name(7))).unwrap();
        assert_eq!(scan.header, Ok(7));
        assert_eq!(scan.records.len(), 2);
        assert_eq!(scan.record(1), b"two");
        assert_eq!(scan.valid_len, (FILE_HEADER_BYTES + buf.len()) as u64);
        let bad = scan.bad.unwrap();
        assert_eq!(bad.offset, scan.valid_len);
        assert_eq!(bad.later_valid, None);
    }
}
