"""The admin listener's /metrics, read with prometheus_client's own OpenMetrics parser:
counters and gauges checked against known traffic, under both SQS protocols; SNS topics'
publish and delivery counters after known publishes to queues and an HTTP endpoint."""

import json
import time
import urllib.request

from prometheus_client.openmetrics.parser import text_string_to_metric_families


def scrape(admin):
    with urllib.request.urlopen(f"{admin}/metrics", timeout=10) as resp:
        assert resp.status == 200
        assert resp.headers["content-type"].startswith("application/openmetrics-text")
        text = resp.read().decode()
    families = {f.name: f for f in text_string_to_metric_families(text)}
    return families


def value(families, name, **labels):
    """The sample of family `name` whose labels include `labels` (0 when absent)."""
    family = families.get(name)
    if family is None:
        return 0
    for sample in family.samples:
        if sample.name.endswith("_created"):
            continue
        if all(sample.labels.get(k) == v for k, v in labels.items()):
            return sample.value
    return 0


def test_queue_counters_follow_known_traffic(sqs, admin, queue):
    name = queue.rsplit("/", 1)[1]
    sends, deletes = 7, 3
    for i in range(sends):
        sqs.send_message(QueueUrl=queue, MessageBody=f"m{i}")
    received = []
    while len(received) < sends:
        got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
        received.extend(got)
    for m in received[:deletes]:
        sqs.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])
    empty = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=0).get("Messages", [])
    assert empty == []

    families = scrape(admin)
    q = {"queue": name}
    assert value(families, "sluice_sqs_number_of_messages_sent", **q) == sends
    assert value(families, "sluice_sqs_number_of_messages_received", **q) == sends
    assert value(families, "sluice_sqs_number_of_messages_deleted", **q) == deletes
    assert value(families, "sluice_sqs_number_of_empty_receives", **q) >= 1
    assert value(families, "sluice_sqs_sent_message_size_bytes", **q) == sum(
        len(f"m{i}") for i in range(sends)
    )
    # The depth gauges agree with GetQueueAttributes, which KEDA's SQS scaler reads.
    attrs = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
    families = scrape(admin)
    assert value(families, "sluice_sqs_approximate_number_of_messages_visible", **q) == int(
        attrs["ApproximateNumberOfMessages"]
    )
    assert value(families, "sluice_sqs_approximate_number_of_messages_not_visible", **q) == int(
        attrs["ApproximateNumberOfMessagesNotVisible"]
    ) == sends - deletes


def test_requests_are_counted_by_action_and_error_code(sqs, admin, unique_name):
    before = scrape(admin)
    missing = unique_name("missing")
    for _ in range(2):
        try:
            sqs.get_queue_url(QueueName=missing)
        except sqs.exceptions.QueueDoesNotExist:
            pass
    after = scrape(admin)
    labels = {
        "service": "sqs",
        "action": "GetQueueUrl",
        "code": "AWS.SimpleQueueService.NonExistentQueue",
    }
    assert value(after, "sluice_requests", **labels) - value(before, "sluice_requests", **labels) == 2
    latency = after["sluice_request_duration_seconds"]
    counts = [
        s.value
        for s in latency.samples
        if s.name.endswith("_count") and s.labels.get("action") == "GetQueueUrl"
    ]
    assert counts and counts[0] >= 2


def test_kinesis_shard_counters_follow_puts_and_reads(kinesis, make_stream, admin):
    name, _ = make_stream("metrics")
    records = [{"Data": b"x" * 10, "PartitionKey": f"k{i}"} for i in range(4)]
    kinesis.put_records(StreamName=name, Records=records)
    kinesis.put_record(StreamName=name, Data=b"yy", PartitionKey="k")
    iterator = kinesis.get_shard_iterator(
        StreamName=name, ShardId="shardId-000000000000", ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    for _ in range(3):
        iterator = kinesis.get_records(ShardIterator=iterator)["NextShardIterator"]
    families = scrape(admin)
    shard = {"stream": name, "shard": "shardId-000000000000"}
    assert value(families, "sluice_kinesis_incoming_records", **shard) == 5
    assert value(families, "sluice_kinesis_incoming_bytes", **shard) == 4 * (10 + 2) + (2 + 1)
    assert value(families, "sluice_kinesis_get_records_calls", **shard) == 3
    assert value(families, "sluice_kinesis_iterator_age_milliseconds", **shard) == 0


def test_a_durable_server_reports_its_group_commits(tmp_path):
    from conftest import SluiceProcess, make_client

    process = SluiceProcess("--data-dir", str(tmp_path / "data"))
    try:
        sqs = make_client(process.endpoint)
        url = sqs.create_queue(QueueName="journalled")["QueueUrl"]
        before = scrape(process.admin)
        for i in range(5):
            sqs.send_message(QueueUrl=url, MessageBody=f"m{i}")
        after = scrape(process.admin)
        grew = lambda name: value(after, name) - value(before, name)
        assert grew("sluice_journal_records") >= 5
        assert 1 <= grew("sluice_journal_fsyncs") <= 5
        assert grew("sluice_journal_fsync_seconds") > 0
        assert value(after, "sluice_journal_bytes_since_snapshot") > 0
        # No snapshot is written this early: the newest one's size is 0.
        assert "sluice_journal_snapshot_bytes" in after
        assert value(after, "sluice_journal_snapshot_bytes") == 0
    finally:
        process.close()


def test_sns_topic_counters_follow_publishes_and_queue_deliveries(sqs, admin, make_queue, unique_name):
    from test_sns_topics import sns_client

    sns = sns_client(sqs.meta.endpoint_url)
    name = unique_name("topic")
    topic = sns.create_topic(Name=name)["TopicArn"]
    _, delivered_arn = make_queue("delivered")
    _, filtered_arn = make_queue("filtered")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=delivered_arn)
    sns.subscribe(
        TopicArn=topic, Protocol="sqs", Endpoint=filtered_arn,
        Attributes={"FilterPolicy": json.dumps({"colour": ["never"]})},
    )
    published = 4
    for i in range(published - 2):
        sns.publish(TopicArn=topic, Message=f"m{i}")
    batch = sns.publish_batch(
        TopicArn=topic,
        PublishBatchRequestEntries=[{"Id": f"e{i}", "Message": f"e{i}"} for i in range(2)],
    )
    assert len(batch["Successful"]) == 2

    families = scrape(admin)
    t = {"topic": name}
    assert value(families, "sluice_sns_number_of_messages_published", **t) == published
    deliveries = lambda outcome: value(
        families, "sluice_sns_deliveries", protocol="sqs", outcome=outcome, **t
    )
    assert deliveries("delivered") == published
    assert deliveries("filtered_out") == published
    assert deliveries("dropped") == 0
    assert "sluice_sns_http_outbox_pending_deliveries" in families
    # Each delivery is a message sent to its queue, as in SQS's NumberOfMessagesSent.
    queue_name = lambda arn: arn.rsplit(":", 1)[1]
    assert value(families, "sluice_sqs_number_of_messages_sent", queue=queue_name(delivered_arn)) == published
    assert value(families, "sluice_sqs_number_of_messages_sent", queue=queue_name(filtered_arn)) == 0


def test_folding_makes_one_series_for_all_topics():
    from conftest import SluiceProcess, make_client
    from test_sns_topics import sns_client

    process = SluiceProcess("--in-memory", "--metrics-fold-queues")
    try:
        sqs = make_client(process.endpoint)
        sns = sns_client(process.endpoint)
        url = sqs.create_queue(QueueName="folded")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        # Published to from both topics, so the folded queue series says 3 as well.
        for name, publishes in [("one", 1), ("two", 2)]:
            topic = sns.create_topic(Name=name)["TopicArn"]
            sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
            for i in range(publishes):
                sns.publish(TopicArn=topic, Message=f"{name}{i}")
        families = scrape(process.admin)
        published = families["sluice_sns_number_of_messages_published"]
        assert {s.labels["topic"] for s in published.samples} == {"*"}
        assert value(families, "sluice_sns_number_of_messages_published", topic="*") == 3
        assert value(
            families, "sluice_sns_deliveries", topic="*", protocol="sqs", outcome="delivered"
        ) == 3
        assert value(families, "sluice_sqs_approximate_number_of_messages_visible", queue="*") == 3
    finally:
        process.close()


def test_sns_http_deliveries_are_counted_and_the_outbox_drains(sqs, admin, unique_name):
    from test_sns_http import Endpoint, subscribe_confirmed
    from test_sns_topics import sns_client

    sns = sns_client(sqs.meta.endpoint_url)
    endpoint = Endpoint()
    try:
        name = unique_name("hooked")
        topic = sns.create_topic(Name=name)["TopicArn"]
        subscribe_confirmed(sns, endpoint, topic, "/metrics-hook")
        published = 3
        for i in range(published):
            sns.publish(TopicArn=topic, Message=f"m{i}")
        endpoint.wait_for("/metrics-hook", "Notification", published)
        t = {"topic": name, "protocol": "http"}
        deadline = time.monotonic() + 10
        while True:
            families = scrape(admin)
            delivered = value(families, "sluice_sns_deliveries", outcome="delivered", **t)
            if delivered == published:
                break
            assert time.monotonic() < deadline, f"{delivered} of {published} counted"
            time.sleep(0.05)
        assert value(families, "sluice_sns_number_of_messages_published", topic=name) == published
        assert value(families, "sluice_sns_deliveries", outcome="retrying", **t) == 0
    finally:
        endpoint.server.shutdown()
