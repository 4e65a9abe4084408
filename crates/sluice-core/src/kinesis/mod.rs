//! Amazon Kinesis Data Streams semantics, as plain Rust with no HTTP, no storage engine
//! and no clock in it (time comes in as epoch milliseconds).
//!
//! - `limits.rs`: every limit, quota and default, with its source.
//! - `error.rs`: the model's exceptions, their codes and statuses, AWS's texts.
//! - `names.rs`: stream and consumer names and ARNs, StreamName-or-StreamARN, shard ids.
//! - `hash_key.rs`: the 128-bit hash key space, partition key hashing, even ranges.
//! - `sequence.rs`: sequence numbers (56 digits, increasing per shard) and their checks.
//! - `iterator.rs`: shard iterators' contents, sealing and five-minute validity.
//! - `shards.rs`: shards and lineage, SplitShard, MergeShards, UNIFORM_SCALING,
//!   ListShards filters and paging, ChildShards.
//! - `stream.rs`: a stream's status, mode, retention, encryption, monitoring, record
//!   size and warm throughput.
//! - `records.rs`: PutRecord/PutRecords/GetRecords limits and per-record failures.
//! - `sealing.rs`: encryption of records at rest: the `RecordCipher` the key service
//!   implements, and its KMS errors.
//! - `subscription.rs`: SubscribeToShard's lifetime and resubscription rule.
//! - `tags.rs`: tags of streams and consumers.
//! - `throughput.rs`: AWS's per-shard throughput limits, when the server enforces them.
//! - `store.rs`: the storage boundary: `StreamCatalog` (metadata) and `ShardLog` (records).
//!
//! - `api.rs`: the actions' typed inputs and outputs, named as AWS's JSON members.
//! - `access.rs`: `kinesis:` IAM actions through the shared access engine.
//! - `activity.rs`: each shard's puts and reads, for metrics.
//! - `service/`: the `Kinesis` service, one method per action, over the two traits.

pub mod access;
pub mod activity;
pub mod api;
pub mod error;
pub mod hash_key;
pub mod iterator;
pub mod limits;
pub mod names;
pub mod records;
pub mod sealing;
pub mod sequence;
pub mod service;
pub mod shards;
pub mod store;
pub mod stream;
pub mod subscription;
pub mod tags;
pub mod throughput;

pub use error::{KinesisError, KinesisErrorKind, KinesisResult};
pub use names::StreamKey;
pub use service::{HousekeepingReport, Kinesis, KinesisConfig, KinesisContext, ShardSubscription};

/// The API version in every `X-Amz-Target` (`Kinesis_20131202.PutRecord`).
pub const API_VERSION: &str = "2013-12-02";
/// The `X-Amz-Target` prefix of Kinesis actions.
pub const TARGET_PREFIX: &str = "Kinesis_20131202.";
