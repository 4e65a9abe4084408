#!/usr/bin/env bash
# Runs the benchmark set behind README.md against freshly spawned release servers and
# appends each run's section to docs/benchmarks/results.md (or the file in $OUT).
# Usage: docs/benchmarks/run.sh [extra sluice-bench flags, e.g. --duration 30]
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release -p sluice-server -p sluice-bench
BENCH=target/release/sluice-bench
SLUICE=target/release/sluice
OUT="${OUT:-docs/benchmarks/results.md}"

run() { "$BENCH" --spawn "$SLUICE" --out "$OUT" "$@"; }

# Every scenario once against the durable store, the cycle once in memory.
for scenario in send cycle fifo-groups fifo-hot longpoll; do
  run --scenario "$scenario" --store durable "$@"
done
run --scenario cycle --store memory "$@"

# Variations: more connections, bigger bodies, sends without fsync.
run --scenario cycle --store durable --connections 64 "$@"
run --scenario cycle --store memory --connections 64 "$@"
run --scenario cycle --store durable --size 4096 "$@"
run --scenario cycle --store durable --size 262144 "$@"
run --scenario send --store memory "$@"
