//! FIFO topics over one embedded store with a manual clock: what a publish must carry,
//! deduplication by id and by content within the window and scope, sequence numbers,
//! what FIFO and standard queues receive, PublishBatch, and a checker that concurrent
//! publishers' groups arrive in every subscribed queue in sequence-number order, once.

mod common;

use std::collections::{BTreeMap, HashMap};

use common::sns_world::*;
use common::*;
use sluice_core::sns::api::{PublishBatchEntry, PublishInput};
use sluice_core::sns::fifo::{content_deduplication_id, DEDUPLICATION_WINDOW_MS};
use sluice_core::sns::SnsErrorKind;
use sluice_core::sqs::api::{DeleteMessageInput, Message, ReceiveMessageInput};

fn fifo_publish(topic: &str, message: &str, group: &str, dedup: Option<&str>) -> PublishInput {
    PublishInput {
        message_group_id: Some(group.to_owned()),
        message_deduplication_id: dedup.map(str::to_owned),
        ..publish(topic, message)
    }
}

impl World {
    /// Receives and deletes everything in a queue, in the order the queue serves it.
    async fn drain(&self, url: &str) -> Vec<Message> {
        let mut all = Vec::new();
        loop {
            let got = self
                .sqs
                .receive_message(
                    &request_context(),
                    ReceiveMessageInput {
                        queue_url: Some(url.to_owned()),
                        max_number_of_messages: Some(10),
                        message_system_attribute_names: Some(vec!["All".to_owned()]),
                        ..Default::default()
                    },
                )
                .await
                .unwrap()
                .messages;
            if got.is_empty() {
                return all;
            }
            for m in &got {
                self.sqs
                    .delete_message(
                        &request_context(),
                        DeleteMessageInput {
                            queue_url: Some(url.to_owned()),
                            receipt_handle: Some(m.receipt_handle.clone()),
                        },
                    )
                    .await
                    .unwrap();
            }
            all.extend(got);
        }
    }
}

fn envelope(m: &Message) -> serde_json::Value {
    serde_json::from_str(&m.body).unwrap()
}

#[tokio::test]
async fn a_fifo_queue_gets_the_group_the_id_and_an_unsigned_sequenced_envelope() {
    let w = world();
    let topic = w.topic("t.fifo", &[("FifoTopic", "true")]).await;
    let (url, _) = w.queue_subscribed(&topic, "q.fifo", &[]).await;
    let out = w
        .sns
        .publish(
            &ctx(),
            &w.fanout,
            fifo_publish(&topic, "Test", "g1", Some("d1")),
        )
        .await
        .unwrap();
    let sequence = out
        .sequence_number
        .clone()
        .expect("FIFO publishes answer one");
    assert_eq!(sequence.len(), 20);
    let messages = w.drain(&url).await;
    assert_eq!(messages.len(), 1);
    let m = &messages[0];
    assert_eq!(m.attributes["MessageGroupId"], "g1");
    assert_eq!(m.attributes["MessageDeduplicationId"], "d1");
    let doc = envelope(m);
    let mut keys: Vec<&str> = doc
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    // AWS's FIFO envelope (recorded): no Signature, SignatureVersion or SigningCertURL.
    let mut expected = vec![
        "Message",
        "MessageId",
        "SequenceNumber",
        "Timestamp",
        "TopicArn",
        "Type",
        "UnsubscribeURL",
    ];
    expected.sort_unstable();
    assert_eq!(keys, expected);
    assert_eq!(doc["SequenceNumber"], sequence.as_str());
    assert_eq!(doc["MessageId"], out.message_id.as_str());
    let at = |field: &str| m.body.find(&format!("\"{field}\"")).unwrap();
    assert!(at("Type") < at("MessageId"), "AWS's order");
    assert!(at("MessageId") < at("SequenceNumber"));
    assert!(at("SequenceNumber") < at("TopicArn"));
}

#[tokio::test]
async fn content_based_deduplication_hashes_the_body() {
    let w = world();
    let topic = w
        .topic(
            "t.fifo",
            &[("FifoTopic", "true"), ("ContentBasedDeduplication", "true")],
        )
        .await;
    let (url, _) = w
        .queue_subscribed(&topic, "raw.fifo", &[("RawMessageDelivery", "true")])
        .await;
    let first = w
        .sns
        .publish(&ctx(), &w.fanout, fifo_publish(&topic, "Test", "g", None))
        .await
        .unwrap();
    let again = w
        .sns
        .publish(&ctx(), &w.fanout, fifo_publish(&topic, "Test", "g", None))
        .await
        .unwrap();
    assert_eq!(again, first, "a duplicate is answered as the original was");
    let messages = w.drain(&url).await;
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].body, "Test");
    // The recorded id SNS gave a FIFO queue for the body "Test".
    assert_eq!(
        messages[0].attributes["MessageDeduplicationId"],
        "532eaabd9574880dbf76b9b8cc00832c20a6ec113d682299550d7a6e0f345e25"
    );
    assert_eq!(
        content_deduplication_id("Test"),
        messages[0].attributes["MessageDeduplicationId"]
    );
}

#[tokio::test]
async fn the_window_is_five_minutes_and_its_scope_is_the_topic_or_the_group() {
    let w = world();
    let topic = w.topic("t.fifo", &[("FifoTopic", "true")]).await;
    let grouped = w
        .topic(
            "g.fifo",
            &[
                ("FifoTopic", "true"),
                ("FifoThroughputScope", "MessageGroup"),
            ],
        )
        .await;
    let (url, _) = w.queue_subscribed(&topic, "q.fifo", &[]).await;
    let (grouped_url, _) = w.queue_subscribed(&grouped, "gq.fifo", &[]).await;
    let caller = ctx();
    let send = |topic: &str, body: &str, group: &str| {
        w.sns.publish(
            &caller,
            &w.fanout,
            fifo_publish(topic, body, group, Some("same")),
        )
    };
    let a = send(&topic, "a", "g1").await.unwrap();
    let b = send(&topic, "b", "g2").await.unwrap();
    assert_eq!(
        b.message_id, a.message_id,
        "topic scope: any group's id counts"
    );
    let first = send(&grouped, "a", "g1").await.unwrap();
    let other_group = send(&grouped, "b", "g2").await.unwrap();
    let same_group = send(&grouped, "c", "g1").await.unwrap();
    assert_ne!(
        other_group.message_id, first.message_id,
        "group scope: a new group"
    );
    assert_eq!(same_group.message_id, first.message_id);
    assert_eq!(w.drain(&url).await.len(), 1);
    // SNS delivered two; the queue's own window (queue scope, its default) keeps one.
    let kept = w.drain(&grouped_url).await;
    assert_eq!(kept.len(), 1);
    assert_eq!(envelope(&kept[0])["Message"], "a");

    w.clock.advance_ms(DEDUPLICATION_WINDOW_MS - 1);
    assert_eq!(
        send(&topic, "d", "g1").await.unwrap().message_id,
        a.message_id
    );
    w.clock.advance_ms(1);
    let later = send(&topic, "e", "g1").await.unwrap();
    assert_ne!(later.message_id, a.message_id, "the window has passed");
    assert!(later.sequence_number > a.sequence_number);
    let bodies: Vec<String> = w
        .drain(&url)
        .await
        .iter()
        .map(|m| envelope(m)["Message"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(bodies, ["e"]);
}

#[tokio::test]
async fn fifo_publishes_are_checked_as_aws_checks_them() {
    let w = world();
    let topic = w.topic("t.fifo", &[("FifoTopic", "true")]).await;
    let standard = w.topic("s", &[]).await;
    let cases = [
        (
            PublishInput {
                message_group_id: None,
                ..fifo_publish(&topic, "m", "g", Some("d"))
            },
            "Invalid parameter: The MessageGroupId parameter is required for FIFO topics",
        ),
        (
            fifo_publish(&topic, "m", "g", None),
            "Invalid parameter: The topic should either have ContentBasedDeduplication \
             enabled or MessageDeduplicationId provided explicitly",
        ),
        (
            fifo_publish(&standard, "m", "g", Some("d")),
            "Invalid parameter: MessageDeduplicationId Reason: The request includes \
             MessageDeduplicationId parameter that is not valid for this topic type",
        ),
        (
            fifo_publish(&topic, "m", "g", Some("no spaces")),
            "Invalid parameter: MessageDeduplicationId",
        ),
    ];
    for (input, message) in cases {
        let e = w.sns.publish(&ctx(), &w.fanout, input).await.unwrap_err();
        assert_eq!(e.kind, SnsErrorKind::InvalidParameter);
        assert_eq!(e.message, message);
    }
}

#[tokio::test]
async fn a_standard_queue_of_a_fifo_topic_gets_neither_group_nor_id() {
    let w = world();
    let topic = w.topic("t.fifo", &[("FifoTopic", "true")]).await;
    let (url, _) = w.queue_subscribed(&topic, "plain", &[]).await;
    w.sns
        .publish(
            &ctx(),
            &w.fanout,
            fifo_publish(&topic, "Test", "g", Some("d")),
        )
        .await
        .unwrap();
    let messages = w.drain(&url).await;
    assert_eq!(messages.len(), 1);
    assert!(!messages[0].attributes.contains_key("MessageGroupId"));
    assert!(!messages[0]
        .attributes
        .contains_key("MessageDeduplicationId"));
    assert!(envelope(&messages[0])["SequenceNumber"].is_string());
}

#[tokio::test]
async fn publish_batch_sequences_each_entry_in_order() {
    let w = world();
    let topic = w
        .topic(
            "t.fifo",
            &[("FifoTopic", "true"), ("ContentBasedDeduplication", "true")],
        )
        .await;
    let (url, _) = w
        .queue_subscribed(&topic, "q.fifo", &[("RawMessageDelivery", "true")])
        .await;
    let entry = |id: &str, body: &str, group: Option<&str>| PublishBatchEntry {
        id: id.to_owned(),
        message: Some(body.to_owned()),
        message_group_id: group.map(str::to_owned),
        ..Default::default()
    };
    let missing_group = w
        .sns
        .publish_batch(
            &ctx(),
            &w.fanout,
            Some(&topic),
            vec![entry("a", "1", Some("g")), entry("b", "2", None)],
        )
        .await
        .unwrap_err();
    assert_eq!(
        missing_group.message,
        "Invalid parameter: The MessageGroupId parameter is required for FIFO topics"
    );
    assert!(
        w.drain(&url).await.is_empty(),
        "nothing of a refused batch is published"
    );

    let entries = (0..10)
        .map(|i| entry(&format!("e{i}"), &format!("body-{i}"), Some("g")))
        .collect();
    let out = w
        .sns
        .publish_batch(&ctx(), &w.fanout, Some(&topic), entries)
        .await
        .unwrap();
    assert!(out.failed.is_empty());
    let sequences: Vec<String> = out
        .successful
        .iter()
        .map(|s| s.sequence_number.clone().unwrap())
        .collect();
    let mut sorted = sequences.clone();
    sorted.sort();
    assert_eq!(
        sequences, sorted,
        "sequence numbers follow the batch's order"
    );
    let bodies: Vec<String> = w.drain(&url).await.into_iter().map(|m| m.body).collect();
    let expected: Vec<String> = (0..10).map(|i| format!("body-{i}")).collect();
    assert_eq!(bodies, expected);
}

/// What a checker finds in one queue: per group, the sequence numbers received in
/// order, and the ids received twice or never published.
#[derive(Debug, Default, PartialEq, Eq)]
struct Findings {
    out_of_order: usize,
    duplicated: usize,
    unexpected: usize,
    lost: usize,
}

/// Checks `received` (envelopes, in the order the queue served them) against what was
/// acknowledged: message id → (group, sequence number).
fn check(received: &[Message], acknowledged: &HashMap<String, (String, String)>) -> Findings {
    let mut findings = Findings::default();
    let mut seen = HashMap::new();
    let mut last: BTreeMap<String, String> = BTreeMap::new();
    for m in received {
        let doc = envelope(m);
        let id = doc["MessageId"].as_str().unwrap().to_owned();
        let Some((group, sequence)) = acknowledged.get(&id) else {
            findings.unexpected += 1;
            continue;
        };
        if seen.insert(id.clone(), ()).is_some() {
            findings.duplicated += 1;
            continue;
        }
        assert_eq!(doc["SequenceNumber"], sequence.as_str());
        if let Some(previous) = last.get(group) {
            if previous >= sequence {
                findings.out_of_order += 1;
            }
        }
        last.insert(group.clone(), sequence.clone());
    }
    findings.lost = acknowledged
        .keys()
        .filter(|id| !seen.contains_key(*id))
        .count();
    findings
}

#[test]
fn the_checker_finds_what_it_counts() {
    let m = |id: &str, seq: &str| Message {
        body: serde_json::json!({"MessageId": id, "SequenceNumber": seq}).to_string(),
        ..Default::default()
    };
    let acknowledged: HashMap<String, (String, String)> = [
        ("a".to_owned(), ("g".to_owned(), "01".to_owned())),
        ("b".to_owned(), ("g".to_owned(), "02".to_owned())),
        ("c".to_owned(), ("g".to_owned(), "03".to_owned())),
    ]
    .into();
    let received = [m("b", "02"), m("a", "01"), m("a", "01"), m("x", "09")];
    assert_eq!(
        check(&received, &acknowledged),
        Findings {
            out_of_order: 1,
            duplicated: 1,
            unexpected: 1,
            lost: 1,
        }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_publishers_keep_every_group_in_order_in_every_queue() {
    const GROUPS: usize = 4;
    const PER_PUBLISHER: usize = 40;
    let w = std::sync::Arc::new(world());
    let topic = w.topic("t.fifo", &[("FifoTopic", "true")]).await;
    let (fifo_url, _) = w.queue_subscribed(&topic, "a.fifo", &[]).await;
    let (other_url, _) = w.queue_subscribed(&topic, "b.fifo", &[]).await;
    // Two publishers per group, each retrying every publish once (a duplicate).
    let mut publishers = tokio::task::JoinSet::new();
    for publisher in 0..GROUPS * 2 {
        let w = w.clone();
        let topic = topic.clone();
        publishers.spawn(async move {
            let group = format!("g{}", publisher % GROUPS);
            let mut acknowledged = Vec::new();
            for i in 0..PER_PUBLISHER {
                let dedup = format!("p{publisher}-{i}");
                let input = fifo_publish(&topic, &dedup, &group, Some(&dedup));
                let first = w
                    .sns
                    .publish(&ctx(), &w.fanout, input.clone())
                    .await
                    .unwrap();
                let retry = w.sns.publish(&ctx(), &w.fanout, input).await.unwrap();
                assert_eq!(retry, first);
                acknowledged.push((
                    first.message_id,
                    (group.clone(), first.sequence_number.unwrap()),
                ));
            }
            acknowledged
        });
    }
    let mut acknowledged = HashMap::new();
    while let Some(done) = publishers.join_next().await {
        acknowledged.extend(done.unwrap());
    }
    assert_eq!(acknowledged.len(), GROUPS * 2 * PER_PUBLISHER);
    for url in [fifo_url, other_url] {
        let received = w.drain(&url).await;
        assert_eq!(
            check(&received, &acknowledged),
            Findings::default(),
            "{url}"
        );
    }
}

#[tokio::test]
async fn fifo_topics_take_queues_only() {
    let w = world();
    let topic = w.topic("t.fifo", &[("FifoTopic", "true")]).await;
    let input = sluice_core::sns::api::SubscribeInput {
        topic_arn: Some(topic),
        protocol: Some("email".to_owned()),
        endpoint: Some("someone@example.com".to_owned()),
        ..Default::default()
    };
    let e = w.sns.subscribe(&ctx(), input).await.unwrap_err();
    assert_eq!(e.message, "Invalid parameter: Invalid protocol type: email");
}
