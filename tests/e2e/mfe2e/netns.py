"""Network-namespace topology for mcastfwd end-to-end tests.

Each host is a namespace ``mfe2e-<pid>-h<i>`` holding one end of a veth pair
(``mfe<pid>h<i>``); the other end (``mfe<pid>r<i>``) stays in the root
namespace, with no address, for mcastfwd's ``net_af_packet`` port i (several
hosts may share a port through a bridge: see Topology).  Host i
gets 198.18.<i>.2/24 (198.18.0.0/15 is the benchmarking range: test traffic
never leaves the machine); 198.18.<i>.1 is the address mcastfwd's port i
claims in its config.  Every host has the route ``224.0.0.0/4 dev <if>`` and a
route to 198.18.0.0/15 on the link, IPv6 off (no MLD/ND noise) and rp_filter
off (forwarded sources are on other subnets).

Cleanup always happens: ``Topology`` is a context manager, registers itself
with ``cleanup.at_cleanup`` (atexit, SIGTERM, SIGINT) and, when created,
removes namespaces and links left by earlier runs whose pid is gone.
"""
import os
import re
import subprocess

from . import cleanup

NS_RE = re.compile(r"^mfe2e-(\d+)-h\d+$")
LINK_RE = re.compile(r"^mfe(\d+)[rhbpq]\d+$")


def run(cmd, check=True, ns=None, timeout=20):
    """Run a command (list), optionally inside namespace ns; return stdout."""
    if ns is not None:
        cmd = ["ip", "netns", "exec", ns] + list(cmd)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise RuntimeError("command failed (%d): %s\n%s%s" % (
            p.returncode, " ".join(cmd), p.stdout, p.stderr))
    return p.stdout


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale():
    """Delete namespaces and root links from earlier runs whose process is
    gone (a run killed by SIGKILL cannot clean up after itself)."""
    out = run(["ip", "netns", "list"], check=False)
    for line in out.splitlines():
        name = line.split()[0] if line.split() else ""
        m = NS_RE.match(name)
        if m and not _pid_alive(int(m.group(1))):
            run(["ip", "netns", "del", name], check=False)
    out = run(["ip", "-o", "link", "show"], check=False)
    for line in out.splitlines():
        parts = line.split(":")
        if len(parts) < 2:
            continue
        name = parts[1].strip().split("@")[0]
        m = LINK_RE.match(name)
        if m and not _pid_alive(int(m.group(1))):
            run(["ip", "link", "del", name], check=False)


def sysctl(key, value, ns=None, check=True):
    """Write /proc/sys/<key> (dots as separators), in ns if given."""
    path = "/proc/sys/" + key.replace(".", "/")
    run(["sh", "-c", "echo %s > %s" % (value, path)], ns=ns, check=check)


def read_sysctl(key, ns=None):
    path = "/proc/sys/" + key.replace(".", "/")
    return run(["cat", path], ns=ns).strip()


class Host:
    """One Linux host: a namespace with one interface towards mcastfwd's
    port ``self.port``."""

    def __init__(self, topo, index, port, nth):
        self.topo = topo
        self.index = index
        self.port = port
        self.ns = "mfe2e-%d-h%d" % (topo.pid, index)
        self.ifname = "mfe%dh%d" % (topo.pid, index)      # in the namespace
        # Root-namespace end of this host's veth: mcastfwd's port itself
        # when the host is alone on its port, else a bridge member.
        self.root_if = topo.port_if(port)
        self.peer_if = ("mfe%dq%d" % (topo.pid, index) if topo.shared(port)
                        else self.root_if)
        self.addr = "198.18.%d.%d" % (port, 2 + nth)
        self.prefix_len = 24
        self.router_addr = "198.18.%d.1" % port
        self.extra_addrs = []
        self.mac = None
        self.root_mac = None

    def sh(self, *cmd, check=True, timeout=20):
        return run(list(cmd), ns=self.ns, check=check, timeout=timeout)

    def add_address(self, addr):
        """Add another source address (same /24) on the host interface."""
        self.sh("ip", "addr", "add", "%s/%d" % (addr, self.prefix_len),
                "dev", self.ifname)
        self.extra_addrs.append(addr)

    def force_igmp_version(self, version):
        """0 = kernel default (v3), 1, 2 or 3."""
        sysctl("net.ipv4.conf.%s.force_igmp_version" % self.ifname,
               version, ns=self.ns)
        sysctl("net.ipv4.conf.all.force_igmp_version", version, ns=self.ns)

    def vdev(self):
        """EAL --vdev argument for mcastfwd's port on this host's link."""
        return self.topo.vdev(self.port)


class Topology:
    """Hosts in namespaces on veth links to mcastfwd's ports; use as a
    context manager.

    n_hosts: number of hosts; host i is on port i unless ``ports`` says
    otherwise: ports[i] = port of host i (ports 0..max, each used).  Hosts
    sharing a port sit on one LAN: a bridge in the root namespace
    (``mfe<pid>b<port>``, snooping off) joining their veths and the veth
    pair whose root end ``mfe<pid>r<port>`` mcastfwd uses.
    igmp_version: None (kernel default, v3) or a list/int of
    force_igmp_version values per host.
    """

    def __init__(self, n_hosts, igmp_version=None, unsolicited_ms=None,
                 ports=None):
        cleanup.install()
        self.pid = os.getpid()
        self.host_ports = list(ports) if ports else list(range(n_hosts))
        assert len(self.host_ports) == n_hosts
        self.n_ports = max(self.host_ports) + 1
        nth = {}
        self.hosts = []
        for i, p in enumerate(self.host_ports):
            self.hosts.append(Host(self, i, p, nth.get(p, 0)))
            nth[p] = nth.get(p, 0) + 1
        self._igmp_version = igmp_version
        self._unsolicited_ms = unsolicited_ms
        self._handle = None
        self._up = False
        self._children = []   # closers run before the namespaces go

    def shared(self, port):
        return self.host_ports.count(port) > 1

    def port_if(self, port):
        return "mfe%dr%d" % (self.pid, port)

    def vdev(self, port):
        """EAL --vdev for mcastfwd's port (vdevs in port order = port ids)."""
        return "net_af_packet%d,iface=%s" % (port, self.port_if(port))

    def vdevs(self):
        return [self.vdev(p) for p in range(self.n_ports)]

    def own(self, closer):
        """Run closer() at down(), before the namespaces are deleted."""
        self._children.append(closer)

    def __enter__(self):
        self.up()
        return self

    def __exit__(self, *exc):
        self.down()
        return False

    def up(self):
        clean_stale()
        self._handle = cleanup.at_cleanup(self.down)
        self._up = True
        for p in range(self.n_ports):
            if self.shared(p):
                self._make_lan(p)
        for h in self.hosts:
            self._make_host(h)
        return self

    @staticmethod
    def _root_link_up(name):
        # Root-namespace links: no IPv6 (no ND/MLD into mcastfwd), no
        # address, up.
        sysctl("net.ipv6.conf.%s.disable_ipv6" % name, 1, check=False)
        run(["ip", "link", "set", name, "up"])

    def _make_lan(self, port):
        br = "mfe%db%d" % (self.pid, port)
        member = "mfe%dp%d" % (self.pid, port)
        run(["ip", "link", "add", br, "type", "bridge", "mcast_snooping",
             "0"])
        run(["ip", "link", "add", self.port_if(port), "type", "veth",
             "peer", "name", member])
        run(["ip", "link", "set", member, "master", br])
        for name in (br, member, self.port_if(port)):
            self._root_link_up(name)

    def _make_host(self, h):
        run(["ip", "netns", "add", h.ns])
        run(["ip", "link", "add", h.peer_if, "type", "veth",
             "peer", "name", h.ifname])
        run(["ip", "link", "set", h.ifname, "netns", h.ns])
        if self.shared(h.port):
            run(["ip", "link", "set", h.peer_if, "master",
                 "mfe%db%d" % (self.pid, h.port)])
        self._root_link_up(h.peer_if)
        # Host end.
        sysctl("net.ipv6.conf.all.disable_ipv6", 1, ns=h.ns, check=False)
        sysctl("net.ipv6.conf.default.disable_ipv6", 1, ns=h.ns, check=False)
        sysctl("net.ipv4.conf.all.rp_filter", 0, ns=h.ns)
        sysctl("net.ipv4.conf.default.rp_filter", 0, ns=h.ns)
        h.sh("ip", "link", "set", "lo", "up")
        h.sh("ip", "addr", "add", "%s/%d" % (h.addr, h.prefix_len),
             "dev", h.ifname)
        h.sh("ip", "link", "set", h.ifname, "up")
        sysctl("net.ipv4.conf.%s.rp_filter" % h.ifname, 0, ns=h.ns)
        h.sh("ip", "route", "add", "224.0.0.0/4", "dev", h.ifname)
        h.sh("ip", "route", "add", "198.18.0.0/15", "dev", h.ifname)
        v = self._igmp_version
        if isinstance(v, (list, tuple)):
            v = v[h.index]
        if v:
            h.force_igmp_version(v)
        if self._unsolicited_ms is not None:
            sysctl("net.ipv4.conf.%s.igmpv3_unsolicited_report_interval"
                   % h.ifname, self._unsolicited_ms, ns=h.ns)
            sysctl("net.ipv4.conf.%s.igmpv2_unsolicited_report_interval"
                   % h.ifname, self._unsolicited_ms, ns=h.ns)
        h.mac = h.sh("cat", "/sys/class/net/%s/address" % h.ifname).strip()
        h.root_mac = run(["cat", "/sys/class/net/%s/address"
                          % h.root_if]).strip()

    def down(self):
        if not self._up:
            return
        self._up = False
        if self._handle is not None:
            cleanup.cancel(self._handle)
            self._handle = None
        while self._children:
            try:
                self._children.pop()()
            except Exception:
                pass
        for h in self.hosts:
            # Deleting the namespace deletes its veth end and so the pair.
            run(["ip", "netns", "del", h.ns], check=False)
            run(["ip", "link", "del", h.peer_if], check=False)
        for p in range(self.n_ports):
            run(["ip", "link", "del", self.port_if(p)], check=False)
            run(["ip", "link", "del", "mfe%db%d" % (self.pid, p)],
                check=False)
