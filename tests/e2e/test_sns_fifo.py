"""SNS FIFO topics with real boto3 `sns` and `sqs` clients: the envelope and attributes a
FIFO queue receives (as recorded from AWS), deduplication by id and by content within
the five-minute window (moved on with the server's test clock), FifoThroughputScope,
PublishBatch with sequence numbers, a standard queue subscribed to a FIFO topic, order per
group across several groups, and AWS's validation errors."""

import hashlib
import json

import pytest

from test_sns_topics import error_of, sns_client

WINDOW_MS = 5 * 60 * 1000


@pytest.fixture(scope="module")
def sns(server):
    return sns_client(server)


def fifo_topic(sns, name, **attributes):
    attrs = {"FifoTopic": "true", **{k: str(v) for k, v in attributes.items()}}
    return sns.create_topic(Name=name, Attributes=attrs)["TopicArn"]


def subscribed(sns, sqs, topic, name, raw=False):
    attributes = {"FifoQueue": "true"} if name.endswith(".fifo") else {}
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(
        TopicArn=topic, Protocol="sqs", Endpoint=arn,
        Attributes={"RawMessageDelivery": "true"} if raw else {},
    )
    return url


def drain(sqs, url):
    """Everything in the queue, in the order it serves it (received and deleted)."""
    out = []
    while True:
        got = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0,
            AttributeNames=["All"],
        ).get("Messages", [])
        if not got:
            return out
        for m in got:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        out.extend(got)


def test_a_fifo_queue_receives_the_recorded_envelope(sns, sqs, unique_name):
    topic = fifo_topic(sns, unique_name(".fifo"), ContentBasedDeduplication="true")
    url = subscribed(sns, sqs, topic, unique_name("-q.fifo"))
    out = sns.publish(TopicArn=topic, Message="Test", MessageGroupId="message-group-id-1")
    assert len(out["SequenceNumber"]) == 20 and out["SequenceNumber"].isdigit()
    again = sns.publish(TopicArn=topic, Message="Test", MessageGroupId="message-group-id-1")
    assert (again["MessageId"], again["SequenceNumber"]) == (out["MessageId"], out["SequenceNumber"])
    messages = drain(sqs, url)
    assert len(messages) == 1
    attributes = messages[0]["Attributes"]
    assert attributes["MessageGroupId"] == "message-group-id-1"
    # The id SNS handed the queue for the body "Test", as recorded from AWS.
    assert attributes["MessageDeduplicationId"] == (
        "532eaabd9574880dbf76b9b8cc00832c20a6ec113d682299550d7a6e0f345e25"
    )
    assert attributes["MessageDeduplicationId"] == hashlib.sha256(b"Test").hexdigest()
    doc = json.loads(messages[0]["Body"])
    assert list(doc) == [
        "Type", "MessageId", "SequenceNumber", "TopicArn", "Message", "Timestamp", "UnsubscribeURL",
    ]
    assert (doc["MessageId"], doc["SequenceNumber"]) == (out["MessageId"], out["SequenceNumber"])


def test_a_standard_queue_of_a_fifo_topic_gets_no_group(sns, sqs, unique_name):
    topic = fifo_topic(sns, unique_name(".fifo"))
    url = subscribed(sns, sqs, topic, unique_name("-plain"))
    sns.publish(TopicArn=topic, Message="Test", MessageGroupId="g", MessageDeduplicationId="d")
    (message,) = drain(sqs, url)
    assert "MessageGroupId" not in message["Attributes"]
    assert "MessageDeduplicationId" not in message["Attributes"]
    assert "SequenceNumber" in json.loads(message["Body"])


def test_the_window_lasts_five_minutes(sns, sqs, unique_name, advance):
    topic = fifo_topic(sns, unique_name(".fifo"))
    url = subscribed(sns, sqs, topic, unique_name("-q.fifo"), raw=True)
    first = sns.publish(TopicArn=topic, Message="one", MessageGroupId="g", MessageDeduplicationId="d")
    advance(WINDOW_MS - 1000)
    same = sns.publish(TopicArn=topic, Message="two", MessageGroupId="g", MessageDeduplicationId="d")
    assert same["MessageId"] == first["MessageId"]
    assert [m["Body"] for m in drain(sqs, url)] == ["one"]
    advance(2000)
    later = sns.publish(TopicArn=topic, Message="three", MessageGroupId="g", MessageDeduplicationId="d")
    assert later["MessageId"] != first["MessageId"]
    assert later["SequenceNumber"] > first["SequenceNumber"]
    assert [m["Body"] for m in drain(sqs, url)] == ["three"]


def test_message_group_scope_deduplicates_within_a_group(sns, unique_name):
    topic = fifo_topic(sns, unique_name(".fifo"), FifoThroughputScope="MessageGroup")
    a = sns.publish(TopicArn=topic, Message="a", MessageGroupId="g1", MessageDeduplicationId="d")
    b = sns.publish(TopicArn=topic, Message="b", MessageGroupId="g2", MessageDeduplicationId="d")
    c = sns.publish(TopicArn=topic, Message="c", MessageGroupId="g1", MessageDeduplicationId="d")
    assert b["MessageId"] != a["MessageId"]
    assert c["MessageId"] == a["MessageId"]
    whole = fifo_topic(sns, unique_name("-t.fifo"))
    a = sns.publish(TopicArn=whole, Message="a", MessageGroupId="g1", MessageDeduplicationId="d")
    b = sns.publish(TopicArn=whole, Message="b", MessageGroupId="g2", MessageDeduplicationId="d")
    assert b["MessageId"] == a["MessageId"]


def test_publish_batch_keeps_the_batch_order(sns, sqs, unique_name):
    topic = fifo_topic(sns, unique_name(".fifo"), ContentBasedDeduplication="true")
    url = subscribed(sns, sqs, topic, unique_name("-q.fifo"), raw=True)
    entries = [
        {"Id": f"e{i}", "Message": f"body-{i}", "MessageGroupId": f"g{i % 2}"} for i in range(10)
    ]
    out = sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=entries)
    assert not out.get("Failed")
    sequences = [s["SequenceNumber"] for s in out["Successful"]]
    assert sequences == sorted(sequences) and len(set(sequences)) == 10
    bodies = [m["Body"] for m in drain(sqs, url)]
    assert sorted(bodies) == sorted(e["Message"] for e in entries)
    for group in ("g0", "g1"):
        mine = [e["Message"] for e in entries if e["MessageGroupId"] == group]
        assert [b for b in bodies if b in mine] == mine, group


def test_groups_arrive_in_order_in_every_queue(sns, sqs, unique_name):
    topic = fifo_topic(sns, unique_name(".fifo"))
    urls = [subscribed(sns, sqs, topic, unique_name(f"-{i}.fifo")) for i in range(2)]
    published = {}
    for i in range(30):
        group = f"g{i % 3}"
        out = sns.publish(
            TopicArn=topic, Message=f"m{i}", MessageGroupId=group, MessageDeduplicationId=f"d{i}"
        )
        published[out["MessageId"]] = (group, out["SequenceNumber"])
    for url in urls:
        last = {}
        seen = []
        for m in drain(sqs, url):
            doc = json.loads(m["Body"])
            group, sequence = published[doc["MessageId"]]
            assert doc["SequenceNumber"] == sequence
            assert last.get(group, "") < sequence, f"{group} out of order"
            last[group] = sequence
            seen.append(doc["MessageId"])
        assert sorted(seen) == sorted(published)


def test_fifo_publishes_are_checked(sns, unique_name):
    topic = fifo_topic(sns, unique_name(".fifo"))
    standard = sns.create_topic(Name=unique_name())["TopicArn"]
    assert error_of(lambda: sns.publish(TopicArn=topic, Message="m", MessageDeduplicationId="d")) == (
        "InvalidParameter", 400,
        "Invalid parameter: The MessageGroupId parameter is required for FIFO topics",
    )
    assert error_of(lambda: sns.publish(TopicArn=topic, Message="m", MessageGroupId="g")) == (
        "InvalidParameter", 400,
        "Invalid parameter: The topic should either have ContentBasedDeduplication enabled or "
        "MessageDeduplicationId provided explicitly",
    )
    assert error_of(
        lambda: sns.publish(TopicArn=standard, Message="m", MessageDeduplicationId="d")
    ) == (
        "InvalidParameter", 400,
        "Invalid parameter: MessageDeduplicationId Reason: The request includes "
        "MessageDeduplicationId parameter that is not valid for this topic type",
    )
    assert error_of(
        lambda: sns.publish_batch(
            TopicArn=topic,
            PublishBatchRequestEntries=[{"Id": "a", "Message": "m", "MessageDeduplicationId": "d"}],
        )
    ) == (
        "InvalidParameter", 400,
        "Invalid parameter: The MessageGroupId parameter is required for FIFO topics",
    )
    assert error_of(
        lambda: sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="a@example.com")
    ) == ("InvalidParameter", 400, "Invalid parameter: Invalid protocol type: email")
