//! The deliveries an HTTP/S subscription is owed, built as the outbox keeps them: the
//! signed Notification of a publish (or its raw message), and the signed
//! SubscriptionConfirmation and UnsubscribeConfirmation. Each carries the policy it is
//! retried by and its content type, fixed when it is enqueued.

use super::policy::HttpDeliveryPolicy;
use crate::clock::EpochMs;
use crate::sns::notification::{
    subscribe_url, subscription_confirmation_message, unsubscribe_confirmation_message,
    Confirmation, ConfirmationKind, SignError, Signing,
};
use crate::sns::outbox::{DeliveryKind, NewDelivery};
use crate::sns::publish::CheckedPublish;
use crate::sns::service::document::{notification_json, signature_version, Published};
use crate::sns::store::{SubscriptionMeta, TopicMeta};
use crate::sns::{signing_cert_url, Fanout};

/// The policy a subscription of `topic` is delivered with.
pub fn policy_for(topic: &TopicMeta, subscription: &SubscriptionMeta) -> HttpDeliveryPolicy {
    HttpDeliveryPolicy::effective(
        topic.attributes.delivery_policy.as_deref(),
        subscription.attributes.delivery_policy.as_deref(),
    )
}

fn delivery(
    topic: &TopicMeta,
    subscription: &SubscriptionMeta,
    kind: DeliveryKind,
    message_id: &str,
    body: String,
    raw: bool,
    now: EpochMs,
) -> NewDelivery {
    let policy = policy_for(topic, subscription);
    NewDelivery {
        subscription_arn: subscription.arn.clone(),
        topic_arn: topic.key.arn(),
        endpoint: subscription.endpoint.clone(),
        kind,
        message_id: message_id.to_owned(),
        body,
        raw,
        content_type: policy.content_type,
        retry: policy.retry,
        max_receives_per_second: policy.max_receives_per_second,
        due_ms: now,
    }
}

/// A publish as one HTTP/S subscription receives it. `body` is the message for the
/// subscription's protocol (MessageStructure=json already applied).
#[allow(clippy::too_many_arguments)]
pub fn notification(
    topic: &TopicMeta,
    subscription: &SubscriptionMeta,
    checked: &CheckedPublish,
    body: &str,
    message_id: &str,
    published_at_ms: EpochMs,
    fanout: &Fanout,
) -> Result<NewDelivery, SignError> {
    if subscription.attributes.raw_message_delivery {
        return Ok(delivery(
            topic,
            subscription,
            DeliveryKind::Notification,
            message_id,
            body.to_owned(),
            true,
            published_at_ms,
        ));
    }
    let published = Published {
        message_id,
        sequence_number: None,
        published_at_ms,
    };
    let json = notification_json(topic, subscription, checked, body, &published, fanout)?;
    Ok(delivery(
        topic,
        subscription,
        DeliveryKind::Notification,
        message_id,
        json,
        false,
        published_at_ms,
    ))
}

/// The SubscriptionConfirmation (on Subscribe) or UnsubscribeConfirmation (on
/// Unsubscribe) of an HTTP/S subscription. Both carry the subscription's token and a
/// SubscribeURL that confirms it on this server.
pub fn confirmation(
    topic: &TopicMeta,
    subscription: &SubscriptionMeta,
    kind: ConfirmationKind,
    token: &str,
    now: EpochMs,
    fanout: &Fanout,
) -> Result<NewDelivery, SignError> {
    let message_id = uuid::Uuid::new_v4().hyphenated().to_string();
    let topic_arn = topic.key.arn();
    let message = match kind {
        ConfirmationKind::Subscribe => subscription_confirmation_message(&topic_arn),
        ConfirmationKind::Unsubscribe => unsubscribe_confirmation_message(&subscription.arn),
    };
    let url = subscribe_url(&fanout.base_url, &topic_arn, token);
    let cert_url = signing_cert_url(&fanout.base_url);
    let signing = Signing {
        signer: fanout.signer.as_ref(),
        version: signature_version(topic),
        signing_cert_url: &cert_url,
    };
    let json = Confirmation {
        kind,
        message_id: &message_id,
        token,
        topic_arn: &topic_arn,
        message: &message,
        subscribe_url: &url,
        timestamp_ms: now,
    }
    .to_json(&signing)?;
    let kind = match kind {
        ConfirmationKind::Subscribe => DeliveryKind::SubscriptionConfirmation,
        ConfirmationKind::Unsubscribe => DeliveryKind::UnsubscribeConfirmation,
    };
    Ok(delivery(
        topic,
        subscription,
        kind,
        &message_id,
        json,
        false,
        now,
    ))
}
