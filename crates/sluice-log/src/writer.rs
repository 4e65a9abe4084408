//! The group-commit writer thread and the state it shares with appenders.
//!
//! Appenders frame their record, then take a short mutex to copy it into the
//! pending buffer and assign its LSN; they never touch files. One dedicated
//! thread loops: swap the pending buffer out, write it with as few `write`
//! calls as segment boundaries allow, fdatasync once, then publish the new
//! durable LSN and wake every waiter it covers. There is no timer: while one
//! fdatasync runs, new records pile up in the pending buffer and all go out
//! with the next one, so batch size grows with load by itself.
//!
//! The durable LSN is published three ways, each for one kind of waiter: in
//! the mutex-protected [`State`] (blocking waiters on a condvar), in an atomic
//! (lock-free reads), and in a `tokio::sync::watch` channel (async waiters;
//! `wait_for` checks the current value before sleeping, so no wakeup is lost).
//!
//! Two kinds of failure:
//!
//! * **Disk full** (`ENOSPC` or `EDQUOT` from a segment write or from creating
//!   a segment): retryable. The writer truncates the active segment back to
//!   its last committed length, publishes as durable only what an fdatasync
//!   covered, and puts the batch's records back at the front of the pending
//!   buffer, in order and with their LSNs. The waiters the batch covered get
//!   [`LogError::NoSpace`](crate::LogError::NoSpace); the writer retries the
//!   same records (plus anything appended since) with a backoff of 10 ms
//!   doubling to 500 ms, so once space is freed the log carries on without a
//!   restart. Records are never dropped: the caller's in-memory state already
//!   holds their effect, and later records may depend on them (a queue's
//!   creation, a FIFO deduplication entry), so the journal must keep exactly
//!   the state's order. One warning is logged when the disk fills, at most one
//!   more per minute while it stays full, and an info line when it recovers.
//!   If the log is closed while the disk is still full, the unwritten records
//!   (never acknowledged) are lost and `close` returns `NoSpace`.
//! * **Anything else** (an I/O error from a write, any fsync error — `ENOSPC`
//!   included — or a failed truncation): fail-stop. It is logged once, naming
//!   the file and the error; the log is marked failed, every waiter is woken
//!   with an error and the thread exits. Nothing written after the last
//!   successful fdatasync is ever reported durable, and a failed fsync is
//!   never retried (the kernel may have dropped the dirty pages, so a later
//!   "success" would be a lie).

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};
use tokio::sync::watch;

use crate::error::{io_at, LogError};
use crate::fault::{is_no_space, Faults};
use crate::frame::{self, FILE_HEADER_BYTES};
use crate::segment::ActiveSegment;
use crate::{LogHealth, Lsn};

/// Once the pending buffer holds at least this many bytes, `append` blocks
/// until the writer takes the buffer. Bounds memory when producers outrun
/// the disk.
pub const MAX_PENDING_BYTES: usize = 256 * 1024 * 1024;

/// After a batch, the writer keeps the emptied buffer for reuse only if its
/// capacity is at most this many bytes, so one burst does not pin a large
/// allocation forever.
pub const RETAINED_BUFFER_MAX_BYTES: usize = 8 * 1024 * 1024;

/// First delay before retrying a commit that failed because the disk is full;
/// it doubles with each further failure up to [`NO_SPACE_RETRY_MAX`].
pub const NO_SPACE_RETRY_MIN: Duration = Duration::from_millis(10);

/// Longest delay between retries while the disk is full.
pub const NO_SPACE_RETRY_MAX: Duration = Duration::from_millis(500);

/// While the disk stays full, a reminder is logged at most this often.
pub const NO_SPACE_WARN_INTERVAL: Duration = Duration::from_secs(60);

const HEALTHY: u8 = 0;
const OUT_OF_SPACE: u8 = 1;
const FAILED: u8 = 2;

/// Progress as seen by async waiters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Progress {
    pub durable: Lsn,
    /// Highest LSN that was part of a commit attempt that failed for lack of
    /// space. A waiter whose LSN is at most this and not durable gets
    /// [`LogError::NoSpace`].
    pub no_space_through: Lsn,
    pub failed: bool,
    pub stopped: bool,
}

/// State shared between appenders and the writer, guarded by one mutex.
#[derive(Debug)]
pub(crate) struct State {
    /// Framed records not yet taken by the writer.
    pub buf: Vec<u8>,
    /// LSN of the first record in `buf`.
    pub buf_first_lsn: Lsn,
    /// LSN the next appended record gets.
    pub next_lsn: Lsn,
    /// Snapshot cuts not yet taken by the writer: before writing the record
    /// with this LSN, start a new segment.
    pub cuts: Vec<Lsn>,
    /// Every record with LSN `<= durable_lsn` is on stable storage.
    pub durable_lsn: Lsn,
    /// Highest snapshot cut the writer has carried out.
    pub cut_done: Lsn,
    /// Set by the first write/fsync failure; never cleared.
    pub failed: bool,
    /// Set while the disk is full (the last commit attempt failed with
    /// `ENOSPC`/`EDQUOT`); cleared by the next successful commit.
    pub no_space: bool,
    /// See [`Progress::no_space_through`].
    pub no_space_through: Lsn,
    /// Set by `close`; no new records are accepted.
    pub closing: bool,
    /// Set when the writer thread has exited.
    pub stopped: bool,
}

/// Everything the [`crate::Log`] handle and the writer thread share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub state: Mutex<State>,
    /// Signalled when the writer has work (records, cuts, or closing).
    pub work: Condvar,
    /// Signalled when the writer made progress (took the buffer, published a
    /// durable LSN, failed, or stopped).
    pub progress: Condvar,
    pub durable: AtomicU64,
    pub progress_tx: watch::Sender<Progress>,
    pub sync_count: AtomicU64,
    /// Time spent in fdatasync since open, in microseconds.
    pub sync_micros: AtomicU64,
    pub bytes_since_snapshot: AtomicU64,
    /// [`LogHealth`] as `HEALTHY`, `OUT_OF_SPACE` or `FAILED`.
    pub health: AtomicU8,
    pub faults: Faults,
}

impl Shared {
    pub fn new(next_lsn: Lsn, cut_done: Lsn, bytes_since_snapshot: u64) -> Self {
        let durable = next_lsn - 1;
        let (progress_tx, _) = watch::channel(Progress {
            durable,
            no_space_through: 0,
            failed: false,
            stopped: false,
        });
        Shared {
            state: Mutex::new(State {
                buf: Vec::new(),
                buf_first_lsn: next_lsn,
                next_lsn,
                cuts: Vec::new(),
                durable_lsn: durable,
                cut_done,
                failed: false,
                no_space: false,
                no_space_through: 0,
                closing: false,
                stopped: false,
            }),
            work: Condvar::new(),
            progress: Condvar::new(),
            durable: AtomicU64::new(durable),
            progress_tx,
            sync_count: AtomicU64::new(0),
            sync_micros: AtomicU64::new(0),
            bytes_since_snapshot: AtomicU64::new(bytes_since_snapshot),
            health: AtomicU8::new(HEALTHY),
            faults: Faults::default(),
        }
    }

    pub fn health(&self) -> LogHealth {
        match self.health.load(Ordering::Acquire) {
            HEALTHY => LogHealth::Healthy,
            OUT_OF_SPACE => LogHealth::OutOfSpace,
            _ => LogHealth::Failed,
        }
    }
}

/// Why a commit failed.
enum CommitError {
    /// The disk is full: retry the batch later.
    NoSpace(LogError),
    /// Anything else: fail-stop.
    Fatal(LogError),
}

impl CommitError {
    fn classify(err: LogError) -> Self {
        match &err {
            LogError::Io(io) if is_no_space(io) => CommitError::NoSpace(err),
            _ => CommitError::Fatal(err),
        }
    }
}

/// An ongoing disk-full episode, for rate-limited logging and backoff.
struct NoSpaceEpisode {
    since: Instant,
    failures: u64,
    last_warned: Instant,
}

/// One batch taken from the pending state.
struct Batch {
    buf: Vec<u8>,
    first_lsn: Lsn,
    end_lsn: Lsn,
    cuts: Vec<Lsn>,
}

/// The writer thread's private state.
pub(crate) struct Writer {
    shared: Arc<Shared>,
    dir: PathBuf,
    segment: ActiveSegment,
    /// Whether `segment` has bytes written since its last fdatasync.
    dirty: bool,
    segment_max_bytes: u64,
    sync: bool,
    spare: Vec<u8>,
    /// Length and record count of `segment` as of its last fdatasync (or
    /// creation): what a disk-full failure truncates back to.
    committed_bytes: u64,
    committed_records: u64,
    /// Set while the disk is full.
    no_space: Option<NoSpaceEpisode>,
    /// Earliest time of the next commit attempt while the disk is full.
    retry_at: Option<Instant>,
}

impl Writer {
    pub fn new(
        shared: Arc<Shared>,
        dir: PathBuf,
        segment: ActiveSegment,
        segment_max_bytes: u64,
        sync: bool,
    ) -> Self {
        Writer {
            shared,
            dir,
            committed_bytes: segment.bytes,
            committed_records: segment.records,
            segment,
            dirty: false,
            segment_max_bytes,
            sync,
            spare: Vec::new(),
            no_space: None,
            retry_at: None,
        }
    }

    /// The thread body: commit batches until closed or failed.
    pub fn run(mut self) {
        let _guard = PanicGuard {
            shared: Arc::clone(&self.shared),
        };
        while let Some(batch) = self.next_batch() {
            match self.commit(&batch) {
                Ok(()) => self.publish(&batch),
                Err(CommitError::NoSpace(err)) => match self.retry_later(batch, err) {
                    Ok(true) => continue,
                    Ok(false) => return,
                    Err(err) => {
                        self.fail(err);
                        return;
                    }
                },
                Err(CommitError::Fatal(err)) => {
                    self.fail(err);
                    return;
                }
            }
            let mut buf = batch.buf;
            buf.clear();
            if buf.capacity() > RETAINED_BUFFER_MAX_BYTES {
                buf = Vec::new();
            }
            self.spare = buf;
        }
    }

    /// Waits for work and takes it. Returns `None` once closing and drained.
    /// While the disk is full, waits until the retry time first (unless
    /// closing, which gets one last attempt at once).
    fn next_batch(&mut self) -> Option<Batch> {
        let shared = Arc::clone(&self.shared);
        let mut st = shared.state.lock();
        loop {
            if st.failed {
                return None;
            }
            if !st.buf.is_empty() || !st.cuts.is_empty() {
                match self.retry_at {
                    Some(at) if !st.closing && Instant::now() < at => {
                        self.shared.work.wait_until(&mut st, at);
                        continue;
                    }
                    _ => break,
                }
            }
            if st.closing {
                st.stopped = true;
                drop(st);
                self.shared.progress_tx.send_modify(|p| p.stopped = true);
                self.shared.progress.notify_all();
                return None;
            }
            self.shared.work.wait(&mut st);
        }
        let buf = std::mem::replace(&mut st.buf, std::mem::take(&mut self.spare));
        let batch = Batch {
            buf,
            first_lsn: st.buf_first_lsn,
            end_lsn: st.next_lsn,
            cuts: std::mem::take(&mut st.cuts),
        };
        st.buf_first_lsn = st.next_lsn;
        drop(st);
        // Appenders blocked on a full buffer can continue.
        self.shared.progress.notify_all();
        Some(batch)
    }

    /// Writes a batch to the segments (rolling where needed) and makes it
    /// durable.
    fn commit(&mut self, batch: &Batch) -> Result<(), CommitError> {
        let buf = &batch.buf;
        let mut pos = 0usize;
        let mut lsn = batch.first_lsn;
        let mut cuts = batch.cuts.iter().copied().peekable();
        loop {
            while let Some(cut) = cuts.next_if(|&cut| cut <= lsn) {
                debug_assert_eq!(cut, lsn, "cut skipped over");
                self.roll(lsn)?;
            }
            if pos >= buf.len() {
                break;
            }
            let next_cut = cuts.peek().copied().unwrap_or(Lsn::MAX);
            let start = pos;
            let mut seg_records = self.segment.records;
            let mut seg_bytes = self.segment.bytes;
            while pos < buf.len() && lsn < next_cut {
                let len = frame::trusted_frame_len_at(buf, pos) as u64;
                if seg_records > 0 && seg_bytes + len > self.segment_max_bytes {
                    break;
                }
                pos += len as usize;
                lsn += 1;
                seg_records += 1;
                seg_bytes += len;
            }
            if pos > start {
                self.write(&buf[start..pos])?;
                self.segment.records = seg_records;
                self.segment.bytes = seg_bytes;
            }
            if pos < buf.len() && lsn < next_cut {
                // The segment is full.
                self.roll(lsn)?;
            }
        }
        debug_assert_eq!(lsn, batch.end_lsn);
        self.sync().map_err(CommitError::Fatal)
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), CommitError> {
        self.dirty = true;
        let result = match self.shared.faults.check_write(bytes.len()) {
            None => self.segment.file.write_all(bytes),
            Some((landed, err)) => self.segment.file.write_all(&bytes[..landed]).and(Err(err)),
        };
        result.map_err(|e| CommitError::classify(io_at("writing segment", &self.segment.path, e)))
    }

    /// Fdatasyncs the active segment if it has unsynced bytes. Any error here
    /// is fatal, `ENOSPC` included: a failed fsync is never retried.
    fn sync(&mut self) -> Result<(), LogError> {
        if self.sync && self.dirty {
            let started = std::time::Instant::now();
            self.shared
                .faults
                .check_sync()
                .and_then(|()| self.segment.file.sync_data())
                .map_err(|e| io_at("syncing segment", &self.segment.path, e))?;
            self.shared.sync_count.fetch_add(1, Ordering::Relaxed);
            self.shared
                .sync_micros
                .fetch_add(started.elapsed().as_micros() as u64, Ordering::Relaxed);
        }
        self.dirty = false;
        self.committed_bytes = self.segment.bytes;
        self.committed_records = self.segment.records;
        Ok(())
    }

    /// Starts a new segment whose first record will be `lsn`, after making
    /// the current one durable. A no-op if the current segment is empty and
    /// already starts at `lsn`.
    fn roll(&mut self, lsn: Lsn) -> Result<(), CommitError> {
        debug_assert_eq!(self.segment.next_lsn(), lsn);
        if self.segment.records == 0 && self.segment.first_lsn == lsn {
            return Ok(());
        }
        self.sync().map_err(CommitError::Fatal)?;
        let next = self
            .shared
            .faults
            .check_create(FILE_HEADER_BYTES)
            .map_err(|e| io_at("creating segment in", &self.dir, e))
            .and_then(|()| ActiveSegment::create(&self.dir, lsn, self.sync))
            .map_err(CommitError::classify)?;
        tracing::debug!(segment = %next.path.display(), "started new log segment");
        self.committed_bytes = next.bytes;
        self.committed_records = 0;
        self.segment = next;
        Ok(())
    }

    /// After a commit failed for lack of space: cuts the active segment back
    /// to its last committed length, publishes what is durable, puts the
    /// unwritten records back in front of the pending buffer and schedules a
    /// retry. Returns `Ok(false)` if the log is closing (the writer stops),
    /// `Err` if the segment cannot be truncated (fail-stop).
    fn retry_later(&mut self, mut batch: Batch, err: LogError) -> Result<bool, LogError> {
        self.segment
            .file
            .set_len(self.committed_bytes)
            .map_err(|e| io_at("truncating segment", &self.segment.path, e))?;
        self.segment.bytes = self.committed_bytes;
        self.segment.records = self.committed_records;
        self.dirty = false;

        // A roll inside the batch fdatasync'd the records before it.
        let durable = self.segment.next_lsn() - 1;
        let mut offset = 0usize;
        let mut lsn = batch.first_lsn;
        while lsn <= durable {
            offset += frame::trusted_frame_len_at(&batch.buf, offset);
            lsn += 1;
        }
        let first_lsn = self.segment.first_lsn;
        let done_cut = batch.cuts.iter().copied().filter(|&c| c <= first_lsn).max();
        let mut cuts: Vec<Lsn> = batch
            .cuts
            .iter()
            .copied()
            .filter(|&c| c > first_lsn)
            .collect();
        batch.buf.drain(..offset);

        let mut st = self.shared.state.lock();
        batch.buf.extend_from_slice(&st.buf);
        let mut newer = std::mem::replace(&mut st.buf, batch.buf);
        st.buf_first_lsn = durable + 1;
        for c in st.cuts.drain(..) {
            if cuts.last() != Some(&c) {
                cuts.push(c);
            }
        }
        st.cuts = cuts;
        st.durable_lsn = durable;
        if let Some(cut) = done_cut {
            st.cut_done = st.cut_done.max(cut);
        }
        st.no_space = true;
        st.no_space_through = st.no_space_through.max(batch.end_lsn - 1);
        let through = st.no_space_through;
        let closing = st.closing;
        let unwritten = st.next_lsn - st.buf_first_lsn;
        if closing {
            st.stopped = true;
            st.buf = Vec::new();
            st.cuts.clear();
        }
        drop(st);
        newer.clear();
        self.spare = newer;
        self.shared.health.store(OUT_OF_SPACE, Ordering::Release);
        self.shared.durable.store(durable, Ordering::Release);
        self.shared.progress.notify_all();
        self.shared.progress_tx.send_modify(|p| {
            p.durable = durable;
            p.no_space_through = through;
            p.stopped |= closing;
        });

        if closing {
            tracing::error!(
                error = %err,
                unwritten_records = unwritten,
                durable_lsn = durable,
                "closing the log while its disk is full: the last records could not be written \
                 (none of them was acknowledged as durable)"
            );
            return Ok(false);
        }
        let now = Instant::now();
        let failures = match &mut self.no_space {
            None => {
                tracing::warn!(
                    error = %err,
                    durable_lsn = durable,
                    "the disk holding the log is full: writes fail with a retryable error \
                     until space is freed; the log retries by itself"
                );
                self.no_space = Some(NoSpaceEpisode {
                    since: now,
                    failures: 1,
                    last_warned: now,
                });
                1
            }
            Some(episode) => {
                episode.failures += 1;
                if now.duration_since(episode.last_warned) >= NO_SPACE_WARN_INTERVAL {
                    tracing::warn!(
                        error = %err,
                        failed_attempts = episode.failures,
                        full_for_secs = now.duration_since(episode.since).as_secs(),
                        "the disk holding the log is still full"
                    );
                    episode.last_warned = now;
                }
                episode.failures
            }
        };
        let shift = (failures - 1).min(16) as u32;
        let delay = NO_SPACE_RETRY_MIN
            .saturating_mul(1 << shift)
            .min(NO_SPACE_RETRY_MAX);
        self.retry_at = Some(now + delay);
        Ok(true)
    }

    fn publish(&mut self, batch: &Batch) {
        let durable = batch.end_lsn - 1;
        if let Some(episode) = self.no_space.take() {
            tracing::info!(
                failed_attempts = episode.failures,
                full_for_ms = episode.since.elapsed().as_millis() as u64,
                "the disk holding the log has space again; writes have resumed"
            );
            self.retry_at = None;
            self.shared.health.store(HEALTHY, Ordering::Release);
        }
        {
            let mut st = self.shared.state.lock();
            st.no_space = false;
            st.durable_lsn = durable;
            if let Some(&cut) = batch.cuts.last() {
                st.cut_done = st.cut_done.max(cut);
            }
        }
        self.shared.durable.store(durable, Ordering::Release);
        self.shared.progress.notify_all();
        self.shared.progress_tx.send_if_modified(|p| {
            let changed = p.durable != durable;
            p.durable = durable;
            changed
        });
    }

    fn fail(&self, err: LogError) {
        tracing::error!(
            error = %err,
            durable_lsn = self.shared.durable.load(Ordering::Acquire),
            "log write failed; the log is now fail-stopped: it accepts no more records \
             until the process is restarted"
        );
        self.shared.mark_failed();
    }
}

impl Shared {
    /// Puts the log in the failed state and wakes every waiter.
    pub fn mark_failed(&self) {
        {
            let mut st = self.state.lock();
            st.failed = true;
            st.stopped = true;
            st.buf = Vec::new();
            st.cuts.clear();
        }
        self.health.store(FAILED, Ordering::Release);
        self.progress.notify_all();
        self.progress_tx.send_modify(|p| {
            p.failed = true;
            p.stopped = true;
        });
    }
}

/// Fail-stops the log if the writer thread unwinds, so waiters are woken with
/// an error instead of hanging.
struct PanicGuard {
    shared: Arc<Shared>,
}

impl Drop for PanicGuard {
    fn drop(&mut self) {
        if std::thread::panicking() {
            tracing::error!("log writer thread panicked; the log is now fail-stopped");
            self.shared.mark_failed();
        }
    }
}
