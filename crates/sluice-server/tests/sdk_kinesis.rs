//! Kinesis through the official Rust SDK (`aws-sdk-kinesis`, AWS JSON 1.1): every action
//! the server serves except SubscribeToShard, which the SDK lacks. An in-process server
//! on a test clock, so iterator expiry and retention are checked by moving the clock.

mod common;

use std::collections::HashMap;

use aws_sdk_kinesis::error::ProvideErrorMetadata;
use aws_sdk_kinesis::primitives::{Blob, DateTime};
use aws_sdk_kinesis::types::{
    ConsumerStatus, EncryptionType, MetricsName, MinimumThroughputBillingCommitmentInput,
    MinimumThroughputBillingCommitmentInputStatus, PutRecordsRequestEntry, ScalingType,
    ShardFilter, ShardFilterType, ShardIteratorType, StreamMode, StreamModeDetails, StreamStatus,
};
use aws_sdk_kinesis::Client;
use common::kinesis::kinesis_client;
use sluice_core::clock::{Clock, ManualClock};
use sluice_server::{Config, RunningServer};

struct Kh {
    server: RunningServer,
    k: Client,
}

impl Kh {
    async fn start() -> Self {
        let server = sluice_server::start(Config {
            test_clock: true,
            ..Config::ephemeral()
        })
        .await
        .expect("server starts");
        let k = kinesis_client(&server.endpoint_url());
        Self { server, k }
    }

    fn clock(&self) -> &ManualClock {
        self.server.test_clock.as_ref().expect("test clock")
    }

    fn now(&self) -> DateTime {
        DateTime::from_millis(self.clock().now_ms() as i64)
    }

    async fn stop(self) {
        self.server.shutdown().await.expect("clean shutdown");
    }

    async fn create(&self, name: &str, shards: i32) -> String {
        self.k
            .create_stream()
            .stream_name(name)
            .shard_count(shards)
            .send()
            .await
            .unwrap_or_else(|e| panic!("create {name}: {e:?}"));
        self.arn(name).await
    }

    async fn arn(&self, name: &str) -> String {
        self.k
            .describe_stream_summary()
            .stream_name(name)
            .send()
            .await
            .expect("describe summary")
            .stream_description_summary()
            .expect("summary")
            .stream_arn()
            .to_owned()
    }

    async fn put(&self, stream: &str, key: &str, data: &[u8]) -> (String, String) {
        let out = self
            .k
            .put_record()
            .stream_name(stream)
            .partition_key(key)
            .data(Blob::new(data.to_vec()))
            .send()
            .await
            .expect("put record");
        (out.shard_id().to_owned(), out.sequence_number().to_owned())
    }

    async fn iterator(&self, stream: &str, shard: &str, kind: ShardIteratorType) -> String {
        self.k
            .get_shard_iterator()
            .stream_name(stream)
            .shard_id(shard)
            .shard_iterator_type(kind)
            .send()
            .await
            .expect("get shard iterator")
            .shard_iterator()
            .expect("iterator")
            .to_owned()
    }

    /// Every record from `iterator` until a read returns none (or the shard ends).
    async fn read_all(&self, mut iterator: String) -> Vec<aws_sdk_kinesis::types::Record> {
        let mut all = Vec::new();
        loop {
            let out = self
                .k
                .get_records()
                .shard_iterator(&iterator)
                .send()
                .await
                .expect("get records");
            let empty = out.records().is_empty();
            all.extend(out.records().iter().cloned());
            match out.next_shard_iterator() {
                Some(next) if !empty => iterator = next.to_owned(),
                _ => return all,
            }
        }
    }

    async fn shard_ids(&self, stream: &str, filter: Option<ShardFilter>) -> Vec<String> {
        self.k
            .list_shards()
            .stream_name(stream)
            .set_shard_filter(filter)
            .send()
            .await
            .expect("list shards")
            .shards()
            .iter()
            .map(|s| s.shard_id().to_owned())
            .collect()
    }

    async fn status(&self, stream: &str) -> StreamStatus {
        self.k
            .describe_stream_summary()
            .stream_name(stream)
            .send()
            .await
            .expect("describe summary")
            .stream_description_summary()
            .unwrap()
            .stream_status()
            .clone()
    }
}

fn shard_id(i: u32) -> String {
    format!("shardId-{i:012}")
}

fn filter(kind: ShardFilterType) -> ShardFilter {
    ShardFilter::builder().r#type(kind).build().unwrap()
}

#[tokio::test]
async fn streams_create_describe_list_and_delete() {
    let h = Kh::start().await;
    let arn = h.create("orders", 3).await;
    assert!(
        arn.starts_with("arn:aws:kinesis:us-east-1:000000000000:stream/orders"),
        "{arn}"
    );
    let d =
        h.k.describe_stream()
            .stream_name("orders")
            .send()
            .await
            .unwrap();
    let d = d.stream_description().unwrap();
    assert_eq!(d.stream_name(), "orders");
    assert_eq!(d.stream_status(), &StreamStatus::Active);
    assert_eq!(d.shards().len(), 3);
    assert!(!d.has_more_shards());
    assert_eq!(d.retention_period_hours(), 24);
    assert_eq!(
        d.stream_mode_details().unwrap().stream_mode(),
        &StreamMode::Provisioned
    );
    // The hash key ranges cover 0..2^128-1 without gaps.
    let mut next: u128 = 0;
    for s in d.shards() {
        let range = s.hash_key_range().unwrap();
        assert_eq!(range.starting_hash_key().parse::<u128>().unwrap(), next);
        let end: u128 = range.ending_hash_key().parse().unwrap();
        next = end.wrapping_add(1);
        assert!(s
            .sequence_number_range()
            .unwrap()
            .ending_sequence_number()
            .is_none());
    }
    assert_eq!(next, 0, "the last range ends at 2^128-1");
    // DescribeStream pages its shards.
    let page =
        h.k.describe_stream()
            .stream_name("orders")
            .limit(2)
            .send()
            .await
            .unwrap();
    let page = page.stream_description().unwrap();
    assert_eq!(page.shards().len(), 2);
    assert!(page.has_more_shards());
    let rest =
        h.k.describe_stream()
            .stream_name("orders")
            .exclusive_start_shard_id(page.shards()[1].shard_id())
            .send()
            .await
            .unwrap();
    assert_eq!(rest.stream_description().unwrap().shards().len(), 1);

    // On demand: four shards, the mode reported by the summary.
    h.k.create_stream()
        .stream_name("clicks")
        .stream_mode_details(
            StreamModeDetails::builder()
                .stream_mode(StreamMode::OnDemand)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let s =
        h.k.describe_stream_summary()
            .stream_name("clicks")
            .send()
            .await
            .unwrap();
    let s = s.stream_description_summary().unwrap();
    assert_eq!(
        s.stream_mode_details().unwrap().stream_mode(),
        &StreamMode::OnDemand
    );
    assert_eq!(s.open_shard_count(), 4);
    assert_eq!(s.consumer_count(), Some(0));
    assert_eq!(s.encryption_type(), Some(&EncryptionType::None));

    // ListStreams pages with ExclusiveStartStreamName and with NextToken.
    for i in 0..3 {
        h.create(&format!("extra-{i}"), 1).await;
    }
    let first = h.k.list_streams().limit(2).send().await.unwrap();
    assert_eq!(first.stream_names(), ["clicks", "extra-0"]);
    assert!(first.has_more_streams());
    assert_eq!(first.stream_summaries().len(), 2);
    let by_name =
        h.k.list_streams()
            .exclusive_start_stream_name("extra-0")
            .send()
            .await
            .unwrap();
    assert_eq!(by_name.stream_names(), ["extra-1", "extra-2", "orders"]);
    assert!(!by_name.has_more_streams());
    let mut names = first.stream_names().to_vec();
    let mut token = first.next_token().map(str::to_owned);
    while let Some(t) = token {
        let page =
            h.k.list_streams()
                .next_token(t)
                .limit(2)
                .send()
                .await
                .unwrap();
        names.extend(page.stream_names().iter().cloned());
        token = page.next_token().map(str::to_owned);
    }
    assert_eq!(names, ["clicks", "extra-0", "extra-1", "extra-2", "orders"]);

    // Errors typed by the SDK.
    let e =
        h.k.create_stream()
            .stream_name("orders")
            .shard_count(1)
            .send()
            .await
            .unwrap_err()
            .into_service_error();
    assert!(e.is_resource_in_use_exception(), "{e:?}");
    let e =
        h.k.describe_stream()
            .stream_name("nope")
            .send()
            .await
            .unwrap_err()
            .into_service_error();
    assert!(e.is_resource_not_found_exception(), "{e:?}");
    let e =
        h.k.create_stream()
            .stream_name("bad name!")
            .shard_count(1)
            .send()
            .await
            .unwrap_err();
    assert_eq!(e.code(), Some("ValidationException"), "{e:?}");
    let e =
        h.k.create_stream()
            .stream_name("zero")
            .shard_count(0)
            .send()
            .await
            .unwrap_err();
    assert!(
        matches!(
            e.code(),
            Some("ValidationException" | "InvalidArgumentException")
        ),
        "{e:?}"
    );

    // Delete: gone from describe and list (status delay 0).
    h.k.delete_stream()
        .stream_name("extra-1")
        .send()
        .await
        .unwrap();
    let e =
        h.k.describe_stream_summary()
            .stream_name("extra-1")
            .send()
            .await
            .unwrap_err()
            .into_service_error();
    assert!(e.is_resource_not_found_exception(), "{e:?}");
    let left = h.k.list_streams().send().await.unwrap();
    assert!(!left.stream_names().contains(&"extra-1".to_owned()));
    let e =
        h.k.delete_stream()
            .stream_name("extra-1")
            .send()
            .await
            .unwrap_err()
            .into_service_error();
    assert!(e.is_resource_not_found_exception(), "{e:?}");
    h.stop().await;
}

#[tokio::test]
async fn records_put_iterate_and_read() {
    let h = Kh::start().await;
    h.create("events", 2).await;
    let all_bytes: Vec<u8> = (0..=255u8).collect();
    let started = h.now();
    let (shard_a, seq_a) = h.put("events", "alpha", &all_bytes).await;
    // ExplicitHashKey places a record whatever its partition key.
    let top =
        h.k.put_record()
            .stream_name("events")
            .partition_key("alpha")
            .explicit_hash_key((u128::MAX).to_string())
            .data(Blob::new(b"top".to_vec()))
            .send()
            .await
            .unwrap();
    assert_eq!(top.shard_id(), shard_id(1));
    h.clock().advance_ms(1_000);
    let second = h.now();
    // SequenceNumberForOrdering: later than the given number on the same shard.
    let (_, seq_b) = {
        let out =
            h.k.put_record()
                .stream_name("events")
                .partition_key("alpha")
                .sequence_number_for_ordering(&seq_a)
                .data(Blob::new(b"b".to_vec()))
                .send()
                .await
                .unwrap();
        (out.shard_id().to_owned(), out.sequence_number().to_owned())
    };
    assert!(
        seq_b.len() > seq_a.len() || (seq_b.len() == seq_a.len() && seq_b > seq_a),
        "{seq_a} < {seq_b}"
    );

    // PutRecords: per-record results in request order, one failure counted.
    let entries: Vec<_> = (0..10)
        .map(|i| {
            PutRecordsRequestEntry::builder()
                .partition_key(format!("key-{i}"))
                .data(Blob::new(vec![i as u8; 3]))
                .build()
                .unwrap()
        })
        .collect();
    let out =
        h.k.put_records()
            .stream_name("events")
            .set_records(Some(entries))
            .send()
            .await
            .unwrap();
    assert_eq!(out.failed_record_count(), Some(0));
    assert_eq!(out.records().len(), 10);
    let mut per_shard: HashMap<String, Vec<String>> = HashMap::new();
    for r in out.records() {
        assert!(r.error_code().is_none());
        per_shard
            .entry(r.shard_id().unwrap().to_owned())
            .or_default()
            .push(r.sequence_number().unwrap().to_owned());
    }
    // A record too large for the stream is refused.
    let e =
        h.k.put_record()
            .stream_name("events")
            .partition_key("big")
            .data(Blob::new(vec![0u8; 1024 * 1024 + 1]))
            .send()
            .await
            .unwrap_err();
    assert!(
        matches!(
            e.code(),
            Some("ValidationException" | "InvalidArgumentException")
        ),
        "{e:?}"
    );

    // TRIM_HORIZON on the first shard: the binary record, its bytes and timestamp intact.
    let it = h
        .iterator("events", &shard_a, ShardIteratorType::TrimHorizon)
        .await;
    let records = h.read_all(it).await;
    assert_eq!(records[0].data().as_ref(), &all_bytes[..]);
    assert_eq!(records[0].partition_key(), Some("alpha"));
    assert_eq!(records[0].sequence_number(), seq_a);
    // Epoch seconds with a fraction on the wire: the SDK's float may round a millisecond.
    let arrival = records[0].approximate_arrival_timestamp().unwrap();
    let drift = arrival.to_millis().unwrap() - started.to_millis().unwrap();
    assert!(drift.abs() <= 1, "arrival {arrival:?}, put at {started:?}");
    let on_a = per_shard.get(&shard_a).map_or(0, Vec::len);
    let extra = usize::from(shard_a == shard_id(1));
    assert_eq!(records.len(), 2 + on_a + extra);
    let seqs: Vec<&str> = records.iter().map(|r| r.sequence_number()).collect();
    let mut sorted = seqs.clone();
    sorted.sort_by(|a, b| a.len().cmp(&b.len()).then(a.cmp(b)));
    assert_eq!(seqs, sorted, "records come in sequence order");

    // AT_SEQUENCE_NUMBER and AFTER_SEQUENCE_NUMBER.
    let at =
        h.k.get_shard_iterator()
            .stream_name("events")
            .shard_id(&shard_a)
            .shard_iterator_type(ShardIteratorType::AtSequenceNumber)
            .starting_sequence_number(&seq_b)
            .send()
            .await
            .unwrap();
    let got = h.read_all(at.shard_iterator().unwrap().to_owned()).await;
    assert_eq!(got[0].sequence_number(), seq_b);
    let after =
        h.k.get_shard_iterator()
            .stream_name("events")
            .shard_id(&shard_a)
            .shard_iterator_type(ShardIteratorType::AfterSequenceNumber)
            .starting_sequence_number(&seq_a)
            .send()
            .await
            .unwrap();
    let got = h.read_all(after.shard_iterator().unwrap().to_owned()).await;
    assert!(got.iter().all(|r| r.sequence_number() != seq_a));
    assert_eq!(got.len(), records.len() - 1);

    // AT_TIMESTAMP: from the first record at or after the time.
    let at_time =
        h.k.get_shard_iterator()
            .stream_name("events")
            .shard_id(&shard_a)
            .shard_iterator_type(ShardIteratorType::AtTimestamp)
            .timestamp(second)
            .send()
            .await
            .unwrap();
    let got = h
        .read_all(at_time.shard_iterator().unwrap().to_owned())
        .await;
    assert_eq!(got[0].sequence_number(), seq_b);
    // (Within the millisecond the SDK's float may round away.)
    assert!(got.iter().all(|r| r
        .approximate_arrival_timestamp()
        .unwrap()
        .to_millis()
        .unwrap()
        >= second.to_millis().unwrap() - 1));

    // LATEST: nothing until a new record arrives.
    let latest = h
        .iterator("events", &shard_a, ShardIteratorType::Latest)
        .await;
    let out =
        h.k.get_records()
            .shard_iterator(&latest)
            .send()
            .await
            .unwrap();
    assert!(out.records().is_empty());
    assert_eq!(out.millis_behind_latest(), Some(0));
    let next = out.next_shard_iterator().unwrap().to_owned();
    let (_, seq_c) = h.put("events", "alpha", b"c").await;
    let out =
        h.k.get_records()
            .shard_iterator(next)
            .limit(5)
            .send()
            .await
            .unwrap();
    assert_eq!(out.records().len(), 1);
    assert_eq!(out.records()[0].sequence_number(), seq_c);

    // GetRecords Limit.
    let it = h
        .iterator("events", &shard_a, ShardIteratorType::TrimHorizon)
        .await;
    let out =
        h.k.get_records()
            .shard_iterator(it)
            .limit(1)
            .send()
            .await
            .unwrap();
    assert_eq!(out.records().len(), 1);
    assert!(out.millis_behind_latest().is_some());

    // Errors: unknown shard, missing starting sequence, bad iterator, unknown stream.
    let e =
        h.k.get_shard_iterator()
            .stream_name("events")
            .shard_id(shard_id(9))
            .shard_iterator_type(ShardIteratorType::TrimHorizon)
            .send()
            .await
            .unwrap_err()
            .into_service_error();
    assert!(e.is_resource_not_found_exception(), "{e:?}");
    let e =
        h.k.get_shard_iterator()
            .stream_name("events")
            .shard_id(&shard_a)
            .shard_iterator_type(ShardIteratorType::AtSequenceNumber)
            .send()
            .await
            .unwrap_err()
            .into_service_error();
    assert!(e.is_invalid_argument_exception(), "{e:?}");
    let e =
        h.k.get_records()
            .shard_iterator("AAAAAAAAAAAAAAAAAAAAAAAA")
            .send()
            .await
            .unwrap_err()
            .into_service_error();
    assert!(e.is_invalid_argument_exception(), "{e:?}");
    let e =
        h.k.put_record()
            .stream_name("nope")
            .partition_key("k")
            .data(Blob::new(b"x".to_vec()))
            .send()
            .await
            .unwrap_err()
            .into_service_error();
    assert!(e.is_resource_not_found_exception(), "{e:?}");

    // An iterator expires five minutes after it was issued.
    let it = h
        .iterator("events", &shard_a, ShardIteratorType::TrimHorizon)
        .await;
    h.clock().advance_ms(299_000);
    h.k.get_records()
        .shard_iterator(&it)
        .limit(1)
        .send()
        .await
        .expect("still good before five minutes");
    h.clock().advance_ms(2_000);
    let e =
        h.k.get_records()
            .shard_iterator(&it)
            .send()
            .await
            .unwrap_err()
            .into_service_error();
    assert!(e.is_expired_iterator_exception(), "{e:?}");

    // Retention: records older than the retention period are no longer read.
    let (_, fresh) = {
        h.clock().advance_ms(23 * 3_600_000);
        h.put("events", "alpha", b"fresh").await
    };
    h.clock().advance_ms(2 * 3_600_000);
    let it = h
        .iterator("events", &shard_a, ShardIteratorType::TrimHorizon)
        .await;
    let got = h.read_all(it).await;
    assert_eq!(
        got.iter().map(|r| r.sequence_number()).collect::<Vec<_>>(),
        [fresh.as_str()],
        "only the record within 24 hours is left"
    );
    // A longer retention keeps the next records for longer.
    h.k.increase_stream_retention_period()
        .stream_name("events")
        .retention_period_hours(48)
        .send()
        .await
        .unwrap();
    h.clock().advance_ms(30 * 3_600_000);
    let it = h
        .iterator("events", &shard_a, ShardIteratorType::TrimHorizon)
        .await;
    assert_eq!(h.read_all(it).await.len(), 1, "kept for 48 hours");
    h.stop().await;
}

#[tokio::test]
async fn shards_list_split_merge_and_update_count() {
    let h = Kh::start().await;
    h.create("resharded", 2).await;
    let (_, before_split) = h.put("resharded", "k", b"before").await;
    let all = h.shard_ids("resharded", None).await;
    assert_eq!(all, [shard_id(0), shard_id(1)]);

    // A shard split in the millisecond its stream was created (the test clock stands
    // still) is still listed, with the record it took in that millisecond.
    h.create("instant", 1).await;
    let (_, kept) = h.put("instant", "k", b"same millisecond").await;
    h.k.split_shard()
        .stream_name("instant")
        .shard_to_split(shard_id(0))
        .new_starting_hash_key((1u128 << 127).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(h.shard_ids("instant", None).await, [0, 1, 2].map(shard_id));
    let it = h
        .iterator("instant", &shard_id(0), ShardIteratorType::TrimHorizon)
        .await;
    let got = h.read_all(it).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].sequence_number(), kept);
    h.k.delete_stream()
        .stream_name("instant")
        .send()
        .await
        .unwrap();

    // Split shard 0 at its midpoint, a second after the stream was created.
    h.clock().advance_ms(1_000);
    let mid = (u128::MAX / 4).to_string();
    h.k.split_shard()
        .stream_name("resharded")
        .shard_to_split(shard_id(0))
        .new_starting_hash_key(&mid)
        .send()
        .await
        .unwrap();
    assert_eq!(h.status("resharded").await, StreamStatus::Active);
    let all = h.shard_ids("resharded", None).await;
    assert_eq!(all, [0, 1, 2, 3].map(shard_id));
    let listed =
        h.k.list_shards()
            .stream_name("resharded")
            .send()
            .await
            .unwrap();
    let closed = &listed.shards()[0];
    assert!(closed
        .sequence_number_range()
        .unwrap()
        .ending_sequence_number()
        .is_some());
    assert_eq!(
        listed.shards()[2].parent_shard_id(),
        Some(shard_id(0).as_str())
    );
    assert_eq!(
        listed.shards()[3]
            .hash_key_range()
            .unwrap()
            .starting_hash_key(),
        mid
    );

    // Filters.
    assert_eq!(
        h.shard_ids("resharded", Some(filter(ShardFilterType::AtLatest)))
            .await,
        [1, 2, 3].map(shard_id)
    );
    assert_eq!(
        h.shard_ids("resharded", Some(filter(ShardFilterType::AtTrimHorizon)))
            .await,
        [0, 1].map(shard_id)
    );
    assert_eq!(
        h.shard_ids("resharded", Some(filter(ShardFilterType::FromTrimHorizon)))
            .await,
        [0, 1, 2, 3].map(shard_id)
    );
    let after = ShardFilter::builder()
        .r#type(ShardFilterType::AfterShardId)
        .shard_id(shard_id(1))
        .build()
        .unwrap();
    assert_eq!(
        h.shard_ids("resharded", Some(after)).await,
        [2, 3].map(shard_id)
    );
    let at_time = ShardFilter::builder()
        .r#type(ShardFilterType::AtTimestamp)
        .timestamp(h.now())
        .build()
        .unwrap();
    assert_eq!(
        h.shard_ids("resharded", Some(at_time)).await,
        [1, 2, 3].map(shard_id)
    );
    // Paging with MaxResults and NextToken.
    let page =
        h.k.list_shards()
            .stream_name("resharded")
            .max_results(3)
            .send()
            .await
            .unwrap();
    assert_eq!(page.shards().len(), 3);
    let rest =
        h.k.list_shards()
            .next_token(page.next_token().expect("a next token"))
            .send()
            .await
            .unwrap();
    assert_eq!(rest.shards().len(), 1);
    assert!(rest.next_token().is_none());
    let by_id =
        h.k.list_shards()
            .stream_name("resharded")
            .exclusive_start_shard_id(shard_id(2))
            .send()
            .await
            .unwrap();
    assert_eq!(by_id.shards().len(), 1);
    let e =
        h.k.list_shards()
            .stream_name("resharded")
            .next_token(page.next_token().unwrap())
            .send()
            .await
            .unwrap_err()
            .into_service_error();
    assert!(e.is_invalid_argument_exception(), "{e:?}");

    // Reading the closed parent ends with its children named and no next iterator.
    let it = h
        .iterator("resharded", &shard_id(0), ShardIteratorType::TrimHorizon)
        .await;
    let mut it = Some(it);
    let mut read = Vec::new();
    let mut children = Vec::new();
    while let Some(i) = it {
        let out = h.k.get_records().shard_iterator(i).send().await.unwrap();
        read.extend(out.records().iter().map(|r| r.sequence_number().to_owned()));
        children = out
            .child_shards()
            .iter()
            .map(|c| c.shard_id().to_owned())
            .collect();
        it = out.next_shard_iterator().map(str::to_owned);
    }
    // The one record written before the split is on shard 0 or 1, by its key's hash.
    let on_one = h
        .read_all(
            h.iterator("resharded", &shard_id(1), ShardIteratorType::TrimHorizon)
                .await,
        )
        .await;
    assert_eq!(
        read.len() + on_one.len(),
        1,
        "{before_split} read once from its shard"
    );
    assert_eq!(children, [shard_id(2), shard_id(3)]);

    // Merge the two children back; non-adjacent shards are refused.
    let e =
        h.k.merge_shards()
            .stream_name("resharded")
            .shard_to_merge(shard_id(2))
            .adjacent_shard_to_merge(shard_id(1))
            .send()
            .await
            .unwrap_err()
            .into_service_error();
    assert!(e.is_invalid_argument_exception(), "{e:?}");
    h.k.merge_shards()
        .stream_name("resharded")
        .shard_to_merge(shard_id(2))
        .adjacent_shard_to_merge(shard_id(3))
        .send()
        .await
        .unwrap();
    let open =
        h.k.list_shards()
            .stream_name("resharded")
            .shard_filter(filter(ShardFilterType::AtLatest))
            .send()
            .await
            .unwrap();
    let merged = open
        .shards()
        .iter()
        .find(|s| s.shard_id() == shard_id(4))
        .expect("merged shard");
    assert_eq!(merged.parent_shard_id(), Some(shard_id(2).as_str()));
    assert_eq!(
        merged.adjacent_parent_shard_id(),
        Some(shard_id(3).as_str())
    );
    // Splitting a shard already split is refused, with AWS's ResourceInUseException.
    let e =
        h.k.split_shard()
            .stream_name("resharded")
            .shard_to_split(shard_id(0))
            .new_starting_hash_key(&mid)
            .send()
            .await
            .unwrap_err()
            .into_service_error();
    assert!(e.is_resource_in_use_exception(), "{e:?}");
    assert!(
        e.to_string().contains("has already been merged or split"),
        "{e}"
    );

    // UpdateShardCount: uniform scaling to 4, then down to 2; more than double is over
    // AWS's limit (LimitExceededException).
    let out =
        h.k.update_shard_count()
            .stream_name("resharded")
            .target_shard_count(4)
            .scaling_type(ScalingType::UniformScaling)
            .send()
            .await
            .unwrap();
    assert_eq!(out.current_shard_count(), Some(2));
    assert_eq!(out.target_shard_count(), Some(4));
    let open = h
        .shard_ids("resharded", Some(filter(ShardFilterType::AtLatest)))
        .await;
    assert_eq!(open.len(), 4);
    let summary =
        h.k.describe_stream_summary()
            .stream_name("resharded")
            .send()
            .await
            .unwrap();
    assert_eq!(
        summary
            .stream_description_summary()
            .unwrap()
            .open_shard_count(),
        4
    );
    let e =
        h.k.update_shard_count()
            .stream_name("resharded")
            .target_shard_count(9)
            .scaling_type(ScalingType::UniformScaling)
            .send()
            .await
            .unwrap_err()
            .into_service_error();
    assert!(e.is_limit_exceeded_exception(), "{e:?}");
    h.k.update_shard_count()
        .stream_name("resharded")
        .target_shard_count(2)
        .scaling_type(ScalingType::UniformScaling)
        .send()
        .await
        .unwrap();
    assert_eq!(
        h.shard_ids("resharded", Some(filter(ShardFilterType::AtLatest)))
            .await
            .len(),
        2
    );
    // The shard limit: DescribeLimits counts open shards.
    let limits = h.k.describe_limits().send().await.unwrap();
    assert_eq!(limits.shard_limit(), 500);
    assert_eq!(limits.open_shard_count(), 2);
    assert_eq!(limits.on_demand_stream_count(), 0);
    assert_eq!(limits.on_demand_stream_count_limit(), 50);
    h.stop().await;
}

#[tokio::test]
async fn consumers_tags_policies_and_settings() {
    let h = Kh::start().await;
    let arn = h.create("config", 1).await;

    // Consumers.
    let c =
        h.k.register_stream_consumer()
            .stream_arn(&arn)
            .consumer_name("app-1")
            .send()
            .await
            .unwrap();
    let consumer = c.consumer().unwrap();
    assert_eq!(consumer.consumer_name(), "app-1");
    let consumer_arn = consumer.consumer_arn().to_owned();
    assert!(
        consumer_arn.starts_with(&format!("{arn}/consumer/app-1:")),
        "{consumer_arn}"
    );
    let e =
        h.k.register_stream_consumer()
            .stream_arn(&arn)
            .consumer_name("app-1")
            .send()
            .await
            .unwrap_err()
            .into_service_error();
    assert!(e.is_resource_in_use_exception(), "{e:?}");
    h.k.register_stream_consumer()
        .stream_arn(&arn)
        .consumer_name("app-2")
        .send()
        .await
        .unwrap();
    let d =
        h.k.describe_stream_consumer()
            .consumer_arn(&consumer_arn)
            .send()
            .await
            .unwrap();
    let d = d.consumer_description().unwrap();
    assert_eq!(d.consumer_status(), &ConsumerStatus::Active);
    assert_eq!(d.stream_arn(), arn);
    let by_name =
        h.k.describe_stream_consumer()
            .stream_arn(&arn)
            .consumer_name("app-2")
            .send()
            .await
            .unwrap();
    assert_eq!(
        by_name.consumer_description().unwrap().consumer_name(),
        "app-2"
    );
    let listed =
        h.k.list_stream_consumers()
            .stream_arn(&arn)
            .send()
            .await
            .unwrap();
    let mut names: Vec<_> = listed
        .consumers()
        .iter()
        .map(|c| c.consumer_name())
        .collect();
    names.sort();
    assert_eq!(names, ["app-1", "app-2"]);
    let page =
        h.k.list_stream_consumers()
            .stream_arn(&arn)
            .max_results(1)
            .send()
            .await
            .unwrap();
    assert_eq!(page.consumers().len(), 1);
    let rest =
        h.k.list_stream_consumers()
            .stream_arn(&arn)
            .next_token(page.next_token().unwrap())
            .send()
            .await
            .unwrap();
    assert_eq!(rest.consumers().len(), 1);
    h.k.deregister_stream_consumer()
        .consumer_arn(&consumer_arn)
        .send()
        .await
        .unwrap();
    let e =
        h.k.describe_stream_consumer()
            .consumer_arn(&consumer_arn)
            .send()
            .await
            .unwrap_err()
            .into_service_error();
    assert!(e.is_resource_not_found_exception(), "{e:?}");

    // Tags through the stream APIs.
    h.k.add_tags_to_stream()
        .stream_name("config")
        .tags("team", "data")
        .tags("env", "test")
        .send()
        .await
        .unwrap();
    let tags =
        h.k.list_tags_for_stream()
            .stream_name("config")
            .send()
            .await
            .unwrap();
    let pairs: Vec<_> = tags
        .tags()
        .iter()
        .map(|t| (t.key(), t.value().unwrap_or("")))
        .collect();
    assert_eq!(pairs, [("env", "test"), ("team", "data")]);
    assert!(!tags.has_more_tags());
    let limited =
        h.k.list_tags_for_stream()
            .stream_name("config")
            .limit(1)
            .send()
            .await
            .unwrap();
    assert_eq!(limited.tags().len(), 1);
    assert!(limited.has_more_tags());
    let after =
        h.k.list_tags_for_stream()
            .stream_name("config")
            .exclusive_start_tag_key("env")
            .send()
            .await
            .unwrap();
    assert_eq!(after.tags()[0].key(), "team");
    h.k.remove_tags_from_stream()
        .stream_name("config")
        .tag_keys("env")
        .send()
        .await
        .unwrap();
    let e =
        h.k.add_tags_to_stream()
            .stream_name("config")
            .tags("aws:reserved", "x")
            .send()
            .await
            .unwrap_err()
            .into_service_error();
    assert!(e.is_invalid_argument_exception(), "{e:?}");

    // Tags through the resource APIs, on the stream and on a consumer.
    h.k.tag_resource()
        .resource_arn(&arn)
        .tags("owner", "me")
        .send()
        .await
        .unwrap();
    let tags =
        h.k.list_tags_for_resource()
            .resource_arn(&arn)
            .send()
            .await
            .unwrap();
    let mut keys: Vec<_> = tags.tags().iter().map(|t| t.key()).collect();
    keys.sort();
    assert_eq!(keys, ["owner", "team"]);
    h.k.untag_resource()
        .resource_arn(&arn)
        .tag_keys("owner")
        .send()
        .await
        .unwrap();
    let app2 = by_name
        .consumer_description()
        .unwrap()
        .consumer_arn()
        .to_owned();
    h.k.tag_resource()
        .resource_arn(&app2)
        .tags("c", "1")
        .send()
        .await
        .unwrap();
    let tags =
        h.k.list_tags_for_resource()
            .resource_arn(&app2)
            .send()
            .await
            .unwrap();
    assert_eq!(tags.tags().len(), 1);
    assert_eq!(tags.tags()[0].key(), "c");

    // Resource policies.
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::111122223333:root"}},"Action":"kinesis:GetRecords","Resource":"{arn}"}}]}}"#
    );
    let empty =
        h.k.get_resource_policy()
            .resource_arn(&arn)
            .send()
            .await
            .unwrap();
    assert_eq!(empty.policy(), "{}");
    h.k.put_resource_policy()
        .resource_arn(&arn)
        .policy(&policy)
        .send()
        .await
        .unwrap();
    let got =
        h.k.get_resource_policy()
            .resource_arn(&arn)
            .send()
            .await
            .unwrap();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(got.policy()).unwrap(),
        serde_json::from_str::<serde_json::Value>(&policy).unwrap()
    );
    h.k.delete_resource_policy()
        .resource_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(
        h.k.get_resource_policy()
            .resource_arn(&arn)
            .send()
            .await
            .unwrap()
            .policy(),
        "{}"
    );

    // Retention: within 24..=8760 hours, increase only up and decrease only down.
    h.k.increase_stream_retention_period()
        .stream_name("config")
        .retention_period_hours(72)
        .send()
        .await
        .unwrap();
    let e =
        h.k.increase_stream_retention_period()
            .stream_name("config")
            .retention_period_hours(48)
            .send()
            .await
            .unwrap_err()
            .into_service_error();
    assert!(e.is_invalid_argument_exception(), "{e:?}");
    h.k.decrease_stream_retention_period()
        .stream_name("config")
        .retention_period_hours(48)
        .send()
        .await
        .unwrap();
    let e =
        h.k.decrease_stream_retention_period()
            .stream_name("config")
            .retention_period_hours(12)
            .send()
            .await
            .unwrap_err()
            .into_service_error();
    assert!(e.is_invalid_argument_exception(), "{e:?}");

    // Encryption start and stop, reported by the summary and on records.
    h.k.start_stream_encryption()
        .stream_name("config")
        .encryption_type(EncryptionType::Kms)
        .key_id("alias/aws/kinesis")
        .send()
        .await
        .unwrap();
    let summary =
        h.k.describe_stream_summary()
            .stream_name("config")
            .send()
            .await
            .unwrap();
    let s = summary.stream_description_summary().unwrap();
    assert_eq!(s.encryption_type(), Some(&EncryptionType::Kms));
    assert_eq!(s.key_id(), Some("alias/aws/kinesis"));
    assert_eq!(s.retention_period_hours(), 48);
    let put =
        h.k.put_record()
            .stream_name("config")
            .partition_key("k")
            .data(Blob::new(b"secret".to_vec()))
            .send()
            .await
            .unwrap();
    assert_eq!(put.encryption_type(), Some(&EncryptionType::Kms));
    h.k.stop_stream_encryption()
        .stream_name("config")
        .encryption_type(EncryptionType::Kms)
        .key_id("alias/aws/kinesis")
        .send()
        .await
        .unwrap();
    let s =
        h.k.describe_stream_summary()
            .stream_name("config")
            .send()
            .await
            .unwrap();
    assert_eq!(
        s.stream_description_summary().unwrap().encryption_type(),
        Some(&EncryptionType::None)
    );

    // Enhanced monitoring.
    let on =
        h.k.enable_enhanced_monitoring()
            .stream_name("config")
            .shard_level_metrics(MetricsName::IncomingBytes)
            .shard_level_metrics(MetricsName::OutgoingRecords)
            .send()
            .await
            .unwrap();
    assert!(on.current_shard_level_metrics().is_empty());
    assert_eq!(on.desired_shard_level_metrics().len(), 2);
    let off =
        h.k.disable_enhanced_monitoring()
            .stream_name("config")
            .shard_level_metrics(MetricsName::IncomingBytes)
            .send()
            .await
            .unwrap();
    assert_eq!(off.current_shard_level_metrics().len(), 2);
    assert_eq!(
        off.desired_shard_level_metrics(),
        [MetricsName::OutgoingRecords]
    );

    // Max record size.
    h.k.update_max_record_size()
        .stream_arn(&arn)
        .max_record_size_in_kib(2048)
        .send()
        .await
        .unwrap();
    let s =
        h.k.describe_stream_summary()
            .stream_name("config")
            .send()
            .await
            .unwrap();
    assert_eq!(
        s.stream_description_summary()
            .unwrap()
            .max_record_size_in_kib(),
        Some(2048)
    );
    h.k.put_record()
        .stream_name("config")
        .partition_key("big")
        .data(Blob::new(vec![7u8; 1024 * 1024 + 10]))
        .send()
        .await
        .expect("a record above 1 MiB fits a 2 MiB stream");
    let e =
        h.k.update_max_record_size()
            .stream_arn(&arn)
            .max_record_size_in_kib(512)
            .send()
            .await
            .unwrap_err();
    assert!(
        matches!(
            e.code(),
            Some("ValidationException" | "InvalidArgumentException")
        ),
        "{e:?}"
    );

    // Warm throughput needs on-demand; stream mode switches to it.
    let e =
        h.k.update_stream_warm_throughput()
            .stream_name("config")
            .warm_throughput_mibps(10)
            .send()
            .await
            .unwrap_err()
            .into_service_error();
    assert!(e.is_invalid_argument_exception(), "{e:?}");
    h.k.update_stream_mode()
        .stream_arn(&arn)
        .stream_mode_details(
            StreamModeDetails::builder()
                .stream_mode(StreamMode::OnDemand)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let e =
        h.k.update_stream_mode()
            .stream_arn(&arn)
            .stream_mode_details(
                StreamModeDetails::builder()
                    .stream_mode(StreamMode::OnDemand)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap_err()
            .into_service_error();
    assert!(e.is_invalid_argument_exception(), "{e:?}");
    let warm =
        h.k.update_stream_warm_throughput()
            .stream_name("config")
            .warm_throughput_mibps(10)
            .send()
            .await
            .unwrap();
    assert_eq!(warm.warm_throughput().unwrap().target_mibps(), Some(10));
    let s =
        h.k.describe_stream_summary()
            .stream_name("config")
            .send()
            .await
            .unwrap();
    let s = s.stream_description_summary().unwrap();
    assert_eq!(
        s.stream_mode_details().unwrap().stream_mode(),
        &StreamMode::OnDemand
    );
    assert_eq!(s.warm_throughput().unwrap().target_mibps(), Some(10));
    let limits = h.k.describe_limits().send().await.unwrap();
    assert_eq!(limits.on_demand_stream_count(), 1);

    // Account settings.
    let before = h.k.describe_account_settings().send().await.unwrap();
    assert!(before.minimum_throughput_billing_commitment().is_none());
    h.k.update_account_settings()
        .minimum_throughput_billing_commitment(
            MinimumThroughputBillingCommitmentInput::builder()
                .status(MinimumThroughputBillingCommitmentInputStatus::Enabled)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let after = h.k.describe_account_settings().send().await.unwrap();
    assert_eq!(
        after
            .minimum_throughput_billing_commitment()
            .unwrap()
            .status()
            .as_str(),
        "ENABLED"
    );

    // Deleting a stream with consumers needs EnforceConsumerDeletion.
    let e =
        h.k.delete_stream()
            .stream_arn(&arn)
            .send()
            .await
            .unwrap_err()
            .into_service_error();
    assert!(e.is_resource_in_use_exception(), "{e:?}");
    h.k.delete_stream()
        .stream_arn(&arn)
        .enforce_consumer_deletion(true)
        .send()
        .await
        .unwrap();
    h.stop().await;
}
