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
//! Failure is fail-stop: the first write or fsync error is logged once, the
//! log is marked failed, every waiter is woken with an error and the thread
//! exits. Nothing written after the last successful fdatasync is ever
//! reported durable, and a failed fsync is never retried (the kernel may have
//! dropped the dirty pages, so a later "success" would be a lie).

use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::{Condvar, Mutex};
use tokio::sync::watch;

use crate::error::{io_at, LogError};
use crate::frame;
use crate::segment::ActiveSegment;
use crate::Lsn;

/// Once the pending buffer holds at least this many bytes, `append` blocks
/// until the writer takes the buffer. Bounds memory when producers outrun
/// the disk.
pub const MAX_PENDING_BYTES: usize = 256 * 1024 * 1024;

/// After a batch, the writer keeps the emptied buffer for reuse only if its
/// capacity is at most this many bytes, so one burst does not pin a large
/// allocation forever.
pub const RETAINED_BUFFER_MAX_BYTES: usize = 8 * 1024 * 1024;

/// Progress as seen by async waiters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Progress {
    pub durable: Lsn,
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
    pub bytes_since_snapshot: AtomicU64,
    pub inject_failure: AtomicBool,
}

impl Shared {
    pub fn new(next_lsn: Lsn, cut_done: Lsn, bytes_since_snapshot: u64) -> Self {
        let durable = next_lsn - 1;
        let (progress_tx, _) = watch::channel(Progress {
            durable,
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
                closing: false,
                stopped: false,
            }),
            work: Condvar::new(),
            progress: Condvar::new(),
            durable: AtomicU64::new(durable),
            progress_tx,
            sync_count: AtomicU64::new(0),
            bytes_since_snapshot: AtomicU64::new(bytes_since_snapshot),
            inject_failure: AtomicBool::new(false),
        }
    }
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
            segment,
            dirty: false,
            segment_max_bytes,
            sync,
            spare: Vec::new(),
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
                Err(err) => {
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
    fn next_batch(&mut self) -> Option<Batch> {
        let shared = Arc::clone(&self.shared);
        let mut st = shared.state.lock();
        loop {
            if st.failed {
                return None;
            }
            if !st.buf.is_empty() || !st.cuts.is_empty() {
                break;
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
    fn commit(&mut self, batch: &Batch) -> Result<(), LogError> {
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
        self.sync()
    }

    fn check_injected_failure(&self) -> io::Result<()> {
        if self.shared.inject_failure.load(Ordering::Relaxed) {
            return Err(io::Error::other("injected failure (test hook)"));
        }
        Ok(())
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), LogError> {
        self.dirty = true;
        self.check_injected_failure()
            .and_then(|()| self.segment.file.write_all(bytes))
            .map_err(|e| io_at("writing segment", &self.segment.path, e))
    }

    /// Fdatasyncs the active segment if it has unsynced bytes.
    fn sync(&mut self) -> Result<(), LogError> {
        if !self.sync || !self.dirty {
            self.dirty = false;
            return Ok(());
        }
        self.check_injected_failure()
            .and_then(|()| self.segment.file.sync_data())
            .map_err(|e| io_at("syncing segment", &self.segment.path, e))?;
        self.shared.sync_count.fetch_add(1, Ordering::Relaxed);
        self.dirty = false;
        Ok(())
    }

    /// Starts a new segment whose first record will be `lsn`, after making
    /// the current one durable. A no-op if the current segment is empty and
    /// already starts at `lsn`.
    fn roll(&mut self, lsn: Lsn) -> Result<(), LogError> {
        debug_assert_eq!(self.segment.next_lsn(), lsn);
        if self.segment.records == 0 && self.segment.first_lsn == lsn {
            return Ok(());
        }
        self.sync()?;
        self.check_injected_failure()
            .map_err(|e| io_at("creating segment in", &self.dir, e))?;
        let next = ActiveSegment::create(&self.dir, lsn, self.sync)?;
        tracing::debug!(segment = %next.path.display(), "started new log segment");
        self.segment = next;
        Ok(())
    }

    fn publish(&self, batch: &Batch) {
        let durable = batch.end_lsn - 1;
        {
            let mut st = self.shared.state.lock();
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
            "log write failed; the log is now fail-stopped and accepts no more records"
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
