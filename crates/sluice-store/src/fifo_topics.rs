//! FIFO topics' deduplication windows in the embedded store: per topic, the ids
//! admitted in the last five minutes (by scope and id) and the last sequence number.
//! Admission happens in memory under the state lock; a delivered publish is journaled
//! as a [`FifoPublishRecord`] and replayed into the same window.

use std::collections::{HashMap, VecDeque};

use serde::{Deserialize, Serialize};
use sluice_core::clock::EpochMs;
use sluice_core::sns::fifo::{next_sequence_number, DEDUPLICATION_WINDOW_MS};
use sluice_core::sns::store::{FifoAdmission, FifoPublish};
use sluice_core::sns::TopicKey;

/// A delivered publish to a FIFO topic, as the journal keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FifoPublishRecord {
    pub region: String,
    pub account_id: String,
    pub name: String,
    pub scope: String,
    pub deduplication_id: String,
    pub message_id: String,
    pub sequence_number: u128,
    pub published_at_ms: u64,
}

impl FifoPublishRecord {
    pub fn of(p: &FifoPublish) -> Self {
        Self {
            region: p.topic.region.clone(),
            account_id: p.topic.account_id.clone(),
            name: p.topic.name.clone(),
            scope: p.scope.clone(),
            deduplication_id: p.deduplication_id.clone(),
            message_id: p.message_id.clone(),
            sequence_number: p.sequence_number,
            published_at_ms: p.published_at_ms,
        }
    }

    fn into_publish(self) -> FifoPublish {
        FifoPublish {
            topic: TopicKey::new(&self.region, &self.account_id, &self.name),
            scope: self.scope,
            deduplication_id: self.deduplication_id,
            message_id: self.message_id,
            sequence_number: self.sequence_number,
            published_at_ms: self.published_at_ms,
        }
    }
}

/// One FIFO topic's window.
#[derive(Debug, Default)]
pub(crate) struct FifoWindow {
    last_sequence_number: Option<u128>,
    /// (scope, deduplication id) → the publish admitted under it.
    admitted: HashMap<(String, String), FifoPublish>,
    /// The same keys in admission order, to let them go when their window passes.
    by_age: VecDeque<(EpochMs, (String, String))>,
}

impl FifoWindow {
    /// Forgets ids admitted `DEDUPLICATION_WINDOW_MS` or more before `now`.
    fn expire(&mut self, now: EpochMs) {
        while let Some((at, _)) = self.by_age.front() {
            if now.saturating_sub(*at) < DEDUPLICATION_WINDOW_MS {
                break;
            }
            let (at, key) = self.by_age.pop_front().expect("just seen");
            // Only if that entry is the one remembered (a replayed record may have
            // renewed it).
            if self
                .admitted
                .get(&key)
                .is_some_and(|p| p.published_at_ms == at)
            {
                self.admitted.remove(&key);
            }
        }
    }

    fn remember(&mut self, publish: FifoPublish) {
        self.last_sequence_number = Some(
            self.last_sequence_number
                .map_or(publish.sequence_number, |l| l.max(publish.sequence_number)),
        );
        let key = (publish.scope.clone(), publish.deduplication_id.clone());
        self.by_age
            .push_back((publish.published_at_ms, key.clone()));
        self.admitted.insert(key, publish);
    }
}

/// Every FIFO topic's window.
#[derive(Debug, Default)]
pub(crate) struct FifoWindows {
    windows: HashMap<TopicKey, FifoWindow>,
}

impl FifoWindows {
    pub fn admit(
        &mut self,
        topic: &TopicKey,
        scope: &str,
        deduplication_id: &str,
        message_id: &str,
        now: EpochMs,
    ) -> FifoAdmission {
        let window = self.windows.entry(topic.clone()).or_default();
        window.expire(now);
        let key = (scope.to_owned(), deduplication_id.to_owned());
        if let Some(earlier) = window.admitted.get(&key) {
            return FifoAdmission::Duplicate(earlier.clone());
        }
        let sequence_number = next_sequence_number(window.last_sequence_number, now);
        window.remember(FifoPublish {
            topic: topic.clone(),
            scope: scope.to_owned(),
            deduplication_id: deduplication_id.to_owned(),
            message_id: message_id.to_owned(),
            sequence_number,
            published_at_ms: now,
        });
        FifoAdmission::Fresh { sequence_number }
    }

    /// Applies a journaled publish (live, where admission already remembered it, or at
    /// replay).
    pub fn apply(&mut self, record: FifoPublishRecord) {
        let publish = record.into_publish();
        let window = self.windows.entry(publish.topic.clone()).or_default();
        let key = (publish.scope.clone(), publish.deduplication_id.clone());
        if window.admitted.get(&key) != Some(&publish) {
            window.remember(publish);
        }
    }

    pub fn forget_topic(&mut self, topic: &TopicKey) {
        self.windows.remove(topic);
    }

    /// The records that rebuild every window (the publishes still remembered).
    pub fn snapshot_records(&self) -> impl Iterator<Item = FifoPublishRecord> + '_ {
        self.windows.values().flat_map(|w| {
            w.by_age
                .iter()
                .filter_map(|(_, key)| w.admitted.get(key))
                .map(FifoPublishRecord::of)
        })
    }
}

#[cfg(test)]
mod tests {
    use sluice_core::sns::store::FifoAdmission::*;

    use super::*;

    fn topic() -> TopicKey {
        TopicKey::new("us-east-1", "000000000000", "t.fifo")
    }

    #[test]
    fn an_id_is_a_duplicate_within_its_window_and_scope_only() {
        let mut w = FifoWindows::default();
        let t = topic();
        let Fresh {
            sequence_number: s1,
        } = w.admit(&t, "", "d", "m1", 1_000)
        else {
            panic!("first is fresh")
        };
        match w.admit(&t, "", "d", "m2", 2_000) {
            Duplicate(p) => {
                assert_eq!(p.message_id, "m1");
                assert_eq!(p.sequence_number, s1);
            }
            other => panic!("{other:?}"),
        }
        assert!(
            matches!(w.admit(&t, "g", "d", "m3", 2_000), Fresh { .. }),
            "other scope"
        );
        let later = 1_000 + DEDUPLICATION_WINDOW_MS;
        match w.admit(&t, "", "d", "m4", later) {
            Fresh { sequence_number } => assert!(sequence_number > s1),
            other => panic!("window passed: {other:?}"),
        }
    }

    #[test]
    fn snapshots_and_replays_rebuild_the_window() {
        let mut w = FifoWindows::default();
        let t = topic();
        w.admit(&t, "", "a", "m1", 10);
        w.admit(&t, "", "b", "m2", 20);
        let records: Vec<_> = w.snapshot_records().collect();
        assert_eq!(records.len(), 2);
        let mut rebuilt = FifoWindows::default();
        for r in records.clone() {
            rebuilt.apply(r);
        }
        assert!(matches!(rebuilt.admit(&t, "", "a", "x", 30), Duplicate(_)));
        let Fresh { sequence_number } = rebuilt.admit(&t, "", "c", "m3", 30) else {
            panic!()
        };
        assert!(sequence_number > records[1].sequence_number);
        // Applying a record admission already remembered changes nothing.
        let before: Vec<_> = w.snapshot_records().collect();
        w.apply(before[0].clone());
        assert_eq!(w.snapshot_records().count(), 2);
        w.forget_topic(&t);
        assert_eq!(w.snapshot_records().count(), 0);
    }
}
