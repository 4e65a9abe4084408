//! Feeds the console's [`History`]: reads each queue's depth and activity counters and
//! each shard's incoming counters (the numbers the console's tables and the metrics
//! endpoint show), now for a page or every [`SAMPLE_PERIOD_MS`] for the history. The
//! periodic task holds everything weakly and ends when the server stops.

use std::collections::HashMap;
use std::sync::{Arc, Weak};
use std::time::Duration;

use sluice_core::clock::EpochMs;
use sluice_core::kinesis::names::StreamKey;
use sluice_core::kinesis::Kinesis;
use sluice_core::sqs::activity::ActivityCounts;
use sluice_core::sqs::store::QueueMeta;
use sluice_core::sqs::{QueueKey, Sqs};
use tokio::sync::watch;

use super::history::{History, QueuePoint, ShardKey, ShardPoint, SAMPLE_PERIOD_MS};

/// Every queue's activity counters now.
pub fn activity(sqs: &Sqs) -> HashMap<QueueKey, ActivityCounts> {
    sqs.activity().snapshot().into_iter().collect()
}

/// A queue's depth and counters at `now`, or `None` when it is gone.
pub async fn queue_point(
    sqs: &Sqs,
    key: &QueueKey,
    activity: &HashMap<QueueKey, ActivityCounts>,
    now: EpochMs,
) -> Option<QueuePoint> {
    let depth = sqs.store().counts(key, now).await.ok()?;
    let counts = activity.get(key).copied().unwrap_or_default();
    Some(QueuePoint {
        at_ms: now,
        visible: depth.visible,
        in_flight: depth.in_flight,
        delayed: depth.delayed,
        sent: counts.sent,
        received: counts.received,
        deleted: counts.deleted,
    })
}

/// The incoming counters of every shard with any (of `stream` only, when given) at `now`.
pub fn shard_points(
    kinesis: &Kinesis,
    stream: Option<&StreamKey>,
    now: EpochMs,
) -> Vec<(ShardKey, ShardPoint)> {
    kinesis
        .activity()
        .snapshot()
        .into_iter()
        .filter(|(s, _, _)| stream.is_none_or(|want| want == s))
        .map(|(s, index, c)| {
            let point = ShardPoint {
                at_ms: now,
                records: c.incoming_records,
                bytes: c.incoming_bytes,
            };
            ((s, index), point)
        })
        .collect()
}

/// Takes one sample of every queue and shard.
pub async fn sample(history: &History, sqs: &Sqs, kinesis: &Kinesis) {
    let now = sqs.now();
    let activity = activity(sqs);
    let metas: Vec<QueueMeta> = sqs.store().all_queues().await;
    let mut queues = Vec::with_capacity(metas.len());
    for meta in metas {
        if let Some(point) = queue_point(sqs, &meta.key, &activity, now).await {
            queues.push((meta.key, meta.created_at_ms, point));
        }
    }
    history.record_queues(now, queues);
    history.record_shards(now, shard_points(kinesis, None, now));
}

/// Samples every [`SAMPLE_PERIOD_MS`] until `stopping` turns true (or its sender is
/// gone) or the services are dropped.
pub fn spawn(
    history: &Arc<History>,
    sqs: &Arc<Sqs>,
    kinesis: &Arc<Kinesis>,
    mut stopping: watch::Receiver<bool>,
) {
    let (history, sqs, kinesis): (Weak<History>, Weak<Sqs>, Weak<Kinesis>) = (
        Arc::downgrade(history),
        Arc::downgrade(sqs),
        Arc::downgrade(kinesis),
    );
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(Duration::from_millis(SAMPLE_PERIOD_MS));
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                changed = stopping.changed() => {
                    if changed.is_err() || *stopping.borrow() {
                        return;
                    }
                    continue;
                }
            }
            let (Some(history), Some(sqs), Some(kinesis)) =
                (history.upgrade(), sqs.upgrade(), kinesis.upgrade())
            else {
                return;
            };
            sample(&history, &sqs, &kinesis).await;
        }
    });
}
