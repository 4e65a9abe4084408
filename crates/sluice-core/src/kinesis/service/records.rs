//! Record actions: PutRecord, PutRecords, GetShardIterator and GetRecords.
//!
//! A record goes to the open shard whose hash key range holds its hash key (the MD5 of
//! its partition key, or its ExplicitHashKey). A reshard can close that shard between
//! the catalog read and the append; the log then answers `ShardClosed` and the record is
//! routed again from a fresh read, so a put never lands in a closed shard.

use std::collections::BTreeMap;

use futures_util::future::join_all;

use crate::clock::EpochMs;

use super::{address, log_error, missing, require_readable, shapes, Kinesis, KinesisContext};
use crate::kinesis::api::*;
use crate::kinesis::error::{KinesisError, KinesisErrorKind, KinesisResult};
use crate::kinesis::hash_key::{check_partition_key, parse_explicit_hash_key, record_hash_key};
use crate::kinesis::iterator::{
    issue_iterator, open_iterator, requested_position, IteratorClaims, IteratorPosition,
    RequestedPosition, ShardIteratorType,
};
use crate::kinesis::limits::{DATA_MAX_BYTES, GET_RECORDS_MAX_BYTES};
use crate::kinesis::names::{check_shard_id_member, parse_shard_id, shard_id};
use crate::kinesis::records::{
    check_get_records_limit, check_put_records_count, check_put_records_size, throughput_exceeded,
    PutRecordsEntry,
};
use crate::kinesis::sequence::{parse_ordering_floor, ShardContext};
use crate::kinesis::store::{LogError, NewRecord, ReadLimits, StreamMeta};
use crate::kinesis::stream::check_record_size;

/// How old the closing of a shard the catalog still lists as open must be before a put
/// repairs it: a reshard in progress elsewhere has had time to store its shards by then.
pub const ABANDONED_RESHARD_MS: u64 = 60_000;

/// How many times records are routed again after a reshard closed their shard under
/// them, before the put fails.
const REROUTES_MAX: usize = 8;

/// A record checked and placed in the hash key space, not yet in a shard.
struct Placed {
    partition_key: String,
    data: Vec<u8>,
    hash_key: u128,
}

impl Kinesis {
    pub async fn put_record(
        &self,
        ctx: &KinesisContext,
        input: PutRecordInput,
    ) -> KinesisResult<PutRecordOutput> {
        let data = input.data.ok_or_else(|| missing("data"))?;
        let partition_key = input.partition_key.ok_or_else(|| missing("partitionKey"))?;
        check_data_member(&data, "data")?;
        check_partition_key(&partition_key, "partitionKey")?;
        let explicit = input
            .explicit_hash_key
            .as_deref()
            .map(|k| parse_explicit_hash_key(k, "explicitHashKey"))
            .transpose()?;
        if let Some(floor) = &input.sequence_number_for_ordering {
            crate::kinesis::sequence::check_sequence_member(floor, "sequenceNumberForOrdering")?;
        }
        let mut meta = self
            .stream_for(
                ctx,
                "PutRecord",
                input.stream_name.as_deref(),
                input.stream_arn.as_deref(),
            )
            .await?;
        let now = self.now();
        require_readable(&meta, now)?;
        check_record_size(data.len(), &partition_key, &meta.settings)?;
        let ordering_floor = input
            .sequence_number_for_ordering
            .as_deref()
            .map(|f| parse_ordering_floor(f, &meta.key.name, &meta.key.account_id, now))
            .transpose()?;
        let hash_key = record_hash_key(&partition_key, explicit);
        let data = self.data_at_rest(&meta, data, now)?;
        let record = NewRecord {
            partition_key,
            data,
            hash_key,
            ordering_floor,
            encryption_key_id: meta.settings.encryption.key_id().map(str::to_owned),
        };
        let record_bytes = (record.data.len() + record.partition_key.len()) as u64;
        for round in 0..REROUTES_MAX {
            let shard = meta
                .shards
                .shard_for(hash_key)
                .ok_or_else(|| KinesisError::internal("No open shard holds the hash key."))?
                .index;
            if round == 0
                && !self
                    .throughput
                    .admit_write(&address(&meta, shard), record_bytes, now)
            {
                return Err(throughput_exceeded(
                    &shard_id(shard),
                    &meta.key.name,
                    &meta.key.account_id,
                ));
            }
            match self
                .log
                .append(&address(&meta, shard), vec![record.clone()], now)
                .await
            {
                Ok(numbers) => {
                    self.activity.of(&meta.key, shard).put(1, record_bytes);
                    return Ok(PutRecordOutput {
                        shard_id: shard_id(shard),
                        sequence_number: numbers[0].to_string(),
                        encryption_type: meta.settings.encryption.encryption_type().to_owned(),
                    });
                }
                Err(LogError::ShardClosed) => meta = self.reread(&meta, &[shard]).await?,
                Err(other) => return Err(log_error(other)),
            }
        }
        Err(KinesisError::internal(
            "The shard kept closing under the put.",
        ))
    }

    pub async fn put_records(
        &self,
        ctx: &KinesisContext,
        input: PutRecordsInput,
    ) -> KinesisResult<PutRecordsOutput> {
        check_put_records_count(input.records.len())?;
        let mut placed = Vec::with_capacity(input.records.len());
        for (i, entry) in input.records.into_iter().enumerate() {
            let member = |m: &str| format!("records.{}.member.{m}", i + 1);
            let data = entry.data.ok_or_else(|| missing(&member("data")))?;
            let partition_key = entry
                .partition_key
                .ok_or_else(|| missing(&member("partitionKey")))?;
            check_data_member(&data, &member("data"))?;
            check_partition_key(&partition_key, &member("partitionKey"))?;
            let explicit = entry
                .explicit_hash_key
                .as_deref()
                .map(|k| parse_explicit_hash_key(k, &member("explicitHashKey")))
                .transpose()?;
            let hash_key = record_hash_key(&partition_key, explicit);
            placed.push(Placed {
                partition_key,
                data,
                hash_key,
            });
        }
        check_put_records_size(
            placed
                .iter()
                .map(|p| (p.data.len(), p.partition_key.as_str())),
        )?;
        let mut meta = self
            .stream_for(
                ctx,
                "PutRecords",
                input.stream_name.as_deref(),
                input.stream_arn.as_deref(),
            )
            .await?;
        let now = self.now();
        require_readable(&meta, now)?;
        for p in &placed {
            check_record_size(p.data.len(), &p.partition_key, &meta.settings)?;
        }
        for p in &mut placed {
            p.data = self.data_at_rest(&meta, std::mem::take(&mut p.data), now)?;
        }
        let key_id = meta.settings.encryption.key_id().map(str::to_owned);

        let mut results: Vec<Option<PutRecordsEntry>> = vec![None; placed.len()];
        let mut pending: Vec<usize> = (0..placed.len()).collect();
        let mut closed: Vec<u32> = Vec::new();
        for round in 0..REROUTES_MAX {
            if pending.is_empty() {
                break;
            }
            if round > 0 {
                meta = self.reread(&meta, &closed).await?;
                closed.clear();
            }
            // Each shard's records in request order, appended as one call; the shards'
            // appends run together and share the log's group commit.
            let mut by_shard: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
            for &i in &pending {
                match meta.shards.shard_for(placed[i].hash_key) {
                    Some(shard) => {
                        let bytes = (placed[i].data.len() + placed[i].partition_key.len()) as u64;
                        if round == 0
                            && !self.throughput.admit_write(
                                &address(&meta, shard.index),
                                bytes,
                                now,
                            )
                        {
                            results[i] = Some(PutRecordsEntry::throughput_exceeded(
                                &shard_id(shard.index),
                                &meta.key.name,
                                &meta.key.account_id,
                            ));
                            continue;
                        }
                        by_shard.entry(shard.index).or_default().push(i)
                    }
                    None => results[i] = Some(PutRecordsEntry::internal_failure()),
                }
            }
            let appends = by_shard.iter().map(|(&shard, indexes)| {
                let records = indexes
                    .iter()
                    .map(|&i| NewRecord {
                        partition_key: placed[i].partition_key.clone(),
                        data: placed[i].data.clone(),
                        hash_key: placed[i].hash_key,
                        ordering_floor: None,
                        encryption_key_id: key_id.clone(),
                    })
                    .collect();
                let address = address(&meta, shard);
                async move { self.log.append(&address, records, now).await }
            });
            let outcomes = join_all(appends).await;
            pending.clear();
            for ((&shard, indexes), outcome) in by_shard.iter().zip(outcomes) {
                match outcome {
                    Ok(numbers) => {
                        let bytes: usize = indexes
                            .iter()
                            .map(|&i| placed[i].data.len() + placed[i].partition_key.len())
                            .sum();
                        self.activity
                            .of(&meta.key, shard)
                            .put(indexes.len() as u64, bytes as u64);
                        for (&i, number) in indexes.iter().zip(numbers) {
                            results[i] = Some(PutRecordsEntry::Stored {
                                shard_id: shard_id(shard),
                                sequence_number: number,
                            });
                        }
                    }
                    Err(LogError::ShardClosed) => {
                        pending.extend(indexes);
                        closed.push(shard);
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, shard, "PutRecords append failed");
                        for &i in indexes {
                            results[i] = Some(PutRecordsEntry::internal_failure());
                        }
                    }
                }
            }
            pending.sort_unstable();
        }
        let entries: Vec<PutRecordsEntry> = results
            .into_iter()
            .map(|r| r.unwrap_or_else(PutRecordsEntry::internal_failure))
            .collect();
        Ok(PutRecordsOutput {
            failed_record_count: crate::kinesis::records::failed_record_count(&entries) as u32,
            records: entries.into_iter().map(result_entry).collect(),
            encryption_type: meta.settings.encryption.encryption_type().to_owned(),
        })
    }

    pub async fn get_shard_iterator(
        &self,
        ctx: &KinesisContext,
        input: GetShardIteratorInput,
    ) -> KinesisResult<GetShardIteratorOutput> {
        let shard = input
            .shard_id
            .as_deref()
            .ok_or_else(|| missing("shardId"))?;
        check_shard_id_member(shard, "shardId")?;
        let kind_text = input
            .shard_iterator_type
            .as_deref()
            .ok_or_else(|| missing("shardIteratorType"))?;
        let kind = ShardIteratorType::parse(kind_text).ok_or_else(|| {
            KinesisError::validation(
                kind_text,
                "shardIteratorType",
                "satisfy enum value set: [AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER, \
                 TRIM_HORIZON, LATEST, AT_TIMESTAMP]",
            )
        })?;
        let meta = self
            .stream_for(
                ctx,
                "GetShardIterator",
                input.stream_name.as_deref(),
                input.stream_arn.as_deref(),
            )
            .await?;
        let now = self.now();
        require_readable(&meta, now)?;
        let not_found =
            |id: &str| KinesisError::shard_not_found(id, &meta.key.name, &meta.key.account_id);
        let index = parse_shard_id(shard).ok_or_else(|| not_found(shard))?;
        if meta.shards.get(index).is_none() {
            return Err(not_found(&shard_id(index)));
        }
        let context = ShardContext {
            stream_name: &meta.key.name,
            account_id: &meta.key.account_id,
            shard_index: index,
            stream_tag: meta.shards.stream_tag,
        };
        let position = match requested_position(
            kind,
            input.starting_sequence_number.as_deref(),
            input.timestamp_ms,
            context,
            now,
        )? {
            RequestedPosition::At(position) => position,
            RequestedPosition::Latest => {
                let tip = self
                    .log
                    .tip(&address(&meta, index))
                    .await
                    .map_err(log_error)?;
                IteratorPosition::AfterSequence(tip.last)
            }
        };
        let claims = IteratorClaims {
            stream: meta.key.clone(),
            stream_created_at_ms: meta.created_at_ms,
            shard_index: index,
            position,
            issued_at_ms: now,
        };
        Ok(GetShardIteratorOutput {
            shard_iterator: issue_iterator(self.sealer.as_ref(), &claims),
        })
    }

    pub async fn get_records(
        &self,
        ctx: &KinesisContext,
        input: GetRecordsInput,
    ) -> KinesisResult<GetRecordsOutput> {
        let iterator = input
            .shard_iterator
            .as_deref()
            .ok_or_else(|| missing("shardIterator"))?;
        let max_records = check_get_records_limit(input.limit)?;
        let now = self.now();
        let claims = open_iterator(self.sealer.as_ref(), iterator, now)?;
        if let Some(arn) = &input.stream_arn {
            let named = crate::kinesis::names::parse_stream_arn(arn)?;
            if named != claims.stream {
                return Err(crate::kinesis::iterator::invalid_iterator());
            }
        }
        let meta = self
            .stream_by_key(ctx, "GetRecords", &claims.stream)
            .await?;
        let gone = || KinesisError::stream_not_found(&meta.key.name, &meta.key.account_id);
        if meta.created_at_ms != claims.stream_created_at_ms {
            return Err(gone());
        }
        require_readable(&meta, now)?;
        let index = claims.shard_index;
        if meta.shards.get(index).is_none() {
            return Err(KinesisError::shard_not_found(
                &shard_id(index),
                &meta.key.name,
                &meta.key.account_id,
            ));
        }
        let limits = ReadLimits {
            max_records,
            max_bytes: GET_RECORDS_MAX_BYTES,
        };
        let shard_address = address(&meta, index);
        if !self.throughput.admit_read(&shard_address, now) {
            return Err(throughput_exceeded(
                &shard_id(index),
                &meta.key.name,
                &meta.key.account_id,
            ));
        }
        let trim_horizon = meta.settings.trim_horizon_ms(now, meta.created_at_ms);
        let batch = match self
            .log
            .read(
                &address(&meta, index),
                claims.position,
                limits,
                trim_horizon,
            )
            .await
        {
            Ok(batch) => batch,
            Err(LogError::NoSuchShard) => {
                return Err(KinesisError::shard_not_found(
                    &shard_id(index),
                    &meta.key.name,
                    &meta.key.account_id,
                ))
            }
            Err(e) => return Err(log_error(e)),
        };
        if self.throughput.is_enforced() {
            let bytes: usize = batch
                .records
                .iter()
                .map(|r| r.data.len() + r.partition_key.len())
                .sum();
            self.throughput
                .charge_read(&shard_address, bytes as u64, now);
        }
        let at_end = batch.at_shard_end(claims.position);
        let next_shard_iterator = (!at_end).then(|| {
            issue_iterator(
                self.sealer.as_ref(),
                &IteratorClaims {
                    position: batch.next_position(claims.position),
                    issued_at_ms: now,
                    ..claims.clone()
                },
            )
        });
        // A reshard closes the parent's log before it stores the children: a catalog read
        // before the log still has the shard open, so read it again once the reshard is done.
        let meta = match meta.shards.get(index) {
            Some(shard) if at_end && shard.is_open() => self.reread(&meta, &[index]).await?,
            _ => meta,
        };
        let child_shards = at_end.then(|| {
            meta.shards
                .child_shards(index)
                .iter()
                .map(shapes::child_shard)
                .collect()
        });
        let millis_behind_latest = batch.millis_behind_latest();
        self.activity
            .of(&meta.key, index)
            .read(millis_behind_latest);
        Ok(GetRecordsOutput {
            records: batch
                .records
                .into_iter()
                .map(|r| self.readable_record(r))
                .collect::<KinesisResult<_>>()?,
            next_shard_iterator,
            millis_behind_latest,
            child_shards,
        })
    }

    /// The stream again, after a reshard closed `closed` under a put: the same
    /// incarnation, or ResourceNotFound.
    ///
    /// A reshard holds the edit lock from closing the parents until the new shard set is
    /// stored: taking it here waits for that, so the read sees the children. A shard the
    /// catalog still lists as open after that was closed by a reshard that never finished
    /// (a crash between its steps): once its closing is [`ABANDONED_RESHARD_MS`] old, it
    /// is repaired with a single child over its range.
    async fn reread(&self, meta: &StreamMeta, closed: &[u32]) -> KinesisResult<StreamMeta> {
        let _edit = self.edits.lock().await;
        let now = self.now();
        let mut fresh = self
            .live_stream(&meta.key, now)
            .await?
            .filter(|m| m.created_at_ms == meta.created_at_ms)
            .ok_or_else(|| KinesisError::stream_not_found(&meta.key.name, &meta.key.account_id))?;
        require_readable(&fresh, now)?;
        for &index in closed {
            if fresh.shards.get(index).is_some_and(|s| s.is_open()) {
                fresh = self.repair_closed_shard(fresh, index, now).await?;
            }
        }
        Ok(fresh)
    }

    /// Closes in the catalog a shard whose log is closed, opening one child over its
    /// range; leaves the stream as it is while the log's closing is recent (a reshard of
    /// another server may still be storing its shards).
    async fn repair_closed_shard(
        &self,
        meta: StreamMeta,
        index: u32,
        now: EpochMs,
    ) -> KinesisResult<StreamMeta> {
        let shard = address(&meta, index);
        let ending = self
            .log
            .tip(&shard)
            .await
            .map_err(log_error)?
            .ending
            .ok_or_else(|| KinesisError::internal("The shard log is open again."))?;
        if now.saturating_sub(ending.time_ms) < ABANDONED_RESHARD_MS {
            return Ok(meta);
        }
        tracing::warn!(
            stream = %meta.key.arn(),
            shard = %shard_id(index),
            "repairing a shard closed by an unfinished reshard"
        );
        let mut shards = meta.shards.clone();
        let child = shards.replace_closed(index, ending, now);
        let start = shards.get(child).expect("the new child").starting_sequence;
        self.log
            .create_shards(&meta.key, meta.created_at_ms, &[(child, start)])
            .await
            .map_err(log_error)?;
        let limit = self.config.account_shard_limit;
        self.change_with_retries(meta, |m| {
            Ok(crate::kinesis::store::StreamChange::Shards {
                shards: shards.clone(),
                lifecycle: m.lifecycle,
                account_shard_limit: limit,
            })
        })
        .await
    }
}

/// A Data blob within the model's largest (10 MiB); the stream's own MaxRecordSizeInKiB
/// is checked once the stream is known.
fn check_data_member(data: &[u8], member: &str) -> KinesisResult<()> {
    if data.len() > DATA_MAX_BYTES {
        return Err(KinesisError::new(
            KinesisErrorKind::Validation,
            format!(
                "1 validation error detected: Value at '{member}' failed to satisfy constraint: \
                 Member must have length less than or equal to {DATA_MAX_BYTES}"
            ),
        ));
    }
    Ok(())
}

fn result_entry(entry: PutRecordsEntry) -> PutRecordsResultEntry {
    match entry {
        PutRecordsEntry::Stored {
            shard_id,
            sequence_number,
        } => PutRecordsResultEntry {
            sequence_number: Some(sequence_number.to_string()),
            shard_id: Some(shard_id),
            ..Default::default()
        },
        PutRecordsEntry::Failed {
            error_code,
            error_message,
        } => PutRecordsResultEntry {
            error_code: Some(error_code.to_owned()),
            error_message: Some(error_message),
            ..Default::default()
        },
    }
}
