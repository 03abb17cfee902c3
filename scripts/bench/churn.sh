#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# scripts/bench/churn.sh: forwarding under membership churn (docs/scale.md).
#
# mcastfwd (control lcore + one worker, -l 0,1) forwards 64-byte frames of
# one static route (198.18.0.1, 239.1.1.1) from a net_pcap port
# (infinite_rx=1) to 4 net_null ports, twice:
#   quiet  the data frames alone (tests/bench/churn_gen.py quiet.pcap)
#   churn  the same frames with an IGMPv3 report every P frames on the same
#          port, R records each, joining then leaving groups 239.2.x.y
#          (fast_leave): every record makes the control lcore publish or
#          remove a (*,G) table entry while the worker forwards
# and prints output Mpps of both, their ratio (target >= 0.9) and the
# membership changes per second achieved (table publications + removals
# per second from /mcast/stats; target >= 50,000).
# Limits: the churned memberships are on the input port (the only port a
# pcap replay can carry reports into), so they change table entries the
# data does not use; the per-packet correctness check under churn is not
# part of this script (docs/scale.md).
#
# Usage: scripts/bench/churn.sh [--build DIR] [--seconds S] [--runs R]
#          [--period P] [--records N] [--routes N]
#   --routes N   also load N static (S,G) routes (scale_gen.py's routes.txt,
#                routes_file) in both cases: churn against a big key store
# Hugepages as scale.sh (512 x 2 MB are enough here). A benchmark, not a test.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
py=/usr/bin/python3
build=
secs=5
runs=3
period=400
records=16
routes=0
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift 2 ;;
	--seconds) secs=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	--period) period=$2; shift 2 ;;
	--records) records=$2; shift 2 ;;
	--routes) routes=$2; shift 2 ;;
	*) echo "usage: $0 [--build DIR] [--seconds S] [--runs R] [--period P] [--records N]" >&2
		exit 2 ;;
	esac
done
build=${build:-$root/build}
mcastfwd=$build/app/mcastfwd
[ -x "$mcastfwd" ] || { echo "no mcastfwd in '$build'" >&2; exit 1; }

work=/tmp/mcastfwd-churn
mkdir -p "$work"
frames=$("$py" "$root/tests/bench/churn_gen.py" "$work" --period "$period" \
	--records "$records") || exit 1
cat > "$work/churn.ini" <<EOF
[global]
telemetry = on
extra_mbufs = $((frames + 1024))
[port 0]
address = 198.18.0.1/24
fast_leave = on
igmp_rate_limit = 0
max_groups = 65536
[routes]
route = 198.18.0.1 239.1.1.1 0 1,2,3,4
EOF
if [ "$routes" -gt 0 ]; then
	sdir=/tmp/mcastfwd-scale
	mkdir -p "$sdir"
	if [ "$(cat "$sdir/n" 2>/dev/null)" != "$routes" ]; then
		"$py" "$root/tests/bench/scale_gen.py" "$sdir" "$routes" || exit 1
		echo "$routes" > "$sdir/n"
	fi
	table=64
	while [ $table -lt $((routes + 66000)) ]; do table=$((table * 2)); done
	sed -i "s|^\[global\]|[global]\nmax_routes = $table\nroutes_file = $sdir/routes.txt|" \
		"$work/churn.ini"
fi
mem=(--huge-unlink)
free=$(awk '/^HugePages_Free/ {print $2}' /proc/meminfo)
# Hugepages need a hugetlbfs mount too (bench.sh removes the one it made).
if [ "$free" -lt 256 ] || ! grep -q hugetlbfs /proc/mounts; then
	mem=(--no-huge -m 1024)
fi

tel() { # tel PREFIX CMD: one telemetry reply (JSON), through mcastctl
	"$py" "$root/scripts/mcastctl" -p "$1" --json --timeout 10 raw "$2"
}
changes() { tel "$1" /mcast/stats | "$py" -c \
	"import json,sys; c=json.load(sys.stdin)['control']; print(c['publishes'] + c['removes'])"; }

results=$work/results.txt
: > "$results"
run() { # run CASE RUN
	local c=$1 r=$2 prefix="mfchurn_$1_$$" info= rate c0 c1 t0 t1 pid
	local log=$work/$c-$r.log
	timeout -k 5 $((secs + 120)) "$mcastfwd" -l 0,1 "${mem[@]}" --no-pci \
		--file-prefix "$prefix" \
		--vdev "net_pcap0,rx_pcap=$work/$c.pcap,infinite_rx=1" \
		--vdev net_null1,no-rx=1 --vdev net_null2,no-rx=1 \
		--vdev net_null3,no-rx=1 --vdev net_null4,no-rx=1 \
		-- --config "$work/churn.ini" > "$log" 2>&1 < /dev/null &
	pid=$!
	for _ in $(seq 1 1500); do
		info=$(tel "$prefix" /mcast/info 2>/dev/null) &&
			[ "$info" != null ] && break
		info=
		kill -0 $pid 2>/dev/null || break
		sleep 0.2
	done
	if [ -z "$info" ]; then
		echo "$c run $r: mcastfwd did not come up (log $log)" >&2
		tail -3 "$log" >&2
		kill $pid 2>/dev/null; wait $pid 2>/dev/null
		return
	fi
	sleep 1
	c0=$(changes "$prefix"); t0=$(date +%s.%N)
	rate=$("$py" "$here/telemetry_rate.py" --prefix "$prefix" --in 0 \
		--out 1,2,3,4 --seconds "$secs" --warmup 1 --timeout 30)
	c1=$(changes "$prefix"); t1=$(date +%s.%N)
	echo "$c $r $(echo "$rate" | "$py" -c "import json,sys; d=json.load(sys.stdin); print(d['in_mpps'], d['out_mpps'])") \
$(echo "($c1 - $c0) / ($t1 - $t0)" | bc)" >> "$results"
	printf '  %-5s run %s: in %s Mpps, out %s Mpps, %s changes/s\n' \
		$(tail -1 "$results" | cut -d' ' -f1,2,3,4,5) >&2
	kill -TERM $pid 2>/dev/null
	wait $pid 2>/dev/null
	rm -rf "/var/run/dpdk/$prefix"
}

echo "churn.sh: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, report every $period frames x $records records, $routes extra static routes, memory: ${mem[*]}" >&2
for r in $(seq 1 "$runs"); do
	run quiet "$r"
	run churn "$r"
done
"$py" - "$results" <<'EOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
med = {}
for case in ("quiet", "churn"):
    r = [x for x in rows if x[0] == case]
    if not r:
        sys.exit("no %s results" % case)
    med[case] = [statistics.median(float(x[i]) for x in r) for i in (2, 3, 4)]
q, c = med["quiet"], med["churn"]
print("| case | in Mpps | out Mpps | membership changes/s |")
print("| --- | --- | --- | --- |")
print("| quiet | %.3f | %.3f | %.0f |" % tuple(q))
print("| churn | %.3f | %.3f | %.0f |" % tuple(c))
print("output ratio churn/quiet: %.2f (target >= 0.90); changes/s %.0f (target >= 50000)"
      % (c[1] / q[1], c[2]))
EOF
