"""Message semantics as real AWS answers them, checked against recorded AWS responses
(LocalStack's AWS-validated snapshots, catalogued in the project's evidence notes):
FIFO group visibility and the order groups are served in, receipt handles that ran
out, message attribute names and filters, SendMessageBatch's whole-request errors and
size limit, and PurgeQueue's effect on FIFO deduplication. Time moves by the server's
test clock, never by sleeping."""

import pytest
from botocore.exceptions import ClientError

from sqs_helpers import assert_error, md5_of_message_attributes

MAX_BATCH_BYTES = 1_048_576


@pytest.fixture
def fifo_queue(make_queue):
    """fifo_queue(**attributes) -> url: a FIFO queue with content-based deduplication."""

    def _make(**attributes):
        return make_queue(".fifo", FifoQueue="true", ContentBasedDeduplication="true", **attributes)[
            0
        ]

    return _make


def send_to(sqs, url, *bodies_and_groups):
    for body, group in bodies_and_groups:
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=group)


def bodies(messages):
    return [m["Body"] for m in messages]


def receive(sqs, url, max_messages, **kwargs):
    return sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=max_messages, **kwargs).get(
        "Messages", []
    )


# ---------------------------------------------------------------------------------------
# FIFO group visibility and order.
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["visibility zero", "timeout runs out"])
def test_fifo_head_back_from_flight_unlocks_its_group(sqs, fifo_queue, advance, how):
    # AWS: g1-m1 and g1-m2 in flight (30 s); g1-m1 becomes visible again -> a receive
    # of 3 gives [g2-m1, g1-m1]: its group unlocks, g1-m2 stays in flight.
    url = fifo_queue(VisibilityTimeout="30")
    send_to(sqs, url, ("g1-m1", "group-1"), ("g1-m2", "group-1"), ("g2-m1", "group-2"))
    got = receive(sqs, url, 2)
    assert bodies(got) == ["g1-m1", "g1-m2"]
    if how == "visibility zero":
        sqs.change_message_visibility(
            QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"], VisibilityTimeout=0
        )
    else:
        sqs.change_message_visibility(
            QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"], VisibilityTimeout=1
        )
        advance(2_000)
    assert bodies(receive(sqs, url, 3)) == ["g2-m1", "g1-m1"]


@pytest.mark.parametrize(
    "extended, expected", [(0, []), (1, ["foo"]), (2, ["foo", "bar"])], ids=["first", "second", "third"]
)
def test_fifo_extending_one_message_keeps_it_and_later_ones_hidden(
    sqs, fifo_queue, advance, extended, expected
):
    # AWS (test_fifo_group_visibility_extends_with_change_message_visibility).
    url = fifo_queue(VisibilityTimeout="1")
    send_to(sqs, url, ("foo", "1"), ("bar", "1"), ("baz", "1"))
    got = receive(sqs, url, 3)
    assert bodies(got) == ["foo", "bar", "baz"]
    sqs.change_message_visibility(
        QueueUrl=url, ReceiptHandle=got[extended]["ReceiptHandle"], VisibilityTimeout=4
    )
    advance(2_500)
    assert bodies(receive(sqs, url, 5)) == expected


def test_fifo_a_group_just_served_goes_behind_groups_not_yet_served(sqs, fifo_queue):
    # AWS (test_fifo_receive_message_with_zero_visibility_timeout).
    url = fifo_queue()
    send_to(
        sqs,
        url,
        ("g1-m1", "group-1"),
        ("g2-m1", "group-2"),
        ("g2-m2", "group-2"),
        ("g3-m1", "group-3"),
        ("g1-m2", "group-1"),
    )
    assert bodies(receive(sqs, url, 3, VisibilityTimeout=0)) == ["g1-m1", "g1-m2", "g2-m1"]
    assert bodies(receive(sqs, url, 10, VisibilityTimeout=0)) == [
        "g3-m1",
        "g1-m1",
        "g1-m2",
        "g2-m1",
        "g2-m2",
    ]


def test_fifo_groups_back_from_a_timeout_queue_in_the_order_they_came_back(
    sqs, fifo_queue, advance
):
    # AWS (test_fifo_receive_message_visibility_timeout_shared_in_group).
    url = fifo_queue(VisibilityTimeout="1")
    send_to(
        sqs,
        url,
        ("g1-m1", "group-1"),
        ("g1-m2", "group-1"),
        ("g1-m3", "group-1"),
        ("g1-m4", "group-1"),
        ("g2-m1", "group-2"),
        ("g3-m1", "group-3"),
    )
    assert bodies(receive(sqs, url, 2)) == ["g1-m1", "g1-m2"]
    # The whole of group 1 waits behind its in-flight messages.
    assert bodies(receive(sqs, url, 1)) == ["g2-m1"]
    advance(2_000)
    assert bodies(receive(sqs, url, 10, VisibilityTimeout=0)) == [
        "g3-m1",
        "g1-m1",
        "g1-m2",
        "g1-m3",
        "g1-m4",
        "g2-m1",
    ]


def send_interleaved_groups(sqs, url):
    send_to(
        sqs,
        url,
        ("g1-m1", "group-1"),
        ("g2-m1", "group-2"),
        ("g1-m2", "group-1"),
        ("g2-m2", "group-2"),
        ("g1-m3", "group-1"),
        ("g1-m4", "group-1"),
        ("g3-m1", "group-3"),
    )


def test_fifo_a_group_with_its_first_message_in_flight_stays_locked(sqs, fifo_queue):
    # AWS (test_fifo_message_group_visibility_after_partial_delete).
    url = fifo_queue()
    send_interleaved_groups(sqs, url)
    got = receive(sqs, url, 2)
    assert bodies(got) == ["g1-m1", "g1-m2"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"])
    assert bodies(receive(sqs, url, 10)) == ["g2-m1", "g2-m2", "g3-m1"]


def test_fifo_a_group_unlocked_by_deletes_keeps_its_place(sqs, fifo_queue):
    # AWS (test_fifo_message_group_visibility_after_delete): g1-m3 was sent before g3-m1.
    url = fifo_queue()
    send_interleaved_groups(sqs, url)
    got = receive(sqs, url, 2)
    assert bodies(got) == ["g1-m1", "g1-m2"]
    for m in got:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    assert bodies(receive(sqs, url, 10)) == ["g2-m1", "g2-m2", "g1-m3", "g1-m4", "g3-m1"]


# ---------------------------------------------------------------------------------------
# Receipt handles.
# ---------------------------------------------------------------------------------------


def test_fifo_delete_with_a_handle_whose_timeout_ran_out_is_refused(sqs, fifo_queue, advance):
    # AWS (test_fifo_delete_after_visibility_timeout).
    url = fifo_queue(VisibilityTimeout="1")
    send_to(sqs, url, ("g1-m1", "1"))
    handle = receive(sqs, url, 1)[0]["ReceiptHandle"]
    advance(1_000)
    with pytest.raises(ClientError) as e:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=handle)
    assert_error(e, "InvalidParameterValue", 400)
    assert e.value.response["Error"]["Message"] == (
        f"Value {handle} for parameter ReceiptHandle is invalid. "
        "Reason: The receipt handle has expired."
    )
    # The message is still there.
    assert bodies(receive(sqs, url, 1)) == ["g1-m1"]


def test_fifo_delete_after_an_extended_timeout_works(sqs, fifo_queue, advance):
    # AWS (test_fifo_delete_after_visibility_timeout_extended).
    url = fifo_queue(VisibilityTimeout="1")
    send_to(sqs, url, ("g1-m1", "1"))
    handle = receive(sqs, url, 1)[0]["ReceiptHandle"]
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=5)
    advance(1_500)
    sqs.delete_message(QueueUrl=url, ReceiptHandle=handle)
    advance(10_000)
    assert receive(sqs, url, 10) == []


def test_standard_change_visibility_takes_expired_and_superseded_handles(sqs, queue, advance):
    # AWS (test_change_message_visibility_after_visibility_timeout_expiration,
    # test_extend_message_visibility_timeout_set_in_queue).
    sqs.send_message(QueueUrl=queue, MessageBody="m")
    first = receive(sqs, queue, 1, VisibilityTimeout=1)[0]["ReceiptHandle"]
    advance(1_000)
    # Expired: 200, and the message is hidden again.
    sqs.change_message_visibility(QueueUrl=queue, ReceiptHandle=first, VisibilityTimeout=10)
    assert receive(sqs, queue, 1) == []
    advance(10_000)
    again = receive(sqs, queue, 1, VisibilityTimeout=30)
    assert bodies(again) == ["m"]
    # Superseded by the later receive: still 200; 0 makes the message visible.
    sqs.change_message_visibility(QueueUrl=queue, ReceiptHandle=first, VisibilityTimeout=0)
    assert bodies(receive(sqs, queue, 1)) == ["m"]


# ---------------------------------------------------------------------------------------
# Message attributes.
# ---------------------------------------------------------------------------------------


def test_attribute_names_may_hold_letters_of_any_script(sqs, queue):
    # AWS (test_send_message_with_invalid_string_attributes) accepts this name.
    attributes = {"attr.1øßä": {"StringValue": "Valida", "DataType": "String"}}
    sent = sqs.send_message(QueueUrl=queue, MessageBody="test", MessageAttributes=attributes)
    assert sent["MD5OfMessageAttributes"] == md5_of_message_attributes(attributes)
    got = receive(sqs, queue, 1, MessageAttributeNames=["All"])[0]
    assert got["MessageAttributes"] == attributes
    for name in ["Invalid-!-attr", 'Invalid-"-attr', "Invalid-§-attr", "Invalid-(-attr"]:
        with pytest.raises(ClientError) as e:
            sqs.send_message(
                QueueUrl=queue,
                MessageBody="test",
                MessageAttributes={name: {"StringValue": "Valid", "DataType": "String"}},
            )
        assert_error(e, "InvalidParameterValue", 400)


@pytest.mark.parametrize(
    "value, type_name",
    [
        ({"StringValue": "", "DataType": "String"}, "String"),
        ({"StringValue": "", "DataType": "Number"}, "Number"),
        ({"BinaryValue": b"", "DataType": "Binary"}, "Binary"),
    ],
    ids=["String", "Number", "Binary"],
)
def test_an_empty_attribute_value_is_refused_naming_its_type(sqs, queue, value, type_name):
    # AWS (test_send_message_with_empty_string_attribute).
    with pytest.raises(ClientError) as e:
        sqs.send_message(
            QueueUrl=queue, MessageBody="test", MessageAttributes={"ErrorDetails": value}
        )
    assert_error(e, "InvalidParameterValue", 400)
    assert e.value.response["Error"]["Message"] == (
        f"Message (user) attribute 'ErrorDetails' must contain a non-empty value of type "
        f"'{type_name}'."
    )


@pytest.mark.parametrize(
    "names, expected, md5",
    [
        ([], None, None),
        (["All"], ["General", "Hello", "Help.Me"], "4c360f3fdafd970e05fae2f149d997f5"),
        (["*"], ["General", "Hello", "Help.Me"], "4c360f3fdafd970e05fae2f149d997f5"),
        ([".*"], ["General", "Hello", "Help.Me"], "4c360f3fdafd970e05fae2f149d997f5"),
        (["Foo", "Help"], None, None),
        (["Hello", "General"], ["General", "Hello"], "fca026605781cb4126a1e9044df24232"),
        (["Foo", "Hello"], ["Hello"], "a311262e065454b75da111d535b8dacd"),
        (["Hel.*"], ["Hello", "Help.Me"], "83fee93c1bcd8b9a5a923ffacdc636c7"),
        (["AWS."], None, None),
        (["..foo"], None, None),
    ],
)
def test_message_attribute_names_select_as_aws_does(sqs, queue, names, expected, md5):
    # AWS (test_receive_message_message_attribute_names_filters), digests as recorded.
    sqs.send_message(
        QueueUrl=queue,
        MessageBody="msg",
        MessageAttributes={
            "Help.Me": {"StringValue": "Me", "DataType": "String"},
            "Hello": {"StringValue": "There", "DataType": "String"},
            "General": {"StringValue": "Kenobi", "DataType": "String"},
        },
    )
    got = receive(sqs, queue, 1, MessageAttributeNames=names)[0]
    if expected is None:
        assert "MessageAttributes" not in got, got
        assert "MD5OfMessageAttributes" not in got, got
    else:
        assert sorted(got["MessageAttributes"]) == expected
        assert got["MD5OfMessageAttributes"] == md5


# ---------------------------------------------------------------------------------------
# SendMessageBatch.
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad_entry, message",
    [
        (
            {"MessageGroupId": "test-group"},
            "The queue should either have ContentBasedDeduplication enabled or "
            "MessageDeduplicationId provided explicitly",
        ),
        (
            {"MessageDeduplicationId": "dedup-2"},
            "The request must contain the parameter MessageGroupId.",
        ),
    ],
    ids=["no deduplication id", "no group"],
)
def test_fifo_batch_entry_without_group_or_dedup_fails_the_request(
    sqs, make_queue, bad_entry, message
):
    # AWS (test_send_batch_missing_deduplication_id_for_fifo_queue,
    # test_send_batch_missing_message_group_id_for_fifo_queue).
    url = make_queue(".fifo", FifoQueue="true", ContentBasedDeduplication="false")[0]
    entries = [
        {
            "Id": "good",
            "MessageBody": "messageBody",
            "MessageGroupId": "test-group",
            "MessageDeduplicationId": "dedup-1",
        },
        {"Id": "bad", "MessageBody": "messageBody", **bad_entry},
    ]
    with pytest.raises(ClientError) as e:
        sqs.send_message_batch(QueueUrl=url, Entries=entries)
    assert_error(e, "InvalidParameterValue", 400)
    assert e.value.response["Error"]["Message"] == message
    assert receive(sqs, url, 10) == []


def test_batch_size_counts_every_entry_even_one_that_fails(sqs, queue):
    # AWS (test_send_message_batch_with_oversized_contents): the limit covers bodies and
    # attributes of all entries; here the second entry would fail on its own.
    big = "a" * (MAX_BATCH_BYTES - 8)
    entries = [
        {
            "Id": "1",
            "MessageBody": big,
            "MessageAttributes": {"k": {"StringValue": "x", "DataType": "String"}},
        },
        {"Id": "2", "MessageBody": "bb", "DelaySeconds": 901},
    ]
    with pytest.raises(ClientError) as e:
        sqs.send_message_batch(QueueUrl=queue, Entries=entries)
    assert_error(e, "AWS.SimpleQueueService.BatchRequestTooLong", 400)
    assert e.value.response["Error"]["Message"] == (
        f"Batch requests cannot be longer than {MAX_BATCH_BYTES} bytes. "
        f"You have sent {MAX_BATCH_BYTES + 2} bytes."
    )


def test_an_oversized_batch_entry_cannot_be_validated(sqs, make_queue):
    # AWS (test_send_batch_message_size).
    url = make_queue(MaximumMessageSize="1024")[0]
    out = sqs.send_message_batch(
        QueueUrl=url,
        Entries=[
            {"Id": "fits", "MessageBody": "a" * 1024},
            {"Id": "too-big", "MessageBody": "a" * 1025},
        ],
    )
    assert [s["Id"] for s in out["Successful"]] == ["fits"]
    assert out["Failed"] == [
        {
            "Id": "too-big",
            "SenderFault": True,
            "Code": "InvalidParameterValue",
            "Message": "One or more parameters cannot be validated. "
            "Reason: Message must be shorter than 1024 bytes.",
        }
    ]


def test_batches_without_failures_leave_failed_out(sqs, queue):
    # AWS (2024 recordings): no "Failed" key when nothing failed.
    out = sqs.send_message_batch(
        QueueUrl=queue, Entries=[{"Id": "a", "MessageBody": "1"}, {"Id": "b", "MessageBody": "2"}]
    )
    assert "Failed" not in out
    assert len(out["Successful"]) == 2
    got = receive(sqs, queue, 10, VisibilityTimeout=60)
    changed = sqs.change_message_visibility_batch(
        QueueUrl=queue,
        Entries=[
            {"Id": f"c{i}", "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 30}
            for i, m in enumerate(got)
        ],
    )
    assert "Failed" not in changed
    assert len(changed["Successful"]) == 2
    deleted = sqs.delete_message_batch(
        QueueUrl=queue,
        Entries=[{"Id": f"d{i}", "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)],
    )
    assert "Failed" not in deleted
    assert len(deleted["Successful"]) == 2


# ---------------------------------------------------------------------------------------
# Deduplication.
# ---------------------------------------------------------------------------------------


def test_purge_clears_fifo_deduplication(sqs, make_queue):
    # AWS (test_purge_queue_clears_fifo_deduplication_cache).
    url = make_queue(".fifo", FifoQueue="true")[0]

    def send(body):
        sqs.send_message(
            QueueUrl=url, MessageBody=body, MessageGroupId="g", MessageDeduplicationId="d1"
        )

    send("first")
    send("duplicate")
    assert bodies(receive(sqs, url, 10, VisibilityTimeout=0)) == ["first"]
    sqs.purge_queue(QueueUrl=url)
    send("after purge")
    assert bodies(receive(sqs, url, 10)) == ["after purge"]


def test_deduplication_follows_a_scope_changed_to_queue(sqs, make_queue):
    # AWS (test_fifo_change_to_regular_throughput_after_creation): an id used in one
    # group under the messageGroup scope is new in another group after the switch.
    url = make_queue(
        ".fifo",
        FifoQueue="true",
        DeduplicationScope="messageGroup",
        FifoThroughputLimit="perMessageGroupId",
    )[0]

    def send(body, group, dedup):
        sqs.send_message(
            QueueUrl=url, MessageBody=body, MessageGroupId=group, MessageDeduplicationId=dedup
        )

    send("Test1", "group1", "same")
    send("Test2", "group2", "same")
    sqs.set_queue_attributes(
        QueueUrl=url, Attributes={"DeduplicationScope": "queue", "FifoThroughputLimit": "perQueue"}
    )
    send("Test3", "group3", "same")
    # From then on deduplication is queue-wide.
    send("Test4", "group4", "fresh")
    send("Test5", "group5", "fresh")
    got = bodies(receive(sqs, url, 10))
    assert sorted(got) == ["Test1", "Test2", "Test3", "Test4"]
