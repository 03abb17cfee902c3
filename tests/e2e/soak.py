#!/usr/bin/python3
"""Soak: mcastfwd under traffic, membership churn and telemetry clients for
a given time, with memory sampled throughout; fails unless memory is flat.

Run through scripts/soak.sh DURATION (needs root).  Set-up: one sender and
three receivers in network namespaces on net_af_packet ports, IGMP on every
port with short timers, one static route and NG IGMP-joined groups:
  - traffic: the sender sends a steady stream round robin to every group;
  - churn: each receiver joins and leaves random groups (its kernel sends
    real IGMPv3 reports), a step every ~0.3 s, deterministic seed;
  - telemetry: two client threads, one with a long-lived connection asking
    /mcast/stats, /mcast/mfe, /mcast/igmp/groups and /mcast/ports in a loop,
    one opening a new connection per request.
Samples each second: DPDK heap 0 allocated bytes (/eal/heap_info,0
Alloc_size), process RSS (VmRSS), and the in-use count of every mcastfwd
mempool (/mcast/mempools).

Flat means, for the heap and RSS: the mean of the last quarter of the
samples is at most the mean of the second quarter plus a fixed margin
(heap: 64 KiB; RSS: 1 MiB); the first quarter is warm-up (pools, rings,
caches filling).  The margins are absolute, not a share of the total: the
mempools make up most of the heap, and a leak of a few KiB a second must
show within a minute (60 s runs here vary by well under 10 KiB).  For mbufs: once traffic and churn stop, every pool's
in-use count returns to its value before the traffic (within 10 s), and
during the run it never exceeds half the pool (no creeping leak).  The
process must also still forward the static route at the end, answer
telemetry, and exit 0 on SIGTERM.  Prints a table of the samples by
quarter.  Exit 0 pass, 1 fail, 77 not root.
"""
import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mfe2e import cleanup, netns                                 # noqa: E402
from mfe2e import mcastfwd as mf                                 # noqa: E402
from mfe2e.hosts import Receiver, wait_flowing, PY3, AGENT, PORT  # noqa: E402
from mfe2e.mcastfwd import Mcastfwd, write_config                # noqa: E402
from mfe2e.telemetry import Telemetry, socket_path                # noqa: E402

NG = 8
GROUPS = ["239.77.0.%d" % (i + 1) for i in range(NG)]
GSTATIC = "239.77.1.1"
POOLS = ("mf_pkt", "mf_hdr", "mf_igmp_msg", "mf_ctl_tx")
RATE = 400          # datagrams per second from the sender, all groups


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def pools_in_use(tel, field="in_use"):
    """{pool: in-use count} from /mcast/mempools (DPDK 22.11's own
    /mempool/info has no in-use count); field "size" gives the sizes."""
    v = tel.query("/mcast/mempools")
    if not isinstance(v, dict):
        return {}
    return {k: x.get(field) for k, x in v.items() if isinstance(x, dict)}


def sample(tel, pid):
    h = tel.query("/eal/heap_info", "0") or {}
    s = {"t": time.monotonic(), "heap": h.get("Alloc_size", 0),
         "rss": rss_kb(pid)}
    pools = pools_in_use(tel)
    for p in POOLS:
        s[p] = pools.get(p)
    return s


def mean(xs):
    return sum(xs) / len(xs) if xs else 0.0


class Telemetry_clients:
    """Two client threads until stop(); counts requests and errors."""

    def __init__(self, prefix):
        self.prefix = prefix
        self.stopping = threading.Event()
        self.requests = 0
        self.errors = []
        self.threads = [threading.Thread(target=self._long, daemon=True),
                        threading.Thread(target=self._short, daemon=True)]
        for t in self.threads:
            t.start()

    def _long(self):
        cmds = [("/mcast/stats", None), ("/mcast/mfe", None),
                ("/mcast/igmp/groups", "1"), ("/mcast/ports", None),
                ("/mcast/routes", None), ("/mcast/igmp/groups", "2")]
        try:
            with Telemetry(socket_path(self.prefix)) as t:
                i = 0
                while not self.stopping.wait(0.02):
                    c, p = cmds[i % len(cmds)]
                    if t.query(c, p) is None:
                        self.errors.append("%s,%s answered null" % (c, p))
                    self.requests += 1
                    i += 1
        except Exception as e:                       # noqa: BLE001
            self.errors.append("long-lived client: %r" % e)

    def _short(self):
        while not self.stopping.wait(0.1):
            try:
                with Telemetry(socket_path(self.prefix)) as t:
                    if t.query("/mcast/info") is None:
                        self.errors.append("/mcast/info answered null")
                    self.requests += 1
            except Exception as e:                   # noqa: BLE001
                self.errors.append("short client: %r" % e)
                return

    def stop(self):
        self.stopping.set()
        for t in self.threads:
            t.join(timeout=10)


def churn(receivers, stopping, seed, log):
    rnd = random.Random(seed)
    joined = [set() for _ in receivers]
    try:
        while not stopping.wait(0.3):
            i = rnd.randrange(len(receivers))
            g = rnd.choice(GROUPS)
            if g in joined[i]:
                receivers[i].leave(g)
                joined[i].discard(g)
            else:
                receivers[i].join(g)
                joined[i].add(g)
            log["steps"] += 1
        for i, r in enumerate(receivers):
            for g in sorted(joined[i]):
                r.leave(g)
    except Exception as e:                           # noqa: BLE001
        log["error"] = repr(e)


def start_sender(host, seconds):
    flows = []
    for g in GROUPS + [GSTATIC]:
        flows += ["--flow", "%s,%s" % (host.addr, g)]
    count = int(RATE * seconds / len(GROUPS + [GSTATIC])) + 1
    return subprocess.Popen(
        ["ip", "netns", "exec", host.ns, PY3, AGENT, "send",
         "--if", host.ifname, "--count", str(count),
         "--interval", "%.6f" % (1.0 / RATE), "--ttl", "8",
         "--port", str(PORT), "--size", "200"] + flows,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def quarter_table(samples, keys):
    n = len(samples)
    q = [samples[i * n // 4:(i + 1) * n // 4] for i in range(4)]
    lines = ["%-12s %12s %12s %12s %12s %12s" % (
        "metric", "q1 mean", "q2 mean", "q3 mean", "q4 mean", "max")]
    for k in keys:
        vals = [s[k] for s in samples if s[k] is not None]
        lines.append("%-12s %12.0f %12.0f %12.0f %12.0f %12d" % (
            k, *[mean([s[k] for s in qq if s[k] is not None]) for qq in q],
            max(vals) if vals else -1))
    return "\n".join(lines)


def run(seconds, workdir):
    problems = []
    with netns.Topology(4) as t:
        h0 = t.hosts[0]
        ports = {}
        for h in t.hosts:
            ports[h.index] = {
                "name": "h%d" % h.index, "address": "%s/24" % h.router_addr,
                "igmp": "on", "query_interval_ms": 2000,
                "query_response_interval_ms": 1000,
                "startup_query_interval_ms": 500, "startup_query_count": 2,
                "last_member_query_interval_ms": 200,
                "last_member_query_count": 2}
        cfg = write_config(os.path.join(workdir, "soak.ini"), ports=ports,
                           routes=["* %s 0 1" % GSTATIC])
        m = Mcastfwd(t.vdevs(), config=cfg, lcores="0,1", workdir=workdir,
                     name="soak")
        m.start()
        try:
            pid = m.proc.pid
            rx = [Receiver(h, max_seconds=seconds + 120)
                  for h in t.hosts[1:]]
            if not wait_flowing(h0, ("", GSTATIC), rx[0]):
                raise RuntimeError("static route never flowed\n"
                                   + m.log_tail())
            time.sleep(1.0)
            tel = Telemetry(socket_path(m.prefix))
            base = sample(tel, pid)
            sizes = pools_in_use(tel, "size")
            for p in POOLS:
                if base[p] is None:
                    problems.append("/mcast/mempools has no in-use count "
                                    "for %s" % p)
            sender = start_sender(h0, seconds)
            clients = Telemetry_clients(m.prefix)
            stopping = threading.Event()
            clog = {"steps": 0}
            ch = threading.Thread(target=churn, args=(rx, stopping, 7, clog),
                                  daemon=True)
            ch.start()
            samples = []
            t_end = time.monotonic() + seconds
            while time.monotonic() < t_end:
                samples.append(sample(tel, pid))
                if not m.alive():
                    raise RuntimeError("mcastfwd died\n" + m.log_tail())
                time.sleep(max(0.0, min(1.0, t_end - time.monotonic())))
            stopping.set()
            ch.join(timeout=30)
            clients.stop()
            sender.kill()
            sender.wait(timeout=10)
            # Mbufs back to their baseline once traffic has stopped.
            deadline = time.monotonic() + 10
            while True:
                end = sample(tel, pid)
                back = all(end[p] == base[p] for p in POOLS)
                if back or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
            # Still forwarding the static route, still answering.
            rx[0].reset()
            if not wait_flowing(h0, ("", GSTATIC), rx[0], timeout=10):
                problems.append("static route no longer forwarded")
            stats = tel.query("/mcast/stats")
            tel.close()
            for r in rx:
                r.close()
        finally:
            rc = m.stop() if m.alive() else m.proc.returncode
        if rc != 0:
            problems.append("mcastfwd exit code %s" % rc)

    n = len(samples)
    print("soak: %ds, %d samples, churn steps %d, telemetry requests %d"
          % (seconds, n, clog["steps"], clients.requests))
    print(quarter_table(samples, ("heap", "rss") + POOLS))
    print("mbufs in use: before %s, after %s"
          % ({p: base[p] for p in POOLS}, {p: end[p] for p in POOLS}))
    tot = (stats or {}).get("total", {})
    print("forwarded %s, replicas %s, igmp_posted %s, tx_drop %s, "
          "ring_full %s, alloc_fail %s" % tuple(
              tot.get(k) for k in ("forwarded", "replicas", "igmp_posted",
                                   "tx_drop", "ring_full", "alloc_fail")))
    if n < 8:
        problems.append("only %d samples" % n)
    else:
        q2 = samples[n // 4:n // 2]
        q4 = samples[3 * n // 4:]
        for k, slack, unit in (("heap", 64 * 1024, "B"),
                               ("rss", 1024, "kB")):
            a, b = mean([s[k] for s in q2]), mean([s[k] for s in q4])
            if b > a + slack:
                problems.append("%s grew: second-quarter mean %.0f %s, "
                                "last-quarter mean %.0f %s" % (k, a, unit,
                                                               b, unit))
    for p in POOLS:
        top = max([s[p] for s in samples if s[p] is not None] or [0])
        if sizes.get(p) and top > sizes[p] // 2:
            problems.append("pool %s: up to %d of %d in use during the run"
                            % (p, top, sizes[p]))
        if end[p] != base[p]:
            problems.append("pool %s: %s in use after the traffic, %s "
                            "before (leak)" % (p, end[p], base[p]))
    if clog.get("error"):
        problems.append("churn failed: " + clog["error"])
    if clog["steps"] < seconds:      # ~3 per second expected
        problems.append("only %d churn steps" % clog["steps"])
    if clients.errors:
        problems.append("telemetry: %s" % clients.errors[:3])
    if not tot.get("forwarded"):
        problems.append("nothing forwarded")
    if tot.get("igmp_posted", 0) < clog["steps"]:
        problems.append("igmp_posted %s < churn steps %d"
                        % (tot.get("igmp_posted"), clog["steps"]))
    if problems:
        print("soak: FAIL\n  " + "\n  ".join(problems))
        print(m.log_tail(30))
        return 1
    print("soak: PASS")
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=60)
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("soak: needs root (network namespaces)")
        return 77
    if args.seconds < 8:
        print("soak: at least 8 seconds")
        return 2
    cleanup.install()
    mf.clean_stale_run_dirs()
    netns.clean_stale()
    workdir = tempfile.mkdtemp(prefix="mfe2e-soak-")
    try:
        rc = run(args.seconds, workdir)
    finally:
        cleanup.run_cleanups()
    if rc == 0:
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        print("work directory kept: %s" % workdir)
    return rc


if __name__ == "__main__":
    sys.exit(main())
