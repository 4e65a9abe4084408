//! Kinesis operation shapes, named as the AWS JSON members name them (`StreamARN` is
//! `stream_arn`, `MaxRecordSizeInKiB` is `max_record_size_in_kib`), so a wire module maps
//! them one to one. Blobs are bytes (base64 in JSON and raw in CBOR are the wire's
//! business); timestamps are epoch milliseconds (`..._ms`: the wire's epoch seconds,
//! scaled). Integer members are `i64`, wider than the model's, so a value out of range is
//! seen and refused with AWS's ValidationException rather than lost in decoding.

use crate::clock::EpochMs;
use crate::sqs::api::TagMap;

/// StreamModeDetails.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamModeDetails {
    pub stream_mode: String,
}

/// HashKeyRange, as decimal strings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HashKeyRange {
    pub starting_hash_key: String,
    pub ending_hash_key: String,
}

/// SequenceNumberRange.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SequenceNumberRange {
    pub starting_sequence_number: String,
    pub ending_sequence_number: Option<String>,
}

/// The Shard structure of DescribeStream and ListShards.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shard {
    pub shard_id: String,
    pub parent_shard_id: Option<String>,
    pub adjacent_parent_shard_id: Option<String>,
    pub hash_key_range: HashKeyRange,
    pub sequence_number_range: SequenceNumberRange,
}

/// EnhancedMetrics.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnhancedMetrics {
    pub shard_level_metrics: Vec<String>,
}

/// WarmThroughputObject.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WarmThroughputObject {
    pub target_mi_bps: Option<u32>,
    pub current_mi_bps: Option<u32>,
}

// ---- Streams -------------------------------------------------------------------------

#[derive(Debug, Clone, Default)]
pub struct CreateStreamInput {
    pub stream_name: Option<String>,
    pub shard_count: Option<i64>,
    pub stream_mode_details: Option<StreamModeDetails>,
    pub tags: Option<TagMap>,
    pub warm_throughput_mi_bps: Option<i64>,
    pub max_record_size_in_kib: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct DeleteStreamInput {
    pub stream_name: Option<String>,
    pub stream_arn: Option<String>,
    pub enforce_consumer_deletion: Option<bool>,
}

/// The members every stream action shares: StreamName or StreamARN.
#[derive(Debug, Clone, Default)]
pub struct StreamInput {
    pub stream_name: Option<String>,
    pub stream_arn: Option<String>,
}

impl StreamInput {
    pub fn named(name: &str) -> Self {
        Self {
            stream_name: Some(name.to_owned()),
            stream_arn: None,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct DescribeStreamInput {
    pub stream_name: Option<String>,
    pub stream_arn: Option<String>,
    pub limit: Option<i64>,
    pub exclusive_start_shard_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamDescription {
    pub stream_name: String,
    pub stream_arn: String,
    pub stream_status: String,
    pub stream_mode_details: StreamModeDetails,
    pub shards: Vec<Shard>,
    pub has_more_shards: bool,
    pub retention_period_hours: u32,
    pub stream_creation_timestamp_ms: EpochMs,
    pub enhanced_monitoring: Vec<EnhancedMetrics>,
    pub encryption_type: String,
    pub key_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescribeStreamOutput {
    pub stream_description: StreamDescription,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamDescriptionSummary {
    pub stream_name: String,
    pub stream_arn: String,
    pub stream_status: String,
    pub stream_mode_details: StreamModeDetails,
    pub retention_period_hours: u32,
    pub stream_creation_timestamp_ms: EpochMs,
    pub enhanced_monitoring: Vec<EnhancedMetrics>,
    pub encryption_type: String,
    pub key_id: Option<String>,
    pub open_shard_count: u32,
    pub consumer_count: u32,
    pub warm_throughput: Option<WarmThroughputObject>,
    pub max_record_size_in_kib: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescribeStreamSummaryOutput {
    pub stream_description_summary: StreamDescriptionSummary,
}

#[derive(Debug, Clone, Default)]
pub struct ListStreamsInput {
    pub limit: Option<i64>,
    pub exclusive_start_stream_name: Option<String>,
    pub next_token: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamSummary {
    pub stream_name: String,
    pub stream_arn: String,
    pub stream_status: String,
    pub stream_mode_details: StreamModeDetails,
    pub stream_creation_timestamp_ms: EpochMs,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListStreamsOutput {
    pub stream_names: Vec<String>,
    pub has_more_streams: bool,
    pub next_token: Option<String>,
    pub stream_summaries: Vec<StreamSummary>,
}

/// Increase/DecreaseStreamRetentionPeriod.
#[derive(Debug, Clone, Default)]
pub struct RetentionPeriodInput {
    pub stream_name: Option<String>,
    pub stream_arn: Option<String>,
    pub retention_period_hours: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescribeLimitsOutput {
    pub shard_limit: u32,
    pub open_shard_count: u64,
    pub on_demand_stream_count: u64,
    pub on_demand_stream_count_limit: u32,
}

// ---- Records -------------------------------------------------------------------------

#[derive(Debug, Clone, Default)]
pub struct PutRecordInput {
    pub stream_name: Option<String>,
    pub stream_arn: Option<String>,
    pub data: Option<Vec<u8>>,
    pub partition_key: Option<String>,
    pub explicit_hash_key: Option<String>,
    pub sequence_number_for_ordering: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutRecordOutput {
    pub shard_id: String,
    pub sequence_number: String,
    pub encryption_type: String,
}

#[derive(Debug, Clone, Default)]
pub struct PutRecordsRequestEntry {
    pub data: Option<Vec<u8>>,
    pub explicit_hash_key: Option<String>,
    pub partition_key: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct PutRecordsInput {
    pub stream_name: Option<String>,
    pub stream_arn: Option<String>,
    pub records: Vec<PutRecordsRequestEntry>,
}

/// One PutRecords result: a stored record's ShardId and SequenceNumber, or a failure's
/// ErrorCode and ErrorMessage.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PutRecordsResultEntry {
    pub sequence_number: Option<String>,
    pub shard_id: Option<String>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutRecordsOutput {
    pub failed_record_count: u32,
    pub records: Vec<PutRecordsResultEntry>,
    pub encryption_type: String,
}

#[derive(Debug, Clone, Default)]
pub struct GetShardIteratorInput {
    pub stream_name: Option<String>,
    pub stream_arn: Option<String>,
    pub shard_id: Option<String>,
    pub shard_iterator_type: Option<String>,
    pub starting_sequence_number: Option<String>,
    pub timestamp_ms: Option<EpochMs>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetShardIteratorOutput {
    pub shard_iterator: String,
}

#[derive(Debug, Clone, Default)]
pub struct GetRecordsInput {
    pub shard_iterator: Option<String>,
    pub limit: Option<i64>,
    pub stream_arn: Option<String>,
}

/// A record as GetRecords answers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub sequence_number: String,
    pub approximate_arrival_timestamp_ms: EpochMs,
    pub data: Vec<u8>,
    pub partition_key: String,
    pub encryption_type: Option<String>,
}

/// ChildShard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildShard {
    pub shard_id: String,
    pub parent_shards: Vec<String>,
    pub hash_key_range: HashKeyRange,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetRecordsOutput {
    pub records: Vec<Record>,
    /// `None` once a closed shard has been read to its end.
    pub next_shard_iterator: Option<String>,
    pub millis_behind_latest: u64,
    /// Set at the end of a closed shard: where to read on.
    pub child_shards: Option<Vec<ChildShard>>,
}

// ---- Shards --------------------------------------------------------------------------

/// ShardFilter.
#[derive(Debug, Clone, Default)]
pub struct ShardFilter {
    pub r#type: String,
    pub shard_id: Option<String>,
    pub timestamp_ms: Option<EpochMs>,
}

#[derive(Debug, Clone, Default)]
pub struct ListShardsInput {
    pub stream_name: Option<String>,
    pub stream_arn: Option<String>,
    pub next_token: Option<String>,
    pub exclusive_start_shard_id: Option<String>,
    pub max_results: Option<i64>,
    pub stream_creation_timestamp_ms: Option<EpochMs>,
    pub shard_filter: Option<ShardFilter>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListShardsOutput {
    pub shards: Vec<Shard>,
    pub next_token: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct SplitShardInput {
    pub stream_name: Option<String>,
    pub stream_arn: Option<String>,
    pub shard_to_split: Option<String>,
    pub new_starting_hash_key: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct MergeShardsInput {
    pub stream_name: Option<String>,
    pub stream_arn: Option<String>,
    pub shard_to_merge: Option<String>,
    pub adjacent_shard_to_merge: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct UpdateShardCountInput {
    pub stream_name: Option<String>,
    pub stream_arn: Option<String>,
    pub target_shard_count: Option<i64>,
    pub scaling_type: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateShardCountOutput {
    pub stream_name: String,
    pub current_shard_count: u32,
    pub target_shard_count: u32,
    pub stream_arn: String,
}

// ---- Consumers -----------------------------------------------------------------------

#[derive(Debug, Clone, Default)]
pub struct RegisterStreamConsumerInput {
    pub stream_arn: Option<String>,
    pub consumer_name: Option<String>,
    pub tags: Option<TagMap>,
}

/// Consumer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consumer {
    pub consumer_name: String,
    pub consumer_arn: String,
    pub consumer_status: String,
    pub consumer_creation_timestamp_ms: EpochMs,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterStreamConsumerOutput {
    pub consumer: Consumer,
}

/// DescribeStreamConsumer and DeregisterStreamConsumer: the consumer by ConsumerARN, or
/// by StreamARN and ConsumerName.
#[derive(Debug, Clone, Default)]
pub struct ConsumerInput {
    pub stream_arn: Option<String>,
    pub consumer_name: Option<String>,
    pub consumer_arn: Option<String>,
}

/// ConsumerDescription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerDescription {
    pub consumer_name: String,
    pub consumer_arn: String,
    pub consumer_status: String,
    pub consumer_creation_timestamp_ms: EpochMs,
    pub stream_arn: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescribeStreamConsumerOutput {
    pub consumer_description: ConsumerDescription,
}

#[derive(Debug, Clone, Default)]
pub struct ListStreamConsumersInput {
    pub stream_arn: Option<String>,
    pub next_token: Option<String>,
    pub max_results: Option<i64>,
    pub stream_creation_timestamp_ms: Option<EpochMs>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListStreamConsumersOutput {
    pub consumers: Vec<Consumer>,
    pub next_token: Option<String>,
}

// ---- Tags and resource policies ------------------------------------------------------

/// Tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    pub key: String,
    pub value: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct AddTagsToStreamInput {
    pub stream_name: Option<String>,
    pub stream_arn: Option<String>,
    pub tags: TagMap,
}

#[derive(Debug, Clone, Default)]
pub struct RemoveTagsFromStreamInput {
    pub stream_name: Option<String>,
    pub stream_arn: Option<String>,
    pub tag_keys: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct ListTagsForStreamInput {
    pub stream_name: Option<String>,
    pub stream_arn: Option<String>,
    pub exclusive_start_tag_key: Option<String>,
    pub limit: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListTagsForStreamOutput {
    pub tags: Vec<Tag>,
    pub has_more_tags: bool,
}

#[derive(Debug, Clone, Default)]
pub struct TagResourceInput {
    pub resource_arn: Option<String>,
    pub tags: TagMap,
}

#[derive(Debug, Clone, Default)]
pub struct UntagResourceInput {
    pub resource_arn: Option<String>,
    pub tag_keys: Vec<String>,
}

/// ListTagsForResource, GetResourcePolicy and DeleteResourcePolicy: a ResourceARN.
#[derive(Debug, Clone, Default)]
pub struct ResourceInput {
    pub resource_arn: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListTagsForResourceOutput {
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, Default)]
pub struct PutResourcePolicyInput {
    pub resource_arn: Option<String>,
    pub policy: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetResourcePolicyOutput {
    pub policy: String,
}

// ---- Stream settings and the account -------------------------------------------------

/// Start/StopStreamEncryption.
#[derive(Debug, Clone, Default)]
pub struct StreamEncryptionInput {
    pub stream_name: Option<String>,
    pub stream_arn: Option<String>,
    pub encryption_type: Option<String>,
    pub key_id: Option<String>,
}

/// Enable/DisableEnhancedMonitoring.
#[derive(Debug, Clone, Default)]
pub struct EnhancedMonitoringInput {
    pub stream_name: Option<String>,
    pub stream_arn: Option<String>,
    pub shard_level_metrics: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnhancedMonitoringOutput {
    pub stream_name: String,
    pub stream_arn: String,
    pub current_shard_level_metrics: Vec<String>,
    pub desired_shard_level_metrics: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct UpdateStreamModeInput {
    pub stream_arn: Option<String>,
    pub stream_mode_details: Option<StreamModeDetails>,
    pub warm_throughput_mi_bps: Option<i64>,
}

/// MinimumThroughputBillingCommitment (input and output).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MinimumThroughputBillingCommitment {
    pub status: String,
}

#[derive(Debug, Clone, Default)]
pub struct UpdateAccountSettingsInput {
    pub minimum_throughput_billing_commitment: Option<MinimumThroughputBillingCommitment>,
}

/// DescribeAccountSettings' and UpdateAccountSettings' answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountSettingsOutput {
    pub minimum_throughput_billing_commitment: Option<MinimumThroughputBillingCommitment>,
}

#[derive(Debug, Clone, Default)]
pub struct UpdateMaxRecordSizeInput {
    pub stream_arn: Option<String>,
    pub max_record_size_in_kib: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct UpdateStreamWarmThroughputInput {
    pub stream_arn: Option<String>,
    pub stream_name: Option<String>,
    pub warm_throughput_mi_bps: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateStreamWarmThroughputOutput {
    pub stream_arn: String,
    pub stream_name: String,
    pub warm_throughput: WarmThroughputObject,
}

// ---- Enhanced fan-out ----------------------------------------------------------------

/// StartingPosition of SubscribeToShard.
#[derive(Debug, Clone, Default)]
pub struct StartingPosition {
    pub r#type: String,
    pub sequence_number: Option<String>,
    pub timestamp_ms: Option<EpochMs>,
}

#[derive(Debug, Clone, Default)]
pub struct SubscribeToShardInput {
    pub consumer_arn: Option<String>,
    pub shard_id: Option<String>,
    pub starting_position: Option<StartingPosition>,
}

/// One SubscribeToShardEvent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscribeToShardEvent {
    pub records: Vec<Record>,
    /// Where a new subscription goes on from (AFTER_SEQUENCE_NUMBER); `None` at the end of
    /// a closed shard, which then names its ChildShards.
    pub continuation_sequence_number: Option<String>,
    pub millis_behind_latest: u64,
    pub child_shards: Option<Vec<ChildShard>>,
}
