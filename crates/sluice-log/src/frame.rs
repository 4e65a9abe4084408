//! Byte-level encodings shared by segments and snapshots: record frames and
//! file headers.
//!
//! This module owns the on-disk layout of a single record and of the fixed
//! header every log file starts with. It performs no I/O, so the same code
//! frames records in memory (the append path), verifies them during recovery
//! and is easy to test exhaustively.
//!
//! A record frame is
//!
//! ```text
//! +----------------+----------------+-------------------+
//! | len: u32 (LE)  | crc: u32 (LE)  | payload (len B)   |
//! +----------------+----------------+-------------------+
//! ```
//!
//! where `crc` is CRC-32 (IEEE) over the four length bytes followed by the
//! payload. Covering the length means a corrupted length is detected even when
//! it happens to point at a plausible payload boundary.
//!
//! A file header is
//!
//! ```text
//! +-------------+-------------------+------------+----------------+
//! | magic: 8 B  | version: u32 (LE) | lsn: u64   | crc: u32 (LE)  |
//! +-------------+-------------------+------------+----------------+
//! ```
//!
//! where `lsn` is the first LSN of a segment or the cut LSN of a snapshot and
//! `crc` covers the preceding 20 bytes.

use crate::Lsn;

/// Size in bytes of the length + checksum prefix of every record frame.
pub const FRAME_HEADER_BYTES: usize = 8;

/// Largest payload accepted in a single record, in bytes. A frame claiming a
/// longer payload is treated as corruption.
pub const MAX_RECORD_BYTES: usize = 64 * 1024 * 1024;

/// Size in bytes of the header at the start of every segment and snapshot.
pub const FILE_HEADER_BYTES: usize = 24;

/// On-disk format version written by this build. Readers reject other
/// versions so that a future build can migrate old files forward explicitly.
pub const FORMAT_VERSION: u32 = 1;

/// Magic bytes at the start of every segment file.
pub const SEGMENT_MAGIC: [u8; 8] = *b"SLUICSEG";

/// Magic bytes at the start of every snapshot file.
pub const SNAPSHOT_MAGIC: [u8; 8] = *b"SLUICSNP";

/// Total size of the frame that holds a payload of `payload_len` bytes.
pub fn frame_len(payload_len: usize) -> usize {
    FRAME_HEADER_BYTES + payload_len
}

/// Builds the 8-byte frame prefix (length + CRC) for `payload`.
///
/// Callers must have checked `payload.len() <= MAX_RECORD_BYTES`.
pub fn frame_header(payload: &[u8]) -> [u8; FRAME_HEADER_BYTES] {
    debug_assert!(payload.len() <= MAX_RECORD_BYTES);
    let len_bytes = (payload.len() as u32).to_le_bytes();
    let crc = checksum(len_bytes, payload);
    let mut header = [0u8; FRAME_HEADER_BYTES];
    header[..4].copy_from_slice(&len_bytes);
    header[4..].copy_from_slice(&crc.to_le_bytes());
    header
}

/// Appends the complete frame for `payload` to `buf`.
pub fn encode_into(buf: &mut Vec<u8>, payload: &[u8]) {
    buf.reserve(frame_len(payload.len()));
    buf.extend_from_slice(&frame_header(payload));
    buf.extend_from_slice(payload);
}

fn checksum(len_bytes: [u8; 4], payload: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&len_bytes);
    hasher.update(payload);
    hasher.finalize()
}

/// Length of the frame starting at `pos` in a buffer this process framed
/// itself (no validation beyond bounds: the bytes were produced by
/// [`encode_into`]).
pub fn trusted_frame_len_at(buf: &[u8], pos: usize) -> usize {
    let len = u32::from_le_bytes(buf[pos..pos + 4].try_into().expect("4 bytes"));
    frame_len(len as usize)
}

/// Why the bytes at some offset are not a valid frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameError {
    /// Fewer bytes remain than the frame needs (a write cut short).
    Truncated { needed: usize, available: usize },
    /// The length field exceeds [`MAX_RECORD_BYTES`].
    TooLarge { len: usize },
    /// The stored checksum does not match the length and payload.
    BadChecksum { stored: u32, computed: u32 },
}

impl FrameError {
    /// Human-readable explanation for error messages and logs.
    pub fn reason(&self) -> String {
        match self {
            FrameError::Truncated { needed, available } => {
                format!("record truncated: frame needs {needed} bytes but only {available} remain")
            }
            FrameError::TooLarge { len } => {
                format!("record length {len} exceeds the maximum of {MAX_RECORD_BYTES} bytes")
            }
            FrameError::BadChecksum { stored, computed } => format!(
                "record checksum mismatch (stored {stored:#010x}, computed {computed:#010x})"
            ),
        }
    }
}

/// Decodes the frame at the start of `buf`, returning its payload and the
/// total frame length.
pub fn decode(buf: &[u8]) -> Result<(&[u8], usize), FrameError> {
    if buf.len() < FRAME_HEADER_BYTES {
        return Err(FrameError::Truncated {
            needed: FRAME_HEADER_BYTES,
            available: buf.len(),
        });
    }
    let len_bytes: [u8; 4] = buf[..4].try_into().expect("4 bytes");
    let len = u32::from_le_bytes(len_bytes) as usize;
    if len > MAX_RECORD_BYTES {
        return Err(FrameError::TooLarge { len });
    }
    let total = frame_len(len);
    if buf.len() < total {
        return Err(FrameError::Truncated {
            needed: total,
            available: buf.len(),
        });
    }
    let stored = u32::from_le_bytes(buf[4..8].try_into().expect("4 bytes"));
    let payload = &buf[FRAME_HEADER_BYTES..total];
    let computed = checksum(len_bytes, payload);
    if stored != computed {
        return Err(FrameError::BadChecksum { stored, computed });
    }
    Ok((payload, total))
}

/// Decodes only the 8-byte prefix of a frame and checks the declared length
/// against [`MAX_RECORD_BYTES`] and the `remaining` bytes in the file. Returns
/// `(payload_len, stored_crc)`. Used by streaming readers that fetch the
/// payload separately.
pub fn decode_prefix(
    prefix: &[u8; FRAME_HEADER_BYTES],
    remaining: u64,
) -> Result<(usize, u32), FrameError> {
    let len = u32::from_le_bytes(prefix[..4].try_into().expect("4 bytes")) as usize;
    if len > MAX_RECORD_BYTES {
        return Err(FrameError::TooLarge { len });
    }
    if (frame_len(len) as u64) > remaining {
        return Err(FrameError::Truncated {
            needed: frame_len(len),
            available: usize::try_from(remaining).unwrap_or(usize::MAX),
        });
    }
    let stored = u32::from_le_bytes(prefix[4..].try_into().expect("4 bytes"));
    Ok((len, stored))
}

/// Verifies a payload read separately after [`decode_prefix`].
pub fn verify_payload(prefix: &[u8; FRAME_HEADER_BYTES], payload: &[u8]) -> Result<(), FrameError> {
    let len_bytes: [u8; 4] = prefix[..4].try_into().expect("4 bytes");
    let stored = u32::from_le_bytes(prefix[4..].try_into().expect("4 bytes"));
    let computed = checksum(len_bytes, payload);
    if stored != computed {
        return Err(FrameError::BadChecksum { stored, computed });
    }
    Ok(())
}

/// Returns the offset (relative to `buf`) of the first position after
/// `start` at which a complete frame with a valid checksum begins, if any.
///
/// Recovery uses this to tell a torn tail (nothing valid after the bad
/// record) from corruption in the middle of acknowledged data.
pub fn find_valid_frame_after(buf: &[u8], start: usize) -> Option<usize> {
    let mut pos = start + 1;
    while pos + FRAME_HEADER_BYTES <= buf.len() {
        if decode(&buf[pos..]).is_ok() {
            return Some(pos);
        }
        pos += 1;
    }
    None
}

/// Builds a file header for the given magic and LSN.
pub fn encode_file_header(magic: [u8; 8], lsn: Lsn) -> [u8; FILE_HEADER_BYTES] {
    let mut header = [0u8; FILE_HEADER_BYTES];
    header[..8].copy_from_slice(&magic);
    header[8..12].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
    header[12..20].copy_from_slice(&lsn.to_le_bytes());
    let crc = crc32fast::hash(&header[..20]);
    header[20..].copy_from_slice(&crc.to_le_bytes());
    header
}

/// Why a file header was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderError {
    /// The file is shorter than a header.
    Short { len: usize },
    /// The magic bytes are not the expected ones.
    BadMagic,
    /// The header checksum does not match.
    BadChecksum,
    /// The header is intact but written by a different format version.
    UnsupportedVersion { found: u32 },
}

impl HeaderError {
    /// Human-readable explanation for error messages and logs.
    pub fn reason(&self) -> String {
        match self {
            HeaderError::Short { len } => {
                format!("file header truncated ({len} of {FILE_HEADER_BYTES} bytes)")
            }
            HeaderError::BadMagic => "file header has wrong magic bytes".to_string(),
            HeaderError::BadChecksum => "file header checksum mismatch".to_string(),
            HeaderError::UnsupportedVersion { found } => format!(
                "unsupported format version {found} (this build reads version {FORMAT_VERSION})"
            ),
        }
    }
}

/// Parses a file header, returning the LSN it carries.
pub fn decode_file_header(buf: &[u8], magic: [u8; 8]) -> Result<Lsn, HeaderError> {
    if buf.len() < FILE_HEADER_BYTES {
        return Err(HeaderError::Short { len: buf.len() });
    }
    if buf[..8] != magic {
        return Err(HeaderError::BadMagic);
    }
    let stored = u32::from_le_bytes(buf[20..24].try_into().expect("4 bytes"));
    if crc32fast::hash(&buf[..20]) != stored {
        return Err(HeaderError::BadChecksum);
    }
    let version = u32::from_le_bytes(buf[8..12].try_into().expect("4 bytes"));
    if version != FORMAT_VERSION {
        return Err(HeaderError::UnsupportedVersion { found: version });
    }
    Ok(u64::from_le_bytes(buf[12..20].try_into().expect("8 bytes")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_frames() {
        let mut buf = Vec::new();
        let payloads: [&[u8]; 3] = [b"", b"hello", &[7u8; 1000]];
        for p in payloads {
            encode_into(&mut buf, p);
        }
        let mut pos = 0;
        for p in payloads {
            let (payload, len) = decode(&buf[pos..]).unwrap();
            assert_eq!(payload, p);
            assert_eq!(len, trusted_frame_len_at(&buf, pos));
            pos += len;
        }
        assert_eq!(pos, buf.len());
    }

    #[test]
    fn detects_flipped_bits_everywhere() {
        let mut buf = Vec::new();
        encode_into(&mut buf, b"some payload bytes");
        for i in 0..buf.len() {
            let mut bad = buf.clone();
            bad[i] ^= 0x10;
            assert!(decode(&bad).is_err(), "flip at byte {i} not detected");
        }
    }

    #[test]
    fn detects_truncation_and_oversize() {
        let mut buf = Vec::new();
        encode_into(&mut buf, b"abcdef");
        for cut in 0..buf.len() {
            assert!(matches!(
                decode(&buf[..cut]),
                Err(FrameError::Truncated { .. })
            ));
        }
        let mut huge = ((MAX_RECORD_BYTES + 1) as u32).to_le_bytes().to_vec();
        huge.extend_from_slice(&[0; 4]);
        assert_eq!(
            decode(&huge),
            Err(FrameError::TooLarge {
                len: MAX_RECORD_BYTES + 1
            })
        );
    }

    #[test]
    fn zero_bytes_are_not_a_frame() {
        assert!(decode(&[0u8; 64]).is_err());
        assert_eq!(find_valid_frame_after(&[0u8; 256], 0), None);
    }

    #[test]
    fn finds_later_valid_frame() {
        let mut buf = vec![0xAB; 13];
        let at = buf.len();
        encode_into(&mut buf, b"later");
        assert_eq!(find_valid_frame_after(&buf, 0), Some(at));
    }

    #[test]
    fn prefix_and_payload_checks_agree_with_decode() {
        let mut buf = Vec::new();
        encode_into(&mut buf, b"streamed");
        let prefix: [u8; FRAME_HEADER_BYTES] = buf[..8].try_into().unwrap();
        let (len, _) = decode_prefix(&prefix, buf.len() as u64).unwrap();
        assert_eq!(len, 8);
        verify_payload(&prefix, &buf[8..]).unwrap();
        assert!(verify_payload(&prefix, b"streameD").is_err());
        assert!(matches!(
            decode_prefix(&prefix, 10),
            Err(FrameError::Truncated { .. })
        ));
    }

    #[test]
    fn file_headers() {
        let h = encode_file_header(SEGMENT_MAGIC, 42);
        assert_eq!(decode_file_header(&h, SEGMENT_MAGIC), Ok(42));
        assert_eq!(
            decode_file_header(&h, SNAPSHOT_MAGIC),
            Err(HeaderError::BadMagic)
        );
        assert_eq!(
            decode_file_header(&h[..10], SEGMENT_MAGIC),
            Err(HeaderError::Short { len: 10 })
        );
        let mut bad = h;
        bad[15] ^= 1;
        assert_eq!(
            decode_file_header(&bad, SEGMENT_MAGIC),
            Err(HeaderError::BadChecksum)
        );
        let mut future = h;
        future[8..12].copy_from_slice(&2u32.to_le_bytes());
        let crc = crc32fast::hash(&future[..20]);
        future[20..].copy_from_slice(&crc.to_le_bytes());
        assert_eq!(
            decode_file_header(&future, SEGMENT_MAGIC),
            Err(HeaderError::UnsupportedVersion { found: 2 })
        );
    }
}
