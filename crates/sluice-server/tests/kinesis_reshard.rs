//! Resharding under load: writers put records continuously (several partition keys, a
//! counter per key, with PutRecord and PutRecords) while the stream is split, merged and
//! rescaled with UpdateShardCount; a reader starts at TRIM_HORIZON on the root shards
//! and follows ChildShards, reading a parent to its end before its children (a merged
//! child waits for both parents). Every acknowledged record must be read exactly once,
//! from the shard and at the sequence number it was acknowledged with, and each
//! partition key's records in the order they were written.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_kinesis::primitives::Blob;
use aws_sdk_kinesis::types::{
    PutRecordsRequestEntry, ScalingType, ShardFilter, ShardFilterType, ShardIteratorType,
};
use aws_sdk_kinesis::Client;
use common::kinesis::kinesis_client;
use sluice_server::Config;

const STREAM: &str = "reshard";

/// One acknowledged record: its key's counter, shard and sequence number.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Acked {
    counter: u64,
    shard: String,
    sequence: String,
}

#[derive(Default)]
struct Written {
    /// Partition key → acknowledged records in write order.
    acked: BTreeMap<String, Vec<Acked>>,
    errors: Vec<String>,
}

/// Sequence numbers are decimal strings of up to 129 digits.
fn seq_lt(a: &str, b: &str) -> bool {
    (a.len(), a) < (b.len(), b)
}

async fn put_record_writer(
    k: Client,
    key: String,
    stop: Arc<AtomicBool>,
    out: Arc<Mutex<Written>>,
) {
    let mut counter = 0u64;
    while !stop.load(Ordering::SeqCst) {
        let result = k
            .put_record()
            .stream_name(STREAM)
            .partition_key(&key)
            .data(Blob::new(format!("{key}:{counter}").into_bytes()))
            .send()
            .await;
        let mut w = out.lock().unwrap();
        match result {
            Ok(r) => w.acked.entry(key.clone()).or_default().push(Acked {
                counter,
                shard: r.shard_id().to_owned(),
                sequence: r.sequence_number().to_owned(),
            }),
            Err(e) => {
                w.errors.push(format!("{key}:{counter}: {e:?}"));
                return;
            }
        }
        counter += 1;
    }
}

async fn put_records_writer(
    k: Client,
    key: String,
    stop: Arc<AtomicBool>,
    out: Arc<Mutex<Written>>,
) {
    let mut counter = 0u64;
    while !stop.load(Ordering::SeqCst) {
        let entries = (counter..counter + 5)
            .map(|c| {
                PutRecordsRequestEntry::builder()
                    .partition_key(&key)
                    .data(Blob::new(format!("{key}:{c}").into_bytes()))
                    .build()
                    .unwrap()
            })
            .collect();
        let result = k
            .put_records()
            .stream_name(STREAM)
            .set_records(Some(entries))
            .send()
            .await;
        let mut w = out.lock().unwrap();
        match result {
            Ok(r) if r.failed_record_count() == Some(0) => {
                for (i, entry) in r.records().iter().enumerate() {
                    w.acked.entry(key.clone()).or_default().push(Acked {
                        counter: counter + i as u64,
                        shard: entry.shard_id().unwrap().to_owned(),
                        sequence: entry.sequence_number().unwrap().to_owned(),
                    });
                }
            }
            other => {
                w.errors.push(format!("{key}:{counter}: {other:?}"));
                return;
            }
        }
        counter += 5;
    }
}

/// The open shards' (id, starting hash key, ending hash key), in hash order.
async fn open_shards(k: &Client) -> Vec<(String, u128, u128)> {
    let out = k
        .list_shards()
        .stream_name(STREAM)
        .shard_filter(
            ShardFilter::builder()
                .r#type(ShardFilterType::AtLatest)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("list shards");
    let mut shards: Vec<_> = out
        .shards()
        .iter()
        .map(|s| {
            let range = s.hash_key_range().unwrap();
            (
                s.shard_id().to_owned(),
                range.starting_hash_key().parse().unwrap(),
                range.ending_hash_key().parse().unwrap(),
            )
        })
        .collect();
    shards.sort_by_key(|s| s.1);
    shards
}

async fn reshard(k: Client, pause: Duration) -> Vec<String> {
    let mut done = Vec::new();
    tokio::time::sleep(pause).await;
    // Split the first open shard at the middle of its range.
    let open = open_shards(&k).await;
    let (id, lo, hi) = open[0].clone();
    k.split_shard()
        .stream_name(STREAM)
        .shard_to_split(&id)
        .new_starting_hash_key((lo + (hi - lo) / 2 + 1).to_string())
        .send()
        .await
        .expect("split");
    done.push(format!("split {id}"));
    tokio::time::sleep(pause).await;
    // Merge the split's upper child with its neighbour of an older generation.
    let open = open_shards(&k).await;
    let (a, b) = (open[1].0.clone(), open[2].0.clone());
    k.merge_shards()
        .stream_name(STREAM)
        .shard_to_merge(&a)
        .adjacent_shard_to_merge(&b)
        .send()
        .await
        .expect("merge");
    done.push(format!("merge {a}+{b}"));
    for target in [4, 2, 3] {
        tokio::time::sleep(pause).await;
        k.update_shard_count()
            .stream_name(STREAM)
            .target_shard_count(target)
            .scaling_type(ScalingType::UniformScaling)
            .send()
            .await
            .expect("update shard count");
        done.push(format!("scale to {target}"));
    }
    tokio::time::sleep(pause).await;
    done
}

/// What the reader saw: partition key → (counter, shard, sequence) in read order.
type Read = BTreeMap<String, Vec<Acked>>;

/// Reads the stream from TRIM_HORIZON on its root shards, following ChildShards, until
/// `stop` is set and a whole pass over the open shards finds nothing new.
async fn reader(k: Client, stop: Arc<AtomicBool>) -> (Read, usize) {
    let all = k
        .list_shards()
        .stream_name(STREAM)
        .send()
        .await
        .expect("list shards");
    let known: BTreeSet<String> = all
        .shards()
        .iter()
        .map(|s| s.shard_id().to_owned())
        .collect();
    // Shard id → its iterator, for shards being read.
    let mut active: BTreeMap<String, String> = BTreeMap::new();
    for s in all.shards() {
        let has_parent = s
            .parent_shard_id()
            .into_iter()
            .chain(s.adjacent_parent_shard_id())
            .any(|p| known.contains(p));
        if !has_parent {
            let it = k
                .get_shard_iterator()
                .stream_name(STREAM)
                .shard_id(s.shard_id())
                .shard_iterator_type(ShardIteratorType::TrimHorizon)
                .send()
                .await
                .expect("iterator");
            active.insert(
                s.shard_id().to_owned(),
                it.shard_iterator().unwrap().to_owned(),
            );
        }
    }
    let mut finished: BTreeSet<String> = BTreeSet::new();
    // Child → its parents, for children named by a finished parent.
    let mut waiting: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut read: Read = BTreeMap::new();
    let mut shards_read = 0;
    loop {
        let stopping = stop.load(Ordering::SeqCst);
        let mut quiet = true;
        for (shard, iterator) in std::mem::take(&mut active) {
            let out = k
                .get_records()
                .shard_iterator(&iterator)
                .send()
                .await
                .unwrap_or_else(|e| panic!("get records on {shard}: {e:?}"));
            for r in out.records() {
                quiet = false;
                let text = std::str::from_utf8(r.data().as_ref()).unwrap();
                let (key, counter) = text.rsplit_once(':').unwrap();
                assert_eq!(r.partition_key(), Some(key));
                read.entry(key.to_owned()).or_default().push(Acked {
                    counter: counter.parse().unwrap(),
                    shard: shard.clone(),
                    sequence: r.sequence_number().to_owned(),
                });
            }
            match out.next_shard_iterator() {
                Some(next) => {
                    active.insert(shard, next.to_owned());
                }
                None => {
                    quiet = false;
                    shards_read += 1;
                    for child in out.child_shards() {
                        waiting.insert(child.shard_id().to_owned(), child.parent_shards().to_vec());
                    }
                    finished.insert(shard);
                }
            }
        }
        // Children whose parents have all been read to their ends start now.
        let ready: Vec<String> = waiting
            .iter()
            .filter(|(_, parents)| parents.iter().all(|p| finished.contains(p)))
            .map(|(child, _)| child.clone())
            .collect();
        for child in ready {
            waiting.remove(&child);
            let it = k
                .get_shard_iterator()
                .stream_name(STREAM)
                .shard_id(&child)
                .shard_iterator_type(ShardIteratorType::TrimHorizon)
                .send()
                .await
                .expect("child iterator");
            active.insert(child, it.shard_iterator().unwrap().to_owned());
            quiet = false;
        }
        if stopping && quiet {
            assert!(waiting.is_empty(), "children never started: {waiting:?}");
            return (read, shards_read + active.len());
        }
        if quiet {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_record_is_read_once_in_order_across_splits_merges_and_rescaling() {
    let began = Instant::now();
    let server = sluice_server::start(Config::ephemeral())
        .await
        .expect("server starts");
    let k = kinesis_client(&server.endpoint_url());
    k.create_stream()
        .stream_name(STREAM)
        .shard_count(2)
        .send()
        .await
        .unwrap();

    let stop_writers = Arc::new(AtomicBool::new(false));
    let stop_reader = Arc::new(AtomicBool::new(false));
    let written = Arc::new(Mutex::new(Written::default()));
    let reading = tokio::spawn(reader(k.clone(), stop_reader.clone()));
    let mut writers = Vec::new();
    for i in 0..6 {
        writers.push(tokio::spawn(put_record_writer(
            k.clone(),
            format!("single-{i}"),
            stop_writers.clone(),
            written.clone(),
        )));
    }
    for i in 0..2 {
        writers.push(tokio::spawn(put_records_writer(
            k.clone(),
            format!("batch-{i}"),
            stop_writers.clone(),
            written.clone(),
        )));
    }
    let steps = reshard(k.clone(), Duration::from_millis(400)).await;
    stop_writers.store(true, Ordering::SeqCst);
    for w in writers {
        w.await.unwrap();
    }
    stop_reader.store(true, Ordering::SeqCst);
    let (read, shards_read) = common::within("the reader", reading).await.unwrap();

    let written = std::mem::take(&mut *written.lock().unwrap());
    assert!(
        written.errors.is_empty(),
        "writes refused: {:?}",
        written.errors
    );
    let mut total = 0;
    for (key, acked) in &written.acked {
        total += acked.len();
        let got = read.get(key).cloned().unwrap_or_default();
        assert_eq!(
            got.len(),
            acked.len(),
            "{key}: {} acknowledged, {} read",
            acked.len(),
            got.len()
        );
        for (i, (a, g)) in acked.iter().zip(&got).enumerate() {
            assert_eq!(a, g, "{key}: record {i} differs (acknowledged, read)");
        }
        assert!(
            acked
                .windows(2)
                .all(|w| w[0].shard != w[1].shard || seq_lt(&w[0].sequence, &w[1].sequence)),
            "{key}: sequence numbers on one shard increase"
        );
    }
    assert_eq!(
        read.len(),
        written.acked.len(),
        "no partition key never written"
    );
    let shards_used: BTreeSet<&str> = written
        .acked
        .values()
        .flatten()
        .map(|a| a.shard.as_str())
        .collect();
    assert!(total > 200, "only {total} records were written");
    assert!(shards_used.len() >= 5, "writes reached {shards_used:?}");
    let per_key: HashMap<&str, usize> = written
        .acked
        .iter()
        .map(|(k, v)| (k.as_str(), v.len()))
        .collect();
    println!(
        "resharding under load: {steps:?}; {total} records on {} shards ({shards_read} read), \
         per key {per_key:?}, in {:.1} s",
        shards_used.len(),
        began.elapsed().as_secs_f64()
    );
    server.shutdown().await.unwrap();
}
