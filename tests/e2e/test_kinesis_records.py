"""Kinesis records and shards through boto3 (AWS JSON 1.1): PutRecord(s), the five shard
iterator types, GetRecords, ListShards with every filter, resharding and its errors."""

import base64
import datetime

import pytest

from kinesis_helpers import ACCOUNT_ID, HASH_KEY_MAX, error_of, read_all, shard_ids, trim_horizon

SHARD0 = "shardId-000000000000"
SHARD1 = "shardId-000000000001"
SHARD2 = "shardId-000000000002"
MIB = 1024 * 1024


# --- PutRecord, PutRecords -------------------------------------------------------------------


def test_put_record_and_read_it_back(kinesis, make_stream):
    name, _ = make_stream()
    put = kinesis.put_record(StreamName=name, Data=b"\x00\xffhello", PartitionKey="pk")
    assert put["ShardId"] == SHARD0
    assert put["SequenceNumber"].isdigit()
    assert put["EncryptionType"] == "NONE"
    records, answer = read_all(kinesis, trim_horizon(kinesis, name, SHARD0))
    assert len(records) == 1
    record = records[0]
    assert record["Data"] == b"\x00\xffhello"
    assert record["PartitionKey"] == "pk"
    assert record["SequenceNumber"] == put["SequenceNumber"]
    assert isinstance(record["ApproximateArrivalTimestamp"], datetime.datetime)
    assert "EncryptionType" not in record
    assert answer["MillisBehindLatest"] == 0


def test_explicit_hash_key_chooses_the_shard(kinesis, kinesis_raw, make_stream):
    name, _ = make_stream(ShardCount=2)
    low = kinesis.put_record(StreamName=name, Data=b"a", PartitionKey="same", ExplicitHashKey="0")
    high = kinesis.put_record(StreamName=name, Data=b"b", PartitionKey="same", ExplicitHashKey=str(HASH_KEY_MAX))
    assert (low["ShardId"], high["ShardId"]) == (SHARD0, SHARD1)
    code, message, _ = error_of(
        kinesis_raw.put_record, StreamName=name, Data=b"c", PartitionKey="p", ExplicitHashKey=str(2**128)
    )
    assert code in ("InvalidArgumentException", "ValidationException")
    assert "ExplicitHashKey" in message or "explicitHashKey" in message


def test_sequence_number_for_ordering(kinesis, kinesis_raw, make_stream):
    name, _ = make_stream()
    first = kinesis.put_record(StreamName=name, Data=b"1", PartitionKey="p")
    second = kinesis.put_record(
        StreamName=name, Data=b"2", PartitionKey="p", SequenceNumberForOrdering=first["SequenceNumber"]
    )
    assert int(second["SequenceNumber"]) > int(first["SequenceNumber"])
    code, _, _ = error_of(
        kinesis_raw.put_record, StreamName=name, Data=b"3", PartitionKey="p", SequenceNumberForOrdering="abc"
    )
    assert code in ("InvalidArgumentException", "ValidationException")


def test_put_records_answers_each_record_in_order(kinesis, make_stream):
    name, _ = make_stream(ShardCount=2)
    entries = [
        {"Data": f"r{i}".encode(), "PartitionKey": f"k{i}"} for i in range(10)
    ] + [{"Data": b"high", "PartitionKey": "x", "ExplicitHashKey": str(HASH_KEY_MAX)}]
    answer = kinesis.put_records(StreamName=name, Records=entries)
    assert answer["FailedRecordCount"] == 0
    assert answer["EncryptionType"] == "NONE"
    results = answer["Records"]
    assert len(results) == len(entries)
    assert all(r["SequenceNumber"].isdigit() and r["ShardId"] in (SHARD0, SHARD1) for r in results)
    assert results[-1]["ShardId"] == SHARD1
    assert all("ErrorCode" not in r for r in results)
    got = {}
    for shard in (SHARD0, SHARD1):
        for r in read_all(kinesis, trim_horizon(kinesis, name, shard))[0]:
            got[r["SequenceNumber"]] = (shard, r["Data"])
    for entry, result in zip(entries, results):
        assert got[result["SequenceNumber"]] == (result["ShardId"], entry["Data"])


def test_put_records_limits(kinesis_raw, make_stream):
    name, _ = make_stream()
    too_many = [{"Data": b"x", "PartitionKey": "p"}] * 501
    code, message, _ = error_of(kinesis_raw.put_records, StreamName=name, Records=too_many)
    assert code == "ValidationException"
    assert "Member must have length less than or equal to 500" in message
    code, message, _ = error_of(kinesis_raw.put_records, StreamName=name, Records=[])
    assert code == "ValidationException"
    # Eleven records of just under 1 MiB each are more than the 10 MiB a call may carry.
    big = [{"Data": b"x" * (MIB - 10), "PartitionKey": "p"}] * 11
    code, message, _ = error_of(kinesis_raw.put_records, StreamName=name, Records=big)
    assert code == "InvalidArgumentException"
    assert "exceeds the PutRecords limit of 10485760 bytes" in message


def test_record_size_limit_follows_the_stream(kinesis, kinesis_raw, make_stream):
    name, arn = make_stream()
    kinesis.put_record(StreamName=name, Data=b"x" * (MIB - 1), PartitionKey="p")
    code, message, _ = error_of(kinesis_raw.put_record, StreamName=name, Data=b"x" * (MIB + 1), PartitionKey="p")
    assert code in ("InvalidArgumentException", "ValidationException")
    assert "1048576" in message
    kinesis.update_max_record_size(StreamARN=arn, MaxRecordSizeInKiB=2048)
    put = kinesis.put_record(StreamName=name, Data=b"y" * (MIB + MIB // 2), PartitionKey="p")
    iterator = kinesis.get_shard_iterator(
        StreamName=name, ShardId=SHARD0, ShardIteratorType="AT_SEQUENCE_NUMBER",
        StartingSequenceNumber=put["SequenceNumber"],
    )["ShardIterator"]
    assert len(kinesis.get_records(ShardIterator=iterator)["Records"][0]["Data"]) == MIB + MIB // 2


@pytest.mark.parametrize(
    "args, member",
    [
        ({"PartitionKey": ""}, "partitionKey"),
        ({"PartitionKey": "k" * 257}, "partitionKey"),
    ],
)
def test_put_record_validation(kinesis_raw, make_stream, args, member):
    name, _ = make_stream()
    code, message, status = error_of(kinesis_raw.put_record, StreamName=name, Data=b"x", **args)
    assert (code, status) == ("ValidationException", 400)
    assert f"at '{member}'" in message


def test_put_record_to_a_missing_stream(kinesis, unique_name):
    name = unique_name()
    code, message, _ = error_of(kinesis.put_record, StreamName=name, Data=b"x", PartitionKey="p")
    assert code == "ResourceNotFoundException"
    assert message == f"Stream {name} under account {ACCOUNT_ID} not found."


# --- Shard iterators and GetRecords ---------------------------------------------------------


def test_all_five_iterator_types(kinesis, advance, make_stream):
    name, _ = make_stream()
    puts = []
    for i in range(3):
        puts.append(kinesis.put_record(StreamName=name, Data=f"m{i}".encode(), PartitionKey="p"))
        advance(1000)
    seqs = [p["SequenceNumber"] for p in puts]

    def read(**kwargs):
        it = kinesis.get_shard_iterator(StreamName=name, ShardId=SHARD0, **kwargs)["ShardIterator"]
        return [r["Data"] for r in read_all(kinesis, it)[0]]

    assert read(ShardIteratorType="TRIM_HORIZON") == [b"m0", b"m1", b"m2"]
    assert read(ShardIteratorType="AT_SEQUENCE_NUMBER", StartingSequenceNumber=seqs[1]) == [b"m1", b"m2"]
    assert read(ShardIteratorType="AFTER_SEQUENCE_NUMBER", StartingSequenceNumber=seqs[1]) == [b"m2"]
    latest = kinesis.get_shard_iterator(StreamName=name, ShardId=SHARD0, ShardIteratorType="LATEST")["ShardIterator"]
    assert kinesis.get_records(ShardIterator=latest)["Records"] == []
    kinesis.put_record(StreamName=name, Data=b"m3", PartitionKey="p")
    assert [r["Data"] for r in read_all(kinesis, latest)[0]] == [b"m3"]

    stored = read_all(kinesis, trim_horizon(kinesis, name, SHARD0))[0]
    second_at = stored[1]["ApproximateArrivalTimestamp"]
    assert read(ShardIteratorType="AT_TIMESTAMP", Timestamp=second_at) == [b"m1", b"m2", b"m3"]
    future = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=3650)
    code, message, _ = error_of(
        kinesis.get_shard_iterator, StreamName=name, ShardId=SHARD0, ShardIteratorType="AT_TIMESTAMP", Timestamp=future
    )
    assert code == "InvalidArgumentException"
    assert "cannot be greater than" in message


def test_iterator_argument_errors(kinesis, kinesis_raw, make_stream):
    name, _ = make_stream()
    code, message, _ = error_of(
        kinesis.get_shard_iterator, StreamName=name, ShardId=SHARD0, ShardIteratorType="AT_SEQUENCE_NUMBER"
    )
    assert code == "InvalidArgumentException"
    assert message.startswith("Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER")
    code, message, _ = error_of(kinesis.get_shard_iterator, StreamName=name, ShardId=SHARD0, ShardIteratorType="AT_TIMESTAMP")
    assert code == "InvalidArgumentException"
    assert message.startswith("Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP.")
    code, message, _ = error_of(
        kinesis.get_shard_iterator, StreamName=name, ShardId="shardId-000000000009", ShardIteratorType="LATEST"
    )
    assert code == "ResourceNotFoundException"
    assert message == f"Shard shardId-000000000009 in stream {name} under account {ACCOUNT_ID} does not exist"
    code, _, _ = error_of(kinesis_raw.get_shard_iterator, StreamName=name, ShardId=SHARD0, ShardIteratorType="SOMEWHERE")
    assert code == "ValidationException"


def test_get_records_limit_and_next_iterator(kinesis, make_stream):
    name, _ = make_stream()
    kinesis.put_records(StreamName=name, Records=[{"Data": f"{i}".encode(), "PartitionKey": "p"} for i in range(5)])
    first = kinesis.get_records(ShardIterator=trim_horizon(kinesis, name, SHARD0), Limit=2)
    assert [r["Data"] for r in first["Records"]] == [b"0", b"1"]
    second = kinesis.get_records(ShardIterator=first["NextShardIterator"], Limit=2)
    assert [r["Data"] for r in second["Records"]] == [b"2", b"3"]
    third = kinesis.get_records(ShardIterator=second["NextShardIterator"])
    assert [r["Data"] for r in third["Records"]] == [b"4"]
    assert third["MillisBehindLatest"] == 0
    assert "ChildShards" not in third
    empty = kinesis.get_records(ShardIterator=third["NextShardIterator"])
    assert empty["Records"] == [] and empty["NextShardIterator"]


def test_millis_behind_latest_counts_from_the_tip(kinesis, advance, make_stream):
    name, _ = make_stream()
    kinesis.put_record(StreamName=name, Data=b"old", PartitionKey="p")
    advance(7000)
    kinesis.put_record(StreamName=name, Data=b"new", PartitionKey="p")
    answer = kinesis.get_records(ShardIterator=trim_horizon(kinesis, name, SHARD0), Limit=1)
    assert answer["Records"][0]["Data"] == b"old"
    assert answer["MillisBehindLatest"] >= 7000


def test_invalid_tampered_and_expired_iterators(kinesis, kinesis_raw, advance, make_stream):
    name, _ = make_stream()
    code, message, _ = error_of(kinesis_raw.get_records, ShardIterator="not-an-iterator")
    assert (code, message) == ("InvalidArgumentException", "Invalid ShardIterator.")
    iterator = trim_horizon(kinesis, name, SHARD0)
    raw = bytearray(base64.b64decode(iterator + "=" * (-len(iterator) % 4)))
    raw[len(raw) // 2] ^= 0x01
    tampered = base64.b64encode(bytes(raw)).decode()
    code, message, _ = error_of(kinesis_raw.get_records, ShardIterator=tampered)
    assert (code, message) == ("InvalidArgumentException", "Invalid ShardIterator.")
    advance(5 * 60 * 1000 + 1000)
    code, message, _ = error_of(kinesis.get_records, ShardIterator=iterator)
    assert code == "ExpiredIteratorException"
    assert message.startswith("Iterator expired. The iterator was created at time ")
    code, _, _ = error_of(kinesis_raw.get_records, ShardIterator=iterator, Limit=10001)
    assert code == "ValidationException"


def test_an_iterator_of_a_deleted_and_recreated_stream(kinesis, advance, make_stream):
    name, _ = make_stream()
    iterator = trim_horizon(kinesis, name, SHARD0)
    kinesis.delete_stream(StreamName=name)
    advance(1000)
    kinesis.create_stream(StreamName=name, ShardCount=1)
    code, _, _ = error_of(kinesis.get_records, ShardIterator=iterator)
    assert code in ("InvalidArgumentException", "ResourceNotFoundException", "ExpiredIteratorException")


# --- Resharding, ChildShards, ListShards ------------------------------------------------------


def test_split_closes_the_parent_and_get_records_names_the_children(kinesis, make_stream):
    name, _ = make_stream()
    kinesis.put_record(StreamName=name, Data=b"before", PartitionKey="p")
    old = trim_horizon(kinesis, name, SHARD0)
    middle = str(2**127)
    kinesis.split_shard(StreamName=name, ShardToSplit=SHARD0, NewStartingHashKey=middle)
    shards = {s["ShardId"]: s for s in kinesis.list_shards(StreamName=name)["Shards"]}
    assert sorted(shards) == [SHARD0, SHARD1, SHARD2]
    assert "EndingSequenceNumber" in shards[SHARD0]["SequenceNumberRange"]
    assert shards[SHARD1]["ParentShardId"] == SHARD0
    assert shards[SHARD1]["HashKeyRange"] == {"StartingHashKey": "0", "EndingHashKey": str(2**127 - 1)}
    assert shards[SHARD2]["HashKeyRange"] == {"StartingHashKey": middle, "EndingHashKey": str(HASH_KEY_MAX)}
    records, last = read_all(kinesis, old)
    assert [r["Data"] for r in records] == [b"before"]
    assert "NextShardIterator" not in last
    children = sorted(last["ChildShards"], key=lambda c: c["ShardId"])
    assert [c["ShardId"] for c in children] == [SHARD1, SHARD2]
    assert all(c["ParentShards"] == [SHARD0] for c in children)
    assert children[1]["HashKeyRange"]["StartingHashKey"] == middle
    # Writes go to the children now.
    assert kinesis.put_record(StreamName=name, Data=b"after", PartitionKey="p", ExplicitHashKey="0")["ShardId"] == SHARD1


def test_merge_shards_and_its_errors(kinesis, make_stream):
    name, _ = make_stream(ShardCount=3)
    code, message, _ = error_of(
        kinesis.merge_shards, StreamName=name, ShardToMerge=SHARD0, AdjacentShardToMerge=SHARD2
    )
    assert code == "InvalidArgumentException"
    assert message == (
        f"Shards {SHARD0} and {SHARD2} in stream {name} under account {ACCOUNT_ID} are not an adjacent pair of "
        "shards eligible for merging"
    )
    code, message, _ = error_of(
        kinesis.merge_shards, StreamName=name, ShardToMerge=SHARD0, AdjacentShardToMerge="shardId-000000000007"
    )
    assert code == "ResourceNotFoundException"
    assert message == f"Could not find shard shardId-000000000007 in stream {name} under account {ACCOUNT_ID}."
    kinesis.merge_shards(StreamName=name, ShardToMerge=SHARD0, AdjacentShardToMerge=SHARD1)
    shards = {s["ShardId"]: s for s in kinesis.list_shards(StreamName=name)["Shards"]}
    child = shards["shardId-000000000003"]
    assert {child["ParentShardId"], child["AdjacentParentShardId"]} == {SHARD0, SHARD1}
    assert child["HashKeyRange"]["StartingHashKey"] == "0"
    code, message, _ = error_of(kinesis.merge_shards, StreamName=name, ShardToMerge=SHARD0, AdjacentShardToMerge=SHARD1)
    assert code in ("ResourceInUseException", "InvalidArgumentException")
    assert "has already been merged or split" in message


def test_split_shard_errors(kinesis, kinesis_raw, make_stream):
    name, _ = make_stream()
    code, message, _ = error_of(kinesis.split_shard, StreamName=name, ShardToSplit=SHARD0, NewStartingHashKey="0")
    assert code == "InvalidArgumentException"
    assert message.startswith(f"NewStartingHashKey 0 used in SplitShard() on shard {SHARD0} in stream {name} under")
    code, message, _ = error_of(
        kinesis.split_shard, StreamName=name, ShardToSplit="shardId-000000000005", NewStartingHashKey="5"
    )
    assert code == "ResourceNotFoundException"
    assert message == f"Could not find shard shardId-000000000005 in stream {name} under account {ACCOUNT_ID}."
    code, _, _ = error_of(kinesis_raw.split_shard, StreamName=name, ShardToSplit=SHARD0, NewStartingHashKey="-1")
    assert code == "ValidationException"
    kinesis.split_shard(StreamName=name, ShardToSplit=SHARD0, NewStartingHashKey="5")
    code, message, _ = error_of(kinesis.split_shard, StreamName=name, ShardToSplit=SHARD0, NewStartingHashKey="7")
    assert code in ("ResourceInUseException", "InvalidArgumentException")
    assert "has already been merged or split" in message


def test_list_shards_filters_and_paging(kinesis, kinesis_raw, advance, make_stream):
    name, arn = make_stream(ShardCount=2)
    created = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamCreationTimestamp"]
    advance(60_000)
    kinesis.split_shard(StreamName=name, ShardToSplit=SHARD0, NewStartingHashKey=str(2**126))
    all_ids = ["shardId-000000000000", "shardId-000000000001", "shardId-000000000002", "shardId-000000000003"]
    assert shard_ids(kinesis, name) == all_ids
    assert shard_ids(kinesis, name, ShardFilter={"Type": "AFTER_SHARD_ID", "ShardId": SHARD1}) == all_ids[2:]
    # The closed parent is within retention: TRIM_HORIZON filters see it, AT_LATEST does not.
    assert shard_ids(kinesis, name, ShardFilter={"Type": "AT_TRIM_HORIZON"}) == all_ids[:2]
    assert shard_ids(kinesis, name, ShardFilter={"Type": "FROM_TRIM_HORIZON"}) == all_ids
    assert shard_ids(kinesis, name, ShardFilter={"Type": "AT_LATEST"}) == all_ids[1:]
    assert shard_ids(kinesis, name, ShardFilter={"Type": "AT_TIMESTAMP", "Timestamp": created}) == all_ids[:2]
    assert shard_ids(kinesis, name, ShardFilter={"Type": "FROM_TIMESTAMP", "Timestamp": created}) == all_ids
    code, message, _ = error_of(kinesis_raw.list_shards, StreamName=name, ShardFilter={"Type": "AT_TIMESTAMP"})
    assert code == "InvalidArgumentException"
    assert message == "The Timestamp of a ShardFilter of type AT_TIMESTAMP must be provided."
    code, message, _ = error_of(kinesis_raw.list_shards, StreamName=name, ShardFilter={"Type": "AFTER_SHARD_ID"})
    assert message == "The ShardId of a ShardFilter of type AFTER_SHARD_ID must be provided."

    page = kinesis.list_shards(StreamARN=arn, MaxResults=3)
    assert [s["ShardId"] for s in page["Shards"]] == all_ids[:3]
    token = page["NextToken"]
    rest = kinesis.list_shards(NextToken=token)
    assert [s["ShardId"] for s in rest["Shards"]] == all_ids[3:]
    assert "NextToken" not in rest
    code, message, _ = error_of(kinesis.list_shards, StreamName=name, NextToken=token)
    assert (code, message) == ("InvalidArgumentException", "NextToken and StreamName cannot be provided together.")
    code, message, _ = error_of(kinesis.list_shards, NextToken="bogus")
    assert (code, message) == ("InvalidArgumentException", "Invalid NextToken.")
    code, message, _ = error_of(kinesis.list_shards)
    assert (code, message) == ("InvalidArgumentException", "Either NextToken or StreamName should be provided.")
    assert shard_ids(kinesis, name, ExclusiveStartShardId=SHARD1) == all_ids[2:]
    advance(300_000 + 1000)
    code, message, _ = error_of(kinesis.list_shards, NextToken=token)
    assert (code, message) == ("ExpiredNextTokenException", "The NextToken has expired.")


def test_latest_on_a_closed_shard_reaches_its_end_at_once(kinesis, make_stream):
    name, _ = make_stream()
    kinesis.split_shard(StreamName=name, ShardToSplit=SHARD0, NewStartingHashKey=str(2**127))
    iterator = kinesis.get_shard_iterator(StreamName=name, ShardId=SHARD0, ShardIteratorType="LATEST")["ShardIterator"]
    answer = kinesis.get_records(ShardIterator=iterator)
    assert answer["Records"] == []
    assert "NextShardIterator" not in answer
    assert sorted(c["ShardId"] for c in answer["ChildShards"]) == [SHARD1, SHARD2]


def test_describe_stream_shows_closed_shards_with_their_ending_sequence(kinesis, advance, make_stream):
    name, _ = make_stream()
    put = kinesis.put_record(StreamName=name, Data=b"x", PartitionKey="p")
    advance(1000)
    kinesis.split_shard(StreamName=name, ShardToSplit=SHARD0, NewStartingHashKey=str(2**127))
    shards = kinesis.describe_stream(StreamName=name)["StreamDescription"]["Shards"]
    assert [s["ShardId"] for s in shards] == [SHARD0, SHARD1, SHARD2]
    ending = shards[0]["SequenceNumberRange"]["EndingSequenceNumber"]
    assert int(ending) >= int(put["SequenceNumber"])
    summary = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
    assert summary["OpenShardCount"] == 2


def test_a_json_body_that_is_not_json(server, kinesis):
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        server + "/", data=b"{not json", method="POST",
        headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "Kinesis_20131202.ListStreams"},
    )
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(request, timeout=10)
    assert info.value.code == 400
    assert info.value.headers.get("Content-Type") == "application/x-amz-json-1.1"
    import json

    assert json.loads(info.value.read())["__type"].endswith("SerializationException")


def test_records_past_retention_are_not_read(kinesis, advance, make_stream):
    name, _ = make_stream()
    kinesis.put_record(StreamName=name, Data=b"old", PartitionKey="p")
    advance(23 * 3600 * 1000)
    kinesis.put_record(StreamName=name, Data=b"young", PartitionKey="p")
    advance(3600 * 1000 + 1000)
    records, _ = read_all(kinesis, trim_horizon(kinesis, name, SHARD0))
    assert [r["Data"] for r in records] == [b"young"]


def test_a_sequence_number_of_another_shard_or_stream(kinesis, advance, make_stream):
    name, _ = make_stream(ShardCount=2)
    advance(1000)  # the streams' sequence numbers tell them apart by creation time
    other, _ = make_stream("-other")
    high = kinesis.put_record(StreamName=name, Data=b"x", PartitionKey="p", ExplicitHashKey=str(HASH_KEY_MAX))
    assert high["ShardId"] == SHARD1
    code, message, _ = error_of(
        kinesis.get_shard_iterator, StreamName=name, ShardId=SHARD0, ShardIteratorType="AT_SEQUENCE_NUMBER",
        StartingSequenceNumber=high["SequenceNumber"],
    )
    assert code == "InvalidArgumentException"
    assert message == (
        f"Invalid StartingSequenceNumber. It encodes {SHARD1}, while it was used in a call to a shard with {SHARD0}"
    )
    elsewhere = kinesis.put_record(StreamName=other, Data=b"y", PartitionKey="p")
    code, message, _ = error_of(
        kinesis.get_shard_iterator, StreamName=name, ShardId=SHARD0, ShardIteratorType="AFTER_SEQUENCE_NUMBER",
        StartingSequenceNumber=elsewhere["SequenceNumber"],
    )
    assert code == "InvalidArgumentException"
    assert message.endswith("because it did not come from this stream.")
