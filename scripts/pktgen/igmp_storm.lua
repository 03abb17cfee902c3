-- SPDX-License-Identifier: BSD-3-Clause
-- igmp_storm.lua: pktgen (23.06, DPDK 22.11) script replaying an IGMP join storm at a set
-- rate, printing the send rate every second and, when mcastfwd's telemetry is watched
-- beside it, letting you see how many reports per second its control lcore absorbs.
--
-- pktgen cannot build IGMP itself: make the frames first, then give the pcap to the port:
--   /usr/bin/python3 scripts/pktgen/gen_igmp_storm.py -o /tmp/igmp_storm.pcap \
--           --hosts 64 --groups 256 [--leaves] [--version 2]
--   pktgen -l 0-1 -n 4 -a <pci0> -- -P -T -m "[1].0" -s 0:/tmp/igmp_storm.pcap \
--          -f scripts/pktgen/igmp_storm.lua
-- (pktgen needs a terminal; the script ends with pktgen.quit()).
-- Settings from the environment (defaults in brackets):
--   STORM_PORT [0]       port holding the pcap (the -s P:file argument)
--   STORM_RATE [1]       percent of line rate (1% of 10G with 64-byte reports ~ 148 kpps)
--   STORM_SECONDS [10]   how long to replay
-- Watch the receiving side with, for example:
--   dpdk-telemetry.py -f mcastfwd   then   /mcast/stats   (IGMP counters)

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

local port = env("STORM_PORT", "0")
local rate = env_num("STORM_RATE", 1)
local seconds = env_num("STORM_SECONDS", 10)

local function sum(stats, field)
	local t = 0
	for _, s in pairs(stats) do
		if type(s) == "table" and s[field] ~= nil then
			t = t + s[field]
		end
	end
	return t
end

pktgen.screen("off")
pktgen.stop(port)
pktgen.clr()
pktgen.set_range(port, "off")
pktgen.set(port, "rate", rate)
pktgen.set(port, "count", 0)
-- Send the pcap given with -s instead of the single-packet template; it loops forever.
pktgen.pcap(port, "on")

printf("igmp_storm: port %s replays its pcap at %s%% of line rate for %d s\n", port,
	tostring(rate), seconds)
local tx0 = sum(pktgen.portStats(port, "port"), "opackets")
local prev = tx0
pktgen.start(port)
for t = 1, seconds do
	pktgen.sleep(1)
	local tx = sum(pktgen.portStats(port, "port"), "opackets")
	printf("t=%3ds  %10d reports/s\n", t, tx - prev)
	prev = tx
end
pktgen.stop(port)
pktgen.delay(500)
local total = sum(pktgen.portStats(port, "port"), "opackets") - tx0
printf("igmp_storm: sent %d reports in %d s (%.0f per second)\n", total, seconds,
	total / seconds)
pktgen.pcap(port, "off")
pktgen.quit()
