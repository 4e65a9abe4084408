"""Message actions: send, receive, delete, visibility, delays, long polling, batches,
and the fidelity of bodies and message attributes on the wire."""

import threading

import pytest
from botocore.exceptions import ClientError

from conftest import ACCOUNT_ID, make_client
from sqs_helpers import assert_error, md5_hex, md5_of_message_attributes

# A long poll must still be waiting this long (real time) after its request went out.
# With the test clock nothing can end it but a message or a clock advance, so this only
# checks that the server really has it parked before the test acts.
PARKED_CHECK_S = 0.5
# Hang guard for threads that wait on the server.
JOIN_TIMEOUT_S = 15


def receive_one(sqs, url, **kwargs):
    messages = sqs.receive_message(QueueUrl=url, **kwargs).get("Messages", [])
    assert len(messages) == 1, messages
    return messages[0]


def receive_all(sqs, url, expected, **kwargs):
    """Receives until `expected` messages have arrived (bounded)."""
    got = []
    for _ in range(20):
        got.extend(
            sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, **kwargs).get("Messages", [])
        )
        if len(got) >= expected:
            break
    assert len(got) == expected, got
    return got


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


def test_send_receive_delete(sqs, queue):
    sent = sqs.send_message(QueueUrl=queue, MessageBody="hello world")
    assert sent["MD5OfMessageBody"] == md5_hex(b"hello world")
    assert "MD5OfMessageAttributes" not in sent
    assert counts(sqs, queue) == (1, 0, 0)

    msg = receive_one(sqs, queue, AttributeNames=["All"])
    assert msg["MessageId"] == sent["MessageId"]
    assert msg["Body"] == "hello world"
    assert msg["MD5OfBody"] == md5_hex(b"hello world")
    assert msg["ReceiptHandle"]
    attrs = msg["Attributes"]
    assert attrs["SenderId"] == ACCOUNT_ID  # the sender's account, not its key
    assert attrs["ApproximateReceiveCount"] == "1"
    assert int(attrs["ApproximateFirstReceiveTimestamp"]) >= int(attrs["SentTimestamp"]) > 0
    assert counts(sqs, queue) == (0, 1, 0)
    # In flight: a second receive gets nothing.
    assert "Messages" not in sqs.receive_message(QueueUrl=queue)

    sqs.delete_message(QueueUrl=queue, ReceiptHandle=msg["ReceiptHandle"])
    assert counts(sqs, queue) == (0, 0, 0)
    # Deleting again with the same handle is accepted, as on AWS.
    sqs.delete_message(QueueUrl=queue, ReceiptHandle=msg["ReceiptHandle"])


def test_receive_selects_system_attributes_by_name(sqs, queue):
    sqs.send_message(QueueUrl=queue, MessageBody="x")
    msg = receive_one(sqs, queue, AttributeNames=["SentTimestamp", "ApproximateReceiveCount"])
    assert set(msg["Attributes"]) == {"SentTimestamp", "ApproximateReceiveCount"}


FIDELITY_BODIES = {
    "crlf": "line1\r\nline2\rline3\nline4",
    "lone-cr": "\r",
    "tabs": "\tcol1\tcol2\t",
    "xml-specials": "&<>\"' &amp; &lt;tag&gt; <![CDATA[ x ]]> ]]>",
    "markup": "<Message><Body>not really</Body></Message>",
    "emoji": "rocket \U0001f680 party \U0001f389 family \U0001f468\u200d\U0001f469\u200d\U0001f467",
    "accents": "na\u00efve caf\u00e9 \u00fc\u00df \u4e2d\u6587 "
    "\u0627\u0644\u0639\u0631\u0628\u064a\u0629",
    "private-use-to-fffd": "\ue000\ue001\uf8ff\ufdd0\ufeff\ufffc\ufffd",
    "surrogate-edges": "\ud7ff \U00010000 \U0010ffff",
    "whitespace-only": "  \n\t  ",
    "edge-spaces": "  padded  ",
    "percent-plus": "100% + a=b&c=d?e#f",
    "json": '{"k": ["v", 1, null], "s": "\\"q\\""}',
    # Every allowed character below U+0800 (C0 whitespace, ASCII, DEL, C1 controls,
    # Latin-1 and more), and every one from U+E000 to U+FFFD.
    "all-below-0800": "\t\n\r" + "".join(chr(c) for c in range(0x20, 0x800)),
    "all-e000-to-fffd": "".join(chr(c) for c in range(0xE000, 0xFFFE)),
}


@pytest.mark.parametrize("body", FIDELITY_BODIES.values(), ids=FIDELITY_BODIES.keys())
def test_body_round_trips_byte_for_byte(sqs, queue, body):
    sent = sqs.send_message(QueueUrl=queue, MessageBody=body)
    assert sent["MD5OfMessageBody"] == md5_hex(body.encode("utf-8"))
    msg = receive_one(sqs, queue)
    assert msg["Body"].encode("utf-8") == body.encode("utf-8")
    assert msg["MD5OfBody"] == md5_hex(body.encode("utf-8"))


def test_large_multibyte_body_round_trips(sqs, queue):
    body = ("\u00e9\U0001f600<&>\r\n" * 20_000)[:200_000]
    sent = sqs.send_message(QueueUrl=queue, MessageBody=body)
    assert sent["MD5OfMessageBody"] == md5_hex(body.encode("utf-8"))
    msg = receive_one(sqs, queue)
    assert msg["Body"] == body
    assert msg["MD5OfBody"] == md5_hex(body.encode("utf-8"))


@pytest.mark.parametrize(
    "bad", ["nul\x00", "bell\x07", "esc\x1b[0m", "\x0b", "nonchar\ufffe", "nonchar\uffff"]
)
def test_invalid_characters_are_rejected(sqs, queue, bad):
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=queue, MessageBody=bad)
    assert_error(e, "InvalidMessageContents", 400, "InvalidMessageContents")
    assert counts(sqs, queue) == (0, 0, 0)


def test_message_size_limit(sqs, make_queue):
    url, _ = make_queue(MaximumMessageSize=1024)
    sqs.send_message(QueueUrl=url, MessageBody="x" * 1024)
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=url, MessageBody="x" * 1025)
    assert_error(e, "InvalidParameterValue", 400, "InvalidParameterValueException")
    # Message attributes count too: name, data type and value.
    with pytest.raises(ClientError) as e:
        sqs.send_message(
            QueueUrl=url,
            MessageBody="x" * 1000,
            MessageAttributes={"name": {"DataType": "String", "StringValue": "y" * 20}},
        )
    assert_error(e, "InvalidParameterValue", 400)
    # Multi-byte characters count by their UTF-8 bytes.
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=url, MessageBody="\u00e9" * 513)
    assert_error(e, "InvalidParameterValue", 400)


MESSAGE_ATTRIBUTES = {
    "plain": {"DataType": "String", "StringValue": "hello"},
    "tricky": {"DataType": "String", "StringValue": "a&b<c>\"d'\r\n\t\U0001f680\ue000"},
    "custom.string": {"DataType": "String.uuid", "StringValue": "0f8fad5b-d9cb-469f-a165"},
    "count": {"DataType": "Number", "StringValue": "-12.5e3"},
    "price": {"DataType": "Number.float", "StringValue": "3.14159"},
    "blob": {"DataType": "Binary", "BinaryValue": bytes(range(256))},
    "image": {"DataType": "Binary.gif", "BinaryValue": b"GIF89a\x00\x01\xff"},
    "a.b": {"DataType": "String", "StringValue": "in a"},
    "a.c": {"DataType": "String", "StringValue": "also in a"},
}


def test_message_attributes_round_trip_with_md5(sqs, queue):
    expected_md5 = md5_of_message_attributes(MESSAGE_ATTRIBUTES)
    sent = sqs.send_message(
        QueueUrl=queue, MessageBody="with attributes", MessageAttributes=MESSAGE_ATTRIBUTES
    )
    assert sent["MD5OfMessageAttributes"] == expected_md5
    assert sent["MD5OfMessageBody"] == md5_hex(b"with attributes")

    msg = receive_one(sqs, queue, MessageAttributeNames=["All"])
    assert msg["MessageAttributes"] == MESSAGE_ATTRIBUTES
    assert msg["MD5OfMessageAttributes"] == expected_md5
    assert md5_of_message_attributes(msg["MessageAttributes"]) == expected_md5


def test_message_attributes_are_filtered_by_name_and_prefix(sqs, queue, advance):
    sqs.send_message(QueueUrl=queue, MessageBody="x", MessageAttributes=MESSAGE_ATTRIBUTES)
    msg = receive_one(sqs, queue, MessageAttributeNames=["a.*", "count"], VisibilityTimeout=0)
    wanted = {k: MESSAGE_ATTRIBUTES[k] for k in ("a.b", "a.c", "count")}
    assert msg["MessageAttributes"] == wanted
    assert msg["MD5OfMessageAttributes"] == md5_of_message_attributes(wanted)
    # Without names, none are returned.
    msg = receive_one(sqs, queue)
    assert "MessageAttributes" not in msg
    assert "MD5OfMessageAttributes" not in msg


@pytest.mark.parametrize(
    "attributes",
    [
        {"AWS.reserved": {"DataType": "String", "StringValue": "v"}},
        {"bad name": {"DataType": "String", "StringValue": "v"}},
        {"n": {"DataType": "Number", "StringValue": "twelve"}},
        {"t": {"DataType": "Text", "StringValue": "v"}},
        {"s": {"DataType": "String", "StringValue": ""}},
        {f"a{i}": {"DataType": "String", "StringValue": "v"} for i in range(11)},
    ],
    ids=["reserved-prefix", "bad-name", "not-a-number", "bad-type", "empty-value", "too-many"],
)
def test_invalid_message_attributes(sqs, queue, attributes):
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=queue, MessageBody="x", MessageAttributes=attributes)
    assert_error(e, "InvalidParameterValue", 400, "InvalidParameterValueException")


def test_send_message_batch(sqs, queue):
    entries = [
        {"Id": "first", "MessageBody": "one"},
        {
            "Id": "second",
            "MessageBody": "two\r\n<&>",
            "MessageAttributes": {"k": {"DataType": "String", "StringValue": "v"}},
        },
        {
            "Id": "third-3_x",
            "MessageBody": "three",
            "DelaySeconds": 0,
            "MessageAttributes": {
                "bin": {"DataType": "Binary.raw", "BinaryValue": b"\x00\xff\r\n"},
                "num": {"DataType": "Number", "StringValue": "42"},
            },
        },
    ]
    result = sqs.send_message_batch(QueueUrl=queue, Entries=entries)
    assert not result.get("Failed")
    by_id = {r["Id"]: r for r in result["Successful"]}
    assert set(by_id) == {"first", "second", "third-3_x"}
    for entry in entries:
        r = by_id[entry["Id"]]
        assert r["MD5OfMessageBody"] == md5_hex(entry["MessageBody"].encode())
        if "MessageAttributes" in entry:
            assert r["MD5OfMessageAttributes"] == md5_of_message_attributes(
                entry["MessageAttributes"]
            )
    assert len({r["MessageId"] for r in result["Successful"]}) == 3

    got = receive_all(sqs, queue, 3, MessageAttributeNames=["All"])
    assert {m["MessageId"]: m["Body"] for m in got} == {
        by_id[e["Id"]]["MessageId"]: e["MessageBody"] for e in entries
    }
    assert {m["MessageId"]: m.get("MessageAttributes") for m in got} == {
        by_id[e["Id"]]["MessageId"]: e.get("MessageAttributes") for e in entries
    }


def test_send_message_batch_entries_fail_on_their_own(sqs, queue):
    result = sqs.send_message_batch(
        QueueUrl=queue,
        Entries=[
            {"Id": "good", "MessageBody": "fine"},
            {"Id": "bad", "MessageBody": "nul\x00"},
            {"Id": "late", "MessageBody": "x", "DelaySeconds": 901},
        ],
    )
    assert [r["Id"] for r in result["Successful"]] == ["good"]
    failed = {f["Id"]: f for f in result["Failed"]}
    assert set(failed) == {"bad", "late"}
    assert failed["bad"]["Code"] == "InvalidMessageContents"
    assert failed["bad"]["SenderFault"] is True
    assert failed["late"]["Code"] == "InvalidParameterValue"
    assert counts(sqs, queue) == (1, 0, 0)


def test_batch_request_errors(sqs, queue):
    cases = [
        (
            [{"Id": str(i), "MessageBody": "x"} for i in range(11)],
            "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
            "TooManyEntriesInBatchRequest",
        ),
        (
            [{"Id": "same", "MessageBody": "x"}, {"Id": "same", "MessageBody": "y"}],
            "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
            "BatchEntryIdsNotDistinct",
        ),
        (
            [{"Id": "not valid!", "MessageBody": "x"}],
            "AWS.SimpleQueueService.InvalidBatchEntryId",
            "InvalidBatchEntryId",
        ),
        ([], "AWS.SimpleQueueService.EmptyBatchRequest", "EmptyBatchRequest"),
    ]
    for entries, code, json_type in cases:
        with pytest.raises(ClientError) as e:
            sqs.send_message_batch(QueueUrl=queue, Entries=entries)
        assert_error(e, code, 400, json_type)
    assert counts(sqs, queue) == (0, 0, 0)


def test_batch_too_long(sqs, queue):
    entries = [{"Id": str(i), "MessageBody": "x" * 200_000} for i in range(6)]
    with pytest.raises(ClientError) as e:
        sqs.send_message_batch(QueueUrl=queue, Entries=entries)
    assert_error(e, "AWS.SimpleQueueService.BatchRequestTooLong", 400, "BatchRequestTooLong")


def test_delete_message_batch(sqs, queue):
    for i in range(3):
        sqs.send_message(QueueUrl=queue, MessageBody=f"m{i}")
    got = receive_all(sqs, queue, 3)
    result = sqs.delete_message_batch(
        QueueUrl=queue,
        Entries=[
            {"Id": "a", "ReceiptHandle": got[0]["ReceiptHandle"]},
            {"Id": "b", "ReceiptHandle": got[1]["ReceiptHandle"]},
            {"Id": "bogus", "ReceiptHandle": "not-a-receipt-handle"},
        ],
    )
    assert sorted(r["Id"] for r in result["Successful"]) == ["a", "b"]
    assert len(result["Failed"]) == 1
    failed = result["Failed"][0]
    assert (failed["Id"], failed["Code"], failed["SenderFault"]) == (
        "bogus",
        "ReceiptHandleIsInvalid",
        True,
    )
    assert counts(sqs, queue) == (0, 1, 0)


def test_delete_message_with_invalid_receipt_handle(sqs, queue):
    with pytest.raises(ClientError) as e:
        sqs.delete_message(QueueUrl=queue, ReceiptHandle="garbage")
    assert_error(e, "ReceiptHandleIsInvalid", 404, "ReceiptHandleIsInvalid")


def test_receipt_handle_of_another_queue_is_invalid(sqs, queue, make_queue):
    other, _ = make_queue()
    sqs.send_message(QueueUrl=other, MessageBody="x")
    msg = receive_one(sqs, other)
    with pytest.raises(ClientError) as e:
        sqs.delete_message(QueueUrl=queue, ReceiptHandle=msg["ReceiptHandle"])
    assert_error(e, "ReceiptHandleIsInvalid", 404)


def test_visibility_timeout_expiry_redelivers(sqs, make_queue, advance):
    url, _ = make_queue(VisibilityTimeout=30)
    sqs.send_message(QueueUrl=url, MessageBody="again")
    first = receive_one(sqs, url, AttributeNames=["All"])
    assert first["Attributes"]["ApproximateReceiveCount"] == "1"
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    advance(29_000)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    assert counts(sqs, url) == (0, 1, 0)
    advance(1_001)
    assert counts(sqs, url) == (1, 0, 0)
    second = receive_one(sqs, url, AttributeNames=["All"])
    assert second["MessageId"] == first["MessageId"]
    assert second["Body"] == "again"
    assert second["Attributes"]["ApproximateReceiveCount"] == "2"
    for kept in ("ApproximateFirstReceiveTimestamp", "SentTimestamp", "SenderId"):
        assert second["Attributes"][kept] == first["Attributes"][kept]
    assert second["ReceiptHandle"] != first["ReceiptHandle"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=second["ReceiptHandle"])
    advance(31_000)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    assert counts(sqs, url) == (0, 0, 0)


def test_receive_visibility_timeout_overrides_queue(sqs, queue, advance):
    sqs.send_message(QueueUrl=queue, MessageBody="short")
    receive_one(sqs, queue, VisibilityTimeout=5)
    advance(4_000)
    assert "Messages" not in sqs.receive_message(QueueUrl=queue)
    advance(1_000)
    assert receive_one(sqs, queue)["Body"] == "short"


def test_change_message_visibility(sqs, queue, advance):
    sqs.send_message(QueueUrl=queue, MessageBody="vis")
    msg = receive_one(sqs, queue)
    # Extend: the message stays hidden past the queue's 30 s.
    sqs.change_message_visibility(
        QueueUrl=queue, ReceiptHandle=msg["ReceiptHandle"], VisibilityTimeout=100
    )
    advance(60_000)
    assert "Messages" not in sqs.receive_message(QueueUrl=queue)
    advance(40_001)
    msg = receive_one(sqs, queue, AttributeNames=["ApproximateReceiveCount"])
    assert msg["Attributes"]["ApproximateReceiveCount"] == "2"
    # Zero: visible again at once.
    sqs.change_message_visibility(
        QueueUrl=queue, ReceiptHandle=msg["ReceiptHandle"], VisibilityTimeout=0
    )
    msg = receive_one(sqs, queue, AttributeNames=["ApproximateReceiveCount"])
    assert msg["Attributes"]["ApproximateReceiveCount"] == "3"


def test_change_message_visibility_errors(sqs, queue):
    sqs.send_message(QueueUrl=queue, MessageBody="x")
    msg = receive_one(sqs, queue)
    with pytest.raises(ClientError) as e:
        sqs.change_message_visibility(
            QueueUrl=queue, ReceiptHandle=msg["ReceiptHandle"], VisibilityTimeout=43_201
        )
    assert_error(e, "InvalidParameterValue", 400)
    with pytest.raises(ClientError) as e:
        sqs.change_message_visibility(QueueUrl=queue, ReceiptHandle="garbage", VisibilityTimeout=10)
    assert_error(e, "ReceiptHandleIsInvalid", 404, "ReceiptHandleIsInvalid")
    sqs.change_message_visibility(
        QueueUrl=queue, ReceiptHandle=msg["ReceiptHandle"], VisibilityTimeout=0
    )
    # The message is no longer in flight, yet a standard queue takes the handle (as AWS
    # does) and hides the message again.
    sqs.change_message_visibility(
        QueueUrl=queue, ReceiptHandle=msg["ReceiptHandle"], VisibilityTimeout=10
    )
    assert "Messages" not in sqs.receive_message(QueueUrl=queue)


def test_change_message_visibility_batch(sqs, queue, advance):
    for i in range(2):
        sqs.send_message(QueueUrl=queue, MessageBody=f"m{i}")
    got = receive_all(sqs, queue, 2)
    result = sqs.change_message_visibility_batch(
        QueueUrl=queue,
        Entries=[
            {"Id": "now", "ReceiptHandle": got[0]["ReceiptHandle"], "VisibilityTimeout": 0},
            {"Id": "later", "ReceiptHandle": got[1]["ReceiptHandle"], "VisibilityTimeout": 300},
            {"Id": "bogus", "ReceiptHandle": "garbage", "VisibilityTimeout": 0},
        ],
    )
    assert sorted(r["Id"] for r in result["Successful"]) == ["later", "now"]
    assert [(f["Id"], f["Code"]) for f in result["Failed"]] == [("bogus", "ReceiptHandleIsInvalid")]
    again = receive_one(sqs, queue)
    assert again["MessageId"] == got[0]["MessageId"]
    sqs.delete_message(QueueUrl=queue, ReceiptHandle=again["ReceiptHandle"])
    advance(299_000)
    assert "Messages" not in sqs.receive_message(QueueUrl=queue)
    advance(1_001)
    assert receive_one(sqs, queue)["MessageId"] == got[1]["MessageId"]


def test_queue_delay_seconds(sqs, make_queue, advance):
    url, _ = make_queue(DelaySeconds=10)
    sqs.send_message(QueueUrl=url, MessageBody="delayed")
    assert counts(sqs, url) == (0, 0, 1)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    advance(9_000)
    assert counts(sqs, url) == (0, 0, 1)
    advance(1_000)
    assert counts(sqs, url) == (1, 0, 0)
    assert receive_one(sqs, url)["Body"] == "delayed"


def test_message_delay_seconds_overrides_queue(sqs, make_queue, advance):
    url, _ = make_queue(DelaySeconds=60)
    sqs.send_message(QueueUrl=url, MessageBody="now", DelaySeconds=0)
    sqs.send_message(QueueUrl=url, MessageBody="in5", DelaySeconds=5)
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "q", "MessageBody": "queue-delay"}])
    assert counts(sqs, url) == (1, 0, 2)
    for wait_ms, body in [(0, "now"), (5_000, "in5"), (55_000, "queue-delay")]:
        advance(wait_ms)
        msg = receive_one(sqs, url)
        assert msg["Body"] == body
        sqs.delete_message(QueueUrl=url, ReceiptHandle=msg["ReceiptHandle"])
    assert counts(sqs, url) == (0, 0, 0)


def test_invalid_delay_seconds(sqs, queue):
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=queue, MessageBody="x", DelaySeconds=901)
    assert_error(e, "InvalidParameterValue", 400, "InvalidParameterValueException")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"MaxNumberOfMessages": 11},
        {"MaxNumberOfMessages": 0},
        {"WaitTimeSeconds": 21},
        {"VisibilityTimeout": 43_201},
    ],
    ids=["max-11", "max-0", "wait-21", "visibility-43201"],
)
def test_invalid_receive_parameters(sqs, queue, kwargs):
    with pytest.raises(ClientError) as e:
        sqs.receive_message(QueueUrl=queue, **kwargs)
    assert_error(e, "InvalidParameterValue", 400, "InvalidParameterValueException")


def test_receive_up_to_ten(sqs, queue):
    sqs.send_message_batch(
        QueueUrl=queue, Entries=[{"Id": str(i), "MessageBody": f"m{i}"} for i in range(10)]
    )
    sqs.send_message(QueueUrl=queue, MessageBody="m10")
    got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    assert 1 <= len(got) <= 10
    rest = receive_all(sqs, queue, 11 - len(got))
    assert {m["Body"] for m in got + rest} == {f"m{i}" for i in range(11)}


def _poll_in_thread(server, url, **kwargs):
    """Starts a ReceiveMessage on its own client and thread, and returns once the
    request has been sent and the server has held it for PARKED_CHECK_S.
    Returns (thread, result)."""
    result = {}
    sending = threading.Event()
    client = make_client(server, read_timeout=60)
    client.meta.events.register("before-send.sqs.ReceiveMessage", lambda **_: sending.set())

    def run():
        try:
            result["response"] = client.receive_message(QueueUrl=url, **kwargs)
        except Exception as exc:  # reported by the test
            result["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert sending.wait(JOIN_TIMEOUT_S), "the receive request was never sent"
    thread.join(PARKED_CHECK_S)
    assert thread.is_alive(), f"the receive did not wait: {result}"
    return thread, result


def test_long_poll_is_woken_by_a_send(sqs, server, queue):
    thread, result = _poll_in_thread(server, queue, WaitTimeSeconds=20, AttributeNames=["All"])
    sent = sqs.send_message(QueueUrl=queue, MessageBody="wake up")
    thread.join(JOIN_TIMEOUT_S)
    assert not thread.is_alive(), "long poll was not woken by the send"
    assert "error" not in result, result
    messages = result["response"]["Messages"]
    assert [m["MessageId"] for m in messages] == [sent["MessageId"]]
    assert messages[0]["Body"] == "wake up"


def test_long_poll_ends_empty_when_wait_time_passes(sqs, server, queue, advance):
    thread, result = _poll_in_thread(server, queue, WaitTimeSeconds=20)
    advance(19_000)
    thread.join(PARKED_CHECK_S)
    assert thread.is_alive(), f"long poll ended before its wait time: {result}"
    advance(1_000)
    thread.join(JOIN_TIMEOUT_S)
    assert not thread.is_alive(), "long poll did not end at its wait time"
    assert "error" not in result, result
    assert "Messages" not in result["response"]


def test_queue_receive_wait_time_is_the_default_wait(sqs, server, make_queue, advance):
    url, _ = make_queue(ReceiveMessageWaitTimeSeconds=10)
    # WaitTimeSeconds=0 asks for a short poll whatever the queue says (a wait would
    # outlast this client's read timeout: the test clock does not move by itself).
    impatient = make_client(server, read_timeout=5)
    assert "Messages" not in impatient.receive_message(QueueUrl=url, WaitTimeSeconds=0)
    thread, result = _poll_in_thread(server, url)
    advance(10_000)
    thread.join(JOIN_TIMEOUT_S)
    assert not thread.is_alive()
    assert "error" not in result, result
    assert "Messages" not in result["response"]


def test_long_poll_is_woken_when_a_delayed_message_becomes_visible(sqs, server, queue, advance):
    sqs.send_message(QueueUrl=queue, MessageBody="later", DelaySeconds=5)
    thread, result = _poll_in_thread(server, queue, WaitTimeSeconds=20)
    advance(5_000)
    thread.join(JOIN_TIMEOUT_S)
    assert not thread.is_alive()
    assert "error" not in result, result
    assert [m["Body"] for m in result["response"]["Messages"]] == ["later"]


def test_aws_trace_header_system_attribute(sqs, queue):
    trace = {
        "AWSTraceHeader": {
            "DataType": "String",
            "StringValue": "Root=1-5759e988-bd862e3fe1be46a994272793",
        }
    }
    sent = sqs.send_message(QueueUrl=queue, MessageBody="traced", MessageSystemAttributes=trace)
    assert sent["MD5OfMessageSystemAttributes"] == md5_of_message_attributes(trace)
    msg = receive_one(sqs, queue, AttributeNames=["AWSTraceHeader"])
    assert msg["Attributes"] == {"AWSTraceHeader": trace["AWSTraceHeader"]["StringValue"]}


def test_retention_period_expires_messages(sqs, make_queue, advance):
    url, _ = make_queue(MessageRetentionPeriod=60)
    sqs.send_message(QueueUrl=url, MessageBody="short-lived")
    advance(59_000)
    assert counts(sqs, url) == (1, 0, 0)
    advance(1_001)
    assert "Messages" not in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
    assert counts(sqs, url) == (0, 0, 0)


def test_concurrent_consumers_get_each_message_once(sqs, server, queue):
    bodies = {f"job-{i}" for i in range(30)}
    for chunk in range(3):
        sqs.send_message_batch(
            QueueUrl=queue,
            Entries=[{"Id": str(i), "MessageBody": f"job-{chunk * 10 + i}"} for i in range(10)],
        )
    received, errors = [], []
    lock = threading.Lock()

    def consume():
        client = make_client(server)
        try:
            for _ in range(30):
                messages = client.receive_message(QueueUrl=queue, MaxNumberOfMessages=3).get(
                    "Messages", []
                )
                if not messages:
                    return
                with lock:
                    received.extend(m["Body"] for m in messages)
                client.delete_message_batch(
                    QueueUrl=queue,
                    Entries=[
                        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                        for i, m in enumerate(messages)
                    ],
                )
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=consume, daemon=True) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(JOIN_TIMEOUT_S)
    assert not errors, errors
    assert not any(t.is_alive() for t in threads)
    assert sorted(received) == sorted(bodies)
    assert counts(sqs, queue) == (0, 0, 0)


def test_empty_body_is_missing(sqs, queue):
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=queue, MessageBody="")
    assert_error(e, "MissingParameter", 400)


def test_receive_with_message_system_attribute_names(sqs, queue):
    """Current SDKs name system attributes in MessageSystemAttributeNames; the old
    AttributeNames is deprecated but still honoured."""
    operation = sqs.meta.service_model.operation_model("ReceiveMessage")
    if "MessageSystemAttributeNames" not in operation.input_shape.members:
        pytest.skip("this botocore predates MessageSystemAttributeNames")
    sqs.send_message(QueueUrl=queue, MessageBody="x")
    msg = receive_one(sqs, queue, MessageSystemAttributeNames=["SenderId", "SentTimestamp"])
    assert set(msg["Attributes"]) == {"SenderId", "SentTimestamp"}
    assert msg["Attributes"]["SenderId"] == ACCOUNT_ID


def test_queue_url_host_does_not_matter(sqs, server, queue):
    # Clients often hold queue URLs built for another host name; the path decides.
    other_host = queue.replace("127.0.0.1", "localhost")
    assert other_host != queue
    sqs.send_message(QueueUrl=other_host, MessageBody="via localhost")
    assert receive_one(sqs, queue)["Body"] == "via localhost"
