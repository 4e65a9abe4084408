//! The SQS service driven directly (no HTTP) over the in-memory embedded store, with time
//! injected: a [`ManualClock`] where only the service's own arithmetic is involved, and a
//! [`TokioClock`] under tokio's paused clock where the service waits on tokio timers
//! (long polling, retention sweeps, move-task rates). Nothing sleeps in real time.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use sluice_core::clock::{ManualClock, TokioClock};
use sluice_core::sqs::api::*;
use sluice_core::sqs::{RequestContext, Sqs, SqsError, SqsErrorKind};
use tokio::time::Instant;

/// The service over a fresh in-memory store, on a clock moved by hand.
fn manual_service() -> (Arc<Sqs>, ManualClock) {
    let clock = ManualClock::new(T0);
    let sqs = Sqs::new(in_memory_store(), Arc::new(clock.clone()));
    (sqs, clock)
}

/// The service on tokio's (paused) clock, with its store counting receives.
fn tokio_service() -> (Arc<Sqs>, Arc<CountingStore>) {
    let store = CountingStore::new(in_memory_store());
    let sqs = Sqs::new(store.clone(), Arc::new(TokioClock::new(T0)));
    (sqs, store)
}

fn ctx() -> RequestContext {
    request_context()
}

fn attrs(pairs: &[(&str, &str)]) -> AttributeMap {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

async fn try_create(
    sqs: &Sqs,
    name: &str,
    attributes: &[(&str, &str)],
) -> Result<String, SqsError> {
    sqs.create_queue(
        &ctx(),
        CreateQueueInput {
            queue_name: Some(name.to_owned()),
            attributes: Some(attrs(attributes)),
            tags: None,
        },
    )
    .await
    .map(|out| out.queue_url)
}

async fn create_queue(sqs: &Sqs, name: &str, attributes: &[(&str, &str)]) -> String {
    try_create(sqs, name, attributes)
        .await
        .expect("queue created")
}

fn arn(name: &str) -> String {
    key(name).arn()
}

fn send_input(url: &str, body: &str, delay_seconds: Option<i64>) -> SendMessageInput {
    SendMessageInput {
        queue_url: Some(url.to_owned()),
        message_body: Some(body.to_owned()),
        delay_seconds,
        ..Default::default()
    }
}

async fn send(sqs: &Sqs, url: &str, body: &str) -> SendMessageOutput {
    sqs.send_message(&ctx(), send_input(url, body, None))
        .await
        .expect("message sent")
}

async fn send_delayed(sqs: &Sqs, url: &str, body: &str, delay_seconds: i64) {
    sqs.send_message(&ctx(), send_input(url, body, Some(delay_seconds)))
        .await
        .expect("message sent");
}

/// A receive of up to ten messages asking for every system attribute.
fn receive_input(url: &str) -> ReceiveMessageInput {
    ReceiveMessageInput {
        queue_url: Some(url.to_owned()),
        attribute_names: Some(vec!["All".to_owned()]),
        max_number_of_messages: Some(10),
        ..Default::default()
    }
}

async fn receive_with(sqs: &Sqs, input: ReceiveMessageInput) -> Vec<Message> {
    sqs.receive_message(&ctx(), input)
        .await
        .expect("receive succeeds")
        .messages
}

/// Receives without waiting (WaitTimeSeconds 0) with the queue's visibility timeout.
async fn receive(sqs: &Sqs, url: &str) -> Vec<Message> {
    receive_with(
        sqs,
        ReceiveMessageInput {
            wait_time_seconds: Some(0),
            ..receive_input(url)
        },
    )
    .await
}

async fn receive_visibility(sqs: &Sqs, url: &str, visibility_timeout: i64) -> Vec<Message> {
    receive_with(
        sqs,
        ReceiveMessageInput {
            wait_time_seconds: Some(0),
            visibility_timeout: Some(visibility_timeout),
            ..receive_input(url)
        },
    )
    .await
}

async fn long_poll(sqs: &Sqs, url: &str, wait_time_seconds: i64) -> Vec<Message> {
    receive_with(
        sqs,
        ReceiveMessageInput {
            wait_time_seconds: Some(wait_time_seconds),
            ..receive_input(url)
        },
    )
    .await
}

fn message_bodies(messages: &[Message]) -> Vec<&str> {
    messages.iter().map(|m| m.body.as_str()).collect()
}

fn receive_count(message: &Message) -> &str {
    &message.attributes["ApproximateReceiveCount"]
}

async fn change_visibility(
    sqs: &Sqs,
    url: &str,
    receipt_handle: &str,
    timeout: i64,
) -> Result<Empty, SqsError> {
    sqs.change_message_visibility(
        &ctx(),
        ChangeMessageVisibilityInput {
            queue_url: Some(url.to_owned()),
            receipt_handle: Some(receipt_handle.to_owned()),
            visibility_timeout: Some(timeout),
        },
    )
    .await
}

/// (visible, not visible, delayed) as GetQueueAttributes reports them.
async fn queue_counts(sqs: &Sqs, url: &str) -> (String, String, String) {
    let out = sqs
        .get_queue_attributes(
            &ctx(),
            GetQueueAttributesInput {
                queue_url: Some(url.to_owned()),
                attribute_names: Some(vec!["All".to_owned()]),
            },
        )
        .await
        .expect("attributes");
    let get = |name: &str| out.attributes[name].clone();
    (
        get("ApproximateNumberOfMessages"),
        get("ApproximateNumberOfMessagesNotVisible"),
        get("ApproximateNumberOfMessagesDelayed"),
    )
}

fn n(visible: u32, not_visible: u32, delayed: u32) -> (String, String, String) {
    (
        visible.to_string(),
        not_visible.to_string(),
        delayed.to_string(),
    )
}

fn assert_error(result: Result<impl std::fmt::Debug, SqsError>, kind: SqsErrorKind, message: &str) {
    match result {
        Err(e) => {
            assert_eq!(e.kind, kind, "{e}");
            assert_eq!(e.message, message);
        }
        Ok(v) => panic!("expected {kind:?}, got {v:?}"),
    }
}

// ---------------------------------------------------------------------------------------
// Visibility, delays, retention, dead letters, deletion and purge (manual clock).
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn default_visibility_timeout_hides_a_message_for_30_seconds() {
    let (sqs, clock) = manual_service();
    let url = create_queue(&sqs, "q", &[]).await;
    let sent = send(&sqs, &url, "hello").await;
    let first = receive(&sqs, &url).await;
    assert_eq!(message_bodies(&first), ["hello"]);
    assert_eq!(first[0].message_id, sent.message_id);
    assert_eq!(receive_count(&first[0]), "1");
    assert_eq!(queue_counts(&sqs, &url).await, n(0, 1, 0));

    clock.advance_ms(29_999);
    assert!(receive(&sqs, &url).await.is_empty());
    clock.advance_ms(1);
    let again = receive(&sqs, &url).await;
    assert_eq!(message_bodies(&again), ["hello"]);
    assert_eq!(receive_count(&again[0]), "2");
    assert_ne!(again[0].receipt_handle, first[0].receipt_handle);
    assert_eq!(
        again[0].attributes["ApproximateFirstReceiveTimestamp"],
        T0.to_string()
    );
}

#[tokio::test]
async fn visibility_timeout_comes_from_the_queue_or_the_receive() {
    let (sqs, clock) = manual_service();
    let url = create_queue(&sqs, "q", &[("VisibilityTimeout", "10")]).await;
    send(&sqs, &url, "m").await;
    assert_eq!(receive(&sqs, &url).await.len(), 1);
    clock.advance_ms(9_999);
    assert!(receive(&sqs, &url).await.is_empty());
    clock.advance_ms(1);
    // This receive sets its own timeout.
    assert_eq!(receive_visibility(&sqs, &url, 3).await.len(), 1);
    clock.advance_ms(2_999);
    assert!(receive(&sqs, &url).await.is_empty());
    clock.advance_ms(1);
    let third = receive(&sqs, &url).await;
    assert_eq!(receive_count(&third[0]), "3");
}

#[tokio::test]
async fn change_message_visibility_extends_and_releases() {
    let (sqs, clock) = manual_service();
    let url = create_queue(&sqs, "q", &[]).await;
    send(&sqs, &url, "m").await;
    let got = receive(&sqs, &url).await;
    let handle = got[0].receipt_handle.clone();

    // 10 s into the default 30 s, extend to 60 s from now: hidden until T0 + 70 s.
    clock.advance_ms(10_000);
    change_visibility(&sqs, &url, &handle, 60).await.unwrap();
    clock.advance_ms(59_999);
    assert!(receive(&sqs, &url).await.is_empty());
    // 0 releases it at once.
    change_visibility(&sqs, &url, &handle, 0).await.unwrap();
    let again = receive(&sqs, &url).await;
    assert_eq!(receive_count(&again[0]), "2");
    let handle = again[0].receipt_handle.clone();

    // The 12-hour cap counts from the receive.
    clock.advance_ms(1_000);
    assert_error(
        change_visibility(&sqs, &url, &handle, 43_200).await,
        SqsErrorKind::InvalidParameterValue,
        "Value 43200 for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout for the message is beyond the limit [43200 seconds].",
    );
    change_visibility(&sqs, &url, &handle, 43_100)
        .await
        .unwrap();

    // Once its timeout has run out, a standard queue still takes the handle (AWS answers
    // 200) and hides the message again.
    clock.advance_ms(43_100_000);
    change_visibility(&sqs, &url, &handle, 10).await.unwrap();
    assert!(receive(&sqs, &url).await.is_empty());
    clock.advance_ms(10_000);
    assert_eq!(receive_count(&receive(&sqs, &url).await[0]), "3");
}

#[tokio::test]
async fn delay_seconds_per_message_and_per_queue() {
    let (sqs, clock) = manual_service();
    let plain = create_queue(&sqs, "plain", &[]).await;
    let slow = create_queue(&sqs, "slow", &[("DelaySeconds", "5")]).await;
    send_delayed(&sqs, &plain, "ten", 10).await;
    send(&sqs, &slow, "queue-default").await;
    send_delayed(&sqs, &slow, "override", 0).await;
    assert_eq!(queue_counts(&sqs, &plain).await, n(0, 0, 1));
    assert_eq!(queue_counts(&sqs, &slow).await, n(1, 0, 1));
    assert_eq!(
        message_bodies(&receive(&sqs, &slow).await),
        ["override"],
        "DelaySeconds 0 on the message overrides the queue's delay"
    );

    clock.advance_ms(4_999);
    assert!(receive(&sqs, &slow).await.is_empty());
    clock.advance_ms(1);
    assert_eq!(
        message_bodies(&receive(&sqs, &slow).await),
        ["queue-default"]
    );
    clock.advance_ms(4_999);
    assert!(receive(&sqs, &plain).await.is_empty());
    clock.advance_ms(1);
    assert_eq!(message_bodies(&receive(&sqs, &plain).await), ["ten"]);
}

#[tokio::test]
async fn retention_drops_messages_at_receive() {
    let (sqs, clock) = manual_service();
    let url = create_queue(&sqs, "q", &[("MessageRetentionPeriod", "60")]).await;
    send(&sqs, &url, "old").await;
    clock.advance_ms(59_999);
    assert_eq!(queue_counts(&sqs, &url).await, n(1, 0, 0));
    clock.advance_ms(1);
    assert!(receive(&sqs, &url).await.is_empty());
    assert_eq!(queue_counts(&sqs, &url).await, n(0, 0, 0));
}

#[tokio::test(start_paused = true)]
async fn retention_sweep_drops_messages_nobody_receives() {
    let (sqs, store) = tokio_service();
    let url = create_queue(&sqs, "q", &[("MessageRetentionPeriod", "60")]).await;
    sqs.start_background().await;
    send(&sqs, &url, "old").await;
    tokio::time::sleep(Duration::from_millis(59_999)).await;
    assert_eq!(queue_counts(&sqs, &url).await, n(1, 0, 0));
    tokio::time::sleep(Duration::from_millis(1_001)).await;
    assert_eq!(
        queue_counts(&sqs, &url).await,
        n(0, 0, 0),
        "the background sweep removes the expired message"
    );
    assert_eq!(store.claims(), 0, "no receive was involved");
}

#[tokio::test]
async fn dead_letter_queue_after_max_receive_count() {
    let (sqs, _clock) = manual_service();
    let dlq = create_queue(&sqs, "dlq", &[]).await;
    let policy = format!(
        r#"{{"deadLetterTargetArn":"{}","maxReceiveCount":"2"}}"#,
        arn("dlq")
    );
    let src = create_queue(&sqs, "src", &[("RedrivePolicy", &policy)]).await;
    let sent = send(&sqs, &src, "poison").await;

    for expected_count in ["1", "2"] {
        let got = receive_visibility(&sqs, &src, 0).await;
        assert_eq!(message_bodies(&got), ["poison"]);
        assert_eq!(receive_count(&got[0]), expected_count);
    }
    assert!(
        receive_visibility(&sqs, &src, 0).await.is_empty(),
        "the third receive moves the message instead of delivering it"
    );
    assert_eq!(queue_counts(&sqs, &src).await, n(0, 0, 0));
    assert_eq!(queue_counts(&sqs, &dlq).await, n(1, 0, 0));

    let dead = receive(&sqs, &dlq).await;
    assert_eq!(message_bodies(&dead), ["poison"]);
    assert_eq!(dead[0].message_id, sent.message_id);
    assert_eq!(dead[0].attributes["DeadLetterQueueSourceArn"], arn("src"));
    assert_eq!(receive_count(&dead[0]), "3");
}

#[tokio::test]
async fn a_deleted_name_cannot_be_reused_for_60_seconds() {
    let (sqs, clock) = manual_service();
    let url = create_queue(&sqs, "q", &[]).await;
    sqs.delete_queue(
        &ctx(),
        QueueUrlInput {
            queue_url: Some(url.clone()),
        },
    )
    .await
    .unwrap();
    clock.advance_ms(59_999);
    assert_error(
        try_create(&sqs, "q", &[]).await,
        SqsErrorKind::QueueDeletedRecently,
        "You must wait 60 seconds after deleting a queue before you can create another with the same name.",
    );
    create_queue(&sqs, "other", &[]).await;
    clock.advance_ms(1);
    assert_eq!(create_queue(&sqs, "q", &[]).await, url);
}

#[tokio::test]
async fn purge_queue_once_per_60_seconds() {
    let (sqs, clock) = manual_service();
    let url = create_queue(&sqs, "q", &[]).await;
    let ctx = ctx();
    let purge = || {
        sqs.purge_queue(
            &ctx,
            QueueUrlInput {
                queue_url: Some(url.clone()),
            },
        )
    };
    send(&sqs, &url, "a").await;
    send(&sqs, &url, "b").await;
    purge().await.unwrap();
    assert_eq!(queue_counts(&sqs, &url).await, n(0, 0, 0));
    send(&sqs, &url, "c").await;
    clock.advance_ms(59_999);
    assert_error(
        purge().await,
        SqsErrorKind::PurgeQueueInProgress,
        "Only one PurgeQueue operation on q is allowed every 60 seconds.",
    );
    assert_eq!(queue_counts(&sqs, &url).await, n(1, 0, 0));
    clock.advance_ms(1);
    purge().await.unwrap();
    assert_eq!(queue_counts(&sqs, &url).await, n(0, 0, 0));
}

// ---------------------------------------------------------------------------------------
// Long polling (tokio's paused clock).
// ---------------------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn long_poll_returns_as_soon_as_a_message_is_sent() {
    let (sqs, store) = tokio_service();
    let url = create_queue(&sqs, "q", &[]).await;
    let start = Instant::now();
    let poll = tokio::spawn({
        let (sqs, url) = (sqs.clone(), url.clone());
        async move {
            let messages = long_poll(&sqs, &url, 20).await;
            (messages, start.elapsed())
        }
    });
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(!poll.is_finished(), "nothing to receive yet");
    send(&sqs, &url, "hi").await;
    let (messages, waited) = poll.await.unwrap();
    assert_eq!(message_bodies(&messages), ["hi"]);
    assert_eq!(waited, Duration::from_secs(3));
    assert_eq!(
        store.claims(),
        2,
        "one look at the start, one after the send"
    );
}

#[tokio::test(start_paused = true)]
async fn long_poll_returns_when_a_delay_ends() {
    let (sqs, store) = tokio_service();
    let url = create_queue(&sqs, "q", &[]).await;
    send_delayed(&sqs, &url, "later", 5).await;
    let start = Instant::now();
    let messages = long_poll(&sqs, &url, 20).await;
    assert_eq!(message_bodies(&messages), ["later"]);
    assert_eq!(start.elapsed(), Duration::from_secs(5));
    assert_eq!(
        store.claim_times(),
        [T0, T0 + 5_000],
        "no polling in between"
    );
}

#[tokio::test(start_paused = true)]
async fn long_poll_returns_when_a_visibility_timeout_expires() {
    let (sqs, store) = tokio_service();
    let url = create_queue(&sqs, "q", &[]).await;
    send(&sqs, &url, "again").await;
    assert_eq!(receive_visibility(&sqs, &url, 7).await.len(), 1);
    let start = Instant::now();
    let messages = long_poll(&sqs, &url, 20).await;
    assert_eq!(message_bodies(&messages), ["again"]);
    assert_eq!(receive_count(&messages[0]), "2");
    assert_eq!(start.elapsed(), Duration::from_secs(7));
    assert_eq!(store.claim_times(), [T0, T0, T0 + 7_000]);
}

#[tokio::test(start_paused = true)]
async fn long_poll_returns_when_visibility_is_set_to_zero() {
    let (sqs, store) = tokio_service();
    let url = create_queue(&sqs, "q", &[]).await;
    send(&sqs, &url, "released").await;
    let handle = receive(&sqs, &url).await[0].receipt_handle.clone();
    let start = Instant::now();
    let poll = tokio::spawn({
        let (sqs, url) = (sqs.clone(), url.clone());
        async move {
            let messages = long_poll(&sqs, &url, 20).await;
            (messages, start.elapsed())
        }
    });
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(!poll.is_finished());
    change_visibility(&sqs, &url, &handle, 0).await.unwrap();
    let (messages, waited) = poll.await.unwrap();
    assert_eq!(message_bodies(&messages), ["released"]);
    assert_eq!(waited, Duration::from_secs(2));
    assert_eq!(store.claims(), 3);
}

#[tokio::test(start_paused = true)]
async fn long_poll_returns_empty_exactly_at_its_deadline() {
    let (sqs, store) = tokio_service();
    let url = create_queue(&sqs, "q", &[]).await;
    let start = Instant::now();
    let poll = tokio::spawn({
        let (sqs, url) = (sqs.clone(), url.clone());
        async move {
            let messages = long_poll(&sqs, &url, 20).await;
            (messages, start.elapsed())
        }
    });
    tokio::time::sleep(Duration::from_millis(19_999)).await;
    assert!(
        !poll.is_finished(),
        "still waiting 1 ms before the deadline"
    );
    let (messages, waited) = poll.await.unwrap();
    assert!(messages.is_empty());
    assert_eq!(waited, Duration::from_secs(20));
    assert_eq!(
        store.claim_times(),
        [T0, T0 + 20_000],
        "a waiting receive looks once at the start and once at the deadline"
    );

    // Without WaitTimeSeconds the queue's ReceiveMessageWaitTimeSeconds applies.
    let waits = create_queue(&sqs, "waits", &[("ReceiveMessageWaitTimeSeconds", "5")]).await;
    let start = Instant::now();
    let messages = receive_with(&sqs, receive_input(&waits)).await;
    assert!(messages.is_empty());
    assert_eq!(start.elapsed(), Duration::from_secs(5));
}

/// Starts `count` long polls (20 s, up to `max` messages each) on the queue, one a
/// second, so they wait in that order.
async fn staggered_long_polls(
    sqs: &Arc<Sqs>,
    url: &str,
    count: usize,
    max: i64,
) -> Vec<tokio::task::JoinHandle<Vec<Message>>> {
    let mut polls = Vec::new();
    for _ in 0..count {
        let (sqs, url) = (sqs.clone(), url.to_owned());
        polls.push(tokio::spawn(async move {
            let input = ReceiveMessageInput {
                wait_time_seconds: Some(20),
                max_number_of_messages: Some(max),
                ..receive_input(&url)
            };
            receive_with(&sqs, input).await
        }));
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    polls
}

#[tokio::test(start_paused = true)]
async fn a_send_wakes_only_the_long_poll_that_waited_longest() {
    let (sqs, store) = tokio_service();
    let url = create_queue(&sqs, "q", &[]).await;
    let mut polls = staggered_long_polls(&sqs, &url, 4, 10).await;
    assert_eq!(store.claims(), 4, "each long poll looked once");
    for (i, body) in ["m0", "m1", "m2", "m3"].into_iter().enumerate() {
        send(&sqs, &url, body).await;
        let messages = (&mut polls[i]).await.unwrap();
        assert_eq!(message_bodies(&messages), [body], "oldest waiter first");
        tokio::time::sleep(Duration::from_millis(1)).await;
        assert_eq!(
            store.claims(),
            4 + i + 1,
            "only the woken long poll looked again"
        );
        assert!(polls[i + 1..].iter().all(|p| !p.is_finished()));
    }
}

#[tokio::test(start_paused = true)]
async fn a_receive_that_leaves_messages_behind_wakes_the_next_long_poll() {
    let (sqs, store) = tokio_service();
    let url = create_queue(&sqs, "q", &[]).await;
    let polls = staggered_long_polls(&sqs, &url, 3, 1).await;
    let start = Instant::now();
    let entries = ["a", "b", "c"]
        .iter()
        .map(|body| SendMessageBatchRequestEntry {
            id: Some((*body).to_owned()),
            message_body: Some((*body).to_owned()),
            ..Default::default()
        })
        .collect();
    sqs.send_message_batch(
        &ctx(),
        SendMessageBatchInput {
            queue_url: Some(url.clone()),
            entries: Some(entries),
        },
    )
    .await
    .expect("batch sent");
    let mut bodies = Vec::new();
    for poll in polls {
        let messages = poll.await.unwrap();
        assert_eq!(messages.len(), 1);
        bodies.push(messages[0].body.clone());
    }
    assert_eq!(bodies, ["a", "b", "c"]);
    assert_eq!(start.elapsed(), Duration::ZERO, "nobody waited for a timer");
    assert_eq!(
        store.claims(),
        3 + 3,
        "one look each at the start, one each after"
    );
}

#[tokio::test(start_paused = true)]
async fn a_delayed_message_reaches_a_long_poll_that_outlasts_the_first_in_line() {
    let (sqs, _store) = tokio_service();
    let url = create_queue(&sqs, "q", &[]).await;
    let start = Instant::now();
    let spawn_poll = |wait_time_seconds: i64| {
        let (sqs, url) = (sqs.clone(), url.clone());
        tokio::spawn(async move {
            let messages = long_poll(&sqs, &url, wait_time_seconds).await;
            (messages, start.elapsed())
        })
    };
    // First in line, but gone before the message is visible.
    let short = spawn_poll(3);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let long = spawn_poll(20);
    tokio::time::sleep(Duration::from_secs(1)).await;
    send_delayed(&sqs, &url, "later", 2).await;
    let (messages, returned) = short.await.unwrap();
    assert!(messages.is_empty());
    assert_eq!(returned, Duration::from_secs(3));
    let (messages, returned) = long.await.unwrap();
    assert_eq!(message_bodies(&messages), ["later"]);
    assert_eq!(
        returned,
        Duration::from_secs(4),
        "every waiter learns a delayed message's deadline"
    );
}

#[tokio::test(start_paused = true)]
async fn a_receive_without_a_wait_time_looks_once() {
    let (sqs, store) = tokio_service();
    let url = create_queue(&sqs, "q", &[]).await;
    assert!(receive(&sqs, &url).await.is_empty());
    assert_eq!(store.claims(), 1);
    let missing = url.replace("/q", "/missing");
    let result = sqs
        .receive_message(
            &ctx(),
            ReceiveMessageInput {
                wait_time_seconds: Some(0),
                ..receive_input(&missing)
            },
        )
        .await;
    assert_error(
        result,
        SqsErrorKind::QueueDoesNotExist,
        "The specified queue does not exist.",
    );
}

#[tokio::test(start_paused = true)]
async fn shutdown_answers_a_waiting_long_poll_at_once() {
    let (sqs, _store) = tokio_service();
    let url = create_queue(&sqs, "q", &[]).await;
    let start = Instant::now();
    let poll = tokio::spawn({
        let (sqs, url) = (sqs.clone(), url.clone());
        async move {
            let messages = long_poll(&sqs, &url, 20).await;
            (messages, start.elapsed())
        }
    });
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(!poll.is_finished());
    sqs.begin_shutdown().await;
    let (messages, waited) = poll.await.unwrap();
    assert!(messages.is_empty());
    assert_eq!(waited, Duration::from_secs(1));
    // A long poll that starts during shutdown does not wait either.
    let start = Instant::now();
    assert!(long_poll(&sqs, &url, 20).await.is_empty());
    assert_eq!(start.elapsed(), Duration::ZERO);
}

// ---------------------------------------------------------------------------------------
// Message move tasks (tokio's paused clock).
// ---------------------------------------------------------------------------------------

/// A source queue whose `count` messages have all been dead-lettered to "dlq".
async fn dead_lettered(sqs: &Sqs, count: usize) -> (String, String) {
    let dlq = create_queue(sqs, "dlq", &[]).await;
    let policy = format!(
        r#"{{"deadLetterTargetArn":"{}","maxReceiveCount":1}}"#,
        arn("dlq")
    );
    let src = create_queue(sqs, "src", &[("RedrivePolicy", &policy)]).await;
    for i in 0..count {
        send(sqs, &src, &format!("m{i}")).await;
    }
    let mut received = 0;
    while received < count {
        let got = receive_visibility(sqs, &src, 0).await;
        assert!(!got.is_empty());
        received += got.len();
    }
    // Every message has been received once: the next receive moves them all.
    assert!(receive_visibility(sqs, &src, 0).await.is_empty());
    assert_eq!(queue_counts(sqs, &dlq).await, n(count as u32, 0, 0));
    assert_eq!(queue_counts(sqs, &src).await, n(0, 0, 0));
    (src, dlq)
}

async fn latest_task(sqs: &Sqs) -> ListMessageMoveTasksResultEntry {
    let mut out = sqs
        .list_message_move_tasks(
            &ctx(),
            ListMessageMoveTasksInput {
                source_arn: Some(arn("dlq")),
                max_results: None,
            },
        )
        .await
        .expect("tasks listed");
    assert_eq!(out.results.len(), 1);
    out.results.remove(0)
}

async fn start_redrive(sqs: &Arc<Sqs>, per_second: i64) -> String {
    sqs.start_message_move_task(
        &ctx(),
        StartMessageMoveTaskInput {
            source_arn: Some(arn("dlq")),
            destination_arn: None,
            max_number_of_messages_per_second: Some(per_second),
        },
    )
    .await
    .expect("task started")
    .task_handle
}

#[tokio::test(start_paused = true)]
async fn move_task_respects_its_rate_and_completes() {
    let (sqs, _store) = tokio_service();
    let (src, dlq) = dead_lettered(&sqs, 30).await;
    let start = Instant::now();
    start_redrive(&sqs, 10).await;
    let task = latest_task(&sqs).await;
    assert_eq!(task.status, "RUNNING");
    assert_eq!(task.approximate_number_of_messages_to_move, Some(30));
    assert_eq!(task.max_number_of_messages_per_second, Some(10));
    assert!(task.task_handle.is_some());

    // At most ten a second.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        latest_task(&sqs).await.approximate_number_of_messages_moved,
        10
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    let task = latest_task(&sqs).await;
    assert_eq!(task.approximate_number_of_messages_moved, 20);
    assert_eq!(task.status, "RUNNING");

    let finished = loop {
        let task = latest_task(&sqs).await;
        if task.status != "RUNNING" {
            break task;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "task never ended"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let took = start.elapsed();
    assert!(
        (Duration::from_secs(2)..=Duration::from_secs(3)).contains(&took),
        "30 messages at 10 a second took {took:?}"
    );
    assert_eq!(finished.status, "COMPLETED");
    assert_eq!(finished.approximate_number_of_messages_moved, 30);
    assert_eq!(finished.approximate_number_of_messages_to_move, Some(30));
    assert_eq!(finished.task_handle, None);
    assert_eq!(finished.started_timestamp, T0 as i64);

    assert_eq!(queue_counts(&sqs, &dlq).await, n(0, 0, 0));
    assert_eq!(queue_counts(&sqs, &src).await, n(30, 0, 0));
    let back = receive(&sqs, &src).await;
    assert_eq!(back.len(), 10);
    assert!(back.iter().all(|m| receive_count(m) == "1"));
    assert!(back
        .iter()
        .all(|m| !m.attributes.contains_key("DeadLetterQueueSourceArn")));
}

#[tokio::test(start_paused = true)]
async fn cancel_message_move_task_stops_it() {
    let (sqs, _store) = tokio_service();
    let (src, dlq) = dead_lettered(&sqs, 30).await;
    let handle = start_redrive(&sqs, 10).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let ctx = ctx();
    let cancel = || {
        sqs.cancel_message_move_task(
            &ctx,
            CancelMessageMoveTaskInput {
                task_handle: Some(handle.clone()),
            },
        )
    };
    let cancelled = cancel().await.expect("a running task can be cancelled");
    assert_eq!(cancelled.approximate_number_of_messages_moved, 10);

    tokio::time::sleep(Duration::from_secs(5)).await;
    let task = latest_task(&sqs).await;
    assert_eq!(task.status, "CANCELLED");
    assert_eq!(task.approximate_number_of_messages_moved, 10);
    assert_eq!(task.task_handle, None);
    assert_eq!(queue_counts(&sqs, &dlq).await, n(20, 0, 0));
    assert_eq!(queue_counts(&sqs, &src).await, n(10, 0, 0));
    assert_error(
        cancel().await,
        SqsErrorKind::ResourceNotFound,
        "Task does not exist or is not running; only running tasks can be cancelled.",
    );
}

// ---------------------------------------------------------------------------------------
// Validation.
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn out_of_range_parameters_are_rejected_as_aws_does() {
    let (sqs, _clock) = manual_service();
    let url = create_queue(&sqs, "q", &[]).await;
    let ctx = ctx();
    let receive_err = |input: ReceiveMessageInput| sqs.receive_message(&ctx, input);

    assert_error(
        receive_err(ReceiveMessageInput {
            max_number_of_messages: Some(11),
            ..receive_input(&url)
        })
        .await,
        SqsErrorKind::InvalidParameterValue,
        "Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.",
    );
    assert_error(
        receive_err(ReceiveMessageInput {
            wait_time_seconds: Some(21),
            ..receive_input(&url)
        })
        .await,
        SqsErrorKind::InvalidParameterValue,
        "Value 21 for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.",
    );
    assert_error(
        receive_err(ReceiveMessageInput {
            visibility_timeout: Some(43_201),
            ..receive_input(&url)
        })
        .await,
        SqsErrorKind::InvalidParameterValue,
        "Value 43201 for parameter VisibilityTimeout is invalid. Reason: Must be >= 0 and <= 43200, if provided.",
    );
    assert_error(
        sqs.send_message(&ctx, send_input(&url, "m", Some(901)))
            .await,
        SqsErrorKind::InvalidParameterValue,
        "Value 901 for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.",
    );
    assert_eq!(
        queue_counts(&sqs, &url).await,
        n(0, 0, 0),
        "nothing was sent"
    );

    // The limits themselves are accepted.
    sqs.send_message(&ctx, send_input(&url, "m", Some(900)))
        .await
        .unwrap();
    send(&sqs, &url, "now").await;
    let got = receive_with(
        &sqs,
        ReceiveMessageInput {
            max_number_of_messages: Some(10),
            wait_time_seconds: Some(0),
            visibility_timeout: Some(43_200),
            ..receive_input(&url)
        },
    )
    .await;
    assert_eq!(message_bodies(&got), ["now"]);
    assert_error(
        change_visibility(&sqs, &url, &got[0].receipt_handle, 43_201).await,
        SqsErrorKind::InvalidParameterValue,
        "Value 43201 for parameter VisibilityTimeout is invalid. Reason: VisibilityTimeout must be an integer between 0 and 43200",
    );
}

#[tokio::test(start_paused = true)]
async fn fifo_long_poll_returns_when_a_delete_unlocks_the_group() {
    let (sqs, store) = tokio_service();
    let url = create_queue(
        &sqs,
        "q.fifo",
        &[("FifoQueue", "true"), ("ContentBasedDeduplication", "true")],
    )
    .await;
    for body in ["first", "second"] {
        sqs.send_message(
            &ctx(),
            SendMessageInput {
                message_group_id: Some("g".to_owned()),
                ..send_input(&url, body, None)
            },
        )
        .await
        .expect("message sent");
    }
    let first = receive_with(
        &sqs,
        ReceiveMessageInput {
            max_number_of_messages: Some(1),
            wait_time_seconds: Some(0),
            ..receive_input(&url)
        },
    )
    .await;
    assert_eq!(message_bodies(&first), ["first"]);
    let start = Instant::now();
    let poll = tokio::spawn({
        let (sqs, url) = (sqs.clone(), url.clone());
        async move {
            let messages = long_poll(&sqs, &url, 20).await;
            (messages, start.elapsed())
        }
    });
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        !poll.is_finished(),
        "the group is locked by the first message"
    );
    sqs.delete_message(
        &ctx(),
        DeleteMessageInput {
            queue_url: Some(url.clone()),
            receipt_handle: Some(first[0].receipt_handle.clone()),
        },
    )
    .await
    .unwrap();
    let (messages, waited) = poll.await.unwrap();
    assert_eq!(message_bodies(&messages), ["second"]);
    assert_eq!(waited, Duration::from_secs(3));
    // One look at the start of the poll and one after the delete woke it.
    assert_eq!(store.claims(), 3);
}
