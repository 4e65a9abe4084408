//! Space reclamation. The journal only grows; once the bytes written since the last
//! snapshot are large both in absolute terms and relative to the live data, the store
//! cuts the journal and writes a snapshot of its state, and the log deletes the
//! segments the snapshot covers. Deleted and expired messages are then gone from disk.

use std::sync::atomic::Ordering;

use crate::EmbeddedStore;

/// When to compact.
#[derive(Debug, Clone, Copy)]
pub struct CompactionPolicy {
    /// Never compact while less than this has been written since the last snapshot.
    pub min_journal_bytes: u64,
    /// Compact once the journal since the snapshot is this many times the live data.
    pub live_data_ratio: u64,
}

impl Default for CompactionPolicy {
    fn default() -> Self {
        Self {
            min_journal_bytes: 64 * 1024 * 1024,
            live_data_ratio: 2,
        }
    }
}

impl EmbeddedStore {
    /// Starts a snapshot in the background if the policy says it is time.
    pub(crate) fn maybe_compact(&self) {
        let Some(log) = &self.log else { return };
        let written = log.bytes_since_snapshot();
        let threshold = self
            .compaction
            .min_journal_bytes
            .max(self.next_compaction_check.load(Ordering::Relaxed));
        if written < threshold {
            return;
        }
        if self.compacting.swap(true, Ordering::SeqCst) {
            return;
        }
        let (cut, records) = {
            let state = self.state.lock();
            if written
                < state
                    .approximate_live_bytes()
                    .saturating_mul(self.compaction.live_data_ratio)
            {
                // Measuring live data walks every message: look again only after another
                // quarter of the minimum has been written.
                let step = (self.compaction.min_journal_bytes / 4).max(1);
                self.next_compaction_check
                    .store(written + step, Ordering::Relaxed);
                self.compacting.store(false, Ordering::SeqCst);
                return;
            }
            self.next_compaction_check.store(0, Ordering::Relaxed);
            // Records first: a snapshot that cannot be sealed is not started at all.
            let records = match state.snapshot_records() {
                Ok(records) => records,
                Err(e) => {
                    tracing::error!(error = %e, "cannot write a snapshot");
                    self.compacting.store(false, Ordering::SeqCst);
                    return;
                }
            };
            match log.begin_snapshot() {
                Ok(cut) => (cut, records),
                Err(e) => {
                    tracing::error!(error = %e, "cannot start a snapshot");
                    self.compacting.store(false, Ordering::SeqCst);
                    return;
                }
            }
        };
        let log = log.clone();
        let compacting = self.compacting.clone();
        let result = std::thread::Builder::new()
            .name("sluice-snapshot".into())
            .spawn(move || {
                let n = records.len();
                match log.write_snapshot(cut, records) {
                    Ok(()) => tracing::info!(
                        records = n,
                        "snapshot written; covered journal segments removed"
                    ),
                    Err(e) => {
                        tracing::error!(error = %e, "snapshot failed; the journal is kept as it is")
                    }
                }
                compacting.store(false, Ordering::SeqCst);
            });
        if let Err(e) = result {
            tracing::error!(error = %e, "cannot start the snapshot thread");
            self.compacting.store(false, Ordering::SeqCst);
        }
    }
}
