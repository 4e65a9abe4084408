//! SubscribeToShard without the wire: [`Kinesis::subscribe_to_shard`] checks the request
//! and answers a [`ShardSubscription`], whose [`ShardSubscription::next_event`] answers
//! the first event at once and every later one when the shard's log has grown (it waits
//! on the log's watch, so records are pushed as soon as they are durable, with no
//! polling). The subscription ends after five minutes on the service clock, or after the
//! event that reaches the end of a closed shard (no ContinuationSequenceNumber, the
//! ChildShards named). The wire module turns events into event-stream frames and bounds
//! each wait in real time.

use std::collections::HashMap;
use std::sync::Arc;

use super::{address, log_error, missing, require_readable, shapes, Kinesis, KinesisContext};
use crate::clock::EpochMs;
use crate::kinesis::api::*;
use crate::kinesis::error::{KinesisError, KinesisResult};
use crate::kinesis::iterator::{
    requested_position, IteratorPosition, RequestedPosition, ShardIteratorType,
};
use crate::kinesis::limits::{GET_RECORDS_LIMIT_MAX, GET_RECORDS_MAX_BYTES};
use crate::kinesis::names::{check_shard_id_member, parse_shard_id, shard_id};
use crate::kinesis::sequence::ShardContext;
use crate::kinesis::store::{ConsumerStatus, ReadLimits, ShardAddress, ShardTip, StreamMeta};
use crate::kinesis::subscription::{check_resubscribe, subscription_ends_at};

/// When each consumer last subscribed to each shard (consumer ARN, shard index), for the
/// five-second rule. Kept in memory: after a restart every subscription is new.
#[derive(Debug, Default)]
pub(super) struct SubscriptionStarts {
    starts: parking_lot::Mutex<HashMap<(String, u32), EpochMs>>,
}

impl SubscriptionStarts {
    /// Records a start at `now` unless the previous one was under five seconds ago.
    fn begin(&self, consumer_arn: &str, shard: u32, now: EpochMs) -> KinesisResult<()> {
        let mut starts = self.starts.lock();
        let key = (consumer_arn.to_owned(), shard);
        check_resubscribe(
            starts.get(&key).copied(),
            now,
            consumer_arn,
            &shard_id(shard),
        )?;
        // Forget starts that no longer matter, so the map stays small.
        starts.retain(|_, t| {
            now.saturating_sub(*t) < crate::kinesis::limits::SUBSCRIPTION_LIFETIME_MS
        });
        starts.insert(key, now);
        Ok(())
    }
}

/// A live SubscribeToShard.
pub struct ShardSubscription {
    kinesis: Arc<Kinesis>,
    stream: StreamMeta,
    address: ShardAddress,
    position: IteratorPosition,
    ends_at_ms: EpochMs,
    tip: tokio::sync::watch::Receiver<ShardTip>,
    first: bool,
    finished: bool,
}

impl std::fmt::Debug for ShardSubscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShardSubscription")
            .field("address", &self.address)
            .field("position", &self.position)
            .field("ends_at_ms", &self.ends_at_ms)
            .field("finished", &self.finished)
            .finish_non_exhaustive()
    }
}

impl Kinesis {
    pub async fn subscribe_to_shard(
        self: &Arc<Self>,
        ctx: &KinesisContext,
        input: SubscribeToShardInput,
    ) -> KinesisResult<ShardSubscription> {
        let consumer_arn = input
            .consumer_arn
            .as_deref()
            .ok_or_else(|| missing("consumerARN"))?;
        let shard = input
            .shard_id
            .as_deref()
            .ok_or_else(|| missing("shardId"))?;
        check_shard_id_member(shard, "shardId")?;
        let start = input
            .starting_position
            .as_ref()
            .ok_or_else(|| missing("startingPosition"))?;
        let kind = ShardIteratorType::parse(&start.r#type).ok_or_else(|| {
            KinesisError::validation(
                &start.r#type,
                "startingPosition.type",
                "satisfy enum value set: [AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER, \
                 TRIM_HORIZON, LATEST, AT_TIMESTAMP]",
            )
        })?;
        let (stream, consumer) = self
            .consumer_for(
                ctx,
                "SubscribeToShard",
                &ConsumerInput {
                    consumer_arn: Some(consumer_arn.to_owned()),
                    ..Default::default()
                },
            )
            .await?;
        let now = self.now();
        require_readable(&stream, now)?;
        if consumer.status(now) != Some(ConsumerStatus::Active) {
            return Err(KinesisError::new(
                crate::kinesis::error::KinesisErrorKind::ResourceInUse,
                format!("Consumer {consumer_arn} is not ACTIVE."),
            ));
        }
        let not_found =
            |id: &str| KinesisError::shard_not_found(id, &stream.key.name, &stream.key.account_id);
        let index = parse_shard_id(shard).ok_or_else(|| not_found(shard))?;
        if stream.shards.get(index).is_none() {
            return Err(not_found(&shard_id(index)));
        }
        let context = ShardContext {
            stream_name: &stream.key.name,
            account_id: &stream.key.account_id,
            shard_index: index,
            stream_tag: stream.shards.stream_tag,
        };
        let address = address(&stream, index);
        let position = match requested_position(
            kind,
            start.sequence_number.as_deref(),
            start.timestamp_ms,
            context,
            now,
        )? {
            RequestedPosition::At(position) => position,
            RequestedPosition::Latest => {
                let tip = self.log.tip(&address).await.map_err(log_error)?;
                IteratorPosition::AfterSequence(tip.last)
            }
        };
        let tip = self.log.watch(&address).map_err(log_error)?;
        self.subscriptions.begin(&consumer.key.arn(), index, now)?;
        Ok(ShardSubscription {
            kinesis: self.clone(),
            stream,
            address,
            position,
            ends_at_ms: subscription_ends_at(now),
            tip,
            first: true,
            finished: false,
        })
    }
}

impl ShardSubscription {
    /// The next event: the first at once, later ones once the shard has new records (or
    /// closes). `None` once the subscription is over.
    pub async fn next_event(&mut self) -> Option<KinesisResult<SubscribeToShardEvent>> {
        loop {
            if self.finished || self.kinesis.now() >= self.ends_at_ms {
                return None;
            }
            // Mark the tip seen before reading, so a change after the read wakes the wait.
            self.tip.borrow_and_update();
            let event = match self.read().await {
                Ok(event) => event,
                Err(e) => {
                    self.finished = true;
                    return Some(Err(e));
                }
            };
            let worth_sending = self.first || !event.records.is_empty() || self.finished;
            self.first = false;
            if worth_sending {
                return Some(Ok(event));
            }
            if self.tip.changed().await.is_err() {
                // The log dropped the shard's watch (the shard was deleted).
                self.finished = true;
                return None;
            }
        }
    }

    /// When the subscription ends on the service clock.
    pub fn ends_at_ms(&self) -> EpochMs {
        self.ends_at_ms
    }

    async fn read(&mut self) -> KinesisResult<SubscribeToShardEvent> {
        let now = self.kinesis.now();
        let horizon = self
            .stream
            .settings
            .trim_horizon_ms(now, self.stream.created_at_ms);
        let limits = ReadLimits {
            max_records: GET_RECORDS_LIMIT_MAX,
            max_bytes: GET_RECORDS_MAX_BYTES,
        };
        let batch = self
            .kinesis
            .log
            .read(&self.address, self.position, limits, horizon)
            .await
            .map_err(log_error)?;
        let at_end = batch.at_shard_end(self.position);
        // Nothing at or after the position up to the tip: going on after the tip is the
        // same place, and a sequence number a new subscription can start after.
        let next = match batch.records.last() {
            Some(last) => last.sequence_number,
            None => match self.position {
                IteratorPosition::AfterSequence(s) => s,
                _ => batch.tip.last,
            },
        };
        self.position = IteratorPosition::AfterSequence(next);
        let millis_behind_latest = batch.millis_behind_latest();
        let child_shards = if at_end {
            self.finished = true;
            // The children were stored after the parent closed: read the stream again, under
            // the edit lock, which a reshard holds from closing the parent until they are.
            let fresh = {
                let _edit = self.kinesis.edits.lock().await;
                self.kinesis
                    .live_stream(&self.stream.key, now)
                    .await?
                    .filter(|m| m.created_at_ms == self.stream.created_at_ms)
                    .unwrap_or_else(|| self.stream.clone())
            };
            Some(
                fresh
                    .shards
                    .child_shards(self.address.shard_index)
                    .iter()
                    .map(shapes::child_shard)
                    .collect(),
            )
        } else {
            None
        };
        Ok(SubscribeToShardEvent {
            records: batch
                .records
                .into_iter()
                .map(|r| self.kinesis.readable_record(r))
                .collect::<KinesisResult<_>>()?,
            continuation_sequence_number: (!at_end).then(|| next.to_string()),
            millis_behind_latest,
            child_shards,
        })
    }
}
