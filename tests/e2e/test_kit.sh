#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# test_kit.sh: checks the bare-metal kit without touching the machine.
#  - pktgen Lua scripts: luac5.3 -p, then a run under lua5.3 against a stand-in pktgen API
#    (kit_pktgen_mock.lua) that must reach pktgen.quit() with valid calls;
#  - gen_igmp_storm.py writes the number of frames it says (needs scapy);
#  - shell scripts: sh -n, --help, argument errors, dry runs (no page is reserved, no NIC
#    is rebound, no XDP program is attached);
#  - config/mcastfwd.service passes systemd-analyze verify (paths swapped for ones that
#    exist here) and every variable it uses is set in config/mcastfwd.env.
# Exit 0 all passed, 1 any failed. Each failure is printed with what was expected.
set -u

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d /tmp/mcastfwd-kit.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
fails=0
checks=0

ok() {
	checks=$((checks + 1))
	echo "ok   $*"
}

fail() {
	checks=$((checks + 1))
	fails=$((fails + 1))
	echo "FAIL $*"
}

note() {
	echo "note $*"
}

# expect_rc WANT DESCRIPTION CMD...: runs CMD (output in $tmp/out), checks its exit code.
expect_rc() {
	want=$1
	what=$2
	shift 2
	"$@" > "$tmp/out" 2>&1
	rc=$?
	if [ "$rc" -eq "$want" ]; then
		ok "$what (exit $rc)"
	else
		fail "$what: exit $rc, want $want"
		sed 's/^/     | /' "$tmp/out" | head -20
	fi
}

# expect_out REGEX DESCRIPTION: the last expect_rc output matches REGEX (grep -E).
expect_out() {
	if grep -Eq -- "$1" "$tmp/out"; then
		ok "$2"
	else
		fail "$2: output lacks /$1/"
		sed 's/^/     | /' "$tmp/out" | head -20
	fi
}

# --- pktgen scripts ---------------------------------------------------------------------
luas=$(ls "$repo"/scripts/pktgen/*.lua 2>/dev/null)
if [ -z "$luas" ]; then
	fail "no Lua scripts under scripts/pktgen"
fi
for f in $luas; do
	n=${f#"$repo"/}
	if command -v luac5.3 > /dev/null 2>&1; then
		expect_rc 0 "luac5.3 -p $n" luac5.3 -p "$f"
	else
		fail "luac5.3 missing (apt install lua5.3)"
	fi
	if tail -n 3 "$f" | grep -q '^pktgen\.quit()'; then
		ok "$n ends with pktgen.quit()"
	else
		fail "$n does not end with pktgen.quit()"
	fi
	if command -v lua5.3 > /dev/null 2>&1; then
		expect_rc 0 "$n runs against the pktgen API stand-in" env MCAST_SECONDS=2 \
			STORM_SECONDS=2 lua5.3 "$here/kit_pktgen_mock.lua" "$f"
		expect_out "ran to pktgen.quit" "$n reached pktgen.quit()"
	fi
done
if command -v lua5.3 > /dev/null 2>&1; then
	# The stand-in must be able to fail: a wrong arity and a missing quit.
	printf 'pktgen.set("0", "rate")\npktgen.quit()\n' > "$tmp/bad1.lua"
	expect_rc 1 "stand-in rejects a wrong argument count" lua5.3 "$here/kit_pktgen_mock.lua" \
		"$tmp/bad1.lua"
	printf 'pktgen.start("0")\n' > "$tmp/bad2.lua"
	expect_rc 1 "stand-in rejects a script without quit" lua5.3 "$here/kit_pktgen_mock.lua" \
		"$tmp/bad2.lua"
	expect_rc 1 "mcast_streams refuses groups outside 224/4" env MCAST_GROUP_BASE=198.18.0.1 \
		lua5.3 "$here/kit_pktgen_mock.lua" "$repo/scripts/pktgen/mcast_streams.lua"
fi

gen=$repo/scripts/pktgen/gen_igmp_storm.py
if /usr/bin/python3 -c 'import scapy.all' > /dev/null 2>&1; then
	expect_rc 0 "gen_igmp_storm.py 3 hosts x 5 groups with leaves" /usr/bin/python3 "$gen" \
		-o "$tmp/storm.pcap" --hosts 3 --groups 5 --leaves
	n=$(/usr/bin/python3 -c 'import sys
from scapy.all import rdpcap, IP
p = rdpcap(sys.argv[1])
print(len(p), sum(1 for f in p if IP in f and f[IP].proto == 2 and f[IP].ttl == 1))' \
		"$tmp/storm.pcap" 2>/dev/null)
	if [ "$n" = "30 30" ]; then
		ok "storm pcap holds 30 IGMP frames with TTL 1"
	else
		fail "storm pcap: got '$n' (frames, IGMP TTL-1 frames), want '30 30'"
	fi
	expect_rc 0 "gen_igmp_storm.py IGMPv2" /usr/bin/python3 "$gen" -o "$tmp/storm2.pcap" \
		--hosts 2 --groups 2 --version 2
	expect_out "4 frames" "IGMPv2 storm has 4 frames"
	expect_rc 2 "gen_igmp_storm.py rejects --hosts 0" /usr/bin/python3 "$gen" \
		-o "$tmp/x.pcap" --hosts 0
else
	note "scapy missing for /usr/bin/python3: gen_igmp_storm.py not run"
fi

# --- shell scripts ----------------------------------------------------------------------
for s in hugepages bind xdp-ports; do
	f=$repo/scripts/$s.sh
	expect_rc 0 "sh -n scripts/$s.sh" sh -n "$f"
	expect_rc 0 "scripts/$s.sh --help" sh "$f" --help
done

# xdp-ports.sh: exact devargs for lo (always present, one queue) with a stand-in object.
: > "$tmp/prog.bpf.o"
expect_rc 0 "xdp-ports.sh lo" sh "$repo/scripts/xdp-ports.sh" -p "$tmp/prog.bpf.o" -c lo
want="--vdev net_af_xdp0,iface=lo,start_queue=0,queue_count=1,xdp_prog=$tmp/prog.bpf.o,force_copy=1"
if [ "$(grep -- '^--vdev' "$tmp/out")" = "$want" ]; then
	ok "xdp-ports.sh prints the expected devargs"
else
	fail "xdp-ports.sh printed '$(cat "$tmp/out")', want '$want'"
fi
expect_rc 0 "xdp-ports.sh two ports on one line" sh "$repo/scripts/xdp-ports.sh" \
	-p "$tmp/prog.bpf.o" -q 1 -n 3 --one-line lo lo
expect_out "^--vdev net_af_xdp3,iface=lo,[^ ]* --vdev net_af_xdp4,iface=lo," \
	"xdp-ports.sh numbers vdevs from --first-index"
expect_rc 1 "xdp-ports.sh unknown interface" sh "$repo/scripts/xdp-ports.sh" \
	-p "$tmp/prog.bpf.o" mcastfwd-no-such-if0
expect_rc 2 "xdp-ports.sh -q not a number" sh "$repo/scripts/xdp-ports.sh" -q x lo
expect_rc 1 "xdp-ports.sh missing program" sh "$repo/scripts/xdp-ports.sh" \
	-p "$tmp/none.o" lo
expect_rc 0 "xdp-ports.sh --detach without interfaces is a no-op" \
	sh "$repo/scripts/xdp-ports.sh" --detach

# bind.sh: lo is not a PCI NIC; nothing is ever bound here.
if command -v dpdk-devbind.py > /dev/null 2>&1; then
	expect_rc 1 "bind.sh refuses a non-PCI interface" sh "$repo/scripts/bind.sh" --dry-run lo
	expect_out "not a PCI network device" "bind.sh says why"
	expect_rc 1 "bind.sh unknown NIC" sh "$repo/scripts/bind.sh" --dry-run mcastfwd-no-such-if0
	expect_rc 0 "bind.sh --status" sh "$repo/scripts/bind.sh" --status
else
	note "dpdk-devbind.py missing: bind.sh not run"
fi
expect_rc 2 "bind.sh without arguments" sh "$repo/scripts/bind.sh"

# hugepages.sh: status and a dry run only.
expect_rc 0 "hugepages.sh --status" sh "$repo/scripts/hugepages.sh" --status
expect_out "^hugepages:" "hugepages.sh --status shows the pools"
cur=$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages 2>/dev/null || echo 0)
want_n=$((cur + 7))
expect_rc 0 "hugepages.sh --dry-run" sh "$repo/scripts/hugepages.sh" --dry-run -n "$want_n"
expect_out "would write $want_n > .*hugepages-2048kB/nr_hugepages" \
	"hugepages.sh --dry-run shows the write it would do"
if [ "$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages 2>/dev/null || echo 0)" = "$cur" ]; then
	ok "hugepages.sh --dry-run changed nothing"
else
	fail "hugepages.sh --dry-run changed nr_hugepages"
fi
expect_rc 2 "hugepages.sh -n not a number" sh "$repo/scripts/hugepages.sh" -n lots

# --- systemd unit -----------------------------------------------------------------------
unit=$repo/config/mcastfwd.service
envf=$repo/config/mcastfwd.env
for v in $(grep -o '\$[A-Z_][A-Z_0-9]*' "$unit" | tr -d '$' | sort -u); do
	[ "$v" = MAINPID ] && continue
	if grep -q "^$v=" "$envf"; then
		ok "unit variable $v is set in mcastfwd.env"
	else
		fail "unit uses \$$v but mcastfwd.env does not set it"
	fi
done
for k in 'ExecStart=' 'ExecReload=/bin/kill -HUP \$MAINPID' 'KillSignal=SIGTERM' \
		'TimeoutStopSec=' 'Restart=on-failure' 'EnvironmentFile='; do
	if grep -q "^$k" "$unit"; then
		ok "unit has $k"
	else
		fail "unit lacks $k"
	fi
done
if command -v systemd-analyze > /dev/null 2>&1; then
	mkdir -p "$tmp/unit"
	# Swap installed paths for ones that exist here; keep everything else as shipped.
	sed -e "s|/usr/local/bin/mcastfwd|/bin/true|g" \
		-e "s|/usr/local/share/mcastfwd/xdp-ports.sh|/bin/true|g" \
		-e "s|/etc/mcastfwd/mcastfwd.env|$envf|g" "$unit" > "$tmp/unit/mcastfwd.service"
	systemd-analyze verify "$tmp/unit/mcastfwd.service" > "$tmp/out" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ] && [ ! -s "$tmp/out" ]; then
		ok "systemd-analyze verify mcastfwd.service"
	else
		fail "systemd-analyze verify: exit $rc"
		sed 's/^/     | /' "$tmp/out" | head -20
	fi
else
	note "systemd-analyze missing: unit not verified"
fi

echo "$checks checks, $fails failed"
[ "$fails" -eq 0 ]
