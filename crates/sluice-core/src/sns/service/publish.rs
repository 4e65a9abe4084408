//! Publish: validate, authorise `sns:Publish` on the topic, then fan the message out to
//! the topic's confirmed `sqs` subscriptions whose filter policies match. Each queue gets
//! AWS's signed Notification document, or with RawMessageDelivery the raw body and the
//! message attributes as SQS message attributes, through the SQS core's in-process
//! entry point (`Sqs::send_from_service`), never over HTTP.
//!
//! The publish is answered only when every delivery's append is durable. The appends run
//! concurrently, so one journal group commit covers them all. A delivery that fails (the
//! queue is gone, its policy refuses the topic, its key is unusable, the message is too
//! large for it) is logged and does not fail the publish: AWS accepts the message and
//! dead-letters it per subscription (`dead_letter.rs`). HTTP/S subscriptions get their
//! documents through the outbox (`http_delivery.rs`), enqueued alongside the appends.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::dead_letter::{sqs_error_code, DeadLetter};
use super::{Sns, SnsContext};
use crate::access::Access;
use crate::sns::api::{PublishInput, PublishOutput};
use crate::sns::error::{SnsError, SnsResult};
use crate::sns::filter::{FilterPolicy, FilterScope};
use crate::sns::notification::{
    unsubscribe_url, EnvelopeAttribute, Notification, NotificationSigner, SignatureVersion, Signing,
};
use crate::sns::protocol::Protocol;
use crate::sns::publish::{attribute_text, check, CheckedPublish};
use crate::sns::store::{SubscriptionMeta, TopicMeta};
use crate::sqs::api::{Blob, MessageAttributeMap, MessageAttributeValue};
use crate::sqs::{ServiceMessage, Sqs};

/// Where the server serves the certificate its notifications are signed with: the path
/// of every notification's `SigningCertURL` (GET, no authentication).
pub const SIGNING_CERT_PATH: &str = "/_sluice/sns/signing-cert.pem";
/// The principal SNS acts as when it sends to a queue, as queue policies name it.
pub const SNS_SERVICE_PRINCIPAL: &str = "sns.amazonaws.com";
/// The protocol key `MessageStructure=json` bodies are picked by for queues.
const SQS_PROTOCOL_KEY: &str = "sqs";

/// The `SigningCertURL` of notifications from the server at `base_url`.
pub fn signing_cert_url(base_url: &str) -> String {
    format!("{}{SIGNING_CERT_PATH}", base_url.trim_end_matches('/'))
}

/// What fan-out needs beyond the SNS store: the SQS core to deliver into, the signing
/// key, and the base URL the documents' URLs point at.
#[derive(Clone)]
pub struct Fanout {
    pub sqs: Arc<Sqs>,
    pub signer: Arc<dyn NotificationSigner>,
    pub base_url: String,
}

impl Sns {
    pub async fn publish(
        &self,
        ctx: &SnsContext,
        fanout: &Fanout,
        input: PublishInput,
    ) -> SnsResult<PublishOutput> {
        if input.phone_number.is_some() {
            return Err(SnsError::not_supported("Publish to a PhoneNumber"));
        }
        let (arn, member) = match (&input.topic_arn, &input.target_arn) {
            (Some(topic), None) => (topic.as_str(), "TopicArn"),
            (None, Some(target)) => (target.as_str(), "TargetArn"),
            (None, None) => {
                return Err(SnsError::invalid_parameter(
                    "TopicArn or TargetArn Reason: no value for required parameter",
                ))
            }
            (Some(_), Some(_)) => {
                return Err(SnsError::invalid_parameter(
                    "TopicArn or TargetArn Reason: Only one of TopicArn or TargetArn may be \
                     specified",
                ))
            }
        };
        let checked = check(&input)?;
        let topic = self.publishable_topic(ctx, "Publish", arn, member).await?;
        let message_id = self.fan_out(ctx, fanout, &topic, &checked).await;
        Ok(PublishOutput {
            message_id,
            sequence_number: None,
        })
    }

    /// The topic a publish names, once the caller may publish to it (PublishBatch is
    /// authorised as `sns:Publish`, as on AWS).
    pub(super) async fn publishable_topic(
        &self,
        ctx: &SnsContext,
        action: &str,
        arn: &str,
        member: &str,
    ) -> SnsResult<TopicMeta> {
        let topic = self
            .resolve_topic(ctx, "Publish", Some(arn), member)
            .await?;
        if topic.attributes.fifo_topic {
            return Err(SnsError::not_supported(&format!(
                "{action} to a FIFO topic"
            )));
        }
        Ok(topic)
    }

    /// Delivers one checked message to the topic's matching queue subscriptions and
    /// answers its MessageId once every delivery has been appended (or has failed).
    pub(super) async fn fan_out(
        &self,
        ctx: &SnsContext,
        fanout: &Fanout,
        topic: &TopicMeta,
        checked: &CheckedPublish,
    ) -> String {
        let message_id = uuid::Uuid::new_v4().hyphenated().to_string();
        let published_at = self.now();
        let subscriptions = self.store.subscriptions_of_topic(&topic.key).await;
        let filter_attributes = checked.filter_attributes();
        let sqs_body = checked.body_for(SQS_PROTOCOL_KEY);
        let access = ctx.access.as_ref().map(|_| {
            Access::for_service(
                SNS_SERVICE_PRINCIPAL,
                "SendMessage",
                &topic.key.arn(),
                &topic.key.account_id,
            )
        });
        let mut deliveries = tokio::task::JoinSet::new();
        let http = self.spawn_http_deliveries(
            ctx,
            fanout,
            topic,
            &subscriptions,
            checked,
            &message_id,
            published_at,
        );
        for subscription in subscriptions {
            if subscription.protocol != Protocol::Sqs || subscription.pending {
                continue;
            }
            if !passes_filter(&subscription, &filter_attributes, sqs_body) {
                continue;
            }
            let document = QueueDocument {
                topic,
                subscription: &subscription,
                checked,
                message_id: &message_id,
                published_at_ms: published_at,
                fanout,
            };
            let message = match document.build() {
                Ok(message) => message,
                Err(reason) => {
                    tracing::warn!(subscription = %subscription.arn, %reason, "SNS delivery not sent");
                    continue;
                }
            };
            let sqs = fanout.sqs.clone();
            let access = access.clone();
            let sender_id = topic.key.account_id.clone();
            let dead_letter =
                DeadLetter::for_subscription(&subscription, &message, access.is_some());
            deliveries.spawn(async move {
                let result = sqs
                    .send_from_service(&subscription.endpoint, access, &sender_id, message)
                    .await;
                if let (Err(e), Some(dead_letter)) = (&result, dead_letter) {
                    let code = sqs_error_code(e.kind);
                    dead_letter.send(&sqs, code, &e.message).await;
                }
                (subscription.arn, subscription.endpoint, result)
            });
        }
        while let Some(joined) = deliveries.join_next().await {
            match joined {
                Ok((_, _, Ok(_))) => {}
                Ok((subscription, queue, Err(e))) => {
                    tracing::warn!(%subscription, %queue, error = %e, "SNS delivery to SQS failed");
                }
                Err(e) => tracing::error!(error = %e, "SNS delivery task ended abnormally"),
            }
        }
        if let Some(http) = http {
            if let Err(e) = http.await {
                tracing::error!(error = %e, "SNS HTTP/S enqueue task ended abnormally");
            }
        }
        message_id
    }
}

/// Whether the subscription's filter policy (if any) lets the message through.
pub(super) fn passes_filter(
    subscription: &SubscriptionMeta,
    attributes: &BTreeMap<String, crate::sns::filter::AttributeValue>,
    body: &str,
) -> bool {
    let Some(text) = &subscription.attributes.filter_policy else {
        return true;
    };
    let scope = subscription
        .attributes
        .filter_policy_scope
        .unwrap_or(FilterScope::MessageAttributes);
    match FilterPolicy::parse(text, scope) {
        Ok(policy) => policy.matches(attributes, body),
        // Validated when set: one that no longer parses lets nothing through.
        Err(_) => false,
    }
}

/// One queue subscription's copy of a publish.
struct QueueDocument<'a> {
    topic: &'a TopicMeta,
    subscription: &'a SubscriptionMeta,
    checked: &'a CheckedPublish,
    message_id: &'a str,
    published_at_ms: u64,
    fanout: &'a Fanout,
}

impl QueueDocument<'_> {
    fn build(&self) -> Result<ServiceMessage, String> {
        let body = self.checked.body_for(SQS_PROTOCOL_KEY);
        if self.subscription.attributes.raw_message_delivery {
            return Ok(ServiceMessage {
                body: body.to_owned(),
                attributes: sqs_attributes(self.checked),
                group_id: self.checked.message_group_id.clone(),
                deduplication_id: None,
            });
        }
        let texts: Vec<(String, String, String)> = self
            .checked
            .attributes
            .iter()
            .map(|(name, a)| (name.clone(), a.data_type.clone(), attribute_text(a)))
            .collect();
        let attributes: Vec<EnvelopeAttribute<'_>> = texts
            .iter()
            .map(|(name, data_type, value)| EnvelopeAttribute {
                name,
                data_type,
                value,
            })
            .collect();
        let topic_arn = self.topic.key.arn();
        let unsubscribe = unsubscribe_url(&self.fanout.base_url, &self.subscription.arn);
        let cert_url = signing_cert_url(&self.fanout.base_url);
        let version = self
            .topic
            .attributes
            .signature_version
            .as_deref()
            .and_then(SignatureVersion::parse)
            .unwrap_or_default();
        let signing = Signing {
            signer: self.fanout.signer.as_ref(),
            version,
            signing_cert_url: &cert_url,
        };
        let notification = Notification {
            message_id: self.message_id,
            sequence_number: None,
            topic_arn: &topic_arn,
            subject: self.checked.subject.as_deref(),
            message: body,
            timestamp_ms: self.published_at_ms,
            unsubscribe_url: &unsubscribe,
            message_attributes: &attributes,
        };
        let json = notification
            .to_json(Some(&signing))
            .map_err(|e| e.to_string())?;
        Ok(ServiceMessage {
            body: json,
            attributes: MessageAttributeMap::new(),
            group_id: self.checked.message_group_id.clone(),
            deduplication_id: None,
        })
    }
}

/// A raw delivery's message attributes: each SNS attribute as the SQS attribute of the
/// same name and type.
fn sqs_attributes(checked: &CheckedPublish) -> MessageAttributeMap {
    checked
        .attributes
        .iter()
        .map(|(name, a)| {
            let value = MessageAttributeValue {
                data_type: a.data_type.clone(),
                string_value: a.string_value.clone().filter(|_| a.binary_value.is_none()),
                binary_value: a.binary_value.clone().map(Blob),
                ..Default::default()
            };
            (name.clone(), value)
        })
        .collect()
}
