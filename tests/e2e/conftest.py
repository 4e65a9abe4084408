"""Shared fixtures for the end-to-end suite.

One `sluice` process serves the whole session: in memory, on a free loopback port,
with the hand-driven test clock so time-dependent behaviour is tested by moving the
clock (`advance(ms)`) rather than by sleeping. Each test works on queues with unique
names, so tests never see each other's messages.

The suite runs once per SQS wire protocol; `SLUICE_EXPECT_PROTOCOL` (json or query)
makes the run fail at once if the installed botocore speaks the other one.
"""

import os
import pathlib
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
import uuid

import boto3
import botocore
import botocore.session
import pytest
from botocore.config import Config

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
REGION = "us-east-1"
ACCOUNT_ID = "000000000000"
STARTUP_TIMEOUT_S = 15.0
SHUTDOWN_TIMEOUT_S = 10.0


def _binary() -> pathlib.Path:
    explicit = os.environ.get("SLUICE_BIN")
    path = pathlib.Path(explicit) if explicit else REPO_ROOT / "target" / "release" / "sluice"
    if not path.is_file():
        pytest.exit(
            f"sluice binary not found at {path}; build it with "
            "`cargo build --release -p sluice-server` or set SLUICE_BIN",
            returncode=2,
        )
    return path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def pytest_report_header(config):
    protocol = botocore.session.get_session().get_service_model("sqs").protocol
    return (
        f"sqs clients: boto3 {boto3.__version__}, botocore {botocore.__version__} "
        f"({protocol} protocol)"
    )


class SluiceProcess:
    """One `sluice` process on a free loopback port, its admin listener on another;
    `extra_args` are added to those, `env` to the environment. Its output goes to a
    temporary log, shown if it fails to start."""

    def __init__(self, *extra_args: str, env: dict = None):
        self.port = _free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.admin_port = _free_port()
        self.admin = f"http://127.0.0.1:{self.admin_port}"
        self.log = tempfile.NamedTemporaryFile(prefix="sluice-e2e-", suffix=".log", delete=False)
        self.proc = subprocess.Popen(
            [
                str(_binary()),
                "--listen",
                f"127.0.0.1:{self.port}",
                "--admin-listen",
                f"127.0.0.1:{self.admin_port}",
                *extra_args,
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env={
                **os.environ,
                "RUST_LOG": os.environ.get("RUST_LOG", "warn"),
                "NO_COLOR": "1",
                **(env or {}),
            },
        )
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not _accepts(self.port):
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"sluice exited with {self.proc.returncode} before listening:\n{self.output()}"
                )
            if time.monotonic() > deadline:
                self.proc.kill()
                raise RuntimeError(
                    f"sluice did not listen on {self.port} in time:\n{self.output()}"
                )
            time.sleep(0.05)

    def output(self) -> str:
        self.log.flush()
        return pathlib.Path(self.log.name).read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Sends `sig` (SIGTERM: a graceful stop), waits, kills if it hangs; returns the
        exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=SHUTDOWN_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def close(self) -> None:
        self.stop()
        self.log.close()
        os.unlink(self.log.name)


@pytest.fixture(scope="session")
def sluice():
    """Starts the session's server (in memory, on the test clock) and
    yields its SluiceProcess; stops it at the end."""
    try:
        process = SluiceProcess("--in-memory", "--test-clock")
    except RuntimeError as e:
        pytest.exit(str(e), returncode=2)
    try:
        yield process
    finally:
        process.close()


@pytest.fixture(scope="session")
def server(sluice):
    """The session's server's endpoint URL."""
    return sluice.endpoint


@pytest.fixture(scope="session")
def admin(sluice):
    """The session's server's admin listener URL."""
    return sluice.admin


def make_client(endpoint: str, region: str = REGION, service: str = "sqs", **config):
    """A boto3 client (SQS unless `service` says otherwise) for the test server, with
    retries off so errors surface."""
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="AKIDTEST",
        aws_secret_access_key="secret",
        config=Config(retries={"max_attempts": 1, "mode": "standard"}, **config),
    )


@pytest.fixture(scope="session")
def sqs(server):
    return make_client(server)


# An operation of the Kinesis model Sluice serves (2025): older botocore lines (the Query
# environment's) lack members and actions the Kinesis tests use.
KINESIS_MODEL_MARKER = "UpdateMaxRecordSize"


def make_kinesis(endpoint: str, **config):
    """A boto3 Kinesis client for the test server; skips the test where the installed
    botocore's Kinesis model predates the one Sluice serves."""
    client = make_client(endpoint, service="kinesis", **config)
    if KINESIS_MODEL_MARKER not in client.meta.service_model.operation_names:
        pytest.skip(
            f"botocore {botocore.__version__} predates the Kinesis model Sluice serves "
            "(the Kinesis tests run in the JSON environment)"
        )
    client.meta.events.register("after-call.kinesis", _no_stream_id)
    return client


def _has_stream_id(value) -> bool:
    if isinstance(value, dict):
        return "StreamId" in value or any(_has_stream_id(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_stream_id(v) for v in value)
    return False


def _no_stream_id(http_response, parsed, model, **_):
    """No Kinesis answer carries a StreamId (an SDK that sees one sends the next request
    to an amazonaws.com host): checked on every answer a Kinesis client reads."""
    if not model.has_event_stream_output:
        assert b'"StreamId"' not in http_response.content, model.name
    assert not _has_stream_id(parsed), (model.name, parsed)


@pytest.fixture(scope="session")
def kinesis(server):
    return make_kinesis(server)


@pytest.fixture(scope="session")
def kinesis_raw(server):
    """A Kinesis client that skips botocore's parameter validation, so the server's own
    checks answer."""
    return make_kinesis(server, parameter_validation=False)


@pytest.fixture
def make_stream(kinesis, unique_name):
    """make_stream(suffix='', **CreateStream args) -> (name, arn): a fresh stream (one
    shard unless told otherwise), deleted with its consumers at the end of the test: the
    session's account has a 500-shard limit."""
    made = []

    def _make(suffix: str = "", **args):
        name = unique_name(suffix)
        if "StreamModeDetails" not in args:
            args.setdefault("ShardCount", 1)
        kinesis.create_stream(StreamName=name, **args)
        made.append(name)
        summary = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
        return name, summary["StreamARN"]

    yield _make
    for name in made:
        try:
            kinesis.delete_stream(StreamName=name, EnforceConsumerDeletion=True)
        except kinesis.exceptions.ResourceNotFoundException:
            pass


@pytest.fixture(scope="session", autouse=True)
def _check_protocol(sqs):
    expected = os.environ.get("SLUICE_EXPECT_PROTOCOL")
    actual = sqs.meta.service_model.protocol
    if expected and actual != expected:
        pytest.exit(
            f"SLUICE_EXPECT_PROTOCOL={expected} but botocore {botocore.__version__} "
            f"speaks '{actual}'",
            returncode=3,
        )


@pytest.fixture(scope="session")
def advance(admin):
    """advance(ms): moves the server's test clock forward (on its admin listener)."""

    def _advance(ms: int) -> None:
        req = urllib.request.Request(
            f"{admin}/test-clock/advance?ms={int(ms)}", data=b"", method="POST"
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            assert resp.status == 200, resp.read()

    return _advance


@pytest.fixture
def unique_name(request):
    """unique_name(suffix=''): a queue name no other test uses."""

    def _name(suffix: str = "") -> str:
        base = request.node.name.split("[")[0].replace("test_", "", 1)[:30]
        return f"e2e-{base}-{uuid.uuid4().hex[:12]}{suffix}"

    return _name


@pytest.fixture
def queue(sqs, unique_name):
    """A fresh standard queue's URL."""
    return sqs.create_queue(QueueName=unique_name())["QueueUrl"]


@pytest.fixture
def make_queue(sqs, unique_name):
    """make_queue(suffix='', **attributes) -> (url, arn): a fresh queue with the given
    attributes (values may be ints; they are sent as strings)."""

    def _make(suffix: str = "", **attributes):
        args = {"QueueName": unique_name(suffix)}
        if attributes:
            args["Attributes"] = {k: str(v) for k, v in attributes.items()}
        url = sqs.create_queue(**args)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        return url, arn

    return _make
