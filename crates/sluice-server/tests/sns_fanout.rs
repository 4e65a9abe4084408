//! SNS fan-out in the `sluice` binary. Durability: a publish is acknowledged only once
//! every queue's copy is durable, so after a `kill -9` right behind acknowledged
//! publishes, each of them is in each subscribed queue, exactly once. Signatures: a
//! notification a queue receives verifies, as a receiver checks it, against the
//! certificate served at its SigningCertURL.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use aws_sdk_sqs::Client;
use common::process::Sluice;
use common::sns_query::{drain_notifications, sns_call, subscribed_queue, verify_signature};

const QUEUES: usize = 3;
const PUBLISHERS: usize = 4;
const PUBLISHES_EACH: usize = 15;

/// The SNS MessageIds of the notifications a queue held, asserting none came twice.
async fn drain(client: &Client, url: &str) -> BTreeSet<String> {
    let mut got = BTreeSet::new();
    for doc in drain_notifications(client, url).await {
        let id = doc["MessageId"].as_str().unwrap().to_owned();
        assert!(got.insert(id.clone()), "{id} delivered twice to {url}");
    }
    got
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_loses_no_acknowledged_publish_in_any_queue() {
    let data = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let server = Sluice::start(data.path(), logs.path(), "first");
    let endpoint = server.endpoint();
    let client = server.client();
    let http = reqwest::Client::new();
    let topic = sns_call(
        &http,
        &endpoint,
        &[("Action", "CreateTopic"), ("Name", "fan")],
        "TopicArn",
    )
    .await;
    let mut urls = Vec::new();
    for i in 0..QUEUES {
        let name = format!("fan-{i}");
        urls.push(subscribed_queue(&client, &http, &endpoint, &topic, &name).await);
    }
    let mut publishers = Vec::new();
    for p in 0..PUBLISHERS {
        let (http, endpoint, topic) = (http.clone(), endpoint.clone(), topic.clone());
        publishers.push(tokio::spawn(async move {
            let mut acked = Vec::new();
            for i in 0..PUBLISHES_EACH {
                let message = format!("m-{p}-{i}");
                let params = [
                    ("Action", "Publish"),
                    ("TopicArn", topic.as_str()),
                    ("Message", message.as_str()),
                ];
                acked.push(sns_call(&http, &endpoint, &params, "MessageId").await);
            }
            acked
        }));
    }
    let mut acked = BTreeSet::new();
    for publisher in publishers {
        acked.extend(publisher.await.unwrap());
    }
    server.kill_9();
    assert_eq!(acked.len(), PUBLISHERS * PUBLISHES_EACH);

    let server = Sluice::start(data.path(), logs.path(), "second");
    let client = server.client();
    for url in &urls {
        let got = tokio::time::timeout(Duration::from_secs(120), drain(&client, url))
            .await
            .expect("drained within 120 s");
        assert_eq!(got, acked, "queue {url}");
    }
}

#[tokio::test]
async fn delivered_notifications_verify_against_the_served_certificate() {
    let data = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let server = Sluice::start(data.path(), logs.path(), "signatures");
    let endpoint = server.endpoint();
    let client = server.client();
    let http = reqwest::Client::new();
    for version in ["1", "2"] {
        let name = format!("signed-v{version}");
        let params = [
            ("Action", "CreateTopic"),
            ("Name", name.as_str()),
            ("Attributes.entry.1.key", "SignatureVersion"),
            ("Attributes.entry.1.value", version),
        ];
        let topic = sns_call(&http, &endpoint, &params, "TopicArn").await;
        let url = client
            .create_queue()
            .queue_name(&name)
            .send()
            .await
            .unwrap()
            .queue_url
            .unwrap();
        let arn = format!("arn:aws:sqs:us-east-1:000000000000:{name}");
        let params = [
            ("Action", "Subscribe"),
            ("TopicArn", topic.as_str()),
            ("Protocol", "sqs"),
            ("Endpoint", arn.as_str()),
        ];
        sns_call(&http, &endpoint, &params, "SubscriptionArn").await;
        let params = [
            ("Action", "Publish"),
            ("TopicArn", topic.as_str()),
            ("Subject", "a subject"),
            ("Message", "signed \u{e9}\n body"),
        ];
        sns_call(&http, &endpoint, &params, "MessageId").await;
        let out = client
            .receive_message()
            .queue_url(&url)
            .send()
            .await
            .unwrap();
        let messages = out.messages.unwrap_or_default();
        assert_eq!(messages.len(), 1, "one notification for {name}");
        let doc: serde_json::Value = serde_json::from_str(messages[0].body().unwrap()).unwrap();
        assert_eq!(doc["SignatureVersion"], version);
        let cert_url = doc["SigningCertURL"].as_str().unwrap();
        assert_eq!(cert_url, format!("{endpoint}/_sluice/sns/signing-cert.pem"));
        verify_signature(&http, &doc).await;
    }
}

/// The notifications' (MessageId, SequenceNumber) in the order the queue served them.
async fn drain_in_order(client: &Client, url: &str) -> Vec<(String, String)> {
    drain_notifications(client, url)
        .await
        .iter()
        .map(|doc| {
            let text = |k: &str| doc[k].as_str().unwrap().to_owned();
            (text("MessageId"), text("SequenceNumber"))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_keeps_fifo_order_and_the_deduplication_window() {
    let data = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let server = Sluice::start(data.path(), logs.path(), "fifo-first");
    let endpoint = server.endpoint();
    let client = server.client();
    let http = reqwest::Client::new();
    let params = [
        ("Action", "CreateTopic"),
        ("Name", "ordered.fifo"),
        ("Attributes.entry.1.key", "FifoTopic"),
        ("Attributes.entry.1.value", "true"),
    ];
    let topic = sns_call(&http, &endpoint, &params, "TopicArn").await;
    let mut urls = Vec::new();
    for i in 0..2 {
        let name = format!("ordered-{i}.fifo");
        urls.push(subscribed_queue(&client, &http, &endpoint, &topic, &name).await);
    }
    // One publisher per group; each publish's (group, dedup id, MessageId, sequence).
    let publish_all = |endpoint: String, topic: String| async move {
        let http = reqwest::Client::new();
        let mut publishers = Vec::new();
        for p in 0..PUBLISHERS {
            let (http, endpoint, topic) = (http.clone(), endpoint.clone(), topic.clone());
            publishers.push(tokio::spawn(async move {
                let group = format!("g{p}");
                let mut acked = Vec::new();
                for i in 0..PUBLISHES_EACH {
                    let dedup = format!("{group}-{i}");
                    let params = [
                        ("Action", "Publish"),
                        ("TopicArn", topic.as_str()),
                        ("Message", dedup.as_str()),
                        ("MessageGroupId", group.as_str()),
                        ("MessageDeduplicationId", dedup.as_str()),
                    ];
                    let id = sns_call(&http, &endpoint, &params, "MessageId").await;
                    let sequence = sns_call(&http, &endpoint, &params, "SequenceNumber").await;
                    acked.push((group.clone(), id, sequence));
                }
                acked
            }));
        }
        let mut acked = Vec::new();
        for publisher in publishers {
            acked.extend(publisher.await.unwrap());
        }
        acked
    };
    // Each publish is sent twice (the second answering the first's id and sequence).
    let acked = publish_all(endpoint.clone(), topic.clone()).await;
    server.kill_9();
    assert_eq!(acked.len(), PUBLISHERS * PUBLISHES_EACH);

    let server = Sluice::start(data.path(), logs.path(), "fifo-second");
    let client = server.client();
    // Retried after the restart, within the window: answered as before, delivered never.
    let retried = publish_all(server.endpoint(), topic.clone()).await;
    let mut sorted_acked = acked.clone();
    sorted_acked.sort();
    let mut sorted_retried = retried;
    sorted_retried.sort();
    assert_eq!(sorted_retried, sorted_acked);
    let group_of: std::collections::HashMap<&str, (&str, &str)> = acked
        .iter()
        .map(|(g, id, seq)| (id.as_str(), (g.as_str(), seq.as_str())))
        .collect();
    for url in &urls {
        let got = tokio::time::timeout(Duration::from_secs(120), drain_in_order(&client, url))
            .await
            .expect("drained within 120 s");
        let ids: BTreeSet<&str> = got.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids.len(), got.len(), "no duplicates in {url}");
        assert_eq!(
            ids,
            group_of.keys().copied().collect(),
            "none lost in {url}"
        );
        let mut last: std::collections::HashMap<&str, &str> = Default::default();
        for (id, sequence) in &got {
            let (group, acked_sequence) = group_of[id.as_str()];
            assert_eq!(sequence, acked_sequence);
            if let Some(previous) = last.insert(group, sequence.as_str()) {
                assert!(
                    previous < sequence.as_str(),
                    "group {group} in order in {url}"
                );
            }
        }
    }
}
