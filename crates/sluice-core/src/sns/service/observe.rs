//! Where the service writes its topics' activity (`sns/activity.rs`) and recent
//! deliveries (`sns/delivery_log.rs`): the filter check that counts what it filters out,
//! the record of a publish's queue deliveries, of its HTTP/S deliveries that never reach
//! the outbox, of each attempt the server's delivery worker makes, and of deliveries to
//! protocols Sluice only logs. The publish path finds its topic's activity once and
//! passes it along; times come from the service's clock.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::dead_letter::{sqs_error_code, DeadLetter};
use super::Sns;
use crate::clock::Clock;
use crate::sns::activity::{SnsActivity, TopicActivity};
use crate::sns::delivery_log::{DeliveryRecord, Outcome};
use crate::sns::filter::AttributeValue;
use crate::sns::names::parse_topic_arn;
use crate::sns::outbox::{DeliveryKind, NewDelivery, PendingDelivery};
use crate::sns::protocol::Protocol;
use crate::sns::store::SubscriptionMeta;
use crate::sqs::error::SqsError;
use crate::sqs::Sqs;

/// How an HTTP/S attempt (or a delivery that never got one) ended, for the record.
#[derive(Debug, Clone)]
pub struct AttemptEnd<'a> {
    pub outcome: Outcome,
    /// The endpoint's status, when it answered.
    pub http_status: Option<u16>,
    /// The dead-letter queue the delivery went to, when it did.
    pub dead_letter_queue: Option<String>,
    /// Why it failed, when it did.
    pub detail: Option<&'a str>,
}

impl Sns {
    /// Every topic's counters and recent deliveries.
    pub fn activity(&self) -> &SnsActivity {
        &self.activity
    }

    /// Whether the subscription's filter policy lets the message through; counts it as
    /// filtered out when not.
    pub(super) fn admits(
        &self,
        activity: &TopicActivity,
        subscription: &SubscriptionMeta,
        attributes: &BTreeMap<String, AttributeValue>,
        body: &str,
    ) -> bool {
        let admitted = self.passes_filter(subscription, attributes, body);
        if !admitted {
            activity.count(subscription.protocol, Outcome::FilteredOut);
        }
        admitted
    }

    /// What records the outcomes of one publish's queue deliveries.
    pub(super) fn queue_recorder(
        &self,
        activity: &Arc<TopicActivity>,
        message_id: &str,
    ) -> DeliveryRecorder {
        DeliveryRecorder {
            activity: activity.clone(),
            clock: self.clock.clone(),
            message_id: message_id.to_owned(),
        }
    }

    /// Records a delivery to a protocol Sluice only logs.
    pub(super) fn record_not_delivered(
        &self,
        activity: &TopicActivity,
        subscription: &SubscriptionMeta,
        message_id: &str,
    ) {
        activity.record(vec![DeliveryRecord {
            at_ms: self.now(),
            subscription_arn: subscription.arn.clone(),
            endpoint: subscription.endpoint.clone(),
            protocol: subscription.protocol,
            kind: DeliveryKind::Notification,
            message_id: message_id.to_owned(),
            outcome: Outcome::NotDelivered,
            http_status: None,
            attempt: 0,
            dead_letter_queue: None,
            detail: Some(format!(
                "Sluice does not deliver to {} endpoints",
                subscription.protocol.as_str()
            )),
        }]);
    }

    /// Records an HTTP/S delivery of a publish that never reached the outbox (no
    /// outbox, or no room in it): dead-lettered or dropped, never attempted.
    pub(super) fn record_unqueued(
        &self,
        activity: &TopicActivity,
        delivery: &NewDelivery,
        end: AttemptEnd<'_>,
    ) {
        activity.record(vec![http_record(delivery, 0, self.now(), end)]);
    }

    /// Records one attempt of the delivery worker at `pending`, its `attempt`th.
    pub fn record_http_attempt(
        &self,
        pending: &PendingDelivery,
        attempt: u32,
        end: AttemptEnd<'_>,
    ) {
        let Ok(key) = parse_topic_arn(&pending.delivery.topic_arn, "TopicArn") else {
            return;
        };
        let record = http_record(&pending.delivery, attempt, self.now(), end);
        self.activity.of(&key).record(vec![record]);
    }
}

/// The record of an HTTP/S delivery.
fn http_record(
    delivery: &NewDelivery,
    attempt: u32,
    at_ms: crate::clock::EpochMs,
    end: AttemptEnd<'_>,
) -> DeliveryRecord {
    DeliveryRecord {
        at_ms,
        subscription_arn: delivery.subscription_arn.clone(),
        endpoint: delivery.endpoint.clone(),
        protocol: http_protocol(&delivery.endpoint),
        kind: delivery.kind,
        message_id: delivery.message_id.clone(),
        outcome: end.outcome,
        http_status: end.http_status,
        attempt,
        dead_letter_queue: end.dead_letter_queue,
        detail: end.detail.map(str::to_owned),
    }
}

/// An HTTP/S endpoint's protocol: its URL's scheme (checked at Subscribe).
fn http_protocol(endpoint: &str) -> Protocol {
    let https = endpoint
        .get(..8)
        .is_some_and(|s| s.eq_ignore_ascii_case("https://"));
    if https {
        Protocol::Https
    } else {
        Protocol::Http
    }
}

/// Records what became of one publish's deliveries, from the tasks that make them: its
/// queue deliveries, and its HTTP/S deliveries the outbox did not take.
pub(super) struct DeliveryRecorder {
    activity: Arc<TopicActivity>,
    clock: Arc<dyn Clock>,
    message_id: String,
}

impl DeliveryRecorder {
    /// The record of a queue delivery the queue took.
    pub(super) fn delivered(&self, subscription_arn: String, queue_arn: String) -> DeliveryRecord {
        self.record(subscription_arn, queue_arn, Outcome::Delivered, None, None)
    }

    /// Sends a queue delivery the queue refused to the subscription's dead-letter queue,
    /// if it has one, and answers its record: dead-lettered, or dropped.
    pub(super) async fn refused(
        &self,
        sqs: &Sqs,
        subscription_arn: String,
        queue_arn: String,
        dead_letter: Option<DeadLetter>,
        error: SqsError,
    ) -> DeliveryRecord {
        let dead_letter_queue = match dead_letter {
            Some(dead_letter) => {
                let target = dead_letter.queue_arn.clone();
                let code = sqs_error_code(error.kind);
                let sent = dead_letter.send(sqs, code, &error.message).await;
                sent.then_some(target)
            }
            None => None,
        };
        let outcome = match dead_letter_queue {
            Some(_) => Outcome::DeadLettered,
            None => Outcome::Dropped,
        };
        let detail = Some(error.message);
        self.record(
            subscription_arn,
            queue_arn,
            outcome,
            dead_letter_queue,
            detail,
        )
    }

    /// Records a queue delivery whose message could not be built (not sent, dropped).
    pub(super) fn not_sent(&self, subscription: &SubscriptionMeta, reason: String) {
        let record = self.record(
            subscription.arn.clone(),
            subscription.endpoint.clone(),
            Outcome::Dropped,
            None,
            Some(reason),
        );
        self.keep(vec![record]);
    }

    /// The record of one queue delivery (made once, so its attempt is the first).
    fn record(
        &self,
        subscription_arn: String,
        queue_arn: String,
        outcome: Outcome,
        dead_letter_queue: Option<String>,
        detail: Option<String>,
    ) -> DeliveryRecord {
        DeliveryRecord {
            at_ms: self.clock.now_ms(),
            subscription_arn,
            endpoint: queue_arn,
            protocol: Protocol::Sqs,
            kind: DeliveryKind::Notification,
            message_id: self.message_id.clone(),
            outcome,
            http_status: None,
            attempt: 1,
            dead_letter_queue,
            detail,
        }
    }

    /// The record of an HTTP/S notification of this publish the outbox had no room for:
    /// never attempted, dead-lettered to `dead_letter_queue` or dropped.
    pub(super) fn http_unqueued(
        &self,
        subscription_arn: &str,
        endpoint: &str,
        dead_letter_queue: Option<String>,
        detail: &str,
    ) -> DeliveryRecord {
        DeliveryRecord {
            at_ms: self.clock.now_ms(),
            subscription_arn: subscription_arn.to_owned(),
            endpoint: endpoint.to_owned(),
            protocol: http_protocol(endpoint),
            kind: DeliveryKind::Notification,
            message_id: self.message_id.clone(),
            outcome: if dead_letter_queue.is_some() {
                Outcome::DeadLettered
            } else {
                Outcome::Dropped
            },
            http_status: None,
            attempt: 0,
            dead_letter_queue,
            detail: Some(detail.to_owned()),
        }
    }

    /// Counts and logs the records together.
    pub(super) fn keep(&self, records: Vec<DeliveryRecord>) {
        if !records.is_empty() {
            self.activity.record(records);
        }
    }
}
