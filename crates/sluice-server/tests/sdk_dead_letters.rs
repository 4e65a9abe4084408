//! Dead-letter queues through the official AWS SDK (AWS JSON 1.0): redrive policies,
//! redrive allow policies, ListDeadLetterSourceQueues and message move tasks.
//!
//! Move tasks run on the server's tokio timers, so their progress is observed by
//! polling ListMessageMoveTasks with short real sleeps, bounded to a few seconds.

mod common;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use aws_sdk_sqs::error::ProvideErrorMetadata;
use aws_sdk_sqs::operation::cancel_message_move_task::CancelMessageMoveTaskError;
use aws_sdk_sqs::operation::list_dead_letter_source_queues::ListDeadLetterSourceQueuesError;
use aws_sdk_sqs::operation::start_message_move_task::StartMessageMoveTaskError;
use aws_sdk_sqs::types::{
    ListMessageMoveTasksResultEntry, Message, MessageSystemAttributeName as S,
    QueueAttributeName as A,
};
use common::*;

fn redrive(dlq_arn: &str, max_receive_count: u32) -> String {
    format!(r#"{{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":"{max_receive_count}"}}"#)
}

fn arn_of(name: &str) -> String {
    format!("arn:aws:sqs:{REGION}:{ACCOUNT}:{name}")
}

fn bodies(messages: &[Message]) -> BTreeSet<String> {
    messages
        .iter()
        .map(|m| m.body().unwrap().to_owned())
        .collect()
}

/// Receives every visible message of a queue (short polls until one comes back empty).
async fn drain(h: &Harness, url: &str) -> Vec<Message> {
    let mut all = Vec::new();
    loop {
        let got = h.receive(url, 10, Some(600)).await;
        if got.is_empty() {
            return all;
        }
        all.extend(got);
    }
}

/// Sends each body to `url`, receives them all once, then receives again after their
/// visibility ran out: with maxReceiveCount 1 that moves them to the dead-letter queue.
async fn dead_letter(h: &Harness, url: &str, bodies: &[&str]) -> BTreeSet<String> {
    for body in bodies {
        h.send(url, body).await;
    }
    let got = drain(h, url).await;
    assert_eq!(got.len(), bodies.len());
    h.advance_secs(600).await;
    assert!(h.receive(url, 10, None).await.is_empty());
    assert_eq!(h.counts(url).await, (0, 0, 0));
    got.iter()
        .map(|m| m.message_id().unwrap().to_owned())
        .collect()
}

async fn latest_task(h: &Harness, source_arn: &str) -> ListMessageMoveTasksResultEntry {
    let out = h
        .client
        .list_message_move_tasks()
        .source_arn(source_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(out.results().len(), 1, "{out:?}");
    out.results()[0].clone()
}

/// Polls until the latest task of `source_arn` is no longer running.
async fn wait_for_task(h: &Harness, source_arn: &str) -> ListMessageMoveTasksResultEntry {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let task = latest_task(h, source_arn).await;
        if task.status() != Some("RUNNING") {
            return task;
        }
        assert!(
            Instant::now() < deadline,
            "move task still running: {task:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn redrive_policy_moves_messages_after_max_receive_count() {
    let h = Harness::start().await;
    let dlq = h.create_queue("orders-dlq", &[]).await;
    let dlq_arn = h.arn(&dlq).await;
    let policy = redrive(&dlq_arn, 2);
    let src = h
        .create_queue("orders", &[(A::RedrivePolicy, &policy)])
        .await;
    let src_arn = h.arn(&src).await;

    let rendered: serde_json::Value =
        serde_json::from_str(&h.attribute(&src, A::RedrivePolicy).await.unwrap()).unwrap();
    assert_eq!(rendered["deadLetterTargetArn"], dlq_arn.as_str());
    assert_eq!(
        rendered["maxReceiveCount"].to_string().trim_matches('"'),
        "2"
    );

    let sent_at = h.now_ms();
    let id = h
        .client
        .send_message()
        .queue_url(&src)
        .message_body("poison")
        .message_attributes("kind", string_attr("String", "bad"))
        .send()
        .await
        .unwrap()
        .message_id()
        .unwrap()
        .to_owned();
    for receive in 1..=2 {
        let got = h.receive(&src, 10, Some(5)).await;
        assert_eq!(got.len(), 1, "receive {receive}");
        assert_eq!(
            system_attr(&got[0], S::ApproximateReceiveCount),
            Some(receive.to_string())
        );
        h.advance_secs(5).await;
    }
    // The third receive finds the message over its limit: it goes to the DLQ instead.
    assert!(h.receive(&src, 10, Some(5)).await.is_empty());
    assert_eq!(h.counts(&src).await, (0, 0, 0));
    assert_eq!(h.counts(&dlq).await, (1, 0, 0));

    let got = h.receive(&dlq, 10, None).await;
    assert_eq!(got.len(), 1);
    let m = &got[0];
    assert_eq!(m.message_id(), Some(id.as_str()));
    assert_eq!(m.body(), Some("poison"));
    assert_eq!(
        system_attr(m, S::DeadLetterQueueSourceArn),
        Some(src_arn.clone())
    );
    // The original enqueue time and attributes travel with the message.
    assert_eq!(system_attr(m, S::SentTimestamp), Some(sent_at.to_string()));
    assert_eq!(
        m.message_attributes().unwrap()["kind"],
        string_attr("String", "bad")
    );
    h.stop().await;
}

#[tokio::test]
async fn redrive_policy_values_are_checked() {
    let h = Harness::start().await;
    let dlq = h.create_queue("checked-dlq", &[]).await;
    let dlq_arn = h.arn(&dlq).await;
    let src = h.create_queue("checked", &[]).await;
    for bad in [
        redrive(&dlq_arn, 0),
        redrive(&dlq_arn, 1001),
        redrive(&arn_of("no-such-dlq"), 3),
        r#"{"maxReceiveCount":3}"#.to_owned(),
    ] {
        let result = h
            .client
            .set_queue_attributes()
            .queue_url(&src)
            .attributes(A::RedrivePolicy, &bad)
            .send()
            .await;
        expect_error(result, "InvalidParameterValue", 400);
    }
    // A value that is no JSON map is refused as an attribute value.
    for bad in ["not json", " ", "[]"] {
        let result = h
            .client
            .set_queue_attributes()
            .queue_url(&src)
            .attributes(A::RedrivePolicy, bad)
            .send()
            .await;
        expect_error(result, "InvalidAttributeValue", 400);
    }
    assert_eq!(h.attribute(&src, A::RedrivePolicy).await, None);

    h.client
        .set_queue_attributes()
        .queue_url(&src)
        .attributes(A::RedrivePolicy, redrive(&dlq_arn, 1000))
        .send()
        .await
        .unwrap();
    assert!(h.attribute(&src, A::RedrivePolicy).await.is_some());
    // The empty string removes the policy.
    h.client
        .set_queue_attributes()
        .queue_url(&src)
        .attributes(A::RedrivePolicy, "")
        .send()
        .await
        .unwrap();
    assert_eq!(h.attribute(&src, A::RedrivePolicy).await, None);
    h.stop().await;
}

#[tokio::test]
async fn redrive_allow_policy_is_enforced() {
    let h = Harness::start().await;
    let deny = h
        .create_queue(
            "deny-dlq",
            &[(A::RedriveAllowPolicy, r#"{"redrivePermission":"denyAll"}"#)],
        )
        .await;
    let by_queue_policy = format!(
        r#"{{"redrivePermission":"byQueue","sourceQueueArns":["{}"]}}"#,
        arn_of("allowed")
    );
    let by_queue = h
        .create_queue("byqueue-dlq", &[(A::RedriveAllowPolicy, &by_queue_policy)])
        .await;
    let allow = h
        .create_queue(
            "allow-dlq",
            &[(A::RedriveAllowPolicy, r#"{"redrivePermission":"allowAll"}"#)],
        )
        .await;
    let rendered: serde_json::Value =
        serde_json::from_str(&h.attribute(&by_queue, A::RedriveAllowPolicy).await.unwrap())
            .unwrap();
    assert_eq!(
        rendered,
        serde_json::json!({"redrivePermission": "byQueue", "sourceQueueArns": [arn_of("allowed")]})
    );

    let allowed = h.create_queue("allowed", &[]).await;
    let other = h.create_queue("other", &[]).await;
    let set = |url: &str, dlq_arn: String| {
        h.client
            .set_queue_attributes()
            .queue_url(url)
            .attributes(A::RedrivePolicy, redrive(&dlq_arn, 3))
            .send()
    };

    // denyAll: nobody.
    expect_error(
        set(&allowed, h.arn(&deny).await).await,
        "InvalidParameterValue",
        400,
    );
    // Creating a queue with that policy is refused the same way.
    let result = h
        .client
        .create_queue()
        .queue_name("fresh")
        .attributes(A::RedrivePolicy, redrive(&h.arn(&deny).await, 3))
        .send()
        .await;
    expect_error(result, "InvalidParameterValue", 400);
    let result = h.client.get_queue_url().queue_name("fresh").send().await;
    expect_error(result, "AWS.SimpleQueueService.NonExistentQueue", 400);

    // byQueue: only the listed source.
    expect_error(
        set(&other, h.arn(&by_queue).await).await,
        "InvalidParameterValue",
        400,
    );
    set(&allowed, h.arn(&by_queue).await).await.unwrap();
    // allowAll: anyone.
    set(&other, h.arn(&allow).await).await.unwrap();

    for (url, dlq_name) in [(&allowed, "byqueue-dlq"), (&other, "allow-dlq")] {
        let raw = h.attribute(url, A::RedrivePolicy).await.unwrap();
        let v: serde_json::Value = serde_json::from_str(&raw).unwrap();
        assert_eq!(v["deadLetterTargetArn"], arn_of(dlq_name).as_str());
    }

    // Malformed allow policies.
    for bad in [
        r#"{"redrivePermission":"byQueue"}"#,
        r#"{"redrivePermission":"denyAll","sourceQueueArns":["arn:aws:sqs:us-east-1:000000000000:a"]}"#,
    ] {
        let result = h
            .client
            .set_queue_attributes()
            .queue_url(&allow)
            .attributes(A::RedriveAllowPolicy, bad)
            .send()
            .await;
        expect_error(result, "InvalidParameterValue", 400);
    }
    // One SQS cannot read at all is an invalid attribute value.
    let result = h
        .client
        .set_queue_attributes()
        .queue_url(&allow)
        .attributes(
            A::RedriveAllowPolicy,
            r#"{"redrivePermission":"sometimes"}"#,
        )
        .send()
        .await;
    expect_error(result, "InvalidAttributeValue", 400);
    h.stop().await;
}

#[tokio::test]
async fn list_dead_letter_source_queues_pages() {
    let h = Harness::start().await;
    let dlq = h.create_queue("shared-dlq", &[]).await;
    let dlq_arn = h.arn(&dlq).await;
    let policy = redrive(&dlq_arn, 5);
    let mut sources = BTreeSet::new();
    for name in ["src-a", "src-b", "src-c"] {
        sources.insert(h.create_queue(name, &[(A::RedrivePolicy, &policy)]).await);
    }
    let unrelated = h.create_queue("unrelated", &[]).await;

    let all = h
        .client
        .list_dead_letter_source_queues()
        .queue_url(&dlq)
        .send()
        .await
        .unwrap();
    assert_eq!(
        all.queue_urls().iter().cloned().collect::<BTreeSet<_>>(),
        sources
    );
    assert_eq!(all.next_token(), None);

    let first = h
        .client
        .list_dead_letter_source_queues()
        .queue_url(&dlq)
        .max_results(2)
        .send()
        .await
        .unwrap();
    assert_eq!(first.queue_urls().len(), 2);
    let token = first.next_token().expect("a second page").to_owned();
    let second = h
        .client
        .list_dead_letter_source_queues()
        .queue_url(&dlq)
        .max_results(2)
        .next_token(token)
        .send()
        .await
        .unwrap();
    assert_eq!(second.queue_urls().len(), 1);
    assert_eq!(second.next_token(), None);
    let paged: BTreeSet<String> = first
        .queue_urls()
        .iter()
        .chain(second.queue_urls())
        .cloned()
        .collect();
    assert_eq!(paged, sources);

    let none = h
        .client
        .list_dead_letter_source_queues()
        .queue_url(&unrelated)
        .send()
        .await
        .unwrap();
    assert!(none.queue_urls().is_empty());

    let result = h
        .client
        .list_dead_letter_source_queues()
        .queue_url(format!("{}/{ACCOUNT}/missing", h.endpoint))
        .send()
        .await;
    let err = expect_error(result, "AWS.SimpleQueueService.NonExistentQueue", 400);
    assert!(matches!(
        err.into_service_error(),
        ListDeadLetterSourceQueuesError::QueueDoesNotExist(_)
    ));
    h.stop().await;
}

#[tokio::test]
async fn move_task_returns_messages_to_their_sources() {
    let h = Harness::start().await;
    let dlq = h.create_queue("redrive-dlq", &[]).await;
    let dlq_arn = h.arn(&dlq).await;
    let policy = redrive(&dlq_arn, 1);
    let first = h
        .create_queue("first", &[(A::RedrivePolicy, &policy)])
        .await;
    let second = h
        .create_queue("second", &[(A::RedrivePolicy, &policy)])
        .await;
    let first_ids = dead_letter(&h, &first, &["f1", "f2", "f3"]).await;
    let mut original_ids = dead_letter(&h, &second, &["s1"]).await;
    assert_eq!(h.counts(&dlq).await, (4, 0, 0));

    let started = h
        .client
        .start_message_move_task()
        .source_arn(&dlq_arn)
        .send()
        .await
        .unwrap();
    assert!(!started.task_handle().unwrap_or_default().is_empty());
    let task = wait_for_task(&h, &dlq_arn).await;
    assert_eq!(task.status(), Some("COMPLETED"));
    assert_eq!(task.source_arn(), Some(dlq_arn.as_str()));
    assert_eq!(task.destination_arn(), None);
    assert_eq!(task.approximate_number_of_messages_moved(), 4);
    assert_eq!(task.approximate_number_of_messages_to_move(), Some(4));
    assert_eq!(task.failure_reason(), None);
    assert_eq!(task.started_timestamp(), h.now_ms() as i64);

    assert_eq!(h.counts(&dlq).await, (0, 0, 0));
    assert_eq!(h.counts(&first).await, (3, 0, 0));
    assert_eq!(h.counts(&second).await, (1, 0, 0));
    let back = drain(&h, &first).await;
    assert_eq!(
        bodies(&back),
        ["f1", "f2", "f3"].map(String::from).into_iter().collect()
    );
    // Redriven messages are new messages (AWS gives them a new id and enqueue time).
    original_ids.extend(first_ids);
    assert!(back
        .iter()
        .all(|m| !original_ids.contains(m.message_id().unwrap())));
    // Moved back, they are ordinary messages of the source again.
    assert!(back
        .iter()
        .all(|m| system_attr(m, S::DeadLetterQueueSourceArn).is_none()));
    assert_eq!(
        bodies(&drain(&h, &second).await),
        BTreeSet::from(["s1".to_owned()])
    );
    h.stop().await;
}

#[tokio::test]
async fn move_task_to_an_explicit_destination() {
    let h = Harness::start().await;
    let dlq = h.create_queue("explicit-dlq", &[]).await;
    let dlq_arn = h.arn(&dlq).await;
    let src = h
        .create_queue("explicit-src", &[(A::RedrivePolicy, &redrive(&dlq_arn, 1))])
        .await;
    let replay = h.create_queue("replay", &[]).await;
    let replay_arn = h.arn(&replay).await;
    dead_letter(&h, &src, &["a", "b"]).await;

    for (destination, code, status) in [
        (
            arn_of("no-such-queue"),
            "ResourceNotFoundException",
            404_u16,
        ),
        (dlq_arn.clone(), "InvalidParameterValue", 400),
    ] {
        let result = h
            .client
            .start_message_move_task()
            .source_arn(&dlq_arn)
            .destination_arn(destination)
            .send()
            .await;
        expect_error(result, code, status);
    }

    h.client
        .start_message_move_task()
        .source_arn(&dlq_arn)
        .destination_arn(&replay_arn)
        .max_number_of_messages_per_second(100)
        .send()
        .await
        .unwrap();
    let task = wait_for_task(&h, &dlq_arn).await;
    assert_eq!(task.status(), Some("COMPLETED"));
    assert_eq!(task.destination_arn(), Some(replay_arn.as_str()));
    assert_eq!(task.max_number_of_messages_per_second(), Some(100));
    assert_eq!(task.approximate_number_of_messages_moved(), 2);

    assert_eq!(h.counts(&dlq).await, (0, 0, 0));
    assert_eq!(h.counts(&src).await, (0, 0, 0));
    assert_eq!(
        bodies(&drain(&h, &replay).await),
        BTreeSet::from(["a".to_owned(), "b".to_owned()])
    );
    h.stop().await;
}

#[tokio::test]
async fn cancel_message_move_task_stops_it() {
    let h = Harness::start().await;
    let dlq = h.create_queue("slow-dlq", &[]).await;
    let dlq_arn = h.arn(&dlq).await;
    let src = h
        .create_queue("slow-src", &[(A::RedrivePolicy, &redrive(&dlq_arn, 1))])
        .await;
    dead_letter(&h, &src, &["1", "2", "3", "4", "5", "6"]).await;

    // One message a second: the task is still running when it is cancelled.
    let handle = h
        .client
        .start_message_move_task()
        .source_arn(&dlq_arn)
        .max_number_of_messages_per_second(1)
        .send()
        .await
        .unwrap()
        .task_handle()
        .unwrap()
        .to_owned();
    let running = latest_task(&h, &dlq_arn).await;
    assert_eq!(running.status(), Some("RUNNING"));
    assert_eq!(running.task_handle(), Some(handle.as_str()));
    assert_eq!(running.approximate_number_of_messages_to_move(), Some(6));

    // Only one task per source at a time.
    let result = h
        .client
        .start_message_move_task()
        .source_arn(&dlq_arn)
        .send()
        .await;
    let err = expect_error(result, "InvalidParameterValue", 400);
    assert_eq!(
        err.message(),
        Some("There is already a task running. Only one active task is allowed for a source queue arn at a given time.")
    );

    let cancelled = h
        .client
        .cancel_message_move_task()
        .task_handle(&handle)
        .send()
        .await
        .unwrap();
    let moved_at_cancel = cancelled.approximate_number_of_messages_moved();
    assert!(moved_at_cancel <= 1, "moved {moved_at_cancel}");

    // Well past the next tick, nothing more has moved.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let task = latest_task(&h, &dlq_arn).await;
    assert_eq!(task.status(), Some("CANCELLED"));
    assert_eq!(task.approximate_number_of_messages_moved(), moved_at_cancel);
    let (visible, _, _) = h.counts(&dlq).await;
    assert_eq!(visible, 6 - moved_at_cancel as u64);
    assert_eq!(h.counts(&src).await.0, moved_at_cancel as u64);

    // A cancelled task cannot be cancelled again.
    let result = h
        .client
        .cancel_message_move_task()
        .task_handle(&handle)
        .send()
        .await;
    let err = expect_error(result, "ResourceNotFoundException", 404);
    assert!(matches!(
        err.into_service_error(),
        CancelMessageMoveTaskError::ResourceNotFoundException(_)
    ));
    // A handle that is no handle is an invalid parameter.
    let result = h
        .client
        .cancel_message_move_task()
        .task_handle("not-a-handle")
        .send()
        .await;
    expect_error(result, "InvalidParameterValue", 400);

    // A new task may start now, and finishes the job.
    h.advance_secs(1).await;
    h.client
        .start_message_move_task()
        .source_arn(&dlq_arn)
        .send()
        .await
        .unwrap();
    let done = wait_for_task(&h, &dlq_arn).await;
    assert_eq!(done.status(), Some("COMPLETED"));
    assert_eq!(
        done.approximate_number_of_messages_moved(),
        6 - moved_at_cancel
    );
    assert_eq!(h.counts(&src).await, (6, 0, 0));

    // Both tasks are listed, newest first.
    let listed = h
        .client
        .list_message_move_tasks()
        .source_arn(&dlq_arn)
        .max_results(10)
        .send()
        .await
        .unwrap();
    let statuses: Vec<&str> = listed
        .results()
        .iter()
        .map(|t| t.status().unwrap())
        .collect();
    assert_eq!(statuses, ["COMPLETED", "CANCELLED"]);
    h.stop().await;
}

#[tokio::test]
async fn move_tasks_need_a_dead_letter_queue_source() {
    let h = Harness::start().await;
    let plain = h.create_queue("plain", &[]).await;
    let plain_arn = h.arn(&plain).await;
    h.send(&plain, "stays").await;

    let result = h
        .client
        .start_message_move_task()
        .source_arn(&plain_arn)
        .send()
        .await;
    expect_error(result, "InvalidParameterValue", 400);
    let result = h
        .client
        .start_message_move_task()
        .source_arn(arn_of("absent"))
        .send()
        .await;
    let err = expect_error(result, "ResourceNotFoundException", 404);
    assert!(matches!(
        err.into_service_error(),
        StartMessageMoveTaskError::ResourceNotFoundException(_)
    ));
    let result = h
        .client
        .list_message_move_tasks()
        .source_arn(arn_of("absent"))
        .send()
        .await;
    expect_error(result, "ResourceNotFoundException", 404);

    // No task was recorded and nothing moved.
    let listed = h
        .client
        .list_message_move_tasks()
        .source_arn(&plain_arn)
        .send()
        .await
        .unwrap();
    assert!(listed.results().is_empty());
    assert_eq!(h.counts(&plain).await, (1, 0, 0));
    h.stop().await;
}
