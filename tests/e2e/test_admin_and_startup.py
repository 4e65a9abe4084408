"""The admin listener (health, readiness, reset) and what a new user meets at start:
on/off environment variables, colourless logs off a terminal, --help's defaults and a
data directory that is not a directory."""

import os
import pathlib
import subprocess
import urllib.error
import urllib.request

import pytest

from conftest import SluiceProcess, _binary, make_client


def admin_call(process, method, path):
    req = urllib.request.Request(process.admin + path, data=b"" if method == "POST" else None, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


@pytest.fixture
def processes():
    started = []

    def start(*args, env=None):
        process = SluiceProcess(*args, env=env)
        started.append(process)
        return process

    yield start
    for process in started:
        process.close()


def test_health_and_readiness(processes):
    process = processes("--in-memory")
    assert admin_call(process, "GET", "/health") == (200, "ok\n")
    assert admin_call(process, "GET", "/ready") == (200, "ready\n")
    # The admin port is not the API port, and the API port has no admin routes.
    assert process.admin_port != process.port
    status, _ = admin_call(process, "POST", "/reset")
    assert status == 404


def test_reset_wipes_everything_when_allowed(processes, unique_name):
    process = processes("--in-memory", "--allow-reset")
    sqs = make_client(process.endpoint)
    name = unique_name()
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="before the reset")
    assert admin_call(process, "POST", "/reset") == (200, "reset\n")
    assert "QueueUrls" not in sqs.list_queues()
    # The name is free at once: a reset leaves no queue "recently deleted".
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    assert "Messages" not in sqs.receive_message(QueueUrl=url)


def test_reset_survives_a_restart(processes, tmp_path, unique_name):
    data = str(tmp_path / "data")
    process = processes("--data-dir", data, "--allow-reset")
    sqs = make_client(process.endpoint)
    sqs.create_queue(QueueName=unique_name())
    assert admin_call(process, "POST", "/reset")[0] == 200
    process.stop()
    again = processes("--data-dir", data)
    assert "QueueUrls" not in make_client(again.endpoint).list_queues()


@pytest.mark.parametrize("value", ["1", "yes", "on", "TRUE"])
def test_on_off_variables_take_the_usual_spellings(processes, tmp_path, value):
    env = {"SLUICE_IN_MEMORY": value, "SLUICE_DATA_DIR": str(tmp_path / "data")}
    process = processes(env=env)
    make_client(process.endpoint).list_queues()
    assert not (tmp_path / "data").exists(), "in memory: nothing on disk"


def run_binary(*args, env=None):
    return subprocess.run(
        [str(_binary()), *args],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, **(env or {})},
    )


def test_a_bad_on_off_value_names_the_variable():
    result = run_binary("--admin-listen", "127.0.0.1:0", env={"SLUICE_IN_MEMORY": "maybe"})
    assert result.returncode == 2
    assert "SLUICE_IN_MEMORY" in result.stderr, result.stderr


def test_help_shows_the_defaults():
    out = run_binary("--help").stdout
    for default in ["127.0.0.1:9324", "./data", "us-east-1", "000000000000", "127.0.0.1:9326"]:
        assert f"[default: {default}]" in out, default


def test_a_data_dir_that_is_a_file_is_named_as_such(tmp_path):
    not_a_dir = tmp_path / "data"
    not_a_dir.write_text("oops")
    result = run_binary("--data-dir", str(not_a_dir), "--admin-listen", "127.0.0.1:0")
    assert result.returncode != 0
    assert f"the data directory {not_a_dir} is not a directory" in result.stderr, result.stderr


def test_logs_off_a_terminal_carry_no_colour(processes):
    process = processes("--in-memory", env={"RUST_LOG": "info", "NO_COLOR": ""})
    make_client(process.endpoint).list_queues()
    log = process.output()
    assert "listening" in log
    assert "\x1b[" not in log


def test_json_logs_name_each_requests_id_action_queue_and_outcome(processes):
    import json

    process = processes(
        "--in-memory", "--log-format", "json", env={"RUST_LOG": "sluice_server=debug,info"}
    )
    sqs = make_client(process.endpoint)
    url = sqs.create_queue(QueueName="logged")["QueueUrl"]
    sent = sqs.send_message(QueueUrl=url, MessageBody="x")
    request_id = sent["ResponseMetadata"]["RequestId"]
    try:
        sqs.get_queue_url(QueueName="not-there")
    except sqs.exceptions.QueueDoesNotExist:
        pass
    process.stop()
    lines = [json.loads(line) for line in process.output().splitlines() if line.startswith("{")]
    assert lines, process.output()
    answered = [l for l in lines if l["fields"].get("message") == "answered"]
    send = [l for l in answered if l["span"].get("action") == "SendMessage"]
    assert len(send) == 1, answered
    assert send[0]["span"]["id"] == request_id
    assert send[0]["span"]["queue"] == "logged"
    assert send[0]["span"]["service"] == "sqs"
    assert send[0]["fields"]["outcome"] == "OK"
    missing = [l for l in answered if l["span"].get("action") == "GetQueueUrl"]
    assert missing and missing[0]["fields"]["outcome"] == "AWS.SimpleQueueService.NonExistentQueue"


def test_admin_off_loopback_needs_a_token_but_probes_do_not():
    import socket
    import time

    def free_port():
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]

    def get(url, token=None):
        req = urllib.request.Request(url)
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status
        except urllib.error.HTTPError as e:
            return e.code
        except urllib.error.URLError:
            return None  # not listening yet

    api, admin = free_port(), free_port()
    base = [str(_binary()), "--in-memory", "--listen", f"127.0.0.1:{api}",
            "--admin-listen", f"0.0.0.0:{admin}"]
    env = {**os.environ, "NO_COLOR": "1"}
    # Without a token or identities, a non-loopback admin listener is refused at start.
    refused = subprocess.run(base, capture_output=True, text=True, timeout=30, env=env)
    assert refused.returncode != 0
    assert "not on loopback" in refused.stderr
    proc = subprocess.Popen(base + ["--admin-token", "s3cret"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{admin}"
        deadline = time.monotonic() + 20
        while get(f"{url}/ready") != 200:
            assert time.monotonic() < deadline, "server not ready"
            time.sleep(0.05)
        assert get(f"{url}/health") == 200
        assert get(f"{url}/metrics") == 401
        assert get(f"{url}/metrics", token="wrong") == 401
        assert get(f"{url}/metrics", token="s3cret") == 200
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_a_loopback_admin_refuses_requests_for_other_hosts(processes):
    """DNS rebinding: a page whose name now points at 127.0.0.1 sends its own Host."""
    import http.client

    process = processes("--in-memory")
    conn = http.client.HTTPConnection("127.0.0.1", process.admin_port, timeout=10)
    conn.request("GET", "/console/queues", headers={"Host": "rebound.example"})
    refused = conn.getresponse()
    refused.read()
    assert refused.status == 421
    conn.request("GET", "/console/queues", headers={"Host": f"localhost:{process.admin_port}"})
    allowed = conn.getresponse()
    allowed.read()
    assert allowed.status == 200
    conn.close()
