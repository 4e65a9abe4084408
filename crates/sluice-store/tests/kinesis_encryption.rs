//! Kinesis server-side encryption over the durable embedded store and the real key
//! service: records put while a stream is encrypted are sealed on disk (and records put
//! before or after are not), readers get them back in clear marked KMS, across a restart,
//! and keys the key service does not know are refused with KMS's errors.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use common::{open_durable, ACCOUNT, REGION, T0};
use sluice_core::clock::{Clock, ManualClock};
use sluice_core::kinesis::api::*;
use sluice_core::kinesis::{Kinesis, KinesisConfig, KinesisContext, KinesisErrorKind};
use sluice_kms::{AeadIteratorSealer, KeyConfig, Keyring};
use sluice_store::{EmbeddedStore, StoreOptions};

const BEFORE: &str = "PLAIN-BEFORE-7741";
const SEALED_ONE: &str = "SEALED-PUT-RECORD-3318";
const SEALED_BATCH: &str = "SEALED-PUT-RECORDS-5092";
const AFTER: &str = "PLAIN-AFTER-2265";

struct Server {
    kinesis: Arc<Kinesis>,
    store: Arc<EmbeddedStore>,
}

/// A server on `data` as `sluice-server` wires it: the key ring and the iterator key in
/// `<data>/kms`.
fn start(data: &Path, clock: &Arc<ManualClock>) -> Server {
    let kms = data.join("kms");
    let ring = Arc::new(
        Keyring::open(
            Some(kms.clone()),
            &[KeyConfig::generated("stream-key", &["alias/records"])],
        )
        .unwrap(),
    );
    let store = open_durable(StoreOptions::durable(data), clock.now_ms());
    let kinesis = Kinesis::new(
        store.clone(),
        store.clone(),
        clock.clone(),
        Arc::new(AeadIteratorSealer::open(Some(&kms)).unwrap()),
        ring,
        KinesisConfig::default(),
    );
    Server { kinesis, store }
}

fn ctx() -> KinesisContext {
    KinesisContext::open(REGION, ACCOUNT)
}

fn encryption(key: &str) -> StreamEncryptionInput {
    StreamEncryptionInput {
        stream_name: Some("s".into()),
        encryption_type: Some("KMS".into()),
        key_id: Some(key.into()),
        ..Default::default()
    }
}

async fn put(k: &Kinesis, data: &str) -> PutRecordOutput {
    k.put_record(
        &ctx(),
        PutRecordInput {
            stream_name: Some("s".into()),
            partition_key: Some("pk".into()),
            data: Some(data.as_bytes().to_vec()),
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

async fn trim_horizon(k: &Kinesis) -> String {
    k.get_shard_iterator(
        &ctx(),
        GetShardIteratorInput {
            stream_name: Some("s".into()),
            shard_id: Some("shardId-000000000000".into()),
            shard_iterator_type: Some("TRIM_HORIZON".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .shard_iterator
}

/// Every record of the shard: (data, EncryptionType).
async fn read_all(k: &Kinesis, iterator: String) -> Vec<(String, Option<String>)> {
    let out = k
        .get_records(
            &ctx(),
            GetRecordsInput {
                shard_iterator: Some(iterator),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    out.records
        .into_iter()
        .map(|r| (String::from_utf8(r.data).unwrap(), r.encryption_type))
        .collect()
}

fn files_containing(dir: &Path, needle: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if std::fs::read(&path)
                .map(|b| b.windows(needle.len()).any(|w| w == needle.as_bytes()))
                .unwrap_or(false)
            {
                found.push(path);
            }
        }
    }
    found
}

fn expected() -> Vec<(String, Option<String>)> {
    let kms = Some("KMS".to_owned());
    vec![
        (BEFORE.into(), None),
        (SEALED_ONE.into(), kms.clone()),
        (SEALED_BATCH.into(), kms),
        (AFTER.into(), None),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_of_an_encrypted_stream_are_sealed_on_disk_and_read_in_clear() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let clock = Arc::new(ManualClock::new(T0));
    let server = start(&data, &clock);
    let k = &server.kinesis;
    k.create_stream(
        &ctx(),
        CreateStreamInput {
            stream_name: Some("s".into()),
            shard_count: Some(1),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(put(k, BEFORE).await.encryption_type, "NONE");

    // Keys the key service does not know: KMSNotFoundException, and nothing changes.
    for unknown in [
        "alias/missing",
        "no-such-key",
        "arn:aws:kms:eu-west-1:000000000000:key/stream-key",
    ] {
        let e = k
            .start_stream_encryption(&ctx(), encryption(unknown))
            .await
            .unwrap_err();
        assert_eq!(e.kind, KinesisErrorKind::KmsNotFound, "{unknown}: {e:?}");
        assert_eq!(e.kind.code(), "KMSNotFoundException");
    }
    let e = k
        .start_stream_encryption(&ctx(), encryption("no-such-key"))
        .await
        .unwrap_err();
    assert_eq!(
        e.message,
        "Key 'arn:aws:kms:us-east-1:000000000000:key/no-such-key' does not exist"
    );
    assert_eq!(put(k, "still-plain").await.encryption_type, "NONE");

    k.start_stream_encryption(&ctx(), encryption("alias/records"))
        .await
        .unwrap();
    assert_eq!(put(k, SEALED_ONE).await.encryption_type, "KMS");
    let batch = k
        .put_records(
            &ctx(),
            PutRecordsInput {
                stream_name: Some("s".into()),
                records: vec![PutRecordsRequestEntry {
                    data: Some(SEALED_BATCH.as_bytes().to_vec()),
                    partition_key: Some("pk".into()),
                    explicit_hash_key: None,
                }],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(batch.failed_record_count, 0);
    assert_eq!(batch.encryption_type, "KMS");

    k.stop_stream_encryption(&ctx(), encryption("alias/records"))
        .await
        .unwrap();
    assert_eq!(put(k, AFTER).await.encryption_type, "NONE");

    // On disk: the plaintext of records put while encryption was on appears nowhere;
    // that of records put before and after it does (the search can find them).
    assert!(!files_containing(&data, BEFORE).is_empty());
    assert!(!files_containing(&data, AFTER).is_empty());
    for sealed in [SEALED_ONE, SEALED_BATCH] {
        assert_eq!(files_containing(&data, sealed), Vec::<PathBuf>::new());
    }

    let mut all = read_all(k, trim_horizon(k).await).await;
    all.retain(|(d, _)| d != "still-plain");
    assert_eq!(all, expected());

    // SubscribeToShard events carry the plaintext too.
    let stream_arn = format!("arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/s");
    let consumer = k
        .register_stream_consumer(
            &ctx(),
            RegisterStreamConsumerInput {
                stream_arn: Some(stream_arn),
                consumer_name: Some("app".into()),
                tags: None,
            },
        )
        .await
        .unwrap()
        .consumer;
    let mut sub = k
        .subscribe_to_shard(
            &ctx(),
            SubscribeToShardInput {
                consumer_arn: Some(consumer.consumer_arn),
                shard_id: Some("shardId-000000000000".into()),
                starting_position: Some(StartingPosition {
                    r#type: "TRIM_HORIZON".into(),
                    sequence_number: None,
                    timestamp_ms: None,
                }),
            },
        )
        .await
        .unwrap();
    let event = sub.next_event().await.unwrap().unwrap();
    let mut pushed: Vec<_> = event
        .records
        .into_iter()
        .map(|r| (String::from_utf8(r.data).unwrap(), r.encryption_type))
        .collect();
    pushed.retain(|(d, _)| d != "still-plain");
    assert_eq!(pushed, expected());
    drop(sub);

    // After a restart (a new key ring and iterator key read from the key directory), an
    // iterator issued before it still opens and the sealed records still decrypt.
    let iterator = trim_horizon(k).await;
    let Server { kinesis, store } = server;
    drop(kinesis);
    common::shut(store).await;
    clock.advance_ms(1_000);
    let server = start(&data, &clock);
    let mut all = read_all(&server.kinesis, iterator).await;
    all.retain(|(d, _)| d != "still-plain");
    assert_eq!(all, expected());
}
