#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Issue 8's targets beyond fan-out, for scripts/bench.sh --targets.

Usage: targets.py --build DIR --runs R --out FILE [--logs DIR]

Runs, one after another (each is also a command of its own, docs/scale.md):
  scripts/bench/scale.sh --build DIR --runs R       1M (S,G) routes vs one
                                                    route; DPDK heap per route
  scripts/bench/churn.sh --build DIR --runs R --routes 1000000
                                                    IGMP churn vs quiet
  DIR/tests/bench/control_rate 200 512 1 (and 0), R times each
                                                    IGMPv3 records applied/s
  tests/bench/join_latency.py --groups 1000 --source replay, R times
                                                    report -> first replica
and writes one row per target to FILE, tab-separated, in the columns of
bench.sh's comparison table: case, mcastfwd, reference, ratio, target,
result (pass/miss). Medians over runs, as the fan-out rows. A benchmark
that fails gives a row saying so; the others still run. Each one's output
goes to LOGS/<name>.log. Standard library only.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
PY = "/usr/bin/python3"


def run(name, cmd, logs, timeout, env=None):
    """Run cmd, log its output, return stdout+stderr ('' on failure)."""
    path = os.path.join(logs, name + ".log")
    try:
        p = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True,
                           timeout=timeout, env=env)
        out = p.stdout + p.stderr
        ok = p.returncode == 0
    except subprocess.TimeoutExpired as e:
        out = "timed out after %d s\n%s" % (timeout, e.stdout or "")
        ok = False
    with open(path, "a") as f:
        f.write("$ %s\n%s\n" % (" ".join(cmd), out))
    return out if ok else ""


def verdict(ok):
    return "pass" if ok else "miss"


def fmt(v, spec="%.3f"):
    return "-" if v is None else spec % v


def scale(a, rows):
    out = run("scale", [os.path.join(HERE, "scale.sh"), "--build", a.build,
                        "--runs", str(a.runs)], a.logs, 3600)
    one = re.search(r"^\| 1 route \| [\d.]+ \| [\d.]+ \| ([\d.]+) \|", out,
                    re.M)
    many = re.search(r"^\| (\d+) routes \| [\d.]+ \| [\d.]+ \| ([\d.]+) \|",
                     out, re.M)
    heap = re.search(r"DPDK heap per route: (\d+) bytes", out)
    if not (one and many and heap):
        rows.append(("1M (S,G) routes vs one route, out Mpps", "failed",
                     "-", "-", ">= 0.70x", "- (logs/scale.log)"))
        return
    m, o = float(many.group(2)), float(one.group(1))
    rows.append(("%s (S,G) routes vs one route, 64 B, out Mpps"
                 % many.group(1), fmt(m), fmt(o), "%.2fx" % (m / o),
                 ">= 0.70x", verdict(m / o >= 0.70)))
    b = int(heap.group(1))
    rows.append(("DPDK heap per (S,G) route at %s routes" % many.group(1),
                 "%d B" % b, "-", "-", "<= 256 B", verdict(b <= 256)))


def churn(a, rows):
    out = run("churn", [os.path.join(HERE, "churn.sh"), "--build", a.build,
                        "--runs", str(a.runs), "--routes", "1000000"],
              a.logs, 3600)
    q = re.search(r"^\| quiet \| [\d.]+ \| ([\d.]+) \|", out, re.M)
    c = re.search(r"^\| churn \| [\d.]+ \| ([\d.]+) \| (\d+) \|", out, re.M)
    if not (q and c):
        rows.append(("IGMP churn vs quiet, 1M routes, out Mpps", "failed",
                     "-", "-", ">= 0.90x", "- (logs/churn.log)"))
        return
    cq, cc, rate = float(q.group(1)), float(c.group(1)), int(c.group(2))
    rows.append(("IGMP churn (%d changes/s) vs quiet, 1M routes, out Mpps"
                 % rate, fmt(cc), fmt(cq), "%.2fx" % (cc / cq),
                 ">= 0.90x at >= 50,000 changes/s",
                 verdict(cc / cq >= 0.90 and rate >= 50000)))


def control_rate(a, rows):
    binary = os.path.join(a.build, "tests", "bench", "control_rate")
    for mode, label in (("1", "every record its own publication"),
                        ("0", "a group's changes coalesced")):
        rates = []
        for _ in range(a.runs):
            out = run("control_rate", [binary, "200", "512", mode], a.logs,
                      600)
            m = re.search(r"^records/s:\s+(\d+)", out, re.M)
            if m:
                rates.append(int(m.group(1)))
        if not rates:
            rows.append(("IGMPv3 records applied/s (%s)" % label, "failed",
                         "-", "-", ">= 1,000,000/s",
                         "- (logs/control_rate.log)"))
            continue
        r = statistics.median(rates)
        rows.append(("IGMPv3 records applied/s by the control lcore (%s)"
                     % label, "%.0f" % r, "-", "-", ">= 1,000,000/s",
                     verdict(r >= 1e6)))


def join(a, rows):
    env = dict(os.environ, MCASTFWD_BIN=os.path.join(a.build, "app",
                                                     "mcastfwd"))
    first, e2e = [], []
    for _ in range(a.runs):
        out = run("join_latency", [PY, os.path.join(REPO, "tests", "bench",
                                                    "join_latency.py"),
                                   "--groups", "1000", "--source", "replay"],
                  a.logs, 900, env=env)
        m = re.search(r"first replica sent\): \{.*'p99_us': (\d+)", out)
        if m:
            first.append(int(m.group(1)))
        m = re.search(r"first datagram back on the wire: .* p99 (\d+) us",
                      out)
        if m:
            e2e.append(int(m.group(1)))
    if not first:
        rows.append(("IGMP report received -> first replica sent, p99",
                     "failed", "-", "-", "<= 1 ms",
                     "- (logs/join_latency.log)"))
        return
    p99 = statistics.median(first)
    rows.append(("IGMP report received -> first replica sent, p99 (1,000 "
                 "joins a run, replayed source at full rate; end to end on "
                 "the host's wire %s)" % (
                     "%d us" % statistics.median(e2e) if e2e else "-"),
                 "%d us" % p99, "-", "-", "<= 1 ms", verdict(p99 <= 1000)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", required=True)
    ap.add_argument("--logs", default=None)
    a = ap.parse_args()
    a.build = os.path.abspath(a.build)
    a.logs = a.logs or os.path.dirname(os.path.abspath(a.out))
    os.makedirs(a.logs, exist_ok=True)
    rows = []
    for step in (scale, churn, control_rate, join):
        print("targets: %s" % step.__name__, file=sys.stderr, flush=True)
        step(a, rows)
    with open(a.out, "w") as f:
        for r in rows:
            f.write("\t".join(r) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
