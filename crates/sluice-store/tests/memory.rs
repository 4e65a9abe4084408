//! The embedded store keeps one copy of each sender id, however many messages carry it,
//! both for messages sent live and for messages rebuilt from the journal at a restart.
//! (`examples/memory_per_message.rs` measures what a stored message costs.)

mod common;

use common::*;
use sluice_core::clock::{EpochMs, ManualClock};
use sluice_core::sqs::store::*;
use sluice_store::{EmbeddedStore, StoreOptions};

/// The distinct copies of the sender id among the queue's three visible messages.
async fn sender_copies(store: &EmbeddedStore, now: EpochMs) -> Vec<*const u8> {
    let claimed = store
        .claim_visible(&key("q"), claim(10, 30_000), now)
        .await
        .unwrap();
    assert_eq!(claimed.deliveries.len(), 3);
    let mut copies: Vec<*const u8> = claimed
        .deliveries
        .iter()
        .map(|d| d.content.sender_id().as_ptr())
        .collect();
    copies.dedup();
    copies
}

#[tokio::test]
async fn messages_from_one_sender_share_its_id_live_and_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(T0);
    {
        let (store, _) = EmbeddedStore::open(StoreOptions::durable(dir.path()), &clock).unwrap();
        create(&*store, new_queue("q"), T0).await;
        // Separate sends, each with its own copy of the id.
        for body in ["a", "b", "c"] {
            store
                .append(&key("q"), vec![message(body, T0)], T0)
                .await
                .unwrap();
        }
        assert_eq!(sender_copies(&store, T0).await.len(), 1);
        store.close().await.unwrap();
    }
    let (store, _) = EmbeddedStore::open(StoreOptions::durable(dir.path()), &clock).unwrap();
    // The receive above was journalled: the messages are visible again a minute later.
    assert_eq!(sender_copies(&store, T0 + 60_000).await.len(), 1);
}
