#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# bind.sh: hand NICs to DPDK (vfio-pci) and give them back to the kernel, via dpdk-devbind.py.
#
#   scripts/bind.sh [--driver DRV] [--noiommu] [--force] NIC...   bind to vfio-pci
#   scripts/bind.sh --restore NIC...                              back to the kernel driver
#   scripts/bind.sh --status                                      network devices and drivers
# NIC is an interface name (eth1, enp3s0f0) or a PCI address (0000:03:00.0 or 03:00.0).
# Options:
#   --driver DRV   DPDK driver to bind to (default vfio-pci; uio_pci_generic also works)
#   --noiommu      allow vfio-pci without an IOMMU (enable_unsafe_noiommu_mode): for VMs
#                  and boards without VT-d/AMD-Vi; no DMA protection
#   --force        bind even if the interface is up with addresses or routes (you will lose
#                  whatever uses it: SSH, routing); without it such NICs are refused
#   --dry-run      print the commands, change nothing
#   -h, --help
# What was bound is remembered in /run/mcastfwd/bind.state (PCI address, interface name,
# kernel driver), so --restore works by interface name after the name is gone.
# Exit: 0 done, 1 refused or failed, 2 usage error.
set -eu

driver=vfio-pci
noiommu=0
force=0
dry=0
action=bind
state_dir=${MCASTFWD_BIND_STATE_DIR:-/run/mcastfwd}
state=$state_dir/bind.state
devbind=${DPDK_DEVBIND:-dpdk-devbind.py}

usage() {
	awk 'NR < 3 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0"
	exit "${1:-2}"
}

die() {
	echo "bind.sh: $*" >&2
	exit 1
}

while [ $# -gt 0 ]; do
	case "$1" in
	--driver) driver=${2:?}; shift 2 ;;
	--noiommu) noiommu=1; shift ;;
	--force) force=1; shift ;;
	--dry-run) dry=1; shift ;;
	--restore) action=restore; shift ;;
	--status) action=status; shift ;;
	-h | --help) usage 0 ;;
	--) shift; break ;;
	-*) echo "bind.sh: unknown option $1" >&2; usage 2 ;;
	*) break ;;
	esac
done

command -v "$devbind" >/dev/null 2>&1 || die "$devbind not found (Debian: apt install dpdk)"

if [ "$action" = status ]; then
	"$devbind" --status-dev net 2>/dev/null
	if [ -s "$state" ]; then
		echo
		echo "bound by bind.sh (PCI, interface, kernel driver):"
		sed 's/^/  /' "$state"
	fi
	exit 0
fi
[ $# -gt 0 ] || usage 2
[ "$(id -u)" -eq 0 ] || [ "$dry" -eq 1 ] || die "needs root"

run() {
	if [ "$dry" -eq 1 ]; then
		echo "would run: $*"
	else
		"$@"
	fi
}

# PCI address (0000:bb:dd.f) of interface $1, walking up from its device link
# (virtio NICs sit one level below their PCI function). Empty if not a PCI device.
iface_pci() {
	p=$(readlink -f "/sys/class/net/$1/device" 2>/dev/null) || return 0
	while [ -n "$p" ] && [ "$p" != / ]; do
		b=${p##*/}
		case "$b" in
		[0-9a-f][0-9a-f][0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f].[0-7])
			echo "$b"
			return 0 ;;
		esac
		p=${p%/*}
	done
}

# Canonical PCI address for $1 (an address with or without the domain), or empty.
norm_pci() {
	case "$1" in
	[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f].[0-7]) a=0000:$1 ;;
	*) a=$1 ;;
	esac
	[ -e "/sys/bus/pci/devices/$a" ] && echo "$a" || true
}

# Interface names currently on PCI device $1.
pci_ifaces() {
	ls "/sys/bus/pci/devices/$1/net" 2>/dev/null || true
	for v in /sys/bus/pci/devices/"$1"/virtio*/net; do
		[ -d "$v" ] && ls "$v"
	done
	true
}

pci_driver() {
	d=$(readlink "/sys/bus/pci/devices/$1/driver" 2>/dev/null) || { echo none; return 0; }
	echo "${d##*/}"
}

# Why interface $1 is in use (addresses other than IPv6 link-local, routes), or nothing.
iface_in_use() {
	addrs=$(ip -o addr show dev "$1" 2>/dev/null | awk '$3 == "inet" || ($3 == "inet6" && $4 !~ /^fe80:/) { print $4 }' | tr '\n' ' ' | sed 's/ $//')
	routes=$(ip -o route show dev "$1" 2>/dev/null | grep -cv '^$' || true)
	defr=$(ip -o route show default 2>/dev/null | grep -c " dev $1 " || true)
	if [ -n "$addrs" ] || [ "$defr" -gt 0 ]; then
		dflt=""
		[ "$defr" -eq 0 ] || dflt=", the default route among them"
		echo "addresses: ${addrs:-none}; routes: $routes$dflt"
	fi
}

# Resolves argument $1 into "PCI IFACE" (IFACE '-' when unknown).
resolve() {
	if [ -e "/sys/class/net/$1" ]; then
		pci=$(iface_pci "$1")
		[ -n "$pci" ] || die "$1 is not a PCI network device (virtual? use AF_XDP or af_packet instead)"
		echo "$pci $1"
		return 0
	fi
	pci=$(norm_pci "$1")
	if [ -n "$pci" ]; then
		ifc=$(pci_ifaces "$pci" | head -n 1)
		echo "$pci ${ifc:--}"
		return 0
	fi
	# An interface bound earlier has lost its name: find it in the state file.
	if [ -s "$state" ]; then
		line=$(awk -v n="$1" '$2 == n { print $1 " " $2; exit }' "$state")
		[ -z "$line" ] || { echo "$line"; return 0; }
	fi
	die "no interface or PCI device '$1'"
}

load_driver() {
	case "$driver" in
	vfio-pci)
		if [ "$noiommu" -eq 1 ]; then
			run modprobe vfio enable_unsafe_noiommu_mode=1 || true
			if [ -w /sys/module/vfio/parameters/enable_unsafe_noiommu_mode ]; then
				[ "$dry" -eq 1 ] && echo "would write Y > /sys/module/vfio/parameters/enable_unsafe_noiommu_mode" ||
					echo Y > /sys/module/vfio/parameters/enable_unsafe_noiommu_mode
			fi
		elif [ -z "$(ls /sys/kernel/iommu_groups 2>/dev/null)" ]; then
			die "no IOMMU groups: enable VT-d/AMD-Vi (intel_iommu=on iommu=pt) or use --noiommu"
		fi
		run modprobe vfio-pci || die "cannot load vfio-pci" ;;
	*)
		run modprobe "$driver" || die "cannot load $driver" ;;
	esac
}

remember() {
	[ "$dry" -eq 0 ] || return 0
	mkdir -p "$state_dir"
	touch "$state"
	awk -v p="$1" '$1 != p' "$state" > "$state.tmp"
	echo "$1 $2 $3" >> "$state.tmp"
	mv "$state.tmp" "$state"
}

forget() {
	[ "$dry" -eq 0 ] && [ -f "$state" ] || return 0
	awk -v p="$1" '$1 != p' "$state" > "$state.tmp"
	mv "$state.tmp" "$state"
}

rc=0
if [ "$action" = bind ]; then
	# Resolve and check every argument first, so nothing changes when one is refused.
	targets=""
	for arg in "$@"; do
		t=$(resolve "$arg") || exit 1
		set -- $t
		if [ "$(pci_driver "$1")" = "$driver" ]; then
			echo "$1 already on $driver"
			continue
		fi
		if [ "$2" != - ] && [ "$force" -ne 1 ]; then
			why=$(iface_in_use "$2")
			if [ -n "$why" ]; then
				echo "bind.sh: refusing $2 ($1): in use by the kernel ($why); --force to take it anyway" >&2
				rc=1
				continue
			fi
		fi
		targets="$targets $t"
	done
	[ "$rc" -eq 0 ] || exit "$rc"
	[ -n "$targets" ] || exit 0
	load_driver
	set -- $targets
	while [ $# -ge 2 ]; do
		pci=$1
		ifc=$2
		shift 2
		cur=$(pci_driver "$pci")
		[ "$ifc" = - ] || run ip link set dev "$ifc" down
		if [ "$force" -eq 1 ]; then
			run "$devbind" --force -b "$driver" "$pci" || { rc=1; continue; }
		else
			run "$devbind" -b "$driver" "$pci" || { rc=1; continue; }
		fi
		remember "$pci" "$ifc" "$cur"
		echo "$pci ($ifc) $cur -> $driver"
	done
	exit "$rc"
fi

# restore
targets=""
for arg in "$@"; do
	t=$(resolve "$arg") || exit 1
	targets="$targets $t"
done
set -- $targets
while [ $# -ge 2 ]; do
	pci=$1
	ifc=$2
	shift 2
	cur=$(pci_driver "$pci")
	case "$cur" in
	vfio-pci | uio_pci_generic | igb_uio | none) ;;
	*)
		echo "$pci already on kernel driver $cur"
		forget "$pci"
		continue ;;
	esac
	kdrv=""
	[ ! -s "$state" ] || kdrv=$(awk -v p="$pci" '$1 == p { print $3; exit }' "$state")
	if [ -z "$kdrv" ] || [ "$kdrv" = none ]; then
		# Not bound by us: ask devbind which kernel driver the device supports.
		kdrv=$("$devbind" --status-dev net 2>/dev/null | awk -v p="$pci" '$1 == p {
			for (i = 1; i <= NF; i++) if ($i ~ /^unused=/) { sub(/^unused=/, "", $i);
			n = split($i, d, ","); for (j = 1; j <= n; j++) if (d[j] != "vfio-pci" &&
			d[j] != "uio_pci_generic" && d[j] != "igb_uio") { print d[j]; exit } } }')
	fi
	[ -n "$kdrv" ] || { echo "bind.sh: no kernel driver known for $pci" >&2; rc=1; continue; }
	if [ "$(pci_driver "$pci")" = "$kdrv" ]; then
		echo "$pci already on $kdrv"
		forget "$pci"
		continue
	fi
	run "$devbind" -b "$kdrv" "$pci" || { rc=1; continue; }
	forget "$pci"
	echo "$pci -> $kdrv${ifc:+ (was $ifc)}"
done
exit "$rc"
