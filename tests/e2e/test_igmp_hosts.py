#!/usr/bin/python3
"""IGMP with real Linux hosts (RFC 3376 router in mcastfwd, the kernel's own
IGMPv3/v2 stack in network namespaces).  No static routes: every port runs
the IGMP router with short intervals, and forwarding comes from what the
hosts join.  Every check counts what arrives on each host's wire, so the
kernel's own socket filtering cannot hide a router mistake.

Timers used (config below): QI 2 s, QRI 1 s, robustness 2 (GMI 5 s),
LMQI 200 ms x 2 (LMQT 400 ms) on ports 0, 1 and 3; port 2 is fast leave
with a long LMQT (3 s x 2), so only fast leave can stop it quickly.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mfe2e import netns                                          # noqa: E402
from mfe2e.hosts import (Receiver, send, wait_flowing,          # noqa: E402
                         wait_counts)
from mfe2e.mcastfwd import Mcastfwd, write_config               # noqa: E402
from mfe2e.runner import main, require_root                     # noqa: E402

QI_MS, QRI_MS, LMQI_MS, LMQC = 2000, 1000, 200, 2
LMQT_S = LMQI_MS * LMQC / 1000.0
FAST_LEAVE_PORT = 2
N = 100
S2 = "198.18.0.3"
# How long after a leave the control lcore may take beyond LMQT (report
# processing, publishing, one RCU grace period, TX flush, the kernel's
# timing): generous but bounded.
SLACK_S = 1.0


def igmp_config(path, topo, extra=None):
    ports = {}
    for port in range(topo.n_ports):
        p = {"name": "p%d" % port, "address": "198.18.%d.1/24" % port,
             "igmp": "on", "version": 3, "robustness": 2,
             "query_interval_ms": QI_MS,
             "query_response_interval_ms": QRI_MS,
             "startup_query_interval_ms": 500, "startup_query_count": 2,
             "last_member_query_interval_ms": LMQI_MS,
             "last_member_query_count": LMQC}
        if port == FAST_LEAVE_PORT:
            p.update({"fast_leave": "on",
                      "last_member_query_interval_ms": 3000})
        p.update((extra or {}).get(port, {}))
        ports[port] = p
    return write_config(path, ports=ports)


class Setup:
    """Topology of 4 hosts (h0 sends), mcastfwd, one Receiver per host."""

    def __init__(self, ctx, igmp_version=None, ports=None):
        self.ctx = ctx
        self.topo = netns.Topology(4, igmp_version=igmp_version, ports=ports)

    def __enter__(self):
        t = self.topo.up()
        try:
            self.hosts = t.hosts
            t.hosts[0].add_address(S2)
            cfg = igmp_config(os.path.join(self.ctx.workdir, "igmp.ini"), t)
            self.m = self.ctx.attach(Mcastfwd(t.vdevs(), config=cfg,
                                              workdir=self.ctx.workdir))
            self.m.start()
            self.rx = [Receiver(h) for h in t.hosts]
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        try:
            if getattr(self, "m", None) is not None:
                self.m.__exit__()
        finally:
            self.topo.down()
        return False

    def flowing(self, flow, i, what):
        assert wait_flowing(self.hosts[0], flow, self.rx[i], timeout=15), \
            ("%s: %s never reached h%d\n%s"
             % (what, flow, i, self.m.log_tail()))

    def reset(self):
        for r in self.rx:
            r.reset()


def check(problems, what, got, want):
    if got != want:
        problems.append("%s: %r, want %r" % (what, got, want))


def test_only_joined_receivers_get_data(ctx):
    require_root()
    G = "239.3.0.1"
    with Setup(ctx) as s:
        h0 = s.hosts[0]
        s.rx[1].join(G)
        s.rx[3].join(G)
        s.flowing(("", G), 1, "join")
        s.flowing(("", G), 3, "join")
        s.reset()
        send(h0, [("", G)], count=N, interval=0.003)
        got = wait_counts([(s.rx[i], h0.addr, G, n)
                           for i, n in ((1, N), (2, 0), (3, N))], 5)
        p = []
        check(p, "h1,h2,h3 wire counts", got, [N, 0, N])
        check(p, "sender got back", s.rx[0].counts()["wire"], {})
        check(p, "h1 socket", s.rx[1].counts()["sock"].get(
            "%s %s" % (h0.addr, G), 0), N)
        assert not p, "\n".join(p)


def test_leave_stops_forwarding_within_lmqt(ctx):
    require_root()
    G = "239.3.0.2"
    with Setup(ctx) as s:
        h0 = s.hosts[0]
        s.rx[1].join(G)
        s.rx[3].join(G)
        s.flowing(("", G), 1, "join")
        s.flowing(("", G), 3, "join")
        s.rx[1].leave(G)
        time.sleep(LMQT_S + SLACK_S)
        s.reset()
        send(h0, [("", G)], count=N, interval=0.003)
        got = wait_counts([(s.rx[1], h0.addr, G, 0),
                           (s.rx[3], h0.addr, G, N)], 5)
        assert got == [0, N], ("after leave + LMQT (%.1fs) + %.1fs: h1 %d "
                               "(want 0), h3 %d (want %d)"
                               % (LMQT_S, SLACK_S, got[0], got[1], N))


def test_fast_leave_stops_forwarding_at_once(ctx):
    require_root()
    G = "239.3.0.3"
    with Setup(ctx) as s:
        h0 = s.hosts[0]
        fl = FAST_LEAVE_PORT
        s.rx[fl].join(G)
        s.rx[1].join(G)
        s.flowing(("", G), fl, "join")
        s.flowing(("", G), 1, "join")
        s.rx[fl].leave(G)
        # LMQT on this port is 6 s: only fast leave stops it this soon.
        time.sleep(SLACK_S)
        s.reset()
        send(h0, [("", G)], count=N, interval=0.003)
        got = wait_counts([(s.rx[fl], h0.addr, G, 0),
                           (s.rx[1], h0.addr, G, N)], 5)
        assert got == [0, N], ("%.1fs after a fast leave: h%d %d (want 0), "
                               "h1 %d (want %d)"
                               % (SLACK_S, fl, got[0], got[1], N))


def test_igmpv2_hosts_and_v2_v3_coexist(ctx):
    require_root()
    G = "239.3.0.4"
    # h1 and h2 speak IGMPv2, h3 IGMPv3, all on G.
    with Setup(ctx, igmp_version=[0, 2, 2, 0]) as s:
        h0 = s.hosts[0]
        for i in (1, 2, 3):
            s.rx[i].join(G)
        for i in (1, 2, 3):
            s.flowing(("", G), i, "join")
        out = s.rx[1].counts()["igmp_out"]
        assert out.get("0x16", 0) > 0 and out.get("0x22", 0) == 0, \
            "h1 should send IGMPv2 reports only: %r" % out
        s.reset()
        send(h0, [("", G)], count=N, interval=0.003)
        got = wait_counts([(s.rx[i], h0.addr, G, N) for i in (1, 2, 3)], 5)
        assert got == [N, N, N], "v2,v2,v3 receivers: %r" % got
        # A v2 leave (Leave Group to 224.0.0.2) stops only that port.
        s.rx[1].leave(G)
        time.sleep(LMQT_S + SLACK_S)
        s.reset()
        send(h0, [("", G)], count=N, interval=0.003)
        got = wait_counts([(s.rx[1], h0.addr, G, 0),
                           (s.rx[2], h0.addr, G, N),
                           (s.rx[3], h0.addr, G, N)], 5)
        assert got == [0, N, N], "after h1's v2 leave: %r" % got


def test_v2_and_v3_hosts_share_a_link(ctx):
    require_root()
    G = "239.3.0.8"
    # h1 (IGMPv2) and h2 (IGMPv3) on one LAN behind port 1; h3 on port 2.
    with Setup(ctx, igmp_version=[0, 2, 0, 0], ports=[0, 1, 1, 2]) as s:
        h0 = s.hosts[0]
        s.rx[1].join(G)
        s.rx[2].join(G)
        s.flowing(("", G), 1, "join")
        s.reset()
        send(h0, [("", G)], count=N, interval=0.003)
        got = wait_counts([(s.rx[1], h0.addr, G, N),
                           (s.rx[2], h0.addr, G, N),
                           (s.rx[3], h0.addr, G, 0)], 5)
        assert got == [N, N, 0], \
            "one copy onto the shared link, none to h3: %r" % (got,)
        # The v3 host leaves: the v2 host still wants G (it answers the
        # group-specific query), so G keeps flowing onto the link.
        s.rx[2].leave(G)
        time.sleep(LMQT_S + SLACK_S)
        s.reset()
        send(h0, [("", G)], count=N, interval=0.003)
        got = wait_counts([(s.rx[1], h0.addr, G, N)], 5)
        assert got == [N], "after the v3 host left, v2 host got %r" % got
        # Then the v2 host leaves: nobody is left.
        s.rx[1].leave(G)
        time.sleep(LMQT_S + SLACK_S)
        s.reset()
        send(h0, [("", G)], count=N, interval=0.003)
        got = wait_counts([(s.rx[1], h0.addr, G, 0)], 3)
        assert got == [0], "after both left the link got %r" % got


def test_ssm_receiver_gets_only_its_source(ctx):
    require_root()
    # Not 232/8: a router may ignore any-source joins in the SSM range
    # (RFC 4604), and h3 below joins any-source.
    G = "239.3.0.5"
    with Setup(ctx) as s:
        h0 = s.hosts[0]
        s.rx[1].ssm_join(h0.addr, G)
        s.rx[3].join(G)              # any-source receiver on another port
        s.flowing(("", G), 1, "ssm join")
        s.flowing((S2, G), 3, "join")
        s.reset()
        send(h0, [("", G), (S2, G)], count=N, interval=0.003)
        got = wait_counts([(s.rx[1], h0.addr, G, N), (s.rx[1], S2, G, 0),
                           (s.rx[3], h0.addr, G, N), (s.rx[3], S2, G, N)], 5)
        assert got == [N, 0, N, N], \
            "h1 (INCLUDE {%s}) S1,S2 and h3 S1,S2: %r" % (h0.addr, got)


def test_exclude_receiver_gets_all_but_blocked(ctx):
    require_root()
    G = "239.3.0.6"
    with Setup(ctx) as s:
        h0 = s.hosts[0]
        s.rx[1].join(G)
        s.rx[1].block(S2, G)
        s.rx[3].join(G)
        s.flowing(("", G), 1, "join")
        s.flowing((S2, G), 3, "join")
        # BLOCK(S2) on an EXCLUDE group costs a group-and-source query and
        # LMQT before S2 is excluded (RFC 3376 6.4.2).
        time.sleep(LMQT_S + SLACK_S)
        s.reset()
        send(h0, [("", G), (S2, G)], count=N, interval=0.003)
        got = wait_counts([(s.rx[1], h0.addr, G, N), (s.rx[1], S2, G, 0),
                           (s.rx[3], h0.addr, G, N), (s.rx[3], S2, G, N)], 5)
        assert got == [N, 0, N, N], \
            "h1 (EXCLUDE {%s}) S1,S2 and h3 S1,S2: %r" % (S2, got)


def test_memberships_survive_query_intervals(ctx):
    require_root()
    G = "239.3.0.7"
    with Setup(ctx) as s:
        h0 = s.hosts[0]
        s.rx[1].join(G)
        s.flowing(("", G), 1, "join")
        s.reset()
        # Several query intervals, well past the group membership interval
        # (5 s): only the kernel's answers to queries keep G alive.
        time.sleep(4 * QI_MS / 1000.0 + 1)
        c = s.rx[1].counts()
        queries = c["igmp_in"].get("0x11", 0)
        reports = c["igmp_out"].get("0x22", 0)
        assert queries >= 3, "h1 saw %d queries in %.0fs" % (
            queries, 4 * QI_MS / 1000.0 + 1)
        assert reports >= 3, "h1 sent %d reports (answers)" % reports
        s.reset()
        send(h0, [("", G)], count=N, interval=0.003)
        got = wait_counts([(s.rx[1], h0.addr, G, N)], 5)
        assert got == [N], "after 4 query intervals h1 got %r" % got


if __name__ == "__main__":
    main(globals())
