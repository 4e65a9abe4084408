"""FIFO queues: names and attributes, the rules for sending (message groups,
deduplication ids, no per-message delay), sequence numbers, the five-minute
deduplication window, strict order and locking within a message group, receive
retries by ReceiveRequestAttemptId, batches, dead-letter queues, purge, redrive, and
all of it across a restart."""

import hashlib
import json
import signal
import time

import pytest
from botocore.exceptions import ClientError

from conftest import SluiceProcess, make_client
from sqs_helpers import assert_error

DEDUPLICATION_WINDOW_MS = 300_000
# The move task runner works in real time; this only guards against a hang.
MOVE_TASK_DEADLINE_S = 5.0
POLL_INTERVAL_S = 0.05
FIFO_ATTRIBUTES = (
    "FifoQueue",
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "FifoThroughputLimit",
)


@pytest.fixture
def make_fifo(make_queue):
    """make_fifo(suffix='', **attributes) -> (url, arn): a fresh FIFO queue."""

    def _make(suffix: str = "", **attributes):
        return make_queue(f"{suffix}.fifo", FifoQueue="true", **attributes)

    return _make


@pytest.fixture
def fifo(make_fifo):
    """A fresh FIFO queue's URL (no content-based deduplication)."""
    return make_fifo()[0]


def send(sqs, url, body, group="g", dedup=None, **kwargs):
    """Sends one FIFO message; the deduplication id defaults to the body."""
    return sqs.send_message(
        QueueUrl=url,
        MessageBody=body,
        MessageGroupId=group,
        MessageDeduplicationId=dedup if dedup is not None else body,
        **kwargs,
    )


def receive(sqs, url, max_messages=10, **kwargs):
    return sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=max_messages, AttributeNames=["All"], **kwargs
    ).get("Messages", [])


def bodies(messages):
    return [m["Body"] for m in messages]


def delete_all(sqs, url, messages):
    for m in messages:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def counts(sqs, url):
    attrs = sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=[
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed",
        ],
    )["Attributes"]
    return (
        int(attrs["ApproximateNumberOfMessages"]),
        int(attrs["ApproximateNumberOfMessagesNotVisible"]),
        int(attrs["ApproximateNumberOfMessagesDelayed"]),
    )


def attributes(sqs, url, *names):
    return sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=list(names) or ["All"]
    ).get("Attributes", {})


def redrive(dlq_arn, max_receive_count):
    return json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receive_count})


# --- Queues -----------------------------------------------------------------------


def test_create_fifo_queue_and_its_attributes(sqs, unique_name, queue):
    name = unique_name(".fifo")
    url = sqs.create_queue(QueueName=name, Attributes={"FifoQueue": "true"})["QueueUrl"]
    assert url.endswith("/" + name)
    assert sqs.get_queue_url(QueueName=name)["QueueUrl"] == url
    attrs = attributes(sqs, url)
    assert {k: attrs.get(k) for k in FIFO_ATTRIBUTES} == {
        "FifoQueue": "true",
        "ContentBasedDeduplication": "false",
        "DeduplicationScope": "queue",
        "FifoThroughputLimit": "perQueue",
    }
    assert attrs["QueueArn"].endswith(":" + name)
    # Creating it again with the same attributes answers the same URL.
    again = sqs.create_queue(QueueName=name, Attributes={"FifoQueue": "true"})["QueueUrl"]
    assert again == url
    # ...but not with different ones.
    with pytest.raises(ClientError) as e:
        sqs.create_queue(
            QueueName=name,
            Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"},
        )
    assert_error(e, "QueueAlreadyExists", 400, "QueueNameExists")

    sqs.set_queue_attributes(QueueUrl=url, Attributes={"ContentBasedDeduplication": "true"})
    assert attributes(sqs, url, "ContentBasedDeduplication") == {
        "ContentBasedDeduplication": "true"
    }
    # FIFO-ness is fixed at creation.
    with pytest.raises(ClientError) as e:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"FifoQueue": "false"})
    assert_error(e, "InvalidAttributeValue", 400, "InvalidAttributeValue")
    assert attributes(sqs, url, "FifoQueue") == {"FifoQueue": "true"}

    # A standard queue shows none of the FIFO attributes; asked for FifoQueue or
    # ContentBasedDeduplication by name, it does not know them.
    standard = attributes(sqs, queue)
    assert not set(FIFO_ATTRIBUTES) & set(standard), standard
    for name in ("FifoQueue", "ContentBasedDeduplication"):
        with pytest.raises(ClientError) as e:
            attributes(sqs, queue, name)
        assert_error(e, "InvalidAttributeName", 400, "InvalidAttributeName")


def test_fifo_name_and_flag_must_agree(sqs, unique_name):
    cases = [
        (unique_name(), {"FifoQueue": "true"}),  # flag without the suffix
        (unique_name(".fifo"), {}),  # suffix without the flag
        (".fifo", {"FifoQueue": "true"}),  # nothing before the suffix
        (unique_name(".FIFO"), {"FifoQueue": "true"}),  # the suffix is lower case
    ]
    for name, attrs in cases:
        with pytest.raises(ClientError) as e:
            sqs.create_queue(QueueName=name, Attributes=attrs)
        assert_error(e, "InvalidParameterValue", 400, "InvalidParameterValueException")
        with pytest.raises(sqs.exceptions.QueueDoesNotExist):
            sqs.get_queue_url(QueueName=name)
    with pytest.raises(ClientError) as e:
        sqs.create_queue(QueueName=unique_name(".fifo"), Attributes={"FifoQueue": "yes"})
    assert_error(e, "InvalidAttributeValue", 400, "InvalidAttributeValue")


@pytest.mark.parametrize(
    "name, value",
    [
        ("ContentBasedDeduplication", "true"),
        ("DeduplicationScope", "messageGroup"),
        ("FifoThroughputLimit", "perMessageGroupId"),
    ],
)
def test_fifo_only_attributes_rejected_on_standard_queues(sqs, unique_name, queue, name, value):
    new_name = unique_name()
    with pytest.raises(ClientError) as e:
        sqs.create_queue(QueueName=new_name, Attributes={name: value})
    assert_error(e, "InvalidAttributeName", 400, "InvalidAttributeName")
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.get_queue_url(QueueName=new_name)
    with pytest.raises(ClientError) as e:
        sqs.set_queue_attributes(QueueUrl=queue, Attributes={name: value})
    assert_error(e, "InvalidAttributeName", 400, "InvalidAttributeName")


def test_high_throughput_combinations(sqs, unique_name, make_fifo):
    high = {"DeduplicationScope": "messageGroup", "FifoThroughputLimit": "perMessageGroupId"}
    url, _ = make_fifo(**high)
    assert attributes(sqs, url, *high) == high

    # perMessageGroupId needs DeduplicationScope=messageGroup, on create...
    name = unique_name(".fifo")
    with pytest.raises(ClientError) as e:
        sqs.create_queue(
            QueueName=name,
            Attributes={"FifoQueue": "true", "FifoThroughputLimit": "perMessageGroupId"},
        )
    assert_error(e, "InvalidAttributeValue", 400, "InvalidAttributeValue")
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.get_queue_url(QueueName=name)
    with pytest.raises(ClientError) as e:
        sqs.create_queue(
            QueueName=name,
            Attributes={
                "FifoQueue": "true",
                "DeduplicationScope": "queue",
                "FifoThroughputLimit": "perMessageGroupId",
            },
        )
    assert_error(e, "InvalidAttributeValue", 400)

    # ...and on change: dropping the scope alone would break the pair.
    with pytest.raises(ClientError) as e:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"DeduplicationScope": "queue"})
    assert_error(e, "InvalidAttributeValue", 400, "InvalidAttributeValue")
    assert attributes(sqs, url, *high) == high
    # Both together are fine, and so is messageGroup scope with a per-queue limit.
    sqs.set_queue_attributes(
        QueueUrl=url,
        Attributes={"DeduplicationScope": "queue", "FifoThroughputLimit": "perQueue"},
    )
    assert attributes(sqs, url, *high) == {
        "DeduplicationScope": "queue",
        "FifoThroughputLimit": "perQueue",
    }
    with pytest.raises(ClientError) as e:
        sqs.set_queue_attributes(
            QueueUrl=url, Attributes={"FifoThroughputLimit": "perMessageGroupId"}
        )
    assert_error(e, "InvalidAttributeValue", 400)
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"DeduplicationScope": "messageGroup"})
    assert attributes(sqs, url, *high) == {
        "DeduplicationScope": "messageGroup",
        "FifoThroughputLimit": "perQueue",
    }
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"FifoThroughputLimit": "perMessageGroupId"})
    assert attributes(sqs, url, *high) == high

    for name, value in [("DeduplicationScope", "group"), ("FifoThroughputLimit", "perGroup")]:
        with pytest.raises(ClientError) as e:
            sqs.set_queue_attributes(QueueUrl=url, Attributes={name: value})
        assert_error(e, "InvalidAttributeValue", 400, "InvalidAttributeValue")
    assert attributes(sqs, url, *high) == high


# --- Sending ----------------------------------------------------------------------


def test_send_requires_message_group_id(sqs, fifo):
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=fifo, MessageBody="x", MessageDeduplicationId="d")
    assert_error(e, "MissingParameter", 400, "MissingRequiredParameterException")
    # In a batch the missing group fails the whole request, as InvalidParameterValue (AWS).
    with pytest.raises(ClientError) as e:
        sqs.send_message_batch(
            QueueUrl=fifo,
            Entries=[
                {"Id": "grouped", "MessageBody": "a", "MessageGroupId": "g",
                 "MessageDeduplicationId": "a"},
                {"Id": "ungrouped", "MessageBody": "b", "MessageDeduplicationId": "b"},
            ],
        )
    assert_error(e, "InvalidParameterValue", 400)
    send(sqs, fifo, "a", group="g", dedup="a")
    assert counts(sqs, fifo) == (1, 0, 0)

    for bad in ("", "x" * 129, "has space", "caf\u00e9"):
        with pytest.raises(ClientError) as e:
            sqs.send_message(
                QueueUrl=fifo, MessageBody="x", MessageGroupId=bad, MessageDeduplicationId="d"
            )
        assert_error(e, "InvalidParameterValue", 400, "InvalidParameterValueException")
    # Punctuation is allowed, up to 128 characters.
    send(sqs, fifo, "punct", group="!#$%&()*+,-./:;<=>?@[]^_`{|}~" + "g" * 99)
    assert counts(sqs, fifo) == (2, 0, 0)


def test_per_message_delay_is_rejected(sqs, make_fifo, advance):
    url, _ = make_fifo(DelaySeconds=10)
    with pytest.raises(ClientError) as e:
        send(sqs, url, "late", DelaySeconds=5)
    assert_error(e, "InvalidParameterValue", 400, "InvalidParameterValueException")
    result = sqs.send_message_batch(
        QueueUrl=url,
        Entries=[
            {"Id": "plain", "MessageBody": "a", "MessageGroupId": "g",
             "MessageDeduplicationId": "a"},
            {"Id": "delayed", "MessageBody": "b", "MessageGroupId": "g",
             "MessageDeduplicationId": "b", "DelaySeconds": 3},
        ],
    )
    assert [r["Id"] for r in result["Successful"]] == ["plain"]
    assert [(f["Id"], f["Code"]) for f in result["Failed"]] == [
        ("delayed", "InvalidParameterValue")
    ]
    # The queue's own delay applies.
    assert counts(sqs, url) == (0, 0, 1)
    assert receive(sqs, url) == []
    advance(10_000)
    assert bodies(receive(sqs, url)) == ["a"]


def test_deduplication_id_required_without_content_based_deduplication(sqs, fifo, queue):
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=fifo, MessageBody="x", MessageGroupId="g")
    assert_error(e, "InvalidParameterValue", 400, "InvalidParameterValueException")
    # In a batch it fails the whole request (AWS).
    with pytest.raises(ClientError) as e:
        sqs.send_message_batch(
            QueueUrl=fifo, Entries=[{"Id": "e", "MessageBody": "x", "MessageGroupId": "g"}]
        )
    assert_error(e, "InvalidParameterValue", 400)
    assert counts(sqs, fifo) == (0, 0, 0)

    for bad in ("x" * 129, "has space", "caf\u00e9"):
        with pytest.raises(ClientError) as e:
            send(sqs, fifo, "x", dedup=bad)
        assert_error(e, "InvalidParameterValue", 400)

    sqs.set_queue_attributes(QueueUrl=fifo, Attributes={"ContentBasedDeduplication": "true"})
    sqs.send_message(QueueUrl=fifo, MessageBody="x", MessageGroupId="g")
    assert counts(sqs, fifo) == (1, 0, 0)

    # A standard queue takes no deduplication id.
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=queue, MessageBody="x", MessageDeduplicationId="d")
    assert_error(e, "InvalidParameterValue", 400, "InvalidParameterValueException")


def test_sequence_numbers_increase(sqs, fifo, queue):
    sent = [send(sqs, fifo, f"m{i}", group=f"g{i % 2}") for i in range(3)]
    batch = sqs.send_message_batch(
        QueueUrl=fifo,
        Entries=[
            {"Id": f"b{i}", "MessageBody": f"b{i}", "MessageGroupId": f"g{i % 2}",
             "MessageDeduplicationId": f"b{i}"}
            for i in range(3)
        ],
    )
    assert [r["Id"] for r in batch["Successful"]] == ["b0", "b1", "b2"]
    numbers = [s["SequenceNumber"] for s in sent] + [
        r["SequenceNumber"] for r in batch["Successful"]
    ]
    assert all(n.isdigit() for n in numbers), numbers
    assert [int(n) for n in numbers] == sorted({int(n) for n in numbers}), numbers

    got = receive(sqs, fifo)
    assert len(got) == 6
    by_body = {m["Body"]: m for m in got}
    expected = {f"m{i}": (sent[i]["MessageId"], numbers[i], f"g{i % 2}") for i in range(3)}
    expected.update(
        {f"b{i}": (batch["Successful"][i]["MessageId"], numbers[3 + i], f"g{i % 2}")
         for i in range(3)}
    )
    for body, (message_id, number, group) in expected.items():
        m = by_body[body]
        assert m["MessageId"] == message_id
        assert m["Attributes"]["SequenceNumber"] == number
        assert m["Attributes"]["MessageGroupId"] == group
        assert m["Attributes"]["MessageDeduplicationId"] == body

    # Asked for by name, the FIFO system attributes come alone. (m0's group stays
    # locked while any of its messages is in flight.)
    delete_all(sqs, fifo, [m for m in got if m["Body"] != "m0"])
    sqs.change_message_visibility(
        QueueUrl=fifo, ReceiptHandle=by_body["m0"]["ReceiptHandle"], VisibilityTimeout=0
    )
    again = sqs.receive_message(QueueUrl=fifo, AttributeNames=["SequenceNumber"])["Messages"][0]
    assert again["Attributes"] == {"SequenceNumber": numbers[0]}

    # Standard queues have no sequence numbers.
    plain = sqs.send_message(QueueUrl=queue, MessageBody="x")
    assert "SequenceNumber" not in plain
    assert "SequenceNumber" not in receive(sqs, queue)[0]["Attributes"]


# --- Deduplication ----------------------------------------------------------------


def test_deduplication_window(sqs, fifo, advance):
    first = send(sqs, fifo, "first", dedup="d1")
    dup = send(sqs, fifo, "second", dedup="d1")
    assert (dup["MessageId"], dup["SequenceNumber"]) == (
        first["MessageId"],
        first["SequenceNumber"],
    )
    # Enqueued once.
    assert counts(sqs, fifo) == (1, 0, 0)
    got = receive(sqs, fifo)
    assert bodies(got) == ["first"]
    delete_all(sqs, fifo, got)

    # Deleting the original does not end the window.
    advance(DEDUPLICATION_WINDOW_MS - 1_000)
    dup = send(sqs, fifo, "third", dedup="d1")
    assert (dup["MessageId"], dup["SequenceNumber"]) == (
        first["MessageId"],
        first["SequenceNumber"],
    )
    assert counts(sqs, fifo) == (0, 0, 0)
    assert receive(sqs, fifo) == []

    # The window runs from the first send (a duplicate does not extend it).
    advance(1_000)
    fresh = send(sqs, fifo, "fourth", dedup="d1")
    assert fresh["MessageId"] != first["MessageId"]
    assert int(fresh["SequenceNumber"]) > int(first["SequenceNumber"])
    got = receive(sqs, fifo)
    assert [(m["Body"], m["MessageId"]) for m in got] == [("fourth", fresh["MessageId"])]


def test_deduplication_across_a_batch(sqs, fifo):
    first = send(sqs, fifo, "before", dedup="old")
    result = sqs.send_message_batch(
        QueueUrl=fifo,
        Entries=[
            {"Id": "new", "MessageBody": "n", "MessageGroupId": "g",
             "MessageDeduplicationId": "new"},
            {"Id": "again", "MessageBody": "n2", "MessageGroupId": "g",
             "MessageDeduplicationId": "new"},
            {"Id": "old", "MessageBody": "o", "MessageGroupId": "g",
             "MessageDeduplicationId": "old"},
        ],
    )
    assert not result.get("Failed")
    ok = {r["Id"]: r for r in result["Successful"]}
    assert set(ok) == {"new", "again", "old"}
    assert ok["again"]["MessageId"] == ok["new"]["MessageId"]
    assert ok["again"]["SequenceNumber"] == ok["new"]["SequenceNumber"]
    assert ok["old"]["MessageId"] == first["MessageId"]
    assert ok["old"]["SequenceNumber"] == first["SequenceNumber"]
    assert bodies(receive(sqs, fifo)) == ["before", "n"]


def test_content_based_deduplication(sqs, make_fifo):
    url, _ = make_fifo(ContentBasedDeduplication="true")
    first = sqs.send_message(QueueUrl=url, MessageBody="same body", MessageGroupId="g1")
    # The body alone decides: another group or other attributes are still duplicates.
    for kwargs in (
        {"MessageGroupId": "g2"},
        {"MessageGroupId": "g1",
         "MessageAttributes": {"k": {"DataType": "String", "StringValue": "v"}}},
    ):
        dup = sqs.send_message(QueueUrl=url, MessageBody="same body", **kwargs)
        assert (dup["MessageId"], dup["SequenceNumber"]) == (
            first["MessageId"],
            first["SequenceNumber"],
        )
    # An explicit id takes precedence over the body's hash.
    explicit = send(sqs, url, "same body", group="g1", dedup="explicit")
    assert explicit["MessageId"] != first["MessageId"]
    other = sqs.send_message(QueueUrl=url, MessageBody="other body", MessageGroupId="g1")
    assert other["MessageId"] not in (first["MessageId"], explicit["MessageId"])
    assert counts(sqs, url) == (3, 0, 0)

    got = receive(sqs, url)
    assert bodies(got) == ["same body", "same body", "other body"]
    assert [m["Attributes"]["MessageDeduplicationId"] for m in got] == [
        hashlib.sha256(b"same body").hexdigest(),
        "explicit",
        hashlib.sha256(b"other body").hexdigest(),
    ]


def test_deduplication_scope_message_group(sqs, make_fifo):
    url, _ = make_fifo(DeduplicationScope="messageGroup", FifoThroughputLimit="perMessageGroupId")
    a = send(sqs, url, "a", group="g1", dedup="d")
    b = send(sqs, url, "b", group="g2", dedup="d")
    assert b["MessageId"] != a["MessageId"]
    again = send(sqs, url, "a-again", group="g1", dedup="d")
    assert again["MessageId"] == a["MessageId"]
    assert again["SequenceNumber"] == a["SequenceNumber"]
    assert counts(sqs, url) == (2, 0, 0)
    assert sorted(bodies(receive(sqs, url))) == ["a", "b"]

    # With the default queue scope the same id in another group is a duplicate.
    url, _ = make_fifo("-q")
    a = send(sqs, url, "a", group="g1", dedup="d")
    assert send(sqs, url, "b", group="g2", dedup="d")["MessageId"] == a["MessageId"]
    assert counts(sqs, url) == (1, 0, 0)


# --- Receiving --------------------------------------------------------------------


def test_strict_order_and_group_locking(sqs, fifo):
    for body, group in [("a1", "a"), ("b1", "b"), ("a2", "a"), ("b2", "b"), ("a3", "a")]:
        send(sqs, fifo, body, group=group)
    first = receive(sqs, fifo, 1)
    assert bodies(first) == ["a1"]
    # Group a is locked while a1 is in flight; group b flows.
    second = receive(sqs, fifo, 1)
    assert bodies(second) == ["b1"]
    assert receive(sqs, fifo) == []
    assert counts(sqs, fifo) == (3, 2, 0)

    sqs.delete_message(QueueUrl=fifo, ReceiptHandle=first[0]["ReceiptHandle"])
    rest_of_a = receive(sqs, fifo)
    assert bodies(rest_of_a) == ["a2", "a3"]
    assert receive(sqs, fifo) == []
    delete_all(sqs, fifo, second)
    assert bodies(receive(sqs, fifo)) == ["b2"]


def test_one_receive_keeps_each_groups_order(sqs, fifo):
    sent = []
    for i in range(9):
        group = "xyz"[i % 3]
        sent.append((f"{group}{i}", group))
        send(sqs, fifo, f"{group}{i}", group=group)
    got = receive(sqs, fifo)
    assert sorted(bodies(got)) == sorted(b for b, _ in sent)
    for group in "xyz":
        in_group = [m["Body"] for m in got if m["Attributes"]["MessageGroupId"] == group]
        assert in_group == [b for b, g in sent if g == group]


def test_redelivery_after_visibility_expiry_keeps_order(sqs, make_fifo, advance):
    url, _ = make_fifo(VisibilityTimeout=30)
    for i in range(3):
        send(sqs, url, f"m{i}")
    first = receive(sqs, url, 2)
    assert bodies(first) == ["m0", "m1"]
    assert [m["Attributes"]["ApproximateReceiveCount"] for m in first] == ["1", "1"]
    # m2 waits behind its group's messages in flight.
    assert receive(sqs, url) == []
    advance(29_000)
    assert receive(sqs, url) == []
    advance(1_000)
    second = receive(sqs, url)
    assert bodies(second) == ["m0", "m1", "m2"]
    assert [m["Attributes"]["ApproximateReceiveCount"] for m in second] == ["2", "2", "1"]
    assert [m["MessageId"] for m in second[:2]] == [m["MessageId"] for m in first]
    assert [m["Attributes"]["SequenceNumber"] for m in second[:2]] == [
        m["Attributes"]["SequenceNumber"] for m in first
    ]

    # The first receive's handles are stale now.
    with pytest.raises(ClientError) as e:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=first[0]["ReceiptHandle"])
    assert_error(e, "InvalidParameterValue", 400, "InvalidParameterValueException")
    with pytest.raises(ClientError) as e:
        sqs.change_message_visibility(
            QueueUrl=url, ReceiptHandle=first[1]["ReceiptHandle"], VisibilityTimeout=0
        )
    assert_error(e, "InvalidParameterValue", 400, "InvalidParameterValueException")
    # Nothing happened to the messages: still in flight, the group still locked.
    assert counts(sqs, url) == (0, 3, 0)
    assert receive(sqs, url) == []
    delete_all(sqs, url, second)
    assert counts(sqs, url) == (0, 0, 0)


def test_change_visibility_to_zero_releases_the_group(sqs, fifo):
    for i in range(2):
        send(sqs, fifo, f"m{i}")
    got = receive(sqs, fifo, 1)
    assert bodies(got) == ["m0"]
    sqs.change_message_visibility(
        QueueUrl=fifo, ReceiptHandle=got[0]["ReceiptHandle"], VisibilityTimeout=0
    )
    again = receive(sqs, fifo)
    assert bodies(again) == ["m0", "m1"]
    assert [m["Attributes"]["ApproximateReceiveCount"] for m in again] == ["2", "1"]


def test_receive_request_attempt_id_retry(sqs, make_fifo, advance):
    url, _ = make_fifo(VisibilityTimeout=30)
    for i in range(3):
        send(sqs, url, f"m{i}")
    first = receive(sqs, url, 2, ReceiveRequestAttemptId="attempt-1")
    assert bodies(first) == ["m0", "m1"]
    # A retry with the same id returns the same messages and receipt handles.
    retry = receive(sqs, url, 2, ReceiveRequestAttemptId="attempt-1")
    assert [(m["MessageId"], m["ReceiptHandle"]) for m in retry] == [
        (m["MessageId"], m["ReceiptHandle"]) for m in first
    ]
    # Other receives find the group locked.
    assert receive(sqs, url, ReceiveRequestAttemptId="attempt-2") == []
    assert receive(sqs, url) == []

    # A retry resets the visibility timeout.
    advance(20_000)
    retry = receive(sqs, url, 2, ReceiveRequestAttemptId="attempt-1")
    assert [m["ReceiptHandle"] for m in retry] == [m["ReceiptHandle"] for m in first]
    advance(20_000)  # 40 s after the first receive, 20 s after the retry
    assert receive(sqs, url) == []
    assert counts(sqs, url) == (1, 2, 0)
    # The handles still work.
    sqs.delete_message(QueueUrl=url, ReceiptHandle=retry[0]["ReceiptHandle"])
    advance(10_000)
    after = receive(sqs, url)
    assert bodies(after) == ["m1", "m2"]
    assert [m["Attributes"]["ApproximateReceiveCount"] for m in after] == ["2", "1"]


# --- Batches, dead letters, purge, redrive ----------------------------------------


def test_send_message_batch_keeps_order_within_a_group(sqs, fifo):
    entries = [
        {"Id": f"e{i}", "MessageBody": f"{'pq'[i % 2]}{i}", "MessageGroupId": "pq"[i % 2],
         "MessageDeduplicationId": f"e{i}"}
        for i in range(10)
    ]
    result = sqs.send_message_batch(QueueUrl=fifo, Entries=entries)
    assert not result.get("Failed")
    ok = {r["Id"]: r for r in result["Successful"]}
    numbers = [int(ok[f"e{i}"]["SequenceNumber"]) for i in range(10)]
    assert numbers == sorted(set(numbers))

    # One at a time, each deleted before the next receive.
    got = []
    for _ in range(20):
        batch = receive(sqs, fifo, 1)
        got.extend(batch)
        delete_all(sqs, fifo, batch)
        if len(got) == len(entries):
            break
    assert sorted(m["MessageId"] for m in got) == sorted(r["MessageId"] for r in ok.values())
    for group in "pq":
        in_group = [e["Id"] for e in entries if e["MessageGroupId"] == group]
        assert [m["MessageId"] for m in got if m["Attributes"]["MessageGroupId"] == group] == [
            ok[i]["MessageId"] for i in in_group
        ]
        assert [m["Body"] for m in got if m["Attributes"]["MessageGroupId"] == group] == [
            e["MessageBody"] for e in entries if e["MessageGroupId"] == group
        ]


def test_dead_letter_queue_keeps_message_group(sqs, make_fifo, make_queue, advance):
    _, standard_arn = make_queue("-std")
    with pytest.raises(ClientError) as e:
        make_fifo("-src", RedrivePolicy=redrive(standard_arn, 1))
    assert_error(e, "InvalidParameterValue", 400, "InvalidParameterValueException")

    dlq_url, dlq_arn = make_fifo("-dlq")
    # ...nor a FIFO dead-letter queue for a standard one.
    with pytest.raises(ClientError) as e:
        make_queue("-std-src", RedrivePolicy=redrive(dlq_arn, 1))
    assert_error(e, "InvalidParameterValue", 400)

    src_url, src_arn = make_fifo("-src", VisibilityTimeout=10, RedrivePolicy=redrive(dlq_arn, 1))
    sent = [send(sqs, src_url, f"poison-{i}", group="grp", dedup=f"dd{i}") for i in range(2)]
    first = receive(sqs, src_url)
    assert bodies(first) == ["poison-0", "poison-1"]
    advance(10_000)
    # Over maxReceiveCount: both move on, in order.
    assert receive(sqs, src_url) == []
    assert counts(sqs, src_url) == (0, 0, 0)
    assert counts(sqs, dlq_url) == (2, 0, 0)

    dead = receive(sqs, dlq_url)
    assert bodies(dead) == ["poison-0", "poison-1"]
    for m, s in zip(dead, sent):
        assert m["MessageId"] == s["MessageId"]
        attrs = m["Attributes"]
        assert attrs["MessageGroupId"] == "grp"
        assert attrs["DeadLetterQueueSourceArn"] == src_arn
        # AWS documents that the deduplication id becomes the message id in a FIFO DLQ.
        assert attrs["MessageDeduplicationId"] == s["MessageId"]
        assert attrs["SequenceNumber"].isdigit()
    # The group is locked in the DLQ as anywhere.
    assert receive(sqs, dlq_url) == []


def test_purge_fifo_queue(sqs, fifo, advance):
    for i in range(3):
        send(sqs, fifo, f"m{i}")
    held = receive(sqs, fifo, 1)
    assert bodies(held) == ["m0"]
    sqs.purge_queue(QueueUrl=fifo)
    assert counts(sqs, fifo) == (0, 0, 0)
    assert receive(sqs, fifo) == []
    # The group is not left locked by the purged in-flight message.
    send(sqs, fifo, "after", dedup="after-purge")
    got = receive(sqs, fifo)
    assert bodies(got) == ["after"]
    assert got[0]["Attributes"]["ApproximateReceiveCount"] == "1"
    with pytest.raises(ClientError) as e:
        sqs.purge_queue(QueueUrl=fifo)
    assert_error(e, "AWS.SimpleQueueService.PurgeQueueInProgress", 403, "PurgeQueueInProgress")


def wait_for_task(sqs, dlq_arn, status):
    deadline = time.monotonic() + MOVE_TASK_DEADLINE_S
    while True:
        results = sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"]
        if results and results[0]["Status"] == status:
            return results[0]
        assert time.monotonic() < deadline, f"task not {status} in time: {results}"
        time.sleep(POLL_INTERVAL_S)


def test_move_task_back_to_a_fifo_source(sqs, make_fifo, make_queue, advance):
    dlq_url, dlq_arn = make_fifo("-dlq")
    src_url, src_arn = make_fifo("-src", VisibilityTimeout=10, RedrivePolicy=redrive(dlq_arn, 1))
    sent = [send(sqs, src_url, f"r{i}", group="grp") for i in range(3)]
    assert bodies(receive(sqs, src_url)) == ["r0", "r1", "r2"]
    advance(10_000)
    assert receive(sqs, src_url) == []
    assert counts(sqs, dlq_url) == (3, 0, 0)
    # A newer message in the same group reaches the source before the redrive does.
    newer = send(sqs, src_url, "newer", group="grp")

    # A FIFO dead-letter queue moves only to FIFO queues.
    _, standard_arn = make_queue("-std")
    with pytest.raises(ClientError) as e:
        sqs.start_message_move_task(SourceArn=dlq_arn, DestinationArn=standard_arn)
    assert_error(e, "InvalidParameterValue", 400, "InvalidParameterValueException")

    sqs.start_message_move_task(SourceArn=dlq_arn)
    task = wait_for_task(sqs, dlq_arn, "COMPLETED")
    assert task["ApproximateNumberOfMessagesMoved"] == 3
    assert counts(sqs, dlq_url) == (0, 0, 0)

    got = receive(sqs, src_url)
    # Redriven messages are new messages, enqueued behind what the source already had,
    # in the dead-letter queue's order, in their original group.
    assert bodies(got) == ["newer", "r0", "r1", "r2"]
    assert got[0]["MessageId"] == newer["MessageId"]
    for m, s in zip(got[1:], sent):
        assert m["MessageId"] != s["MessageId"]
        assert m["Attributes"]["MessageGroupId"] == "grp"
        assert m["Attributes"]["ApproximateReceiveCount"] == "1"
        assert "DeadLetterQueueSourceArn" not in m["Attributes"]
    numbers = [int(m["Attributes"]["SequenceNumber"]) for m in got]
    assert numbers == sorted(set(numbers)), numbers


def test_fifo_state_survives_a_restart(tmp_path, unique_name):
    """Dead-lettering, redrive and deduplication are journalled: after kill -9 the
    source queue holds the same messages, in the same order, with the same ids and
    sequence numbers, the window still deduplicates, and new sends number after all."""
    data_dir = str(tmp_path / "data")
    first = SluiceProcess("--data-dir", data_dir)
    try:
        sqs = make_client(first.endpoint)
        dlq_name, src_name = unique_name("-dlq.fifo"), unique_name("-src.fifo")
        dlq_url = sqs.create_queue(QueueName=dlq_name, Attributes={"FifoQueue": "true"})[
            "QueueUrl"
        ]
        dlq_arn = attributes(sqs, dlq_url, "QueueArn")["QueueArn"]
        src_url = sqs.create_queue(
            QueueName=src_name,
            Attributes={"FifoQueue": "true", "RedrivePolicy": redrive(dlq_arn, 1)},
        )["QueueUrl"]
        for i in range(2):
            send(sqs, src_url, f"r{i}")
        # A zero visibility timeout spends the one allowed receive at once; the next
        # receive dead-letters both.
        assert bodies(receive(sqs, src_url, VisibilityTimeout=0)) == ["r0", "r1"]
        assert receive(sqs, src_url) == []
        assert counts(sqs, dlq_url) == (2, 0, 0)
        send(sqs, src_url, "newer")
        sqs.start_message_move_task(SourceArn=dlq_arn)
        wait_for_task(sqs, dlq_arn, "COMPLETED")
        latest = send(sqs, src_url, "latest")
        # No more dead-lettering: look at the source's order without consuming it.
        sqs.set_queue_attributes(QueueUrl=src_url, Attributes={"RedrivePolicy": ""})
        before = receive(sqs, src_url, VisibilityTimeout=0)
        assert bodies(before) == ["newer", "r0", "r1", "latest"]
        assert first.stop(signal.SIGKILL) == -signal.SIGKILL
    finally:
        first.close()

    second = SluiceProcess("--data-dir", data_dir)
    try:
        sqs = make_client(second.endpoint)
        src_url = sqs.get_queue_url(QueueName=src_name)["QueueUrl"]
        after = receive(sqs, src_url)
        assert [
            (m["Body"], m["MessageId"], m["Attributes"]["SequenceNumber"]) for m in after
        ] == [(m["Body"], m["MessageId"], m["Attributes"]["SequenceNumber"]) for m in before]
        dup = send(sqs, src_url, "latest")
        assert (dup["MessageId"], dup["SequenceNumber"]) == (
            latest["MessageId"],
            latest["SequenceNumber"],
        )
        fresh = send(sqs, src_url, "fresh")
        numbers = [int(m["Attributes"]["SequenceNumber"]) for m in after]
        assert int(fresh["SequenceNumber"]) > max(numbers)
    finally:
        second.close()
