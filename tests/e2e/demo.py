#!/usr/bin/python3
"""The demo (scripts/demo.sh): mcastfwd with no NIC, on net_af_packet ports
over veth pairs into four network namespaces: h0 sends, h1..h3 receive.

  static routes   * 239.10.0.1  h0 -> h1,h2,h3
                  * 239.10.0.2  h0 -> h1,h3
  IGMP learning   239.10.0.3: no route; h2 and h3 join with IP_ADD_MEMBERSHIP
                  and the IGMP router learns them

Prints what each receiver got per (source, group), /mcast/stats and
/mcast/routes, and cleans everything up.  Exit 0 when the static routes
delivered exactly what they should."""
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mfe2e import cleanup, netns                                 # noqa: E402
from mfe2e.hosts import Receiver, send, wait_flowing, wait_counts  # noqa: E402
from mfe2e.mcastfwd import Mcastfwd, write_config               # noqa: E402

G1, G2, G3 = "239.10.0.1", "239.10.0.2", "239.10.0.3"
N = 1000


def say(*a):
    print(*a, flush=True)


def main():
    if os.geteuid() != 0:
        say("demo: needs root (network namespaces)")
        return 1
    cleanup.install()
    netns.clean_stale()
    wd = tempfile.mkdtemp(prefix="mcastfwd-demo-")
    with netns.Topology(4) as t:
        h0 = t.hosts[0]
        ports = {h.index: {"name": "h%d" % h.index,
                           "address": "%s/24" % h.router_addr,
                           "query_interval_ms": 5000,
                           "query_response_interval_ms": 2000,
                           "startup_query_interval_ms": 1000}
                 for h in t.hosts}
        cfg = write_config(os.path.join(wd, "demo.ini"), ports=ports,
                           routes=["* %s h0 h1,h2,h3" % G1,
                                   "* %s h0 h1,h3" % G2])
        say("topology: h0 (sender) and h1..h3 (receivers), each in its own "
            "network namespace on a veth pair;")
        say("mcastfwd ports 0..3 = net_af_packet on the root ends; config:")
        with open(cfg) as f:
            say("  " + "  ".join(f.readlines()))
        m = Mcastfwd(t.vdevs(), config=cfg, workdir=wd, name="demo")
        try:
            m.start()
        except RuntimeError as e:
            say("demo: mcastfwd did not start: %s" % e)
            return 1
        with m:
            rx = {i: Receiver(t.hosts[i]) for i in (1, 2, 3)}
            for i in (1, 2, 3):
                rx[i].join(G1)
            rx[1].join(G2)
            rx[3].join(G2)
            rx[2].join(G3)
            rx[3].join(G3)
            ok = wait_flowing(h0, ("", G1), rx[1], timeout=10)
            igmp = wait_flowing(h0, ("", G3), rx[2], timeout=10)
            for r in rx.values():
                r.reset()
            say("sending %d datagrams to each of %s, %s, %s from %s ..."
                % (N, G1, G2, G3, h0.addr))
            send(h0, [("", G1), ("", G2), ("", G3)], count=N,
                 interval=0.001)
            want = {(1, G1): N, (2, G1): N, (3, G1): N,
                    (1, G2): N, (2, G2): 0, (3, G2): N,
                    (1, G3): 0, (2, G3): N if igmp else 0,
                    (3, G3): N if igmp else 0}
            wait_counts([(rx[i], h0.addr, g, n)
                         for (i, g), n in want.items()], 10)
            say("\nreceived (counted on each receiver's link):")
            say("  %-10s %12s %12s %12s" % ("receiver", G1, G2, G3))
            good = ok
            for i in (1, 2, 3):
                c = rx[i].counts()["wire"]
                row = [c.get("%s %s" % (h0.addr, g), 0) for g in (G1, G2, G3)]
                say("  %-10s %12d %12d %12d" % ("h%d" % i, *row))
                for g, v in zip((G1, G2, G3), row):
                    if v != want[(i, g)]:
                        good = False
            say("  %-10s %12s %12s %12s" % ("expected", "N,N,N", "N,0,N",
                                            "0,N,N" if igmp else "(IGMP)"))
            say("\nIGMP learning (%s, joined by h2 and h3): %s"
                % (G3, "forwarding" if igmp else "NOT forwarding yet"))
            say("\n/mcast/stats (non-zero totals):")
            stats = m.telemetry("/mcast/stats") or {}
            tot = [(k, v) for k, v in (stats.get("total") or {}).items()
                   if isinstance(v, int) and v]
            for i in range(0, len(tot), 4):
                say("  " + "".join("%-26s" % ("%s %d" % kv)
                                   for kv in tot[i:i + 4]))
            ports = stats.get("ports") or {}
            say("  per-port tx: " + ", ".join(
                "%s: %s" % (p, v.get("tx")) for p, v in ports.items()))
            routes = (m.telemetry("/mcast/routes") or {}).get("routes")
            if routes:
                say("\n/mcast/routes:")
                for r in routes.values():
                    say("  (%s, %s) in %s out %s  packets %s"
                        % (r.get("source"), r.get("group"), r.get("in"),
                           r.get("out"), r.get("in_pkts")))
            say("\n/mcast/igmp/groups (what the IGMP router learned):")
            for i in (1, 2, 3):
                v = m.telemetry("/mcast/igmp/groups", str(i)) or {}
                gs = v.get("groups") or {}
                if isinstance(gs, dict):
                    gs = list(gs.values())
                say("  port %d: %s" % (i, ", ".join(
                    "%s %s v%s" % (g.get("group"), g.get("mode"),
                                   g.get("compat_version")) for g in gs)
                    or "-"))
            for cmd, key in (("/mcast/mfe", "mfes"),):
                v = m.telemetry(cmd)
                if not isinstance(v, dict) or not v.get(key):
                    continue
                entries = v[key]
                if isinstance(entries, dict):
                    entries = list(entries.values())
                say("\n%s:" % cmd)
                for e in entries[:12]:
                    if key == "mfes" and "iif" in e:
                        say("  (%s, %s) in %s out %s  %-10s packets %s"
                            % (e.get("source"), e.get("group"), e.get("iif"),
                               e.get("oifs"), e.get("creator"),
                               e.get("in_pkts")))
                    else:
                        say("  " + json.dumps(e, separators=(",", ":")))
            say("\nfull JSON: dpdk-telemetry.py -f %s  (while it runs)"
                % m.prefix)
        say("\nmcastfwd exited with %s; log: %s" % (m.returncode, m.log_path))
    say("demo: %s" % ("OK: static routes and IGMP delivered exactly" if good
                      else "FAILED: counts differ from the routes"))
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
