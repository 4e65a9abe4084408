//! A request's records ride one journal commit: a fan-out's copies to many queues
//! (`append_many`) and a batch to one queue (`append`) are appended to the journal
//! together, so an idle store makes them durable with one fdatasync, not one for the first
//! record and another for the rest.

mod common;

use common::*;
use sluice_core::sqs::store::QueueStore;
use sluice_store::StoreOptions;

const T0: u64 = 1_700_000_000_000;
const QUEUES: usize = 10;
/// Attempts, each on an idle store: the writer must never have split a request.
const ATTEMPTS: usize = 20;

#[tokio::test]
async fn a_fan_out_to_ten_queues_is_one_commit() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_durable(StoreOptions::durable(dir.path()), T0);
    let names: Vec<String> = (0..QUEUES).map(|i| format!("q{i}")).collect();
    for name in &names {
        create(&*store, new_queue(name), T0).await;
    }
    for attempt in 0..ATTEMPTS {
        let before = store.journal_stats().unwrap().fsyncs;
        let batches = names
            .iter()
            .map(|n| (key(n), vec![message(&format!("copy {attempt}"), T0)]))
            .collect();
        let results = store.append_many(batches, T0).await;
        assert!(results.iter().all(Result::is_ok));
        let commits = store.journal_stats().unwrap().fsyncs - before;
        assert_eq!(
            commits, 1,
            "attempt {attempt}: the copies took {commits} commits"
        );
    }
}

#[tokio::test]
async fn a_batch_of_ten_is_one_commit() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_durable(StoreOptions::durable(dir.path()), T0);
    create(&*store, new_queue("batch"), T0).await;
    let bodies: Vec<String> = (0..10).map(|i| format!("m{i}")).collect();
    let bodies: Vec<&str> = bodies.iter().map(String::as_str).collect();
    for attempt in 0..ATTEMPTS {
        let before = store.journal_stats().unwrap().fsyncs;
        store
            .append(&key("batch"), messages(&bodies, T0), T0)
            .await
            .unwrap();
        let commits = store.journal_stats().unwrap().fsyncs - before;
        assert_eq!(
            commits, 1,
            "attempt {attempt}: the batch took {commits} commits"
        );
    }
}
