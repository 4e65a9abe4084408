"""Topics (with queue subscriptions) and streams declared in the config file: made at
start, brought up to date and added to on SIGHUP, seen through boto3 like any other."""

import json
import signal
import time

import pytest

from conftest import REGION, SluiceProcess, make_client, make_kinesis

ACCOUNT = "000000000000"

FIRST = """
[[queues]]
name = "orders-raw"

[[queues]]
name = "orders-audit"

[[topics]]
name = "orders"
tags = { team = "payments" }
[topics.attributes]
DisplayName = "Orders"

[[topics.subscriptions]]
queue = "orders-raw"
attributes = { RawMessageDelivery = true, FilterPolicy = '{"kind":["paid"]}' }

[[topics.subscriptions]]
endpoint = "arn:aws:sqs:us-east-1:000000000000:orders-audit"

[[streams]]
name = "clicks"
shard_count = 2
retention_hours = 48
tags = { team = "web" }
"""

SECOND = FIRST.replace('DisplayName = "Orders"', 'DisplayName = "All orders"') + """
[[topics]]
name = "events.fifo"
attributes = { FifoTopic = true, ContentBasedDeduplication = true }

[[streams]]
name = "views"
"""


@pytest.fixture
def declared(tmp_path):
    config = tmp_path / "sluice.toml"
    config.write_text(FIRST)
    process = SluiceProcess("--in-memory", "--config", str(config), env={"RUST_LOG": "info"})
    yield process, config
    process.close()


def topic_arn(name):
    return f"arn:aws:sns:{REGION}:{ACCOUNT}:{name}"


def receive_bodies(sqs, name):
    url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=2)
    return [m["Body"] for m in got.get("Messages", [])]


def test_declared_topic_delivers_to_its_queues(declared):
    process, _ = declared
    sns = make_client(process.endpoint, service="sns")
    sqs = make_client(process.endpoint)
    arn = topic_arn("orders")
    attributes = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert attributes["DisplayName"] == "Orders"
    assert sns.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "payments"}]
    subscriptions = sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
    assert sorted(s["Endpoint"].rsplit(":", 1)[1] for s in subscriptions) == ["orders-audit", "orders-raw"]

    sns.publish(TopicArn=arn, Message="paid order", MessageAttributes={"kind": {"DataType": "String", "StringValue": "paid"}})
    sns.publish(TopicArn=arn, Message="refund", MessageAttributes={"kind": {"DataType": "String", "StringValue": "refund"}})
    assert receive_bodies(sqs, "orders-raw") == ["paid order"], "raw, and filtered"
    audit = sorted(json.loads(b)["Message"] for b in receive_bodies(sqs, "orders-audit") + receive_bodies(sqs, "orders-audit"))
    assert audit == ["paid order", "refund"]


def test_declared_stream_exists_with_its_settings(declared):
    process, _ = declared
    kinesis = make_kinesis(process.endpoint)
    summary = kinesis.describe_stream_summary(StreamName="clicks")["StreamDescriptionSummary"]
    assert summary["OpenShardCount"] == 2
    assert summary["RetentionPeriodHours"] == 48
    assert summary["StreamModeDetails"] == {"StreamMode": "PROVISIONED"}
    assert kinesis.list_tags_for_stream(StreamName="clicks")["Tags"] == [{"Key": "team", "Value": "web"}]


def test_sighup_adds_and_updates_topics_and_streams(declared):
    process, config = declared
    sns = make_client(process.endpoint, service="sns")
    config.write_text(SECOND.replace("retention_hours = 48", "retention_hours = 72"))
    process.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 20
    while "configuration reloaded" not in process.output():
        assert time.monotonic() < deadline, process.output()
        time.sleep(0.05)
    arns = sorted(t["TopicArn"] for t in sns.list_topics()["Topics"])
    assert arns == [topic_arn("events.fifo"), topic_arn("orders")]
    fifo = sns.get_topic_attributes(TopicArn=topic_arn("events.fifo"))["Attributes"]
    assert fifo["FifoTopic"] == "true" and fifo["ContentBasedDeduplication"] == "true"
    assert sns.get_topic_attributes(TopicArn=topic_arn("orders"))["Attributes"]["DisplayName"] == "All orders"
    # Subscribing the same queues again did not add subscriptions.
    assert len(sns.list_subscriptions_by_topic(TopicArn=topic_arn("orders"))["Subscriptions"]) == 2
    log = process.output()
    assert "events.fifo" in log and "views" in log
    kinesis = make_kinesis(process.endpoint)
    assert sorted(kinesis.list_streams()["StreamNames"]) == ["clicks", "views"]
    views = kinesis.describe_stream_summary(StreamName="views")["StreamDescriptionSummary"]
    assert views["StreamModeDetails"] == {"StreamMode": "ON_DEMAND"}
    clicks = kinesis.describe_stream_summary(StreamName="clicks")["StreamDescriptionSummary"]
    assert clicks["RetentionPeriodHours"] == 72


def test_a_bad_declaration_stops_the_start(tmp_path):
    config = tmp_path / "sluice.toml"
    config.write_text('[[topics]]\nname = "bad name!"\n')
    with pytest.raises(RuntimeError) as failed:
        SluiceProcess("--in-memory", "--config", str(config))
    assert "topic bad name!" in str(failed.value)
    assert "Invalid parameter: Topic Name" in str(failed.value)
