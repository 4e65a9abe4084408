"""Authentication and authorisation with real boto3 clients, under whichever SQS wire
protocol the installed botocore speaks (the suite runs once per protocol).

One `sluice` process with identities configured serves the module: every request must
carry a valid SigV4 signature from one of them, and queue access follows identity and
queue policies. The server runs on the hand-driven test clock, so an expired signature
is made by moving the server's clock rather than by waiting."""

import json
import urllib.error
import urllib.request

import botocore.exceptions
import pytest

from conftest import SluiceProcess, make_client

OWNER = ("AKIAOWNER0000000001", "owner-secret", "111111111111")
# A user of the owner's account with no identity policy of its own.
CAROL = ("AKIACAROL0000000001", "carol-secret", "111111111111")
# A user of another account whose identity policy allows every SQS action.
BOB = ("AKIABOB000000000001", "bob-secret", "222222222222")
CAROL_ARN = "arn:aws:iam::111111111111:user/carol"
BOB_ARN = "arn:aws:iam::222222222222:user/bob"
SIGNATURE_SKEW_MS = 15 * 60 * 1000
EXPIRED_CODE, EXPIRED_STATUS = "SignatureDoesNotMatch", 403

BOB_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}],
    }
)


@pytest.fixture(scope="module")
def auth_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("auth")
    # The owner's secret lives in a shared-credentials file, as a deployment would keep it.
    credentials = folder / "credentials"
    credentials.write_text(
        f"[owner]\naws_access_key_id = {OWNER[0]}\naws_secret_access_key = {OWNER[1]}\n"
    )
    config = folder / "sluice.toml"
    config.write_text(
        f"""
credentials_file = "{credentials}"

[[identities]]
access_key_id = "{OWNER[0]}"
account_id = "{OWNER[2]}"

[[identities]]
access_key_id = "{CAROL[0]}"
secret_access_key = "{CAROL[1]}"
account_id = "{CAROL[2]}"
principal_arn = "{CAROL_ARN}"

[[identities]]
access_key_id = "{BOB[0]}"
secret_access_key = "{BOB[1]}"
account_id = "{BOB[2]}"
principal_arn = "{BOB_ARN}"
policies = ['{BOB_POLICY}']
"""
    )
    process = SluiceProcess("--in-memory", "--test-clock", "--config", str(config))
    yield process
    process.close()


def client(server, identity, secret=None, **kwargs):
    sqs = make_client(server.endpoint, **kwargs)
    key, real_secret, _ = identity
    return _with_credentials(sqs, key, secret or real_secret)


def _with_credentials(sqs, key, secret):
    import boto3

    return boto3.client(
        "sqs",
        endpoint_url=sqs.meta.endpoint_url,
        region_name=sqs.meta.region_name,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=sqs.meta.config,
    )


def error_of(call):
    with pytest.raises(botocore.exceptions.ClientError) as info:
        call()
    err = info.value.response
    return err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"], err["Error"].get("Message", "")


def advance(server, ms):
    req = urllib.request.Request(
        f"{server.admin}/test-clock/advance?ms={int(ms)}", data=b"", method="POST"
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 200


def test_signed_requests_from_a_configured_identity_work(auth_server, unique_name):
    owner = client(auth_server, OWNER)
    url = owner.create_queue(QueueName=unique_name())["QueueUrl"]
    owner.send_message(QueueUrl=url, MessageBody="hello")
    got = owner.receive_message(QueueUrl=url, WaitTimeSeconds=0)["Messages"]
    assert [m["Body"] for m in got] == ["hello"]
    assert "/111111111111/" in url


def test_wrong_secret_is_refused(auth_server):
    wrong = client(auth_server, OWNER, secret="not-the-secret")
    code, status, message = error_of(lambda: wrong.list_queues())
    assert (code, status) == ("SignatureDoesNotMatch", 403)
    assert "signature" in message.lower()


def test_unknown_access_key_is_refused(auth_server):
    stranger = client(auth_server, ("AKIANOBODY000000000", "x", ""))
    code, status, _ = error_of(lambda: stranger.list_queues())
    assert (code, status) == ("InvalidClientTokenId", 403)


def test_an_unsigned_request_is_refused(auth_server):
    req = urllib.request.Request(
        auth_server.endpoint + "/",
        data=b"Action=ListQueues&Version=2012-11-05",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(req, timeout=10)
    assert info.value.code == 403
    assert b"MissingAuthenticationToken" in info.value.read()


def test_a_body_changed_after_signing_is_refused(auth_server, unique_name):
    owner = client(auth_server, OWNER)
    url = owner.create_queue(QueueName=unique_name())["QueueUrl"]

    def tamper(request, **_):
        body = request.body if isinstance(request.body, bytes) else request.body.encode()
        request.body = body.replace(b"original", b"tampered")

    owner.meta.events.register("before-send.sqs.SendMessage", tamper)
    code, status, _ = error_of(lambda: owner.send_message(QueueUrl=url, MessageBody="original"))
    assert (code, status) == ("SignatureDoesNotMatch", 403)
    owner.meta.events.unregister("before-send.sqs.SendMessage", tamper)
    assert owner.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]["ApproximateNumberOfMessages"] == "0"


def presigned_list_queues(server, identity, expires_s=300, action="ListQueues"):
    """A presigned (query-string signed) Query GET, as botocore signs one."""
    from botocore.auth import SigV4QueryAuth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(
        method="GET",
        url=f"{server.endpoint}/",
        params={"Action": action, "Version": "2012-11-05"},
    )
    SigV4QueryAuth(Credentials(identity[0], identity[1]), "sqs", "us-east-1", expires_s).add_auth(
        request
    )
    return request.prepare().url


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def test_presigned_urls_work_and_tampering_is_refused(auth_server):
    url = presigned_list_queues(auth_server, OWNER)
    status, body = get(url)
    assert status == 200, body
    assert b"ListQueuesResponse" in body
    status, body = get(url.replace("Action=ListQueues", "Action=ListQueueZ"))
    assert status == 403 and b"SignatureDoesNotMatch" in body, body
    status, body = get(presigned_list_queues(auth_server, (OWNER[0], "wrong")))
    assert status == 403 and b"SignatureDoesNotMatch" in body, body


def test_a_region_that_does_not_exist_is_refused(auth_server):
    nowhere = client(auth_server, OWNER, region="moon-central-1x")
    code, status, _ = error_of(lambda: nowhere.list_queues())
    assert status in (400, 403), code


def test_cross_account_send_needs_the_queue_policy(auth_server, unique_name):
    owner = client(auth_server, OWNER)
    bob = client(auth_server, BOB)
    url = owner.create_queue(QueueName=unique_name())["QueueUrl"]
    arn = owner.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    code, status, _ = error_of(lambda: bob.send_message(QueueUrl=url, MessageBody="x"))
    assert (code, status) == ("AccessDenied", 403)
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "bob-sends",
                "Effect": "Allow",
                "Principal": {"AWS": "222222222222"},
                "Action": "sqs:SendMessage",
                "Resource": arn,
            }
        ],
    }
    owner.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})
    bob.send_message(QueueUrl=url, MessageBody="from bob")
    # Only SendMessage was granted.
    code, _, _ = error_of(lambda: bob.receive_message(QueueUrl=url, WaitTimeSeconds=0))
    assert code == "AccessDenied"


def test_same_account_user_needs_an_allow_and_an_explicit_deny_wins(auth_server, unique_name):
    owner = client(auth_server, OWNER)
    carol = client(auth_server, CAROL)
    url = owner.create_queue(QueueName=unique_name())["QueueUrl"]
    arn = owner.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    code, _, _ = error_of(lambda: carol.send_message(QueueUrl=url, MessageBody="x"))
    assert code == "AccessDenied"
    allow = {
        "Effect": "Allow",
        "Principal": {"AWS": CAROL_ARN},
        "Action": "sqs:*",
        "Resource": arn,
    }
    owner.set_queue_attributes(
        QueueUrl=url,
        Attributes={"Policy": json.dumps({"Version": "2012-10-17", "Statement": [allow]})},
    )
    carol.send_message(QueueUrl=url, MessageBody="from carol")
    deny = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "sqs:SendMessage",
        "Resource": arn,
    }
    owner.set_queue_attributes(
        QueueUrl=url,
        Attributes={"Policy": json.dumps({"Version": "2012-10-17", "Statement": [allow, deny]})},
    )
    code, _, _ = error_of(lambda: carol.send_message(QueueUrl=url, MessageBody="x"))
    assert code == "AccessDenied"
    code, _, _ = error_of(lambda: owner.send_message(QueueUrl=url, MessageBody="x"))
    assert code == "AccessDenied", "an explicit Deny binds the owner too"
    # Receiving was not denied.
    assert carol.receive_message(QueueUrl=url, WaitTimeSeconds=0)["Messages"]


def test_add_and_remove_permission_grant_and_revoke(auth_server, unique_name):
    owner = client(auth_server, OWNER)
    bob = client(auth_server, BOB)
    url = owner.create_queue(QueueName=unique_name())["QueueUrl"]
    owner.add_permission(
        QueueUrl=url, Label="bob", AWSAccountIds=["222222222222"], Actions=["SendMessage"]
    )
    bob.send_message(QueueUrl=url, MessageBody="granted")
    owner.remove_permission(QueueUrl=url, Label="bob")
    code, _, _ = error_of(lambda: bob.send_message(QueueUrl=url, MessageBody="x"))
    assert code == "AccessDenied"


# Last in the module: it moves the server's clock past the signature window for good
# (a test clock only moves forward), so every later request would be refused too.
def test_zz_a_request_signed_too_long_ago_is_refused(auth_server):
    owner = client(auth_server, OWNER)
    owner.list_queues()
    advance(auth_server, SIGNATURE_SKEW_MS + 60_000)
    presigned = presigned_list_queues(auth_server, OWNER, expires_s=60)
    advance(auth_server, SIGNATURE_SKEW_MS + 60_000)
    code, status, message = error_of(lambda: owner.list_queues())
    assert (code, status) == (EXPIRED_CODE, EXPIRED_STATUS), message
    status, body = get(presigned)
    assert status == 400 and b"RequestExpired" in body, body
