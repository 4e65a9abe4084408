//! Subscription dead-letter queues: a message SNS could not deliver (a queue delivery
//! refused for good, an HTTP/S delivery whose retries ran out, a delivery the outbox had
//! no room for) goes to the queue the subscription's RedrivePolicy names, through the
//! SQS core's in-process entry point, as the service principal. Without a RedrivePolicy
//! it is logged and dropped, as AWS discards it.
//!
//! The dead-lettered message is what the subscription would have received (the
//! Notification document, or the raw message), with three SQS message attributes that
//! say why, as AWS writes them: `ErrorCode` (a `Number`: the HTTP status of the failed
//! delivery), `ErrorMessage` and `RequestID` (`String`s).

use crate::access::Access;
use crate::sns::store::SubscriptionMeta;
use crate::sns::SNS_SERVICE_PRINCIPAL;
use crate::sqs::api::{MessageAttributeMap, MessageAttributeValue};
use crate::sqs::error::SqsErrorKind;
use crate::sqs::{ServiceMessage, Sqs};

/// The most message attributes an SQS message may carry.
const SQS_MESSAGE_ATTRIBUTES_MAX: usize = 10;

/// The dead-letter queue a subscription names, if any.
pub fn dead_letter_target(subscription: &SubscriptionMeta) -> Option<String> {
    let text = subscription.attributes.redrive_policy.as_deref()?;
    let policy: serde_json::Value = serde_json::from_str(text).ok()?;
    policy
        .get("deadLetterTargetArn")?
        .as_str()
        .map(str::to_owned)
}

/// A message on its way to a subscription's dead-letter queue.
#[derive(Debug, Clone)]
pub struct DeadLetter {
    pub queue_arn: String,
    pub topic_arn: String,
    pub subscription_arn: String,
    /// The topic's account: the message's SenderId and the policy's SourceAccount.
    pub account_id: String,
    pub message: ServiceMessage,
    /// Whether the queue's policy must admit the service principal (identities are
    /// configured); `false` on an open server.
    pub enforce_access: bool,
}

impl DeadLetter {
    /// The dead letter of `message` for `subscription`, if it has a dead-letter queue.
    pub fn for_subscription(
        subscription: &SubscriptionMeta,
        message: &ServiceMessage,
        enforce_access: bool,
    ) -> Option<Self> {
        Some(Self {
            queue_arn: dead_letter_target(subscription)?,
            topic_arn: subscription.topic.arn(),
            subscription_arn: subscription.arn.clone(),
            account_id: subscription.topic.account_id.clone(),
            message: message.clone(),
            enforce_access,
        })
    }

    /// Sends the message to the dead-letter queue with why it failed; logs the outcome.
    /// Answers whether the queue took it.
    pub async fn send(self, sqs: &Sqs, error_code: u16, error_message: &str) -> bool {
        let mut message = self.message;
        let why = [
            ("ErrorCode", "Number", error_code.to_string()),
            ("ErrorMessage", "String", error_message.to_owned()),
            (
                "RequestID",
                "String",
                uuid::Uuid::new_v4().hyphenated().to_string(),
            ),
        ];
        add_attributes(&mut message.attributes, why);
        let access = self.enforce_access.then(|| {
            Access::for_service(
                SNS_SERVICE_PRINCIPAL,
                "SendMessage",
                &self.topic_arn,
                &self.account_id,
            )
        });
        match sqs
            .send_from_service(&self.queue_arn, access, &self.account_id, message)
            .await
        {
            Ok(_) => {
                tracing::info!(
                    subscription = %self.subscription_arn,
                    queue = %self.queue_arn,
                    %error_code,
                    "SNS delivery dead-lettered"
                );
                true
            }
            Err(e) => {
                tracing::warn!(
                    subscription = %self.subscription_arn,
                    queue = %self.queue_arn,
                    error = %e,
                    "SNS delivery could not be dead-lettered; dropped"
                );
                false
            }
        }
    }
}

/// Adds the reason attributes, as many as the message has room for (a raw delivery may
/// already carry its own).
fn add_attributes(
    attributes: &mut MessageAttributeMap,
    why: impl IntoIterator<Item = (&'static str, &'static str, String)>,
) {
    for (name, data_type, value) in why {
        if attributes.len() >= SQS_MESSAGE_ATTRIBUTES_MAX && !attributes.contains_key(name) {
            break;
        }
        attributes.insert(
            name.to_owned(),
            MessageAttributeValue {
                data_type: data_type.to_owned(),
                string_value: Some(value),
                ..Default::default()
            },
        );
    }
}

/// The HTTP status an SQS refusal stands for, as a dead letter's `ErrorCode`.
pub fn sqs_error_code(kind: SqsErrorKind) -> u16 {
    match kind {
        SqsErrorKind::AccessDenied | SqsErrorKind::KmsAccessDenied => 403,
        SqsErrorKind::InternalError => 500,
        SqsErrorKind::ServiceUnavailable => 503,
        _ => 400,
    }
}

/// Logs a delivery that failed for a subscription with no dead-letter queue.
pub fn log_dropped(subscription_arn: &str, error_code: u16, error_message: &str) {
    tracing::warn!(
        subscription = %subscription_arn,
        %error_code,
        %error_message,
        "SNS delivery failed and the subscription has no dead-letter queue; dropped"
    );
}
