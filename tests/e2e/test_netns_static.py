#!/usr/bin/python3
"""Static routes with real Linux hosts: one sender and three receivers in
network namespaces, mcastfwd on net_af_packet ports over veth pairs.
Per-receiver counts must match the routes exactly (counted on each
receiver's wire, and on its joined socket), nothing comes back to the
sender, TTL 1 is not forwarded, and /mcast/stats agrees."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mfe2e import netns                                          # noqa: E402
from mfe2e.hosts import Receiver, send, wait_flowing, wait_counts  # noqa: E402
from mfe2e.mcastfwd import Mcastfwd, write_config, stat         # noqa: E402
from mfe2e.runner import main, require_root                     # noqa: E402

G1, G2, G3, GP = "239.2.0.1", "239.2.0.2", "239.2.0.3", "239.2.0.99"
S2 = "198.18.0.3"
N = 200
NL = 50        # large (1400-byte) datagrams
ROUTES = [
    "* %s 0 1,2,3" % G1,
    "* %s 0 1,3" % G2,
    "198.18.0.2 %s 0 2" % G3,
    "* %s 0 1,2,3" % GP,        # probe: tells when the data path is up
]


def test_static_routes_exact_counts_one_lcore(ctx):
    """The control lcore also runs the worker loop."""
    static_routes_exact_counts(ctx, "0")


def test_static_routes_exact_counts_with_a_worker(ctx):
    """Control on lcore 0, a worker lcore polling every port."""
    static_routes_exact_counts(ctx, "0,1")


def static_routes_exact_counts(ctx, lcores):
    require_root()
    with netns.Topology(4) as t:
        h0, h1, h2, h3 = t.hosts
        h0.add_address(S2)
        # chain_threshold 512: the 1400-byte flow below is replicated by
        # chaining a header to the shared payload (af_packet ports can
        # send multi-segment mbufs), the small ones by copying.
        ports = {h.index: {"name": "h%d" % h.index,
                           "address": "%s/24" % h.router_addr,
                           "igmp": "off", "chain_threshold": 512}
                 for h in t.hosts}
        cfg = write_config(os.path.join(ctx.workdir, "static.ini"),
                           ports=ports, routes=ROUTES)
        m = ctx.attach(Mcastfwd(t.vdevs(), config=cfg, lcores=lcores,
                                workdir=ctx.workdir))
        with m:
            rx = [Receiver(h) for h in t.hosts]
            joins = {1: (G1, G2), 2: (G1, G3), 3: (G1, G2)}
            for i, groups in joins.items():
                for g in groups:
                    rx[i].join(g)
            assert wait_flowing(h0, ("", GP), rx[1]), \
                "probe group never reached receiver 1\n" + m.log_tail()
            wait_counts([(r, h0.addr, GP, 1) for r in rx[1:]], 5)
            for r in rx:
                r.reset()
            before = m.telemetry("/mcast/stats")
            sent = send(h0, [("", G1), ("", G2), ("", G3), (S2, G3)],
                        count=N, interval=0.002)
            sent += send(h0, [("", G1)], count=20, ttl=1, interval=0.002)
            sent += send(h0, [(S2, G1)], count=NL, size=1400, interval=0.002)
            assert sent == 4 * N + 20 + NL
            expect = {  # (receiver, source, group): count on the wire
                (1, h0.addr, G1): N, (2, h0.addr, G1): N, (3, h0.addr, G1): N,
                (1, h0.addr, G2): N, (2, h0.addr, G2): 0, (3, h0.addr, G2): N,
                (1, h0.addr, G3): 0, (2, h0.addr, G3): N, (3, h0.addr, G3): 0,
                (1, S2, G3): 0, (2, S2, G3): 0, (3, S2, G3): 0,
                (1, S2, G1): NL, (2, S2, G1): NL, (3, S2, G1): NL,
            }
            wait_counts([(rx[i], s, g, n) for (i, s, g), n in expect.items()],
                        10)
            after = m.telemetry("/mcast/stats")
            counts = [r.counts() for r in rx]
        rc = m.returncode
        problems = []
        for (i, s, g), n in expect.items():
            k = "%s %s" % (s, g)
            got = counts[i]["wire"].get(k, 0)
            if got != n:
                problems.append("receiver h%d wire %s: %d, want %d"
                                % (i, k, got, n))
            joined = g in joins[i]
            want_sock = n if joined else 0
            got_sock = counts[i]["sock"].get(k, 0)
            if got_sock != want_sock:
                problems.append("receiver h%d socket %s: %d, want %d"
                                % (i, k, got_sock, want_sock))
            if n and counts[i]["ttl"].get(k) != [7]:
                problems.append("receiver h%d %s TTLs %s, want [7]"
                                % (i, k, counts[i]["ttl"].get(k)))
        for i in (1, 2, 3):
            if counts[i]["bad"]:
                problems.append("receiver h%d got damaged packets: %s"
                                % (i, counts[i]["bad"]))
        if counts[0]["wire"]:
            problems.append("sender got packets back: %s" % counts[0]["wire"])
        if rc != 0:
            problems.append("mcastfwd exit code %s" % rc)
        d = {}
        for k in ("forwarded", "replicas", "no_route", "ttl_drop",
                  "replicas_chained"):
            try:
                d[k] = stat(after, k) - stat(before, k)
            except KeyError as e:
                problems.append(str(e))
        if d.get("forwarded") not in (None, 3 * N + NL):
            problems.append("/mcast/stats forwarded +%d, want +%d"
                            % (d["forwarded"], 3 * N + NL))
        if d.get("replicas") not in (None, 6 * N + 3 * NL):
            problems.append("/mcast/stats replicas +%d, want +%d"
                            % (d["replicas"], 6 * N + 3 * NL))
        if d.get("replicas_chained") not in (None, 3 * NL):
            problems.append("/mcast/stats replicas_chained +%d, want +%d"
                            % (d["replicas_chained"], 3 * NL))
        # (S2, G3) has no route; the TTL-1 flow is dropped.
        for k, v in (("no_route", N), ("ttl_drop", 20)):
            if d.get(k) not in (None, v):
                problems.append("/mcast/stats %s +%d, want +%d"
                                % (k, d[k], v))
        print("/mcast/stats before:", before)
        print("/mcast/stats after:", after)
        assert not problems, "\n".join(problems)


if __name__ == "__main__":
    main(globals())
