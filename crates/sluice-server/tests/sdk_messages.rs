//! Message actions through the official AWS SDK (AWS JSON 1.0) against a running
//! server: sends and their digests, batches, receives with every attribute selector,
//! long polls woken through the test clock, deletes and visibility changes.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use aws_sdk_sqs::operation::change_message_visibility::ChangeMessageVisibilityError;
use aws_sdk_sqs::operation::delete_message::DeleteMessageError;
use aws_sdk_sqs::operation::delete_message_batch::DeleteMessageBatchError;
use aws_sdk_sqs::operation::receive_message::ReceiveMessageError;
use aws_sdk_sqs::operation::send_message::SendMessageError;
use aws_sdk_sqs::operation::send_message_batch::SendMessageBatchError;
use aws_sdk_sqs::types::{
    ChangeMessageVisibilityBatchRequestEntry, DeleteMessageBatchRequestEntry, Message,
    MessageAttributeValue, MessageSystemAttributeName as S, MessageSystemAttributeNameForSends,
    MessageSystemAttributeValue, QueueAttributeName as A, SendMessageBatchRequestEntry,
};
use common::*;
use tokio::task::JoinHandle;

fn body_of(m: &Message) -> &str {
    m.body().expect("body")
}

fn handle_of(m: &Message) -> String {
    m.receipt_handle().expect("receipt handle").to_owned()
}

fn bodies(messages: &[Message]) -> BTreeSet<String> {
    messages.iter().map(|m| body_of(m).to_owned()).collect()
}

fn entry(id: &str, body: &str) -> SendMessageBatchRequestEntry {
    SendMessageBatchRequestEntry::builder()
        .id(id)
        .message_body(body)
        .build()
        .unwrap()
}

/// Starts a long poll (WaitTimeSeconds `wait`, or the queue's default when `None`) and
/// checks that it is parked on the server before returning.
async fn start_long_poll(h: &Harness, url: &str, wait: Option<i32>) -> JoinHandle<Vec<Message>> {
    let client = h.client.clone();
    let url = url.to_owned();
    let poll = tokio::spawn(async move {
        client
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .set_wait_time_seconds(wait)
            .message_system_attribute_names(S::All)
            .send()
            .await
            .expect("long poll")
            .messages
            .unwrap_or_default()
    });
    settle().await;
    assert!(!poll.is_finished(), "the long poll should be waiting");
    poll
}

async fn finish(poll: JoinHandle<Vec<Message>>) -> Vec<Message> {
    within("long poll", poll).await.expect("long poll task")
}

#[tokio::test]
async fn send_message_digests_match_an_independent_computation() {
    let h = Harness::start().await;
    let url = h.create_queue("digests", &[]).await;
    let body = "héllo wörld ✓ 🚀";
    let attrs: HashMap<String, MessageAttributeValue> = [
        ("Str", string_attr("String", "value ü")),
        ("num", string_attr("Number", "-12.5e3")),
        ("bin", binary_attr(&[0, 1, 2, 254, 255])),
        ("custom", string_attr("String.json", r#"{"a":1}"#)),
        ("Bin.custom", binary_attr(&[9, 8, 7])),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1";
    let sent = h
        .client
        .send_message()
        .queue_url(&url)
        .message_body(body)
        .set_message_attributes(Some(attrs.clone()))
        .message_system_attributes(
            MessageSystemAttributeNameForSends::AwsTraceHeader,
            MessageSystemAttributeValue::builder()
                .data_type("String")
                .string_value(trace)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let expected_body_md5 = md5_hex(body.as_bytes());
    let expected_attrs_md5 = md5_of_sdk_attributes(&attrs);
    let expected_system_md5 =
        md5_of_attributes([("AWSTraceHeader", "String", AttrValue::Str(trace))]);
    assert_eq!(sent.md5_of_message_body(), Some(expected_body_md5.as_str()));
    assert_eq!(
        sent.md5_of_message_attributes(),
        Some(expected_attrs_md5.as_str())
    );
    assert_eq!(
        sent.md5_of_message_system_attributes(),
        Some(expected_system_md5.as_str())
    );
    let message_id = sent.message_id().unwrap();
    assert_eq!(message_id.len(), 36, "a UUID: {message_id}");

    let got = h.receive(&url, 1, None).await;
    assert_eq!(got.len(), 1);
    let m = &got[0];
    assert_eq!(m.message_id(), Some(message_id));
    assert_eq!(body_of(m), body);
    assert_eq!(m.md5_of_body(), Some(expected_body_md5.as_str()));
    assert_eq!(
        m.md5_of_message_attributes(),
        Some(expected_attrs_md5.as_str())
    );
    assert_eq!(m.message_attributes(), Some(&attrs));
    assert_eq!(system_attr(m, S::AwsTraceHeader).as_deref(), Some(trace));

    // Without attributes there is no attribute digest.
    let plain = h
        .client
        .send_message()
        .queue_url(&url)
        .message_body("plain")
        .send()
        .await
        .unwrap();
    assert_eq!(
        plain.md5_of_message_body(),
        Some(md5_hex(b"plain").as_str())
    );
    assert_eq!(plain.md5_of_message_attributes(), None);
    assert_eq!(plain.md5_of_message_system_attributes(), None);
    h.stop().await;
}

#[tokio::test]
async fn send_message_checks_body_characters() {
    let h = Harness::start().await;
    let url = h.create_queue("chars", &[]).await;
    for bad in ["bad\u{1}", "\u{B}", "x\u{FFFE}y", "\u{0}"] {
        let result = h
            .client
            .send_message()
            .queue_url(&url)
            .message_body(bad)
            .send()
            .await;
        let err = expect_error(result, "InvalidMessageContents", 400);
        assert!(
            matches!(
                err.into_service_error(),
                SendMessageError::InvalidMessageContents(_)
            ),
            "{bad:?}"
        );
    }
    assert_eq!(h.counts(&url).await, (0, 0, 0));
    let fine = "tab\tnl\ncr\r emoji 🚀 private \u{E000} last \u{10FFFF} <xml> & \"quotes\"";
    h.send(&url, fine).await;
    let got = h.receive(&url, 1, None).await;
    assert_eq!(body_of(&got[0]), fine);
    // An empty body is missing.
    let result = h
        .client
        .send_message()
        .queue_url(&url)
        .message_body("")
        .send()
        .await;
    expect_error(result, "MissingParameter", 400);
    h.stop().await;
}

#[tokio::test]
async fn message_size_limit_counts_attributes() {
    let h = Harness::start().await;
    let url = h
        .create_queue("small", &[(A::MaximumMessageSize, "1024")])
        .await;
    let send = |body: String, attr: Option<String>| {
        let mut req = h.client.send_message().queue_url(&url).message_body(body);
        if let Some(v) = attr {
            req = req.message_attributes("a", string_attr("String", &v));
        }
        req.send()
    };
    send("x".repeat(1024), None).await.unwrap();
    // 1000 + "a" (1) + "String" (6) + 17 = 1024.
    send("x".repeat(1000), Some("v".repeat(17))).await.unwrap();

    let result = send("x".repeat(1025), None).await;
    expect_error(result, "InvalidParameterValue", 400);
    let result = send("x".repeat(1000), Some("v".repeat(18))).await;
    expect_error(result, "InvalidParameterValue", 400);
    // Multi-byte characters count in bytes: 512 two-byte characters are 1024 bytes.
    send("é".repeat(512), None).await.unwrap();
    let result = send(format!("{}x", "é".repeat(512)), None).await;
    expect_error(result, "InvalidParameterValue", 400);

    assert_eq!(h.counts(&url).await, (3, 0, 0));
    h.stop().await;
}

#[tokio::test]
async fn at_most_ten_message_attributes() {
    let h = Harness::start().await;
    let url = h.create_queue("attrs", &[]).await;
    let send = |n: usize| {
        let mut req = h.client.send_message().queue_url(&url).message_body("m");
        for i in 0..n {
            req = req.message_attributes(format!("a{i}"), string_attr("String", "v"));
        }
        req.send()
    };
    send(10).await.unwrap();
    let result = send(11).await;
    expect_error(result, "InvalidParameterValue", 400);
    // Reserved and malformed attribute names and types.
    for (name, value) in [
        ("AWS.reserved", string_attr("String", "v")),
        ("amazon.reserved", string_attr("String", "v")),
        ("a..b", string_attr("String", "v")),
        ("ok", string_attr("Text", "v")),
        ("ok", string_attr("Number", "twelve")),
    ] {
        let result = h
            .client
            .send_message()
            .queue_url(&url)
            .message_body("m")
            .message_attributes(name, value)
            .send()
            .await;
        expect_error(result, "InvalidParameterValue", 400);
    }
    assert_eq!(h.counts(&url).await, (1, 0, 0));
    h.stop().await;
}

#[tokio::test]
async fn queue_delay_and_per_message_delay() {
    let h = Harness::start().await;
    let url = h.create_queue("delayed", &[(A::DelaySeconds, "10")]).await;
    h.send(&url, "queue delay").await;
    h.client
        .send_message()
        .queue_url(&url)
        .message_body("no delay")
        .delay_seconds(0)
        .send()
        .await
        .unwrap();
    h.client
        .send_message()
        .queue_url(&url)
        .message_body("long delay")
        .delay_seconds(20)
        .send()
        .await
        .unwrap();
    assert_eq!(h.counts(&url).await, (1, 0, 2));
    let got = h.receive(&url, 10, None).await;
    assert_eq!(bodies(&got), BTreeSet::from(["no delay".to_owned()]));

    h.advance_ms(9_999).await;
    assert!(h.receive(&url, 10, None).await.is_empty());
    h.advance_ms(1).await;
    let got = h.receive(&url, 10, None).await;
    assert_eq!(bodies(&got), BTreeSet::from(["queue delay".to_owned()]));
    assert_eq!(h.counts(&url).await, (0, 2, 1));
    h.advance_secs(10).await;
    let got = h.receive(&url, 10, None).await;
    assert_eq!(bodies(&got), BTreeSet::from(["long delay".to_owned()]));

    for bad in [901, -1] {
        let result = h
            .client
            .send_message()
            .queue_url(&url)
            .message_body("m")
            .delay_seconds(bad)
            .send()
            .await;
        expect_error(result, "InvalidParameterValue", 400);
    }
    h.stop().await;
}

#[tokio::test]
async fn deduplication_id_is_rejected_and_group_id_accepted_on_standard_queues() {
    let h = Harness::start().await;
    let url = h.create_queue("standard", &[]).await;
    let result = h
        .client
        .send_message()
        .queue_url(&url)
        .message_body("m")
        .message_deduplication_id("d1")
        .send()
        .await;
    expect_error(result, "InvalidParameterValue", 400);
    let result = h
        .client
        .send_message()
        .queue_url(&url)
        .message_body("m")
        .message_group_id("has space")
        .send()
        .await;
    expect_error(result, "InvalidParameterValue", 400);
    assert_eq!(h.counts(&url).await, (0, 0, 0));

    h.client
        .send_message()
        .queue_url(&url)
        .message_body("grouped")
        .message_group_id("tenant-7")
        .send()
        .await
        .unwrap();
    let got = h.receive(&url, 1, None).await;
    assert_eq!(body_of(&got[0]), "grouped");
    assert_eq!(
        system_attr(&got[0], S::MessageGroupId).as_deref(),
        Some("tenant-7")
    );
    assert_eq!(system_attr(&got[0], S::MessageDeduplicationId), None);
    h.stop().await;
}

#[tokio::test]
async fn send_message_batch_reports_each_entry() {
    let h = Harness::start().await;
    let url = h.create_queue("batched", &[]).await;
    let with_attr = SendMessageBatchRequestEntry::builder()
        .id("ok-1")
        .message_body("first")
        .message_attributes("k", string_attr("String", "v"))
        .build()
        .unwrap();
    let bad_chars = entry("bad_chars", "oops\u{1}");
    let too_late = SendMessageBatchRequestEntry::builder()
        .id("too-late")
        .message_body("late")
        .delay_seconds(901)
        .build()
        .unwrap();
    let delayed = SendMessageBatchRequestEntry::builder()
        .id("ok-2")
        .message_body("second")
        .delay_seconds(5)
        .build()
        .unwrap();
    let out = h
        .client
        .send_message_batch()
        .queue_url(&url)
        .entries(with_attr)
        .entries(bad_chars)
        .entries(too_late)
        .entries(delayed)
        .send()
        .await
        .unwrap();

    let ok: BTreeMap<&str, _> = out.successful().iter().map(|e| (e.id(), e)).collect();
    assert_eq!(ok.keys().copied().collect::<Vec<_>>(), ["ok-1", "ok-2"]);
    assert_eq!(ok["ok-1"].md5_of_message_body(), md5_hex(b"first"));
    assert_eq!(
        ok["ok-1"].md5_of_message_attributes(),
        Some(md5_of_attributes([("k", "String", AttrValue::Str("v"))]).as_str())
    );
    assert_eq!(ok["ok-2"].md5_of_message_body(), md5_hex(b"second"));
    assert_eq!(ok["ok-2"].md5_of_message_attributes(), None);
    assert_ne!(ok["ok-1"].message_id(), ok["ok-2"].message_id());

    let failed: BTreeMap<&str, _> = out.failed().iter().map(|e| (e.id(), e)).collect();
    assert_eq!(
        failed.keys().copied().collect::<Vec<_>>(),
        ["bad_chars", "too-late"]
    );
    assert_eq!(failed["bad_chars"].code(), "InvalidMessageContents");
    assert_eq!(failed["too-late"].code(), "InvalidParameterValue");
    assert!(failed.values().all(|f| f.sender_fault()));

    assert_eq!(h.counts(&url).await, (1, 0, 1));
    let got = h.receive(&url, 10, None).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].message_id(), Some(ok["ok-1"].message_id()));
    h.stop().await;
}

#[tokio::test]
async fn send_message_batch_rejects_malformed_batches() {
    let h = Harness::start().await;
    let url = h.create_queue("batch-errors", &[]).await;
    let batch = |entries: Vec<SendMessageBatchRequestEntry>| {
        h.client
            .send_message_batch()
            .queue_url(&url)
            .set_entries(Some(entries))
            .send()
    };

    let err = expect_error(
        batch(vec![]).await,
        "AWS.SimpleQueueService.EmptyBatchRequest",
        400,
    );
    assert!(matches!(
        err.into_service_error(),
        SendMessageBatchError::EmptyBatchRequest(_)
    ));

    let eleven = (0..11).map(|i| entry(&format!("e{i}"), "m")).collect();
    let err = expect_error(
        batch(eleven).await,
        "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
        400,
    );
    assert!(matches!(
        err.into_service_error(),
        SendMessageBatchError::TooManyEntriesInBatchRequest(_)
    ));

    let dup = vec![entry("same", "a"), entry("other", "b"), entry("same", "c")];
    let err = expect_error(
        batch(dup).await,
        "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
        400,
    );
    assert!(matches!(
        err.into_service_error(),
        SendMessageBatchError::BatchEntryIdsNotDistinct(_)
    ));

    for bad_id in ["has space", "dot.ted", &"x".repeat(81)] {
        let err = expect_error(
            batch(vec![entry("fine", "a"), entry(bad_id, "b")]).await,
            "AWS.SimpleQueueService.InvalidBatchEntryId",
            400,
        );
        assert!(matches!(
            err.into_service_error(),
            SendMessageBatchError::InvalidBatchEntryId(_)
        ));
    }

    // Two entries each within the 1 MiB message limit, together over it.
    let big = "x".repeat(600 * 1024);
    let err = expect_error(
        batch(vec![entry("a", &big), entry("b", &big)]).await,
        "AWS.SimpleQueueService.BatchRequestTooLong",
        400,
    );
    assert!(matches!(
        err.into_service_error(),
        SendMessageBatchError::BatchRequestTooLong(_)
    ));
    // Nothing from any rejected batch was stored.
    assert_eq!(h.counts(&url).await, (0, 0, 0));

    let ten = (0..10).map(|i| entry(&format!("e_{i}"), "m")).collect();
    let out = batch(ten).await.unwrap();
    assert_eq!(out.successful().len(), 10);
    assert!(out.failed().is_empty());
    assert_eq!(h.counts(&url).await, (10, 0, 0));
    h.stop().await;
}

#[tokio::test]
async fn receive_message_count_limits() {
    let h = Harness::start().await;
    let url = h.create_queue("many", &[]).await;
    for i in 0..15 {
        h.send(&url, &format!("m{i}")).await;
    }
    for bad in [0, 11] {
        let result = h
            .client
            .receive_message()
            .queue_url(&url)
            .max_number_of_messages(bad)
            .send()
            .await;
        expect_error(result, "InvalidParameterValue", 400);
    }
    let one = h
        .client
        .receive_message()
        .queue_url(&url)
        .send()
        .await
        .unwrap();
    assert_eq!(one.messages().len(), 1);
    let ten = h.receive(&url, 10, None).await;
    assert_eq!(ten.len(), 10);
    let rest = h.receive(&url, 10, None).await;
    assert_eq!(rest.len(), 4);
    let mut all = bodies(&ten);
    all.extend(bodies(&rest));
    all.extend(bodies(one.messages()));
    assert_eq!(all, (0..15).map(|i| format!("m{i}")).collect());
    assert!(h.receive(&url, 10, None).await.is_empty());

    let result = h
        .client
        .receive_message()
        .queue_url(format!("{}/{ACCOUNT}/nowhere", h.endpoint))
        .send()
        .await;
    let err = expect_error(result, "AWS.SimpleQueueService.NonExistentQueue", 400);
    assert!(matches!(
        err.into_service_error(),
        ReceiveMessageError::QueueDoesNotExist(_)
    ));
    h.stop().await;
}

#[tokio::test]
async fn receive_message_system_attributes() {
    let h = Harness::start().await;
    let url = h.create_queue("sysattrs", &[]).await;
    let sent_at = h.now_ms();
    h.client
        .send_message()
        .queue_url(&url)
        .message_body("m")
        .message_group_id("g")
        .message_system_attributes(
            MessageSystemAttributeNameForSends::AwsTraceHeader,
            MessageSystemAttributeValue::builder()
                .data_type("String")
                .string_value("Root=1-abc")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    h.advance_secs(3).await;
    let first_receive = h.now_ms();
    let got = h.receive(&url, 1, Some(0)).await;
    let m = &got[0];
    let attrs: BTreeMap<String, String> = m
        .attributes()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.clone()))
        .collect();
    let expected: BTreeMap<String, String> = [
        // The sender's account (an open server's caller is its account's root).
        ("SenderId", ACCOUNT.to_owned()),
        ("SentTimestamp", sent_at.to_string()),
        ("ApproximateReceiveCount", "1".to_owned()),
        (
            "ApproximateFirstReceiveTimestamp",
            first_receive.to_string(),
        ),
        ("AWSTraceHeader", "Root=1-abc".to_owned()),
        ("MessageGroupId", "g".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    assert_eq!(attrs, expected);

    // Single names select exactly those attributes.
    h.advance_secs(2).await;
    let out = h
        .client
        .receive_message()
        .queue_url(&url)
        .visibility_timeout(0)
        .message_system_attribute_names(S::ApproximateReceiveCount)
        .message_system_attribute_names(S::ApproximateFirstReceiveTimestamp)
        .send()
        .await
        .unwrap();
    let attrs = out.messages()[0].attributes().unwrap();
    assert_eq!(attrs.len(), 2);
    assert_eq!(attrs[&S::ApproximateReceiveCount], "2");
    assert_eq!(
        attrs[&S::ApproximateFirstReceiveTimestamp],
        first_receive.to_string()
    );

    // The older AttributeNames parameter selects the same way.
    #[allow(deprecated)]
    let out = h
        .client
        .receive_message()
        .queue_url(&url)
        .visibility_timeout(0)
        .attribute_names(A::from("SentTimestamp"))
        .send()
        .await
        .unwrap();
    let attrs = out.messages()[0].attributes().unwrap();
    assert_eq!(attrs.len(), 1);
    assert_eq!(attrs[&S::SentTimestamp], sent_at.to_string());
    #[allow(deprecated)]
    let out = h
        .client
        .receive_message()
        .queue_url(&url)
        .visibility_timeout(0)
        .attribute_names(A::All)
        .send()
        .await
        .unwrap();
    let attrs = out.messages()[0].attributes().unwrap();
    assert_eq!(attrs[&S::ApproximateReceiveCount], "4");
    assert_eq!(attrs[&S::SenderId], ACCOUNT);

    // Asking for none returns none.
    let out = h
        .client
        .receive_message()
        .queue_url(&url)
        .send()
        .await
        .unwrap();
    assert!(out.messages()[0].attributes().is_none_or(|a| a.is_empty()));
    h.stop().await;
}

#[tokio::test]
async fn receive_message_attribute_selectors() {
    let h = Harness::start().await;
    let url = h.create_queue("selectors", &[]).await;
    let attrs: HashMap<String, MessageAttributeValue> = [
        ("trace.id", string_attr("String", "t1")),
        ("trace.span", string_attr("Number", "7")),
        ("tracer", string_attr("String", "not under trace.")),
        ("tenant", binary_attr(b"acme")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    h.client
        .send_message()
        .queue_url(&url)
        .message_body("m")
        .set_message_attributes(Some(attrs.clone()))
        .send()
        .await
        .unwrap();

    let cases: &[(&[&str], &[&str])] = &[
        (&["All"], &["tenant", "trace.id", "trace.span", "tracer"]),
        (&[".*"], &["tenant", "trace.id", "trace.span", "tracer"]),
        // A prefix match, as AWS's Hel.* gives Hello and Help.Me.
        (&["trace.*"], &["trace.id", "trace.span", "tracer"]),
        (&["*"], &["tenant", "trace.id", "trace.span", "tracer"]),
        (&["tenant"], &["tenant"]),
        (
            &["tenant", "trace.*"],
            &["tenant", "trace.id", "trace.span", "tracer"],
        ),
        (&["trace.id.*"], &["trace.id"]),
        (&["nothing-like-it"], &[]),
        (&[], &[]),
    ];
    for (requested, expected) in cases {
        let out = h
            .client
            .receive_message()
            .queue_url(&url)
            .visibility_timeout(0)
            .set_message_attribute_names(Some(requested.iter().map(|s| s.to_string()).collect()))
            .send()
            .await
            .unwrap();
        let m = &out.messages()[0];
        let got = m.message_attributes().cloned().unwrap_or_default();
        let mut names: Vec<&str> = got.keys().map(String::as_str).collect();
        names.sort();
        assert_eq!(names, *expected, "{requested:?}");
        for (name, value) in &got {
            assert_eq!(value, &attrs[name]);
        }
        if expected.is_empty() {
            assert_eq!(m.md5_of_message_attributes(), None, "{requested:?}");
        } else {
            // The digest covers the attributes returned.
            let subset: HashMap<String, MessageAttributeValue> = expected
                .iter()
                .map(|n| (n.to_string(), attrs[*n].clone()))
                .collect();
            assert_eq!(
                m.md5_of_message_attributes(),
                Some(md5_of_sdk_attributes(&subset).as_str()),
                "{requested:?}"
            );
        }
    }
    h.stop().await;
}

#[tokio::test]
async fn visibility_timeout_override_and_expiry() {
    let h = Harness::start().await;
    let url = h.create_queue("vis", &[]).await;
    let id = h.send(&url, "m").await;
    let got = h.receive(&url, 1, Some(5)).await;
    assert_eq!(got[0].message_id(), Some(id.as_str()));
    assert_eq!(h.counts(&url).await, (0, 1, 0));
    h.advance_ms(4_999).await;
    assert!(h.receive(&url, 1, None).await.is_empty());
    h.advance_ms(1).await;
    let again = h.receive(&url, 1, None).await;
    assert_eq!(again[0].message_id(), Some(id.as_str()));
    assert_eq!(
        system_attr(&again[0], S::ApproximateReceiveCount).as_deref(),
        Some("2")
    );
    assert_ne!(handle_of(&again[0]), handle_of(&got[0]));
    // Without an override the queue's 30 s applies.
    h.advance_ms(29_999).await;
    assert!(h.receive(&url, 1, None).await.is_empty());
    h.advance_ms(1).await;
    assert_eq!(h.receive(&url, 1, None).await.len(), 1);

    let result = h
        .client
        .receive_message()
        .queue_url(&url)
        .visibility_timeout(43_201)
        .send()
        .await;
    expect_error(result, "InvalidParameterValue", 400);
    h.stop().await;
}

#[tokio::test]
async fn messages_past_retention_are_dropped() {
    let h = Harness::start().await;
    let url = h
        .create_queue("short-lived", &[(A::MessageRetentionPeriod, "60")])
        .await;
    h.send(&url, "old-1").await;
    h.send(&url, "old-2").await;
    h.advance_secs(30).await;
    h.send(&url, "young").await;
    h.advance_secs(31).await;
    let got = h.receive(&url, 10, None).await;
    assert_eq!(bodies(&got), BTreeSet::from(["young".to_owned()]));
    assert_eq!(h.counts(&url).await, (0, 1, 0));
    h.stop().await;
}

#[tokio::test]
async fn long_poll_is_woken_by_a_send() {
    let h = Harness::start().await;
    let url = h.create_queue("lp-send", &[]).await;
    let poll = start_long_poll(&h, &url, Some(20)).await;
    let id = h.send(&url, "wake up").await;
    let got = finish(poll).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].message_id(), Some(id.as_str()));
    assert_eq!(body_of(&got[0]), "wake up");
    h.stop().await;
}

#[tokio::test]
async fn long_poll_is_woken_when_a_delay_ends() {
    let h = Harness::start().await;
    let url = h.create_queue("lp-delay", &[]).await;
    h.client
        .send_message()
        .queue_url(&url)
        .message_body("delayed")
        .delay_seconds(5)
        .send()
        .await
        .unwrap();
    let poll = start_long_poll(&h, &url, Some(20)).await;
    h.advance_ms(4_000).await;
    settle().await;
    assert!(!poll.is_finished(), "the delay has not ended yet");
    h.advance_ms(1_000).await;
    let got = finish(poll).await;
    assert_eq!(bodies(&got), BTreeSet::from(["delayed".to_owned()]));
    h.stop().await;
}

#[tokio::test]
async fn long_poll_is_woken_when_visibility_expires() {
    let h = Harness::start().await;
    let url = h.create_queue("lp-vis", &[]).await;
    let id = h.send(&url, "m").await;
    assert_eq!(h.receive(&url, 1, Some(10)).await.len(), 1);
    let poll = start_long_poll(&h, &url, Some(20)).await;
    h.advance_secs(10).await;
    let got = finish(poll).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].message_id(), Some(id.as_str()));
    assert_eq!(
        system_attr(&got[0], S::ApproximateReceiveCount).as_deref(),
        Some("2")
    );
    h.stop().await;
}

#[tokio::test]
async fn long_poll_is_woken_by_visibility_change_to_zero() {
    let h = Harness::start().await;
    let url = h.create_queue("lp-change", &[]).await;
    let id = h.send(&url, "m").await;
    let got = h.receive(&url, 1, Some(600)).await;
    let poll = start_long_poll(&h, &url, Some(20)).await;
    h.client
        .change_message_visibility()
        .queue_url(&url)
        .receipt_handle(handle_of(&got[0]))
        .visibility_timeout(0)
        .send()
        .await
        .unwrap();
    let got = finish(poll).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].message_id(), Some(id.as_str()));
    h.stop().await;
}

#[tokio::test]
async fn long_poll_ends_empty_after_its_wait_time() {
    let h = Harness::start().await;
    // The queue's ReceiveMessageWaitTimeSeconds applies when the request names none.
    let url = h
        .create_queue("lp-empty", &[(A::ReceiveMessageWaitTimeSeconds, "20")])
        .await;
    let poll = start_long_poll(&h, &url, None).await;
    h.advance_ms(19_999).await;
    settle().await;
    assert!(!poll.is_finished(), "20 s have not passed");
    h.advance_ms(1).await;
    assert!(finish(poll).await.is_empty());

    // WaitTimeSeconds 0 overrides the queue's default: an immediate empty answer.
    let out = within(
        "short poll",
        h.client
            .receive_message()
            .queue_url(&url)
            .wait_time_seconds(0)
            .send(),
    )
    .await
    .unwrap();
    assert!(out.messages().is_empty());

    let result = h
        .client
        .receive_message()
        .queue_url(&url)
        .wait_time_seconds(21)
        .send()
        .await;
    expect_error(result, "InvalidParameterValue", 400);
    h.stop().await;
}

#[tokio::test]
async fn delete_message_valid_repeated_and_invalid() {
    let h = Harness::start().await;
    let url = h.create_queue("deletes", &[]).await;
    let other = h.create_queue("deletes-other", &[]).await;
    h.send(&url, "m").await;
    h.send(&other, "o").await;
    let got = h.receive(&url, 1, None).await;
    let handle = handle_of(&got[0]);
    h.client
        .delete_message()
        .queue_url(&url)
        .receipt_handle(&handle)
        .send()
        .await
        .unwrap();
    assert_eq!(h.counts(&url).await, (0, 0, 0));
    // Deleting again is not an error.
    h.client
        .delete_message()
        .queue_url(&url)
        .receipt_handle(&handle)
        .send()
        .await
        .unwrap();
    h.advance_secs(60).await;
    assert!(h.receive(&url, 10, None).await.is_empty());

    for bad in ["not-a-receipt-handle", "AQEB"] {
        let result = h
            .client
            .delete_message()
            .queue_url(&url)
            .receipt_handle(bad)
            .send()
            .await;
        let err = expect_error(result, "ReceiptHandleIsInvalid", 404);
        assert!(matches!(
            err.into_service_error(),
            DeleteMessageError::ReceiptHandleIsInvalid(_)
        ));
    }
    // A handle from another queue is not valid here, and deletes nothing there.
    let other_msg = h.receive(&other, 1, None).await;
    let result = h
        .client
        .delete_message()
        .queue_url(&url)
        .receipt_handle(handle_of(&other_msg[0]))
        .send()
        .await;
    expect_error(result, "ReceiptHandleIsInvalid", 404);
    assert_eq!(h.counts(&other).await, (0, 1, 0));
    h.stop().await;
}

#[tokio::test]
async fn delete_message_batch_reports_each_entry() {
    let h = Harness::start().await;
    let url = h.create_queue("batch-deletes", &[]).await;
    for i in 0..3 {
        h.send(&url, &format!("m{i}")).await;
    }
    let got = h.receive(&url, 3, None).await;
    assert_eq!(got.len(), 3);
    let del = |id: &str, handle: &str| {
        DeleteMessageBatchRequestEntry::builder()
            .id(id)
            .receipt_handle(handle)
            .build()
            .unwrap()
    };
    let out = h
        .client
        .delete_message_batch()
        .queue_url(&url)
        .entries(del("d0", &handle_of(&got[0])))
        .entries(del("d1", &handle_of(&got[1])))
        .entries(del("bad", "garbage"))
        .send()
        .await
        .unwrap();
    let ok: BTreeSet<&str> = out.successful().iter().map(|e| e.id()).collect();
    assert_eq!(ok, BTreeSet::from(["d0", "d1"]));
    assert_eq!(out.failed().len(), 1);
    assert_eq!(out.failed()[0].id(), "bad");
    assert_eq!(out.failed()[0].code(), "ReceiptHandleIsInvalid");
    assert!(out.failed()[0].sender_fault());
    assert_eq!(h.counts(&url).await, (0, 1, 0));

    let result = h
        .client
        .delete_message_batch()
        .queue_url(&url)
        .set_entries(Some(vec![]))
        .send()
        .await;
    let err = expect_error(result, "AWS.SimpleQueueService.EmptyBatchRequest", 400);
    assert!(matches!(
        err.into_service_error(),
        DeleteMessageBatchError::EmptyBatchRequest(_)
    ));
    let result = h
        .client
        .delete_message_batch()
        .queue_url(&url)
        .set_entries(Some((0..11).map(|i| del(&format!("e{i}"), "h")).collect()))
        .send()
        .await;
    expect_error(
        result,
        "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
        400,
    );
    let result = h
        .client
        .delete_message_batch()
        .queue_url(&url)
        .entries(del("x", "h"))
        .entries(del("x", "h"))
        .send()
        .await;
    expect_error(
        result,
        "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
        400,
    );
    let result = h
        .client
        .delete_message_batch()
        .queue_url(&url)
        .entries(del("no good", &handle_of(&got[2])))
        .send()
        .await;
    expect_error(result, "AWS.SimpleQueueService.InvalidBatchEntryId", 400);
    // The rejected batches deleted nothing.
    assert_eq!(h.counts(&url).await, (0, 1, 0));
    h.stop().await;
}

#[tokio::test]
async fn change_message_visibility_rules() {
    let h = Harness::start().await;
    let url = h.create_queue("visibility", &[]).await;
    h.send(&url, "m").await;
    let change = |handle: String, timeout: i32| {
        h.client
            .change_message_visibility()
            .queue_url(&url)
            .receipt_handle(handle)
            .visibility_timeout(timeout)
            .send()
    };

    // Extend: 10 s becomes 60 s counted from the change.
    let got = h.receive(&url, 1, Some(10)).await;
    h.advance_secs(5).await;
    change(handle_of(&got[0]), 60).await.unwrap();
    h.advance_secs(59).await;
    assert!(h.receive(&url, 1, None).await.is_empty());
    h.advance_secs(1).await;
    let got = h.receive(&url, 1, Some(30)).await;
    assert_eq!(got.len(), 1);

    // Zero: visible at once.
    change(handle_of(&got[0]), 0).await.unwrap();
    assert_eq!(h.counts(&url).await, (1, 0, 0));
    let got = h.receive(&url, 1, Some(5)).await;
    assert_eq!(got.len(), 1);

    // The 12-hour limit counts from the receive.
    let result = change(handle_of(&got[0]), 43_201).await;
    expect_error(result, "InvalidParameterValue", 400);
    change(handle_of(&got[0]), 43_200).await.unwrap();
    h.advance_secs(1).await;
    let result = change(handle_of(&got[0]), 43_200).await;
    expect_error(result, "InvalidParameterValue", 400);
    change(handle_of(&got[0]), 5).await.unwrap();

    // Once the timeout has run out a standard queue still takes the handle, as AWS
    // does, and hides the message again.
    h.advance_secs(5).await;
    assert_eq!(h.counts(&url).await, (1, 0, 0));
    change(handle_of(&got[0]), 30).await.unwrap();
    assert_eq!(h.counts(&url).await, (0, 1, 0));

    let result = change("garbage".to_owned(), 30).await;
    let err = expect_error(result, "ReceiptHandleIsInvalid", 404);
    assert!(matches!(
        err.into_service_error(),
        ChangeMessageVisibilityError::ReceiptHandleIsInvalid(_)
    ));
    h.stop().await;
}

#[tokio::test]
async fn change_message_visibility_batch_reports_each_entry() {
    let h = Harness::start().await;
    let url = h.create_queue("batch-vis", &[]).await;
    let a = h.send(&url, "a").await;
    let b = h.send(&url, "b").await;
    let got = h.receive(&url, 2, Some(30)).await;
    let handle = |id: &str| {
        handle_of(
            got.iter()
                .find(|m| m.message_id() == Some(id))
                .expect("received"),
        )
    };
    let vis = |id: &str, handle: String, timeout: i32| {
        ChangeMessageVisibilityBatchRequestEntry::builder()
            .id(id)
            .receipt_handle(handle)
            .visibility_timeout(timeout)
            .build()
            .unwrap()
    };
    let out = h
        .client
        .change_message_visibility_batch()
        .queue_url(&url)
        .entries(vis("now", handle(&a), 0))
        .entries(vis("later", handle(&b), 100))
        .entries(vis("bad", "garbage".to_owned(), 10))
        .entries(vis("too_long", handle(&b), 43_201))
        .send()
        .await
        .unwrap();
    let ok: BTreeSet<&str> = out.successful().iter().map(|e| e.id()).collect();
    assert_eq!(ok, BTreeSet::from(["later", "now"]));
    let failed: BTreeMap<&str, &str> = out.failed().iter().map(|e| (e.id(), e.code())).collect();
    assert_eq!(
        failed,
        BTreeMap::from([
            ("bad", "ReceiptHandleIsInvalid"),
            ("too_long", "InvalidParameterValue")
        ])
    );

    let now = h.receive(&url, 10, Some(300)).await;
    assert_eq!(now.len(), 1);
    assert_eq!(now[0].message_id(), Some(a.as_str()));
    h.advance_ms(99_999).await;
    assert!(h.receive(&url, 10, None).await.is_empty());
    h.advance_ms(1).await;
    let later = h.receive(&url, 10, None).await;
    assert_eq!(later.len(), 1);
    assert_eq!(later[0].message_id(), Some(b.as_str()));

    let result = h
        .client
        .change_message_visibility_batch()
        .queue_url(&url)
        .set_entries(Some(vec![]))
        .send()
        .await;
    expect_error(result, "AWS.SimpleQueueService.EmptyBatchRequest", 400);
    h.stop().await;
}
