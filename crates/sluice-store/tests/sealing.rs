//! Encryption at rest in the embedded store: messages of encrypted queues are sealed in
//! the journal and in snapshots, opened again at recovery, and a store holding sealed
//! messages does not open without its key service.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use sluice_core::sqs::store::QueueStore;
use sluice_kms::Keyring;
use sluice_store::{CompactionPolicy, EmbeddedStore, StoreOptions};

fn files_containing(dir: &Path, needle: &[u8]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if std::fs::read(&path)
                .map(|b| b.windows(needle.len()).any(|w| w == needle))
                .unwrap_or(false)
            {
                found.push(path);
            }
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshots_and_journal_hold_encrypted_messages_sealed() {
    const MIN_JOURNAL_BYTES: u64 = 32 * 1024;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let journal = data.join("journal");
    let ring = || Arc::new(Keyring::open(Some(data.join("kms")), &[]).unwrap());
    let options = |sealer: Option<Arc<Keyring>>| StoreOptions {
        compaction: CompactionPolicy {
            min_journal_bytes: MIN_JOURNAL_BYTES,
            live_data_ratio: 1,
        },
        sealer: sealer.map(|s| s as _),
        ..StoreOptions::durable(&data)
    };
    let store: Arc<dyn QueueStore> = open_durable(options(Some(ring())), T0);
    // SQS-managed SSE is the default; the control queue has it off.
    create(&*store, new_queue("secret"), T0).await;
    create(
        &*store,
        new_queue_with("clear", |a| a.sqs_managed_sse_enabled = false),
        T0,
    )
    .await;
    store
        .append(&key("secret"), messages(&["SECRET-KEEP-5521"], T0), T0)
        .await
        .unwrap();
    store
        .append(&key("clear"), messages(&["CLEAR-KEEP-5521"], T0), T0)
        .await
        .unwrap();
    // In flight through the churn below, visible again by the reopen.
    let kept = store
        .claim_visible(&key("secret"), claim(1, 40_000), T0)
        .await
        .unwrap();
    assert_eq!(bodies(&kept), ["SECRET-KEEP-5521"]);
    assert!(files_containing(&data, b"SECRET-KEEP").is_empty());
    assert!(!files_containing(&data, b"CLEAR-KEEP").is_empty());

    // Churn on the encrypted queue until a snapshot replaces the journal.
    let body = format!("SECRET-CHURN-{}", "y".repeat(1_000));
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut round = 0u64;
    loop {
        let now = T0 + 10_000 + round;
        let batch = (0..10).map(|_| message(&body, now)).collect();
        store.append(&key("secret"), batch, now).await.unwrap();
        let got = store
            .claim_visible(&key("secret"), claim(10, 30_000), now)
            .await
            .unwrap();
        for r in receipts(&got) {
            store.ack(&key("secret"), r, false, T0).await.unwrap();
        }
        round += 1;
        let names = file_names(&journal);
        if names.iter().any(|n| n.ends_with(".snap")) && !names.iter().any(|n| n.ends_with(".tmp"))
        {
            break;
        }
        assert!(Instant::now() < deadline, "no snapshot: {names:?}");
    }
    assert!(files_containing(&data, b"SECRET-").is_empty());
    assert!(!files_containing(&journal, b"CLEAR-KEEP").is_empty());
    shut(store).await;

    // Recovery opens what was sealed.
    let store: Arc<dyn QueueStore> = open_durable(options(Some(ring())), T0 + 60_000);
    let got = store
        .claim_visible(&key("secret"), claim(10, 30_000), T0 + 60_000)
        .await
        .unwrap();
    assert_eq!(bodies(&got), ["SECRET-KEEP-5521"]);
    shut(store).await;

    // Without the key service the store refuses to open rather than lose messages.
    let err = EmbeddedStore::open(options(None), &sluice_core::clock::ManualClock::new(T0))
        .err()
        .expect("refused without keys");
    assert!(err.contains("no key service"), "{err}");
}

#[tokio::test]
async fn in_memory_stores_seal_nothing_and_still_work() {
    let ring = Arc::new(Keyring::open(None, &[]).unwrap());
    let store = EmbeddedStore::open(
        StoreOptions {
            sealer: Some(ring),
            ..StoreOptions::in_memory()
        },
        &sluice_core::clock::ManualClock::new(T0),
    )
    .unwrap()
    .0;
    create(&*store, new_queue("q"), T0).await;
    store
        .append(&key("q"), messages(&["m"], T0), T0)
        .await
        .unwrap();
    let got = store
        .claim_visible(&key("q"), claim(1, 1_000), T0)
        .await
        .unwrap();
    assert_eq!(bodies(&got), ["m"]);
}
