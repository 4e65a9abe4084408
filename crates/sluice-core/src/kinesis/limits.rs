//! Every limit, quota and default of Kinesis Data Streams, named once with its unit.
//!
//! Sources, cited per constant: "model" is botocore's `kinesis/2013-12-02/service-2.json`
//! (shape constraints); "API ref" is the Kinesis Data Streams API Reference page of the
//! action; "quotas" is the developer guide's "Quotas and limits" page. Where AWS leaves a
//! value unsaid and Sluice picks one, the comment says so.

/// Stream names: 1 to 128 characters matching `[a-zA-Z0-9_.-]+` (model: StreamName).
pub const STREAM_NAME_MIN_CHARS: usize = 1;
pub const STREAM_NAME_MAX_CHARS: usize = 128;
/// The pattern AWS quotes in its ValidationException for names (model: StreamName,
/// ConsumerName, ShardId).
pub const NAME_PATTERN: &str = "[a-zA-Z0-9_.-]+";
/// Consumer names: 1 to 128 characters of the same alphabet (model: ConsumerName).
pub const CONSUMER_NAME_MAX_CHARS: usize = 128;
/// Shard ids: 1 to 128 characters of the same alphabet (model: ShardId).
pub const SHARD_ID_MAX_CHARS: usize = 128;
/// Stream, consumer and resource ARNs: at most 2048 characters (model: StreamARN,
/// ConsumerARN, ResourceARN).
pub const ARN_MAX_CHARS: usize = 2048;

/// Partition keys: 1 to 256 Unicode characters (model: PartitionKey; API ref PutRecord).
pub const PARTITION_KEY_MIN_CHARS: usize = 1;
pub const PARTITION_KEY_MAX_CHARS: usize = 256;
/// The pattern of HashKey members: decimal, no leading zeros, at most 39 digits (model).
pub const HASH_KEY_PATTERN: &str = "0|([1-9]\\d{0,38})";
/// The pattern of SequenceNumber members: decimal, at most 129 digits (model).
pub const SEQUENCE_NUMBER_PATTERN: &str = "0|([1-9]\\d{0,128})";
/// The most digits the model lets a SequenceNumber member have.
pub const SEQUENCE_NUMBER_MAX_DIGITS: usize = 129;

/// A record's size (data blob plus partition key bytes) may be at most the stream's
/// MaxRecordSizeInKiB, which is 1024 KiB (1 MiB) unless set, and may be set from 1024 to
/// 10240 KiB (model: MaxRecordSizeInKiB; API ref CreateStream, UpdateMaxRecordSize).
pub const MAX_RECORD_SIZE_KIB_DEFAULT: u32 = 1024;
pub const MAX_RECORD_SIZE_KIB_MIN: u32 = 1024;
pub const MAX_RECORD_SIZE_KIB_MAX: u32 = 10_240;
/// The largest Data blob the model allows at all: 10 MiB (model: Data).
pub const DATA_MAX_BYTES: usize = 10 * 1024 * 1024;

/// PutRecords: 1 to 500 records (model: PutRecordsRequestEntryList), at most 10 MiB for
/// the whole request including partition keys (API ref PutRecords).
pub const PUT_RECORDS_MIN_ENTRIES: usize = 1;
pub const PUT_RECORDS_MAX_ENTRIES: usize = 500;
pub const PUT_RECORDS_MAX_BYTES: usize = 10 * 1024 * 1024;

/// GetRecords: Limit 1 to 10,000 records, default 10,000 (model: GetRecordsInputLimit;
/// API ref GetRecords); at most 10 MiB answered per call (API ref GetRecords).
pub const GET_RECORDS_LIMIT_MIN: u32 = 1;
pub const GET_RECORDS_LIMIT_MAX: u32 = 10_000;
pub const GET_RECORDS_MAX_BYTES: usize = 10 * 1024 * 1024;

/// A shard iterator expires 5 minutes after it is issued (API ref GetShardIterator; AWS's
/// ExpiredIteratorException names "the tolerated delay of 300000 milliseconds").
pub const SHARD_ITERATOR_LIFETIME_MS: u64 = 5 * 60 * 1000;
/// A shard iterator is 1 to 512 characters (model: ShardIterator).
pub const SHARD_ITERATOR_MAX_CHARS: usize = 512;

/// A SubscribeToShard subscription lasts 5 minutes (API ref SubscribeToShard).
pub const SUBSCRIPTION_LIFETIME_MS: u64 = 5 * 60 * 1000;
/// A second SubscribeToShard for the same consumer and shard within 5 seconds of the
/// previous one is refused with ResourceInUseException (API ref SubscribeToShard).
pub const SUBSCRIBE_REPEAT_MIN_INTERVAL_MS: u64 = 5_000;

/// Retention: 24 hours by default, settable from 24 to 8,760 hours (365 days)
/// (API ref IncreaseStreamRetentionPeriod, DecreaseStreamRetentionPeriod).
pub const RETENTION_HOURS_DEFAULT: u32 = 24;
pub const RETENTION_HOURS_MIN: u32 = 24;
pub const RETENTION_HOURS_MAX: u32 = 8_760;
/// Milliseconds in one hour of retention.
pub const MS_PER_HOUR: u64 = 60 * 60 * 1000;

/// ShardCount at CreateStream is at least 1 (model: PositiveIntegerObject). AWS's default
/// shard quota per account and region is 500 in us-east-1, us-west-2 and eu-west-1 and 200
/// elsewhere (quotas); Sluice uses one figure for every region, changeable by the server.
pub const SHARD_COUNT_MIN: u32 = 1;
pub const ACCOUNT_SHARD_LIMIT_DEFAULT: u32 = 500;
/// The largest shard count any model member holds (model: ShardCountObject). A request
/// above it is refused before any allocation.
pub const SHARD_COUNT_MODEL_MAX: u32 = 1_000_000;
/// An on-demand stream starts with 4 shards' worth of capacity (4 MiB/s, 4,000 records/s
/// written) (developer guide, "On-demand mode").
pub const ON_DEMAND_INITIAL_SHARDS: u32 = 4;
/// On-demand streams per account: 50 by default (quotas; DescribeLimits answers it as
/// OnDemandStreamCountLimit).
pub const ON_DEMAND_STREAM_COUNT_LIMIT_DEFAULT: u32 = 50;
/// A stream may switch capacity mode at most twice within 24 hours (API ref
/// UpdateStreamMode).
pub const STREAM_MODE_SWITCHES_PER_DAY_MAX: usize = 2;
pub const STREAM_MODE_SWITCH_WINDOW_MS: u64 = 24 * MS_PER_HOUR;

/// UpdateShardCount may at most double, and at least halve, the open shard count in one
/// call (API ref UpdateShardCount). (AWS's other rules there, 10 calls per rolling 24 h
/// and 10,000 shards per stream, are quotas Sluice leaves to the account shard limit.)
pub const UPDATE_SHARD_COUNT_MAX_FACTOR: u32 = 2;
/// AWS's per-stream ceiling for a scale-up by UpdateShardCount (API ref UpdateShardCount).
pub const UPDATE_SHARD_COUNT_STREAM_MAX: u32 = 10_000;

/// Enhanced fan-out: at most 20 consumers registered per stream (API ref
/// RegisterStreamConsumer; quotas).
pub const CONSUMERS_PER_STREAM_MAX: usize = 20;

/// List page sizes. ListShards, ListStreams, ListStreamConsumers and DescribeStream take
/// a limit of 1 to 10,000 (model: *InputLimit), but answer at most a page of their own,
/// which is also the default (API refs: "If you specify a value greater than 1000, at most
/// 1000 results are returned", and 100 for the others).
pub const LIST_LIMIT_MIN: u32 = 1;
pub const LIST_LIMIT_MAX: u32 = 10_000;
pub const LIST_SHARDS_PAGE_MAX: u32 = 1_000;
pub const LIST_STREAMS_PAGE_MAX: u32 = 100;
pub const LIST_STREAM_CONSUMERS_PAGE_MAX: u32 = 100;
pub const DESCRIBE_STREAM_SHARDS_PAGE_MAX: u32 = 100;
/// A ListShards or ListStreamConsumers NextToken is good for 300 seconds (API ref
/// ListShards: "tokens expire after 300 seconds"); later it gets ExpiredNextTokenException.
pub const NEXT_TOKEN_LIFETIME_MS: u64 = 300 * 1000;
/// A NextToken is at most 1,048,576 characters (model: NextToken).
pub const NEXT_TOKEN_MAX_CHARS: usize = 1_048_576;

/// Tags: at most 50 per stream or consumer, and 50 in one AddTagsToStream or TagResource
/// (API ref AddTagsToStream: "up to 50 key-value pairs ... up to 50 tags per resource"),
/// keys 1 to 128 characters, values 0 to 256 (model: TagKey, TagValue); the model's TagMap
/// allows 200 entries, so the 50 is the service's check.
/// RemoveTagsFromStream takes 1 to 50 keys (model: TagKeyList); ListTagsForStream's
/// Limit is 1 to 50 (model), 10 when unset (API ref ListTagsForStream).
pub const TAGS_PER_STREAM_MAX: usize = 50;
pub const TAG_KEY_MIN_CHARS: usize = 1;
pub const TAG_KEY_MAX_CHARS: usize = 128;
pub const TAG_VALUE_MAX_CHARS: usize = 256;
pub const TAGS_PER_ADD_MAX: usize = 50;
pub const TAG_MAP_MODEL_MAX: usize = 200;
pub const TAG_KEYS_PER_REMOVE_MAX: usize = 50;
pub const LIST_TAGS_LIMIT_MAX: u32 = 50;
pub const LIST_TAGS_LIMIT_DEFAULT: u32 = 10;
/// Tag keys may not begin with `aws:`, which AWS reserves (AWS tagging rules).
pub const RESERVED_TAG_PREFIX: &str = "aws:";

/// A resource policy is at most 20 KiB (developer guide, "resource-based policies").
pub const RESOURCE_POLICY_MAX_BYTES: usize = 20 * 1024;
/// A KMS key id is 1 to 2048 characters (model: KeyId).
pub const KMS_KEY_ID_MAX_CHARS: usize = 2048;
/// The AWS-managed key Kinesis encrypts with when named by alias (developer guide).
pub const AWS_MANAGED_KMS_ALIAS: &str = "alias/aws/kinesis";

/// Enhanced monitoring names 1 to 7 metrics per call (model: MetricsNameList).
pub const SHARD_LEVEL_METRICS_PER_CALL_MAX: usize = 7;

/// Warm throughput (on-demand streams): WarmThroughputMiBps is a natural number (model:
/// NaturalIntegerObject).
pub const WARM_THROUGHPUT_MIBPS_MIN: u32 = 0;

/// Per-shard throughput (quotas), enforced only when the server is told to: writes 1 MiB/s
/// and 1,000 records/s; GetRecords 2 MiB/s and 5 calls/s.
pub const SHARD_WRITE_BYTES_PER_S: u64 = 1024 * 1024;
pub const SHARD_WRITE_RECORDS_PER_S: u64 = 1_000;
pub const SHARD_READ_BYTES_PER_S: u64 = 2 * 1024 * 1024;
pub const SHARD_GET_RECORDS_CALLS_PER_S: u64 = 5;

/// Account-level control-plane quotas AWS documents (quotas), kept for DescribeLimits and
/// optional throttling: ListShards 1,000 calls/s per stream, DescribeStream 10/s.
pub const LIST_SHARDS_CALLS_PER_S: u64 = 1_000;
pub const DESCRIBE_STREAM_CALLS_PER_S: u64 = 10;

// The limits agree with each other.
const _: () = {
    assert!(MAX_RECORD_SIZE_KIB_MAX as usize * 1024 == DATA_MAX_BYTES);
    assert!(PUT_RECORDS_MAX_BYTES == DATA_MAX_BYTES);
    assert!(RETENTION_HOURS_MAX == 365 * 24);
    assert!(SHARD_ITERATOR_LIFETIME_MS == 300_000);
    assert!(UPDATE_SHARD_COUNT_STREAM_MAX <= SHARD_COUNT_MODEL_MAX);
    assert!(LIST_SHARDS_PAGE_MAX <= LIST_LIMIT_MAX);
};
