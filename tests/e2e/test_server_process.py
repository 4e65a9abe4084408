"""The server as a process: graceful stop with parked long polls, durability across a
restart and a kill -9, and the settings that shape URLs and predefined queues. Each
test runs its own `sluice` process."""

import signal
import threading

import pytest

from conftest import SluiceProcess, make_client

JOIN_TIMEOUT_S = 15


@pytest.fixture
def processes():
    started = []

    def start(*args):
        p = SluiceProcess(*args)
        started.append(p)
        return p

    yield start
    for p in started:
        p.close()


def counts(sqs, url):
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return (
        int(attrs["ApproximateNumberOfMessages"]),
        int(attrs["ApproximateNumberOfMessagesNotVisible"]),
        int(attrs["ApproximateNumberOfMessagesDelayed"]),
    )


def test_sigterm_answers_parked_long_polls_and_exits_cleanly(processes):
    server = processes("--in-memory")
    sqs = make_client(server.endpoint)
    url = sqs.create_queue(QueueName="parked")["QueueUrl"]
    result = {}
    sending = threading.Event()
    poller = make_client(server.endpoint, read_timeout=60)
    poller.meta.events.register("before-send.sqs.ReceiveMessage", lambda **_: sending.set())

    def poll():
        try:
            result["response"] = poller.receive_message(QueueUrl=url, WaitTimeSeconds=20)
        except Exception as exc:  # reported below
            result["error"] = exc

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    assert sending.wait(JOIN_TIMEOUT_S)
    thread.join(0.5)
    assert thread.is_alive(), f"the long poll did not wait: {result}"
    server.proc.send_signal(signal.SIGTERM)
    thread.join(JOIN_TIMEOUT_S)
    assert not thread.is_alive(), "the parked long poll was not answered on SIGTERM"
    assert "error" not in result, result
    assert "Messages" not in result["response"]
    assert server.stop() == 0, server.output()


def fill(sqs):
    url = sqs.create_queue(
        QueueName="durable",
        Attributes={"VisibilityTimeout": "600", "MessageRetentionPeriod": "86400"},
        tags={"team": "core"},
    )["QueueUrl"]
    bodies = [f"durable-{i} \r\n<&>" for i in range(5)]
    sent = [sqs.send_message(QueueUrl=url, MessageBody=b)["MessageId"] for b in bodies]
    in_flight = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"])["Messages"][0]
    # Acknowledged only once durable, with the receive before it (the journal keeps order).
    sent.append(
        sqs.send_message(
            QueueUrl=url,
            MessageBody="with attributes",
            MessageAttributes={"blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"}},
        )["MessageId"]
    )
    return url, bodies, sent, in_flight


def drain(sqs, url, expected):
    got = []
    for _ in range(20):
        got.extend(
            sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
            ).get("Messages", [])
        )
        if len(got) >= expected:
            break
    return got


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "kill-9"])
def test_acknowledged_messages_survive_a_restart(processes, tmp_path, stop_signal):
    data_dir = str(tmp_path / "data")
    first = processes("--data-dir", data_dir)
    sqs = make_client(first.endpoint)
    url, bodies, sent, in_flight = fill(sqs)
    status = first.stop(stop_signal)
    assert status == (0 if stop_signal == signal.SIGTERM else -signal.SIGKILL), first.output()

    second = processes("--data-dir", data_dir)
    sqs = make_client(second.endpoint)
    url = sqs.get_queue_url(QueueName="durable")["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["VisibilityTimeout"] == "600"
    assert attrs["MessageRetentionPeriod"] == "86400"
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "core"}
    # The message received before the stop is still in flight.
    assert counts(sqs, url) == (5, 1, 0)
    got = drain(sqs, url, 5)
    everything = {m["MessageId"]: m for m in got + [in_flight]}
    assert len(everything) == 6
    assert sorted(m["Body"] for m in everything.values()) == sorted(bodies + ["with attributes"])
    assert set(sent) == set(everything)
    with_attrs = [m for m in everything.values() if m["Body"] == "with attributes"][0]
    assert with_attrs["MessageAttributes"] == {
        "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"}
    }
    # Deletes ride the next group commit (a lost delete is only a redelivery); a send
    # is acknowledged only once durable, and the journal keeps order, so after the
    # barrier send the deletes before it are durable too.
    sqs.delete_message_batch(
        QueueUrl=url,
        Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)],
    )
    sqs.send_message(QueueUrl=url, MessageBody="barrier")
    assert second.stop(stop_signal) in (0, -signal.SIGKILL)

    third = processes("--data-dir", data_dir)
    sqs = make_client(third.endpoint)
    url = sqs.get_queue_url(QueueName="durable")["QueueUrl"]
    assert counts(sqs, url) == (1, 1, 0)
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "barrier"


def test_account_id_and_base_url_shape_urls_and_arns(processes):
    server = processes(
        "--in-memory",
        "--account-id",
        "123456789012",
        "--base-url",
        "http://queues.example.test:9999",
    )
    sqs = make_client(server.endpoint)
    url = sqs.create_queue(QueueName="shaped")["QueueUrl"]
    assert url == "http://queues.example.test:9999/123456789012/shaped"
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    assert attrs["QueueArn"] == "arn:aws:sqs:us-east-1:123456789012:shaped"
    sqs.send_message(QueueUrl=url, MessageBody="routed by path")
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "routed by path"


def test_config_file_predefines_queues(processes, tmp_path):
    config = tmp_path / "sluice.toml"
    config.write_text(
        "in_memory = true\n"
        "[[queues]]\n"
        'name = "orders"\n'
        'attributes = { VisibilityTimeout = 60, RedrivePolicy = \'{"deadLetterTargetArn":'
        '"arn:aws:sqs:us-east-1:000000000000:orders-dlq","maxReceiveCount":3}\' }\n'
        'tags = { team = "shop" }\n'
        "[[queues]]\n"
        'name = "orders-dlq"\n'
    )
    server = processes("--config", str(config))
    sqs = make_client(server.endpoint)
    url = sqs.get_queue_url(QueueName="orders")["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["VisibilityTimeout"] == "60"
    assert '"maxReceiveCount":3' in attrs["RedrivePolicy"]
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "shop"}
    dlq = sqs.get_queue_url(QueueName="orders-dlq")["QueueUrl"]
    assert sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"] == [url]


def test_test_clock_endpoint_is_off_by_default(processes):
    import urllib.error
    import urllib.request

    server = processes("--in-memory")
    req = urllib.request.Request(
        f"{server.admin}/test-clock/advance?ms=1000", data=b"", method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, timeout=10)
    assert e.value.code == 404
