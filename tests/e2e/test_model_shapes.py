"""The JSON member types the server checks requests against
(crates/sluice-server/src/sqs/input_shapes.json) are the installed botocore's SQS model's.
Run only where botocore speaks SQS's JSON protocol (the model of the Query-era botocore
is older)."""

import subprocess
import sys

import pytest

from conftest import REPO_ROOT
from sqs_helpers import wire_protocol


def test_input_shapes_match_the_sqs_model():
    if wire_protocol() != "json":
        pytest.skip("the Query-era botocore carries an older SQS model")
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / "gen-sqs-input-shapes.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, (
        "input_shapes.json differs from botocore's model: run "
        "scripts/gen-sqs-input-shapes.py with the JSON venv's python\n" + result.stderr
    )
