#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Build DPDK's ipv4_multicast example OUTSIDE the mcastfwd tree, as the
# benchmark's reference static multicast forwarder.
#
# Usage: scripts/bench/build-ipv4-multicast.sh [WORKDIR]
#   WORKDIR defaults to /tmp/mcastfwd-bench; the binary ends up at
#   WORKDIR/ipv4_multicast/build/ipv4_multicast (printed on the last line).
#
# The example's source comes from the dpdk-doc package
# (/usr/share/dpdk/examples/ipv4_multicast); nothing of it is kept in our
# repository. Two edits are made on the copy, with sed, at build time:
#  1. After rte_eth_dev_info_get() in its port loop, its TX offloads are masked
#     with the port's tx_offload_capa: it asks for MULTI_SEGS unconditionally,
#     which net_null and net_pcap lack, so rte_eth_dev_configure() would fail.
#     (net_null frees whatever chain it is given, so its header-mbuf chaining
#     still runs and is what gets measured.)
#  2. One group is added to its compiled-in table: 239.1.1.1 with port mask
#     0x1E, so with 5 ports (input on port 0) each packet is sent 4 times,
#     never back out of its input port: the same 4 copies mcastfwd makes.
# It is compiled with the system's pkg-config libdpdk, like its own Makefile,
# with the same flags as its Makefile (-O3, pkg-config cflags and libs) on one cc line.
set -eu

src=/usr/share/dpdk/examples/ipv4_multicast
work=${1:-/tmp/mcastfwd-bench}
dst=$work/ipv4_multicast

case $dst in
/work/main/*|"$(cd "$(dirname "$0")/../.." && pwd)"/*)
	echo "refusing to build inside the repository: $dst" >&2
	exit 1
	;;
esac

if [ ! -f "$src/main.c" ]; then
	echo "missing $src/main.c: apt-get install dpdk-doc" >&2
	exit 1
fi
pkg-config --exists libdpdk || { echo "pkg-config libdpdk not found (libdpdk-dev)" >&2; exit 1; }

rm -rf "$dst"
mkdir -p "$dst/build"
cp "$src/main.c" "$dst/main.c"

# Edit 1: mask TX offloads right after the port's dev_info is read.
# Anchor: the MTU clamp, the first use of dev_info in the port loop.
sed -i 's/^\([[:space:]]*\)local_port_conf\.rxmode\.mtu = RTE_MIN(/\1local_port_conf.txmode.offloads \&= dev_info.tx_offload_capa; \/* mcastfwd bench: mask to port caps *\/\n&/' "$dst/main.c"
# Edit 2: the 4-copy group, prepended to the compiled-in table.
sed -i 's/^\(static struct mcast_group_params mcast_group_table\[\] = {\)$/\1\n\t\t{RTE_IPV4(239,1,1,1), 0x1E}, \/* mcastfwd bench: 4 copies *\//' "$dst/main.c"

# Both edits must have landed exactly once, or the reference is not what we say.
n1=$(grep -c 'txmode.offloads &= dev_info.tx_offload_capa' "$dst/main.c" || true)
n2=$(grep -c 'RTE_IPV4(239,1,1,1), 0x1E' "$dst/main.c" || true)
if [ "$n1" != 1 ] || [ "$n2" != 1 ]; then
	echo "patching $src/main.c failed (offload mask: $n1, group: $n2); has the example changed?" >&2
	exit 1
fi

# shellcheck disable=SC2046
cc -O3 $(pkg-config --cflags libdpdk) \
	-DALLOW_EXPERIMENTAL_API -o "$dst/build/ipv4_multicast" "$dst/main.c" \
	$(pkg-config --libs libdpdk)
echo "$dst/build/ipv4_multicast"
