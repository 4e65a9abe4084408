//! Publish: validate, authorise `sns:Publish` on the topic, then fan the message out to
//! the topic's confirmed `sqs` subscriptions whose filter policies match. Each queue gets
//! AWS's signed Notification document, or with RawMessageDelivery the raw body and the
//! message attributes as SQS message attributes, through the SQS core's in-process
//! entry point (`Sqs::send_from_service`), never over HTTP.
//!
//! FIFO topics go through the topic's deduplication window first (a duplicate within
//! five minutes is answered with the original's MessageId and SequenceNumber and not
//! delivered), and hold their message group's turn (`fifo_lanes.rs`) until the
//! deliveries are appended, so each queue receives a group in sequence-number order.
//! FIFO queues get the group and the deduplication id; the envelope carries the
//! SequenceNumber and, as AWS's FIFO topics do, no signature.
//!
//! The publish is answered only when every delivery's append is durable. The appends run
//! concurrently, so one journal group commit covers them all. A delivery that fails (the
//! queue is gone, its policy refuses the topic, its key is unusable, the message is too
//! large for it) is logged and does not fail the publish: AWS accepts the message and
//! dead-letters it per subscription (`dead_letter.rs`). HTTP/S subscriptions get their
//! documents through the outbox (`http_delivery.rs`), enqueued alongside the appends.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::dead_letter::DeadLetter;
use super::document::{notification_string_to_sign, notification_template, Published};
use super::observe::DeliveryRecorder;
use super::{Sns, SnsContext};
use crate::access::Access;
use crate::sns::api::{PublishInput, PublishOutput};
use crate::sns::error::{SnsError, SnsResult};
use crate::sns::fifo::{self, sequence_number_text};
use crate::sns::filter::FilterScope;
use crate::sns::notification::{
    unsubscribe_url, NotificationSigner, NotificationTemplate, SignatureMemo,
};
use crate::sns::protocol::Protocol;
use crate::sns::publish::{check, CheckedPublish};
use crate::sns::store::{FifoAdmission, FifoPublish, SubscriptionMeta, TopicMeta};
use crate::sqs::api::{Blob, MessageAttributeMap, MessageAttributeValue};
use crate::sqs::{ServiceMessage, Sqs};

/// Where the server serves the certificate its notifications are signed with: the path
/// of every notification's `SigningCertURL` (GET, no authentication).
pub const SIGNING_CERT_PATH: &str = "/_sluice/sns/signing-cert.pem";
/// The principal SNS acts as when it sends to a queue, as queue policies name it.
pub const SNS_SERVICE_PRINCIPAL: &str = "sns.amazonaws.com";
/// What a FIFO queue's name (and so its ARN) ends with.
const FIFO_QUEUE_SUFFIX: &str = ".fifo";
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
        if let Some(out) = self.publish_without_topic(ctx, &input)? {
            return Ok(out);
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
        let topic = self.publishable_topic(ctx, arn, member).await?;
        self.publish_checked(
            ctx,
            fanout,
            &topic,
            &checked,
            input.message_deduplication_id.as_deref(),
        )
        .await
    }

    /// Publishes one checked message to `topic`: on a standard topic straight to the
    /// fan-out; on a FIFO topic through its deduplication window, holding the message
    /// group's turn so every subscribed queue gets the group in sequence-number order.
    pub(super) async fn publish_checked(
        &self,
        ctx: &SnsContext,
        fanout: &Fanout,
        topic: &TopicMeta,
        checked: &CheckedPublish,
        deduplication_id: Option<&str>,
    ) -> SnsResult<PublishOutput> {
        if !topic.attributes.fifo_topic {
            fifo::refuse_deduplication_id(deduplication_id)?;
            let stamp = Stamp::standard();
            self.fan_out(ctx, fanout, topic, checked, &stamp).await;
            return Ok(PublishOutput {
                message_id: stamp.message_id,
                sequence_number: None,
            });
        }
        let fifo = fifo::stamp(
            &topic.attributes,
            &checked.message,
            checked.message_group_id.as_deref(),
            deduplication_id,
        )?;
        let lane = self.fifo_lanes.lane(&topic.key, &fifo.group_id);
        let turn = lane.lock().await;
        let message_id = new_message_id();
        let now = self.now();
        let admission = self
            .store
            .admit_fifo_publish(
                &topic.key,
                &fifo.scope,
                &fifo.deduplication_id,
                &message_id,
                now,
            )
            .await?;
        let out = match admission {
            FifoAdmission::Duplicate(earlier) => PublishOutput {
                message_id: earlier.message_id,
                sequence_number: Some(sequence_number_text(earlier.sequence_number)),
            },
            FifoAdmission::Fresh { sequence_number } => {
                let stamp = Stamp {
                    message_id,
                    sequence_number: Some(sequence_number_text(sequence_number)),
                    deduplication_id: Some(fifo.deduplication_id.clone()),
                };
                self.fan_out(ctx, fanout, topic, checked, &stamp).await;
                self.store
                    .record_fifo_publish(FifoPublish {
                        topic: topic.key.clone(),
                        scope: fifo.scope,
                        deduplication_id: fifo.deduplication_id,
                        message_id: stamp.message_id.clone(),
                        sequence_number,
                        published_at_ms: now,
                    })
                    .await?;
                PublishOutput {
                    message_id: stamp.message_id,
                    sequence_number: stamp.sequence_number,
                }
            }
        };
        drop(turn);
        self.fifo_lanes.release(&topic.key, &fifo.group_id, lane);
        Ok(out)
    }

    /// The topic a publish names, once the caller may publish to it (PublishBatch is
    /// authorised as `sns:Publish`, as on AWS).
    pub(super) async fn publishable_topic(
        &self,
        ctx: &SnsContext,
        arn: &str,
        member: &str,
    ) -> SnsResult<TopicMeta> {
        self.resolve_topic(ctx, "Publish", Some(arn), member).await
    }

    /// Delivers one checked message to the topic's matching queue subscriptions; returns
    /// once every delivery has been appended (or has failed).
    async fn fan_out(
        &self,
        ctx: &SnsContext,
        fanout: &Fanout,
        topic: &TopicMeta,
        checked: &CheckedPublish,
        stamp: &Stamp,
    ) {
        // Every subscription's copy of this publish shares one signature.
        let fanout = &Fanout {
            signer: Arc::new(SignatureMemo::new(fanout.signer.clone())),
            ..fanout.clone()
        };
        let published_at = self.now();
        let activity = self.activity.of(&topic.key);
        activity.published();
        let recorder = self.queue_recorder(&activity, &stamp.message_id);
        let subscriptions = self.store.topic_subscribers(&topic.key).await;
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
        let queues: Vec<&SubscriptionMeta> = subscriptions
            .iter()
            .filter(|s| s.protocol == Protocol::Sqs && !s.pending)
            .filter(|s| self.admits(&activity, s, &filter_attributes, sqs_body))
            .collect();
        let published = Published {
            message_id: &stamp.message_id,
            sequence_number: stamp.sequence_number.as_deref(),
            published_at_ms: published_at,
        };
        // Every queue that takes the envelope gets the same document but for its
        // UnsubscribeURL: rendered, and signed, once.
        let envelope = if queues.iter().any(|s| !s.attributes.raw_message_delivery) {
            // Signed first, so the HTTP/S documents of the same body share it too.
            self.presign(topic, checked, sqs_body, &published, fanout)
                .await;
            Some(
                notification_template(topic, checked, sqs_body, &published, fanout)
                    .map_err(|e| e.to_string()),
            )
        } else {
            None
        };
        let http = self.spawn_http_deliveries(
            ctx,
            fanout,
            topic,
            &subscriptions,
            checked,
            &stamp.message_id,
            published_at,
            &activity,
        );
        for subscription in subscriptions.iter() {
            self.note_undelivered(topic, subscription, checked, &stamp.message_id, &activity);
        }
        let mut sends = Vec::with_capacity(queues.len());
        let mut letters = Vec::with_capacity(queues.len());
        for subscription in queues {
            let document = QueueDocument {
                topic,
                subscription,
                checked,
                stamp,
                fanout,
                envelope: envelope.as_ref(),
            };
            let message = match document.build() {
                Ok(message) => message,
                Err(reason) => {
                    tracing::warn!(subscription = %subscription.arn, %reason, "SNS delivery not sent");
                    recorder.not_sent(subscription, reason);
                    continue;
                }
            };
            letters.push((
                subscription.arn.clone(),
                subscription.endpoint.clone(),
                DeadLetter::for_subscription(subscription, &message, access.is_some()),
            ));
            sends.push((subscription.endpoint.clone(), message));
        }
        // One store step for every queue's copy, so they become durable together. A
        // task of its own, so a publish whose caller goes away still completes.
        if !sends.is_empty() {
            let sqs = fanout.sqs.clone();
            let sender_id = topic.key.account_id.clone();
            let deliveries = tokio::spawn(async move {
                let sent = sqs.send_many_from_service(sends, access, &sender_id).await;
                deliver_failures(&sqs, letters, sent, &recorder).await;
            });
            if let Err(e) = deliveries.await {
                tracing::error!(error = %e, "SNS delivery task ended abnormally");
            }
        }
        if let Some(http) = http {
            if let Err(e) = http.await {
                tracing::error!(error = %e, "SNS HTTP/S enqueue task ended abnormally");
            }
        }
    }
}

impl Sns {
    /// Signs a publish's notification on a blocking thread, so that the RSA signature
    /// (the costliest step of a publish) runs beside other requests instead of holding
    /// an async worker; the fan-out's `SignatureMemo` keeps it for the documents. At
    /// most one signature per core runs at once. A failure is not reported here: the
    /// document's own signing meets it again and the delivery is logged as not sent.
    async fn presign(
        &self,
        topic: &TopicMeta,
        checked: &CheckedPublish,
        body: &str,
        published: &Published<'_>,
        fanout: &Fanout,
    ) {
        let Some((version, text)) =
            notification_string_to_sign(topic, checked, body, published, fanout)
        else {
            return;
        };
        let Ok(permit) = self.signing_slots.clone().acquire_owned().await else {
            return;
        };
        let signer = fanout.signer.clone();
        let signed = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            signer.sign(version, text.as_bytes()).is_ok()
        })
        .await;
        if let Err(e) = signed {
            tracing::error!(error = %e, "SNS signing task ended abnormally");
        }
    }
}

/// Logs each queue delivery that failed and sends it to its subscription's dead-letter
/// queue, if it has one; records every delivery's outcome (`observe.rs`). `letters`:
/// each delivery's subscription, queue and dead letter.
async fn deliver_failures(
    sqs: &Sqs,
    letters: Vec<(String, String, Option<DeadLetter>)>,
    sent: Vec<crate::sqs::error::SqsResult<crate::sqs::api::SendMessageOutput>>,
    recorder: &DeliveryRecorder,
) {
    let mut records = Vec::with_capacity(letters.len());
    let mut dead_letters = Vec::new();
    for ((subscription, queue, dead_letter), result) in letters.into_iter().zip(sent) {
        let Err(e) = result else {
            records.push(recorder.delivered(subscription, queue));
            continue;
        };
        tracing::warn!(%subscription, %queue, error = %e, "SNS delivery to SQS failed");
        dead_letters.push(recorder.refused(sqs, subscription, queue, dead_letter, e));
    }
    records.extend(futures_util::future::join_all(dead_letters).await);
    recorder.keep(records);
}

/// What one publish is delivered as: its MessageId and, on a FIFO topic, its sequence
/// number and deduplication id.
struct Stamp {
    message_id: String,
    sequence_number: Option<String>,
    deduplication_id: Option<String>,
}

impl Stamp {
    fn standard() -> Self {
        Self {
            message_id: new_message_id(),
            sequence_number: None,
            deduplication_id: None,
        }
    }
}

fn new_message_id() -> String {
    uuid::Uuid::new_v4().hyphenated().to_string()
}

impl Sns {
    /// Whether the subscription's filter policy (if any) lets the message through.
    pub(super) fn passes_filter(
        &self,
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
        // Validated when set: one that no longer parses lets nothing through.
        self.filters
            .get(text, scope)
            .is_some_and(|policy| policy.matches(attributes, body))
    }
}

/// One queue subscription's copy of a publish.
struct QueueDocument<'a> {
    topic: &'a TopicMeta,
    subscription: &'a SubscriptionMeta,
    checked: &'a CheckedPublish,
    stamp: &'a Stamp,
    fanout: &'a Fanout,
    /// The publish's envelope for queues without RawMessageDelivery.
    envelope: Option<&'a Result<NotificationTemplate, String>>,
}

impl QueueDocument<'_> {
    fn build(&self) -> Result<ServiceMessage, String> {
        // A FIFO queue takes the publish's deduplication id, so that its own window
        // drops a copy a retried publish delivers again; a standard queue takes none.
        let fifo_queue = self.subscription.endpoint.ends_with(FIFO_QUEUE_SUFFIX);
        let deduplication_id = self.stamp.deduplication_id.clone().filter(|_| fifo_queue);
        // The group goes to FIFO queues, and from standard topics to standard queues
        // too (fair queues); a FIFO topic gives a standard queue neither (recorded).
        let group_id = self
            .checked
            .message_group_id
            .clone()
            .filter(|_| fifo_queue || !self.topic.attributes.fifo_topic);
        if self.subscription.attributes.raw_message_delivery {
            return Ok(ServiceMessage {
                body: self.checked.body_for(SQS_PROTOCOL_KEY).to_owned(),
                attributes: sqs_attributes(self.checked),
                group_id,
                deduplication_id,
            });
        }
        let envelope = self
            .envelope
            .ok_or("no envelope was rendered")?
            .as_ref()
            .map_err(String::clone)?;
        let unsubscribe = unsubscribe_url(&self.fanout.base_url, &self.subscription.arn);
        Ok(ServiceMessage {
            body: envelope.document(&unsubscribe),
            attributes: MessageAttributeMap::new(),
            group_id,
            deduplication_id,
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
