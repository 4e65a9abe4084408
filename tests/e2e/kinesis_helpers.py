"""Small helpers shared by the Kinesis tests."""

import pytest
from botocore.exceptions import ClientError

ACCOUNT_ID = "000000000000"
REGION = "us-east-1"
HASH_KEY_MAX = 2**128 - 1


def stream_arn(name: str) -> str:
    return f"arn:aws:kinesis:{REGION}:{ACCOUNT_ID}:stream/{name}"


def error_of(call, *args, **kwargs):
    """Runs a call that must fail; returns (code, message, HTTP status)."""
    with pytest.raises(ClientError) as info:
        call(*args, **kwargs)
    response = info.value.response
    return (
        response["Error"]["Code"],
        response["Error"].get("Message", ""),
        response["ResponseMetadata"]["HTTPStatusCode"],
    )


def shard_ids(kinesis, name: str, **filters):
    return [s["ShardId"] for s in kinesis.list_shards(StreamName=name, **filters)["Shards"]]


def read_all(kinesis, iterator: str, rounds: int = 20):
    """Reads from `iterator` until a call returns no records (or the shard ends); returns
    (records, last answer)."""
    records = []
    answer = None
    for _ in range(rounds):
        answer = kinesis.get_records(ShardIterator=iterator)
        records.extend(answer["Records"])
        iterator = answer.get("NextShardIterator")
        if not answer["Records"] or iterator is None:
            break
    return records, answer


def trim_horizon(kinesis, name: str, shard_id: str) -> str:
    return kinesis.get_shard_iterator(
        StreamName=name, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
