#!/usr/bin/env bash
# The demo: set up if needed, build, then run mcastfwd with no NIC on a
# network-namespace topology (one sender, three receivers, static routes and
# IGMP learning), send traffic, print per-receiver counts and /mcast/stats,
# clean up. Needs root. The work is in tests/e2e/demo.py (the e2e library).
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"

is_root || die "needs root (network namespaces, af_packet)"
./scripts/setup.sh
exec /usr/bin/python3 tests/e2e/demo.py "$@"
