"""SIGHUP reloads the configuration: a queue added to the file appears and an identity's
changed policy applies to its next request, without a restart."""

import json
import signal
import time

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config

from conftest import REGION, SluiceProcess

DAVE = ("AKIADAVE00000000001", "dave-secret", "000000000000")


def config_text(queues, actions):
    policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}],
        }
    )
    text = "".join(f'[[queues]]\nname = "{q}"\n\n' for q in queues)
    text += (
        "[[identities]]\n"
        f'access_key_id = "{DAVE[0]}"\n'
        f'secret_access_key = "{DAVE[1]}"\n'
        f'account_id = "{DAVE[2]}"\n'
        'principal_arn = "arn:aws:iam::000000000000:user/dave"\n'
        f"policies = ['{policy}']\n"
    )
    return text


@pytest.fixture
def reloadable(tmp_path):
    config = tmp_path / "sluice.toml"
    config.write_text(config_text(["first"], ["sqs:ListQueues"]))
    process = SluiceProcess("--in-memory", "--config", str(config), env={"RUST_LOG": "info"})
    yield process, config
    process.close()


def dave(endpoint):
    return boto3.client(
        "sqs",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=DAVE[0],
        aws_secret_access_key=DAVE[1],
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )


def names(sqs):
    return sorted(u.rsplit("/", 1)[1] for u in sqs.list_queues().get("QueueUrls", []))


def test_sighup_adds_a_queue_and_changes_a_policy(reloadable):
    process, config = reloadable
    sqs = dave(process.endpoint)
    assert names(sqs) == ["first"]
    with pytest.raises(botocore.exceptions.ClientError) as denied:
        sqs.create_queue(QueueName="made-by-dave")
    assert denied.value.response["Error"]["Code"] in ("AccessDenied", "AccessDeniedException")

    config.write_text(config_text(["first", "second"], ["sqs:*"]))
    process.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 20
    while names(sqs) != ["first", "second"]:
        assert time.monotonic() < deadline, process.output()
        time.sleep(0.05)
    sqs.create_queue(QueueName="made-by-dave")
    assert "made-by-dave" in names(sqs)
    log = process.output()
    assert "configuration reloaded" in log
    assert "second" in log and f"~{DAVE[0]}" in log


def test_a_broken_file_changes_nothing(reloadable):
    process, config = reloadable
    sqs = dave(process.endpoint)
    config.write_text("this is not toml [")
    process.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 20
    while "configuration not reloaded" not in process.output():
        assert time.monotonic() < deadline, process.output()
        time.sleep(0.05)
    assert names(sqs) == ["first"]
    with pytest.raises(botocore.exceptions.ClientError):
        sqs.create_queue(QueueName="still-denied")
