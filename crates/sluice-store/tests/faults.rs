//! Storage faults under the embedded store, injected into the journal's file layer:
//! a full disk answers `ServiceUnavailable` (503) and recovers without a restart, with
//! every acknowledged message surviving a crash; a failed journal refuses every change
//! but keeps serving reads.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use sluice_core::clock::ManualClock;
use sluice_core::sqs::api::{CreateQueueInput, SendMessageInput};
use sluice_core::sqs::attributes::QueueAttributes;
use sluice_core::sqs::queue::AckOutcome;
use sluice_core::sqs::store::*;
use sluice_core::sqs::{Sqs, SqsErrorKind};
use sluice_store::{
    EmbeddedStore, JournalFault, JournalHealth, StoreOptions, DATA_DIR_FULL, JOURNAL_FAILED,
};

const FULL: Option<JournalFault> = Some(JournalFault::DiskFull { free_bytes: 0 });

fn is_full(result: &StoreResult<impl std::fmt::Debug>) -> bool {
    matches!(result, Err(StoreError::Unavailable(m)) if m == DATA_DIR_FULL)
}

fn is_failed(result: &StoreResult<impl std::fmt::Debug>) -> bool {
    matches!(result, Err(StoreError::Unavailable(m)) if m == JOURNAL_FAILED)
}

/// Copies a data directory as a `kill -9` would leave it: everything written so far.
fn crash_image(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            crash_image(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Receives every message visible at `now` (hiding them for an hour); returns their
/// bodies.
async fn drain(store: &EmbeddedStore, queue: &str, now: u64) -> Vec<String> {
    let mut out = Vec::new();
    loop {
        let claimed = store
            .claim_visible(&key(queue), claim(10, 3_600_000), now)
            .await
            .expect("receive");
        if claimed.deliveries.is_empty() {
            return out;
        }
        out.extend(bodies(&claimed).into_iter().map(str::to_owned));
    }
}

#[tokio::test]
async fn disk_full_is_503_then_recovers_and_acknowledged_sends_survive_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_durable(StoreOptions::durable(dir.path()), T0);
    let sqs = Sqs::new(store.clone(), Arc::new(ManualClock::new(T0)));
    let ctx = request_context();
    let url = sqs
        .create_queue(
            &ctx,
            CreateQueueInput {
                queue_name: Some("q".to_owned()),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .queue_url;
    let send = |body: String| {
        let sqs = sqs.clone();
        let ctx = ctx.clone();
        let url = url.clone();
        async move {
            sqs.send_message(
                &ctx,
                SendMessageInput {
                    queue_url: Some(url),
                    message_body: Some(body),
                    ..Default::default()
                },
            )
            .await
        }
    };
    let mut acked = BTreeSet::new();
    for i in 0..5 {
        send(format!("before-{i}")).await.unwrap();
        acked.insert(format!("before-{i}"));
    }
    let received = store
        .claim_visible(&key("q"), claim(1, 60_000), T0)
        .await
        .unwrap();
    let receipt = receipts(&received)[0];
    // The receive's record rides the next commit; a send forces that commit now, so the
    // fault below hits the send and not a commit still carrying the receive.
    send("after-receive".to_owned()).await.unwrap();
    acked.insert("after-receive".to_owned());

    store.inject_journal_fault_for_tests(FULL);
    // The send whose commit hits the full disk: 503, retryable, with a clear message.
    let err = send("hit the full disk".to_owned()).await.unwrap_err();
    assert_eq!(err.kind, SqsErrorKind::ServiceUnavailable);
    assert!(err.message.contains("data directory is full"), "{err:?}");
    assert_eq!(store.journal_health(), Some(JournalHealth::OutOfSpace));
    // While full, every change is refused up front, before touching any state.
    let refused = send("refused while full".to_owned()).await.unwrap_err();
    assert_eq!(refused.kind, SqsErrorKind::ServiceUnavailable);
    assert!(is_full(
        &store
            .append(&key("q"), messages(&["refused too"], T0), T0)
            .await
    ));
    assert!(is_full(
        &store.claim_visible(&key("q"), claim(10, 60_000), T0).await
    ));
    assert!(is_full(&store.ack(&key("q"), receipt, false, T0).await));
    assert!(is_full(
        &store.change_visibility(&key("q"), receipt, 0, T0).await
    ));
    assert!(is_full(&store.create_queue(new_queue("other"), T0).await));
    // Reads keep working.
    assert!(store.queue(&key("q")).await.is_some());
    assert_eq!(
        store.counts(&key("q"), T0).await.unwrap(),
        counts(6, 1, 0),
        "the failed send is kept in memory (and retried), the refused ones are not"
    );

    // Space comes back: the journal catches up by itself, no restart.
    store.inject_journal_fault_for_tests(None);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match send("first after space is back".to_owned()).await {
            Ok(_) => break,
            Err(e) => {
                assert_eq!(e.kind, SqsErrorKind::ServiceUnavailable, "{e:?}");
                assert!(Instant::now() < deadline, "never recovered: {e:?}");
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
    assert_eq!(store.journal_health(), Some(JournalHealth::Healthy));
    acked.insert("first after space is back".to_owned());
    for i in 0..5 {
        send(format!("after-{i}")).await.unwrap();
        acked.insert(format!("after-{i}"));
    }
    assert_eq!(
        store.ack(&key("q"), receipt, false, T0).await.unwrap(),
        AckOutcome::Deleted
    );
    let deleted = bodies(&received)[0].to_owned();
    acked.remove(&deleted);
    send("commits the delete".to_owned()).await.unwrap();
    acked.insert("commits the delete".to_owned());

    // kill -9 now: reopen a copy of the files as they are.
    let image = tempfile::tempdir().unwrap();
    crash_image(dir.path(), image.path());
    let recovered = open_durable(StoreOptions::durable(image.path()), T0);
    let got = drain(&recovered, "q", T0 + 1).await;
    let got_set: BTreeSet<String> = got.iter().cloned().collect();
    assert_eq!(
        got.len(),
        got_set.len(),
        "a message came back twice: {got:?}"
    );
    let missing: Vec<_> = acked.difference(&got_set).collect();
    assert!(
        missing.is_empty(),
        "acknowledged messages lost: {missing:?}"
    );
    assert!(!got_set.contains(&deleted), "a committed delete came back");
    // The send that got a 503 was kept and written once space came back (its sender
    // may retry: a duplicate, which at-least-once allows); refused ones never existed.
    assert!(got_set.contains("hit the full disk"));
    let extra: Vec<_> = got_set
        .difference(&acked)
        .filter(|b| *b != "hit the full disk")
        .collect();
    assert!(extra.is_empty(), "unexpected messages: {extra:?}");
    shut(recovered).await;
    drop(sqs);
    shut(store).await;
}

#[tokio::test]
async fn fifo_send_retried_after_disk_full_is_answered_with_the_original() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_durable(StoreOptions::durable(dir.path()), T0);
    let fifo = NewQueue {
        key: key("f.fifo"),
        attributes: QueueAttributes::defaults(true),
        tags: Default::default(),
    };
    create(store.as_ref(), fifo, T0).await;
    let fifo_message = |body: &str| {
        let mut fields = fields(body, T0);
        fields.group_id = Some("g".to_owned());
        fields.deduplication_id = Some("dedup-1".to_owned());
        NewMessage {
            content: fields.into(),
            delay_ms: 0,
        }
    };
    let first = fifo_message("payload");
    let original_id = first.content.message_id();

    store.inject_journal_fault_for_tests(FULL);
    assert!(is_full(
        &store.append(&key("f.fifo"), vec![first], T0).await
    ));
    store.inject_journal_fault_for_tests(None);

    // The client retries with the same deduplication id until it gets an answer.
    let deadline = Instant::now() + Duration::from_secs(20);
    let answer = loop {
        let retry = fifo_message("payload");
        match store.append(&key("f.fifo"), vec![retry], T0).await {
            Ok(answer) => break answer,
            Err(StoreError::Unavailable(m)) if m == DATA_DIR_FULL => {
                assert!(Instant::now() < deadline, "never recovered");
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            Err(other) => panic!("unexpected {other:?}"),
        }
    };
    assert!(answer[0].duplicate, "{answer:?}");
    assert_eq!(answer[0].message_id, original_id);

    shut(store).await;
    let store = open_durable(StoreOptions::durable(dir.path()), T0);
    let claimed = store
        .claim_visible(&key("f.fifo"), claim(10, 60_000), T0 + 1)
        .await
        .unwrap();
    assert_eq!(bodies(&claimed), ["payload"]);
    assert_eq!(claimed.deliveries[0].content.message_id(), original_id);
    shut(store).await;
}

#[tokio::test]
async fn failed_journal_refuses_every_change_and_never_acknowledges() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_durable(StoreOptions::durable(dir.path()), T0);
    create(store.as_ref(), new_queue("q"), T0).await;
    store
        .append(&key("q"), messages(&["durable"], T0), T0)
        .await
        .unwrap();
    let received = store
        .claim_visible(&key("q"), claim(1, 60_000), T0)
        .await
        .unwrap();
    let receipt = receipts(&received)[0];

    store.inject_journal_fault_for_tests(Some(JournalFault::SyncError));
    assert!(is_failed(
        &store
            .append(&key("q"), messages(&["never synced"], T0), T0)
            .await
    ));
    assert_eq!(store.journal_health(), Some(JournalHealth::Failed));
    // Clearing the fault does not revive it: only a restart does.
    store.inject_journal_fault_for_tests(None);
    assert!(is_failed(
        &store
            .append(&key("q"), messages(&["after the failure"], T0), T0)
            .await
    ));
    assert!(is_failed(
        &store.claim_visible(&key("q"), claim(10, 60_000), T0).await
    ));
    assert!(is_failed(&store.ack(&key("q"), receipt, false, T0).await));
    assert!(is_failed(&store.purge(&key("q"), T0).await));
    assert!(is_failed(&store.create_queue(new_queue("other"), T0).await));
    assert!(store.queue(&key("q")).await.is_some());
    assert!(store.counts(&key("q"), T0).await.is_ok());

    let sqs = Sqs::new(store.clone(), Arc::new(ManualClock::new(T0)));
    let err = sqs
        .send_message(
            &request_context(),
            SendMessageInput {
                queue_url: Some(format!("{BASE_URL}/{ACCOUNT}/q")),
                message_body: Some("x".to_owned()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind, SqsErrorKind::ServiceUnavailable);
    assert!(err.message.contains("restarted"), "{err:?}");
    drop(sqs);
    assert!(store.close().await.is_err());
    drop(store);

    // After a restart: the acknowledged message is there (visible again once its
    // visibility timeout is over), refused ones are not.
    let store = open_durable(StoreOptions::durable(dir.path()), T0);
    let got = drain(&store, "q", T0 + 120_000).await;
    assert!(got.contains(&"durable".to_owned()), "{got:?}");
    assert!(!got.contains(&"after the failure".to_owned()), "{got:?}");
    shut(store).await;
}
