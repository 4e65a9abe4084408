//! The HTTP/S outbox in the embedded store: pending deliveries, their journal records
//! and the state they rebuild. `DeliveryQueued` carries the whole entry (the store's own
//! record type, so a change to a core struct cannot change the disk format);
//! `DeliveryRescheduled` and `DeliveryFinished` record attempts. Live changes and replay
//! go through [`OutboxState::apply`]; snapshots carry every pending entry; `Reset`
//! wipes them. Leases (entries a worker has taken and not settled) live in memory only,
//! so after a restart every entry is pending again.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use sluice_core::clock::EpochMs;
use sluice_core::sns::delivery::{BackoffFunction, RetryPolicy};
use sluice_core::sns::limits::{OUTBOX_BYTES_MAX, OUTBOX_DELIVERIES_MAX};
use sluice_core::sns::outbox::*;
use sluice_core::sqs::store::StoreError;

use crate::record::Record;
use crate::EmbeddedStore;

/// A pending delivery as the journal keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryRecord {
    pub id: u64,
    pub subscription_arn: String,
    pub topic_arn: String,
    pub endpoint: String,
    /// `Notification`, `SubscriptionConfirmation` or `UnsubscribeConfirmation`.
    pub kind: String,
    pub message_id: String,
    pub body: String,
    pub raw: bool,
    pub content_type: String,
    pub min_delay_target_s: u32,
    pub max_delay_target_s: u32,
    pub num_retries: u32,
    pub num_no_delay_retries: u32,
    pub num_min_delay_retries: u32,
    pub num_max_delay_retries: u32,
    /// `linear`, `arithmetic`, `geometric` or `exponential`.
    pub backoff_function: String,
    pub max_receives_per_second: Option<u32>,
    pub attempts: u32,
    pub due_ms: u64,
}

impl DeliveryRecord {
    pub fn of(pending: &PendingDelivery) -> Self {
        let d = &pending.delivery;
        Self {
            id: pending.id,
            subscription_arn: d.subscription_arn.clone(),
            topic_arn: d.topic_arn.clone(),
            endpoint: d.endpoint.clone(),
            kind: d.kind.as_str().to_owned(),
            message_id: d.message_id.clone(),
            body: d.body.clone(),
            raw: d.raw,
            content_type: d.content_type.clone(),
            min_delay_target_s: d.retry.min_delay_target_s,
            max_delay_target_s: d.retry.max_delay_target_s,
            num_retries: d.retry.num_retries,
            num_no_delay_retries: d.retry.num_no_delay_retries,
            num_min_delay_retries: d.retry.num_min_delay_retries,
            num_max_delay_retries: d.retry.num_max_delay_retries,
            backoff_function: d.retry.backoff_function.as_str().to_owned(),
            max_receives_per_second: d.max_receives_per_second,
            attempts: pending.attempts,
            due_ms: pending.due_ms,
        }
    }

    fn into_pending(self) -> Result<PendingDelivery, String> {
        let kind = DeliveryKind::parse(&self.kind)
            .ok_or_else(|| format!("delivery {}: unknown kind {}", self.id, self.kind))?;
        let backoff_function = BackoffFunction::parse(&self.backoff_function).ok_or_else(|| {
            format!(
                "delivery {}: unknown backoff function {}",
                self.id, self.backoff_function
            )
        })?;
        Ok(PendingDelivery {
            id: self.id,
            attempts: self.attempts,
            due_ms: self.due_ms,
            delivery: NewDelivery {
                subscription_arn: self.subscription_arn,
                topic_arn: self.topic_arn,
                endpoint: self.endpoint,
                kind,
                message_id: self.message_id,
                body: self.body,
                raw: self.raw,
                content_type: self.content_type,
                retry: RetryPolicy {
                    min_delay_target_s: self.min_delay_target_s,
                    max_delay_target_s: self.max_delay_target_s,
                    num_retries: self.num_retries,
                    num_no_delay_retries: self.num_no_delay_retries,
                    num_min_delay_retries: self.num_min_delay_retries,
                    num_max_delay_retries: self.num_max_delay_retries,
                    backoff_function,
                },
                max_receives_per_second: self.max_receives_per_second,
                due_ms: self.due_ms,
            },
        })
    }
}

/// Every pending delivery.
#[derive(Debug, Default)]
pub(crate) struct OutboxState {
    pub entries: BTreeMap<u64, PendingDelivery>,
    /// Entries not leased, by when they are due.
    due: BTreeSet<(EpochMs, u64)>,
    /// Bytes the entries hold (their bound).
    bytes: usize,
    pub next_id: u64,
}

impl OutboxState {
    /// Applies one outbox record, live or at replay. Other records are not the outbox's.
    pub fn apply(&mut self, record: Record) -> Result<(), String> {
        match record {
            Record::DeliveryQueued(record) => {
                let pending = record.into_pending()?;
                self.next_id = self.next_id.max(pending.id + 1);
                self.bytes += pending.delivery.size_bytes();
                self.due.insert((pending.due_ms, pending.id));
                if let Some(old) = self.entries.insert(pending.id, pending) {
                    self.due.remove(&(old.due_ms, old.id));
                    self.bytes -= old.delivery.size_bytes();
                }
            }
            Record::DeliveryRescheduled {
                id,
                attempts,
                due_ms,
            } => {
                if let Some(entry) = self.entries.get_mut(&id) {
                    self.due.remove(&(entry.due_ms, id));
                    entry.attempts = attempts;
                    entry.due_ms = due_ms;
                    // Kept equal to `due_ms`, as a snapshot rebuilds it.
                    entry.delivery.due_ms = due_ms;
                    self.due.insert((due_ms, id));
                }
            }
            Record::DeliveryFinished { id } => {
                if let Some(entry) = self.entries.remove(&id) {
                    self.due.remove(&(entry.due_ms, id));
                    self.bytes -= entry.delivery.size_bytes();
                }
            }
            _ => {}
        }
        Ok(())
    }

    pub fn reset(&mut self) {
        let next_id = self.next_id;
        *self = Self::default();
        self.next_id = next_id;
    }

    /// Records that rebuild every pending delivery.
    pub fn snapshot_records(&self, out: &mut Vec<Vec<u8>>) {
        for entry in self.entries.values() {
            out.push(Record::DeliveryQueued(DeliveryRecord::of(entry)).encode());
        }
    }

    /// Bytes of pending documents, to judge when compaction pays.
    pub fn live_bytes(&self) -> u64 {
        self.bytes as u64
    }

    fn has_room_for(&self, deliveries: &[NewDelivery]) -> bool {
        let bytes: usize = deliveries.iter().map(NewDelivery::size_bytes).sum();
        self.entries.len() + deliveries.len() <= OUTBOX_DELIVERIES_MAX
            && self.bytes + bytes <= OUTBOX_BYTES_MAX
    }

    /// Leases up to `limit` entries due at `now`, earliest first.
    fn take_due(&mut self, now: EpochMs, limit: usize) -> Vec<PendingDelivery> {
        let taken: Vec<(EpochMs, u64)> = self
            .due
            .iter()
            .take_while(|(due, _)| *due <= now)
            .take(limit)
            .copied()
            .collect();
        taken
            .into_iter()
            .filter_map(|key| {
                self.due.remove(&key);
                self.entries.get(&key.1).cloned()
            })
            .collect()
    }
}

fn unavailable(e: StoreError) -> OutboxError {
    OutboxError::Unavailable(match e {
        StoreError::Unavailable(reason) => reason,
        other => other.to_string(),
    })
}

#[async_trait]
impl DeliveryOutbox for EmbeddedStore {
    async fn enqueue_deliveries(&self, deliveries: Vec<NewDelivery>) -> OutboxResult<Vec<u64>> {
        self.check_writable().map_err(unavailable)?;
        let (ids, lsn) = {
            let mut state = self.state.lock();
            if !state.outbox.has_room_for(&deliveries) {
                return Err(OutboxError::Full);
            }
            let first = state.outbox.next_id.max(1);
            let records: Vec<Record> = deliveries
                .into_iter()
                .enumerate()
                .map(|(i, delivery)| {
                    let pending = PendingDelivery {
                        id: first + i as u64,
                        attempts: 0,
                        due_ms: delivery.due_ms,
                        delivery,
                    };
                    Record::DeliveryQueued(DeliveryRecord::of(&pending))
                })
                .collect();
            let ids: Vec<u64> = (first..first + records.len() as u64).collect();
            let lsn = self.journal(&records).map_err(unavailable)?;
            for record in records {
                state
                    .outbox
                    .apply(record)
                    .map_err(OutboxError::Unavailable)?;
            }
            (ids, lsn)
        };
        self.durable(lsn).await.map_err(unavailable)?;
        Ok(ids)
    }

    async fn take_due_deliveries(&self, now: EpochMs, limit: usize) -> Vec<PendingDelivery> {
        self.state.lock().outbox.take_due(now, limit)
    }

    async fn next_delivery_due_ms(&self) -> Option<EpochMs> {
        self.state.lock().outbox.due.first().map(|(due, _)| *due)
    }

    async fn settle_delivery(&self, id: u64, outcome: DeliveryOutcome) -> OutboxResult<()> {
        let record = match outcome {
            DeliveryOutcome::Retry { attempts, due_ms } => Record::DeliveryRescheduled {
                id,
                attempts,
                due_ms,
            },
            DeliveryOutcome::Finished => Record::DeliveryFinished { id },
        };
        let mut state = self.state.lock();
        if !state.outbox.entries.contains_key(&id) {
            return Ok(());
        }
        // Rides the next group commit: a crash before it repeats the attempt. If the
        // journal cannot take it (disk full, fail-stop), the outcome still holds in
        // memory, so a refused record neither loses the delivery nor repeats it at once;
        // only a restart before the journal recovers repeats it (at least once).
        let written = self
            .check_writable()
            .and_then(|()| self.journal(std::slice::from_ref(&record)));
        state
            .outbox
            .apply(record)
            .map_err(OutboxError::Unavailable)?;
        written.map(|_| ()).map_err(unavailable)
    }

    async fn pending_deliveries(&self) -> usize {
        self.state.lock().outbox.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending(id: u64, due_ms: u64) -> PendingDelivery {
        PendingDelivery {
            id,
            attempts: 2,
            due_ms,
            delivery: NewDelivery {
                subscription_arn: "arn:aws:sns:us-east-1:000000000000:t:s".into(),
                topic_arn: "arn:aws:sns:us-east-1:000000000000:t".into(),
                endpoint: "http://127.0.0.1:1/".into(),
                kind: DeliveryKind::UnsubscribeConfirmation,
                message_id: "m".into(),
                body: "{}".into(),
                raw: true,
                content_type: "application/json".into(),
                retry: RetryPolicy {
                    backoff_function: BackoffFunction::Geometric,
                    ..RetryPolicy::default()
                },
                max_receives_per_second: Some(3),
                due_ms,
            },
        }
    }

    #[test]
    fn snapshots_rebuild_the_outbox() {
        let mut state = OutboxState::default();
        for p in [pending(1, 10), pending(2, 5), pending(3, 7)] {
            state
                .apply(Record::DeliveryQueued(DeliveryRecord::of(&p)))
                .unwrap();
        }
        state
            .apply(Record::DeliveryRescheduled {
                id: 1,
                attempts: 3,
                due_ms: 4,
            })
            .unwrap();
        state.apply(Record::DeliveryFinished { id: 3 }).unwrap();
        let mut records = Vec::new();
        state.snapshot_records(&mut records);
        let mut rebuilt = OutboxState::default();
        for bytes in records {
            rebuilt.apply(Record::decode(&bytes).unwrap()).unwrap();
        }
        assert_eq!(rebuilt.entries, state.entries);
        assert_eq!(rebuilt.entries[&1].attempts, 3);
        assert_eq!(rebuilt.entries[&2], pending(2, 5));
        assert_eq!(rebuilt.bytes, state.bytes);
        assert_eq!(rebuilt.next_id, 3);
        let due: Vec<u64> = rebuilt.take_due(5, 10).iter().map(|p| p.id).collect();
        assert_eq!(due, [1, 2], "earliest first, only what is due");
    }
}
