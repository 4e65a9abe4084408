"""Wire details that other SQS clients rely on and boto3 does not exercise: Query
requests addressed to the queue URL or sent as GET, unknown actions, and the error
headers of the JSON protocol. Plain HTTP, unsigned."""

import json
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import pytest

from sqs_helpers import md5_hex

NS = {"sqs": "http://queue.amazonaws.com/doc/2012-11-05/"}


def lower(headers):
    return {k.lower(): v for k, v in headers.items()}


def http(method, url, body=None, headers=None):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, lower(resp.headers), resp.read()
    except urllib.error.HTTPError as e:
        return e.code, lower(e.headers), e.read()


def query(url, method="POST", **params):
    data = urllib.parse.urlencode(params).encode()
    if method == "GET":
        return http("GET", f"{url}?{data.decode()}")
    return http("POST", url, data, {"Content-Type": "application/x-www-form-urlencoded"})


def json_call(endpoint, action, payload):
    return http(
        "POST",
        endpoint + "/",
        json.dumps(payload).encode(),
        {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": f"AmazonSQS.{action}"},
    )


def test_query_request_addressed_to_the_queue_url(server, queue):
    # Some SDKs post Query requests to the queue's own URL without a QueueUrl parameter.
    status, headers, body = query(
        queue, Action="SendMessage", MessageBody="to the path", Version="2012-11-05"
    )
    assert status == 200, body
    doc = ET.fromstring(body)
    assert doc.find("sqs:SendMessageResult/sqs:MD5OfMessageBody", NS).text == md5_hex(
        b"to the path"
    )
    assert doc.find("sqs:ResponseMetadata/sqs:RequestId", NS).text == headers["x-amzn-requestid"]

    status, _, body = query(queue, Action="ReceiveMessage")
    assert status == 200, body
    doc = ET.fromstring(body)
    assert doc.find("sqs:ReceiveMessageResult/sqs:Message/sqs:Body", NS).text == "to the path"


def test_query_request_as_get(server, queue):
    name = queue.rsplit("/", 1)[1]
    status, _, body = query(server + "/", method="GET", Action="GetQueueUrl", QueueName=name)
    assert status == 200, body
    doc = ET.fromstring(body)
    assert doc.find("sqs:GetQueueUrlResult/sqs:QueueUrl", NS).text == queue


def test_query_unknown_action(server):
    status, headers, body = query(server + "/", Action="DoSomethingElse")
    assert status == 400
    doc = ET.fromstring(body)
    assert doc.find("sqs:Error/sqs:Code", NS).text == "InvalidAction"
    assert doc.find("sqs:Error/sqs:Type", NS).text == "Sender"
    assert headers["content-type"].startswith("text/xml")


def test_query_missing_action(server, queue):
    # With no Action, AWS's front knows no operation: 404 and a bare element.
    for url in (server + "/", queue):
        for method in ("GET", "POST"):
            status, _, body = query(url, method=method, QueueName="x")
            assert status == 404, body
            assert ET.fromstring(body).tag == "UnknownOperationException"


def test_json_error_carries_type_and_query_error_header(server):
    status, headers, body = json_call(server, "GetQueueUrl", {"QueueName": "e2e-wire-missing"})
    assert status == 400
    assert headers["content-type"] == "application/x-amz-json-1.0"
    doc = json.loads(body)
    assert doc["__type"] == "com.amazonaws.sqs#QueueDoesNotExist"
    assert doc["message"]
    assert headers["x-amzn-query-error"] == "AWS.SimpleQueueService.NonExistentQueue;Sender"
    assert headers["x-amzn-requestid"]


def test_json_unknown_operation(server):
    status, _, body = json_call(server, "DoSomethingElse", {})
    assert status == 400
    assert json.loads(body)["__type"] == "com.amazon.coral.service#UnknownOperationException"


@pytest.mark.parametrize("payload", [b"{not json", b"[1, 2]"])
def test_json_malformed_body(server, payload):
    status, _, body = http(
        "POST",
        server + "/",
        payload,
        {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS.ListQueues"},
    )
    assert status == 400
    assert "__type" in json.loads(body)
