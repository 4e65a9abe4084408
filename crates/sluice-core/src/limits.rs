//! Every AWS limit and default Sluice enforces, in one place, with its unit in its name.
//! Values follow the current AWS documentation (for example the 1 MiB message size).

// Queue attributes.
pub const VISIBILITY_TIMEOUT_DEFAULT_S: u32 = 30;
pub const VISIBILITY_TIMEOUT_MAX_S: u32 = 43_200;
pub const MESSAGE_RETENTION_MIN_S: u32 = 60;
pub const MESSAGE_RETENTION_MAX_S: u32 = 1_209_600;
pub const MESSAGE_RETENTION_DEFAULT_S: u32 = 345_600;
pub const MAXIMUM_MESSAGE_SIZE_MIN_BYTES: u32 = 1_024;
pub const MAXIMUM_MESSAGE_SIZE_MAX_BYTES: u32 = 1_048_576;
pub const MAXIMUM_MESSAGE_SIZE_DEFAULT_BYTES: u32 = 1_048_576;
pub const DELAY_SECONDS_MAX_S: u32 = 900;
pub const RECEIVE_WAIT_TIME_MAX_S: u32 = 20;
pub const MAX_RECEIVE_COUNT_MIN: u32 = 1;
pub const MAX_RECEIVE_COUNT_MAX: u32 = 1_000;
pub const REDRIVE_ALLOW_SOURCE_ARNS_MAX: usize = 10;
pub const KMS_DATA_KEY_REUSE_PERIOD_MIN_S: u32 = 60;
pub const KMS_DATA_KEY_REUSE_PERIOD_MAX_S: u32 = 86_400;
pub const KMS_DATA_KEY_REUSE_PERIOD_DEFAULT_S: u32 = 300;

// Queues.
pub const QUEUE_NAME_MAX_LEN: usize = 80;
pub const FIFO_SUFFIX: &str = ".fifo";
pub const QUEUE_DELETED_RECENTLY_WINDOW_MS: u64 = 60_000;
pub const PURGE_INTERVAL_MS: u64 = 60_000;
pub const LIST_QUEUES_MAX_RESULTS: u32 = 1_000;
pub const LIST_DEAD_LETTER_SOURCE_QUEUES_MAX_RESULTS: u32 = 1_000;

// Tags.
pub const TAGS_PER_QUEUE_MAX: usize = 50;
pub const TAG_KEY_MAX_LEN: usize = 128;
pub const TAG_VALUE_MAX_LEN: usize = 256;

// Messages.
pub const MESSAGE_ATTRIBUTES_MAX: usize = 10;
pub const MESSAGE_ATTRIBUTE_NAME_MAX_LEN: usize = 256;
pub const MESSAGE_ATTRIBUTE_DATA_TYPE_MAX_LEN: usize = 256;
pub const RECEIVE_MAX_MESSAGES: u32 = 10;
pub const INFLIGHT_MAX_STANDARD: usize = 120_000;
pub const INFLIGHT_MAX_FIFO: usize = 120_000;
pub const RECEIVE_REQUEST_ATTEMPT_ID_MAX_LEN: usize = 128;
pub const MESSAGE_GROUP_ID_MAX_LEN: usize = 128;
pub const MESSAGE_DEDUPLICATION_ID_MAX_LEN: usize = 128;
pub const DEDUPLICATION_WINDOW_MS: u64 = 300_000;

// Batches.
pub const BATCH_ENTRIES_MAX: usize = 10;
pub const BATCH_ENTRY_ID_MAX_LEN: usize = 80;

// Message move tasks.
pub const MOVE_TASK_RATE_MAX_PER_S: u32 = 500;
pub const MOVE_TASK_RATE_DEFAULT_PER_S: u32 = 500;
pub const LIST_MOVE_TASKS_MAX_RESULTS: u32 = 10;
pub const LIST_MOVE_TASKS_DEFAULT_RESULTS: u32 = 1;

// STS.
/// Shortest session AssumeRole issues.
pub const STS_SESSION_DURATION_MIN_S: u32 = 900;
/// Longest session any role may allow (its MaxSessionDuration's ceiling).
pub const STS_SESSION_DURATION_MAX_S: u32 = 43_200;
/// A session's length when AssumeRole names none, and a role's MaxSessionDuration when
/// its configuration names none.
pub const STS_SESSION_DURATION_DEFAULT_S: u32 = 3_600;
pub const STS_ROLE_SESSION_NAME_MIN_LEN: usize = 2;
pub const STS_ROLE_SESSION_NAME_MAX_LEN: usize = 64;
pub const STS_ROLE_ARN_MIN_LEN: usize = 20;
pub const STS_ROLE_ARN_MAX_LEN: usize = 2_048;
pub const STS_EXTERNAL_ID_MIN_LEN: usize = 2;
pub const STS_EXTERNAL_ID_MAX_LEN: usize = 1_224;
/// The largest inline session policy, in characters.
pub const STS_SESSION_POLICY_MAX_LEN: usize = 2_048;
