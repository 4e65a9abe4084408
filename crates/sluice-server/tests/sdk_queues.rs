//! Queue actions through the official AWS SDK (AWS JSON 1.0) against a running server:
//! CreateQueue, GetQueueUrl, ListQueues, DeleteQueue, Get/SetQueueAttributes,
//! PurgeQueue, tags, and how queue URLs are built and resolved.

mod common;

use std::collections::{BTreeMap, HashSet};

use aws_sdk_sqs::operation::create_queue::CreateQueueError;
use aws_sdk_sqs::operation::delete_queue::DeleteQueueError;
use aws_sdk_sqs::operation::get_queue_attributes::GetQueueAttributesError;
use aws_sdk_sqs::operation::get_queue_url::GetQueueUrlError;
use aws_sdk_sqs::operation::purge_queue::PurgeQueueError;
use aws_sdk_sqs::operation::send_message::SendMessageError;
use aws_sdk_sqs::operation::set_queue_attributes::SetQueueAttributesError;
use aws_sdk_sqs::types::QueueAttributeName as A;
use common::*;

const NON_EXISTENT: &str = "AWS.SimpleQueueService.NonExistentQueue";

#[tokio::test]
async fn create_queue_with_defaults() {
    let h = Harness::start().await;
    let created_ms = h.now_ms();
    let url = h.create_queue("orders", &[]).await;
    assert_eq!(url, format!("{}/{ACCOUNT}/orders", h.endpoint));

    let attrs = h.attributes(&url).await;
    let got: BTreeMap<String, String> = attrs
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.clone()))
        .collect();
    let created_s = (created_ms / 1000).to_string();
    let expected: BTreeMap<String, String> = [
        ("QueueArn", format!("arn:aws:sqs:{REGION}:{ACCOUNT}:orders")),
        ("ApproximateNumberOfMessages", "0".into()),
        ("ApproximateNumberOfMessagesNotVisible", "0".into()),
        ("ApproximateNumberOfMessagesDelayed", "0".into()),
        ("CreatedTimestamp", created_s.clone()),
        ("LastModifiedTimestamp", created_s),
        ("VisibilityTimeout", "30".into()),
        ("MaximumMessageSize", "1048576".into()),
        ("MessageRetentionPeriod", "345600".into()),
        ("DelaySeconds", "0".into()),
        ("ReceiveMessageWaitTimeSeconds", "0".into()),
        ("SqsManagedSseEnabled", "true".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    assert_eq!(got, expected);

    let tags = h
        .client
        .list_queue_tags()
        .queue_url(&url)
        .send()
        .await
        .unwrap();
    assert!(tags.tags().is_none_or(|t| t.is_empty()), "{tags:?}");
    h.stop().await;
}

#[tokio::test]
async fn create_queue_with_attributes_and_tags() {
    let h = Harness::start().await;
    let out = h
        .client
        .create_queue()
        .queue_name("configured")
        .attributes(A::VisibilityTimeout, "45")
        .attributes(A::DelaySeconds, "5")
        .attributes(A::MessageRetentionPeriod, "120")
        .attributes(A::MaximumMessageSize, "2048")
        .attributes(A::ReceiveMessageWaitTimeSeconds, "3")
        .tags("team", "core")
        .tags("env", "test")
        .send()
        .await
        .unwrap();
    let url = out.queue_url().unwrap();
    let attrs = h.attributes(url).await;
    assert_eq!(attrs[&A::VisibilityTimeout], "45");
    assert_eq!(attrs[&A::DelaySeconds], "5");
    assert_eq!(attrs[&A::MessageRetentionPeriod], "120");
    assert_eq!(attrs[&A::MaximumMessageSize], "2048");
    assert_eq!(attrs[&A::ReceiveMessageWaitTimeSeconds], "3");

    let tags = h
        .client
        .list_queue_tags()
        .queue_url(url)
        .send()
        .await
        .unwrap();
    let tags: BTreeMap<_, _> = tags.tags().unwrap().clone().into_iter().collect();
    assert_eq!(
        tags,
        BTreeMap::from([
            ("env".to_owned(), "test".to_owned()),
            ("team".to_owned(), "core".to_owned())
        ])
    );
    h.stop().await;
}

#[tokio::test]
async fn create_queue_is_idempotent_only_for_matching_attributes() {
    let h = Harness::start().await;
    let url = h
        .create_queue("idem", &[(A::VisibilityTimeout, "40")])
        .await;
    // The same attributes, no attributes, or a default spelled out: the same queue.
    assert_eq!(
        h.create_queue("idem", &[(A::VisibilityTimeout, "40")])
            .await,
        url
    );
    assert_eq!(h.create_queue("idem", &[]).await, url);
    assert_eq!(h.create_queue("idem", &[(A::DelaySeconds, "0")]).await, url);

    let result = h
        .client
        .create_queue()
        .queue_name("idem")
        .attributes(A::VisibilityTimeout, "41")
        .send()
        .await;
    let err = expect_error(result, "QueueAlreadyExists", 400);
    assert!(
        matches!(
            err.into_service_error(),
            CreateQueueError::QueueNameExists(_)
        ),
        "variant"
    );
    // The failed create changed nothing.
    assert_eq!(h.attribute(&url, A::VisibilityTimeout).await.unwrap(), "40");
    h.stop().await;
}

#[tokio::test]
async fn create_queue_rejects_invalid_names() {
    let h = Harness::start().await;
    let too_long = "x".repeat(81);
    for name in [
        "",
        "has space",
        "dot.ted",
        "slash/name",
        "jobs.fifo",
        &too_long,
    ] {
        let result = h.client.create_queue().queue_name(name).send().await;
        expect_error(result, "InvalidParameterValue", 400);
    }
    // 80 characters of the allowed set are fine.
    let longest = format!("{}-_9", "a".repeat(77));
    assert_eq!(longest.len(), 80);
    let url = h.create_queue(&longest, &[]).await;
    assert!(url.ends_with(&format!("/{ACCOUNT}/{longest}")), "{url}");
    let listed = h.client.list_queues().send().await.unwrap();
    assert_eq!(listed.queue_urls(), [url]);
    h.stop().await;
}

#[tokio::test]
async fn create_queue_rejects_out_of_range_attributes() {
    let h = Harness::start().await;
    let cases = [
        (A::VisibilityTimeout, "43201"),
        (A::VisibilityTimeout, "-1"),
        (A::VisibilityTimeout, "abc"),
        (A::MessageRetentionPeriod, "59"),
        (A::MessageRetentionPeriod, "1209601"),
        (A::MaximumMessageSize, "1023"),
        (A::MaximumMessageSize, "1048577"),
        (A::DelaySeconds, "901"),
        (A::ReceiveMessageWaitTimeSeconds, "21"),
    ];
    for (name, value) in cases {
        let result = h
            .client
            .create_queue()
            .queue_name("ranged")
            .attributes(name.clone(), value)
            .send()
            .await;
        let err = expect_error(result, "InvalidAttributeValue", 400);
        assert!(
            matches!(
                err.into_service_error(),
                CreateQueueError::InvalidAttributeValue(_)
            ),
            "{name:?}={value}"
        );
    }
    let result = h
        .client
        .create_queue()
        .queue_name("ranged")
        .attributes(A::from("Bogus"), "1")
        .send()
        .await;
    let err = expect_error(result, "InvalidAttributeName", 400);
    assert!(matches!(
        err.into_service_error(),
        CreateQueueError::InvalidAttributeName(_)
    ));
    // Nothing was created by any of the rejected requests.
    let result = h.client.get_queue_url().queue_name("ranged").send().await;
    expect_error(result, NON_EXISTENT, 400);

    // The edges of each range are accepted.
    let url = h
        .create_queue(
            "ranged",
            &[
                (A::VisibilityTimeout, "43200"),
                (A::MessageRetentionPeriod, "60"),
                (A::MaximumMessageSize, "1024"),
                (A::DelaySeconds, "900"),
                (A::ReceiveMessageWaitTimeSeconds, "20"),
            ],
        )
        .await;
    let attrs = h.attributes(&url).await;
    assert_eq!(attrs[&A::VisibilityTimeout], "43200");
    assert_eq!(attrs[&A::MessageRetentionPeriod], "60");
    assert_eq!(attrs[&A::MaximumMessageSize], "1024");
    assert_eq!(attrs[&A::DelaySeconds], "900");
    assert_eq!(attrs[&A::ReceiveMessageWaitTimeSeconds], "20");
    h.stop().await;
}

#[tokio::test]
async fn recreating_a_deleted_queue_waits_sixty_seconds() {
    let h = Harness::start().await;
    let url = h.create_queue("phoenix", &[]).await;
    h.send(&url, "from the first life").await;
    h.client
        .delete_queue()
        .queue_url(&url)
        .send()
        .await
        .unwrap();

    let again = || h.client.create_queue().queue_name("phoenix").send();
    let err = expect_error(
        again().await,
        "AWS.SimpleQueueService.QueueDeletedRecently",
        400,
    );
    assert!(matches!(
        err.into_service_error(),
        CreateQueueError::QueueDeletedRecently(_)
    ));
    h.advance_ms(59_999).await;
    expect_error(
        again().await,
        "AWS.SimpleQueueService.QueueDeletedRecently",
        400,
    );
    h.advance_ms(1).await;
    let new_url = again().await.unwrap().queue_url().unwrap().to_owned();
    assert_eq!(new_url, url);
    // The new queue starts empty.
    assert_eq!(h.counts(&url).await, (0, 0, 0));
    assert!(h.receive(&url, 10, None).await.is_empty());
    h.stop().await;
}

#[tokio::test]
async fn get_queue_url_finds_queues_and_reports_missing_ones() {
    let h = Harness::start().await;
    let url = h.create_queue("lookup", &[]).await;
    let got = h
        .client
        .get_queue_url()
        .queue_name("lookup")
        .send()
        .await
        .unwrap();
    assert_eq!(got.queue_url(), Some(url.as_str()));
    // Naming our own account explicitly is the same lookup.
    let got = h
        .client
        .get_queue_url()
        .queue_name("lookup")
        .queue_owner_aws_account_id(ACCOUNT)
        .send()
        .await
        .unwrap();
    assert_eq!(got.queue_url(), Some(url.as_str()));

    let result = h.client.get_queue_url().queue_name("absent").send().await;
    let err = expect_error(result, NON_EXISTENT, 400);
    assert!(matches!(
        err.into_service_error(),
        GetQueueUrlError::QueueDoesNotExist(_)
    ));
    let result = h
        .client
        .get_queue_url()
        .queue_name("lookup")
        .queue_owner_aws_account_id("111122223333")
        .send()
        .await;
    expect_error(result, NON_EXISTENT, 400);
    h.stop().await;
}

#[tokio::test]
async fn list_queues_filters_by_prefix_and_pages() {
    let h = Harness::start().await;
    let mut alpha = HashSet::new();
    for i in 1..=5 {
        alpha.insert(h.create_queue(&format!("alpha-{i}"), &[]).await);
    }
    let beta = [
        h.create_queue("beta-1", &[]).await,
        h.create_queue("beta-2", &[]).await,
    ];

    let all = h.client.list_queues().send().await.unwrap();
    let all: HashSet<String> = all.queue_urls().iter().cloned().collect();
    assert_eq!(all.len(), 7);
    assert!(all.is_superset(&alpha));
    assert!(beta.iter().all(|b| all.contains(b)));

    let only = h
        .client
        .list_queues()
        .queue_name_prefix("alpha")
        .send()
        .await
        .unwrap();
    assert_eq!(only.next_token(), None);
    let only: HashSet<String> = only.queue_urls().iter().cloned().collect();
    assert_eq!(only, alpha);

    let none = h
        .client
        .list_queues()
        .queue_name_prefix("gamma")
        .send()
        .await
        .unwrap();
    assert!(none.queue_urls().is_empty());

    // Pages of two: 2 + 2 + 1, each URL exactly once, no token after the last page.
    let mut seen = Vec::new();
    let mut sizes = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = h
            .client
            .list_queues()
            .queue_name_prefix("alpha")
            .max_results(2)
            .set_next_token(token.clone())
            .send()
            .await
            .unwrap();
        sizes.push(page.queue_urls().len());
        seen.extend(page.queue_urls().iter().cloned());
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
        assert!(sizes.len() < 10, "paging does not end");
    }
    assert_eq!(sizes, [2, 2, 1]);
    assert_eq!(seen.len(), 5);
    assert_eq!(seen.iter().cloned().collect::<HashSet<_>>(), alpha);

    for bad in [0, 1001] {
        let result = h.client.list_queues().max_results(bad).send().await;
        expect_error(result, "InvalidParameterValue", 400);
    }
    h.stop().await;
}

#[tokio::test]
async fn delete_queue_removes_it_everywhere() {
    let h = Harness::start().await;
    let url = h.create_queue("doomed", &[]).await;
    let keep = h.create_queue("kept", &[]).await;
    h.send(&url, "m").await;
    h.client
        .delete_queue()
        .queue_url(&url)
        .send()
        .await
        .unwrap();

    let listed = h.client.list_queues().send().await.unwrap();
    assert_eq!(listed.queue_urls(), [keep]);
    let result = h.client.get_queue_url().queue_name("doomed").send().await;
    expect_error(result, NON_EXISTENT, 400);
    let result = h
        .client
        .send_message()
        .queue_url(&url)
        .message_body("late")
        .send()
        .await;
    let err = expect_error(result, NON_EXISTENT, 400);
    assert!(matches!(
        err.into_service_error(),
        SendMessageError::QueueDoesNotExist(_)
    ));
    let result = h.client.delete_queue().queue_url(&url).send().await;
    let err = expect_error(result, NON_EXISTENT, 400);
    assert!(matches!(
        err.into_service_error(),
        DeleteQueueError::QueueDoesNotExist(_)
    ));
    h.stop().await;
}

#[tokio::test]
async fn get_queue_attributes_counts_and_single_names() {
    let h = Harness::start().await;
    let url = h.create_queue("counted", &[]).await;
    for i in 0..4 {
        h.send(&url, &format!("visible {i}")).await;
    }
    for _ in 0..2 {
        h.client
            .send_message()
            .queue_url(&url)
            .message_body("later")
            .delay_seconds(30)
            .send()
            .await
            .unwrap();
    }
    let got = h.receive(&url, 3, Some(60)).await;
    assert_eq!(got.len(), 3);
    assert_eq!(h.counts(&url).await, (1, 3, 2));

    // Single names return exactly those attributes.
    let one = h
        .client
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(A::ApproximateNumberOfMessagesNotVisible)
        .send()
        .await
        .unwrap();
    let one = one.attributes().unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(one[&A::ApproximateNumberOfMessagesNotVisible], "3");
    let two = h
        .client
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(A::VisibilityTimeout)
        .attribute_names(A::ApproximateNumberOfMessagesDelayed)
        .send()
        .await
        .unwrap();
    let two = two.attributes().unwrap();
    assert_eq!(two.len(), 2);
    assert_eq!(two[&A::VisibilityTimeout], "30");
    assert_eq!(two[&A::ApproximateNumberOfMessagesDelayed], "2");
    // No names: no attributes.
    let none = h
        .client
        .get_queue_attributes()
        .queue_url(&url)
        .send()
        .await
        .unwrap();
    assert!(none.attributes().is_none_or(|a| a.is_empty()));

    // Delays and visibility timeouts run out with the clock.
    h.advance_secs(30).await;
    assert_eq!(h.counts(&url).await, (3, 3, 0));
    h.advance_secs(30).await;
    assert_eq!(h.counts(&url).await, (6, 0, 0));

    let result = h
        .client
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(A::from("NoSuchAttribute"))
        .send()
        .await;
    let err = expect_error(result, "InvalidAttributeName", 400);
    assert!(matches!(
        err.into_service_error(),
        GetQueueAttributesError::InvalidAttributeName(_)
    ));
    h.stop().await;
}

#[tokio::test]
async fn set_queue_attributes_applies_valid_values_only() {
    let h = Harness::start().await;
    let url = h.create_queue("settable", &[]).await;
    let created = h.attribute(&url, A::LastModifiedTimestamp).await.unwrap();
    h.advance_secs(5).await;
    h.client
        .set_queue_attributes()
        .queue_url(&url)
        .attributes(A::VisibilityTimeout, "60")
        .attributes(A::DelaySeconds, "10")
        .attributes(A::MaximumMessageSize, "4096")
        .send()
        .await
        .unwrap();
    let attrs = h.attributes(&url).await;
    assert_eq!(attrs[&A::VisibilityTimeout], "60");
    assert_eq!(attrs[&A::DelaySeconds], "10");
    assert_eq!(attrs[&A::MaximumMessageSize], "4096");
    let modified: u64 = attrs[&A::LastModifiedTimestamp].parse().unwrap();
    assert_eq!(modified, created.parse::<u64>().unwrap() + 5);
    assert_eq!(attrs[&A::CreatedTimestamp], created);

    // One bad value rejects the whole request.
    let result = h
        .client
        .set_queue_attributes()
        .queue_url(&url)
        .attributes(A::VisibilityTimeout, "50")
        .attributes(A::DelaySeconds, "901")
        .send()
        .await;
    let err = expect_error(result, "InvalidAttributeValue", 400);
    assert!(matches!(
        err.into_service_error(),
        SetQueueAttributesError::InvalidAttributeValue(_)
    ));
    for (name, value) in [
        (A::MessageRetentionPeriod, "10"),
        (A::ReceiveMessageWaitTimeSeconds, "30"),
        (A::VisibilityTimeout, "1.5"),
    ] {
        let result = h
            .client
            .set_queue_attributes()
            .queue_url(&url)
            .attributes(name, value)
            .send()
            .await;
        expect_error(result, "InvalidAttributeValue", 400);
    }
    // Read-only and unknown names.
    for (name, value) in [
        (A::QueueArn, "arn:aws:sqs:us-east-1:000000000000:other"),
        (A::ApproximateNumberOfMessages, "1"),
        (A::FifoQueue, "true"),
        (A::from("Nope"), "1"),
    ] {
        let result = h
            .client
            .set_queue_attributes()
            .queue_url(&url)
            .attributes(name.clone(), value)
            .send()
            .await;
        let err = expect_error(result, "InvalidAttributeName", 400);
        assert!(
            matches!(
                err.into_service_error(),
                SetQueueAttributesError::InvalidAttributeName(_)
            ),
            "{name:?}"
        );
    }
    let attrs = h.attributes(&url).await;
    assert_eq!(attrs[&A::VisibilityTimeout], "60");
    assert_eq!(attrs[&A::DelaySeconds], "10");

    // The new queue-level delay applies to later sends.
    h.send(&url, "delayed by the queue").await;
    assert_eq!(h.counts(&url).await, (0, 0, 1));
    h.stop().await;
}

#[tokio::test]
async fn purge_queue_empties_and_limits_to_once_a_minute() {
    let h = Harness::start().await;
    let url = h.create_queue("purgeable", &[]).await;
    for i in 0..5 {
        h.send(&url, &format!("m{i}")).await;
    }
    h.client
        .send_message()
        .queue_url(&url)
        .message_body("delayed")
        .delay_seconds(100)
        .send()
        .await
        .unwrap();
    assert_eq!(h.receive(&url, 2, None).await.len(), 2);
    assert_eq!(h.counts(&url).await, (3, 2, 1));

    h.client.purge_queue().queue_url(&url).send().await.unwrap();
    assert_eq!(h.counts(&url).await, (0, 0, 0));
    h.advance_secs(100).await;
    assert!(h.receive(&url, 10, None).await.is_empty());

    // 100 s passed since the purge: another is allowed; then one within 60 s is not.
    h.client.purge_queue().queue_url(&url).send().await.unwrap();
    h.advance_ms(59_999).await;
    let result = h.client.purge_queue().queue_url(&url).send().await;
    let err = expect_error(result, "AWS.SimpleQueueService.PurgeQueueInProgress", 403);
    assert!(matches!(
        err.into_service_error(),
        PurgeQueueError::PurgeQueueInProgress(_)
    ));
    h.advance_ms(1).await;
    h.send(&url, "after").await;
    h.client.purge_queue().queue_url(&url).send().await.unwrap();
    assert_eq!(h.counts(&url).await, (0, 0, 0));

    let result = h
        .client
        .purge_queue()
        .queue_url(format!("{}/{ACCOUNT}/missing", h.endpoint))
        .send()
        .await;
    expect_error(result, NON_EXISTENT, 400);
    h.stop().await;
}

#[tokio::test]
async fn tag_untag_and_list_tags() {
    let h = Harness::start().await;
    let url = h.create_queue("tagged", &[]).await;
    let tags = || async {
        let out = h
            .client
            .list_queue_tags()
            .queue_url(&url)
            .send()
            .await
            .unwrap();
        out.tags()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .collect::<BTreeMap<_, _>>()
    };
    h.client
        .tag_queue()
        .queue_url(&url)
        .tags("a", "1")
        .tags("b", "2")
        .send()
        .await
        .unwrap();
    assert_eq!(
        tags().await,
        BTreeMap::from([("a".into(), "1".into()), ("b".into(), "2".into())])
    );
    // Tagging again adds and overwrites; untagging removes; unknown keys are ignored.
    h.client
        .tag_queue()
        .queue_url(&url)
        .tags("b", "20")
        .tags("c", "")
        .send()
        .await
        .unwrap();
    assert_eq!(
        tags().await,
        BTreeMap::from([
            ("a".into(), "1".into()),
            ("b".into(), "20".into()),
            ("c".into(), "".into())
        ])
    );
    h.client
        .untag_queue()
        .queue_url(&url)
        .tag_keys("a")
        .tag_keys("zzz")
        .send()
        .await
        .unwrap();
    assert_eq!(
        tags().await,
        BTreeMap::from([("b".into(), "20".into()), ("c".into(), "".into())])
    );

    for (key, value) in [
        ("aws:reserved", "v".to_owned()),
        ("", "v".to_owned()),
        ("k", "v".repeat(257)),
    ] {
        let result = h
            .client
            .tag_queue()
            .queue_url(&url)
            .tags(key, value)
            .send()
            .await;
        expect_error(result, "InvalidParameterValue", 400);
    }
    // 50 tags at most.
    let mut req = h.client.tag_queue().queue_url(&url);
    for i in 0..49 {
        req = req.tags(format!("k{i}"), "v");
    }
    let result = req.send().await;
    expect_error(result, "InvalidParameterValue", 400);
    assert_eq!(tags().await.len(), 2);

    let missing = format!("{}/{ACCOUNT}/untagged", h.endpoint);
    let result = h.client.list_queue_tags().queue_url(&missing).send().await;
    expect_error(result, NON_EXISTENT, 400);
    let result = h
        .client
        .tag_queue()
        .queue_url(&missing)
        .tags("a", "b")
        .send()
        .await;
    expect_error(result, NON_EXISTENT, 400);
    h.stop().await;
}

#[tokio::test]
async fn queue_urls_follow_the_host_the_client_used() {
    let h = Harness::start().await;
    let port = h.server.addr.port();
    let by_name = sdk_client(&format!("http://localhost:{port}"));
    let out = by_name
        .create_queue()
        .queue_name("hosted")
        .send()
        .await
        .unwrap();
    let via_localhost = out.queue_url().unwrap().to_owned();
    assert_eq!(
        via_localhost,
        format!("http://localhost:{port}/{ACCOUNT}/hosted")
    );
    let via_ip = h
        .client
        .get_queue_url()
        .queue_name("hosted")
        .send()
        .await
        .unwrap()
        .queue_url()
        .unwrap()
        .to_owned();
    assert_eq!(via_ip, format!("http://127.0.0.1:{port}/{ACCOUNT}/hosted"));
    // Either URL reaches the same queue from either client.
    h.send(&via_localhost, "one").await;
    by_name
        .send_message()
        .queue_url(&via_ip)
        .message_body("two")
        .send()
        .await
        .unwrap();
    assert_eq!(h.counts(&via_ip).await, (2, 0, 0));

    // A raw request with a different Host header gets URLs on that host.
    let http = reqwest::Client::new();
    let response = http
        .post(&h.endpoint)
        .header("host", "sqs.example.test:4567")
        .header("x-amz-target", "AmazonSQS.ListQueues")
        .header("content-type", "application/x-amz-json-1.0")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let body = response.text().await.unwrap();
    assert!(
        body.contains(&format!("http://sqs.example.test:4567/{ACCOUNT}/hosted")),
        "{body}"
    );
    h.stop().await;
}

#[tokio::test]
async fn queue_urls_of_another_account_do_not_exist() {
    let h = Harness::start().await;
    let url = h.create_queue("mine", &[]).await;
    let foreign = url.replace(ACCOUNT, "111122223333");
    assert_ne!(foreign, url);
    let result = h
        .client
        .send_message()
        .queue_url(&foreign)
        .message_body("m")
        .send()
        .await;
    let err = expect_error(result, NON_EXISTENT, 400);
    assert!(matches!(
        err.into_service_error(),
        SendMessageError::QueueDoesNotExist(_)
    ));
    let result = h
        .client
        .get_queue_attributes()
        .queue_url(&foreign)
        .attribute_names(A::All)
        .send()
        .await;
    let err = expect_error(result, NON_EXISTENT, 400);
    assert!(matches!(
        err.into_service_error(),
        GetQueueAttributesError::QueueDoesNotExist(_)
    ));
    let result = h.client.delete_queue().queue_url(&foreign).send().await;
    expect_error(result, NON_EXISTENT, 400);
    // The real queue is untouched.
    assert_eq!(h.counts(&url).await, (0, 0, 0));
    h.stop().await;
}
