//! A topic's attributes: the settable ones with AWS's defaults and validation, and the
//! full map GetTopicAttributes answers (read-only values included).
//!
//! Attributes are stored as the name/value pairs they were set with ([`TopicAttributes::
//! stored_pairs`]), which is also their journal form: AWS's attribute names are a stable
//! format, so a change to this struct cannot silently change what is on disk.

use std::collections::BTreeMap;

use serde_json::json;

use super::delivery::HttpDeliveryPolicy;
use super::error::{SnsError, SnsResult};
use super::limits::*;
use super::names::TopicKey;

/// Topic attributes AWS accepts for delivery-status logging; Sluice keeps and reports
/// them, and logs nothing.
pub const DELIVERY_STATUS_ATTRIBUTES: &[&str] = &[
    "HTTPSuccessFeedbackRoleArn",
    "HTTPSuccessFeedbackSampleRate",
    "HTTPFailureFeedbackRoleArn",
    "FirehoseSuccessFeedbackRoleArn",
    "FirehoseSuccessFeedbackSampleRate",
    "FirehoseFailureFeedbackRoleArn",
    "LambdaSuccessFeedbackRoleArn",
    "LambdaSuccessFeedbackSampleRate",
    "LambdaFailureFeedbackRoleArn",
    "ApplicationSuccessFeedbackRoleArn",
    "ApplicationSuccessFeedbackSampleRate",
    "ApplicationFailureFeedbackRoleArn",
    "SQSSuccessFeedbackRoleArn",
    "SQSSuccessFeedbackSampleRate",
    "SQSFailureFeedbackRoleArn",
];

/// The settable attributes of a topic. `None` means "never set": AWS then reports the
/// default (Policy, EffectiveDeliveryPolicy) or leaves the attribute out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TopicAttributes {
    pub display_name: String,
    pub policy: Option<String>,
    pub delivery_policy: Option<String>,
    pub kms_master_key_id: Option<String>,
    pub signature_version: Option<String>,
    pub tracing_config: Option<String>,
    pub fifo_topic: bool,
    pub content_based_deduplication: bool,
    pub fifo_throughput_scope: Option<String>,
    pub delivery_status: BTreeMap<String, String>,
}

/// Counts GetTopicAttributes reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SubscriptionCounts {
    pub confirmed: usize,
    pub pending: usize,
    pub deleted: u64,
}

/// When an attribute is being set: the messages' wording and the read-only rules differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetBy {
    CreateTopic,
    SetTopicAttributes,
}

fn reject(by: SetBy, detail: impl std::fmt::Display) -> SnsError {
    match by {
        SetBy::CreateTopic => SnsError::invalid_attributes(detail),
        SetBy::SetTopicAttributes => SnsError::invalid_parameter(detail),
    }
}

fn boolean(by: SetBy, name: &str, value: &str) -> SnsResult<bool> {
    match value.to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(reject(
            by,
            format!("{name}: Invalid value [{value}]. Must be true or false."),
        )),
    }
}

fn one_of(by: SetBy, name: &str, value: &str, allowed: &[&str]) -> SnsResult<String> {
    if allowed.contains(&value) {
        Ok(value.to_owned())
    } else {
        Err(reject(
            by,
            format!(
                "{name}: Invalid value [{value}]. Must be one of: {}",
                allowed.join(", ")
            ),
        ))
    }
}

/// A JSON object attribute's text, or AWS's recorded refusal.
fn json_object(by: SetBy, name: &str, value: &str) -> SnsResult<String> {
    match serde_json::from_str::<serde_json::Value>(value) {
        Ok(serde_json::Value::Object(_)) => Ok(value.to_owned()),
        _ => Err(reject(by, format!("{name}: failed to parse JSON."))),
    }
}

/// The error for an attribute name that is unknown or cannot be set (AWS's recorded
/// "Invalid parameter: AttributeName").
pub fn unknown_attribute_name() -> SnsError {
    SnsError::invalid_parameter("AttributeName")
}

impl TopicAttributes {
    /// A new topic's attributes before any are set.
    pub fn defaults(fifo: bool) -> Self {
        Self {
            fifo_topic: fifo,
            ..Self::default()
        }
    }

    /// Sets one attribute as `by` would, with AWS's validation. An empty value removes an
    /// optional attribute.
    pub fn set(&mut self, by: SetBy, name: &str, value: &str) -> SnsResult<()> {
        let optional = |v: &str| (!v.is_empty()).then(|| v.to_owned());
        match name {
            "DisplayName" => {
                if value.chars().count() > DISPLAY_NAME_MAX_CHARS {
                    return Err(reject(by, "DisplayName"));
                }
                self.display_name = value.to_owned();
            }
            "Policy" => {
                if value.len() > TOPIC_POLICY_MAX_BYTES {
                    return Err(reject(by, "Policy Error: the policy is too long"));
                }
                if let Err(e) = sluice_auth::policy::PolicyDocument::parse(value) {
                    return Err(reject(by, format!("Policy Error: {e}")));
                }
                self.policy = Some(value.to_owned());
            }
            "DeliveryPolicy" => {
                self.delivery_policy = match value {
                    "" => None,
                    v => {
                        let v = json_object(by, name, v)?;
                        HttpDeliveryPolicy::check_topic_policy(&v).map_err(|e| reject(by, e.0))?;
                        Some(normalized_delivery_policy(&v))
                    }
                }
            }
            "KmsMasterKeyId" => self.kms_master_key_id = optional(value),
            "SignatureVersion" => {
                self.signature_version = Some(one_of(by, name, value, &SIGNATURE_VERSIONS)?)
            }
            "TracingConfig" => {
                self.tracing_config = Some(one_of(by, name, value, &TRACING_CONFIG_VALUES)?)
            }
            // Decided by the name at creation; it cannot change later.
            "FifoTopic" if by == SetBy::CreateTopic => {
                self.fifo_topic = boolean(by, name, value)?;
            }
            "ContentBasedDeduplication" => {
                let on = boolean(by, name, value)?;
                if on && !self.fifo_topic {
                    return Err(reject(
                        by,
                        "ContentBasedDeduplication Reason: Content-based deduplication can only be set for FIFO topics",
                    ));
                }
                self.content_based_deduplication = on;
            }
            "FifoThroughputScope" => {
                if !self.fifo_topic {
                    return Err(reject(
                        by,
                        "FifoThroughputScope Reason: FifoThroughputScope can only be set for FIFO topics",
                    ));
                }
                self.fifo_throughput_scope =
                    Some(one_of(by, name, value, &FIFO_THROUGHPUT_SCOPES)?);
            }
            n if DELIVERY_STATUS_ATTRIBUTES.contains(&n) => {
                match optional(value) {
                    Some(v) => self.delivery_status.insert(n.to_owned(), v),
                    None => self.delivery_status.remove(n),
                };
            }
            _ => return Err(unknown_attribute_name()),
        }
        Ok(())
    }

    /// The attributes as the name/value pairs that rebuild them (the stored form).
    pub fn stored_pairs(&self) -> Vec<(String, String)> {
        let mut out = vec![("DisplayName".to_owned(), self.display_name.clone())];
        let mut push = |name: &str, value: &Option<String>| {
            if let Some(v) = value {
                out.push((name.to_owned(), v.clone()));
            }
        };
        push("Policy", &self.policy);
        push("DeliveryPolicy", &self.delivery_policy);
        push("KmsMasterKeyId", &self.kms_master_key_id);
        push("SignatureVersion", &self.signature_version);
        push("TracingConfig", &self.tracing_config);
        push("FifoThroughputScope", &self.fifo_throughput_scope);
        if self.fifo_topic {
            out.push(("FifoTopic".to_owned(), "true".to_owned()));
            out.push((
                "ContentBasedDeduplication".to_owned(),
                self.content_based_deduplication.to_string(),
            ));
        }
        for (k, v) in &self.delivery_status {
            out.push((k.clone(), v.clone()));
        }
        out
    }

    /// Rebuilds attributes from their stored pairs. Stored values were validated when
    /// set; one that no longer passes (a rule that tightened) is kept out, not fatal.
    pub fn from_stored_pairs(pairs: &[(String, String)]) -> Self {
        let fifo = pairs.iter().any(|(k, v)| k == "FifoTopic" && v == "true");
        let mut attributes = Self::defaults(fifo);
        for (name, value) in pairs {
            let _ = attributes.set(SetBy::CreateTopic, name, value);
        }
        attributes
    }

    /// Everything GetTopicAttributes answers, by name.
    pub fn describe(&self, key: &TopicKey, counts: SubscriptionCounts) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        let arn = key.arn();
        out.insert("DisplayName".into(), self.display_name.clone());
        out.insert(
            "EffectiveDeliveryPolicy".into(),
            effective_delivery_policy(self.delivery_policy.as_deref()),
        );
        out.insert("Owner".into(), key.account_id.clone());
        out.insert(
            "Policy".into(),
            self.policy
                .clone()
                .unwrap_or_else(|| default_topic_policy(key)),
        );
        out.insert("TopicArn".into(), arn);
        out.insert(
            "SubscriptionsConfirmed".into(),
            counts.confirmed.to_string(),
        );
        out.insert("SubscriptionsPending".into(), counts.pending.to_string());
        out.insert("SubscriptionsDeleted".into(), counts.deleted.to_string());
        let mut put = |name: &str, value: &Option<String>| {
            if let Some(v) = value {
                out.insert(name.into(), v.clone());
            }
        };
        put("DeliveryPolicy", &self.delivery_policy);
        put("KmsMasterKeyId", &self.kms_master_key_id);
        put("SignatureVersion", &self.signature_version);
        put("TracingConfig", &self.tracing_config);
        put("FifoThroughputScope", &self.fifo_throughput_scope);
        if self.fifo_topic {
            out.insert("FifoTopic".into(), "true".into());
            out.insert(
                "ContentBasedDeduplication".into(),
                self.content_based_deduplication.to_string(),
            );
        }
        for (k, v) in &self.delivery_status {
            out.insert(k.clone(), v.clone());
        }
        out
    }
}

/// The actions AWS's default topic policy grants the topic owner's account.
pub const DEFAULT_POLICY_ACTIONS: [&str; 8] = [
    "SNS:GetTopicAttributes",
    "SNS:SetTopicAttributes",
    "SNS:AddPermission",
    "SNS:RemovePermission",
    "SNS:DeleteTopic",
    "SNS:Subscribe",
    "SNS:ListSubscriptionsByTopic",
    "SNS:Publish",
];

/// The policy AWS writes on a new topic: every principal of the owner's account
/// (`AWS:SourceOwner`) may run the topic actions.
pub fn default_topic_policy(key: &TopicKey) -> String {
    json!({
        "Version": "2008-10-17",
        "Id": "__default_policy_ID",
        "Statement": [{
            "Sid": "__default_statement_ID",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": DEFAULT_POLICY_ACTIONS,
            "Resource": key.arn(),
            "Condition": {"StringEquals": {"AWS:SourceOwner": key.account_id}},
        }],
    })
    .to_string()
}

/// A DeliveryPolicy as AWS keeps it: members set to null are dropped, and the `http`
/// policy says whether subscriptions may override it (`disableSubscriptionOverrides`,
/// false unless given).
fn normalized_delivery_policy(text: &str) -> String {
    let Ok(mut policy) = serde_json::from_str::<serde_json::Value>(text) else {
        return text.to_owned();
    };
    drop_nulls(&mut policy);
    if let Some(http) = policy.get_mut("http").and_then(|h| h.as_object_mut()) {
        http.entry("disableSubscriptionOverrides")
            .or_insert(serde_json::Value::Bool(false));
    }
    policy.to_string()
}

fn drop_nulls(value: &mut serde_json::Value) {
    if let Some(object) = value.as_object_mut() {
        object.retain(|_, v| !v.is_null());
        object.values_mut().for_each(drop_nulls);
    }
}

/// The delivery policy in force: AWS's defaults with the topic's DeliveryPolicy laid
/// over them, member by member.
pub fn effective_delivery_policy(set: Option<&str>) -> String {
    let default = default_effective_delivery_policy();
    let Some(set) = set.and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok()) else {
        return default;
    };
    let mut effective: serde_json::Value =
        serde_json::from_str(&default).expect("the default delivery policy is JSON");
    overlay(&mut effective, set);
    effective.to_string()
}

fn overlay(base: &mut serde_json::Value, top: serde_json::Value) {
    match (base, top) {
        (serde_json::Value::Object(base), serde_json::Value::Object(top)) => {
            for (key, value) in top {
                match base.get_mut(&key) {
                    Some(slot) => overlay(slot, value),
                    None => {
                        base.insert(key, value);
                    }
                }
            }
        }
        (_, serde_json::Value::Null) => {}
        (slot, value) => *slot = value,
    }
}

/// The HTTP/S delivery policy AWS reports for a topic that has not set one.
pub fn default_effective_delivery_policy() -> String {
    // Built by hand: AWS's member order is not alphabetical.
    format!(
        concat!(
            r#"{{"http":{{"defaultHealthyRetryPolicy":{{"minDelayTarget":{d},"maxDelayTarget":{d},"#,
            r#""numRetries":{n},"numMaxDelayRetries":0,"numNoDelayRetries":0,"numMinDelayRetries":0,"#,
            r#""backoffFunction":"linear"}},"disableSubscriptionOverrides":false,"#,
            r#""defaultRequestPolicy":{{"headerContentType":"text/plain; charset=UTF-8"}}}}}}"#
        ),
        d = DEFAULT_HTTP_RETRY_DELAY_S,
        n = DEFAULT_HTTP_RETRIES
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> TopicKey {
        TopicKey::new("us-east-1", "111111111111", "t")
    }

    #[test]
    fn a_new_topic_reports_aws_defaults() {
        let map = TopicAttributes::defaults(false).describe(&key(), SubscriptionCounts::default());
        let names: Vec<&str> = map.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            [
                "DisplayName",
                "EffectiveDeliveryPolicy",
                "Owner",
                "Policy",
                "SubscriptionsConfirmed",
                "SubscriptionsDeleted",
                "SubscriptionsPending",
                "TopicArn"
            ]
        );
        let policy: serde_json::Value = serde_json::from_str(&map["Policy"]).unwrap();
        assert_eq!(policy["Statement"][0]["Resource"], key().arn());
        assert_eq!(
            policy["Statement"][0]["Condition"]["StringEquals"]["AWS:SourceOwner"],
            "111111111111"
        );
        assert_eq!(
            policy["Statement"][0]["Action"].as_array().unwrap().len(),
            8
        );
        let effective: serde_json::Value =
            serde_json::from_str(&map["EffectiveDeliveryPolicy"]).unwrap();
        assert_eq!(
            effective["http"]["defaultHealthyRetryPolicy"]["numRetries"],
            3
        );
        assert_eq!(
            effective["http"]["defaultRequestPolicy"]["headerContentType"],
            "text/plain; charset=UTF-8"
        );
    }

    #[test]
    fn fifo_topics_report_their_fifo_attributes() {
        let mut a = TopicAttributes::defaults(true);
        a.set(SetBy::CreateTopic, "ContentBasedDeduplication", "true")
            .unwrap();
        a.set(SetBy::CreateTopic, "FifoThroughputScope", "MessageGroup")
            .unwrap();
        let map = a.describe(&key(), SubscriptionCounts::default());
        assert_eq!(map["FifoTopic"], "true");
        assert_eq!(map["ContentBasedDeduplication"], "true");
        assert_eq!(map["FifoThroughputScope"], "MessageGroup");
        assert_eq!(TopicAttributes::from_stored_pairs(&a.stored_pairs()), a);
    }

    #[test]
    fn values_are_validated_with_the_callers_wording() {
        let mut a = TopicAttributes::defaults(false);
        let e = a
            .set(SetBy::SetTopicAttributes, "SignatureVersion", "3")
            .unwrap_err();
        assert_eq!(
            e.message,
            "Invalid parameter: SignatureVersion: Invalid value [3]. Must be one of: 1, 2"
        );
        let e = a
            .set(SetBy::CreateTopic, "TracingConfig", "On")
            .unwrap_err();
        assert!(e
            .message
            .starts_with("Invalid parameter: Attributes Reason: TracingConfig"));
        let e = a.set(SetBy::SetTopicAttributes, "Owner", "x").unwrap_err();
        assert_eq!(e.message, "Invalid parameter: AttributeName");
        let e = a
            .set(SetBy::SetTopicAttributes, "FifoTopic", "true")
            .unwrap_err();
        assert_eq!(e.message, "Invalid parameter: AttributeName");
        assert!(a
            .set(
                SetBy::SetTopicAttributes,
                "ContentBasedDeduplication",
                "true"
            )
            .is_err());
        assert!(a
            .set(SetBy::SetTopicAttributes, "Policy", "{not json")
            .is_err());
        assert!(a
            .set(SetBy::SetTopicAttributes, "DeliveryPolicy", "[1]")
            .is_err());
        assert!(a
            .set(SetBy::SetTopicAttributes, "DisplayName", &"d".repeat(101))
            .is_err());
        a.set(SetBy::SetTopicAttributes, "SignatureVersion", "2")
            .unwrap();
        a.set(SetBy::SetTopicAttributes, "KmsMasterKeyId", "alias/aws/sns")
            .unwrap();
        a.set(
            SetBy::SetTopicAttributes,
            "SQSSuccessFeedbackSampleRate",
            "50",
        )
        .unwrap();
        let map = a.describe(&key(), SubscriptionCounts::default());
        assert_eq!(map["SignatureVersion"], "2");
        assert_eq!(map["KmsMasterKeyId"], "alias/aws/sns");
        assert_eq!(map["SQSSuccessFeedbackSampleRate"], "50");
        a.set(SetBy::SetTopicAttributes, "KmsMasterKeyId", "")
            .unwrap();
        assert_eq!(a.kms_master_key_id, None);
        assert_eq!(TopicAttributes::from_stored_pairs(&a.stored_pairs()), a);
    }

    #[test]
    fn delivery_policies_are_kept_and_applied_as_aws_does() {
        let mut a = TopicAttributes::defaults(false);
        let set = r#"{"http":{"defaultHealthyRetryPolicy":{"minDelayTarget":5,"maxDelayTarget":6,"numRetries":1}}}"#;
        a.set(SetBy::SetTopicAttributes, "DeliveryPolicy", set)
            .unwrap();
        let kept: serde_json::Value =
            serde_json::from_str(a.delivery_policy.as_deref().unwrap()).unwrap();
        assert_eq!(kept["http"]["disableSubscriptionOverrides"], false);
        let effective: serde_json::Value =
            serde_json::from_str(&effective_delivery_policy(a.delivery_policy.as_deref())).unwrap();
        let healthy = &effective["http"]["defaultHealthyRetryPolicy"];
        assert_eq!(healthy["minDelayTarget"], 5);
        assert_eq!(healthy["numMaxDelayRetries"], 0);
        assert_eq!(healthy["backoffFunction"], "linear");
        assert_eq!(
            effective["http"]["defaultRequestPolicy"]["headerContentType"],
            "text/plain; charset=UTF-8"
        );
        a.set(
            SetBy::SetTopicAttributes,
            "DeliveryPolicy",
            r#"{"http":{"defaultHealthyRetryPolicy":null}}"#,
        )
        .unwrap();
        assert_eq!(
            a.delivery_policy.as_deref(),
            Some(r#"{"http":{"disableSubscriptionOverrides":false}}"#)
        );
        assert_eq!(
            effective_delivery_policy(None),
            default_effective_delivery_policy()
        );
    }
}
