//! Snapshot files: writing one atomically and reading one back.
//!
//! A snapshot named `<cut>.snap` (cut zero-padded to 20 digits) holds records
//! that together describe the store's whole state after applying every log
//! record with LSN `< cut` and none with LSN `>= cut`. Its layout is
//!
//! ```text
//! file header (magic "SLUICSNP", version, cut LSN)
//! record frames, same framing as segments
//! footer: magic "SLUICEND" | record count: u64 LE | crc: u32 LE
//! ```
//!
//! where the footer CRC covers every byte of the file before it. The file is
//! first written as `<cut>.snap.tmp`, fsync'd, renamed into place and the
//! directory fsync'd, so a crash leaves either no snapshot or a complete one.
//! A `.snap` whose footer does not verify (it should never exist, but disks
//! fail) is ignored by recovery rather than replayed in part.

use std::fs::{self, File};
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use crate::error::{io_at, LogError};
use crate::frame::{
    self, HeaderError, FILE_HEADER_BYTES, FORMAT_VERSION, FRAME_HEADER_BYTES, MAX_RECORD_BYTES,
    SNAPSHOT_MAGIC,
};
use crate::segment::{self, TEMP_SUFFIX};
use crate::Lsn;

/// Magic bytes that open the snapshot footer.
pub const SNAPSHOT_FOOTER_MAGIC: [u8; 8] = *b"SLUICEND";

/// Size in bytes of the snapshot footer: magic, record count, CRC.
pub const SNAPSHOT_FOOTER_BYTES: usize = 20;

/// Buffer size in bytes used when streaming snapshot files.
pub const SNAPSHOT_IO_BUFFER_BYTES: usize = 1024 * 1024;

/// Path of the temporary file a snapshot is written to before the rename.
pub fn temp_path(final_path: &Path) -> PathBuf {
    let mut name = final_path.as_os_str().to_owned();
    name.push(TEMP_SUFFIX);
    PathBuf::from(name)
}

/// Size and record count of a snapshot that was written or verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SnapshotInfo {
    pub records: u64,
    pub bytes: u64,
}

/// Writes the snapshot for `cut` into `dir` atomically (temp file, fsync,
/// rename, directory fsync).
pub fn write(
    dir: &Path,
    cut: Lsn,
    records: impl IntoIterator<Item = Vec<u8>>,
) -> Result<SnapshotInfo, LogError> {
    let final_path = dir.join(segment::snapshot_file_name(cut));
    let tmp_path = temp_path(&final_path);
    let result = write_temp(&tmp_path, cut, records).and_then(|info| {
        fs::rename(&tmp_path, &final_path).map_err(|e| io_at("renaming", &tmp_path, e))?;
        segment::sync_dir(dir)?;
        Ok(info)
    });
    if result.is_err() {
        // Best effort: a leftover temp file is also removed on the next open.
        let _ = fs::remove_file(&tmp_path);
    }
    result
}

fn write_temp(
    path: &Path,
    cut: Lsn,
    records: impl IntoIterator<Item = Vec<u8>>,
) -> Result<SnapshotInfo, LogError> {
    let file = File::create(path).map_err(|e| io_at("creating snapshot", path, e))?;
    let mut out = BufWriter::with_capacity(SNAPSHOT_IO_BUFFER_BYTES, file);
    let mut hasher = crc32fast::Hasher::new();
    let mut bytes = 0u64;
    let mut put = |out: &mut BufWriter<File>, data: &[u8]| -> Result<(), LogError> {
        hasher.update(data);
        bytes += data.len() as u64;
        out.write_all(data)
            .map_err(|e| io_at("writing snapshot", path, e))
    };

    put(&mut out, &frame::encode_file_header(SNAPSHOT_MAGIC, cut))?;
    let mut count = 0u64;
    for record in records {
        if record.len() > MAX_RECORD_BYTES {
            return Err(LogError::RecordTooLarge {
                len: record.len(),
                max: MAX_RECORD_BYTES,
            });
        }
        put(&mut out, &frame::frame_header(&record))?;
        put(&mut out, &record)?;
        count += 1;
    }
    put(&mut out, &SNAPSHOT_FOOTER_MAGIC)?;
    put(&mut out, &count.to_le_bytes())?;
    let crc = hasher.finalize();
    out.write_all(&crc.to_le_bytes())
        .map_err(|e| io_at("writing snapshot", path, e))?;
    bytes += 4;
    let file = out
        .into_inner()
        .map_err(|e| io_at("writing snapshot", path, e.into_error()))?;
    file.sync_all()
        .map_err(|e| io_at("syncing snapshot", path, e))?;
    Ok(SnapshotInfo {
        records: count,
        bytes,
    })
}

/// Reads the snapshot at `path`, checking every frame and the footer, and
/// hands each record to `on_record`. Returns [`LogError::Corrupt`] when the
/// file is incomplete or damaged. To avoid replaying part of a bad snapshot,
/// call this once with a no-op callback to verify, then again to replay.
pub fn read(
    path: &Path,
    expected_cut: Lsn,
    on_record: &mut dyn FnMut(&[u8]) -> Result<(), String>,
) -> Result<SnapshotInfo, LogError> {
    let corrupt = |offset: u64, reason: String| LogError::Corrupt {
        file: path.to_path_buf(),
        offset,
        reason,
    };
    let file = File::open(path).map_err(|e| io_at("opening snapshot", path, e))?;
    let len = file
        .metadata()
        .map_err(|e| io_at("inspecting snapshot", path, e))?
        .len();
    if len < (FILE_HEADER_BYTES + SNAPSHOT_FOOTER_BYTES) as u64 {
        return Err(corrupt(
            0,
            format!("snapshot is only {len} bytes, too short to be complete"),
        ));
    }
    let mut input = BufReader::with_capacity(SNAPSHOT_IO_BUFFER_BYTES, file);
    let mut hasher = crc32fast::Hasher::new();
    let read_err = |e| io_at("reading snapshot", path, e);

    let mut header = [0u8; FILE_HEADER_BYTES];
    input.read_exact(&mut header).map_err(read_err)?;
    hasher.update(&header);
    match frame::decode_file_header(&header, SNAPSHOT_MAGIC) {
        Ok(cut) if cut == expected_cut => {}
        Ok(cut) => {
            return Err(corrupt(
                0,
                format!("header says cut LSN {cut} but the file name says {expected_cut}"),
            ))
        }
        Err(HeaderError::UnsupportedVersion { found }) => {
            return Err(LogError::UnsupportedVersion {
                file: path.to_path_buf(),
                found,
                supported: FORMAT_VERSION,
            })
        }
        Err(err) => return Err(corrupt(0, err.reason())),
    }

    let frames_end = len - SNAPSHOT_FOOTER_BYTES as u64;
    let mut pos = FILE_HEADER_BYTES as u64;
    let mut count = 0u64;
    let mut payload = Vec::new();
    while pos < frames_end {
        if frames_end - pos < FRAME_HEADER_BYTES as u64 {
            return Err(corrupt(
                pos,
                "record frame runs into the footer".to_string(),
            ));
        }
        let mut prefix = [0u8; FRAME_HEADER_BYTES];
        input.read_exact(&mut prefix).map_err(read_err)?;
        let (payload_len, _) = frame::decode_prefix(&prefix, frames_end - pos)
            .map_err(|err| corrupt(pos, err.reason()))?;
        payload.resize(payload_len, 0);
        input.read_exact(&mut payload).map_err(read_err)?;
        frame::verify_payload(&prefix, &payload).map_err(|err| corrupt(pos, err.reason()))?;
        hasher.update(&prefix);
        hasher.update(&payload);
        on_record(&payload).map_err(LogError::Replay)?;
        pos += frame::frame_len(payload_len) as u64;
        count += 1;
    }

    let mut footer = [0u8; SNAPSHOT_FOOTER_BYTES];
    input.read_exact(&mut footer).map_err(read_err)?;
    if footer[..8] != SNAPSHOT_FOOTER_MAGIC {
        return Err(corrupt(frames_end, "snapshot footer missing".to_string()));
    }
    hasher.update(&footer[..16]);
    let stored_count = u64::from_le_bytes(footer[8..16].try_into().expect("8 bytes"));
    let stored_crc = u32::from_le_bytes(footer[16..20].try_into().expect("4 bytes"));
    if stored_crc != hasher.finalize() {
        return Err(corrupt(
            frames_end,
            "snapshot checksum mismatch".to_string(),
        ));
    }
    if stored_count != count {
        return Err(corrupt(
            frames_end,
            format!("footer counts {stored_count} records but the file holds {count}"),
        ));
    }
    Ok(SnapshotInfo {
        records: count,
        bytes: len,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(path: &Path, cut: Lsn) -> Result<Vec<Vec<u8>>, LogError> {
        let mut out = Vec::new();
        read(path, cut, &mut |r| {
            out.push(r.to_vec());
            Ok(())
        })?;
        Ok(out)
    }

    #[test]
    fn write_then_read() {
        let dir = tempfile::tempdir().unwrap();
        let records: Vec<Vec<u8>> = (0..100u32).map(|i| i.to_le_bytes().to_vec()).collect();
        let info = write(dir.path(), 17, records.clone()).unwrap();
        assert_eq!(info.records, 100);
        let path = dir.path().join(segment::snapshot_file_name(17));
        assert_eq!(fs::metadata(&path).unwrap().len(), info.bytes);
        assert!(!temp_path(&path).exists());
        assert_eq!(collect(&path, 17).unwrap(), records);
        assert!(matches!(collect(&path, 18), Err(LogError::Corrupt { .. })));
    }

    #[test]
    fn empty_snapshot_is_valid() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), 1, Vec::new()).unwrap();
        let path = dir.path().join(segment::snapshot_file_name(1));
        assert!(collect(&path, 1).unwrap().is_empty());
    }

    #[test]
    fn any_damage_is_detected() {
        let dir = tempfile::tempdir().unwrap();
        let records: Vec<Vec<u8>> = vec![b"alpha".to_vec(), b"beta".to_vec()];
        write(dir.path(), 3, records).unwrap();
        let path = dir.path().join(segment::snapshot_file_name(3));
        let good = fs::read(&path).unwrap();
        for i in 0..good.len() {
            let mut bad = good.clone();
            bad[i] ^= 0x01;
            fs::write(&path, &bad).unwrap();
            assert!(collect(&path, 3).is_err(), "flip at byte {i} not detected");
        }
        for cut in 0..good.len() {
            fs::write(&path, &good[..cut]).unwrap();
            assert!(
                collect(&path, 3).is_err(),
                "truncation at {cut} not detected"
            );
        }
    }
}
