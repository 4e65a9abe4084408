//! Kinesis operation shapes, named as the AWS JSON members name them (`StreamARN` is
//! `stream_arn`, `MaxRecordSizeInKiB` is `max_record_size_in_kib`), so a wire module maps
//! them one to one. Blobs are bytes and timestamps epoch milliseconds (`..._ms`); their
//! serde form is AWS JSON 1.1's (base64 text, epoch seconds: [`wire_values`]), and a CBOR
//! wire converts at its edge. Integer members are `i64`, wider than the model's, so a
//! value out of range is seen and refused with AWS's ValidationException rather than
//! lost in decoding.

use serde::{Deserialize, Serialize};

use crate::clock::EpochMs;
use crate::sqs::api::TagMap;

/// StreamModeDetails.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StreamModeDetails {
    pub stream_mode: String,
}

/// HashKeyRange, as decimal strings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct HashKeyRange {
    pub starting_hash_key: String,
    pub ending_hash_key: String,
}

/// SequenceNumberRange.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SequenceNumberRange {
    pub starting_sequence_number: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ending_sequence_number: Option<String>,
}

/// The Shard structure of DescribeStream and ListShards.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Shard {
    pub shard_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_shard_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adjacent_parent_shard_id: Option<String>,
    pub hash_key_range: HashKeyRange,
    pub sequence_number_range: SequenceNumberRange,
}

/// EnhancedMetrics.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EnhancedMetrics {
    pub shard_level_metrics: Vec<String>,
}

/// WarmThroughputObject.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct WarmThroughputObject {
    #[serde(
        rename = "TargetMiBps",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub target_mi_bps: Option<u32>,
    #[serde(
        rename = "CurrentMiBps",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub current_mi_bps: Option<u32>,
}

// ---- Streams -------------------------------------------------------------------------

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateStreamInput {
    #[serde(default)]
    pub stream_name: Option<String>,
    #[serde(default)]
    pub shard_count: Option<i64>,
    #[serde(default)]
    pub stream_mode_details: Option<StreamModeDetails>,
    #[serde(default)]
    pub tags: Option<TagMap>,
    #[serde(rename = "WarmThroughputMiBps", default)]
    pub warm_throughput_mi_bps: Option<i64>,
    #[serde(rename = "MaxRecordSizeInKiB", default)]
    pub max_record_size_in_kib: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteStreamInput {
    #[serde(default)]
    pub stream_name: Option<String>,
    #[serde(rename = "StreamARN", default)]
    pub stream_arn: Option<String>,
    #[serde(default)]
    pub enforce_consumer_deletion: Option<bool>,
}

/// The members every stream action shares: StreamName or StreamARN.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StreamInput {
    #[serde(default)]
    pub stream_name: Option<String>,
    #[serde(rename = "StreamARN", default)]
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

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeStreamInput {
    #[serde(default)]
    pub stream_name: Option<String>,
    #[serde(rename = "StreamARN", default)]
    pub stream_arn: Option<String>,
    #[serde(default)]
    pub limit: Option<i64>,
    #[serde(default)]
    pub exclusive_start_shard_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StreamDescription {
    pub stream_name: String,
    #[serde(rename = "StreamARN")]
    pub stream_arn: String,
    pub stream_status: String,
    pub stream_mode_details: StreamModeDetails,
    pub shards: Vec<Shard>,
    pub has_more_shards: bool,
    pub retention_period_hours: u32,
    #[serde(
        rename = "StreamCreationTimestamp",
        with = "wire_values::epoch_seconds"
    )]
    pub stream_creation_timestamp_ms: EpochMs,
    pub enhanced_monitoring: Vec<EnhancedMetrics>,
    pub encryption_type: String,
    #[serde(rename = "KeyId", default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeStreamOutput {
    pub stream_description: StreamDescription,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StreamDescriptionSummary {
    pub stream_name: String,
    #[serde(rename = "StreamARN")]
    pub stream_arn: String,
    pub stream_status: String,
    pub stream_mode_details: StreamModeDetails,
    pub retention_period_hours: u32,
    #[serde(
        rename = "StreamCreationTimestamp",
        with = "wire_values::epoch_seconds"
    )]
    pub stream_creation_timestamp_ms: EpochMs,
    pub enhanced_monitoring: Vec<EnhancedMetrics>,
    pub encryption_type: String,
    #[serde(rename = "KeyId", default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    pub open_shard_count: u32,
    pub consumer_count: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warm_throughput: Option<WarmThroughputObject>,
    #[serde(rename = "MaxRecordSizeInKiB")]
    pub max_record_size_in_kib: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeStreamSummaryOutput {
    pub stream_description_summary: StreamDescriptionSummary,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListStreamsInput {
    #[serde(default)]
    pub limit: Option<i64>,
    #[serde(default)]
    pub exclusive_start_stream_name: Option<String>,
    #[serde(default)]
    pub next_token: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StreamSummary {
    pub stream_name: String,
    #[serde(rename = "StreamARN")]
    pub stream_arn: String,
    pub stream_status: String,
    pub stream_mode_details: StreamModeDetails,
    #[serde(
        rename = "StreamCreationTimestamp",
        with = "wire_values::epoch_seconds"
    )]
    pub stream_creation_timestamp_ms: EpochMs,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListStreamsOutput {
    pub stream_names: Vec<String>,
    pub has_more_streams: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    pub stream_summaries: Vec<StreamSummary>,
}

/// Increase/DecreaseStreamRetentionPeriod.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RetentionPeriodInput {
    #[serde(default)]
    pub stream_name: Option<String>,
    #[serde(rename = "StreamARN", default)]
    pub stream_arn: Option<String>,
    #[serde(default)]
    pub retention_period_hours: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeLimitsOutput {
    pub shard_limit: u32,
    pub open_shard_count: u64,
    pub on_demand_stream_count: u64,
    pub on_demand_stream_count_limit: u32,
}

// ---- Records -------------------------------------------------------------------------

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutRecordInput {
    #[serde(default)]
    pub stream_name: Option<String>,
    #[serde(rename = "StreamARN", default)]
    pub stream_arn: Option<String>,
    #[serde(with = "wire_values::opt_blob", default)]
    pub data: Option<Vec<u8>>,
    #[serde(default)]
    pub partition_key: Option<String>,
    #[serde(default)]
    pub explicit_hash_key: Option<String>,
    #[serde(default)]
    pub sequence_number_for_ordering: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutRecordOutput {
    pub shard_id: String,
    pub sequence_number: String,
    pub encryption_type: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutRecordsRequestEntry {
    #[serde(with = "wire_values::opt_blob", default)]
    pub data: Option<Vec<u8>>,
    #[serde(default)]
    pub explicit_hash_key: Option<String>,
    #[serde(default)]
    pub partition_key: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutRecordsInput {
    #[serde(default)]
    pub stream_name: Option<String>,
    #[serde(rename = "StreamARN", default)]
    pub stream_arn: Option<String>,
    #[serde(default)]
    pub records: Vec<PutRecordsRequestEntry>,
}

/// One PutRecords result: a stored record's ShardId and SequenceNumber, or a failure's
/// ErrorCode and ErrorMessage.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutRecordsResultEntry {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutRecordsOutput {
    pub failed_record_count: u32,
    pub records: Vec<PutRecordsResultEntry>,
    pub encryption_type: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetShardIteratorInput {
    #[serde(default)]
    pub stream_name: Option<String>,
    #[serde(rename = "StreamARN", default)]
    pub stream_arn: Option<String>,
    #[serde(default)]
    pub shard_id: Option<String>,
    #[serde(default)]
    pub shard_iterator_type: Option<String>,
    #[serde(default)]
    pub starting_sequence_number: Option<String>,
    #[serde(rename = "Timestamp", with = "wire_values::opt_epoch_seconds", default)]
    pub timestamp_ms: Option<EpochMs>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetShardIteratorOutput {
    pub shard_iterator: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetRecordsInput {
    #[serde(default)]
    pub shard_iterator: Option<String>,
    #[serde(default)]
    pub limit: Option<i64>,
    #[serde(rename = "StreamARN", default)]
    pub stream_arn: Option<String>,
}

/// A record as GetRecords answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Record {
    pub sequence_number: String,
    #[serde(
        rename = "ApproximateArrivalTimestamp",
        with = "wire_values::epoch_seconds"
    )]
    pub approximate_arrival_timestamp_ms: EpochMs,
    #[serde(with = "wire_values::blob")]
    pub data: Vec<u8>,
    pub partition_key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_type: Option<String>,
}

/// ChildShard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ChildShard {
    pub shard_id: String,
    pub parent_shards: Vec<String>,
    pub hash_key_range: HashKeyRange,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetRecordsOutput {
    pub records: Vec<Record>,
    /// `None` once a closed shard has been read to its end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_shard_iterator: Option<String>,
    pub millis_behind_latest: u64,
    /// Set at the end of a closed shard: where to read on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub child_shards: Option<Vec<ChildShard>>,
}

// ---- Shards --------------------------------------------------------------------------

/// ShardFilter.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ShardFilter {
    pub r#type: String,
    #[serde(default)]
    pub shard_id: Option<String>,
    #[serde(rename = "Timestamp", with = "wire_values::opt_epoch_seconds", default)]
    pub timestamp_ms: Option<EpochMs>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListShardsInput {
    #[serde(default)]
    pub stream_name: Option<String>,
    #[serde(rename = "StreamARN", default)]
    pub stream_arn: Option<String>,
    #[serde(default)]
    pub next_token: Option<String>,
    #[serde(default)]
    pub exclusive_start_shard_id: Option<String>,
    #[serde(default)]
    pub max_results: Option<i64>,
    #[serde(
        rename = "StreamCreationTimestamp",
        with = "wire_values::opt_epoch_seconds",
        default
    )]
    pub stream_creation_timestamp_ms: Option<EpochMs>,
    #[serde(default)]
    pub shard_filter: Option<ShardFilter>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListShardsOutput {
    pub shards: Vec<Shard>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SplitShardInput {
    #[serde(default)]
    pub stream_name: Option<String>,
    #[serde(rename = "StreamARN", default)]
    pub stream_arn: Option<String>,
    #[serde(default)]
    pub shard_to_split: Option<String>,
    #[serde(default)]
    pub new_starting_hash_key: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MergeShardsInput {
    #[serde(default)]
    pub stream_name: Option<String>,
    #[serde(rename = "StreamARN", default)]
    pub stream_arn: Option<String>,
    #[serde(default)]
    pub shard_to_merge: Option<String>,
    #[serde(default)]
    pub adjacent_shard_to_merge: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateShardCountInput {
    #[serde(default)]
    pub stream_name: Option<String>,
    #[serde(rename = "StreamARN", default)]
    pub stream_arn: Option<String>,
    #[serde(default)]
    pub target_shard_count: Option<i64>,
    #[serde(default)]
    pub scaling_type: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateShardCountOutput {
    pub stream_name: String,
    pub current_shard_count: u32,
    pub target_shard_count: u32,
    #[serde(rename = "StreamARN")]
    pub stream_arn: String,
}

// ---- Consumers -----------------------------------------------------------------------

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RegisterStreamConsumerInput {
    #[serde(rename = "StreamARN", default)]
    pub stream_arn: Option<String>,
    #[serde(default)]
    pub consumer_name: Option<String>,
    #[serde(default)]
    pub tags: Option<TagMap>,
}

/// Consumer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Consumer {
    pub consumer_name: String,
    #[serde(rename = "ConsumerARN")]
    pub consumer_arn: String,
    pub consumer_status: String,
    #[serde(
        rename = "ConsumerCreationTimestamp",
        with = "wire_values::epoch_seconds"
    )]
    pub consumer_creation_timestamp_ms: EpochMs,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RegisterStreamConsumerOutput {
    pub consumer: Consumer,
}

/// DescribeStreamConsumer and DeregisterStreamConsumer: the consumer by ConsumerARN, or
/// by StreamARN and ConsumerName.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ConsumerInput {
    #[serde(rename = "StreamARN", default)]
    pub stream_arn: Option<String>,
    #[serde(default)]
    pub consumer_name: Option<String>,
    #[serde(rename = "ConsumerARN", default)]
    pub consumer_arn: Option<String>,
}

/// ConsumerDescription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ConsumerDescription {
    pub consumer_name: String,
    #[serde(rename = "ConsumerARN")]
    pub consumer_arn: String,
    pub consumer_status: String,
    #[serde(
        rename = "ConsumerCreationTimestamp",
        with = "wire_values::epoch_seconds"
    )]
    pub consumer_creation_timestamp_ms: EpochMs,
    #[serde(rename = "StreamARN")]
    pub stream_arn: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeStreamConsumerOutput {
    pub consumer_description: ConsumerDescription,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListStreamConsumersInput {
    #[serde(rename = "StreamARN", default)]
    pub stream_arn: Option<String>,
    #[serde(default)]
    pub next_token: Option<String>,
    #[serde(default)]
    pub max_results: Option<i64>,
    #[serde(
        rename = "StreamCreationTimestamp",
        with = "wire_values::opt_epoch_seconds",
        default
    )]
    pub stream_creation_timestamp_ms: Option<EpochMs>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListStreamConsumersOutput {
    pub consumers: Vec<Consumer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

// ---- Tags and resource policies ------------------------------------------------------

/// Tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AddTagsToStreamInput {
    #[serde(default)]
    pub stream_name: Option<String>,
    #[serde(rename = "StreamARN", default)]
    pub stream_arn: Option<String>,
    #[serde(default)]
    pub tags: TagMap,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RemoveTagsFromStreamInput {
    #[serde(default)]
    pub stream_name: Option<String>,
    #[serde(rename = "StreamARN", default)]
    pub stream_arn: Option<String>,
    #[serde(default)]
    pub tag_keys: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListTagsForStreamInput {
    #[serde(default)]
    pub stream_name: Option<String>,
    #[serde(rename = "StreamARN", default)]
    pub stream_arn: Option<String>,
    #[serde(default)]
    pub exclusive_start_tag_key: Option<String>,
    #[serde(default)]
    pub limit: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListTagsForStreamOutput {
    pub tags: Vec<Tag>,
    pub has_more_tags: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TagResourceInput {
    #[serde(rename = "ResourceARN", default)]
    pub resource_arn: Option<String>,
    #[serde(default)]
    pub tags: TagMap,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UntagResourceInput {
    #[serde(rename = "ResourceARN", default)]
    pub resource_arn: Option<String>,
    #[serde(default)]
    pub tag_keys: Vec<String>,
}

/// ListTagsForResource, GetResourcePolicy and DeleteResourcePolicy: a ResourceARN.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResourceInput {
    #[serde(rename = "ResourceARN", default)]
    pub resource_arn: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListTagsForResourceOutput {
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutResourcePolicyInput {
    #[serde(rename = "ResourceARN", default)]
    pub resource_arn: Option<String>,
    #[serde(default)]
    pub policy: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetResourcePolicyOutput {
    pub policy: String,
}

// ---- Stream settings and the account -------------------------------------------------

/// Start/StopStreamEncryption.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StreamEncryptionInput {
    #[serde(default)]
    pub stream_name: Option<String>,
    #[serde(rename = "StreamARN", default)]
    pub stream_arn: Option<String>,
    #[serde(default)]
    pub encryption_type: Option<String>,
    #[serde(rename = "KeyId", default)]
    pub key_id: Option<String>,
}

/// Enable/DisableEnhancedMonitoring.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EnhancedMonitoringInput {
    #[serde(default)]
    pub stream_name: Option<String>,
    #[serde(rename = "StreamARN", default)]
    pub stream_arn: Option<String>,
    #[serde(default)]
    pub shard_level_metrics: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EnhancedMonitoringOutput {
    pub stream_name: String,
    #[serde(rename = "StreamARN")]
    pub stream_arn: String,
    pub current_shard_level_metrics: Vec<String>,
    pub desired_shard_level_metrics: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateStreamModeInput {
    #[serde(rename = "StreamARN", default)]
    pub stream_arn: Option<String>,
    #[serde(default)]
    pub stream_mode_details: Option<StreamModeDetails>,
    #[serde(rename = "WarmThroughputMiBps", default)]
    pub warm_throughput_mi_bps: Option<i64>,
}

/// MinimumThroughputBillingCommitment (input and output).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MinimumThroughputBillingCommitment {
    pub status: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateAccountSettingsInput {
    #[serde(default)]
    pub minimum_throughput_billing_commitment: Option<MinimumThroughputBillingCommitment>,
}

/// DescribeAccountSettings' and UpdateAccountSettings' answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccountSettingsOutput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_throughput_billing_commitment: Option<MinimumThroughputBillingCommitment>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateMaxRecordSizeInput {
    #[serde(rename = "StreamARN", default)]
    pub stream_arn: Option<String>,
    #[serde(rename = "MaxRecordSizeInKiB", default)]
    pub max_record_size_in_kib: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateStreamWarmThroughputInput {
    #[serde(rename = "StreamARN", default)]
    pub stream_arn: Option<String>,
    #[serde(default)]
    pub stream_name: Option<String>,
    #[serde(rename = "WarmThroughputMiBps", default)]
    pub warm_throughput_mi_bps: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateStreamWarmThroughputOutput {
    #[serde(rename = "StreamARN")]
    pub stream_arn: String,
    pub stream_name: String,
    pub warm_throughput: WarmThroughputObject,
}

// ---- Enhanced fan-out ----------------------------------------------------------------

/// StartingPosition of SubscribeToShard.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StartingPosition {
    pub r#type: String,
    #[serde(default)]
    pub sequence_number: Option<String>,
    #[serde(rename = "Timestamp", with = "wire_values::opt_epoch_seconds", default)]
    pub timestamp_ms: Option<EpochMs>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SubscribeToShardInput {
    #[serde(rename = "ConsumerARN", default)]
    pub consumer_arn: Option<String>,
    #[serde(default)]
    pub shard_id: Option<String>,
    #[serde(default)]
    pub starting_position: Option<StartingPosition>,
}

/// One SubscribeToShardEvent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SubscribeToShardEvent {
    pub records: Vec<Record>,
    /// Where a new subscription goes on from (AFTER_SEQUENCE_NUMBER); `None` at the end of
    /// a closed shard, which then names its ChildShards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub continuation_sequence_number: Option<String>,
    pub millis_behind_latest: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub child_shards: Option<Vec<ChildShard>>,
}

/// How blobs and timestamps look in the shapes' serde form, which is AWS JSON 1.1's:
/// a blob is base64 text, a timestamp epoch seconds (a number, with a fraction for
/// milliseconds). A CBOR wire converts its raw byte strings and tagged times to and from
/// this form at its edge.
pub mod wire_values {
    use base64::Engine as _;
    use serde::de::{self, Deserializer, Visitor};
    use serde::Serializer;

    use crate::clock::EpochMs;

    const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

    /// Epoch seconds as AWS JSON writes them: whole seconds, and milliseconds as a
    /// fraction.
    fn seconds(ms: EpochMs) -> f64 {
        ms as f64 / 1000.0
    }

    /// Epoch seconds as a client sent them (an integer or a fraction), in milliseconds.
    /// Negative or non-finite times are refused.
    fn millis<E: de::Error>(seconds: f64) -> Result<EpochMs, E> {
        if !seconds.is_finite() || seconds < 0.0 {
            return Err(E::custom("Timestamp out of range"));
        }
        Ok((seconds * 1000.0).round() as EpochMs)
    }

    struct SecondsVisitor;

    impl Visitor<'_> for SecondsVisitor {
        type Value = EpochMs;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("epoch seconds")
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<EpochMs, E> {
            v.checked_mul(1000)
                .ok_or_else(|| E::custom("Timestamp out of range"))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<EpochMs, E> {
            u64::try_from(v)
                .map_err(|_| E::custom("Timestamp out of range"))
                .and_then(|v| self.visit_u64(v))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<EpochMs, E> {
            millis(v)
        }
    }

    pub mod epoch_seconds {
        use super::*;

        pub fn serialize<S: Serializer>(ms: &EpochMs, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_f64(seconds(*ms))
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<EpochMs, D::Error> {
            d.deserialize_any(SecondsVisitor)
        }
    }

    pub mod opt_epoch_seconds {
        use super::*;

        pub fn serialize<S: Serializer>(ms: &Option<EpochMs>, s: S) -> Result<S::Ok, S::Error> {
            match ms {
                Some(ms) => s.serialize_f64(seconds(*ms)),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<EpochMs>, D::Error> {
            struct Opt;
            impl<'de> Visitor<'de> for Opt {
                type Value = Option<EpochMs>;
                fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                    f.write_str("epoch seconds or null")
                }
                fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                    Ok(None)
                }
                fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                    Ok(None)
                }
                fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                    d.deserialize_any(SecondsVisitor).map(Some)
                }
                fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                    SecondsVisitor.visit_u64(v).map(Some)
                }
                fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                    SecondsVisitor.visit_i64(v).map(Some)
                }
                fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                    SecondsVisitor.visit_f64(v).map(Some)
                }
            }
            d.deserialize_option(Opt)
        }
    }

    struct BlobVisitor;

    impl Visitor<'_> for BlobVisitor {
        type Value = Vec<u8>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("base64 text")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Vec<u8>, E> {
            B64.decode(v)
                .map_err(|_| E::custom("Base64 encoded blob is not valid"))
        }
        fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Vec<u8>, E> {
            Ok(v.to_vec())
        }
    }

    pub mod blob {
        use super::*;

        pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
            s.serialize_str(&B64.encode(bytes))
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
            d.deserialize_str(BlobVisitor)
        }
    }

    pub mod opt_blob {
        use super::*;

        pub fn serialize<S: Serializer>(bytes: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
            match bytes {
                Some(b) => s.serialize_str(&B64.encode(b)),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
            Option::<Blob>::deserialize(d).map(|b| b.map(|b| b.0))
        }

        struct Blob(Vec<u8>);

        impl<'de> serde::Deserialize<'de> for Blob {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                d.deserialize_str(BlobVisitor).map(Blob)
            }
        }

        use serde::Deserialize as _;
    }
}
