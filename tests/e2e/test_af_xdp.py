#!/usr/bin/python3
"""mcastfwd beside the kernel: net_af_xdp ports with the mcast_steer XDP program.

Two hosts in namespaces on veth pairs; the root ends keep a kernel address (the kernel
still owns them) and are given to mcastfwd as net_af_xdp ports (copy mode) with
xdp_prog=build/bpf/mcast_steer.bpf.o, devargs from scripts/xdp-ports.sh. Checks:
  - IGMP from a joining host reaches mcastfwd (/mcast/stats IGMP counter) and not the
    kernel (an AF_PACKET tap on the root end sees none of it);
  - multicast from the other host reaches mcastfwd (/mcast/stats rx) and is forwarded
    to the joined host, exact count; the kernel sees none of it;
  - ping and unicast UDP to the root end's address are answered/received by the kernel;
  - after mcastfwd exits (SIGTERM) no XDP program is attached, the link flags, MTU and
    addresses are as before, and multicast reaches the kernel again.
Skips (exit 77, with the reason) where XDP or AF_XDP cannot be used here.
Addresses: 198.19.0.0/16 (inside 198.18.0.0/15), a /24 per link not in use in the root
namespace; never 192.0.2.0/24, which the machine's own uplink may use.
"""
import json
import os
import socket
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mfe2e import netns                                            # noqa: E402
from mfe2e.hosts import Receiver, send, wait_counts, wait_flowing, wait_until  # noqa: E402
from mfe2e.mcastfwd import Mcastfwd, binary_path, stat, write_config  # noqa: E402
from mfe2e.runner import Skip, main, require_root                 # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
G = "239.6.0.1"
N = 200
UDP_PORT = 5099
PY3 = "/usr/bin/python3"
ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def xdp_object():
    """The steering object: $MCASTFWD_XDP_PROG, else bpf/ next to the binary's app/."""
    obj = os.environ.get("MCASTFWD_XDP_PROG")
    if not obj:
        build = os.path.dirname(os.path.dirname(binary_path()))
        obj = os.path.join(build, "bpf", "mcast_steer.bpf.o")
    if not os.path.isfile(obj):
        raise Skip("XDP object %s not built (clang or libbpf missing?)" % obj)
    return obj


def ensure_bpffs():
    with open("/proc/mounts") as f:
        if any(line.split()[1:3] == ["/sys/fs/bpf", "bpf"] for line in f):
            return
    p = subprocess.run(["mount", "-t", "bpf", "bpf", "/sys/fs/bpf"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.returncode != 0:
        raise Skip("cannot mount bpffs on /sys/fs/bpf: %s" % p.stdout.strip())


def link_json(ifname):
    out = netns.run(["ip", "-j", "-d", "link", "show", "dev", ifname])
    return json.loads(out)[0]


def link_state(ifname):
    """What must be the same before and after mcastfwd: flags, MTU, MAC, addresses, and
    no XDP program."""
    d = link_json(ifname)
    addrs = json.loads(netns.run(["ip", "-j", "addr", "show", "dev", ifname]))[0]
    return {
        "flags": sorted(d.get("flags", [])),
        "mtu": d.get("mtu"),
        "address": d.get("address"),
        "promiscuity": d.get("promiscuity"),
        "allmulti": d.get("allmulti"),
        "xdp": d.get("xdp"),
        "addrs": sorted("%s/%s" % (a["local"], a["prefixlen"])
                        for a in addrs.get("addr_info", [])),
    }


def probe_xdp(ifname, obj):
    """Attach and detach the object once: skip if this kernel cannot run XDP."""
    p = subprocess.run(["ip", "link", "set", "dev", ifname, "xdpgeneric", "obj", obj,
                        "sec", "xdp"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    netns.run(["ip", "link", "set", "dev", ifname, "xdpgeneric", "off"], check=False)
    if p.returncode != 0:
        raise Skip("cannot attach an XDP program to a veth here: %s"
                   % p.stdout.strip().splitlines()[-1:])
    try:
        s = socket.socket(44, socket.SOCK_RAW, 0)          # AF_XDP
        s.close()
    except OSError as e:
        raise Skip("no AF_XDP sockets on this kernel: %s" % e)


def subnet_free(third):
    """True when no root-namespace address or route uses 198.19.<third>.0/24."""
    pfx = "198.19.%d." % third
    addrs = netns.run(["ip", "-o", "-4", "addr", "show"], check=False)
    routes = netns.run(["ip", "-4", "route", "show"], check=False)
    return pfx not in addrs and pfx not in routes


class XdpTopology(netns.Topology):
    """The library's topology, with the root ends addressed: the kernel keeps using them
    while mcastfwd takes IGMP and multicast through AF_XDP."""

    def __init__(self, n_hosts, **kw):
        super().__init__(n_hosts, **kw)
        third = 10 + (self.pid * 7) % 200
        for h in self.hosts:
            while not subnet_free(third):
                third = 10 + (third - 9) % 240
            h.addr = "198.19.%d.2" % third
            h.router_addr = "198.19.%d.1" % third
            third = 10 + (third - 9) % 240

    def up(self):
        super().up()
        for h in self.hosts:
            netns.run(["ip", "addr", "add", "%s/%d" % (h.router_addr, h.prefix_len),
                       "dev", h.root_if])
            netns.sysctl("net.ipv4.conf.%s.rp_filter" % h.root_if, 0, check=False)
        return self


class Tap:
    """AF_PACKET socket on a root-namespace interface: what the kernel stack received
    (XDP-redirected frames never get here)."""

    def __init__(self, ifname):
        self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self.s.bind((ifname, 0))
        self.s.setblocking(False)
        self.reset()

    def reset(self):
        self.drain()
        self.c = {"igmp": 0, "mcast_udp": 0, "icmp_echo": 0, "udp_unicast": 0}

    def drain(self):
        while True:
            try:
                data, addr = self.s.recvfrom(65535)
            except BlockingIOError:
                return
            if addr[2] == PACKET_OUTGOING or len(data) < 34:
                continue
            if data[12:14] != b"\x08\x00":
                continue
            ihl = (data[14] & 0x0f) * 4
            proto = data[23]
            dst0 = data[30]
            if proto == 2:
                self.c["igmp"] += 1
            elif proto == 17 and (dst0 >> 4) == 14:
                self.c["mcast_udp"] += 1
            elif proto == 17:
                self.c["udp_unicast"] += 1
            elif proto == 1 and len(data) > 14 + ihl and data[14 + ihl] == 8:
                self.c["icmp_echo"] += 1

    def counts(self):
        self.drain()
        return dict(self.c)

    def close(self):
        self.s.close()


PING = r"""
import socket, struct, sys, time
dst, n = sys.argv[1], int(sys.argv[2])
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
r = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
r.settimeout(1.0)
ok = 0
for seq in range(n):
    h = struct.pack("!BBHHH", 8, 0, 0, 0x6d66, seq) + b"mcastfwd-afxdp-p"
    h = h[:2] + struct.pack("!H", csum(h)) + h[4:]
    r.sendto(h, (dst, 0))
    end = time.monotonic() + 1.0
    while time.monotonic() < end:
        try:
            d, a = r.recvfrom(2000)
        except socket.timeout:
            break
        ihl = (d[0] & 15) * 4
        if a[0] == dst and d[ihl] == 0 and struct.unpack("!H", d[ihl + 6:ihl + 8])[0] == seq:
            ok += 1
            break
print(ok)
"""

UDP_SEND = r"""
import socket, sys, time
dst, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(n):
    s.sendto(b"unicast-%d" % i, (dst, port))
    time.sleep(0.002)
print(n)
"""


def in_ns(host, code, *args, timeout=30):
    p = subprocess.run(["ip", "netns", "exec", host.ns, PY3, "-c", code] +
                       [str(a) for a in args], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError("in %s: %s" % (host.ns, p.stderr))
    return int(p.stdout.strip().splitlines()[-1])


def unicast_to_kernel(host, n):
    """Send n UDP datagrams from host to its link's root-end address; return how many a
    root-namespace socket received."""
    r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        r.bind((host.router_addr, UDP_PORT))
        r.settimeout(0.5)
        in_ns(host, UDP_SEND, host.router_addr, UDP_PORT, n)
        got = 0
        try:
            while got < n:
                r.recv(2048)
                got += 1
        except socket.timeout:
            pass
        return got
    finally:
        r.close()


def xdp_vdevs(obj, ifnames):
    """--vdev values from scripts/xdp-ports.sh (the helper users are told to use)."""
    out = netns.run(["sh", os.path.join(ROOT, "scripts", "xdp-ports.sh"), "--copy",
                     "--queues", "1", "--prog", obj] + list(ifnames))
    vdevs = [line.split(None, 1)[1] for line in out.splitlines()
             if line.startswith("--vdev ")]
    assert len(vdevs) == len(ifnames), out
    return vdevs


def test_af_xdp_steering_beside_the_kernel(ctx):
    require_root()
    obj = xdp_object()
    ensure_bpffs()
    with XdpTopology(2) as t:
        h0, h1 = t.hosts
        probe_xdp(h0.root_if, obj)
        before = {h.root_if: link_state(h.root_if) for h in t.hosts}
        # Baseline with the kernel alone: ping and unicast work before mcastfwd too.
        assert in_ns(h0, PING, h0.router_addr, 2) == 2, "no ping before mcastfwd"

        ports = {h.index: {"name": "h%d" % h.index,
                           "address": "%s/24" % h.router_addr,
                           "igmp": "on",
                           "startup_query_interval_ms": 500,
                           "startup_query_count": 2} for h in t.hosts}
        glob = None
        if os.environ.get("MCASTFWD_E2E_RX_DESC"):
            # Manual knob (meson never sets it): net_af_xdp pins 2048 mbufs per RX queue
            # for its fill ring whatever rx_desc says; a larger rx_desc grows mcastfwd's
            # pool to match if its sizing does not know that.
            glob = {"rx_desc": os.environ["MCASTFWD_E2E_RX_DESC"]}
        cfg = write_config(os.path.join(ctx.workdir, "afxdp.ini"), ports=ports,
                           glob=glob)
        vdevs = xdp_vdevs(obj, [h.root_if for h in t.hosts])
        m = ctx.attach(Mcastfwd(vdevs, config=cfg, workdir=ctx.workdir,
                                extra_eal=["--log-level=pmd.net.af_xdp:info"]))
        taps = {h.root_if: Tap(h.root_if) for h in t.hosts}
        t.own(lambda: [tp.close() for tp in taps.values()])
        problems = []
        with m:
            for h in t.hosts:
                x = link_json(h.root_if).get("xdp")
                assert x and x.get("prog", {}).get("name") == "mcast_steer", \
                    "%s: mcast_steer not attached while mcastfwd runs: %r" % (h.root_if, x)
            for tp in taps.values():
                tp.reset()
            s0 = m.telemetry("/mcast/stats")

            # IGMP: h1 joins; the kernel's report must reach mcastfwd, not the stack.
            rx1 = Receiver(h1)
            rx1.join(G)
            igmp0 = stat(s0, "igmp")
            got = wait_until(lambda: stat(m.telemetry("/mcast/stats"), "igmp") > igmp0,
                             10)
            if not got:
                problems.append("IGMP never counted by mcastfwd: %r"
                                % m.telemetry("/mcast/stats"))

            # Multicast: h0 sends to G; mcastfwd forwards it to h1.
            if not wait_flowing(h0, ("", G), rx1, timeout=20):
                problems.append("multicast from h0 never forwarded to h1")
            rx1.reset()
            s1 = m.telemetry("/mcast/stats")
            sent = send(h0, [("", G)], count=N, interval=0.002)
            assert sent == N
            wire = wait_counts([(rx1, h0.addr, G, N)], 10)[0]
            s2 = m.telemetry("/mcast/stats")
            if wire != N:
                problems.append("h1 got %d of %d forwarded datagrams" % (wire, N))
            if stat(s2, "rx") - stat(s1, "rx") < N:
                problems.append("/mcast/stats rx +%d, want >= %d"
                                % (stat(s2, "rx") - stat(s1, "rx"), N))

            # Unicast and ping stay with the kernel.
            pings = in_ns(h0, PING, h0.router_addr, 5)
            if pings != 5:
                problems.append("%d of 5 pings answered by the kernel" % pings)
            uni = unicast_to_kernel(h0, 50)
            if uni != 50:
                problems.append("kernel socket got %d of 50 unicast datagrams" % uni)

            k0 = taps[h0.root_if].counts()
            k1 = taps[h1.root_if].counts()
            print("kernel saw on %s: %s" % (h0.root_if, k0))
            print("kernel saw on %s: %s" % (h1.root_if, k1))
            if k0["mcast_udp"] or k1["mcast_udp"]:
                problems.append("kernel received steered multicast: %s / %s" % (k0, k1))
            if k0["igmp"] or k1["igmp"]:
                problems.append("kernel received steered IGMP: %s / %s" % (k0, k1))
            if k0["icmp_echo"] < 5 or k0["udp_unicast"] < 50:
                problems.append("kernel tap missed ping/unicast: %s" % k0)
            print("/mcast/stats:", s2)
            rx1.close()
        rc = m.returncode
        if rc != 0:
            problems.append("mcastfwd exit code %s" % rc)

        # After exit: the interfaces are as they were, and the kernel gets multicast again.
        for h in t.hosts:
            now = link_state(h.root_if)
            if now != before[h.root_if]:
                diff = {k: (before[h.root_if][k], now[k]) for k in now
                        if now[k] != before[h.root_if][k]}
                problems.append("%s changed after mcastfwd exited (before, after): %s"
                                % (h.root_if, diff))
        taps[h0.root_if].reset()
        send(h0, [("", G)], count=20, interval=0.002)
        wait_until(lambda: taps[h0.root_if].counts()["mcast_udp"] >= 20, 5, 0.1)
        back = taps[h0.root_if].counts()["mcast_udp"]
        if back != 20:
            problems.append("after exit the kernel got %d of 20 multicast datagrams" % back)
        if in_ns(h0, PING, h0.router_addr, 2) != 2:
            problems.append("ping fails after mcastfwd exited")
        assert not problems, "\n".join(problems)


def test_crash_leaves_program_that_xdp_ports_detach_removes(ctx):
    """SIGKILL gives mcastfwd no chance to detach; the unit's ExecStopPost step
    (xdp-ports.sh --detach) must then remove mcast_steer so that a restart works."""
    require_root()
    obj = xdp_object()
    ensure_bpffs()
    with XdpTopology(1) as t:
        h0 = t.hosts[0]
        probe_xdp(h0.root_if, obj)
        glob = None
        if os.environ.get("MCASTFWD_E2E_RX_DESC"):
            glob = {"rx_desc": os.environ["MCASTFWD_E2E_RX_DESC"]}
        cfg = write_config(os.path.join(ctx.workdir, "crash.ini"),
                           ports={0: {"address": "%s/24" % h0.router_addr}}, glob=glob)
        m = ctx.attach(Mcastfwd(xdp_vdevs(obj, [h0.root_if]), config=cfg,
                                workdir=ctx.workdir))
        m.start()
        m.kill()
        x = link_json(h0.root_if).get("xdp")
        assert x and x.get("prog", {}).get("name") == "mcast_steer", \
            "after SIGKILL the program is gone already? %r" % x
        helper = os.path.join(ROOT, "scripts", "xdp-ports.sh")
        out = netns.run(["sh", helper, "--detach", h0.root_if])
        assert "detached" in out, out
        assert link_json(h0.root_if).get("xdp") is None, "still attached after --detach"
        # Restart works once the interface is clean.
        m2 = ctx.attach(Mcastfwd(xdp_vdevs(obj, [h0.root_if]), config=cfg,
                                 workdir=ctx.workdir, name="mcastfwd-restart"))
        with m2:
            pass
        assert m2.returncode == 0, "restart after recovery: exit %s" % m2.returncode
        assert link_json(h0.root_if).get("xdp") is None


if __name__ == "__main__":
    main(globals())
