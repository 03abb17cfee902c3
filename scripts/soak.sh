#!/usr/bin/env bash
# Soak mcastfwd for DURATION seconds: traffic, membership churn (hosts
# joining and leaving in network namespaces) and telemetry clients against
# the real binary, sampling the DPDK heap, process RSS and mbuf pool in-use
# counts each second; fails unless memory stays flat and every pool is back
# to its baseline after the traffic (tests/e2e/soak.py says exactly what
# "flat" means). Prints a short table by quarter of the run. Needs root.
#
#   scripts/soak.sh [DURATION]        (seconds, default 60, at least 8)
#   MCASTFWD_BIN=path scripts/soak.sh  (default build/app/mcastfwd)
set -uo pipefail
. "$(dirname "$0")/lib/common.sh"

duration="${1:-60}"
case "$duration" in
-h|--help) sed -n '2,10p' "$0"; exit 0 ;;
''|*[!0-9]*) die "DURATION must be whole seconds, got '$duration'" ;;
esac
[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, af_packet)"
export MCASTFWD_BIN="${MCASTFWD_BIN:-$REPO/build/app/mcastfwd}"
[ -x "$MCASTFWD_BIN" ] || die "no binary at $MCASTFWD_BIN (scripts/setup.sh builds it)"
export PYTHONDONTWRITEBYTECODE=1
exec /usr/bin/python3 "$REPO/tests/e2e/soak.py" --seconds "$duration"
