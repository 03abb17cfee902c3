#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Turn scripts/bench.sh's raw results into its two tables (Markdown).

Usage: report.py RESULTS_FILE [TARGETS_FILE]

RESULTS_FILE has one line per run: "<program> <size> <run> <json>", where
json is telemetry_rate.py's output, or "<program> <size> <run> FAIL <why>".
Programs: mcastfwd (control + worker lcores), mcastfwd_1lcore, ipv4_multicast,
testpmd_io, ceiling_copy, ceiling_chain.

Table 1 gives each program's median input and output Mpps over its runs,
and the median CPU it used during the window: "cores used" for the whole
process, "fwd lcore share" for its busiest thread (below ~0.95 the forwarding
lcore was preempted by something else on the machine), and output Mpps
divided by that share: a rough estimate of the rate on an idle core, only to
read a busy machine's figures by; the comparisons use the measured rates.
Table 2 compares mcastfwd's median output Mpps with each reference's, with
the targets of issue 8. Ratios are of medians. TARGETS_FILE (targets.py's,
tab-separated rows in table 2's columns) adds issue 8's other targets to
table 2. Standard library only.
"""
import json
import statistics
import sys

LABELS = {
    "mcastfwd": "mcastfwd (-l 0,1: control + 1 worker)",
    "mcastfwd_1lcore": "mcastfwd (-l 1: single lcore)",
    "ipv4_multicast": "DPDK ipv4_multicast (mask 0x1E, 5 ports)",
    "testpmd_io": "dpdk-testpmd io (1 in -> 1 out port)",
    "ceiling_copy": "fan-out ceiling, copy",
    "ceiling_chain": "fan-out ceiling, chain",
}
ORDER = list(LABELS)

# (size, reference program, target ratio or None, target text)
COMPARISONS = [
    (64, "ipv4_multicast", 2.5, ">= 2.5x ipv4_multicast"),
    (1500, "ipv4_multicast", 2.5, ">= 2.5x ipv4_multicast"),
    (64, "ceiling_copy", 0.8, ">= 0.8x ceiling"),
    (1500, "ceiling_chain", 0.8, ">= 0.8x ceiling"),
    (1500, "ceiling_copy", None, "- (copy ceiling, for reference)"),
    (64, "testpmd_io", None, "report the ratio"),
    (1500, "testpmd_io", None, "-"),
]


def load(path):
    runs = {}
    fails = {}
    with open(path) as f:
        for line in f:
            parts = line.split(None, 3)
            if len(parts) < 4:
                continue
            prog, size, _run, rest = parts
            key = (prog, int(size))
            if rest.startswith("FAIL"):
                fails.setdefault(key, []).append(rest[4:].strip())
                continue
            runs.setdefault(key, []).append(json.loads(rest))
    return runs, fails


def med(values):
    return statistics.median(values) if values else None


def fmt(x, nd=2):
    return "-" if x is None else "%.*f" % (nd, x)


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    runs, fails = load(sys.argv[1])
    sizes = sorted({k[1] for k in list(runs) + list(fails)})

    medians = {}
    print("| program | frame B | runs | in Mpps | out Mpps | out/in "
          "| cores used | fwd lcore share | out Mpps / fwd share |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for size in sizes:
        for prog in ORDER:
            key = (prog, size)
            ok = runs.get(key, [])
            bad = fails.get(key, [])
            if not ok and not bad:
                continue
            m_in = med([r["in_mpps"] for r in ok])
            m_out = med([r["out_mpps"] for r in ok])
            medians[key] = m_out
            nruns = "%d" % len(ok) + (" (+%d failed)" % len(bad) if bad else "")
            ratio = fmt(m_out / m_in, 2) if m_in else "-"
            cores = med([r["cores_used"] for r in ok
                         if r.get("cores_used") is not None])
            share = med([r["fwd_share"] for r in ok
                         if r.get("fwd_share") is not None])
            per_core = med([r["out_mpps"] / r["fwd_share"] for r in ok
                            if r.get("fwd_share")])
            print("| %s | %d | %s | %s | %s | %s | %s | %s | %s |" %
                  (LABELS[prog], size, nruns, fmt(m_in), fmt(m_out), ratio,
                   fmt(cores), fmt(share), fmt(per_core)))
    print()

    variants = [v for v in ("mcastfwd", "mcastfwd_1lcore")
                if any(k[0] == v for k in runs)]
    print("| case | mcastfwd out Mpps | reference out Mpps | ratio | target | result |")
    print("| --- | ---: | ---: | ---: | --- | --- |")
    for size, ref, target, ttext in COMPARISONS:
        if size not in sizes:
            continue
        r_out = medians.get((ref, size))
        if not variants:
            print("| %d B vs %s | not measured | %s | - | %s | - |" %
                  (size, LABELS[ref], fmt(r_out), ttext))
            continue
        for var in variants:
            case = "%d B, %s vs %s" % (size, LABELS[var], LABELS[ref])
            m_out = medians.get((var, size))
            if m_out is None or r_out is None or r_out == 0:
                print("| %s | %s | %s | - | %s | - |" %
                      (case, fmt(m_out), fmt(r_out), ttext))
                continue
            ratio = m_out / r_out
            if target is None:
                verdict = "(reported)"
            else:
                verdict = "pass" if ratio >= target else "miss"
            print("| %s | %s | %s | %.2fx | %s | %s |" %
                  (case, fmt(m_out), fmt(r_out), ratio, ttext, verdict))
    if len(sys.argv) == 3:
        with open(sys.argv[2]) as f:
            for line in f:
                cols = line.rstrip("\n").split("\t")
                if len(cols) == 6:
                    print("| %s |" % " | ".join(cols))
    for (prog, size), why in sorted(fails.items()):
        print("\nfailed runs of %s at %d B: %s" % (prog, size, "; ".join(why)))


if __name__ == "__main__":
    main()
