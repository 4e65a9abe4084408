//! Sluice's durable record log: a segmented, append-only, checksummed log of
//! opaque records with group commit and snapshots.
//!
//! The embedded store keeps its queue state in memory and encodes every state
//! change as a record appended here; on restart it replays the records to
//! rebuild that state. This crate knows nothing about what records mean.
//!
//! # Guarantees
//!
//! * Every record gets an [`Lsn`]: the first record ever appended is 1, each
//!   later one is one higher, and numbering continues across restarts and
//!   snapshots.
//! * [`Log::append`] only copies the record into memory, so it can be called
//!   while the caller holds its own state lock; records are logged in exactly
//!   the order of the `append` calls.
//! * Once [`Log::wait_durable`]`(lsn)` (or [`Log::flush`]) returns `Ok`, every
//!   record up to `lsn` has been written and fdatasync'd and survives a crash
//!   (with [`LogOptions::sync`] set, the default).
//! * One writer thread commits whatever has accumulated with one write and
//!   one fdatasync, so many concurrent waiters share each fsync.
//! * A full disk is retryable: when a group commit cannot be written because
//!   the disk is full (`ENOSPC` or `EDQUOT` from a write or from creating a
//!   segment), the waiters it covered get [`LogError::NoSpace`] and the log
//!   reports [`LogHealth::OutOfSpace`]. The writer truncates the segment back
//!   to its last durable length, keeps the records (in order, with their
//!   LSNs) and retries them with a backoff of 10 ms doubling to 500 ms; once
//!   space is freed they and everything after them are written and the log
//!   is [`LogHealth::Healthy`] again, without a restart. Records are never
//!   dropped from the middle of the log, because a caller's later records may
//!   depend on them; so a record whose waiter got `NoSpace` may still be in
//!   the log after a restart (its sender was told it failed: a retry is a
//!   duplicate, which at-least-once delivery allows). One warning is logged
//!   per disk-full episode (plus a reminder at most once a minute) and one
//!   info line when it ends.
//! * Fail-stop: after any other write error, or any fsync error, every later
//!   `append`, `wait_durable` and `flush` returns [`LogError::Failed`] and the
//!   log reports [`LogHealth::Failed`]. One `error!` line names the file and
//!   the error. Nothing is reported durable that an fdatasync did not cover.
//!
//! # Testing storage faults
//!
//! [`Log::inject_fault_for_tests`] arms a [`Fault`] in the writer's file
//! layer: writes failing with `ENOSPC` (optionally after some bytes, a short
//! write), an fsync failing with `EIO`, or a write torn after some bytes. With
//! nothing armed the cost is one relaxed atomic load per write and fsync.
//!
//! # Directory layout
//!
//! * `<first_lsn>.seg` — a segment: a file header, then record frames. The
//!   name is the LSN of its first record, zero-padded to 20 digits. A new
//!   segment is started when the next record would push the current one past
//!   [`LogOptions::segment_max_bytes`] (a single record larger than that gets
//!   a segment of its own), and at every snapshot cut.
//! * `<cut>.snap` — a snapshot: records describing the full state after
//!   applying every record with **LSN < cut** and none with LSN >= cut. The
//!   segments it replaces (all with first LSN < cut) are deleted once it is
//!   durable. It ends with a footer (record count + CRC); one without a valid
//!   footer is ignored.
//! * `*.tmp` — a snapshot being written; deleted on open if left by a crash.
//!
//! Every file starts with a header of magic bytes and a format version (see
//! [`frame`] for the byte layout); a version this build does not know fails
//! `open` with [`LogError::UnsupportedVersion`].
//!
//! # Recovery
//!
//! [`Log::open`] replays the newest valid snapshot, then every segment after
//! its cut in LSN order. A torn record at the very tail of the last segment is
//! dropped (it was never acknowledged): the file is truncated there, a warning
//! names file and offset, and [`RecoveryReport::torn_tail_bytes`] counts it.
//! A damaged record is a torn tail only if it is in the last segment and no
//! frame with a valid checksum follows it. Any other damage (an earlier
//! segment, a valid record after the bad one, a gap between segments, a bad
//! header) fails `open` with [`LogError::Corrupt`] naming file and offset, so
//! acknowledged data is never skipped and `replay` never sees unverified
//! bytes. Leftover `*.tmp` files, superseded snapshots and segments wholly
//! before the loaded snapshot's cut are deleted.
//!
//! # Snapshots
//!
//! While holding its own state lock the store calls [`Log::begin_snapshot`],
//! which assigns the cut LSN (the LSN the next record will get) and tells the
//! writer to start a new segment there. The store then serialises its state
//! as of that instant and passes the records to [`Log::write_snapshot`], off
//! the async runtime since it blocks on file I/O.

mod error;
mod fault;
pub mod frame;
mod recovery;
mod segment;
mod snapshot;
mod writer;

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::thread::JoinHandle;

use parking_lot::Mutex;

pub use error::LogError;
#[doc(hidden)]
pub use fault::Fault;
pub use frame::MAX_RECORD_BYTES;
pub use recovery::RecoveryReport;
pub use segment::{segment_file_name, snapshot_file_name};
pub use snapshot::SNAPSHOT_FOOTER_BYTES;
pub use writer::{
    MAX_PENDING_BYTES, NO_SPACE_RETRY_MAX, NO_SPACE_RETRY_MIN, NO_SPACE_WARN_INTERVAL,
};

use writer::{Shared, Writer};

/// Log sequence number of a record. The first record ever is 1; each
/// following record is one higher, across restarts and snapshots. 0 means
/// "no record".
pub type Lsn = u64;

/// Whether the log can currently make records durable; see [`Log::health`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogHealth {
    /// The last commit succeeded (or none was needed yet).
    Healthy,
    /// The last commit failed because the disk is full. Appends are still
    /// accepted and retried; waiters get [`LogError::NoSpace`] until a retry
    /// succeeds.
    OutOfSpace,
    /// Fail-stopped after a write or fsync error; only a restart recovers.
    Failed,
}

/// Default [`LogOptions::segment_max_bytes`]: 64 MiB.
pub const DEFAULT_SEGMENT_MAX_BYTES: u64 = 64 * 1024 * 1024;

/// How to open a [`Log`].
#[derive(Debug, Clone)]
pub struct LogOptions {
    /// Directory holding the log's files; created if missing.
    pub dir: PathBuf,
    /// A segment is closed and a new one started before it would grow past
    /// this many bytes. Default [`DEFAULT_SEGMENT_MAX_BYTES`].
    pub segment_max_bytes: u64,
    /// Fdatasync each group commit (default `true`). `false` gives up
    /// durability and is meant only for benchmarks.
    pub sync: bool,
}

impl LogOptions {
    /// Options for a log in `dir` with default settings.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        LogOptions {
            dir: dir.into(),
            segment_max_bytes: DEFAULT_SEGMENT_MAX_BYTES,
            sync: true,
        }
    }
}

/// Handle returned by [`Log::begin_snapshot`]; pass it to
/// [`Log::write_snapshot`].
#[derive(Debug, PartialEq, Eq)]
#[must_use = "a snapshot cut does nothing until passed to Log::write_snapshot"]
pub struct SnapshotCut {
    lsn: Lsn,
}

impl SnapshotCut {
    /// The cut LSN: the snapshot covers exactly the records with LSN below it.
    pub fn lsn(&self) -> Lsn {
        self.lsn
    }
}

/// A durable, append-only record log with group commit. `Send + Sync`; share
/// it behind an `Arc`.
#[derive(Debug)]
pub struct Log {
    shared: Arc<Shared>,
    opts: LogOptions,
    writer: Mutex<Option<JoinHandle<()>>>,
    /// Cut LSN of the newest snapshot in place; serialises `write_snapshot`.
    snapshot: Mutex<Lsn>,
}

impl Log {
    /// Opens or creates the log in `opts.dir`, creating the directory.
    ///
    /// Replays, in order, the records of the newest complete snapshot and
    /// then every record after it, calling `replay` for each. If `replay`
    /// returns `Err(msg)`, `open` fails with [`LogError::Replay`]`(msg)`.
    /// Then starts the writer thread.
    pub fn open(
        opts: LogOptions,
        mut replay: impl FnMut(&[u8]) -> Result<(), String>,
    ) -> Result<(Log, RecoveryReport), LogError> {
        let recovered = recovery::recover(&opts, &mut replay)?;
        let shared = Arc::new(Shared::new(
            recovered.next_lsn,
            recovered.snapshot_cut,
            recovered.bytes_since_snapshot,
        ));
        let writer = Writer::new(
            Arc::clone(&shared),
            opts.dir.clone(),
            recovered.segment,
            opts.segment_max_bytes,
            opts.sync,
        );
        let handle = std::thread::Builder::new()
            .name("sluice-log-writer".to_string())
            .spawn(move || writer.run())
            .map_err(LogError::Io)?;
        let log = Log {
            shared,
            opts,
            writer: Mutex::new(Some(handle)),
            snapshot: Mutex::new(recovered.snapshot_cut),
        };
        Ok((log, recovered.report))
    }

    /// Enqueues one record and returns its LSN.
    ///
    /// Never does I/O: it frames the record, copies it into the pending
    /// buffer under a short lock and wakes the writer, so it may be called
    /// while holding the caller's own state lock. Records are logged in
    /// exactly the order of `append` calls.
    ///
    /// Backpressure: if the pending buffer already holds
    /// [`MAX_PENDING_BYTES`] (the disk is not keeping up), this blocks the
    /// calling thread until the writer takes the buffer.
    ///
    /// A full disk does not make `append` fail: the record is kept and
    /// written once space is freed (see [`Log::wait_durable`]).
    ///
    /// Errors: [`LogError::Failed`] once the log has failed,
    /// [`LogError::Closed`] after [`close`](Log::close),
    /// [`LogError::RecordTooLarge`] above [`MAX_RECORD_BYTES`].
    pub fn append(&self, record: &[u8]) -> Result<Lsn, LogError> {
        if record.len() > MAX_RECORD_BYTES {
            return Err(LogError::RecordTooLarge {
                len: record.len(),
                max: MAX_RECORD_BYTES,
            });
        }
        let prefix = frame::frame_header(record);
        let mut st = self.room()?;
        let was_empty = st.buf.is_empty() && st.cuts.is_empty();
        st.buf.reserve(prefix.len() + record.len());
        st.buf.extend_from_slice(&prefix);
        st.buf.extend_from_slice(record);
        let lsn = st.next_lsn;
        st.next_lsn += 1;
        self.shared
            .bytes_since_snapshot
            .fetch_add(frame::frame_len(record.len()) as u64, Ordering::Relaxed);
        drop(st);
        if was_empty {
            self.shared.work.notify_one();
        }
        Ok(lsn)
    }

    /// Enqueues several records at once, contiguously and in order, and returns
    /// the LSN of the last (the next LSN minus one when `records` is empty). The
    /// writer is woken once, after all of them are in the pending buffer, so one
    /// commit carries them all: records appended one by one may be split across
    /// two commits when the writer wakes on the first. Otherwise as
    /// [`append`](Log::append); if a record is too large, none is appended.
    pub fn append_all<'a>(
        &self,
        records: impl IntoIterator<Item = &'a [u8]>,
    ) -> Result<Lsn, LogError> {
        let records: Vec<&[u8]> = records.into_iter().collect();
        if let Some(r) = records.iter().find(|r| r.len() > MAX_RECORD_BYTES) {
            return Err(LogError::RecordTooLarge {
                len: r.len(),
                max: MAX_RECORD_BYTES,
            });
        }
        let bytes: usize = records.iter().map(|r| frame::frame_len(r.len())).sum();
        // Checksummed before the lock, as `append` does.
        let headers: Vec<_> = records.iter().map(|r| frame::frame_header(r)).collect();
        let mut st = self.room()?;
        if records.is_empty() {
            return Ok(st.next_lsn - 1);
        }
        let was_empty = st.buf.is_empty() && st.cuts.is_empty();
        st.buf.reserve(bytes);
        for (header, record) in headers.iter().zip(&records) {
            st.buf.extend_from_slice(header);
            st.buf.extend_from_slice(record);
        }
        st.next_lsn += records.len() as Lsn;
        let lsn = st.next_lsn - 1;
        self.shared
            .bytes_since_snapshot
            .fetch_add(bytes as u64, Ordering::Relaxed);
        drop(st);
        if was_empty {
            self.shared.work.notify_one();
        }
        Ok(lsn)
    }

    /// The writer's state, locked once its pending buffer has room (waiting while the
    /// disk catches up); an error once the log has failed or is closing.
    fn room(&self) -> Result<parking_lot::MutexGuard<'_, writer::State>, LogError> {
        let mut st = self.shared.state.lock();
        loop {
            if st.failed {
                return Err(LogError::Failed);
            }
            if st.closing {
                return Err(LogError::Closed);
            }
            if st.buf.len() < MAX_PENDING_BYTES {
                return Ok(st);
            }
            self.shared.progress.wait(&mut st);
        }
    }

    /// Resolves once every record up to and including `lsn` is written and
    /// fdatasync'd.
    ///
    /// Errors: [`LogError::Failed`] if the log has failed (even if `lsn` had
    /// become durable before); [`LogError::NoSpace`] if `lsn` is not durable
    /// and a commit attempt that carried it failed because the disk is full
    /// (the record is kept and retried; it may still become durable later);
    /// [`LogError::Closed`] if the log was closed before `lsn` became durable.
    pub async fn wait_durable(&self, lsn: Lsn) -> Result<(), LogError> {
        if self.shared.durable.load(Ordering::Acquire) >= lsn {
            let p = *self.shared.progress_tx.borrow();
            if !p.failed {
                return Ok(());
            }
        }
        let mut rx = self.shared.progress_tx.subscribe();
        let p = *rx
            .wait_for(|p| p.failed || p.stopped || p.durable >= lsn || p.no_space_through >= lsn)
            .await
            .map_err(|_| LogError::Closed)?;
        if p.failed {
            Err(LogError::Failed)
        } else if p.durable >= lsn {
            Ok(())
        } else if p.no_space_through >= lsn {
            Err(LogError::NoSpace)
        } else {
            Err(LogError::Closed)
        }
    }

    /// Blocks until everything appended so far is durable. Errors as for
    /// [`wait_durable`](Log::wait_durable).
    pub fn flush(&self) -> Result<(), LogError> {
        let mut st = self.shared.state.lock();
        let target = st.next_lsn - 1;
        loop {
            if st.failed {
                return Err(LogError::Failed);
            }
            if st.durable_lsn >= target {
                return Ok(());
            }
            if st.no_space_through >= target {
                return Err(LogError::NoSpace);
            }
            if st.stopped {
                return Err(LogError::Closed);
            }
            self.shared.progress.wait(&mut st);
        }
    }

    /// Whether the log can currently make records durable. Cheap (one atomic
    /// load): callers may check it before every state change to refuse work
    /// early while the disk is full or the log has failed.
    pub fn health(&self) -> LogHealth {
        self.shared.health()
    }

    /// Bytes of record frames appended since the last snapshot cut (or, after
    /// a restart, found in the segments after the loaded snapshot). The store
    /// uses it to decide when to compact.
    pub fn bytes_since_snapshot(&self) -> u64 {
        self.shared.bytes_since_snapshot.load(Ordering::Relaxed)
    }

    /// Size in bytes of the newest snapshot file in the log's directory (0 when there
    /// is none, or it cannot be read). Reads the directory: for metrics, not hot paths.
    pub fn snapshot_bytes(&self) -> u64 {
        segment::list_dir(&self.opts.dir)
            .ok()
            .and_then(|listing| listing.snapshots.into_iter().max_by_key(|(lsn, _)| *lsn))
            .and_then(|(_, path)| std::fs::metadata(path).ok())
            .map_or(0, |m| m.len())
    }

    /// Highest LSN known durable.
    pub fn durable_lsn(&self) -> Lsn {
        self.shared.durable.load(Ordering::Acquire)
    }

    /// LSN the next appended record will get.
    pub fn next_lsn(&self) -> Lsn {
        self.shared.state.lock().next_lsn
    }

    /// Number of fdatasync calls the writer has made on segments since open.
    /// With group commit this is far below the number of records.
    pub fn sync_count(&self) -> u64 {
        self.shared.sync_count.load(Ordering::Relaxed)
    }

    /// Time the writer has spent in fdatasync since open, in microseconds.
    pub fn sync_micros(&self) -> u64 {
        self.shared.sync_micros.load(Ordering::Relaxed)
    }

    /// The options the log was opened with.
    pub fn options(&self) -> &LogOptions {
        &self.opts
    }

    /// Cuts the log for a snapshot.
    ///
    /// Call it while holding the lock that orders your `append` calls, then
    /// build the records describing your full state at that instant. Records
    /// appended before this call are covered by the snapshot; records
    /// appended after it go to a fresh segment and are replayed after the
    /// snapshot. Does no I/O itself (the writer starts the new segment).
    pub fn begin_snapshot(&self) -> Result<SnapshotCut, LogError> {
        let mut st = self.shared.state.lock();
        if st.failed {
            return Err(LogError::Failed);
        }
        if st.closing {
            return Err(LogError::Closed);
        }
        let lsn = st.next_lsn;
        let was_empty = st.buf.is_empty() && st.cuts.is_empty();
        if st.cuts.last() != Some(&lsn) {
            st.cuts.push(lsn);
        }
        self.shared.bytes_since_snapshot.store(0, Ordering::Relaxed);
        drop(st);
        if was_empty {
            self.shared.work.notify_one();
        }
        Ok(SnapshotCut { lsn })
    }

    /// Writes the snapshot for `cut` from `records`: to a temporary file,
    /// fsync'd, renamed into place, directory fsync'd. Then deletes the
    /// segments and older snapshots it makes redundant.
    ///
    /// Blocking: first waits until the writer has made every record before
    /// the cut durable and started the new segment (returning
    /// [`LogError::NoSpace`] if the disk is full meanwhile), then does file
    /// I/O. A full disk while writing the snapshot also gives `NoSpace`; the
    /// partial snapshot is removed and the segments are kept. Run
    /// it off the async runtime (e.g. `spawn_blocking`). Snapshots are always
    /// fsync'd, even with [`LogOptions::sync`] off, because segments are
    /// deleted on the strength of them. A cut older than a snapshot already
    /// written is stale and is dropped without writing anything.
    pub fn write_snapshot(
        &self,
        cut: SnapshotCut,
        records: impl IntoIterator<Item = Vec<u8>>,
    ) -> Result<(), LogError> {
        {
            let mut st = self.shared.state.lock();
            loop {
                if st.failed {
                    return Err(LogError::Failed);
                }
                if st.cut_done >= cut.lsn {
                    break;
                }
                if st.no_space {
                    return Err(LogError::NoSpace);
                }
                if st.stopped {
                    return Err(LogError::Closed);
                }
                self.shared.progress.wait(&mut st);
            }
        }

        let mut latest = self.snapshot.lock();
        if cut.lsn < *latest {
            tracing::debug!(
                cut = cut.lsn,
                latest = *latest,
                "skipping stale snapshot; a newer one is already in place"
            );
            return Ok(());
        }
        let dir = self.opts.dir.as_path();
        let info = snapshot::write(dir, cut.lsn, records).map_err(|err| match err {
            LogError::Io(io) if fault::is_no_space(&io) => LogError::NoSpace,
            other => other,
        })?;
        *latest = cut.lsn;

        let listing = segment::list_dir(dir)?;
        let mut removed = 0usize;
        for (first, path) in &listing.segments {
            if *first < cut.lsn {
                segment::remove_file(path)?;
                removed += 1;
            }
        }
        for (older, path) in &listing.snapshots {
            if *older < cut.lsn {
                segment::remove_file(path)?;
                removed += 1;
            }
        }
        if removed > 0 {
            segment::sync_dir(dir)?;
        }
        tracing::info!(
            cut = cut.lsn,
            records = info.records,
            bytes = info.bytes,
            removed_files = removed,
            "wrote log snapshot"
        );
        Ok(())
    }

    /// Flushes, stops the writer thread and releases the files. Idempotent;
    /// also done on drop. Later appends return [`LogError::Closed`]. If the
    /// disk is full, the final flush is tried once; records it could not write
    /// (none of them acknowledged) are lost and this returns
    /// [`LogError::NoSpace`].
    pub fn close(&self) -> Result<(), LogError> {
        {
            let mut st = self.shared.state.lock();
            st.closing = true;
        }
        self.shared.work.notify_one();
        let handle = self.writer.lock().take();
        if let Some(handle) = handle {
            if handle.join().is_err() {
                // The writer's panic guard normally did this already.
                self.shared.mark_failed();
            }
        }
        // A concurrent `close` may be the one joining the thread; wait for the
        // writer to finish either way.
        let mut st = self.shared.state.lock();
        while !st.stopped {
            self.shared.progress.wait(&mut st);
        }
        if st.failed {
            Err(LogError::Failed)
        } else if st.no_space {
            Err(LogError::NoSpace)
        } else {
            Ok(())
        }
    }

    /// Test hook: makes the writer's next write or fsync fail with `EIO`, as a
    /// failing disk would, to exercise fail-stop handling. Takes effect on
    /// the next batch the writer commits. Same as
    /// `inject_fault_for_tests(Some(Fault::IoError))`.
    #[doc(hidden)]
    pub fn inject_failure_for_tests(&self) {
        self.inject_fault_for_tests(Some(Fault::IoError));
    }

    /// Test hook: arms `fault` in the writer's file layer, replacing any
    /// armed fault; `None` clears it (a full disk has space again).
    #[doc(hidden)]
    pub fn inject_fault_for_tests(&self, fault: Option<Fault>) {
        self.shared.faults.set(fault);
    }
}

impl Drop for Log {
    fn drop(&mut self) {
        if let Err(err) = self.close() {
            tracing::debug!(error = %err, "closing log on drop");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Log>();
    }
}
