//! Every limit and default of SNS topics and subscriptions, named once with its unit.
//! AWS's own quotas come from the SNS API reference and "Amazon SNS endpoints and quotas";
//! where AWS's quota is far beyond what one in-memory server should hold, Sluice's own
//! bound is named as such. (Filter policy limits live in `filter/limits.rs`.)

/// Topic names: 1 to 256 characters of ASCII letters, digits, `-` and `_`, plus the
/// `.fifo` suffix of a FIFO topic (counted in the 256).
pub const TOPIC_NAME_MIN_CHARS: usize = 1;
pub const TOPIC_NAME_MAX_CHARS: usize = 256;
/// What a FIFO topic's name ends with.
pub const FIFO_TOPIC_SUFFIX: &str = ".fifo";

/// AWS's default quota of topics per account (and region): 100,000.
pub const TOPICS_PER_ACCOUNT_MAX: usize = 100_000;
/// AWS's quota is 12.5 million subscriptions per topic (and 100 per FIFO topic); Sluice
/// holds subscriptions in memory and fans out in-process, so it bounds a standard topic
/// at 10,000 subscriptions.
pub const SUBSCRIPTIONS_PER_TOPIC_MAX: usize = 10_000;
/// AWS's quota of subscriptions per FIFO topic.
pub const SUBSCRIPTIONS_PER_FIFO_TOPIC_MAX: usize = 100;

/// ListTopics, ListSubscriptions and ListSubscriptionsByTopic answer at most this many
/// entries a page.
pub const LIST_TOPICS_PAGE_SIZE: usize = 100;
pub const LIST_SUBSCRIPTIONS_PAGE_SIZE: usize = 100;

/// Tags: at most 50 per topic, keys of 1 to 128 characters, values of 0 to 256.
pub const TAGS_PER_TOPIC_MAX: usize = 50;
pub const TAG_KEY_MIN_CHARS: usize = 1;
pub const TAG_KEY_MAX_CHARS: usize = 128;
pub const TAG_VALUE_MAX_CHARS: usize = 256;

/// DisplayName: at most 100 characters (AWS uses it as the SMS sender and email name).
pub const DISPLAY_NAME_MAX_CHARS: usize = 100;
/// Topic policies: at most 30 KiB, as SNS documents for access policies.
pub const TOPIC_POLICY_MAX_BYTES: usize = 30 * 1024;

/// The signature versions a topic may sign with; version 1 is AWS's default.
pub const SIGNATURE_VERSIONS: [&str; 2] = ["1", "2"];
pub const TRACING_CONFIG_VALUES: [&str; 2] = ["PassThrough", "Active"];
pub const FIFO_THROUGHPUT_SCOPES: [&str; 2] = ["Topic", "MessageGroup"];

/// HTTP/S delivery defaults AWS reports as a topic's EffectiveDeliveryPolicy: three
/// retries, 20 seconds apart, linear backoff, `text/plain; charset=UTF-8`.
pub const DEFAULT_HTTP_RETRIES: u32 = 3;
pub const DEFAULT_HTTP_RETRY_DELAY_S: u32 = 20;
pub const DEFAULT_HTTP_CONTENT_TYPE: &str = "text/plain; charset=UTF-8";

/// HTTP/S delivery policy bounds ("Creating an HTTP/S delivery policy"): at most 100
/// retries; delay targets of 1 to 3,600 seconds; all retries together at most 3,600
/// seconds (AWS's hard limit on the total policy retry time).
pub const HTTP_RETRIES_MAX: u32 = 100;
pub const HTTP_DELAY_TARGET_MIN_S: u32 = 1;
pub const HTTP_DELAY_TARGET_MAX_S: u32 = 3_600;
pub const HTTP_TOTAL_RETRY_TIME_MAX_S: u64 = 3_600;
/// The `headerContentType` values a request policy may name.
pub const HTTP_CONTENT_TYPES: [&str; 13] = [
    DEFAULT_HTTP_CONTENT_TYPE,
    "text/plain",
    "text/css",
    "text/csv",
    "text/html",
    "text/xml",
    "application/atom+xml",
    "application/json",
    "application/octet-stream",
    "application/soap+xml",
    "application/x-www-form-urlencoded",
    "application/xhtml+xml",
    "application/xml",
];

/// How long one POST to an endpoint may take before it counts as failed (AWS's 15 s).
pub const HTTP_DELIVERY_TIMEOUT_MS: u64 = 15_000;
/// What SNS's POSTs name themselves as.
pub const HTTP_USER_AGENT: &str = "Amazon Simple Notification Service Agent";
/// Sluice's own bounds on the HTTP/S outbox, so a dead endpoint cannot make it grow
/// without limit: at most this many pending deliveries, and this many bytes of their
/// documents. A delivery beyond them is dead-lettered (or dropped and logged) at once.
pub const OUTBOX_DELIVERIES_MAX: usize = 100_000;
pub const OUTBOX_BYTES_MAX: usize = 256 * 1024 * 1024;
/// Sluice's bound on POSTs in flight at once, over every endpoint.
pub const HTTP_DELIVERIES_IN_FLIGHT_MAX: usize = 64;

/// What Subscribe answers in place of an ARN for a subscription that awaits
/// confirmation (unless ReturnSubscriptionArn is true), and what the list actions show.
pub const PENDING_CONFIRMATION_ARN: &str = "pending confirmation";
pub const PENDING_CONFIRMATION_LISTED: &str = "PendingConfirmation";

/// A published message, body and attributes together (names, types and values), is at
/// most 256 KiB.
pub const MESSAGE_MAX_BYTES: usize = 256 * 1024;
/// A Subject is 1 to 100 printable ASCII characters.
pub const SUBJECT_MAX_CHARS: usize = 100;
/// Message attribute names: at most 256 characters.
pub const MESSAGE_ATTRIBUTE_NAME_MAX_CHARS: usize = 256;
/// MessageGroupId: 1 to 128 characters.
pub const MESSAGE_GROUP_ID_MAX_CHARS: usize = 128;
/// MessageDeduplicationId (FIFO topics): 1 to 128 characters.
pub const MESSAGE_DEDUPLICATION_ID_MAX_CHARS: usize = 128;
/// The `MessageStructure=json` key every subscriber without its own protocol's key gets.
pub const MESSAGE_STRUCTURE_DEFAULT_KEY: &str = "default";

/// PublishBatch: 1 to 10 entries, whose messages together are at most 256 KiB; entry Ids
/// are 1 to 80 characters of ASCII letters, digits, `-` and `_`.
pub const PUBLISH_BATCH_ENTRIES_MAX: usize = 10;
pub const PUBLISH_BATCH_MAX_BYTES: usize = 256 * 1024;
pub const BATCH_ENTRY_ID_MAX_CHARS: usize = 80;

// AddPermission and the account-level list actions.
/// An AddPermission label (the statement's Sid) has at most this many characters.
pub const PERMISSION_LABEL_MAX_CHARS: usize = 80;
/// ListSMSSandboxPhoneNumbers' MaxResults range.
pub const LIST_SMS_SANDBOX_MAX_RESULTS: u32 = 100;
/// ListOriginationNumbers' MaxResults range.
pub const LIST_ORIGINATION_NUMBERS_MAX_RESULTS: u32 = 30;
