"""Kinesis over AWS CBOR 1.1, as AWS's Java SDKs speak it: raw HTTP requests with
`Content-Type: application/x-amz-cbor-1.1` and bodies written with the independent
`cbor2` library. Blobs are CBOR byte strings; timestamps are tag 1 over an INTEGER count
of epoch milliseconds (RFC 8949's tag 1 counts seconds; the Java SDKs write and read
milliseconds), both ways. The session's server is open (no authentication), so requests
need no signature. Stream setup goes through boto3's JSON client."""

import time
import urllib.error
import urllib.request

import pytest

cbor2 = pytest.importorskip("cbor2")

CBOR = "application/x-amz-cbor-1.1"
SHARD0 = "shardId-000000000000"


def raw_epoch(value, *_):
    """Keeps a tag 1 as it came (cbor2 would read it as seconds)."""
    return cbor2.CBORTag(1, value)


def decode(body: bytes):
    return cbor2.loads(body, semantic_decoders={1: raw_epoch})


def call(server, action: str, document):
    """Sends one CBOR request; returns (status, content type, decoded answer)."""
    request = urllib.request.Request(
        server + "/",
        data=cbor2.dumps(document),
        method="POST",
        headers={
            "Content-Type": CBOR,
            "X-Amz-Target": f"Kinesis_20131202.{action}",
            "Accept": CBOR,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
            status, content_type = response.status, response.headers.get("Content-Type")
    except urllib.error.HTTPError as e:
        body = e.read()
        status, content_type = e.code, e.headers.get("Content-Type")
    return status, content_type, (decode(body) if body else None)


def keys_of(value):
    if isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from keys_of(v)
    elif isinstance(value, list):
        for v in value:
            yield from keys_of(v)


def ok(server, action, document):
    status, content_type, answer = call(server, action, document)
    assert status == 200, answer
    if answer is not None:
        assert content_type == CBOR
        assert "StreamId" not in set(keys_of(answer))
    return answer


def assert_epoch_ms(value, near_ms: int = None):
    assert isinstance(value, cbor2.CBORTag), value
    assert value.tag == 1
    assert isinstance(value.value, int), f"tag 1 over {type(value.value).__name__}, not an integer"
    # Milliseconds, not seconds: a time in this century has 13 digits.
    assert 10**12 < value.value < 10**13
    if near_ms is not None:
        assert abs(value.value - near_ms) < 10 * 365 * 24 * 3600 * 1000


@pytest.fixture
def cbor_stream(kinesis, make_stream):
    name, _ = make_stream()
    return name


def test_put_record_and_get_records_in_cbor(server, cbor_stream):
    data = bytes(range(256))
    put = ok(server, "PutRecord", {"StreamName": cbor_stream, "Data": data, "PartitionKey": "pk"})
    assert put["ShardId"] == SHARD0
    assert put["SequenceNumber"].isdigit()
    iterator = ok(
        server, "GetShardIterator",
        {"StreamName": cbor_stream, "ShardId": SHARD0, "ShardIteratorType": "TRIM_HORIZON"},
    )["ShardIterator"]
    answer = ok(server, "GetRecords", {"ShardIterator": iterator, "Limit": 10})
    [record] = answer["Records"]
    assert isinstance(record["Data"], bytes)
    assert record["Data"] == data
    assert record["PartitionKey"] == "pk"
    assert record["SequenceNumber"] == put["SequenceNumber"]
    assert_epoch_ms(record["ApproximateArrivalTimestamp"], int(time.time() * 1000))
    assert isinstance(answer["MillisBehindLatest"], int)
    assert isinstance(answer["NextShardIterator"], str)


def test_put_records_in_cbor(server, cbor_stream):
    answer = ok(
        server, "PutRecords",
        {"StreamName": cbor_stream, "Records": [{"Data": b"\x01", "PartitionKey": "a"}, {"Data": b"\x02", "PartitionKey": "b"}]},
    )
    assert answer["FailedRecordCount"] == 0
    assert len(answer["Records"]) == 2


def test_stream_creation_timestamp_is_tag_one_milliseconds(server, kinesis, cbor_stream):
    summary = ok(server, "DescribeStreamSummary", {"StreamName": cbor_stream})["StreamDescriptionSummary"]
    stamp = summary["StreamCreationTimestamp"]
    assert_epoch_ms(stamp)
    json_stamp = kinesis.describe_stream_summary(StreamName=cbor_stream)["StreamDescriptionSummary"][
        "StreamCreationTimestamp"
    ]
    assert abs(stamp.value - json_stamp.timestamp() * 1000) < 1
    described = ok(server, "DescribeStream", {"StreamName": cbor_stream})["StreamDescription"]
    assert described["StreamCreationTimestamp"] == stamp


def test_at_timestamp_with_java_sdk_milliseconds(server, advance, cbor_stream):
    ok(server, "PutRecord", {"StreamName": cbor_stream, "Data": b"first", "PartitionKey": "p"})
    advance(1000)  # the server's test clock: a later millisecond is not in the future
    iterator = ok(
        server, "GetShardIterator",
        {"StreamName": cbor_stream, "ShardId": SHARD0, "ShardIteratorType": "TRIM_HORIZON"},
    )["ShardIterator"]
    arrival = ok(server, "GetRecords", {"ShardIterator": iterator})["Records"][0]["ApproximateArrivalTimestamp"]
    # At the record's own arrival millisecond: it is included.
    at = ok(
        server, "GetShardIterator",
        {
            "StreamName": cbor_stream, "ShardId": SHARD0, "ShardIteratorType": "AT_TIMESTAMP",
            "Timestamp": cbor2.CBORTag(1, arrival.value),
        },
    )["ShardIterator"]
    assert [r["Data"] for r in ok(server, "GetRecords", {"ShardIterator": at})["Records"]] == [b"first"]
    # One millisecond later: it is not.
    after = ok(
        server, "GetShardIterator",
        {
            "StreamName": cbor_stream, "ShardId": SHARD0, "ShardIteratorType": "AT_TIMESTAMP",
            "Timestamp": cbor2.CBORTag(1, arrival.value + 1),
        },
    )["ShardIterator"]
    assert ok(server, "GetRecords", {"ShardIterator": after})["Records"] == []


def test_errors_are_cbor_documents(server, unique_name):
    name = unique_name()
    status, content_type, answer = call(server, "DescribeStreamSummary", {"StreamName": name})
    assert status == 400
    assert content_type == CBOR
    assert answer["__type"] == "ResourceNotFoundException"
    assert answer["message"] == f"Stream {name} under account 000000000000 not found."
    status, content_type, answer = call(server, "PutRecord", {"StreamName": name, "Data": "not bytes", "PartitionKey": "p"})
    assert status == 400
    assert content_type == CBOR
    assert answer["__type"].endswith("SerializationException")


def test_a_broken_cbor_body_is_refused(server):
    request = urllib.request.Request(
        server + "/", data=b"\xff\x00garbage", method="POST",
        headers={"Content-Type": CBOR, "X-Amz-Target": "Kinesis_20131202.ListStreams"},
    )
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(request, timeout=10)
    assert info.value.code == 400
    assert info.value.headers.get("Content-Type") == CBOR
    # The coral form of the type, as AWS's JSON services answer a body they cannot read.
    assert decode(info.value.read())["__type"] == "com.amazon.coral.service#SerializationException"


def test_other_timestamps_are_tag_one_milliseconds(server, kinesis, make_stream):
    name, arn = make_stream("-cbor")
    summaries = ok(server, "ListStreams", {"ExclusiveStartStreamName": name[:-1], "Limit": 100})["StreamSummaries"]
    [mine] = [s for s in summaries if s["StreamName"] == name]
    assert_epoch_ms(mine["StreamCreationTimestamp"])
    consumer = ok(server, "RegisterStreamConsumer", {"StreamARN": arn, "ConsumerName": "c"})["Consumer"]
    assert_epoch_ms(consumer["ConsumerCreationTimestamp"])
    described = ok(server, "DescribeStreamConsumer", {"ConsumerARN": consumer["ConsumerARN"]})
    assert described["ConsumerDescription"]["ConsumerCreationTimestamp"] == consumer["ConsumerCreationTimestamp"]
    # A ShardFilter's Timestamp, sent as the Java SDKs do.
    created = ok(server, "DescribeStreamSummary", {"StreamName": name})["StreamDescriptionSummary"][
        "StreamCreationTimestamp"
    ]
    shards = ok(
        server, "ListShards",
        {"StreamName": name, "ShardFilter": {"Type": "AT_TIMESTAMP", "Timestamp": cbor2.CBORTag(1, created.value)}},
    )["Shards"]
    assert [s["ShardId"] for s in shards] == [SHARD0]


def test_subscribe_to_shard_in_cbor(server, kinesis, make_stream):
    from botocore.eventstream import EventStreamBuffer

    name, arn = make_stream("-sub")
    kinesis.put_record(StreamName=name, Data=b"\x00cbor\xff", PartitionKey="p")
    kinesis.split_shard(StreamName=name, ShardToSplit=SHARD0, NewStartingHashKey=str(2**127))
    consumer = ok(server, "RegisterStreamConsumer", {"StreamARN": arn, "ConsumerName": "cbor"})["Consumer"]
    request = urllib.request.Request(
        server + "/",
        data=cbor2.dumps(
            {"ConsumerARN": consumer["ConsumerARN"], "ShardId": SHARD0, "StartingPosition": {"Type": "TRIM_HORIZON"}}
        ),
        method="POST",
        headers={"Content-Type": CBOR, "X-Amz-Target": "Kinesis_20131202.SubscribeToShard"},
    )
    # The parent is closed: the stream ends by itself after the event that reaches its end.
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
        assert response.headers.get("Content-Type") == "application/vnd.amazon.eventstream"
        body = response.read()
    buffer = EventStreamBuffer()
    buffer.add_data(body)
    messages = list(buffer)
    types = [m.headers.get(":event-type") for m in messages]
    assert types[0] == "initial-response"
    assert set(types[1:]) == {"SubscribeToShardEvent"}
    events = [decode(m.payload) for m in messages[1:]]
    assert all(m.headers.get(":content-type") == CBOR for m in messages[1:])
    records = [r for e in events for r in e["Records"]]
    assert [r["Data"] for r in records] == [b"\x00cbor\xff"]
    assert_epoch_ms(records[0]["ApproximateArrivalTimestamp"])
    assert "ContinuationSequenceNumber" not in events[-1]
    assert sorted(c["ShardId"] for c in events[-1]["ChildShards"]) == ["shardId-000000000001", "shardId-000000000002"]
