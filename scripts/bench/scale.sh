#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# scripts/bench/scale.sh: issue 8's route-scale figures (docs/scale.md).
#
# Runs mcastfwd (control lcore + one worker, -l 0,1) twice on the same kind of
# input, a net_pcap port replaying N distinct 64-byte frames (infinite_rx=1)
# fanned out to 4 net_null ports:
#   one    one static (S,G) route, every frame to it
#   many   N static (S,G) routes from a routes_file, frame k to route
#          k * 999983 mod N (every route once per replay, in scattered order)
# and prints, for each: start-up time until every route is in the table,
# input/output Mpps (telemetry_rate.py), and the DPDK heap's Alloc_size from
# /eal/heap_info; then the ratio many/one and the heap bytes per route
# ((many - one) / N: the table sized for N plus N replication lists).
#
# Usage: scripts/bench/scale.sh [--build DIR] [--routes N] [--seconds S]
#          [--runs R] [--no-huge]
#   --build DIR   meson build dir with app/mcastfwd (default: build)
#   --routes N    default 1000000
#   --seconds S   measuring window per run (default 5, after 2 s warm-up)
#   --runs R      runs per case, alternating; medians are printed (default 3)
#   --no-huge     --no-huge -m 6000 instead of hugepages (needs none; 4 KB
#                 pages make the many-route case pay TLB misses)
# Hugepages: about 3.2 GB for N = 1M (the pool holds every replayed frame);
# the script raises nr_hugepages until 1800 x 2 MB are free. A benchmark, not a test.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
py=/usr/bin/python3
build=
routes=1000000
secs=5
runs=3
huge=1
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift 2 ;;
	--routes) routes=$2; shift 2 ;;
	--seconds) secs=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	--no-huge) huge=0; shift ;;
	*) echo "usage: $0 [--build DIR] [--routes N] [--seconds S] [--runs R] [--no-huge]" >&2
		exit 2 ;;
	esac
done
build=${build:-$root/build}
mcastfwd=$build/app/mcastfwd
[ -x "$mcastfwd" ] || { echo "no mcastfwd in '$build'" >&2; exit 1; }

work=/tmp/mcastfwd-scale
mkdir -p "$work"
if [ ! -s "$work/many.pcap" ] || [ "$(cat "$work/n" 2>/dev/null)" != "$routes" ]; then
	echo "generating $routes routes and frames in $work" >&2
	"$py" "$root/tests/bench/scale_gen.py" "$work" "$routes" || exit 1
	echo "$routes" > "$work/n"
fi
extra=$((routes + 1024))
# Table: room for the routes and 1024 more (mf_table adds a third as many
# slots again and rounds its buckets up to a power of two).
table=$((routes + 1024))
cat > "$work/one.ini" <<EOF
[global]
telemetry = on
extra_mbufs = $extra
[routes]
route = 198.18.0.1 232.0.0.0 0 1,2,3,4
EOF
cat > "$work/many.ini" <<EOF
[global]
telemetry = on
extra_mbufs = $extra
max_routes = $table
routes_file = routes.txt
EOF

mem=(--no-huge -m 6000)
if [ "$huge" = 1 ]; then
	free=$(awk '/^HugePages_Free/ {print $2}' /proc/meminfo)
	if [ "$free" -lt 1800 ]; then
		total=$(cat /proc/sys/vm/nr_hugepages)
		echo $((total + 1800 - free)) > /proc/sys/vm/nr_hugepages 2>/dev/null
		free=$(awk '/^HugePages_Free/ {print $2}' /proc/meminfo)
	fi
	grep -q hugetlbfs /proc/mounts || mount -t hugetlbfs nodev /dev/hugepages
	[ "$free" -ge 1600 ] || { echo "need 1600 free hugepages, have $free (try --no-huge)" >&2; exit 1; }
	mem=(--huge-unlink)
fi

tel() { # tel PREFIX CMD: one telemetry reply (JSON), through mcastctl
	"$py" "$root/scripts/mcastctl" -p "$1" --json --timeout 10 raw "$2"
}
field() { "$py" -c "import json,sys; print(json.load(sys.stdin)$1)"; }

results=$work/results.txt
: > "$results"
run() { # run CASE RUN
	local c=$1 r=$2 prefix="mfscale_$1_$$" t0 t1 info rate heap pid
	local log=$work/$c-$r.log
	t0=$(date +%s.%N)
	timeout -k 5 $((secs + 300)) "$mcastfwd" -l 0,1 "${mem[@]}" --no-pci \
		--file-prefix "$prefix" \
		--vdev "net_pcap0,rx_pcap=$work/$c.pcap,infinite_rx=1" \
		--vdev net_null1,no-rx=1 --vdev net_null2,no-rx=1 \
		--vdev net_null3,no-rx=1 --vdev net_null4,no-rx=1 \
		-- --config "$work/$c.ini" > "$log" 2>&1 < /dev/null &
	pid=$!
	# Ready when /mcast/info answers (EAL's telemetry comes up first; the
	# routes are installed before the /mcast commands are registered).
	info=
	for _ in $(seq 1 1500); do
		info=$(tel "$prefix" /mcast/info 2>/dev/null) &&
			[ "$info" != null ] && break
		info=
		kill -0 $pid 2>/dev/null || break
		sleep 0.2
	done
	t1=$(date +%s.%N)
	if [ -z "$info" ] || [ "$info" = null ]; then
		echo "$c run $r: mcastfwd did not come up (log $log)" >&2
		tail -5 "$log" >&2
		kill $pid 2>/dev/null; wait $pid 2>/dev/null
		return
	fi
	rate=$("$py" "$here/telemetry_rate.py" --prefix "$prefix" --in 0 \
		--out 1,2,3,4 --seconds "$secs" --warmup 2 --timeout 30)
	heap=$(tel "$prefix" /eal/heap_info,0 | field "['Alloc_size']")
	echo "$c $r $(echo "$t1 - $t0" | bc) $(echo "$info" | field "['table_entries']") \
$(echo "$rate" | field "['in_mpps']") $(echo "$rate" | field "['out_mpps']") $heap" >> "$results"
	printf '  %-4s run %s: up %6.1f s, entries %s, in %s Mpps, out %s Mpps, heap %s B\n' \
		$(tail -1 "$results") >&2
	kill -TERM $pid 2>/dev/null
	wait $pid 2>/dev/null
	rm -rf "/var/run/dpdk/$prefix"
}

echo "scale.sh: $(date -u '+%Y-%m-%d %H:%M UTC'), $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs, memory: ${mem[*]}" >&2
for r in $(seq 1 "$runs"); do
	run one "$r"
	run many "$r"
done
"$py" - "$results" "$routes" <<'EOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
n = int(sys.argv[2])
med = {}
for case in ("one", "many"):
    r = [x for x in rows if x[0] == case]
    if not r:
        sys.exit("no %s results" % case)
    med[case] = [statistics.median(float(x[i]) for x in r) for i in (2, 4, 5, 6)]
one, many = med["one"], med["many"]
print("| case | up (s) | in Mpps | out Mpps | DPDK heap alloc (MB) |")
print("| --- | --- | --- | --- | --- |")
print("| 1 route | %.1f | %.3f | %.3f | %.1f |" % (one[0], one[1], one[2], one[3] / 1e6))
print("| %d routes | %.1f | %.3f | %.3f | %.1f |" % (n, many[0], many[1], many[2], many[3] / 1e6))
print("output ratio many/one: %.2f (target >= 0.70)" % (many[2] / one[2]))
print("DPDK heap per route: %.0f bytes (target <= 256)" % ((many[3] - one[3]) / n))
print("route install: about %.1f s more start-up for %d routes" % (many[0] - one[0], n))
EOF
