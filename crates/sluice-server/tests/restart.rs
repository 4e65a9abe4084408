//! Durability of the `sluice` binary: a `kill -9` loses no acknowledged message and
//! resurrects no committed delete; a SIGTERM shuts down cleanly (exit 0) with
//! everything flushed, including receives and deletes that no later send committed.
//!
//! These run the real binary on the wall clock, so the few waits here are bounded
//! polls for the process, never assertions about timing.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use aws_sdk_sqs::types::{
    DeleteMessageBatchRequestEntry, Message, QueueAttributeName as A, SendMessageBatchRequestEntry,
};
use aws_sdk_sqs::Client;
use common::process::Sluice;
use common::*;

/// Bounds a phase of a test against hangs (generous: the machine may be busy).
async fn bounded<T>(what: &str, fut: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(180), fut)
        .await
        .unwrap_or_else(|_| panic!("{what} did not finish within 180 s"))
}

async fn attributes(client: &Client, url: &str) -> HashMap<A, String> {
    client
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(A::All)
        .send()
        .await
        .unwrap()
        .attributes()
        .cloned()
        .unwrap_or_default()
}

async fn counts(client: &Client, url: &str) -> (u64, u64, u64) {
    let a = attributes(client, url).await;
    let n = |k: A| a[&k].parse::<u64>().unwrap();
    (
        n(A::ApproximateNumberOfMessages),
        n(A::ApproximateNumberOfMessagesNotVisible),
        n(A::ApproximateNumberOfMessagesDelayed),
    )
}

async fn tags(client: &Client, url: &str) -> BTreeMap<String, String> {
    client
        .list_queue_tags()
        .queue_url(url)
        .send()
        .await
        .unwrap()
        .tags()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .collect()
}

/// The attributes that must survive a restart unchanged.
fn configured(attrs: &HashMap<A, String>) -> BTreeMap<String, String> {
    [
        A::VisibilityTimeout,
        A::MessageRetentionPeriod,
        A::MaximumMessageSize,
        A::DelaySeconds,
        A::ReceiveMessageWaitTimeSeconds,
        A::RedrivePolicy,
        A::QueueArn,
        A::CreatedTimestamp,
        A::LastModifiedTimestamp,
    ]
    .into_iter()
    .map(|k| {
        let v = attrs.get(&k).unwrap_or_else(|| panic!("{k:?} missing"));
        (k.as_str().to_owned(), v.clone())
    })
    .collect()
}

/// Sends `count` messages in batches of ten; returns MessageId → body for each
/// acknowledged entry (and asserts none failed).
async fn send_batches(
    client: &Client,
    url: &str,
    tag: &str,
    count: usize,
) -> BTreeMap<String, String> {
    let mut acked = BTreeMap::new();
    for batch in 0..count.div_ceil(10) {
        let mut request = client.send_message_batch().queue_url(url);
        let mut bodies = HashMap::new();
        for i in 0..10.min(count - batch * 10) {
            let id = format!("e{i}");
            let body = format!("{tag}-{batch}-{i}");
            request = request.entries(
                SendMessageBatchRequestEntry::builder()
                    .id(&id)
                    .message_body(&body)
                    .build()
                    .unwrap(),
            );
            bodies.insert(id, body);
        }
        let out = request.send().await.expect("send batch");
        assert!(out.failed().is_empty(), "{:?}", out.failed());
        for ok in out.successful() {
            acked.insert(ok.message_id().to_owned(), bodies[ok.id()].clone());
        }
    }
    acked
}

async fn receive(client: &Client, url: &str, visibility: i32) -> Vec<Message> {
    client
        .receive_message()
        .queue_url(url)
        .max_number_of_messages(10)
        .visibility_timeout(visibility)
        .wait_time_seconds(0)
        .send()
        .await
        .unwrap()
        .messages
        .unwrap_or_default()
}

/// Receives until the queue answers empty; returns MessageId → body, asserting that
/// no message is delivered twice.
async fn drain(client: &Client, url: &str) -> BTreeMap<String, String> {
    let mut got = BTreeMap::new();
    loop {
        let batch = receive(client, url, 600).await;
        if batch.is_empty() {
            return got;
        }
        for m in batch {
            let id = m.message_id().unwrap().to_owned();
            let previous = got.insert(id.clone(), m.body().unwrap().to_owned());
            assert!(previous.is_none(), "message {id} delivered twice");
        }
    }
}

async fn create_durable_queue(client: &Client, name: &str) -> String {
    let dlq = client
        .create_queue()
        .queue_name(format!("{name}-dlq"))
        .send()
        .await
        .unwrap();
    let dlq_arn = format!("arn:aws:sqs:{REGION}:{ACCOUNT}:{name}-dlq");
    assert!(dlq.queue_url().is_some());
    client
        .create_queue()
        .queue_name(name)
        .attributes(A::VisibilityTimeout, "45")
        .attributes(A::MessageRetentionPeriod, "86400")
        .attributes(A::MaximumMessageSize, "262144")
        .attributes(A::ReceiveMessageWaitTimeSeconds, "1")
        .attributes(
            A::RedrivePolicy,
            format!(r#"{{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":10}}"#),
        )
        .tags("team", "core")
        .tags("env", "restart-test")
        .send()
        .await
        .unwrap()
        .queue_url()
        .unwrap()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_loses_no_acknowledged_message() {
    let data = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let server = Sluice::start(data.path(), logs.path(), "first");
    let client = server.client();
    let url = create_durable_queue(&client, "durable").await;
    let before_attrs = configured(&attributes(&client, &url).await);
    let before_tags = tags(&client, &url).await;

    // 2,000 messages from four concurrent senders.
    let mut acked: BTreeMap<String, String> = bounded("concurrent sends", async {
        let senders: Vec<_> = (0..4)
            .map(|t| {
                let client = client.clone();
                let url = url.clone();
                tokio::spawn(
                    async move { send_batches(&client, &url, &format!("t{t}"), 500).await },
                )
            })
            .collect();
        let mut all = BTreeMap::new();
        for sender in senders {
            all.extend(sender.await.unwrap());
        }
        all
    })
    .await;
    assert_eq!(acked.len(), 2_000);

    // Receive some (a short visibility timeout), delete a few, hide one for 10 hours.
    let mut received = Vec::new();
    for _ in 0..3 {
        received.extend(receive(&client, &url, 1).await);
    }
    assert_eq!(received.len(), 30);
    let mut deleted = BTreeSet::new();
    for m in &received[..10] {
        client
            .delete_message()
            .queue_url(&url)
            .receipt_handle(m.receipt_handle().unwrap())
            .send()
            .await
            .unwrap();
        deleted.insert(m.message_id().unwrap().to_owned());
    }
    let mut batch = client.delete_message_batch().queue_url(&url);
    for (i, m) in received[10..15].iter().enumerate() {
        batch = batch.entries(
            DeleteMessageBatchRequestEntry::builder()
                .id(format!("d{i}"))
                .receipt_handle(m.receipt_handle().unwrap())
                .build()
                .unwrap(),
        );
        deleted.insert(m.message_id().unwrap().to_owned());
    }
    let out = batch.send().await.unwrap();
    assert_eq!(out.successful().len(), 5);
    let hidden = &received[15];
    let hidden_id = hidden.message_id().unwrap().to_owned();
    client
        .change_message_visibility()
        .queue_url(&url)
        .receipt_handle(hidden.receipt_handle().unwrap())
        .visibility_timeout(36_000)
        .send()
        .await
        .unwrap();
    // An acknowledged send after them commits the deletes and the visibility change.
    acked.extend(send_batches(&client, &url, "final", 10).await);
    assert_eq!(acked.len(), 2_010);
    // Deletes after the last send may or may not reach the disk before the kill.
    let mut maybe_deleted = BTreeSet::new();
    for m in &received[16..19] {
        client
            .delete_message()
            .queue_url(&url)
            .receipt_handle(m.receipt_handle().unwrap())
            .send()
            .await
            .unwrap();
        maybe_deleted.insert(m.message_id().unwrap().to_owned());
    }

    server.kill_9();
    let server = Sluice::start(data.path(), logs.path(), "second");
    let client = server.client();
    let url = client
        .get_queue_url()
        .queue_name("durable")
        .send()
        .await
        .expect("the queue survives")
        .queue_url()
        .unwrap()
        .to_owned();
    assert_eq!(configured(&attributes(&client, &url).await), before_attrs);
    assert_eq!(tags(&client, &url).await, before_tags);

    // Wait (bounded) for the 1-second visibility timeouts from before the kill to run
    // out: then only the message hidden for 10 hours is still in flight.
    bounded("visibility timeouts to run out", async {
        while counts(&client, &url).await.1 != 1 {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
    // Its receipt handle from before the kill still works.
    client
        .change_message_visibility()
        .queue_url(&url)
        .receipt_handle(hidden.receipt_handle().unwrap())
        .visibility_timeout(0)
        .send()
        .await
        .expect("receipt handle survives the restart");
    let (visible, not_visible, delayed) = counts(&client, &url).await;
    assert_eq!((not_visible, delayed), (0, 0));

    let got = bounded("drain", drain(&client, &url)).await;
    assert_eq!(got.len() as u64, visible);
    assert!(got.contains_key(&hidden_id));
    for id in &deleted {
        assert!(!got.contains_key(id), "committed delete of {id} came back");
    }
    for (id, body) in &got {
        assert_eq!(acked.get(id), Some(body), "unknown or altered message {id}");
    }
    let missing: Vec<&String> = acked
        .keys()
        .filter(|id| !deleted.contains(*id) && !maybe_deleted.contains(*id))
        .filter(|id| !got.contains_key(*id))
        .collect();
    assert!(
        missing.is_empty(),
        "lost acknowledged messages: {missing:?}"
    );
    let resurrected = maybe_deleted
        .iter()
        .filter(|id| got.contains_key(*id))
        .count();
    assert_eq!(got.len(), 2_010 - deleted.len() - (3 - resurrected));
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_exits_cleanly_and_flushes_everything() {
    let data = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let server = Sluice::start(data.path(), logs.path(), "first");
    let client = server.client();
    let url = create_durable_queue(&client, "graceful").await;
    let idle = client
        .create_queue()
        .queue_name("idle")
        .send()
        .await
        .unwrap()
        .queue_url()
        .unwrap()
        .to_owned();
    let before_attrs = configured(&attributes(&client, &url).await);
    let before_tags = tags(&client, &url).await;

    let acked = send_batches(&client, &url, "g", 200).await;
    assert_eq!(acked.len(), 200);
    let mut in_flight = BTreeSet::new();
    let mut deleted = BTreeSet::new();
    for _ in 0..2 {
        for m in receive(&client, &url, 600).await {
            let id = m.message_id().unwrap().to_owned();
            // Alternate: delete one, keep the next in flight. No send follows, so only
            // the graceful shutdown's flush makes these durable.
            if deleted.len() <= in_flight.len() {
                client
                    .delete_message()
                    .queue_url(&url)
                    .receipt_handle(m.receipt_handle().unwrap())
                    .send()
                    .await
                    .unwrap();
                deleted.insert(id);
            } else {
                in_flight.insert(id);
            }
        }
    }
    assert_eq!((deleted.len(), in_flight.len()), (10, 10));

    // A long poll waiting when the signal arrives is answered, not cut off.
    let poller = client.clone();
    let poll = tokio::spawn(async move {
        poller
            .receive_message()
            .queue_url(idle)
            .wait_time_seconds(20)
            .send()
            .await
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!poll.is_finished(), "the long poll should be waiting");

    let status = server.terminate();
    assert_eq!(status.code(), Some(0), "exit status {status}");
    let answered = bounded("long poll answer", poll).await.unwrap();
    let answered = answered.expect("the waiting long poll is answered");
    assert!(answered.messages().is_empty());

    let server = Sluice::start(data.path(), logs.path(), "second");
    let client = server.client();
    let url = client
        .get_queue_url()
        .queue_name("graceful")
        .send()
        .await
        .expect("the queue survives")
        .queue_url()
        .unwrap()
        .to_owned();
    assert_eq!(configured(&attributes(&client, &url).await), before_attrs);
    assert_eq!(tags(&client, &url).await, before_tags);
    // Exactly: 200 sent, 10 deleted, 10 still in flight for ten minutes.
    assert_eq!(counts(&client, &url).await, (180, 10, 0));
    let got = bounded("drain", drain(&client, &url)).await;
    assert_eq!(got.len(), 180);
    for (id, body) in &got {
        assert_eq!(acked.get(id), Some(body));
        assert!(!deleted.contains(id) && !in_flight.contains(id), "{id}");
    }
    let status = server.terminate();
    assert_eq!(status.code(), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_under_load_loses_nothing_acknowledged() {
    const SENDERS: usize = 8;
    const MAX_BATCHES_PER_SENDER: usize = 2_000;
    let data = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let server = Sluice::start(data.path(), logs.path(), "under-load");
    let client = server.client();
    let url = client
        .create_queue()
        .queue_name("under-load")
        .send()
        .await
        .unwrap()
        .queue_url()
        .unwrap()
        .to_owned();

    // Senders keep sending batches until the server stops answering; each records
    // only what was acknowledged.
    let mut senders = Vec::new();
    for sender in 0..SENDERS {
        let (client, url) = (client.clone(), url.clone());
        senders.push(tokio::spawn(async move {
            let mut acked = BTreeMap::new();
            for batch in 0..MAX_BATCHES_PER_SENDER {
                let mut request = client.send_message_batch().queue_url(&url);
                let mut bodies = HashMap::new();
                for i in 0..10 {
                    let id = format!("e{i}");
                    let body = format!("s{sender}-b{batch}-{i}");
                    request = request.entries(
                        SendMessageBatchRequestEntry::builder()
                            .id(&id)
                            .message_body(&body)
                            .build()
                            .unwrap(),
                    );
                    bodies.insert(id, body);
                }
                match request.send().await {
                    Ok(out) => {
                        for ok in out.successful() {
                            acked.insert(ok.message_id().to_owned(), bodies[ok.id()].clone());
                        }
                    }
                    // The server is going away: this batch's outcome is unknown.
                    Err(_) => break,
                }
            }
            acked
        }));
    }
    // Let the load build up, then ask the server to stop while requests are in flight.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let status = tokio::task::spawn_blocking(move || server.terminate())
        .await
        .unwrap();
    assert!(
        status.success(),
        "SIGTERM under load must exit 0, got {status}"
    );
    let mut acked = BTreeMap::new();
    for sender in senders {
        acked.extend(bounded("a sender", sender).await.unwrap());
    }
    assert!(
        acked.len() >= 100,
        "the load never got going ({} acknowledged)",
        acked.len()
    );

    let server = Sluice::start(data.path(), logs.path(), "after-sigterm");
    let got = bounded("draining", drain(&server.client(), &url)).await;
    let lost: Vec<_> = acked.keys().filter(|id| !got.contains_key(*id)).collect();
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged messages lost across a SIGTERM under load",
        lost.len(),
        acked.len()
    );
    for (id, body) in &acked {
        assert_eq!(&got[id], body, "message {id} came back with another body");
    }
    // Anything else is a send whose reply was cut off by the shutdown.
    assert!(got.len() - acked.len() <= SENDERS * 10);
    eprintln!(
        "SIGTERM under load: {} acknowledged, {} recovered, 0 lost",
        acked.len(),
        got.len()
    );
}
