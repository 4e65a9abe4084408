//! Stream actions: CreateStream, DeleteStream, DescribeStream, DescribeStreamSummary,
//! ListStreams, Increase/DecreaseStreamRetentionPeriod and DescribeLimits.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as TOKEN_BASE64;
use base64::Engine as _;

use super::{
    catalog_error, log_error, missing, shapes, Kinesis, KinesisContext, CONFLICT_RETRIES_MAX,
};
use crate::kinesis::api::*;
use crate::kinesis::error::{KinesisError, KinesisErrorKind, KinesisResult};
use crate::kinesis::limits::{CONSUMERS_PER_STREAM_MAX, LIST_STREAMS_PAGE_MAX};
use crate::kinesis::names::resolve_stream;
use crate::kinesis::names::{check_stream_name, StreamKey};
use crate::kinesis::sequence::stream_tag;
use crate::kinesis::shards::{check_list_limit, describe_stream_shards, ShardSet};
use crate::kinesis::store::{CatalogError, NewStream, StreamChange, StreamMeta};
use crate::kinesis::stream::{
    check_retention_decrease, check_retention_increase, plan_new_stream, Lifecycle, StreamMode,
    StreamStatus, Transition,
};
use crate::kinesis::tags::add_tags;
use crate::sqs::api::TagMap;

impl Kinesis {
    pub async fn create_stream(
        &self,
        ctx: &KinesisContext,
        input: CreateStreamInput,
    ) -> KinesisResult<()> {
        let name = input
            .stream_name
            .as_deref()
            .ok_or_else(|| missing("streamName"))?;
        check_stream_name(name)?;
        let plan = plan_new_stream(
            input.shard_count,
            input
                .stream_mode_details
                .as_ref()
                .map(|m| m.stream_mode.as_str()),
            input.max_record_size_in_kib,
            input.warm_throughput_mi_bps,
        )?;
        let key = StreamKey::new(&ctx.region, &ctx.account_id, name);
        self.authorize(ctx, "CreateStream", &key.arn(), &key.account_id, None)?;
        let tags = match &input.tags {
            Some(adding) => add_tags(&TagMap::new(), adding, name, &key.account_id)?,
            None => TagMap::new(),
        };

        let _edit = self.edits.lock().await;
        let now = self.now();
        if self.live_stream(&key, now).await?.is_some() {
            return Err(KinesisError::stream_exists(name, &key.account_id));
        }
        // The quotas are checked here, before a single shard log exists, so an absurd
        // ShardCount costs nothing; the catalog checks the shard limit again atomically.
        let usage = self
            .catalog
            .account_usage(&key.region, &key.account_id)
            .await
            .map_err(catalog_error)?;
        let limit = self.config.account_shard_limit;
        if usage.open_shards + u64::from(plan.shard_count) > u64::from(limit) {
            return Err(KinesisError::shard_limit(
                &key.account_id,
                &key.region,
                usage.open_shards,
                u64::from(limit),
                u64::from(plan.shard_count),
            ));
        }
        if plan.settings.mode == StreamMode::OnDemand
            && usage.on_demand_streams >= u64::from(self.config.on_demand_stream_limit)
        {
            return Err(on_demand_limit(&key, self.config.on_demand_stream_limit));
        }

        let shards = ShardSet::new(plan.shard_count, stream_tag(now), now);
        let starts: Vec<(u32, _)> = shards
            .shards
            .iter()
            .map(|s| (s.index, s.starting_sequence))
            .collect();
        self.log
            .create_shards(&key, now, &starts)
            .await
            .map_err(log_error)?;
        let stream = NewStream {
            key: key.clone(),
            created_at_ms: now,
            lifecycle: Lifecycle::begin(Transition::Creating, now, self.config.delays),
            settings: plan.settings,
            shards,
            tags,
        };
        match self.catalog.create_stream(stream, limit).await {
            Ok(_) => Ok(()),
            Err(e) => {
                // The stream was not stored: its logs are garbage.
                let indexes: Vec<u32> = starts.iter().map(|(i, _)| *i).collect();
                let _ = self.log.delete_shards(&key, now, &indexes).await;
                Err(match e {
                    CatalogError::StreamExists => {
                        KinesisError::stream_exists(name, &key.account_id)
                    }
                    CatalogError::ShardLimit { current } => KinesisError::shard_limit(
                        &key.account_id,
                        &key.region,
                        current,
                        u64::from(limit),
                        starts.len() as u64,
                    ),
                    other => catalog_error(other),
                })
            }
        }
    }

    pub async fn delete_stream(
        &self,
        ctx: &KinesisContext,
        input: DeleteStreamInput,
    ) -> KinesisResult<()> {
        let _edit = self.edits.lock().await;
        let meta = self
            .stream_for(
                ctx,
                "DeleteStream",
                input.stream_name.as_deref(),
                input.stream_arn.as_deref(),
            )
            .await?;
        let now = self.now();
        if meta.lifecycle.status(now) == Some(StreamStatus::Deleting) {
            return Ok(());
        }
        if !input.enforce_consumer_deletion.unwrap_or(false) {
            let consumers = self
                .catalog
                .list_consumers(&meta.key, None, 1)
                .await
                .map_err(catalog_error)?;
            if !consumers.is_empty() {
                return Err(KinesisError::new(
                    KinesisErrorKind::ResourceInUse,
                    format!(
                        "Stream {} under account {} has registered consumers. Deregister them \
                         first, or set EnforceConsumerDeletion.",
                        meta.key.name, meta.key.account_id
                    ),
                ));
            }
        }
        let lifecycle = Lifecycle::begin(Transition::Deleting, now, self.config.delays);
        let deleting = self
            .change_with_retries(meta, |_| Ok(StreamChange::Lifecycle(lifecycle)))
            .await?;
        // Without a DELETING delay the stream goes at once (its consumers with it).
        if deleting.lifecycle.status(now).is_none() {
            self.finish_deletion(&deleting).await?;
        }
        self.activity.forget(&deleting.key);
        Ok(())
    }

    pub async fn describe_stream(
        &self,
        ctx: &KinesisContext,
        input: DescribeStreamInput,
    ) -> KinesisResult<DescribeStreamOutput> {
        let limit = input
            .limit
            .map(|l| check_list_limit(l, "limit"))
            .transpose()?;
        if let Some(start) = &input.exclusive_start_shard_id {
            crate::kinesis::names::check_shard_id_member(start, "exclusiveStartShardId")?;
        }
        let meta = self
            .stream_for(
                ctx,
                "DescribeStream",
                input.stream_name.as_deref(),
                input.stream_arn.as_deref(),
            )
            .await?;
        let now = self.now();
        let (shards, has_more_shards) = describe_stream_shards(
            &meta.shards,
            input.exclusive_start_shard_id.as_deref(),
            limit,
            meta.settings.trim_horizon_ms(now, meta.created_at_ms),
        );
        Ok(DescribeStreamOutput {
            stream_description: StreamDescription {
                stream_name: meta.key.name.clone(),
                stream_arn: meta.key.arn(),
                stream_status: status_text(&meta, now),
                stream_mode_details: shapes::mode(meta.settings.mode),
                shards: shards.iter().map(shapes::shard).collect(),
                has_more_shards,
                retention_period_hours: meta.settings.retention_hours,
                stream_creation_timestamp_ms: meta.created_at_ms,
                enhanced_monitoring: shapes::enhanced_monitoring(&meta.settings),
                encryption_type: meta.settings.encryption.encryption_type().to_owned(),
                key_id: meta.settings.encryption.key_id().map(str::to_owned),
            },
        })
    }

    pub async fn describe_stream_summary(
        &self,
        ctx: &KinesisContext,
        input: StreamInput,
    ) -> KinesisResult<DescribeStreamSummaryOutput> {
        let meta = self
            .stream_for(
                ctx,
                "DescribeStreamSummary",
                input.stream_name.as_deref(),
                input.stream_arn.as_deref(),
            )
            .await?;
        let now = self.now();
        let consumers = self
            .catalog
            .list_consumers(&meta.key, None, CONSUMERS_PER_STREAM_MAX + 1)
            .await
            .map_err(catalog_error)?;
        let warm = meta.settings.warm_throughput;
        let warm_throughput =
            (meta.settings.mode == StreamMode::OnDemand).then_some(WarmThroughputObject {
                target_mi_bps: warm.target_mibps,
                current_mi_bps: warm.current_mibps,
            });
        Ok(DescribeStreamSummaryOutput {
            stream_description_summary: StreamDescriptionSummary {
                stream_name: meta.key.name.clone(),
                stream_arn: meta.key.arn(),
                stream_status: status_text(&meta, now),
                stream_mode_details: shapes::mode(meta.settings.mode),
                retention_period_hours: meta.settings.retention_hours,
                stream_creation_timestamp_ms: meta.created_at_ms,
                enhanced_monitoring: shapes::enhanced_monitoring(&meta.settings),
                encryption_type: meta.settings.encryption.encryption_type().to_owned(),
                key_id: meta.settings.encryption.key_id().map(str::to_owned),
                open_shard_count: meta.shards.open_count(),
                consumer_count: consumers.len() as u32,
                warm_throughput,
                max_record_size_in_kib: meta.settings.max_record_size_kib,
            },
        })
    }

    /// ListStreams: names and summaries in name order, at most 100 a page. NextToken
    /// carries the last name of the page (ExclusiveStartStreamName does the same).
    pub async fn list_streams(
        &self,
        ctx: &KinesisContext,
        input: ListStreamsInput,
    ) -> KinesisResult<ListStreamsOutput> {
        let limit = input
            .limit
            .map(|l| check_list_limit(l, "limit"))
            .transpose()?
            .unwrap_or(LIST_STREAMS_PAGE_MAX)
            .min(LIST_STREAMS_PAGE_MAX) as usize;
        let after = match (&input.next_token, &input.exclusive_start_stream_name) {
            (Some(token), _) => Some(decode_list_streams_token(token)?),
            (None, Some(name)) => {
                check_stream_name(name)?;
                Some(name.clone())
            }
            (None, None) => None,
        };
        let list_arn = format!("arn:aws:kinesis:{}:{}:stream/*", ctx.region, ctx.account_id);
        self.authorize(ctx, "ListStreams", &list_arn, &ctx.account_id, None)?;
        let now = self.now();
        let found = self
            .catalog
            .list_streams(&ctx.region, &ctx.account_id, after.as_deref(), limit + 1)
            .await
            .map_err(catalog_error)?;
        let mut streams: Vec<StreamMeta> = found
            .into_iter()
            .filter(|m| m.lifecycle.status(now).is_some())
            .collect();
        let has_more_streams = streams.len() > limit;
        streams.truncate(limit);
        let next_token = has_more_streams
            .then(|| streams.last().map(|m| TOKEN_BASE64.encode(&m.key.name)))
            .flatten();
        Ok(ListStreamsOutput {
            stream_names: streams.iter().map(|m| m.key.name.clone()).collect(),
            has_more_streams,
            next_token,
            stream_summaries: streams
                .iter()
                .map(|m| StreamSummary {
                    stream_name: m.key.name.clone(),
                    stream_arn: m.key.arn(),
                    stream_status: status_text(m, now),
                    stream_mode_details: shapes::mode(m.settings.mode),
                    stream_creation_timestamp_ms: m.created_at_ms,
                })
                .collect(),
        })
    }

    pub async fn increase_stream_retention_period(
        &self,
        ctx: &KinesisContext,
        input: RetentionPeriodInput,
    ) -> KinesisResult<()> {
        self.change_retention(ctx, input, "IncreaseStreamRetentionPeriod", true)
            .await
    }

    pub async fn decrease_stream_retention_period(
        &self,
        ctx: &KinesisContext,
        input: RetentionPeriodInput,
    ) -> KinesisResult<()> {
        self.change_retention(ctx, input, "DecreaseStreamRetentionPeriod", false)
            .await
    }

    async fn change_retention(
        &self,
        ctx: &KinesisContext,
        input: RetentionPeriodInput,
        action: &str,
        increase: bool,
    ) -> KinesisResult<()> {
        let requested = input
            .retention_period_hours
            .ok_or_else(|| missing("retentionPeriodHours"))?;
        let key = resolve_stream(
            input.stream_name.as_deref(),
            input.stream_arn.as_deref(),
            &ctx.region,
            &ctx.account_id,
        )?;
        let (_edit, meta, now) = self.editable_stream(ctx, action, &key).await?;
        self.change_with_retries(meta, |m| {
            let current = m.settings.retention_hours;
            let hours = if increase {
                check_retention_increase(requested, current, &m.key.name)?
            } else {
                check_retention_decrease(requested, current, &m.key.name)?
            };
            let mut settings = m.settings.clone();
            settings.expired_before_ms = m.settings.trim_horizon_ms(now, m.created_at_ms);
            settings.retention_hours = hours;
            Ok(StreamChange::Settings {
                settings,
                lifecycle: m.lifecycle,
            })
        })
        .await?;
        Ok(())
    }

    pub async fn describe_limits(
        &self,
        ctx: &KinesisContext,
    ) -> KinesisResult<DescribeLimitsOutput> {
        let arn = format!("arn:aws:kinesis:{}:{}:*", ctx.region, ctx.account_id);
        self.authorize(ctx, "DescribeLimits", &arn, &ctx.account_id, None)?;
        let usage = self
            .catalog
            .account_usage(&ctx.region, &ctx.account_id)
            .await
            .map_err(catalog_error)?;
        Ok(DescribeLimitsOutput {
            shard_limit: self.config.account_shard_limit,
            open_shard_count: usage.open_shards,
            on_demand_stream_count: usage.on_demand_streams,
            on_demand_stream_count_limit: self.config.on_demand_stream_limit,
        })
    }

    /// Applies the change `decide` makes of the stream, re-reading and deciding again when
    /// another writer changed the stream first.
    pub(super) async fn change_with_retries(
        &self,
        mut meta: StreamMeta,
        mut decide: impl FnMut(&StreamMeta) -> KinesisResult<StreamChange>,
    ) -> KinesisResult<StreamMeta> {
        for _ in 0..CONFLICT_RETRIES_MAX {
            let change = decide(&meta)?;
            match self
                .catalog
                .change_stream(&meta.key, meta.revision, change)
                .await
            {
                Ok(changed) => return Ok(changed),
                Err(CatalogError::Conflict { .. }) => {
                    let key = meta.key.clone();
                    meta = self
                        .live_stream(&key, self.now())
                        .await?
                        .filter(|m| m.created_at_ms == meta.created_at_ms)
                        .ok_or_else(|| {
                            KinesisError::stream_not_found(&key.name, &key.account_id)
                        })?;
                }
                Err(CatalogError::NoSuchStream) => {
                    return Err(KinesisError::stream_not_found(
                        &meta.key.name,
                        &meta.key.account_id,
                    ))
                }
                Err(other) => return Err(catalog_error(other)),
            }
        }
        Err(KinesisError::new(
            KinesisErrorKind::ResourceInUse,
            format!(
                "Stream {} under account {} is being changed by another request; retry.",
                meta.key.name, meta.key.account_id
            ),
        ))
    }
}

fn status_text(meta: &StreamMeta, now: u64) -> String {
    meta.lifecycle
        .status(now)
        .unwrap_or(StreamStatus::Deleting)
        .as_str()
        .to_owned()
}

fn on_demand_limit(key: &StreamKey, limit: u32) -> KinesisError {
    KinesisError::limit_exceeded(format!(
        "This request would exceed the on-demand stream count limit of {limit} for the account \
         {} in {}.",
        key.account_id, key.region
    ))
}

fn decode_list_streams_token(token: &str) -> KinesisResult<String> {
    TOKEN_BASE64
        .decode(token)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .filter(|name| check_stream_name(name).is_ok())
        .ok_or_else(|| KinesisError::invalid_argument("Invalid NextToken."))
}
