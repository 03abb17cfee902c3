#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Measure packet rates of a running DPDK process through its telemetry socket.

Usage:
  telemetry_rate.py --prefix P --in 0 --out 1,2,3,4 [--seconds N] [--warmup W]
                    [--timeout T] [--pid PID] [--perf-out FILE]

Connects to /var/run/dpdk/P/dpdk_telemetry.v2 (SOCK_SEQPACKET), waits until
the process answers, sleeps W seconds of warm-up, then samples /ethdev/stats
of every listed port twice, N seconds apart, and prints one line of JSON:
  {"cores_used": .., "fwd_share": .., "in_mpps": .., "out_mpps": ..,
   "seconds": .., "in_pkts": .., "out_pkts": .., "out_per_in": ..}
where in = ipackets summed over the --in ports, out = opackets summed over the
--out ports, both divided by the measured wall time between the two samples
(taken with a monotonic clock in the middle of each sample). With --pid, it
also reads the CPU time of the process's threads (of PID's child when PID is
timeout(1)) over the same window: cores_used is the process's CPU in cores,
fwd_share the busiest thread's share of one core. --perf-out FILE records a
perf cpu-clock profile of that process over the window. Exits 1 with a
message on stderr if the socket does not answer within T seconds, if no
packet arrives in that time, or as soon as process PID (when given) exits.
Python standard library only.
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import time

SOCK_NAME = "dpdk_telemetry.v2"


class Telemetry:
    def __init__(self, path, timeout):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        hello = json.loads(self.sock.recv(16384).decode())
        self.max_len = int(hello.get("max_output_len", 16384))

    def query(self, cmd):
        self.sock.send(cmd.encode())
        reply = json.loads(self.sock.recv(self.max_len).decode())
        return reply.get(cmd.split(",")[0])

    def close(self):
        self.sock.close()


def alive(pid):
    """True while process pid (0: not watched) exists and is not a zombie."""
    if pid == 0:
        return True
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def connect(prefix, timeout, pid):
    """Connect, retrying until the process has created its socket."""
    path = os.path.join("/var/run/dpdk", prefix, SOCK_NAME)
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if not alive(pid):
            sys.exit("process %d exited before its telemetry answered" % pid)
        try:
            return Telemetry(path, max(1.0, deadline - time.monotonic()))
        except (OSError, ValueError) as e:
            last = e
            time.sleep(0.2)
    sys.exit("telemetry %s did not answer in %.0fs: %s" % (path, timeout, last))


def sample(tel, in_ports, out_ports):
    """One sample: (time, sum of ipackets over in_ports, sum of opackets)."""
    stats = {}
    t0 = time.monotonic()
    for p in sorted(set(in_ports) | set(out_ports)):
        s = tel.query("/ethdev/stats,%d" % p)
        if not isinstance(s, dict):
            sys.exit("no /ethdev/stats for port %d: %r" % (p, s))
        stats[p] = s
    t1 = time.monotonic()
    rx = sum(int(stats[p]["ipackets"]) for p in in_ports)
    tx = sum(int(stats[p]["opackets"]) for p in out_ports)
    return (t0 + t1) / 2, rx, tx


def dpdk_pid(pid):
    """The DPDK process: pid itself, or its child when pid is timeout(1)."""
    if pid == 0:
        return 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            return int(entry)
    return pid


def thread_cpu(pid):
    """{tid: CPU seconds (user + system)} of every thread of pid."""
    out = {}
    if pid == 0:
        return out
    tick = os.sysconf("SC_CLK_TCK")
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return out
    for tid in tids:
        try:
            with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # Fields 14 and 15 of stat (utime, stime); index 11, 12 after ")".
        out[tid] = (int(fields[11]) + int(fields[12])) / tick
    return out


def ports(text):
    return [int(x) for x in text.split(",") if x != ""]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--prefix", required=True)
    ap.add_argument("--in", dest="in_ports", type=ports, required=True)
    ap.add_argument("--out", dest="out_ports", type=ports, required=True)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--warmup", type=float, default=2.0)
    ap.add_argument("--timeout", type=float, default=20.0)
    ap.add_argument("--pid", type=int, default=0,
                    help="give up early if this process exits")
    ap.add_argument("--perf-out", default="",
                    help="also record a perf cpu-clock profile of the "
                    "process over the window into this file (needs --pid)")
    args = ap.parse_args()

    tel = connect(args.prefix, args.timeout, args.pid)
    # Ports are started just before forwarding begins; wait for packets to
    # flow on the input before the warm-up clock starts.
    deadline = time.monotonic() + args.timeout
    while sample(tel, args.in_ports, args.out_ports)[1] == 0:
        if time.monotonic() > deadline or not alive(args.pid):
            sys.exit("no packets received on ports %s in %.0fs" %
                     (args.in_ports, args.timeout))
        time.sleep(0.2)
    time.sleep(args.warmup)
    proc = dpdk_pid(args.pid)
    perf = None
    if args.perf_out and proc:
        # Software clock sampling: VMs often have no hardware PMU.
        perf = subprocess.Popen(
            ["perf", "record", "-q", "-e", "cpu-clock", "-F", "999",
             "-p", str(proc), "-o", args.perf_out, "--",
             "sleep", str(args.seconds)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cpu_a = thread_cpu(proc)
    t_a, rx_a, tx_a = sample(tel, args.in_ports, args.out_ports)
    time.sleep(args.seconds)
    t_b, rx_b, tx_b = sample(tel, args.in_ports, args.out_ports)
    cpu_b = thread_cpu(proc)
    tel.close()
    if perf is not None:
        try:
            perf.wait(timeout=10)
        except subprocess.TimeoutExpired:
            perf.kill()
            perf.wait()

    dt = t_b - t_a
    rx, tx = rx_b - rx_a, tx_b - tx_a
    busy = [cpu_b[t] - cpu_a.get(t, 0.0) for t in cpu_b]
    print(json.dumps({
        # CPU the whole process used over the window, in cores, and the
        # share of one core its busiest thread (the forwarding lcore) got:
        # below ~0.95 it was preempted and the rate is understated.
        "cores_used": round(sum(busy) / dt, 2) if busy else None,
        "fwd_share": round(max(busy) / dt, 2) if busy else None,
        "in_mpps": round(rx / dt / 1e6, 3),
        "out_mpps": round(tx / dt / 1e6, 3),
        "seconds": round(dt, 3),
        "in_pkts": rx,
        "out_pkts": tx,
        "out_per_in": round(tx / rx, 3) if rx else 0.0,
    }))


if __name__ == "__main__":
    main()
