//! Measures group-commit throughput: N concurrent tasks each append a small
//! record and wait for it to be durable, in a loop, for a fixed duration.
//!
//! ```text
//! cargo run --release -p sluice-log --example throughput -- [tasks] [seconds] [record_bytes] [sync|nosync] [dir]
//! ```
//!
//! Defaults: 64 tasks, 3 seconds, 100-byte records, `sync`, a temporary
//! directory. `nosync` skips fdatasync and so shows the CPU-bound ceiling.
//! Prints records/s; it asserts nothing.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sluice_log::{Log, LogOptions};

fn main() {
    let mut args = std::env::args().skip(1);
    let tasks: usize = args.next().map_or(64, |a| a.parse().expect("tasks"));
    let seconds: u64 = args.next().map_or(3, |a| a.parse().expect("seconds"));
    let record_bytes: usize = args
        .next()
        .map_or(100, |a| a.parse().expect("record_bytes"));
    let sync = match args.next().as_deref() {
        None | Some("sync") => true,
        Some("nosync") => false,
        Some(other) => panic!("expected sync or nosync, got {other}"),
    };
    let temp;
    let dir = match args.next() {
        Some(d) => std::path::PathBuf::from(d),
        None => {
            temp = tempfile::tempdir().expect("tempdir");
            temp.path().to_path_buf()
        }
    };

    let opts = LogOptions {
        sync,
        ..LogOptions::new(&dir)
    };
    let (log, _) = Log::open(opts, |_| Ok(())).expect("open");
    let log = Arc::new(log);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");

    let done = Arc::new(AtomicBool::new(false));
    let committed = Arc::new(AtomicU64::new(0));
    let syncs_before = log.sync_count();
    let started = Instant::now();
    runtime.block_on(async {
        let mut handles = Vec::new();
        for _ in 0..tasks {
            let log = Arc::clone(&log);
            let done = Arc::clone(&done);
            let committed = Arc::clone(&committed);
            handles.push(tokio::spawn(async move {
                let record = vec![0xA5u8; record_bytes];
                while !done.load(Ordering::Relaxed) {
                    let lsn = log.append(&record).expect("append");
                    log.wait_durable(lsn).await.expect("wait_durable");
                    committed.fetch_add(1, Ordering::Relaxed);
                }
            }));
        }
        tokio::time::sleep(Duration::from_secs(seconds)).await;
        done.store(true, Ordering::Relaxed);
        for h in handles {
            h.await.expect("task");
        }
    });
    let elapsed = started.elapsed().as_secs_f64();
    let records = committed.load(Ordering::Relaxed);
    let syncs = log.sync_count() - syncs_before;
    println!(
        "{tasks} tasks, {record_bytes}-byte records: {records} durable records in {elapsed:.2}s \
         = {:.0} records/s, {syncs} fdatasyncs ({:.1} records/sync, {:.0} syncs/s)",
        records as f64 / elapsed,
        records as f64 / syncs.max(1) as f64,
        syncs as f64 / elapsed,
    );
    log.close().expect("close");
}
