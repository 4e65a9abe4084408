#!/usr/bin/env bash
# End-to-end tests: real SQS clients against the built sluice binary.
#
# The pytest suite in tests/e2e runs twice, once per SQS wire protocol, each in its own
# virtual environment (one Python process can hold only one botocore):
#   .venv-e2e-json   current boto3/botocore: AWS JSON 1.0 (and the aws CLI v1)
#   .venv-e2e-query  boto3 1.28.40 / botocore 1.31.40, the last to speak AWS Query/XML
# then tests/e2e/cli_smoke.sh runs with the JSON environment's aws CLI.
#
#   SLUICE_BIN  the binary to test (default: cargo build --release -p sluice-server)
#   PYTHON      the interpreter the environments are made with (default: python3)
# Any further arguments go to both pytest runs (e.g. -k long_poll, -x).
set -euo pipefail

repo_root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo_root"
python="${PYTHON:-python3}"
e2e_dir="tests/e2e"
export PYTHONDONTWRITEBYTECODE=1
start_s=$SECONDS

log() { printf '==> %s\n' "$*"; }

# Makes (or reuses) a virtual environment with the pinned requirements installed.
# Reused only when the requirements file and the interpreter are unchanged.
prepare_venv() { # prepare_venv DIR REQUIREMENTS
    local dir="$1" requirements="$2" stamp want
    want="$( { sha256sum "$requirements" | cut -d' ' -f1; "$python" -VV; } | sha256sum | cut -d' ' -f1)"
    stamp="$dir/.e2e-requirements.sha256"
    if [[ -x "$dir/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
        log "reusing $dir"
        return 0
    fi
    log "creating $dir from $requirements"
    rm -rf "$dir"
    "$python" -m venv "$dir"
    "$dir/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
        -r "$requirements"
    echo "$want" >"$stamp"
}

# Both environments install at once: most of the time goes to the network.
venv_logs="$(mktemp -d)"
trap 'rm -rf "$venv_logs"' EXIT
prepare_venv .venv-e2e-json "$e2e_dir/requirements-json.txt" >"$venv_logs/json" 2>&1 &
json_pid=$!
prepare_venv .venv-e2e-query "$e2e_dir/requirements-query.txt" >"$venv_logs/query" 2>&1 &
query_pid=$!
venv_failed=0
wait "$json_pid" || venv_failed=1
cat "$venv_logs/json"
wait "$query_pid" || venv_failed=1
cat "$venv_logs/query"
if [[ "$venv_failed" -ne 0 ]]; then
    echo "e2e: could not prepare the Python environments" >&2
    exit 1
fi

if [[ -n "${SLUICE_BIN:-}" ]]; then
    bin="$SLUICE_BIN"
else
    log "building sluice (release)"
    cargo build --release -p sluice-server
    bin="${CARGO_TARGET_DIR:-$repo_root/target}/release/sluice"
fi
[[ -x "$bin" ]] || { echo "e2e: no sluice binary at $bin" >&2; exit 1; }
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
export SLUICE_BIN="$bin"
log "testing $bin"

failures=()
for protocol in json query; do
    log "pytest over the $protocol protocol"
    if ! SLUICE_EXPECT_PROTOCOL="$protocol" ".venv-e2e-$protocol/bin/python" -m pytest "$e2e_dir" "$@"; then
        failures+=("pytest ($protocol)")
    fi
done

log "aws CLI smoke test"
if ! AWS_CLI="$repo_root/.venv-e2e-json/bin/aws" "$e2e_dir/cli_smoke.sh"; then
    failures+=("cli smoke")
fi

elapsed=$((SECONDS - start_s))
if [[ ${#failures[@]} -gt 0 ]]; then
    log "e2e FAILED after ${elapsed}s: ${failures[*]}"
    exit 1
fi
log "e2e passed in ${elapsed}s"
