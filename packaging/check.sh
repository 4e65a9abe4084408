#!/usr/bin/env bash
# Checks the systemd unit with `systemd-analyze verify` (skipped where systemd's tools
# are missing). SLUICE_BIN: the binary the unit's ExecStart is pointed at for the check.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if ! command -v systemd-analyze >/dev/null; then
    echo "packaging: systemd-analyze not found; unit not checked"
    exit 0
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
bin="${SLUICE_BIN:-$here/../target/debug/sluice}"
# The unit names /usr/local/bin/sluice; verify it against the binary built here.
sed "s#/usr/local/bin/sluice#$bin#" "$here/sluice.service" >"$work/sluice.service"
# systemd-analyze only warns about an unknown key or a bad value: any word from it about
# the unit is a failure.
if out="$(systemd-analyze verify "$work/sluice.service" 2>&1)" && ! grep -q "sluice.service" <<<"$out"; then
    echo "packaging: sluice.service verified"
else
    echo "$out" >&2
    echo "packaging: sluice.service failed systemd-analyze verify" >&2
    exit 1
fi
