//! Deliveries Sluice records but does not make. SNS can deliver to e-mail addresses,
//! phone numbers (SMS), Lambda functions, Firehose streams and mobile push endpoints;
//! Sluice has none of those transports. Rather than drop such a delivery silently, each
//! one is logged at info level, with the topic, the subscription, the protocol, the
//! endpoint and the message id, and says that it was NOT delivered.
//!
//! An e-mail subscription's confirmation request is logged the same way, with its token,
//! so that it can still be confirmed (ConfirmSubscription).
//!
//! The same goes for a Publish straight to a PhoneNumber: it is checked as AWS checks it,
//! answered with a MessageId, and logged as not delivered. A Publish to a platform
//! endpoint's TargetArn answers AWS's "no endpoint found", since no endpoint exists.
//!
//! Queue subscriptions are delivered by `publish.rs`; HTTP/S ones by their own module.
use super::{Sns, SnsContext};
use crate::sns::activity::TopicActivity;
use crate::sns::api::{PublishInput, PublishOutput};
use crate::sns::error::{SnsError, SnsResult};
use crate::sns::names::ARN_MIN_ELEMENTS;
use crate::sns::phone::check_publish_number;
use crate::sns::protocol::Protocol;
use crate::sns::publish::{check, CheckedPublish};
use crate::sns::store::{SubscriptionMeta, TopicMeta};

/// Whether Sluice delivers to `protocol` (elsewhere) or only records it here.
pub fn delivered_by_sluice(protocol: Protocol) -> bool {
    matches!(protocol, Protocol::Sqs | Protocol::Http | Protocol::Https)
}

impl Sns {
    /// Logs the delivery a confirmed subscription over an undelivered protocol would get
    /// for this message, if its filter policy lets the message through. Does nothing for
    /// the protocols Sluice delivers, and for pending subscriptions (AWS sends them
    /// nothing). Each is counted and kept in the topic's recent deliveries as not
    /// delivered.
    pub(super) fn note_undelivered(
        &self,
        topic: &TopicMeta,
        subscription: &SubscriptionMeta,
        checked: &CheckedPublish,
        message_id: &str,
        activity: &TopicActivity,
    ) {
        if delivered_by_sluice(subscription.protocol) || subscription.pending {
            return;
        }
        let protocol = subscription.protocol.as_str();
        let body = checked.body_for(protocol);
        if self.admits(activity, subscription, &checked.filter_attributes(), body) {
            log_undelivered(topic, subscription, protocol, message_id, body);
            self.record_not_delivered(activity, subscription, message_id);
        }
    }
}

fn log_undelivered(
    topic: &TopicMeta,
    subscription: &SubscriptionMeta,
    protocol: &str,
    message_id: &str,
    body: &str,
) {
    tracing::info!(
        topic = %topic.key.arn(),
        subscription = %subscription.arn,
        protocol = %protocol,
        endpoint = %subscription.endpoint,
        message_id = %message_id,
        body_bytes = body.len(),
        "SNS notification NOT delivered: Sluice does not deliver to {protocol} endpoints"
    );
}

/// Logs the confirmation request AWS would e-mail to a new `email`/`email-json`
/// subscription, which Sluice does not send. The token is in the line, so the
/// subscription can still be confirmed with ConfirmSubscription.
pub(super) fn note_confirmation(subscription: &SubscriptionMeta) {
    let emailed = matches!(subscription.protocol, Protocol::Email | Protocol::EmailJson);
    let Some(token) = subscription.token.as_deref().filter(|_| emailed) else {
        return;
    };
    tracing::info!(
        topic = %subscription.topic.arn(),
        subscription = %subscription.arn,
        protocol = %subscription.protocol.as_str(),
        endpoint = %subscription.endpoint,
        token = %token,
        "SNS subscription confirmation NOT delivered: Sluice does not send e-mail; confirm \
         with ConfirmSubscription and this token"
    );
}

/// Whether `arn` names a platform endpoint (`...:endpoint/PLATFORM/APP/ID`).
fn is_endpoint_arn(arn: &str) -> bool {
    let e: Vec<&str> = arn.split(':').collect();
    e.len() >= ARN_MIN_ELEMENTS && e[2] == "sns" && e[5].starts_with("endpoint/")
}

impl Sns {
    /// Publishes that name no topic: to a PhoneNumber (checked, answered, logged as not
    /// delivered) or to a platform endpoint (none exists). `None` for a topic publish.
    pub(super) fn publish_without_topic(
        &self,
        ctx: &SnsContext,
        input: &PublishInput,
    ) -> SnsResult<Option<PublishOutput>> {
        if let Some(target) = input.target_arn.as_deref().filter(|t| is_endpoint_arn(t)) {
            if input.topic_arn.is_none() {
                let account = target.split(':').nth(4).unwrap_or_default();
                self.authorize(ctx, "Publish", target, account, None)?;
                return Err(SnsError::invalid_parameter(
                    "TargetArn Reason: No endpoint found for the target arn specified",
                ));
            }
        }
        let Some(number) = input.phone_number.as_deref() else {
            return Ok(None);
        };
        if input.topic_arn.is_some() || input.target_arn.is_some() {
            return Err(SnsError::invalid_parameter(
                "PhoneNumber Reason: Only one of TopicArn, TargetArn or PhoneNumber may be \
                 specified",
            ));
        }
        check_publish_number(number)?;
        let checked = check(input)?;
        let resource = format!("arn:aws:sns:{}:{}:*", ctx.region, ctx.account_id);
        self.authorize(ctx, "Publish", &resource, &ctx.account_id, None)?;
        let message_id = uuid::Uuid::new_v4().hyphenated().to_string();
        tracing::info!(
            phone_number = %number,
            message_id = %message_id,
            body_bytes = checked.body_for("sms").len(),
            "SNS SMS NOT delivered: Sluice does not send SMS messages"
        );
        Ok(Some(PublishOutput {
            message_id,
            sequence_number: None,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_queues_and_http_are_delivered() {
        for p in Protocol::ALL {
            let delivered = matches!(p, Protocol::Sqs | Protocol::Http | Protocol::Https);
            assert_eq!(delivered_by_sluice(p), delivered, "{p:?}");
        }
        assert!(is_endpoint_arn(
            "arn:aws:sns:us-east-1:111111111111:endpoint/APNS/app/0f7d5971"
        ));
        assert!(!is_endpoint_arn("arn:aws:sns:us-east-1:111111111111:topic"));
        assert!(!is_endpoint_arn("endpoint/x"));
    }
}
