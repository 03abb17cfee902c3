#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tests/bench/scale_ab.sh: A/B comparison of mcastfwd builds at a million
# routes, interleaved.
#
#   tests/bench/scale_ab.sh PAIRS BUILD_DIR...
#
# Runs scripts/bench/scale.sh --build DIR --runs 1 --seconds 3 for each
# BUILD_DIR in turn, PAIRS times, so slow changes in the machine's load hit
# every build alike; then prints per build the medians of the one-route and
# million-route out Mpps and their ratio. A build dir only needs
# app/mcastfwd (copy binaries into /tmp/abA/app/ etc. to compare commits).
# Takes about 17 s per build per pair. A script for development, not a test.
set -u
if [ $# -lt 2 ]; then
	echo "usage: $0 PAIRS BUILD_DIR..." >&2
	exit 2
fi
pairs=$1
shift
root=$(cd "$(dirname "$0")/../.." && pwd)
res=$(mktemp)
trap 'rm -f "$res"' EXIT
for _ in $(seq 1 "$pairs"); do
	for b in "$@"; do
		"$root/scripts/bench/scale.sh" --build "$b" --runs 1 --seconds 3 2>&1 |
			awk -v b="$b" '/one  run/ {o = $13} /many run/ {m = $13}
				END {if (o > 0 && m > 0) print b, o, m; else print b, "failed"}' |
			tee -a "$res"
	done
done
/usr/bin/python3 - "$res" <<'PY'
import collections, statistics, sys
d = collections.defaultdict(list)
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) == 3:
        d[f[0]].append((float(f[1]), float(f[2])))
for b, v in d.items():
    one = statistics.median(x[0] for x in v)
    many = statistics.median(x[1] for x in v)
    print("%s: %d runs, one %.2f, many %.2f Mpps out (medians), ratio %.3f"
          % (b, len(v), one, many, many / one))
PY
