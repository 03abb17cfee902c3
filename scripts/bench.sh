#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# scripts/bench.sh: multicast fan-out benchmark, mcastfwd side by side with
# its references (issues 2 and 8). See docs/benchmarks.md.
#
# The same input, a pcap of IPv4 multicast frames (198.18.0.1 -> 239.1.1.1)
# replayed by net_pcap with infinite_rx=1 on port 0, is fanned out to 4
# net_null ports (no-rx=1), ports 1-4, by:
#   mcastfwd         -l 0,1: control lcore + one worker (and, if it runs
#                    that way, -l 1: a single lcore); static route
#                    198.18.0.1 239.1.1.1 from port 0 to ports 1,2,3,4
#   ipv4_multicast   DPDK's example, built outside the tree by
#                    scripts/bench/build-ipv4-multicast.sh, group 239.1.1.1
#                    with port mask 0x1E (4 copies), -l 1
#   testpmd_io       dpdk-testpmd --forward-mode=io, port 0 -> port 1 only
#                    (1:1, the ceiling of moving packets), forwarding on lcore 1
#   ceiling_copy/_chain  tests/bench/fanout_ceiling (the bare fan-out loop), -l 1
# Rates come from each process's own ethdev counters read over its telemetry
# socket (scripts/bench/telemetry_rate.py): ipackets of port 0 and opackets
# of ports 1-4, sampled twice, --seconds apart, after --warmup seconds.
# Every program is run --runs times, interleaved; the tables give medians.
#
# Usage: scripts/bench.sh [--seconds N] [--runs R] [--warmup W]
#                         [--sizes "64 1500"] [--build DIR] [--no-huge]
#                         [--only "prog ..."] [--keep] [--profile] [--targets]
#   --build DIR  meson build dir holding app/mcastfwd and
#                tests/bench/fanout_ceiling (default: build, then /tmp/build-*)
#   --no-huge    do not reserve hugepages (default: reserve 512 x 2 MB if
#                possible, fall back to --no-huge -m 1024 otherwise)
#   --only       run only these programs (names as above)
#   --keep       also keep the per-run DPDK runtime dirs (logs and results
#                are always kept in the scratch dir)
#   --profile    record a perf cpu-clock profile of every run over its window
#                and write its top symbols to logs/<prog>-<size>-<run>.profile
#                (costs a little CPU on the other core; the header says so)
#   --targets    then also measure issue 8's other targets (scripts/bench/
#                targets.py: 1M routes, heap per route, churn, IGMPv3 records/s,
#                join latency; --runs each, ~25 min with --runs 3) and add
#                their rows to the comparison table
# Environment: MCASTFWD_ARGS overrides the arguments given to mcastfwd after
#   "--" (default: "--config <generated ini>").
#
# It cannot hang: every process runs under timeout(1), the telemetry client
# gives up after 30 s or as soon as its process exits, and an EXIT trap stops
# whatever is still running (by pid) and gives back the hugepages it took.
set -u

repo=$(cd "$(dirname "$0")/.." && pwd)
helpers=$repo/scripts/bench
py=/usr/bin/python3
secs=5
runs=3
warmup=2
sizes="64 1500"
build=
use_huge=auto
only=
keep=0
profile=0
targets=0
work=/tmp/mcastfwd-bench
cmdline="scripts/bench.sh${*:+ $*}"

usage() {
	sed -n '/^# Usage:/,/^# It cannot hang/p' "$0" | sed 's/^# \{0,1\}//' | sed '$d' >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	--seconds) secs=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	--warmup) warmup=$2; shift 2 ;;
	--sizes) sizes=$2; shift 2 ;;
	--build) build=$2; shift 2 ;;
	--no-huge) use_huge=no; shift ;;
	--only) only=$2; shift 2 ;;
	--keep) keep=1; shift ;;
	--profile) profile=1; shift ;;
	--targets) targets=1; shift ;;
	-h|--help) usage ;;
	*) echo "unknown argument: $1" >&2; usage ;;
	esac
done
case "$secs$runs$warmup" in
*[!0-9]*) echo "--seconds, --runs and --warmup take whole numbers" >&2; exit 2 ;;
esac
if [ "$secs" -lt 1 ] || [ "$runs" -lt 1 ]; then
	echo "--seconds and --runs must be >= 1" >&2
	exit 2
fi
if [ "$(id -u)" != 0 ]; then
	echo "bench.sh needs root (DPDK EAL, hugepages)" >&2
	exit 1
fi

if [ -z "$build" ]; then
	for d in "$repo/build" /tmp/build-*; do
		if [ -x "$d/app/mcastfwd" ] || [ -x "$d/tests/bench/fanout_ceiling" ]; then
			build=$d
			[ -x "$d/app/mcastfwd" ] && break
		fi
	done
	build=${build:-$repo/build}
fi

mkdir -p "$work/logs"
rm -f "$work/logs/"*.log "$work/logs/"*.profile "$work/logs/"*.perf
results=$work/results.txt
: > "$results"

# ---- clean-up: stop what we started, give back what we took ----------------
pids=()
huge_restore=
huge_umount=0
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${pids[@]}"; do
		stop_pid "$p"
	done
	if [ -n "$huge_restore" ]; then
		echo "$huge_restore" > /proc/sys/vm/nr_hugepages 2>/dev/null
	fi
	if [ "$huge_umount" = 1 ]; then
		umount /dev/hugepages 2>/dev/null
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Stop one process we started: SIGTERM (timeout(1) passes it on), then
# SIGKILL after 10 s.
stop_pid() {
	local p=$1 i
	kill -TERM "$p" 2>/dev/null || { wait "$p" 2>/dev/null; return; }
	for i in $(seq 1 50); do
		kill -0 "$p" 2>/dev/null || break
		sleep 0.2
	done
	kill -KILL "$p" 2>/dev/null
	wait "$p" 2>/dev/null
}

# ---- memory: hugepages if we can, --no-huge otherwise ----------------------
mem_args=(--no-huge -m 1024)
if [ "$use_huge" = auto ]; then
	have=$(cat /proc/sys/vm/nr_hugepages 2>/dev/null || echo 0)
	if [ "$have" -lt 512 ]; then
		if echo 512 > /proc/sys/vm/nr_hugepages 2>/dev/null; then
			huge_restore=$have
		fi
	fi
	if ! grep -qs ' /dev/hugepages hugetlbfs ' /proc/mounts; then
		mkdir -p /dev/hugepages
		mount -t hugetlbfs nodev /dev/hugepages 2>/dev/null && huge_umount=1
	fi
	free_pages=$(awk '/^HugePages_Free/ {print $2}' /proc/meminfo)
	if grep -qs ' /dev/hugepages hugetlbfs ' /proc/mounts && [ "${free_pages:-0}" -ge 400 ]; then
		mem_args=(--huge-unlink)
	fi
fi
echo "memory: ${mem_args[*]} (hugepages free: $(awk '/^HugePages_Free/ {print $2}' /proc/meminfo))" >&2

if [ "$profile" = 1 ] && ! command -v perf > /dev/null; then
	echo "--profile: perf not installed (apt-get install linux-perf): not profiling" >&2
	profile=0
fi

# ---- inputs and programs ----------------------------------------------------
for s in $sizes; do
	if [ ! -s "$work/in$s.pcap" ]; then
		"$py" "$helpers/gen_pcap.py" "$work/in$s.pcap" "$s" || exit 1
	fi
done

wanted() {
	[ -z "$only" ] && return 0
	case " $only " in *" $1 "*) return 0 ;; esac
	return 1
}

ipv4mc=$work/ipv4_multicast/build/ipv4_multicast
if wanted ipv4_multicast; then
	"$helpers/build-ipv4-multicast.sh" "$work" > "$work/logs/build-ipv4_multicast.log" 2>&1 ||
		{ echo "ipv4_multicast: build failed, see $work/logs/build-ipv4_multicast.log" >&2; ipv4mc=; }
fi
testpmd=$(command -v dpdk-testpmd || true)
[ -n "$testpmd" ] || echo "testpmd_io: dpdk-testpmd not installed (apt-get install dpdk-dev): skipped" >&2
ceiling=$build/tests/bench/fanout_ceiling
[ -x "$ceiling" ] || echo "ceiling: $ceiling not built (ninja -C $build tests/bench/fanout_ceiling): skipped" >&2
mcastfwd=$build/app/mcastfwd
if [ ! -x "$mcastfwd" ]; then
	echo "mcastfwd: not built ($mcastfwd missing): printing the references only" >&2
	mcastfwd=
fi

mf_config=$work/mcastfwd-bench.ini
cat > "$mf_config" <<'EOF'
# scripts/bench.sh: one static (S,G) route, port 0 to ports 1-4.
[global]
telemetry = on

# net_null does not advertise TX MULTI_SEGS but frees any chain it is given,
# and ipv4_multicast and the chain ceiling chain on it regardless: so that
# mcastfwd is compared like for like, it may chain here too (from its
# default chain_threshold of 1024 B on; 64 B frames are still copied).
[port 1]
tx_multi_seg = on
[port 2]
tx_multi_seg = on
[port 3]
tx_multi_seg = on
[port 4]
tx_multi_seg = on

[routes]
route = 198.18.0.1 239.1.1.1 0 1,2,3,4
EOF
read -r -a mf_args <<< "${MCASTFWD_ARGS:---config $mf_config}"

# ---- one run ---------------------------------------------------------------
# run_one PROG SIZE RUN NOUT CMD... (CMD gets EAL args from vdevs/eal_args)
run_one() {
	local prog=$1 size=$2 run=$3 outs=$4
	shift 4
	local prefix="mfbench_${prog}_${size}_$$"
	local log="$work/logs/$prog-$size-$run.log"
	local limit=$((warmup + secs + 60))
	local pid res
	local -a perf_args=()
	[ "$profile" = 1 ] && perf_args=(--perf-out "$log.perf")

	timeout -k 5 "$limit" "$@" > "$log" 2>&1 < /dev/null &
	pid=$!
	pids+=("$pid")
	res=$("$py" "$helpers/telemetry_rate.py" --prefix "$prefix" --in 0 \
		--out "$outs" --seconds "$secs" --warmup "$warmup" --timeout 30 \
		--pid "$pid" "${perf_args[@]}" 2>&1)
	stop_pid "$pid"
	if [ -s "$log.perf" ]; then
		perf report -i "$log.perf" --stdio --no-children --sort dso,symbol 2>/dev/null |
			grep -v '^#' | grep -v '^$' | head -40 > "${log%.log}.profile"
		rm -f "$log.perf"
	fi
	pids=("${pids[@]/$pid}")
	[ "$keep" = 1 ] || rm -rf "/var/run/dpdk/$prefix"
	case $res in
	'{'*)
		echo "$prog $size $run $res" >> "$results"
		printf '  %-16s %5s B run %s: %s\n' "$prog" "$size" "$run" "$res" >&2
		;;
	*)
		res=$(echo "$res" | tail -1)
		echo "$prog $size $run FAIL $res (log: $log)" >> "$results"
		printf '  %-16s %5s B run %s: FAILED: %s\n' "$prog" "$size" "$run" "$res" >&2
		tail -5 "$log" | sed 's/^/      | /' >&2
		;;
	esac
}

# eal PREFIX-PROG SIZE NPORTS LCORES: EAL arguments for one run
eal() {
	local prog=$1 size=$2 nports=$3 lcores=$4 i
	local a=(-l "$lcores" "${mem_args[@]}" --no-pci
		--file-prefix "mfbench_${prog}_${size}_$$"
		--vdev "net_pcap0,rx_pcap=$work/in$size.pcap,infinite_rx=1")
	for i in $(seq 1 $((nports - 1))); do
		a+=(--vdev "net_null$i,no-rx=1")
	done
	printf '%s\n' "${a[@]}"
}

run_prog() {
	local prog=$1 size=$2 run=$3
	local stop=$((warmup + secs + 30))
	local -a e
	case $prog in
	mcastfwd)
		mapfile -t e < <(eal "$prog" "$size" 5 0,1)
		run_one "$prog" "$size" "$run" 1,2,3,4 "$mcastfwd" "${e[@]}" -- "${mf_args[@]}"
		;;
	mcastfwd_1lcore)
		mapfile -t e < <(eal "$prog" "$size" 5 1)
		run_one "$prog" "$size" "$run" 1,2,3,4 "$mcastfwd" "${e[@]}" -- "${mf_args[@]}"
		;;
	ipv4_multicast)
		mapfile -t e < <(eal "$prog" "$size" 5 1)
		run_one "$prog" "$size" "$run" 1,2,3,4 "$ipv4mc" "${e[@]}" -- -p 0x1f -q 5
		;;
	testpmd_io)
		mapfile -t e < <(eal "$prog" "$size" 2 0,1)
		run_one "$prog" "$size" "$run" 1 "$testpmd" "${e[@]}" -- \
			--forward-mode=io --port-topology=chained --nb-cores=1 \
			--auto-start --stats-period 3600
		;;
	ceiling_copy)
		mapfile -t e < <(eal "$prog" "$size" 5 1)
		run_one "$prog" "$size" "$run" 1,2,3,4 "$ceiling" "${e[@]}" -- copy "$stop"
		;;
	ceiling_chain)
		mapfile -t e < <(eal "$prog" "$size" 5 1)
		run_one "$prog" "$size" "$run" 1,2,3,4 "$ceiling" "${e[@]}" -- chain "$stop"
		;;
	esac
}

progs=()
[ -n "$mcastfwd" ] && wanted mcastfwd && progs+=(mcastfwd)
[ -n "$mcastfwd" ] && wanted mcastfwd_1lcore && progs+=(mcastfwd_1lcore)
[ -n "$ipv4mc" ] && wanted ipv4_multicast && progs+=(ipv4_multicast)
[ -n "$testpmd" ] && wanted testpmd_io && progs+=(testpmd_io)
[ -x "$ceiling" ] && wanted ceiling_copy && progs+=(ceiling_copy)
[ -x "$ceiling" ] && wanted ceiling_chain && progs+=(ceiling_chain)

load=$(cut -d' ' -f1 /proc/loadavg)
echo "load average before the runs: $load" >&2
case $load in
0.[0-4]*) ;;
*) echo "WARNING: the machine is busy (load $load on $(nproc) CPUs): absolute figures" \
	"will be low and noisy; see the fwd lcore share column" >&2 ;;
esac
echo "bench: ${#progs[@]} programs x sizes [$sizes] x $runs runs," \
	"${warmup}s warm-up + ${secs}s window each; scratch $work" >&2
for run in $(seq 1 "$runs"); do
	for size in $sizes; do
		for prog in "${progs[@]}"; do
			run_prog "$prog" "$size" "$run"
		done
	done
done

echo
echo "mcastfwd bench: $(date -u '+%Y-%m-%d %H:%M UTC'), $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs;" \
	"command: $cmdline (--seconds $secs --runs $runs --warmup $warmup);" \
	"memory: ${mem_args[*]}; load average before: $load, after: $(cut -d' ' -f1 /proc/loadavg)"
[ "$profile" = 1 ] && echo "profiled with perf (cpu-clock, 999 Hz): rates slightly lower; profiles in $work/logs/*.profile"
[ -n "$mcastfwd" ] || echo "mcastfwd is not built ($build/app/mcastfwd): reference rows only."
target_rows=()
if [ "$targets" = 1 ]; then
	echo "bench: issue 8's other targets (scripts/bench/targets.py), --runs $runs;" \
		"logs in $work/logs" >&2
	"$py" "$helpers/targets.py" --build "$build" --runs "$runs" \
		--out "$work/targets.tsv" --logs "$work/logs" &&
		target_rows=("$work/targets.tsv")
fi
echo
"$py" "$helpers/report.py" "$results" "${target_rows[@]}"
