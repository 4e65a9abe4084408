//! Micro-benchmarks of the record log: raw append throughput without fdatasync (the
//! cost of framing, enqueueing and the writer thread's writes), and group commit with
//! fdatasync under 64 concurrent appenders.
//!
//! ```text
//! cargo bench -p sluice-log --bench append
//! ```
//!
//! Both write to a temporary directory; the numbers depend heavily on the disk.

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use sluice_log::{Log, LogOptions};

const RECORD_BYTES: usize = 100;
/// Concurrent appenders in the group-commit benchmark.
const APPENDERS: u64 = 64;
/// Past this many bytes of segments, an empty snapshot (taken outside the timed part)
/// lets the log delete them, so a long run does not fill the disk.
const TRIM_AFTER_BYTES: u64 = 256 << 20;

fn open(dir: &std::path::Path, sync: bool) -> Log {
    let opts = LogOptions {
        sync,
        ..LogOptions::new(dir)
    };
    let (log, _) = Log::open(opts, |_| Ok(())).expect("open log");
    log
}

/// Deletes the segments written so far, if there are many (not timed).
fn trim(log: &Log) {
    if log.bytes_since_snapshot() > TRIM_AFTER_BYTES {
        let cut = log.begin_snapshot().expect("begin snapshot");
        log.write_snapshot(cut, Vec::new()).expect("write snapshot");
    }
}

/// `iters` appends, then a flush, so the writer's work for them is inside the time.
fn append_nosync(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = open(dir.path(), false);
    let record = vec![0xA5u8; RECORD_BYTES];

    let mut group = c.benchmark_group("log_append");
    group.throughput(Throughput::Elements(1));
    group.bench_function("100B_nosync", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                log.append(&record).expect("append");
            }
            log.flush().expect("flush");
            let elapsed = start.elapsed();
            trim(&log);
            elapsed
        })
    });
    group.finish();
    log.close().expect("close");
}

/// `iters` durable records shared among 64 tasks, each appending and awaiting
/// `wait_durable` in turn: the time per record is the group commit's amortised cost.
fn group_commit_sync(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = Arc::new(open(dir.path(), true));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");

    let mut group = c.benchmark_group("log_group_commit");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .throughput(Throughput::Elements(1));
    group.bench_function("100B_sync_64_appenders", |b| {
        b.iter_custom(|iters| {
            let syncs_before = log.sync_count();
            let elapsed = runtime.block_on(async {
                let start = Instant::now();
                let tasks: Vec<_> = (0..APPENDERS)
                    .map(|task| {
                        // Split `iters` records exactly among the tasks.
                        let records = iters / APPENDERS + u64::from(task < iters % APPENDERS);
                        let log = Arc::clone(&log);
                        tokio::spawn(async move {
                            let record = [0x5Au8; RECORD_BYTES];
                            for _ in 0..records {
                                let lsn = log.append(&record).expect("append");
                                log.wait_durable(lsn).await.expect("wait_durable");
                            }
                        })
                    })
                    .collect();
                for task in tasks {
                    task.await.expect("appender task");
                }
                start.elapsed()
            });
            debug_assert!(iters == 0 || log.sync_count() > syncs_before);
            trim(&log);
            elapsed
        })
    });
    group.finish();
    log.close().expect("close");
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = benches;
    config = config();
    targets = append_nosync, group_commit_sync
}
criterion_main!(benches);
