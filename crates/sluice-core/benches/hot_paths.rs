//! Micro-benchmarks of the core's per-message hot paths: decoding a JSON-protocol
//! SendMessageBatch, the MD5 digests every send computes, and the receive path of the
//! in-memory queue index (claim a batch, then delete it).
//!
//! ```text
//! cargo bench -p sluice-core --bench hot_paths
//! ```

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use serde_json::json;
use sluice_core::sqs::api::{
    Blob, MessageAttributeMap, MessageAttributeValue, SendMessageBatchInput,
};
use sluice_core::sqs::message::{md5_of_attributes, md5_of_body};
use sluice_core::sqs::queue::{
    ClaimLimits, MessageContent, MessageFields, MessageState, QueueIndex,
};

const QUEUE_URL: &str = "http://localhost:9324/000000000000/bench-queue";

/// Messages in the index for the receive benchmarks.
const INDEX_SIZE: u64 = 100_000;
/// Message groups of the FIFO index.
const FIFO_GROUPS: u64 = 1_000;
/// Messages per receive, the SQS maximum.
const BATCH: usize = 10;
/// A fixed "now": the index takes time as a parameter, so the clock never moves here.
const NOW_MS: u64 = 1_700_000_000_000;

/// A JSON-protocol SendMessageBatch body: ten entries with two message attributes each.
fn send_message_batch_json() -> Vec<u8> {
    let entries: Vec<_> = (1..=10)
        .map(|n| {
            json!({
                "Id": format!("entry-{n}"),
                "MessageBody": format!("order {n}: {{\"sku\":\"A-{n}\",\"qty\":3}}"),
                "MessageAttributes": {
                    "trace_id": {"DataType": "String", "StringValue": format!("1-5f84c7a3-{n:08x}")},
                    "priority": {"DataType": "Number", "StringValue": n.to_string()},
                },
            })
        })
        .collect();
    serde_json::to_vec(&json!({"QueueUrl": QUEUE_URL, "Entries": entries})).expect("serialises")
}

fn json_decode(c: &mut Criterion) {
    let body = send_message_batch_json();
    let input: SendMessageBatchInput = serde_json::from_slice(&body).expect("decodes");
    let entries = input.entries.expect("entries");
    assert_eq!(entries.len(), 10);
    assert!(entries
        .iter()
        .all(|e| e.message_attributes.as_ref().map(|m| m.len()) == Some(2)));

    let mut group = c.benchmark_group("json_decode");
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.bench_function("send_message_batch_10x2attrs", |b| {
        b.iter(|| {
            serde_json::from_slice::<SendMessageBatchInput>(black_box(&body)).expect("decodes")
        })
    });
    group.finish();
}

fn string_attribute(data_type: &str, value: &str) -> MessageAttributeValue {
    MessageAttributeValue {
        string_value: Some(value.to_owned()),
        data_type: data_type.to_owned(),
        ..MessageAttributeValue::default()
    }
}

fn md5(c: &mut Criterion) {
    let mut group = c.benchmark_group("md5_of_body");
    for (label, len) in [("100B", 100), ("4KiB", 4 << 10), ("256KiB", 256 << 10)] {
        let body: String = "abcdefghijklmnopqrstuvwxyz0123456789"
            .chars()
            .cycle()
            .take(len)
            .collect();
        group.throughput(Throughput::Bytes(len as u64));
        group.bench_with_input(BenchmarkId::from_parameter(label), &body, |b, body| {
            b.iter(|| md5_of_body(black_box(body)))
        });
    }
    group.finish();

    let mut attrs = MessageAttributeMap::new();
    attrs.insert(
        "trace_id".to_owned(),
        string_attribute("String", "1-5f84c7a3-0000abcd"),
    );
    attrs.insert("priority".to_owned(), string_attribute("Number", "5"));
    attrs.insert(
        "checksum".to_owned(),
        MessageAttributeValue {
            binary_value: Some(Blob(vec![0xA5; 32])),
            data_type: "Binary".to_owned(),
            ..MessageAttributeValue::default()
        },
    );
    let mut group = c.benchmark_group("md5_of_attributes");
    group.bench_function("3attrs", |b| {
        b.iter(|| md5_of_attributes(black_box(&attrs)).expect("non-empty"))
    });
    group.finish();
}

fn content(seq: u64, group: Option<String>) -> Arc<MessageContent> {
    Arc::new(MessageContent::from(MessageFields {
        message_id: u128::from(seq),
        body: "x".repeat(100),
        attributes: MessageAttributeMap::new(),
        system_attributes: MessageAttributeMap::new(),
        sender_id: "000000000000".to_owned(),
        sent_at_ms: NOW_MS - 1_000,
        group_id: group,
        deduplication_id: None,
        sequence_number: None,
        dead_letter_source_arn: None,
    }))
}

/// An index holding [`INDEX_SIZE`] ready messages; for FIFO, spread round-robin over
/// [`FIFO_GROUPS`] groups.
fn filled_index(fifo: bool) -> QueueIndex {
    let mut index = QueueIndex::for_queue(fifo);
    for seq in 1..=INDEX_SIZE {
        let group = fifo.then(|| format!("group-{}", seq % FIFO_GROUPS));
        index.insert(seq, MessageState::new(content(seq, group), NOW_MS, NOW_MS));
    }
    assert_eq!(index.len(), INDEX_SIZE as usize);
    index
}

fn receive(c: &mut Criterion) {
    let limits = ClaimLimits {
        max_messages: BATCH,
        visibility_timeout_ms: 30_000,
        retention_ms: 4 * 24 * 3_600 * 1_000,
        max_receive_count: None,
    };
    let mut group = c.benchmark_group("queue_index/claim10_ack10");
    group.throughput(Throughput::Elements(BATCH as u64));
    for (label, fifo) in [("standard", false), ("fifo_1000_groups", true)] {
        let mut index = filled_index(fifo);
        let mut next_seq = INDEX_SIZE + 1;
        group.bench_function(label, |b| {
            b.iter(|| {
                let outcome = index.claim(NOW_MS, limits);
                debug_assert_eq!(outcome.delivered.len(), BATCH);
                for delivery in outcome.delivered {
                    index.ack(delivery.seq, delivery.nonce, fifo, NOW_MS);
                    // Send it again as a new message so the index keeps its size (and a
                    // FIFO group keeps its length).
                    index.insert(
                        next_seq,
                        MessageState::new(delivery.content, NOW_MS, NOW_MS),
                    );
                    next_seq += 1;
                }
            })
        });
        assert_eq!(index.len(), INDEX_SIZE as usize);
        assert_eq!(index.in_flight(), 0);
    }
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(50)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = benches;
    config = config();
    targets = json_decode, md5, receive
}
criterion_main!(benches);
