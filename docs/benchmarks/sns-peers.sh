#!/usr/bin/env bash
# Compares a durable Sluice with moto's server and with ministack on the SNS scenarios
# (`publish` with 1 and with 10 subscribed queues, `publish --batch 10`, `fanout`), in
# both orders (Sluice as A, then the peer as A), alternating in short rounds (`--vs`),
# and appends every comparison to docs/benchmarks/sns-results.md (or $OUT).
#
# Sluice runs as its own process over a fresh data directory under $TMPDIR (durable, the
# default store); the peers keep everything in memory. Both sides' CPU time is read from
# /proc (`--pid`, `--vs-pid`), so each round reports server CPU per 10,000 deliveries.
# Peers are installed in venvs under /tmp on first use, as peers.sh does: moto
# ($MOTO_VENV, default /tmp/moto-venv, $MOTO_VERSION 5.2.5) and ministack
# ($MINISTACK_VENV, default /tmp/ministack-venv, $MINISTACK_VERSION 1.5.33).
# $PEERS picks the peers (default "moto ministack"), $CASES the cases (default all four:
# publish publish10 publishbatch fanout), $DURATION (default 20 s) and $ROUNDS (default
# 5) each `--vs` run's length; each run is killed after $RUN_TIMEOUT s (default 300).
# Usage: docs/benchmarks/sns-peers.sh [extra sluice-bench flags]
set -euo pipefail
cd "$(dirname "$0")/../.."

MOTO_VENV="${MOTO_VENV:-/tmp/moto-venv}"
MOTO_VERSION="${MOTO_VERSION:-5.2.5}"
MINISTACK_VENV="${MINISTACK_VENV:-/tmp/ministack-venv}"
MINISTACK_VERSION="${MINISTACK_VERSION:-1.5.33}"
PEERS="${PEERS:-moto ministack}"
CASES="${CASES:-publish publish10 publishbatch fanout}"
OUT="${OUT:-docs/benchmarks/sns-results.md}"
RUN_TIMEOUT="${RUN_TIMEOUT:-300}"
DURATION="${DURATION:-20}"
ROUNDS="${ROUNDS:-5}"

cargo build --release -p sluice-server -p sluice-bench
BENCH=target/release/sluice-bench
SLUICE=target/release/sluice

. "docs/benchmarks/peer-lib.sh"

WORK="$(mktemp -d)"
PEER_LOG_DIR="$WORK"
SLUICE_PID=""
PEER_PID=""
cleanup() {
  for pid in "$PEER_PID" "$SLUICE_PID"; do
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

SLUICE_PORT="$(free_port)"
"$SLUICE" --listen "127.0.0.1:$SLUICE_PORT" --data-dir "$WORK/data" >"$WORK/sluice.log" 2>&1 &
SLUICE_PID=$!
wait_for_port "$SLUICE_PORT"


# The sluice-bench flags of a case.
case_flags() {
  case "$1" in
    publish) echo "--scenario publish --connections 4" ;;
    publish10) echo "--scenario publish --subscriptions 10 --connections 4" ;;
    publishbatch) echo "--scenario publish --batch 10 --connections 4" ;;
    fanout) echo "--scenario fanout --connections 16" ;;
    *) echo "unknown case $1" >&2; exit 2 ;;
  esac
}

# --region: moto picks the service (sqs or sns) from the SigV4 credential scope; the
# header goes to every server alike.
SLUICE_URL="http://127.0.0.1:$SLUICE_PORT"
for peer in $PEERS; do
  start_peer "$peer"
  PEER_URL="http://127.0.0.1:$PORT"
  for c in $CASES; do
    # shellcheck disable=SC2046
    timeout "$RUN_TIMEOUT" "$BENCH" --endpoint "$SLUICE_URL" --pid "$SLUICE_PID" \
      --name "sluice, durable" --vs "$PEER_URL" --vs-pid "$PEER_PID" --vs-name "$peer" \
      --region us-east-1 \
      $(case_flags "$c") --duration "$DURATION" --rounds "$ROUNDS" --out "$OUT" "$@"
    # shellcheck disable=SC2046
    timeout "$RUN_TIMEOUT" "$BENCH" --endpoint "$PEER_URL" --pid "$PEER_PID" \
      --name "$peer" --vs "$SLUICE_URL" --vs-pid "$SLUICE_PID" --vs-name "sluice, durable" \
      --region us-east-1 \
      $(case_flags "$c") --duration "$DURATION" --rounds "$ROUNDS" --out "$OUT" "$@"
  done
  kill "$PEER_PID" 2>/dev/null || true
  wait "$PEER_PID" 2>/dev/null || true
  PEER_PID=""
done
echo "Sluice log warnings and errors:"
grep -E ' (WARN|ERROR) ' "$WORK/sluice.log" | head -20 || true
