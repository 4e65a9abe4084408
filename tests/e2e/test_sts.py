"""STS with real boto3 clients: GetCallerIdentity and AssumeRole on the same port as
SQS, temporary credentials accepted by SQS until they expire, and a boto3 profile that
assumes a role through `role_arn` + `source_profile`. The expiry is reached by moving
the server's test clock."""

import json
import urllib.request

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config

from conftest import REGION, SluiceProcess

ACCOUNT = "111111111111"
ALICE = ("AKIAALICE0000000001", "alice-secret", f"arn:aws:iam::{ACCOUNT}:user/alice")
MALLORY = ("AKIAMALLORY00000001", "mallory-secret", f"arn:aws:iam::{ACCOUNT}:user/mallory")
WORKER_ROLE = f"arn:aws:iam::{ACCOUNT}:role/worker"
TRUST_ALICE = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": ALICE[2]}, "Action": "sts:AssumeRole"}
        ],
    }
)
# The role's sessions may create and list queues and send, and nothing else.
WORKER_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["sqs:CreateQueue", "sqs:ListQueues", "sqs:SendMessage"],
                "Resource": "*",
            }
        ],
    }
)
RETRIES = Config(retries={"max_attempts": 1, "mode": "standard"})


def client(service, endpoint, key, secret, token=None):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=token,
        config=RETRIES,
    )


def error_of(call):
    with pytest.raises(botocore.exceptions.ClientError) as info:
        call()
    err = info.value.response
    return err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"], err["Error"].get("Message", "")


def session_clients(service, endpoint, credentials):
    return client(
        service,
        endpoint,
        credentials["AccessKeyId"],
        credentials["SecretAccessKey"],
        credentials["SessionToken"],
    )


@pytest.fixture(scope="module")
def sts_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sts")
    config = folder / "sluice.toml"
    config.write_text(
        f"""
[[identities]]
access_key_id = "{ALICE[0]}"
secret_access_key = "{ALICE[1]}"
account_id = "{ACCOUNT}"
principal_arn = "{ALICE[2]}"

[[identities]]
access_key_id = "{MALLORY[0]}"
secret_access_key = "{MALLORY[1]}"
account_id = "{ACCOUNT}"
principal_arn = "{MALLORY[2]}"

[[roles]]
arn = "{WORKER_ROLE}"
trust_policy = '{TRUST_ALICE}'
policies = ['{WORKER_POLICY}']
max_session_duration_seconds = 7200
"""
    )
    process = SluiceProcess("--in-memory", "--test-clock", "--config", str(config))
    yield process
    process.close()


def advance(server, ms):
    req = urllib.request.Request(
        f"{server.admin}/test-clock/advance?ms={int(ms)}", data=b"", method="POST"
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 200


def test_open_server_names_the_caller_as_its_account_root(server):
    sts = client("sts", server, "AKIDTEST", "secret")
    identity = sts.get_caller_identity()
    assert identity["Account"] == "000000000000"
    assert identity["Arn"] == "arn:aws:iam::000000000000:root"
    assert identity["UserId"] == "000000000000"
    # A twelve-digit access key id names the account on an open server.
    other = client("sts", server, "123456789012", "secret").get_caller_identity()
    assert other["Account"] == "123456789012"


def test_open_server_assume_role_acts_in_the_roles_account(server, unique_name):
    sts = client("sts", server, "AKIDTEST", "secret")
    out = sts.assume_role(RoleArn="arn:aws:iam::222222222222:role/deployer", RoleSessionName="ci")
    creds = out["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA")
    assert out["AssumedRoleUser"]["Arn"] == "arn:aws:sts::222222222222:assumed-role/deployer/ci"
    assert out["AssumedRoleUser"]["AssumedRoleId"].startswith("AROA")
    assert out["AssumedRoleUser"]["AssumedRoleId"].endswith(":ci")
    who = session_clients("sts", server, creds).get_caller_identity()
    assert who["Arn"] == out["AssumedRoleUser"]["Arn"]
    assert who["UserId"] == out["AssumedRoleUser"]["AssumedRoleId"]
    sqs = session_clients("sqs", server, creds)
    url = sqs.create_queue(QueueName=unique_name())["QueueUrl"]
    assert "/222222222222/" in url


def test_configured_identity_and_trusted_role(sts_server, unique_name):
    alice = client("sts", sts_server.endpoint, ALICE[0], ALICE[1])
    assert alice.get_caller_identity()["Arn"] == ALICE[2]
    assert alice.get_caller_identity()["UserId"].startswith("AIDA")
    out = alice.assume_role(RoleArn=WORKER_ROLE, RoleSessionName="job-1", DurationSeconds=7200)
    creds = out["Credentials"]
    sqs = session_clients("sqs", sts_server.endpoint, creds)
    url = sqs.create_queue(QueueName=unique_name())["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="from the role")
    # The role's policy does not allow ReceiveMessage.
    code, status, message = error_of(lambda: sqs.receive_message(QueueUrl=url))
    assert (code, status) == ("AccessDenied", 403)
    assert f"arn:aws:sts::{ACCOUNT}:assumed-role/worker/job-1" in message


def test_an_untrusted_caller_cannot_assume_the_role(sts_server):
    mallory = client("sts", sts_server.endpoint, MALLORY[0], MALLORY[1])
    code, status, message = error_of(
        lambda: mallory.assume_role(RoleArn=WORKER_ROLE, RoleSessionName="x1")
    )
    assert (code, status) == ("AccessDenied", 403)
    assert message.startswith(f"User: {MALLORY[2]} is not authorized to perform: sts:assumerole")


def test_durations_and_session_names_are_validated(sts_server):
    alice = client("sts", sts_server.endpoint, ALICE[0], ALICE[1])
    code, status, message = error_of(
        lambda: alice.assume_role(RoleArn=WORKER_ROLE, RoleSessionName="s1", DurationSeconds=7201)
    )
    assert (code, status) == ("ValidationError", 400)
    assert message == "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
    code, status, message = error_of(
        lambda: alice.assume_role(RoleArn=WORKER_ROLE, RoleSessionName="bad name")
    )
    assert (code, status) == ("ValidationError", 400)
    assert "at 'roleSessionName' failed to satisfy constraint" in message


def test_a_forged_session_token_is_refused(sts_server):
    alice = client("sts", sts_server.endpoint, ALICE[0], ALICE[1])
    creds = dict(alice.assume_role(RoleArn=WORKER_ROLE, RoleSessionName="forge")["Credentials"])
    token = creds["SessionToken"]
    creds["SessionToken"] = token[:10] + ("A" if token[10] != "A" else "B") + token[11:]
    code, status, message = error_of(lambda: session_clients("sqs", sts_server.endpoint, creds).list_queues())
    assert (code, status) == ("InvalidClientTokenId", 403)
    assert message == "The security token included in the request is invalid."


def test_a_role_profile_assumes_the_role_through_sluice(sts_server, tmp_path, monkeypatch):
    (tmp_path / "credentials").write_text(
        f"[alice]\naws_access_key_id = {ALICE[0]}\naws_secret_access_key = {ALICE[1]}\n"
    )
    (tmp_path / "config").write_text(
        f"[profile worker]\nrole_arn = {WORKER_ROLE}\nsource_profile = alice\n"
        f"role_session_name = from-profile\nregion = {REGION}\n"
    )
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", sts_server.endpoint)
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    session = boto3.Session(profile_name="worker")
    sts = session.client("sts", endpoint_url=sts_server.endpoint, config=RETRIES)
    assert sts.get_caller_identity()["Arn"] == (
        f"arn:aws:sts::{ACCOUNT}:assumed-role/worker/from-profile"
    )
    sqs = session.client("sqs", endpoint_url=sts_server.endpoint, config=RETRIES)
    assert "QueueUrls" not in sqs.list_queues(QueueNamePrefix="none-such")


# Last in the module: it moves the module server's clock past what signatures tolerate.
def test_temporary_credentials_expire(sts_server, unique_name):
    alice = client("sts", sts_server.endpoint, ALICE[0], ALICE[1])
    creds = alice.assume_role(RoleArn=WORKER_ROLE, RoleSessionName="short", DurationSeconds=900)[
        "Credentials"
    ]
    sqs = session_clients("sqs", sts_server.endpoint, creds)
    sqs.list_queues()
    advance(sts_server, 901_000)
    code, status, message = error_of(lambda: sqs.list_queues())
    assert (code, status) == ("ExpiredToken", 403)
    assert message == "The security token included in the request is expired"
    code, status, _ = error_of(lambda: session_clients("sts", sts_server.endpoint, creds).get_caller_identity())
    assert (code, status) == ("ExpiredToken", 403)
