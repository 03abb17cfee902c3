#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# fp_ab.sh: A/B comparison of fast-path builds, interleaved, on one lcore.
#
#   tests/bench/fp_ab.sh SIZE ROUNDS BINARY...
#
# Each BINARY is an mcastfwd (or tests/bench/fanout_ceiling, run in copy
# mode) started with the set-up of scripts/bench.sh (net_pcap input replayed
# with infinite_rx from /tmp/mcastfwd-bench/inSIZE.pcap, 4 net_null outputs,
# the bench's one-route config /tmp/mcastfwd-bench/mcastfwd-bench.ini: run
# scripts/bench.sh once first to create them), on lcore 1 alone. ROUNDS
# rounds, each running every BINARY in turn for 1 s warm-up and a 3 s window
# measured by scripts/bench/telemetry_rate.py. Prints, per run, out Mpps,
# the forwarding thread's CPU share and out Mpps / share (the figure to
# compare on a shared machine). A script for development, not a test.
#
# Environment: HUGE_DIR, a hugetlbfs mount with free pages (default: use
# --no-huge -m 1024, where every program is slower); FP_AB_CONFIG, an
# mcastfwd config to run with instead of the bench's (whose output ports
# have tx_multi_seg = on, so 1500 B frames are chained: a config without it
# compares copies).
# Needs root and /usr/bin/python3.
set -u
if [ $# -lt 3 ]; then
	echo "usage: $0 SIZE ROUNDS BINARY..." >&2
	exit 2
fi
size=$1
rounds=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
rate="$here/../../scripts/bench/telemetry_rate.py"
work=/tmp/mcastfwd-bench
if [ -n "${HUGE_DIR:-}" ]; then
	mem=(--huge-dir "$HUGE_DIR" --huge-unlink -m 512)
else
	mem=(--no-huge -m 1024)
fi
for r in $(seq 1 "$rounds"); do
	for b in "$@"; do
		prefix="fpab_$$_$r"
		case $b in
		*fanout_ceiling*) args=(-- copy 30) ;;
		*) args=(-- --config "${FP_AB_CONFIG:-$work/mcastfwd-bench.ini}") ;;
		esac
		timeout -k 2 30 "$b" -l 1 "${mem[@]}" --no-pci \
			--file-prefix "$prefix" \
			--vdev "net_pcap0,rx_pcap=$work/in$size.pcap,infinite_rx=1" \
			--vdev net_null1,no-rx=1 --vdev net_null2,no-rx=1 \
			--vdev net_null3,no-rx=1 --vdev net_null4,no-rx=1 \
			"${args[@]}" > "$work/fp_ab.log" 2>&1 &
		pid=$!
		res=$(/usr/bin/python3 "$rate" --prefix "$prefix" --in 0 \
			--out 1,2,3,4 --seconds 3 --warmup 1 --timeout 20 \
			--pid "$pid" 2>&1)
		child=$(pgrep -P "$pid")
		[ -n "$child" ] && kill "$child" 2>/dev/null
		wait "$pid" 2>/dev/null
		rm -rf "/var/run/dpdk/$prefix"
		printf '%s %s\n' "$b" "$res" | /usr/bin/python3 -c '
import json, sys
b, _, j = sys.stdin.read().partition(" ")
try:
    d = json.loads(j)
    print("%-44s out %6.2f Mpps  share %.2f  out/share %6.2f" % (b[-44:],
          d["out_mpps"], d["fwd_share"],
          d["out_mpps"] / max(d["fwd_share"], 0.01)))
except ValueError:
    print(b, "FAILED", j.strip()[:200])'
	done
done
