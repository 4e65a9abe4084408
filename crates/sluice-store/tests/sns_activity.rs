//! Each topic's activity after known publishes, SNS and SQS over one embedded store with
//! a manual clock: the publish counter (batch entries one by one), deliveries by
//! protocol and outcome (delivered, filtered out, not delivered, dead-lettered,
//! dropped), and the recent deliveries log with its times, fields and bound.

mod common;

use common::sns_world::*;
use common::*;
use sluice_core::sns::api::{PublishBatchEntry, SubscribeInput};
use sluice_core::sns::delivery_log::{Outcome, RECENT_DELIVERIES_MAX};
use sluice_core::sns::names::parse_topic_arn;
use sluice_core::sns::outbox::DeliveryKind;
use sluice_core::sns::protocol::Protocol;
use sluice_core::sns::TopicKey;

const LAMBDA: &str = "arn:aws:lambda:us-east-1:000000000000:function:f";

fn topic_key(arn: &str) -> TopicKey {
    parse_topic_arn(arn, "TopicArn").unwrap()
}

async fn subscribe(w: &World, topic: &str, protocol: &str, endpoint: &str, redrive: Option<&str>) {
    let attributes = redrive
        .map(|queue| {
            let policy = format!(r#"{{"deadLetterTargetArn":"{queue}"}}"#);
            [("RedrivePolicy".to_owned(), policy)].into()
        })
        .unwrap_or_default();
    w.sns
        .subscribe(
            &ctx(),
            SubscribeInput {
                topic_arn: Some(topic.to_owned()),
                protocol: Some(protocol.to_owned()),
                endpoint: Some(endpoint.to_owned()),
                attributes,
                return_subscription_arn: true,
            },
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn publishes_and_deliveries_are_counted_and_logged() {
    let w = world();
    let topic = w.topic("t", &[]).await;
    let (url, delivered_to) = w.queue_subscribed(&topic, "q", &[]).await;
    let rejects = r#"{"colour":["never"]}"#;
    w.queue_subscribed(&topic, "filtered", &[("FilterPolicy", rejects)])
        .await;
    subscribe(&w, &topic, "lambda", LAMBDA, None).await;

    let mut ids = Vec::new();
    for i in 0..3 {
        w.clock.advance_ms(1_000);
        let out = w
            .sns
            .publish(&ctx(), &w.fanout, publish(&topic, &format!("m{i}")))
            .await
            .unwrap();
        ids.push(out.message_id);
    }
    let entries = ["a", "b"]
        .map(|id| PublishBatchEntry {
            id: id.to_owned(),
            message: Some(format!("batch {id}")),
            ..Default::default()
        })
        .to_vec();
    let batch = w
        .sns
        .publish_batch(&ctx(), &w.fanout, Some(&topic), entries)
        .await
        .unwrap();
    assert_eq!(batch.successful.len(), 2);
    assert_eq!(w.receive(&url).await.len(), 5);

    let activity = w.sns.activity().get(&topic_key(&topic)).unwrap();
    let counts = activity.counts();
    assert_eq!(counts.published, 5, "each batch entry counts");
    assert_eq!(counts.deliveries(Protocol::Sqs, Outcome::Delivered), 5);
    assert_eq!(counts.deliveries(Protocol::Sqs, Outcome::FilteredOut), 5);
    assert_eq!(
        counts.deliveries(Protocol::Lambda, Outcome::NotDelivered),
        5
    );
    assert_eq!(
        counts.nonzero_deliveries().count(),
        3,
        "nothing else: {counts:?}"
    );

    // Newest first: the batch's deliveries, then the third publish's.
    let recent = activity.recent_deliveries();
    assert_eq!(recent.len(), 10, "5 to the queue, 5 to the function");
    let third: Vec<_> = recent.iter().filter(|r| r.message_id == ids[2]).collect();
    assert_eq!(third.len(), 2);
    let queued = third.iter().find(|r| r.protocol == Protocol::Sqs).unwrap();
    assert_eq!(queued.at_ms, T0 + 3_000, "the clock's time");
    assert_eq!(queued.subscription_arn, delivered_to);
    assert_eq!(queued.endpoint, key("q").arn());
    assert_eq!(queued.kind, DeliveryKind::Notification);
    assert_eq!(queued.outcome, Outcome::Delivered);
    assert_eq!(queued.attempt, 1);
    assert_eq!(queued.http_status, None);
    assert_eq!(queued.dead_letter_queue, None);
    let logged = third
        .iter()
        .find(|r| r.protocol == Protocol::Lambda)
        .unwrap();
    assert_eq!(logged.outcome, Outcome::NotDelivered);
    assert_eq!(logged.endpoint, LAMBDA);
    assert_eq!(recent.last().unwrap().message_id, ids[0], "oldest last");
    assert_eq!(recent.last().unwrap().at_ms, T0 + 1_000);
}

#[tokio::test]
async fn refused_queue_deliveries_are_dead_lettered_or_dropped() {
    let w = world();
    let topic = w.topic("t", &[]).await;
    w.sqs
        .create_queue(
            &request_context(),
            sluice_core::sqs::api::CreateQueueInput {
                queue_name: Some("dlq".to_owned()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let dlq = key("dlq").arn();
    let gone = key("never-created").arn();
    subscribe(&w, &topic, "sqs", &gone, Some(&dlq)).await;
    let also_gone = key("also-never-created").arn();
    subscribe(&w, &topic, "sqs", &also_gone, None).await;
    w.sns
        .publish(&ctx(), &w.fanout, publish(&topic, "lost"))
        .await
        .unwrap();

    let activity = w.sns.activity().get(&topic_key(&topic)).unwrap();
    let counts = activity.counts();
    assert_eq!(counts.published, 1);
    assert_eq!(counts.deliveries(Protocol::Sqs, Outcome::DeadLettered), 1);
    assert_eq!(counts.deliveries(Protocol::Sqs, Outcome::Dropped), 1);
    assert_eq!(counts.deliveries(Protocol::Sqs, Outcome::Delivered), 0);
    let recent = activity.recent_deliveries();
    assert_eq!(recent.len(), 2);
    let lettered = recent.iter().find(|r| r.endpoint == gone).unwrap();
    assert_eq!(lettered.outcome, Outcome::DeadLettered);
    assert_eq!(lettered.dead_letter_queue.as_deref(), Some(dlq.as_str()));
    assert!(lettered.detail.as_deref().is_some_and(|d| !d.is_empty()));
    let dropped = recent.iter().find(|r| r.endpoint == also_gone).unwrap();
    assert_eq!(dropped.outcome, Outcome::Dropped);
    assert_eq!(dropped.dead_letter_queue, None);
}

#[tokio::test]
async fn the_log_keeps_the_newest_and_a_deleted_topic_starts_anew() {
    let w = world();
    let topic = w.topic("t", &[]).await;
    w.queue_subscribed(&topic, "q", &[]).await;
    let total = RECENT_DELIVERIES_MAX + 5;
    let mut last = String::new();
    for i in 0..total {
        w.clock.advance_ms(1);
        last = w
            .sns
            .publish(&ctx(), &w.fanout, publish(&topic, &format!("m{i}")))
            .await
            .unwrap()
            .message_id;
    }
    let activity = w.sns.activity().get(&topic_key(&topic)).unwrap();
    assert_eq!(activity.counts().published, total as u64);
    let recent = activity.recent_deliveries();
    assert_eq!(recent.len(), RECENT_DELIVERIES_MAX);
    assert_eq!(recent[0].message_id, last);
    assert_eq!(recent[0].at_ms, T0 + total as u64);
    assert_eq!(
        recent.last().unwrap().at_ms,
        T0 + 6,
        "the first five forgotten"
    );

    w.sns.delete_topic(&ctx(), Some(&topic)).await.unwrap();
    assert!(w.sns.activity().get(&topic_key(&topic)).is_none());
}
