#!/usr/bin/env bash
# Runs every test: formatting and lints, the Rust suites (domain core, journal, store
# conformance, Query codec, aws-sdk-sqs against a running server, kill -9 restart), then
# the end-to-end suites with boto3 under both SQS protocols and the aws CLI, then the
# JavaScript SDK's Kinesis client over HTTP/2.
# Installs what it needs (Python clients into virtual environments, the JavaScript SDK
# with npm) on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings

echo "== cargo test"
cargo test --workspace

echo "== end-to-end (boto3 JSON + Query, aws CLI)"
SLUICE_BIN="$(pwd)/target/debug/sluice" scripts/e2e.sh

echo "== JavaScript SDK (Kinesis over HTTP/2)"
SLUICE_BIN="$(pwd)/target/debug/sluice" scripts/js-tests.sh

echo "== packaging (systemd unit)"
SLUICE_BIN="$(pwd)/target/debug/sluice" packaging/check.sh

echo "== console (headless Chromium)"
SLUICE_BIN="$(pwd)/target/debug/sluice" scripts/console-tests.sh
