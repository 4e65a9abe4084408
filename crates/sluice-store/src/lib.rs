//! Sluice's embedded store. All queue state lives in memory behind one mutex (the
//! critical sections are short and never do I/O); every change is encoded as a
//! [`record::Record`] and appended to the `sluice-log` journal while the lock is held,
//! so the journal's order is the state's order. Sends wait for the group commit that
//! makes them durable before they are acknowledged; receives, deletes and visibility
//! changes ride the next commit (a crash can only cause a redelivery, which
//! at-least-once allows). Without a data directory the store runs in memory only.
//! SNS topics and subscriptions live in the same state and journal (`topics.rs`,
//! `topic_store.rs`), each change durable before it is acknowledged, and so do the SNS
//! deliveries to HTTP/S endpoints not yet made (`outbox.rs`). Kinesis streams and
//! consumers are journalled the same way (`kinesis_catalog.rs`); Kinesis records live in
//! per-shard segment files beside the journal, not in memory (`kinesis_log.rs`).
//!
//! # Storage faults
//!
//! * **Disk full.** A send whose group commit hits `ENOSPC`/`EDQUOT` fails with
//!   `StoreError::Unavailable` ([`DATA_DIR_FULL`]), which the service answers as
//!   `ServiceUnavailable` (HTTP 503), the error SDKs retry. Its records stay in memory
//!   and in the journal's pending buffer, and the journal retries them by itself; so a
//!   send that got the error may still be delivered (a client retry is a duplicate,
//!   which at-least-once allows; a FIFO retry with the same deduplication id is
//!   answered with the original). While the disk stays full, every request that may
//!   change state (sends, receives, deletes, visibility changes, queue changes,
//!   starting, cancelling and running move tasks) is refused up front with the same
//!   error, before it touches any state; reads keep working. (The one exception is a
//!   move task's runner recording its outcome, so that a task the full disk stopped is
//!   marked failed rather than left running with nothing running it.) Once space is freed the journal catches up and requests are
//!   served again, without a restart.
//! * **Any other write or fsync error** fail-stops the journal: from then on every
//!   request that may change state fails with `ServiceUnavailable` ([`JOURNAL_FAILED`])
//!   until the server is restarted, so nothing is acknowledged that is not durable.
//!   Reads of the in-memory state keep working.

mod compaction;
mod fifo_topics;
mod kinesis_catalog;
mod kinesis_log;
mod outbox;
mod record;
mod state;
mod topic_store;
mod topics;

use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use parking_lot::Mutex;
use sluice_core::clock::{Clock, EpochMs};
use sluice_core::sqs::attributes::QueueCounts;
use sluice_core::sqs::fifo::dedup_key;
use sluice_core::sqs::names::QueueKey;
use sluice_core::sqs::queue::{AckOutcome, ClaimLimits, MessageState};
use sluice_core::sqs::receipt::Receipt;
use sluice_core::sqs::sealing::{protection, MessageSealer, Protection};
use sluice_core::sqs::store::*;
use sluice_log::{Log, LogError, LogOptions};

use record::{Record, Redrive};
use state::State;

pub use compaction::CompactionPolicy;
pub use kinesis_log::{
    SEGMENT_MAGIC as KINESIS_SEGMENT_MAGIC, SEGMENT_ROLL_BYTES, SPARSE_INDEX_BYTES,
};
#[doc(hidden)]
pub use sluice_log::Fault as JournalFault;
pub use sluice_log::LogHealth as JournalHealth;

/// What clients are told while the disk holding the data directory is full. The error
/// is `ServiceUnavailable` (HTTP 503), which the AWS SDKs retry.
pub const DATA_DIR_FULL: &str =
    "the data directory is full; the request was not completed (retry once space is freed)";

/// What clients are told once the journal has fail-stopped.
pub const JOURNAL_FAILED: &str =
    "the journal stopped after a storage write error; the server must be restarted (see its log)";

/// Maps a journal error to the store's. Every journal failure is `Unavailable`
/// (`ServiceUnavailable`, 503), with a message that says why.
fn journal_error(e: LogError) -> StoreError {
    match e {
        LogError::NoSpace => StoreError::Unavailable(DATA_DIR_FULL.to_owned()),
        LogError::Failed => StoreError::Unavailable(JOURNAL_FAILED.to_owned()),
        other => StoreError::Unavailable(other.to_string()),
    }
}

/// Where and how the store keeps its data.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// `None` keeps everything in memory (nothing survives a restart).
    pub data_dir: Option<PathBuf>,
    /// fdatasync every group commit. Only benchmarks turn this off.
    pub sync: bool,
    pub compaction: CompactionPolicy,
    /// The key service that seals messages of encrypted queues (SSE) before they reach
    /// the journal or a snapshot, and opens them at recovery. `None`: stored in clear.
    pub sealer: Option<Arc<dyn MessageSealer>>,
}

impl StoreOptions {
    pub fn in_memory() -> Self {
        Self {
            data_dir: None,
            sync: true,
            compaction: CompactionPolicy::default(),
            sealer: None,
        }
    }

    pub fn durable(dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: Some(dir.into()),
            sync: true,
            compaction: CompactionPolicy::default(),
            sealer: None,
        }
    }
}

/// What recovery found, for the start-up log line.
#[derive(Debug, Clone, Default)]
pub struct RecoverySummary {
    pub queues: usize,
    pub messages: usize,
    pub records_replayed: u64,
    pub torn_tail_bytes: u64,
}

pub struct EmbeddedStore {
    state: Mutex<State>,
    log: Option<Arc<Log>>,
    compaction: CompactionPolicy,
    compacting: Arc<std::sync::atomic::AtomicBool>,
    /// Journal size (bytes since the last snapshot) at which compaction is next considered.
    next_compaction_check: std::sync::atomic::AtomicU64,
    /// Held for the store's lifetime: two servers must never share a data directory.
    _lock: Option<std::fs::File>,
    /// Seals messages of encrypted queues on their way to the journal.
    sealer: Option<Arc<dyn MessageSealer>>,
    /// Kinesis shards' records (segment files under `<data_dir>/kinesis`, or memory).
    shard_logs: kinesis_log::ShardLogs,
}

/// Takes the data directory's lock file, failing if another process holds it.
fn lock_data_dir(dir: &std::path::Path) -> Result<std::fs::File, String> {
    let path = dir.join("LOCK");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    file.try_lock().map_err(|_| {
        format!(
            "the data directory {} is in use by another sluice process",
            dir.display()
        )
    })?;
    Ok(file)
}

impl EmbeddedStore {
    /// Opens the store, replaying the journal if there is one.
    pub fn open(
        options: StoreOptions,
        clock: &dyn Clock,
    ) -> Result<(Arc<Self>, RecoverySummary), String> {
        let now = clock.now_ms();
        let mut state = State::new();
        state.sealer = options.sealer.clone();
        let mut summary = RecoverySummary::default();
        let mut lock = None;
        let log = match &options.data_dir {
            None => None,
            Some(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| {
                    format!("cannot create the data directory {}: {e}", dir.display())
                })?;
                lock = Some(lock_data_dir(dir)?);
                let log_options = LogOptions {
                    sync: options.sync,
                    ..LogOptions::new(dir.join("journal"))
                };
                let (log, report) = Log::open(log_options, |bytes| {
                    state.replay(Record::decode(bytes)?, now)
                })
                .map_err(|e| format!("cannot open the data directory {}: {e}", dir.display()))?;
                summary.records_replayed = report.records_replayed;
                summary.torn_tail_bytes = report.torn_tail_bytes;
                Some(Arc::new(log))
            }
        };
        state.settle(now);
        summary.queues = state.queues.len();
        summary.messages = state.queues.values().map(|s| s.index.len()).sum();
        let store = Arc::new(Self {
            state: Mutex::new(state),
            log,
            compaction: options.compaction,
            compacting: Arc::new(std::sync::atomic::AtomicBool::new(false)),
            next_compaction_check: std::sync::atomic::AtomicU64::new(0),
            _lock: lock,
            sealer: options.sealer,
            shard_logs: kinesis_log::ShardLogs::new(
                options.data_dir.as_ref().map(|d| d.join("kinesis")),
                options.sync,
            ),
        });
        Ok((store, summary))
    }

    /// Refuses a request that may change state while the journal cannot make changes
    /// durable: the disk is full (retryable, and the journal recovers by itself once
    /// space is freed) or the journal has fail-stopped (only a restart recovers). Called
    /// before any state is touched, so a refused request changes nothing.
    fn check_writable(&self) -> StoreResult<()> {
        match self.log.as_ref().map(|log| log.health()) {
            Some(JournalHealth::OutOfSpace) => Err(journal_error(LogError::NoSpace)),
            Some(JournalHealth::Failed) => Err(journal_error(LogError::Failed)),
            _ => Ok(()),
        }
    }

    /// The journal's counters, for metrics; `None` for an in-memory store.
    pub fn journal_stats(&self) -> Option<JournalStats> {
        let log = self.log.as_ref()?;
        Some(JournalStats {
            fsyncs: log.sync_count(),
            fsync_micros: log.sync_micros(),
            next_lsn: log.next_lsn(),
            bytes_since_snapshot: log.bytes_since_snapshot(),
            snapshot_bytes: log.snapshot_bytes(),
        })
    }

    /// Test hook: rolls Kinesis segments at `bytes` instead of [`SEGMENT_ROLL_BYTES`].
    #[doc(hidden)]
    pub fn set_kinesis_segment_bytes_for_tests(&self, bytes: u64) {
        self.shard_logs.set_roll_bytes(bytes);
    }

    /// Whether the journal can currently make changes durable (`None` in memory).
    pub fn journal_health(&self) -> Option<JournalHealth> {
        self.log.as_ref().map(|log| log.health())
    }

    /// Test hook: arms a storage fault in the journal's writer (`None` clears it).
    #[doc(hidden)]
    pub fn inject_journal_fault_for_tests(&self, fault: Option<JournalFault>) {
        if let Some(log) = &self.log {
            log.inject_fault_for_tests(fault);
        }
    }

    /// Appends records to the journal (if any); called with the state lock held so the
    /// journal order is the state order. Returns the LSN to wait on.
    fn journal(&self, records: &[Record]) -> StoreResult<u64> {
        match records {
            [] => Ok(0),
            [record] => match &self.log {
                Some(log) => log.append(&record.encode()).map_err(journal_error),
                None => Ok(0),
            },
            _ => self.journal_all(records),
        }
    }

    /// Journals records in one go, so that one commit carries them all (0 if there are
    /// none, or no journal).
    fn journal_all<'a>(&self, records: impl IntoIterator<Item = &'a Record>) -> StoreResult<u64> {
        let Some(log) = &self.log else { return Ok(0) };
        let encoded: Vec<Vec<u8>> = records.into_iter().map(Record::encode).collect();
        if encoded.is_empty() {
            return Ok(0);
        }
        log.append_all(encoded.iter().map(Vec::as_slice))
            .map_err(journal_error)
    }

    /// The key service to seal this queue's messages with: only with a journal (in
    /// memory nothing is at rest) and only for a queue encrypted at rest.
    fn sealer_for(&self, meta: &QueueMeta) -> Option<&dyn MessageSealer> {
        let sealer = self.sealer.as_deref().filter(|_| self.log.is_some())?;
        (protection(&meta.attributes) != Protection::Plain).then_some(sealer)
    }

    /// The LSN of the last record appended so far (0 without a journal).
    fn journal_tail(&self) -> u64 {
        self.log
            .as_ref()
            .map_or(0, |log| log.next_lsn().saturating_sub(1))
    }

    async fn durable(&self, lsn: u64) -> StoreResult<()> {
        match &self.log {
            Some(log) if lsn > 0 => {
                log.wait_durable(lsn).await.map_err(journal_error)?;
                self.maybe_compact();
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

#[async_trait]
impl QueueStore for EmbeddedStore {
    async fn create_queue(&self, queue: NewQueue, now: EpochMs) -> StoreResult<CreateOutcome> {
        self.check_writable()?;
        let lsn = {
            let mut state = self.state.lock();
            if let Some(slot) = state.slot(&queue.key) {
                return Ok(CreateOutcome::Exists(slot.meta.clone()));
            }
            let meta = QueueMeta {
                key: queue.key,
                id: state.next_queue_id,
                attributes: queue.attributes,
                tags: queue.tags,
                created_at_ms: now,
                last_modified_ms: now,
                last_purge_ms: None,
            };
            let lsn = self.journal(&[Record::QueueCreated(meta.clone())])?;
            state.add_queue(meta.clone());
            (lsn, meta)
        };
        self.durable(lsn.0).await?;
        Ok(CreateOutcome::Created(lsn.1))
    }

    async fn queue(&self, key: &QueueKey) -> Option<QueueMeta> {
        self.state.lock().slot(key).map(|s| s.meta.clone())
    }

    async fn list_queues(&self, region: &str, account_id: &str) -> Vec<QueueMeta> {
        let state = self.state.lock();
        state
            .by_key
            .iter()
            .filter(|(k, _)| k.region == region && k.account_id == account_id)
            .filter_map(|(_, id)| state.queues.get(id).map(|s| s.meta.clone()))
            .collect()
    }

    async fn all_queues(&self) -> Vec<QueueMeta> {
        let state = self.state.lock();
        state
            .by_key
            .values()
            .filter_map(|id| state.queues.get(id).map(|s| s.meta.clone()))
            .collect()
    }

    async fn deleted_at(&self, key: &QueueKey) -> Option<EpochMs> {
        self.state.lock().deleted_at.get(key).copied()
    }

    async fn change_queue(
        &self,
        key: &QueueKey,
        change: QueueChange,
        now: EpochMs,
    ) -> StoreResult<QueueMeta> {
        self.check_writable()?;
        let (lsn, meta) = {
            let mut state = self.state.lock();
            let slot = state.slot_mut(key).ok_or(StoreError::NoSuchQueue)?;
            let mut meta = slot.meta.clone();
            match change {
                QueueChange::Attributes(attributes) => {
                    meta.attributes = attributes;
                    meta.last_modified_ms = now;
                }
                QueueChange::Tags(tags) => meta.tags = tags,
            }
            let lsn = self.journal(&[Record::QueueChanged(meta.clone())])?;
            slot.meta = meta.clone();
            (lsn, meta)
        };
        self.durable(lsn).await?;
        Ok(meta)
    }

    async fn delete_queue(&self, key: &QueueKey, now: EpochMs) -> StoreResult<()> {
        self.check_writable()?;
        let lsn = {
            let mut state = self.state.lock();
            let id = *state.by_key.get(key).ok_or(StoreError::NoSuchQueue)?;
            let lsn = self.journal(&[Record::QueueRemoved {
                queue: id,
                key: key.clone(),
                at_ms: now,
            }])?;
            state.remove_queue(id, now);
            lsn
        };
        self.durable(lsn).await
    }

    async fn reset(&self) -> StoreResult<()> {
        self.check_writable()?;
        let lsn = {
            let mut state = self.state.lock();
            let lsn = self.journal(&[Record::Reset])?;
            state.reset();
            lsn
        };
        self.durable(lsn).await?;
        self.shard_logs.reset().map_err(StoreError::Unavailable)
    }

    async fn purge(&self, key: &QueueKey, now: EpochMs) -> StoreResult<()> {
        self.check_writable()?;
        let lsn = {
            let mut state = self.state.lock();
            let slot = state.slot_mut(key).ok_or(StoreError::NoSuchQueue)?;
            let lsn = self.journal(&[Record::Purged {
                queue: slot.meta.id,
                at_ms: now,
            }])?;
            slot.index.purge();
            slot.meta.last_purge_ms = Some(now);
            lsn
        };
        self.durable(lsn).await
    }

    async fn counts(&self, key: &QueueKey, now: EpochMs) -> StoreResult<QueueCounts> {
        let mut state = self.state.lock();
        let slot = state.slot_mut(key).ok_or(StoreError::NoSuchQueue)?;
        // Counts never include messages past their retention period.
        let expired = slot.index.expire(now, slot.meta.attributes.retention_ms());
        let counts = slot.index.counts(now);
        if !expired.is_empty() {
            let queue = slot.meta.id;
            self.journal(&[Record::Expired {
                queue,
                seqs: expired,
            }])?;
        }
        Ok(counts)
    }

    async fn peek(&self, key: &QueueKey, max: usize, now: EpochMs) -> StoreResult<Vec<Peeked>> {
        let state = self.state.lock();
        let id = state.by_key.get(key).ok_or(StoreError::NoSuchQueue)?;
        let slot = state.queues.get(id).expect("indexed queue exists");
        let retention_ms = slot.meta.attributes.retention_ms();
        Ok(slot
            .index
            .peek(now, retention_ms, max)
            .into_iter()
            .map(|(seq, state)| Peeked { seq, state })
            .collect())
    }

    async fn append(
        &self,
        key: &QueueKey,
        messages: Vec<NewMessage>,
        now: EpochMs,
    ) -> StoreResult<Vec<Appended>> {
        self.check_writable()?;
        let (lsn, appended, reveal) =
            self.append_locked(&mut self.state.lock(), key, messages, now)?;
        let guard = RevealOnDrop {
            store: self,
            queues: vec![reveal],
            now,
        };
        let result = self.durable(lsn).await;
        // Revealed when the wait ends, however it ends: durable, failed (a refused send
        // may still be committed later, which at-least-once allows), or abandoned by a
        // client that went away.
        drop(guard);
        result?;
        Ok(appended)
    }

    async fn append_many(
        &self,
        batches: Vec<(QueueKey, Vec<NewMessage>)>,
        now: EpochMs,
    ) -> Vec<StoreResult<Vec<Appended>>> {
        if let Err(e) = self.check_writable() {
            return batches.iter().map(|_| Err(e.clone())).collect();
        }
        let mut results: Vec<StoreResult<Vec<Appended>>> = Vec::with_capacity(batches.len());
        let mut reveal = Vec::with_capacity(batches.len());
        let lsn;
        {
            let mut state = self.state.lock();
            // Every queue's messages staged first, then journalled together, so that one
            // commit makes them all durable.
            let mut staged = Vec::with_capacity(batches.len());
            let mut places = Vec::with_capacity(batches.len());
            for (key, messages) in batches {
                match self.stage_locked(&mut state, &key, messages, now) {
                    Ok(s) => {
                        places.push(results.len());
                        results.push(Ok(Vec::new()));
                        staged.push(s);
                    }
                    Err(e) => results.push(Err(e)),
                }
            }
            match self.journal_staged(&staged) {
                Ok(at) => lsn = at,
                Err(e) => {
                    for place in places {
                        results[place] = Err(e.clone());
                    }
                    return results;
                }
            }
            for (place, s) in places.into_iter().zip(staged) {
                let (appended, queue_reveal) = self.index_staged(&mut state, s, now);
                reveal.push(queue_reveal);
                results[place] = Ok(appended);
            }
        }
        // As in `append`: revealed when the one wait for all of them ends.
        let guard = RevealOnDrop {
            store: self,
            queues: reveal,
            now,
        };
        let durable = self.durable(lsn).await;
        drop(guard);
        if let Err(e) = durable {
            for result in results.iter_mut().filter(|r| r.is_ok()) {
                *result = Err(e.clone());
            }
        }
        results
    }

    async fn claim_visible(
        &self,
        key: &QueueKey,
        request: ClaimRequest,
        now: EpochMs,
    ) -> StoreResult<Claimed> {
        self.check_writable()?;
        let mut state = self.state.lock();
        let id = *state.by_key.get(key).ok_or(StoreError::NoSuchQueue)?;
        let dead_letter = request
            .dead_letter
            .as_ref()
            .and_then(|(dlq, max)| state.by_key.get(dlq).map(|dlq_id| (*dlq_id, *max)))
            .filter(|(dlq_id, _)| *dlq_id != id);
        let slot = state.queues.get_mut(&id).expect("indexed queue exists");
        // A retried FIFO receive gets the messages its first try got, if none changed.
        if let Some(attempt) = request.attempt_id.as_deref() {
            if let Some(deliveries) =
                slot.index
                    .retry_attempt(attempt, now, request.visibility_timeout_ms)
            {
                let records: Vec<Record> = deliveries
                    .iter()
                    .map(|d| Record::VisibilityChanged {
                        queue: id,
                        seq: d.seq,
                        visible_at_ms: d.visible_at_ms,
                    })
                    .collect();
                self.journal(&records)?;
                return Ok(Claimed {
                    deliveries,
                    queue_id: id,
                    next_visible_ms: slot.index.next_visible_ms(),
                    moved_to_dead_letter: 0,
                });
            }
        }
        // Messages whose visibility timeout has run out no longer count as in flight.
        slot.index.advance(now);
        if slot.index.in_flight() >= request.in_flight_max {
            return Err(StoreError::OverLimit);
        }
        let limits = ClaimLimits {
            // A receive never takes the queue past its in-flight limit.
            max_messages: request
                .max_messages
                .min(request.in_flight_max - slot.index.in_flight()),
            visibility_timeout_ms: request.visibility_timeout_ms,
            retention_ms: slot.meta.attributes.retention_ms(),
            max_receive_count: dead_letter.map(|(_, max)| max),
        };
        let outcome = slot.index.claim(now, limits);
        if let Some(attempt) = request.attempt_id.as_deref() {
            slot.index
                .remember_attempt(attempt, &outcome.delivered, now);
        }
        // New messages wake one waiting receive; one that takes messages and leaves
        // visible ones behind passes the turn to the next.
        if !outcome.delivered.is_empty() && slot.index.ready_seqs().next().is_some() {
            slot.notify.notify_one();
        }
        let next_visible_ms = slot.index.next_visible_ms();
        let mut records = Vec::with_capacity(outcome.delivered.len() + 2);
        if !outcome.expired.is_empty() {
            records.push(Record::Expired {
                queue: id,
                seqs: outcome.expired.clone(),
            });
        }
        for d in &outcome.delivered {
            records.push(Record::Received {
                queue: id,
                seq: d.seq,
                nonce: d.nonce,
                receive_count: d.receive_count,
                first_receive_ms: d.first_receive_ms,
                received_at_ms: now,
                visible_at_ms: d.visible_at_ms,
            });
        }
        let moved = outcome.dead_lettered.len();
        if let Some((dlq_id, _)) = dead_letter {
            for (seq, message) in outcome.dead_lettered {
                // Put it back so the shared move path takes it from the source.
                state
                    .queues
                    .get_mut(&id)
                    .expect("exists")
                    .index
                    .insert(seq, message);
                state.move_message(id, dlq_id, seq, None, now);
                records.push(Record::Moved {
                    from: id,
                    to: dlq_id,
                    seq,
                    redrive: None,
                    at_ms: now,
                });
            }
            if moved > 0 {
                state
                    .queues
                    .get(&dlq_id)
                    .expect("exists")
                    .notify
                    .notify_one();
            }
        }
        self.journal(&records)?;
        Ok(Claimed {
            deliveries: outcome.delivered,
            queue_id: id,
            next_visible_ms,
            moved_to_dead_letter: moved,
        })
    }

    async fn ack(
        &self,
        key: &QueueKey,
        receipt: Receipt,
        latest_only: bool,
        now: EpochMs,
    ) -> StoreResult<AckOutcome> {
        self.check_writable()?;
        let mut state = self.state.lock();
        let slot = state.slot_mut(key).ok_or(StoreError::NoSuchQueue)?;
        if slot.meta.id != receipt.queue_id {
            return Err(StoreError::ForeignReceipt);
        }
        let outcome = slot.index.ack(receipt.seq, receipt.nonce, latest_only, now);
        if outcome == AckOutcome::Deleted && slot.index.is_fifo() {
            // Deleting may unlock the message's group: its next message is now available.
            slot.notify.notify_one();
        }
        if outcome == AckOutcome::Deleted {
            self.journal(&[Record::Deleted {
                queue: receipt.queue_id,
                seq: receipt.seq,
            }])?;
        }
        Ok(outcome)
    }

    async fn change_visibility(
        &self,
        key: &QueueKey,
        receipt: Receipt,
        timeout_ms: u64,
        now: EpochMs,
    ) -> StoreResult<()> {
        self.check_writable()?;
        let mut state = self.state.lock();
        let slot = state.slot_mut(key).ok_or(StoreError::NoSuchQueue)?;
        if slot.meta.id != receipt.queue_id {
            return Err(StoreError::ForeignReceipt);
        }
        let visible_at_ms = slot
            .index
            .change_visibility(receipt.seq, receipt.nonce, timeout_ms, now)
            .map_err(StoreError::Visibility)?;
        if timeout_ms == 0 {
            slot.notify.notify_one();
        }
        self.journal(&[Record::VisibilityChanged {
            queue: receipt.queue_id,
            seq: receipt.seq,
            visible_at_ms,
        }])?;
        Ok(())
    }

    async fn expire(&self, now: EpochMs) -> u64 {
        let mut state = self.state.lock();
        let mut records = Vec::new();
        for (id, slot) in state.queues.iter_mut() {
            let expired = slot.index.expire(now, slot.meta.attributes.retention_ms());
            if !expired.is_empty() {
                records.push(Record::Expired {
                    queue: *id,
                    seqs: expired,
                });
            }
        }
        let total = records
            .iter()
            .map(|r| {
                if let Record::Expired { seqs, .. } = r {
                    seqs.len() as u64
                } else {
                    0
                }
            })
            .sum();
        // A failed journal is reported by the next operation that waits on it.
        let _ = self.journal(&records);
        total
    }

    async fn watch(&self, key: &QueueKey) -> Option<Arc<Waiters>> {
        self.state.lock().slot(key).map(|s| s.notify.clone())
    }

    async fn wake_all(&self) {
        self.state.lock().notify_all();
    }

    async fn save_move_task(&self, task: MoveTask) -> StoreResult<()> {
        self.check_writable()?;
        let lsn = {
            let mut state = self.state.lock();
            let lsn = self.journal(&[Record::MoveTaskSaved(task.clone())])?;
            state.move_tasks.insert(task.task_id.clone(), task);
            lsn
        };
        self.durable(lsn).await
    }

    async fn record_move_progress(&self, mut task: MoveTask) -> StoreResult<MoveTaskStatus> {
        // Not refused while the disk is full: a move task's runner records its outcome
        // (including a failure caused by the full disk) rather than leaving the task
        // marked running with nothing running it. The record is kept and retried.
        let (lsn, status) = {
            let mut state = self.state.lock();
            if let Some(stored) = state.move_tasks.get(&task.task_id) {
                if stored.status != MoveTaskStatus::Running {
                    task.status = stored.status;
                    task.failure_reason = stored.failure_reason.clone();
                }
            }
            let lsn = self.journal(&[Record::MoveTaskSaved(task.clone())])?;
            let status = task.status;
            state.move_tasks.insert(task.task_id.clone(), task);
            (lsn, status)
        };
        self.durable(lsn).await?;
        Ok(status)
    }

    async fn cancel_move_task(&self, task_id: &str) -> StoreResult<Option<MoveTask>> {
        self.check_writable()?;
        let (lsn, task) = {
            let mut state = self.state.lock();
            let Some(stored) = state.move_tasks.get(task_id) else {
                return Ok(None);
            };
            if stored.status != MoveTaskStatus::Running {
                return Ok(None);
            }
            let mut task = stored.clone();
            task.status = MoveTaskStatus::Cancelled;
            let lsn = self.journal(&[Record::MoveTaskSaved(task.clone())])?;
            state.move_tasks.insert(task.task_id.clone(), task.clone());
            (lsn, task)
        };
        self.durable(lsn).await?;
        Ok(Some(task))
    }

    async fn move_tasks(&self) -> Vec<MoveTask> {
        self.state.lock().move_tasks.values().cloned().collect()
    }

    async fn move_messages(
        &self,
        source: &QueueKey,
        destination: &MoveDestination,
        max: usize,
        now: EpochMs,
    ) -> StoreResult<u64> {
        self.check_writable()?;
        let lsn = {
            let mut state = self.state.lock();
            let from = *state.by_key.get(source).ok_or(StoreError::NoSuchQueue)?;
            let fixed_target = match destination {
                MoveDestination::Queue(key) => {
                    Some(*state.by_key.get(key).ok_or(StoreError::NoSuchQueue)?)
                }
                MoveDestination::OriginalSource => None,
            };
            state
                .queues
                .get_mut(&from)
                .expect("exists")
                .index
                .advance(now);
            // Oldest first; a message whose source queue is gone stays in place and the
            // scan goes on past it, so it cannot block the messages behind it.
            let mut chosen = Vec::with_capacity(max);
            let mut stranded = 0usize;
            for seq in state.queues[&from].index.ready_seqs() {
                if chosen.len() == max {
                    break;
                }
                let target = fixed_target.or_else(|| {
                    state.queues[&from]
                        .index
                        .get(seq)
                        .and_then(|m| m.content.dead_letter_source_arn())
                        .and_then(QueueKey::from_arn)
                        .and_then(|k| state.by_key.get(&k).copied())
                });
                match target {
                    Some(to) if to != from => chosen.push((seq, to)),
                    _ => stranded += 1,
                }
            }
            if chosen.is_empty() && stranded > 0 {
                return Err(StoreError::NoSuchQueue);
            }
            let mut records = Vec::with_capacity(chosen.len());
            for (seq, to) in chosen {
                let redrive = Redrive {
                    message_id: new_message_id(),
                    at_ms: now,
                };
                state.move_message(from, to, seq, Some(redrive), now);
                records.push(Record::Moved {
                    from,
                    to,
                    seq,
                    redrive: Some(redrive),
                    at_ms: now,
                });
            }
            state.notify_all();
            (self.journal(&records)?, records.len() as u64)
        };
        self.durable(lsn.0).await?;
        Ok(lsn.1)
    }

    async fn close(&self) -> StoreResult<()> {
        self.state.lock().notify_all();
        if let Some(log) = &self.log {
            let log = log.clone();
            let compacting = self.compacting.clone();
            tokio::task::spawn_blocking(move || {
                // Let a snapshot being written finish first: once closed, nothing may
                // touch the data directory (it may be reopened at once).
                while compacting.load(std::sync::atomic::Ordering::SeqCst) {
                    std::thread::sleep(std::time::Duration::from_millis(1));
                }
                log.close()
            })
            .await
            .map_err(|e| StoreError::Unavailable(e.to_string()))?
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        }
        Ok(())
    }
}

/// Wakes the receives that new messages concern: one for messages visible now (it wakes
/// the next if it leaves some behind, see `claim_visible`), every one for a delayed
/// message, whose deadline may come before the ones they are waiting for.
fn wake_for_new_messages(waiters: &Waiters, ready: bool, delayed: bool) {
    if delayed {
        waiters.notify_waiters();
    } else if ready {
        waiters.notify_one();
    }
}

/// A fresh message id (a random UUID) for a redriven message.
fn new_message_id() -> u128 {
    uuid::Uuid::new_v4().as_u128()
}

impl EmbeddedStore {
    /// One queue's part of `append`, under the state lock: the messages indexed (hidden
    /// until durable when there is a journal) and journalled. Returns the LSN to wait
    /// on, what each message became, and the queue's messages to reveal once durable.
    fn append_locked(
        &self,
        state: &mut State,
        key: &QueueKey,
        messages: Vec<NewMessage>,
        now: EpochMs,
    ) -> StoreResult<(u64, Vec<Appended>, QueueReveal)> {
        let staged = self.stage_locked(state, key, messages, now)?;
        let lsn = self.journal_staged(std::slice::from_ref(&staged))?;
        let (appended, reveal) = self.index_staged(state, staged, now);
        Ok((lsn, appended, reveal))
    }

    /// Checks, numbers and encodes one queue's new messages: nothing is journalled or
    /// indexed yet (a FIFO queue's deduplication window already remembers them).
    fn stage_locked(
        &self,
        state: &mut State,
        key: &QueueKey,
        messages: Vec<NewMessage>,
        now: EpochMs,
    ) -> StoreResult<Staged> {
        let id = *state.by_key.get(key).ok_or(StoreError::NoSuchQueue)?;
        state.last_now_ms = state.last_now_ms.max(now);
        let mut next_seq = state.next_seq;
        let slot = state.queues.get_mut(&id).expect("indexed queue exists");
        // Checked before anything changes, so a key that cannot seal refuses the
        // send cleanly (the dedup window and counters stay as they were).
        let sealer = self.sealer_for(&slot.meta);
        if let Some(sealer) = sealer {
            sealer.check(&slot.meta, now).map_err(StoreError::Sealing)?;
        }
        let attributes = &slot.meta.attributes;
        let fifo = attributes.fifo_queue;
        let by_group = attributes.deduplication_scope.as_deref() == Some("messageGroup");
        let mut appended = Vec::with_capacity(messages.len());
        let mut entries = Vec::with_capacity(messages.len());
        let mut duplicates = false;
        for m in messages {
            let mut content = m.content;
            let seq = next_seq;
            if fifo {
                content.set_sequence_number(Some(u128::from(seq)));
                if let Some(dedup_id) = content.deduplication_id() {
                    let key = dedup_key(by_group, content.group_id(), dedup_id);
                    let window = slot.index.dedup().expect("a FIFO queue has a window");
                    if let Some(original) = window.lookup(key, now) {
                        duplicates = true;
                        appended.push(Appended {
                            message_id: original.message_id,
                            sequence_number: original.sequence_number,
                            duplicate: true,
                        });
                        continue;
                    }
                    window.remember(
                        key,
                        content.message_id(),
                        content.sequence_number(),
                        content.sent_at_ms(),
                    );
                }
            }
            next_seq += 1;
            appended.push(Appended {
                message_id: content.message_id(),
                sequence_number: content.sequence_number(),
                duplicate: false,
            });
            content.share_sender(&mut state.senders);
            let visible_at = now + m.delay_ms;
            entries.push((seq, MessageState::new(Arc::new(content), visible_at, now)));
        }
        let records = entries
            .iter()
            .map(|(seq, s)| state::message_record(sealer, &slot.meta, *seq, s, now))
            .collect::<Result<Vec<Record>, _>>()
            .map_err(StoreError::Sealing)?;
        state.next_seq = next_seq;
        Ok(Staged {
            id,
            entries,
            records,
            appended,
            duplicates,
        })
    }

    /// Journals the records of every staged queue in one go (so one commit carries
    /// them all) and answers the LSN to wait for.
    fn journal_staged(&self, staged: &[Staged]) -> StoreResult<u64> {
        let mut lsn = self.journal_all(staged.iter().flat_map(|s| &s.records))?;
        if staged.iter().any(|s| s.duplicates) {
            // A duplicate is answered as a success: its original must be durable too,
            // even if another request's commit is still carrying it.
            lsn = lsn.max(self.journal_tail());
        }
        Ok(lsn)
    }

    /// Puts journalled messages in their queue's index: hidden until durable when there
    /// is a journal (the answer says which to reveal), visible at once in memory.
    fn index_staged(
        &self,
        state: &mut State,
        staged: Staged,
        now: EpochMs,
    ) -> (Vec<Appended>, QueueReveal) {
        let Staged {
            id,
            entries,
            appended,
            ..
        } = staged;
        let mut reveal = Vec::new();
        let Some(slot) = state.queues.get_mut(&id) else {
            return (appended, (id, reveal));
        };
        let (mut ready, mut delayed) = (false, false);
        for (seq, s) in entries {
            if s.visible_at_ms > now {
                delayed = true;
            } else {
                ready = true;
            }
            if self.log.is_some() {
                reveal.push((seq, s.visible_at_ms));
                slot.index.insert_hidden(seq, s);
            } else {
                slot.index.insert(seq, s);
            }
        }
        if self.log.is_none() {
            wake_for_new_messages(&slot.notify, ready, delayed);
        }
        (appended, (id, reveal))
    }
}

/// One queue's new messages, checked, numbered and encoded, before they are journalled
/// and indexed.
struct Staged {
    id: u64,
    entries: Vec<(u64, MessageState)>,
    records: Vec<Record>,
    appended: Vec<Appended>,
    /// Whether some of them were FIFO duplicates, answered with their originals.
    duplicates: bool,
}

/// One queue's new messages to reveal: the queue's id, and each message's sequence
/// number and when it becomes visible.
type QueueReveal = (u64, Vec<(u64, EpochMs)>);

/// Makes a send's messages visible when the wait for their durability ends.
struct RevealOnDrop<'a> {
    store: &'a EmbeddedStore,
    /// Each queue's messages.
    queues: Vec<QueueReveal>,
    now: EpochMs,
}

impl Drop for RevealOnDrop<'_> {
    fn drop(&mut self) {
        if self.queues.iter().all(|(_, messages)| messages.is_empty()) {
            return;
        }
        let mut state = self.store.state.lock();
        for (queue, messages) in &self.queues {
            let Some(slot) = state.queues.get_mut(queue) else {
                continue;
            };
            if messages.is_empty() {
                continue;
            }
            let (mut ready, mut delayed) = (false, false);
            for &(seq, visible_at_ms) in messages {
                slot.index.reveal(seq, visible_at_ms, self.now);
                if visible_at_ms > self.now {
                    delayed = true;
                } else {
                    ready = true;
                }
            }
            wake_for_new_messages(&slot.notify, ready, delayed);
        }
    }
}

/// The journal's counters: group commits (fdatasyncs) and their time since the store
/// opened, the LSN the next record gets (records ever journalled), and the bytes written
/// since the last snapshot.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JournalStats {
    pub fsyncs: u64,
    pub fsync_micros: u64,
    pub next_lsn: u64,
    pub bytes_since_snapshot: u64,
    /// The newest snapshot's size in bytes (0 before the first).
    pub snapshot_bytes: u64,
}

#[async_trait]
impl sluice_core::kinesis::store::ShardLog for EmbeddedStore {
    async fn create_shards(
        &self,
        stream: &sluice_core::kinesis::StreamKey,
        stream_created_at_ms: EpochMs,
        shards: &[(u32, sluice_core::kinesis::sequence::SequenceNumber)],
    ) -> sluice_core::kinesis::store::LogResult<()> {
        self.shard_logs
            .create_shards(stream, stream_created_at_ms, shards)
    }

    async fn append(
        &self,
        shard: &sluice_core::kinesis::store::ShardAddress,
        records: Vec<sluice_core::kinesis::store::NewRecord>,
        now: EpochMs,
    ) -> sluice_core::kinesis::store::LogResult<Vec<sluice_core::kinesis::sequence::SequenceNumber>>
    {
        self.shard_logs.append(shard, records, now).await
    }

    async fn read(
        &self,
        shard: &sluice_core::kinesis::store::ShardAddress,
        from: sluice_core::kinesis::iterator::IteratorPosition,
        limits: sluice_core::kinesis::store::ReadLimits,
        trim_horizon_ms: EpochMs,
    ) -> sluice_core::kinesis::store::LogResult<sluice_core::kinesis::store::ReadBatch> {
        self.shard_logs
            .read(shard, from, limits, trim_horizon_ms)
            .await
    }

    async fn tip(
        &self,
        shard: &sluice_core::kinesis::store::ShardAddress,
    ) -> sluice_core::kinesis::store::LogResult<sluice_core::kinesis::store::ShardTip> {
        self.shard_logs.tip(shard)
    }

    async fn close_shard(
        &self,
        shard: &sluice_core::kinesis::store::ShardAddress,
        now: EpochMs,
    ) -> sluice_core::kinesis::store::LogResult<sluice_core::kinesis::sequence::SequenceNumber>
    {
        self.shard_logs.close_shard(shard, now).await
    }

    async fn trim(
        &self,
        shard: &sluice_core::kinesis::store::ShardAddress,
        before_ms: EpochMs,
    ) -> sluice_core::kinesis::store::LogResult<u64> {
        self.shard_logs.trim(shard, before_ms).await
    }

    async fn delete_shards(
        &self,
        stream: &sluice_core::kinesis::StreamKey,
        stream_created_at_ms: EpochMs,
        shard_indexes: &[u32],
    ) -> sluice_core::kinesis::store::LogResult<()> {
        self.shard_logs
            .delete_shards(stream, stream_created_at_ms, shard_indexes)
    }

    fn watch(
        &self,
        shard: &sluice_core::kinesis::store::ShardAddress,
    ) -> sluice_core::kinesis::store::LogResult<
        tokio::sync::watch::Receiver<sluice_core::kinesis::store::ShardTip>,
    > {
        self.shard_logs.watch(shard)
    }
}
