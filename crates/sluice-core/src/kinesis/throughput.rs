//! AWS's per-shard throughput limits, enforced only when the server is told to (so teams
//! can test their backoff): writes of 1 MiB or 1,000 records a second, counting data and
//! partition keys; reads of 5 GetRecords calls and 2 MiB a second. Writes and calls are
//! counted in whole-second windows, as AWS's limits are stated. Read bytes are a bucket
//! that refills at 2 MiB a second and may go into debt: one GetRecords may return up to
//! 10 MiB, after which the shard's reads are refused until the debt is paid (AWS: "the
//! subsequent calls made within the next 5 seconds throw
//! ProvisionedThroughputExceededException").
//!
//! The counts live in memory, per server: with many servers each enforces its own share,
//! which is what a test of backoff needs.

use std::collections::HashMap;

use parking_lot::Mutex;

use super::store::ShardAddress;
use crate::clock::EpochMs;

/// Bytes (data and partition keys) a shard takes in a second.
pub const WRITE_BYTES_PER_SECOND: u64 = 1024 * 1024;
/// Records a shard takes in a second.
pub const WRITE_RECORDS_PER_SECOND: u64 = 1_000;
/// GetRecords calls a shard answers in a second.
pub const READ_CALLS_PER_SECOND: u32 = 5;
/// Bytes a shard's reads return in a second.
pub const READ_BYTES_PER_SECOND: u64 = 2 * 1024 * 1024;
/// Shards tracked before idle ones are forgotten.
const TRACKED_SHARDS_PRUNE_AT: usize = 10_000;
/// How long a shard's counts are kept after its last use.
const IDLE_FORGET_MS: EpochMs = 60_000;

#[derive(Debug, Clone, Copy, Default)]
struct Usage {
    /// The second the write and call counts are for.
    second: u64,
    write_bytes: u64,
    write_records: u64,
    read_calls: u32,
    /// Read bytes still to be paid for, and when that was last worked out.
    read_debt: f64,
    read_debt_at_ms: EpochMs,
    last_used_ms: EpochMs,
}

impl Usage {
    fn roll(&mut self, now: EpochMs) {
        let second = now / 1000;
        if second != self.second {
            self.second = second;
            self.write_bytes = 0;
            self.write_records = 0;
            self.read_calls = 0;
        }
        let elapsed_ms = now.saturating_sub(self.read_debt_at_ms);
        let paid = elapsed_ms as f64 * READ_BYTES_PER_SECOND as f64 / 1000.0;
        self.read_debt = (self.read_debt - paid).max(0.0);
        self.read_debt_at_ms = now;
        self.last_used_ms = now;
    }
}

/// The limiter. Disabled, it admits everything and keeps nothing.
#[derive(Debug, Default)]
pub struct ShardThroughput {
    enforced: bool,
    usage: Mutex<HashMap<ShardAddress, Usage>>,
}

impl ShardThroughput {
    pub fn new(enforced: bool) -> Self {
        Self {
            enforced,
            usage: Mutex::new(HashMap::new()),
        }
    }

    pub fn is_enforced(&self) -> bool {
        self.enforced
    }

    fn with_usage<T>(
        &self,
        shard: &ShardAddress,
        now: EpochMs,
        f: impl FnOnce(&mut Usage) -> T,
    ) -> T {
        let mut usage = self.usage.lock();
        if usage.len() >= TRACKED_SHARDS_PRUNE_AT {
            usage.retain(|_, u| now.saturating_sub(u.last_used_ms) < IDLE_FORGET_MS);
        }
        let entry = usage.entry(shard.clone()).or_insert_with(|| Usage {
            second: now / 1000,
            read_debt_at_ms: now,
            ..Usage::default()
        });
        entry.roll(now);
        f(entry)
    }

    /// Takes one record of `bytes` (data and partition key) into the shard's second, or
    /// refuses it when that would pass a write limit.
    pub fn admit_write(&self, shard: &ShardAddress, bytes: u64, now: EpochMs) -> bool {
        if !self.enforced {
            return true;
        }
        self.with_usage(shard, now, |u| {
            let fits = u.write_records < WRITE_RECORDS_PER_SECOND
                && u.write_bytes + bytes <= WRITE_BYTES_PER_SECOND;
            if fits {
                u.write_records += 1;
                u.write_bytes += bytes;
            }
            fits
        })
    }

    /// Takes one GetRecords call, or refuses it (five a second, and none while the
    /// shard's reads are in debt).
    pub fn admit_read(&self, shard: &ShardAddress, now: EpochMs) -> bool {
        if !self.enforced {
            return true;
        }
        self.with_usage(shard, now, |u| {
            let fits = u.read_calls < READ_CALLS_PER_SECOND && u.read_debt < 1.0;
            if fits {
                u.read_calls += 1;
            }
            fits
        })
    }

    /// Counts what a GetRecords returned. The first 2 MiB a second are free of debt.
    pub fn charge_read(&self, shard: &ShardAddress, bytes: u64, now: EpochMs) {
        if !self.enforced {
            return;
        }
        self.with_usage(shard, now, |u| {
            let owed = bytes.saturating_sub(READ_BYTES_PER_SECOND);
            u.read_debt += owed as f64;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinesis::names::StreamKey;

    fn shard(index: u32) -> ShardAddress {
        ShardAddress {
            stream: StreamKey {
                region: "us-east-1".into(),
                account_id: "000000000000".into(),
                name: "s".into(),
            },
            stream_created_at_ms: 1,
            shard_index: index,
        }
    }

    #[test]
    fn a_disabled_limiter_admits_everything() {
        let t = ShardThroughput::new(false);
        for _ in 0..5_000 {
            assert!(t.admit_write(&shard(0), 1024 * 1024, 0));
            assert!(t.admit_read(&shard(0), 0));
        }
    }

    #[test]
    fn writes_stop_at_a_thousand_records_or_a_mebibyte_a_second() {
        let t = ShardThroughput::new(true);
        let now = 10_000;
        for _ in 0..1_000 {
            assert!(t.admit_write(&shard(0), 10, now));
        }
        assert!(!t.admit_write(&shard(0), 10, now + 999));
        // Another shard has its own allowance; the next second starts afresh.
        assert!(t.admit_write(&shard(1), 10, now));
        assert!(t.admit_write(&shard(0), 10, now + 1_000));
        assert!(t.admit_write(&shard(2), 1024 * 1024, now));
        assert!(!t.admit_write(&shard(2), 1, now));
    }

    #[test]
    fn reads_stop_at_five_calls_a_second_and_while_in_debt() {
        let t = ShardThroughput::new(true);
        let now = 50_000;
        for _ in 0..5 {
            assert!(t.admit_read(&shard(0), now));
        }
        assert!(!t.admit_read(&shard(0), now + 500));
        assert!(t.admit_read(&shard(0), now + 1_000));
        // 10 MiB read: 8 MiB of debt, paid at 2 MiB a second.
        t.charge_read(&shard(0), 10 * 1024 * 1024, now + 1_000);
        assert!(!t.admit_read(&shard(0), now + 2_000));
        assert!(!t.admit_read(&shard(0), now + 4_900));
        assert!(t.admit_read(&shard(0), now + 5_000));
    }
}
