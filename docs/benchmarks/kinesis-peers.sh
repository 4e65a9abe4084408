#!/usr/bin/env bash
# Compares a durable Sluice with kinesalite, kinesis-mock and moto's server (all three
# keep everything in memory) on the Kinesis `put` and `get` scenarios, alternating in
# short rounds (`--vs`), and appends the per-round figures to
# docs/benchmarks/kinesis-results.md (or $OUT).
#
# Sets up each peer under /tmp on first use, at a pinned version (see peer-lib.sh):
# kinesalite and kinesis-mock (npm package kinesis-local) with npm, moto in a venv
# ($MOTO_VENV, default /tmp/moto-venv; $MOTO_VERSION, default 5.2.5).
# $PEERS picks which to run (default "kinesalite kinesis-mock moto"). Everything stays
# on loopback. Each benchmark is killed after $RUN_TIMEOUT seconds (default 600) and the
# peers are stopped on exit.
# $DURATION (default 20 s) and $ROUNDS (default 5) set each `--vs` run's length; $FILL
# (default 20000) the records `get` puts into each round's stream (both endpoints')
# before reading it, $FILL_KINESIS_MOCK (default 4000) the same against kinesis-mock,
# which takes about 30 s to take 20,000; $STORE (default durable) the spawned Sluice's
# store.
# Usage: docs/benchmarks/kinesis-peers.sh [extra sluice-bench flags, e.g. --shards 2]
set -euo pipefail
cd "$(dirname "$0")/../.."

MOTO_VENV="${MOTO_VENV:-/tmp/moto-venv}"
MOTO_VERSION="${MOTO_VERSION:-5.2.5}"
PEERS="${PEERS:-kinesalite kinesis-mock moto}"
OUT="${OUT:-docs/benchmarks/kinesis-results.md}"
RUN_TIMEOUT="${RUN_TIMEOUT:-600}"
DURATION="${DURATION:-20}"
ROUNDS="${ROUNDS:-5}"
FILL="${FILL:-20000}"
FILL_KINESIS_MOCK="${FILL_KINESIS_MOCK:-4000}"
STORE="${STORE:-durable}"
TARGET_DIR="${CARGO_TARGET_DIR:-target}"

cargo build --release -p sluice-server --bin sluice -p sluice-bench
BENCH="$TARGET_DIR/release/sluice-bench"
SLUICE="$TARGET_DIR/release/sluice"

. "docs/benchmarks/peer-lib.sh"

PEER_PID=""
trap 'if [ -n "$PEER_PID" ]; then kill "$PEER_PID" 2>/dev/null || true; fi' EXIT

# --region sends the SigV4-shaped Authorization header (with X-Amz-Date) that kinesalite
# and kinesis-mock insist on and moto routes by; Sluice reads the region from it. Few
# connections, because the peers are slow.
for peer in $PEERS; do
  start_peer "$peer"
  fill="$FILL"
  if [ "$peer" = kinesis-mock ]; then fill="$FILL_KINESIS_MOCK"; fi
  for scenario in put get; do
    timeout "$RUN_TIMEOUT" "$BENCH" --spawn "$SLUICE" --store "$STORE" \
      --vs "http://127.0.0.1:$PORT" --vs-pid "$PEER_PID" --region us-east-1 \
      --name "sluice $STORE" --vs-name "$peer" \
      --scenario "$scenario" --connections 4 --duration "$DURATION" --rounds "$ROUNDS" \
      --fill "$fill" --out "$OUT" "$@"
  done
  kill "$PEER_PID" 2>/dev/null || true
  wait "$PEER_PID" 2>/dev/null || true
  PEER_PID=""
done
