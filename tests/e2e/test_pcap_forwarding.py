#!/usr/bin/python3
"""mcastfwd on net_pcap ports: a generated input pcap in, one output pcap per
port out, checked packet by packet against what the static routes say.

Ports 0..3 (net_pcap, rx_pcap + tx_pcap each).  Routes:
  *            239.1.1.1  in 0  out 1,2,3
  198.18.0.10  239.1.1.2  in 0  out 2        (S,G) wins over (*,G)
  *            239.1.1.2  in 0  out 1,3
  *            239.1.1.3  in 1  out 0,2
  198.18.1.9   239.1.1.1  in 1  out 0
An (S,G) entry forwards to its own outgoing ports plus its group's (*,G)
ones, minus its incoming port (docs/architecture.md, the MGM rule), and its
incoming port is its own: (198.18.1.9, 239.1.1.1) arriving on port 1 goes
to 0, 2 and 3, which only an (S,G)-first lookup gives.
Port 3 has ttl_threshold 5 (TTL after decrement must be >= 5).
Every output packet must be an input packet with TTL - 1, a valid IP
checksum, source MAC = the output port's MAC, everything else unchanged;
exactly the expected packets on exactly the expected ports, in input order
per input port; nothing back out the incoming port.  /mcast/stats must agree.

test_pcap_forwarding copies every replica (net_pcap does not advertise TX
MULTI_SEGS); test_pcap_forwarding_chained pads the data frames to 100 bytes
or more and sets tx_multi_seg = on and chain_threshold = 64 on ports 1-3, so
every replica to them is a header mbuf chained to the shared packet (net_pcap
writes chains out whole) while port 0 still gets copies, and the same byte
checks apply.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mfe2e.mcastfwd import Mcastfwd, write_config, stat       # noqa: E402
from mfe2e.runner import main, require_root                  # noqa: E402

from scapy.all import (Ether, IP, UDP, Raw, ARP, IPOption_Router_Alert,  # noqa: E402,E501
                       rdpcap, wrpcap)
from scapy.contrib.igmp import IGMP                          # noqa: E402

N_PORTS = 4
IN_MAC = "02:00:00:00:00:aa"
S_A, S_B, S_SPEC = "198.18.0.2", "198.18.0.3", "198.18.0.10"

ROUTES = [
    "* 239.1.1.1 0 1,2,3",
    "198.18.0.10 239.1.1.2 0 2",
    "* 239.1.1.2 0 1,3",
    "* 239.1.1.3 1 0,2",
    "198.18.1.9 239.1.1.1 1 0",
]
TTL_THRESHOLD = {3: 5}


def mcast_mac(group):
    o = [int(x) for x in group.split(".")]
    return "01:00:5e:%02x:%02x:%02x" % (o[1] & 0x7F, o[2], o[3])


def expected_ports(in_port, src, grp, ttl):
    """What the routes say: the set of output ports (empty = dropped)."""
    if ttl <= 1:
        return set()
    routes = {}
    for r in ROUTES:
        s, g, i, outs = r.split()
        routes[(None if s == "*" else s, g)] = (
            int(i), {int(p) for p in outs.split(",")})
    star = routes.get((None, grp))
    r = routes.get((src, grp))
    if r is not None and star is not None:
        r = (r[0], r[1] | star[1])      # (S,G) oifs include (*,G)'s
    r = r or star
    if r is None or r[0] != in_port:
        return set()
    return {p for p in r[1] - {in_port}
            if ttl - 1 >= TTL_THRESHOLD.get(p, 1)}


class Case:
    """One input packet with a unique id in its payload."""
    n = 0

    def __init__(self, in_port, pkt, kind, src=None, grp=None, ttl=None):
        Case.n += 1
        self.id = Case.n
        self.in_port, self.kind = in_port, kind
        self.src, self.grp, self.ttl = src, grp, ttl
        self.pkt = pkt
        self.out = (expected_ports(in_port, src, grp, ttl)
                    if kind == "data" else set())


def make_data(in_port, src, grp, ttl, size=0):
    c = Case(in_port, None, "data", src, grp, ttl)
    payload = b"mfe2e id=%05d " % c.id
    payload += b"x" * max(0, size - len(payload))
    c.pkt = (Ether(src=IN_MAC, dst=mcast_mac(grp)) /
             IP(src=src, dst=grp, ttl=ttl, id=c.id) /
             UDP(sport=4000 + c.id, dport=5001) / Raw(payload))
    return c


def build_cases(min_size=0):
    """min_size: pad every data case's UDP payload to at least this."""
    cases = []

    def data(in_port, src, grp, ttl, size=0):
        return make_data(in_port, src, grp, ttl, max(size, min_size))

    # Several groups and sources, TTLs 64, 8, 6, 5, 2 and 1, small and large.
    for ttl in (64, 8, 6, 5, 2, 1):
        for src in (S_A, S_B):
            cases.append(data(0, src, "239.1.1.1", ttl))
    for src in (S_A, S_SPEC, S_B, S_SPEC):
        cases.append(data(0, src, "239.1.1.2", 16))
    cases.append(data(0, S_A, "239.1.1.1", 64, size=1400))
    cases.append(data(0, S_SPEC, "239.1.1.2", 64, size=1000))
    # Wrong incoming port, both ways.
    cases.append(data(1, "198.18.1.2", "239.1.1.1", 64))
    cases.append(data(0, S_A, "239.1.1.3", 64))
    # (S,G) with its own incoming port, on it and off it.
    cases.append(data(1, "198.18.1.9", "239.1.1.1", 64))
    cases.append(data(0, "198.18.1.9", "239.1.1.1", 64))
    # Routed in from port 1 (never back out port 1).
    for ttl in (64, 2):
        cases.append(data(1, "198.18.1.2", "239.1.1.3", ttl))
    # No route.
    cases.append(data(0, S_A, "239.7.7.7", 64))
    # Link-local group: never routed.
    ll = data(0, S_A, "224.0.0.251", 64)
    ll.kind = "linklocal"
    ll.out = set()
    cases.append(ll)
    # Unicast UDP.
    c = Case(0, None, "unicast")
    c.pkt = (Ether(src=IN_MAC, dst="02:00:00:00:00:01") /
             IP(src=S_A, dst="198.18.1.2", ttl=64, id=c.id) /
             UDP(sport=4000, dport=5001) / Raw(b"mfe2e id=%05d " % c.id))
    cases.append(c)
    # IGMPv2 report (with Router Alert) for a group no data uses.
    c = Case(0, None, "igmp")
    c.pkt = (Ether(src=IN_MAC, dst=mcast_mac("239.9.9.9")) /
             IP(src=S_A, dst="239.9.9.9", ttl=1, id=c.id,
                options=[IPOption_Router_Alert()]) /
             IGMP(type=0x16, gaddr="239.9.9.9"))
    cases.append(c)
    # ARP.
    c = Case(0, None, "arp")
    c.pkt = Ether(src=IN_MAC, dst="ff:ff:ff:ff:ff:ff") / ARP(
        psrc=S_A, pdst="198.18.0.1")
    cases.append(c)
    # Interleave: more data after the odd ones, so drops do not stall.
    for src in (S_A, S_B):
        cases.append(data(0, src, "239.1.1.1", 32))
    return cases


def ip_checksum_ok(raw_ip):
    ihl = (raw_ip[0] & 0x0F) * 4
    s = 0
    for i in range(0, ihl, 2):
        s += (raw_ip[i] << 8) | raw_ip[i + 1]
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s == 0xFFFF


def case_id(pkt):
    raw = bytes(pkt)
    i = raw.find(b"mfe2e id=")
    return int(raw[i + 9:i + 14]) if i >= 0 else None


CHAINED_PORTS = (1, 2, 3)


def test_pcap_forwarding(ctx):
    run(ctx, chained=False)


def test_pcap_forwarding_chained(ctx):
    run(ctx, chained=True)


def run(ctx, chained):
    require_root()
    wd = ctx.workdir
    Case.n = 0
    # Chained: frames of 100 bytes and more, so every replica to a chained
    # port is chained (chain_threshold 64).
    cases = build_cases(min_size=60 if chained else 0)
    by_id = {c.id: c for c in cases}
    vdevs = []
    for p in range(N_PORTS):
        inp = os.path.join(wd, "in%d.pcap" % p)
        wrpcap(inp, [c.pkt for c in cases if c.in_port == p], linktype=1)
        vdevs.append("net_pcap%d,rx_pcap=%s,tx_pcap=%s"
                     % (p, inp, os.path.join(wd, "out%d.pcap" % p)))
    ports = {}
    for p in range(N_PORTS):
        ports[p] = {"name": "p%d" % p, "address": "198.18.%d.1/24" % p}
        if p in TTL_THRESHOLD:
            ports[p]["ttl_threshold"] = TTL_THRESHOLD[p]
        if chained and p in CHAINED_PORTS:
            ports[p]["tx_multi_seg"] = "on"
            ports[p]["chain_threshold"] = 64
    cfg = write_config(os.path.join(wd, "mcastfwd.ini"), ports=ports,
                       routes=ROUTES)
    n_in = len(cases)
    m = ctx.attach(Mcastfwd(vdevs, config=cfg, lcores="0,1", workdir=wd))
    with m:
        # Drain: every input packet counted as received, then a moment for
        # the TX buffers (flushed within tx_flush_us).
        deadline = time.monotonic() + 20
        stats = None
        while time.monotonic() < deadline:
            stats = m.telemetry("/mcast/stats")
            if stat(stats, "rx") >= n_in:
                break
            time.sleep(0.2)
        time.sleep(0.5)
        stats = m.telemetry("/mcast/stats")
        print("/mcast/routes:", m.telemetry("/mcast/routes"))
        macs = {}
        for p in range(N_PORTS):
            info = m.telemetry("/ethdev/info", str(p)) or {}
            macs[p] = info.get("mac_addr")
        rc = m.stop()
    assert rc == 0, "exit code %r\n%s" % (rc, m.log_tail())
    print("/mcast/stats:", stats)

    # Output pcaps, packet by packet.
    problems = ["/ethdev/info,%d gave no mac_addr" % p
                for p in range(N_PORTS) if not macs.get(p)]
    seen = {p: [] for p in range(N_PORTS)}
    queries = {p: 0 for p in range(N_PORTS)}
    for p in range(N_PORTS):
        for pkt in rdpcap(os.path.join(wd, "out%d.pcap" % p)):
            raw = bytes(pkt)
            if (IP in pkt and pkt[IP].proto == 2
                    and bytes(pkt[IP].payload)[:1] == b"\x11"
                    and pkt[IP].src == "198.18.%d.1" % p):
                queries[p] += 1
                continue        # this port's own IGMP query: fine
            cid = case_id(pkt)
            c = by_id.get(cid)
            if c is None:
                problems.append("port %d: unexpected packet %s"
                                % (p, pkt.summary()))
                continue
            seen[p].append(cid)
            exp = bytearray(bytes(c.pkt))
            exp[22] -= 1                       # TTL
            if raw[14 + 8] != c.ttl - 1:
                problems.append("id %d port %d: TTL %d, want %d"
                                % (cid, p, raw[22], c.ttl - 1))
            if not ip_checksum_ok(raw[14:]):
                problems.append("id %d port %d: bad IP checksum" % (cid, p))
            if macs.get(p) and pkt[Ether].src != macs[p].lower():
                problems.append("id %d port %d: src MAC %s, port MAC %s"
                                % (cid, p, pkt[Ether].src, macs[p]))
            if pkt[Ether].dst != mcast_mac(c.grp):
                problems.append("id %d port %d: dst MAC %s"
                                % (cid, p, pkt[Ether].dst))
            # Everything but src MAC (0..11 dst, 6..11 src) and the IP
            # checksum (24..25) must equal the input with TTL - 1.
            if (raw[:6] != bytes(exp[:6]) or raw[12:24] != bytes(exp[12:24])
                    or raw[26:] != bytes(exp[26:])):
                problems.append("id %d port %d: bytes differ from input"
                                % (cid, p))
    # Exactly the expected ones, each once, in input order per input port.
    src_macs = {}
    for p in range(N_PORTS):
        for inp in range(N_PORTS):
            want = [c.id for c in cases if c.in_port == inp and p in c.out]
            got = [i for i in seen[p] if by_id[i].in_port == inp]
            if got != want:
                problems.append(
                    "port %d, from port %d: got ids %s, want %s"
                    % (p, inp, got, want))
        for i in seen[p]:
            if by_id[i].in_port == p:
                problems.append("id %d went back out its incoming port %d"
                                % (i, p))
    for p in range(N_PORTS):
        src_macs[p] = {pkt[Ether].src for pkt in
                       rdpcap(os.path.join(wd, "out%d.pcap" % p))}
        if len(src_macs[p]) > 1:
            problems.append("port %d: several source MACs %s"
                            % (p, src_macs[p]))
    all_src = [m_ for s in src_macs.values() for m_ in s]
    if len(all_src) != len(set(all_src)):
        problems.append("ports share a source MAC: %s" % src_macs)
    if IN_MAC in all_src:
        problems.append("input source MAC was not rewritten")

    # Counters (lib/fastpath/fastpath.h struct fp_stats), all exact.
    data_cases = [c for c in cases if c.kind == "data"]
    below = 0            # replicas held back by a port's TTL threshold
    for c in data_cases:
        if c.ttl > 1:
            below += len(expected_ports(c.in_port, c.src, c.grp, 255)
                         - c.out)
    n_chained = sum(len(c.out & set(CHAINED_PORTS)) for c in data_cases
                    if len(bytes(c.pkt)) >= 64) if chained else 0
    if chained and n_chained < 40:
        problems.append("only %d chained replicas expected: the test lost "
                        "its point" % n_chained)
    want = {
        "rx": n_in,
        "forwarded": sum(1 for c in data_cases if c.out),
        "replicas": sum(len(c.out) for c in data_cases),
        "replicas_chained": n_chained,
        "replicas_copied": sum(len(c.out) for c in data_cases) - n_chained,
        "wrong_iif": 3,
        "ttl_drop": sum(1 for c in data_cases if c.ttl <= 1),
        "ttl_threshold": below,
        "no_route": 1,
        "link_local": 1,
        "other_dropped": 1,
        "non_ip": 1,
        "igmp": 1,
        "tx_drop": 0,
    }
    for k, v in want.items():
        try:
            got = stat(stats, k)
        except KeyError as e:
            problems.append(str(e))
            continue
        if got != v:
            problems.append("/mcast/stats %s = %d, want %d" % (k, got, v))
    assert not problems, "\n".join(problems)


if __name__ == "__main__":
    main(globals())
