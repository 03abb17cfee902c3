#!/usr/bin/python3
"""Hostile IGMP from hosts on mcastfwd's segments.

Frames are built with scapy (tests/e2e/mfe2e/craft.py) and sent byte for
byte from a host namespace through AF_PACKET on its veth: floods, spoofed
queries, off-subnet sources, oversize and malformed messages, IGMP on a
port without IGMP, reports against static routes.  Each case checks the
counters that must show it (/mcast/stats, /mcast/port, /mcast/igmp/...)
and that a group joined by a real Linux receiver (the kernel's own IGMP)
keeps being forwarded afterwards, every datagram counted on the wire.

Topology: one lcore (the rate limit test: a worker lcore too); h0 on
port 0 "up" (the sender), h1 on port 1 "lan1" (address
198.18.1.200/24, so that 198.18.1.5 is a lower address on its subnet), h2
on port 2 "off" (igmp = off).  Static route * 239.5.5.5 up -> lan1,off.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mfe2e import craft, netns                                  # noqa: E402
from mfe2e.craft import (igmp_frame, inject, random_groups,     # noqa: E402
                         v2_msg, v2_report, v2_leave, v3_query,
                         v3_report, IS_IN, IS_EX, TO_IN, BLOCK)
from mfe2e.hosts import Receiver, send, wait_flowing, wait_counts  # noqa: E402
from mfe2e.hosts import wait_until                              # noqa: E402
from mfe2e.mcastfwd import Mcastfwd, write_config               # noqa: E402
from mfe2e.runner import main, require_root                     # noqa: E402

G_KEEP = "239.7.7.7"      # joined by h1's kernel before every attack
G_STATIC = "239.5.5.5"    # static route up -> lan1, off
N = 100


def base_ports(extra=None):
    ports = {
        0: {"name": "up", "address": "198.18.0.1/24"},
        1: {"name": "lan1", "address": "198.18.1.200/24",
            "last_member_query_interval_ms": 200},
        2: {"name": "off", "address": "198.18.2.1/24", "igmp": "off"},
    }
    for p, kv in (extra or {}).items():
        ports[p].update(kv)
    return ports


class Setup:
    """3 hosts, mcastfwd on their ports, a receiver on h1 and h2, h1
    joined to G_KEEP and receiving it."""

    def __init__(self, ctx, extra=None, lcores="0"):
        self.ctx = ctx
        self.extra = extra
        self.lcores = lcores
        self.topo = netns.Topology(3)

    def __enter__(self):
        t = self.topo.up()
        try:
            self.h = t.hosts
            cfg = write_config(os.path.join(self.ctx.workdir, "h.ini"),
                               ports=base_ports(self.extra),
                               routes=["* %s up lan1,off" % G_STATIC])
            self.m = self.ctx.attach(Mcastfwd(t.vdevs(), config=cfg,
                                              lcores=self.lcores,
                                              workdir=self.ctx.workdir))
            self.m.start()
            self.rx1 = Receiver(self.h[1])
            self.rx2 = Receiver(self.h[2])
            self.rx1.join(G_KEEP)
            assert wait_flowing(self.h[0], ("", G_KEEP), self.rx1, 15), \
                "G_KEEP never reached h1 before the attack"
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

    def q(self, cmd, params=None):
        v = self.m.telemetry(cmd, params)
        assert v is not None and "error" not in v, (cmd, params, v)
        return v

    def stats(self):
        return self.q("/mcast/stats")

    def igmp_port(self, p):
        return self.q("/mcast/port", str(p))["igmp"]

    def bad(self):
        return self.stats().get("igmp_bad", {})

    def settle(self, seen_at_least, timeout=10):
        """Wait until the workers saw seen_at_least IGMP packets in all and
        the control lcore has taken every posted message (bounded)."""
        def done():
            s = self.stats()
            t = s["total"]
            return (t["igmp_seen"] >= seen_at_least and
                    s["control"]["igmp_msgs"] >= t["igmp_posted"])
        ok = wait_until(done, timeout, 0.1)
        time.sleep(0.3)
        return ok

    def keeps_forwarding(self, what):
        """h0 sends N datagrams to G_KEEP: h1 gets exactly N."""
        self.rx1.reset()
        send(self.h[0], [("", G_KEEP)], count=N, interval=0.003)
        got = wait_counts([(self.rx1, self.h[0].addr, G_KEEP, N)], 5)
        assert got == [N], "%s: h1 got %d of %d datagrams to %s" % (
            what, got[0], N, G_KEEP)


def group_list(s, port):
    """Every group of port's IGMP router (all pages)."""
    out = []
    params = str(port)
    for _ in range(200):
        r = s.q("/mcast/igmp/groups", params)
        out += [g["group"] for g in r["groups"].values()]
        if not r.get("more"):
            return out
        params = r["next"]
    raise AssertionError("group listing did not end")


def memory(s):
    heap = s.q("/eal/heap_info", "0")
    pools = s.q("/mcast/mempools")
    rss = 0
    with open("/proc/%d/status" % s.m.proc.pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    return {"heap_alloc": heap["Alloc_size"], "heap_count":
            heap["Alloc_count"], "rss_kb": rss,
            "in_use": {n: v["in_use"] for n, v in pools.items()}}


def flood_frames(h, seed, n_v2, n_v3, recs=20):
    """n_v2 IGMPv2 reports and n_v3 IGMPv3 reports of recs IS_EX records,
    every group a random one, sources spoofed across h's subnet."""
    groups = random_groups(n_v2 + n_v3 * recs, seed)
    frames = []
    for i in range(n_v2):
        frames.append(igmp_frame(h, v2_report(groups[i]),
                                 src="198.18.1.%d" % (2 + i % 190),
                                 dst=groups[i]))
    k = n_v2
    for i in range(n_v3):
        recs_i = [(IS_EX, g, []) for g in groups[k:k + recs]]
        k += recs
        frames.append(igmp_frame(h, v3_report(recs_i),
                                 src="198.18.1.%d" % (2 + i % 190)))
    return frames


def test_report_flood_keeps_limits_memory_and_forwarding(ctx):
    """Random-group floods with the rate limit off: max_groups holds, the
    DPDK heap, mempools and RSS stay flat, G_KEEP keeps flowing."""
    require_root()
    max_groups = 64
    with Setup(ctx, {1: {"max_groups": max_groups,
                         "igmp_rate_limit": 0}}) as s:
        h1 = s.h[1]
        base_seen = s.stats()["total"]["igmp_seen"]
        sent1, _ = inject(h1, flood_frames(h1, 1, 2000, 100), pps=4000)
        s.settle(base_seen + sent1 // 2)
        p1 = s.igmp_port(1)
        assert p1["groups"] == max_groups, p1
        assert p1["groups_over_limit"] > 0, p1
        assert G_KEEP in group_list(s, 1)
        over1 = p1["groups_over_limit"]
        mem1 = memory(s)

        seen1 = s.stats()["total"]["igmp_seen"]
        sent2, _ = inject(h1, flood_frames(h1, 2, 2000, 100), pps=4000)
        s.settle(seen1 + sent2 // 2)
        st = s.stats()["total"]
        p1 = s.igmp_port(1)
        mem2 = memory(s)
        problems = []
        if p1["groups"] != max_groups:
            problems.append("groups %d, want %d" % (p1["groups"],
                                                    max_groups))
        if p1["groups_over_limit"] <= over1:
            problems.append("second flood not counted as over the limit")
        if st["igmp_seen"] - seen1 < sent2 // 2:
            problems.append("only %d of %d flood frames seen"
                            % (st["igmp_seen"] - seen1, sent2))
        if st["igmp_rate_limited"] != 0:
            problems.append("rate limited with igmp_rate_limit 0")
        # Nothing new was admitted, so nothing new is allocated: the DPDK
        # heap is exactly as before, every pool back to its count, and the
        # process grew by less than 1 MB (telemetry replies, stacks).
        for k in ("heap_alloc", "heap_count"):
            if mem2[k] != mem1[k]:
                problems.append("%s %d -> %d" % (k, mem1[k], mem2[k]))
        if mem2["in_use"] != mem1["in_use"]:
            problems.append("mempools in use %r -> %r"
                            % (mem1["in_use"], mem2["in_use"]))
        # Under the sanitizers (scripts/test.sh's build-asan run) freed
        # memory sits in ASan's quarantine (up to 256 MB) before reuse, so
        # RSS grows with any malloc/free churn: only the DPDK heap and the
        # pools are meaningful there.
        if mem2["rss_kb"] - mem1["rss_kb"] > 1024 and \
                not os.environ.get("MFE2E_SANITIZER"):
            problems.append("RSS %d kB -> %d kB" % (mem1["rss_kb"],
                                                    mem2["rss_kb"]))
        assert not problems, "\n".join(problems)
        print("flood: %d + %d frames, groups %d, over limit %d, heap "
              "%d B, rss %d -> %d kB" % (sent1, sent2, p1["groups"],
                                         p1["groups_over_limit"],
                                         mem2["heap_alloc"], mem1["rss_kb"],
                                         mem2["rss_kb"]))
        s.keeps_forwarding("after two floods")


def test_rate_limit_drops_counts_and_is_settable_at_run_time(ctx):
    """With a worker lcore apart from the control lcore (one worker: the
    bucket per (worker, port) is the port's whole budget)."""
    require_root()
    rate, burst = 50, 10
    with Setup(ctx, {1: {"igmp_rate_limit": rate,
                         "igmp_rate_burst": burst}}, lcores="0-1") as s:
        assert s.q("/mcast/info")["n_workers"] == 1
        h1 = s.h[1]
        cfg = s.q("/mcast/igmp/config", "lan1")["config"]
        assert (cfg["igmp_rate_limit"], cfg["igmp_rate_burst"]) == \
            (rate, burst), cfg
        t0 = s.stats()["total"]
        frames = [igmp_frame(h1, v2_report(g))
                  for g in random_groups(600, 7, "239.64.0.0")]
        sent, secs = inject(h1, frames, pps=3000)
        s.settle(t0["igmp_seen"] + sent // 2)
        st = s.stats()
        t1 = st["total"]
        seen = t1["igmp_seen"] - t0["igmp_seen"]
        limited = t1["igmp_rate_limited"] - t0["igmp_rate_limited"]
        posted = t1["igmp_posted"] - t0["igmp_posted"]
        # The kernel's own reports for G_KEEP may arrive meanwhile: bounds.
        allowed = burst + rate * (secs + 1) + 5
        problems = []
        if seen < sent // 2:
            problems.append("seen %d of %d" % (seen, sent))
        if posted > allowed:
            problems.append("posted %d > %d allowed (burst %d + %d/s x "
                            "%.1fs)" % (posted, allowed, burst, rate, secs))
        if limited < seen - allowed:
            problems.append("rate limited %d, want >= %d"
                            % (limited, seen - allowed))
        if st["ports"]["1"]["igmp_rate_limited"] != t1["igmp_rate_limited"]:
            problems.append("per-port counter %r vs total %d"
                            % (st["ports"]["1"], t1["igmp_rate_limited"]))
        if st["ports"]["0"]["igmp_rate_limited"] != 0:
            problems.append("port 0 counted %r" % st["ports"]["0"])
        assert not problems, "\n".join(problems)
        print("rate limit %d/s burst %d: %d frames in %.2fs, %d posted, "
              "%d limited" % (rate, burst, sent, secs, posted, limited))
        s.keeps_forwarding("while rate limited")

        # Unlimited at run time: the same flood is parsed in full.
        r = s.q("/mcast/igmp/config", "lan1,igmp_rate_limit=0")
        assert r["changed"] == 1 and r["config"]["igmp_rate_limit"] == 0, r
        t2 = s.stats()["total"]
        sent, _ = inject(h1, frames[:300], pps=2000)
        s.settle(t2["igmp_seen"] + sent * 9 // 10)
        t3 = s.stats()["total"]
        seen = t3["igmp_seen"] - t2["igmp_seen"]
        assert t3["igmp_rate_limited"] == t2["igmp_rate_limited"], (t2, t3)
        assert seen >= sent * 9 // 10, (sent, t2, t3)
        assert t3["igmp_posted"] - t2["igmp_posted"] == seen, (t2, t3)
        bad = s.m.telemetry("/mcast/igmp/config", "lan1,igmp_rate_burst=0")
        assert "error" in bad, bad


def test_querier_election_follows_the_rfc_on_the_subnet_only(ctx):
    require_root()
    with Setup(ctx) as s:
        h1 = s.h[1]
        p = s.igmp_port(1)
        assert p["is_querier"] == 1, p
        bad0 = s.bad().get("source_subnet", 0)
        q0 = p["queries_received"]
        # Lower than 198.18.1.200 but off the /24: ignored, counted.
        inject(h1, [igmp_frame(h1, v3_query(), src="198.18.0.5")])
        # On the subnet but higher: counted, mcastfwd stays querier.
        inject(h1, [igmp_frame(h1, v3_query(), src="198.18.1.250")])
        s.settle(0)
        p = s.igmp_port(1)
        assert s.bad().get("source_subnet", 0) == bad0 + 1, s.bad()
        assert p["queries_received"] == q0 + 1, p
        assert p["is_querier"] == 1 and p["querier"] == "198.18.1.200", p
        # A lower address on the subnet wins (RFC 3376 6.6.2).
        inject(h1, [igmp_frame(h1, v3_query(), src="198.18.1.5")])
        ok = wait_until(lambda: s.igmp_port(1)["is_querier"] == 0, 5, 0.1)
        p = s.igmp_port(1)
        assert ok and p["querier"] == "198.18.1.5", p
        assert p["querier_changes"] >= 1 and p["other_querier_left_ms"] > 0, p
        s.keeps_forwarding("as non-querier")


def test_malformed_and_off_subnet_igmp_is_dropped_and_counted(ctx):
    require_root()
    from scapy.layers.inet import IPOption_RR
    g_src = "239.8.0.1"
    with Setup(ctx, {1: {"max_sources_per_group": 16}}) as s:
        h1 = s.h[1]
        many = ["198.18.0.%d" % (i % 250 + 1) if i < 250 else
                "198.19.0.%d" % (i - 249) for i in range(300)]
        # (name, frame, igmp_bad key or total counter, groups it names)
        cases = [
            ("off-subnet report", igmp_frame(h1, v2_report("239.8.1.1"),
                                             src="198.18.0.9"),
             "source_subnet"),
            ("129 records", igmp_frame(h1, v3_report(
                [(IS_EX, "239.8.2.%d" % (i + 1), []) for i in range(129)])),
             "oversize"),
            ("records claimed beyond the packet", igmp_frame(h1, v3_report(
                [(IS_EX, "239.8.3.1", [])], n_grec=5)), "record_len"),
            ("bad IGMP checksum", igmp_frame(h1, v2_report(
                "239.8.4.1", bad_cksum=True)), "igmp_checksum"),
            ("bad IP checksum", igmp_frame(h1, v2_report("239.8.5.1"),
                                           ip_cksum=0x1234), "ip_checksum"),
            ("record route option", igmp_frame(
                h1, v2_report("239.8.6.1"), options=[IPOption_RR()]),
             "ip_option"),
            # Router Alert claiming 6 bytes in a 4-byte options field.
            ("Router Alert of length 6", craft.patch(igmp_frame(
                h1, v2_report("239.8.6.2")), 14 + 21, b"\x06"),
             "ip_option"),
            ("TTL 2", igmp_frame(h1, v2_report("239.8.7.1"), ttl=2), "ttl"),
            ("IGMP shorter than 8 bytes", igmp_frame(
                h1, v2_report("239.8.8.1"), total_len=24 + 6), "total_len"),
            ("10-byte query", igmp_frame(
                h1, v2_msg(0x11, "0.0.0.0", 100) + b"\0\0"), "igmp_len"),
            ("unknown type", igmp_frame(h1, v2_msg(0x30, "239.8.9.1"),
                                        dst="239.8.9.1"), "unknown_type"),
            ("report to 224.0.0.1", igmp_frame(
                h1, v2_report("239.8.10.1"), dst="224.0.0.1"),
             "destination"),
            ("link-local group", igmp_frame(h1, v2_report("224.0.0.5")),
             "link_local_group"),
            ("unicast group", igmp_frame(h1, v2_report("198.18.1.77"),
                                         dst="224.0.0.1"),
             "group_not_multicast"),
            # Cut inside the IGMP header: the IP total length runs past
            # the frame, the worker drops it before IGMP (bad_ip).
            ("truncated frame", igmp_frame(h1, v2_report("239.8.11.1"),
                                           truncate=14 + 24 + 4), "bad_ip"),
        ]
        problems = []
        for name, fr, key in cases:
            before = (s.stats()["total"]["bad_ip"] if key == "bad_ip"
                      else s.bad().get(key, 0))
            inject(h1, [fr])
            after = before

            def counted():
                nonlocal after
                after = (s.stats()["total"]["bad_ip"] if key == "bad_ip"
                         else s.bad().get(key, 0))
                return after == before + 1
            if not wait_until(counted, 3, 0.05):
                problems.append("%s: %s %d -> %d, want +1"
                                % (name, key, before, after))
        # Valid but with 300 sources where the port keeps 16.
        p0 = s.igmp_port(1)
        inject(h1, [igmp_frame(h1, v3_report([(IS_IN, g_src, many)]))])
        wait_until(lambda: s.igmp_port(1)["sources_over_limit"] >
                   p0["sources_over_limit"], 3, 0.05)
        p1 = s.igmp_port(1)
        if p1["sources_over_limit"] <= p0["sources_over_limit"]:
            problems.append("300 sources: sources_over_limit not counted")
        grp = s.q("/mcast/igmp/group", "1,%s" % g_src)
        if grp["n_sources"] > 16:
            problems.append("%s holds %d sources, max 16"
                            % (g_src, grp["n_sources"]))
        groups = sorted(group_list(s, 1))
        if groups != sorted([G_KEEP, g_src]):
            problems.append("port 1 groups %r, want only %s and %s"
                            % (groups, G_KEEP, g_src))
        assert not problems, "\n".join(problems)
        s.keeps_forwarding("after malformed IGMP")


def test_igmp_off_port_and_static_routes_resist_the_network(ctx):
    """Port 'off' runs no IGMP: reports are counted igmp_disabled and make
    no membership.  The static route * G_STATIC up -> lan1,off survives
    reports, leaves, TO_IN{} and BLOCK from both ports."""
    require_root()
    g_off = "239.6.6.6"
    with Setup(ctx) as s:
        h0, h1, h2 = s.h
        # Membership wanted through the kernel and by hand on port 2.
        s.rx2.join(g_off)
        dis0 = s.stats()["total"]["igmp_disabled"]
        inject(h2, [igmp_frame(h2, v2_report(g_off))] * 5)
        ok = wait_until(lambda: s.stats()["total"]["igmp_disabled"] >=
                        dis0 + 5, 5, 0.1)
        assert ok, s.stats()["total"]
        p2 = s.q("/mcast/port", "off")
        assert p2["igmp"]["enabled"] == 0, p2["igmp"]
        r = s.m.telemetry("/mcast/igmp/groups", "off")
        assert r is not None and ("error" in r or r.get("count") == 0), r
        s.rx2.reset()
        send(h0, [("", g_off)], count=20, interval=0.005)
        got = wait_counts([(s.rx2, h0.addr, g_off, 0)], 2)
        assert got == [0], "igmp-off port got %d datagrams to %s" % (
            got[0], g_off)

        # Static route: flowing to both before the attack.
        for rx in (s.rx1, s.rx2):
            assert wait_flowing(h0, ("", G_STATIC), rx, 15), \
                "static route never reached %s" % rx.host.ns
        routes0 = s.q("/mcast/routes")
        p1_0 = s.igmp_port(1)
        dis0 = s.stats()["total"]["igmp_disabled"]
        attack = [v2_report(G_STATIC), v2_leave(G_STATIC),
                  v3_report([(TO_IN, G_STATIC, [])]),
                  v3_report([(BLOCK, G_STATIC, [h0.addr])]),
                  v3_report([(IS_IN, G_STATIC, [])])]
        inject(h1, [igmp_frame(h1, a) for a in attack], pps=50)
        inject(h2, [igmp_frame(h2, a) for a in attack], pps=50)
        # Past the last member query time of lan1 (200 ms x 2).
        time.sleep(1.5)
        # The attack did reach both ports (the router took lan1's part).
        p1_1 = s.igmp_port(1)
        taken = {k: p1_1[k] - p1_0[k] for k in ("v2_reports", "leaves",
                                                 "v3_reports")}
        assert taken["v2_reports"] >= 1 and taken["leaves"] >= 1 and \
            taken["v3_reports"] >= 3, taken
        assert s.stats()["total"]["igmp_disabled"] >= dis0 + 5
        for rx in (s.rx1, s.rx2):
            rx.reset()
        send(h0, [("", G_STATIC)], count=N, interval=0.003)
        got = wait_counts([(s.rx1, h0.addr, G_STATIC, N),
                           (s.rx2, h0.addr, G_STATIC, N)], 5)
        assert got == [N, N], ("static route after IGMP attacks: h1 %d, "
                               "h2 %d, want %d each" % (got[0], got[1], N))
        routes1 = s.q("/mcast/routes")
        strip = [(r["source"], r["group"], r["in"], r["out"],
                  r["installed"]) for r in routes0["routes"].values()]
        strip1 = [(r["source"], r["group"], r["in"], r["out"],
                   r["installed"]) for r in routes1["routes"].values()]
        assert strip == strip1 == [("*", G_STATIC, 0, [1, 2], 1)], \
            (strip, strip1)
        s.keeps_forwarding("after the static-route attack")


if __name__ == "__main__":
    main(globals())
