"""Dead-letter queues: redrive after maxReceiveCount, source lookups, and message move
tasks (redrive back to the source or elsewhere, listing and cancelling)."""

import json
import time

import pytest
from botocore.exceptions import ClientError

from sqs_helpers import assert_error

# The move task runner works in real time; a task over a few messages ends in
# milliseconds, so this bound only guards against a hang.
MOVE_TASK_DEADLINE_S = 5.0
POLL_INTERVAL_S = 0.05


def redrive(dlq_arn, max_receive_count):
    return json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receive_count})


def dead_letter_pair(make_queue, max_receive_count=2, visibility=10):
    dlq_url, dlq_arn = make_queue("-dlq")
    src_url, src_arn = make_queue(
        "-src",
        VisibilityTimeout=visibility,
        RedrivePolicy=redrive(dlq_arn, max_receive_count),
    )
    return src_url, src_arn, dlq_url, dlq_arn


def visible(sqs, url):
    return int(
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])[
            "Attributes"
        ]["ApproximateNumberOfMessages"]
    )


def drive_to_dlq(sqs, advance, src_url, bodies, max_receive_count=1, visibility_ms=10_000):
    """Sends `bodies` and receives each past its maxReceiveCount so all reach the DLQ."""
    for body in bodies:
        sqs.send_message(QueueUrl=src_url, MessageBody=body)
    for _ in range(max_receive_count):
        received = 0
        for _ in range(20):
            received += len(
                sqs.receive_message(QueueUrl=src_url, MaxNumberOfMessages=10).get("Messages", [])
            )
            if received >= len(bodies):
                break
        assert received == len(bodies)
        advance(visibility_ms + 1)
    # The receive after the last allowed one moves them.
    assert "Messages" not in sqs.receive_message(QueueUrl=src_url, MaxNumberOfMessages=10)


def wait_for_task(sqs, dlq_arn, status):
    deadline = time.monotonic() + MOVE_TASK_DEADLINE_S
    while True:
        results = sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"]
        if results and results[0]["Status"] == status:
            return results[0]
        assert time.monotonic() < deadline, f"task not {status} in time: {results}"
        time.sleep(POLL_INTERVAL_S)


def test_redrive_policy_attribute(sqs, make_queue):
    src_url, src_arn, _, dlq_arn = dead_letter_pair(make_queue, max_receive_count=3)
    attrs = sqs.get_queue_attributes(QueueUrl=src_url, AttributeNames=["RedrivePolicy"])
    policy = json.loads(attrs["Attributes"]["RedrivePolicy"])
    assert policy == {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3}
    # An empty value removes it.
    sqs.set_queue_attributes(QueueUrl=src_url, Attributes={"RedrivePolicy": ""})
    attrs = sqs.get_queue_attributes(QueueUrl=src_url, AttributeNames=["All"])["Attributes"]
    assert "RedrivePolicy" not in attrs


def test_redrive_policy_must_name_an_existing_queue(sqs, queue):
    missing = "arn:aws:sqs:us-east-1:000000000000:e2e-no-such-dlq-queue"
    with pytest.raises(ClientError) as e:
        sqs.set_queue_attributes(QueueUrl=queue, Attributes={"RedrivePolicy": redrive(missing, 3)})
    assert_error(e, "InvalidParameterValue", 400, "InvalidParameterValueException")
    with pytest.raises(ClientError) as e:
        sqs.set_queue_attributes(QueueUrl=queue, Attributes={"RedrivePolicy": "{not json"})
    assert_error(e, "InvalidAttributeValue", 400)


def test_message_moves_to_dlq_after_max_receive_count(sqs, make_queue, advance):
    src_url, src_arn, dlq_url, _ = dead_letter_pair(make_queue, max_receive_count=2)
    sent = sqs.send_message(
        QueueUrl=src_url,
        MessageBody="poison <&>",
        MessageAttributes={"kind": {"DataType": "String", "StringValue": "poison"}},
    )
    for expected_count in ("1", "2"):
        msg = sqs.receive_message(QueueUrl=src_url, AttributeNames=["ApproximateReceiveCount"])[
            "Messages"
        ][0]
        assert msg["Attributes"]["ApproximateReceiveCount"] == expected_count
        advance(10_001)
    assert visible(sqs, dlq_url) == 0
    # The third receive finds the message over its limit and dead-letters it.
    assert "Messages" not in sqs.receive_message(QueueUrl=src_url)
    assert visible(sqs, dlq_url) == 1
    assert visible(sqs, src_url) == 0

    dead = sqs.receive_message(
        QueueUrl=dlq_url, AttributeNames=["All"], MessageAttributeNames=["All"]
    )["Messages"][0]
    assert dead["MessageId"] == sent["MessageId"]
    assert dead["Body"] == "poison <&>"
    assert dead["MessageAttributes"] == {"kind": {"DataType": "String", "StringValue": "poison"}}
    assert dead["Attributes"]["DeadLetterQueueSourceArn"] == src_arn


def test_list_dead_letter_source_queues(sqs, make_queue):
    dlq_url, dlq_arn = make_queue("-dlq")
    sources = sorted(make_queue(f"-src{i}", RedrivePolicy=redrive(dlq_arn, 5))[0] for i in range(3))
    make_queue("-unrelated")
    listed = sqs.list_dead_letter_source_queues(QueueUrl=dlq_url)
    assert sorted(listed["queueUrls"]) == sources
    assert "NextToken" not in listed

    seen, token = [], None
    for _ in range(10):
        args = {"QueueUrl": dlq_url, "MaxResults": 2}
        if token:
            args["NextToken"] = token
        page = sqs.list_dead_letter_source_queues(**args)
        assert len(page["queueUrls"]) <= 2
        seen.extend(page["queueUrls"])
        token = page.get("NextToken")
        if not token:
            break
    assert sorted(seen) == sources

    other_url, _ = make_queue("-lonely")
    assert not sqs.list_dead_letter_source_queues(QueueUrl=other_url).get("queueUrls")


def test_move_task_back_to_source_completes(sqs, make_queue, advance):
    src_url, src_arn, dlq_url, dlq_arn = dead_letter_pair(make_queue, max_receive_count=1)
    bodies = [f"redrive-{i}" for i in range(3)]
    drive_to_dlq(sqs, advance, src_url, bodies)
    assert visible(sqs, dlq_url) == 3

    handle = sqs.start_message_move_task(SourceArn=dlq_arn)["TaskHandle"]
    assert handle
    task = wait_for_task(sqs, dlq_arn, "COMPLETED")
    assert task["SourceArn"] == dlq_arn
    assert task["ApproximateNumberOfMessagesMoved"] == 3
    assert task["ApproximateNumberOfMessagesToMove"] == 3
    assert "DestinationArn" not in task
    assert isinstance(task["StartedTimestamp"], int) and task["StartedTimestamp"] > 0

    assert visible(sqs, dlq_url) == 0
    got = []
    for _ in range(20):
        got.extend(
            sqs.receive_message(QueueUrl=src_url, MaxNumberOfMessages=10).get("Messages", [])
        )
        if len(got) >= 3:
            break
    assert sorted(m["Body"] for m in got) == bodies


def test_move_task_to_a_named_destination(sqs, make_queue, advance):
    src_url, _, dlq_url, dlq_arn = dead_letter_pair(make_queue, max_receive_count=1)
    dest_url, dest_arn = make_queue("-dest")
    drive_to_dlq(sqs, advance, src_url, ["elsewhere"])
    sqs.start_message_move_task(SourceArn=dlq_arn, DestinationArn=dest_arn)
    task = wait_for_task(sqs, dlq_arn, "COMPLETED")
    assert task["DestinationArn"] == dest_arn
    assert task["ApproximateNumberOfMessagesMoved"] == 1
    msg = sqs.receive_message(QueueUrl=dest_url)["Messages"][0]
    assert msg["Body"] == "elsewhere"
    assert visible(sqs, src_url) == 0


def test_cancel_message_move_task(sqs, make_queue, advance):
    src_url, _, dlq_url, dlq_arn = dead_letter_pair(make_queue, max_receive_count=1)
    drive_to_dlq(sqs, advance, src_url, [f"slow-{i}" for i in range(10)])
    # One message a second: the task is still running when it is cancelled.
    handle = sqs.start_message_move_task(SourceArn=dlq_arn, MaxNumberOfMessagesPerSecond=1)[
        "TaskHandle"
    ]
    running = sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"][0]
    assert running["Status"] == "RUNNING"
    assert running["TaskHandle"] == handle
    assert running["MaxNumberOfMessagesPerSecond"] == 1

    with pytest.raises(ClientError) as e:
        sqs.start_message_move_task(SourceArn=dlq_arn)
    assert_error(e, "InvalidParameterValue", 400)

    moved = sqs.cancel_message_move_task(TaskHandle=handle)["ApproximateNumberOfMessagesMoved"]
    assert 0 <= moved < 10
    task = wait_for_task(sqs, dlq_arn, "CANCELLED")
    assert "TaskHandle" not in task
    # Cancelling stops the task: what it had not moved stays in the DLQ. (A batch that
    # was under way when the cancel landed is counted a moment later.)
    deadline = time.monotonic() + MOVE_TASK_DEADLINE_S
    while True:
        task = sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"][0]
        done = task["ApproximateNumberOfMessagesMoved"]
        if visible(sqs, src_url) == done:
            break
        assert time.monotonic() < deadline, (task, visible(sqs, src_url))
        time.sleep(POLL_INTERVAL_S)
    assert task["Status"] == "CANCELLED"
    assert moved <= done < 10
    assert visible(sqs, dlq_url) == 10 - done

    with pytest.raises(ClientError) as e:
        sqs.cancel_message_move_task(TaskHandle=handle)
    assert_error(e, "ResourceNotFoundException", 404, "ResourceNotFoundException")


def test_list_message_move_tasks_newest_first(sqs, make_queue, advance):
    src_url, _, _, dlq_arn = dead_letter_pair(make_queue, max_receive_count=1)
    assert sqs.list_message_move_tasks(SourceArn=dlq_arn).get("Results", []) == []
    for round_ in range(2):
        drive_to_dlq(sqs, advance, src_url, [f"round-{round_}"])
        sqs.start_message_move_task(SourceArn=dlq_arn)
        wait_for_task(sqs, dlq_arn, "COMPLETED")
        # Take the message back off the source for the next round.
        msg = sqs.receive_message(QueueUrl=src_url)["Messages"][0]
        sqs.delete_message(QueueUrl=src_url, ReceiptHandle=msg["ReceiptHandle"])
        advance(1_000)
    tasks = sqs.list_message_move_tasks(SourceArn=dlq_arn, MaxResults=10)["Results"]
    assert len(tasks) == 2
    assert tasks[0]["StartedTimestamp"] > tasks[1]["StartedTimestamp"]
    assert [t["Status"] for t in tasks] == ["COMPLETED", "COMPLETED"]
    # The default is the most recent task only.
    assert len(sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"]) == 1


def test_move_task_errors(sqs, make_queue):
    plain_url, plain_arn = make_queue()
    with pytest.raises(ClientError) as e:
        sqs.start_message_move_task(SourceArn=plain_arn)
    assert_error(e, "InvalidParameterValue", 400, "InvalidParameterValueException")

    missing = "arn:aws:sqs:us-east-1:000000000000:e2e-no-such-queue-for-move"
    with pytest.raises(ClientError) as e:
        sqs.start_message_move_task(SourceArn=missing)
    assert_error(e, "ResourceNotFoundException", 404, "ResourceNotFoundException")
    with pytest.raises(ClientError) as e:
        sqs.list_message_move_tasks(SourceArn=missing)
    assert_error(e, "ResourceNotFoundException", 404)
    with pytest.raises(ClientError) as e:
        sqs.cancel_message_move_task(TaskHandle="bm90LWEtaGFuZGxl")
    assert_error(e, "InvalidParameterValue", 400)

    _, _, _, dlq_arn = dead_letter_pair(make_queue)
    with pytest.raises(ClientError) as e:
        sqs.start_message_move_task(SourceArn=dlq_arn, MaxNumberOfMessagesPerSecond=501)
    assert_error(e, "InvalidParameterValue", 400)


def test_redrive_allow_policy_is_enforced(sqs, make_queue):
    dlq_url, dlq_arn = make_queue("-dlq")
    allowed_url, allowed_arn = make_queue("-allowed")
    denied_url, _ = make_queue("-denied")
    sqs.set_queue_attributes(
        QueueUrl=dlq_url,
        Attributes={
            "RedriveAllowPolicy": json.dumps(
                {"redrivePermission": "byQueue", "sourceQueueArns": [allowed_arn]}
            )
        },
    )
    sqs.set_queue_attributes(
        QueueUrl=allowed_url, Attributes={"RedrivePolicy": redrive(dlq_arn, 3)}
    )
    with pytest.raises(ClientError) as e:
        sqs.set_queue_attributes(
            QueueUrl=denied_url, Attributes={"RedrivePolicy": redrive(dlq_arn, 3)}
        )
    assert_error(e, "InvalidParameterValue", 400, "InvalidParameterValueException")
    attrs = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["RedriveAllowPolicy"])
    assert json.loads(attrs["Attributes"]["RedriveAllowPolicy"]) == {
        "redrivePermission": "byQueue",
        "sourceQueueArns": [allowed_arn],
    }
    assert sqs.list_dead_letter_source_queues(QueueUrl=dlq_url)["queueUrls"] == [allowed_url]
