#!/usr/bin/env bash
# Set up a Debian 12 machine for mcastfwd and build it. Idempotent: installs
# only missing packages (apt-get update only then), configures the build
# directory only when absent, and rebuilds incrementally.
#
#   scripts/setup.sh [--debug] [--no-build]
#     --debug     also configure and build build-debug (buildtype debug)
#     --no-build  install packages only
#
# Release build: build/ (meson --buildtype=release). Quiet on success; on
# failure prints what failed and the tail of its log.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"

debug=0
build=1
for a in "$@"; do
	case "$a" in
	--debug) debug=1 ;;
	--no-build) build=0 ;;
	-h|--help) sed -n '2,12p' "$0"; exit 0 ;;
	*) die "unknown argument '$a' (try --help)" ;;
	esac
done

# What each package is for (keep this list true):
#   libdpdk-dev         DPDK 22.11 headers, libs and PMDs (pcap, af_packet, null, ring)
#   dpdk                dpdk-hugepages.py, dpdk-devbind.py (scripts/hugepages.sh, bind.sh)
#   dpdk-dev            dpdk-testpmd (bench ceiling), dpdk-telemetry.py
#   dpdk-doc            examples/ipv4_multicast source (bench reference)
#   meson ninja-build pkg-config gcc g++       build
#   libgtest-dev googletest                    unit tests (Google Test)
#   libinih-dev         config file parser
#   clang llvm          libFuzzer target (tests/fuzz), BPF objects (bpf/)
#   libbpf-dev libxdp-dev libelf-dev           net_af_xdp port programs (bpf/)
#   libpcap-dev         pcap files in tests and bench
#   python3 python3-scapy   e2e tests: pcap generation and checks, host agents
#   iproute2            e2e tests and demo: network namespaces, veth pairs
#   tcpdump             capturing on test links when debugging e2e runs
#   lua5.3              pktgen scripts
names=(
	libdpdk-dev dpdk dpdk-dev dpdk-doc
	meson ninja-build pkg-config gcc g++
	libgtest-dev googletest
	libinih-dev
	clang llvm
	libbpf-dev libxdp-dev libelf-dev
	libpcap-dev
	python3 python3-scapy
	iproute2
	tcpdump
	lua5.3
)

missing=()
for p in "${names[@]}"; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q '^install ok installed$'; then
		missing+=("$p")
	fi
done
if [ "${#missing[@]}" -gt 0 ]; then
	is_root || die "missing packages (${missing[*]}): run as root"
	msg "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	run_logged /tmp/mcastfwd-apt-update.log apt-get update -q ||
		die "apt-get update failed"
	run_logged /tmp/mcastfwd-apt-install.log apt-get install -y -q \
		--no-install-recommends "${missing[@]}" ||
		die "apt-get install failed"
fi

[ "$build" -eq 1 ] || exit 0

# configure DIR BUILDTYPE: meson setup when DIR is not a configured build.
configure() {
	local dir="$1" type="$2"
	if [ ! -f "$dir/build.ninja" ]; then
		rm -rf "$dir"
		run_logged "/tmp/mcastfwd-setup-$dir.log" \
			meson setup "$dir" --buildtype="$type" ||
			die "meson setup $dir failed"
	fi
}

# make DIR: build it (ninja re-runs meson itself when meson.build changed).
make_dir() {
	local dir="$1"
	run_logged "/tmp/mcastfwd-ninja-$dir.log" ninja -C "$dir" -j "$(nproc)" ||
		die "build in $dir failed"
}

configure build release
make_dir build
if [ "$debug" -eq 1 ]; then
	configure build-debug debug
	make_dir build-debug
fi
