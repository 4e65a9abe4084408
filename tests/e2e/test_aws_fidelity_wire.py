"""Wire behaviour as AWS answers it, under whichever SQS protocol the installed botocore
speaks (the suite runs once per protocol), plus raw HTTP for what boto3 never sends:
X-Amzn-Trace-Id becoming AWSTraceHeader, the missing-queue text per protocol, Query
requests on a queue URL, empty receives, JSON members of the wrong type, and requests
for services this server does not run."""

import json
import xml.etree.ElementTree as ET

import botocore.exceptions
import pytest

from sqs_helpers import assert_error, wire_protocol
from test_wire import NS, http, json_call, query

TRACE = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"


def add_header(client, operation, name, value):
    """Makes every `operation` call of `client` carry an extra HTTP header."""

    def handler(request, **_):
        request.headers[name] = value

    client.meta.events.register(f"before-sign.sqs.{operation}", handler)
    return handler


def test_the_trace_header_becomes_the_messages_aws_trace_header(sqs, queue):
    handler = add_header(sqs, "SendMessage", "X-Amzn-Trace-Id", TRACE)
    try:
        sqs.send_message(QueueUrl=queue, MessageBody="traced")
    finally:
        sqs.meta.events.unregister("before-sign.sqs.SendMessage", handler)
    msg = sqs.receive_message(QueueUrl=queue, AttributeNames=["AWSTraceHeader"])[
        "Messages"
    ][0]
    assert msg["Attributes"] == {"AWSTraceHeader": TRACE}


def test_a_trace_header_system_attribute_wins_over_the_http_header(sqs, queue):
    handler = add_header(sqs, "SendMessage", "X-Amzn-Trace-Id", TRACE)
    try:
        sqs.send_message(
            QueueUrl=queue,
            MessageBody="both",
            MessageSystemAttributes={
                "AWSTraceHeader": {"DataType": "String", "StringValue": "Root=1-own"}
            },
        )
    finally:
        sqs.meta.events.unregister("before-sign.sqs.SendMessage", handler)
    msg = sqs.receive_message(QueueUrl=queue, AttributeNames=["AWSTraceHeader"])[
        "Messages"
    ][0]
    assert msg["Attributes"]["AWSTraceHeader"] == "Root=1-own"


def test_a_missing_queue_is_worded_per_protocol(sqs, server):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sqs.get_queue_attributes(QueueUrl=f"{server}/000000000000/e2e-none-such-queue")
    assert_error(e, "AWS.SimpleQueueService.NonExistentQueue", 400, "QueueDoesNotExist")
    expected = {
        "json": "The specified queue does not exist.",
        "query": "The specified queue does not exist for this wsdl version.",
    }[wire_protocol()]
    assert e.value.response["Error"]["Message"] == expected


def test_a_bare_queue_name_is_a_queue_url(sqs, queue):
    name = queue.rsplit("/", 1)[1]
    sqs.send_message(QueueUrl=name, MessageBody="by name")
    assert sqs.receive_message(QueueUrl=name)["Messages"][0]["Body"] == "by name"


@pytest.mark.parametrize("action", ["CreateQueue", "ListQueues"])
def test_queue_url_actions_that_address_no_queue_are_invalid_there(queue, action):
    status, _, body = query(queue, method="GET", Action=action, QueueName="x")
    assert status == 400, body
    doc = ET.fromstring(body)
    assert doc.find("sqs:Error/sqs:Code", NS).text == "InvalidAction"
    assert (
        doc.find("sqs:Error/sqs:Message", NS).text
        == f"The action {action} is not valid for this endpoint."
    )


def test_a_query_get_with_no_action_on_a_queue_url_is_an_unknown_operation(queue):
    status, _, body = http("GET", queue)
    assert (status, body.strip()) == (404, b"<UnknownOperationException/>")


def test_an_empty_query_receive_is_an_empty_result_element(queue):
    status, _, body = query(queue, method="GET", Action="ReceiveMessage")
    assert status == 200, body
    assert b"<ReceiveMessageResult/>" in body, body


def test_an_empty_json_receive_has_no_messages_member(server, queue):
    status, _, body = json_call(server, "ReceiveMessage", {"QueueUrl": queue})
    assert status == 200, body
    assert json.loads(body) == {}


@pytest.mark.parametrize(
    "member, value, message",
    [
        ("VisibilityTimeout", "30", "STRING_VALUE can not be converted to an Integer"),
        ("VisibilityTimeout", True, "TRUE_VALUE can not be converted to an Integer"),
        ("VisibilityTimeout", {"a": 1}, "Start of structure or map found where not expected."),
        ("VisibilityTimeout", [30], "Start of list found where not expected"),
        ("QueueUrl", 7, "NUMBER_VALUE can not be converted to a String"),
    ],
)
def test_json_members_of_the_wrong_type_are_refused_as_aws_refuses_them(
    server, queue, member, value, message
):
    payload = {"QueueUrl": queue, "ReceiptHandle": "x", "VisibilityTimeout": 10}
    payload[member] = value
    status, headers, body = json_call(server, "ChangeMessageVisibility", payload)
    assert status == 400, body
    doc = json.loads(body)
    assert doc["__type"] == "com.amazon.coral.service#SerializationException"
    assert doc["Message"] == message
    assert "x-amzn-query-error" not in headers


def test_a_json_list_given_a_string_is_refused(server, queue):
    status, _, body = json_call(server, "ReceiveMessage", {"QueueUrl": queue, "AttributeNames": "All"})
    assert status == 400, body
    assert json.loads(body)["Message"] == "Expected list or null"


def test_a_json_body_that_is_not_json_names_only_the_error(server):
    status, _, body = http(
        "POST",
        server + "/",
        b"{not json",
        {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS.ListQueues"},
    )
    assert status == 400
    assert json.loads(body) == {"__type": "com.amazon.coral.service#SerializationException"}


def test_a_json_request_for_another_service_is_an_unknown_operation(server):
    status, _, body = http(
        "POST",
        server + "/",
        b"{}",
        {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.ListTables"},
    )
    assert status == 400
    assert json.loads(body) == {"__type": "com.amazon.coral.service#UnknownOperationException"}


def test_a_query_request_signed_for_another_service_is_an_invalid_action(server):
    auth = (
        "AWS4-HMAC-SHA256 Credential=AKIDTEST/20260101/us-east-1/kinesis/aws4_request, "
        "SignedHeaders=host, Signature=00"
    )
    # Kinesis is not served here (SNS, since issue 11, is).
    status, _, body = http(
        "POST",
        server + "/",
        b"Action=ListStreams&Version=2013-12-02",
        {"Content-Type": "application/x-www-form-urlencoded", "Authorization": auth},
    )
    assert status == 400, body
    doc = ET.fromstring(body)
    assert doc.find("sqs:Error/sqs:Code", NS).text == "InvalidAction"
