"""SNS delivery to an HTTP endpoint this test serves, with a real boto3 `sns` client: the
SubscriptionConfirmation arrives and an unsigned GET of its SubscribeURL confirms the
subscription; notifications carry AWS's headers; every document's signature is checked
here, independently of the server, with `cryptography` against the certificate served at
its SigningCertURL (SignatureVersion 1 and 2); raw delivery sends the message itself."""

import base64
import json
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from test_sns_topics import sns_client

WAIT_S = 20.0

NOTIFICATION_FIELDS = ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"]
CONFIRMATION_FIELDS = ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"]


class Endpoint:
    """An HTTP server on a loopback port that records every POST and answers 200."""

    def __init__(self):
        self.received = []
        self.lock = threading.Lock()
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length).decode("utf-8")
                with endpoint.lock:
                    endpoint.received.append(
                        {"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                         "body": body}
                    )
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, path, kind, count=1):
        deadline = time.monotonic() + WAIT_S
        while True:
            with self.lock:
                got = [r for r in self.received
                       if r["path"] == path and r["headers"].get("x-amz-sns-message-type") == kind]
            if len(got) >= count:
                return got
            assert time.monotonic() < deadline, f"{path}: {len(got)} {kind} POSTs, expected {count}"
            time.sleep(0.02)


@pytest.fixture(scope="module")
def endpoint():
    e = Endpoint()
    yield e
    e.server.shutdown()


@pytest.fixture(scope="module")
def sns(server):
    return sns_client(server)


def verify(doc):
    """Checks a document's signature as a receiver does: the certificate from its
    SigningCertURL, the string to sign rebuilt from its fields, SHA1 or SHA256 by its
    SignatureVersion."""
    with urllib.request.urlopen(doc["SigningCertURL"], timeout=10) as resp:
        cert = x509.load_pem_x509_certificate(resp.read())
    fields = NOTIFICATION_FIELDS if doc["Type"] == "Notification" else CONFIRMATION_FIELDS
    string_to_sign = "".join(f"{name}\n{doc[name]}\n" for name in fields if name in doc)
    digest = hashes.SHA1() if doc["SignatureVersion"] == "1" else hashes.SHA256()
    cert.public_key().verify(
        base64.b64decode(doc["Signature"]), string_to_sign.encode("utf-8"), padding.PKCS1v15(), digest
    )


def subscribe_confirmed(sns, endpoint, topic, path, **attributes):
    pending = sns.subscribe(
        TopicArn=topic, Protocol="http", Endpoint=endpoint.base + path,
        Attributes={k: str(v) for k, v in attributes.items()},
    )["SubscriptionArn"]
    assert pending == "pending confirmation"
    confirmation = endpoint.wait_for(path, "SubscriptionConfirmation")[0]
    doc = json.loads(confirmation["body"])
    assert doc["Type"] == "SubscriptionConfirmation"
    assert doc["TopicArn"] == topic
    assert confirmation["headers"]["x-amz-sns-topic-arn"] == topic
    assert "x-amz-sns-subscription-arn" not in confirmation["headers"]
    verify(doc)
    # Unsigned, as an endpoint visits it.
    with urllib.request.urlopen(doc["SubscribeURL"], timeout=10) as resp:
        assert resp.status == 200
        text = resp.read().decode()
    assert "<ConfirmSubscriptionResponse" in text
    arn = text.split("<SubscriptionArn>")[1].split("</SubscriptionArn>")[0]
    return arn


@pytest.mark.parametrize("version", ["1", "2"])
def test_confirmation_and_signed_notification(sns, endpoint, unique_name, version):
    topic = sns.create_topic(Name=unique_name(), Attributes={"SignatureVersion": version})["TopicArn"]
    path = f"/signed-{version}"
    arn = subscribe_confirmed(sns, endpoint, topic, path)
    attributes = sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
    assert attributes["PendingConfirmation"] == "false"
    assert attributes["Protocol"] == "http"

    message_id = sns.publish(TopicArn=topic, Message="caf\u00e9\nbody", Subject="hi")["MessageId"]
    notification = endpoint.wait_for(path, "Notification")[0]
    headers = notification["headers"]
    assert headers["x-amz-sns-message-id"] == message_id
    assert headers["x-amz-sns-topic-arn"] == topic
    assert headers["x-amz-sns-subscription-arn"] == arn
    assert headers["user-agent"] == "Amazon Simple Notification Service Agent"
    assert headers["content-type"] == "text/plain; charset=UTF-8"
    assert "x-amz-sns-rawdelivery" not in headers
    doc = json.loads(notification["body"])
    assert (doc["Message"], doc["Subject"], doc["SignatureVersion"]) == ("caf\u00e9\nbody", "hi", version)
    verify(doc)
    # A tampered document does not verify.
    with pytest.raises(Exception):
        verify({**doc, "Message": "changed"})


def test_raw_delivery_sends_the_message_itself(sns, endpoint, unique_name):
    topic = sns.create_topic(Name=unique_name())["TopicArn"]
    policy = json.dumps({"requestPolicy": {"headerContentType": "application/json"}})
    arn = subscribe_confirmed(
        sns, endpoint, topic, "/raw", RawMessageDelivery="true", DeliveryPolicy=policy
    )
    message_id = sns.publish(
        TopicArn=topic, Message='{"order": 7}',
        MessageAttributes={"colour": {"DataType": "String", "StringValue": "red"}},
    )["MessageId"]
    raw = endpoint.wait_for("/raw", "Notification")[0]
    assert raw["body"] == '{"order": 7}'
    assert raw["headers"]["x-amz-sns-rawdelivery"] == "true"
    assert raw["headers"]["x-amz-sns-message-id"] == message_id
    assert raw["headers"]["x-amz-sns-subscription-arn"] == arn
    assert raw["headers"]["content-type"] == "application/json"


def test_bad_delivery_policies_are_refused(sns, unique_name):
    import botocore

    topic = sns.create_topic(Name=unique_name())["TopicArn"]
    with pytest.raises(botocore.exceptions.ClientError) as info:
        sns.set_topic_attributes(
            TopicArn=topic, AttributeName="DeliveryPolicy",
            AttributeValue=json.dumps({"http": {"defaultHealthyRetryPolicy": {"numRetries": 101}}}),
        )
    err = info.value.response["Error"]
    assert err["Code"] == "InvalidParameter"
    assert "numRetries must be in range [0, 100]" in err["Message"]


def test_http_subscriptions_report_their_delivery_policies(sns, unique_name):
    topic = sns.create_topic(
        Name=unique_name(),
        Attributes={"DeliveryPolicy": json.dumps(
            {"http": {"defaultRequestPolicy": {"headerContentType": "application/json"}}})},
    )["TopicArn"]
    effective = json.loads(sns.get_topic_attributes(TopicArn=topic)["Attributes"]["EffectiveDeliveryPolicy"])
    assert effective["http"]["defaultHealthyRetryPolicy"]["numRetries"] == 3
    assert effective["http"]["defaultRequestPolicy"] == {"headerContentType": "application/json"}
    policy = {"healthyRetryPolicy": {"minDelayTarget": 1, "maxDelayTarget": 1, "numRetries": 0},
              "throttlePolicy": {"maxReceivesPerSecond": 1000}}
    arn = sns.subscribe(
        TopicArn=topic, Protocol="http", Endpoint="http://127.0.0.1:9/never",
        Attributes={"DeliveryPolicy": json.dumps(policy)}, ReturnSubscriptionArn=True,
    )["SubscriptionArn"]
    attributes = sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
    assert attributes["PendingConfirmation"] == "true"
    reported = json.loads(attributes["DeliveryPolicy"])
    assert list(reported) == ["healthyRetryPolicy", "sicklyRetryPolicy", "throttlePolicy", "requestPolicy", "guaranteed"]
    assert reported["healthyRetryPolicy"]["numRetries"] == 0
    assert reported["requestPolicy"] is None
    effective = json.loads(attributes["EffectiveDeliveryPolicy"])
    assert effective["requestPolicy"] == {"headerContentType": "application/json"}
    assert effective["throttlePolicy"] == {"maxReceivesPerSecond": 1000}
