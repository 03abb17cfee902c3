-- SPDX-License-Identifier: BSD-3-Clause
-- mcast_streams.lua: pktgen (23.06, DPDK 22.11) script sending UDP multicast to N groups
-- at a set rate and frame size from one port, printing TX and RX rates every second.
--
-- Run (pktgen needs a terminal; the script ends with pktgen.quit()):
--   pktgen -l 0-2 -n 4 -a <pci0> -a <pci1> -- -P -T -m "[1].0,[2].1" \
--          -f scripts/pktgen/mcast_streams.lua
-- Settings come from the environment (defaults in brackets):
--   MCAST_TX_PORT [0]        port that sends (towards mcastfwd)
--   MCAST_RX_PORTS [1]       ports whose receive rate is reported (pktgen portlist: "1", "1-3")
--   MCAST_GROUPS [16]        number of groups: MCAST_GROUP_BASE .. +N-1, round robin per packet
--   MCAST_GROUP_BASE [239.1.0.1]
--   MCAST_SRC [198.18.0.2/24] source address (pktgen wants the prefix length)
--   MCAST_RATE [10]          percent of the TX port's line rate (pktgen's unit)
--   MCAST_SIZE [64]          frame size in bytes without the FCS (64..1518)
--   MCAST_SECONDS [10]       how long to send
--   MCAST_TTL [16]
-- The destination MAC of every frame is the group's (01:00:5e + low 23 bits of the group),
-- stepped in lockstep with the group address.

-- pktgen's Lua defines printf; fall back to io.write so the script runs in a plain Lua too.
local printf = printf or function(fmt, ...)
	io.write(string.format(fmt, ...))
end

local function env(name, default)
	local v = os.getenv(name)
	if v == nil or v == "" then
		return default
	end
	return v
end

local function env_num(name, default)
	local v = tonumber(env(name, tostring(default)))
	if v == nil then
		error(name .. " must be a number")
	end
	return v
end

local tx_port = env("MCAST_TX_PORT", "0")
local rx_ports = env("MCAST_RX_PORTS", "1")
local n_groups = env_num("MCAST_GROUPS", 16)
local group_base = env("MCAST_GROUP_BASE", "239.1.0.1")
local src = env("MCAST_SRC", "198.18.0.2/24")
local rate = env_num("MCAST_RATE", 10)
local size = env_num("MCAST_SIZE", 64)
local seconds = env_num("MCAST_SECONDS", 10)
local ttl = env_num("MCAST_TTL", 16)

-- Dotted quad <-> integer.
local function ip2int(s)
	local a, b, c, d = s:match("^(%d+)%.(%d+)%.(%d+)%.(%d+)$")
	if a == nil then
		error("bad IPv4 address " .. s)
	end
	return ((tonumber(a) * 256 + tonumber(b)) * 256 + tonumber(c)) * 256 + tonumber(d)
end

local function int2ip(n)
	return string.format("%d.%d.%d.%d", (n >> 24) & 255, (n >> 16) & 255, (n >> 8) & 255,
		n & 255)
end

-- IPv4 multicast MAC of a group (RFC 1112 section 6.4).
local function group_mac(n)
	return string.format("01:00:5e:%02x:%02x:%02x", (n >> 16) & 127, (n >> 8) & 255, n & 255)
end

local g0 = ip2int(group_base)
local g1 = g0 + n_groups - 1
if (g0 >> 28) ~= 14 or (g1 >> 28) ~= 14 or n_groups < 1 then
	error("groups " .. int2ip(g0) .. ".." .. int2ip(g1) .. " are not all in 224.0.0.0/4")
end
if (g0 >> 8) == 0xe00000 then
	printf("mcast_streams: warning: 224.0.0.0/24 is link-local; routers never forward it\n")
end
if (g0 & 0x7fffff) + n_groups - 1 > 0x7fffff then
	error("group range wraps the 23-bit MAC mapping; pick another MCAST_GROUP_BASE")
end

pktgen.screen("off")
pktgen.stop(tx_port)
pktgen.clr()

-- The single-packet settings are what a one-group run sends; the range settings step
-- the group (and its MAC) per packet.
pktgen.set_type(tx_port, "ipv4")
pktgen.set_proto(tx_port, "udp")
pktgen.set_ipaddr(tx_port, "src", src)
pktgen.set_ipaddr(tx_port, "dst", group_base)
pktgen.set_mac(tx_port, "dst", group_mac(g0))
pktgen.set(tx_port, "size", size)
-- "ttl" is not a settable field in every pktgen release: try it, keep going without.
pcall(pktgen.set, tx_port, "ttl", ttl)
pktgen.set(tx_port, "sport", 5000)
pktgen.set(tx_port, "dport", 5001)
pktgen.set(tx_port, "count", 0)
pktgen.set(tx_port, "rate", rate)

local src_ip = src:match("^([%d%.]+)")
pktgen.range.dst_ip(tx_port, "start", int2ip(g0))
pktgen.range.dst_ip(tx_port, "min", int2ip(g0))
pktgen.range.dst_ip(tx_port, "max", int2ip(g1))
pktgen.range.dst_ip(tx_port, "inc", n_groups > 1 and "0.0.0.1" or "0.0.0.0")
pktgen.range.dst_mac(tx_port, "start", group_mac(g0))
pktgen.range.dst_mac(tx_port, "min", group_mac(g0))
pktgen.range.dst_mac(tx_port, "max", group_mac(g1))
pktgen.range.dst_mac(tx_port, "inc", n_groups > 1 and "00:00:00:00:00:01" or "00:00:00:00:00:00")
pktgen.range.src_ip(tx_port, "start", src_ip)
pktgen.range.src_ip(tx_port, "min", src_ip)
pktgen.range.src_ip(tx_port, "max", src_ip)
pktgen.range.src_ip(tx_port, "inc", "0.0.0.0")
if pktgen.range.ttl ~= nil then
	-- Range mode has its own TTL where the release supports it (mcastfwd needs >= 2).
	pktgen.range.ttl(tx_port, "start", ttl)
	pktgen.range.ttl(tx_port, "min", ttl)
	pktgen.range.ttl(tx_port, "max", ttl)
	pktgen.range.ttl(tx_port, "inc", 0)
end
pktgen.range.pkt_size(tx_port, "start", size)
pktgen.range.pkt_size(tx_port, "min", size)
pktgen.range.pkt_size(tx_port, "max", size)
pktgen.range.pkt_size(tx_port, "inc", 0)
pktgen.range.ip_proto(tx_port, "udp")
pktgen.set_range(tx_port, "on")

printf("mcast_streams: port %s -> %d group(s) %s..%s, %d B frames, rate %s%%, %d s\n",
	tx_port, n_groups, int2ip(g0), int2ip(g1), size, tostring(rate), seconds)

-- Sum of a counter over the ports a portStats() table holds.
local function sum(stats, field)
	local t = 0
	for _, s in pairs(stats) do
		if type(s) == "table" and s[field] ~= nil then
			t = t + s[field]
		end
	end
	return t
end

local tx0 = sum(pktgen.portStats(tx_port, "port"), "opackets")
local rx0 = sum(pktgen.portStats(rx_ports, "port"), "ipackets")
pktgen.start(tx_port)
local prev_tx, prev_rx = tx0, rx0
for t = 1, seconds do
	pktgen.sleep(1)
	local tx = sum(pktgen.portStats(tx_port, "port"), "opackets")
	local rx = sum(pktgen.portStats(rx_ports, "port"), "ipackets")
	local r = pktgen.portStats(tx_port, "rate")
	printf("t=%3ds  tx %10d pps  rx %10d pps  (tx %d Mbit/s)\n", t, tx - prev_tx,
		rx - prev_rx, sum(r, "mbits_tx"))
	prev_tx, prev_rx = tx, rx
end
pktgen.stop(tx_port)
pktgen.delay(500)

local tx = sum(pktgen.portStats(tx_port, "port"), "opackets") - tx0
local rx = sum(pktgen.portStats(rx_ports, "port"), "ipackets") - rx0
printf("mcast_streams: sent %d, received %d on ports %s: %.0f pps out, %.0f pps in " ..
	"(replicas: received/sent = %.2f)\n", tx, rx, rx_ports, tx / seconds, rx / seconds,
	tx > 0 and rx / tx or 0)
pktgen.set_range(tx_port, "off")
pktgen.quit()
