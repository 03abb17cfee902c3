#!/usr/bin/python3
"""The /mcast telemetry command set, end to end, through the real socket.

mcastfwd runs on one net_af_packet port (port 0, "up", a veth end in the
root namespace: the test writes raw frames into its peer) and three
net_null ports (1 "lan1", 2 "lan2", 3; no RX, TX always succeeds, so TX
counters are exact).  Checked:
  - every command answers with the expected JSON shape;
  - a table of bad requests, each with its exact error message, none of
    which changes any state (routes, IGMP settings, counters of changes);
  - listings page below the 16 KB cap and resume where they said;
  - concurrent clients adding and deleting routes while traffic flows,
    then forwarding matches the final route set exactly (per-port TX
    counts, no-route counts);
  - SIGHUP reloads the static routes, and a bad file is rejected whole;
  - scripts/mcastctl drives the same commands.
"""
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mfe2e.mcastfwd import Mcastfwd, write_config             # noqa: E402
from mfe2e.netns import run, sysctl                           # noqa: E402
from mfe2e.runner import main, require_root, Skip             # noqa: E402
from mfe2e.telemetry import socket_path                       # noqa: E402
from mfe2e import cleanup                                     # noqa: E402

MAX_REPLY = 16384
REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
SRC = "198.18.0.7"


def no_dup_keys(pairs):
    keys = [k for k, _ in pairs]
    dups = sorted({k for k in keys if keys.count(k) > 1})
    assert not dups, "duplicate JSON keys %s" % dups
    return dict(pairs)


class Client:
    """Raw telemetry client: returns (value, raw length)."""

    def __init__(self, prefix, timeout=10.0):
        # Telemetry's listen backlog is short: several clients connecting
        # at once may see EAGAIN; retry, bounded.
        for attempt in range(100):
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            self.sock.settimeout(timeout)
            try:
                self.sock.connect(socket_path(prefix))
                break
            except BlockingIOError:
                self.sock.close()
                if attempt == 99:
                    raise
                time.sleep(0.02)
        json.loads(self.sock.recv(MAX_REPLY).decode())

    def raw(self, req):
        self.sock.send(req.encode())
        data = self.sock.recv(MAX_REPLY * 2)
        assert len(data) < MAX_REPLY, "reply of %d bytes to %s" % (len(data),
                                                                   req)
        reply = json.loads(data.decode(), object_pairs_hook=no_dup_keys)
        cmd = req.split(",", 1)[0]
        assert list(reply.keys()) == [cmd], reply
        return reply[cmd], len(data)

    def q(self, req):
        return self.raw(req)[0]

    def close(self):
        self.sock.close()


class Veth:
    """A veth pair in the root namespace: mcastfwd on one end, the test
    writes frames into the other with an AF_PACKET socket."""

    def __init__(self):
        pid = os.getpid()
        self.a, self.b = "mfe%dq90" % pid, "mfe%dq91" % pid
        run(["ip", "link", "add", self.a, "type", "veth", "peer", "name",
             self.b])
        self._h = cleanup.at_cleanup(self.delete)
        for i in (self.a, self.b):
            sysctl("net.ipv6.conf.%s.disable_ipv6" % i, "1", check=False)
            run(["ip", "link", "set", i, "up"])
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        self.sock.bind((self.b, 0))
        self.lock = threading.Lock()

    def send(self, frame):
        with self.lock:
            self.sock.send(frame)

    def delete(self):
        try:
            self.sock.close()
        except Exception:
            pass
        run(["ip", "link", "del", self.a], check=False)


def ip_csum(b):
    s = 0
    for i in range(0, len(b), 2):
        s += (b[i] << 8) | b[i + 1]
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def frame(src, grp, ttl=64, payload=64):
    """Ethernet + IPv4 + UDP multicast frame (no scapy needed)."""
    g = [int(x) for x in grp.split(".")]
    dmac = bytes([0x01, 0x00, 0x5e, g[1] & 0x7f, g[2], g[3]])
    smac = bytes([0x02, 0, 0, 0, 0, 0x07])
    data = bytes(payload)
    udp = (1234).to_bytes(2, "big") + (5000).to_bytes(2, "big") + \
        (8 + len(data)).to_bytes(2, "big") + b"\0\0" + data
    hdr = bytearray(b"\x45\x00" + (20 + len(udp)).to_bytes(2, "big") +
                    b"\x00\x01\x00\x00" + bytes([ttl, 17]) + b"\0\0" +
                    socket.inet_aton(src) + socket.inet_aton(grp))
    hdr[10:12] = ip_csum(bytes(hdr)).to_bytes(2, "big")
    return dmac + smac + b"\x08\x00" + bytes(hdr) + udp


def igmpv2_report(src, grp):
    """IGMPv2 membership report with Router Alert, TTL 1 (RFC 2236)."""
    g = [int(x) for x in grp.split(".")]
    dmac = bytes([0x01, 0x00, 0x5e, g[1] & 0x7f, g[2], g[3]])
    igmp = bytearray(b"\x16\x00\x00\x00" + socket.inet_aton(grp))
    igmp[2:4] = ip_csum(bytes(igmp)).to_bytes(2, "big")
    hdr = bytearray(b"\x46\xc0" + (24 + 8).to_bytes(2, "big") +
                    b"\x00\x02\x00\x00" + bytes([1, 2]) + b"\0\0" +
                    socket.inet_aton(src) + socket.inet_aton(grp) +
                    b"\x94\x04\x00\x00")
    hdr[10:12] = ip_csum(bytes(hdr)).to_bytes(2, "big")
    return dmac + bytes([2, 0, 0, 0, 0, 7]) + b"\x08\x00" + bytes(hdr) + \
        bytes(igmp)


def start(ctx, config=None, routes=(), lcores="0"):
    veth = Veth()
    cfg = config or write_config(
        os.path.join(ctx.workdir, "mcastfwd.ini"),
        ports={0: {"name": "up", "address": "198.18.0.1/24"},
               1: {"name": "lan1"}, 2: {"name": "lan2"}},
        routes=routes)
    m = Mcastfwd(["net_af_packet0,iface=%s" % veth.a,
                  "net_null1,no-rx=1", "net_null2,no-rx=1",
                  "net_null3,no-rx=1"],
                 config=cfg, lcores=lcores, workdir=ctx.workdir)
    ctx.attach(m)
    m.start()
    return m, veth, cfg


def state(c):
    """Everything a bad request must not change."""
    routes = page_all(c, "/mcast/routes", "routes")
    igmp = [c.q("/mcast/igmp/config,%d" % p)["config"] for p in range(4)]
    info = c.q("/mcast/info")
    return (sorted((r["source"], r["group"], r["in"], tuple(r["out"]))
                   for r in routes),
            igmp, info["static_routes"], info["mfes"], info["table_entries"])


def page_all(c, cmd, key, first_params=None):
    items, req = [], cmd + ("," + first_params if first_params else "")
    for _ in range(10000):
        v = c.q(req)
        assert "error" not in v, v
        items += list(v[key].values())
        if not v["more"]:
            assert "next" not in v
            return items
        req = cmd + "," + v["next"]
    raise AssertionError("paging never ended")


def wait_for(pred, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


# ---------------------------------------------------------------------------

def test_every_command_answers(ctx):
    require_root()
    m, veth, _ = start(ctx, routes=["* 239.1.1.1 up lan1,lan2",
                                    "198.18.0.7 232.1.1.1 0 3"])
    c = Client(m.prefix)
    try:
        info = c.q("/mcast/info")
        for k in ("version", "dpdk", "pid", "uptime_s", "config", "lcores",
                  "ports", "main_lcore", "n_workers", "static_routes"):
            assert k in info, (k, info)
        assert info["ports"]["0"]["name"] == "up"
        assert info["ports"]["0"]["driver"] == "net_af_packet"
        assert info["lcores"] == {"0": "control+worker 0"}, info["lcores"]
        assert info["static_routes"] == 2

        st = c.q("/mcast/stats")
        for k in ("total", "workers", "ports", "control"):
            assert k in st, (k, st)
        assert set(st["ports"]) == {"0", "1", "2", "3"}

        ports = c.q("/mcast/ports")
        assert set(ports) == {"0", "1", "2", "3"}
        assert ports["0"]["address"] == "198.18.0.1/24"
        p1 = c.q("/mcast/port,lan1")
        assert p1["port"] == 1 and p1["name"] == "lan1"
        assert p1["igmp"]["enabled"] == 1 and "config" in p1["igmp"]
        assert "eth" in p1 and "opackets" in p1["eth"]
        assert c.q("/mcast/port,1") == c.q("/mcast/port,1") or True

        routes = c.q("/mcast/routes")
        got = sorted((r["source"], r["group"], r["in"], r["out"])
                     for r in routes["routes"].values())
        assert got == [("*", "239.1.1.1", 0, [1, 2]),
                       ("198.18.0.7", "232.1.1.1", 0, [3])], got
        assert routes["total"] == 2 and routes["more"] == 0

        add = c.q("/mcast/route/add,*,239.2.2.2,lan1,0,lan2")
        assert add["added"]["in"] == 1 and add["added"]["out"] == [0, 2], add
        assert add["routes"] == 3
        dl = c.q("/mcast/route/del,*,239.2.2.2")
        assert dl == {"deleted_source": "*", "deleted_group": "239.2.2.2",
                      "routes": 2}, dl

        g = c.q("/mcast/igmp/config,lan2")
        assert g["port"] == 2 and g["changed"] == 0
        assert g["config"]["version"] == 3
        s = c.q("/mcast/igmp/config,lan2,version=2,robustness=3")
        assert s["changed"] == 2 and s["config"]["version"] == 2 and \
            s["config"]["robustness"] == 3, s
        assert c.q("/mcast/igmp/config,2")["config"]["version"] == 2

        groups = c.q("/mcast/igmp/groups,0")
        assert groups["port"] == 0 and groups["more"] == 0
        assert groups["count"] == len(groups["groups"]) == 0, groups
        # A host on port 0 joins 239.7.7.7 with IGMPv2.
        veth.send(igmpv2_report(SRC, "239.7.7.7"))
        groups = wait_for(lambda: (lambda v: v if v["count"] else None)(
            c.q("/mcast/igmp/groups,up")), 10, "IGMP group learned")
        g0 = groups["groups"]["0"]
        assert g0["group"] == "239.7.7.7" and g0["mode"] == "exclude" and \
            g0["compat_version"] == 2 and g0["group_timer_ms"] > 0, groups
        one = c.q("/mcast/igmp/group,0,239.7.7.7")
        assert one["group"] == "239.7.7.7" and one["mode"] == "exclude" and \
            one["n_sources"] == 0 and one["more"] == 0, one
        assert c.q("/mcast/igmp/groups,0,239.7.7.8")["count"] == 0
        assert c.q("/mcast/port,0")["igmp"]["v2_reports"] == 1

        # Traffic for the static (*,G): an MFE-backed entry with counters.
        for _ in range(20):
            veth.send(frame(SRC, "239.1.1.1"))
        wait_for(lambda: c.q("/mcast/stats")["total"]["forwarded"] >= 20, 10,
                 "20 packets forwarded")
        mfe = c.q("/mcast/mfe")
        assert mfe["total"] >= 1 and mfe["more"] == 0, mfe
        keys = [(e["group"], e["source"]) for e in mfe["mfes"].values()]
        assert keys == sorted(keys, key=lambda k: (
            socket.inet_aton(k[0]), socket.inet_aton("0.0.0.0" if k[1] == "*"
                                                     else k[1]))), keys
        e0 = list(mfe["mfes"].values())[0]
        ms = c.q("/mcast/mfe/stats,%s,%s" % (e0["source"], e0["group"]))
        assert ms["group"] == e0["group"] and "in_pkts" in ms, ms
        # The static (*,G) forwards the first packet and a new-source
        # record makes the (S,G) MFE that counts the rest: together, 20.
        mine = [e for e in mfe["mfes"].values() if e["group"] == "239.1.1.1"]
        assert sum(e.get("in_pkts", 0) for e in mine) == 20, mine
        r = [x for x in c.q("/mcast/routes")["routes"].values()
             if x["group"] == "239.1.1.1"][0]
        assert r["installed"] == 1 and r["in_pkts"] >= 1, r

        protos = c.q("/mcast/protocols")
        assert protos["igmp"]["ports"] == [0, 1, 2, 3], protos
        assert protos["static"]["routes"] == 2, protos

        before = c.q("/mcast/stats")["total"]
        assert before["rx"] >= 20
        assert c.q("/mcast/stats/clear") == {"cleared": 1}
        after = c.q("/mcast/stats")
        assert after["total"]["forwarded"] == 0, after["total"]
        assert after["ports"]["1"]["tx"] == 0
    finally:
        c.close()
    assert m.stop() == 0


# (request, exact error).  None of them may change anything.
BAD = [
    ("/mcast/port", "missing port"),
    ("/mcast/port,9", "unknown port '9'"),
    ("/mcast/port,wan", "unknown port 'wan'"),
    ("/mcast/port,0,1", "too many parameters"),
    ("/mcast/info,x", "no parameters expected"),
    ("/mcast/stats,1", "no parameters expected"),
    ("/mcast/stats/clear,now", "no parameters expected"),
    ("/mcast/ports,0", "no parameters expected"),
    ("/mcast/protocols,x", "no parameters expected"),
    ("/mcast/igmp/groups", "missing port"),
    ("/mcast/igmp/groups,0,10.0.0.1",
     "start group 10.0.0.1 is not a multicast address"),
    ("/mcast/igmp/group,0", "missing group"),
    ("/mcast/igmp/group,0,1.2.3", "group '1.2.3' is not an IPv4 address"),
    ("/mcast/igmp/group,lan1,239.9.9.9", "no group 239.9.9.9 on port lan1"),
    ("/mcast/igmp/group,0,239.9.9.9,x", "source index 'x' is not a number"),
    ("/mcast/mfe,239.1.1.1", "missing start source"),
    ("/mcast/mfe,239.1.1.1,239.1.1.2",
     "source 239.1.1.2 is not a unicast address"),
    ("/mcast/mfe/stats,*", "missing group"),
    ("/mcast/mfe/stats,*,239.77.0.1", "no MFE (*, 239.77.0.1)"),
    ("/mcast/routes,x", "start index 'x' is not a number"),
    ("/mcast/routes,99", "start index 99 is out of range 0..1"),
    ("/mcast/route/add", "missing source"),
    ("/mcast/route/add,*,239.3.3.3,0", "missing out port"),
    ("/mcast/route/add,*,10.3.3.3,0,1",
     "group 10.3.3.3 is not a multicast address"),
    ("/mcast/route/add,*,224.0.0.9,0,1",
     "group 224.0.0.9 is link-local (224.0.0.0/24 is never routed)"),
    ("/mcast/route/add,host,239.3.3.3,0,1",
     "source 'host' is not an IPv4 address or '*'"),
    ("/mcast/route/add,*,239.3.3.3,0,7", "unknown port '7'"),
    ("/mcast/route/add,*,239.3.3.3,0,lan9", "unknown port 'lan9'"),
    ("/mcast/route/add,*,239.3.3.3,up,lan1,0",
     "incoming port '0' is also an outgoing port"),
    ("/mcast/route/add,*,239.3.3.3,0,1,lan1",
     "outgoing port 'lan1' is listed twice"),
    ("/mcast/route/add,*,239.3.3.3,0,,1", "empty field 4"),
    ("/mcast/route/add,*,239.1.1.1,0,3",
     "route (*, 239.1.1.1) exists; delete it first"),
    ("/mcast/route/del,*", "missing group"),
    ("/mcast/route/del,*,239.4.4.4", "no route (*, 239.4.4.4)"),
    ("/mcast/route/del,198.18.0.7,239.1.1.1", "no route (198.18.0.7, 239.1.1.1)"),
    ("/mcast/igmp/config", "missing port"),
    ("/mcast/igmp/config,5,version=2", "unknown port '5'"),
    ("/mcast/igmp/config,0,version", "expected key=value, got 'version'"),
    ("/mcast/igmp/config,0,version=2,bogus=1", "unknown key 'bogus'"),
    ("/mcast/igmp/config,0,version=2,version=3", "key 'version' given twice"),
]

# Errors whose text belongs to lib/igmp: only "an error, nothing changed".
BAD_IGMP_VALUES = [
    "/mcast/igmp/config,0,version=5",
    "/mcast/igmp/config,0,robustness=0",
    "/mcast/igmp/config,0,version=2,robustness=99",
    "/mcast/igmp/config,0,query_interval_ms=2000,query_response_interval_ms=3000",
]


def test_bad_requests_get_errors_and_change_nothing(ctx):
    require_root()
    m, veth, _ = start(ctx, routes=["* 239.1.1.1 up lan1,lan2"])
    c = Client(m.prefix)
    try:
        before = state(c)
        problems = []
        for req, want in BAD:
            v = c.q(req)
            if v != {"error": want}:
                problems.append("%s -> %r, want %r" % (req, v, want))
        for req in BAD_IGMP_VALUES:
            v = c.q(req)
            if not (isinstance(v, dict) and list(v) == ["error"] and
                    v["error"]):
                problems.append("%s -> %r, want an error" % (req, v))
        # Unknown commands are telemetry's: null.
        if c.q("/mcast/nope") is not None:
            problems.append("/mcast/nope answered")
        assert not problems, "\n".join(problems)
        assert len(BAD) >= 20
        after = state(c)
        assert after == before, "state changed:\n%r\n%r" % (before, after)
        # A good request still works afterwards.
        assert "added" in c.q("/mcast/route/add,*,239.3.3.3,0,1")
    finally:
        c.close()
    assert m.stop() == 0


def test_listings_page_below_the_cap(ctx):
    require_root()
    routes = ["* 239.10.%d.%d 0 1,2,3" % (i // 200, i % 200)
              for i in range(150)]
    routes += ["198.18.0.%d 239.10.0.0 up lan2" % s for s in range(1, 60)]
    m, veth, _ = start(ctx, routes=routes)
    c = Client(m.prefix)
    try:
        first, size = c.raw("/mcast/routes")
        assert first["more"] == 1 and first["total"] == len(routes)
        assert size < MAX_REPLY
        got = page_all(c, "/mcast/routes", "routes")
        keys = [(r["source"], r["group"]) for r in got]
        assert len(keys) == len(routes) == len(set(keys)), len(keys)
        # MFEs: one per static route here, listed by group then source,
        # and a start in the middle resumes there.
        mf = page_all(c, "/mcast/mfe", "mfes")
        assert len(mf) == c.q("/mcast/info")["mfes"] >= len(routes), len(mf)

        def order(e):
            s = "0.0.0.0" if e["source"] == "*" else e["source"]
            return (socket.inet_aton(e["group"]), socket.inet_aton(s))
        assert mf == sorted(mf, key=order)
        mid = mf[len(mf) // 2]
        tail = page_all(c, "/mcast/mfe", "mfes",
                        "%s,%s" % (mid["group"], mid["source"]))
        assert [order(e) for e in tail] == [order(e) for e in
                                            mf[len(mf) // 2:]]
        for cmd in ("/mcast/mfe", "/mcast/info", "/mcast/stats",
                    "/mcast/ports", "/mcast/port,0", "/mcast/protocols"):
            assert c.raw(cmd)[1] < MAX_REPLY
    finally:
        c.close()
    assert m.stop() == 0


def test_concurrent_route_changes_while_traffic_flows(ctx):
    require_root()
    m, veth, _ = start(ctx, lcores="0-1")
    n_clients, ops = 6, 40
    own = {i: ["239.20.%d.%d" % (i, j) for j in range(3)]
           for i in range(n_clients)}
    shared = "239.20.99.1"
    groups = [g for gs in own.values() for g in gs] + [shared]
    stop = threading.Event()
    errors = []

    def traffic():
        k = 0
        while not stop.is_set() and k < 200000:
            veth.send(frame(SRC, groups[k % len(groups)]))
            k += 1
            if k % 50 == 0:
                time.sleep(0.005)

    def client(i):
        rnd = random.Random(1000 + i)
        mine = {}
        try:
            c = Client(m.prefix)
            for _ in range(ops):
                g = rnd.choice(own[i] + [shared])
                outs = rnd.sample([1, 2, 3], rnd.randint(1, 3))
                if rnd.random() < 0.6:
                    v = c.q("/mcast/route/add,*,%s,0,%s" %
                            (g, ",".join(map(str, outs))))
                    if "added" in v:
                        if g != shared:
                            assert g not in mine, (g, v)
                            mine[g] = sorted(outs)
                    else:
                        assert v["error"] == \
                            "route (*, %s) exists; delete it first" % g, v
                else:
                    v = c.q("/mcast/route/del,*,%s" % g)
                    if "deleted_group" in v:
                        if g != shared:
                            assert g in mine, (g, v)
                            del mine[g]
                    else:
                        assert v["error"] == "no route (*, %s)" % g, v
            c.close()
        except BaseException as e:
            errors.append("client %d: %r" % (i, e))
        results[i] = mine

    results = {}
    tt = threading.Thread(target=traffic)
    tt.start()
    threads = [threading.Thread(target=client, args=(i,))
               for i in range(n_clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    stop.set()
    tt.join(30)
    assert not errors, "\n".join(errors)
    assert not any(t.is_alive() for t in threads), "client hung"

    c = Client(m.prefix)
    try:
        final = {r["group"]: sorted(r["out"])
                 for r in page_all(c, "/mcast/routes", "routes")}
        expect = {}
        for mine in results.values():
            expect.update(mine)
        got_own = {g: o for g, o in final.items() if g != shared}
        assert got_own == expect, (got_own, expect)
        # Forwarding must match the final set exactly.
        time.sleep(0.3)  # let in-flight frames drain
        assert c.q("/mcast/stats/clear") == {"cleared": 1}
        k = 25
        for g in groups:
            for _ in range(k):
                veth.send(frame(SRC, g))
        want_rx = k * len(groups)
        wait_for(lambda: c.q("/mcast/stats")["total"]["rx"] >= want_rx, 15,
                 "%d packets received" % want_rx)
        time.sleep(0.3)
        st = c.q("/mcast/stats")
        tot = st["total"]
        routed = [g for g in groups if g in final]
        # forwarded = packets sent to >= 1 port (fastpath.h).
        assert tot["forwarded"] == k * len(routed), (tot, final)
        assert tot["replicas"] == k * sum(len(o) for g, o in final.items()
                                          if g in groups), (tot, final)
        # Unrouted groups: no entry, or a leftover (S,G) MFE with no port.
        assert tot["no_route"] + tot["no_oif"] == \
            k * (len(groups) - len(routed)), tot
        for p in (1, 2, 3):
            want = k * sum(1 for g in routed if p in final[g])
            assert st["ports"][str(p)]["tx"] == want, (p, st["ports"], final)
            assert st["ports"][str(p)]["tx_drop"] == 0
        assert st["ports"]["0"]["tx"] == 0
    finally:
        c.close()
    assert m.stop() == 0


def sched_runtime_ns(tid):
    """sched_getattr(2)'s sched_runtime of thread tid (x86-64 syscall)."""
    import ctypes
    import struct
    libc = ctypes.CDLL(None, use_errno=True)
    buf = ctypes.create_string_buffer(48)
    if libc.syscall(315, tid, buf, 48, 0) != 0:
        raise OSError(ctypes.get_errno(), "sched_getattr")
    return struct.unpack("IIQiIQQQ", buf.raw)[5]


def kernel_takes_slices():
    """Linux 6.12+: a normal thread's sched_runtime is its slice."""
    try:
        major, minor = (int(x) for x in
                        os.uname().release.split("-")[0].split(".")[:2])
    except ValueError:
        return False
    return (major, minor) >= (6, 12)


def test_control_lcore_slice_and_turn_gap(ctx):
    """With a worker lcore the control lcore idles between turns: it asks
    for control_slice_us (default 100 us) and reports the time between its
    turns in /mcast/stats; control_slice_us = 0 leaves the kernel's slice."""
    require_root()
    m, veth, _ = start(ctx, lcores="0-1")
    c = Client(m.prefix)
    try:
        time.sleep(0.3)
        gap = c.q("/mcast/stats")["control_turn_gap"]
        assert gap["samples"] > 100, gap
        assert 0 < gap["p50_us"] <= gap["p99_us"] <= gap["max_us"], gap
        assert re.search(r"control lcore: (100 us scheduler slice|the "
                         r"kernel does not take a slice)", m.log_text()), \
            m.log_tail()
        if kernel_takes_slices():
            assert "100 us scheduler slice" in m.log_text(), m.log_tail()
            assert sched_runtime_ns(m.proc.pid) == 100000
        assert c.q("/mcast/stats/clear") is not None
        assert c.q("/mcast/stats")["control_turn_gap"]["samples"] < \
            gap["samples"]
    finally:
        c.close()
    m.stop()
    veth.delete()

    cfg = write_config(os.path.join(ctx.workdir, "noslice.ini"),
                       ports={0: {"name": "up", "address": "198.18.0.1/24"}},
                       glob={"control_slice_us": 0})
    m, veth, _ = start(ctx, config=cfg, lcores="0-1")
    assert "scheduler slice" not in m.log_text(), m.log_tail()
    if kernel_takes_slices():
        assert sched_runtime_ns(m.proc.pid) != 100000
    m.stop()
    veth.delete()


def test_sighup_reloads_routes_and_rejects_a_bad_file(ctx):
    require_root()
    cfgp = os.path.join(ctx.workdir, "reload.ini")
    write_config(cfgp, ports={0: {"name": "up"}},
                 routes=["* 239.30.0.1 up 1", "* 239.30.0.2 up 2"])
    m, veth, _ = start(ctx, config=cfgp)
    c = Client(m.prefix)

    def routes():
        return sorted((r["group"], tuple(r["out"]))
                      for r in page_all(c, "/mcast/routes", "routes"))
    try:
        assert routes() == [("239.30.0.1", (1,)), ("239.30.0.2", (2,))]
        write_config(cfgp, ports={0: {"name": "up"}},
                     routes=["* 239.30.0.2 up 2,3", "* 239.30.0.3 0 1"])
        m.proc.send_signal(signal.SIGHUP)
        want = [("239.30.0.2", (2, 3)), ("239.30.0.3", (1,))]
        wait_for(lambda: routes() == want, 10, "reloaded routes")
        with open(cfgp, "a") as f:
            f.write("route = * 10.0.0.1 0 1\n")
        m.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: c.q("/mcast/stats")["control"]["reload_errors"] >= 1,
                 10, "reload error counted")
        assert routes() == want
    finally:
        c.close()
    assert m.stop() == 0


def test_mcastctl_drives_the_same_commands(ctx):
    require_root()
    m, veth, _ = start(ctx, routes=["* 239.1.1.1 up lan1"])
    ctl = [sys.executable, os.path.join(REPO, "scripts", "mcastctl"),
           "-p", m.prefix]

    def run_ctl(*args):
        p = subprocess.run(ctl + list(args), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=20)
        return p.returncode, p.stdout, p.stderr
    rc, out, err = run_ctl("--json", "info")
    assert rc == 0 and json.loads(out)["ports"]["1"]["name"] == "lan1", \
        (rc, out, err)
    rc, out, _ = run_ctl("route", "add", "*", "239.5.5.5", "up", "lan1",
                         "lan2")
    assert rc == 0 and "239.5.5.5" in out, out
    rc, out, _ = run_ctl("routes", "--all")
    assert rc == 0 and "239.5.5.5" in out and "239.1.1.1" in out, out
    rc, _, err = run_ctl("route", "del", "*", "239.6.6.6")
    assert rc == 1 and "no route (*, 239.6.6.6)" in err, err
    rc, out, _ = run_ctl("igmp", "lan1", "fast_leave=on")
    assert rc == 0 and "fast_leave" in out
    rc, out, _ = run_ctl("--json", "port", "lan1")
    assert rc == 0 and json.loads(out)["igmp"]["config"]["fast_leave"] == 1
    for args in (["stats"], ["ports"], ["mfe", "--all"], ["protocols"],
                 ["groups", "0"], ["stats", "clear"],
                 ["raw", "/mcast/port,0"]):
        rc, out, err = run_ctl(*args)
        assert rc == 0 and out, (args, rc, out, err)
    assert m.stop() == 0


if __name__ == "__main__":
    main(globals())
