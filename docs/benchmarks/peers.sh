#!/usr/bin/env bash
# Compares an in-memory Sluice with moto's server and with ministack (both keep
# everything in memory) on the `send` and `cycle` scenarios, alternating in short rounds
# (`--vs`), and appends the per-round figures to docs/benchmarks/peers-results.md (or
# $OUT), with an SVG chart per peer and scenario beside it.
#
# Sets up each peer in its own venv under /tmp on first use, at a pinned version:
# moto ($MOTO_VENV, default /tmp/moto-venv; $MOTO_VERSION, default 5.2.5) and ministack
# ($MINISTACK_VENV, default /tmp/ministack-venv; $MINISTACK_VERSION, default 1.5.33).
# $PEERS picks which to run (default "moto ministack"). Everything stays on loopback.
# Each benchmark is killed after $RUN_TIMEOUT seconds (default 300) and the peers are
# stopped on exit, so a run takes a few minutes at most beyond the build and installs.
# $DURATION (default 20 s) and $ROUNDS (default 5) set each `--vs` run's length.
# Usage: docs/benchmarks/peers.sh [extra sluice-bench flags, e.g. --size 1024]
set -euo pipefail
cd "$(dirname "$0")/../.."

MOTO_VENV="${MOTO_VENV:-/tmp/moto-venv}"
MOTO_VERSION="${MOTO_VERSION:-5.2.5}"
MINISTACK_VENV="${MINISTACK_VENV:-/tmp/ministack-venv}"
MINISTACK_VERSION="${MINISTACK_VERSION:-1.5.33}"
PEERS="${PEERS:-moto ministack}"
OUT="${OUT:-docs/benchmarks/peers-results.md}"
CHARTS="${CHARTS:-$(dirname "$OUT")}"
RUN_TIMEOUT="${RUN_TIMEOUT:-300}"
DURATION="${DURATION:-20}"
ROUNDS="${ROUNDS:-5}"

cargo build --release -p sluice-server -p sluice-bench
BENCH=target/release/sluice-bench
SLUICE=target/release/sluice

. "docs/benchmarks/peer-lib.sh"

PEER_PID=""
trap 'if [ -n "$PEER_PID" ]; then kill "$PEER_PID" 2>/dev/null || true; fi' EXIT


# moto picks the service from the SigV4 credential scope, hence --region (ministack
# does not need it; it is sent to every server alike). Few connections, because the
# peers are slow. moto answers one request per connection (Connection: close), so its
# figures include a TCP connect per request; ministack keeps connections open.
for peer in $PEERS; do
  start_peer "$peer"
  for scenario in send cycle; do
    if [ "$scenario" = send ]; then conns=2; else conns=4; fi
    if [ "$peer" = moto ]; then chart="peers-$scenario.svg"; else chart="peers-$peer-$scenario.svg"; fi
    timeout "$RUN_TIMEOUT" "$BENCH" --spawn "$SLUICE" --store memory \
      --vs "http://127.0.0.1:$PORT" --region us-east-1 \
      --scenario "$scenario" --connections "$conns" --duration "$DURATION" --rounds "$ROUNDS" \
      --out "$OUT" --chart "$CHARTS/$chart" "$@"
  done
  kill "$PEER_PID" 2>/dev/null || true
  wait "$PEER_PID" 2>/dev/null || true
  PEER_PID=""
done
