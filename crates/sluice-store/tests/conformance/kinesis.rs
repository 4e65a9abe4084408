//! The Kinesis half of the conformance suite: what every [`StreamCatalog`] and
//! [`ShardLog`] must do, checked again after [`Backend::restart_stores`] (for the
//! reopened durable backend, a store recovered from its journal and segment files).

use std::time::Duration;

use sluice_core::kinesis::iterator::IteratorPosition;
use sluice_core::kinesis::names::ConsumerKey;
use sluice_core::kinesis::sequence::{stream_tag, SequenceNumber};
use sluice_core::kinesis::shards::ShardSet;
use sluice_core::kinesis::store::*;
use sluice_core::kinesis::stream::{plan_new_stream, Lifecycle, StatusDelays, Transition};
use sluice_core::kinesis::StreamKey;
use sluice_core::sqs::api::TagMap;
use sluice_core::sqs::store::QueueStore;
use sluice_store::StoreOptions;
use std::sync::Arc;

use super::common::*;

const DELAYS: StatusDelays = StatusDelays {
    creating_ms: 500,
    updating_ms: 500,
    deleting_ms: 500,
};
const LIMIT: u32 = 500;
const ALL: ReadLimits = ReadLimits {
    max_records: 10_000,
    max_bytes: 10 * 1024 * 1024,
};

fn stream_key(name: &str) -> StreamKey {
    StreamKey::new(REGION, ACCOUNT, name)
}

fn new_stream(name: &str, shards: u32, created_at_ms: u64) -> NewStream {
    NewStream {
        key: stream_key(name),
        created_at_ms,
        lifecycle: Lifecycle::begin(Transition::Creating, created_at_ms, DELAYS),
        settings: plan_new_stream(Some(i64::from(shards)), None, None, None)
            .unwrap()
            .settings,
        shards: ShardSet::new(shards, stream_tag(created_at_ms), created_at_ms),
        tags: TagMap::from([("team".to_owned(), "a".to_owned())]),
    }
}

fn consumer(stream: &str, name: &str, at: u64) -> ConsumerMeta {
    ConsumerMeta {
        key: ConsumerKey {
            stream: stream_key(stream),
            name: name.to_owned(),
            created_at_s: at / 1000,
        },
        stream_created_at_ms: T0,
        lifecycle: Lifecycle::begin(Transition::Creating, at, DELAYS),
        created_at_ms: at,
        tags: TagMap::new(),
        policy: None,
    }
}

fn names(streams: &[StreamMeta]) -> Vec<&str> {
    streams.iter().map(|s| s.key.name.as_str()).collect()
}

/// Streams are created once, read, listed in name order, changed by compare-and-set on
/// their revision, and removed (only the incarnation named).
pub async fn kinesis_catalog_lifecycle(b: &dyn Backend) {
    let stores = b.open_stores().await;
    let catalog = &*stores.catalog;
    let created = catalog
        .create_stream(new_stream("orders", 2, T0), LIMIT)
        .await
        .unwrap();
    assert_eq!(created.revision, 1);
    assert_eq!(created.policy, None);
    for name in ["b", "a", "c"] {
        catalog
            .create_stream(new_stream(name, 1, T0), LIMIT)
            .await
            .unwrap();
    }
    assert_eq!(
        catalog
            .create_stream(new_stream("orders", 1, T0 + 1), LIMIT)
            .await,
        Err(CatalogError::StreamExists)
    );
    let changed = catalog
        .change_stream(
            &stream_key("orders"),
            1,
            StreamChange::Tags(TagMap::from([("k".to_owned(), "v".to_owned())])),
        )
        .await
        .unwrap();
    assert_eq!(changed.revision, 2);
    assert_eq!(
        catalog
            .change_stream(
                &stream_key("orders"),
                1,
                StreamChange::Policy(Some("{}".into()))
            )
            .await
            .unwrap_err(),
        CatalogError::Conflict { current: 2 },
        "a change from a stale read loses"
    );
    let changed = catalog
        .change_stream(
            &stream_key("orders"),
            2,
            StreamChange::Policy(Some("{}".into())),
        )
        .await
        .unwrap();
    assert_eq!(changed.revision, 3);
    assert_eq!(
        catalog
            .change_stream(&stream_key("nope"), 1, StreamChange::Policy(None))
            .await
            .unwrap_err(),
        CatalogError::NoSuchStream
    );

    let stores = b.restart_stores(stores, T0 + 1).await;
    let catalog = &*stores.catalog;
    let orders = catalog
        .stream(&stream_key("orders"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(orders, changed, "kept whole across a restart");
    assert_eq!(orders.shards.open_count(), 2);
    let page = catalog
        .list_streams(REGION, ACCOUNT, None, 3)
        .await
        .unwrap();
    assert_eq!(names(&page), ["a", "b", "c"]);
    let page = catalog
        .list_streams(REGION, ACCOUNT, Some("c"), 3)
        .await
        .unwrap();
    assert_eq!(names(&page), ["orders"]);
    assert!(catalog
        .list_streams("eu-west-1", ACCOUNT, None, 10)
        .await
        .unwrap()
        .is_empty());

    // Another incarnation's removal is a no-op.
    catalog
        .remove_stream(&stream_key("orders"), T0 + 5)
        .await
        .unwrap();
    assert!(catalog
        .stream(&stream_key("orders"))
        .await
        .unwrap()
        .is_some());
    catalog
        .remove_stream(&stream_key("orders"), T0)
        .await
        .unwrap();
    let stores = b.restart_stores(stores, T0 + 2).await;
    assert_eq!(
        stores.catalog.stream(&stream_key("orders")).await.unwrap(),
        None
    );
    assert_eq!(
        stores
            .catalog
            .account_usage(REGION, ACCOUNT)
            .await
            .unwrap()
            .streams,
        3
    );
}

/// Consumers are registered once, within the per-stream limit, listed in name order,
/// changed and removed, and go with their stream.
pub async fn kinesis_consumers(b: &dyn Backend) {
    let stores = b.open_stores().await;
    let catalog = &*stores.catalog;
    catalog
        .create_stream(new_stream("s", 1, T0), LIMIT)
        .await
        .unwrap();
    for name in ["beta", "alpha"] {
        catalog
            .register_consumer(consumer("s", name, T0 + 1), 2)
            .await
            .unwrap();
    }
    assert_eq!(
        catalog
            .register_consumer(consumer("s", "alpha", T0 + 2), 5)
            .await,
        Err(CatalogError::ConsumerExists)
    );
    assert_eq!(
        catalog
            .register_consumer(consumer("s", "gamma", T0 + 2), 2)
            .await,
        Err(CatalogError::ConsumerLimit { current: 2 })
    );
    assert_eq!(
        catalog
            .register_consumer(consumer("none", "x", T0), 2)
            .await,
        Err(CatalogError::NoSuchStream)
    );
    let tagged = catalog
        .change_consumer(
            &stream_key("s"),
            "alpha",
            ConsumerChange::Tags(TagMap::from([("k".to_owned(), "v".to_owned())])),
        )
        .await
        .unwrap();

    let stores = b.restart_stores(stores, T0 + 3).await;
    let catalog = &*stores.catalog;
    let listed = catalog
        .list_consumers(&stream_key("s"), None, 10)
        .await
        .unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0], tagged);
    assert_eq!(listed[1].key.name, "beta");
    let after = catalog
        .list_consumers(&stream_key("s"), Some("alpha"), 10)
        .await
        .unwrap();
    assert_eq!(after.len(), 1);
    assert_eq!(
        catalog.consumer(&stream_key("s"), "alpha").await.unwrap(),
        Some(tagged.clone())
    );
    assert_eq!(
        catalog
            .remove_consumer(&stream_key("s"), "alpha")
            .await
            .unwrap(),
        Some(tagged)
    );
    assert_eq!(
        catalog
            .remove_consumer(&stream_key("s"), "alpha")
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        catalog
            .change_consumer(&stream_key("s"), "alpha", ConsumerChange::Policy(None))
            .await
            .unwrap_err(),
        CatalogError::NoSuchConsumer
    );
    catalog.remove_stream(&stream_key("s"), T0).await.unwrap();
    let stores = b.restart_stores(stores, T0 + 4).await;
    assert_eq!(
        stores
            .catalog
            .consumer(&stream_key("s"), "beta")
            .await
            .unwrap(),
        None
    );
}

/// The account's open shards are counted and its limit enforced at creation and at
/// reshards; account settings are kept.
pub async fn kinesis_account_usage_and_limits(b: &dyn Backend) {
    let stores = b.open_stores().await;
    let catalog = &*stores.catalog;
    assert_eq!(catalog.stream_accounts().await.unwrap(), Vec::new());
    let s = catalog
        .create_stream(new_stream("s", 3, T0), 5)
        .await
        .unwrap();
    assert_eq!(
        catalog.create_stream(new_stream("t", 3, T0), 5).await,
        Err(CatalogError::ShardLimit { current: 3 })
    );
    catalog
        .create_stream(new_stream("t", 2, T0), 5)
        .await
        .unwrap();
    assert_eq!(
        catalog.account_usage(REGION, ACCOUNT).await.unwrap(),
        AccountUsage {
            streams: 2,
            open_shards: 5,
            on_demand_streams: 0,
        }
    );
    let wider = ShardSet::new(4, stream_tag(T0), T0);
    assert_eq!(
        catalog
            .change_stream(
                &s.key,
                1,
                StreamChange::Shards {
                    shards: wider.clone(),
                    lifecycle: s.lifecycle,
                    account_shard_limit: 5,
                },
            )
            .await
            .unwrap_err(),
        CatalogError::ShardLimit { current: 5 }
    );
    let changed = catalog
        .change_stream(
            &s.key,
            1,
            StreamChange::Shards {
                shards: wider,
                lifecycle: s.lifecycle,
                account_shard_limit: 6,
            },
        )
        .await
        .unwrap();
    assert_eq!(changed.shards.open_count(), 4);
    assert_eq!(
        catalog.account_settings(REGION, ACCOUNT).await.unwrap(),
        AccountSettings::default()
    );
    let settings = AccountSettings {
        minimum_throughput_billing_commitment: Some("ENABLED".into()),
    };
    catalog
        .set_account_settings(REGION, ACCOUNT, settings.clone())
        .await
        .unwrap();

    let stores = b.restart_stores(stores, T0 + 1).await;
    let catalog = &*stores.catalog;
    assert_eq!(
        catalog
            .account_usage(REGION, ACCOUNT)
            .await
            .unwrap()
            .open_shards,
        6
    );
    assert_eq!(
        catalog.account_settings(REGION, ACCOUNT).await.unwrap(),
        settings
    );
    // Each region and account with streams, once, in order; another account's stream
    // adds its own.
    let mut other = new_stream("o", 1, T0 + 2);
    other.key = StreamKey::new(REGION, "999999999999", "o");
    catalog.create_stream(other, 5).await.unwrap();
    assert_eq!(
        catalog.stream_accounts().await.unwrap(),
        vec![
            (REGION.to_owned(), ACCOUNT.to_owned()),
            (REGION.to_owned(), "999999999999".to_owned()),
        ]
    );
}

fn shard(name: &str, index: u32) -> ShardAddress {
    ShardAddress {
        stream: stream_key(name),
        stream_created_at_ms: T0,
        shard_index: index,
    }
}

fn start_of(index: u32) -> SequenceNumber {
    SequenceNumber::shard_start(index, stream_tag(T0), T0)
}

fn record(n: usize, bytes: usize) -> NewRecord {
    NewRecord {
        partition_key: format!("pk-{n}"),
        data: vec![n as u8; bytes],
        hash_key: n as u128,
        ordering_floor: None,
        encryption_key_id: (n % 2 == 1).then(|| "alias/k".to_owned()),
    }
}

async fn create_shards(log: &dyn ShardLog, name: &str, count: u32) {
    let shards: Vec<(u32, SequenceNumber)> = (0..count).map(|i| (i, start_of(i))).collect();
    log.create_shards(&stream_key(name), T0, &shards)
        .await
        .unwrap();
}

fn keys(records: &[StoredRecord]) -> Vec<&str> {
    records.iter().map(|r| r.partition_key.as_str()).collect()
}

/// Appends get increasing numbers and read back by position within count and byte
/// limits, identically after a restart; numbers keep increasing after it.
pub async fn kinesis_log_appends_and_reads(b: &dyn Backend) {
    let stores = b.open_stores().await;
    let log = &*stores.log;
    create_shards(log, "s", 2).await;
    create_shards(log, "s", 2).await; // idempotent
    let tip = log.tip(&shard("s", 0)).await.unwrap();
    assert_eq!(tip.last, start_of(0));
    assert_eq!(tip.last_arrival_ms, None);

    let first = log
        .append(
            &shard("s", 0),
            (0..3).map(|n| record(n, 10)).collect(),
            T0 + 10,
        )
        .await
        .unwrap();
    let second = log
        .append(
            &shard("s", 0),
            (3..5).map(|n| record(n, 10)).collect(),
            T0 + 20,
        )
        .await
        .unwrap();
    let numbers: Vec<SequenceNumber> = first.iter().chain(&second).copied().collect();
    assert!(numbers.windows(2).all(|w| w[0] < w[1]), "increasing");
    assert!(numbers[0] > start_of(0));
    assert!(numbers.iter().all(|n| n.belongs_to(0, stream_tag(T0))));
    let floored = log
        .append(
            &shard("s", 1),
            vec![NewRecord {
                ordering_floor: Some(SequenceNumber {
                    time_ms: T0 + 1_000,
                    ..start_of(1)
                }),
                ..record(9, 1)
            }],
            T0 + 20,
        )
        .await
        .unwrap();
    assert!(floored[0].time_ms > T0 + 1_000, "past the ordering floor");

    let stores = b.restart_stores(stores, T0 + 30).await;
    let log = &*stores.log;
    let s0 = shard("s", 0);
    let all = log
        .read(&s0, IteratorPosition::TrimHorizon, ALL, 0)
        .await
        .unwrap();
    assert_eq!(keys(&all.records), ["pk-0", "pk-1", "pk-2", "pk-3", "pk-4"]);
    assert_eq!(
        all.records
            .iter()
            .map(|r| r.sequence_number)
            .collect::<Vec<_>>(),
        numbers,
        "numbers unchanged across a restart"
    );
    assert_eq!(all.records[3].arrival_ms, T0 + 20);
    assert_eq!(all.records[1].data, vec![1u8; 10]);
    assert_eq!(all.records[1].encryption_key_id.as_deref(), Some("alias/k"));
    assert_eq!(all.records[2].hash_key, 2);
    assert_eq!(all.tip.last, numbers[4]);
    assert_eq!(all.tip.last_arrival_ms, Some(T0 + 20));
    assert_eq!(log.tip(&s0).await.unwrap(), all.tip);

    let two = ReadLimits {
        max_records: 2,
        ..ALL
    };
    let page = log
        .read(&s0, IteratorPosition::TrimHorizon, two, 0)
        .await
        .unwrap();
    assert_eq!(keys(&page.records), ["pk-0", "pk-1"]);
    let next = page.next_position(IteratorPosition::TrimHorizon);
    let page = log.read(&s0, next, two, 0).await.unwrap();
    assert_eq!(keys(&page.records), ["pk-2", "pk-3"]);
    let at = log
        .read(&s0, IteratorPosition::AtSequence(numbers[3]), ALL, 0)
        .await
        .unwrap();
    assert_eq!(keys(&at.records), ["pk-3", "pk-4"]);
    let after = log
        .read(&s0, IteratorPosition::AfterSequence(numbers[4]), ALL, 0)
        .await
        .unwrap();
    assert!(after.records.is_empty());
    let by_time = log
        .read(&s0, IteratorPosition::AtTimestamp(T0 + 11), ALL, 0)
        .await
        .unwrap();
    assert_eq!(keys(&by_time.records), ["pk-3", "pk-4"]);
    let horizon = log
        .read(&s0, IteratorPosition::TrimHorizon, ALL, T0 + 15)
        .await
        .unwrap();
    assert_eq!(
        keys(&horizon.records),
        ["pk-3", "pk-4"],
        "none before the horizon"
    );
    // Byte limits: 14 bytes a record (10 of data, 4 of key), at least one answered.
    let small = ReadLimits {
        max_records: 100,
        max_bytes: 30,
    };
    let page = log
        .read(&s0, IteratorPosition::TrimHorizon, small, 0)
        .await
        .unwrap();
    assert_eq!(page.records.len(), 2, "14 bytes each, 30 allowed");
    let tiny = ReadLimits {
        max_records: 100,
        max_bytes: 1,
    };
    let page = log
        .read(&s0, IteratorPosition::TrimHorizon, tiny, 0)
        .await
        .unwrap();
    assert_eq!(page.records.len(), 1, "one record whatever its size");

    // Numbers keep increasing after the restart, even with the clock behind.
    let more = log.append(&s0, vec![record(5, 1)], T0 + 5).await.unwrap();
    assert!(more[0] > numbers[4]);
    assert_eq!(
        log.append(&shard("none", 0), vec![record(0, 1)], T0).await,
        Err(LogError::NoSuchShard)
    );
}

/// A closed shard takes no append, answers one EndingSequenceNumber however often it is
/// closed, and stays closed and readable across a restart.
pub async fn kinesis_log_close_shard(b: &dyn Backend) {
    let stores = b.open_stores().await;
    let log = &*stores.log;
    create_shards(log, "s", 1).await;
    let s0 = shard("s", 0);
    let numbers = log
        .append(&s0, (0..2).map(|n| record(n, 4)).collect(), T0 + 10)
        .await
        .unwrap();
    let ending = log.close_shard(&s0, T0 + 20).await.unwrap();
    assert!(ending > numbers[1]);
    assert_eq!(log.close_shard(&s0, T0 + 99).await.unwrap(), ending);
    assert_eq!(
        log.append(&s0, vec![record(3, 1)], T0 + 30).await,
        Err(LogError::ShardClosed)
    );

    let stores = b.restart_stores(stores, T0 + 40).await;
    let log = &*stores.log;
    let tip = log.tip(&s0).await.unwrap();
    assert_eq!(tip.ending, Some(ending));
    assert_eq!(tip.last, numbers[1]);
    assert_eq!(log.close_shard(&s0, T0 + 50).await.unwrap(), ending);
    assert_eq!(
        log.append(&s0, vec![record(3, 1)], T0 + 60).await,
        Err(LogError::ShardClosed)
    );
    let batch = log
        .read(&s0, IteratorPosition::TrimHorizon, ALL, 0)
        .await
        .unwrap();
    assert_eq!(batch.records.len(), 2);
    assert!(batch.at_shard_end(IteratorPosition::TrimHorizon));
}

/// Trimming drops records that arrived before the time (whole segments on disk, so
/// the durable store rolls a segment per append here), keeps the tip, and the numbers go
/// on increasing even after everything is trimmed and the store restarts.
pub async fn kinesis_log_trim_by_time(b: &dyn Backend) {
    let stores = b.open_stores().await;
    stores.embedded.set_kinesis_segment_bytes_for_tests(1);
    let log = &*stores.log;
    create_shards(log, "s", 1).await;
    let s0 = shard("s", 0);
    let mut numbers = Vec::new();
    for (i, at) in [T0 + 10, T0 + 20, T0 + 30].into_iter().enumerate() {
        numbers.extend(
            log.append(&s0, vec![record(2 * i, 8), record(2 * i + 1, 8)], at)
                .await
                .unwrap(),
        );
    }
    assert_eq!(log.trim(&s0, T0 + 5).await.unwrap(), 0);
    assert_eq!(
        log.trim(&s0, T0 + 25).await.unwrap(),
        4,
        "two whole segments"
    );
    let kept = log
        .read(&s0, IteratorPosition::TrimHorizon, ALL, 0)
        .await
        .unwrap();
    assert_eq!(keys(&kept.records), ["pk-4", "pk-5"]);
    let at_gone = log
        .read(&s0, IteratorPosition::AtSequence(numbers[0]), ALL, 0)
        .await
        .unwrap();
    assert_eq!(
        keys(&at_gone.records),
        ["pk-4", "pk-5"],
        "a trimmed position reads on"
    );

    let stores = b.restart_stores(stores, T0 + 40).await;
    stores.embedded.set_kinesis_segment_bytes_for_tests(1);
    let log = &*stores.log;
    assert_eq!(log.trim(&s0, T0 + 1_000).await.unwrap(), 2);
    let tip = log.tip(&s0).await.unwrap();
    assert_eq!(tip.last, numbers[5], "the tip outlives its records");

    let stores = b.restart_stores(stores, T0 + 50).await;
    let log = &*stores.log;
    assert_eq!(log.tip(&s0).await.unwrap().last, numbers[5]);
    let empty = log
        .read(&s0, IteratorPosition::TrimHorizon, ALL, 0)
        .await
        .unwrap();
    assert!(empty.records.is_empty());
    let next = log.append(&s0, vec![record(6, 1)], T0 + 60).await.unwrap();
    assert!(next[0] > numbers[5], "never backwards");
    let read = log
        .read(&s0, IteratorPosition::AfterSequence(numbers[5]), ALL, 0)
        .await
        .unwrap();
    assert_eq!(keys(&read.records), ["pk-6"]);
}

/// A watch of the tip is woken by a durable append and by a close.
pub async fn kinesis_watch_wakes_on_append(b: &dyn Backend) {
    let stores = b.open_stores().await;
    create_shards(&*stores.log, "s", 1).await;
    let s0 = shard("s", 0);
    let mut watch = stores.log.watch(&s0).unwrap();
    assert_eq!(watch.borrow_and_update().last, start_of(0));
    let log = stores.log.clone();
    let address = s0.clone();
    let appender = tokio::spawn(async move {
        log.append(&address, vec![record(1, 3)], T0 + 10)
            .await
            .unwrap()
    });
    tokio::time::timeout(Duration::from_secs(10), watch.changed())
        .await
        .expect("woken")
        .unwrap();
    let numbers = appender.await.unwrap();
    assert_eq!(watch.borrow_and_update().last, numbers[0]);
    let read = stores
        .log
        .read(&s0, IteratorPosition::TrimHorizon, ALL, 0)
        .await
        .unwrap();
    assert_eq!(
        read.records.len(),
        1,
        "what the watch announced is readable"
    );
    let ending = stores.log.close_shard(&s0, T0 + 20).await.unwrap();
    tokio::time::timeout(Duration::from_secs(10), watch.changed())
        .await
        .expect("woken by the close")
        .unwrap();
    assert_eq!(watch.borrow().ending, Some(ending));
    assert_eq!(
        stores.log.watch(&shard("none", 0)).err(),
        Some(LogError::NoSuchShard)
    );
}

/// Deleted shard logs are gone (also after a restart); other shards are untouched.
pub async fn kinesis_delete_shards(b: &dyn Backend) {
    let stores = b.open_stores().await;
    let log = &*stores.log;
    create_shards(log, "s", 2).await;
    for i in 0..2 {
        log.append(&shard("s", i), vec![record(1, 3)], T0 + 10)
            .await
            .unwrap();
    }
    log.delete_shards(&stream_key("s"), T0, &[0]).await.unwrap();
    log.delete_shards(&stream_key("s"), T0, &[0]).await.unwrap();
    assert_eq!(log.tip(&shard("s", 0)).await, Err(LogError::NoSuchShard));

    let stores = b.restart_stores(stores, T0 + 20).await;
    let log = &*stores.log;
    assert_eq!(log.tip(&shard("s", 0)).await, Err(LogError::NoSuchShard));
    assert_eq!(
        log.read(&shard("s", 0), IteratorPosition::TrimHorizon, ALL, 0)
            .await
            .unwrap_err(),
        LogError::NoSuchShard
    );
    let other = log
        .read(&shard("s", 1), IteratorPosition::TrimHorizon, ALL, 0)
        .await
        .unwrap();
    assert_eq!(other.records.len(), 1);
    log.delete_shards(&stream_key("s"), T0, &[1]).await.unwrap();
    assert_eq!(log.tip(&shard("s", 1)).await, Err(LogError::NoSuchShard));
}

/// `Reset` wipes every stream, consumer and shard log.
pub async fn kinesis_reset_wipes_streams_and_logs(b: &dyn Backend) {
    let stores = b.open_stores().await;
    stores
        .catalog
        .create_stream(new_stream("s", 1, T0), LIMIT)
        .await
        .unwrap();
    stores
        .catalog
        .register_consumer(consumer("s", "c", T0), 5)
        .await
        .unwrap();
    create_shards(&*stores.log, "s", 1).await;
    stores
        .log
        .append(&shard("s", 0), vec![record(1, 3)], T0 + 1)
        .await
        .unwrap();
    stores.queues.reset().await.unwrap();
    assert_eq!(stores.catalog.stream(&stream_key("s")).await.unwrap(), None);
    assert_eq!(
        stores.log.tip(&shard("s", 0)).await,
        Err(LogError::NoSuchShard)
    );
    let stores = b.restart_stores(stores, T0 + 2).await;
    assert_eq!(stores.catalog.stream(&stream_key("s")).await.unwrap(), None);
    assert_eq!(
        stores
            .catalog
            .consumer(&stream_key("s"), "c")
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        stores.log.tip(&shard("s", 0)).await,
        Err(LogError::NoSuchShard)
    );
    // The name is free again, with fresh logs.
    create_shards(&*stores.log, "s", 1).await;
    assert_eq!(
        stores.log.tip(&shard("s", 0)).await.unwrap().last,
        start_of(0)
    );
}

/// A snapshot carries the catalog: after compaction has replaced the journal, a
/// reopened store still has every stream, consumer and account setting.
pub async fn kinesis_catalog_survives_compaction(data: &std::path::Path, options: StoreOptions) {
    let store = open_durable(options.clone(), T0);
    let catalog: &dyn StreamCatalog = &*store;
    catalog
        .create_stream(new_stream("s", 2, T0), LIMIT)
        .await
        .unwrap();
    catalog
        .register_consumer(consumer("s", "c", T0), 5)
        .await
        .unwrap();
    let settings = AccountSettings {
        minimum_throughput_billing_commitment: Some("ENABLED".into()),
    };
    catalog
        .set_account_settings(REGION, ACCOUNT, settings.clone())
        .await
        .unwrap();
    let mut last = None;
    for revision in 1..=200u64 {
        let tags = TagMap::from([("n".to_owned(), "x".repeat(100) + &revision.to_string())]);
        last = Some(
            catalog
                .change_stream(&stream_key("s"), revision, StreamChange::Tags(tags))
                .await
                .unwrap(),
        );
    }
    super::wait_for_compaction(&data.join("journal"));
    let queues: Arc<dyn QueueStore> = store;
    shut(queues).await;
    let store = open_durable(options, T0 + 1);
    let catalog: &dyn StreamCatalog = &*store;
    assert_eq!(catalog.stream(&stream_key("s")).await.unwrap(), last);
    assert!(catalog
        .consumer(&stream_key("s"), "c")
        .await
        .unwrap()
        .is_some());
    assert_eq!(
        catalog.account_settings(REGION, ACCOUNT).await.unwrap(),
        settings
    );
}
