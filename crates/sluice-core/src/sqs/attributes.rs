//! Queue attributes: their names, AWS's ranges and defaults, how a request's string
//! values are checked and applied, and how GetQueueAttributes renders them.

use serde::{Deserialize, Serialize};

use super::api::AttributeMap;
use super::error::{SqsError, SqsErrorKind, SqsResult};
use super::names::QueueKey;
pub use super::redrive::{
    parse_redrive_allow_policy, parse_redrive_policy, RedriveAllowPolicy, RedrivePolicy,
};
use crate::limits::*;

/// The attributes a queue is configured with (the read-only ones are computed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueAttributes {
    pub visibility_timeout_s: u32,
    pub message_retention_s: u32,
    pub maximum_message_size_bytes: u32,
    pub delay_s: u32,
    pub receive_wait_time_s: u32,
    pub redrive_policy: Option<RedrivePolicy>,
    pub redrive_allow_policy: Option<RedriveAllowPolicy>,
    pub policy: Option<String>,
    pub kms_master_key_id: Option<String>,
    pub kms_data_key_reuse_period_s: u32,
    pub sqs_managed_sse_enabled: bool,
    pub fifo_queue: bool,
    pub content_based_deduplication: bool,
    pub deduplication_scope: Option<String>,
    pub fifo_throughput_limit: Option<String>,
}

impl QueueAttributes {
    pub fn defaults(fifo_queue: bool) -> Self {
        Self {
            visibility_timeout_s: VISIBILITY_TIMEOUT_DEFAULT_S,
            message_retention_s: MESSAGE_RETENTION_DEFAULT_S,
            maximum_message_size_bytes: MAXIMUM_MESSAGE_SIZE_DEFAULT_BYTES,
            delay_s: 0,
            receive_wait_time_s: 0,
            redrive_policy: None,
            redrive_allow_policy: None,
            policy: None,
            kms_master_key_id: None,
            kms_data_key_reuse_period_s: KMS_DATA_KEY_REUSE_PERIOD_DEFAULT_S,
            sqs_managed_sse_enabled: true,
            fifo_queue,
            content_based_deduplication: false,
            deduplication_scope: fifo_queue.then(|| "queue".to_owned()),
            fifo_throughput_limit: fifo_queue.then(|| "perQueue".to_owned()),
        }
    }

    pub fn retention_ms(&self) -> u64 {
        u64::from(self.message_retention_s) * 1000
    }
}

/// The names GetQueueAttributes knows, in the order AWS lists them for `All`.
pub const ALL_ATTRIBUTE_NAMES: &[&str] = &[
    "QueueArn",
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
    "CreatedTimestamp",
    "LastModifiedTimestamp",
    "VisibilityTimeout",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "DelaySeconds",
    "ReceiveMessageWaitTimeSeconds",
    "Policy",
    "RedrivePolicy",
    "RedriveAllowPolicy",
    "KmsMasterKeyId",
    "KmsDataKeyReusePeriodSeconds",
    "SqsManagedSseEnabled",
    "FifoQueue",
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "FifoThroughputLimit",
];

const FIFO_ONLY: &[&str] = &[
    "FifoQueue",
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "FifoThroughputLimit",
];

/// The values that change as messages come and go.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueCounts {
    pub visible: u64,
    pub in_flight: u64,
    pub delayed: u64,
}

/// What GetQueueAttributes needs besides the configured attributes.
pub struct QueueFacts<'a> {
    pub key: &'a QueueKey,
    pub attributes: &'a QueueAttributes,
    pub counts: QueueCounts,
    pub created_at_ms: u64,
    pub last_modified_ms: u64,
}

/// Checks that every requested name is known; `All` selects every attribute. A
/// standard queue does not know FifoQueue or ContentBasedDeduplication: asking for
/// either by name is refused, as AWS does (with `All` they are simply left out).
pub fn validate_requested_names(names: &[String], fifo_queue: bool) -> SqsResult<()> {
    for name in names {
        let known = name == "All" || ALL_ATTRIBUTE_NAMES.contains(&name.as_str());
        let standard_unknown =
            !fifo_queue && (name == "FifoQueue" || name == "ContentBasedDeduplication");
        if !known || standard_unknown {
            return Err(SqsError::invalid_attribute_name(name));
        }
    }
    Ok(())
}

/// Renders the requested attributes. Attributes that are unset (no policy, no DLQ) or do
/// not apply to this kind of queue are left out, as AWS does.
pub fn render(facts: &QueueFacts<'_>, names: &[String]) -> AttributeMap {
    let all = names.iter().any(|n| n == "All");
    let mut out = AttributeMap::new();
    for &name in ALL_ATTRIBUTE_NAMES {
        if !all && !names.iter().any(|n| n == name) {
            continue;
        }
        if let Some(value) = render_one(facts, name) {
            out.insert(name.to_owned(), value);
        }
    }
    out
}

fn render_one(facts: &QueueFacts<'_>, name: &str) -> Option<String> {
    let a = facts.attributes;
    if FIFO_ONLY.contains(&name) && !a.fifo_queue {
        return None;
    }
    Some(match name {
        "QueueArn" => facts.key.arn(),
        "ApproximateNumberOfMessages" => facts.counts.visible.to_string(),
        "ApproximateNumberOfMessagesNotVisible" => facts.counts.in_flight.to_string(),
        "ApproximateNumberOfMessagesDelayed" => facts.counts.delayed.to_string(),
        "CreatedTimestamp" => (facts.created_at_ms / 1000).to_string(),
        "LastModifiedTimestamp" => (facts.last_modified_ms / 1000).to_string(),
        "VisibilityTimeout" => a.visibility_timeout_s.to_string(),
        "MaximumMessageSize" => a.maximum_message_size_bytes.to_string(),
        "MessageRetentionPeriod" => a.message_retention_s.to_string(),
        "DelaySeconds" => a.delay_s.to_string(),
        "ReceiveMessageWaitTimeSeconds" => a.receive_wait_time_s.to_string(),
        "Policy" => a.policy.clone()?,
        "RedrivePolicy" => a.redrive_policy.as_ref()?.to_json(),
        "RedriveAllowPolicy" => a.redrive_allow_policy.as_ref()?.to_json(),
        "KmsMasterKeyId" => a.kms_master_key_id.clone()?,
        "KmsDataKeyReusePeriodSeconds" => {
            a.kms_master_key_id.as_ref()?;
            a.kms_data_key_reuse_period_s.to_string()
        }
        "SqsManagedSseEnabled" => a.sqs_managed_sse_enabled.to_string(),
        "FifoQueue" => "true".to_owned(),
        "ContentBasedDeduplication" => a.content_based_deduplication.to_string(),
        "DeduplicationScope" => a.deduplication_scope.clone()?,
        "FifoThroughputLimit" => a.fifo_throughput_limit.clone()?,
        _ => return None,
    })
}

/// Applies requested attribute values to `attrs`, checking names and ranges as AWS does.
/// Cross-queue rules (the DLQ exists and allows this source) are the service's job.
pub fn apply(attrs: &mut QueueAttributes, requested: &AttributeMap) -> SqsResult<()> {
    refuse_two_kinds_of_sse(requested)?;
    for (name, value) in requested {
        apply_one(attrs, name, value)?;
    }
    if attrs.fifo_queue {
        validate_high_throughput(attrs)?;
    }
    Ok(())
}

fn apply_one(attrs: &mut QueueAttributes, name: &str, value: &str) -> SqsResult<()> {
    match name {
        "VisibilityTimeout" => {
            attrs.visibility_timeout_s = ranged(name, value, 0, VISIBILITY_TIMEOUT_MAX_S)?
        }
        "MessageRetentionPeriod" => {
            attrs.message_retention_s = ranged(
                name,
                value,
                MESSAGE_RETENTION_MIN_S,
                MESSAGE_RETENTION_MAX_S,
            )?
        }
        "MaximumMessageSize" => {
            attrs.maximum_message_size_bytes = ranged(
                name,
                value,
                MAXIMUM_MESSAGE_SIZE_MIN_BYTES,
                MAXIMUM_MESSAGE_SIZE_MAX_BYTES,
            )?
        }
        "DelaySeconds" => attrs.delay_s = ranged(name, value, 0, DELAY_SECONDS_MAX_S)?,
        "ReceiveMessageWaitTimeSeconds" => {
            attrs.receive_wait_time_s = ranged(name, value, 0, RECEIVE_WAIT_TIME_MAX_S)?
        }
        "RedrivePolicy" => attrs.redrive_policy = parse_redrive_policy(value)?,
        "RedriveAllowPolicy" => attrs.redrive_allow_policy = parse_redrive_allow_policy(value)?,
        "Policy" => attrs.policy = parse_policy(value)?,
        "KmsMasterKeyId" => {
            attrs.kms_master_key_id = (!value.is_empty()).then(|| value.to_owned());
            if attrs.kms_master_key_id.is_some() {
                attrs.sqs_managed_sse_enabled = false;
            }
        }
        "KmsDataKeyReusePeriodSeconds" => {
            attrs.kms_data_key_reuse_period_s = ranged(
                name,
                value,
                KMS_DATA_KEY_REUSE_PERIOD_MIN_S,
                KMS_DATA_KEY_REUSE_PERIOD_MAX_S,
            )?
        }
        "SqsManagedSseEnabled" => {
            attrs.sqs_managed_sse_enabled = boolean(name, value)?;
            if attrs.sqs_managed_sse_enabled {
                attrs.kms_master_key_id = None;
            }
        }
        // A standard queue knows no FifoQueue attribute at all, not even "false";
        // a FIFO queue accepts "true" (no change) but never becomes standard.
        "FifoQueue" if !attrs.fifo_queue => return Err(SqsError::invalid_attribute_name(name)),
        "FifoQueue" => {
            if !boolean(name, value)? {
                return Err(SqsError::new(
                    SqsErrorKind::InvalidAttributeValue,
                    "Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported.",
                ));
            }
        }
        "ContentBasedDeduplication" if !attrs.fifo_queue => {
            return Err(SqsError::invalid_attribute_name(name));
        }
        "DeduplicationScope" | "FifoThroughputLimit" if !attrs.fifo_queue => {
            return Err(SqsError::new(
                SqsErrorKind::InvalidAttributeName,
                format!("You can specify the {name} only when FifoQueue is set to true."),
            ));
        }
        "ContentBasedDeduplication" => attrs.content_based_deduplication = boolean(name, value)?,
        "DeduplicationScope" => {
            if value != "queue" && value != "messageGroup" {
                return Err(SqsError::invalid_attribute_value(name));
            }
            attrs.deduplication_scope = Some(value.to_owned());
        }
        "FifoThroughputLimit" => {
            if value != "perQueue" && value != "perMessageGroupId" {
                return Err(SqsError::invalid_attribute_value(name));
            }
            attrs.fifo_throughput_limit = Some(value.to_owned());
        }
        _ => return Err(SqsError::invalid_attribute_name(name)),
    }
    Ok(())
}

/// AWS refuses a request that turns on SQS-managed SSE and names a KMS key at once
/// (either one alone switches the other off).
fn refuse_two_kinds_of_sse(requested: &AttributeMap) -> SqsResult<()> {
    let managed = requested
        .get("SqsManagedSseEnabled")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let kms = requested
        .get("KmsMasterKeyId")
        .is_some_and(|v| !v.is_empty());
    if managed && kms {
        return Err(SqsError::new(
            SqsErrorKind::InvalidAttributeName,
            SSE_KINDS_EXCLUSIVE_MESSAGE,
        ));
    }
    Ok(())
}

/// AWS's words when both kinds of SSE are asked for in one request.
pub const SSE_KINDS_EXCLUSIVE_MESSAGE: &str = "You can use one type of server-side encryption (SSE) at one time. You can either enable KMS SSE or SQS SSE.";

fn validate_high_throughput(attrs: &QueueAttributes) -> SqsResult<()> {
    if attrs.fifo_throughput_limit.as_deref() == Some("perMessageGroupId")
        && attrs.deduplication_scope.as_deref() == Some("queue")
    {
        return Err(SqsError::new(
            SqsErrorKind::InvalidAttributeValue,
            "Invalid value for the parameter FifoThroughputLimit. Reason: To set FifoThroughputLimit to perMessageGroupId, the DeduplicationScope must be messageGroup.",
        ));
    }
    Ok(())
}

/// An integer attribute within `[min, max]`. The value is taken as given: AWS refuses
/// surrounding spaces (`" 6"`) like any other non-number.
fn ranged(name: &str, value: &str, min: u32, max: u32) -> SqsResult<u32> {
    match value.parse::<u32>() {
        Ok(v) if (min..=max).contains(&v) => Ok(v),
        _ => Err(SqsError::invalid_attribute_value(name)),
    }
}

fn boolean(name: &str, value: &str) -> SqsResult<bool> {
    match value.to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(SqsError::invalid_attribute_value(name)),
    }
}

fn parse_policy(value: &str) -> SqsResult<Option<String>> {
    if value.is_empty() {
        return Ok(None);
    }
    // Parsed, checked for a principal in every statement and held to the SQS policy
    // quotas; the refusal's message is the one SQS gives.
    if let Err(violation) = sluice_auth::policy::validate_queue_policy(value) {
        return Err(SqsError::new(
            SqsErrorKind::InvalidAttributeValue,
            violation.to_string(),
        ));
    }
    Ok(Some(value.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> AttributeMap {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_match_aws() {
        let a = QueueAttributes::defaults(false);
        assert_eq!(a.visibility_timeout_s, 30);
        assert_eq!(a.message_retention_s, 345_600);
        assert_eq!(a.maximum_message_size_bytes, 1_048_576);
        assert!(a.sqs_managed_sse_enabled);
    }

    #[test]
    fn ranges_are_enforced() {
        let mut a = QueueAttributes::defaults(false);
        for (name, bad, good) in [
            ("VisibilityTimeout", "43201", "43200"),
            ("MessageRetentionPeriod", "59", "60"),
            ("MessageRetentionPeriod", "1209601", "1209600"),
            ("MaximumMessageSize", "1023", "1024"),
            ("MaximumMessageSize", "1048577", "1048576"),
            ("DelaySeconds", "901", "900"),
            ("ReceiveMessageWaitTimeSeconds", "21", "20"),
            ("VisibilityTimeout", "-1", "0"),
            ("VisibilityTimeout", "abc", "1"),
        ] {
            let err = apply(&mut a, &map(&[(name, bad)])).unwrap_err();
            assert_eq!(
                err.kind,
                SqsErrorKind::InvalidAttributeValue,
                "{name}={bad}"
            );
            apply(&mut a, &map(&[(name, good)])).unwrap();
        }
        assert_eq!(a.visibility_timeout_s, 1);
    }

    #[test]
    fn unknown_and_read_only_names_are_rejected() {
        let mut a = QueueAttributes::defaults(false);
        for name in [
            "Bogus",
            "QueueArn",
            "ApproximateNumberOfMessages",
            "ContentBasedDeduplication",
        ] {
            let err = apply(&mut a, &map(&[(name, "1")])).unwrap_err();
            assert_eq!(err.kind, SqsErrorKind::InvalidAttributeName, "{name}");
        }
    }

    #[test]
    fn sse_kinds_switch_each_other_off_and_cannot_be_asked_for_together() {
        let mut a = QueueAttributes::defaults(false);
        apply(&mut a, &map(&[("KmsMasterKeyId", "alias/orders")])).unwrap();
        assert!(!a.sqs_managed_sse_enabled);
        apply(&mut a, &map(&[("SqsManagedSseEnabled", "true")])).unwrap();
        assert_eq!(a.kms_master_key_id, None);
        let err = apply(
            &mut a,
            &map(&[
                ("SqsManagedSseEnabled", "true"),
                ("KmsMasterKeyId", "alias/aws/sqs"),
            ]),
        )
        .unwrap_err();
        assert_eq!(err.kind, SqsErrorKind::InvalidAttributeName);
        assert_eq!(err.message, SSE_KINDS_EXCLUSIVE_MESSAGE);
        // Turning managed SSE off while naming a key is fine.
        apply(
            &mut a,
            &map(&[("SqsManagedSseEnabled", "false"), ("KmsMasterKeyId", "k1")]),
        )
        .unwrap();
        assert_eq!(a.kms_master_key_id.as_deref(), Some("k1"));
    }

    #[test]
    fn integers_with_spaces_are_invalid() {
        let mut a = QueueAttributes::defaults(false);
        for name in [
            "VisibilityTimeout",
            "MessageRetentionPeriod",
            "MaximumMessageSize",
            "DelaySeconds",
            "ReceiveMessageWaitTimeSeconds",
            "KmsDataKeyReusePeriodSeconds",
        ] {
            for bad in [" 2000", "2000 ", "", "544.43"] {
                let err = apply(&mut a, &map(&[(name, bad)])).unwrap_err();
                assert_eq!(
                    err.kind,
                    SqsErrorKind::InvalidAttributeValue,
                    "{name}={bad:?}"
                );
                assert_eq!(
                    err.message,
                    format!("Invalid value for the parameter {name}.")
                );
            }
        }
    }

    #[test]
    fn fifo_queue_on_each_kind_of_queue() {
        let mut standard = QueueAttributes::defaults(false);
        for value in ["true", "false"] {
            let err = apply(&mut standard, &map(&[("FifoQueue", value)])).unwrap_err();
            assert_eq!(err.kind, SqsErrorKind::InvalidAttributeName);
            assert_eq!(err.message, "Unknown Attribute FifoQueue.");
        }
        let mut fifo = QueueAttributes::defaults(true);
        apply(&mut fifo, &map(&[("FifoQueue", "true")])).unwrap();
        let err = apply(&mut fifo, &map(&[("FifoQueue", "false")])).unwrap_err();
        assert_eq!(err.kind, SqsErrorKind::InvalidAttributeValue);
        assert_eq!(
            err.message,
            "Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported."
        );
        assert!(fifo.fifo_queue);
    }

    #[test]
    fn fifo_only_attributes_on_a_standard_queue() {
        let mut a = QueueAttributes::defaults(false);
        for (name, value, message) in [
            (
                "ContentBasedDeduplication",
                "false",
                "Unknown Attribute ContentBasedDeduplication.",
            ),
            (
                "DeduplicationScope",
                "queue",
                "You can specify the DeduplicationScope only when FifoQueue is set to true.",
            ),
            (
                "FifoThroughputLimit",
                "perQueue",
                "You can specify the FifoThroughputLimit only when FifoQueue is set to true.",
            ),
        ] {
            let err = apply(&mut a, &map(&[(name, value)])).unwrap_err();
            assert_eq!(err.kind, SqsErrorKind::InvalidAttributeName, "{name}");
            assert_eq!(err.message, message);
        }
    }

    #[test]
    fn high_throughput_needs_message_group_deduplication() {
        let mut a = QueueAttributes::defaults(true);
        let err = apply(
            &mut a,
            &map(&[("FifoThroughputLimit", "perMessageGroupId")]),
        )
        .unwrap_err();
        assert_eq!(err.kind, SqsErrorKind::InvalidAttributeValue);
        assert_eq!(
            err.message,
            "Invalid value for the parameter FifoThroughputLimit. Reason: To set FifoThroughputLimit to perMessageGroupId, the DeduplicationScope must be messageGroup."
        );
    }

    #[test]
    fn a_standard_queue_is_asked_for_fifo_attributes_by_name() {
        let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        for name in ["FifoQueue", "ContentBasedDeduplication"] {
            let err = validate_requested_names(&names(&[name]), false).unwrap_err();
            assert_eq!(err.message, format!("Unknown Attribute {name}."));
            validate_requested_names(&names(&[name]), true).unwrap();
        }
        validate_requested_names(&names(&["All", "QueueArn"]), false).unwrap();
        assert!(validate_requested_names(&names(&["Foobar"]), true).is_err());
    }
}
