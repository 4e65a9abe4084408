//! What each topic has done since the server started: messages published, deliveries by
//! protocol and outcome (the counters behind SNS's CloudWatch metrics
//! NumberOfMessagesPublished, NumberOfNotificationsDelivered, NumberOfNotificationsFailed
//! and NumberOfNotificationsFilteredOut), and its recent deliveries (`delivery_log.rs`).
//! Kept in memory (a restart starts them again from zero, as a Prometheus counter may)
//! and read by the server's metrics endpoint and console.
//!
//! As with the SQS activity counters (`sqs/activity.rs`), a publish finds its topic's
//! counters once, under a read lock, and counting is an atomic add: a fixed grid of
//! protocol by outcome, so the series a topic can have are bounded by the protocols and
//! outcomes there are, never by messages or subscriptions.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::delivery_log::{DeliveryLog, DeliveryRecord, Outcome};
use super::names::TopicKey;
use super::protocol::Protocol;
use crate::counters::CountersByKey;

const PROTOCOLS: usize = Protocol::ALL.len();
const OUTCOMES: usize = Outcome::ALL.len();

/// Its place in [`Protocol::ALL`].
fn protocol_index(protocol: Protocol) -> usize {
    protocol as usize
}

/// One topic's counters and recent deliveries.
#[derive(Debug, Default)]
pub struct TopicActivity {
    published: AtomicU64,
    deliveries: [[AtomicU64; OUTCOMES]; PROTOCOLS],
    recent: DeliveryLog,
}

/// The counters as read at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TopicCounts {
    pub published: u64,
    deliveries: [[u64; OUTCOMES]; PROTOCOLS],
}

impl TopicCounts {
    /// Deliveries over `protocol` that ended in `outcome`.
    pub fn deliveries(&self, protocol: Protocol, outcome: Outcome) -> u64 {
        self.deliveries[protocol_index(protocol)][outcome.index()]
    }

    /// Every protocol and outcome with a count other than zero.
    pub fn nonzero_deliveries(&self) -> impl Iterator<Item = (Protocol, Outcome, u64)> + '_ {
        Protocol::ALL.into_iter().flat_map(move |p| {
            Outcome::ALL
                .into_iter()
                .map(move |o| (p, o, self.deliveries(p, o)))
                .filter(|(_, _, n)| *n > 0)
        })
    }

    /// Adds `other`'s counts (to fold topics into one series).
    pub fn add(&mut self, other: &TopicCounts) {
        self.published += other.published;
        for (mine, theirs) in self.deliveries.iter_mut().zip(&other.deliveries) {
            for (a, b) in mine.iter_mut().zip(theirs) {
                *a += b;
            }
        }
    }
}

impl TopicActivity {
    /// A message accepted for the topic (each PublishBatch entry counts once).
    pub fn published(&self) {
        self.published.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one delivery's outcome, without logging it.
    pub fn count(&self, protocol: Protocol, outcome: Outcome) {
        self.deliveries[protocol_index(protocol)][outcome.index()].fetch_add(1, Ordering::Relaxed);
    }

    /// Counts and logs delivery attempts. Only notifications are counted (as on AWS,
    /// subscription confirmations are not notifications); every attempt is logged.
    pub fn record(&self, records: Vec<DeliveryRecord>) {
        for r in &records {
            if r.kind == super::outbox::DeliveryKind::Notification {
                self.count(r.protocol, r.outcome);
            }
        }
        self.recent.push(records);
    }

    pub fn counts(&self) -> TopicCounts {
        let mut counts = TopicCounts {
            published: self.published.load(Ordering::Relaxed),
            ..TopicCounts::default()
        };
        for (row, counters) in counts.deliveries.iter_mut().zip(&self.deliveries) {
            for (n, counter) in row.iter_mut().zip(counters) {
                *n = counter.load(Ordering::Relaxed);
            }
        }
        counts
    }

    /// The recent delivery attempts, newest first.
    pub fn recent_deliveries(&self) -> Vec<DeliveryRecord> {
        self.recent.recent()
    }
}

/// Every topic's activity.
#[derive(Debug, Default)]
pub struct SnsActivity {
    topics: CountersByKey<TopicKey, TopicActivity>,
}

impl SnsActivity {
    /// The activity of `key`, made on first use.
    pub fn of(&self, key: &TopicKey) -> Arc<TopicActivity> {
        self.topics.of(key)
    }

    /// The activity of `key`, if anything has happened to it since the start.
    pub fn get(&self, key: &TopicKey) -> Option<Arc<TopicActivity>> {
        self.topics.get(key)
    }

    /// Drops a deleted topic's activity (a topic made again under its name starts anew).
    pub fn forget(&self, key: &TopicKey) {
        self.topics.forget(key);
    }

    /// Every topic's counts now.
    pub fn snapshot(&self) -> Vec<(TopicKey, TopicCounts)> {
        self.topics.snapshot(TopicActivity::counts)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::sns::outbox::DeliveryKind;

    fn record(protocol: Protocol, kind: DeliveryKind, outcome: Outcome) -> DeliveryRecord {
        DeliveryRecord {
            at_ms: 1,
            subscription_arn: "s".to_owned(),
            endpoint: "e".to_owned(),
            protocol,
            kind,
            message_id: "m".to_owned(),
            outcome,
            http_status: None,
            attempt: 1,
            dead_letter_queue: None,
            detail: None,
        }
    }

    #[test]
    fn counts_add_up_per_topic_and_forgetting_starts_anew() {
        let activity = SnsActivity::default();
        let a = TopicKey::new("us-east-1", "000000000000", "a");
        let b = TopicKey::new("us-east-1", "000000000000", "b");
        for _ in 0..3 {
            activity.of(&a).published();
        }
        activity.of(&a).record(vec![
            record(
                Protocol::Sqs,
                DeliveryKind::Notification,
                Outcome::Delivered,
            ),
            record(
                Protocol::Sqs,
                DeliveryKind::Notification,
                Outcome::Delivered,
            ),
            record(
                Protocol::Http,
                DeliveryKind::Notification,
                Outcome::Retrying,
            ),
            // Logged, not counted.
            record(
                Protocol::Http,
                DeliveryKind::SubscriptionConfirmation,
                Outcome::Delivered,
            ),
        ]);
        activity.of(&a).count(Protocol::Sqs, Outcome::FilteredOut);
        activity.of(&b).published();
        let snapshot: HashMap<_, _> = activity.snapshot().into_iter().collect();
        let counts = snapshot[&a];
        assert_eq!(counts.published, 3);
        assert_eq!(counts.deliveries(Protocol::Sqs, Outcome::Delivered), 2);
        assert_eq!(counts.deliveries(Protocol::Http, Outcome::Retrying), 1);
        assert_eq!(counts.deliveries(Protocol::Http, Outcome::Delivered), 0);
        assert_eq!(counts.deliveries(Protocol::Sqs, Outcome::FilteredOut), 1);
        assert_eq!(
            counts.nonzero_deliveries().collect::<Vec<_>>(),
            [
                (Protocol::Sqs, Outcome::Delivered, 2),
                (Protocol::Sqs, Outcome::FilteredOut, 1),
                (Protocol::Http, Outcome::Retrying, 1),
            ]
        );
        assert_eq!(activity.of(&a).recent_deliveries().len(), 4);
        let mut folded = snapshot[&b];
        folded.add(&counts);
        assert_eq!(folded.published, 4);
        assert_eq!(folded.deliveries(Protocol::Sqs, Outcome::Delivered), 2);
        activity.forget(&a);
        assert!(activity.get(&a).is_none());
        assert_eq!(activity.of(&a).counts(), TopicCounts::default());
    }

    #[test]
    fn protocol_indices_follow_all() {
        for (i, protocol) in Protocol::ALL.into_iter().enumerate() {
            assert_eq!(protocol_index(protocol), i);
        }
    }
}
