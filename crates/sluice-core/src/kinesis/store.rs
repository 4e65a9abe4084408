//! The storage boundary of Kinesis, in domain terms: two traits.
//!
//! - [`StreamCatalog`] holds the metadata: streams (settings, status, shards and their
//!   lineage), consumers, tags, resource policies and account settings. It is small and
//!   changes rarely; every change is atomic and, for a durable store, durable before the
//!   call returns. Changes to a stream are compare-and-set on its `revision`, so two
//!   servers (or two requests) editing one stream cannot undo each other: the loser gets
//!   [`CatalogError::Conflict`] and the service retries from a fresh read.
//! - [`ShardLog`] holds the records: one append-only log per shard. It assigns sequence
//!   numbers (with `sequence::next_sequence_number`, so their layout stays the core's),
//!   makes appends durable before answering, reads from a position within count and byte
//!   limits, trims by arrival time, closes shards for resharding, and tells waiters when
//!   a shard grows (SubscribeToShard pushes from that, with no polling loop).
//!
//! The service decides what is valid and allowed (names, limits, iterator rules, reshard
//! checks, in `shards.rs`, `stream.rs`, ...); the stores only keep and answer. An embedded
//! store (a metadata journal plus per-shard segment files) and a PostgreSQL store (tables
//! for the catalog, a records table keyed by stream, shard and sequence number,
//! LISTEN/NOTIFY feeding the watches) can both implement these traits and pass one
//! conformance suite. Stores persist their own record types, not these structs.
//!
//! # Resharding across the two traits
//!
//! A split or merge first closes the parents in the log ([`ShardLog::close_shard`]: after
//! it the shard takes no append, and it answers the EndingSequenceNumber, which follows
//! every record the shard kept), then opens the children's logs
//! ([`ShardLog::create_shards`]), then stores the new [`ShardSet`] in the catalog. A crash
//! between these steps leaves closed or created logs the catalog does not yet know; both
//! calls are idempotent, so the service finishes the step on retry, and a shard the
//! catalog lists as open whose log is closed is repaired by storing its ending.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::hash_key::HashKey;
use super::iterator::IteratorPosition;
use super::names::{ConsumerKey, StreamKey};
use super::sequence::SequenceNumber;
use super::shards::ShardSet;
use super::stream::{Lifecycle, StreamSettings};
use crate::clock::EpochMs;
use crate::sqs::api::TagMap;

/// A stream as the catalog keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamMeta {
    pub key: StreamKey,
    /// Tells the stream from an earlier or later one of the same name (iterators, sequence
    /// numbers and consumer ARNs carry it).
    pub created_at_ms: EpochMs,
    /// Bumped by every change: the compare-and-set token of [`StreamCatalog::change_stream`].
    pub revision: u64,
    pub lifecycle: Lifecycle,
    pub settings: StreamSettings,
    pub shards: ShardSet,
    pub tags: TagMap,
    /// The resource policy (PutResourcePolicy), as JSON text.
    pub policy: Option<String>,
}

/// A stream to create (its shards' logs are created separately, before it is stored).
#[derive(Debug, Clone)]
pub struct NewStream {
    pub key: StreamKey,
    pub created_at_ms: EpochMs,
    pub lifecycle: Lifecycle,
    pub settings: StreamSettings,
    pub shards: ShardSet,
    pub tags: TagMap,
}

/// A change to a stream.
#[derive(Debug, Clone)]
pub enum StreamChange {
    /// Retention, encryption, monitoring, mode, record size, warm throughput; with the
    /// status transition the change shows.
    Settings {
        settings: StreamSettings,
        lifecycle: Lifecycle,
    },
    /// A status transition alone (DeleteStream starts DELETING).
    Lifecycle(Lifecycle),
    /// A reshard (split, merge, UNIFORM_SCALING) or the expiry of closed shards: the whole
    /// new shard set. The catalog refuses it with [`CatalogError::ShardLimit`] when the
    /// account's open shards would pass `account_shard_limit` (checked atomically with
    /// every other stream of the account).
    Shards {
        shards: ShardSet,
        lifecycle: Lifecycle,
        account_shard_limit: u32,
    },
    Tags(TagMap),
    Policy(Option<String>),
}

/// The ConsumerStatus enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConsumerStatus {
    Creating,
    Active,
    Deleting,
}

impl ConsumerStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Creating => "CREATING",
            Self::Active => "ACTIVE",
            Self::Deleting => "DELETING",
        }
    }
}

/// An enhanced fan-out consumer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerMeta {
    pub key: ConsumerKey,
    /// The stream's creation time: a consumer belongs to one incarnation of its stream.
    pub stream_created_at_ms: EpochMs,
    /// CREATING → ACTIVE after registration, DELETING → gone after deregistration, with
    /// the same delays as streams (see [`ConsumerMeta::status`]).
    pub lifecycle: Lifecycle,
    pub created_at_ms: EpochMs,
    pub tags: TagMap,
    pub policy: Option<String>,
}

impl ConsumerMeta {
    /// The consumer's status at `now`; `None` once deregistration has finished.
    pub fn status(&self, now: EpochMs) -> Option<ConsumerStatus> {
        use super::stream::StreamStatus;
        self.lifecycle.status(now).map(|s| match s {
            StreamStatus::Creating => ConsumerStatus::Creating,
            StreamStatus::Deleting => ConsumerStatus::Deleting,
            // Consumers have no UPDATING: a consumer is never reshaped.
            StreamStatus::Active | StreamStatus::Updating => ConsumerStatus::Active,
        })
    }
}

/// A change to a consumer.
#[derive(Debug, Clone)]
pub enum ConsumerChange {
    Lifecycle(Lifecycle),
    Tags(TagMap),
    Policy(Option<String>),
}

/// An account's use of quotas, for CreateStream, DescribeLimits and resharding.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AccountUsage {
    pub streams: u64,
    pub open_shards: u64,
    pub on_demand_streams: u64,
}

/// Account-level settings (DescribeAccountSettings/UpdateAccountSettings).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountSettings {
    /// MinimumThroughputBillingCommitment's status (`ENABLED`, `DISABLED`, ...), unset
    /// until first updated.
    pub minimum_throughput_billing_commitment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CatalogError {
    #[error("no such stream")]
    NoSuchStream,
    #[error("a stream of that name exists")]
    StreamExists,
    #[error("no such consumer")]
    NoSuchConsumer,
    #[error("a consumer of that name exists")]
    ConsumerExists,
    /// The stream changed since it was read: read again and redo the decision.
    #[error("the stream changed (now at revision {current})")]
    Conflict { current: u64 },
    /// The change would take the account past its open shard limit.
    #[error("the account has {current} open shards")]
    ShardLimit { current: u64 },
    /// The stream has its maximum of consumers.
    #[error("the stream has {current} consumers")]
    ConsumerLimit { current: usize },
    /// The store cannot make changes durable now (retryable).
    #[error("storage unavailable: {0}")]
    Unavailable(String),
}

pub type CatalogResult<T> = Result<T, CatalogError>;

/// Streams, their shards and lineage, consumers, tags and policies, behind domain
/// operations. Every method is atomic; every change is durable before it returns.
#[async_trait]
pub trait StreamCatalog: Send + Sync + 'static {
    /// Stores a new stream at revision 1, unless a stream of that key exists
    /// ([`CatalogError::StreamExists`], even one still DELETING) or the account's open
    /// shards plus the new ones would pass `account_shard_limit`
    /// ([`CatalogError::ShardLimit`]), both checked atomically.
    async fn create_stream(
        &self,
        stream: NewStream,
        account_shard_limit: u32,
    ) -> CatalogResult<StreamMeta>;

    async fn stream(&self, key: &StreamKey) -> CatalogResult<Option<StreamMeta>>;

    /// Streams of one account in one region, in name order, after `after`, at most
    /// `limit` of them (ListStreams pages on names).
    async fn list_streams(
        &self,
        region: &str,
        account_id: &str,
        after: Option<&str>,
        limit: usize,
    ) -> CatalogResult<Vec<StreamMeta>>;

    async fn account_usage(&self, region: &str, account_id: &str) -> CatalogResult<AccountUsage>;

    /// Every (region, account) that has streams, in order: what housekeeping walks.
    async fn stream_accounts(&self) -> CatalogResult<Vec<(String, String)>>;

    /// Applies `change` if the stream is still at `expected_revision`, answering it at its
    /// new revision; [`CatalogError::Conflict`] otherwise.
    async fn change_stream(
        &self,
        key: &StreamKey,
        expected_revision: u64,
        change: StreamChange,
    ) -> CatalogResult<StreamMeta>;

    /// Removes a stream (once DELETING has run its course), with its consumers, tags and
    /// policy; a no-op if the stream of that key now has another creation time.
    async fn remove_stream(&self, key: &StreamKey, created_at_ms: EpochMs) -> CatalogResult<()>;

    /// Registers a consumer of a stream, unless one of that name exists
    /// ([`CatalogError::ConsumerExists`]) or the stream already has `max_per_stream`
    /// ([`CatalogError::ConsumerLimit`]), checked atomically.
    async fn register_consumer(
        &self,
        consumer: ConsumerMeta,
        max_per_stream: usize,
    ) -> CatalogResult<ConsumerMeta>;

    async fn consumer(&self, stream: &StreamKey, name: &str)
        -> CatalogResult<Option<ConsumerMeta>>;

    /// A stream's consumers in name order, after `after`, at most `limit`.
    async fn list_consumers(
        &self,
        stream: &StreamKey,
        after: Option<&str>,
        limit: usize,
    ) -> CatalogResult<Vec<ConsumerMeta>>;

    async fn change_consumer(
        &self,
        stream: &StreamKey,
        name: &str,
        change: ConsumerChange,
    ) -> CatalogResult<ConsumerMeta>;

    /// Removes a consumer; `None` if there was none.
    async fn remove_consumer(
        &self,
        stream: &StreamKey,
        name: &str,
    ) -> CatalogResult<Option<ConsumerMeta>>;

    async fn account_settings(
        &self,
        region: &str,
        account_id: &str,
    ) -> CatalogResult<AccountSettings>;

    async fn set_account_settings(
        &self,
        region: &str,
        account_id: &str,
        settings: AccountSettings,
    ) -> CatalogResult<()>;
}

/// One shard's log, addressed by its stream's incarnation and its index.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ShardAddress {
    pub stream: StreamKey,
    pub stream_created_at_ms: EpochMs,
    pub shard_index: u32,
}

/// A record to append. The service has chosen the shard (from its hash key) and checked
/// sizes; `data` is what is kept (already sealed when the stream is encrypted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRecord {
    pub partition_key: String,
    pub data: Vec<u8>,
    /// The hash key that placed the record (kept for resharding checks and tooling).
    pub hash_key: HashKey,
    /// SequenceNumberForOrdering: the record's number must exceed it.
    pub ordering_floor: Option<SequenceNumber>,
    /// The KMS key the data is sealed with, if any (the record's EncryptionType).
    pub encryption_key_id: Option<String>,
}

/// A record as kept and read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecord {
    pub sequence_number: SequenceNumber,
    /// ApproximateArrivalTimestamp: when the log accepted it (the append's `now`).
    pub arrival_ms: EpochMs,
    pub partition_key: String,
    pub data: Vec<u8>,
    pub hash_key: HashKey,
    pub encryption_key_id: Option<String>,
}

impl StoredRecord {
    /// The bytes the record counts for against GetRecords' 10 MiB (data and partition key).
    pub fn size_bytes(&self) -> usize {
        self.data.len() + self.partition_key.len()
    }
}

/// What a shard's log holds at its head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardTip {
    /// The last sequence number given out, or the shard's StartingSequenceNumber if none.
    /// Kept even when retention has trimmed every record, so numbers never go backwards.
    pub last: SequenceNumber,
    /// When the newest record kept arrived (MillisBehindLatest counts to it).
    pub last_arrival_ms: Option<EpochMs>,
    /// Set once the shard is closed: its EndingSequenceNumber.
    pub ending: Option<SequenceNumber>,
}

/// How much one read may answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadLimits {
    /// GetRecords' Limit (1 to 10,000).
    pub max_records: u32,
    /// 10 MiB for GetRecords. At least one record is answered whatever its size, so a
    /// reader is never stuck behind a record larger than the limit.
    pub max_bytes: usize,
}

/// What a read answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadBatch {
    /// Records at or after the position, in sequence order, none older than the trim
    /// horizon the read was given.
    pub records: Vec<StoredRecord>,
    /// The shard's tip when read.
    pub tip: ShardTip,
}

impl ReadBatch {
    /// Where the next read goes on from: after the last record answered, else where this
    /// read started (nothing there yet).
    pub fn next_position(&self, from: IteratorPosition) -> IteratorPosition {
        match self.records.last() {
            Some(last) => IteratorPosition::AfterSequence(last.sequence_number),
            None => from,
        }
    }

    /// Whether a closed shard has been read to its end: GetRecords then answers no
    /// NextShardIterator and the ChildShards, SubscribeToShard a null
    /// ContinuationSequenceNumber.
    pub fn at_shard_end(&self, from: IteratorPosition) -> bool {
        let Some(_) = self.tip.ending else {
            return false;
        };
        match self.next_position(from) {
            IteratorPosition::AfterSequence(s) => s >= self.tip.last,
            IteratorPosition::AtSequence(s) => s > self.tip.last,
            // A read from a time or the trim horizon that found nothing has reached the end.
            IteratorPosition::AtTimestamp(_) | IteratorPosition::TrimHorizon => {
                self.records.is_empty()
            }
        }
    }

    /// MillisBehindLatest: how far the last record answered is behind the shard's newest
    /// (0 when caught up or when the shard holds nothing).
    pub fn millis_behind_latest(&self) -> u64 {
        let newest = self.tip.last_arrival_ms.unwrap_or(0);
        match self.records.last() {
            Some(last) if last.sequence_number < self.tip.last => {
                newest.saturating_sub(last.arrival_ms)
            }
            _ => 0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LogError {
    #[error("no such shard log")]
    NoSuchShard,
    /// The shard was closed by a reshard: its records go to its children now.
    #[error("the shard is closed")]
    ShardClosed,
    /// The store cannot make appends durable now (retryable).
    #[error("storage unavailable: {0}")]
    Unavailable(String),
}

pub type LogResult<T> = Result<T, LogError>;

/// The records of every shard: append-only per shard, read by position, trimmed by time.
///
/// Appends to one shard are serialised by the log (it owns the shard's last sequence
/// number); appends to different shards may run concurrently and should share the
/// durability work (group commit), so PutRecords appends each shard's records as one call
/// and awaits the calls together.
#[async_trait]
pub trait ShardLog: Send + Sync + 'static {
    /// Creates empty logs for new shards (at CreateStream and for reshard children), each
    /// starting at its StartingSequenceNumber. Idempotent.
    async fn create_shards(
        &self,
        stream: &StreamKey,
        stream_created_at_ms: EpochMs,
        shards: &[(u32, SequenceNumber)],
    ) -> LogResult<()>;

    /// Appends records to one open shard at `now`, in order, and answers their sequence
    /// numbers once they are durable. Each number comes from
    /// `sequence::next_sequence_number(previous, now, record.ordering_floor)`, so they
    /// increase strictly within the shard and past every floor. All or nothing: on error
    /// none of the records is kept. [`LogError::ShardClosed`] once the shard is closed.
    async fn append(
        &self,
        shard: &ShardAddress,
        records: Vec<NewRecord>,
        now: EpochMs,
    ) -> LogResult<Vec<SequenceNumber>>;

    /// Reads from `from` (never `Latest`: the service resolves it with [`Self::tip`]),
    /// skipping records that arrived before `trim_horizon_ms`, within `limits`. Reads of
    /// closed shards keep working until retention ends.
    async fn read(
        &self,
        shard: &ShardAddress,
        from: IteratorPosition,
        limits: ReadLimits,
        trim_horizon_ms: EpochMs,
    ) -> LogResult<ReadBatch>;

    async fn tip(&self, shard: &ShardAddress) -> LogResult<ShardTip>;

    /// Closes a shard: no append after this. Answers its EndingSequenceNumber
    /// (`SequenceNumber::shard_end` of its last number at `now`). Closing a closed shard
    /// answers the same number.
    async fn close_shard(&self, shard: &ShardAddress, now: EpochMs) -> LogResult<SequenceNumber>;

    /// Drops records that arrived before `before_ms` (retention), whole segments at a
    /// time where the store has them: a record may outlive its retention until its
    /// segment goes, but reads never answer it (they take a trim horizon). Answers how
    /// many records were dropped. The tip is kept.
    async fn trim(&self, shard: &ShardAddress, before_ms: EpochMs) -> LogResult<u64>;

    /// Deletes shard logs outright (expired closed shards, a deleted stream's shards).
    async fn delete_shards(
        &self,
        stream: &StreamKey,
        stream_created_at_ms: EpochMs,
        shard_indexes: &[u32],
    ) -> LogResult<()>;

    /// A watch of the shard's tip, updated after each durable append and at close: a
    /// SubscribeToShard waits on `changed()` and then reads, so records are pushed as soon
    /// as they are acknowledged, with no polling. Dropping the receiver unsubscribes.
    fn watch(&self, shard: &ShardAddress) -> LogResult<tokio::sync::watch::Receiver<ShardTip>>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinesis::sequence::{next_sequence_number, SequenceNumber};

    const T0: u64 = 1_700_000_000_000;

    fn record(seq: SequenceNumber, arrival_ms: u64) -> StoredRecord {
        StoredRecord {
            sequence_number: seq,
            arrival_ms,
            partition_key: "k".into(),
            data: vec![1, 2, 3],
            hash_key: 0,
            encryption_key_id: None,
        }
    }

    #[test]
    fn consumers_have_their_own_statuses() {
        use crate::kinesis::stream::{StatusDelays, Transition};
        let delays = StatusDelays {
            creating_ms: 10,
            updating_ms: 0,
            deleting_ms: 10,
        };
        let stream = StreamKey::new("us-east-1", "000000000000", "s");
        let mut c = ConsumerMeta {
            key: ConsumerKey {
                stream,
                name: "app".into(),
                created_at_s: T0 / 1000,
            },
            stream_created_at_ms: T0,
            lifecycle: Lifecycle::begin(Transition::Creating, T0, delays),
            created_at_ms: T0,
            tags: TagMap::new(),
            policy: None,
        };
        assert_eq!(c.status(T0), Some(ConsumerStatus::Creating));
        assert_eq!(
            c.status(T0 + 10).map(ConsumerStatus::as_str),
            Some("ACTIVE")
        );
        c.lifecycle = Lifecycle::begin(Transition::Deleting, T0 + 20, delays);
        assert_eq!(c.status(T0 + 25), Some(ConsumerStatus::Deleting));
        assert_eq!(c.status(T0 + 30), None);
    }

    #[test]
    fn batches_say_where_to_go_on_and_how_far_behind() {
        let start = SequenceNumber::shard_start(0, 1, T0);
        let a = next_sequence_number(start, T0 + 10, None);
        let b = next_sequence_number(a, T0 + 50, None);
        let tip = ShardTip {
            last: b,
            last_arrival_ms: Some(T0 + 50),
            ending: None,
        };
        let batch = ReadBatch {
            records: vec![record(a, T0 + 10)],
            tip,
        };
        assert_eq!(
            batch.next_position(IteratorPosition::TrimHorizon),
            IteratorPosition::AfterSequence(a)
        );
        assert_eq!(batch.millis_behind_latest(), 40);
        assert!(!batch.at_shard_end(IteratorPosition::TrimHorizon));
        assert_eq!(batch.records[0].size_bytes(), 4);

        let caught_up = ReadBatch {
            records: vec![record(b, T0 + 50)],
            tip: ShardTip {
                ending: Some(SequenceNumber::shard_end(b, T0 + 60)),
                ..tip
            },
        };
        assert_eq!(caught_up.millis_behind_latest(), 0);
        assert!(caught_up.at_shard_end(IteratorPosition::AfterSequence(a)));
        let empty = ReadBatch {
            records: vec![],
            tip: caught_up.tip,
        };
        assert!(empty.at_shard_end(IteratorPosition::AfterSequence(b)));
        assert!(!empty.at_shard_end(IteratorPosition::AtSequence(a)));
        assert_eq!(
            empty.next_position(IteratorPosition::AtTimestamp(T0)),
            IteratorPosition::AtTimestamp(T0)
        );
    }
}
