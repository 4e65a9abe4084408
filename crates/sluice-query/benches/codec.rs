//! Micro-benchmarks of the Query codec's two directions: a SendMessageBatch request
//! (form body → parameters → JSON input) and a ReceiveMessage response (JSON output →
//! XML document).
//!
//! ```text
//! cargo bench -p sluice-query --bench codec
//! ```

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use serde_json::{json, Value};
use sluice_query::{decode_input, encode_output, parse_form};

const QUEUE_URL: &str = "http://localhost:9324/000000000000/bench-queue";
const REQUEST_ID: &str = "7a62c49f-347e-4fc4-9331-6e8e7a96aa73";

/// A form-encoded SendMessageBatch of `entries` entries, each with two message
/// attributes (one String, one Number), percent-encoded as an SDK would send it.
fn send_message_batch_body(entries: usize) -> String {
    let mut body = String::from("Action=SendMessageBatch&Version=2012-11-05&QueueUrl=");
    body.extend(form_urlencoded::byte_serialize(QUEUE_URL.as_bytes()));
    for n in 1..=entries {
        let p = format!("SendMessageBatchRequestEntry.{n}");
        body.push_str(&format!(
            "&{p}.Id=entry-{n}\
             &{p}.MessageBody=order%20{n}%3A%20%7B%22sku%22%3A%22A-{n}%22%2C%22qty%22%3A3%7D\
             &{p}.MessageAttribute.1.Name=trace_id\
             &{p}.MessageAttribute.1.Value.DataType=String\
             &{p}.MessageAttribute.1.Value.StringValue=1-5f84c7a3-{n:08x}\
             &{p}.MessageAttribute.2.Name=priority\
             &{p}.MessageAttribute.2.Value.DataType=Number\
             &{p}.MessageAttribute.2.Value.StringValue={n}"
        ));
    }
    body
}

/// The JSON-protocol output of a ReceiveMessage returning `count` messages with bodies
/// of `body_len` bytes, each with system and message attributes.
fn receive_message_output(count: usize, body_len: usize) -> Value {
    // Characters that need escaping appear now and then, as in real payloads.
    let body: String = "{\"k\":\"v & <w>\"} "
        .chars()
        .cycle()
        .take(body_len)
        .collect();
    let messages: Vec<Value> = (0..count)
        .map(|n| {
            json!({
                "MessageId": format!("5fea7756-0ea4-451a-a703-a558b933e{n:03}"),
                "ReceiptHandle": format!("AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a{n:04}MbZj6wDWli+JvwwJaBV+3dcjk2YW2vA3+STFFljTM8tJJg6HRG6PYSasuWXPJB+Cw"),
                "MD5OfBody": "fafb00f5732ab283681e124bf8747ed1",
                "Body": body,
                "Attributes": {
                    "ApproximateFirstReceiveTimestamp": "1250700979248",
                    "ApproximateReceiveCount": "1",
                    "SenderId": "195004372649",
                    "SentTimestamp": "1238099229000",
                },
                "MD5OfMessageAttributes": "235c5c510d26fb653d073faed50ae77c",
                "MessageAttributes": {
                    "priority": {"StringValue": "5", "DataType": "Number"},
                    "trace_id": {"StringValue": "1-5f84c7a3-0000abcd", "DataType": "String"},
                },
            })
        })
        .collect();
    json!({ "Messages": messages })
}

fn decode(c: &mut Criterion) {
    let body = send_message_batch_body(10);
    let params = parse_form(body.as_bytes());
    // Sanity check outside the timed loop: ten entries, two attributes each.
    let input = decode_input("SendMessageBatch", &params).expect("decodes");
    let entries = input["Entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 10);
    assert!(entries
        .iter()
        .all(|e| e["MessageAttributes"].as_object().map(|m| m.len()) == Some(2)));

    let mut group = c.benchmark_group("query_decode/send_message_batch_10x2attrs");
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.bench_function("parse_form", |b| {
        b.iter(|| parse_form(black_box(body.as_bytes())))
    });
    group.bench_function("decode_input", |b| {
        b.iter(|| decode_input("SendMessageBatch", black_box(&params)).expect("decodes"))
    });
    group.bench_function("parse_form+decode_input", |b| {
        b.iter(|| {
            let params = parse_form(black_box(body.as_bytes()));
            decode_input("SendMessageBatch", &params).expect("decodes")
        })
    });
    group.finish();
}

fn encode(c: &mut Criterion) {
    let mut group = c.benchmark_group("query_encode/receive_message_10");
    for (label, body_len) in [("100B", 100), ("4KiB", 4096)] {
        let output = receive_message_output(10, body_len);
        let xml = encode_output("ReceiveMessage", &output, REQUEST_ID);
        assert_eq!(xml.matches("<Message>").count(), 10);
        group.throughput(Throughput::Bytes(xml.len() as u64));
        group.bench_with_input(
            BenchmarkId::new("encode_output", label),
            &output,
            |b, output| b.iter(|| encode_output("ReceiveMessage", black_box(output), REQUEST_ID)),
        );
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
    targets = decode, encode
}
criterion_main!(benches);
