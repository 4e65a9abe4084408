//! Shard actions: ListShards, SplitShard, MergeShards and UpdateShardCount.
//!
//! A reshard follows the protocol `store.rs` documents: close the parents in the log
//! (each answers its EndingSequenceNumber), create the children's logs, then store the
//! new shard set in the catalog. Both log steps are idempotent, so a retry after a crash
//! between them finishes the job; the catalog's compare-and-set makes the last step
//! all-or-nothing.

use std::collections::BTreeMap;

use super::{address, catalog_error, log_error, missing, shapes, Kinesis, KinesisContext};
use crate::kinesis::api::*;
use crate::kinesis::error::{KinesisError, KinesisResult};
use crate::kinesis::limits::UPDATE_SHARD_COUNT_STREAM_MAX;
use crate::kinesis::names::{check_shard_id_member, StreamKey};
use crate::kinesis::shards::{
    check_list_limit, check_merge, check_split, check_update_shard_count, list_shards,
    list_shards_start, parse_shard_filter, plan_parents, uniform_scaling_plan, ListShardsQuery,
    ListShardsStart, ListShardsToken, Reshard, StreamContext,
};
use crate::kinesis::store::{CatalogError, StreamChange, StreamMeta};
use crate::kinesis::stream::{Lifecycle, StreamMode, Transition};

impl Kinesis {
    pub async fn list_shards(
        &self,
        ctx: &KinesisContext,
        input: ListShardsInput,
    ) -> KinesisResult<ListShardsOutput> {
        let max_results = input
            .max_results
            .map(|m| check_list_limit(m, "maxResults"))
            .transpose()?;
        if let Some(start) = &input.exclusive_start_shard_id {
            check_shard_id_member(start, "exclusiveStartShardId")?;
        }
        let filter = input
            .shard_filter
            .as_ref()
            .map(|f| parse_shard_filter(&f.r#type, f.shard_id.as_deref(), f.timestamp_ms))
            .transpose()?;
        let now = self.now();
        let names_stream = input.stream_name.is_some() || input.stream_arn.is_some();
        let start = list_shards_start(
            names_stream,
            input.next_token.as_deref(),
            input.exclusive_start_shard_id.as_deref(),
            filter,
            max_results,
            now,
        )?;
        let (meta, query) = match start {
            ListShardsStart::Stream(query) => {
                let meta = self
                    .stream_for(
                        ctx,
                        "ListShards",
                        input.stream_name.as_deref(),
                        input.stream_arn.as_deref(),
                    )
                    .await?;
                if input
                    .stream_creation_timestamp_ms
                    .is_some_and(|t| t / 1000 != meta.created_at_ms / 1000)
                {
                    return Err(KinesisError::stream_not_found(
                        &meta.key.name,
                        &meta.key.account_id,
                    ));
                }
                (meta, query)
            }
            ListShardsStart::Token(token, max_results) => {
                let key = StreamKey::new(&ctx.region, &ctx.account_id, &token.stream_name);
                let meta = self.stream_by_key(ctx, "ListShards", &key).await?;
                if meta.created_at_ms != token.stream_created_at_ms {
                    return Err(KinesisError::stream_not_found(&key.name, &key.account_id));
                }
                let query = ListShardsQuery {
                    after_index: Some(token.after_index),
                    filter: token.filter,
                    max_results,
                };
                (meta, query)
            }
        };
        let trim_horizon = meta.settings.trim_horizon_ms(now, meta.created_at_ms);
        let page = list_shards(&meta.shards, query, trim_horizon);
        let next_token = page.more_after.map(|after_index| {
            ListShardsToken {
                stream_name: meta.key.name.clone(),
                stream_created_at_ms: meta.created_at_ms,
                after_index,
                filter: query.filter,
                issued_at_ms: now,
            }
            .encode()
        });
        Ok(ListShardsOutput {
            shards: page.shards.iter().map(shapes::shard).collect(),
            next_token,
        })
    }

    pub async fn split_shard(
        &self,
        ctx: &KinesisContext,
        input: SplitShardInput,
    ) -> KinesisResult<()> {
        let shard = input
            .shard_to_split
            .as_deref()
            .ok_or_else(|| missing("shardToSplit"))?;
        check_shard_id_member(shard, "shardToSplit")?;
        let key = input
            .new_starting_hash_key
            .as_deref()
            .ok_or_else(|| missing("newStartingHashKey"))?;
        let _edit = self.edits.lock().await;
        let meta = self
            .reshard_target(ctx, "SplitShard", &input.stream_name, &input.stream_arn)
            .await?;
        let step = check_split(&meta.shards, shard, key, context(&meta))?;
        self.reshard(meta, vec![step]).await?;
        Ok(())
    }

    pub async fn merge_shards(
        &self,
        ctx: &KinesisContext,
        input: MergeShardsInput,
    ) -> KinesisResult<()> {
        let shard = input
            .shard_to_merge
            .as_deref()
            .ok_or_else(|| missing("shardToMerge"))?;
        let adjacent = input
            .adjacent_shard_to_merge
            .as_deref()
            .ok_or_else(|| missing("adjacentShardToMerge"))?;
        check_shard_id_member(shard, "shardToMerge")?;
        check_shard_id_member(adjacent, "adjacentShardToMerge")?;
        let _edit = self.edits.lock().await;
        let meta = self
            .reshard_target(ctx, "MergeShards", &input.stream_name, &input.stream_arn)
            .await?;
        let step = check_merge(&meta.shards, shard, adjacent, context(&meta))?;
        self.reshard(meta, vec![step]).await?;
        Ok(())
    }

    pub async fn update_shard_count(
        &self,
        ctx: &KinesisContext,
        input: UpdateShardCountInput,
    ) -> KinesisResult<UpdateShardCountOutput> {
        let target = input
            .target_shard_count
            .ok_or_else(|| missing("targetShardCount"))?;
        if target < 1 {
            return Err(KinesisError::validation(
                &target.to_string(),
                "targetShardCount",
                "have value greater than or equal to 1",
            ));
        }
        let scaling = input
            .scaling_type
            .as_deref()
            .ok_or_else(|| missing("scalingType"))?;
        if scaling != "UNIFORM_SCALING" {
            return Err(KinesisError::validation(
                scaling,
                "scalingType",
                "satisfy enum value set: [UNIFORM_SCALING]",
            ));
        }
        let _edit = self.edits.lock().await;
        let meta = self
            .reshard_target(
                ctx,
                "UpdateShardCount",
                &input.stream_name,
                &input.stream_arn,
            )
            .await?;
        if meta.settings.mode == StreamMode::OnDemand {
            return Err(KinesisError::invalid_argument(format!(
                "UpdateShardCount is not supported for stream {} under account {} in ON_DEMAND \
                 mode.",
                meta.key.name, meta.key.account_id
            )));
        }
        let open = meta.shards.open_count();
        let limit = UPDATE_SHARD_COUNT_STREAM_MAX.min(self.config.account_shard_limit);
        let target = u32::try_from(target).unwrap_or(u32::MAX);
        check_update_shard_count(open, target, limit)?;
        let plan = uniform_scaling_plan(&meta.shards, target);
        let meta = if plan.is_empty() {
            meta
        } else {
            self.reshard(meta, plan).await?
        };
        Ok(UpdateShardCountOutput {
            stream_name: meta.key.name.clone(),
            current_shard_count: open,
            target_shard_count: target,
            stream_arn: meta.key.arn(),
        })
    }

    /// The stream a reshard names, which must be ACTIVE.
    async fn reshard_target(
        &self,
        ctx: &KinesisContext,
        action: &str,
        name: &Option<String>,
        arn: &Option<String>,
    ) -> KinesisResult<StreamMeta> {
        let meta = self
            .stream_for(ctx, action, name.as_deref(), arn.as_deref())
            .await?;
        meta.lifecycle
            .require_active(self.now(), &meta.key.name, &meta.key.account_id)?;
        Ok(meta)
    }

    /// Carries out a checked plan: closes the parents' logs, creates the children's, and
    /// stores the new shard set (the stream shows UPDATING for the configured delay).
    async fn reshard(&self, mut meta: StreamMeta, plan: Vec<Reshard>) -> KinesisResult<StreamMeta> {
        let now = self.now();
        let before = meta.shards.clone();
        let limit = self.config.account_shard_limit;
        // The account's shard limit is checked before any log is touched: once a parent
        // is closed, the new shard set must be stored.
        let mut preview = before.clone();
        preview.apply_plan(&plan, &BTreeMap::new(), now);
        let added = u64::from(preview.open_count().saturating_sub(before.open_count()));
        if added > 0 {
            let usage = self
                .catalog
                .account_usage(&meta.key.region, &meta.key.account_id)
                .await
                .map_err(catalog_error)?;
            if usage.open_shards + added > u64::from(limit) {
                return Err(KinesisError::shard_limit(
                    &meta.key.account_id,
                    &meta.key.region,
                    usage.open_shards,
                    u64::from(limit),
                    added,
                ));
            }
        }
        let parents = plan_parents(&before, &plan);
        let mut endings = BTreeMap::new();
        for &parent in &parents {
            let ending = self
                .log
                .close_shard(&address(&meta, parent), now)
                .await
                .map_err(log_error)?;
            endings.insert(parent, ending);
        }
        let mut after = before.clone();
        after.apply_plan(&plan, &endings, now);
        let children: Vec<(u32, _)> = after
            .shards
            .iter()
            .filter(|s| before.get(s.index).is_none())
            .map(|s| (s.index, s.starting_sequence))
            .collect();
        self.log
            .create_shards(&meta.key, meta.created_at_ms, &children)
            .await
            .map_err(log_error)?;
        // Shards a plan both opens and closes (UNIFORM_SCALING's intermediate halves) never
        // held a record: their logs are closed too, so nothing can be appended to them.
        for shard in &after.shards {
            if before.get(shard.index).is_none() && !shard.is_open() {
                self.log
                    .close_shard(&address(&meta, shard.index), now)
                    .await
                    .map_err(log_error)?;
            }
        }
        let lifecycle = Lifecycle::begin(Transition::Updating, now, self.config.delays);
        for _ in 0..super::CONFLICT_RETRIES_MAX {
            let change = StreamChange::Shards {
                shards: after.clone(),
                lifecycle,
                account_shard_limit: limit,
            };
            match self
                .catalog
                .change_stream(&meta.key, meta.revision, change)
                .await
            {
                Ok(changed) => return Ok(changed),
                Err(CatalogError::Conflict { .. }) => {
                    // Another writer changed something else (tags, a setting): apply the
                    // same shards over its revision, as long as it did not reshard.
                    let fresh = self.reread_for_reshard(&meta).await?;
                    if fresh.shards != before {
                        return Err(reshard_conflict(&meta));
                    }
                    meta = fresh;
                }
                Err(CatalogError::ShardLimit { current }) => {
                    return Err(KinesisError::shard_limit(
                        &meta.key.account_id,
                        &meta.key.region,
                        current,
                        u64::from(limit),
                        added,
                    ))
                }
                Err(other) => return Err(catalog_error(other)),
            }
        }
        Err(reshard_conflict(&meta))
    }

    async fn reread_for_reshard(&self, meta: &StreamMeta) -> KinesisResult<StreamMeta> {
        self.live_stream(&meta.key, self.now())
            .await?
            .filter(|m| m.created_at_ms == meta.created_at_ms)
            .ok_or_else(|| KinesisError::stream_not_found(&meta.key.name, &meta.key.account_id))
    }
}

fn context(meta: &StreamMeta) -> StreamContext<'_> {
    StreamContext {
        stream_name: &meta.key.name,
        account_id: &meta.key.account_id,
    }
}

fn reshard_conflict(meta: &StreamMeta) -> KinesisError {
    KinesisError::new(
        crate::kinesis::error::KinesisErrorKind::ResourceInUse,
        format!(
            "Stream {} under account {} was resharded by another request; retry.",
            meta.key.name, meta.key.account_id
        ),
    )
}
