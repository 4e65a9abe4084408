//! The storage boundary, in domain terms. The service decides *what* should happen
//! (validation, limits, MD5s, waiting); a [`QueueStore`] makes each change atomic and,
//! for durable stores, durable. The embedded store and any future shared backend
//! (PostgreSQL) implement this one trait and pass the same conformance suite.

use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::api::TagMap;
use super::attributes::{QueueAttributes, QueueCounts};
use super::names::QueueKey;
use super::queue::{AckOutcome, Delivery, MessageContent, MessageState, VisibilityError};
use super::receipt::Receipt;
pub use super::waiters::Waiters;
use crate::clock::EpochMs;

/// A queue's configuration as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueMeta {
    pub key: QueueKey,
    /// Differs between a queue and a later queue of the same name, so old receipt
    /// handles cannot reach the new queue.
    pub id: u64,
    pub attributes: QueueAttributes,
    pub tags: TagMap,
    pub created_at_ms: EpochMs,
    pub last_modified_ms: EpochMs,
    pub last_purge_ms: Option<EpochMs>,
}

/// A queue to create.
#[derive(Debug, Clone)]
pub struct NewQueue {
    pub key: QueueKey,
    pub attributes: QueueAttributes,
    pub tags: TagMap,
}

#[derive(Debug, Clone)]
pub enum CreateOutcome {
    Created(QueueMeta),
    /// A queue of that name exists; it is returned unchanged.
    Exists(QueueMeta),
}

/// A change to a queue's configuration.
#[derive(Debug, Clone)]
pub enum QueueChange {
    Attributes(QueueAttributes),
    Tags(TagMap),
}

/// A message to enqueue; the store assigns its sequence number.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub content: MessageContent,
    pub delay_ms: u64,
}

/// What one receive may take.
#[derive(Debug, Clone)]
pub struct ClaimRequest {
    pub max_messages: usize,
    pub visibility_timeout_ms: u64,
    /// Move messages received this often to this dead-letter queue instead of delivering.
    pub dead_letter: Option<(QueueKey, u32)>,
    /// Refuse (OverLimit) when this many messages are already in flight.
    pub in_flight_max: usize,
    /// A FIFO ReceiveRequestAttemptId: a retry within five minutes gets the same messages.
    pub attempt_id: Option<String>,
}

/// What became of one message given to [`QueueStore::append`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Appended {
    pub message_id: u128,
    /// FIFO queues number their messages.
    pub sequence_number: Option<u128>,
    /// A FIFO duplicate within the deduplication window: accepted, not enqueued, and
    /// answered with the original's id and sequence number.
    pub duplicate: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Claimed {
    pub deliveries: Vec<Delivery>,
    /// The queue's id, for building receipt handles.
    pub queue_id: u64,
    /// When the next delayed or in-flight message becomes visible, for long polls.
    pub next_visible_ms: Option<EpochMs>,
    pub moved_to_dead_letter: usize,
}

/// Where a message move task sends messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum MoveDestination {
    /// Back to the queue each message was dead-lettered from.
    OriginalSource,
    Queue(QueueKey),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MoveTaskStatus {
    Running,
    Completed,
    Cancelling,
    Cancelled,
    Failed,
}

impl MoveTaskStatus {
    pub fn as_aws(&self) -> &'static str {
        match self {
            Self::Running => "RUNNING",
            Self::Completed => "COMPLETED",
            Self::Cancelling => "CANCELLING",
            Self::Cancelled => "CANCELLED",
            Self::Failed => "FAILED",
        }
    }
}

/// A message move task (redrive) and its progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoveTask {
    pub task_id: String,
    pub source: QueueKey,
    pub destination: MoveDestination,
    pub destination_arn: Option<String>,
    pub max_per_second: Option<u32>,
    pub status: MoveTaskStatus,
    pub moved: u64,
    pub to_move: u64,
    pub failure_reason: Option<String>,
    pub started_at_ms: EpochMs,
}

/// A message seen by [`QueueStore::peek`]: its content and where it stands, unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peeked {
    pub seq: u64,
    pub state: MessageState,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    #[error("no such queue")]
    NoSuchQueue,
    #[error("receipt handle belongs to another queue")]
    ForeignReceipt,
    #[error("too many messages in flight")]
    OverLimit,
    #[error("visibility change refused: {0:?}")]
    Visibility(VisibilityError),
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// The queue's encryption key cannot be used (SQS's KMS errors).
    #[error("encryption key unusable: {0}")]
    Sealing(super::sealing::SealError),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Queues and their messages, behind domain operations.
#[async_trait]
pub trait QueueStore: Send + Sync + 'static {
    async fn create_queue(&self, queue: NewQueue, now: EpochMs) -> StoreResult<CreateOutcome>;
    async fn queue(&self, key: &QueueKey) -> Option<QueueMeta>;
    /// Every queue of one account in one region, in name order.
    async fn list_queues(&self, region: &str, account_id: &str) -> Vec<QueueMeta>;
    /// Every queue in every account and region (for dead-letter source lookups).
    async fn all_queues(&self) -> Vec<QueueMeta>;
    /// When a queue of this name was last deleted, if it was.
    async fn deleted_at(&self, key: &QueueKey) -> Option<EpochMs>;
    async fn change_queue(
        &self,
        key: &QueueKey,
        change: QueueChange,
        now: EpochMs,
    ) -> StoreResult<QueueMeta>;
    async fn delete_queue(&self, key: &QueueKey, now: EpochMs) -> StoreResult<()>;
    /// Deletes every queue, message and move task, leaving no queue "recently deleted".
    async fn reset(&self) -> StoreResult<()>;
    async fn purge(&self, key: &QueueKey, now: EpochMs) -> StoreResult<()>;
    async fn counts(&self, key: &QueueKey, now: EpochMs) -> StoreResult<QueueCounts>;
    /// Up to `max` messages, oldest sent first, as they stand at `now`, changing
    /// nothing: no receive count, no visibility change, no expiry (for operators' eyes).
    /// Messages past their retention period and sends not yet durable are left out.
    async fn peek(&self, key: &QueueKey, max: usize, now: EpochMs) -> StoreResult<Vec<Peeked>>;

    /// Enqueues messages; returns once they are durable (for a durable store). On a FIFO
    /// queue each message gets a sequence number, and a message whose deduplication id
    /// was seen in the last five minutes is not enqueued again.
    async fn append(
        &self,
        key: &QueueKey,
        messages: Vec<NewMessage>,
        now: EpochMs,
    ) -> StoreResult<Vec<Appended>>;
    /// Enqueues messages into several queues, each batch as [`QueueStore::append`]
    /// would, answering each batch's outcome in order once all of them are durable. A
    /// store with a journal takes them in one step and makes them durable together (one
    /// publish's copies to every subscribed queue); this default appends them
    /// concurrently.
    async fn append_many(
        &self,
        batches: Vec<(QueueKey, Vec<NewMessage>)>,
        now: EpochMs,
    ) -> Vec<StoreResult<Vec<Appended>>> {
        let appends = batches
            .into_iter()
            .map(|(key, messages)| async move { self.append(&key, messages, now).await });
        futures_util::future::join_all(appends).await
    }
    /// Receives visible messages, dead-lettering any over the receive limit.
    async fn claim_visible(
        &self,
        key: &QueueKey,
        request: ClaimRequest,
        now: EpochMs,
    ) -> StoreResult<Claimed>;
    /// Deletes a message by receipt; `latest_only` is the FIFO rule (see
    /// [`crate::sqs::queue::QueueIndex::ack`]), judged at `now`.
    async fn ack(
        &self,
        key: &QueueKey,
        receipt: Receipt,
        latest_only: bool,
        now: EpochMs,
    ) -> StoreResult<AckOutcome>;
    async fn change_visibility(
        &self,
        key: &QueueKey,
        receipt: Receipt,
        timeout_ms: u64,
        now: EpochMs,
    ) -> StoreResult<()>;
    /// Drops messages past their queue's retention period, in every queue.
    async fn expire(&self, now: EpochMs) -> u64;
    /// The queue's waiting receives: the store wakes one when messages become visible,
    /// and every one when what they wait for changes (see [`Waiters`]).
    async fn watch(&self, key: &QueueKey) -> Option<Arc<Waiters>>;
    /// Wakes every waiter of every queue (after a clock jump, or at shutdown).
    async fn wake_all(&self);

    async fn save_move_task(&self, task: MoveTask) -> StoreResult<()>;
    /// Records a running task's progress in one step. A task cancelled meanwhile stays
    /// cancelled (its progress is still recorded). Returns the status now stored.
    async fn record_move_progress(&self, task: MoveTask) -> StoreResult<MoveTaskStatus>;
    /// Cancels a running task in one step; `None` if there is no such running task.
    async fn cancel_move_task(&self, task_id: &str) -> StoreResult<Option<MoveTask>>;
    async fn move_tasks(&self) -> Vec<MoveTask>;
    /// Moves up to `max` visible messages out of `source`; returns how many moved.
    async fn move_messages(
        &self,
        source: &QueueKey,
        destination: &MoveDestination,
        max: usize,
        now: EpochMs,
    ) -> StoreResult<u64>;

    /// Makes everything written so far durable and stops background work.
    async fn close(&self) -> StoreResult<()>;
}
