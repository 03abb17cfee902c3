#!/usr/bin/python3
"""Self-test of the e2e harness, without mcastfwd: hosts in namespaces joined
by a Linux bridge in the root namespace (standing where mcastfwd stands).
Proves the pieces the mcastfwd tests rely on: namespaces and veths come and
go, senders send, receivers join/leave/SSM/block with the kernel's IGMPv3 and
count per (source, group) on the wire and on the socket, and cleanup leaves
nothing behind."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mfe2e import netns                                     # noqa: E402
from mfe2e.hosts import Receiver, send, wait_until          # noqa: E402
from mfe2e.runner import main, require_root                # noqa: E402

G = "239.1.2.3"


class Bridged(netns.Topology):
    """Root ends enslaved to a bridge with snooping off: a flooding hub."""

    def up(self):
        super().up()
        self.br = "mfe%db0" % self.pid
        netns.run(["ip", "link", "add", self.br, "type", "bridge",
                   "mcast_snooping", "0"])
        netns.sysctl("net.ipv6.conf.%s.disable_ipv6" % self.br, 1,
                     check=False)
        for h in self.hosts:
            netns.run(["ip", "link", "set", h.root_if, "master", self.br])
        netns.run(["ip", "link", "set", self.br, "up"])
        return self

    def down(self):
        if self._up:
            netns.run(["ip", "link", "del", "mfe%db0" % self.pid],
                      check=False)
        super().down()


def test_topology_up_and_cleaned(ctx):
    require_root()
    with netns.Topology(2) as t:
        names = netns.run(["ip", "netns", "list"])
        for h in t.hosts:
            assert h.ns in names, names
            out = h.sh("ip", "-4", "addr", "show", "dev", h.ifname)
            assert h.addr in out, out
            assert "224.0.0.0/4" in h.sh("ip", "route", "show")
    names = netns.run(["ip", "netns", "list"])
    links = netns.run(["ip", "link", "show"])
    for h in t.hosts:
        assert h.ns not in names, names
        assert h.root_if not in links


def test_force_igmp_version(ctx):
    require_root()
    with netns.Topology(2, igmp_version=[2, 0]) as t:
        k = "net.ipv4.conf.%s.force_igmp_version"
        assert netns.read_sysctl(k % t.hosts[0].ifname, t.hosts[0].ns) == "2"
        assert netns.read_sysctl(k % t.hosts[1].ifname, t.hosts[1].ns) == "0"


def test_send_receive_through_hub(ctx):
    require_root()
    with Bridged(3) as t:
        snd, a, b = t.hosts
        ra, rb = Receiver(a), Receiver(b)
        ra.join(G)
        # The kernel sends an unsolicited IGMPv3 report on join.
        assert wait_until(lambda: ra.counts()["igmp_out"].get("0x22", 0) > 0,
                          5), ra.counts()
        n = send(snd, [("", G)], count=50, interval=0.002)
        assert n == 50
        wait_until(lambda: ra.wire(snd.addr, G) >= 50, 5)
        ca, cb = ra.counts(), rb.counts()
        key = "%s %s" % (snd.addr, G)
        # Hub floods: both see it on the wire; only the joined socket gets it.
        assert ca["wire"].get(key) == 50, ca
        assert ca["sock"].get(key) == 50, ca
        assert cb["wire"].get(key) == 50, cb
        assert cb["sock"].get(key, 0) == 0, cb
        assert ca["ttl"][key] == [8], ca
        assert ca["bad"] == {} and cb["bad"] == {}, (ca, cb)
        # Large datagrams arrive whole, and the payload check works.
        ra.reset()
        send(snd, [("", G)], count=5, interval=0.002, size=1400)
        wait_until(lambda: ra.wire(snd.addr, G) >= 5, 5)
        c = ra.counts()
        assert c["wire"].get(key) == 5 and c["sock"].get(key) == 5, c
        assert c["bad"] == {}, c
        ra.leave(G)
        assert wait_until(
            lambda: ra.counts()["igmp_out"].get("0x22", 0) >= 2, 5)
        ra.reset()
        send(snd, [("", G)], count=10, interval=0.002)
        time.sleep(0.3)
        c = ra.counts()
        assert c["wire"].get(key) == 10 and c["sock"].get(key, 0) == 0, c


def test_ssm_and_block_sockets(ctx):
    require_root()
    with Bridged(2) as t:
        snd, rcv = t.hosts
        s2 = "198.18.0.3"
        snd.add_address(s2)
        r = Receiver(rcv)
        r.ssm_join(snd.addr, G)
        send(snd, [("", G), (s2, G)], count=20, interval=0.002)
        wait_until(lambda: r.wire(s2, G) >= 20, 5)
        c = r.counts()
        assert c["sock"].get("%s %s" % (snd.addr, G)) == 20, c
        assert c["sock"].get("%s %s" % (s2, G), 0) == 0, c
        r.ssm_leave(snd.addr, G)
        r.join(G)
        r.block(s2, G)
        r.reset()
        send(snd, [("", G), (s2, G)], count=20, interval=0.002)
        wait_until(lambda: r.wire(s2, G) >= 20, 5)
        c = r.counts()
        assert c["sock"].get("%s %s" % (snd.addr, G)) == 20, c
        assert c["sock"].get("%s %s" % (s2, G), 0) == 0, c


def test_shared_lan(ctx):
    require_root()
    with netns.Topology(3, ports=[0, 1, 1]) as t:
        h0, h1, h2 = t.hosts
        assert (h1.addr, h2.addr) == ("198.18.1.2", "198.18.1.3")
        assert h1.root_if == h2.root_if == t.port_if(1)
        assert t.vdevs() == ["net_af_packet0,iface=%s" % t.port_if(0),
                             "net_af_packet1,iface=%s" % t.port_if(1)]
        r2 = Receiver(h2)
        r2.join(G)
        send(h1, [("", G)], count=10, interval=0.002)
        wait_until(lambda: r2.wire(h1.addr, G) >= 10, 5)
        assert r2.wire(h1.addr, G) == 10, r2.counts()
    links = netns.run(["ip", "link", "show"])
    assert "mfe%d" % t.pid not in links, links


if __name__ == "__main__":
    main(globals())
