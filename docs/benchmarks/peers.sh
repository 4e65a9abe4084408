#!/usr/bin/env bash
# Compares an in-memory Sluice with moto's server (which keeps everything in memory)
# on the `send` and `cycle` scenarios, alternating in short rounds (`--vs`), and
# appends the per-round figures to docs/benchmarks/peers-results.md (or $OUT), with an
# SVG chart per scenario beside it.
#
# Sets up moto in a venv under /tmp on first use ($MOTO_VENV, default /tmp/moto-venv;
# version $MOTO_VERSION, default 5.2.5). Everything stays on loopback. Each benchmark
# is killed after $RUN_TIMEOUT seconds (default 300) and moto is stopped on exit, so
# a run takes a few minutes at most beyond the build and the install.
# Usage: docs/benchmarks/peers.sh [extra sluice-bench flags, e.g. --duration 30]
set -euo pipefail
cd "$(dirname "$0")/../.."

MOTO_VENV="${MOTO_VENV:-/tmp/moto-venv}"
MOTO_VERSION="${MOTO_VERSION:-5.2.5}"
OUT="${OUT:-docs/benchmarks/peers-results.md}"
CHARTS="${CHARTS:-$(dirname "$OUT")}"
RUN_TIMEOUT="${RUN_TIMEOUT:-300}"

if [ ! -x "$MOTO_VENV/bin/moto_server" ]; then
  python3 -m venv "$MOTO_VENV"
  timeout 600 "$MOTO_VENV/bin/pip" install -q "moto[server]==$MOTO_VERSION"
fi
"$MOTO_VENV/bin/pip" show moto | grep -E '^(Name|Version):'

cargo build --release -p sluice-server -p sluice-bench
BENCH=target/release/sluice-bench
SLUICE=target/release/sluice

PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$MOTO_VENV/bin/moto_server" -H 127.0.0.1 -p "$PORT" >"${TMPDIR:-/tmp}/moto-$PORT.log" 2>&1 &
MOTO_PID=$!
trap 'kill "$MOTO_PID" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then break; fi
  sleep 0.2
done

# moto picks the service from the SigV4 credential scope, hence --region. It answers
# one request per connection (Connection: close), so its figures include a TCP
# connect per request; few connections, because it is slow.
for scenario in send cycle; do
  if [ "$scenario" = send ]; then conns=2; else conns=4; fi
  timeout "$RUN_TIMEOUT" "$BENCH" --spawn "$SLUICE" --store memory \
    --vs "http://127.0.0.1:$PORT" --region us-east-1 \
    --scenario "$scenario" --connections "$conns" --duration 20 --rounds 5 \
    --out "$OUT" --chart "$CHARTS/peers-$scenario.svg" "$@"
done
