//! A subscription's settable attributes (FilterPolicy and its scope, RawMessageDelivery,
//! RedrivePolicy, DeliveryPolicy, SubscriptionRoleArn), validated as AWS validates them,
//! with the filter policy checked by the existing `filter` module. Like topic attributes
//! they are stored as the name/value pairs they were set with.

use std::collections::BTreeMap;

use super::delivery::HttpDeliveryPolicy;
use super::error::{SnsError, SnsResult};
use super::filter::{FilterPolicy, FilterScope, PolicyCall};
use super::protocol::arn_of;
use super::topic_attributes::unknown_attribute_name;

/// The attribute names Subscribe and SetSubscriptionAttributes accept.
pub const SETTABLE: [&str; 6] = [
    "DeliveryPolicy",
    "FilterPolicy",
    "FilterPolicyScope",
    "RawMessageDelivery",
    "RedrivePolicy",
    "SubscriptionRoleArn",
];

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubscriptionAttributes {
    pub filter_policy: Option<String>,
    /// `None` until set: AWS reports `MessageAttributes` once a policy exists.
    pub filter_policy_scope: Option<FilterScope>,
    pub raw_message_delivery: bool,
    pub redrive_policy: Option<String>,
    pub delivery_policy: Option<String>,
    pub subscription_role_arn: Option<String>,
}

/// What the subscription belongs to, which some rules depend on.
#[derive(Debug, Clone, Copy)]
pub struct SubscriptionFacts {
    pub fifo_topic: bool,
    /// The subscribed endpoint is a FIFO queue.
    pub fifo_endpoint: bool,
}

impl SubscriptionAttributes {
    /// Sets one attribute on behalf of `call` (Subscribe words its errors "Attributes
    /// Reason: ..."). An empty value removes an optional attribute.
    pub fn set(
        &mut self,
        call: PolicyCall,
        facts: SubscriptionFacts,
        name: &str,
        value: &str,
    ) -> SnsResult<()> {
        let reject = |detail: String| match call {
            PolicyCall::Subscribe => SnsError::invalid_attributes(detail),
            PolicyCall::SetSubscriptionAttributes => SnsError::invalid_parameter(detail),
        };
        match name {
            "FilterPolicy" => {
                if value.is_empty() {
                    self.filter_policy = None;
                } else {
                    FilterPolicy::parse(value, self.scope()).map_err(|e| {
                        SnsError::new(super::SnsErrorKind::InvalidParameter, e.message(call))
                    })?;
                    self.filter_policy = Some(value.to_owned());
                }
            }
            "FilterPolicyScope" => {
                let scope = FilterScope::parse(value).map_err(|e| {
                    SnsError::new(super::SnsErrorKind::InvalidParameter, e.message(call))
                })?;
                // A policy valid for one scope may not be for the other.
                if let Some(policy) = &self.filter_policy {
                    FilterPolicy::parse(policy, scope).map_err(|e| {
                        SnsError::new(super::SnsErrorKind::InvalidParameter, e.message(call))
                    })?;
                }
                self.filter_policy_scope = Some(scope);
            }
            "RawMessageDelivery" => {
                self.raw_message_delivery = match value.to_ascii_lowercase().as_str() {
                    "true" => true,
                    "false" => false,
                    _ => {
                        return Err(reject(format!(
                            "RawMessageDelivery: Invalid value [{value}]. Must be true or false."
                        )))
                    }
                }
            }
            "RedrivePolicy" => {
                self.redrive_policy = if value.is_empty() {
                    None
                } else {
                    Some(check_redrive_policy(value, facts).map_err(reject)?)
                }
            }
            "DeliveryPolicy" => {
                self.delivery_policy = if value.is_empty() {
                    None
                } else {
                    HttpDeliveryPolicy::check_subscription_policy(value)
                        .map_err(|e| reject(e.0))?;
                    Some(value.to_owned())
                }
            }
            "SubscriptionRoleArn" => {
                self.subscription_role_arn = if value.is_empty() {
                    None
                } else if arn_of(value, "iam").is_some() {
                    Some(value.to_owned())
                } else {
                    return Err(reject("SubscriptionRoleArn".to_owned()));
                }
            }
            _ => return Err(unknown_attribute_name()),
        }
        Ok(())
    }

    /// The scope policies are checked and matched in.
    pub fn scope(&self) -> FilterScope {
        self.filter_policy_scope.unwrap_or_default()
    }

    /// The parsed filter policy, if one is set.
    pub fn filter(&self) -> Option<FilterPolicy> {
        let text = self.filter_policy.as_deref()?;
        FilterPolicy::parse(text, self.scope()).ok()
    }

    /// The stored form: the pairs that rebuild these attributes.
    pub fn stored_pairs(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if let Some(scope) = self.filter_policy_scope {
            out.push(("FilterPolicyScope".to_owned(), scope.as_str().to_owned()));
        }
        let mut push = |name: &str, value: &Option<String>| {
            if let Some(v) = value {
                out.push((name.to_owned(), v.clone()));
            }
        };
        push("FilterPolicy", &self.filter_policy);
        push("RedrivePolicy", &self.redrive_policy);
        push("DeliveryPolicy", &self.delivery_policy);
        push("SubscriptionRoleArn", &self.subscription_role_arn);
        if self.raw_message_delivery {
            out.push(("RawMessageDelivery".to_owned(), "true".to_owned()));
        }
        out
    }

    /// Rebuilds attributes from their stored pairs, without re-checking them (they were
    /// checked when set, and rules that depend on the topic need not hold twice).
    pub fn from_stored_pairs(pairs: &[(String, String)]) -> Self {
        let mut a = Self::default();
        for (name, value) in pairs {
            let v = Some(value.clone());
            match name.as_str() {
                "FilterPolicyScope" => a.filter_policy_scope = FilterScope::parse(value).ok(),
                "FilterPolicy" => a.filter_policy = v,
                "RedrivePolicy" => a.redrive_policy = v,
                "DeliveryPolicy" => a.delivery_policy = v,
                "SubscriptionRoleArn" => a.subscription_role_arn = v,
                "RawMessageDelivery" => a.raw_message_delivery = value == "true",
                _ => {}
            }
        }
        a
    }

    /// The settable attributes as GetSubscriptionAttributes reports them.
    pub fn describe(&self, out: &mut BTreeMap<String, String>) {
        out.insert(
            "RawMessageDelivery".into(),
            self.raw_message_delivery.to_string(),
        );
        if let Some(policy) = &self.filter_policy {
            out.insert("FilterPolicy".into(), policy.clone());
            out.insert("FilterPolicyScope".into(), self.scope().as_str().into());
        }
        let mut put = |name: &str, value: &Option<String>| {
            if let Some(v) = value {
                out.insert(name.into(), v.clone());
            }
        };
        put("RedrivePolicy", &self.redrive_policy);
        put("DeliveryPolicy", &self.delivery_policy);
        put("SubscriptionRoleArn", &self.subscription_role_arn);
    }
}

/// A subscription's dead-letter queue: `{"deadLetterTargetArn": SQS-ARN}`, a FIFO queue
/// for a FIFO queue subscribed to a FIFO topic (a standard queue on a FIFO topic may
/// have a standard one, as AWS's recorded answers show). Errors are the text after AWS's
/// prefix.
fn check_redrive_policy(value: &str, facts: SubscriptionFacts) -> Result<String, String> {
    let parsed: serde_json::Value = serde_json::from_str(value)
        .map_err(|e| format!("RedrivePolicy: failed to parse JSON. {e}"))?;
    let target = parsed
        .get("deadLetterTargetArn")
        .and_then(|v| v.as_str())
        .filter(|arn| arn_of(arn, "sqs").is_some())
        .ok_or("RedrivePolicy: deadLetterTargetArn is an invalid arn")?;
    if facts.fifo_topic && facts.fifo_endpoint && !target.ends_with(".fifo") {
        return Err(
            "RedrivePolicy: must use a FIFO queue as DLQ for a FIFO Subscription to a FIFO Topic."
                .to_owned(),
        );
    }
    Ok(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const STANDARD: SubscriptionFacts = SubscriptionFacts {
        fifo_topic: false,
        fifo_endpoint: false,
    };
    const SET: PolicyCall = PolicyCall::SetSubscriptionAttributes;

    #[test]
    fn raw_message_delivery_is_worded_per_call() {
        let mut a = SubscriptionAttributes::default();
        let e = a
            .set(
                PolicyCall::Subscribe,
                STANDARD,
                "RawMessageDelivery",
                "wrongvalue",
            )
            .unwrap_err();
        assert_eq!(e.message, "Invalid parameter: Attributes Reason: RawMessageDelivery: Invalid value [wrongvalue]. Must be true or false.");
        let e = a.set(SET, STANDARD, "RawMessageDelivery", "").unwrap_err();
        assert_eq!(
            e.message,
            "Invalid parameter: RawMessageDelivery: Invalid value []. Must be true or false."
        );
        a.set(SET, STANDARD, "RawMessageDelivery", "TRUE").unwrap();
        assert!(a.raw_message_delivery);
        let e = a.set(SET, STANDARD, "Fake", "x").unwrap_err();
        assert_eq!(e.message, "Invalid parameter: AttributeName");
    }

    #[test]
    fn redrive_policies_name_a_queue_of_the_right_kind() {
        let mut a = SubscriptionAttributes::default();
        let e = a
            .set(
                SET,
                STANDARD,
                "RedrivePolicy",
                r#"{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:111111111111"}"#,
            )
            .unwrap_err();
        assert_eq!(
            e.message,
            "Invalid parameter: RedrivePolicy: deadLetterTargetArn is an invalid arn"
        );
        let e = a
            .set(SET, STANDARD, "RedrivePolicy", "{invalid")
            .unwrap_err();
        assert!(e
            .message
            .starts_with("Invalid parameter: RedrivePolicy: failed to parse JSON."));
        let fifo = SubscriptionFacts {
            fifo_topic: true,
            fifo_endpoint: true,
        };
        let dlq = r#"{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:111111111111:dlq"}"#;
        let e = a.set(SET, fifo, "RedrivePolicy", dlq).unwrap_err();
        assert_eq!(e.message, "Invalid parameter: RedrivePolicy: must use a FIFO queue as DLQ for a FIFO Subscription to a FIFO Topic.");
        // A standard queue on a FIFO topic may dead-letter into a standard queue.
        let standard_queue_on_fifo = SubscriptionFacts {
            fifo_topic: true,
            fifo_endpoint: false,
        };
        a.set(SET, standard_queue_on_fifo, "RedrivePolicy", dlq)
            .unwrap();
        a.set(SET, STANDARD, "RedrivePolicy", dlq).unwrap();
        assert_eq!(a.redrive_policy.as_deref(), Some(dlq));
        a.set(SET, STANDARD, "RedrivePolicy", "").unwrap();
        assert_eq!(a.redrive_policy, None);
    }

    #[test]
    fn filter_policies_are_checked_in_their_scope() {
        let mut a = SubscriptionAttributes::default();
        let e = a
            .set(SET, STANDARD, "FilterPolicy", "{invalid")
            .unwrap_err();
        assert!(
            e.message.starts_with("Invalid parameter: FilterPolicy:"),
            "{}",
            e.message
        );
        let nested = r#"{"a":{"b":["x"]}}"#;
        assert!(
            a.set(SET, STANDARD, "FilterPolicy", nested).is_err(),
            "nested keys need MessageBody"
        );
        a.set(SET, STANDARD, "FilterPolicyScope", "MessageBody")
            .unwrap();
        a.set(SET, STANDARD, "FilterPolicy", nested).unwrap();
        assert!(a
            .set(SET, STANDARD, "FilterPolicyScope", "MessageAttributes")
            .is_err());
        assert!(a
            .filter()
            .is_some_and(|f| f.matches_body(r#"{"a":{"b":"x"}}"#)));
        let mut described = BTreeMap::new();
        a.describe(&mut described);
        assert_eq!(described["FilterPolicyScope"], "MessageBody");
        assert_eq!(
            SubscriptionAttributes::from_stored_pairs(&a.stored_pairs()),
            a
        );
        a.set(SET, STANDARD, "FilterPolicy", "").unwrap();
        assert_eq!(a.filter_policy, None);
    }
}
