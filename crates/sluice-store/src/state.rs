//! The embedded store's whole state: every queue with its in-memory index, move tasks
//! and id counters. Live operations change it directly and emit records; [`State::replay`]
//! applies the same records after a restart, so both paths end in the same state.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use sluice_core::clock::EpochMs;
use sluice_core::limits::QUEUE_DELETED_RECENTLY_WINDOW_MS;
use sluice_core::sqs::fifo::dedup_key;
use sluice_core::sqs::names::QueueKey;
use sluice_core::sqs::queue::{MessageContent, MessageState, Phase, QueueIndex, SharedStrings};
use sluice_core::sqs::sealing::{protection, MessageSealer, Protection, SealError};
use sluice_core::sqs::store::{MoveTask, QueueMeta, Waiters};

use crate::kinesis_catalog::CatalogState;
use crate::outbox::OutboxState;
use crate::record::{Record, Redrive, RECORD_FORMAT_VERSION};
use crate::topics::TopicState;

pub(crate) struct Slot {
    pub meta: QueueMeta,
    pub index: QueueIndex,
    /// The queue's waiting receives.
    pub notify: Arc<Waiters>,
}

impl Slot {
    fn new(meta: QueueMeta) -> Self {
        Self {
            index: QueueIndex::for_queue(meta.attributes.fifo_queue),
            meta,
            notify: Arc::new(Waiters::new()),
        }
    }
}

#[derive(Default)]
pub(crate) struct State {
    pub queues: HashMap<u64, Slot>,
    pub by_key: BTreeMap<QueueKey, u64>,
    pub deleted_at: HashMap<QueueKey, EpochMs>,
    pub move_tasks: BTreeMap<String, MoveTask>,
    pub next_seq: u64,
    pub next_queue_id: u64,
    /// Seals messages of encrypted queues in snapshots and opens them at replay.
    pub sealer: Option<Arc<dyn MessageSealer>>,
    /// The latest time a send brought: snapshots seal with it (data key rotation).
    pub last_now_ms: EpochMs,
    /// One copy of each sender id, shared by every message from that sender.
    pub senders: SharedStrings,
    /// SNS topics and subscriptions.
    pub topics: TopicState,
    /// SNS deliveries to HTTP/S endpoints not yet made.
    pub outbox: OutboxState,
    /// Kinesis streams, consumers and account settings.
    pub kinesis: CatalogState,
}

/// The record that persists one message: `SentSealed` when its queue is encrypted at
/// rest and a key service is present, `Sent` otherwise.
pub(crate) fn message_record(
    sealer: Option<&dyn MessageSealer>,
    meta: &QueueMeta,
    seq: u64,
    state: &MessageState,
    now: EpochMs,
) -> Result<Record, SealError> {
    match sealer {
        Some(sealer) if protection(&meta.attributes) != Protection::Plain => {
            let plain = postcard::to_stdvec(state).expect("message states always encode");
            Ok(Record::SentSealed {
                queue: meta.id,
                seq,
                sealed: sealer.seal(meta, &plain, now)?,
            })
        }
        _ => Ok(Record::Sent {
            queue: meta.id,
            seq,
            state: state.clone(),
        }),
    }
}

impl State {
    pub fn new() -> Self {
        Self {
            next_seq: 1,
            next_queue_id: 1,
            ..Self::default()
        }
    }

    pub fn slot(&self, key: &QueueKey) -> Option<&Slot> {
        self.by_key.get(key).and_then(|id| self.queues.get(id))
    }

    pub fn slot_mut(&mut self, key: &QueueKey) -> Option<&mut Slot> {
        let id = *self.by_key.get(key)?;
        self.queues.get_mut(&id)
    }

    pub fn add_queue(&mut self, meta: QueueMeta) {
        self.next_queue_id = self.next_queue_id.max(meta.id + 1);
        self.by_key.insert(meta.key.clone(), meta.id);
        self.queues.insert(meta.id, Slot::new(meta));
    }

    /// Wipes every queue, message and move task, every topic and subscription, and
    /// forgets recent deletions; waiting receives are woken to find their queue gone.
    pub fn reset(&mut self) {
        self.topics.reset();
        self.outbox.reset();
        self.kinesis.reset();
        for slot in self.queues.values() {
            slot.notify.notify_waiters();
        }
        self.queues.clear();
        self.by_key.clear();
        self.deleted_at.clear();
        self.move_tasks.clear();
    }

    pub fn remove_queue(&mut self, id: u64, now: EpochMs) -> Option<Slot> {
        let slot = self.queues.remove(&id)?;
        self.by_key.remove(&slot.meta.key);
        // Only the last minute of deletions matters (QueueDeletedRecently).
        self.deleted_at
            .retain(|_, at| now < at.saturating_add(QUEUE_DELETED_RECENTLY_WINDOW_MS));
        self.deleted_at.insert(slot.meta.key.clone(), now);
        slot.notify.notify_waiters();
        Some(slot)
    }

    /// Moves a message between queues. A dead-lettered message keeps its identity and
    /// receive count and records where it came from (in a FIFO dead-letter queue its
    /// enqueue time restarts and its deduplication id becomes its message id, as AWS
    /// documents); a redriven one
    /// becomes a new message (new id, enqueued now), as AWS treats redriven messages.
    /// Redriven into a FIFO queue, it also takes the next sequence number, so it joins
    /// its group behind what the queue already holds. (Replay takes the same number:
    /// records are journalled in the order the counter moves.)
    pub fn move_message(
        &mut self,
        from: u64,
        to: u64,
        seq: u64,
        redrive: Option<Redrive>,
        at_ms: EpochMs,
    ) -> bool {
        let Some(to_fifo) = self.queues.get(&to).map(|s| s.index.is_fifo()) else {
            return false;
        };
        let Some(mut state) = self.queues.get_mut(&from).and_then(|s| s.index.remove(seq)) else {
            return false;
        };
        let source_arn = self.queues.get(&from).map(|s| s.meta.key.arn());
        let mut content = state.content.to_fields();
        let mut seq = seq;
        match redrive {
            Some(r) => {
                content.dead_letter_source_arn = None;
                content.message_id = r.message_id;
                content.sent_at_ms = r.at_ms;
                state.receive_count = 0;
                state.set_first_receive_ms(None);
                if to_fifo {
                    seq = self.next_seq;
                    self.next_seq += 1;
                    content.sequence_number = Some(u128::from(seq));
                }
            }
            None => {
                content.dead_letter_source_arn = source_arn;
                if to_fifo {
                    // AWS: in a FIFO dead-letter queue the enqueue time restarts (a
                    // standard one keeps the original), and the deduplication id
                    // becomes the message id.
                    content.sent_at_ms = at_ms;
                    content.deduplication_id = Some(state.content.message_id_string());
                }
            }
        }
        let mut content = MessageContent::from(content);
        content.share_sender(&mut self.senders);
        state.content = Arc::new(content);
        state.phase = Phase::Ready;
        state.visible_at_ms = 0;
        let target = self.queues.get_mut(&to).expect("checked above");
        target.index.insert(seq, state);
        true
    }

    /// Applies one journal record during recovery.
    pub fn replay(&mut self, record: Record, now: EpochMs) -> Result<(), String> {
        match record {
            Record::Format { version } if version != RECORD_FORMAT_VERSION => {
                return Err(format!(
                    "journal record format {version} is not supported by this version"
                ));
            }
            Record::Format { .. } => {}
            Record::QueueCreated(meta) => self.add_queue(meta),
            Record::QueueChanged(meta) => {
                if let Some(slot) = self.queues.get_mut(&meta.id) {
                    slot.meta = meta;
                }
            }
            Record::QueueDeleted { queue } => {
                self.remove_queue(queue, now);
            }
            Record::QueueRemoved { queue, key, at_ms } => {
                self.remove_queue(queue, at_ms);
                self.deleted_at.insert(key, at_ms);
            }
            Record::Purged { queue, at_ms } => {
                if let Some(slot) = self.queues.get_mut(&queue) {
                    slot.index.purge();
                    slot.meta.last_purge_ms = Some(at_ms);
                }
            }
            Record::Sent {
                queue,
                seq,
                mut state,
            } => {
                self.next_seq = self.next_seq.max(seq + 1);
                if let Some(slot) = self.queues.get_mut(&queue) {
                    if let Some(content) = Arc::get_mut(&mut state.content) {
                        content.share_sender(&mut self.senders);
                    }
                    let attributes = &slot.meta.attributes;
                    let by_group =
                        attributes.deduplication_scope.as_deref() == Some("messageGroup");
                    let c = &state.content;
                    if let (Some(window), Some(dedup_id)) =
                        (slot.index.dedup(), c.deduplication_id())
                    {
                        let key = dedup_key(by_group, c.group_id(), dedup_id);
                        window.remember(key, c.message_id(), c.sequence_number(), c.sent_at_ms());
                    }
                    slot.index.insert(seq, state);
                }
            }
            Record::SentSealed { queue, seq, sealed } => {
                let sealer = self.sealer.as_ref().ok_or(
                    "the journal holds encrypted messages but no key service was configured",
                )?;
                let plain = sealer.open(&sealed).map_err(|e| {
                    format!("cannot open an encrypted message of queue {queue}: {e}")
                })?;
                let state: MessageState = postcard::from_bytes(&plain)
                    .map_err(|e| format!("undecodable encrypted message of queue {queue}: {e}"))?;
                return self.replay(Record::Sent { queue, seq, state }, now);
            }
            Record::Dedup { queue, key, entry } => {
                if let Some(window) = self.queues.get_mut(&queue).and_then(|s| s.index.dedup()) {
                    window.restore(key, entry);
                }
            }
            Record::Received {
                queue,
                seq,
                nonce,
                receive_count,
                first_receive_ms,
                received_at_ms,
                visible_at_ms,
            } => {
                if let Some(slot) = self.queues.get_mut(&queue) {
                    if let Some(mut state) = slot.index.remove(seq) {
                        state.nonce = nonce;
                        state.receive_count = receive_count;
                        state.set_first_receive_ms(Some(first_receive_ms));
                        state.received_at_ms = received_at_ms;
                        state.visible_at_ms = visible_at_ms;
                        state.phase = Phase::InFlight;
                        slot.index.insert(seq, state);
                    }
                }
            }
            Record::VisibilityChanged {
                queue,
                seq,
                visible_at_ms,
            } => {
                if let Some(slot) = self.queues.get_mut(&queue) {
                    slot.index
                        .set_visible_at(seq, visible_at_ms, visible_at_ms.saturating_sub(1));
                }
            }
            Record::Deleted { queue, seq } => {
                if let Some(slot) = self.queues.get_mut(&queue) {
                    slot.index.remove(seq);
                }
            }
            Record::Expired { queue, seqs } => {
                if let Some(slot) = self.queues.get_mut(&queue) {
                    for seq in seqs {
                        slot.index.remove(seq);
                    }
                }
            }
            Record::Moved {
                from,
                to,
                seq,
                redrive,
                at_ms,
            } => {
                self.move_message(from, to, seq, redrive, at_ms);
            }
            Record::MoveTaskSaved(task) => {
                self.move_tasks.insert(task.task_id.clone(), task);
            }
            Record::Counters {
                next_seq,
                next_queue_id,
            } => {
                self.next_seq = self.next_seq.max(next_seq);
                self.next_queue_id = self.next_queue_id.max(next_queue_id);
            }
            Record::Reset => self.reset(),
            record @ (Record::TopicSaved(_)
            | Record::TopicRemoved { .. }
            | Record::SubscriptionSaved(_)
            | Record::SubscriptionRemoved { .. }
            | Record::FifoPublished(_)) => self.topics.apply(record)?,
            record @ (Record::DeliveryQueued(_)
            | Record::DeliveryRescheduled { .. }
            | Record::DeliveryFinished { .. }) => self.outbox.apply(record)?,
            record @ (Record::KinesisStreamSaved(_)
            | Record::KinesisStreamRemoved { .. }
            | Record::KinesisConsumerSaved(_)
            | Record::KinesisConsumerRemoved { .. }
            | Record::KinesisAccountSaved { .. }) => self.kinesis.apply(record)?,
        }
        Ok(())
    }

    /// Brings every index up to `now` after recovery (deadlines that passed while the
    /// server was down make messages visible).
    pub fn settle(&mut self, now: EpochMs) {
        for slot in self.queues.values_mut() {
            slot.index.reveal_all(now);
            slot.index.advance(now);
        }
    }

    /// Records that rebuild this state from nothing. Messages of encrypted queues are
    /// sealed; one whose queue's key can no longer seal is sealed with the server's
    /// key, and if even that fails there is no snapshot (never a message in clear).
    pub fn snapshot_records(&self) -> Result<Vec<Vec<u8>>, String> {
        let mut out = Vec::with_capacity(2 + self.queues.len() + self.move_tasks.len());
        out.push(
            Record::Format {
                version: RECORD_FORMAT_VERSION,
            }
            .encode(),
        );
        out.push(
            Record::Counters {
                next_seq: self.next_seq,
                next_queue_id: self.next_queue_id,
            }
            .encode(),
        );
        for slot in self.queues.values() {
            out.push(Record::QueueCreated(slot.meta.clone()).encode());
            let queue = slot.meta.id;
            let sealer = self.sealer.as_deref();
            for (&seq, state) in slot.index.iter() {
                let record = message_record(sealer, &slot.meta, seq, state, self.last_now_ms)
                    .or_else(|_| {
                        let sealer = sealer.expect("only sealing fails");
                        let plain = postcard::to_stdvec(state).expect("message states encode");
                        sealer
                            .seal_with_server_key(&slot.meta, &plain, self.last_now_ms)
                            .map(|sealed| Record::SentSealed { queue, seq, sealed })
                    })
                    .map_err(|e| format!("cannot seal a message of queue {queue}: {e}"))?;
                out.push(record.encode());
            }
            for (key, entry) in slot.index.dedup_entries() {
                out.push(
                    Record::Dedup {
                        queue,
                        key: *key,
                        entry: *entry,
                    }
                    .encode(),
                );
            }
        }
        for task in self.move_tasks.values() {
            out.push(Record::MoveTaskSaved(task.clone()).encode());
        }
        self.topics.snapshot_records(&mut out);
        self.outbox.snapshot_records(&mut out);
        self.kinesis.snapshot_records(&mut out);
        for (key, &at_ms) in &self.deleted_at {
            out.push(
                Record::QueueRemoved {
                    queue: 0,
                    key: key.clone(),
                    at_ms,
                }
                .encode(),
            );
        }
        Ok(out)
    }

    /// Bytes of message data held, to judge when compaction pays.
    pub fn approximate_live_bytes(&self) -> u64 {
        self.queues
            .values()
            .flat_map(|s| s.index.iter())
            .map(|(_, state)| state.content.body().len() as u64 + 128)
            .sum::<u64>()
            + self.outbox.live_bytes()
    }

    pub fn notify_all(&self) {
        for slot in self.queues.values() {
            slot.notify.notify_waiters();
        }
    }
}
