-- SPDX-License-Identifier: BSD-3-Clause
-- kit_pktgen_mock.lua: runs a pktgen Lua script under plain lua5.3 against a stand-in
-- `pktgen` table, so the kit test catches more than syntax errors: calls to functions
-- pktgen 23.06 lacks, wrong argument counts, arithmetic on nil, and a script that does
-- not end with pktgen.quit().
--   lua5.3 kit_pktgen_mock.lua SCRIPT.lua
-- Exit 0 when the script ran to pktgen.quit() and made no bad call, 1 otherwise.
local script = assert(arg[1], "usage: kit_pktgen_mock.lua SCRIPT.lua")

local QUIT = {}
local clock = 0			-- simulated seconds
local sending = {}		-- port -> true while started
local sent = {}			-- port -> packets sent so far
local calls = 0
local quit_called = false
local PPS = 1000000		-- what a started port "sends" per simulated second

-- Arities of pktgen 23.06's Lua functions (app/lpktgenlib.c checks lua_gettop).
local arity = {
	quit = 0, set = 3, start = 1, stop = 1, set_mac = 3, set_ipaddr = 3, set_proto = 2,
	set_type = 2, pcap = 2, screen = 1, delay = 1, sleep = 1, clr = 0, portStats = 2,
	set_range = 2, page = 1, icmp_echo = 2, send_arp = 2,
}
local range_arity = {
	dst_mac = 3, src_mac = 3, src_ip = 3, dst_ip = 3, ip_proto = 2, src_port = 3,
	dst_port = 3, pkt_size = 3, ttl = 3,
}

-- Ports named by a pktgen portlist ("0", "1-3", "0,2", "all" = 0..3).
local function ports(list)
	local out = {}
	list = tostring(list)
	if list == "all" then
		list = "0-3"
	end
	for part in list:gmatch("[^,]+") do
		local a, b = part:match("^(%d+)%-(%d+)$")
		if a == nil then
			a = part:match("^(%d+)$")
			b = a
		end
		if a == nil then
			error("bad portlist '" .. list .. "'", 3)
		end
		for p = tonumber(a), tonumber(b) do
			out[#out + 1] = p
		end
	end
	return out
end

local function advance(seconds)
	for p, on in pairs(sending) do
		if on then
			sent[p] = (sent[p] or 0) + math.floor(seconds * PPS)
		end
	end
	clock = clock + seconds
end

local impl = {
	start = function(pl)
		for _, p in ipairs(ports(pl)) do
			sending[p] = true
		end
	end,
	stop = function(pl)
		for _, p in ipairs(ports(pl)) do
			sending[p] = false
		end
	end,
	sleep = function(s)
		assert(type(s) == "number", "sleep takes seconds")
		advance(s)
	end,
	delay = function(ms)
		assert(type(ms) == "number", "delay takes milliseconds")
		advance(ms / 1000)
	end,
	quit = function()
		quit_called = true
		error(QUIT)
	end,
	portStats = function(pl, kind)
		assert(kind == "port" or kind == "rate", "portStats kind is port or rate")
		local t = {}
		local total = 0
		for _, n in pairs(sent) do
			total = total + n
		end
		for _, p in ipairs(ports(pl)) do
			local n = sent[p] or 0
			-- Every port "receives" two replicas of whatever was sent: rx ~= tx stays visible.
			t[p] = { opackets = n, ipackets = 2 * total, obytes = 64 * n, ibytes = 128 * total,
				ierrors = 0, oerrors = 0, rx_nombuf = 0, imissed = 0 }
			if kind == "rate" then
				t[p].pkts_tx = sending[p] and PPS or 0
				t[p].pkts_rx = 0
				t[p].mbits_tx = sending[p] and 512 or 0
				t[p].mbits_rx = 0
			end
		end
		return t
	end,
}

local function checked(name, n, fn)
	return function(...)
		if quit_called then
			error("pktgen." .. name .. " called after quit", 2)
		end
		local got = select("#", ...)
		if got ~= n then
			error(string.format("pktgen.%s: %d argument(s), pktgen takes %d", name, got, n), 2)
		end
		calls = calls + 1
		if fn ~= nil then
			return fn(...)
		end
	end
end

pktgen = { range = {} }
for name, n in pairs(arity) do
	pktgen[name] = checked(name, n, impl[name])
end
for name, n in pairs(range_arity) do
	pktgen.range[name] = checked("range." .. name, n, nil)
end
setmetatable(pktgen, { __index = function(_, k)
	error("pktgen." .. tostring(k) .. " is not in pktgen's Lua API", 2)
end })
setmetatable(pktgen.range, { __index = function(_, k)
	-- Optional range functions are feature-tested with "~= nil": answer nil, not an error.
	return nil
end })
printf = function(fmt, ...)
	io.write(string.format(fmt, ...))
end

local chunk, err = loadfile(script)
if chunk == nil then
	io.stderr:write(err .. "\n")
	os.exit(1)
end
local ok, res = pcall(chunk)
if not ok and res ~= QUIT then
	io.stderr:write(script .. ": " .. tostring(res) .. "\n")
	os.exit(1)
end
if not quit_called then
	io.stderr:write(script .. ": returned without calling pktgen.quit()\n")
	os.exit(1)
end
print(string.format("%s: ran to pktgen.quit() (%d pktgen calls, %.1f simulated s)", script,
	calls, clock))
os.exit(0)
