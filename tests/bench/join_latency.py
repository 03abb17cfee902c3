#!/usr/bin/python3
"""Join latency with a real Linux host: how long after a host's IGMP report
leaves it does the first datagram of the group reach it through mcastfwd?

Topology (tests/e2e/mfe2e): h0 sends, h1 joins; mcastfwd on net_af_packet
ports, IGMP learning only (no static route).  For each of N groups:
h0 sends to the group every ~100-200 us (it sleeps between sends); h1 joins it with IP_ADD_MEMBERSHIP,
and an AF_PACKET socket on h1's interface timestamps (kernel SO_TIMESTAMPNS,
one clock for both) its own outgoing IGMP report and the first datagram of
the group that arrives.  The difference is the end-to-end join latency: the
report crossing the veth, mcastfwd's worker parsing it, the control lcore
applying it and publishing the entry, and the next datagram being
replicated (so up to one sending interval, ~150 us, of it is the sender's).

Also prints mcastfwd's own figures from /mcast/stats: "join_latency" (report
at a worker -> forwarding change published) and "join_to_first_replica"
(report at a worker -> first replica sent with that change: issue 8's "IGMP
report received to first replica sent", which includes the wait for the
sender's next datagram, up to one sending interval).

A measurement, not a test: nothing here passes or fails on time.
Usage: join_latency.py [--groups N] [--lcores 0,1] [--idle-us N]
       (root; Debian python3)
"""
import argparse
import os
import select
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
from mfe2e import cleanup, netns                      # noqa: E402
from mfe2e.mcastfwd import Mcastfwd, write_config    # noqa: E402

# Runs inside h1's namespace: join each group, print "<group> <latency us>".
# Groups come comma-separated in argv[3], or with "-" one per line on stdin
# (one long-running process: no interpreter start-up per group competing
# with mcastfwd's control lcore for the CPU while it is being measured).
PROBE = r'''
import socket, struct, sys, time
ifname, addr = sys.argv[1], sys.argv[2]
if sys.argv[3] == "-":
    groups = (line.strip() for line in sys.stdin if line.strip())
else:
    groups = sys.argv[3].split(",")
SO_TIMESTAMPNS = 35
ETH_P_ALL = 3
raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
raw.bind((ifname, 0))
raw.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
raw.settimeout(0.2)
for g in groups:
    gb = socket.inet_aton(g)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    while True:                      # drain what is queued
        try:
            raw.recvmsg(2048, 64)
        except socket.timeout:
            break
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                 gb + socket.inet_aton(addr))
    t_rep = t_data = None
    deadline = time.monotonic() + 3.0
    while time.monotonic() < deadline and t_data is None:
        try:
            data, anc, _, sa = raw.recvmsg(2048, 64)
        except socket.timeout:
            continue
        if len(data) < 34 or data[12:14] != b"\x08\x00":
            continue
        ts = None
        for lvl, typ, val in anc:
            if lvl == socket.SOL_SOCKET and typ == SO_TIMESTAMPNS:
                sec, nsec = struct.unpack("qq", val[:16])
                ts = sec * 1e9 + nsec
        ihl = (data[14] & 0x0f) * 4
        proto = data[23]
        outgoing = sa[2] == socket.PACKET_OUTGOING
        if proto == 2 and outgoing and t_rep is None:
            igmp = data[14 + ihl:]
            if igmp[:1] == b"\x22" or data[30:34] == gb:
                t_rep = ts
        elif proto == 17 and not outgoing and data[30:34] == gb and t_rep is not None:
            t_data = ts
    print(g, "%.1f" % ((t_data - t_rep) / 1000.0) if t_rep and t_data else "-",
          flush=True)
    s.close()
'''

# Runs inside h0's namespace: send to each group (read from stdin) fast.
SENDER = r'''
import socket, sys, time, select
src = sys.argv[1]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 8)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(src))
g = None
end = time.monotonic() + 600
while time.monotonic() < end:
    r, _, _ = select.select([sys.stdin], [], [], 0)
    if r:
        line = sys.stdin.readline()
        if not line:
            break
        g = line.strip()
    if g:
        s.sendto(b"x" * 32, (g, 5001))
    # Sleep, do not spin: a spinning sender would take the CPU the
    # control lcore shares on a small machine and measure the scheduler.
    time.sleep(0.0001)
'''


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100.0 * len(v) + 0.5)) - 1)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--groups", type=int, default=50)
    ap.add_argument("--lcores", default="0,1")
    ap.add_argument("--idle-us", type=int, default=None,
                    help="[global] control_idle_us (default: the config's)")
    a = ap.parse_args()
    if os.geteuid() != 0:
        print("join_latency: needs root")
        return 1
    cleanup.install()
    netns.clean_stale()
    wd = tempfile.mkdtemp(prefix="mcastfwd-joinlat-")
    with netns.Topology(2) as t:
        h0, h1 = t.hosts
        ports = {h.index: {"address": "%s/24" % h.router_addr}
                 for h in t.hosts}
        glob = None
        if a.idle_us is not None:
            glob = {"control_idle_us": a.idle_us}
        cfg = write_config(os.path.join(wd, "j.ini"), ports=ports, glob=glob)
        m = Mcastfwd(t.vdevs(), config=cfg, workdir=wd, lcores=a.lcores,
                     name="joinlat")
        m.start()
        with m:
            sender = subprocess.Popen(
                ["ip", "netns", "exec", h0.ns, "/usr/bin/python3", "-c",
                 SENDER, h0.addr], stdin=subprocess.PIPE, text=True)
            probe = subprocess.Popen(
                ["ip", "netns", "exec", h1.ns, "/usr/bin/python3", "-c",
                 PROBE, h1.ifname, h1.addr, "-"], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, text=True)
            lat = []
            try:
                time.sleep(0.5)        # both interpreters up
                for i in range(a.groups):
                    g = "239.77.%d.%d" % (i // 200, 1 + i % 200)
                    sender.stdin.write(g + "\n")
                    sender.stdin.flush()
                    time.sleep(0.05)
                    probe.stdin.write(g + "\n")
                    probe.stdin.flush()
                    r, _, _ = select.select([probe.stdout], [], [], 20)
                    if not r:
                        print("probe: no answer for %s" % g)
                        break
                    parts = probe.stdout.readline().split()
                    if len(parts) == 2 and parts[1] != "-":
                        lat.append(float(parts[1]))
            finally:
                for proc in (sender, probe):
                    proc.kill()
                    proc.wait()
            st = m.telemetry("/mcast/stats")
            st = st.get("/mcast/stats", st)
            internal = st.get("join_latency", {})
            first = st.get("join_to_first_replica", {})
    print("join latency, %d groups, mcastfwd -l %s on net_af_packet (veth),"
          " control_idle_us %s"
          % (a.groups, a.lcores,
             "default" if a.idle_us is None else a.idle_us))
    if lat:
        print("  host report on the wire -> first datagram back on the wire:"
              " %d samples, p50 %.0f us, p90 %.0f us, p99 %.0f us, max %.0f us"
              % (len(lat), statistics.median(lat), pct(lat, 90),
                 pct(lat, 99), max(lat)))
    else:
        print("  no end-to-end samples")
    print("  mcastfwd (report at worker -> entry published): %s" % internal)
    print("  mcastfwd (report at worker -> first replica sent): %s" % first)
    return 0 if lat else 1


if __name__ == "__main__":
    sys.exit(main())
