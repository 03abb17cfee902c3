#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# hugepages.sh: reserve and mount hugepages for mcastfwd (and pktgen), show their state.
# Idempotent: running it twice with the same numbers changes nothing the second time.
#
#   scripts/hugepages.sh [-n PAGES_2M] [-g PAGES_1G] [--node N]   reserve, mount, show
#   scripts/hugepages.sh --status                                   show only
#   scripts/hugepages.sh --release                                  free the pages, unmount
# Options:
#   -n, --2m N      2 MB pages to reserve (default 1024 = 2 GB; 0 leaves them as they are)
#   -g, --1g N      1 GB pages to reserve, where the CPU and kernel support them (default 0).
#                   They are best reserved at boot: default_hugepagesz=1G hugepagesz=1G
#                   hugepages=N on the kernel command line; at run time memory may be too
#                   fragmented, and the script says how many it actually got.
#   --node N        reserve on NUMA node N (the NIC's node: /sys/class/net/IF/device/numa_node)
#                   instead of spreading over all nodes
#   --dry-run       print what would be done, change nothing
#   -h, --help
# Mounts: hugetlbfs on /dev/hugepages (2 MB) and /dev/hugepages-1G (pagesize=1G) when 1 GB
# pages are reserved. Releasing lowers the counts to 0; pages still in use by a running DPDK
# process stay until it exits (the kernel keeps them as "surplus"), and busy mounts stay.
# Exit: 0 done, 1 the kernel gave fewer pages than asked or a step failed, 2 usage error.
set -eu

pages_2m=1024
pages_1g=0
node=""
action=reserve
dry=0
mnt_2m=/dev/hugepages
mnt_1g=/dev/hugepages-1G

usage() {
	awk 'NR < 3 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0"
	exit "${1:-2}"
}

is_uint() {
	case "$1" in
	'' | *[!0-9]*) return 1 ;;
	*) return 0 ;;
	esac
}

while [ $# -gt 0 ]; do
	case "$1" in
	-n | --2m) pages_2m=${2:?}; shift 2 ;;
	-g | --1g) pages_1g=${2:?}; shift 2 ;;
	--node) node=${2:?}; shift 2 ;;
	--status) action=status; shift ;;
	--release) action=release; shift ;;
	--dry-run) dry=1; shift ;;
	-h | --help) usage 0 ;;
	*) echo "hugepages.sh: unknown argument $1" >&2; usage 2 ;;
	esac
done
for n in "$pages_2m" "$pages_1g" ${node:+"$node"}; do
	is_uint "$n" || { echo "hugepages.sh: not a number: $n" >&2; exit 2; }
done

run() {
	if [ "$dry" -eq 1 ]; then
		echo "would run: $*"
	else
		"$@"
	fi
}

# Writes $2 into the sysfs file $1, or prints what it would write under --dry-run.
write_val() {
	if [ "$dry" -eq 1 ]; then
		echo "would write $2 > $1"
	else
		echo "$2" > "$1"
	fi
}

# Directory holding nr_hugepages for page size $1 (kB), on $node if given; empty if absent.
size_dir() {
	if [ -n "$node" ]; then
		d=/sys/devices/system/node/node$node/hugepages/hugepages-${1}kB
	else
		d=/sys/kernel/mm/hugepages/hugepages-${1}kB
	fi
	[ -d "$d" ] && echo "$d" || true
}

is_mounted() {
	awk -v m="$1" '$2 == m && $3 == "hugetlbfs" { found = 1 } END { exit !found }' /proc/mounts
}

status() {
	echo "hugepages:"
	for d in /sys/kernel/mm/hugepages/hugepages-*; do
		[ -d "$d" ] || continue
		sz=${d##*/hugepages-}
		printf '  %-9s total %5s  free %5s  surplus %4s\n' "$sz" "$(cat "$d/nr_hugepages")" \
			"$(cat "$d/free_hugepages")" "$(cat "$d/surplus_hugepages")"
	done
	for d in /sys/devices/system/node/node*/hugepages/hugepages-*; do
		[ -d "$d" ] || continue
		n=${d%/hugepages/*}
		printf '  %-5s %-9s total %5s  free %5s\n' "${n##*/}" "${d##*/hugepages-}" \
			"$(cat "$d/nr_hugepages")" "$(cat "$d/free_hugepages")"
	done
	echo "hugetlbfs mounts:"
	awk '$3 == "hugetlbfs" { print "  " $2 " (" $4 ")"; n++ } END { if (!n) print "  none" }' \
		/proc/mounts
}

# Sets page size $1 (kB) to $2 pages; returns 1 if the kernel granted fewer.
reserve() {
	d=$(size_dir "$1")
	if [ -z "$d" ]; then
		echo "hugepages.sh: ${1} kB pages are not supported here${node:+ on node $node}" >&2
		return 1
	fi
	cur=$(cat "$d/nr_hugepages")
	if [ "$cur" -eq "$2" ]; then
		echo "${1} kB pages: $cur reserved already"
		return 0
	fi
	write_val "$d/nr_hugepages" "$2"
	[ "$dry" -eq 0 ] || return 0
	got=$(cat "$d/nr_hugepages")
	echo "${1} kB pages: $cur -> $got (asked $2)"
	if [ "$got" -lt "$2" ]; then
		echo "hugepages.sh: only $got of $2 ${1} kB pages: memory is fragmented or short;" \
			"reserve them at boot (kernel command line) instead" >&2
		return 1
	fi
	return 0
}

mount_fs() {
	if is_mounted "$1"; then
		echo "$1 mounted already"
		return 0
	fi
	run mkdir -p "$1"
	run mount -t hugetlbfs -o "pagesize=$2" nodev "$1"
	[ "$dry" -eq 1 ] || echo "mounted hugetlbfs ($2) on $1"
}

if [ "$action" = status ]; then
	status
	exit 0
fi
if [ "$(id -u)" -ne 0 ] && [ "$dry" -eq 0 ]; then
	echo "hugepages.sh: needs root" >&2
	exit 1
fi

rc=0
if [ "$action" = release ]; then
	for sz in 2048 1048576; do
		d=$(size_dir "$sz")
		[ -n "$d" ] || continue
		[ "$(cat "$d/nr_hugepages")" -eq 0 ] || write_val "$d/nr_hugepages" 0
	done
	for m in "$mnt_1g" "$mnt_2m"; do
		if is_mounted "$m"; then
			run umount "$m" || { echo "hugepages.sh: $m is busy (a DPDK process still runs?)" >&2; rc=1; }
		fi
	done
	[ "$dry" -eq 1 ] || status
	exit "$rc"
fi

if [ "$pages_2m" -gt 0 ]; then
	reserve 2048 "$pages_2m" || rc=1
	mount_fs "$mnt_2m" 2M || rc=1
fi
if [ "$pages_1g" -gt 0 ]; then
	if ! grep -qw pdpe1gb /proc/cpuinfo; then
		echo "hugepages.sh: this CPU has no 1 GB pages (pdpe1gb); skipping -g" >&2
		rc=1
	else
		reserve 1048576 "$pages_1g" || rc=1
		mount_fs "$mnt_1g" 1G || rc=1
	fi
fi
[ "$dry" -eq 1 ] || status
exit "$rc"
