//! Core values as the API's shapes.

use crate::kinesis::api;
use crate::kinesis::hash_key::HashKeyRange;
use crate::kinesis::names::shard_id;
use crate::kinesis::shards::{ChildShard, Shard};
use crate::kinesis::stream::{StreamMode, StreamSettings};

pub(super) fn hash_key_range(range: &HashKeyRange) -> api::HashKeyRange {
    api::HashKeyRange {
        starting_hash_key: range.starting_hash_key(),
        ending_hash_key: range.ending_hash_key(),
    }
}

pub(super) fn shard(s: &Shard) -> api::Shard {
    api::Shard {
        shard_id: s.id(),
        parent_shard_id: s.parent.map(shard_id),
        adjacent_parent_shard_id: s.adjacent_parent.map(shard_id),
        hash_key_range: hash_key_range(&s.hash_range),
        sequence_number_range: api::SequenceNumberRange {
            starting_sequence_number: s.starting_sequence.to_string(),
            ending_sequence_number: s.ending_sequence.map(|e| e.to_string()),
        },
    }
}

pub(super) fn child_shard(c: &ChildShard) -> api::ChildShard {
    api::ChildShard {
        shard_id: c.shard_id.clone(),
        parent_shards: c.parent_shards.clone(),
        hash_key_range: hash_key_range(&c.hash_range),
    }
}

pub(super) fn mode(mode: StreamMode) -> api::StreamModeDetails {
    api::StreamModeDetails {
        stream_mode: mode.as_str().to_owned(),
    }
}

/// EnhancedMonitoring: one entry listing the enabled metrics (an empty list when none).
pub(super) fn enhanced_monitoring(settings: &StreamSettings) -> Vec<api::EnhancedMetrics> {
    vec![api::EnhancedMetrics {
        shard_level_metrics: settings.monitoring.listed(),
    }]
}

pub(super) fn record(r: crate::kinesis::store::StoredRecord) -> api::Record {
    api::Record {
        sequence_number: r.sequence_number.to_string(),
        approximate_arrival_timestamp_ms: r.arrival_ms,
        data: r.data,
        partition_key: r.partition_key,
        encryption_type: r.encryption_key_id.map(|_| "KMS".to_owned()),
    }
}
