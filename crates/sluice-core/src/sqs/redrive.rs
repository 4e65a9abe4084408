//! The two dead-letter attributes: RedrivePolicy (where a queue's messages go after too
//! many receives) and RedriveAllowPolicy (which sources may use a queue as their
//! dead-letter queue). This module parses their JSON text with AWS's checks, in AWS's
//! order and with its words: a value that is no JSON map is refused as an attribute
//! value; anything else wrong quotes the value as given
//! (`Value {...} for parameter RedrivePolicy is invalid. Reason: ...`). Whether the
//! dead-letter queue exists and admits the source needs the store: that is the
//! service's part (`Sqs::check_dead_letter_target`).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::error::{SqsError, SqsErrorKind, SqsResult};
use super::names::QueueKey;
use crate::limits::{MAX_RECEIVE_COUNT_MAX, MAX_RECEIVE_COUNT_MIN, REDRIVE_ALLOW_SOURCE_ARNS_MAX};

/// Where messages go after too many receives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedrivePolicy {
    pub dead_letter_target_arn: String,
    pub max_receive_count: u32,
}

impl RedrivePolicy {
    pub fn to_json(&self) -> String {
        serde_json::json!({
            "deadLetterTargetArn": self.dead_letter_target_arn,
            "maxReceiveCount": self.max_receive_count,
        })
        .to_string()
    }
}

/// Which source queues may use this queue as their dead-letter queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RedriveAllowPolicy {
    AllowAll,
    DenyAll,
    ByQueue(Vec<String>),
}

impl RedriveAllowPolicy {
    pub fn allows(&self, source_arn: &str) -> bool {
        match self {
            Self::AllowAll => true,
            Self::DenyAll => false,
            Self::ByQueue(arns) => arns.iter().any(|a| a == source_arn),
        }
    }

    pub fn to_json(&self) -> String {
        match self {
            Self::AllowAll => serde_json::json!({"redrivePermission": "allowAll"}),
            Self::DenyAll => serde_json::json!({"redrivePermission": "denyAll"}),
            Self::ByQueue(arns) => {
                serde_json::json!({"redrivePermission": "byQueue", "sourceQueueArns": arns})
            }
        }
        .to_string()
    }
}

const REDRIVE_POLICY: &str = "RedrivePolicy";
const REDRIVE_ALLOW_POLICY: &str = "RedriveAllowPolicy";
const DEAD_LETTER_TARGET_ARN: &str = "deadLetterTargetArn";
const MAX_RECEIVE_COUNT: &str = "maxReceiveCount";

/// "Invalid value for the parameter P. Reason: R": a value SQS could not read at all.
fn unreadable(param: &str, reason: &str) -> SqsError {
    SqsError::new(
        SqsErrorKind::InvalidAttributeValue,
        format!("Invalid value for the parameter {param}. Reason: {reason}"),
    )
}

/// The JSON object a policy's text holds, if it holds one.
fn json_map(text: &str) -> Option<Map<String, Value>> {
    match serde_json::from_str(text) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    }
}

/// Parses a RedrivePolicy value; the empty string removes the policy. The checks run in
/// AWS's order: a JSON map, both mandatory members (maxReceiveCount first), no other
/// member, the count's range, then the target's ARN.
pub fn parse_redrive_policy(value: &str) -> SqsResult<Option<RedrivePolicy>> {
    if value.is_empty() {
        return Ok(None);
    }
    let invalid = |reason: &str| SqsError::invalid_value(REDRIVE_POLICY, value, reason);
    let doc = json_map(value)
        .ok_or_else(|| unreadable(REDRIVE_POLICY, "Redrive policy is not a valid JSON map."))?;
    for member in [MAX_RECEIVE_COUNT, DEAD_LETTER_TARGET_ARN] {
        if !doc.contains_key(member) {
            return Err(invalid(&format!(
                "Redrive policy does not contain mandatory attribute: {member}."
            )));
        }
    }
    if doc.len() > 2 {
        return Err(invalid(&format!(
            "Only following attributes are supported: [{MAX_RECEIVE_COUNT}, {DEAD_LETTER_TARGET_ARN}]."
        )));
    }
    let count_value = &doc[MAX_RECEIVE_COUNT];
    let count = match count_value {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse::<u64>().ok(),
        _ => None,
    }
    .filter(|c| (u64::from(MAX_RECEIVE_COUNT_MIN)..=u64::from(MAX_RECEIVE_COUNT_MAX)).contains(c))
    .ok_or_else(|| {
        let shown = match count_value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        invalid(&format!(
            "Invalid value for {MAX_RECEIVE_COUNT}: {shown}, valid values are from {MAX_RECEIVE_COUNT_MIN} to {MAX_RECEIVE_COUNT_MAX} both inclusive."
        ))
    })?;
    let arn = doc[DEAD_LETTER_TARGET_ARN]
        .as_str()
        .ok_or_else(|| invalid("Invalid value for deadLetterTargetArn."))?;
    if QueueKey::from_arn(arn).is_none() {
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        let other_service = parts.len() == 6 && parts[0] == "arn" && parts[2] != "sqs";
        return Err(invalid(if other_service {
            "Only SQS queues are valid resources for deadLetterTargetArn."
        } else {
            "Invalid value for deadLetterTargetArn."
        }));
    }
    Ok(Some(RedrivePolicy {
        dead_letter_target_arn: arn.to_owned(),
        max_receive_count: count as u32,
    }))
}

/// Why a dead-letter target named by a well-formed RedrivePolicy is refused; the
/// service finds these with the store's help.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetRefusal {
    OtherRegion,
    OtherAccount,
    Missing,
    OtherKind,
}

impl TargetRefusal {
    /// The refusal, quoting the RedrivePolicy `value` as the request gave it.
    pub fn error(self, value: &str) -> SqsError {
        let reason = match self {
            Self::OtherRegion => "Dead-letter target must be in same region as the source.",
            Self::OtherAccount => "Dead-letter target owner should be same as the source.",
            Self::Missing => "Dead letter target does not exist.",
            // Two periods, as AWS writes it.
            Self::OtherKind => "Dead-letter queue must be same type of queue as the source..",
        };
        SqsError::invalid_value(REDRIVE_POLICY, value, reason)
    }
}

/// AWS's words for a RedriveAllowPolicy it cannot read (the apostrophe in "it’s" is
/// typographic, as AWS sends it).
const ALLOW_UNSUPPORTED: &str =
    "Amazon SQS can't create the redrive allow policy, as it’s in an unsupported format.";

/// Parses a RedriveAllowPolicy value; the empty string removes the policy.
pub fn parse_redrive_allow_policy(value: &str) -> SqsResult<Option<RedriveAllowPolicy>> {
    if value.is_empty() {
        return Ok(None);
    }
    let unsupported = || unreadable(REDRIVE_ALLOW_POLICY, ALLOW_UNSUPPORTED);
    let invalid = |reason: &str| {
        SqsError::invalid_value(
            REDRIVE_ALLOW_POLICY,
            value,
            &format!("Amazon SQS can't create the redrive allow policy. {reason}"),
        )
    };
    let doc = json_map(value).ok_or_else(unsupported)?;
    if doc
        .keys()
        .any(|k| k != "redrivePermission" && k != "sourceQueueArns")
    {
        return Err(unsupported());
    }
    let permission = doc
        .get("redrivePermission")
        .and_then(Value::as_str)
        .filter(|p| ["allowAll", "denyAll", "byQueue"].contains(p))
        .ok_or_else(unsupported)?;
    let arns: Option<Vec<String>> = match doc.get("sourceQueueArns") {
        None => None,
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(unsupported)?,
        ),
        Some(_) => return Err(unsupported()),
    };
    match (permission, arns) {
        ("allowAll", None) => Ok(Some(RedriveAllowPolicy::AllowAll)),
        ("denyAll", None) => Ok(Some(RedriveAllowPolicy::DenyAll)),
        (_, Some(_)) if permission != "byQueue" => Err(invalid(
            "To specify one or more source queue ARNs, you must set redrivePermission to byQueue.",
        )),
        (_, Some(arns)) if arns.len() > REDRIVE_ALLOW_SOURCE_ARNS_MAX => Err(invalid(&format!(
            "The maximum number of source queue ARNs you can specify is {REDRIVE_ALLOW_SOURCE_ARNS_MAX}."
        ))),
        (_, Some(arns)) if !arns.is_empty() => {
            if arns.iter().any(|a| QueueKey::from_arn(a).is_none()) {
                return Err(invalid("Invalid source queue ARN."));
            }
            Ok(Some(RedriveAllowPolicy::ByQueue(arns)))
        }
        _ => Err(invalid(
            "When you specify the byQueue permission type, you must also specify one or more sourceQueueArns values.",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DLQ: &str = "arn:aws:sqs:us-east-1:000000000000:dlq";

    fn redrive_err(value: &str) -> SqsError {
        parse_redrive_policy(value).unwrap_err()
    }

    #[test]
    fn redrive_policy_parses_and_renders() {
        let p = parse_redrive_policy(&format!(
            r#"{{"deadLetterTargetArn":"{DLQ}","maxReceiveCount":"3"}}"#
        ))
        .unwrap()
        .unwrap();
        assert_eq!(p.max_receive_count, 3);
        assert_eq!(
            p.to_json(),
            format!(r#"{{"deadLetterTargetArn":"{DLQ}","maxReceiveCount":3}}"#)
        );
        assert_eq!(parse_redrive_policy("").unwrap(), None);
    }

    #[test]
    fn a_value_that_is_no_json_map_is_an_invalid_attribute_value() {
        for value in [" ", "{", "4", "[]", "\"x\"", "null"] {
            let e = redrive_err(value);
            assert_eq!(e.kind, SqsErrorKind::InvalidAttributeValue, "{value:?}");
            assert_eq!(
                e.message,
                "Invalid value for the parameter RedrivePolicy. Reason: Redrive policy is not a valid JSON map."
            );
        }
    }

    #[test]
    fn other_refusals_quote_the_value_in_aws_order() {
        let cases = [
            ("{}", "Redrive policy does not contain mandatory attribute: maxReceiveCount."),
            (
                r#"{"maxReceiveCount":5}"#,
                "Redrive policy does not contain mandatory attribute: deadLetterTargetArn.",
            ),
            (
                r#"{"deadLetterTargetArn":"dummy","maxReceiveCount":5,"x":1}"#,
                "Only following attributes are supported: [maxReceiveCount, deadLetterTargetArn].",
            ),
            (
                r#"{"deadLetterTargetArn":"dummy","maxReceiveCount":-36}"#,
                "Invalid value for maxReceiveCount: -36, valid values are from 1 to 1000 both inclusive.",
            ),
            (
                r#"{"deadLetterTargetArn":"dummy","maxReceiveCount":"0"}"#,
                "Invalid value for maxReceiveCount: 0, valid values are from 1 to 1000 both inclusive.",
            ),
            (
                r#"{"deadLetterTargetArn": "dummy", "maxReceiveCount": 42}"#,
                "Invalid value for deadLetterTargetArn.",
            ),
            (
                r#"{"deadLetterTargetArn":"arn:aws:sns:us-east-1:000000000000:t","maxReceiveCount":1}"#,
                "Only SQS queues are valid resources for deadLetterTargetArn.",
            ),
        ];
        for (value, reason) in cases {
            let e = redrive_err(value);
            assert_eq!(e.kind, SqsErrorKind::InvalidParameterValue, "{value}");
            assert_eq!(
                e.message,
                format!("Value {value} for parameter RedrivePolicy is invalid. Reason: {reason}")
            );
        }
    }

    #[test]
    fn redrive_allow_policy_rules() {
        let by = parse_redrive_allow_policy(
            r#"{"redrivePermission":"byQueue","sourceQueueArns":["arn:aws:sqs:us-east-1:0:a"]}"#,
        )
        .unwrap()
        .unwrap();
        assert!(by.allows("arn:aws:sqs:us-east-1:0:a"));
        assert!(!by.allows("arn:aws:sqs:us-east-1:0:b"));
        assert_eq!(
            parse_redrive_allow_policy(r#"{"redrivePermission":"denyAll"}"#).unwrap(),
            Some(RedriveAllowPolicy::DenyAll)
        );
        assert_eq!(parse_redrive_allow_policy("").unwrap(), None);
    }

    #[test]
    fn unreadable_redrive_allow_policies() {
        for value in [
            " ",
            "badjson",
            "[]",
            "{}",
            r#"{"redrivePermission":"someQueues"}"#,
            r#"{"redrivePermission":"allowAll","extra":1}"#,
            r#"{"redrivePermission":"byQueue","sourceQueueArns":"a"}"#,
            r#"{"redrivePermission":"byQueue","sourceQueueArns":[1]}"#,
        ] {
            let e = parse_redrive_allow_policy(value).unwrap_err();
            assert_eq!(e.kind, SqsErrorKind::InvalidAttributeValue, "{value}");
            assert_eq!(
                e.message,
                format!("Invalid value for the parameter RedriveAllowPolicy. Reason: {ALLOW_UNSUPPORTED}")
            );
        }
    }

    #[test]
    fn refused_redrive_allow_policies_quote_the_value() {
        let arns = |n: usize| {
            (0..n)
                .map(|i| format!("\"arn:aws:sqs:us-east-1:0:q{i}\""))
                .collect::<Vec<_>>()
                .join(",")
        };
        let cases = [
            (
                r#"{"redrivePermission":"byQueue"}"#.to_owned(),
                "When you specify the byQueue permission type, you must also specify one or more sourceQueueArns values.",
            ),
            (
                r#"{"redrivePermission":"byQueue","sourceQueueArns":[]}"#.to_owned(),
                "When you specify the byQueue permission type, you must also specify one or more sourceQueueArns values.",
            ),
            (
                format!(r#"{{"redrivePermission":"byQueue","sourceQueueArns":[{}]}}"#, arns(11)),
                "The maximum number of source queue ARNs you can specify is 10.",
            ),
            (
                format!(r#"{{"redrivePermission":"denyAll","sourceQueueArns":[{}]}}"#, arns(1)),
                "To specify one or more source queue ARNs, you must set redrivePermission to byQueue.",
            ),
        ];
        for (value, reason) in cases {
            let e = parse_redrive_allow_policy(&value).unwrap_err();
            assert_eq!(e.kind, SqsErrorKind::InvalidParameterValue, "{value}");
            assert_eq!(
                e.message,
                format!("Value {value} for parameter RedriveAllowPolicy is invalid. Reason: Amazon SQS can't create the redrive allow policy. {reason}")
            );
        }
    }
}
