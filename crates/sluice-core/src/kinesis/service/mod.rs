//! The Kinesis service: one method per AWS action, taking typed input and returning typed
//! output. It validates as AWS does (with the pure checks beside it in `kinesis/`),
//! authorises with the shared access engine (`kinesis:` actions, a stream's resource
//! policy), and stores through the two traits of `store.rs`: metadata in the
//! [`StreamCatalog`], records in the [`ShardLog`]. Nothing here knows about HTTP, and
//! time comes from the injected [`Clock`].
//!
//! - `streams.rs`: CreateStream, DeleteStream, DescribeStream(Summary), ListStreams,
//!   Increase/DecreaseStreamRetentionPeriod, DescribeLimits.
//! - `records.rs`: PutRecord, PutRecords, GetShardIterator, GetRecords.
//! - `shards.rs`: ListShards, SplitShard, MergeShards, UpdateShardCount.
//! - `consumers.rs`: Register/Describe/List/DeregisterStreamConsumer.
//! - `resources.rs`: tags of streams and consumers, Put/Get/DeleteResourcePolicy.
//! - `settings.rs`: Start/StopStreamEncryption, Enable/DisableEnhancedMonitoring,
//!   UpdateStreamMode, Describe/UpdateAccountSettings.
//! - `subscribe.rs`: SubscribeToShard as a subscription whose events the wire frames.
//! - `housekeeping.rs`: the periodic entry point that trims records past retention,
//!   drops expired closed shards and finishes deletions.
//! - `shapes.rs`: core values as the API's shapes.

mod consumers;
mod housekeeping;
mod records;
mod resources;
mod settings;
mod shapes;
mod shards;
mod streams;
mod subscribe;

pub use housekeeping::HousekeepingReport;
pub use subscribe::ShardSubscription;

use std::sync::Arc;

use super::api;
use super::error::{KinesisError, KinesisErrorKind, KinesisResult};
use super::iterator::IteratorSealer;
use super::limits::{ACCOUNT_SHARD_LIMIT_DEFAULT, ON_DEMAND_STREAM_COUNT_LIMIT_DEFAULT};
use super::names::{resolve_stream, StreamKey};
use super::sealing::{kms_error, RecordCipher};
use super::store::{
    CatalogError, LogError, ShardAddress, ShardLog, StoredRecord, StreamCatalog, StreamMeta,
};
use super::stream::{StatusDelays, StreamStatus};
use super::throughput::ShardThroughput;
use crate::access::{Access, PolicyCache};
use crate::clock::{Clock, EpochMs};

/// Who is asking.
#[derive(Debug, Clone)]
pub struct KinesisContext {
    pub region: String,
    pub account_id: String,
    /// The authenticated caller and its action; `None` on an open server.
    pub access: Option<Access>,
}

impl KinesisContext {
    /// A caller of an open server.
    pub fn open(region: &str, account_id: &str) -> Self {
        Self {
            region: region.to_owned(),
            account_id: account_id.to_owned(),
            access: None,
        }
    }
}

/// What the server decides about the service.
#[derive(Debug, Clone, Copy)]
pub struct KinesisConfig {
    /// How long CREATING, UPDATING and DELETING show (zero: changes are ACTIVE at once).
    pub delays: StatusDelays,
    /// Open shards per account and region.
    pub account_shard_limit: u32,
    /// On-demand streams per account and region.
    pub on_demand_stream_limit: u32,
    /// Whether AWS's per-shard throughput limits are enforced (`throughput.rs`).
    pub throughput_limits: bool,
}

impl Default for KinesisConfig {
    fn default() -> Self {
        Self {
            delays: StatusDelays::default(),
            account_shard_limit: ACCOUNT_SHARD_LIMIT_DEFAULT,
            on_demand_stream_limit: ON_DEMAND_STREAM_COUNT_LIMIT_DEFAULT,
            throughput_limits: false,
        }
    }
}

/// The Kinesis service over a catalog, a shard log, a clock, an iterator sealer and the
/// cipher of encrypted streams' records.
pub struct Kinesis {
    catalog: Arc<dyn StreamCatalog>,
    log: Arc<dyn ShardLog>,
    clock: Arc<dyn Clock>,
    sealer: Arc<dyn IteratorSealer>,
    /// Seals the data of records put to an encrypted stream before the log keeps it, and
    /// opens it for readers.
    records_cipher: Arc<dyn RecordCipher>,
    config: KinesisConfig,
    /// Held while a stream is read, decided on and written back, so that two requests to
    /// this server never undo each other (the catalog's compare-and-set still guards
    /// against other servers).
    edits: tokio::sync::Mutex<()>,
    /// Resource policies, parsed once for access checks.
    policies: PolicyCache,
    /// SubscribeToShard's last starts, for the five-second rule.
    subscriptions: subscribe::SubscriptionStarts,
    /// Per-shard throughput, counted when the limits are enforced.
    throughput: ShardThroughput,
    /// Each shard's puts and reads, for the metrics endpoint.
    activity: super::activity::StreamActivity,
}

/// How many times a change is retried from a fresh read when the catalog reports that the
/// stream changed underneath it (only another server can cause that).
const CONFLICT_RETRIES_MAX: usize = 8;

impl Kinesis {
    pub fn new(
        catalog: Arc<dyn StreamCatalog>,
        log: Arc<dyn ShardLog>,
        clock: Arc<dyn Clock>,
        sealer: Arc<dyn IteratorSealer>,
        records_cipher: Arc<dyn RecordCipher>,
        config: KinesisConfig,
    ) -> Arc<Self> {
        Arc::new(Self {
            catalog,
            log,
            clock,
            sealer,
            records_cipher,
            config,
            edits: tokio::sync::Mutex::new(()),
            policies: PolicyCache::default(),
            subscriptions: subscribe::SubscriptionStarts::default(),
            throughput: ShardThroughput::new(config.throughput_limits),
            activity: super::activity::StreamActivity::default(),
        })
    }

    pub fn now(&self) -> EpochMs {
        self.clock.now_ms()
    }

    /// Each shard's puts and reads since the server started.
    pub fn activity(&self) -> &super::activity::StreamActivity {
        &self.activity
    }

    pub fn config(&self) -> &KinesisConfig {
        &self.config
    }

    /// A record's data as the log is to keep it: sealed under the stream's key while the
    /// stream is encrypted (KMS errors if the key cannot be used), else as it is.
    fn data_at_rest(
        &self,
        meta: &StreamMeta,
        data: Vec<u8>,
        now: EpochMs,
    ) -> KinesisResult<Vec<u8>> {
        match meta.settings.encryption.key_id() {
            None => Ok(data),
            Some(key_id) => self
                .records_cipher
                .seal(&meta.key, meta.created_at_ms, key_id, &data, now)
                .map_err(kms_error),
        }
    }

    /// A kept record as a reader gets it: its data opened if it was sealed.
    fn readable_record(&self, mut record: StoredRecord) -> KinesisResult<api::Record> {
        if record.encryption_key_id.is_some() {
            record.data = self.records_cipher.open(&record.data).map_err(kms_error)?;
        }
        Ok(shapes::record(record))
    }

    /// Refuses `action` on `arn` unless the caller may perform it; `policy` is the
    /// resource's policy, if it has one.
    fn authorize(
        &self,
        ctx: &KinesisContext,
        action: &str,
        arn: &str,
        account_id: &str,
        policy: Option<&str>,
    ) -> KinesisResult<()> {
        let Some(access) = &ctx.access else {
            return Ok(());
        };
        let policy = policy.and_then(|text| self.policies.get(text));
        super::access::check_action(
            access,
            action,
            arn,
            account_id,
            policy.as_deref(),
            self.now(),
        )
    }

    /// The stream of `key` if it exists now. A stream whose deletion has run its course
    /// is removed (catalog and logs) on the way, so its name is free.
    async fn live_stream(
        &self,
        key: &StreamKey,
        now: EpochMs,
    ) -> KinesisResult<Option<StreamMeta>> {
        let Some(meta) = self.catalog.stream(key).await.map_err(catalog_error)? else {
            return Ok(None);
        };
        if meta.lifecycle.status(now).is_some() {
            return Ok(Some(meta));
        }
        self.finish_deletion(&meta).await?;
        Ok(None)
    }

    /// Removes a deleted stream's metadata and records.
    async fn finish_deletion(&self, meta: &StreamMeta) -> KinesisResult<()> {
        let indexes: Vec<u32> = meta.shards.shards.iter().map(|s| s.index).collect();
        self.log
            .delete_shards(&meta.key, meta.created_at_ms, &indexes)
            .await
            .map_err(log_error)?;
        self.catalog
            .remove_stream(&meta.key, meta.created_at_ms)
            .await
            .map_err(catalog_error)
    }

    /// The stream a request names by StreamName or StreamARN, once the caller may perform
    /// `action` on it; ResourceNotFound if it does not exist (or is gone).
    /// The stream an edit is about, authorised for `action` and ACTIVE, with the service's
    /// edit lock held (until the guard drops) and the time of the edit.
    async fn editable_stream(
        &self,
        ctx: &KinesisContext,
        action: &str,
        key: &StreamKey,
    ) -> KinesisResult<(tokio::sync::MutexGuard<'_, ()>, StreamMeta, EpochMs)> {
        let edit = self.edits.lock().await;
        let meta = self.stream_by_key(ctx, action, key).await?;
        let now = self.now();
        meta.lifecycle
            .require_active(now, &meta.key.name, &meta.key.account_id)?;
        Ok((edit, meta, now))
    }

    async fn stream_for(
        &self,
        ctx: &KinesisContext,
        action: &str,
        name: Option<&str>,
        arn: Option<&str>,
    ) -> KinesisResult<StreamMeta> {
        let key = resolve_stream(name, arn, &ctx.region, &ctx.account_id)?;
        self.stream_by_key(ctx, action, &key).await
    }

    async fn stream_by_key(
        &self,
        ctx: &KinesisContext,
        action: &str,
        key: &StreamKey,
    ) -> KinesisResult<StreamMeta> {
        // Names the stream in the request's log span (when one is being recorded).
        tracing::Span::current().record("stream", key.name.as_str());
        let now = self.now();
        let meta = self.live_stream(key, now).await?;
        self.authorize(
            ctx,
            action,
            &key.arn(),
            &key.account_id,
            meta.as_ref().and_then(|m| m.policy.as_deref()),
        )?;
        meta.ok_or_else(|| KinesisError::stream_not_found(&key.name, &key.account_id))
    }
}

/// Where a stream's shard lives in the log.
fn address(meta: &StreamMeta, shard_index: u32) -> ShardAddress {
    ShardAddress {
        stream: meta.key.clone(),
        stream_created_at_ms: meta.created_at_ms,
        shard_index,
    }
}

/// Records are written and read while a stream is ACTIVE or UPDATING; CREATING and
/// DELETING streams answer as if absent.
fn require_readable(meta: &StreamMeta, now: EpochMs) -> KinesisResult<()> {
    match meta.lifecycle.status(now) {
        Some(StreamStatus::Active | StreamStatus::Updating) => Ok(()),
        _ => Err(KinesisError::stream_not_found(
            &meta.key.name,
            &meta.key.account_id,
        )),
    }
}

/// A required member that is absent: "1 validation error detected: Value null at 'm'
/// failed to satisfy constraint: Member must not be null".
fn missing(member: &str) -> KinesisError {
    KinesisError::new(
        KinesisErrorKind::Validation,
        format!(
            "1 validation error detected: Value null at '{member}' failed to satisfy constraint: \
             Member must not be null"
        ),
    )
}

fn unavailable(reason: &str) -> KinesisError {
    KinesisError::new(
        KinesisErrorKind::ServiceUnavailable,
        format!("The service is unavailable: {reason}"),
    )
}

/// A catalog error the service did not handle in place.
fn catalog_error(e: CatalogError) -> KinesisError {
    match e {
        CatalogError::Unavailable(reason) => unavailable(&reason),
        other => KinesisError::internal(format!("Unexpected catalog answer: {other}")),
    }
}

/// A log error the service did not handle in place.
fn log_error(e: LogError) -> KinesisError {
    match e {
        LogError::Unavailable(reason) => unavailable(&reason),
        other => KinesisError::internal(format!("Unexpected shard log answer: {other}")),
    }
}
