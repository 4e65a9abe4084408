"""Queue actions answered as real AWS answers them, under both SQS protocols.

Each test follows a recorded AWS answer (LocalStack's AWS-validated snapshots and
assertions) or, where none was recorded, AWS errors quoted from real deployments:
how a QueueUrl is resolved, FifoQueue and the other FIFO-only attributes on each kind
of queue, integer attributes, RedrivePolicy and RedriveAllowPolicy refusals,
AddPermission's policy, and message move tasks.
"""

import base64
import json
import time

import pytest
from botocore.exceptions import ClientError

from conftest import make_client
from sqs_helpers import assert_error

ACCOUNT_ID = "000000000000"
REGION = "us-east-1"
MOVE_TASK_DEADLINE_S = 5.0
POLL_INTERVAL_S = 0.05


def arn_of(name):
    return f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{name}"


def error_of(excinfo):
    return excinfo.value.response["Error"]


def expect_error(call, code, status, message):
    """Runs `call`, which must fail with `code`, HTTP `status` and exactly `message`."""
    with pytest.raises(ClientError) as e:
        call()
    assert_error(e, code, status)
    assert error_of(e)["Message"] == message, error_of(e)
    return e


def name_of(url):
    return url.rsplit("/", 1)[1]


# ---------------------------------------------------------------------------------
# QueueUrl: a URL, or the queue's bare name.


def test_bare_queue_name_works_for_every_queue_url_action(sqs, make_queue):
    dlq_url, dlq_arn = make_queue("-dlq")
    url, _ = make_queue(
        RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3})
    )
    name = name_of(url)

    sent = sqs.send_message(QueueUrl=name, MessageBody="by name")
    assert sent["MD5OfMessageBody"]
    sqs.send_message_batch(QueueUrl=name, Entries=[{"Id": "a", "MessageBody": "batched"}])
    got = sqs.receive_message(QueueUrl=name, MaxNumberOfMessages=10)["Messages"]
    assert sorted(m["Body"] for m in got) == ["batched", "by name"]
    sqs.change_message_visibility(
        QueueUrl=name, ReceiptHandle=got[0]["ReceiptHandle"], VisibilityTimeout=60
    )
    sqs.change_message_visibility_batch(
        QueueUrl=name,
        Entries=[{"Id": "a", "ReceiptHandle": got[1]["ReceiptHandle"], "VisibilityTimeout": 60}],
    )
    sqs.delete_message(QueueUrl=name, ReceiptHandle=got[0]["ReceiptHandle"])
    sqs.delete_message_batch(
        QueueUrl=name, Entries=[{"Id": "a", "ReceiptHandle": got[1]["ReceiptHandle"]}]
    )

    sqs.set_queue_attributes(QueueUrl=name, Attributes={"VisibilityTimeout": "45"})
    assert sqs.get_queue_attributes(QueueUrl=name, AttributeNames=["VisibilityTimeout"])[
        "Attributes"
    ] == {"VisibilityTimeout": "45"}
    sqs.tag_queue(QueueUrl=name, Tags={"team": "a"})
    assert sqs.list_queue_tags(QueueUrl=name)["Tags"] == {"team": "a"}
    sqs.untag_queue(QueueUrl=name, TagKeys=["team"])
    sqs.add_permission(
        QueueUrl=name, Label="byname", AWSAccountIds=[ACCOUNT_ID], Actions=["SendMessage"]
    )
    sqs.remove_permission(QueueUrl=name, Label="byname")
    sources = sqs.list_dead_letter_source_queues(QueueUrl=name_of(dlq_url))["queueUrls"]
    assert sources == [url]
    sqs.purge_queue(QueueUrl=name)
    sqs.delete_queue(QueueUrl=name)
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.get_queue_url(QueueName=name)


def test_bare_name_of_a_missing_queue_is_non_existent(sqs, unique_name):
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=unique_name(), MessageBody="x")
    assert_error(e, "AWS.SimpleQueueService.NonExistentQueue", 400)


@pytest.mark.parametrize(
    "path", ["/", f"/{ACCOUNT_ID}", f"/{ACCOUNT_ID}/", "/just-a-name", "/../y"]
)
def test_url_naming_no_queue_is_non_existent(sqs, server, path):
    with pytest.raises(ClientError) as e:
        sqs.get_queue_attributes(QueueUrl=f"{server}{path}", AttributeNames=["All"])
    assert_error(e, "AWS.SimpleQueueService.NonExistentQueue", 400)


def test_url_of_another_region_is_non_existent_here(sqs, queue):
    # A request is answered in its own region's endpoint, where that queue is not.
    other = f"https://sqs.eu-west-1.amazonaws.com/{ACCOUNT_ID}/{name_of(queue)}"
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=other, MessageBody="x")
    assert_error(e, "AWS.SimpleQueueService.NonExistentQueue", 400)
    # The same URL form naming this region works.
    here = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT_ID}/{name_of(queue)}"
    assert sqs.send_message(QueueUrl=here, MessageBody="x")["MessageId"]


def test_queue_name_and_attributes_must_be_given(server, queue):
    # The SDK would refuse these requests itself; AWS's own answers are the subject.
    raw = make_client(server, parameter_validation=False)
    no_name = "Value for parameter QueueName is invalid. Reason: Must specify a queue name."
    expect_error(lambda: raw.create_queue(), "InvalidParameterValue", 400, no_name)
    expect_error(lambda: raw.get_queue_url(), "InvalidParameterValue", 400, no_name)
    expect_error(
        lambda: raw.set_queue_attributes(QueueUrl=queue),
        "MissingParameter",
        400,
        "The request must contain the parameter Attribute.Name.",
    )


# ---------------------------------------------------------------------------------
# FifoQueue and the FIFO-only attributes on each kind of queue.


def test_fifo_queue_attribute_is_unknown_to_standard_queues(sqs, unique_name, queue):
    unknown = "Unknown Attribute FifoQueue."
    for name in (unique_name(), unique_name(".fifo")):
        expect_error(
            lambda: sqs.create_queue(QueueName=name, Attributes={"FifoQueue": "false"}),
            "InvalidAttributeName",
            400,
            unknown,
        )
        with pytest.raises(sqs.exceptions.QueueDoesNotExist):
            sqs.get_queue_url(QueueName=name)
    for value in ("true", "false"):
        expect_error(
            lambda: sqs.set_queue_attributes(QueueUrl=queue, Attributes={"FifoQueue": value}),
            "InvalidAttributeName",
            400,
            unknown,
        )


def test_fifo_queue_attribute_on_a_fifo_queue(sqs, unique_name):
    url = sqs.create_queue(QueueName=unique_name(".fifo"), Attributes={"FifoQueue": "true"})[
        "QueueUrl"
    ]
    # "true" changes nothing and is accepted; "false" would change the queue's type.
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"FifoQueue": "true"})
    expect_error(
        lambda: sqs.set_queue_attributes(QueueUrl=url, Attributes={"FifoQueue": "false"}),
        "InvalidAttributeValue",
        400,
        "Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported.",
    )
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["FifoQueue"])[
        "Attributes"
    ] == {"FifoQueue": "true"}


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("ContentBasedDeduplication", "false", "Unknown Attribute ContentBasedDeduplication."),
        (
            "DeduplicationScope",
            "queue",
            "You can specify the DeduplicationScope only when FifoQueue is set to true.",
        ),
        (
            "FifoThroughputLimit",
            "perQueue",
            "You can specify the FifoThroughputLimit only when FifoQueue is set to true.",
        ),
    ],
)
def test_fifo_only_attributes_on_a_standard_queue(sqs, unique_name, queue, name, value, message):
    expect_error(
        lambda: sqs.create_queue(QueueName=unique_name(), Attributes={name: value}),
        "InvalidAttributeName",
        400,
        message,
    )
    expect_error(
        lambda: sqs.set_queue_attributes(QueueUrl=queue, Attributes={name: value}),
        "InvalidAttributeName",
        400,
        message,
    )


def test_standard_queue_asked_for_fifo_attributes_by_name(sqs, queue):
    for name in ("FifoQueue", "ContentBasedDeduplication"):
        expect_error(
            lambda: sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=[name]),
            "InvalidAttributeName",
            400,
            f"Unknown Attribute {name}.",
        )


def test_high_throughput_needs_message_group_deduplication(sqs, unique_name):
    expect_error(
        lambda: sqs.create_queue(
            QueueName=unique_name(".fifo"),
            Attributes={"FifoQueue": "true", "FifoThroughputLimit": "perMessageGroupId"},
        ),
        "InvalidAttributeValue",
        400,
        "Invalid value for the parameter FifoThroughputLimit. Reason: To set FifoThroughputLimit "
        "to perMessageGroupId, the DeduplicationScope must be messageGroup.",
    )


# ---------------------------------------------------------------------------------
# Integer attributes.

INTEGER_ATTRIBUTES = [
    ("DelaySeconds", "2"),
    ("MaximumMessageSize", "2000"),
    ("MessageRetentionPeriod", "600"),
    ("ReceiveMessageWaitTimeSeconds", "2"),
    ("VisibilityTimeout", "6"),
    ("KmsDataKeyReusePeriodSeconds", "600"),
]


@pytest.mark.parametrize("name, good", INTEGER_ATTRIBUTES)
def test_integer_attributes_with_spaces_are_invalid(sqs, unique_name, queue, name, good):
    message = f"Invalid value for the parameter {name}."
    for bad in (f" {good}", f"{good} "):
        expect_error(
            lambda: sqs.create_queue(QueueName=unique_name(), Attributes={name: bad}),
            "InvalidAttributeValue",
            400,
            message,
        )
        expect_error(
            lambda: sqs.set_queue_attributes(QueueUrl=queue, Attributes={name: bad}),
            "InvalidAttributeValue",
            400,
            message,
        )
    sqs.set_queue_attributes(QueueUrl=queue, Attributes={name: good})


# ---------------------------------------------------------------------------------
# RedrivePolicy and RedriveAllowPolicy.

NOT_A_JSON_MAP = (
    "Invalid value for the parameter RedrivePolicy. Reason: Redrive policy is not a valid JSON map."
)


@pytest.mark.parametrize("value", [" ", "{not json", "[]", "4"])
def test_redrive_policy_that_is_no_json_map(sqs, queue, value):
    expect_error(
        lambda: sqs.set_queue_attributes(QueueUrl=queue, Attributes={"RedrivePolicy": value}),
        "InvalidAttributeValue",
        400,
        NOT_A_JSON_MAP,
    )


def test_redrive_policy_refusals_quote_the_value(sqs, make_queue, unique_name):
    url, _ = make_queue()
    fifo_url = sqs.create_queue(
        QueueName=unique_name(".fifo"), Attributes={"FifoQueue": "true"}
    )["QueueUrl"]
    fifo_arn = arn_of(name_of(fifo_url))
    missing = arn_of(unique_name("-gone"))
    cases = [
        ("{}", "Redrive policy does not contain mandatory attribute: maxReceiveCount."),
        (
            '{"maxReceiveCount": 5}',
            "Redrive policy does not contain mandatory attribute: deadLetterTargetArn.",
        ),
        (
            json.dumps({"deadLetterTargetArn": missing, "maxReceiveCount": 5, "x": 1}),
            "Only following attributes are supported: [maxReceiveCount, deadLetterTargetArn].",
        ),
        (
            json.dumps({"deadLetterTargetArn": missing, "maxReceiveCount": 1001}),
            "Invalid value for maxReceiveCount: 1001, valid values are from 1 to 1000 both "
            "inclusive.",
        ),
        # The recorded AWS answer, spaces of json.dumps included.
        (
            json.dumps({"deadLetterTargetArn": "dummy", "maxReceiveCount": 42}),
            "Invalid value for deadLetterTargetArn.",
        ),
        (
            json.dumps({"deadLetterTargetArn": missing, "maxReceiveCount": 5}),
            "Dead letter target does not exist.",
        ),
        (
            json.dumps({"deadLetterTargetArn": fifo_arn, "maxReceiveCount": 5}),
            "Dead-letter queue must be same type of queue as the source..",
        ),
    ]
    for value, reason in cases:
        message = f"Value {value} for parameter RedrivePolicy is invalid. Reason: {reason}"
        expect_error(
            lambda: sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedrivePolicy": value}),
            "InvalidParameterValue",
            400,
            message,
        )
        expect_error(
            lambda: sqs.create_queue(
                QueueName=unique_name(), Attributes={"RedrivePolicy": value}
            ),
            "InvalidParameterValue",
            400,
            message,
        )
    # The empty string removes the policy, even where there is none.
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedrivePolicy": ""})
    assert "RedrivePolicy" not in sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["All"]
    )["Attributes"]


def test_redrive_allow_policy_refusals(sqs, queue):
    unsupported = (
        "Invalid value for the parameter RedriveAllowPolicy. Reason: Amazon SQS can't create the "
        "redrive allow policy, as it\u2019s in an unsupported format."
    )
    for value in (" ", "badjson", "{}", '{"redrivePermission": "sometimes"}'):
        expect_error(
            lambda: sqs.set_queue_attributes(
                QueueUrl=queue, Attributes={"RedriveAllowPolicy": value}
            ),
            "InvalidAttributeValue",
            400,
            unsupported,
        )
    arns = [arn_of(f"q{i}") for i in range(11)]
    cases = [
        (
            {"redrivePermission": "byQueue"},
            "When you specify the byQueue permission type, you must also specify one or more "
            "sourceQueueArns values.",
        ),
        (
            {"redrivePermission": "byQueue", "sourceQueueArns": arns},
            "The maximum number of source queue ARNs you can specify is 10.",
        ),
        (
            {"redrivePermission": "allowAll", "sourceQueueArns": arns[:1]},
            "To specify one or more source queue ARNs, you must set redrivePermission to byQueue.",
        ),
    ]
    for doc, reason in cases:
        value = json.dumps(doc)
        expect_error(
            lambda: sqs.set_queue_attributes(
                QueueUrl=queue, Attributes={"RedriveAllowPolicy": value}
            ),
            "InvalidParameterValue",
            400,
            f"Value {value} for parameter RedriveAllowPolicy is invalid. Reason: Amazon SQS "
            f"can't create the redrive allow policy. {reason}",
        )


# ---------------------------------------------------------------------------------
# AddPermission and RemovePermission.


def test_add_permission_writes_the_2008_policy(sqs, queue):
    arn = arn_of(name_of(queue))
    sqs.add_permission(
        QueueUrl=queue,
        Label="crossaccountpermission",
        AWSAccountIds=["668614515564"],
        Actions=["ReceiveMessage"],
    )
    policy = json.loads(
        sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["Policy"])["Attributes"][
            "Policy"
        ]
    )
    assert policy == {
        "Version": "2008-10-17",
        "Id": f"{arn}/SQSDefaultPolicy",
        "Statement": [
            {
                "Sid": "crossaccountpermission",
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::668614515564:root"},
                "Action": "SQS:ReceiveMessage",
                "Resource": arn,
            }
        ],
    }
    expect_error(
        lambda: sqs.add_permission(
            QueueUrl=queue,
            Label="crossaccountpermission",
            AWSAccountIds=["668614515564"],
            Actions=["SendMessage"],
        ),
        "InvalidParameterValue",
        400,
        "Value crossaccountpermission for parameter Label is invalid. Reason: Already exists.",
    )
    expect_error(
        lambda: sqs.remove_permission(QueueUrl=queue, Label="crossaccountpermission2"),
        "InvalidParameterValue",
        400,
        "Value crossaccountpermission2 for parameter Label is invalid. Reason: can't find label.",
    )
    sqs.remove_permission(QueueUrl=queue, Label="crossaccountpermission")
    assert "Attributes" not in sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["Policy"])


# ---------------------------------------------------------------------------------
# Message move tasks.


def handle_of(task_id, source_arn):
    doc = json.dumps({"taskId": task_id, "sourceArn": source_arn}, separators=(",", ":"))
    return base64.b64encode(doc.encode()).decode()


def dead_letter_queue_with_messages(sqs, make_queue, advance, count):
    """A DLQ holding `count` messages that came from a source queue; (src_url, dlq_arn)."""
    dlq_url, dlq_arn = make_queue("-dlq")
    src_url, _ = make_queue(
        "-src",
        VisibilityTimeout=10,
        RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1}),
    )
    for i in range(count):
        sqs.send_message(QueueUrl=src_url, MessageBody=f"m{i}")
    received = 0
    while received < count:
        received += len(
            sqs.receive_message(QueueUrl=src_url, MaxNumberOfMessages=10).get("Messages", [])
        )
    advance(10_001)
    # The receive after the last allowed one moves them all.
    assert "Messages" not in sqs.receive_message(QueueUrl=src_url, MaxNumberOfMessages=10)
    return src_url, dlq_url, dlq_arn


def wait_for_status(sqs, dlq_arn, status):
    deadline = time.monotonic() + MOVE_TASK_DEADLINE_S
    while True:
        results = sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"]
        if results and results[0]["Status"] == status:
            return results[0]
        assert time.monotonic() < deadline, f"task not {status} in time: {results}"
        time.sleep(POLL_INTERVAL_S)


def test_cancel_with_a_handle_that_is_no_handle(sqs):
    for handle in ("foobared", base64.b64encode(b'{"taskId":"x"}').decode()):
        expect_error(
            lambda: sqs.cancel_message_move_task(TaskHandle=handle),
            "InvalidParameterValue",
            400,
            "Value for parameter TaskHandle is invalid.",
        )


def test_cancel_with_a_handle_of_a_missing_source(sqs, unique_name):
    handle = handle_of("10f57157-fc38-4da9-a113-4de7e12d05dd", arn_of(unique_name()))
    expect_error(
        lambda: sqs.cancel_message_move_task(TaskHandle=handle),
        "ResourceNotFoundException",
        404,
        "The resource that you specified for the SourceArn parameter doesn't exist.",
    )


def test_cancel_with_an_unknown_task_id(sqs, make_queue):
    _, arn = make_queue()
    handle = handle_of("10f57157-fc38-4da9-a113-4de7e12d05aa", arn)
    expect_error(
        lambda: sqs.cancel_message_move_task(TaskHandle=handle),
        "ResourceNotFoundException",
        404,
        "Task does not exist.",
    )


def test_start_move_task_refusals(sqs, make_queue, unique_name):
    _, plain_arn = make_queue()
    _, dest_arn = make_queue("-dest")
    expect_error(
        lambda: sqs.start_message_move_task(SourceArn=plain_arn, DestinationArn=dest_arn),
        "InvalidParameterValue",
        400,
        "Source queue must be configured as a Dead Letter Queue.",
    )
    expect_error(
        lambda: sqs.start_message_move_task(SourceArn=arn_of(unique_name())),
        "ResourceNotFoundException",
        404,
        "The resource that you specified for the SourceArn parameter doesn't exist.",
    )
    dlq_url, dlq_arn = make_queue("-dlq")
    make_queue(
        "-src",
        RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1}),
    )
    expect_error(
        lambda: sqs.start_message_move_task(
            SourceArn=dlq_arn, DestinationArn=dest_arn + "doesntexist"
        ),
        "ResourceNotFoundException",
        404,
        "The resource that you specified for the DestinationArn parameter doesn't exist.",
    )


def test_one_running_task_per_source(sqs, make_queue, advance):
    _, _, dlq_arn = dead_letter_queue_with_messages(sqs, make_queue, advance, 10)
    _, dest_arn = make_queue("-dest")
    handle = sqs.start_message_move_task(
        SourceArn=dlq_arn, DestinationArn=dest_arn, MaxNumberOfMessagesPerSecond=1
    )["TaskHandle"]
    # The handle is the task id and the source's ARN, as AWS's handles are.
    doc = json.loads(base64.b64decode(handle))
    assert doc["sourceArn"] == dlq_arn and doc["taskId"]
    running = sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"][0]
    assert running["Status"] == "RUNNING"
    assert running["TaskHandle"] == handle
    assert running["ApproximateNumberOfMessagesToMove"] == 10
    assert running["MaxNumberOfMessagesPerSecond"] == 1
    assert running["DestinationArn"] == dest_arn
    expect_error(
        lambda: sqs.start_message_move_task(SourceArn=dlq_arn, DestinationArn=dest_arn),
        "InvalidParameterValue",
        400,
        "There is already a task running. Only one active task is allowed for a source queue "
        "arn at a given time.",
    )
    sqs.cancel_message_move_task(TaskHandle=handle)
    cancelled = wait_for_status(sqs, dlq_arn, "CANCELLED")
    assert "TaskHandle" not in cancelled


def test_completed_task_to_the_original_source(sqs, make_queue, advance):
    src_url, _, dlq_arn = dead_letter_queue_with_messages(sqs, make_queue, advance, 2)
    sqs.start_message_move_task(SourceArn=dlq_arn)
    task = wait_for_status(sqs, dlq_arn, "COMPLETED")
    # A finished task has no handle; one without a destination names none.
    assert set(task) == {
        "ApproximateNumberOfMessagesMoved",
        "ApproximateNumberOfMessagesToMove",
        "SourceArn",
        "StartedTimestamp",
        "Status",
    }, task
    assert task["ApproximateNumberOfMessagesMoved"] == 2
    assert task["ApproximateNumberOfMessagesToMove"] == 2
    assert task["SourceArn"] == dlq_arn
    bodies = [
        m["Body"]
        for m in sqs.receive_message(QueueUrl=src_url, MaxNumberOfMessages=10)["Messages"]
    ]
    assert sorted(bodies) == ["m0", "m1"]
