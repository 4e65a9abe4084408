"""Console actions off loopback: a request signed by an identity acts as that identity, so
its policies decide as the API's would; the admin token acts as the operator."""

import json
import os
import re
import socket
import subprocess
import time
import urllib.error
import urllib.request

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from conftest import REGION, _binary

OPS = ("AKIAOPS000000000001", "ops-secret", "000000000000")
ADMIN_TOKEN = "console-token"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def admin_server(tmp_path):
    policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": ["sqs:GetQueueAttributes"], "Resource": "*"}
            ],
        }
    )
    config = tmp_path / "sluice.toml"
    config.write_text(
        '[[queues]]\nname = "work"\n\n'
        "[[identities]]\n"
        f'access_key_id = "{OPS[0]}"\nsecret_access_key = "{OPS[1]}"\n'
        f'account_id = "{OPS[2]}"\nprincipal_arn = "arn:aws:iam::000000000000:user/ops"\n'
        f"policies = ['{policy}']\n"
    )
    api, admin = free_port(), free_port()
    proc = subprocess.Popen(
        [str(_binary()), "--in-memory", "--config", str(config),
         "--listen", f"127.0.0.1:{api}", "--admin-listen", f"0.0.0.0:{admin}",
         "--admin-token", ADMIN_TOKEN],
        env={**os.environ, "NO_COLOR": "1"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{admin}"
    deadline = time.monotonic() + 20
    while True:
        try:
            urllib.request.urlopen(f"{base}/ready", timeout=2)
            break
        except (urllib.error.URLError, ConnectionError):
            assert time.monotonic() < deadline
            time.sleep(0.05)
    yield f"http://127.0.0.1:{api}", base
    proc.terminate()
    proc.wait(timeout=20)


def call(method, url, body=b"", signed=False, token=None):
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
    if signed:
        request = AWSRequest(method=method, url=url, data=body, headers=headers)
        SigV4Auth(Credentials(OPS[0], OPS[1]), "sluice", REGION).add_auth(request)
        headers = dict(request.headers.items())
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, data=body or None, method=method, headers=headers)

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(req, timeout=10) as resp:
            return resp.status, resp.headers, resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


def depth(api):
    sqs = boto3.client("sqs", endpoint_url=api, region_name=REGION,
                       aws_access_key_id=OPS[0], aws_secret_access_key=OPS[1])
    url = f"{api}/000000000000/work"
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(attrs["Attributes"]["ApproximateNumberOfMessages"])


def test_signed_console_actions_obey_the_identitys_policy(admin_server):
    api, admin = admin_server
    page = f"{admin}/console/queues/{REGION}/000000000000/work"
    status, _, html = call("GET", page)
    assert status == 401
    status, _, html = call("GET", page, signed=True)
    assert status == 200, html
    form_token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    body = f"token={form_token}&body=hello".encode()

    # ops may read the queue but not send to it: the console's send is refused for it.
    status, headers, _ = call("POST", f"{page}/send", body, signed=True)
    assert status in (302, 303, 307), status
    assert "not+sent" in headers["Location"] or "not%20sent" in headers["Location"]
    assert depth(api) == 0

    # The operator's token sends.
    status, headers, _ = call("POST", f"{page}/send", body, token=ADMIN_TOKEN)
    assert status in (302, 303, 307)
    assert "Sent" in headers["Location"]
    assert depth(api) == 1
