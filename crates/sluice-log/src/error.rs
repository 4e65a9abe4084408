//! The error type returned by every fallible log operation, and helpers that
//! attach the file being worked on to I/O errors so messages are actionable.

use std::io;
use std::path::{Path, PathBuf};

/// Errors returned by [`crate::Log`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LogError {
    /// An I/O operation failed. The message names the operation and file.
    #[error("log I/O error: {0}")]
    Io(#[from] io::Error),

    /// A log file contains damaged data somewhere other than a torn tail, so
    /// acknowledged records may be missing. Nothing is skipped silently.
    #[error("log file {} is corrupt at offset {offset}: {reason}", file.display())]
    Corrupt {
        file: PathBuf,
        offset: u64,
        reason: String,
    },

    /// A log file was written by a format version this build cannot read.
    #[error(
        "log file {} has format version {found}, but this build reads only version {supported}",
        file.display()
    )]
    UnsupportedVersion {
        file: PathBuf,
        found: u32,
        supported: u32,
    },

    /// The log is fail-stopped: an earlier write or fsync failed, so no
    /// further record can be accepted or reported durable.
    #[error(
        "log has failed: an earlier write or fsync error stopped it (see the error logged then)"
    )]
    Failed,

    /// The disk holding the log is full (`ENOSPC` or `EDQUOT`): the group
    /// commit carrying this record could not be written, so it is not durable.
    /// Retryable: the log keeps the record and writes it once space is freed,
    /// and later appends succeed again without a restart.
    #[error(
        "the disk holding the log is full (no space left on device or quota exceeded); \
         writes resume once space is freed"
    )]
    NoSpace,

    /// The log has been closed.
    #[error("log is closed")]
    Closed,

    /// A record exceeds the per-record size limit.
    #[error("record of {len} bytes exceeds the maximum record size of {max} bytes")]
    RecordTooLarge { len: usize, max: usize },

    /// The replay callback rejected a record during open.
    #[error("replaying the log failed: {0}")]
    Replay(String),
}

/// Wraps an I/O error with the operation and path it concerns.
pub(crate) fn io_at(op: &str, path: &Path, err: io::Error) -> LogError {
    LogError::Io(io::Error::new(
        err.kind(),
        format!("{op} {}: {err}", path.display()),
    ))
}
