//! The recent deliveries of one topic: the last [`RECENT_DELIVERIES_MAX`] delivery
//! attempts and what became of each (delivered, failed and to be retried, dead-lettered,
//! dropped, or only logged for a protocol Sluice does not deliver), kept in memory so an
//! operator can see why a subscriber did or did not get a message. A restart empties it.
//!
//! This module owns the log's shape and its bound; `activity.rs` holds one per topic,
//! and the service (`service/observe.rs`) writes the entries. Times are passed in from
//! the service's clock.

use std::collections::VecDeque;

use parking_lot::Mutex;

use super::outbox::DeliveryKind;
use super::protocol::Protocol;
use crate::clock::EpochMs;

/// The most delivery attempts a topic's log keeps; older ones are forgotten.
pub const RECENT_DELIVERIES_MAX: usize = 50;

/// What became of one delivery attempt (or of a delivery never attempted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// The subscriber has it: the queue took it, or the endpoint answered 200 to 499.
    Delivered,
    /// The attempt failed and the delivery policy retries it later.
    Retrying,
    /// Failed for good and sent to the subscription's dead-letter queue.
    DeadLettered,
    /// Failed for good, with no dead-letter queue to take it (or one that refused it).
    Dropped,
    /// A protocol Sluice does not deliver to (e-mail, SMS, Lambda, ...): logged only.
    NotDelivered,
    /// The subscription's filter policy let the message through to no one. Counted, not
    /// logged: nothing was attempted.
    FilteredOut,
}

impl Outcome {
    pub const ALL: [Outcome; 6] = [
        Outcome::Delivered,
        Outcome::Retrying,
        Outcome::DeadLettered,
        Outcome::Dropped,
        Outcome::NotDelivered,
        Outcome::FilteredOut,
    ];

    /// The metric label and the console's wording.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Delivered => "delivered",
            Outcome::Retrying => "retrying",
            Outcome::DeadLettered => "dead_lettered",
            Outcome::Dropped => "dropped",
            Outcome::NotDelivered => "not_delivered",
            Outcome::FilteredOut => "filtered_out",
        }
    }

    /// Its place in [`Outcome::ALL`].
    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// One delivery attempt, as the log keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRecord {
    /// When the attempt ended.
    pub at_ms: EpochMs,
    pub subscription_arn: String,
    /// The queue ARN, URL, address or number delivered to.
    pub endpoint: String,
    pub protocol: Protocol,
    pub kind: DeliveryKind,
    pub message_id: String,
    pub outcome: Outcome,
    /// The endpoint's HTTP status, when it answered one.
    pub http_status: Option<u16>,
    /// Which attempt this was (1 for the first; retries follow).
    pub attempt: u32,
    /// The dead-letter queue the message went to, when it did.
    pub dead_letter_queue: Option<String>,
    /// Why it failed, when it did.
    pub detail: Option<String>,
}

/// The bounded log itself.
#[derive(Debug, Default)]
pub struct DeliveryLog {
    entries: Mutex<VecDeque<DeliveryRecord>>,
}

impl DeliveryLog {
    /// Adds attempts, oldest first, forgetting the oldest kept past the bound.
    pub fn push(&self, records: impl IntoIterator<Item = DeliveryRecord>) {
        let mut entries = self.entries.lock();
        for record in records {
            if entries.len() == RECENT_DELIVERIES_MAX {
                entries.pop_front();
            }
            entries.push_back(record);
        }
    }

    /// The attempts kept, newest first.
    pub fn recent(&self) -> Vec<DeliveryRecord> {
        self.entries.lock().iter().rev().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(at_ms: EpochMs) -> DeliveryRecord {
        DeliveryRecord {
            at_ms,
            subscription_arn: "arn:aws:sns:us-east-1:000000000000:t:1".to_owned(),
            endpoint: "arn:aws:sqs:us-east-1:000000000000:q".to_owned(),
            protocol: Protocol::Sqs,
            kind: DeliveryKind::Notification,
            message_id: format!("m{at_ms}"),
            outcome: Outcome::Delivered,
            http_status: None,
            attempt: 1,
            dead_letter_queue: None,
            detail: None,
        }
    }

    #[test]
    fn keeps_the_newest_up_to_the_bound() {
        let log = DeliveryLog::default();
        log.push((0..3).map(record));
        assert_eq!(
            log.recent().iter().map(|r| r.at_ms).collect::<Vec<_>>(),
            [2, 1, 0]
        );
        let total = RECENT_DELIVERIES_MAX as u64 + 7;
        log.push((3..total).map(record));
        let recent = log.recent();
        assert_eq!(recent.len(), RECENT_DELIVERIES_MAX);
        assert_eq!(recent[0].at_ms, total - 1);
        assert_eq!(
            recent.last().unwrap().at_ms,
            total - RECENT_DELIVERIES_MAX as u64
        );
    }

    #[test]
    fn outcome_indices_follow_all() {
        for (i, outcome) in Outcome::ALL.into_iter().enumerate() {
            assert_eq!(outcome.index(), i);
        }
    }
}
