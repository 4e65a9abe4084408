//! What each shard has done since the server started: records and bytes put, GetRecords
//! calls, and how far behind the newest record the last read was (MillisBehindLatest,
//! the iterator age). CloudWatch's IncomingRecords, IncomingBytes, GetRecords.Success and
//! GetRecords.IteratorAgeMilliseconds per shard. In memory, read by the metrics
//! endpoint; counting is an atomic add under a read lock.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::names::StreamKey;
use crate::counters::CountersByKey;

/// One shard's counters.
#[derive(Debug, Default)]
pub struct ShardActivity {
    incoming_records: AtomicU64,
    incoming_bytes: AtomicU64,
    get_records: AtomicU64,
    iterator_age_ms: AtomicU64,
}

/// A shard's counters as read at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ShardCounts {
    pub incoming_records: u64,
    pub incoming_bytes: u64,
    pub get_records: u64,
    pub iterator_age_ms: u64,
}

impl ShardActivity {
    pub fn put(&self, records: u64, bytes: u64) {
        self.incoming_records.fetch_add(records, Ordering::Relaxed);
        self.incoming_bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    pub fn read(&self, millis_behind_latest: u64) {
        self.get_records.fetch_add(1, Ordering::Relaxed);
        self.iterator_age_ms
            .store(millis_behind_latest, Ordering::Relaxed);
    }

    pub fn counts(&self) -> ShardCounts {
        ShardCounts {
            incoming_records: self.incoming_records.load(Ordering::Relaxed),
            incoming_bytes: self.incoming_bytes.load(Ordering::Relaxed),
            get_records: self.get_records.load(Ordering::Relaxed),
            iterator_age_ms: self.iterator_age_ms.load(Ordering::Relaxed),
        }
    }
}

/// Every shard's counters, by stream and shard index.
#[derive(Debug, Default)]
pub struct StreamActivity {
    shards: CountersByKey<(StreamKey, u32), ShardActivity>,
}

impl StreamActivity {
    pub fn of(&self, stream: &StreamKey, shard: u32) -> Arc<ShardActivity> {
        self.shards.of(&(stream.clone(), shard))
    }

    /// Drops a deleted stream's counters.
    pub fn forget(&self, stream: &StreamKey) {
        self.shards.forget_where(|(s, _)| s == stream);
    }

    pub fn snapshot(&self) -> Vec<(StreamKey, u32, ShardCounts)> {
        self.shards
            .snapshot(ShardActivity::counts)
            .into_iter()
            .map(|((s, i), counts)| (s, i, counts))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_count_their_own_puts_and_reads() {
        let activity = StreamActivity::default();
        let s = StreamKey {
            region: "us-east-1".into(),
            account_id: "000000000000".into(),
            name: "s".into(),
        };
        activity.of(&s, 0).put(3, 300);
        activity.of(&s, 1).put(1, 10);
        activity.of(&s, 0).read(42);
        let mut snapshot = activity.snapshot();
        snapshot.sort_by_key(|(_, i, _)| *i);
        assert_eq!(
            snapshot[0].2,
            ShardCounts {
                incoming_records: 3,
                incoming_bytes: 300,
                get_records: 1,
                iterator_age_ms: 42
            }
        );
        assert_eq!(snapshot[1].2.incoming_records, 1);
        activity.forget(&s);
        assert!(activity.snapshot().is_empty());
    }
}
