#!/usr/bin/env bash
# JavaScript tests: the AWS SDK for JavaScript v3 Kinesis client against the built sluice
# binary, over HTTP/2 (its default handler), with Node's built-in test runner.
#
# tests/js/node_modules is installed with `npm ci` from the pinned package-lock.json, and
# reused while the lock file and the Node version are unchanged.
#
#   SLUICE_BIN  the binary to test (default: cargo build --release -p sluice-server)
# Any further arguments go to `node --test` (e.g. --test-name-pattern=SubscribeToShard).
set -euo pipefail

repo_root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo_root"
js_dir="tests/js"
start_s=$SECONDS

log() { printf '==> %s\n' "$*"; }

command -v node >/dev/null || { echo "js-tests: node (20 or newer) is not installed" >&2; exit 1; }
command -v npm >/dev/null || { echo "js-tests: npm is not installed" >&2; exit 1; }

# Installs node_modules unless the ones there came from this lock file and this Node.
want="$( { sha256sum "$js_dir/package-lock.json" | cut -d' ' -f1; node --version; } \
    | sha256sum | cut -d' ' -f1)"
stamp="$js_dir/node_modules/.js-tests-lock.sha256"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    log "reusing $js_dir/node_modules"
else
    log "installing $js_dir/node_modules from package-lock.json"
    (cd "$js_dir" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$want" >"$stamp"
fi

if [[ -n "${SLUICE_BIN:-}" ]]; then
    bin="$SLUICE_BIN"
else
    log "building sluice (release)"
    cargo build --release -p sluice-server
    bin="${CARGO_TARGET_DIR:-$repo_root/target}/release/sluice"
fi
[[ -x "$bin" ]] || { echo "js-tests: no sluice binary at $bin" >&2; exit 1; }
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
export SLUICE_BIN="$bin"
# The pinned SDK runs on Node 20; its notice about later releases is not the tests' concern.
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
log "testing $bin"

status=0
(cd "$js_dir" && node --test "$@" ./*.test.mjs) || status=$?
elapsed=$((SECONDS - start_s))
if [[ "$status" -ne 0 ]]; then
    log "js tests FAILED after ${elapsed}s"
    exit 1
fi
log "js tests passed in ${elapsed}s"
