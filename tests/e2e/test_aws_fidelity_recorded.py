"""A second pass over AWS's recorded SQS answers, one test per recorded answer (or a few
closely tied ones), under whichever protocol the installed botocore speaks.

The recordings are AWS's own responses kept in LocalStack's snapshot files
(tests/aws/services/sqs/test_sqs.snapshot.json and test_sqs_move_task.snapshot.json),
plus assertions of tests validated against AWS. Each test names the recorded test it
follows; where a recording changed over time the newest is followed (1 MiB message
size, members left out of JSON answers when empty)."""

import base64
import json
import xml.etree.ElementTree as ET

import botocore.exceptions
import pytest

from sqs_helpers import assert_error, md5_hex, md5_of_message_attributes, wire_protocol
from test_aws_fidelity_queues import wait_for_status
from test_wire import NS, http, json_call, query

STANDARD_ALL = {
    "ApproximateNumberOfMessages": "0",
    "ApproximateNumberOfMessagesDelayed": "0",
    "ApproximateNumberOfMessagesNotVisible": "0",
    "DelaySeconds": "0",
    "MaximumMessageSize": "1048576",
    "MessageRetentionPeriod": "345600",
    "ReceiveMessageWaitTimeSeconds": "0",
    "SqsManagedSseEnabled": "true",
    "VisibilityTimeout": "30",
}
TIMESTAMP_AND_ARN = {"CreatedTimestamp", "LastModifiedTimestamp", "QueueArn"}
FIFO_EXTRA = {
    "ContentBasedDeduplication": "false",
    "DeduplicationScope": "queue",
    "FifoQueue": "true",
    "FifoThroughputLimit": "perQueue",
}


def refused(call, code, status, json_type, message):
    """Runs `call`, which must fail with AWS's code, status, JSON `__type` and text."""
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call()
    assert_error(e, code, status, json_type)
    assert e.value.response["Error"]["Message"] == message
    return e.value.response


def invalid_value(call, message):
    return refused(call, "InvalidParameterValue", 400, "InvalidParameterValueException", message)


def attrs_of(sqs, url, *names):
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=list(names) or ["All"]).get(
        "Attributes"
    )


def name_of(url):
    return url.rsplit("/", 1)[1]


@pytest.fixture
def fifo(make_queue):
    return make_queue(".fifo", FifoQueue="true")[0]


# --- CreateQueue ---------------------------------------------------------------------


def test_create_queue_with_different_attributes_raises_exception(sqs, unique_name):
    name = unique_name()
    url = sqs.create_queue(
        QueueName=name, Attributes={"ReceiveMessageWaitTimeSeconds": "1", "DelaySeconds": "1"}
    )["QueueUrl"]
    assert sqs.create_queue(QueueName=name)["QueueUrl"] == url
    assert sqs.create_queue(QueueName=name, Attributes={"DelaySeconds": "1"})["QueueUrl"] == url
    sqs.send_message(QueueUrl=url, MessageBody="counters do not count")
    assert sqs.create_queue(QueueName=name, Attributes={"DelaySeconds": "1"})["QueueUrl"] == url
    refused(
        lambda: sqs.create_queue(QueueName=name, Attributes={"DelaySeconds": "2"}),
        "QueueAlreadyExists",
        400,
        "QueueNameExists",
        "A queue already exists with the same name and a different value for attribute "
        "DelaySeconds",
    )
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"DelaySeconds": "2"})
    assert sqs.create_queue(QueueName=name, Attributes={"DelaySeconds": "2"})["QueueUrl"] == url
    with pytest.raises(botocore.exceptions.ClientError):
        sqs.create_queue(QueueName=name, Attributes={"DelaySeconds": "1"})


def test_create_fifo_queue_with_different_attributes_raises_error(sqs, unique_name):
    name = unique_name(".fifo")
    attrs = {"FifoQueue": "true", "ContentBasedDeduplication": "true"}
    url = sqs.create_queue(QueueName=name, Attributes=attrs)["QueueUrl"]
    assert name_of(url) == name
    assert sqs.create_queue(QueueName=name, Attributes=attrs)["QueueUrl"] == url
    refused(
        lambda: sqs.create_queue(
            QueueName=name,
            Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "false"},
        ),
        "QueueAlreadyExists",
        400,
        "QueueNameExists",
        "A queue already exists with the same name and a different value for attribute "
        "ContentBasedDeduplication",
    )


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("FifoQueue", "false", "Unknown Attribute FifoQueue."),
        ("ContentBasedDeduplication", "false", "Unknown Attribute ContentBasedDeduplication."),
        (
            "DeduplicationScope",
            "queue",
            "You can specify the DeduplicationScope only when FifoQueue is set to true.",
        ),
        (
            "FifoThroughputLimit",
            "perQueue",
            "You can specify the FifoThroughputLimit only when FifoQueue is set to true.",
        ),
    ],
)
def test_create_standard_queue_with_fifo_attribute_raises_error(
    sqs, unique_name, name, value, message
):
    refused(
        lambda: sqs.create_queue(QueueName=unique_name(), Attributes={name: value}),
        "InvalidAttributeName",
        400,
        "InvalidAttributeName",
        message,
    )


def test_invalid_dead_letter_arn_rejected_before_lookup(sqs, unique_name):
    policy = json.dumps({"deadLetterTargetArn": "dummy", "maxReceiveCount": 42})
    invalid_value(
        lambda: sqs.create_queue(QueueName=unique_name(), Attributes={"RedrivePolicy": policy}),
        f"Value {policy} for parameter RedrivePolicy is invalid. "
        "Reason: Invalid value for deadLetterTargetArn.",
    )


def test_fifo_attribute_and_fifo_name_must_agree(sqs, unique_name):
    for args in (
        {"QueueName": unique_name(), "Attributes": {"FifoQueue": "true"}},
        {"QueueName": unique_name(".fifo")},
    ):
        with pytest.raises(botocore.exceptions.ClientError) as e:
            sqs.create_queue(**args)
        assert_error(e, "InvalidParameterValue", 400, "InvalidParameterValueException")


def test_redrive_policy_max_receive_count_is_a_number(sqs, make_queue):
    _, dlq_arn = make_queue()
    url, _ = make_queue(
        RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 10})
    )
    policy = json.loads(attrs_of(sqs, url, "RedrivePolicy")["RedrivePolicy"])
    assert policy["maxReceiveCount"] == 10


# --- GetQueueUrl, ListQueues, DeleteQueue ----------------------------------------------


def test_non_existent_queue(sqs, unique_name):
    name = unique_name()
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    sqs.delete_queue(QueueUrl=url)
    message = {
        "json": "The specified queue does not exist.",
        "query": "The specified queue does not exist for this wsdl version.",
    }[wire_protocol()]
    for call in (
        lambda: sqs.get_queue_attributes(QueueUrl=url),
        lambda: sqs.get_queue_url(QueueName=name),
    ):
        refused(call, "AWS.SimpleQueueService.NonExistentQueue", 400, "QueueDoesNotExist", message)


def test_list_queues_with_a_prefix_matching_nothing_has_no_queue_urls(sqs, unique_name):
    assert "QueueUrls" not in sqs.list_queues(QueueNamePrefix=unique_name())


def test_list_queues_pagination(sqs, unique_name):
    prefix = unique_name()
    urls = [sqs.create_queue(QueueName=f"{prefix}-{i}")["QueueUrl"] for i in range(10)]
    first = sqs.list_queues(QueueNamePrefix=prefix, MaxResults=2)
    assert first["QueueUrls"] == sorted(urls)[:2]
    rest = sqs.list_queues(QueueNamePrefix=prefix, MaxResults=10, NextToken=first["NextToken"])
    assert rest["QueueUrls"] == sorted(urls)[2:]
    assert "NextToken" not in rest


def test_list_queues_without_max_results_gives_no_next_token(sqs, queue):
    listed = sqs.list_queues(QueueNamePrefix=name_of(queue))
    assert listed["QueueUrls"] == [queue]
    assert "NextToken" not in listed


# --- GetQueueAttributes / SetQueueAttributes --------------------------------------------


def test_set_queue_attributes_default_values_standard(sqs, queue):
    attrs = attrs_of(sqs, queue)
    assert set(attrs) == set(STANDARD_ALL) | TIMESTAMP_AND_ARN
    assert {k: attrs[k] for k in STANDARD_ALL} == STANDARD_ALL
    assert attrs["CreatedTimestamp"].isdigit() and attrs["LastModifiedTimestamp"].isdigit()


def test_set_queue_attributes_default_values_fifo(sqs, fifo):
    attrs = attrs_of(sqs, fifo)
    expected = {**STANDARD_ALL, **FIFO_EXTRA}
    assert set(attrs) == set(expected) | TIMESTAMP_AND_ARN
    assert {k: attrs[k] for k in expected} == expected


def test_kms_attributes_come_and_go(sqs, queue):
    sqs.set_queue_attributes(
        QueueUrl=queue,
        Attributes={"KmsMasterKeyId": "testKeyId", "KmsDataKeyReusePeriodSeconds": "6000"},
    )
    attrs = attrs_of(sqs, queue)
    assert attrs["KmsMasterKeyId"] == "testKeyId"
    assert attrs["KmsDataKeyReusePeriodSeconds"] == "6000"
    assert attrs["SqsManagedSseEnabled"] == "false"
    assert attrs_of(
        sqs, queue, "KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds", "SqsManagedSseEnabled"
    ) == {
        "KmsMasterKeyId": "testKeyId",
        "KmsDataKeyReusePeriodSeconds": "6000",
        "SqsManagedSseEnabled": "false",
    }
    sqs.set_queue_attributes(
        QueueUrl=queue,
        Attributes={"KmsMasterKeyId": "", "KmsDataKeyReusePeriodSeconds": "300"},
    )
    attrs = attrs_of(sqs, queue)
    assert "KmsMasterKeyId" not in attrs and "KmsDataKeyReusePeriodSeconds" not in attrs
    assert attrs["SqsManagedSseEnabled"] == "false"


def test_sse_queue_attributes_of_an_sqs_sse_queue(sqs, queue):
    assert attrs_of(
        sqs, queue, "KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds", "SqsManagedSseEnabled"
    ) == {"SqsManagedSseEnabled": "true"}


def test_sse_kms_and_sqs_are_mutually_exclusive(sqs, queue):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sqs.set_queue_attributes(
            QueueUrl=queue,
            Attributes={"KmsMasterKeyId": "testKeyId", "SqsManagedSseEnabled": "true"},
        )
    assert str(e.value) == (
        "An error occurred (InvalidAttributeName) when calling the SetQueueAttributes "
        "operation: You can use one type of server-side encryption (SSE) at one time. "
        "You can either enable KMS SSE or SQS SSE."
    )


@pytest.mark.parametrize("value", ["true", "false"])
def test_set_unsupported_attribute_standard(sqs, queue, value):
    refused(
        lambda: sqs.set_queue_attributes(QueueUrl=queue, Attributes={"FifoQueue": value}),
        "InvalidAttributeName",
        400,
        "InvalidAttributeName",
        "Unknown Attribute FifoQueue.",
    )


def test_set_unsupported_attribute_fifo(sqs, fifo):
    sqs.set_queue_attributes(QueueUrl=fifo, Attributes={"FifoQueue": "true"})
    refused(
        lambda: sqs.set_queue_attributes(QueueUrl=fifo, Attributes={"FifoQueue": "false"}),
        "InvalidAttributeValue",
        400,
        "InvalidAttributeValue",
        "Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not "
        "supported.",
    )


@pytest.mark.parametrize(
    "action, attributes",
    [
        ("SetQueueAttributes", {"FifoQueue": "true"}),
        ("SetQueueAttributes", {"KmsMasterKeyId": "k", "SqsManagedSseEnabled": "true"}),
    ],
)
def test_attribute_errors_carry_a_lowercase_json_message(server, queue, action, attributes):
    if wire_protocol() != "json":
        pytest.skip("the JSON body's members")
    status, headers, body = json_call(server, action, {"QueueUrl": queue, "Attributes": attributes})
    assert status == 400, body
    doc = json.loads(body)
    assert doc["__type"] == "com.amazonaws.sqs#InvalidAttributeName"
    assert doc["message"]
    assert headers["x-amzn-query-error"] == "InvalidAttributeName;Sender"


def test_create_and_update_queue_attributes(sqs, queue, fifo):
    sqs.set_queue_attributes(
        QueueUrl=queue,
        Attributes={"MaximumMessageSize": "2048", "VisibilityTimeout": "69", "DelaySeconds": "420"},
    )
    attrs = attrs_of(sqs, queue, "MaximumMessageSize", "VisibilityTimeout", "DelaySeconds")
    assert attrs == {"MaximumMessageSize": "2048", "VisibilityTimeout": "69", "DelaySeconds": "420"}
    sqs.set_queue_attributes(QueueUrl=fifo, Attributes={"ContentBasedDeduplication": "false"})
    assert attrs_of(sqs, fifo, "ContentBasedDeduplication") == {"ContentBasedDeduplication": "false"}


def test_empty_strings_remove_policies(sqs, make_queue):
    _, dlq_arn = make_queue()
    url, _ = make_queue()
    name = name_of(url)
    sqs.set_queue_attributes(QueueUrl=name, Attributes={"RedrivePolicy": ""})
    sqs.set_queue_attributes(
        QueueUrl=url,
        Attributes={
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2})
        },
    )
    sqs.add_permission(
        QueueUrl=url, Label="l", AWSAccountIds=["668614515564"], Actions=["SendMessage"]
    )
    assert {"RedrivePolicy", "Policy"} <= set(attrs_of(sqs, name))
    sqs.set_queue_attributes(QueueUrl=name, Attributes={"RedrivePolicy": "", "Policy": ""})
    attrs = attrs_of(sqs, url)
    assert "RedrivePolicy" not in attrs and "Policy" not in attrs
    assert "Attributes" not in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])


def test_query_get_queue_attributes_on_the_queue_url(queue, fifo):
    status, _, body = query(queue, method="GET", Action="GetQueueAttributes", **{"AttributeName.1": "All"})
    assert status == 200, body
    assert b"<GetQueueAttributesResponse" in body
    assert b"<Attribute><Name>QueueArn</Name><Value>arn:aws:sqs:" in body
    assert b"<Attribute><Name>VisibilityTimeout</Name><Value>30" in body
    status, _, body = query(
        queue, method="GET", Action="GetQueueAttributes", **{"AttributeName.1": "QueueArn"}
    )
    assert status == 200 and b"QueueArn" in body and b"VisibilityTimeout" not in body
    status, _, body = query(
        fifo, method="GET", Action="GetQueueAttributes", **{"AttributeName.1": "All"}
    )
    assert b"<Name>FifoQueue</Name><Value>true</Value>" in body
    status, _, body = query(
        queue, method="GET", Action="GetQueueAttributes", **{"AttributeName.1": "Foobar"}
    )
    assert status == 400, body
    doc = ET.fromstring(body)
    assert doc.find("sqs:Error/sqs:Type", NS).text == "Sender"
    assert doc.find("sqs:Error/sqs:Code", NS).text == "InvalidAttributeName"
    assert doc.find("sqs:Error/sqs:Message", NS).text == "Unknown Attribute Foobar."


# --- SendMessage ---------------------------------------------------------------------


def test_send_empty_message(sqs, queue):
    refused(
        lambda: sqs.send_message(QueueUrl=queue, MessageBody=""),
        "MissingParameter",
        400,
        "MissingRequiredParameterException",
        "The request must contain the parameter MessageBody.",
    )


def test_send_oversized_message(sqs, queue):
    attrs = {"k": {"DataType": "String", "StringValue": "x"}}
    invalid_value(
        lambda: sqs.send_message(
            QueueUrl=queue, MessageBody="a" * (1048576 - 8 + 1), MessageAttributes=attrs
        ),
        "One or more parameters are invalid. Reason: Message must be shorter than 1048576 bytes.",
    )
    sqs.send_message(QueueUrl=queue, MessageBody="a" * (1048576 - 8), MessageAttributes=attrs)


def test_send_message_with_updated_maximum_message_size(sqs, make_queue):
    url, _ = make_queue(MaximumMessageSize=1024)
    sqs.send_message(QueueUrl=url, MessageBody="a" * 1024)
    invalid_value(
        lambda: sqs.send_message(
            QueueUrl=url,
            MessageBody="a" * 1017,
            MessageAttributes={"k": {"DataType": "String", "StringValue": "x"}},
        ),
        "One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes.",
    )


def test_fifo_queue_send_message_with_delay_seconds_fails(sqs, fifo):
    invalid_value(
        lambda: sqs.send_message(
            QueueUrl=fifo,
            MessageBody="m",
            MessageGroupId="g",
            MessageDeduplicationId="d",
            DelaySeconds=2,
        ),
        "Value 2 for parameter DelaySeconds is invalid. Reason: The request include parameter "
        "that is not valid for this queue type.",
    )


def test_fifo_queue_send_message_with_zero_delay_defaults_to_queue_delay(
    sqs, make_queue, advance
):
    url, _ = make_queue(".fifo", FifoQueue="true", DelaySeconds=2)
    sqs.send_message(
        QueueUrl=url, MessageBody="m", MessageGroupId="g", MessageDeduplicationId="d", DelaySeconds=0
    )
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    advance(2_000)
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "m"


def test_posting_to_fifo_requires_deduplicationid_group_id(sqs, fifo):
    invalid_value(
        lambda: sqs.send_message(QueueUrl=fifo, MessageBody="m", MessageGroupId="g"),
        "The queue should either have ContentBasedDeduplication enabled or "
        "MessageDeduplicationId provided explicitly",
    )
    refused(
        lambda: sqs.send_message(QueueUrl=fifo, MessageBody="m", MessageDeduplicationId="d"),
        "MissingParameter",
        400,
        "MissingRequiredParameterException",
        "The request must contain the parameter MessageGroupId.",
    )


@pytest.mark.parametrize("bad", ["", "a" * 129, "group 123"])
def test_message_deduplication_id_invalid(sqs, fifo, bad):
    invalid_value(
        lambda: sqs.send_message(
            QueueUrl=fifo, MessageBody="m", MessageGroupId="g", MessageDeduplicationId=bad
        ),
        f"Value {bad} for parameter MessageDeduplicationId is invalid. Reason: "
        "MessageDeduplicationId can only include alphanumeric and punctuation characters. "
        "1 to 128 in length.",
    )


def test_message_deduplication_id_success(sqs, fifo):
    sqs.send_message(
        QueueUrl=fifo, MessageBody="m", MessageGroupId="g", MessageDeduplicationId="a" * 128
    )


@pytest.mark.parametrize("bad", ["", "a" * 129, "group 123"])
def test_send_message_to_standard_queue_with_invalid_message_group_id(sqs, queue, bad):
    invalid_value(
        lambda: sqs.send_message(QueueUrl=queue, MessageBody="m", MessageGroupId=bad),
        f"Value {bad} for parameter MessageGroupId is invalid. Reason: MessageGroupId can "
        "only include alphanumeric and punctuation characters. 1 to 128 in length.",
    )


@pytest.mark.parametrize("bad", ["", "a" * 129, "group 123"])
def test_fifo_message_group_id_invalid(sqs, fifo, bad):
    invalid_value(
        lambda: sqs.send_message(
            QueueUrl=fifo, MessageBody="m", MessageGroupId=bad, MessageDeduplicationId="d"
        ),
        f"Value {bad} for parameter MessageGroupId is invalid. Reason: MessageGroupId can "
        "only include alphanumeric and punctuation characters. 1 to 128 in length.",
    )


def test_fair_queue_with_message_group_id(sqs, queue):
    sent = sqs.send_message(QueueUrl=queue, MessageBody="fair", MessageGroupId="test")
    assert {"MD5OfMessageBody", "MessageId"} <= set(sent)
    assert "SequenceNumber" not in sent
    msg = sqs.receive_message(QueueUrl=queue, AttributeNames=["All"])["Messages"][0]
    assert set(msg["Attributes"]) == {
        "ApproximateFirstReceiveTimestamp",
        "ApproximateReceiveCount",
        "MessageGroupId",
        "SenderId",
        "SentTimestamp",
    }
    assert msg["Attributes"]["MessageGroupId"] == "test"
    assert msg["Attributes"]["ApproximateReceiveCount"] == "1"


def test_send_message_with_empty_string_attribute(sqs, queue):
    invalid_value(
        lambda: sqs.send_message(
            QueueUrl=queue,
            MessageBody="m",
            MessageAttributes={"ErrorDetails": {"StringValue": "", "DataType": "String"}},
        ),
        "Message (user) attribute 'ErrorDetails' must contain a non-empty value of type 'String'.",
    )


@pytest.mark.parametrize(
    "name, attribute",
    [
        ("a", {"DataType": "String", "StringValue": "bad" + chr(8)}),
        ("a", {"DataType": "String", "StringValue": "bad" + chr(11)}),
        ("aWs.x", {"DataType": "String", "StringValue": "v"}),
        ("AMAZON.x", {"DataType": "String", "StringValue": "v"}),
        (".x", {"DataType": "String", "StringValue": "v"}),
        ("x.", {"DataType": "String", "StringValue": "v"}),
        ("a!", {"DataType": "String", "StringValue": "v"}),
        ('a"', {"DataType": "String", "StringValue": "v"}),
        ("a§", {"DataType": "String", "StringValue": "v"}),
        ("a(", {"DataType": "String", "StringValue": "v"}),
        ("a?", {"DataType": "String", "StringValue": "v"}),
        ("a" * 257, {"DataType": "String", "StringValue": "v"}),
        ("a", {"DataType": "Invalid", "StringValue": "v"}),
        ("a", {"DataType": "Number." + "a" * 256, "StringValue": "1"}),
    ],
)
def test_send_message_with_invalid_string_attributes(sqs, queue, name, attribute):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sqs.send_message(QueueUrl=queue, MessageBody="m", MessageAttributes={name: attribute})
    assert_error(e, "InvalidParameterValue", 400, "InvalidParameterValueException")
    assert "Invalid" in str(e.value)


def test_attribute_names_of_any_script_with_dots(sqs, queue):
    sqs.send_message(
        QueueUrl=queue,
        MessageBody="m",
        MessageAttributes={"attr.1øßä": {"DataType": "String", "StringValue": "v"}},
    )


@pytest.mark.parametrize("char", [0, 8, 19, 65535])
def test_send_message_with_invalid_characters(sqs, queue, char):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sqs.send_message(QueueUrl=queue, MessageBody="a" + chr(char) + "b")
    assert e.value.response["Error"]["Code"] == "InvalidMessageContents"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


@pytest.mark.parametrize("body", ['"&quot;&quot;\r', '{\r\n  "a": 1\r\n}'])
def test_message_bodies_with_carriage_returns_round_trip(sqs, queue, body):
    sent = sqs.send_message(QueueUrl=queue, MessageBody=body)
    assert sent["MD5OfMessageBody"] == md5_hex(body.encode())
    msg = sqs.receive_message(QueueUrl=queue)["Messages"][0]
    assert msg["Body"] == body
    assert msg["MD5OfBody"] == md5_hex(body.encode())


def test_send_message_with_binary_attributes(sqs, queue):
    value = b"traceparent\x1e00-774062d6c37081a5a0b9b5b88e30627c-2d2482211f6489da-01"
    attrs = {"attr1": {"DataType": "Binary", "BinaryValue": value}}
    sent = sqs.send_message(QueueUrl=queue, MessageBody="b", MessageAttributes=attrs)
    assert sent["MD5OfMessageAttributes"] == "8cbe4db156db8a94db8b801b7addb984"
    msg = sqs.receive_message(QueueUrl=queue, MessageAttributeNames=["All"])["Messages"][0]
    assert msg["MessageAttributes"]["attr1"]["BinaryValue"] == value
    assert msg["MD5OfMessageAttributes"] == "8cbe4db156db8a94db8b801b7addb984"


def s(value):
    return {"DataType": "String", "StringValue": value}


@pytest.mark.parametrize(
    "body, attributes, body_md5, attrs_md5",
    [
        ("msg", None, "6e2baaf3b97dbeef01c0043275f9a0e7", None),
        ("message", None, "78e731027d8fd50ed642340b7c9a63b3", None),
        (
            "test",
            {"Help.Me": s("Me"), "Hello": s("There"), "General": s("Kenobi")},
            "098f6bcd4621d373cade4e832627b4f6",
            "4c360f3fdafd970e05fae2f149d997f5",
        ),
        ("test", {"Foo": s("Bar")}, None, "ae7155c6026991b6d54b11589678bf9c"),
        (
            "test",
            {"timestamp": {"DataType": "Number", "StringValue": "1493147359900"}},
            None,
            "235c5c510d26fb653d073faed50ae77c",
        ),
        ("test", {"MyAttribute": s("foobar")}, None, "adb59cd4678ea5a855436b949cd07ab6"),
        ("a" * 2040, {"k": s("x")}, "f44facf5a7ee0af446ecf3e0f854441e", "a45daa70926828a2f0a1db3418e6feb4"),
    ],
)
def test_recorded_digests(sqs, queue, body, attributes, body_md5, attrs_md5):
    args = {"QueueUrl": queue, "MessageBody": body}
    if attributes:
        args["MessageAttributes"] = attributes
    sent = sqs.send_message(**args)
    if body_md5:
        assert sent["MD5OfMessageBody"] == body_md5
    if attrs_md5:
        assert sent["MD5OfMessageAttributes"] == attrs_md5
        assert md5_of_message_attributes(attributes) == attrs_md5
    else:
        assert "MD5OfMessageAttributes" not in sent
    assert "MD5OfMessageSystemAttributes" not in sent


def test_system_attributes_have_no_effect_on_attr_md5(sqs, queue):
    trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
    attrs = {"Foo": s("Bar")}
    plain = sqs.send_message(QueueUrl=queue, MessageBody="m", MessageAttributes=attrs)
    traced = sqs.send_message(
        QueueUrl=queue,
        MessageBody="m",
        MessageAttributes=attrs,
        MessageSystemAttributes={"AWSTraceHeader": s(trace)},
    )
    assert traced["MD5OfMessageSystemAttributes"] == "5ae4d5d7636402d80f4eb6d213245a88"
    assert traced["MD5OfMessageAttributes"] == plain["MD5OfMessageAttributes"]
    assert "MD5OfMessageSystemAttributes" not in plain


def test_sequence_numbers_only_on_fifo_and_increasing(sqs, queue, fifo):
    assert "SequenceNumber" not in sqs.send_message(QueueUrl=queue, MessageBody="m")
    numbers = [
        int(
            sqs.send_message(
                QueueUrl=fifo, MessageBody="m", MessageGroupId="g", MessageDeduplicationId=str(i)
            )["SequenceNumber"]
        )
        for i in range(3)
    ]
    assert numbers == sorted(set(numbers))


# --- SendMessageBatch ----------------------------------------------------------------


def test_send_message_batch_with_oversized_contents(sqs, queue):
    refused(
        lambda: sqs.send_message_batch(
            QueueUrl=queue,
            Entries=[
                {
                    "Id": "1",
                    "MessageBody": "a" * (1048576 - 8),
                    "MessageAttributes": {"k": s("x")},
                },
                {"Id": "2", "MessageBody": "a"},
            ],
        ),
        "AWS.SimpleQueueService.BatchRequestTooLong",
        400,
        "BatchRequestTooLong",
        "Batch requests cannot be longer than 1048576 bytes. You have sent 1048577 bytes.",
    )


def test_send_message_batch_with_updated_maximum_message_size(sqs, make_queue):
    url, _ = make_queue(MaximumMessageSize=2048)
    result = sqs.send_message_batch(
        QueueUrl=url,
        Entries=[
            {"Id": "1", "MessageBody": "a" * 2040, "MessageAttributes": {"k": s("x")}},
            {"Id": "2", "MessageBody": "a"},
        ],
    )
    assert "Failed" not in result
    one, two = sorted(result["Successful"], key=lambda e: e["Id"])
    assert set(one) == {"Id", "MD5OfMessageAttributes", "MD5OfMessageBody", "MessageId"}
    assert one["MD5OfMessageAttributes"] == "a45daa70926828a2f0a1db3418e6feb4"
    assert one["MD5OfMessageBody"] == "f44facf5a7ee0af446ecf3e0f854441e"
    assert set(two) == {"Id", "MD5OfMessageBody", "MessageId"}
    assert two["MD5OfMessageBody"] == "0cc175b9c0f1b6a831c399e269772661"


def test_send_batch_message_size(sqs, make_queue):
    url, _ = make_queue(MaximumMessageSize=1024)
    result = sqs.send_message_batch(
        QueueUrl=url,
        Entries=[{"Id": "ok", "MessageBody": "a" * 1024}, {"Id": "big", "MessageBody": "a" * 1025}],
    )
    assert result["Failed"] == [
        {
            "Code": "InvalidParameterValue",
            "Id": "big",
            "Message": "One or more parameters cannot be validated. Reason: Message must be "
            "shorter than 1024 bytes.",
            "SenderFault": True,
        }
    ]
    assert [set(e) for e in result["Successful"]] == [{"Id", "MD5OfMessageBody", "MessageId"}]


def test_too_many_entries_in_batch_request(sqs, queue):
    refused(
        lambda: sqs.send_message_batch(
            QueueUrl=queue, Entries=[{"Id": str(i), "MessageBody": "m"} for i in range(20)]
        ),
        "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
        400,
        "TooManyEntriesInBatchRequest",
        "Maximum number of entries per request are 10. You have sent 20.",
    )


BAD_ID = (
    "A batch entry id can only contain alphanumeric characters, hyphens and underscores. "
    "It can be at most 80 letters long."
)


def test_invalid_batch_id(sqs, queue):
    refused(
        lambda: sqs.send_message_batch(
            QueueUrl=queue, Entries=[{"Id": "message:1234", "MessageBody": "m"}]
        ),
        "AWS.SimpleQueueService.InvalidBatchEntryId",
        400,
        "InvalidBatchEntryId",
        BAD_ID,
    )


def test_send_batch_missing_deduplication_id_for_fifo_queue(sqs, fifo):
    invalid_value(
        lambda: sqs.send_message_batch(
            QueueUrl=fifo,
            Entries=[
                {"Id": "1", "MessageBody": "m", "MessageGroupId": "g", "MessageDeduplicationId": "d"},
                {"Id": "2", "MessageBody": "m", "MessageGroupId": "g"},
            ],
        ),
        "The queue should either have ContentBasedDeduplication enabled or "
        "MessageDeduplicationId provided explicitly",
    )


def test_send_batch_missing_message_group_id_for_fifo_queue(sqs, fifo):
    invalid_value(
        lambda: sqs.send_message_batch(
            QueueUrl=fifo,
            Entries=[
                {"Id": "1", "MessageBody": "m", "MessageGroupId": "g", "MessageDeduplicationId": "d"},
                {"Id": "2", "MessageBody": "m", "MessageDeduplicationId": "e"},
            ],
        ),
        "The request must contain the parameter MessageGroupId.",
    )


def test_batch_entry_with_invalid_contents_fails_alone(sqs, queue):
    entries = [{"Id": str(i), "MessageBody": f"m{i}"} for i in range(9)]
    entries.append({"Id": "9", "MessageBody": "\x01"})
    result = sqs.send_message_batch(QueueUrl=queue, Entries=entries)
    assert len(result["Successful"]) == 9
    [failed] = result["Failed"]
    assert (failed["Id"], failed["Code"], failed["SenderFault"]) == ("9", "InvalidMessageContents", True)


def test_empty_batch_request(sqs, queue):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sqs.send_message_batch(QueueUrl=queue, Entries=[])
    assert "EmptyBatchRequest" in e.value.response["Error"]["Code"]
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] in (400, 404)


# --- ReceiveMessage ------------------------------------------------------------------


def test_send_receive_max_number_of_messages(sqs, queue):
    invalid_value(
        lambda: sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=11),
        "Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and "
        "10, if provided.",
    )


@pytest.mark.parametrize("wait", [21, -1])
def test_send_receive_wait_time_seconds(sqs, queue, wait):
    invalid_value(
        lambda: sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=wait),
        f"Value {wait} for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= "
        "20, if provided.",
    )


def test_receive_empty_queue(sqs, queue, fifo):
    for url in (queue, fifo):
        assert "Messages" not in sqs.receive_message(QueueUrl=url)


def test_receive_message_attribute_names_filters(sqs, queue):
    sqs.send_message(QueueUrl=queue, MessageBody="m")
    msg = sqs.receive_message(QueueUrl=queue, AttributeNames=["All"], VisibilityTimeout=0)[
        "Messages"
    ][0]
    assert set(msg["Attributes"]) == {
        "ApproximateFirstReceiveTimestamp",
        "ApproximateReceiveCount",
        "SenderId",
        "SentTimestamp",
    }
    for key in ("ApproximateFirstReceiveTimestamp", "SentTimestamp"):
        assert msg["Attributes"][key].isdigit()
    msg = sqs.receive_message(QueueUrl=queue, AttributeNames=["SenderId"], VisibilityTimeout=0)[
        "Messages"
    ][0]
    assert set(msg["Attributes"]) == {"SenderId"}
    msg = sqs.receive_message(
        QueueUrl=queue, AttributeNames=["SenderId", "SequenceNumber"], VisibilityTimeout=0
    )["Messages"][0]
    assert set(msg["Attributes"]) == {"SenderId"}


def test_receive_message_message_system_attribute_names_filters(sqs, queue):
    if "MessageSystemAttributeNames" not in sqs.meta.service_model.operation_model(
        "ReceiveMessage"
    ).input_shape.members:
        pytest.skip("this botocore has no MessageSystemAttributeNames")
    sqs.send_message(QueueUrl=queue, MessageBody="m")
    msg = sqs.receive_message(
        QueueUrl=queue, MessageSystemAttributeNames=["SenderId", "SequenceNumber"], VisibilityTimeout=0
    )["Messages"][0]
    assert set(msg["Attributes"]) == {"SenderId"}
    msg = sqs.receive_message(
        QueueUrl=queue,
        MessageSystemAttributeNames=["All"],
        AttributeNames=["SenderId"],
        VisibilityTimeout=0,
    )["Messages"][0]
    assert set(msg["Attributes"]) == {
        "ApproximateFirstReceiveTimestamp",
        "ApproximateReceiveCount",
        "SenderId",
        "SentTimestamp",
    }


def test_query_system_attribute_names_yield_to_attribute_names(queue, sqs):
    sqs.send_message(QueueUrl=queue, MessageBody="m")
    status, _, body = query(
        queue,
        Action="ReceiveMessage",
        VisibilityTimeout="0",
        **{"MessageSystemAttributeName.1": "All", "AttributeName.1": "SenderId"},
    )
    assert status == 200, body
    doc = ET.fromstring(body)
    names = [n.text for n in doc.findall(".//sqs:Message/sqs:Attribute/sqs:Name", NS)]
    assert names == ["SenderId"]


def test_fifo_message_attributes(sqs, fifo):
    sqs.send_message(QueueUrl=fifo, MessageBody="m", MessageGroupId="g", MessageDeduplicationId="d")
    msg = sqs.receive_message(QueueUrl=fifo, AttributeNames=["All"], VisibilityTimeout=0)[
        "Messages"
    ][0]
    assert set(msg["Attributes"]) == {
        "ApproximateFirstReceiveTimestamp",
        "ApproximateReceiveCount",
        "MessageDeduplicationId",
        "MessageGroupId",
        "SenderId",
        "SentTimestamp",
        "SequenceNumber",
    }
    again = sqs.receive_message(QueueUrl=fifo, AttributeNames=["All"])["Messages"][0]
    assert again["Attributes"]["ApproximateReceiveCount"] == "2"


def test_receive_message_message_attribute_names_illegal_names(sqs, queue):
    sqs.send_message(QueueUrl=queue, MessageBody="m", MessageAttributes={"Hello": s("There")})
    for names in (["AWS."], ["..foo"]):
        msg = sqs.receive_message(
            QueueUrl=queue, MessageAttributeNames=names, VisibilityTimeout=0
        )["Messages"][0]
        assert "MessageAttributes" not in msg and "MD5OfMessageAttributes" not in msg


def test_receive_wait_time_attribute_makes_a_long_poll_and_messages_do_not_wait(
    sqs, make_queue
):
    url, _ = make_queue(ReceiveMessageWaitTimeSeconds=10)
    sqs.send_message(QueueUrl=url, MessageBody="m")
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=20)
    assert [m["Body"] for m in got["Messages"]] == ["m"]


# --- DeleteMessage / ChangeMessageVisibility -----------------------------------------


def test_delete_after_visibility_timeout(sqs, queue, advance):
    sqs.send_message(QueueUrl=queue, MessageBody="m")
    handle = sqs.receive_message(QueueUrl=queue, VisibilityTimeout=1)["Messages"][0][
        "ReceiptHandle"
    ]
    advance(1_500)
    sqs.delete_message(QueueUrl=queue, ReceiptHandle=handle)
    assert "Messages" not in sqs.receive_message(QueueUrl=queue)
    assert attrs_of(sqs, queue, "ApproximateNumberOfMessages") == {
        "ApproximateNumberOfMessages": "0"
    }


def test_change_visibility_on_deleted_message_raises_invalid_parameter_value(sqs, queue):
    sqs.send_message(QueueUrl=queue, MessageBody="m")
    handle = sqs.receive_message(QueueUrl=queue)["Messages"][0]["ReceiptHandle"]
    for _ in range(3):
        sqs.delete_message(QueueUrl=queue, ReceiptHandle=handle)
    invalid_value(
        lambda: sqs.change_message_visibility(
            QueueUrl=queue, ReceiptHandle=handle, VisibilityTimeout=10
        ),
        f"Value {handle} for parameter ReceiptHandle is invalid. Reason: Message does not exist "
        "or is not available for visibility timeout change.",
    )


def test_delete_message_with_illegal_receipt_handle(sqs, queue):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sqs.delete_message(QueueUrl=queue, ReceiptHandle="garbage")
    error = e.value.response["Error"]
    assert (error["Code"], error["Message"]) == (
        "ReceiptHandleIsInvalid",
        'The input receipt handle "garbage" is not a valid receipt handle.',
    )
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sqs.change_message_visibility(QueueUrl=queue, ReceiptHandle="INVALID", VisibilityTimeout=1)
    assert e.value.response["Error"]["Code"] == "ReceiptHandleIsInvalid"


def test_receipt_handles_differ_and_zero_visibility_shows_again(sqs, queue):
    sqs.send_message(QueueUrl=queue, MessageBody="m")
    first = sqs.receive_message(QueueUrl=queue, VisibilityTimeout=0)["Messages"][0]
    second = sqs.receive_message(QueueUrl=queue)["Messages"][0]
    assert first["MessageId"] == second["MessageId"]
    assert first["ReceiptHandle"] != second["ReceiptHandle"]
    sqs.change_message_visibility(
        QueueUrl=queue, ReceiptHandle=second["ReceiptHandle"], VisibilityTimeout=0
    )
    assert sqs.receive_message(QueueUrl=queue)["Messages"][0]["MessageId"] == first["MessageId"]


@pytest.mark.parametrize("bad", ["", "testLongId" * 10, "invalid:id"])
def test_delete_message_batch_invalid_msg_id(sqs, queue, bad):
    refused(
        lambda: sqs.delete_message_batch(
            QueueUrl=queue, Entries=[{"Id": bad, "ReceiptHandle": "x"}]
        ),
        "AWS.SimpleQueueService.InvalidBatchEntryId",
        400,
        "InvalidBatchEntryId",
        BAD_ID,
    )


def test_delete_and_change_visibility_batches_too_large(sqs, queue):
    for call in (
        lambda: sqs.delete_message_batch(
            QueueUrl=queue, Entries=[{"Id": str(i), "ReceiptHandle": "x"} for i in range(20)]
        ),
        lambda: sqs.change_message_visibility_batch(
            QueueUrl=queue,
            Entries=[{"Id": str(i), "ReceiptHandle": "x", "VisibilityTimeout": 1} for i in range(20)],
        ),
    ):
        refused(
            call,
            "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
            400,
            "TooManyEntriesInBatchRequest",
            "Maximum number of entries per request are 10. You have sent 20.",
        )


# --- Counts, purge, tags, permissions, dead letters --------------------------------------


def counts(sqs, url):
    attrs = attrs_of(
        sqs,
        url,
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
    )
    return (
        attrs["ApproximateNumberOfMessages"],
        attrs["ApproximateNumberOfMessagesNotVisible"],
        attrs["ApproximateNumberOfMessagesDelayed"],
    )


def test_fifo_approximate_number_of_messages_not_visible(sqs, fifo, queue, advance):
    for i in range(6):
        sqs.send_message(
            QueueUrl=fifo, MessageBody=f"m{i}", MessageGroupId=str(i % 3), MessageDeduplicationId=str(i)
        )
        sqs.send_message(QueueUrl=queue, MessageBody=f"m{i}")
    got = sqs.receive_message(QueueUrl=fifo, MaxNumberOfMessages=1, VisibilityTimeout=1)
    first_group = got["Messages"][0]
    sqs.receive_message(QueueUrl=fifo, MaxNumberOfMessages=1, VisibilityTimeout=1)
    assert first_group
    assert counts(sqs, fifo) == ("4", "2", "0")
    sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=1, VisibilityTimeout=1)
    assert counts(sqs, queue) == ("5", "1", "0")
    advance(1_500)
    assert counts(sqs, fifo) == ("6", "0", "0")
    assert counts(sqs, queue) == ("6", "0", "0")


def test_successive_purge_calls_fail(sqs, queue, advance):
    sqs.send_message(QueueUrl=queue, MessageBody="visible")
    sqs.send_message(QueueUrl=queue, MessageBody="delayed", DelaySeconds=5)
    sqs.send_message(QueueUrl=queue, MessageBody="in flight")
    sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=1)
    sqs.purge_queue(QueueUrl=queue)
    refused(
        lambda: sqs.purge_queue(QueueUrl=queue),
        "AWS.SimpleQueueService.PurgeQueueInProgress",
        403,
        "PurgeQueueInProgress",
        f"Only one PurgeQueue operation on {name_of(queue)} is allowed every 60 seconds.",
    )
    advance(61_000)
    assert "Messages" not in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)
    sqs.send_message(QueueUrl=queue, MessageBody="after")
    assert sqs.receive_message(QueueUrl=queue)["Messages"][0]["Body"] == "after"


def test_tag_untag_queue(sqs, queue, unique_name):
    sqs.tag_queue(QueueUrl=queue, Tags={"tag1": "value1", "tag2": "value2", "tag3": ""})
    assert sqs.list_queue_tags(QueueUrl=queue)["Tags"] == {
        "tag1": "value1",
        "tag2": "value2",
        "tag3": "",
    }
    sqs.tag_queue(QueueUrl=queue, Tags={"tag1": "new", "Tag1": "other"})
    sqs.untag_queue(QueueUrl=queue, TagKeys=["tag2", "missing"])
    assert sqs.list_queue_tags(QueueUrl=queue)["Tags"] == {"tag1": "new", "Tag1": "other", "tag3": ""}
    sqs.untag_queue(QueueUrl=queue, TagKeys=["tag1", "Tag1", "tag3"])
    assert "Tags" not in sqs.list_queue_tags(QueueUrl=queue)
    tagged = sqs.create_queue(QueueName=unique_name(), tags={"a": "b"})["QueueUrl"]
    assert sqs.list_queue_tags(QueueUrl=tagged)["Tags"] == {"a": "b"}


def test_sqs_permission_lifecycle(sqs, queue):
    arn = attrs_of(sqs, queue, "QueueArn")["QueueArn"]
    account = arn.split(":")[4]
    sqs.add_permission(
        QueueUrl=queue,
        Label="crossaccountpermission",
        AWSAccountIds=[account, "668614515564"],
        Actions=["ReceiveMessage"],
    )
    policy = json.loads(attrs_of(sqs, queue, "Policy")["Policy"])
    [statement] = policy["Statement"]
    assert policy["Version"] == "2008-10-17"
    assert sorted(statement["Principal"]["AWS"]) == sorted(
        [f"arn:aws:iam::{account}:root", "arn:aws:iam::668614515564:root"]
    )
    assert statement["Action"] == "SQS:ReceiveMessage"
    sqs.add_permission(
        QueueUrl=queue, Label="second", AWSAccountIds=["668614515564"], Actions=["SendMessage"]
    )
    policy = json.loads(attrs_of(sqs, queue, "Policy")["Policy"])
    assert [st["Sid"] for st in policy["Statement"]] == ["crossaccountpermission", "second"]
    invalid_value(
        lambda: sqs.remove_permission(QueueUrl=queue, Label="crossaccountpermission2"),
        "Value crossaccountpermission2 for parameter Label is invalid. Reason: can't find label.",
    )
    sqs.remove_permission(QueueUrl=queue, Label="crossaccountpermission")
    sqs.remove_permission(QueueUrl=queue, Label="second")
    assert "Attributes" not in sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["Policy"])


def test_dead_letter_queue_message_attributes(sqs, make_queue):
    dlq, dlq_arn = make_queue()
    url, arn = make_queue(
        RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1})
    )
    sent = sqs.send_message(
        QueueUrl=url,
        MessageBody="dead",
        MessageAttributes={"Foo": s("Bar")},
        MessageSystemAttributes={"AWSTraceHeader": s("Root=1-dead")},
    )
    sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    msg = sqs.receive_message(
        QueueUrl=dlq, AttributeNames=["All"], MessageAttributeNames=["All"]
    )["Messages"][0]
    assert (msg["MessageId"], msg["Body"]) == (sent["MessageId"], "dead")
    assert msg["MessageAttributes"] == {"Foo": s("Bar")}
    assert msg["Attributes"]["AWSTraceHeader"] == "Root=1-dead"
    assert msg["Attributes"]["ApproximateReceiveCount"] == "2"
    assert msg["Attributes"]["DeadLetterQueueSourceArn"] == arn
    sources = sqs.list_dead_letter_source_queues(QueueUrl=dlq)
    assert sources["queueUrls"] == [url]


# --- Query requests on a queue URL ------------------------------------------------------


def test_query_get_on_a_queue_url(sqs, queue, make_queue):
    status, _, body = query(queue, method="GET", Action="FooBar", Version="2012-11-05")
    assert status == 400, body
    doc = ET.fromstring(body)
    assert doc.find("sqs:Error/sqs:Code", NS).text == "InvalidAction"
    assert doc.find("sqs:Error/sqs:Type", NS).text == "Sender"
    assert (
        doc.find("sqs:Error/sqs:Message", NS).text
        == "The action FooBar is not valid for this endpoint."
    )
    status, _, body = query(queue, method="GET", Action="SendMessage")
    assert status == 400, body
    doc = ET.fromstring(body)
    assert doc.find("sqs:Error/sqs:Code", NS).text == "MissingParameter"
    assert (
        doc.find("sqs:Error/sqs:Message", NS).text
        == "The request must contain the parameter MessageBody."
    )
    status, _, body = query(queue, method="GET", Action="SendMessage", MessageBody="foobar")
    assert status == 200, body
    status, _, body = query(queue, method="GET", Action="ReceiveMessage")
    assert b"<Body>foobar</Body>" in body and b"<MD5OfBody>" in body
    other, _ = make_queue()
    status, _, body = query(
        queue,
        method="GET",
        Action="GetQueueUrl",
        QueueName=name_of(other),
        QueueOwnerAWSAccountId=other.split("/")[-2],
    )
    assert status == 200 and f"<QueueUrl>{other}</QueueUrl>".encode() in body, body
    sqs.send_message(QueueUrl=other, MessageBody="in the other")
    status, _, body = query(queue, method="GET", Action="ReceiveMessage", QueueUrl=other)
    assert b"<Body>in the other</Body>" in body, body
    status, _, body = query(queue, method="GET", Action="DeleteQueue")
    assert status == 200 and b"<DeleteQueueResponse" in body, body
    status, _, body = query(queue, method="GET", Action="GetQueueAttributes")
    assert status == 400, body
    doc = ET.fromstring(body)
    assert doc.find("sqs:Error/sqs:Code", NS).text == "AWS.SimpleQueueService.NonExistentQueue"
    assert (
        doc.find("sqs:Error/sqs:Message", NS).text
        == "The specified queue does not exist for this wsdl version."
    )


def test_json_protocol_on_the_queue_url_path(queue):
    status, headers, body = json_call(queue, "ReceiveMessage", {"QueueUrl": queue})
    assert status == 200, body
    assert headers["content-type"] == "application/x-amz-json-1.0"
    assert json.loads(body) == {}


# --- Message move tasks -----------------------------------------------------------------


def test_move_task_shapes(sqs, make_queue):
    dlq, dlq_arn = make_queue()
    src, src_arn = make_queue(
        RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1})
    )
    dest, dest_arn = make_queue()
    for i in range(2):
        sqs.send_message(QueueUrl=dlq, MessageBody=f"m{i}")
    handle = sqs.start_message_move_task(SourceArn=dlq_arn, DestinationArn=dest_arn)["TaskHandle"]
    decoded = json.loads(base64.b64decode(handle))
    assert decoded["sourceArn"] == dlq_arn and decoded["taskId"]
    done = wait_for_status(sqs, dlq_arn, "COMPLETED")
    assert set(done) == {
        "ApproximateNumberOfMessagesMoved",
        "ApproximateNumberOfMessagesToMove",
        "DestinationArn",
        "SourceArn",
        "StartedTimestamp",
        "Status",
    }, done
    assert (done["Status"], done["ApproximateNumberOfMessagesMoved"]) == ("COMPLETED", 2)
    assert done["ApproximateNumberOfMessagesToMove"] == 2
    assert src_arn


def test_move_task_running_and_cancelled(sqs, make_queue):
    dlq, dlq_arn = make_queue()
    make_queue(RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1}))
    _, dest_arn = make_queue()
    for i in range(10):
        sqs.send_message(QueueUrl=dlq, MessageBody=f"m{i}")
    handle = sqs.start_message_move_task(
        SourceArn=dlq_arn, DestinationArn=dest_arn, MaxNumberOfMessagesPerSecond=1
    )["TaskHandle"]
    [running] = sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"]
    assert running["Status"] == "RUNNING"
    assert running["TaskHandle"] == handle
    assert running["MaxNumberOfMessagesPerSecond"] == 1
    assert running["ApproximateNumberOfMessagesToMove"] == 10
    cancelled = sqs.cancel_message_move_task(TaskHandle=handle)
    assert set(cancelled) - {"ResponseMetadata"} == {"ApproximateNumberOfMessagesMoved"}
    [done] = sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"]
    assert done["Status"] == "CANCELLED" and "TaskHandle" not in done


def test_source_needs_redrive_policy_and_destination_needs_to_exist(sqs, make_queue):
    _, plain_arn = make_queue()
    _, dest_arn = make_queue()
    invalid_value(
        lambda: sqs.start_message_move_task(SourceArn=plain_arn, DestinationArn=dest_arn),
        "Source queue must be configured as a Dead Letter Queue.",
    )
    _, dlq_arn = make_queue()
    make_queue(RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1}))
    response = refused(
        lambda: sqs.start_message_move_task(
            SourceArn=dlq_arn, DestinationArn=dest_arn + "doesntexist"
        ),
        "ResourceNotFoundException",
        404,
        "ResourceNotFoundException",
        "The resource that you specified for the DestinationArn parameter doesn't exist.",
    )
    assert response


def test_cancel_with_invalid_task_handle(sqs):
    invalid_value(
        lambda: sqs.cancel_message_move_task(TaskHandle="foobared"),
        "Value for parameter TaskHandle is invalid.",
    )


# --- Second batch: Query-only shapes, FIFO behaviours, move-task failures ------------------


def test_query_errors_have_an_empty_detail(sqs, queue):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=11)
    error = e.value.response["Error"]
    if wire_protocol() == "query":
        assert error.get("Detail") is None and "Detail" in error, error
        assert "QueryErrorCode" not in error
    else:
        assert "Detail" not in error, error


def test_fifo_queue_type_change_is_an_invalid_attribute_value_in_json(server, fifo):
    if wire_protocol() != "json":
        pytest.skip("the JSON body's members")
    status, headers, body = json_call(
        server, "SetQueueAttributes", {"QueueUrl": fifo, "Attributes": {"FifoQueue": "false"}}
    )
    assert status == 400, body
    doc = json.loads(body)
    assert doc["__type"] == "com.amazonaws.sqs#InvalidAttributeValue"
    assert doc["message"] == (
        "Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported."
    )
    assert headers["x-amzn-query-error"] == "InvalidAttributeValue;Sender"


def test_query_get_without_action_asking_for_json_is_still_xml(queue):
    status, _, body = http("GET", queue, headers={"Accept": "application/json"})
    assert status == 404, body
    assert b"<UnknownOperationException" in body


def test_query_list_queues_answers_json_when_asked(server, queue):
    status, _, body = http(
        "GET",
        f"{server}/?Action=ListQueues&Version=2012-11-05",
        headers={"Accept": "application/json"},
    )
    assert status == 200, body
    doc = json.loads(body)
    assert "ListQueuesResponse" in doc, doc
    status, _, body = http("GET", f"{server}/?Action=ListQueues&Version=2012-11-05")
    assert status == 200 and b"<ListQueuesResponse" in body


def test_query_receive_answers_json_when_asked(sqs, queue):
    sqs.send_message(QueueUrl=queue, MessageBody="as json")
    status, _, body = http(
        "GET",
        f"{queue}?Action=ReceiveMessage&Version=2012-11-05&VisibilityTimeout=0",
        headers={"Accept": "application/json"},
    )
    assert status == 200, body
    doc = json.loads(body)
    messages = doc["ReceiveMessageResponse"]["ReceiveMessageResult"]["messages"]
    assert messages[0]["Body"] == "as json"


def test_fifo_receive_groups_messages_in_group_order(sqs, fifo):
    for i, (group, body) in enumerate([("g1", "g1-m1"), ("g2", "g2-m1"), ("g1", "g1-m2"), ("g1", "g1-m3")]):
        sqs.send_message(
            QueueUrl=fifo, MessageBody=body, MessageGroupId=group, MessageDeduplicationId=str(i)
        )
    got = sqs.receive_message(QueueUrl=fifo, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in got] == ["g1-m1", "g1-m2", "g1-m3", "g2-m1"]


def test_fifo_approx_number_of_messages(sqs, fifo):
    for i, group in enumerate(["1", "1", "1", "2", "3"]):
        sqs.send_message(
            QueueUrl=fifo, MessageBody=f"m{i}", MessageGroupId=group, MessageDeduplicationId=str(i)
        )
    got = sqs.receive_message(QueueUrl=fifo, MaxNumberOfMessages=4)["Messages"]
    assert len(got) == 4
    assert counts(sqs, fifo)[0] == "1"
    for m in got:
        sqs.delete_message(QueueUrl=fifo, ReceiptHandle=m["ReceiptHandle"])
    assert counts(sqs, fifo) == ("1", "0", "0")


@pytest.mark.parametrize("content_based", ["true", "false"])
def test_fifo_deduplication_arrives_once_after_delete(sqs, make_queue, content_based):
    url, _ = make_queue(".fifo", FifoQueue="true", ContentBasedDeduplication=content_based)
    send = {"QueueUrl": url, "MessageBody": "once", "MessageGroupId": "g"}
    if content_based == "false":
        send["MessageDeduplicationId"] = "d"
    first = sqs.send_message(**send)
    m = sqs.receive_message(QueueUrl=url)["Messages"][0]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    again = sqs.send_message(**send)
    assert again["MessageId"] == first["MessageId"]
    assert "Messages" not in sqs.receive_message(QueueUrl=url)


def test_fifo_deduplication_not_on_message_group_id(sqs, fifo):
    sqs.send_message(QueueUrl=fifo, MessageBody="a", MessageGroupId="g1", MessageDeduplicationId="d")
    sqs.send_message(QueueUrl=fifo, MessageBody="b", MessageGroupId="g2", MessageDeduplicationId="d")
    got = sqs.receive_message(QueueUrl=fifo, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in got] == ["a"]


def test_fifo_message_group_scope_no_throughput_setting(sqs, make_queue):
    url, _ = make_queue(".fifo", FifoQueue="true", DeduplicationScope="messageGroup")
    sqs.send_message(QueueUrl=url, MessageBody="a", MessageGroupId="g1", MessageDeduplicationId="d")
    sqs.send_message(QueueUrl=url, MessageBody="b", MessageGroupId="g2", MessageDeduplicationId="d")
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert sorted(m["Body"] for m in got) == ["a", "b"]


@pytest.mark.xfail(
    strict=True,
    reason="not matched: AWS still deduplicated queue-wide after a switch to messageGroup "
    "(it documents up to 60 s for attribute changes); Sluice switches at once, see README",
)
def test_fifo_change_to_high_throughput_after_creation(sqs, fifo):
    sqs.send_message(QueueUrl=fifo, MessageBody="t1", MessageGroupId="g1", MessageDeduplicationId="old")
    sqs.set_queue_attributes(
        QueueUrl=fifo,
        Attributes={"DeduplicationScope": "messageGroup", "FifoThroughputLimit": "perMessageGroupId"},
    )
    assert attrs_of(sqs, fifo, "DeduplicationScope", "FifoThroughputLimit") == {
        "DeduplicationScope": "messageGroup",
        "FifoThroughputLimit": "perMessageGroupId",
    }
    sqs.send_message(QueueUrl=fifo, MessageBody="t3", MessageGroupId="g3", MessageDeduplicationId="old")
    sqs.send_message(QueueUrl=fifo, MessageBody="t4", MessageGroupId="g4", MessageDeduplicationId="new")
    sqs.send_message(QueueUrl=fifo, MessageBody="t5", MessageGroupId="g5", MessageDeduplicationId="new")
    got = sqs.receive_message(QueueUrl=fifo, MaxNumberOfMessages=10)["Messages"]
    assert sorted(m["Body"] for m in got) == ["t1", "t4"]


def test_move_task_fails_when_its_destination_goes(sqs, make_queue):
    dlq, dlq_arn = make_queue()
    make_queue(RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1}))
    dest, dest_arn = make_queue()
    for i in range(5):
        sqs.send_message(QueueUrl=dlq, MessageBody=f"m{i}")
    sqs.start_message_move_task(
        SourceArn=dlq_arn, DestinationArn=dest_arn, MaxNumberOfMessagesPerSecond=1
    )
    sqs.delete_queue(QueueUrl=dest)
    failed = wait_for_status(sqs, dlq_arn, "FAILED")
    assert failed["FailureReason"] == "AWS.SimpleQueueService.NonExistentQueue"
    assert "TaskHandle" not in failed


def test_create_queue_exists_over_query_too(sqs, unique_name):
    name = unique_name()
    sqs.create_queue(QueueName=name, Attributes={"DelaySeconds": "1"})
    response = refused(
        lambda: sqs.create_queue(QueueName=name, Attributes={"DelaySeconds": "2"}),
        "QueueAlreadyExists",
        400,
        "QueueNameExists",
        "A queue already exists with the same name and a different value for attribute "
        "DelaySeconds",
    )
    assert response["Error"]["Type"] == "Sender"


def test_send_message_answer_members(sqs, queue, fifo):
    plain = sqs.send_message(QueueUrl=queue, MessageBody="m")
    assert set(plain) - {"ResponseMetadata"} == {"MD5OfMessageBody", "MessageId"}
    fifo_sent = sqs.send_message(
        QueueUrl=fifo, MessageBody="m", MessageGroupId="g", MessageDeduplicationId="d"
    )
    assert set(fifo_sent) - {"ResponseMetadata"} == {
        "MD5OfMessageBody",
        "MessageId",
        "SequenceNumber",
    }


def test_received_message_members(sqs, queue):
    sqs.send_message(QueueUrl=queue, MessageBody="m")
    msg = sqs.receive_message(QueueUrl=queue)["Messages"][0]
    assert set(msg) == {"Body", "MD5OfBody", "MessageId", "ReceiptHandle"}


def test_list_queue_tags_and_policy_of_a_fresh_queue(sqs, queue):
    assert set(sqs.list_queue_tags(QueueUrl=queue)) == {"ResponseMetadata"}
    assert set(sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["Policy"])) == {
        "ResponseMetadata"
    }
