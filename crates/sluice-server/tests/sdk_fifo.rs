//! FIFO queues through the official AWS SDK (AWS JSON 1.0): the FIFO attributes,
//! send rules and sequence numbers, the five-minute deduplication window, strict order
//! and locking within a message group, ReceiveRequestAttemptId retries, and dead-letter
//! queues, purges, move tasks and delays on FIFO queues.
//!
//! Time is the harness's test clock: visibility timeouts, delays and the deduplication
//! window run out only when a test advances it.

mod common;

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use aws_sdk_sqs::types::{
    ChangeMessageVisibilityBatchRequestEntry, DeleteMessageBatchRequestEntry, Message,
    MessageSystemAttributeName as S, QueueAttributeName as A, SendMessageBatchRequestEntry,
};
use common::*;

const FIFO: (A, &str) = (A::FifoQueue, "true");

fn body_of(m: &Message) -> &str {
    m.body().expect("body")
}

fn bodies(messages: &[Message]) -> Vec<&str> {
    messages.iter().map(body_of).collect()
}

fn handle_of(m: &Message) -> String {
    m.receipt_handle().expect("receipt handle").to_owned()
}

fn arn_of(name: &str) -> String {
    format!("arn:aws:sqs:{REGION}:{ACCOUNT}:{name}")
}

/// Checks the form AWS gives SequenceNumber here: a 20-digit decimal string.
#[track_caller]
fn sequence_number(s: Option<&str>) -> String {
    let s = s.expect("a FIFO send returns a SequenceNumber");
    assert!(
        s.len() == 20 && s.bytes().all(|b| b.is_ascii_digit()),
        "SequenceNumber {s:?} is not a 20-digit number"
    );
    s.to_owned()
}

/// Sends one message to a FIFO queue; returns (MessageId, SequenceNumber).
async fn send_fifo(
    h: &Harness,
    url: &str,
    body: &str,
    group: &str,
    dedup: Option<&str>,
) -> (String, String) {
    let out = h
        .client
        .send_message()
        .queue_url(url)
        .message_body(body)
        .message_group_id(group)
        .set_message_deduplication_id(dedup.map(str::to_owned))
        .send()
        .await
        .unwrap_or_else(|e| panic!("send {body}: {e:?}"));
    (
        out.message_id().expect("message id").to_owned(),
        sequence_number(out.sequence_number()),
    )
}

/// Sends `body` to `group` with the body doubling as its deduplication id.
async fn send_in(h: &Harness, url: &str, group: &str, body: &str) -> (String, String) {
    send_fifo(h, url, body, group, Some(body)).await
}

async fn delete(h: &Harness, url: &str, m: &Message) {
    h.client
        .delete_message()
        .queue_url(url)
        .receipt_handle(handle_of(m))
        .send()
        .await
        .unwrap_or_else(|e| panic!("delete {}: {e:?}", body_of(m)));
}

/// Receives and deletes one message at a time until the queue answers empty.
async fn drain_in_order(h: &Harness, url: &str) -> Vec<Message> {
    let mut all = Vec::new();
    loop {
        let got = h.receive(url, 1, Some(60)).await;
        let Some(m) = got.into_iter().next() else {
            return all;
        };
        delete(h, url, &m).await;
        all.push(m);
    }
}

async fn receive_with_attempt(h: &Harness, url: &str, max: i32, attempt: &str) -> Vec<Message> {
    h.client
        .receive_message()
        .queue_url(url)
        .max_number_of_messages(max)
        .visibility_timeout(30)
        .receive_request_attempt_id(attempt)
        .message_system_attribute_names(S::All)
        .send()
        .await
        .expect("receive with attempt id")
        .messages
        .unwrap_or_default()
}

#[tokio::test]
async fn fifo_queues_are_created_with_fifo_attributes() {
    let h = Harness::start().await;
    // FifoQueue=true needs a .fifo name, and a .fifo name needs FifoQueue=true.
    expect_error(
        h.client
            .create_queue()
            .queue_name("plain")
            .attributes(A::FifoQueue, "true")
            .send()
            .await,
        "InvalidParameterValue",
        400,
    );
    expect_error(
        h.client
            .create_queue()
            .queue_name("orders.fifo")
            .send()
            .await,
        "InvalidParameterValue",
        400,
    );
    expect_error(
        h.client
            .create_queue()
            .queue_name("orders.fifo")
            .attributes(A::FifoQueue, "false")
            .send()
            .await,
        // A standard queue knows no FifoQueue attribute, even "false".
        "InvalidAttributeName",
        400,
    );

    let url = h.create_queue("orders.fifo", &[FIFO]).await;
    let attrs = h.attributes(&url).await;
    assert_eq!(attrs[&A::FifoQueue], "true");
    assert_eq!(attrs[&A::ContentBasedDeduplication], "false");
    assert_eq!(attrs[&A::DeduplicationScope], "queue");
    assert_eq!(attrs[&A::FifoThroughputLimit], "perQueue");
    assert_eq!(attrs[&A::QueueArn], arn_of("orders.fifo"));

    // A standard queue shows none of them and accepts none of them.
    let standard = h.create_queue("standard", &[]).await;
    let attrs = h.attributes(&standard).await;
    for name in [
        A::FifoQueue,
        A::ContentBasedDeduplication,
        A::DeduplicationScope,
        A::FifoThroughputLimit,
    ] {
        assert!(!attrs.contains_key(&name), "{name:?} on a standard queue");
    }
    for (name, value) in [
        (A::ContentBasedDeduplication, "true"),
        (A::DeduplicationScope, "messageGroup"),
        (A::FifoThroughputLimit, "perMessageGroupId"),
    ] {
        expect_error(
            h.client
                .create_queue()
                .queue_name("standard-2")
                .attributes(name.clone(), value)
                .send()
                .await,
            "InvalidAttributeName",
            400,
        );
        expect_error(
            h.client
                .set_queue_attributes()
                .queue_url(&standard)
                .attributes(name, value)
                .send()
                .await,
            "InvalidAttributeName",
            400,
        );
    }

    // High throughput needs per-group deduplication.
    expect_error(
        h.client
            .create_queue()
            .queue_name("fast.fifo")
            .attributes(A::FifoQueue, "true")
            .attributes(A::FifoThroughputLimit, "perMessageGroupId")
            .send()
            .await,
        "InvalidAttributeValue",
        400,
    );
    let fast = h
        .create_queue(
            "fast.fifo",
            &[
                FIFO,
                (A::FifoThroughputLimit, "perMessageGroupId"),
                (A::DeduplicationScope, "messageGroup"),
                (A::ContentBasedDeduplication, "true"),
            ],
        )
        .await;
    let attrs = h.attributes(&fast).await;
    assert_eq!(attrs[&A::FifoThroughputLimit], "perMessageGroupId");
    assert_eq!(attrs[&A::DeduplicationScope], "messageGroup");
    assert_eq!(attrs[&A::ContentBasedDeduplication], "true");
    // ... and stays consistent when changed later.
    expect_error(
        h.client
            .set_queue_attributes()
            .queue_url(&fast)
            .attributes(A::DeduplicationScope, "queue")
            .send()
            .await,
        "InvalidAttributeValue",
        400,
    );
    h.client
        .set_queue_attributes()
        .queue_url(&url)
        .attributes(A::ContentBasedDeduplication, "true")
        .send()
        .await
        .expect("FIFO attributes can be changed");
    assert_eq!(
        h.attribute(&url, A::ContentBasedDeduplication).await,
        Some("true".into())
    );

    // FifoQueue is fixed at creation: a FIFO queue accepts "true" (no change) and
    // refuses "false"; a standard queue knows no such attribute.
    h.client
        .set_queue_attributes()
        .queue_url(&url)
        .attributes(A::FifoQueue, "true")
        .send()
        .await
        .expect("FifoQueue=true on a FIFO queue changes nothing");
    for (queue, value, code) in [
        (&url, "false", "InvalidAttributeValue"),
        (&standard, "true", "InvalidAttributeName"),
        (&standard, "false", "InvalidAttributeName"),
    ] {
        expect_error(
            h.client
                .set_queue_attributes()
                .queue_url(queue)
                .attributes(A::FifoQueue, value)
                .send()
                .await,
            code,
            400,
        );
    }
    assert_eq!(h.attribute(&url, A::FifoQueue).await, Some("true".into()));

    // A FIFO queue's dead-letter queue must be FIFO too, and the other way round.
    let std_dlq_policy = format!(
        r#"{{"deadLetterTargetArn":"{}","maxReceiveCount":"3"}}"#,
        arn_of("standard")
    );
    expect_error(
        h.client
            .create_queue()
            .queue_name("src.fifo")
            .attributes(A::FifoQueue, "true")
            .attributes(A::RedrivePolicy, &std_dlq_policy)
            .send()
            .await,
        "InvalidParameterValue",
        400,
    );
    expect_error(
        h.client
            .set_queue_attributes()
            .queue_url(&url)
            .attributes(A::RedrivePolicy, &std_dlq_policy)
            .send()
            .await,
        "InvalidParameterValue",
        400,
    );
    let fifo_dlq_policy = format!(
        r#"{{"deadLetterTargetArn":"{}","maxReceiveCount":"3"}}"#,
        arn_of("fast.fifo")
    );
    expect_error(
        h.client
            .set_queue_attributes()
            .queue_url(&standard)
            .attributes(A::RedrivePolicy, &fifo_dlq_policy)
            .send()
            .await,
        "InvalidParameterValue",
        400,
    );
    h.create_queue(
        "src.fifo",
        &[FIFO, (A::RedrivePolicy, fifo_dlq_policy.as_str())],
    )
    .await;
    h.stop().await;
}

#[tokio::test]
async fn fifo_sends_need_a_group_and_a_deduplication_id() {
    let h = Harness::start().await;
    let url = h.create_queue("rules.fifo", &[FIFO]).await;
    expect_error(
        h.client
            .send_message()
            .queue_url(&url)
            .message_body("no group")
            .message_deduplication_id("d")
            .send()
            .await,
        "MissingParameter",
        400,
    );
    expect_error(
        h.client
            .send_message()
            .queue_url(&url)
            .message_body("no dedup id")
            .message_group_id("g")
            .send()
            .await,
        "InvalidParameterValue",
        400,
    );
    // Only the queue's delay applies: a per-message delay is refused, except 0.
    expect_error(
        h.client
            .send_message()
            .queue_url(&url)
            .message_body("delayed")
            .message_group_id("g")
            .message_deduplication_id("d-delay")
            .delay_seconds(5)
            .send()
            .await,
        "InvalidParameterValue",
        400,
    );
    for (group, dedup) in [("", "d"), ("g", ""), ("bad group", "d"), ("g", "bad id")] {
        expect_error(
            h.client
                .send_message()
                .queue_url(&url)
                .message_body("bad ids")
                .message_group_id(group)
                .message_deduplication_id(dedup)
                .send()
                .await,
            "InvalidParameterValue",
            400,
        );
    }
    expect_error(
        h.client
            .send_message()
            .queue_url(&url)
            .message_body("long id")
            .message_group_id("g")
            .message_deduplication_id("x".repeat(129))
            .send()
            .await,
        "InvalidParameterValue",
        400,
    );
    assert_eq!(h.counts(&url).await, (0, 0, 0));
    h.client
        .send_message()
        .queue_url(&url)
        .message_body("zero delay")
        .message_group_id("g")
        .message_deduplication_id("d-zero")
        .delay_seconds(0)
        .send()
        .await
        .expect("DelaySeconds 0 is accepted");

    // A standard queue refuses a deduplication id.
    let standard = h.create_queue("plain", &[]).await;
    expect_error(
        h.client
            .send_message()
            .queue_url(&standard)
            .message_body("x")
            .message_deduplication_id("d")
            .send()
            .await,
        "InvalidParameterValue",
        400,
    );

    // In a batch an entry without a group fails the whole request (as on AWS) ...
    expect_error(
        h.client
            .send_message_batch()
            .queue_url(&url)
            .entries(
                SendMessageBatchRequestEntry::builder()
                    .id("ok")
                    .message_body("c")
                    .message_group_id("g")
                    .message_deduplication_id("b0")
                    .build()
                    .unwrap(),
            )
            .entries(
                SendMessageBatchRequestEntry::builder()
                    .id("no-group")
                    .message_body("a")
                    .message_deduplication_id("b1")
                    .build()
                    .unwrap(),
            )
            .send()
            .await,
        "InvalidParameterValue",
        400,
    );
    // ... while other bad entries fail on their own and the good ones are sent.
    let out = h
        .client
        .send_message_batch()
        .queue_url(&url)
        .entries(
            SendMessageBatchRequestEntry::builder()
                .id("delayed")
                .message_body("b")
                .message_group_id("g")
                .message_deduplication_id("b2")
                .delay_seconds(3)
                .build()
                .unwrap(),
        )
        .entries(
            SendMessageBatchRequestEntry::builder()
                .id("ok")
                .message_body("c")
                .message_group_id("g")
                .message_deduplication_id("b3")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let failed: HashMap<&str, &str> = out.failed().iter().map(|f| (f.id(), f.code())).collect();
    assert_eq!(
        failed,
        HashMap::from([("delayed", "InvalidParameterValue")])
    );
    assert_eq!(out.successful().len(), 1);
    assert_eq!(out.successful()[0].id(), "ok");
    sequence_number(out.successful()[0].sequence_number());
    assert_eq!(h.counts(&url).await, (2, 0, 0));
    h.stop().await;
}

#[tokio::test]
async fn sequence_numbers_increase_and_receives_carry_fifo_attributes() {
    let h = Harness::start().await;
    let url = h.create_queue("seq.fifo", &[FIFO]).await;
    let mut sent = Vec::new();
    for i in 0..5 {
        let group = if i % 2 == 0 { "even" } else { "odd" };
        let body = format!("m{i}");
        let (id, seq) = send_fifo(&h, &url, &body, group, Some(&format!("dedup-{i}"))).await;
        sent.push((body, group, id, seq));
    }
    let mut batch = h.client.send_message_batch().queue_url(&url);
    for i in 5..8 {
        batch = batch.entries(
            SendMessageBatchRequestEntry::builder()
                .id(format!("e{i}"))
                .message_body(format!("m{i}"))
                .message_group_id("batch")
                .message_deduplication_id(format!("dedup-{i}"))
                .build()
                .unwrap(),
        );
    }
    let out = batch.send().await.unwrap();
    assert!(out.failed().is_empty(), "{:?}", out.failed());
    for (i, ok) in (5..8).zip(out.successful()) {
        assert_eq!(ok.id(), format!("e{i}"));
        sent.push((
            format!("m{i}"),
            "batch",
            ok.message_id().to_owned(),
            sequence_number(ok.sequence_number()),
        ));
    }
    // Strictly increasing, as numbers (and, being zero-padded, as strings).
    for pair in sent.windows(2) {
        let (a, b) = (&pair[0].3, &pair[1].3);
        assert!(
            a.parse::<u128>().unwrap() < b.parse::<u128>().unwrap(),
            "{a} then {b}"
        );
    }

    let got = h.receive(&url, 10, Some(60)).await;
    assert_eq!(got.len(), 8);
    let by_body: HashMap<&str, &Message> = got.iter().map(|m| (body_of(m), m)).collect();
    for (body, group, id, seq) in &sent {
        let m = by_body[body.as_str()];
        assert_eq!(m.message_id(), Some(id.as_str()));
        assert_eq!(
            system_attr(m, S::SequenceNumber).as_deref(),
            Some(seq.as_str())
        );
        assert_eq!(system_attr(m, S::MessageGroupId).as_deref(), Some(*group));
        let dedup = format!("dedup-{}", &body[1..]);
        assert_eq!(
            system_attr(m, S::MessageDeduplicationId).as_deref(),
            Some(dedup.as_str())
        );
        assert_eq!(
            system_attr(m, S::ApproximateReceiveCount).as_deref(),
            Some("1")
        );
    }
    // Asked for by name, only the named ones come back.
    for m in &got {
        delete(&h, &url, m).await;
    }
    send_fifo(&h, &url, "named", "g", Some("named")).await;
    let got = h
        .client
        .receive_message()
        .queue_url(&url)
        .message_system_attribute_names(S::MessageGroupId)
        .send()
        .await
        .unwrap()
        .messages
        .unwrap_or_default();
    assert_eq!(got.len(), 1);
    let names: BTreeSet<String> = got[0]
        .attributes()
        .unwrap()
        .keys()
        .map(|k| k.as_str().to_owned())
        .collect();
    assert_eq!(names, BTreeSet::from(["MessageGroupId".to_owned()]));
    h.stop().await;
}

#[tokio::test]
async fn deduplication_id_holds_for_five_minutes() {
    let h = Harness::start().await;
    let url = h.create_queue("dedup.fifo", &[FIFO]).await;
    let (id, seq) = send_fifo(&h, &url, "first", "g", Some("order-1")).await;
    // Within the window a duplicate is accepted and answered with the original's
    // identity, even with another body or another group; nothing new is enqueued.
    h.advance_secs(60).await;
    for (body, group) in [
        ("first", "g"),
        ("other body", "g"),
        ("first", "other-group"),
    ] {
        assert_eq!(
            send_fifo(&h, &url, body, group, Some("order-1")).await,
            (id.clone(), seq.clone()),
            "{body} in {group}"
        );
    }
    assert_eq!(h.counts(&url).await, (1, 0, 0));

    // Still a duplicate after the original was received and deleted.
    let got = h.receive(&url, 10, Some(30)).await;
    assert_eq!(bodies(&got), ["first"]);
    delete(&h, &url, &got[0]).await;
    assert_eq!(
        send_fifo(&h, &url, "first", "g", Some("order-1")).await,
        (id.clone(), seq.clone())
    );
    assert_eq!(h.counts(&url).await, (0, 0, 0));
    assert!(h.receive(&url, 10, None).await.is_empty());

    // The window counts from the first send: 5 minutes after it, the id is new again.
    h.advance_ms(239_999).await;
    assert_eq!(
        send_fifo(&h, &url, "first", "g", Some("order-1")).await.0,
        id
    );
    h.advance_ms(1).await;
    let (new_id, new_seq) = send_fifo(&h, &url, "again", "g", Some("order-1")).await;
    assert_ne!(new_id, id);
    assert!(new_seq > seq);
    assert_eq!(h.counts(&url).await, (1, 0, 0));
    let got = h.receive(&url, 10, None).await;
    assert_eq!(bodies(&got), ["again"]);
    assert_eq!(got[0].message_id(), Some(new_id.as_str()));
    h.stop().await;
}

#[tokio::test]
async fn content_based_deduplication_hashes_the_body() {
    let h = Harness::start().await;
    let url = h
        .create_queue(
            "content.fifo",
            &[FIFO, (A::ContentBasedDeduplication, "true")],
        )
        .await;
    let (id, seq) = send_fifo(&h, &url, "abc", "g", None).await;
    assert_eq!(
        send_fifo(&h, &url, "abc", "h", None).await,
        (id.clone(), seq)
    );
    let (other, _) = send_fifo(&h, &url, "abd", "g", None).await;
    assert_ne!(other, id);
    // An explicit id overrides the hash: same body, new message.
    let (explicit, _) = send_fifo(&h, &url, "abc", "g", Some("explicit")).await;
    assert_ne!(explicit, id);
    // The SHA-256 of "abc" (the FIPS 180-2 test vector) is the generated id, so an
    // explicit id equal to it is a duplicate of the first message.
    const SHA256_ABC: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    assert_eq!(
        send_fifo(&h, &url, "xyz", "g", Some(SHA256_ABC)).await.0,
        id
    );
    assert_eq!(h.counts(&url).await, (3, 0, 0));
    let got = h.receive(&url, 10, Some(30)).await;
    assert_eq!(bodies(&got), ["abc", "abd", "abc"]);
    assert_eq!(
        system_attr(&got[0], S::MessageDeduplicationId).as_deref(),
        Some(SHA256_ABC)
    );
    assert_eq!(
        system_attr(&got[2], S::MessageDeduplicationId).as_deref(),
        Some("explicit")
    );
    h.stop().await;
}

#[tokio::test]
async fn message_group_scope_deduplicates_per_group() {
    let h = Harness::start().await;
    let url = h
        .create_queue(
            "scoped.fifo",
            &[
                FIFO,
                (A::DeduplicationScope, "messageGroup"),
                (A::FifoThroughputLimit, "perMessageGroupId"),
            ],
        )
        .await;
    let (a, _) = send_fifo(&h, &url, "in a", "a", Some("same")).await;
    let (b, _) = send_fifo(&h, &url, "in b", "b", Some("same")).await;
    assert_ne!(a, b);
    assert_eq!(
        send_fifo(&h, &url, "again in a", "a", Some("same")).await.0,
        a
    );
    assert_eq!(h.counts(&url).await, (2, 0, 0));
    let got = h.receive(&url, 10, None).await;
    assert_eq!(bodies(&got), ["in a", "in b"]);
    h.stop().await;
}

#[tokio::test]
async fn duplicates_inside_one_batch_are_enqueued_once() {
    let h = Harness::start().await;
    let url = h.create_queue("batchdup.fifo", &[FIFO]).await;
    let (earlier, earlier_seq) = send_fifo(&h, &url, "earlier", "g", Some("x0")).await;
    let entry = |id: &str, body: &str, dedup: &str| {
        SendMessageBatchRequestEntry::builder()
            .id(id)
            .message_body(body)
            .message_group_id("g")
            .message_deduplication_id(dedup)
            .build()
            .unwrap()
    };
    let out = h
        .client
        .send_message_batch()
        .queue_url(&url)
        .entries(entry("e1", "one", "x1"))
        .entries(entry("e2", "one again", "x1"))
        .entries(entry("e3", "two", "x2"))
        .entries(entry("e4", "earlier again", "x0"))
        .send()
        .await
        .unwrap();
    assert!(out.failed().is_empty(), "{:?}", out.failed());
    let ok: HashMap<&str, (&str, String)> = out
        .successful()
        .iter()
        .map(|e| {
            (
                e.id(),
                (e.message_id(), sequence_number(e.sequence_number())),
            )
        })
        .collect();
    assert_eq!(ok.len(), 4);
    assert_eq!(ok["e1"], ok["e2"]);
    assert_ne!(ok["e1"].0, ok["e3"].0);
    assert!(ok["e1"].1 < ok["e3"].1);
    assert_eq!(ok["e4"], (earlier.as_str(), earlier_seq));
    assert_eq!(h.counts(&url).await, (3, 0, 0));
    let got = h.receive(&url, 10, None).await;
    assert_eq!(bodies(&got), ["earlier", "one", "two"]);
    h.stop().await;
}

#[tokio::test]
async fn a_group_comes_back_in_send_order() {
    let h = Harness::start().await;
    let url = h.create_queue("order.fifo", &[FIFO]).await;
    let mut sent = Vec::new();
    for i in 0..20 {
        // Interleave a second group so the queue's order is not the group's order.
        sent.push(format!("g-{i:02}"));
        send_in(&h, &url, "g", &format!("g-{i:02}")).await;
        send_in(&h, &url, "noise", &format!("noise-{i:02}")).await;
    }
    let got = drain_in_order(&h, &url).await;
    let in_g: Vec<&str> = got
        .iter()
        .filter(|m| system_attr(m, S::MessageGroupId).as_deref() == Some("g"))
        .map(body_of)
        .collect();
    assert_eq!(in_g, sent);
    let seqs: Vec<u128> = got
        .iter()
        .filter(|m| system_attr(m, S::MessageGroupId).as_deref() == Some("g"))
        .map(|m| system_attr(m, S::SequenceNumber).unwrap().parse().unwrap())
        .collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    assert_eq!(got.len(), 40);
    h.stop().await;
}

#[tokio::test]
async fn an_in_flight_message_locks_its_group_only() {
    let h = Harness::start().await;
    let url = h.create_queue("lock.fifo", &[FIFO]).await;
    for i in 0..4 {
        send_in(&h, &url, "a", &format!("a{i}")).await;
        if i < 3 {
            send_in(&h, &url, "b", &format!("b{i}")).await;
        }
    }
    send_in(&h, &url, "c", "c0").await;

    // One message of a: the rest of a is held back from every later receive, while
    // b and c flow; one receive takes several messages of a group, in order.
    let first = h.receive(&url, 1, Some(30)).await;
    assert_eq!(bodies(&first), ["a0"]);
    let second = h.receive(&url, 10, Some(30)).await;
    assert_eq!(bodies(&second), ["b0", "b1", "b2", "c0"]);
    assert!(h.receive(&url, 10, Some(30)).await.is_empty());
    assert_eq!(h.counts(&url).await, (3, 5, 0));
    // Deleting messages of b does not release a.
    for m in &second {
        delete(&h, &url, m).await;
    }
    assert!(h.receive(&url, 10, Some(30)).await.is_empty());

    // Deleting a0 releases a: the next two come in order, and lock a again.
    delete(&h, &url, &first[0]).await;
    let next = h.receive(&url, 2, Some(30)).await;
    assert_eq!(bodies(&next), ["a1", "a2"]);
    assert!(h.receive(&url, 10, Some(30)).await.is_empty());
    // Deleting the later one of the two does not release the group either.
    delete(&h, &url, &next[1]).await;
    assert!(h.receive(&url, 10, Some(30)).await.is_empty());

    // Nobody deletes a1: after its visibility timeout the group resumes from a1.
    h.advance_secs(29).await;
    assert!(h.receive(&url, 10, Some(30)).await.is_empty());
    h.advance_secs(1).await;
    let again = h.receive(&url, 10, Some(30)).await;
    assert_eq!(bodies(&again), ["a1", "a3"]);
    assert_eq!(
        system_attr(&again[0], S::ApproximateReceiveCount).as_deref(),
        Some("2")
    );
    assert_eq!(again[0].message_id(), next[0].message_id());
    assert_eq!(
        system_attr(&again[1], S::ApproximateReceiveCount).as_deref(),
        Some("1")
    );

    // The handle from before the redelivery is stale for both changes and deletes.
    let stale = handle_of(&next[0]);
    assert_ne!(stale, handle_of(&again[0]));
    expect_error(
        h.client
            .change_message_visibility()
            .queue_url(&url)
            .receipt_handle(&stale)
            .visibility_timeout(10)
            .send()
            .await,
        "InvalidParameterValue",
        400,
    );
    expect_error(
        h.client
            .delete_message()
            .queue_url(&url)
            .receipt_handle(&stale)
            .send()
            .await,
        "InvalidParameterValue",
        400,
    );
    assert_eq!(h.counts(&url).await, (0, 2, 0));
    // The current handles work.
    for m in &again {
        delete(&h, &url, m).await;
    }
    assert_eq!(h.counts(&url).await, (0, 0, 0));
    h.stop().await;
}

#[tokio::test]
async fn visibility_zero_on_the_head_returns_the_group_in_order() {
    let h = Harness::start().await;
    let url = h.create_queue("release.fifo", &[FIFO]).await;
    for i in 0..3 {
        send_in(&h, &url, "g", &format!("m{i}")).await;
    }
    let got = h.receive(&url, 10, Some(60)).await;
    assert_eq!(bodies(&got), ["m0", "m1", "m2"]);
    // Releasing a later message does not let it overtake the head.
    h.client
        .change_message_visibility()
        .queue_url(&url)
        .receipt_handle(handle_of(&got[2]))
        .visibility_timeout(0)
        .send()
        .await
        .unwrap();
    assert!(h.receive(&url, 10, Some(60)).await.is_empty());
    for m in &got[..2] {
        h.client
            .change_message_visibility()
            .queue_url(&url)
            .receipt_handle(handle_of(m))
            .visibility_timeout(0)
            .send()
            .await
            .unwrap();
    }
    let again = h.receive(&url, 10, Some(60)).await;
    assert_eq!(bodies(&again), ["m0", "m1", "m2"]);
    h.stop().await;
}

#[tokio::test]
async fn receive_request_attempt_id_retries_return_the_same_messages() {
    let h = Harness::start().await;
    let url = h.create_queue("attempt.fifo", &[FIFO]).await;
    for i in 0..4 {
        send_in(&h, &url, "g", &format!("m{i}")).await;
    }
    let first = receive_with_attempt(&h, &url, 2, "try-1").await;
    assert_eq!(bodies(&first), ["m0", "m1"]);
    h.advance_secs(20).await;
    let retry = receive_with_attempt(&h, &url, 2, "try-1").await;
    assert_eq!(bodies(&retry), ["m0", "m1"]);
    let handles = |ms: &[Message]| ms.iter().map(handle_of).collect::<Vec<_>>();
    assert_eq!(handles(&retry), handles(&first));
    // The retry started the visibility timeout again: still hidden 29 s later.
    h.advance_secs(29).await;
    assert!(h.receive(&url, 10, None).await.is_empty());
    // A different attempt id is a new receive (the group is locked: nothing).
    assert!(receive_with_attempt(&h, &url, 2, "try-2").await.is_empty());
    // The handles from the first try still delete.
    delete(&h, &url, &first[0]).await;
    // Once one of its messages is deleted, a retry is an ordinary receive.
    delete(&h, &url, &first[1]).await;
    let after = receive_with_attempt(&h, &url, 1, "try-1").await;
    assert_eq!(bodies(&after), ["m2"]);
    // And that receive is what the id now answers with.
    let again = receive_with_attempt(&h, &url, 1, "try-1").await;
    assert_eq!(handles(&again), handles(&after));
    // Once the visibility timeout has run out, a retry is a new receive too: the same
    // message, received a second time under a new handle.
    h.advance_secs(30).await;
    let expired = receive_with_attempt(&h, &url, 1, "try-1").await;
    assert_eq!(bodies(&expired), ["m2"]);
    assert_ne!(handles(&expired), handles(&after));
    assert_eq!(
        system_attr(&expired[0], S::ApproximateReceiveCount).as_deref(),
        Some("2")
    );
    h.stop().await;
}

#[tokio::test]
async fn batch_sends_keep_group_order() {
    let h = Harness::start().await;
    let url = h.create_queue("batchorder.fifo", &[FIFO]).await;
    let mut expected_x = Vec::new();
    for batch_no in 0..3 {
        let mut batch = h.client.send_message_batch().queue_url(&url);
        for i in 0..10 {
            let group = if i % 3 == 0 { "y" } else { "x" };
            let body = format!("{group}-{batch_no}-{i}");
            if group == "x" {
                expected_x.push(body.clone());
            }
            batch = batch.entries(
                SendMessageBatchRequestEntry::builder()
                    .id(format!("e{i}"))
                    .message_body(&body)
                    .message_group_id(group)
                    .message_deduplication_id(&body)
                    .build()
                    .unwrap(),
            );
        }
        let out = batch.send().await.unwrap();
        assert!(out.failed().is_empty());
        let seqs: Vec<String> = out
            .successful()
            .iter()
            .map(|e| sequence_number(e.sequence_number()))
            .collect();
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    }
    let got = drain_in_order(&h, &url).await;
    let x: Vec<&str> = got
        .iter()
        .map(body_of)
        .filter(|b| b.starts_with("x-"))
        .collect();
    assert_eq!(x, expected_x);
    assert_eq!(got.len(), 30);
    h.stop().await;
}

#[tokio::test]
async fn the_queue_delay_applies_to_fifo_messages() {
    let h = Harness::start().await;
    let url = h
        .create_queue("delay.fifo", &[FIFO, (A::DelaySeconds, "10")])
        .await;
    send_in(&h, &url, "g", "late-1").await;
    send_in(&h, &url, "g", "late-2").await;
    assert_eq!(h.counts(&url).await, (0, 0, 2));
    h.advance_secs(9).await;
    assert!(h.receive(&url, 10, None).await.is_empty());
    h.advance_secs(1).await;
    assert_eq!(h.counts(&url).await, (2, 0, 0));
    assert_eq!(
        bodies(&h.receive(&url, 10, None).await),
        ["late-1", "late-2"]
    );
    h.stop().await;
}

#[tokio::test]
async fn dead_letters_keep_their_group_and_move_back_in_order() {
    let h = Harness::start().await;
    let dlq = h.create_queue("dead.fifo", &[FIFO]).await;
    let dlq_arn = arn_of("dead.fifo");
    let policy = format!(r#"{{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":"1"}}"#);
    let src = h
        .create_queue("live.fifo", &[FIFO, (A::RedrivePolicy, policy.as_str())])
        .await;
    let mut sent = Vec::new();
    for i in 0..3 {
        let body = format!("job-{i}");
        sent.push((body.clone(), send_in(&h, &src, "jobs", &body).await));
    }
    send_in(&h, &src, "other", "keep").await;
    let got = h.receive(&src, 3, Some(30)).await;
    assert_eq!(bodies(&got), ["job-0", "job-1", "job-2"]);
    h.advance_secs(30).await;
    let moved_at_ms = h.now_ms();
    // Received once already: the next receive moves the group to the dead-letter
    // queue and goes on with the other group.
    let next = h.receive(&src, 10, Some(30)).await;
    assert_eq!(bodies(&next), ["keep"]);
    delete(&h, &src, &next[0]).await;
    assert_eq!(h.counts(&src).await, (0, 0, 0));
    assert_eq!(h.counts(&dlq).await, (3, 0, 0));

    let dead = h.receive(&dlq, 10, Some(5)).await;
    assert_eq!(bodies(&dead), ["job-0", "job-1", "job-2"]);
    for (m, (body, (id, seq))) in dead.iter().zip(&sent) {
        assert_eq!(body_of(m), body);
        assert_eq!(m.message_id(), Some(id.as_str()));
        assert_eq!(system_attr(m, S::MessageGroupId).as_deref(), Some("jobs"));
        // In a FIFO dead-letter queue the deduplication id becomes the message id, so
        // two dead letters that shared an id are both kept (as AWS documents).
        assert_eq!(
            system_attr(m, S::MessageDeduplicationId).as_deref(),
            Some(id.as_str())
        );
        assert_eq!(system_attr(m, S::SequenceNumber).as_ref(), Some(seq));
        // A FIFO dead-letter queue restarts the enqueue time (AWS documents this).
        assert_eq!(
            system_attr(m, S::SentTimestamp),
            Some(moved_at_ms.to_string())
        );
        assert_eq!(
            system_attr(m, S::DeadLetterQueueSourceArn),
            Some(arn_of("live.fifo"))
        );
    }
    // The dead-letter queue locks the group like any FIFO queue.
    assert!(h.receive(&dlq, 10, Some(5)).await.is_empty());
    h.advance_secs(5).await;

    // Redrive them back to the source: same group, same order.
    h.client
        .start_message_move_task()
        .source_arn(&dlq_arn)
        .send()
        .await
        .expect("a move task on a FIFO dead-letter queue starts");
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let tasks = h
            .client
            .list_message_move_tasks()
            .source_arn(&dlq_arn)
            .send()
            .await
            .unwrap();
        let task = &tasks.results()[0];
        if task.status() != Some("RUNNING") {
            assert_eq!(task.status(), Some("COMPLETED"), "{task:?}");
            assert_eq!(task.approximate_number_of_messages_moved(), 3);
            break;
        }
        assert!(Instant::now() < deadline, "move task still running");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(h.counts(&dlq).await, (0, 0, 0));
    let back = drain_in_order(&h, &src).await;
    assert_eq!(bodies(&back), ["job-0", "job-1", "job-2"]);
    // Redriven messages are new messages: new ids, and sequence numbers after
    // everything the source held, in the order they were moved.
    let mut last_seq = sent[2].1 .1.clone();
    for m in &back {
        assert!(sent
            .iter()
            .all(|(_, (id, _))| m.message_id() != Some(id.as_str())));
        let seq = system_attr(m, S::SequenceNumber).unwrap();
        assert!(seq > last_seq, "{seq} after {last_seq}");
        last_seq = seq;
        assert_eq!(system_attr(m, S::MessageGroupId).as_deref(), Some("jobs"));
        assert_eq!(system_attr(m, S::DeadLetterQueueSourceArn), None);
        assert_eq!(
            system_attr(m, S::ApproximateReceiveCount).as_deref(),
            Some("1")
        );
    }
    h.stop().await;
}

#[tokio::test]
async fn purge_empties_a_fifo_queue_and_unlocks_its_groups() {
    let h = Harness::start().await;
    let url = h.create_queue("purge.fifo", &[FIFO]).await;
    for body in ["a0", "a1"] {
        send_in(&h, &url, "a", body).await;
    }
    send_in(&h, &url, "b", "b0").await;
    let held = h.receive(&url, 1, Some(600)).await;
    assert_eq!(bodies(&held), ["a0"]);
    assert_eq!(h.counts(&url).await, (2, 1, 0));
    h.client.purge_queue().queue_url(&url).send().await.unwrap();
    assert_eq!(h.counts(&url).await, (0, 0, 0));
    assert!(h.receive(&url, 10, None).await.is_empty());
    // The purged in-flight message no longer holds its group.
    send_in(&h, &url, "a", "a2").await;
    let got = h.receive(&url, 10, Some(30)).await;
    assert_eq!(bodies(&got), ["a2"]);
    // Its old handle deletes nothing (the message is gone; deleting is idempotent).
    delete(&h, &url, &held[0]).await;
    delete(&h, &url, &got[0]).await;
    assert_eq!(h.counts(&url).await, (0, 0, 0));
    h.stop().await;
}

#[tokio::test]
async fn batch_deletes_and_visibility_changes_refuse_stale_handles() {
    let h = Harness::start().await;
    let url = h.create_queue("stale.fifo", &[FIFO]).await;
    send_in(&h, &url, "g", "m0").await;
    send_in(&h, &url, "g", "m1").await;
    let old = h.receive(&url, 10, Some(10)).await;
    assert_eq!(bodies(&old), ["m0", "m1"]);
    h.advance_secs(10).await;
    let new = h.receive(&url, 10, Some(10)).await;
    assert_eq!(bodies(&new), ["m0", "m1"]);

    let out = h
        .client
        .change_message_visibility_batch()
        .queue_url(&url)
        .entries(
            ChangeMessageVisibilityBatchRequestEntry::builder()
                .id("stale")
                .receipt_handle(handle_of(&old[0]))
                .visibility_timeout(60)
                .build()
                .unwrap(),
        )
        .entries(
            ChangeMessageVisibilityBatchRequestEntry::builder()
                .id("current")
                .receipt_handle(handle_of(&new[0]))
                .visibility_timeout(60)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(out.successful().len(), 1);
    assert_eq!(out.successful()[0].id(), "current");
    assert_eq!(out.failed().len(), 1);
    assert_eq!(
        (out.failed()[0].id(), out.failed()[0].code()),
        ("stale", "InvalidParameterValue")
    );

    let out = h
        .client
        .delete_message_batch()
        .queue_url(&url)
        .entries(
            DeleteMessageBatchRequestEntry::builder()
                .id("stale")
                .receipt_handle(handle_of(&old[1]))
                .build()
                .unwrap(),
        )
        .entries(
            DeleteMessageBatchRequestEntry::builder()
                .id("current")
                .receipt_handle(handle_of(&new[0]))
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(out.successful().len(), 1);
    assert_eq!(out.successful()[0].id(), "current");
    assert_eq!(
        (out.failed()[0].id(), out.failed()[0].code()),
        ("stale", "InvalidParameterValue")
    );
    // m1 was not deleted by its stale handle: it is still in flight under the new one.
    assert_eq!(h.counts(&url).await, (0, 1, 0));
    delete(&h, &url, &new[1]).await;
    assert_eq!(h.counts(&url).await, (0, 0, 0));
    h.stop().await;
}

/// Starts a long poll and checks that it is parked on the server.
fn long_poll(h: &Harness, url: &str) -> tokio::task::JoinHandle<Vec<Message>> {
    let client = h.client.clone();
    let url = url.to_owned();
    tokio::spawn(async move {
        client
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .visibility_timeout(30)
            .wait_time_seconds(20)
            .message_system_attribute_names(S::All)
            .send()
            .await
            .expect("long poll")
            .messages
            .unwrap_or_default()
    })
}

#[tokio::test]
async fn a_long_poll_on_a_locked_group_wakes_when_the_group_unlocks() {
    let h = Harness::start().await;
    let url = h.create_queue("poll.fifo", &[FIFO]).await;
    for body in ["m0", "m1", "m2"] {
        send_in(&h, &url, "g", body).await;
    }
    let head = h.receive(&url, 1, Some(30)).await;
    assert_eq!(bodies(&head), ["m0"]);

    // Deleting the head releases the group to the waiting poll.
    let poll = long_poll(&h, &url);
    settle().await;
    assert!(!poll.is_finished(), "the group is locked: the poll waits");
    delete(&h, &url, &head[0]).await;
    let got = within("long poll", poll).await.unwrap();
    assert_eq!(bodies(&got), ["m1", "m2"]);

    // An expiring visibility timeout releases it too, from the first undeleted one.
    let poll = long_poll(&h, &url);
    settle().await;
    assert!(
        !poll.is_finished(),
        "the group is locked again: the poll waits"
    );
    h.advance_secs(30).await;
    let again = within("long poll", poll).await.unwrap();
    assert_eq!(bodies(&again), ["m1", "m2"]);
    assert_eq!(
        system_attr(&again[0], S::ApproximateReceiveCount).as_deref(),
        Some("2")
    );
    h.stop().await;
}
