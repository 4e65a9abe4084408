"""HTTPS with the development certificate: boto3 trusting the generated PEM file talks
to the TLS listener and gets https queue URLs; a client that trusts only the usual
authorities is refused."""

import time

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config

from conftest import REGION, STARTUP_TIMEOUT_S, SluiceProcess, _accepts, _free_port


@pytest.fixture
def tls_server(tmp_path):
    """A server with a self-signed HTTPS listener; yields (https endpoint, cert path)."""
    tls_port = _free_port()
    process = SluiceProcess(
        "--data-dir",
        str(tmp_path),
        "--tls-self-signed",
        "--tls-listen",
        f"127.0.0.1:{tls_port}",
    )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not _accepts(tls_port):
            assert time.monotonic() < deadline, process.output()
            time.sleep(0.05)
        yield f"https://127.0.0.1:{tls_port}", tmp_path / "tls" / "self-signed-cert.pem"
    finally:
        process.close()


def https_client(endpoint, verify):
    return boto3.client(
        "sqs",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="AKIDTEST",
        aws_secret_access_key="secret",
        verify=verify,
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )


def test_boto3_over_https_trusting_the_development_certificate(tls_server):
    endpoint, cert = tls_server
    assert cert.is_file()
    sqs = https_client(endpoint, str(cert))
    url = sqs.create_queue(QueueName="over-tls")["QueueUrl"]
    assert url == f"{endpoint}/000000000000/over-tls"
    sqs.send_message(QueueUrl=url, MessageBody="secret")
    messages = sqs.receive_message(QueueUrl=url)["Messages"]
    assert [m["Body"] for m in messages] == ["secret"]

    untrusting = https_client(endpoint, True)
    with pytest.raises(botocore.exceptions.SSLError):
        untrusting.list_queues()
