//! Where SNS hands work to the HTTP/S outbox, and what the server's delivery worker asks
//! of the service: a publish enqueues the signed Notification of every confirmed HTTP/S
//! subscription whose filter policy matches; Subscribe (and subscribing a pending
//! endpoint again) enqueues its SubscriptionConfirmation; Unsubscribe of a confirmed
//! HTTP/S subscription enqueues its UnsubscribeConfirmation. The worker asks whether a
//! delivery is still wanted and dead-letters the ones that fail for good.
//!
//! A publish's enqueue runs as its own task, alongside the queue deliveries, so one
//! journal group commit makes all of them durable; Publish answers after both.

use std::sync::Arc;

use super::dead_letter::{log_dropped, DeadLetter};
use super::observe::AttemptEnd;
use super::{Fanout, Sns, SnsContext};
use crate::clock::EpochMs;
use crate::sns::activity::TopicActivity;
use crate::sns::delivery::http::{confirmation, notification};
use crate::sns::delivery_log::Outcome;
use crate::sns::notification::ConfirmationKind;
use crate::sns::outbox::{DeliveryKind, DeliveryOutbox, NewDelivery, OutboxError, PendingDelivery};
use crate::sns::protocol::Protocol;
use crate::sns::publish::CheckedPublish;
use crate::sns::store::{SubscriptionMeta, TopicMeta};
use crate::sqs::{ServiceMessage, Sqs};

/// The ErrorCode an outbox refusal is logged and dead-lettered with (the HTTP status
/// of "too many requests": the outbox is full).
const OUTBOX_FULL_CODE: u16 = 429;
/// The ErrorCode of a delivery the store could not take.
const UNAVAILABLE_CODE: u16 = 503;

impl Protocol {
    /// Whether deliveries to this protocol go through the HTTP/S outbox.
    pub fn is_http(self) -> bool {
        matches!(self, Protocol::Http | Protocol::Https)
    }
}

/// One HTTP/S delivery of a publish, with the dead letter it becomes if the outbox has
/// no room for it.
struct Owed {
    delivery: NewDelivery,
    dead_letter: Option<DeadLetter>,
}

impl Sns {
    /// The outbox HTTP/S deliveries go to; `None` for a service built without one, which
    /// logs and drops them.
    pub fn outbox(&self) -> Option<&Arc<dyn DeliveryOutbox>> {
        self.outbox.as_ref()
    }

    /// Notified whenever a delivery is enqueued, so the worker looks again at once.
    pub fn delivery_wake(&self) -> Arc<tokio::sync::Notify> {
        self.delivery_wake.clone()
    }

    /// Starts enqueueing a publish's HTTP/S deliveries; the caller awaits the handle
    /// after its queue deliveries, so both ride the same group commit.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn spawn_http_deliveries(
        &self,
        ctx: &SnsContext,
        fanout: &Fanout,
        topic: &TopicMeta,
        subscriptions: &[SubscriptionMeta],
        checked: &CheckedPublish,
        message_id: &str,
        published_at_ms: EpochMs,
        activity: &Arc<TopicActivity>,
    ) -> Option<tokio::task::JoinHandle<()>> {
        let filter_attributes = checked.filter_attributes();
        let mut owed = Vec::new();
        for subscription in subscriptions {
            if !subscription.protocol.is_http() || subscription.pending {
                continue;
            }
            let body = checked.body_for(subscription.protocol.as_str());
            if !self.admits(activity, subscription, &filter_attributes, body) {
                continue;
            }
            match notification(
                topic,
                subscription,
                checked,
                body,
                message_id,
                published_at_ms,
                fanout,
            ) {
                Ok(delivery) => {
                    let letter = ServiceMessage {
                        body: delivery.body.clone(),
                        ..Default::default()
                    };
                    owed.push(Owed {
                        dead_letter: DeadLetter::for_subscription(
                            subscription,
                            &letter,
                            ctx.access.is_some(),
                        ),
                        delivery,
                    });
                }
                Err(e) => {
                    tracing::warn!(subscription = %subscription.arn, error = %e, "SNS delivery not sent");
                    activity.count(subscription.protocol, Outcome::Dropped);
                }
            }
        }
        if owed.is_empty() {
            return None;
        }
        let Some(outbox) = self.outbox.clone() else {
            let why = "HTTP/S delivery is not available";
            for o in &owed {
                log_dropped(&o.delivery.subscription_arn, UNAVAILABLE_CODE, why);
                let end = AttemptEnd {
                    outcome: Outcome::Dropped,
                    http_status: None,
                    dead_letter_queue: None,
                    detail: Some(why),
                };
                self.record_unqueued(activity, &o.delivery, end);
            }
            return None;
        };
        let sqs = fanout.sqs.clone();
        let wake = self.delivery_wake.clone();
        let recorder = self.queue_recorder(activity, message_id);
        Some(tokio::spawn(async move {
            let (deliveries, letters): (Vec<_>, Vec<_>) = owed
                .into_iter()
                .map(|o| (o.delivery, o.dead_letter))
                .unzip();
            let unqueued: Vec<(String, String)> = deliveries
                .iter()
                .map(|d| (d.subscription_arn.clone(), d.endpoint.clone()))
                .collect();
            match outbox.enqueue_deliveries(deliveries).await {
                Ok(_) => wake.notify_one(),
                Err(e) => {
                    let code = match e {
                        OutboxError::Full => OUTBOX_FULL_CODE,
                        _ => UNAVAILABLE_CODE,
                    };
                    let text = e.to_string();
                    let mut records = Vec::with_capacity(letters.len());
                    for ((arn, endpoint), letter) in unqueued.iter().zip(letters) {
                        let dead_letter_queue = match letter {
                            Some(letter) => {
                                let queue = letter.queue_arn.clone();
                                letter.send(&sqs, code, &text).await.then_some(queue)
                            }
                            None => {
                                log_dropped(arn, code, &text);
                                None
                            }
                        };
                        records.push(recorder.http_unqueued(
                            arn,
                            endpoint,
                            dead_letter_queue,
                            &text,
                        ));
                    }
                    recorder.keep(records);
                }
            }
        }))
    }

    /// Enqueues the SubscriptionConfirmation or UnsubscribeConfirmation of an HTTP/S
    /// subscription and waits until it is durable. A failure is logged: the action it
    /// belongs to has already happened.
    pub(super) async fn enqueue_confirmation(
        &self,
        fanout: Option<&Fanout>,
        topic: &TopicMeta,
        subscription: &SubscriptionMeta,
        kind: ConfirmationKind,
    ) {
        if !subscription.protocol.is_http() {
            return;
        }
        let (Some(fanout), Some(outbox)) = (fanout, &self.outbox) else {
            tracing::warn!(subscription = %subscription.arn, "HTTP/S confirmation not sent: no delivery outbox");
            return;
        };
        let token = subscription
            .token
            .clone()
            .unwrap_or_else(super::subscriptions::new_token);
        let delivery = match confirmation(topic, subscription, kind, &token, self.now(), fanout) {
            Ok(delivery) => delivery,
            Err(e) => {
                tracing::warn!(subscription = %subscription.arn, error = %e, "HTTP/S confirmation not signed");
                return;
            }
        };
        match outbox.enqueue_deliveries(vec![delivery]).await {
            Ok(_) => self.delivery_wake.notify_one(),
            Err(e) => {
                tracing::warn!(subscription = %subscription.arn, error = %e, "HTTP/S confirmation not enqueued")
            }
        }
    }

    /// Whether a delivery is still owed: a notification only to a subscription that
    /// still exists and is confirmed, a SubscriptionConfirmation only while its
    /// subscription awaits confirmation; an UnsubscribeConfirmation always.
    pub async fn delivery_still_wanted(&self, pending: &PendingDelivery) -> bool {
        let subscription = self
            .store
            .subscription(&pending.delivery.subscription_arn)
            .await;
        match pending.delivery.kind {
            DeliveryKind::Notification => subscription.is_some_and(|s| !s.pending),
            DeliveryKind::SubscriptionConfirmation => subscription.is_some_and(|s| s.pending),
            DeliveryKind::UnsubscribeConfirmation => true,
        }
    }

    /// Sends a notification that failed for good to its subscription's dead-letter
    /// queue (read now, so a RedrivePolicy set while it was retried counts), or logs and
    /// drops it. Confirmations are never dead-lettered. Answers the dead-letter queue
    /// that took it, if one did.
    pub async fn dead_letter_delivery(
        &self,
        sqs: &Sqs,
        pending: &PendingDelivery,
        enforce_access: bool,
        error_code: u16,
        error_message: &str,
    ) -> Option<String> {
        let arn = &pending.delivery.subscription_arn;
        if pending.delivery.kind != DeliveryKind::Notification {
            log_dropped(arn, error_code, error_message);
            return None;
        }
        let letter = ServiceMessage {
            body: pending.delivery.body.clone(),
            ..Default::default()
        };
        let subscription = self.store.subscription(arn).await;
        match subscription.and_then(|s| DeadLetter::for_subscription(&s, &letter, enforce_access)) {
            Some(letter) => {
                let queue = letter.queue_arn.clone();
                letter
                    .send(sqs, error_code, error_message)
                    .await
                    .then_some(queue)
            }
            None => {
                log_dropped(arn, error_code, error_message);
                None
            }
        }
    }
}
