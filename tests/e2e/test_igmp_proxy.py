#!/usr/bin/python3
"""IGMP proxy (RFC 4605) with real Linux hosts.  Needs root.  h0 is upstream (port 0), h1..h3
downstream.  Checks: mcastfwd's v3 report reaches h0 after downstream
joins; h0's traffic reaches only joined hosts; a downstream sender reaches
upstream and the other members; a v3 general query from h0 is answered
with a v3 report, a v2 query with a v2 report (and switches to v2).

Run: meson test -C build e2e_igmp_proxy (or MCASTFWD_BIN=<build>/app/mcastfwd /usr/bin/python3 tests/e2e/test_igmp_proxy.py)
"""
import os, sys, time
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from mfe2e import netns
from mfe2e.hosts import Receiver, send, wait_counts, wait_until
from mfe2e.mcastfwd import Mcastfwd, write_config
from mfe2e.runner import main, require_root

N = 50

import socket, struct
def ck(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b)//2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff

def send_query(src, ifname, ver):
    if ver == 3:
        igmp = struct.pack("!BBH4sBBH", 0x11, 20, 0, b"\0\0\0\0", 2, 125, 0)
    else:
        igmp = struct.pack("!BBH4s", 0x11, 20, 0, b"\0\0\0\0")
    igmp = igmp[:2] + struct.pack("!H", ck(igmp)) + igmp[4:]
    opt = b"\x94\x04\x00\x00"
    tot = 24 + len(igmp)
    ip = struct.pack("!BBHHHBBH4s4s", 0x46, 0xc0, tot, 0, 0x4000, 1, 2, 0,
                     socket.inet_aton(src), socket.inet_aton("224.0.0.1")) + opt
    ip = ip[:10] + struct.pack("!H", ck(ip)) + ip[12:]
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, ifname.encode())
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(src))
    s.sendto(ip + igmp, ("224.0.0.1", 0))


def test_proxy(ctx):
    require_root()
    G = "239.5.0.1"
    topo = netns.Topology(4)
    t = topo.up()
    try:
        ports = {}
        for p in range(4):
            ports[p] = {"name": "p%d" % p, "address": "198.18.%d.1/24" % p,
                        "igmp": "on", "query_interval_ms": 2000,
                        "query_response_interval_ms": 1000,
                        "startup_query_interval_ms": 500,
                        "startup_query_count": 2}
        cfg = write_config(os.path.join(ctx.workdir, "p.ini"), ports=ports,
                           glob={"igmp_proxy_upstream": "p0"})
        m = ctx.attach(Mcastfwd(t.vdevs(), config=cfg, workdir=ctx.workdir))
        m.start()
        rx = [Receiver(h) for h in t.hosts]
        rx[1].join(G)
        rx[3].join(G)
        ok = wait_until(lambda: rx[0].counts()["igmp_in"].get("0x22", 0) > 0,
                        15, what="v3 report upstream")
        print("upstream igmp_in:", rx[0].counts()["igmp_in"])
        print("protocols:", m.telemetry("/mcast/protocols"))
        assert ok
        time.sleep(1)
        for r in rx:
            r.reset()
        send(t.hosts[0], [("", G)], count=N, interval=0.003)
        got = wait_counts([(rx[i], t.hosts[0].addr, G, n)
                           for i, n in ((1, N), (2, 0), (3, N))], 5)
        print("downstream counts h1,h2,h3:", got)
        assert got == [N, 0, N], got
        # a downstream sender reaches upstream and the other member
        for r in rx:
            r.reset()
        send(t.hosts[2], [("", G)], count=N, interval=0.003)
        got = wait_counts([(rx[i], t.hosts[2].addr, G, n)
                           for i, n in ((0, N), (1, N), (3, N))], 5)
        print("from downstream h2 -> h0,h1,h3:", got)
        assert got == [N, N, N], got
        # a querier upstream: general v3 query from h0 -> v3 report within
        # Max Resp Time; then a v2 query -> v2 reports
        h0 = t.hosts[0]
        before = rx[0].counts()["igmp_in"].get("0x22", 0)
        h0.sh("python3", os.path.abspath(__file__), "--query", h0.addr, h0.ifname, "3")
        ok = wait_until(lambda: rx[0].counts()["igmp_in"].get("0x22", 0) > before, 5, what="query response")
        print("after v3 query:", rx[0].counts()["igmp_in"])
        assert ok
        h0.sh("python3", os.path.abspath(__file__), "--query", h0.addr, h0.ifname, "2")
        ok = wait_until(lambda: rx[0].counts()["igmp_in"].get("0x16", 0) > 0, 5, what="v2 response")
        print("after v2 query:", rx[0].counts()["igmp_in"])
        print("protocols:", m.telemetry("/mcast/protocols"))
        assert ok
        m.__exit__()
    finally:
        topo.down()

if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--query":
        send_query(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        main(globals())
