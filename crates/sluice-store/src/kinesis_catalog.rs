//! The embedded store's Kinesis [`StreamCatalog`]: streams (settings, status, shards and
//! lineage, tags, policy), consumers and account settings, kept in the store's state and
//! journalled as the store's own records (`KinesisStreamSaved`, `KinesisStreamRemoved`,
//! `KinesisConsumerSaved`, `KinesisConsumerRemoved`, `KinesisAccountSaved`), replayed at
//! recovery, carried in snapshots and wiped by `Reset`.
//!
//! The nested documents (lifecycle, settings, shard set) are stored as JSON text inside
//! the store's records, not as postcard-encoded core structs: a field added to a core type
//! (with a serde default) then reads old records, where postcard's positional layout would
//! silently misread them. Compare-and-set and the account limits are decided under the
//! state lock, in the same critical section that journals the change.

use std::collections::BTreeMap;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use sluice_core::clock::EpochMs;
use sluice_core::kinesis::names::ConsumerKey;
use sluice_core::kinesis::store::*;
use sluice_core::kinesis::stream::StreamMode;
use sluice_core::kinesis::StreamKey;
use sluice_core::sqs::store::StoreError;

use crate::record::Record;
use crate::EmbeddedStore;

/// A stream as journalled.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StreamRecord {
    pub region: String,
    pub account_id: String,
    pub name: String,
    pub created_at_ms: u64,
    pub revision: u64,
    pub lifecycle_json: String,
    pub settings_json: String,
    pub shards_json: String,
    pub tags: Vec<(String, String)>,
    pub policy: Option<String>,
}

/// A consumer as journalled.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConsumerRecord {
    pub region: String,
    pub account_id: String,
    pub stream_name: String,
    pub name: String,
    pub created_at_s: u64,
    pub stream_created_at_ms: u64,
    pub lifecycle_json: String,
    pub created_at_ms: u64,
    pub tags: Vec<(String, String)>,
    pub policy: Option<String>,
}

fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("catalog documents always encode")
}

fn from_json<T: for<'de> Deserialize<'de>>(text: &str, what: &str) -> Result<T, String> {
    serde_json::from_str(text).map_err(|e| format!("undecodable Kinesis {what}: {e}"))
}

impl StreamRecord {
    pub fn of(meta: &StreamMeta) -> Self {
        Self {
            region: meta.key.region.clone(),
            account_id: meta.key.account_id.clone(),
            name: meta.key.name.clone(),
            created_at_ms: meta.created_at_ms,
            revision: meta.revision,
            lifecycle_json: json(&meta.lifecycle),
            settings_json: json(&meta.settings),
            shards_json: json(&meta.shards),
            tags: meta.tags.clone().into_iter().collect(),
            policy: meta.policy.clone(),
        }
    }

    pub fn into_meta(self) -> Result<StreamMeta, String> {
        Ok(StreamMeta {
            key: StreamKey::new(&self.region, &self.account_id, &self.name),
            created_at_ms: self.created_at_ms,
            revision: self.revision,
            lifecycle: from_json(&self.lifecycle_json, "stream lifecycle")?,
            settings: from_json(&self.settings_json, "stream settings")?,
            shards: from_json(&self.shards_json, "shard set")?,
            tags: self.tags.into_iter().collect(),
            policy: self.policy,
        })
    }
}

impl ConsumerRecord {
    pub fn of(meta: &ConsumerMeta) -> Self {
        Self {
            region: meta.key.stream.region.clone(),
            account_id: meta.key.stream.account_id.clone(),
            stream_name: meta.key.stream.name.clone(),
            name: meta.key.name.clone(),
            created_at_s: meta.key.created_at_s,
            stream_created_at_ms: meta.stream_created_at_ms,
            lifecycle_json: json(&meta.lifecycle),
            created_at_ms: meta.created_at_ms,
            tags: meta.tags.clone().into_iter().collect(),
            policy: meta.policy.clone(),
        }
    }

    pub fn into_meta(self) -> Result<ConsumerMeta, String> {
        Ok(ConsumerMeta {
            key: ConsumerKey {
                stream: StreamKey::new(&self.region, &self.account_id, &self.stream_name),
                name: self.name,
                created_at_s: self.created_at_s,
            },
            stream_created_at_ms: self.stream_created_at_ms,
            lifecycle: from_json(&self.lifecycle_json, "consumer lifecycle")?,
            created_at_ms: self.created_at_ms,
            tags: self.tags.into_iter().collect(),
            policy: self.policy,
        })
    }
}

/// The catalog's part of the store's state.
#[derive(Default)]
pub(crate) struct CatalogState {
    pub streams: BTreeMap<StreamKey, StreamMeta>,
    /// Consumers by stream and name.
    pub consumers: BTreeMap<(StreamKey, String), ConsumerMeta>,
    /// Account settings by region and account.
    pub accounts: BTreeMap<(String, String), AccountSettings>,
}

impl CatalogState {
    pub fn reset(&mut self) {
        *self = Self::default();
    }

    /// Applies a Kinesis record, live or at replay.
    pub fn apply(&mut self, record: Record) -> Result<(), String> {
        match record {
            Record::KinesisStreamSaved(stream) => {
                let meta = stream.into_meta()?;
                self.streams.insert(meta.key.clone(), meta);
            }
            Record::KinesisStreamRemoved {
                region,
                account_id,
                name,
                created_at_ms,
            } => {
                let key = StreamKey::new(&region, &account_id, &name);
                if self
                    .streams
                    .get(&key)
                    .is_some_and(|s| s.created_at_ms == created_at_ms)
                {
                    self.streams.remove(&key);
                    self.consumers.retain(|(stream, _), _| *stream != key);
                }
            }
            Record::KinesisConsumerSaved(consumer) => {
                let meta = consumer.into_meta()?;
                self.consumers
                    .insert((meta.key.stream.clone(), meta.key.name.clone()), meta);
            }
            Record::KinesisConsumerRemoved {
                region,
                account_id,
                stream_name,
                name,
            } => {
                let key = StreamKey::new(&region, &account_id, &stream_name);
                self.consumers.remove(&(key, name));
            }
            Record::KinesisAccountSaved {
                region,
                account_id,
                minimum_throughput_billing_commitment,
            } => {
                self.accounts.insert(
                    (region, account_id),
                    AccountSettings {
                        minimum_throughput_billing_commitment,
                    },
                );
            }
            other => return Err(format!("not a Kinesis record: {other:?}")),
        }
        Ok(())
    }

    /// Records that rebuild the catalog.
    pub fn snapshot_records(&self, out: &mut Vec<Vec<u8>>) {
        for stream in self.streams.values() {
            out.push(Record::KinesisStreamSaved(StreamRecord::of(stream)).encode());
        }
        for consumer in self.consumers.values() {
            out.push(Record::KinesisConsumerSaved(ConsumerRecord::of(consumer)).encode());
        }
        for ((region, account_id), settings) in &self.accounts {
            out.push(
                Record::KinesisAccountSaved {
                    region: region.clone(),
                    account_id: account_id.clone(),
                    minimum_throughput_billing_commitment: settings
                        .minimum_throughput_billing_commitment
                        .clone(),
                }
                .encode(),
            );
        }
    }

    fn in_account<'a>(
        &'a self,
        region: &'a str,
        account_id: &'a str,
    ) -> impl Iterator<Item = &'a StreamMeta> + 'a {
        self.streams
            .values()
            .filter(move |s| s.key.region == region && s.key.account_id == account_id)
    }

    pub fn usage(&self, region: &str, account_id: &str) -> AccountUsage {
        let mut usage = AccountUsage::default();
        for stream in self.in_account(region, account_id) {
            usage.streams += 1;
            usage.open_shards += u64::from(stream.shards.open_count());
            if stream.settings.mode == StreamMode::OnDemand {
                usage.on_demand_streams += 1;
            }
        }
        usage
    }
}

fn unavailable(e: StoreError) -> CatalogError {
    CatalogError::Unavailable(match e {
        StoreError::Unavailable(reason) => reason,
        other => other.to_string(),
    })
}

impl EmbeddedStore {
    /// Decides a change under the state lock (`decide` answers the record to journal and
    /// what to return, or refuses), journals and applies it in the same critical section,
    /// then waits until it is durable.
    async fn commit_catalog<T>(
        &self,
        decide: impl FnOnce(&CatalogState) -> CatalogResult<(Record, T)>,
    ) -> CatalogResult<T> {
        self.check_writable().map_err(unavailable)?;
        let (lsn, answer) = {
            let mut state = self.state.lock();
            let (record, answer) = decide(&state.kinesis)?;
            let lsn = self
                .journal(std::slice::from_ref(&record))
                .map_err(unavailable)?;
            state
                .kinesis
                .apply(record)
                .map_err(CatalogError::Unavailable)?;
            (lsn, answer)
        };
        self.durable(lsn).await.map_err(unavailable)?;
        Ok(answer)
    }
}

#[async_trait]
impl StreamCatalog for EmbeddedStore {
    async fn create_stream(
        &self,
        stream: NewStream,
        account_shard_limit: u32,
    ) -> CatalogResult<StreamMeta> {
        self.commit_catalog(|catalog| {
            if catalog.streams.contains_key(&stream.key) {
                return Err(CatalogError::StreamExists);
            }
            let current = catalog
                .usage(&stream.key.region, &stream.key.account_id)
                .open_shards;
            if current + u64::from(stream.shards.open_count()) > u64::from(account_shard_limit) {
                return Err(CatalogError::ShardLimit { current });
            }
            let meta = StreamMeta {
                key: stream.key,
                created_at_ms: stream.created_at_ms,
                revision: 1,
                lifecycle: stream.lifecycle,
                settings: stream.settings,
                shards: stream.shards,
                tags: stream.tags,
                policy: None,
            };
            Ok((Record::KinesisStreamSaved(StreamRecord::of(&meta)), meta))
        })
        .await
    }

    async fn stream(&self, key: &StreamKey) -> CatalogResult<Option<StreamMeta>> {
        Ok(self.state.lock().kinesis.streams.get(key).cloned())
    }

    async fn list_streams(
        &self,
        region: &str,
        account_id: &str,
        after: Option<&str>,
        limit: usize,
    ) -> CatalogResult<Vec<StreamMeta>> {
        let state = self.state.lock();
        let from = StreamKey::new(region, account_id, after.unwrap_or_default());
        Ok(state
            .kinesis
            .streams
            .range(from..)
            .map(|(_, s)| s)
            .take_while(|s| s.key.region == region && s.key.account_id == account_id)
            .filter(|s| after.is_none_or(|a| s.key.name.as_str() > a))
            .take(limit)
            .cloned()
            .collect())
    }

    async fn account_usage(&self, region: &str, account_id: &str) -> CatalogResult<AccountUsage> {
        Ok(self.state.lock().kinesis.usage(region, account_id))
    }

    async fn stream_accounts(&self) -> CatalogResult<Vec<(String, String)>> {
        let state = self.state.lock();
        let mut accounts: Vec<(String, String)> = Vec::new();
        // Streams are kept in key order (region, account, name): each account's run of
        // streams is contiguous.
        for key in state.kinesis.streams.keys() {
            if accounts
                .last()
                .is_none_or(|(r, a)| *r != key.region || *a != key.account_id)
            {
                accounts.push((key.region.clone(), key.account_id.clone()));
            }
        }
        Ok(accounts)
    }

    async fn change_stream(
        &self,
        key: &StreamKey,
        expected_revision: u64,
        change: StreamChange,
    ) -> CatalogResult<StreamMeta> {
        self.commit_catalog(|catalog| {
            let mut meta = catalog
                .streams
                .get(key)
                .cloned()
                .ok_or(CatalogError::NoSuchStream)?;
            if meta.revision != expected_revision {
                return Err(CatalogError::Conflict {
                    current: meta.revision,
                });
            }
            match change {
                StreamChange::Settings {
                    settings,
                    lifecycle,
                } => {
                    meta.settings = settings;
                    meta.lifecycle = lifecycle;
                }
                StreamChange::Lifecycle(lifecycle) => meta.lifecycle = lifecycle,
                StreamChange::Shards {
                    shards,
                    lifecycle,
                    account_shard_limit,
                } => {
                    let current = catalog.usage(&key.region, &key.account_id).open_shards;
                    let after = current - u64::from(meta.shards.open_count())
                        + u64::from(shards.open_count());
                    // A change that does not add open shards is never refused.
                    if after > u64::from(account_shard_limit) && after > current {
                        return Err(CatalogError::ShardLimit { current });
                    }
                    meta.shards = shards;
                    meta.lifecycle = lifecycle;
                }
                StreamChange::Tags(tags) => meta.tags = tags,
                StreamChange::Policy(policy) => meta.policy = policy,
            }
            meta.revision += 1;
            Ok((Record::KinesisStreamSaved(StreamRecord::of(&meta)), meta))
        })
        .await
    }

    async fn remove_stream(&self, key: &StreamKey, created_at_ms: EpochMs) -> CatalogResult<()> {
        let present = self
            .state
            .lock()
            .kinesis
            .streams
            .get(key)
            .is_some_and(|s| s.created_at_ms == created_at_ms);
        if !present {
            return Ok(());
        }
        self.commit_catalog(|_| {
            Ok((
                Record::KinesisStreamRemoved {
                    region: key.region.clone(),
                    account_id: key.account_id.clone(),
                    name: key.name.clone(),
                    created_at_ms,
                },
                (),
            ))
        })
        .await
    }

    async fn register_consumer(
        &self,
        consumer: ConsumerMeta,
        max_per_stream: usize,
    ) -> CatalogResult<ConsumerMeta> {
        self.commit_catalog(|catalog| {
            let stream = &consumer.key.stream;
            if catalog
                .streams
                .get(stream)
                .is_none_or(|s| s.created_at_ms != consumer.stream_created_at_ms)
            {
                return Err(CatalogError::NoSuchStream);
            }
            if catalog
                .consumers
                .contains_key(&(stream.clone(), consumer.key.name.clone()))
            {
                return Err(CatalogError::ConsumerExists);
            }
            let current = catalog
                .consumers
                .range((stream.clone(), String::new())..)
                .take_while(|((s, _), _)| s == stream)
                .count();
            if current >= max_per_stream {
                return Err(CatalogError::ConsumerLimit { current });
            }
            Ok((
                Record::KinesisConsumerSaved(ConsumerRecord::of(&consumer)),
                consumer,
            ))
        })
        .await
    }

    async fn consumer(
        &self,
        stream: &StreamKey,
        name: &str,
    ) -> CatalogResult<Option<ConsumerMeta>> {
        Ok(self
            .state
            .lock()
            .kinesis
            .consumers
            .get(&(stream.clone(), name.to_owned()))
            .cloned())
    }

    async fn list_consumers(
        &self,
        stream: &StreamKey,
        after: Option<&str>,
        limit: usize,
    ) -> CatalogResult<Vec<ConsumerMeta>> {
        let state = self.state.lock();
        Ok(state
            .kinesis
            .consumers
            .range((stream.clone(), after.unwrap_or_default().to_owned())..)
            .take_while(|((s, _), _)| s == stream)
            .filter(|((_, name), _)| after.is_none_or(|a| name.as_str() > a))
            .take(limit)
            .map(|(_, c)| c.clone())
            .collect())
    }

    async fn change_consumer(
        &self,
        stream: &StreamKey,
        name: &str,
        change: ConsumerChange,
    ) -> CatalogResult<ConsumerMeta> {
        self.commit_catalog(|catalog| {
            let mut meta = catalog
                .consumers
                .get(&(stream.clone(), name.to_owned()))
                .cloned()
                .ok_or(CatalogError::NoSuchConsumer)?;
            match change {
                ConsumerChange::Lifecycle(lifecycle) => meta.lifecycle = lifecycle,
                ConsumerChange::Tags(tags) => meta.tags = tags,
                ConsumerChange::Policy(policy) => meta.policy = policy,
            }
            Ok((
                Record::KinesisConsumerSaved(ConsumerRecord::of(&meta)),
                meta,
            ))
        })
        .await
    }

    async fn remove_consumer(
        &self,
        stream: &StreamKey,
        name: &str,
    ) -> CatalogResult<Option<ConsumerMeta>> {
        let Some(existing) = self.consumer(stream, name).await? else {
            return Ok(None);
        };
        self.commit_catalog(|catalog| {
            let current = catalog
                .consumers
                .get(&(stream.clone(), name.to_owned()))
                .cloned();
            Ok((
                Record::KinesisConsumerRemoved {
                    region: stream.region.clone(),
                    account_id: stream.account_id.clone(),
                    stream_name: stream.name.clone(),
                    name: name.to_owned(),
                },
                current.or(Some(existing)),
            ))
        })
        .await
    }

    async fn account_settings(
        &self,
        region: &str,
        account_id: &str,
    ) -> CatalogResult<AccountSettings> {
        Ok(self
            .state
            .lock()
            .kinesis
            .accounts
            .get(&(region.to_owned(), account_id.to_owned()))
            .cloned()
            .unwrap_or_default())
    }

    async fn set_account_settings(
        &self,
        region: &str,
        account_id: &str,
        settings: AccountSettings,
    ) -> CatalogResult<()> {
        self.commit_catalog(|_| {
            Ok((
                Record::KinesisAccountSaved {
                    region: region.to_owned(),
                    account_id: account_id.to_owned(),
                    minimum_throughput_billing_commitment: settings
                        .minimum_throughput_billing_commitment,
                },
                (),
            ))
        })
        .await
    }
}
