#!/usr/bin/python3
"""Join latency with a real Linux host: how long after a host's IGMP report
leaves it does the first datagram of the group reach it through mcastfwd?

Topology (tests/e2e/mfe2e): h0 sends, h1 joins; mcastfwd on net_af_packet
ports, IGMP learning only (no static route).  For each of N groups:
h0 sends to the group every ~150 us (it sleeps between sends); h1 joins it
with IP_ADD_MEMBERSHIP,
and an AF_PACKET socket on h1's interface timestamps (kernel SO_TIMESTAMPNS,
one clock for both) its own outgoing IGMP report and the first datagram of
the group that arrives.  The difference is the end-to-end join latency: the
report crossing the veth, mcastfwd's worker parsing it, the control lcore
applying it and publishing the entry, and the next datagram being
replicated (so up to one sending interval, ~150 us, of it is the sender's).

Also prints mcastfwd's own figures from /mcast/stats: "join_latency" (report
at a worker -> forwarding change published), "join_to_first_replica"
(report at a worker -> first replica sent with that change: issue 8's "IGMP
report received to first replica sent", which includes the wait for the
sender's next datagram, up to one sending interval) and "control_turn_gap"
(control loop turn to turn); and, from /proc, how long the control lcore's
and the workers' threads waited for a CPU and the hypervisor's steal.

The host processes run on the control lcore's CPU (--host-cpus), off the
worker's, and ask for a short scheduler slice (HOST_SCHED below): on this
2-vCPU machine they stand in for hosts that have CPUs of their own.

A measurement, not a test: nothing here passes or fails on time. Bounded:
it gives up after 60 s + 0.5 s a group.
Usage: join_latency.py [--groups N] [--lcores 0,1] [--host-cpus L|any]
       [--idle-us N] [--set KEY=VALUE]...   (root; Debian python3)
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
from scale_gen import frame, write_pcap               # noqa: E402

REPLAY_FRAMES = 3500        # one replay pass: ~150 us at ~23 Mpps, as the host
REPLAY_SRC = (198 << 24) | (18 << 16) | (9 << 8) | 1   # 198.18.9.1
FILLER_GROUP = "239.78.0.1"                          # never joined


def group_name(i):
    return "239.77.%d.%d" % (i // 200, 1 + i % 200)


def ip_int(dotted):
    a = [int(x) for x in dotted.split(".")]
    return (a[0] << 24) | (a[1] << 16) | (a[2] << 8) | a[3]


def write_replay(path, n_groups):
    """The replayed source: one frame per group, then frames to a group no
    one joins, REPLAY_FRAMES (or n_groups) in all, so that each group comes
    round once a pass whatever n_groups is."""
    total = max(REPLAY_FRAMES, n_groups)
    grps = [ip_int(group_name(i)) for i in range(n_groups)]
    grps += [ip_int(FILLER_GROUP)] * (total - n_groups)
    write_pcap(path, (frame(REPLAY_SRC, g, 64, k) for k, g in enumerate(grps)))


# Put in front of both host scripts. A source and a receiver have CPUs of
# their own; here they share one with mcastfwd's control lcore, the kernel
# and this script. So that they do not hold each other up by the kernel's
# default slice (1.4 ms on two CPUs), they ask, as the control lcore does,
# for a 100 us scheduler slice (Linux 6.12+; ignored before) and 1 us timer
# slack. Best effort.
HOST_SCHED = r'''
try:
    import ctypes, struct as _st
    _libc = ctypes.CDLL(None, use_errno=True)
    _libc.prctl(29, 1000, 0, 0, 0)              # PR_SET_TIMERSLACK
    _attr = ctypes.create_string_buffer(
        _st.pack("IIQiIQQQ", 48, 0, 0, 0, 0, 100000, 0, 0))
    _libc.syscall(314, 0, _attr, 0)             # sched_setattr, x86-64
except OSError:
    pass
'''

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


def reports_join(igmp, gb):
    """A report joining gb: v1/v2 (0x12, 0x16) for it, or a v3 (0x22) one
    with a TO_EX/IS_EX record for it (not, say, a retransmitted leave of
    the previous group)."""
    if igmp[:1] in (b"\x12", b"\x16"):
        return igmp[4:8] == gb
    if igmp[:1] != b"\x22" or len(igmp) < 8:
        return False
    off = 8
    for _ in range(struct.unpack("!H", igmp[6:8])[0]):
        if len(igmp) < off + 8:
            return False
        rtype, aux, nsrc = igmp[off], igmp[off + 1], \
            struct.unpack("!H", igmp[off + 2:off + 4])[0]
        if igmp[off + 4:off + 8] == gb and rtype in (2, 4):
            return True
        off += 8 + 4 * nsrc + 4 * aux
    return False


raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
raw.bind((ifname, 0))
raw.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
raw.settimeout(0.2)
for g in groups:
    gb = socket.inet_aton(g)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    raw.setblocking(False)           # drop what is queued, do not wait
    while True:
        try:
            raw.recvmsg(2048, 64)
        except BlockingIOError:
            break
    raw.settimeout(0.2)
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
            if reports_join(data[14 + ihl:], gb):
                t_rep = ts
        elif proto == 17 and not outgoing and data[30:34] == gb and t_rep is not None:
            t_data = ts
    print(g, "%.1f" % ((t_data - t_rep) / 1000.0) if t_rep and t_data else "-",
          flush=True)
    s.close()
'''

# Runs inside h0's namespace: send to each group (read from stdin) fast;
# on SIGTERM print the gaps between sends ("gaps <p50> <p99> <p99.9> <max>
# <n>", us) to stderr: the holes in the source's own stream, which any
# join waits out.
SENDER = r'''
import signal, socket, sys, time, select
src, limit = sys.argv[1], float(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 8)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(src))
hist = [0] * 2001                    # 10 us buckets, the last is >= 20 ms
top = [0.0]
def report(*_):
    n = sum(hist)
    def q(p):
        want, seen = p * n, 0
        for i, v in enumerate(hist):
            seen += v
            if v and seen >= want:
                return (i + 1) * 10
        return 0
    sys.stderr.write("gaps %d %d %d %.0f %d\n" % (q(0.5), q(0.99), q(0.999),
                     top[0] * 1e6, n))
    sys.stderr.flush()
    sys.exit(0)
signal.signal(signal.SIGTERM, report)
g = None
last = None
end = time.monotonic() + limit
while time.monotonic() < end:
    r, _, _ = select.select([sys.stdin], [], [], 0)
    if r:
        line = sys.stdin.readline()
        if not line:
            break
        g = line.strip()
    if g:
        s.sendto(b"x" * 32, (g, 5001))
        t = time.monotonic()
        if last is not None:
            d = t - last
            hist[min(int(d * 1e5), 2000)] += 1
            if d > top[0]:
                top[0] = d
        last = t
    # Sleep, do not spin: a spinning sender would take the CPU the
    # control lcore shares on a small machine and measure the scheduler.
    time.sleep(0.0001)
report()
'''


def sched_stats(pid):
    """{thread name: (ns waited runnable, involuntary switches, voluntary
    switches)} of the control lcore (the main thread, "control") and the
    workers (rte-worker-N), from /proc; {} if unreadable."""
    out = {}
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return out
    for tid in tids:
        base = "/proc/%d/task/%s/" % (pid, tid)
        try:
            with open(base + "comm") as f:
                name = f.read().strip()
            if int(tid) == pid:
                name = "control"
            elif not name.startswith("rte-worker"):
                continue
            with open(base + "schedstat") as f:
                delay = int(f.read().split()[1])
            nv = v = 0
            with open(base + "status") as f:
                for line in f:
                    if line.startswith("nonvoluntary_ctxt_switches"):
                        nv = int(line.split()[1])
                    elif line.startswith("voluntary_ctxt_switches"):
                        v = int(line.split()[1])
            out[name] = (delay, nv, v)
        except (OSError, ValueError, IndexError):
            continue
    return out


def src_rx(m, source):
    """Frames the replaying port (the last) has received; 0 for a host."""
    if source != "replay":
        return 0
    v = m.telemetry("/mcast/port", "src") or {}
    return v.get("eth", {}).get("ipackets", 0)


def cpu_steal():
    """{cpuN: ms of steal} from /proc/stat: time the hypervisor ran
    something else on that virtual CPU (0 on bare metal)."""
    out = {}
    hz = os.sysconf("SC_CLK_TCK")
    with open("/proc/stat") as f:
        for line in f:
            p = line.split()
            if p and p[0].startswith("cpu") and p[0] != "cpu" and len(p) > 8:
                out[p[0]] = int(p[8]) * 1000.0 / hz
    return out


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100.0 * len(v) + 0.5)) - 1)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--groups", type=int, default=50)
    ap.add_argument("--lcores", default="0,1")
    ap.add_argument("--host-cpus", default=None,
                    help="taskset CPU list for the sending and joining "
                    "hosts' processes (default: the control lcore's CPU, "
                    "the first of --lcores, so that they stay off the "
                    "workers' cores as other machines would; 'any': "
                    "wherever the kernel puts them)")
    ap.add_argument("--idle-us", type=int, default=None,
                    help="[global] control_idle_us (default: the config's)")
    ap.add_argument("--source", choices=("host", "replay"), default="host",
                    help="host: a Linux host in a namespace sends (its "
                    "stream has the holes of a process sharing 2 vCPUs); "
                    "replay: a net_pcap port replays a frame per group "
                    "(infinite_rx), a steady source, with the worker busy "
                    "dropping what no one joined")
    ap.add_argument("--set", action="append", default=[],
                    metavar="KEY=VALUE", help="another [global] key")
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
        glob = dict(kv.split("=", 1) for kv in a.set)
        if a.idle_us is not None:
            glob["control_idle_us"] = a.idle_us
        vdevs = t.vdevs()
        if a.source == "replay":
            # Port 2 replays; h1 leaves at once (no last member queries) so
            # that only the group being measured flows to it.
            pcap = os.path.join(wd, "source.pcap")
            write_replay(pcap, a.groups)
            vdevs.append("net_pcap%d,rx_pcap=%s,infinite_rx=1"
                         % (len(vdevs), pcap))
            ports[len(vdevs) - 1] = {"name": "src", "igmp": "off",
                                     "address": "198.18.9.254/24"}
            ports[h1.index]["fast_leave"] = "on"
        cfg = write_config(os.path.join(wd, "j.ini"), ports=ports, glob=glob)
        m = Mcastfwd(vdevs, config=cfg, workdir=wd, lcores=a.lcores,
                     name="joinlat")
        m.start()
        # Bounded: ~0.1 s a group when all goes well, 3 s when none does.
        limit = 60 + 0.5 * a.groups
        with m:
            cpus = a.host_cpus or a.lcores.split(",")[0].split("-")[0]
            pin = [] if cpus == "any" else ["taskset", "-c", cpus]
            sender = None
            if a.source == "host":
                sender = subprocess.Popen(
                    pin + ["ip", "netns", "exec", h0.ns, "/usr/bin/python3",
                           "-c", HOST_SCHED + SENDER, h0.addr, str(limit)],
                    stdin=subprocess.PIPE, stderr=subprocess.PIPE,
                    text=True)
            probe = subprocess.Popen(
                pin + ["ip", "netns", "exec", h1.ns, "/usr/bin/python3", "-c",
                 HOST_SCHED + PROBE, h1.ifname, h1.addr, "-"], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, text=True)
            lat = []
            src_rx0 = src_rx(m, a.source)
            t0 = time.monotonic()
            sched0 = sched_stats(m.proc.pid)
            steal0 = cpu_steal()
            t_end = time.monotonic() + limit
            try:
                time.sleep(0.5)        # both interpreters up
                for i in range(a.groups):
                    if time.monotonic() > t_end:
                        print("join_latency: out of time after %d groups"
                              % i)
                        break
                    g = group_name(i)
                    if sender is not None:
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
                gaps = None
                if sender is not None:
                    sender.terminate()
                    try:
                        _, err = sender.communicate(timeout=10)
                        for line in err.splitlines():
                            if line.startswith("gaps "):
                                gaps = [int(x) for x in line.split()[1:]]
                    except subprocess.TimeoutExpired:
                        pass
                for proc in (sender, probe):
                    if proc is not None:
                        proc.kill()
                        proc.wait()
            rate = (src_rx(m, a.source) - src_rx0) / (time.monotonic() - t0)
            st = m.telemetry("/mcast/stats")
            internal = st.get("join_latency", {})
            first = st.get("join_to_first_replica", {})
            gap = st.get("control_turn_gap", {})
            sched1 = sched_stats(m.proc.pid)
            steal1 = cpu_steal()
    print("join latency, %d groups, source %s, mcastfwd -l %s on "
          "net_af_packet (veth), hosts on CPU %s, control_idle_us %s%s"
          % (a.groups, a.source, a.lcores, cpus,
             "default" if a.idle_us is None else a.idle_us,
             "".join(", " + kv for kv in a.set)))
    if lat:
        print("  host report on the wire -> first datagram back on the wire:"
              " %d samples, p50 %.0f us, p90 %.0f us, p99 %.0f us, max %.0f us"
              % (len(lat), statistics.median(lat), pct(lat, 90),
                 pct(lat, 99), max(lat)))
    else:
        print("  no end-to-end samples")
    print("  mcastfwd (report at worker -> entry published): %s" % internal)
    print("  mcastfwd (report at worker -> first replica sent): %s" % first)
    print("  control lcore, one loop turn start -> the next: %s" % gap)
    if a.source == "replay":
        print("  source: net_pcap replay, %.1f Mpps, each group every %.0f us"
              % (rate / 1e6, max(REPLAY_FRAMES, a.groups) / rate * 1e6
                 if rate > 0 else 0))
    if gaps:
        print("  source: gap between sends p50 %d us, p99 %d us, p99.9 %d us,"
              " max %d us (%d gaps; a join waits out the one it falls in)"
              % tuple(gaps))
    print("  steal (the hypervisor running something else) during the "
          "run: %s" % ", ".join("%s %.0f ms" % (k, steal1[k] - steal0[k])
                                for k in sorted(steal1) if k in steal0))
    for name in sorted(sched1):
        if name not in sched0:
            continue
        d = [sched1[name][i] - sched0[name][i] for i in range(3)]
        print("  %s thread: waited runnable %.1f ms in all, %d involuntary "
              "switches (of %d)" % (name, d[0] / 1e6, d[1], d[1] + d[2]))
    return 0 if lat else 1


if __name__ == "__main__":
    sys.exit(main())
