//! The SNS HTTP/S outbox half of the conformance suite: what every [`DeliveryOutbox`]
//! must do, checked again after [`Backend::restart_stores`] (for the reopened durable
//! backend, a store recovered from the journal).

use sluice_core::sns::delivery::{BackoffFunction, RetryPolicy};
use sluice_core::sns::limits::OUTBOX_DELIVERIES_MAX;
use sluice_core::sns::outbox::*;

use super::common::*;

fn delivery(n: u32, due_ms: u64) -> NewDelivery {
    NewDelivery {
        subscription_arn: format!("arn:aws:sns:{REGION}:{ACCOUNT}:t:sub-{n}"),
        topic_arn: format!("arn:aws:sns:{REGION}:{ACCOUNT}:t"),
        endpoint: format!("http://127.0.0.1:9/{n}"),
        kind: DeliveryKind::Notification,
        message_id: format!("message-{n}"),
        body: format!("{{\"n\":{n}}}"),
        raw: n.is_multiple_of(2),
        content_type: "application/json".to_owned(),
        retry: RetryPolicy {
            num_retries: 5,
            num_no_delay_retries: 1,
            min_delay_target_s: 2,
            max_delay_target_s: 8,
            backoff_function: BackoffFunction::Exponential,
            ..RetryPolicy::default()
        },
        max_receives_per_second: Some(n),
        due_ms,
    }
}

fn ids(deliveries: &[PendingDelivery]) -> Vec<u64> {
    deliveries.iter().map(|d| d.id).collect()
}

/// Enqueued deliveries survive a restart byte for byte; only due ones are taken,
/// earliest first; a taken one is leased (not taken twice, not counted as next due).
pub async fn outbox_keeps_deliveries_until_settled(b: &dyn Backend) {
    let stores = b.open_stores().await;
    let outbox = &*stores.outbox;
    assert_eq!(outbox.pending_deliveries().await, 0);
    assert_eq!(outbox.next_delivery_due_ms().await, None);
    let queued = outbox
        .enqueue_deliveries(vec![
            delivery(1, T0 + 50),
            delivery(2, T0),
            delivery(3, T0 + 10),
        ])
        .await
        .unwrap();
    assert_eq!(queued.len(), 3);
    let more = outbox
        .enqueue_deliveries(vec![delivery(4, T0 + 5)])
        .await
        .unwrap();
    assert!(more[0] > *queued.iter().max().unwrap(), "ids grow");

    let stores = b.restart_stores(stores, T0 + 1).await;
    let outbox = &*stores.outbox;
    assert_eq!(outbox.pending_deliveries().await, 4);
    assert_eq!(outbox.next_delivery_due_ms().await, Some(T0));
    let due = outbox.take_due_deliveries(T0 + 10, 10).await;
    assert_eq!(
        ids(&due),
        [queued[1], more[0], queued[2]],
        "due ones, earliest first"
    );
    assert_eq!(due[0].delivery, delivery(2, T0), "kept byte for byte");
    assert_eq!(due[0].attempts, 0);
    assert!(
        outbox.take_due_deliveries(T0 + 10, 10).await.is_empty(),
        "leased"
    );
    assert_eq!(outbox.next_delivery_due_ms().await, Some(T0 + 50));
    assert_eq!(
        outbox.pending_deliveries().await,
        4,
        "leased ones still count"
    );

    // Outcomes: one retried later, one finished; the third stays leased until restart.
    outbox
        .settle_delivery(
            due[0].id,
            DeliveryOutcome::Retry {
                attempts: 1,
                due_ms: T0 + 20,
            },
        )
        .await
        .unwrap();
    outbox
        .settle_delivery(due[1].id, DeliveryOutcome::Finished)
        .await
        .unwrap();
    assert_eq!(outbox.pending_deliveries().await, 3);
    assert_eq!(outbox.next_delivery_due_ms().await, Some(T0 + 20));
    // Settling one that is gone is a no-op.
    outbox
        .settle_delivery(due[1].id, DeliveryOutcome::Finished)
        .await
        .unwrap();

    // A later enqueue's durable commit carries the earlier settlements with it.
    outbox
        .enqueue_deliveries(vec![delivery(5, T0 + 100)])
        .await
        .unwrap();
    let stores = b.restart_stores(stores, T0 + 30).await;
    let outbox = &*stores.outbox;
    assert_eq!(outbox.pending_deliveries().await, 4);
    let due = outbox.take_due_deliveries(T0 + 60, 10).await;
    let by_id = |id: u64| due.iter().find(|d| d.id == id);
    assert_eq!(
        by_id(queued[1]).map(|d| (d.attempts, d.due_ms)),
        Some((1, T0 + 20))
    );
    assert!(by_id(more[0]).is_none(), "finished");
    if b.reopens() {
        assert!(
            by_id(queued[2]).is_some(),
            "a lease does not outlive a restart"
        );
    }
    assert!(by_id(queued[0]).is_some());
    let limited = outbox.take_due_deliveries(T0 + 1_000, 1).await;
    assert_eq!(limited.len(), 1, "the limit holds");
}

/// The outbox is bounded: a batch that would pass the bound is refused whole.
pub async fn outbox_is_bounded(b: &dyn Backend) {
    let stores = b.open_stores().await;
    let outbox = &*stores.outbox;
    let big: Vec<NewDelivery> = (0..OUTBOX_DELIVERIES_MAX as u32)
        .map(|n| NewDelivery {
            body: String::new(),
            ..delivery(n, T0)
        })
        .collect();
    outbox.enqueue_deliveries(big).await.unwrap();
    assert_eq!(
        outbox.enqueue_deliveries(vec![delivery(1, T0)]).await,
        Err(OutboxError::Full)
    );
    assert_eq!(outbox.pending_deliveries().await, OUTBOX_DELIVERIES_MAX);
    let one = outbox.take_due_deliveries(T0, 1).await;
    outbox
        .settle_delivery(one[0].id, DeliveryOutcome::Finished)
        .await
        .unwrap();
    outbox
        .enqueue_deliveries(vec![delivery(1, T0)])
        .await
        .unwrap();
}

/// Reset wipes the outbox.
pub async fn reset_wipes_the_outbox(b: &dyn Backend) {
    let stores = b.open_stores().await;
    stores
        .outbox
        .enqueue_deliveries(vec![delivery(1, T0)])
        .await
        .unwrap();
    stores.queues.reset().await.unwrap();
    assert_eq!(stores.outbox.pending_deliveries().await, 0);
    let stores = b.restart_stores(stores, T0 + 1).await;
    assert_eq!(stores.outbox.pending_deliveries().await, 0);
    assert!(stores
        .outbox
        .take_due_deliveries(T0 + 1, 10)
        .await
        .is_empty());
}
