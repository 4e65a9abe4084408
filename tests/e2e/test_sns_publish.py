"""SNS Publish fanning out to SQS queues, with real boto3 `sns` and `sqs` clients: the
signed Notification envelope a queue receives (signatures are checked with `cryptography`
in test_sns_http.py and by the Rust tests), the signing certificate served
at SigningCertURL, a KMS-encrypted queue, filter policies, raw delivery with message attributes,
MessageStructure=json, PublishBatch, AWS's validation errors, and a queue policy deciding for the
topic on a server with identities."""

import base64
import json
import urllib.request

import boto3
import pytest

from conftest import REGION, SluiceProcess
from test_sns_topics import RETRIES, error_of, sns_client


@pytest.fixture(scope="module")
def sns(server):
    return sns_client(server)


def subscribed_queue(sns, sqs, topic, name, **attributes):
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    subscription = sns.subscribe(
        TopicArn=topic, Protocol="sqs", Endpoint=arn,
        Attributes={k: str(v) for k, v in attributes.items()}, ReturnSubscriptionArn=True,
    )["SubscriptionArn"]
    return url, subscription


def receive_all(sqs, url):
    out = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], WaitTimeSeconds=0
    )
    return out.get("Messages", [])


def test_a_queue_receives_the_signed_notification(server, sns, sqs, unique_name):
    topic = sns.create_topic(Name=unique_name())["TopicArn"]
    url, subscription = subscribed_queue(sns, sqs, topic, unique_name("-q"))
    message_id = sns.publish(
        TopicArn=topic, Message="hello", Subject="greeting",
        MessageAttributes={"colour": {"DataType": "String", "StringValue": "red"},
                           "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"}},
    )["MessageId"]
    messages = receive_all(sqs, url)
    assert len(messages) == 1
    doc = json.loads(messages[0]["Body"])
    assert list(doc) == [
        "Type", "MessageId", "TopicArn", "Subject", "Message", "Timestamp", "SignatureVersion",
        "Signature", "SigningCertURL", "UnsubscribeURL", "MessageAttributes",
    ]
    assert (doc["Type"], doc["MessageId"], doc["TopicArn"]) == ("Notification", message_id, topic)
    assert (doc["Subject"], doc["Message"], doc["SignatureVersion"]) == ("greeting", "hello", "1")
    assert len(base64.b64decode(doc["Signature"])) == 256  # RSA-2048
    assert doc["SigningCertURL"] == f"{server}/_sluice/sns/signing-cert.pem"
    assert doc["UnsubscribeURL"] == f"{server}/?Action=Unsubscribe&SubscriptionArn={subscription}"
    assert doc["MessageAttributes"] == {
        "blob": {"Type": "Binary", "Value": base64.b64encode(b"\x00\x01").decode()},
        "colour": {"Type": "String", "Value": "red"},
    }
    with urllib.request.urlopen(doc["SigningCertURL"], timeout=10) as resp:
        assert resp.status == 200
        assert resp.read().startswith(b"-----BEGIN CERTIFICATE-----")


def test_a_kms_encrypted_queue_receives_the_notification(sns, sqs, unique_name):
    topic = sns.create_topic(Name=unique_name())["TopicArn"]
    name = unique_name("-kms")
    url = sqs.create_queue(QueueName=name, Attributes={"KmsMasterKeyId": "alias/aws/sqs"})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    sns.publish(TopicArn=topic, Message="sealed at rest")
    (message,) = receive_all(sqs, url)
    assert json.loads(message["Body"])["Message"] == "sealed at rest"


def test_filter_policies_choose_the_queues(sns, sqs, unique_name):
    topic = sns.create_topic(Name=unique_name())["TopicArn"]
    red, _ = subscribed_queue(sns, sqs, topic, unique_name("-red"),
                              FilterPolicy=json.dumps({"colour": ["red"]}))
    big, _ = subscribed_queue(sns, sqs, topic, unique_name("-big"),
                              FilterPolicy=json.dumps({"size": [{"numeric": [">", 10]}]}),
                              FilterPolicyScope="MessageBody")
    for size, colour in ((5, "red"), (50, "blue")):
        sns.publish(TopicArn=topic, Message=json.dumps({"size": size}),
                    MessageAttributes={"colour": {"DataType": "String", "StringValue": colour}})
    assert [json.loads(json.loads(m["Body"])["Message"]) for m in receive_all(sqs, red)] == [{"size": 5}]
    assert [json.loads(json.loads(m["Body"])["Message"]) for m in receive_all(sqs, big)] == [{"size": 50}]


def test_raw_delivery_carries_attributes(sns, sqs, unique_name):
    topic = sns.create_topic(Name=unique_name())["TopicArn"]
    url, _ = subscribed_queue(sns, sqs, topic, unique_name("-raw"), RawMessageDelivery="true")
    sns.publish(
        TopicArn=topic, Message="raw body",
        MessageAttributes={"s": {"DataType": "String", "StringValue": "v"},
                           "n": {"DataType": "Number", "StringValue": "42"},
                           "b": {"DataType": "Binary", "BinaryValue": b"\x00\x01\x02"}},
    )
    (message,) = receive_all(sqs, url)
    assert message["Body"] == "raw body"
    attrs = message["MessageAttributes"]
    assert attrs["s"] == {"DataType": "String", "StringValue": "v"}
    assert attrs["n"] == {"DataType": "Number", "StringValue": "42"}
    assert attrs["b"] == {"DataType": "Binary", "BinaryValue": b"\x00\x01\x02"}


def test_message_structure_json_picks_the_sqs_body(sns, sqs, unique_name):
    topic = sns.create_topic(Name=unique_name())["TopicArn"]
    url, _ = subscribed_queue(sns, sqs, topic, unique_name("-q"))
    sns.publish(TopicArn=topic, MessageStructure="json",
                Message=json.dumps({"default": "d", "sqs": "for queues"}))
    (message,) = receive_all(sqs, url)
    assert json.loads(message["Body"])["Message"] == "for queues"
    code, status, text = error_of(lambda: sns.publish(
        TopicArn=topic, MessageStructure="json", Message=json.dumps({"sqs": "x"})))
    assert (code, status, text) == (
        "InvalidParameter", 400,
        "Invalid parameter: Message Structure - No default entry in JSON message body")


def test_invalid_publishes_get_aws_errors(sns, unique_name):
    topic = sns.create_topic(Name=unique_name())["TopicArn"]
    assert error_of(lambda: sns.publish(TopicArn=topic, Message="")) == (
        "InvalidParameter", 400, "Invalid parameter: Empty message")
    assert error_of(lambda: sns.publish(TopicArn=topic, Message="m", Subject="a\nb")) == (
        "InvalidParameter", 400, "Invalid parameter: Subject")
    assert error_of(lambda: sns.publish(TopicArn=topic, Message="x" * (256 * 1024 + 1))) == (
        "InvalidParameter", 400, "Invalid parameter: Message too long")
    assert error_of(lambda: sns.publish(
        TopicArn=topic, Message="m",
        MessageAttributes={"a": {"DataType": "Text", "StringValue": "v"}})) == (
        "ParameterValueInvalid", 400,
        "The message attribute 'a' has an invalid message attribute type, the set of "
        "supported type prefixes is Binary, Number, and String.")
    assert error_of(lambda: sns.publish(TopicArn=topic + "-gone", Message="m")) == (
        "NotFound", 404, "Topic does not exist")


def test_publish_batch_reports_each_entry(sns, sqs, unique_name):
    topic = sns.create_topic(Name=unique_name())["TopicArn"]
    url, _ = subscribed_queue(sns, sqs, topic, unique_name("-q"), RawMessageDelivery="true")
    out = sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[
        {"Id": "one", "Message": "first",
         "MessageAttributes": {"k": {"DataType": "String", "StringValue": "v"}}},
        {"Id": "empty", "Message": ""},
        {"Id": "two", "Message": "second"},
    ])
    assert sorted(ok["Id"] for ok in out["Successful"]) == ["one", "two"]
    assert out["Failed"] == [{"Id": "empty", "Code": "InvalidParameter",
                              "Message": "Invalid parameter: Empty message", "SenderFault": True}]
    got = {m["Body"]: m.get("MessageAttributes", {}) for m in receive_all(sqs, url)}
    assert got == {"first": {"k": {"DataType": "String", "StringValue": "v"}}, "second": {}}
    entries = [{"Id": f"e{i}", "Message": "m"} for i in range(11)]
    assert error_of(lambda: sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=entries)) == (
        "TooManyEntriesInBatchRequest", 400, "The batch request contains more entries than permissible.")
    entries = [{"Id": "same", "Message": "m"}] * 2
    assert error_of(lambda: sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=entries)) == (
        "BatchEntryIdsNotDistinct", 400, "Two or more batch entries in the request have the same Id.")
    entries = [{"Id": "not ok!", "Message": "m"}]
    assert error_of(lambda: sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=entries)) == (
        "InvalidBatchEntryId", 400,
        "The Id of a batch entry in a batch request doesn't abide by the specification.")
    entries = [{"Id": f"e{i}", "Message": "x" * (200 * 1024)} for i in range(2)]
    assert error_of(lambda: sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=entries)) == (
        "BatchRequestTooLong", 400, "The length of all the messages put together is more than the limit.")


OWNER = ("AKIAPUBLISHOWNER0001", "owner-secret", "arn:aws:iam::111111111111:user/owner")
EVERYTHING = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})


@pytest.fixture(scope="module")
def secured(tmp_path_factory):
    config = tmp_path_factory.mktemp("sns-publish") / "sluice.toml"
    config.write_text(
        f"""
[[identities]]
access_key_id = "{OWNER[0]}"
secret_access_key = "{OWNER[1]}"
account_id = "111111111111"
principal_arn = "{OWNER[2]}"
policies = ['{EVERYTHING}']
"""
    )
    process = SluiceProcess("--in-memory", "--config", str(config))
    yield process
    process.close()


def test_a_queue_policy_decides_for_the_topic(secured, unique_name):
    sns = sns_client(secured.endpoint, OWNER[0], OWNER[1])
    sqs = boto3.client(
        "sqs", endpoint_url=secured.endpoint, region_name=REGION,
        aws_access_key_id=OWNER[0], aws_secret_access_key=OWNER[1], config=RETRIES,
    )
    topic = sns.create_topic(Name=unique_name())["TopicArn"]
    denied, _ = subscribed_queue(sns, sqs, topic, unique_name("-denied"))
    allowed, _ = subscribed_queue(sns, sqs, topic, unique_name("-allowed"))
    allowed_arn = sqs.get_queue_attributes(QueueUrl=allowed, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    policy = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
        "Action": "sqs:SendMessage", "Resource": allowed_arn,
        "Condition": {"ArnEquals": {"aws:SourceArn": topic}}}]}
    sqs.set_queue_attributes(QueueUrl=allowed, Attributes={"Policy": json.dumps(policy)})
    sns.publish(TopicArn=topic, Message="m")
    assert len(receive_all(sqs, allowed)) == 1
    assert receive_all(sqs, denied) == []


@pytest.fixture(scope="module")
def logged(tmp_path_factory):
    """A server of its own that logs at info level, so deliveries it does not make show."""
    process = SluiceProcess("--in-memory", env={"RUST_LOG": "info"})
    yield process
    process.close()


def test_deliveries_sluice_does_not_make_are_logged_as_not_delivered(logged, unique_name):
    sns = sns_client(logged.endpoint)
    topic = sns.create_topic(Name=unique_name())["TopicArn"]
    account = topic.split(":")[4]
    endpoints = {
        "sms": "+15555550100",
        "lambda": f"arn:aws:lambda:{REGION}:{account}:function:f",
        "firehose": f"arn:aws:firehose:{REGION}:{account}:deliverystream/s",
        "email": "dev@example.com",
    }
    subscriptions = {
        protocol: sns.subscribe(TopicArn=topic, Protocol=protocol, Endpoint=endpoint,
                                ReturnSubscriptionArn=True)["SubscriptionArn"]
        for protocol, endpoint in endpoints.items()
    }
    # An e-mail subscription's confirmation is logged with its token; confirming makes it
    # receive (in the log) like the others.
    line = next(l for l in logged.output().splitlines() if "confirmation NOT delivered" in l)
    token = line.split("token=")[1].split()[0].strip('"')
    assert sns.confirm_subscription(TopicArn=topic, Token=token)["SubscriptionArn"] == subscriptions["email"]
    message_id = sns.publish(TopicArn=topic, Message="hello")["MessageId"]
    lines = [l for l in logged.output().splitlines() if "NOT delivered" in l and message_id in l]
    for protocol, endpoint in endpoints.items():
        mine = [l for l in lines if subscriptions[protocol] in l]
        assert len(mine) == 1, (protocol, lines)
        assert endpoint in mine[0] and topic in mine[0] and f"protocol={protocol}" in mine[0]
    # A Publish to a phone number is answered and logged the same way.
    direct = sns.publish(PhoneNumber="+15555550101", Message="hi")["MessageId"]
    assert any("SMS NOT delivered" in l and direct in l for l in logged.output().splitlines())
