//! What each queue has done since the server started: messages sent (and their bytes),
//! received, deleted, and receives that found nothing. These are the counters behind
//! SQS's CloudWatch metrics of the same names (NumberOfMessagesSent, SentMessageSize,
//! NumberOfMessagesReceived, NumberOfMessagesDeleted, NumberOfEmptyReceives), kept in
//! memory (a restart starts them again from zero, as a Prometheus counter may) and read
//! by the server's metrics endpoint. Counting is an atomic add on a queue's own counters,
//! found under a read lock: nothing a request would notice.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::names::QueueKey;
use crate::counters::CountersByKey;

/// One queue's counters.
#[derive(Debug, Default)]
pub struct QueueActivity {
    sent: AtomicU64,
    sent_bytes: AtomicU64,
    received: AtomicU64,
    empty_receives: AtomicU64,
    deleted: AtomicU64,
}

/// The counters as read at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ActivityCounts {
    pub sent: u64,
    pub sent_bytes: u64,
    pub received: u64,
    pub empty_receives: u64,
    pub deleted: u64,
}

impl QueueActivity {
    pub fn sent(&self, messages: u64, bytes: u64) {
        self.sent.fetch_add(messages, Ordering::Relaxed);
        self.sent_bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    /// A receive answered `messages` messages (none: an empty receive).
    pub fn received(&self, messages: u64) {
        if messages == 0 {
            self.empty_receives.fetch_add(1, Ordering::Relaxed);
        } else {
            self.received.fetch_add(messages, Ordering::Relaxed);
        }
    }

    pub fn deleted(&self, messages: u64) {
        self.deleted.fetch_add(messages, Ordering::Relaxed);
    }

    pub fn counts(&self) -> ActivityCounts {
        ActivityCounts {
            sent: self.sent.load(Ordering::Relaxed),
            sent_bytes: self.sent_bytes.load(Ordering::Relaxed),
            received: self.received.load(Ordering::Relaxed),
            empty_receives: self.empty_receives.load(Ordering::Relaxed),
            deleted: self.deleted.load(Ordering::Relaxed),
        }
    }
}

/// Every queue's counters.
#[derive(Debug, Default)]
pub struct Activity {
    queues: CountersByKey<QueueKey, QueueActivity>,
}

impl Activity {
    /// The counters of `key`, made on first use.
    pub fn of(&self, key: &QueueKey) -> Arc<QueueActivity> {
        self.queues.of(key)
    }

    /// Drops a deleted queue's counters (a queue made again under its name starts anew).
    pub fn forget(&self, key: &QueueKey) {
        self.queues.forget(key);
    }

    /// Every queue's counts now.
    pub fn snapshot(&self) -> Vec<(QueueKey, ActivityCounts)> {
        self.queues.snapshot(QueueActivity::counts)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn counts_add_up_per_queue_and_forgetting_starts_anew() {
        let activity = Activity::default();
        let a = QueueKey::new("us-east-1", "000000000000", "a");
        let b = QueueKey::new("us-east-1", "000000000000", "b");
        activity.of(&a).sent(3, 30);
        activity.of(&a).received(2);
        activity.of(&a).received(0);
        activity.of(&a).deleted(2);
        activity.of(&b).sent(1, 5);
        let snapshot: HashMap<_, _> = activity.snapshot().into_iter().collect();
        assert_eq!(
            snapshot[&a],
            ActivityCounts {
                sent: 3,
                sent_bytes: 30,
                received: 2,
                empty_receives: 1,
                deleted: 2
            }
        );
        assert_eq!(snapshot[&b].sent, 1);
        activity.forget(&a);
        assert_eq!(activity.of(&a).counts(), ActivityCounts::default());
    }
}
