"""Kinesis streams through boto3 (AWS JSON 1.1): creating, describing, listing, changing
and deleting streams, account settings, tags, resource policies, and the model's actions
Sluice does not have. Every answer a Kinesis client reads is checked to carry no
`StreamId` (conftest). Requests that botocore would refuse before sending go through
`kinesis_raw`, whose parameter validation is off, so the server's checks answer."""

import json
import time
import uuid

import pytest

from kinesis_helpers import ACCOUNT_ID, HASH_KEY_MAX, error_of, stream_arn


def summary(kinesis, name):
    return kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]


# --- CreateStream, DescribeStream(Summary), DeleteStream ---------------------------------


def test_create_provisioned_stream_with_tags_and_record_size(kinesis, make_stream):
    name, arn = make_stream(ShardCount=2, Tags={"team": "core", "env": "test"}, MaxRecordSizeInKiB=2048)
    assert arn == stream_arn(name)
    described = kinesis.describe_stream(StreamName=name)["StreamDescription"]
    assert described["StreamName"] == name
    assert described["StreamARN"] == arn
    assert described["StreamStatus"] == "ACTIVE"
    assert described["StreamModeDetails"] == {"StreamMode": "PROVISIONED"}
    assert described["RetentionPeriodHours"] == 24
    assert described["EncryptionType"] == "NONE"
    assert described["HasMoreShards"] is False
    assert described["EnhancedMonitoring"] == [{"ShardLevelMetrics": []}]
    shards = described["Shards"]
    assert [s["ShardId"] for s in shards] == ["shardId-000000000000", "shardId-000000000001"]
    # The two shards split the hash key space evenly and cover all of it.
    assert shards[0]["HashKeyRange"]["StartingHashKey"] == "0"
    assert shards[1]["HashKeyRange"]["EndingHashKey"] == str(HASH_KEY_MAX)
    assert int(shards[0]["HashKeyRange"]["EndingHashKey"]) + 1 == int(
        shards[1]["HashKeyRange"]["StartingHashKey"]
    )
    for shard in shards:
        assert "EndingSequenceNumber" not in shard["SequenceNumberRange"]
        assert shard["SequenceNumberRange"]["StartingSequenceNumber"].isdigit()

    s = summary(kinesis, name)
    assert s["OpenShardCount"] == 2
    assert s["ConsumerCount"] == 0
    assert s["MaxRecordSizeInKiB"] == 2048
    assert s["StreamModeDetails"] == {"StreamMode": "PROVISIONED"}
    assert abs(s["StreamCreationTimestamp"].timestamp() - described["StreamCreationTimestamp"].timestamp()) < 1
    tags = kinesis.list_tags_for_stream(StreamName=name)
    assert sorted((t["Key"], t["Value"]) for t in tags["Tags"]) == [("env", "test"), ("team", "core")]
    assert tags["HasMoreTags"] is False


def test_create_on_demand_stream_has_four_shards(kinesis, make_stream):
    name, _ = make_stream(StreamModeDetails={"StreamMode": "ON_DEMAND"})
    s = summary(kinesis, name)
    assert s["StreamModeDetails"] == {"StreamMode": "ON_DEMAND"}
    assert s["OpenShardCount"] == 4
    assert s["MaxRecordSizeInKiB"] == 1024


def test_create_existing_stream_is_in_use(kinesis, make_stream):
    name, _ = make_stream()
    code, message, status = error_of(kinesis.create_stream, StreamName=name, ShardCount=1)
    assert (code, status) == ("ResourceInUseException", 400)
    assert message == f"Stream {name} under account {ACCOUNT_ID} already exists."


def test_create_stream_with_absurd_shard_count_is_refused_quickly(kinesis_raw, unique_name):
    name = unique_name()
    started = time.monotonic()
    code, message, status = error_of(kinesis_raw.create_stream, StreamName=name, ShardCount=100000000000)
    assert time.monotonic() - started < 2
    assert (code, status) == ("ValidationException", 400)
    assert message == (
        "1 validation error detected: Value '100000000000' at 'shardCount' failed to satisfy "
        "constraint: Member must have value less than or equal to 1000000"
    )
    assert error_of(kinesis_raw.describe_stream_summary, StreamName=name)[0] == "ResourceNotFoundException"


def test_create_stream_over_the_account_shard_limit(kinesis, unique_name):
    name = unique_name()
    code, message, status = error_of(kinesis.create_stream, StreamName=name, ShardCount=100000)
    assert (code, status) == ("LimitExceededException", 400)
    assert message.startswith(
        f"This request would exceed the shard limit for the account {ACCOUNT_ID} in us-east-1. "
    )
    assert "Limit: 500. Number of additional shards that would have resulted from this request: 100000." in message


@pytest.mark.parametrize(
    "name, constraint",
    [
        ("has space", "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"),
        ("x" * 129, "Member must have length less than or equal to 128"),
    ],
)
def test_create_stream_with_a_bad_name(kinesis_raw, name, constraint):
    code, message, status = error_of(kinesis_raw.create_stream, StreamName=name, ShardCount=1)
    assert (code, status) == ("ValidationException", 400)
    assert message == (
        f"1 validation error detected: Value '{name}' at 'streamName' failed to satisfy constraint: {constraint}"
    )


def test_create_stream_with_a_bad_record_size(kinesis_raw, unique_name):
    code, message, _ = error_of(
        kinesis_raw.create_stream, StreamName=unique_name(), ShardCount=1, MaxRecordSizeInKiB=10241
    )
    assert code == "ValidationException"
    assert "maxRecordSizeInKiB" in message


def test_missing_stream_is_not_found(kinesis, unique_name):
    name = unique_name()
    code, message, status = error_of(kinesis.describe_stream, StreamName=name)
    assert (code, status) == ("ResourceNotFoundException", 400)
    assert message == f"Stream {name} under account {ACCOUNT_ID} not found."
    assert error_of(kinesis.delete_stream, StreamName=name)[0] == "ResourceNotFoundException"


def test_delete_stream_with_consumers_needs_enforce(kinesis, make_stream):
    name, arn = make_stream()
    kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="c1")
    code, message, _ = error_of(kinesis.delete_stream, StreamName=name)
    assert code == "ResourceInUseException"
    assert "has registered consumers" in message
    kinesis.delete_stream(StreamARN=arn, EnforceConsumerDeletion=True)
    assert error_of(kinesis.describe_stream_summary, StreamName=name)[0] == "ResourceNotFoundException"
    assert kinesis.list_streams(ExclusiveStartStreamName=name[:-1])["StreamNames"][:1] != [name]


def test_stream_name_and_arn_must_agree(kinesis_raw, make_stream):
    name, arn = make_stream()
    code, message, _ = error_of(kinesis_raw.describe_stream_summary, StreamName=name + "x", StreamARN=arn)
    assert code == "InvalidArgumentException"
    code, _, _ = error_of(kinesis_raw.describe_stream_summary)
    assert code in ("InvalidArgumentException", "ValidationException")
    code, message, _ = error_of(kinesis_raw.describe_stream_summary, StreamARN="arn:aws:sqs:us-east-1:000000000000:q")
    assert code == "ValidationException"
    assert "streamARN" in message


def test_describe_stream_pages_shards(kinesis, make_stream):
    name, _ = make_stream(ShardCount=3)
    first = kinesis.describe_stream(StreamName=name, Limit=2)["StreamDescription"]
    assert [s["ShardId"] for s in first["Shards"]] == ["shardId-000000000000", "shardId-000000000001"]
    assert first["HasMoreShards"] is True
    rest = kinesis.describe_stream(
        StreamName=name, ExclusiveStartShardId="shardId-000000000001"
    )["StreamDescription"]
    assert [s["ShardId"] for s in rest["Shards"]] == ["shardId-000000000002"]
    assert rest["HasMoreShards"] is False


# --- ListStreams, DescribeLimits ---------------------------------------------------------


def test_list_streams_pages_with_next_token(kinesis, make_stream):
    prefix = f"ls{uuid.uuid4().hex[:8]}"
    names = sorted(make_stream(f"-{prefix}-{i}")[0] for i in range(3))
    seen, summaries, token, pages = [], {}, None, 0
    while True:
        page = kinesis.list_streams(Limit=2, **({"NextToken": token} if token else {}))
        pages += 1
        assert len(page["StreamNames"]) <= 2
        seen.extend(page["StreamNames"])
        for s in page["StreamSummaries"]:
            summaries[s["StreamName"]] = s
        assert page["StreamNames"] == [s["StreamName"] for s in page["StreamSummaries"]]
        if not page["HasMoreStreams"]:
            assert "NextToken" not in page
            break
        token = page["NextToken"]
        assert pages < 1000
    assert seen == sorted(seen)
    assert [n for n in seen if n in names] == names
    for n in names:
        assert summaries[n]["StreamARN"] == stream_arn(n)
        assert summaries[n]["StreamStatus"] == "ACTIVE"
        assert summaries[n]["StreamModeDetails"] == {"StreamMode": "PROVISIONED"}
    after = kinesis.list_streams(ExclusiveStartStreamName=names[0], Limit=2)["StreamNames"]
    assert after == names[1:]


def test_list_streams_with_a_bad_token(kinesis):
    code, message, _ = error_of(kinesis.list_streams, NextToken="not-a-token")
    assert (code, message) == ("InvalidArgumentException", "Invalid NextToken.")


def test_describe_limits(kinesis, make_stream):
    make_stream(ShardCount=2)
    limits = kinesis.describe_limits()
    assert limits["ShardLimit"] == 500
    assert limits["OpenShardCount"] >= 2
    assert limits["OnDemandStreamCountLimit"] == 50
    assert limits["OnDemandStreamCount"] >= 0


# --- Changing a stream -------------------------------------------------------------------


def test_update_stream_mode_both_ways(kinesis, make_stream):
    name, arn = make_stream(ShardCount=1)
    kinesis.update_stream_mode(StreamARN=arn, StreamModeDetails={"StreamMode": "ON_DEMAND"})
    assert summary(kinesis, name)["StreamModeDetails"] == {"StreamMode": "ON_DEMAND"}
    code, message, _ = error_of(
        kinesis.update_stream_mode, StreamARN=arn, StreamModeDetails={"StreamMode": "ON_DEMAND"}
    )
    assert code in ("InvalidArgumentException", "ResourceInUseException")
    assert "already in ON_DEMAND mode" in message
    kinesis.update_stream_mode(StreamARN=arn, StreamModeDetails={"StreamMode": "PROVISIONED"})
    assert summary(kinesis, name)["StreamModeDetails"] == {"StreamMode": "PROVISIONED"}


def test_update_shard_count_uniform_scaling(kinesis, make_stream):
    name, arn = make_stream(ShardCount=2)
    answer = kinesis.update_shard_count(StreamName=name, TargetShardCount=4, ScalingType="UNIFORM_SCALING")
    assert answer["StreamName"] == name
    assert answer["StreamARN"] == arn
    assert (answer["CurrentShardCount"], answer["TargetShardCount"]) == (2, 4)
    assert summary(kinesis, name)["OpenShardCount"] == 4
    open_shards = kinesis.list_shards(StreamName=name, ShardFilter={"Type": "AT_LATEST"})["Shards"]
    assert len(open_shards) == 4
    ranges = sorted((int(s["HashKeyRange"]["StartingHashKey"]), int(s["HashKeyRange"]["EndingHashKey"])) for s in open_shards)
    assert ranges[0][0] == 0 and ranges[-1][1] == HASH_KEY_MAX
    assert all(a[1] + 1 == b[0] for a, b in zip(ranges, ranges[1:]))
    # Over double, or under half, is refused.
    code, message, _ = error_of(kinesis.update_shard_count, StreamName=name, TargetShardCount=9, ScalingType="UNIFORM_SCALING")
    assert code in ("InvalidArgumentException", "LimitExceededException")
    assert "cannot scale up over double" in message
    code, message, _ = error_of(kinesis.update_shard_count, StreamName=name, TargetShardCount=1, ScalingType="UNIFORM_SCALING")
    assert "cannot scale down below half" in message
    kinesis.update_shard_count(StreamARN=arn, TargetShardCount=2, ScalingType="UNIFORM_SCALING")
    assert summary(kinesis, name)["OpenShardCount"] == 2


def test_update_shard_count_of_an_on_demand_stream(kinesis, make_stream):
    name, _ = make_stream(StreamModeDetails={"StreamMode": "ON_DEMAND"})
    code, message, _ = error_of(kinesis.update_shard_count, StreamName=name, TargetShardCount=2, ScalingType="UNIFORM_SCALING")
    assert code in ("InvalidArgumentException", "ValidationException")
    assert "ON_DEMAND" in message


def test_update_max_record_size(kinesis, kinesis_raw, make_stream):
    name, arn = make_stream()
    kinesis.update_max_record_size(StreamARN=arn, MaxRecordSizeInKiB=4096)
    assert summary(kinesis, name)["MaxRecordSizeInKiB"] == 4096
    code, message, _ = error_of(kinesis_raw.update_max_record_size, StreamARN=arn, MaxRecordSizeInKiB=1023)
    assert code == "ValidationException"
    assert "maxRecordSizeInKiB" in message
    assert summary(kinesis, name)["MaxRecordSizeInKiB"] == 4096


def test_update_stream_warm_throughput(kinesis, make_stream):
    name, arn = make_stream(StreamModeDetails={"StreamMode": "ON_DEMAND"})
    answer = kinesis.update_stream_warm_throughput(StreamARN=arn, WarmThroughputMiBps=10)
    assert answer["StreamARN"] == arn
    assert answer["StreamName"] == name
    assert answer["WarmThroughput"]["TargetMiBps"] == 10
    assert summary(kinesis, name)["WarmThroughput"]["TargetMiBps"] == 10
    provisioned, parn = make_stream("-p")
    code, message, _ = error_of(kinesis.update_stream_warm_throughput, StreamARN=parn, WarmThroughputMiBps=10)
    assert code in ("InvalidArgumentException", "ValidationException")
    assert message == "Warm throughput is only supported for streams in ON_DEMAND mode."


def test_retention_period_bounds(kinesis, kinesis_raw, make_stream):
    name, arn = make_stream()
    kinesis.increase_stream_retention_period(StreamName=name, RetentionPeriodHours=48)
    assert summary(kinesis, name)["RetentionPeriodHours"] == 48
    kinesis.increase_stream_retention_period(StreamARN=arn, RetentionPeriodHours=8760)
    assert summary(kinesis, name)["RetentionPeriodHours"] == 8760
    code, message, _ = error_of(kinesis_raw.increase_stream_retention_period, StreamName=name, RetentionPeriodHours=8761)
    assert code in ("InvalidArgumentException", "ValidationException")
    assert message == (
        "Maximum allowed retention period is 8760 hours. Requested retention period (8761 hours) is too long."
    )
    code, message, _ = error_of(kinesis.increase_stream_retention_period, StreamName=name, RetentionPeriodHours=100)
    assert code == "InvalidArgumentException"
    assert message.startswith(f"Requested retention period (100 hours) for stream {name} can not be ")
    kinesis.decrease_stream_retention_period(StreamName=name, RetentionPeriodHours=24)
    assert summary(kinesis, name)["RetentionPeriodHours"] == 24
    code, message, _ = error_of(kinesis_raw.decrease_stream_retention_period, StreamName=name, RetentionPeriodHours=23)
    assert code in ("InvalidArgumentException", "ValidationException")
    assert message == (
        "Minimum allowed retention period is 24 hours. Requested retention period (23 hours) is too short."
    )
    code, message, _ = error_of(kinesis.decrease_stream_retention_period, StreamName=name, RetentionPeriodHours=48)
    assert code == "InvalidArgumentException"
    assert "DecreaseRetentionPeriod" not in message or "IncreaseRetentionPeriod" in message


def test_stream_encryption_with_a_kms_alias(kinesis, make_stream):
    name, arn = make_stream()
    kinesis.start_stream_encryption(StreamName=name, EncryptionType="KMS", KeyId="alias/aws/kinesis")
    s = summary(kinesis, name)
    assert s["EncryptionType"] == "KMS"
    assert s["KeyId"] == "alias/aws/kinesis"
    put = kinesis.put_record(StreamName=name, Data=b"secret", PartitionKey="p")
    assert put["EncryptionType"] == "KMS"
    kinesis.stop_stream_encryption(StreamARN=arn, EncryptionType="KMS", KeyId="alias/aws/kinesis")
    s = summary(kinesis, name)
    assert s["EncryptionType"] == "NONE"
    assert "KeyId" not in s
    assert kinesis.put_record(StreamName=name, Data=b"plain", PartitionKey="p")["EncryptionType"] == "NONE"


def test_stream_encryption_needs_kms(kinesis_raw, make_stream):
    name, _ = make_stream()
    code, message, _ = error_of(kinesis_raw.start_stream_encryption, StreamName=name, EncryptionType="NONE", KeyId="alias/aws/kinesis")
    assert code in ("InvalidArgumentException", "ValidationException")


def test_enhanced_monitoring(kinesis, kinesis_raw, make_stream):
    name, arn = make_stream()
    answer = kinesis.enable_enhanced_monitoring(StreamName=name, ShardLevelMetrics=["IncomingBytes"])
    assert answer["StreamName"] == name
    assert answer["StreamARN"] == arn
    assert answer["CurrentShardLevelMetrics"] == []
    assert answer["DesiredShardLevelMetrics"] == ["IncomingBytes"]
    answer = kinesis.enable_enhanced_monitoring(StreamARN=arn, ShardLevelMetrics=["ALL"])
    assert answer["CurrentShardLevelMetrics"] == ["IncomingBytes"]
    assert len(answer["DesiredShardLevelMetrics"]) == 7
    described = kinesis.describe_stream(StreamName=name)["StreamDescription"]
    assert len(described["EnhancedMonitoring"][0]["ShardLevelMetrics"]) == 7
    answer = kinesis.disable_enhanced_monitoring(StreamName=name, ShardLevelMetrics=["ALL"])
    assert answer["DesiredShardLevelMetrics"] == []
    assert summary(kinesis, name)["EnhancedMonitoring"] == [{"ShardLevelMetrics": []}]
    code, _, _ = error_of(kinesis_raw.enable_enhanced_monitoring, StreamName=name, ShardLevelMetrics=["Nonsense"])
    assert code == "ValidationException"


def test_account_settings(kinesis):
    settings = kinesis.describe_account_settings()
    assert "ResponseMetadata" in settings
    answer = kinesis.update_account_settings(
        MinimumThroughputBillingCommitment={"Status": "DISABLED"}
    )
    assert answer["MinimumThroughputBillingCommitment"]["Status"] in ("DISABLED", "DISABLED_PENDING")
    described = kinesis.describe_account_settings()
    assert described["MinimumThroughputBillingCommitment"]["Status"] in ("DISABLED", "DISABLED_PENDING")


# --- Tags ----------------------------------------------------------------------------------


def test_stream_tags(kinesis, kinesis_raw, make_stream):
    name, arn = make_stream()
    kinesis.add_tags_to_stream(StreamName=name, Tags={"a": "1", "b": "2", "c": "3"})
    kinesis.add_tags_to_stream(StreamARN=arn, Tags={"a": "10"})
    first = kinesis.list_tags_for_stream(StreamName=name, Limit=2)
    assert [(t["Key"], t["Value"]) for t in first["Tags"]] == [("a", "10"), ("b", "2")]
    assert first["HasMoreTags"] is True
    rest = kinesis.list_tags_for_stream(StreamARN=arn, ExclusiveStartTagKey="b")
    assert [(t["Key"], t["Value"]) for t in rest["Tags"]] == [("c", "3")]
    assert rest["HasMoreTags"] is False
    kinesis.remove_tags_from_stream(StreamName=name, TagKeys=["a", "zz"])
    assert [t["Key"] for t in kinesis.list_tags_for_stream(StreamName=name)["Tags"]] == ["b", "c"]
    code, message, _ = error_of(kinesis.add_tags_to_stream, StreamName=name, Tags={"aws:x": "1"})
    assert code == "InvalidArgumentException"
    code, message, _ = error_of(kinesis.add_tags_to_stream, StreamName=name, Tags={"a#b": "1"})
    assert code == "InvalidArgumentException"
    assert message.startswith("Some tags contain invalid characters.")
    code, message, _ = error_of(kinesis.add_tags_to_stream, StreamName=name, Tags={f"k{i}": "v" for i in range(49)})
    assert code == "InvalidArgumentException"
    assert "cannot have more than 50 tags" in message


def test_tag_resource_on_streams_and_consumers(kinesis, make_stream):
    name, arn = make_stream()
    kinesis.tag_resource(ResourceARN=arn, Tags={"owner": "e2e"})
    assert kinesis.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "owner", "Value": "e2e"}]
    assert kinesis.list_tags_for_stream(StreamName=name)["Tags"] == [{"Key": "owner", "Value": "e2e"}]
    kinesis.untag_resource(ResourceARN=arn, TagKeys=["owner"])
    assert kinesis.list_tags_for_resource(ResourceARN=arn)["Tags"] == []

    consumer = kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="tagged", Tags={"k": "v"})["Consumer"]
    carn = consumer["ConsumerARN"]
    assert kinesis.list_tags_for_resource(ResourceARN=carn)["Tags"] == [{"Key": "k", "Value": "v"}]
    kinesis.tag_resource(ResourceARN=carn, Tags={"k2": "v2"})
    kinesis.untag_resource(ResourceARN=carn, TagKeys=["k"])
    assert kinesis.list_tags_for_resource(ResourceARN=carn)["Tags"] == [{"Key": "k2", "Value": "v2"}]
    # The consumer's tags are its own.
    assert kinesis.list_tags_for_resource(ResourceARN=arn)["Tags"] == []
    missing = arn + "-missing"
    assert error_of(kinesis.list_tags_for_resource, ResourceARN=missing)[0] == "ResourceNotFoundException"


# --- Resource policies -----------------------------------------------------------------------


def policy_for(resource_arn, action):
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "reader",
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                    "Action": action,
                    "Resource": resource_arn,
                }
            ],
        }
    )


def test_resource_policies_on_streams_and_consumers(kinesis, make_stream):
    _, arn = make_stream()
    assert kinesis.get_resource_policy(ResourceARN=arn)["Policy"] == "{}"
    policy = policy_for(arn, ["kinesis:GetRecords", "kinesis:DescribeStreamSummary"])
    kinesis.put_resource_policy(ResourceARN=arn, Policy=policy)
    assert json.loads(kinesis.get_resource_policy(ResourceARN=arn)["Policy"]) == json.loads(policy)
    kinesis.delete_resource_policy(ResourceARN=arn)
    assert kinesis.get_resource_policy(ResourceARN=arn)["Policy"] == "{}"
    code, message, _ = error_of(kinesis.delete_resource_policy, ResourceARN=arn)
    assert code == "ResourceNotFoundException"
    assert message == f"No resource policy found for resource {arn}."

    carn = kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="pol")["Consumer"]["ConsumerARN"]
    cpolicy = policy_for(carn, "kinesis:SubscribeToShard")
    kinesis.put_resource_policy(ResourceARN=carn, Policy=cpolicy)
    assert json.loads(kinesis.get_resource_policy(ResourceARN=carn)["Policy"]) == json.loads(cpolicy)
    kinesis.delete_resource_policy(ResourceARN=carn)
    code, _, _ = error_of(kinesis.put_resource_policy, ResourceARN=arn, Policy="not json")
    assert code == "InvalidArgumentException"


# --- StreamARN in place of StreamName ------------------------------------------------------


def test_stream_arn_works_wherever_it_is_accepted(kinesis, make_stream):
    name, arn = make_stream(ShardCount=2)
    assert kinesis.describe_stream(StreamARN=arn)["StreamDescription"]["StreamName"] == name
    assert kinesis.describe_stream_summary(StreamARN=arn)["StreamDescriptionSummary"]["StreamName"] == name
    put = kinesis.put_record(StreamARN=arn, Data=b"one", PartitionKey="k")
    batch = kinesis.put_records(StreamARN=arn, Records=[{"Data": b"two", "PartitionKey": "k"}])
    assert batch["FailedRecordCount"] == 0
    iterator = kinesis.get_shard_iterator(
        StreamARN=arn, ShardId=put["ShardId"], ShardIteratorType="AT_SEQUENCE_NUMBER",
        StartingSequenceNumber=put["SequenceNumber"],
    )["ShardIterator"]
    records = kinesis.get_records(StreamARN=arn, ShardIterator=iterator)["Records"]
    assert [r["Data"] for r in records] == [b"one", b"two"]
    assert len(kinesis.list_shards(StreamARN=arn)["Shards"]) == 2
    kinesis.add_tags_to_stream(StreamARN=arn, Tags={"t": "1"})
    assert kinesis.list_tags_for_stream(StreamARN=arn)["Tags"] == [{"Key": "t", "Value": "1"}]
    kinesis.remove_tags_from_stream(StreamARN=arn, TagKeys=["t"])
    kinesis.increase_stream_retention_period(StreamARN=arn, RetentionPeriodHours=25)
    kinesis.decrease_stream_retention_period(StreamARN=arn, RetentionPeriodHours=24)
    kinesis.enable_enhanced_monitoring(StreamARN=arn, ShardLevelMetrics=["IncomingRecords"])
    kinesis.disable_enhanced_monitoring(StreamARN=arn, ShardLevelMetrics=["IncomingRecords"])
    kinesis.split_shard(
        StreamARN=arn, ShardToSplit="shardId-000000000000", NewStartingHashKey=str(2**126)
    )
    kinesis.merge_shards(
        StreamARN=arn, ShardToMerge="shardId-000000000002", AdjacentShardToMerge="shardId-000000000003"
    )
    kinesis.update_shard_count(StreamARN=arn, TargetShardCount=2, ScalingType="UNIFORM_SCALING")
    kinesis.start_stream_encryption(StreamARN=arn, EncryptionType="KMS", KeyId="alias/aws/kinesis")
    kinesis.stop_stream_encryption(StreamARN=arn, EncryptionType="KMS", KeyId="alias/aws/kinesis")
    kinesis.delete_stream(StreamARN=arn)
    assert error_of(kinesis.describe_stream_summary, StreamARN=arn)[0] == "ResourceNotFoundException"


# --- The model's actions Sluice does not have ---------------------------------------------


def test_unsupported_actions_answer_as_an_account_without_them(kinesis):
    assert kinesis.list_channels()["ChannelSummaries"] == []
    assert kinesis.list_queues()["QueueSummaries"] == []
    queue_arn = f"arn:aws:kinesis:us-east-1:{ACCOUNT_ID}:queue/none"
    code, message, status = error_of(kinesis.describe_queue, QueueARN=queue_arn)
    assert (code, status) == ("ResourceNotFoundException", 400)
    assert queue_arn in message


def test_create_channel_is_refused_naming_sluice(kinesis_raw):
    code, message, status = error_of(kinesis_raw.create_channel, ChannelName="c")
    assert (code, status) == ("InvalidArgumentException", 400)
    assert "not supported by Sluice" in message


def test_tag_maps_must_not_be_empty(kinesis_raw, make_stream, unique_name):
    name, arn = make_stream()
    for call, args in [
        (kinesis_raw.add_tags_to_stream, {"StreamName": name}),
        (kinesis_raw.tag_resource, {"ResourceARN": arn}),
        (kinesis_raw.create_stream, {"StreamName": unique_name(), "ShardCount": 1}),
    ]:
        code, message, status = error_of(call, Tags={}, **args)
        assert (code, status) == ("ValidationException", 400)
        assert message == (
            "1 validation error detected: Value '{}' at 'tags' failed to satisfy constraint: "
            "Member must have length greater than or equal to 1"
        )


def test_a_resource_arn_of_another_service(kinesis_raw):
    arn = "arn:aws:sqs:us-east-1:000000000000:q"
    for call, args in [
        (kinesis_raw.tag_resource, {"Tags": {"a": "b"}}),
        (kinesis_raw.list_tags_for_resource, {}),
        (kinesis_raw.get_resource_policy, {}),
    ]:
        code, message, _ = error_of(call, ResourceARN=arn, **args)
        assert code == "ValidationException"
        assert message == (
            f"1 validation error detected: Value '{arn}' at 'resourceARN' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:.*(stream|channel|queue)/\\S+"
        )
