#!/usr/bin/env bash
# Drives the built-in console (GET /console on the admin listener) in headless Chromium:
# Debian's `chromium` package, installed here when missing, with playwright-core from
# npm (pinned in tests/console/package-lock.json). Screenshots and the server's log go
# to tests/console/artifacts/. Uses SLUICE_BIN, else target/debug/sluice.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
    echo "== installing chromium"
    if [ "$(id -u)" -ne 0 ]; then
        echo "chromium is missing and installing it needs root: apt-get install -y chromium" >&2
        exit 2
    fi
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
fi

cd tests/console
stamp=node_modules/.package-lock.sha256
lock_sum="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ ! -d node_modules ] || [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_sum" ]; then
    echo "== npm ci (tests/console)"
    npm ci --no-audit --no-fund
    echo "$lock_sum" > "$stamp"
fi

export SLUICE_BIN="${SLUICE_BIN:-$(cd ../.. && pwd)/target/debug/sluice}"
echo "== console tests (headless Chromium) against $SLUICE_BIN"
node --test --test-reporter=spec
