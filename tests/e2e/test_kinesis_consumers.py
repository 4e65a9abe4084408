"""Kinesis enhanced fan-out through boto3: stream consumers, and SubscribeToShard's event
stream (boto3 reads it over HTTP/1.1)."""

import pytest

from conftest import make_kinesis
from kinesis_helpers import ACCOUNT_ID, error_of

SHARD0 = "shardId-000000000000"
SHARD1 = "shardId-000000000001"
SHARD2 = "shardId-000000000002"


@pytest.fixture(scope="module")
def subscriber(server):
    """A Kinesis client whose reads give up after 10 s, so a missing event fails the test
    instead of hanging it."""
    return make_kinesis(server, read_timeout=10)


def test_register_describe_list_deregister(kinesis, make_stream):
    name, arn = make_stream()
    consumer = kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="reader")["Consumer"]
    carn = consumer["ConsumerARN"]
    assert consumer["ConsumerName"] == "reader"
    assert carn.startswith(f"{arn}/consumer/reader:")
    assert carn.rsplit(":", 1)[1].isdigit()
    assert consumer["ConsumerStatus"] in ("CREATING", "ACTIVE")
    by_arn = kinesis.describe_stream_consumer(ConsumerARN=carn)["ConsumerDescription"]
    by_name = kinesis.describe_stream_consumer(StreamARN=arn, ConsumerName="reader")["ConsumerDescription"]
    assert by_arn == by_name
    assert by_arn["StreamARN"] == arn
    assert by_arn["ConsumerStatus"] == "ACTIVE"
    assert kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["ConsumerCount"] == 1

    code, message, _ = error_of(kinesis.register_stream_consumer, StreamARN=arn, ConsumerName="reader")
    assert code == "ResourceInUseException"
    assert message == f"Consumer reader under stream {name} already exists for account {ACCOUNT_ID}."

    for i in range(3):
        kinesis.register_stream_consumer(StreamARN=arn, ConsumerName=f"more{i}")
    names, token = [], None
    while True:
        page = kinesis.list_stream_consumers(StreamARN=arn, MaxResults=2, **({"NextToken": token} if token else {}))
        assert len(page["Consumers"]) <= 2
        names.extend(c["ConsumerName"] for c in page["Consumers"])
        token = page.get("NextToken")
        if not token:
            break
    assert sorted(names) == ["more0", "more1", "more2", "reader"]

    kinesis.deregister_stream_consumer(ConsumerARN=carn)
    kinesis.deregister_stream_consumer(StreamARN=arn, ConsumerName="more0")
    left = [c["ConsumerName"] for c in kinesis.list_stream_consumers(StreamARN=arn)["Consumers"]]
    assert sorted(left) == ["more1", "more2"]
    code, _, _ = error_of(kinesis.describe_stream_consumer, ConsumerARN=carn)
    assert code == "ResourceNotFoundException"


def test_consumer_argument_errors(kinesis, kinesis_raw, make_stream):
    _, arn = make_stream()
    code, message, _ = error_of(kinesis_raw.describe_stream_consumer)
    assert code == "InvalidArgumentException"
    assert message == "Either ConsumerARN or both StreamARN and ConsumerName should be provided."
    code, message, _ = error_of(kinesis_raw.describe_stream_consumer, StreamARN=arn)
    assert code == "ValidationException"
    assert "'consumerName'" in message
    code, message, _ = error_of(kinesis_raw.register_stream_consumer, StreamARN=arn, ConsumerName="bad/name")
    assert code == "ValidationException"
    assert "consumerName" in message
    code, _, _ = error_of(kinesis.describe_stream_consumer, StreamARN=arn, ConsumerName="nobody")
    assert code == "ResourceNotFoundException"
    code, message, _ = error_of(kinesis_raw.describe_stream_consumer, ConsumerARN="arn:aws:kinesis:nope")
    assert code == "ValidationException"
    assert "consumerARN" in message


def events_of(response):
    """The records events of a SubscribeToShard answer, as an iterator."""
    for event in response["EventStream"]:
        assert list(event) == ["SubscribeToShardEvent"], event
        yield event["SubscribeToShardEvent"]


def test_subscribe_to_shard_pushes_records(kinesis, subscriber, make_stream):
    _, arn = make_stream()
    carn = kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="push")["Consumer"]["ConsumerARN"]
    kinesis.put_record(StreamARN=arn, Data=b"early", PartitionKey="p")
    response = subscriber.subscribe_to_shard(
        ConsumerARN=carn, ShardId=SHARD0, StartingPosition={"Type": "TRIM_HORIZON"}
    )
    events = events_of(response)
    try:
        got = []
        while not got:
            event = next(events)
            got.extend(event["Records"])
            assert event["ContinuationSequenceNumber"]
            assert "MillisBehindLatest" in event
        assert [r["Data"] for r in got] == [b"early"]
        puts = [kinesis.put_record(StreamARN=arn, Data=f"live{i}".encode(), PartitionKey="p") for i in range(3)]
        while len(got) < 4:
            event = next(events)
            got.extend(event["Records"])
        assert [r["Data"] for r in got] == [b"early", b"live0", b"live1", b"live2"]
        assert got[-1]["SequenceNumber"] == puts[-1]["SequenceNumber"]
        assert all(r["PartitionKey"] == "p" for r in got)
    finally:
        response["EventStream"].close()


def test_subscribe_again_within_five_seconds_is_in_use(kinesis, subscriber, advance, make_stream):
    _, arn = make_stream()
    carn = kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="twice")["Consumer"]["ConsumerARN"]
    first = subscriber.subscribe_to_shard(ConsumerARN=carn, ShardId=SHARD0, StartingPosition={"Type": "LATEST"})
    try:
        code, message, status = error_of(
            subscriber.subscribe_to_shard, ConsumerARN=carn, ShardId=SHARD0, StartingPosition={"Type": "LATEST"}
        )
        assert (code, status) == ("ResourceInUseException", 400)
        assert message.startswith(f"Another subscription for consumer {carn} and shard {SHARD0}")
    finally:
        first["EventStream"].close()
    advance(5000)
    again = subscriber.subscribe_to_shard(ConsumerARN=carn, ShardId=SHARD0, StartingPosition={"Type": "LATEST"})
    again["EventStream"].close()


def test_subscribe_errors(kinesis, subscriber, make_stream):
    _, arn = make_stream()
    carn = kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="errs")["Consumer"]["ConsumerARN"]
    code, _, _ = error_of(
        subscriber.subscribe_to_shard, ConsumerARN=carn, ShardId="shardId-000000000009",
        StartingPosition={"Type": "LATEST"},
    )
    assert code == "ResourceNotFoundException"
    code, _, _ = error_of(
        subscriber.subscribe_to_shard, ConsumerARN=carn + "0", ShardId=SHARD0, StartingPosition={"Type": "LATEST"}
    )
    assert code == "ResourceNotFoundException"
    code, _, _ = error_of(
        subscriber.subscribe_to_shard, ConsumerARN=carn, ShardId=SHARD0,
        StartingPosition={"Type": "AT_SEQUENCE_NUMBER"},
    )
    assert code == "InvalidArgumentException"


def test_subscribe_to_a_split_parent_ends_with_its_children(kinesis, subscriber, make_stream):
    name, arn = make_stream()
    carn = kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="closed")["Consumer"]["ConsumerARN"]
    kinesis.put_record(StreamName=name, Data=b"before", PartitionKey="p")
    kinesis.split_shard(StreamName=name, ShardToSplit=SHARD0, NewStartingHashKey=str(2**127))
    response = subscriber.subscribe_to_shard(
        ConsumerARN=carn, ShardId=SHARD0, StartingPosition={"Type": "TRIM_HORIZON"}
    )
    events = list(events_of(response))  # the stream ends by itself at the shard's end
    records = [r["Data"] for e in events for r in e["Records"]]
    assert records == [b"before"]
    last = events[-1]
    assert "ContinuationSequenceNumber" not in last
    assert sorted(c["ShardId"] for c in last["ChildShards"]) == [SHARD1, SHARD2]
    assert all(c["ParentShards"] == [SHARD0] for c in last["ChildShards"])
    assert all("ContinuationSequenceNumber" in e for e in events[:-1])


@pytest.mark.parametrize("position", ["AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER", "AT_TIMESTAMP"])
def test_subscribe_from_a_position(kinesis, subscriber, advance, make_stream, position):
    _, arn = make_stream()
    carn = kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="pos")["Consumer"]["ConsumerARN"]
    first = kinesis.put_record(StreamARN=arn, Data=b"one", PartitionKey="p")
    advance(1000)
    second = kinesis.put_record(StreamARN=arn, Data=b"two", PartitionKey="p")
    if position == "AT_TIMESTAMP":
        iterator = kinesis.get_shard_iterator(
            StreamARN=arn, ShardId=SHARD0, ShardIteratorType="AT_SEQUENCE_NUMBER",
            StartingSequenceNumber=second["SequenceNumber"],
        )["ShardIterator"]
        when = kinesis.get_records(ShardIterator=iterator)["Records"][0]["ApproximateArrivalTimestamp"]
        start = {"Type": position, "Timestamp": when}
    else:
        start = {"Type": position, "SequenceNumber": first["SequenceNumber"]}
    response = subscriber.subscribe_to_shard(ConsumerARN=carn, ShardId=SHARD0, StartingPosition=start)
    try:
        event = next(events_of(response))
        want = [b"one", b"two"] if position == "AT_SEQUENCE_NUMBER" else [b"two"]
        assert [r["Data"] for r in event["Records"]] == want
        assert event["ContinuationSequenceNumber"] == second["SequenceNumber"]
    finally:
        response["EventStream"].close()
