//! The Kinesis service over the real embedded store (in memory and durable) with a manual
//! clock: streams' lifecycle, records in order per shard, every iterator type, iterator
//! expiry and retention on the clock, resharding while writing with a reader that follows
//! ChildShards, and AWS's errors for bad input.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use common::{in_memory_store, open_durable, ACCOUNT, REGION, T0};
use sluice_core::clock::{Clock, ManualClock};
use sluice_core::kinesis::api::*;
use sluice_core::kinesis::hash_key::partition_key_hash;
use sluice_core::kinesis::iterator::KeyedTagSealer;
use sluice_core::kinesis::limits::{MS_PER_HOUR, SHARD_ITERATOR_LIFETIME_MS};
use sluice_core::kinesis::sealing::PlainRecords;
use sluice_core::kinesis::sequence::{compare_decimal, SequenceNumber};
use sluice_core::kinesis::stream::StatusDelays;
use sluice_core::kinesis::{
    Kinesis, KinesisConfig, KinesisContext, KinesisError, KinesisErrorKind, KinesisResult,
};
use sluice_store::{EmbeddedStore, StoreOptions};

struct World {
    kinesis: Arc<Kinesis>,
    store: Arc<EmbeddedStore>,
    clock: Arc<ManualClock>,
    config: KinesisConfig,
    dir: Option<tempfile::TempDir>,
}

impl World {
    fn new(durable: bool) -> Self {
        Self::with_config(durable, KinesisConfig::default())
    }

    fn with_config(durable: bool, config: KinesisConfig) -> Self {
        let (store, dir): (Arc<EmbeddedStore>, _) = if durable {
            let dir = tempfile::tempdir().expect("temporary directory");
            let store = open_durable(StoreOptions::durable(dir.path().join("data")), T0);
            (store, Some(dir))
        } else {
            (in_memory_store(), None)
        };
        let clock = Arc::new(ManualClock::new(T0));
        Self {
            kinesis: service(&store, &clock, config),
            store,
            clock,
            config,
            dir,
        }
    }

    /// Closes the durable store and recovers it from its directory, with a new service
    /// (the same sealer key, as a restarted server keeps its key).
    async fn restart(self) -> Self {
        let Self {
            kinesis,
            store,
            clock,
            config,
            dir,
        } = self;
        let Some(dir) = dir else {
            return Self {
                kinesis,
                store,
                clock,
                config,
                dir,
            };
        };
        drop(kinesis);
        common::shut(store).await;
        let store = open_durable(
            StoreOptions::durable(dir.path().join("data")),
            clock.now_ms(),
        );
        Self {
            kinesis: service(&store, &clock, config),
            store,
            clock,
            config,
            dir: Some(dir),
        }
    }

    fn now(&self) -> u64 {
        self.kinesis.now()
    }

    async fn create(&self, name: &str, shards: i64) {
        self.kinesis
            .create_stream(
                &ctx(),
                CreateStreamInput {
                    stream_name: Some(name.into()),
                    shard_count: Some(shards),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
    }

    async fn put(&self, stream: &str, key: &str, data: &str) -> PutRecordOutput {
        self.kinesis
            .put_record(&ctx(), put_input(stream, key, data))
            .await
            .unwrap()
    }

    async fn iterator(
        &self,
        stream: &str,
        shard: &str,
        kind: &str,
        seq: Option<&str>,
        timestamp_ms: Option<u64>,
    ) -> KinesisResult<String> {
        self.kinesis
            .get_shard_iterator(
                &ctx(),
                GetShardIteratorInput {
                    stream_name: Some(stream.into()),
                    shard_id: Some(shard.into()),
                    shard_iterator_type: Some(kind.into()),
                    starting_sequence_number: seq.map(str::to_owned),
                    timestamp_ms,
                    ..Default::default()
                },
            )
            .await
            .map(|o| o.shard_iterator)
    }

    async fn get(&self, iterator: &str, limit: Option<i64>) -> KinesisResult<GetRecordsOutput> {
        self.kinesis
            .get_records(
                &ctx(),
                GetRecordsInput {
                    shard_iterator: Some(iterator.into()),
                    limit,
                    ..Default::default()
                },
            )
            .await
    }

    /// Reads a shard from `iterator` until it is caught up (or at its end): the records
    /// and the last answer.
    async fn drain(&self, mut iterator: String) -> (Vec<Record>, GetRecordsOutput) {
        let mut all = Vec::new();
        loop {
            let out = self.get(&iterator, None).await.unwrap();
            all.extend(out.records.iter().cloned());
            match &out.next_shard_iterator {
                Some(next) if !out.records.is_empty() => iterator = next.clone(),
                _ => return (all, out),
            }
        }
    }

    async fn shards(&self, stream: &str) -> Vec<Shard> {
        self.kinesis
            .list_shards(
                &ctx(),
                ListShardsInput {
                    stream_name: Some(stream.into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .shards
    }

    async fn describe(&self, stream: &str) -> KinesisResult<StreamDescription> {
        self.kinesis
            .describe_stream(
                &ctx(),
                DescribeStreamInput {
                    stream_name: Some(stream.into()),
                    ..Default::default()
                },
            )
            .await
            .map(|o| o.stream_description)
    }
}

fn service(
    store: &Arc<EmbeddedStore>,
    clock: &Arc<ManualClock>,
    config: KinesisConfig,
) -> Arc<Kinesis> {
    Kinesis::new(
        store.clone(),
        store.clone(),
        clock.clone(),
        Arc::new(KeyedTagSealer::new([9; 32])),
        Arc::new(PlainRecords),
        config,
    )
}

fn ctx() -> KinesisContext {
    KinesisContext::open(REGION, ACCOUNT)
}

fn put_input(stream: &str, key: &str, data: &str) -> PutRecordInput {
    PutRecordInput {
        stream_name: Some(stream.into()),
        partition_key: Some(key.into()),
        data: Some(data.as_bytes().to_vec()),
        ..Default::default()
    }
}

fn err<T: std::fmt::Debug>(r: KinesisResult<T>) -> KinesisError {
    r.expect_err("expected an error")
}

fn text(r: &Record) -> String {
    String::from_utf8(r.data.clone()).unwrap()
}

fn seq(s: &str) -> SequenceNumber {
    SequenceNumber::parse(s).expect("a sequence number of ours")
}

/// Runs each scenario against the in-memory and the durable store.
macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {
        mod in_memory {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::World::new(false)).await;
                }
            )*
        }
        mod durable {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::World::new(true)).await;
                }
            )*
        }
    };
}

on_both_stores!(
    streams_are_created_described_listed_and_deleted,
    records_come_back_in_order_per_shard,
    every_iterator_type_starts_where_aws_starts,
    iterators_expire_after_five_minutes,
    retention_trims_on_the_clock,
    split_and_merge_while_writing_lose_and_repeat_nothing,
    update_shard_count_scales_uniformly,
    list_shards_filters_and_pages,
    bad_input_gets_awss_errors,
    consumers_register_list_and_deregister,
    tags_on_streams_and_consumers,
    settings_are_recorded_and_reported,
    resource_policies_decide_access,
    a_reshard_cut_short_is_finished_by_its_retry,
    records_and_numbers_survive_a_restart,
    subscriptions_push_records_and_end_at_the_shard_end,
    an_abandoned_reshard_is_repaired_by_the_next_put,
    get_records_stops_at_10000_records_and_10_mib,
);

async fn streams_are_created_described_listed_and_deleted(w: World) {
    let k = &w.kinesis;
    k.create_stream(
        &ctx(),
        CreateStreamInput {
            stream_name: Some("orders".into()),
            shard_count: Some(3),
            tags: Some([("team".to_owned(), "a".to_owned())].into()),
            max_record_size_in_kib: Some(2048),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let d = w.describe("orders").await.unwrap();
    assert_eq!(d.stream_status, "ACTIVE");
    assert_eq!(
        d.stream_arn,
        "arn:aws:kinesis:us-east-1:000000000000:stream/orders"
    );
    assert_eq!(d.stream_mode_details.stream_mode, "PROVISIONED");
    assert_eq!(d.retention_period_hours, 24);
    assert_eq!(d.stream_creation_timestamp_ms, T0);
    assert_eq!(d.encryption_type, "NONE");
    let ids: Vec<&str> = d.shards.iter().map(|s| s.shard_id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "shardId-000000000000",
            "shardId-000000000001",
            "shardId-000000000002"
        ]
    );
    assert_eq!(d.shards[0].hash_key_range.starting_hash_key, "0");
    assert_eq!(
        d.shards[0].hash_key_range.ending_hash_key,
        "113427455640312821154458202477256070484"
    );
    assert_eq!(
        d.shards[2].hash_key_range.ending_hash_key,
        u128::MAX.to_string()
    );
    assert!(!d.has_more_shards);

    // Shard paging.
    let page = k
        .describe_stream(
            &ctx(),
            DescribeStreamInput {
                stream_name: Some("orders".into()),
                limit: Some(2),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .stream_description;
    assert_eq!(page.shards.len(), 2);
    assert!(page.has_more_shards);
    let rest = k
        .describe_stream(
            &ctx(),
            DescribeStreamInput {
                stream_arn: Some(d.stream_arn.clone()),
                exclusive_start_shard_id: Some("shardId-000000000001".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .stream_description;
    assert_eq!(rest.shards.len(), 1);
    assert!(!rest.has_more_shards);

    let summary = k
        .describe_stream_summary(&ctx(), StreamInput::named("orders"))
        .await
        .unwrap()
        .stream_description_summary;
    assert_eq!(summary.open_shard_count, 3);
    assert_eq!(summary.consumer_count, 0);
    assert_eq!(summary.max_record_size_in_kib, 2048);

    // On demand: four shards, no ShardCount needed.
    k.create_stream(
        &ctx(),
        CreateStreamInput {
            stream_name: Some("clicks".into()),
            stream_mode_details: Some(StreamModeDetails {
                stream_mode: "ON_DEMAND".into(),
            }),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(w.describe("clicks").await.unwrap().shards.len(), 4);
    w.create("audit", 1).await;

    let e = err(k
        .create_stream(
            &ctx(),
            CreateStreamInput {
                stream_name: Some("orders".into()),
                shard_count: Some(1),
                ..Default::default()
            },
        )
        .await);
    assert_eq!(e.kind, KinesisErrorKind::ResourceInUse);
    assert_eq!(
        e.message,
        "Stream orders under account 000000000000 already exists."
    );

    // Listing pages by name.
    let first = k
        .list_streams(
            &ctx(),
            ListStreamsInput {
                limit: Some(2),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(first.stream_names, ["audit", "clicks"]);
    assert!(first.has_more_streams);
    assert_eq!(
        first.stream_summaries[1].stream_mode_details.stream_mode,
        "ON_DEMAND"
    );
    let second = k
        .list_streams(
            &ctx(),
            ListStreamsInput {
                next_token: first.next_token.clone(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(second.stream_names, ["orders"]);
    assert!(!second.has_more_streams);
    assert_eq!(second.next_token, None);

    let limits = k.describe_limits(&ctx()).await.unwrap();
    assert_eq!(limits.open_shard_count, 8);
    assert_eq!(limits.on_demand_stream_count, 1);
    assert_eq!(limits.shard_limit, 500);

    // Retention.
    k.increase_stream_retention_period(
        &ctx(),
        RetentionPeriodInput {
            stream_name: Some("orders".into()),
            retention_period_hours: Some(48),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        w.describe("orders").await.unwrap().retention_period_hours,
        48
    );
    let e = err(k
        .decrease_stream_retention_period(
            &ctx(),
            RetentionPeriodInput {
                stream_name: Some("orders".into()),
                retention_period_hours: Some(72),
                ..Default::default()
            },
        )
        .await);
    assert_eq!(e.kind, KinesisErrorKind::InvalidArgument);
    assert!(e
        .message
        .contains("can not be longer than existing retention period (48 hours)"));

    // Delete, then the name is free again; a new stream starts from nothing.
    w.put("orders", "k", "old").await;
    k.delete_stream(
        &ctx(),
        DeleteStreamInput {
            stream_name: Some("orders".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let e = err(w.describe("orders").await);
    assert_eq!(e.kind, KinesisErrorKind::ResourceNotFound);
    assert_eq!(
        e.message,
        "Stream orders under account 000000000000 not found."
    );
    w.clock.advance_ms(1);
    w.create("orders", 1).await;
    let it = w
        .iterator("orders", "shardId-000000000000", "TRIM_HORIZON", None, None)
        .await
        .unwrap();
    assert!(w.drain(it).await.0.is_empty());
}

async fn records_come_back_in_order_per_shard(w: World) {
    w.create("s", 4).await;
    let mut sent: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for i in 0..60 {
        let key = format!("key-{}", i % 7);
        let data = format!("{key}:{i}");
        let out = w.put("s", &key, &data).await;
        sent.entry(out.shard_id.clone())
            .or_default()
            .push((out.sequence_number.clone(), data));
        if i % 10 == 0 {
            w.clock.advance_ms(3);
        }
    }
    // PutRecords too, with an explicit hash key into the last shard.
    let out = w
        .kinesis
        .put_records(
            &ctx(),
            PutRecordsInput {
                stream_name: Some("s".into()),
                records: vec![
                    PutRecordsRequestEntry {
                        data: Some(b"batch-a".to_vec()),
                        partition_key: Some("key-1".into()),
                        ..Default::default()
                    },
                    PutRecordsRequestEntry {
                        data: Some(b"batch-b".to_vec()),
                        partition_key: Some("whatever".into()),
                        explicit_hash_key: Some(u128::MAX.to_string()),
                    },
                ],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(out.failed_record_count, 0);
    assert_eq!(
        out.records[1].shard_id.as_deref(),
        Some("shardId-000000000003")
    );
    for (entry, data) in out.records.iter().zip(["batch-a", "batch-b"]) {
        sent.entry(entry.shard_id.clone().unwrap())
            .or_default()
            .push((entry.sequence_number.clone().unwrap(), data.to_owned()));
    }

    let shards = w.shards("s").await;
    for shard in &shards {
        let it = w
            .iterator("s", &shard.shard_id, "TRIM_HORIZON", None, None)
            .await
            .unwrap();
        let (got, last) = w.drain(it).await;
        let got: Vec<(String, String)> = got
            .iter()
            .map(|r| (r.sequence_number.clone(), text(r)))
            .collect();
        assert_eq!(got, sent.get(&shard.shard_id).cloned().unwrap_or_default());
        assert!(got
            .windows(2)
            .all(|p| compare_decimal(&p[0].0, &p[1].0).is_lt()));
        assert_eq!(last.millis_behind_latest, 0);
        assert!(last.next_shard_iterator.is_some());
        assert_eq!(last.child_shards, None);
        // Each record sits in the shard whose range holds the MD5 of its key.
        let start: u128 = shard.hash_key_range.starting_hash_key.parse().unwrap();
        let end: u128 = shard.hash_key_range.ending_hash_key.parse().unwrap();
        for (_, data) in &got {
            let key = data.split(':').next().unwrap();
            if data.starts_with("key-") {
                let h = partition_key_hash(key);
                assert!(start <= h && h <= end, "{data} in {}", shard.shard_id);
            }
        }
    }

    // GetRecords' Limit, and MillisBehindLatest while behind.
    let busiest = sent.iter().max_by_key(|(_, v)| v.len()).unwrap();
    let it = w
        .iterator("s", busiest.0, "TRIM_HORIZON", None, None)
        .await
        .unwrap();
    let first = w.get(&it, Some(2)).await.unwrap();
    assert_eq!(first.records.len(), 2);
    assert!(first.millis_behind_latest > 0);

    // SequenceNumberForOrdering keeps a chain of puts increasing.
    let a = w.put("s", "x", "a").await;
    let b = w
        .kinesis
        .put_record(
            &ctx(),
            PutRecordInput {
                sequence_number_for_ordering: Some(a.sequence_number.clone()),
                ..put_input("s", "y", "b")
            },
        )
        .await
        .unwrap();
    if a.shard_id == b.shard_id {
        assert!(seq(&b.sequence_number) > seq(&a.sequence_number));
    }
}

async fn every_iterator_type_starts_where_aws_starts(w: World) {
    w.create("s", 1).await;
    let shard = "shardId-000000000000";
    let latest_before = w.iterator("s", shard, "LATEST", None, None).await.unwrap();
    let mut puts = Vec::new();
    for i in 0..5 {
        w.clock.advance_ms(1_000);
        puts.push((w.now(), w.put("s", "k", &format!("r{i}")).await));
    }
    let data = |it: String| async { w.drain(it).await.0.iter().map(text).collect::<Vec<_>>() };

    let all: Vec<String> = (0..5).map(|i| format!("r{i}")).collect();
    let th = w
        .iterator("s", shard, "TRIM_HORIZON", None, None)
        .await
        .unwrap();
    assert_eq!(data(th).await, all);
    assert_eq!(data(latest_before).await, all);
    let latest_now = w.iterator("s", shard, "LATEST", None, None).await.unwrap();
    assert!(data(latest_now.clone()).await.is_empty());
    let at = w
        .iterator(
            "s",
            shard,
            "AT_SEQUENCE_NUMBER",
            Some(&puts[2].1.sequence_number),
            None,
        )
        .await
        .unwrap();
    assert_eq!(data(at).await, all[2..]);
    let after = w
        .iterator(
            "s",
            shard,
            "AFTER_SEQUENCE_NUMBER",
            Some(&puts[2].1.sequence_number),
            None,
        )
        .await
        .unwrap();
    assert_eq!(data(after).await, all[3..]);
    let at_time = w
        .iterator("s", shard, "AT_TIMESTAMP", None, Some(puts[3].0))
        .await
        .unwrap();
    assert_eq!(data(at_time).await, all[3..]);
    let before_all = w
        .iterator("s", shard, "AT_TIMESTAMP", None, Some(T0 - 50_000))
        .await
        .unwrap();
    assert_eq!(data(before_all).await, all);

    // A LATEST iterator sees what is written after it.
    w.put("s", "k", "r5").await;
    assert_eq!(data(latest_now).await, ["r5"]);

    // The members each type needs.
    let e = err(w
        .iterator("s", shard, "AT_SEQUENCE_NUMBER", None, None)
        .await);
    assert_eq!(e.kind, KinesisErrorKind::InvalidArgument);
    assert!(e
        .message
        .starts_with("Must either specify (1) AT_SEQUENCE_NUMBER"));
    let e = err(w.iterator("s", shard, "AT_TIMESTAMP", None, None).await);
    assert!(e.message.starts_with("Must specify timestampInMillis"));
    let e = err(w
        .iterator("s", shard, "AT_TIMESTAMP", None, Some(w.now() + 10_000))
        .await);
    assert!(e
        .message
        .starts_with("The timestampInMillis parameter cannot be greater"));
    let e = err(w.iterator("s", shard, "SOMEWHERE", None, None).await);
    assert_eq!(e.kind, KinesisErrorKind::Validation);
    let e = err(w
        .iterator("s", "shardId-000000000007", "LATEST", None, None)
        .await);
    assert_eq!(e.kind, KinesisErrorKind::ResourceNotFound);
    assert_eq!(
        e.message,
        "Shard shardId-000000000007 in stream s under account 000000000000 does not exist"
    );
    let e = err(w
        .iterator("s", shard, "AT_SEQUENCE_NUMBER", Some("12345"), None)
        .await);
    assert_eq!(e.kind, KinesisErrorKind::InvalidArgument);
}

async fn iterators_expire_after_five_minutes(w: World) {
    w.create("s", 1).await;
    w.put("s", "k", "a").await;
    let it = w
        .iterator("s", "shardId-000000000000", "TRIM_HORIZON", None, None)
        .await
        .unwrap();
    w.clock.advance_ms(SHARD_ITERATOR_LIFETIME_MS);
    let out = w.get(&it, None).await.unwrap();
    assert_eq!(out.records.len(), 1);
    w.clock.advance_ms(1);
    let e = err(w.get(&it, None).await);
    assert_eq!(e.kind, KinesisErrorKind::ExpiredIterator);
    assert!(e
        .message
        .starts_with("Iterator expired. The iterator was created at time"));
    // NextShardIterator is fresh when issued.
    let next = out.next_shard_iterator.unwrap();
    w.put("s", "k", "b").await;
    assert_eq!(w.get(&next, None).await.unwrap().records.len(), 1);
    w.clock.advance_ms(SHARD_ITERATOR_LIFETIME_MS + 1);
    assert_eq!(
        err(w.get(&next, None).await).kind,
        KinesisErrorKind::ExpiredIterator
    );

    // Tampered or foreign iterators are refused, not misread.
    let mut bytes = next.into_bytes();
    bytes[10] = if bytes[10] == b'A' { b'B' } else { b'A' };
    let e = err(w.get(&String::from_utf8(bytes).unwrap(), None).await);
    assert_eq!(e.kind, KinesisErrorKind::InvalidArgument);
    assert_eq!(e.message, "Invalid ShardIterator.");
    assert_eq!(
        err(w.get("not an iterator", None).await).message,
        "Invalid ShardIterator."
    );

    // An iterator of a deleted stream does not read its successor.
    let old = w
        .iterator("s", "shardId-000000000000", "TRIM_HORIZON", None, None)
        .await
        .unwrap();
    w.kinesis
        .delete_stream(
            &ctx(),
            DeleteStreamInput {
                stream_name: Some("s".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    w.clock.advance_ms(1);
    w.create("s", 1).await;
    assert_eq!(
        err(w.get(&old, None).await).kind,
        KinesisErrorKind::ResourceNotFound
    );
}

async fn retention_trims_on_the_clock(w: World) {
    w.create("s", 1).await;
    let shard = "shardId-000000000000";
    w.put("s", "k", "day-0").await;
    w.clock.advance_ms(23 * MS_PER_HOUR);
    w.put("s", "k", "hour-23").await;
    w.clock.advance_ms(2 * MS_PER_HOUR);
    w.put("s", "k", "hour-25").await;
    // Reads never answer a record past retention, trimmed or not.
    let it = w
        .iterator("s", shard, "TRIM_HORIZON", None, None)
        .await
        .unwrap();
    let got: Vec<String> = w.drain(it).await.0.iter().map(text).collect();
    assert_eq!(got, ["hour-23", "hour-25"]);
    let report = w
        .kinesis
        .housekeeping(REGION, ACCOUNT, w.now())
        .await
        .unwrap();
    assert_eq!(report.streams_removed, 0);
    let it = w
        .iterator("s", shard, "TRIM_HORIZON", None, None)
        .await
        .unwrap();
    let got: Vec<String> = w.drain(it).await.0.iter().map(text).collect();
    assert_eq!(got, ["hour-23", "hour-25"]);

    // A longer retention keeps records longer.
    w.kinesis
        .increase_stream_retention_period(
            &ctx(),
            RetentionPeriodInput {
                stream_name: Some("s".into()),
                retention_period_hours: Some(72),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    w.clock.advance_ms(40 * MS_PER_HOUR);
    w.kinesis
        .housekeeping(REGION, ACCOUNT, w.now())
        .await
        .unwrap();
    let it = w
        .iterator("s", shard, "TRIM_HORIZON", None, None)
        .await
        .unwrap();
    assert_eq!(w.drain(it).await.0.len(), 2);
    w.clock.advance_ms(72 * MS_PER_HOUR);
    w.kinesis
        .housekeeping(REGION, ACCOUNT, w.now())
        .await
        .unwrap();
    let it = w
        .iterator("s", shard, "TRIM_HORIZON", None, None)
        .await
        .unwrap();
    assert!(w.drain(it).await.0.is_empty());
    // Closed shards go once all their records have expired.
    w.kinesis
        .split_shard(
            &ctx(),
            SplitShardInput {
                stream_name: Some("s".into()),
                shard_to_split: Some(shard.into()),
                new_starting_hash_key: Some((1u128 << 127).to_string()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    w.clock.advance_ms(1);
    assert_eq!(w.shards("s").await.len(), 3);
    let report = w
        .kinesis
        .housekeeping(REGION, ACCOUNT, w.now())
        .await
        .unwrap();
    assert_eq!(report.shards_expired, 0);
    w.clock.advance_ms(72 * MS_PER_HOUR);
    let report = w
        .kinesis
        .housekeeping(REGION, ACCOUNT, w.now())
        .await
        .unwrap();
    assert_eq!(report.shards_expired, 1);
    let left: Vec<String> = w
        .shards("s")
        .await
        .into_iter()
        .map(|s| s.shard_id)
        .collect();
    assert_eq!(left, ["shardId-000000000001", "shardId-000000000002"]);
    let e = err(w.iterator("s", shard, "TRIM_HORIZON", None, None).await);
    assert_eq!(e.kind, KinesisErrorKind::ResourceNotFound);
    // Sequence numbers keep increasing after everything was trimmed.
    let last = w.put("s", "k", "later").await;
    let first_number = w.put("s", "k", "later-2").await;
    assert!(seq(&first_number.sequence_number) > seq(&last.sequence_number));
}

/// Readers that start at the stream's first shards and follow ChildShards (a child after
/// all its parents are read to their end) see every record acknowledged, once, in order
/// per partition key, while writers keep writing through splits and merges.
async fn split_and_merge_while_writing_lose_and_repeat_nothing(w: World) {
    let w = Arc::new(w);
    w.create("s", 2).await;
    const WRITERS: usize = 4;
    const PUTS: usize = 60;
    let acked_count = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    // Waits until the writers have had `n` puts acknowledged.
    let after_puts = |n: usize| {
        let acked_count = acked_count.clone();
        async move {
            while acked_count.load(std::sync::atomic::Ordering::SeqCst) < n {
                tokio::time::sleep(std::time::Duration::from_millis(1)).await;
            }
        }
    };
    // Set once the last reshard is done: each writer keeps its last puts until then.
    let (scaled_tx, scaled_rx) = tokio::sync::watch::channel(false);
    let mut writers = Vec::new();
    for n in 0..WRITERS {
        let w = w.clone();
        let acked_count = acked_count.clone();
        let mut scaled = scaled_rx.clone();
        writers.push(tokio::spawn(async move {
            let mut acked = Vec::new();
            for i in 0..PUTS {
                if i == PUTS - 10 {
                    scaled.wait_for(|done| *done).await.unwrap();
                }
                let key = format!("w{n}-k{}", i % 5);
                let data = format!("{key}:{i}");
                if i % 3 == 0 {
                    let out = w
                        .kinesis
                        .put_records(
                            &ctx(),
                            PutRecordsInput {
                                stream_name: Some("s".into()),
                                records: vec![PutRecordsRequestEntry {
                                    data: Some(data.clone().into_bytes()),
                                    partition_key: Some(key.clone()),
                                    ..Default::default()
                                }],
                                ..Default::default()
                            },
                        )
                        .await
                        .unwrap();
                    assert_eq!(out.failed_record_count, 0);
                } else {
                    w.put("s", &key, &data).await;
                }
                acked.push((key, data));
                acked_count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                // Paced, so the reshards fall among the puts.
                if i % 4 == 3 {
                    tokio::time::sleep(std::time::Duration::from_millis(1)).await;
                }
            }
            acked
        }));
    }
    // Reshard while they write.
    let k = &w.kinesis;
    w.clock.advance_ms(5);
    after_puts(40).await;
    k.split_shard(
        &ctx(),
        SplitShardInput {
            stream_name: Some("s".into()),
            shard_to_split: Some("shardId-000000000000".into()),
            new_starting_hash_key: Some((1u128 << 126).to_string()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    w.clock.advance_ms(5);
    after_puts(90).await;
    k.merge_shards(
        &ctx(),
        MergeShardsInput {
            stream_name: Some("s".into()),
            shard_to_merge: Some("shardId-000000000003".into()),
            adjacent_shard_to_merge: Some("shardId-000000000001".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    w.clock.advance_ms(5);
    after_puts(140).await;
    k.split_shard(
        &ctx(),
        SplitShardInput {
            stream_name: Some("s".into()),
            shard_to_split: Some("shardId-000000000004".into()),
            new_starting_hash_key: Some((3u128 << 126).to_string()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    w.clock.advance_ms(5);
    after_puts(180).await;
    k.update_shard_count(
        &ctx(),
        UpdateShardCountInput {
            stream_name: Some("s".into()),
            target_shard_count: Some(5),
            scaling_type: Some("UNIFORM_SCALING".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    scaled_tx.send(true).unwrap();
    let mut acked: HashMap<String, Vec<String>> = HashMap::new();
    for writer in writers {
        for (key, data) in writer.await.unwrap() {
            acked.entry(key).or_default().push(data);
        }
    }

    let shards = w.shards("s").await;
    let open = shards
        .iter()
        .filter(|s| s.sequence_number_range.ending_sequence_number.is_none())
        .count();
    assert_eq!(open, 5);
    // Before the scaling: 2, 5 and 6 were open.
    for closed in [0, 1, 2, 3, 4, 5, 6] {
        assert!(shards[closed]
            .sequence_number_range
            .ending_sequence_number
            .is_some());
    }
    let merged = &shards[4];
    assert_eq!(
        merged.parent_shard_id.as_deref(),
        Some("shardId-000000000003")
    );
    assert_eq!(
        merged.adjacent_parent_shard_id.as_deref(),
        Some("shardId-000000000001")
    );

    // The reader: start at the shards with no parent, follow ChildShards.
    let mut seen: HashMap<String, Vec<String>> = HashMap::new();
    let mut done: BTreeSet<String> = BTreeSet::new();
    let mut parents_of: HashMap<String, Vec<String>> = HashMap::new();
    let mut ready: Vec<String> = shards
        .iter()
        .filter(|s| s.parent_shard_id.is_none())
        .map(|s| s.shard_id.clone())
        .collect();
    let mut read_count = 0;
    let mut per_shard: HashMap<String, usize> = HashMap::new();
    while let Some(shard) = ready.pop() {
        let it = w
            .iterator("s", &shard, "TRIM_HORIZON", None, None)
            .await
            .unwrap();
        let (records, last) = w.drain(it).await;
        read_count += 1;
        per_shard.insert(shard.clone(), records.len());
        for r in &records {
            let data = text(r);
            let key = data.split(':').next().unwrap().to_owned();
            assert_eq!(r.partition_key, key);
            seen.entry(key).or_default().push(data);
        }
        done.insert(shard.clone());
        match last.child_shards {
            Some(children) => {
                assert!(last.next_shard_iterator.is_none());
                for child in children {
                    parents_of.insert(child.shard_id.clone(), child.parent_shards.clone());
                    let all_read = child.parent_shards.iter().all(|p| done.contains(p));
                    if all_read
                        && !done.contains(&child.shard_id)
                        && !ready.contains(&child.shard_id)
                    {
                        ready.push(child.shard_id);
                    }
                }
            }
            None => assert!(last.next_shard_iterator.is_some(), "{shard} is open"),
        }
    }
    assert_eq!(read_count, shards.len(), "every shard read once");
    // The writers really were writing through the reshards: records sit both in the
    // shards before the scaling and in those it made.
    let in_closed: usize = shards[..7].iter().map(|s| per_shard[&s.shard_id]).sum();
    let in_children: usize = shards[7..].iter().map(|s| per_shard[&s.shard_id]).sum();
    assert!(
        in_closed > 0 && in_children > 0,
        "{in_closed} and {in_children}"
    );
    assert_eq!(seen.len(), acked.len());
    for (key, sent) in &acked {
        assert_eq!(seen.get(key), Some(sent), "records of {key}");
    }
}

async fn update_shard_count_scales_uniformly(w: World) {
    w.create("s", 2).await;
    for i in 0..20 {
        w.put("s", &format!("k{i}"), "x").await;
    }
    w.clock.advance_ms(10);
    let out = w
        .kinesis
        .update_shard_count(
            &ctx(),
            UpdateShardCountInput {
                stream_name: Some("s".into()),
                target_shard_count: Some(4),
                scaling_type: Some("UNIFORM_SCALING".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!((out.current_shard_count, out.target_shard_count), (2, 4));
    let shards = w.shards("s").await;
    assert_eq!(shards.len(), 6);
    let summary = w
        .kinesis
        .describe_stream_summary(&ctx(), StreamInput::named("s"))
        .await
        .unwrap()
        .stream_description_summary;
    assert_eq!(summary.open_shard_count, 4);
    // Writes go on to the new shards.
    let put = w.put("s", "k0", "after").await;
    assert!(put.shard_id.as_str() >= "shardId-000000000002");

    let up = |target: i64| UpdateShardCountInput {
        stream_name: Some("s".into()),
        target_shard_count: Some(target),
        scaling_type: Some("UNIFORM_SCALING".into()),
        ..Default::default()
    };
    let e = err(w.kinesis.update_shard_count(&ctx(), up(9)).await);
    assert_eq!(e.kind, KinesisErrorKind::LimitExceeded);
    assert!(e
        .message
        .starts_with("UpdateShardCount cannot scale up over double"));
    let e = err(w.kinesis.update_shard_count(&ctx(), up(1)).await);
    assert!(e
        .message
        .starts_with("UpdateShardCount cannot scale down below half"));
    w.kinesis.update_shard_count(&ctx(), up(3)).await.unwrap();
    let summary = w
        .kinesis
        .describe_stream_summary(&ctx(), StreamInput::named("s"))
        .await
        .unwrap()
        .stream_description_summary;
    assert_eq!(summary.open_shard_count, 3);
}

async fn list_shards_filters_and_pages(w: World) {
    w.create("s", 3).await;
    w.clock.advance_ms(1_000);
    let split_at = w.now();
    w.kinesis
        .split_shard(
            &ctx(),
            SplitShardInput {
                stream_name: Some("s".into()),
                shard_to_split: Some("shardId-000000000001".into()),
                new_starting_hash_key: Some((1u128 << 127).to_string()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let list = |filter: Option<ShardFilter>, max: Option<i64>, token: Option<String>| {
        let k = w.kinesis.clone();
        async move {
            let named = token.is_none();
            k.list_shards(
                &ctx(),
                ListShardsInput {
                    stream_name: named.then(|| "s".to_owned()),
                    shard_filter: filter,
                    max_results: max,
                    next_token: token,
                    ..Default::default()
                },
            )
            .await
        }
    };
    let ids = |out: &ListShardsOutput| -> Vec<String> {
        out.shards
            .iter()
            .map(|s| {
                s.shard_id
                    .trim_start_matches("shardId-00000000000")
                    .to_owned()
            })
            .collect()
    };
    let filter = |t: &str, id: Option<&str>, ts: Option<u64>| {
        Some(ShardFilter {
            r#type: t.into(),
            shard_id: id.map(str::to_owned),
            timestamp_ms: ts,
        })
    };
    assert_eq!(
        ids(&list(None, None, None).await.unwrap()),
        ["0", "1", "2", "3", "4"]
    );
    assert_eq!(
        ids(&list(filter("AT_LATEST", None, None), None, None)
            .await
            .unwrap()),
        ["0", "2", "3", "4"]
    );
    assert_eq!(
        ids(&list(filter("AT_TRIM_HORIZON", None, None), None, None)
            .await
            .unwrap()),
        ["0", "1", "2"]
    );
    assert_eq!(
        ids(&list(filter("FROM_TRIM_HORIZON", None, None), None, None)
            .await
            .unwrap()),
        ["0", "1", "2", "3", "4"]
    );
    assert_eq!(
        ids(&list(
            filter("AFTER_SHARD_ID", Some("shardId-000000000002"), None),
            None,
            None
        )
        .await
        .unwrap()),
        ["3", "4"]
    );
    assert_eq!(
        ids(
            &list(filter("AT_TIMESTAMP", None, Some(split_at - 1)), None, None)
                .await
                .unwrap()
        ),
        ["0", "1", "2"]
    );
    assert_eq!(
        ids(
            &list(filter("AT_TIMESTAMP", None, Some(split_at)), None, None)
                .await
                .unwrap()
        ),
        ["0", "2", "3", "4"]
    );
    // Shard 1 may hold records that arrived in the millisecond it closed.
    assert_eq!(
        ids(
            &list(filter("FROM_TIMESTAMP", None, Some(split_at)), None, None)
                .await
                .unwrap()
        ),
        ["0", "1", "2", "3", "4"]
    );
    assert_eq!(
        ids(&list(
            filter("FROM_TIMESTAMP", None, Some(split_at + 1)),
            None,
            None
        )
        .await
        .unwrap()),
        ["0", "2", "3", "4"]
    );

    // Paging with NextToken, which expires after 300 s.
    let first = list(None, Some(2), None).await.unwrap();
    assert_eq!(ids(&first), ["0", "1"]);
    let token = first.next_token.clone().unwrap();
    let second = list(None, Some(2), Some(token.clone())).await.unwrap();
    assert_eq!(ids(&second), ["2", "3"]);
    let third = list(None, Some(2), second.next_token.clone())
        .await
        .unwrap();
    assert_eq!(ids(&third), ["4"]);
    assert_eq!(third.next_token, None);
    let e = err(w
        .kinesis
        .list_shards(
            &ctx(),
            ListShardsInput {
                stream_name: Some("s".into()),
                next_token: Some(token.clone()),
                ..Default::default()
            },
        )
        .await);
    assert_eq!(
        e.message,
        "NextToken and StreamName cannot be provided together."
    );
    w.clock.advance_ms(300_001);
    assert_eq!(
        err(list(None, None, Some(token)).await).kind,
        KinesisErrorKind::ExpiredNextToken
    );
    let e = err(w
        .kinesis
        .list_shards(&ctx(), ListShardsInput::default())
        .await);
    assert_eq!(
        e.message,
        "Either NextToken or StreamName should be provided."
    );
}

async fn bad_input_gets_awss_errors(w: World) {
    let k = &w.kinesis;
    let create = |name: &str, shards: Option<i64>| CreateStreamInput {
        stream_name: Some(name.into()),
        shard_count: shards,
        ..Default::default()
    };
    let e = err(k.create_stream(&ctx(), create("bad name", Some(1))).await);
    assert_eq!(e.kind, KinesisErrorKind::Validation);
    assert!(e.message.contains("Value 'bad name' at 'streamName'"));
    let e = err(k
        .create_stream(&ctx(), create(&"x".repeat(129), Some(1)))
        .await);
    assert!(e.message.contains("have length less than or equal to 128"));
    let e = err(k.create_stream(&ctx(), CreateStreamInput::default()).await);
    assert_eq!(e.kind, KinesisErrorKind::Validation);
    // Refused before anything is allocated.
    let e = err(k
        .create_stream(&ctx(), create("s", Some(100_000_000_000)))
        .await);
    assert_eq!(e.kind, KinesisErrorKind::Validation);
    assert!(e.message.contains("'shardCount'"));
    let e = err(k.create_stream(&ctx(), create("s", Some(0))).await);
    assert_eq!(e.kind, KinesisErrorKind::Validation);
    let e = err(k.create_stream(&ctx(), create("s", Some(501))).await);
    assert_eq!(e.kind, KinesisErrorKind::LimitExceeded);
    assert!(e
        .message
        .starts_with("This request would exceed the shard limit"));
    let e = err(k
        .create_stream(
            &ctx(),
            CreateStreamInput {
                max_record_size_in_kib: Some(100),
                ..create("s", Some(1))
            },
        )
        .await);
    assert!(e.message.contains("'maxRecordSizeInKiB'"));
    let e = err(w.describe("missing").await);
    assert_eq!(e.kind, KinesisErrorKind::ResourceNotFound);
    let e = err(k
        .describe_stream_summary(
            &ctx(),
            StreamInput {
                stream_name: None,
                stream_arn: Some("arn:aws:sqs:us-east-1:000000000000:q".into()),
            },
        )
        .await);
    assert_eq!(e.kind, KinesisErrorKind::Validation);

    w.create("s", 1).await;
    let retention = |hours: i64| RetentionPeriodInput {
        stream_name: Some("s".into()),
        retention_period_hours: Some(hours),
        ..Default::default()
    };
    let e = err(k
        .increase_stream_retention_period(&ctx(), retention(8761))
        .await);
    assert!(e
        .message
        .starts_with("Maximum allowed retention period is 8760 hours."));
    let e = err(k
        .decrease_stream_retention_period(&ctx(), retention(23))
        .await);
    assert!(e
        .message
        .starts_with("Minimum allowed retention period is 24 hours."));

    // Records.
    let e = err(k.put_record(&ctx(), put_input("s", "", "x")).await);
    assert_eq!(e.kind, KinesisErrorKind::Validation);
    assert!(e.message.contains("'partitionKey'"));
    let e = err(k
        .put_record(&ctx(), put_input("s", &"k".repeat(257), "x"))
        .await);
    assert!(e.message.contains("have length less than or equal to 256"));
    let big = "x".repeat(1024 * 1024);
    let e = err(k.put_record(&ctx(), put_input("s", "k", &big)).await);
    assert_eq!(e.kind, KinesisErrorKind::InvalidArgument);
    let e = err(k
        .put_record(
            &ctx(),
            PutRecordInput {
                explicit_hash_key: Some("340282366920938463463374607431768211456".into()),
                ..put_input("s", "k", "x")
            },
        )
        .await);
    assert_eq!(e.kind, KinesisErrorKind::InvalidArgument);
    assert!(e.message.starts_with("Invalid ExplicitHashKey."));
    let e = err(k.put_record(&ctx(), put_input("nope", "k", "x")).await);
    assert_eq!(e.kind, KinesisErrorKind::ResourceNotFound);
    let e = err(k
        .put_records(
            &ctx(),
            PutRecordsInput {
                stream_name: Some("s".into()),
                records: (0..501)
                    .map(|_| PutRecordsRequestEntry {
                        data: Some(vec![1]),
                        partition_key: Some("k".into()),
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            },
        )
        .await);
    assert_eq!(e.kind, KinesisErrorKind::Validation);
    let e = err(k
        .put_records(
            &ctx(),
            PutRecordsInput {
                stream_name: Some("s".into()),
                records: vec![PutRecordsRequestEntry {
                    data: Some(vec![1]),
                    partition_key: Some(String::new()),
                    ..Default::default()
                }],
                ..Default::default()
            },
        )
        .await);
    assert!(e.message.contains("'records.1.member.partitionKey'"));
    let it = w
        .iterator("s", "shardId-000000000000", "LATEST", None, None)
        .await
        .unwrap();
    let e = err(w.get(&it, Some(0)).await);
    assert_eq!(e.kind, KinesisErrorKind::Validation);
    let e = err(w.get(&it, Some(10_001)).await);
    assert!(e.message.contains("have value less than or equal to 10000"));

    // Resharding checks.
    let e = err(k
        .split_shard(
            &ctx(),
            SplitShardInput {
                stream_name: Some("s".into()),
                shard_to_split: Some("shardId-000000000000".into()),
                new_starting_hash_key: Some("1".into()),
                ..Default::default()
            },
        )
        .await);
    assert_eq!(e.kind, KinesisErrorKind::InvalidArgument);
    assert!(e
        .message
        .starts_with("NewStartingHashKey 1 used in SplitShard()"));
    let e = err(k
        .merge_shards(
            &ctx(),
            MergeShardsInput {
                stream_name: Some("s".into()),
                shard_to_merge: Some("shardId-000000000000".into()),
                adjacent_shard_to_merge: Some("shardId-000000000009".into()),
                ..Default::default()
            },
        )
        .await);
    assert_eq!(e.kind, KinesisErrorKind::ResourceNotFound);

    // Status delays: a CREATING stream takes no records and no reshard.
    let slow = World::with_config(
        false,
        KinesisConfig {
            delays: StatusDelays {
                creating_ms: 1_000,
                updating_ms: 1_000,
                deleting_ms: 1_000,
            },
            ..Default::default()
        },
    );
    slow.create("s", 1).await;
    assert_eq!(slow.describe("s").await.unwrap().stream_status, "CREATING");
    let e = err(slow
        .kinesis
        .put_record(&ctx(), put_input("s", "k", "x"))
        .await);
    assert_eq!(e.kind, KinesisErrorKind::ResourceNotFound);
    slow.clock.advance_ms(1_000);
    assert_eq!(slow.describe("s").await.unwrap().stream_status, "ACTIVE");
    slow.put("s", "k", "x").await;
    slow.kinesis
        .split_shard(
            &ctx(),
            SplitShardInput {
                stream_name: Some("s".into()),
                shard_to_split: Some("shardId-000000000000".into()),
                new_starting_hash_key: Some((1u128 << 127).to_string()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(slow.describe("s").await.unwrap().stream_status, "UPDATING");
    let e = err(slow
        .kinesis
        .merge_shards(
            &ctx(),
            MergeShardsInput {
                stream_name: Some("s".into()),
                shard_to_merge: Some("shardId-000000000001".into()),
                adjacent_shard_to_merge: Some("shardId-000000000002".into()),
                ..Default::default()
            },
        )
        .await);
    assert_eq!(e.kind, KinesisErrorKind::ResourceInUse);
    assert_eq!(
        e.message,
        "Stream s under account 000000000000 not ACTIVE, instead in state UPDATING"
    );
    slow.put("s", "k", "still writable").await;
    slow.kinesis
        .delete_stream(
            &ctx(),
            DeleteStreamInput {
                stream_name: Some("s".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(slow.describe("s").await.unwrap().stream_status, "DELETING");
    slow.clock.advance_ms(1_000);
    let report = slow
        .kinesis
        .housekeeping(REGION, ACCOUNT, slow.now())
        .await
        .unwrap();
    assert_eq!(report.streams_removed, 1);
    assert_eq!(
        err(slow.describe("s").await).kind,
        KinesisErrorKind::ResourceNotFound
    );
}

async fn consumers_register_list_and_deregister(w: World) {
    let k = &w.kinesis;
    w.create("s", 1).await;
    let stream_arn = w.describe("s").await.unwrap().stream_arn;
    let register = |name: &str| RegisterStreamConsumerInput {
        stream_arn: Some(stream_arn.clone()),
        consumer_name: Some(name.into()),
        tags: None,
    };
    let app = k
        .register_stream_consumer(&ctx(), register("app"))
        .await
        .unwrap()
        .consumer;
    assert_eq!(app.consumer_status, "ACTIVE");
    assert_eq!(
        app.consumer_arn,
        format!("{stream_arn}/consumer/app:{}", T0 / 1000)
    );
    let e = err(k.register_stream_consumer(&ctx(), register("app")).await);
    assert_eq!(e.kind, KinesisErrorKind::ResourceInUse);
    for i in 1..20 {
        k.register_stream_consumer(&ctx(), register(&format!("c{i:02}")))
            .await
            .unwrap();
    }
    let e = err(k
        .register_stream_consumer(&ctx(), register("one-too-many"))
        .await);
    assert_eq!(e.kind, KinesisErrorKind::LimitExceeded);

    let by_arn = k
        .describe_stream_consumer(
            &ctx(),
            ConsumerInput {
                consumer_arn: Some(app.consumer_arn.clone()),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .consumer_description;
    assert_eq!(by_arn.consumer_name, "app");
    assert_eq!(by_arn.stream_arn, stream_arn);
    let by_name = k
        .describe_stream_consumer(
            &ctx(),
            ConsumerInput {
                stream_arn: Some(stream_arn.clone()),
                consumer_name: Some("app".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .consumer_description;
    assert_eq!(by_name, by_arn);

    let list = |token: Option<String>| ListStreamConsumersInput {
        stream_arn: Some(stream_arn.clone()),
        max_results: Some(15),
        next_token: token,
        ..Default::default()
    };
    let first = k.list_stream_consumers(&ctx(), list(None)).await.unwrap();
    assert_eq!(first.consumers.len(), 15);
    assert_eq!(first.consumers[0].consumer_name, "app");
    let second = k
        .list_stream_consumers(&ctx(), list(first.next_token.clone()))
        .await
        .unwrap();
    assert_eq!(second.consumers.len(), 5);
    assert_eq!(second.next_token, None);
    let summary = k
        .describe_stream_summary(&ctx(), StreamInput::named("s"))
        .await
        .unwrap()
        .stream_description_summary;
    assert_eq!(summary.consumer_count, 20);

    // A stream with consumers is deleted only with EnforceConsumerDeletion.
    let e = err(k
        .delete_stream(
            &ctx(),
            DeleteStreamInput {
                stream_name: Some("s".into()),
                ..Default::default()
            },
        )
        .await);
    assert_eq!(e.kind, KinesisErrorKind::ResourceInUse);

    k.deregister_stream_consumer(
        &ctx(),
        ConsumerInput {
            consumer_arn: Some(app.consumer_arn.clone()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let e = err(k
        .describe_stream_consumer(
            &ctx(),
            ConsumerInput {
                consumer_arn: Some(app.consumer_arn.clone()),
                ..Default::default()
            },
        )
        .await);
    assert_eq!(e.kind, KinesisErrorKind::ResourceNotFound);
    k.register_stream_consumer(&ctx(), register("app"))
        .await
        .unwrap();

    k.delete_stream(
        &ctx(),
        DeleteStreamInput {
            stream_name: Some("s".into()),
            enforce_consumer_deletion: Some(true),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    w.clock.advance_ms(1_000);
    w.create("s", 1).await;
    let after = k.list_stream_consumers(&ctx(), list(None)).await.unwrap();
    assert!(after.consumers.is_empty());
}

async fn tags_on_streams_and_consumers(w: World) {
    let k = &w.kinesis;
    w.create("s", 1).await;
    let stream_arn = w.describe("s").await.unwrap().stream_arn;
    let tags = |pairs: &[(&str, &str)]| -> sluice_core::sqs::api::TagMap {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    k.add_tags_to_stream(
        &ctx(),
        AddTagsToStreamInput {
            stream_name: Some("s".into()),
            tags: tags(&[("a", "1"), ("b", "2"), ("c", "3")]),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let page = k
        .list_tags_for_stream(
            &ctx(),
            ListTagsForStreamInput {
                stream_name: Some("s".into()),
                limit: Some(2),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        page.tags.iter().map(|t| t.key.as_str()).collect::<Vec<_>>(),
        ["a", "b"]
    );
    assert!(page.has_more_tags);
    let rest = k
        .list_tags_for_stream(
            &ctx(),
            ListTagsForStreamInput {
                stream_name: Some("s".into()),
                exclusive_start_tag_key: Some("b".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(rest.tags.len(), 1);
    assert!(!rest.has_more_tags);
    k.remove_tags_from_stream(
        &ctx(),
        RemoveTagsFromStreamInput {
            stream_name: Some("s".into()),
            tag_keys: vec!["a".into()],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    k.untag_resource(
        &ctx(),
        UntagResourceInput {
            resource_arn: Some(stream_arn.clone()),
            tag_keys: vec!["b".into()],
        },
    )
    .await
    .unwrap();
    let listed = k
        .list_tags_for_resource(
            &ctx(),
            ResourceInput {
                resource_arn: Some(stream_arn.clone()),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        listed.tags,
        [Tag {
            key: "c".into(),
            value: Some("3".into())
        }]
    );
    let many: Vec<(String, String)> = (0..50).map(|i| (format!("k{i}"), "v".into())).collect();
    let e = err(k
        .tag_resource(
            &ctx(),
            TagResourceInput {
                resource_arn: Some(stream_arn.clone()),
                tags: many.into_iter().collect(),
            },
        )
        .await);
    assert_eq!(e.kind, KinesisErrorKind::InvalidArgument);
    assert!(e.message.contains("cannot have more than 50 tags"));

    // Consumers carry their own tags.
    let consumer = k
        .register_stream_consumer(
            &ctx(),
            RegisterStreamConsumerInput {
                stream_arn: Some(stream_arn.clone()),
                consumer_name: Some("app".into()),
                tags: Some(tags(&[("owner", "me")])),
            },
        )
        .await
        .unwrap()
        .consumer;
    k.tag_resource(
        &ctx(),
        TagResourceInput {
            resource_arn: Some(consumer.consumer_arn.clone()),
            tags: tags(&[("env", "test")]),
        },
    )
    .await
    .unwrap();
    let listed = k
        .list_tags_for_resource(
            &ctx(),
            ResourceInput {
                resource_arn: Some(consumer.consumer_arn.clone()),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        listed
            .tags
            .iter()
            .map(|t| t.key.as_str())
            .collect::<Vec<_>>(),
        ["env", "owner"]
    );
}

async fn settings_are_recorded_and_reported(w: World) {
    let k = &w.kinesis;
    w.create("s", 1).await;
    let stream_arn = w.describe("s").await.unwrap().stream_arn;
    let encryption = |kind: &str| StreamEncryptionInput {
        stream_name: Some("s".into()),
        encryption_type: Some(kind.into()),
        key_id: Some("alias/aws/kinesis".into()),
        ..Default::default()
    };
    k.start_stream_encryption(&ctx(), encryption("KMS"))
        .await
        .unwrap();
    let d = w.describe("s").await.unwrap();
    assert_eq!(d.encryption_type, "KMS");
    assert_eq!(d.key_id.as_deref(), Some("alias/aws/kinesis"));
    let put = w.put("s", "k", "sealed").await;
    assert_eq!(put.encryption_type, "KMS");
    let it = w
        .iterator("s", "shardId-000000000000", "TRIM_HORIZON", None, None)
        .await
        .unwrap();
    let got = w.drain(it).await.0;
    assert_eq!(got[0].encryption_type.as_deref(), Some("KMS"));
    assert_eq!(
        err(k.start_stream_encryption(&ctx(), encryption("NONE")).await).kind,
        KinesisErrorKind::InvalidArgument
    );
    k.stop_stream_encryption(&ctx(), encryption("KMS"))
        .await
        .unwrap();
    assert_eq!(w.describe("s").await.unwrap().encryption_type, "NONE");

    let monitoring = |metrics: &[&str]| EnhancedMonitoringInput {
        stream_name: Some("s".into()),
        shard_level_metrics: metrics.iter().map(|m| m.to_string()).collect(),
        ..Default::default()
    };
    let out = k
        .enable_enhanced_monitoring(&ctx(), monitoring(&["IncomingBytes", "OutgoingRecords"]))
        .await
        .unwrap();
    assert!(out.current_shard_level_metrics.is_empty());
    assert_eq!(
        out.desired_shard_level_metrics,
        ["IncomingBytes", "OutgoingRecords"]
    );
    let out = k
        .disable_enhanced_monitoring(&ctx(), monitoring(&["IncomingBytes"]))
        .await
        .unwrap();
    assert_eq!(out.desired_shard_level_metrics, ["OutgoingRecords"]);
    let all = k
        .enable_enhanced_monitoring(&ctx(), monitoring(&["ALL"]))
        .await
        .unwrap();
    assert_eq!(all.desired_shard_level_metrics.len(), 7);
    assert_eq!(
        err(k
            .enable_enhanced_monitoring(&ctx(), monitoring(&["Nope"]))
            .await)
        .kind,
        KinesisErrorKind::Validation
    );

    let mode = |m: &str| UpdateStreamModeInput {
        stream_arn: Some(stream_arn.clone()),
        stream_mode_details: Some(StreamModeDetails {
            stream_mode: m.into(),
        }),
        ..Default::default()
    };
    k.update_stream_mode(&ctx(), mode("ON_DEMAND"))
        .await
        .unwrap();
    assert_eq!(
        w.describe("s")
            .await
            .unwrap()
            .stream_mode_details
            .stream_mode,
        "ON_DEMAND"
    );
    k.update_stream_mode(&ctx(), mode("PROVISIONED"))
        .await
        .unwrap();
    let e = err(k.update_stream_mode(&ctx(), mode("ON_DEMAND")).await);
    assert_eq!(e.kind, KinesisErrorKind::LimitExceeded);
    w.clock.advance_ms(24 * MS_PER_HOUR);
    k.update_stream_mode(&ctx(), mode("ON_DEMAND"))
        .await
        .unwrap();

    // Largest record and warm throughput.
    k.update_max_record_size(
        &ctx(),
        UpdateMaxRecordSizeInput {
            stream_arn: Some(stream_arn.clone()),
            max_record_size_in_kib: Some(4096),
        },
    )
    .await
    .unwrap();
    let big = "x".repeat(2 * 1024 * 1024);
    w.put("s", "k", &big).await;
    let e = err(k
        .update_max_record_size(
            &ctx(),
            UpdateMaxRecordSizeInput {
                stream_arn: Some(stream_arn.clone()),
                max_record_size_in_kib: Some(10_241),
            },
        )
        .await);
    assert_eq!(e.kind, KinesisErrorKind::Validation);
    let warm = k
        .update_stream_warm_throughput(
            &ctx(),
            UpdateStreamWarmThroughputInput {
                stream_name: Some("s".into()),
                warm_throughput_mi_bps: Some(100),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(warm.warm_throughput.target_mi_bps, Some(100));
    let summary = k
        .describe_stream_summary(&ctx(), StreamInput::named("s"))
        .await
        .unwrap()
        .stream_description_summary;
    assert_eq!(summary.max_record_size_in_kib, 4096);
    assert_eq!(summary.warm_throughput.unwrap().current_mi_bps, Some(100));

    let none = k.describe_account_settings(&ctx()).await.unwrap();
    assert_eq!(none.minimum_throughput_billing_commitment, None);
    let set = k
        .update_account_settings(
            &ctx(),
            UpdateAccountSettingsInput {
                minimum_throughput_billing_commitment: Some(MinimumThroughputBillingCommitment {
                    status: "ENABLED".into(),
                }),
            },
        )
        .await
        .unwrap();
    assert_eq!(k.describe_account_settings(&ctx()).await.unwrap(), set);
    assert_eq!(
        set.minimum_throughput_billing_commitment.unwrap().status,
        "ENABLED"
    );
}

const OTHER: &str = "111111111111";

/// A caller of another account whose identity policy allows every Kinesis action, so
/// only the stream's resource policy decides.
fn outsider(action: &str) -> KinesisContext {
    use sluice_core::access::{Access, Caller};
    let all = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kinesis:*","Resource":"*"}]}"#;
    let caller = Caller::new(
        OTHER,
        Some("arn:aws:iam::111111111111:user/eve"),
        &[all.to_owned()],
    )
    .unwrap();
    KinesisContext {
        access: Some(Access {
            action: action.to_owned(),
            ..Access::new(Arc::new(caller))
        }),
        ..KinesisContext::open(REGION, OTHER)
    }
}

async fn resource_policies_decide_access(w: World) {
    let k = &w.kinesis;
    w.create("s", 1).await;
    w.put("s", "k", "secret").await;
    let stream_arn = w.describe("s").await.unwrap().stream_arn;
    let iterator = |ctx: KinesisContext| {
        let arn = stream_arn.clone();
        async move {
            k.get_shard_iterator(
                &ctx,
                GetShardIteratorInput {
                    stream_arn: Some(arn),
                    shard_id: Some("shardId-000000000000".into()),
                    shard_iterator_type: Some("TRIM_HORIZON".into()),
                    ..Default::default()
                },
            )
            .await
        }
    };
    let e = err(iterator(outsider("GetShardIterator")).await);
    assert_eq!(e.kind, KinesisErrorKind::AccessDenied);
    assert!(
        e.message.contains("kinesis:getsharditerator"),
        "{}",
        e.message
    );

    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{OTHER}:root"}},"Action":["kinesis:GetShardIterator","kinesis:GetRecords"],"Resource":"{stream_arn}"}}]}}"#
    );
    k.put_resource_policy(
        &ctx(),
        PutResourcePolicyInput {
            resource_arn: Some(stream_arn.clone()),
            policy: Some(policy.clone()),
        },
    )
    .await
    .unwrap();
    assert_eq!(
        k.get_resource_policy(
            &ctx(),
            ResourceInput {
                resource_arn: Some(stream_arn.clone()),
            },
        )
        .await
        .unwrap()
        .policy,
        policy
    );
    let it = iterator(outsider("GetShardIterator"))
        .await
        .unwrap()
        .shard_iterator;
    let got = k
        .get_records(
            &outsider("GetRecords"),
            GetRecordsInput {
                shard_iterator: Some(it),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(text(&got.records[0]), "secret");
    // The policy grants reading, not writing.
    let e = err(k
        .put_record(
            &outsider("PutRecord"),
            PutRecordInput {
                stream_name: None,
                stream_arn: Some(stream_arn.clone()),
                ..put_input("s", "k", "x")
            },
        )
        .await);
    assert_eq!(e.kind, KinesisErrorKind::AccessDenied);

    let e = err(k
        .put_resource_policy(
            &ctx(),
            PutResourcePolicyInput {
                resource_arn: Some(stream_arn.clone()),
                policy: Some("not json".into()),
            },
        )
        .await);
    assert_eq!(e.kind, KinesisErrorKind::InvalidArgument);
    k.delete_resource_policy(
        &ctx(),
        ResourceInput {
            resource_arn: Some(stream_arn.clone()),
        },
    )
    .await
    .unwrap();
    assert_eq!(
        err(iterator(outsider("GetShardIterator")).await).kind,
        KinesisErrorKind::AccessDenied
    );
    assert_eq!(
        err(k
            .delete_resource_policy(
                &ctx(),
                ResourceInput {
                    resource_arn: Some(stream_arn.clone()),
                },
            )
            .await)
        .kind,
        KinesisErrorKind::ResourceNotFound
    );
}

/// A crash after a split closed its parent's log but before the catalog stored the new
/// shards leaves the parent open in the catalog and closed in the log: the client's retry
/// of the split finishes it, with the ending the log gave first.
async fn a_reshard_cut_short_is_finished_by_its_retry(w: World) {
    use sluice_core::kinesis::store::{ShardAddress, ShardLog};
    use sluice_core::kinesis::StreamKey;
    w.create("s", 1).await;
    w.put("s", "k", "before").await;
    w.clock.advance_ms(10);
    let created_at = w.describe("s").await.unwrap().stream_creation_timestamp_ms;
    let parent = ShardAddress {
        stream: StreamKey::new(REGION, ACCOUNT, "s"),
        stream_created_at_ms: created_at,
        shard_index: 0,
    };
    let ending = ShardLog::close_shard(w.store.as_ref(), &parent, w.now())
        .await
        .unwrap();
    w.clock.advance_ms(10);
    w.kinesis
        .split_shard(
            &ctx(),
            SplitShardInput {
                stream_name: Some("s".into()),
                shard_to_split: Some("shardId-000000000000".into()),
                new_starting_hash_key: Some((1u128 << 127).to_string()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let shards = w.shards("s").await;
    assert_eq!(shards.len(), 3);
    assert_eq!(
        shards[0].sequence_number_range.ending_sequence_number,
        Some(ending.to_string())
    );
    w.put("s", "k", "after").await;
    let it = w
        .iterator("s", "shardId-000000000000", "TRIM_HORIZON", None, None)
        .await
        .unwrap();
    let (records, last) = w.drain(it).await;
    assert_eq!(records.iter().map(text).collect::<Vec<_>>(), ["before"]);
    assert_eq!(last.child_shards.map(|c| c.len()), Some(2));
}

/// Acknowledged records, their sequence numbers, the shard set and iterators outlive a
/// restart of the durable store; numbers keep increasing after it.
async fn records_and_numbers_survive_a_restart(w: World) {
    w.create("s", 2).await;
    let mut sent = Vec::new();
    for i in 0..20 {
        sent.push(w.put("s", &format!("k{i}"), &format!("r{i}")).await);
    }
    w.clock.advance_ms(10);
    w.kinesis
        .split_shard(
            &ctx(),
            SplitShardInput {
                stream_name: Some("s".into()),
                shard_to_split: Some("shardId-000000000001".into()),
                new_starting_hash_key: Some((3u128 << 126).to_string()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let iterator = w
        .iterator("s", "shardId-000000000000", "TRIM_HORIZON", None, None)
        .await
        .unwrap();
    let w = w.restart().await;
    let shards = w.shards("s").await;
    assert_eq!(shards.len(), 4);
    let mut got = BTreeMap::new();
    for shard in &shards {
        let it = w
            .iterator("s", &shard.shard_id, "TRIM_HORIZON", None, None)
            .await
            .unwrap();
        for r in w.drain(it).await.0 {
            got.insert(text(&r), r.sequence_number);
        }
    }
    assert_eq!(got.len(), sent.len());
    for (i, out) in sent.iter().enumerate() {
        assert_eq!(got[&format!("r{i}")], out.sequence_number);
    }
    // An iterator issued before the restart still reads (the sealer key is the same).
    assert!(!w.drain(iterator).await.0.is_empty());
    let later = w.put("s", "k0", "later").await;
    let earlier = sent
        .iter()
        .filter(|o| o.shard_id == later.shard_id)
        .map(|o| seq(&o.sequence_number))
        .max();
    if let Some(earlier) = earlier {
        assert!(seq(&later.sequence_number) > earlier);
    }
}

async fn subscriptions_push_records_and_end_at_the_shard_end(w: World) {
    let w = Arc::new(w);
    let k = &w.kinesis;
    w.create("s", 1).await;
    let stream_arn = w.describe("s").await.unwrap().stream_arn;
    let consumer = k
        .register_stream_consumer(
            &ctx(),
            RegisterStreamConsumerInput {
                stream_arn: Some(stream_arn.clone()),
                consumer_name: Some("app".into()),
                tags: None,
            },
        )
        .await
        .unwrap()
        .consumer;
    let subscribe = |kind: &str, sequence_number: Option<String>| SubscribeToShardInput {
        consumer_arn: Some(consumer.consumer_arn.clone()),
        shard_id: Some("shardId-000000000000".into()),
        starting_position: Some(StartingPosition {
            r#type: kind.into(),
            sequence_number,
            timestamp_ms: None,
        }),
    };
    w.put("s", "k", "before").await;
    let mut sub = k
        .subscribe_to_shard(&ctx(), subscribe("LATEST", None))
        .await
        .unwrap();
    // The first event comes at once, empty.
    let first = sub.next_event().await.unwrap().unwrap();
    assert!(first.records.is_empty());
    assert!(first.continuation_sequence_number.is_some());
    // A second subscription within five seconds is refused.
    let e = err(k
        .subscribe_to_shard(&ctx(), subscribe("TRIM_HORIZON", None))
        .await);
    assert_eq!(e.kind, KinesisErrorKind::ResourceInUse);

    // A put wakes the waiting subscription.
    let writer = {
        let w = w.clone();
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            w.put("s", "k", "pushed").await
        })
    };
    let event = sub.next_event().await.unwrap().unwrap();
    let put = writer.await.unwrap();
    assert_eq!(
        event.records.iter().map(text).collect::<Vec<_>>(),
        ["pushed"]
    );
    assert_eq!(
        event.continuation_sequence_number.as_deref(),
        Some(put.sequence_number.as_str())
    );

    // A split ends the subscription with the children named.
    w.clock.advance_ms(5_000);
    w.kinesis
        .split_shard(
            &ctx(),
            SplitShardInput {
                stream_name: Some("s".into()),
                shard_to_split: Some("shardId-000000000000".into()),
                new_starting_hash_key: Some((1u128 << 127).to_string()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let last = sub.next_event().await.unwrap().unwrap();
    assert!(last.records.is_empty());
    assert_eq!(last.continuation_sequence_number, None);
    let children: Vec<String> = last
        .child_shards
        .unwrap()
        .into_iter()
        .map(|c| c.shard_id)
        .collect();
    assert_eq!(children, ["shardId-000000000001", "shardId-000000000002"]);
    assert!(sub.next_event().await.is_none());

    // From a sequence number, after five seconds; the subscription ends after 5 minutes.
    let mut again = k
        .subscribe_to_shard(
            &ctx(),
            subscribe("AT_SEQUENCE_NUMBER", Some(put.sequence_number)),
        )
        .await
        .unwrap();
    let event = again.next_event().await.unwrap().unwrap();
    assert_eq!(
        event.records.iter().map(text).collect::<Vec<_>>(),
        ["pushed"]
    );
    assert_eq!(event.continuation_sequence_number, None);
    let mut fresh = k
        .subscribe_to_shard(
            &ctx(),
            SubscribeToShardInput {
                shard_id: Some("shardId-000000000001".into()),
                ..subscribe("TRIM_HORIZON", None)
            },
        )
        .await
        .unwrap();
    assert!(fresh
        .next_event()
        .await
        .unwrap()
        .unwrap()
        .records
        .is_empty());
    w.clock.advance_ms(SHARD_ITERATOR_LIFETIME_MS);
    assert!(fresh.next_event().await.is_none());
}

/// A reshard that closed a parent's log and was never retried (its server crashed, its
/// client gave up) leaves the parent open in the catalog: after a grace period the next
/// put gives the parent a single child over its range, and writing and reading go on.
async fn an_abandoned_reshard_is_repaired_by_the_next_put(w: World) {
    use sluice_core::kinesis::store::{ShardAddress, ShardLog};
    use sluice_core::kinesis::StreamKey;
    w.create("s", 1).await;
    w.put("s", "k", "before").await;
    let created_at = w.describe("s").await.unwrap().stream_creation_timestamp_ms;
    let parent = ShardAddress {
        stream: StreamKey::new(REGION, ACCOUNT, "s"),
        stream_created_at_ms: created_at,
        shard_index: 0,
    };
    let ending = ShardLog::close_shard(w.store.as_ref(), &parent, w.now())
        .await
        .unwrap();
    // Within the grace period the put fails (retryably), and nothing changes.
    let e = err(w.kinesis.put_record(&ctx(), put_input("s", "k", "x")).await);
    assert!(e.kind.is_server_fault());
    assert_eq!(w.shards("s").await.len(), 1);
    w.clock.advance_ms(60_000);
    let put = w.put("s", "k", "after").await;
    assert_eq!(put.shard_id, "shardId-000000000001");
    let shards = w.shards("s").await;
    assert_eq!(shards.len(), 2);
    assert_eq!(
        shards[0].sequence_number_range.ending_sequence_number,
        Some(ending.to_string())
    );
    assert_eq!(
        shards[1].parent_shard_id.as_deref(),
        Some("shardId-000000000000")
    );
    assert_eq!(shards[1].hash_key_range, shards[0].hash_key_range);
    let it = w
        .iterator("s", "shardId-000000000000", "TRIM_HORIZON", None, None)
        .await
        .unwrap();
    let (records, last) = w.drain(it).await;
    assert_eq!(records.iter().map(text).collect::<Vec<_>>(), ["before"]);
    let children = last.child_shards.unwrap();
    assert_eq!(children[0].shard_id, "shardId-000000000001");
    let it = w
        .iterator("s", "shardId-000000000001", "TRIM_HORIZON", None, None)
        .await
        .unwrap();
    assert_eq!(
        w.drain(it).await.0.iter().map(text).collect::<Vec<_>>(),
        ["after"]
    );
}

async fn get_records_stops_at_10000_records_and_10_mib(w: World) {
    w.create("s", 1).await;
    let shard = "shardId-000000000000";
    for batch in 0..21 {
        let out = w
            .kinesis
            .put_records(
                &ctx(),
                PutRecordsInput {
                    stream_name: Some("s".into()),
                    records: (0..500)
                        .map(|i| PutRecordsRequestEntry {
                            data: Some(format!("{batch}-{i}").into_bytes()),
                            partition_key: Some("k".into()),
                            ..Default::default()
                        })
                        .collect(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(out.failed_record_count, 0);
    }
    let it = w
        .iterator("s", shard, "TRIM_HORIZON", None, None)
        .await
        .unwrap();
    let first = w.get(&it, None).await.unwrap();
    assert_eq!(first.records.len(), 10_000);
    let rest = w
        .get(first.next_shard_iterator.as_ref().unwrap(), None)
        .await
        .unwrap();
    assert_eq!(rest.records.len(), 500);

    // Twelve records of almost 1 MiB: ten fit in 10 MiB.
    let latest = w.iterator("s", shard, "LATEST", None, None).await.unwrap();
    let big = "x".repeat(1_048_000);
    for _ in 0..12 {
        w.put("s", "k", &big).await;
    }
    let first = w.get(&latest, None).await.unwrap();
    assert_eq!(first.records.len(), 10);
    let rest = w
        .get(first.next_shard_iterator.as_ref().unwrap(), None)
        .await
        .unwrap();
    assert_eq!(rest.records.len(), 2);
}

/// A shard log whose appends to one shard fail, as a full disk would make them.
struct FailingShard {
    inner: Arc<EmbeddedStore>,
    failing: u32,
}

#[async_trait::async_trait]
impl sluice_core::kinesis::store::ShardLog for FailingShard {
    async fn create_shards(
        &self,
        stream: &sluice_core::kinesis::StreamKey,
        created: u64,
        shards: &[(u32, SequenceNumber)],
    ) -> sluice_core::kinesis::store::LogResult<()> {
        self.inner.create_shards(stream, created, shards).await
    }

    async fn append(
        &self,
        shard: &sluice_core::kinesis::store::ShardAddress,
        records: Vec<sluice_core::kinesis::store::NewRecord>,
        now: u64,
    ) -> sluice_core::kinesis::store::LogResult<Vec<SequenceNumber>> {
        if shard.shard_index == self.failing {
            return Err(sluice_core::kinesis::store::LogError::Unavailable(
                "disk full".into(),
            ));
        }
        self.inner.append(shard, records, now).await
    }

    async fn read(
        &self,
        shard: &sluice_core::kinesis::store::ShardAddress,
        from: sluice_core::kinesis::iterator::IteratorPosition,
        limits: sluice_core::kinesis::store::ReadLimits,
        trim_horizon_ms: u64,
    ) -> sluice_core::kinesis::store::LogResult<sluice_core::kinesis::store::ReadBatch> {
        self.inner.read(shard, from, limits, trim_horizon_ms).await
    }

    async fn tip(
        &self,
        shard: &sluice_core::kinesis::store::ShardAddress,
    ) -> sluice_core::kinesis::store::LogResult<sluice_core::kinesis::store::ShardTip> {
        self.inner.tip(shard).await
    }

    async fn close_shard(
        &self,
        shard: &sluice_core::kinesis::store::ShardAddress,
        now: u64,
    ) -> sluice_core::kinesis::store::LogResult<SequenceNumber> {
        self.inner.close_shard(shard, now).await
    }

    async fn trim(
        &self,
        shard: &sluice_core::kinesis::store::ShardAddress,
        before_ms: u64,
    ) -> sluice_core::kinesis::store::LogResult<u64> {
        self.inner.trim(shard, before_ms).await
    }

    async fn delete_shards(
        &self,
        stream: &sluice_core::kinesis::StreamKey,
        created: u64,
        indexes: &[u32],
    ) -> sluice_core::kinesis::store::LogResult<()> {
        self.inner.delete_shards(stream, created, indexes).await
    }

    fn watch(
        &self,
        shard: &sluice_core::kinesis::store::ShardAddress,
    ) -> sluice_core::kinesis::store::LogResult<
        tokio::sync::watch::Receiver<sluice_core::kinesis::store::ShardTip>,
    > {
        self.inner.watch(shard)
    }
}

/// PutRecords reports a record its shard could not store as AWS does (InternalFailure,
/// "Internal service failure."), stores the others, and counts the failures; PutRecord
/// answers the failure as a retryable error.
#[tokio::test]
async fn put_records_reports_per_record_failures() {
    use sluice_core::kinesis::store::ShardLog as _;
    let store = in_memory_store();
    let clock = Arc::new(ManualClock::new(T0));
    let kinesis = Kinesis::new(
        store.clone(),
        Arc::new(FailingShard {
            inner: store.clone(),
            failing: 1,
        }),
        clock,
        Arc::new(KeyedTagSealer::new([9; 32])),
        Arc::new(PlainRecords),
        KinesisConfig::default(),
    );
    kinesis
        .create_stream(
            &ctx(),
            CreateStreamInput {
                stream_name: Some("s".into()),
                shard_count: Some(2),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let entry = |hash: u128| PutRecordsRequestEntry {
        data: Some(hash.to_string().into_bytes()),
        partition_key: Some("k".into()),
        explicit_hash_key: Some(hash.to_string()),
    };
    let out = kinesis
        .put_records(
            &ctx(),
            PutRecordsInput {
                stream_name: Some("s".into()),
                records: vec![entry(0), entry(u128::MAX), entry(1)],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(out.failed_record_count, 1);
    assert_eq!(
        out.records[0].shard_id.as_deref(),
        Some("shardId-000000000000")
    );
    assert_eq!(
        out.records[1].error_code.as_deref(),
        Some("InternalFailure")
    );
    assert_eq!(
        out.records[1].error_message.as_deref(),
        Some("Internal service failure.")
    );
    assert_eq!(out.records[1].sequence_number, None);
    assert!(out.records[2].sequence_number.is_some());
    let e = err(kinesis
        .put_record(
            &ctx(),
            PutRecordInput {
                explicit_hash_key: Some(u128::MAX.to_string()),
                ..put_input("s", "k", "x")
            },
        )
        .await);
    assert_eq!(e.kind, KinesisErrorKind::ServiceUnavailable);
    assert!(e.kind.is_server_fault());
    // Nothing of the failed record reached the log.
    let created = kinesis
        .describe_stream(
            &ctx(),
            DescribeStreamInput {
                stream_name: Some("s".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .stream_description
        .stream_creation_timestamp_ms;
    let tip = store
        .tip(&sluice_core::kinesis::store::ShardAddress {
            stream: sluice_core::kinesis::StreamKey::new(REGION, ACCOUNT, "s"),
            stream_created_at_ms: created,
            shard_index: 1,
        })
        .await
        .unwrap();
    assert_eq!(tip.last_arrival_ms, None);
}

/// Consumers show CREATING and DELETING for the configured delays; a consumer whose
/// deregistration has run its course frees its place under the stream's limit of 20.
#[tokio::test]
async fn consumer_statuses_follow_the_delays() {
    let w = World::with_config(
        false,
        KinesisConfig {
            delays: StatusDelays {
                creating_ms: 0,
                updating_ms: 0,
                deleting_ms: 1_000,
            },
            ..Default::default()
        },
    );
    let k = &w.kinesis;
    w.create("s", 1).await;
    let stream_arn = w.describe("s").await.unwrap().stream_arn;
    let register = |name: &str| RegisterStreamConsumerInput {
        stream_arn: Some(stream_arn.clone()),
        consumer_name: Some(name.into()),
        tags: None,
    };
    for i in 0..20 {
        k.register_stream_consumer(&ctx(), register(&format!("c{i:02}")))
            .await
            .unwrap();
    }
    let by_name = |name: &str| ConsumerInput {
        stream_arn: Some(stream_arn.clone()),
        consumer_name: Some(name.into()),
        ..Default::default()
    };
    k.deregister_stream_consumer(&ctx(), by_name("c00"))
        .await
        .unwrap();
    let d = k
        .describe_stream_consumer(&ctx(), by_name("c00"))
        .await
        .unwrap();
    assert_eq!(d.consumer_description.consumer_status, "DELETING");
    assert_eq!(
        err(k.register_stream_consumer(&ctx(), register("new")).await).kind,
        KinesisErrorKind::LimitExceeded
    );
    w.clock.advance_ms(1_000);
    k.register_stream_consumer(&ctx(), register("new"))
        .await
        .unwrap();
    assert_eq!(
        err(k.describe_stream_consumer(&ctx(), by_name("c00")).await).kind,
        KinesisErrorKind::ResourceNotFound
    );
}

/// With the limits enforced, a shard takes 1,000 records a second (PutRecord is refused,
/// PutRecords reports the overflow per record) and answers five GetRecords a second; the
/// next second starts afresh. Without them, the same load passes.
#[tokio::test]
async fn throughput_limits_refuse_what_a_shard_would_not_take() {
    for enforced in [true, false] {
        let store = in_memory_store();
        let clock = Arc::new(ManualClock::new(T0 - T0 % 1000));
        let kinesis = service(
            &store,
            &clock,
            KinesisConfig {
                throughput_limits: enforced,
                ..KinesisConfig::default()
            },
        );
        kinesis
            .create_stream(
                &ctx(),
                CreateStreamInput {
                    stream_name: Some("t".into()),
                    shard_count: Some(1),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let batch = |n: usize| PutRecordsInput {
            stream_name: Some("t".into()),
            records: (0..n)
                .map(|i| PutRecordsRequestEntry {
                    data: Some(vec![b'x'; 10]),
                    partition_key: Some(format!("k{i}")),
                    explicit_hash_key: None,
                })
                .collect(),
            ..Default::default()
        };
        let out = kinesis.put_records(&ctx(), batch(500)).await.unwrap();
        assert_eq!(out.failed_record_count, 0);
        let out = kinesis.put_records(&ctx(), batch(500)).await.unwrap();
        assert_eq!(out.failed_record_count, 0);
        let out = kinesis.put_records(&ctx(), batch(3)).await.unwrap();
        let single = kinesis
            .put_record(&ctx(), put_input("t", "k", "over"))
            .await;
        if enforced {
            assert_eq!(out.failed_record_count, 3);
            let entry = &out.records[0];
            assert_eq!(
                entry.error_code.as_deref(),
                Some("ProvisionedThroughputExceededException")
            );
            assert_eq!(
                entry.error_message.as_deref(),
                Some(
                    format!("Rate exceeded for shard shardId-000000000000 in stream t under account {ACCOUNT}.")
                        .as_str()
                )
            );
            assert_eq!(
                err(single).kind,
                sluice_core::kinesis::KinesisErrorKind::ProvisionedThroughputExceeded
            );
        } else {
            assert_eq!(out.failed_record_count, 0);
            single.unwrap();
        }
        clock.advance_ms(1_000);
        kinesis
            .put_record(&ctx(), put_input("t", "k", "next second"))
            .await
            .unwrap();

        let iterator = kinesis
            .get_shard_iterator(
                &ctx(),
                GetShardIteratorInput {
                    stream_name: Some("t".into()),
                    shard_id: Some("shardId-000000000000".into()),
                    shard_iterator_type: Some("TRIM_HORIZON".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .shard_iterator;
        let get = || GetRecordsInput {
            shard_iterator: Some(iterator.clone()),
            limit: Some(1),
            ..Default::default()
        };
        for _ in 0..5 {
            kinesis.get_records(&ctx(), get()).await.unwrap();
        }
        let sixth = kinesis.get_records(&ctx(), get()).await;
        if enforced {
            assert_eq!(
                err(sixth).kind,
                sluice_core::kinesis::KinesisErrorKind::ProvisionedThroughputExceeded
            );
        } else {
            sixth.unwrap();
        }
        clock.advance_ms(1_000);
        kinesis.get_records(&ctx(), get()).await.unwrap();
    }
}
