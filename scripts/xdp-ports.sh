#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# xdp-ports.sh: EAL --vdev arguments that put mcastfwd on kernel-owned NICs through AF_XDP,
# with the mcast_steer XDP program (IGMP and 224.0.0.0/4 to mcastfwd, the rest to the kernel).
#
#   scripts/xdp-ports.sh [options] IFACE...      print the --vdev arguments, one per line
#   scripts/xdp-ports.sh --detach [--force] IFACE...
#                                                remove a leftover mcast_steer program
#                                                (after a crash; a clean exit removes it)
# Options:
#   -q, --queues N     AF_XDP queues per port (= mcastfwd workers polling it). Default: the
#                      NIC's current combined channel count (ethtool -l); 1 for veth.
#   -s, --start-queue N first queue (default 0)
#   -p, --prog FILE    XDP object (default: installed or build-tree mcast_steer.bpf.o)
#   -l, --keep-local   use mcast_steer_keep_local.bpf.o: 224.0.0.0/24 (OSPF, VRRP, mDNS...)
#                      stays with the kernel, IGMP still goes to mcastfwd
#   -c, --copy         add force_copy=1 (veth, or drivers without AF_XDP zero-copy)
#   -n, --first-index N  number the vdevs from N (net_af_xdpN; default 0)
#   -1, --one-line     print all arguments on one line
#   -h, --help
# Example:
#   mcastfwd -l 0-2 --no-pci $(scripts/xdp-ports.sh -q 2 eth1 eth2) -- --config /etc/mcastfwd/mcastfwd.ini
# Exit: 0, 1 on a bad interface or program, 2 on usage errors.
set -eu

self_dir=$(cd "$(dirname "$0")" && pwd)
queues=""
start_queue=0
prog=""
keep_local=0
copy=0
first_index=0
one_line=0
detach=0
force=0

usage() {
	awk 'NR < 3 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0"
	exit "${1:-2}"
}

die() {
	echo "xdp-ports.sh: $*" >&2
	exit 1
}

is_uint() {
	case "$1" in
	'' | *[!0-9]*) return 1 ;;
	*) return 0 ;;
	esac
}

while [ $# -gt 0 ]; do
	case "$1" in
	-q | --queues) queues=${2:?}; shift 2 ;;
	-s | --start-queue) start_queue=${2:?}; shift 2 ;;
	-p | --prog) prog=${2:?}; shift 2 ;;
	-l | --keep-local) keep_local=1; shift ;;
	-c | --copy) copy=1; shift ;;
	-n | --first-index) first_index=${2:?}; shift 2 ;;
	-1 | --one-line) one_line=1; shift ;;
	--detach) detach=1; shift ;;
	--force) force=1; shift ;;
	-h | --help) usage 0 ;;
	--) shift; break ;;
	-*) echo "xdp-ports.sh: unknown option $1" >&2; usage 2 ;;
	*) break ;;
	esac
done
# --detach with no interface is a no-op, so a service's cleanup step may pass an empty list.
[ $# -gt 0 ] || [ "$detach" -eq 0 ] || exit 0
[ $# -gt 0 ] || usage 2
for n in "$start_queue" "$first_index" ${queues:+"$queues"}; do
	is_uint "$n" || { echo "xdp-ports.sh: not a number: $n" >&2; exit 2; }
done
[ -z "$queues" ] || [ "$queues" -ge 1 ] || { echo "xdp-ports.sh: --queues must be >= 1" >&2; exit 2; }

# Name and id of the XDP program attached to $1, as "id name", or nothing.
attached_prog() {
	ip -o link show dev "$1" 2>/dev/null |
		sed -n 's/.*prog\/xdp[a-z]* id \([0-9]*\) name \([^ ]*\).*/\1 \2/p'
}

if [ "$detach" -eq 1 ]; then
	rc=0
	for ifc in "$@"; do
		[ -e "/sys/class/net/$ifc" ] || { echo "xdp-ports.sh: no interface $ifc" >&2; rc=1; continue; }
		cur=$(attached_prog "$ifc")
		if [ -z "$cur" ]; then
			echo "$ifc: no XDP program attached"
			continue
		fi
		name=${cur#* }
		case "$name" in
		mcast_steer) ;;
		*)
			if [ "$force" -ne 1 ]; then
				echo "xdp-ports.sh: $ifc runs XDP program '$name', not mcast_steer; not touching it (--force)" >&2
				rc=1
				continue
			fi ;;
		esac
		# Generic (xdpgeneric) and native (xdpdrv) attachments are removed separately.
		ip link set dev "$ifc" xdpgeneric off 2>/dev/null || true
		ip link set dev "$ifc" xdpdrv off 2>/dev/null || true
		ip link set dev "$ifc" xdp off 2>/dev/null || true
		if [ -n "$(attached_prog "$ifc")" ]; then
			echo "xdp-ports.sh: $ifc: could not detach program ${cur}" >&2
			rc=1
		else
			echo "$ifc: detached XDP program ${cur}"
		fi
	done
	exit "$rc"
fi

if [ -z "$prog" ]; then
	obj=mcast_steer.bpf.o
	[ "$keep_local" -eq 0 ] || obj=mcast_steer_keep_local.bpf.o
	for cand in "$self_dir/$obj" "$self_dir/../build/bpf/$obj" "/usr/local/share/mcastfwd/$obj" \
			"/usr/share/mcastfwd/$obj"; do
		if [ -f "$cand" ]; then
			prog=$cand
			break
		fi
	done
	[ -n "$prog" ] || die "cannot find $obj (build it: ninja -C build, or give --prog FILE)"
fi
[ -f "$prog" ] || die "no such XDP object: $prog"
prog=$(cd "$(dirname "$prog")" && pwd)/$(basename "$prog")
case "$prog" in
*,*) die "the XDP object path must not contain a comma (EAL devargs separator): $prog" ;;
esac

# Combined channels currently set on $1 (ethtool -l): what net_af_xdp checks queue_count
# against. Virtual interfaces (veth...) report none, and DPDK then allows one queue.
# Without ethtool, a NIC's rx queue count in sysfs stands in for it.
nic_queues() {
	q=""
	if command -v ethtool >/dev/null 2>&1; then
		q=$(ethtool -l "$1" 2>/dev/null | awk '/^Current hardware settings/ { cur = 1 }
			cur && /^Combined:/ { print $2; exit }')
	elif [ -e "/sys/class/net/$1/device" ]; then
		q=$(ls -d "/sys/class/net/$1/queues/rx-"* 2>/dev/null | wc -l)
		echo "xdp-ports.sh: note: no ethtool; assuming $q queue(s) on $1 from sysfs (check: ethtool -l $1)" >&2
	fi
	is_uint "$q" && [ "$q" -ge 1 ] || q=1
	echo "$q"
}

idx=$first_index
out=""
for ifc in "$@"; do
	[ -e "/sys/class/net/$ifc" ] || die "no network interface $ifc"
	have=$(nic_queues "$ifc")
	q=${queues:-$have}
	if [ $((start_queue + q)) -gt "$have" ]; then
		echo "xdp-ports.sh: warning: $ifc has $have queue(s); queues $start_queue..$((start_queue + q - 1)) requested" >&2
	elif [ $((start_queue + q)) -lt "$have" ] || [ "$start_queue" -gt 0 ]; then
		echo "xdp-ports.sh: warning: $ifc has $have queues but only $start_queue..$((start_queue + q - 1)) get a socket; multicast hashed to the others goes to the kernel (ethtool -L $ifc combined $q)" >&2
	fi
	cur=$(attached_prog "$ifc")
	[ -z "$cur" ] || echo "xdp-ports.sh: warning: $ifc already runs XDP program ${cur}; mcastfwd will fail to attach (--detach $ifc)" >&2
	arg="net_af_xdp$idx,iface=$ifc,start_queue=$start_queue,queue_count=$q,xdp_prog=$prog"
	[ "$copy" -eq 0 ] || arg="$arg,force_copy=1"
	if [ "$one_line" -eq 1 ]; then
		out="$out${out:+ }--vdev $arg"
	else
		echo "--vdev $arg"
	fi
	idx=$((idx + 1))
done
[ "$one_line" -eq 0 ] || echo "$out"
