#!/usr/bin/env bash
# A large store: fills one queue of a durable Sluice with $MESSAGES 100-byte messages
# (SendMessageBatch of 10 from wrk on 64 connections), reports the server's resident
# memory, kills it with SIGKILL, starts it again on the same data directory and reports
# how long it took to answer again, its memory, and the queue's message count.
#
#   MESSAGES  how many messages to store (default 10,000,000)
#   DATA_DIR  where the store goes (default: a fresh directory under $TMPDIR; deleted
#             at the end unless KEEP=1)
# Needs wrk (Debian: apt install wrk) and a release build; loopback only.
set -euo pipefail
cd "$(dirname "$0")/../.."

MESSAGES="${MESSAGES:-10000000}"
DATA_DIR="${DATA_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/sluice-large-XXXXXX")}"
PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
ENDPOINT="http://127.0.0.1:$PORT"
QUEUE_URL="$ENDPOINT/000000000000/large"
work="$(mktemp -d)"
server_pid=""
cleanup() {
    [[ -n "$server_pid" ]] && kill -9 "$server_pid" 2>/dev/null || true
    rm -rf "$work"
    [[ "${KEEP:-0}" == 1 ]] || rm -rf "$DATA_DIR"
}
trap cleanup EXIT

cargo build --release -p sluice-server
bin=target/release/sluice

start() {
    NO_COLOR=1 RUST_LOG=warn "$bin" --data-dir "$DATA_DIR" --listen "127.0.0.1:$PORT" >>"$work/server.log" 2>&1 &
    server_pid=$!
}

call() { # call ACTION JSON
    curl -s -X POST "$ENDPOINT/" -H "X-Amz-Target: AmazonSQS.$1" \
        -H 'Content-Type: application/x-amz-json-1.0' \
        -H 'Authorization: AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=0' \
        -d "$2"
}

wait_until_answering() {
    until call ListQueues '{}' >/dev/null 2>&1 && [[ -n "$(call ListQueues '{}')" ]]; do
        kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
        sleep 0.05
    done
}

count() {
    call GetQueueAttributes "{\"QueueUrl\":\"$QUEUE_URL\",\"AttributeNames\":[\"ApproximateNumberOfMessages\"]}" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["Attributes"]["ApproximateNumberOfMessages"])'
}

rss_mib() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$server_pid/status"; }

start
wait_until_answering
call CreateQueue '{"QueueName":"large"}' >/dev/null

body="$(python3 - "$QUEUE_URL" <<'PY'
import json, sys
entries = [{"Id": str(i), "MessageBody": "x" * 100} for i in range(10)]
print(json.dumps({"QueueUrl": sys.argv[1], "Entries": entries}))
PY
)"
cat >"$work/batch.lua" <<LUA
wrk.method = "POST"
wrk.body = [[$body]]
wrk.headers["Content-Type"] = "application/x-amz-json-1.0"
wrk.headers["X-Amz-Target"] = "AmazonSQS.SendMessageBatch"
wrk.headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=0"
LUA

fill_start=$SECONDS
while :; do
    have="$(count)"
    [[ "$have" -ge "$MESSAGES" ]] && break
    # Enough requests for what is missing at about 60,000 messages/s, at least 5 s.
    secs=$(( (MESSAGES - have) / 60000 + 5 ))
    [[ $secs -gt 60 ]] && secs=60
    wrk -t2 -c64 -d"${secs}s" -s "$work/batch.lua" "$ENDPOINT/" >/dev/null
done
fill_s=$((SECONDS - fill_start))
stored="$(count)"
rss_before="$(rss_mib)"
journal="$(du -sh "$DATA_DIR" | cut -f1)"
echo "stored $stored messages in ${fill_s}s; server RSS ${rss_before} MiB; data directory $journal"

{ kill -9 "$server_pid" && wait "$server_pid"; } 2>/dev/null || true
t0="$(date +%s.%N)"
start
wait_until_answering
t1="$(date +%s.%N)"
after="$(count)"
echo "after kill -9: answering again $(python3 -c "print(round($t1 - $t0, 1))") s after start, $after messages, RSS $(rss_mib) MiB"
[[ "$after" -eq "$stored" ]] || { echo "MESSAGE COUNT CHANGED: $stored before, $after after" >&2; exit 1; }
