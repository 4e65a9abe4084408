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

use super::dead_letter::{sqs_error_code, DeadLetter};
use super::document::{notification_json, Published};
use super::{Sns, SnsContext};
use crate::access::Access;
use crate::sns::api::{PublishInput, PublishOutput};
use crate::sns::error::{SnsError, SnsResult};
use crate::sns::fifo::{self, sequence_number_text};
use crate::sns::filter::FilterScope;
use crate::sns::notification::{NotificationSigner, SignatureMemo};
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
            &stamp.message_id,
            published_at,
        );
        for subscription in subscriptions {
            self.note_undelivered(topic, &subscription, checked, &stamp.message_id);
            if subscription.protocol != Protocol::Sqs || subscription.pending {
                continue;
            }
            if !self.passes_filter(&subscription, &filter_attributes, sqs_body) {
                continue;
            }
            let document = QueueDocument {
                topic,
                subscription: &subscription,
                checked,
                stamp,
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
    }
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
    published_at_ms: u64,
    fanout: &'a Fanout,
}

impl QueueDocument<'_> {
    fn build(&self) -> Result<ServiceMessage, String> {
        let body = self.checked.body_for(SQS_PROTOCOL_KEY);
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
                body: body.to_owned(),
                attributes: sqs_attributes(self.checked),
                group_id,
                deduplication_id,
            });
        }
        let published = Published {
            message_id: &self.stamp.message_id,
            sequence_number: self.stamp.sequence_number.as_deref(),
            published_at_ms: self.published_at_ms,
        };
        let json = notification_json(
            self.topic,
            self.subscription,
            self.checked,
            body,
            &published,
            self.fanout,
        )
        .map_err(|e| e.to_string())?;
        Ok(ServiceMessage {
            body: json,
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
