//! Kinesis shard logs across a crash: the store is dropped without closing while
//! appends run, a torn record is left at a segment's tail, and recovery must answer every
//! acknowledged record once, in order, with its number unchanged, and nothing else.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use common::*;
use sluice_core::kinesis::iterator::IteratorPosition;
use sluice_core::kinesis::sequence::{stream_tag, SequenceNumber};
use sluice_core::kinesis::store::*;
use sluice_core::kinesis::StreamKey;
use sluice_store::{EmbeddedStore, StoreOptions};

const ALL: ReadLimits = ReadLimits {
    max_records: 10_000,
    max_bytes: 10 * 1024 * 1024,
};
const WRITERS: usize = 8;
const BATCHES: usize = 40;

fn shard(index: u32) -> ShardAddress {
    ShardAddress {
        stream: StreamKey::new(REGION, ACCOUNT, "crash"),
        stream_created_at_ms: T0,
        shard_index: index,
    }
}

/// The newest segment file of a shard.
fn last_segment(data_dir: &Path, index: u32) -> PathBuf {
    let dir = data_dir
        .join("kinesis")
        .join(format!("{REGION}_{ACCOUNT}_crash_{T0}"))
        .join(index.to_string());
    let mut segments: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "seg"))
        .collect();
    segments.sort();
    segments.pop().expect("a segment")
}

/// Concurrent writers append to two shards (small segments, so they roll); answers
/// what was acknowledged, per shard, as (number, partition key).
async fn write_and_crash(dir: &Path) -> Vec<Vec<(SequenceNumber, String)>> {
    let store = open_durable(StoreOptions::durable(dir), T0);
    store.set_kinesis_segment_bytes_for_tests(4 * 1024);
    let starts: Vec<(u32, SequenceNumber)> = (0..2)
        .map(|i| (i, SequenceNumber::shard_start(i, stream_tag(T0), T0)))
        .collect();
    store
        .create_shards(&StreamKey::new(REGION, ACCOUNT, "crash"), T0, &starts)
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for writer in 0..WRITERS {
        let store: Arc<EmbeddedStore> = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut acked = Vec::new();
            for batch in 0..BATCHES {
                let index = (writer + batch) as u32 % 2;
                let records: Vec<NewRecord> = (0..3)
                    .map(|r| NewRecord {
                        partition_key: format!("w{writer}-b{batch}-r{r}"),
                        data: vec![writer as u8; 40 + r],
                        hash_key: writer as u128,
                        ordering_floor: None,
                        encryption_key_id: None,
                    })
                    .collect();
                let keys: Vec<String> = records.iter().map(|r| r.partition_key.clone()).collect();
                let numbers = store
                    .append(&shard(index), records, T0 + batch as u64)
                    .await
                    .unwrap();
                acked.extend(numbers.into_iter().zip(keys).map(|(n, k)| (index, n, k)));
            }
            acked
        }));
    }
    let mut per_shard = vec![Vec::new(), Vec::new()];
    for task in tasks {
        for (index, n, k) in task.await.unwrap() {
            per_shard[index as usize].push((n, k));
        }
    }
    // A crash: no close, nothing flushed beyond what each acknowledgement made durable.
    drop(store);
    for shard in &mut per_shard {
        shard.sort();
    }
    per_shard
}

async fn read_all(store: &EmbeddedStore, index: u32) -> Vec<(SequenceNumber, String)> {
    let mut out = Vec::new();
    let mut from = IteratorPosition::TrimHorizon;
    loop {
        let batch = store.read(&shard(index), from, ALL, 0).await.unwrap();
        if batch.records.is_empty() {
            return out;
        }
        from = batch.next_position(from);
        out.extend(
            batch
                .records
                .into_iter()
                .map(|r| (r.sequence_number, r.partition_key)),
        );
    }
}

fn check_order(records: &[(SequenceNumber, String)]) {
    assert!(
        records.windows(2).all(|w| w[0].0 < w[1].0),
        "strictly increasing numbers, no duplicates"
    );
    // Each writer's records come in the order it appended them.
    for writer in 0..WRITERS {
        let mine: Vec<&str> = records
            .iter()
            .map(|(_, k)| k.as_str())
            .filter(|k| k.starts_with(&format!("w{writer}-")))
            .collect();
        let mut sorted = mine.clone();
        sorted.sort_by_key(|k| {
            let parts: Vec<usize> = k
                .split('-')
                .skip(1)
                .map(|p| p[1..].parse().unwrap())
                .collect();
            (parts[0], parts[1])
        });
        assert_eq!(mine, sorted);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn torn_tails_are_dropped_and_every_acknowledged_record_survives() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let acked = write_and_crash(&data).await;
    assert_eq!(acked[0].len() + acked[1].len(), WRITERS * BATCHES * 3);

    // Shard 0: a write torn after its length prefix. Shard 1: a whole frame whose
    // checksum does not match (a write that reached the disk in pieces).
    let torn = last_segment(&data, 0);
    let torn_len = std::fs::metadata(&torn).unwrap().len();
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&torn)
        .unwrap();
    file.write_all(&[200, 0, 0, 0, 1, 2, 3, 4, 5, 6]).unwrap();
    let corrupt = last_segment(&data, 1);
    let corrupt_len = std::fs::metadata(&corrupt).unwrap().len();
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&corrupt)
        .unwrap();
    file.write_all(&[3, 0, 0, 0, 9, 9, 9, 9, 1, 2, 3]).unwrap();
    drop(file);

    let store = open_durable(StoreOptions::durable(&data), T0 + 1_000);
    for index in 0..2 {
        let read = read_all(&store, index).await;
        assert_eq!(
            read, acked[index as usize],
            "every acknowledged record, once, in order, same number"
        );
        check_order(&read);
        let tip = store.tip(&shard(index)).await.unwrap();
        assert_eq!(tip.last, read.last().unwrap().0);
    }
    assert_eq!(
        std::fs::metadata(&torn).unwrap().len(),
        torn_len,
        "cut back"
    );
    assert_eq!(std::fs::metadata(&corrupt).unwrap().len(), corrupt_len);

    // The log goes on after the cut, from past the last number.
    let more = store
        .append(
            &shard(0),
            vec![NewRecord {
                partition_key: "after".into(),
                data: vec![1],
                hash_key: 0,
                ordering_floor: None,
                encryption_key_id: None,
            }],
            T0 + 2_000,
        )
        .await
        .unwrap();
    assert!(more[0] > acked[0].last().unwrap().0);
    let read = read_all(&store, 0).await;
    assert_eq!(read.last().unwrap().1, "after");
    assert_eq!(read.len(), acked[0].len() + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_cut_in_half_is_dropped_and_the_rest_kept() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let acked = write_and_crash(&data).await;
    // As if the last append's write had been torn before it was synced (it would then
    // not have been acknowledged): only that record goes.
    let segment = last_segment(&data, 1);
    let len = std::fs::metadata(&segment).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&segment)
        .unwrap()
        .set_len(len - 5)
        .unwrap();

    let store = open_durable(StoreOptions::durable(&data), T0 + 1_000);
    let read = read_all(&store, 1).await;
    assert_eq!(read, acked[1][..acked[1].len() - 1]);
    check_order(&read);
    assert_eq!(read_all(&store, 0).await, acked[0]);
    // The number of the dropped record is given out again, never a lower one.
    let tip = store.tip(&shard(1)).await.unwrap();
    assert_eq!(tip.last, read.last().unwrap().0);
}
