#!/usr/bin/env bash
# Smoke test with the aws CLI: create a queue, send, receive, delete the message, read
# the queue's attributes and delete the queue, checking each answer; SNS: create a topic,
# subscribe an SQS queue, list the topic's subscriptions, add and remove a permission,
# and the answers of mobile push, SMS and data protection; Kinesis: create a stream,
# put a record, read it back through a shard iterator, list the shards and delete the
# stream. Then, against a
# server with an identity configured, signed requests with the right and a wrong secret,
# and AddPermission.
#
#   AWS_CLI         the aws command to use (default: aws on PATH)
#   SLUICE_ENDPOINT an already running server to test (default: start one)
#   SLUICE_BIN      the binary to start when there is none (default: target/release/sluice)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo_root="$(cd "$here/../.." && pwd)"
aws_cli="${AWS_CLI:-aws}"
passed=0
failed=0
server_pids=()
work_dir="$(mktemp -d)"

cleanup() {
    for pid in "${server_pids[@]}"; do
        kill -0 "$pid" 2>/dev/null || continue
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$work_dir"
}
trap cleanup EXIT

bin="${SLUICE_BIN:-$repo_root/target/release/sluice}"

# start_sluice LOG ARGS...: starts the binary on a free port; sets $started_endpoint.
start_sluice() {
    local log="$1" port pid
    shift
    [[ -x "$bin" ]] || { echo "cli smoke: no sluice binary at $bin" >&2; exit 2; }
    port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    NO_COLOR=1 RUST_LOG=warn "$bin" --in-memory --listen "127.0.0.1:$port" --admin-listen 127.0.0.1:0 "$@" >"$log" 2>&1 &
    pid=$!
    server_pids+=("$pid")
    for _ in $(seq 1 150); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
        kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; exit 2; }
        sleep 0.1
    done
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "cli smoke: server did not listen" >&2; exit 2; }
    started_endpoint="http://127.0.0.1:$port"
}

# Keep the caller's own AWS configuration out of it.
export AWS_ACCESS_KEY_ID=AKIDTEST AWS_SECRET_ACCESS_KEY=secret AWS_DEFAULT_REGION=us-east-1
export AWS_CONFIG_FILE="$work_dir/config" AWS_SHARED_CREDENTIALS_FILE="$work_dir/credentials"
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_ENDPOINT_URL_SQS || true
export AWS_PAGER=""

own_server=""
if [[ -z "${SLUICE_ENDPOINT:-}" ]]; then
    start_sluice "$work_dir/server.log"
    SLUICE_ENDPOINT="$started_endpoint"
    own_server=yes
fi
endpoint="$SLUICE_ENDPOINT"

sqs() { "$aws_cli" --endpoint-url "$endpoint" sqs "$@"; }

check() { # check NAME EXPECTED ACTUAL
    if [[ "$2" == "$3" ]]; then
        passed=$((passed + 1))
        echo "ok   $1"
    else
        failed=$((failed + 1))
        printf 'FAIL %s\n  expected: %q\n  actual:   %q\n' "$1" "$2" "$3"
    fi
}

name="cli-smoke-$(python3 -c 'import uuid; print(uuid.uuid4().hex[:12])')"
body='hello from the aws cli: & <xml> "quotes" é ✓'

url="$(sqs create-queue --queue-name "$name" --attributes VisibilityTimeout=45 --query QueueUrl --output text)"
check "create-queue returns the queue URL" "$endpoint/000000000000/$name" "$url"

check "get-queue-url finds it" "$url" \
    "$(sqs get-queue-url --queue-name "$name" --query QueueUrl --output text)"

md5="$(sqs send-message --queue-url "$url" --message-body "$body" --query MD5OfMessageBody --output text)"
check "send-message returns the body's MD5" "$(printf '%s' "$body" | md5sum | cut -d' ' -f1)" "$md5"

received="$(sqs receive-message --queue-url "$url" --attribute-names All \
    --query 'Messages[0].[ReceiptHandle,Attributes.ApproximateReceiveCount,Body]' --output text)"
IFS=$'\t' read -r handle count got_body <<<"$received"
check "receive-message returns the body" "$body" "$got_body"
check "receive-message counts the receive" "1" "$count"

check "the message is in flight" $'0\t1' \
    "$(sqs get-queue-attributes --queue-url "$url" \
        --attribute-names ApproximateNumberOfMessages ApproximateNumberOfMessagesNotVisible \
        --query 'Attributes.[ApproximateNumberOfMessages,ApproximateNumberOfMessagesNotVisible]' \
        --output text)"

if sqs delete-message --queue-url "$url" --receipt-handle "$handle"; then
    check "delete-message succeeds" 0 0
else
    check "delete-message succeeds" 0 $?
fi

check "get-queue-attributes after delete" $'0\t0\t45\tarn:aws:sqs:us-east-1:000000000000:'"$name" \
    "$(sqs get-queue-attributes --queue-url "$url" --attribute-names All \
        --query 'Attributes.[ApproximateNumberOfMessages,ApproximateNumberOfMessagesNotVisible,VisibilityTimeout,QueueArn]' \
        --output text)"

check "receive-message on an empty queue" "" \
    "$(sqs receive-message --queue-url "$url" --query 'Messages[0].Body' --output text | sed 's/^None$//')"

if sqs delete-queue --queue-url "$url"; then
    check "delete-queue succeeds" 0 0
else
    check "delete-queue succeeds" 0 $?
fi

set +e
err="$(sqs get-queue-url --queue-name "$name" 2>&1 >/dev/null)"
status=$?
set -e
check "get-queue-url of the deleted queue fails" failed "$([[ $status -ne 0 ]] && echo failed || echo succeeded)"
check "with the NonExistentQueue code" 1 \
    "$(grep -c 'AWS.SimpleQueueService.NonExistentQueue' <<<"$err" || true)"

# SNS on the same port: a topic, an SQS queue subscribed to it, the topic's subscriptions.
sns() { "$aws_cli" --endpoint-url "$endpoint" sns "$@"; }
topic_name="cli-smoke-topic-$$"
topic_arn="$(sns create-topic --name "$topic_name" --query TopicArn --output text)"
check "sns create-topic returns the topic ARN" "arn:aws:sns:us-east-1:000000000000:$topic_name" "$topic_arn"
queue_arn="arn:aws:sqs:us-east-1:000000000000:cli-smoke-subscriber-$$"
sub_arn="$(sns subscribe --topic-arn "$topic_arn" --protocol sqs --notification-endpoint "$queue_arn" \
    --query SubscriptionArn --output text)"
check "sns subscribe confirms an SQS queue at once" "$topic_arn:" "${sub_arn%:*}:"
check "sns list-subscriptions-by-topic lists it" "$sub_arn sqs $queue_arn" \
    "$(sns list-subscriptions-by-topic --topic-arn "$topic_arn" \
        --query 'Subscriptions[0].[SubscriptionArn,Protocol,Endpoint]' --output text | tr '\t' ' ')"
sns add-permission --topic-arn "$topic_arn" --label partner --aws-account-id 222222222222 \
    --action-name Publish
check "sns add-permission writes a statement into the topic policy" "partner arn:aws:iam::222222222222:root" \
    "$(sns get-topic-attributes --topic-arn "$topic_arn" --query Attributes.Policy --output text \
        | python3 -c 'import json, sys; s = json.load(sys.stdin)["Statement"][1]; print(s["Sid"], s["Principal"]["AWS"])')"
check "sns remove-permission takes it out" 0 \
    "$(sns remove-permission --topic-arn "$topic_arn" --label partner >/dev/null; echo $?)"
set +e
err="$(sns add-permission --topic-arn "$topic_arn" --label bad --aws-account-id 222222222222 \
    --action-name CreateTopic 2>&1 >/dev/null)"
set -e
check "sns add-permission refuses an action outside the topic's" 1 \
    "$(grep -c 'Policy statement action out of service scope' <<<"$err" || true)"
# The features Sluice lacks answer as an account without them, or refuse by name.
check "sns list-platform-applications is empty" "[]" \
    "$(sns list-platform-applications --query PlatformApplications --output json | tr -d ' \n')"
check "sns get-sms-sandbox-account-status: in the sandbox" "True" \
    "$(sns get-sms-sandbox-account-status --query IsInSandbox --output text)"
check "sns check-if-phone-number-is-opted-out: not opted out" "False" \
    "$(sns check-if-phone-number-is-opted-out --phone-number +15555550100 --query isOptedOut --output text)"
check "sns list-phone-numbers-opted-out is empty" "[]" \
    "$(sns list-phone-numbers-opted-out --query phoneNumbers --output json | tr -d ' \n')"
check "sns get-data-protection-policy of a topic is empty" "" \
    "$(sns get-data-protection-policy --resource-arn "$topic_arn" --query DataProtectionPolicy --output text)"
set +e
err="$(sns create-platform-application --name app --platform GCM \
    --attributes PlatformCredential=key 2>&1 >/dev/null)"
set -e
check "sns create-platform-application is refused, naming Sluice" 1 \
    "$(grep -c 'InvalidParameter.*Sluice does not support' <<<"$err" || true)"
set +e
err="$(sns get-endpoint-attributes \
    --endpoint-arn "arn:aws:sns:us-east-1:000000000000:endpoint/GCM/app/0f7d5971-aa8b-4bd5-b585-0826e9f93a66" \
    2>&1 >/dev/null)"
set -e
check "sns get-endpoint-attributes of an endpoint that cannot exist is NotFound" 1 \
    "$(grep -c 'NotFound' <<<"$err" || true)"
check "sns delete-topic succeeds" 0 "$(sns delete-topic --topic-arn "$topic_arn" >/dev/null; echo $?)"

# Kinesis on the same port (AWS JSON 1.1): a stream, one record written and read back.
kinesis() { "$aws_cli" --endpoint-url "$endpoint" kinesis "$@"; }
stream_name="cli-smoke-stream-$$"
kinesis create-stream --stream-name "$stream_name" --shard-count 1
check "kinesis describe-stream-summary: ACTIVE with one shard" $'ACTIVE\t1\tarn:aws:kinesis:us-east-1:000000000000:stream/'"$stream_name" \
    "$(kinesis describe-stream-summary --stream-name "$stream_name" \
        --query 'StreamDescriptionSummary.[StreamStatus,OpenShardCount,StreamARN]' --output text)"
put="$(kinesis put-record --stream-name "$stream_name" --partition-key pk --data 'hello kinesis' \
    --query '[ShardId,SequenceNumber]' --output text)"
IFS=$'\t' read -r put_shard put_sequence <<<"$put"
check "kinesis put-record answers the shard" "shardId-000000000000" "$put_shard"
iterator="$(kinesis get-shard-iterator --stream-name "$stream_name" --shard-id "$put_shard" \
    --shard-iterator-type AT_SEQUENCE_NUMBER --starting-sequence-number "$put_sequence" \
    --query ShardIterator --output text)"
record="$(kinesis get-records --shard-iterator "$iterator" --limit 10 \
    --query 'Records[0].[SequenceNumber,PartitionKey,Data]' --output text)"
IFS=$'\t' read -r got_sequence got_key got_data <<<"$record"
check "kinesis get-records returns the record" "$put_sequence pk" "$got_sequence $got_key"
check "kinesis get-records returns its data (base64)" "hello kinesis" "$(printf '%s' "$got_data" | base64 -d)"
check "kinesis list-shards lists the one shard" "shardId-000000000000" \
    "$(kinesis list-shards --stream-name "$stream_name" --query 'Shards[].ShardId' --output text)"
check "kinesis delete-stream succeeds" 0 "$(kinesis delete-stream --stream-name "$stream_name" >/dev/null; echo $?)"
set +e
err="$(kinesis describe-stream-summary --stream-name "$stream_name" 2>&1 >/dev/null)"
set -e
check "kinesis describe-stream-summary of the deleted stream is ResourceNotFound" 1 \
    "$(grep -c 'ResourceNotFoundException' <<<"$err" || true)"

# Authentication, on a server of our own with one identity whose secret sits in a
# shared-credentials file, as the aws CLI itself reads it.
if [[ -n "$own_server" ]]; then
    cat >"$work_dir/sluice-credentials" <<'CREDS'
[owner]
aws_access_key_id = AKIACLIOWNER0000001
aws_secret_access_key = cli-owner-secret
CREDS
    cat >"$work_dir/sluice.toml" <<CONFIG
credentials_file = "$work_dir/sluice-credentials"
[[identities]]
access_key_id = "AKIACLIOWNER0000001"
account_id = "111111111111"

[[roles]]
arn = "arn:aws:iam::111111111111:role/cli-worker"
trust_policy = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}]}'
policies = ['{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"*"}]}']
CONFIG
    start_sluice "$work_dir/auth-server.log" --config "$work_dir/sluice.toml"
    auth_endpoint="$started_endpoint"
    signed() { # signed SECRET ARGS...
        local secret="$1"
        shift
        AWS_ACCESS_KEY_ID=AKIACLIOWNER0000001 AWS_SECRET_ACCESS_KEY="$secret" \
            "$aws_cli" --endpoint-url "$auth_endpoint" sqs "$@"
    }
    auth_url="$(signed cli-owner-secret create-queue --queue-name "$name" --query QueueUrl --output text)"
    check "a signed request of a configured identity works" "$auth_endpoint/111111111111/$name" "$auth_url"
    set +e
    err="$(signed wrong-secret list-queues 2>&1 >/dev/null)"
    set -e
    check "a wrong secret gets SignatureDoesNotMatch" 1 "$(grep -c 'SignatureDoesNotMatch' <<<"$err" || true)"
    signed cli-owner-secret add-permission --queue-url "$auth_url" --label partner \
        --aws-account-ids 222222222222 --actions SendMessage
    check "add-permission writes the queue policy" "partner" \
        "$(signed cli-owner-secret get-queue-attributes --queue-url "$auth_url" --attribute-names Policy \
            --query Attributes.Policy --output text | python3 -c 'import json, sys; print(json.load(sys.stdin)["Statement"][0]["Sid"])')"

    # STS on the same port: who am I, then a role through a profile's role_arn (with a
    # HOME of its own, so the CLI's cache of assumed-role credentials starts empty).
    check "sts get-caller-identity names the account root" "arn:aws:iam::111111111111:root" \
        "$(AWS_ACCESS_KEY_ID=AKIACLIOWNER0000001 AWS_SECRET_ACCESS_KEY=cli-owner-secret \
            "$aws_cli" --endpoint-url "$auth_endpoint" sts get-caller-identity --query Arn --output text)"
    cat >"$work_dir/credentials" <<'CREDS'
[owner]
aws_access_key_id = AKIACLIOWNER0000001
aws_secret_access_key = cli-owner-secret
CREDS
    cat >"$work_dir/config" <<PROFILE
[profile worker]
role_arn = arn:aws:iam::111111111111:role/cli-worker
source_profile = owner
role_session_name = cli
region = us-east-1
PROFILE
    check "a role_arn profile assumes the role through sluice" \
        "arn:aws:sts::111111111111:assumed-role/cli-worker/cli" \
        "$(env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY HOME="$work_dir" AWS_ENDPOINT_URL="$auth_endpoint" \
            "$aws_cli" --profile worker sts get-caller-identity --query Arn --output text)"
    check "the role's session sends to SQS" "$auth_endpoint/111111111111/$name" \
        "$(env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY HOME="$work_dir" AWS_ENDPOINT_URL="$auth_endpoint" \
            "$aws_cli" --profile worker --endpoint-url "$auth_endpoint" sqs get-queue-url --queue-name "$name" --query QueueUrl --output text)"
fi

echo "cli smoke: $passed passed, $failed failed"
[[ "$failed" -eq 0 ]]
