"""Hostile IGMP: build frames with scapy (valid, spoofed, malformed) and send
them byte for byte from a host namespace with inject.py (AF_PACKET on the
host's veth).  Addresses stay in 198.18.0.0/15; frames never leave the
namespaces.

    frames = [igmp_frame(h, v2_report("239.9.0.1")), ...]
    inject(host, frames, pps=2000)
"""
import json
import os
import random
import struct
import subprocess
import tempfile

from scapy.layers.inet import IP, IPOption_Router_Alert
from scapy.layers.l2 import Ether
from scapy.packet import Raw

PY3 = "/usr/bin/python3"
INJECT = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                      "inject.py")

QUERY, V1_REPORT, V2_REPORT, V2_LEAVE, V3_REPORT = 0x11, 0x12, 0x16, 0x17, 0x22
IS_IN, IS_EX, TO_IN, TO_EX, ALLOW, BLOCK = 1, 2, 3, 4, 5, 6


def a2i(a):
    return struct.unpack("!I", bytes(int(x) for x in a.split(".")))[0]


def i2a(i):
    return ".".join(str(b) for b in struct.pack("!I", i))


def cksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def _finish(igmp, bad_cksum):
    c = cksum(igmp)
    if bad_cksum:
        c ^= 0x5a5a
    return igmp[:2] + struct.pack("!H", c) + igmp[4:]


def v2_msg(typ, group, code=0, bad_cksum=False):
    """An 8-byte IGMPv1/v2 message (query, report or leave)."""
    return _finish(struct.pack("!BBH4s", typ, code, 0,
                               bytes(int(x) for x in group.split("."))),
                   bad_cksum)


def v2_report(group, bad_cksum=False):
    return v2_msg(V2_REPORT, group, bad_cksum=bad_cksum)


def v2_leave(group):
    return v2_msg(V2_LEAVE, group)


def v2_query(group="0.0.0.0", max_resp_ds=100):
    return v2_msg(QUERY, group, code=max_resp_ds)


def v3_query(group="0.0.0.0", max_resp_ds=100, qrv=2, qqic=125, srcs=()):
    body = struct.pack("!BBH4sBBH", QUERY, max_resp_ds, 0,
                       bytes(int(x) for x in group.split(".")),
                       qrv & 7, qqic, len(srcs))
    body += b"".join(struct.pack("!I", a2i(s)) for s in srcs)
    return _finish(body, False)


def v3_report(records, n_grec=None, bad_cksum=False):
    """records: [(type, group, [sources])]; n_grec overrides the count in
    the header (to claim more records than there are)."""
    body = b""
    for typ, grp, srcs in records:
        body += struct.pack("!BBH4s", typ, 0, len(srcs),
                            bytes(int(x) for x in grp.split(".")))
        body += b"".join(struct.pack("!I", a2i(s)) for s in srcs)
    hdr = struct.pack("!BBHHH", V3_REPORT, 0, 0, 0,
                      len(records) if n_grec is None else n_grec)
    return _finish(hdr + body, bad_cksum)


def mcast_mac(ip):
    i = a2i(ip)
    return "01:00:5e:%02x:%02x:%02x" % ((i >> 16) & 0x7f, (i >> 8) & 0xff,
                                        i & 0xff)


def igmp_frame(host, igmp, src=None, dst=None, ttl=1, options="ra",
               ip_cksum=None, truncate=None, total_len=None):
    """One Ethernet frame from host carrying igmp (bytes).

    src: IP source (default host.addr); dst: IP destination (default: the
    group for v1/v2 reports, 224.0.0.2 for leaves, 224.0.0.22 for v3
    reports, 224.0.0.1 for queries); options: "ra" (Router Alert), None,
    or a list of scapy IP options / raw option bytes; ip_cksum: force the
    IP header checksum; total_len: force the IP total length; truncate:
    cut the frame to this many bytes."""
    typ = igmp[0]
    if dst is None:
        grp = i2a(struct.unpack("!I", igmp[4:8])[0])
        dst = {V2_LEAVE: "224.0.0.2", V3_REPORT: "224.0.0.22",
               QUERY: "224.0.0.1" if grp == "0.0.0.0" else grp}.get(typ, grp)
    opts = []
    if options == "ra":
        opts = [IPOption_Router_Alert()]
    elif options:
        opts = options
    ip = IP(src=src or host.addr, dst=dst, ttl=ttl, proto=2, tos=0xc0,
            options=opts)
    if ip_cksum is not None:
        ip.chksum = ip_cksum
    if total_len is not None:
        ip.len = total_len
    fr = bytes(Ether(src=host.mac, dst=mcast_mac(dst)) / ip / Raw(igmp))
    if truncate is not None:
        fr = fr[:truncate]
    return fr


def patch(frame, offset, data):
    """frame with data written at offset, IP header checksum recomputed
    (for options scapy would not build as given)."""
    fr = bytearray(frame)
    fr[offset:offset + len(data)] = data
    ihl = (fr[14] & 0x0f) * 4
    fr[24:26] = b"\0\0"
    fr[24:26] = cksum(bytes(fr[14:14 + ihl])).to_bytes(2, "big")
    return bytes(fr)


def random_groups(n, seed, base="239.128.0.0"):
    """n distinct random groups in base/9 (239.128.0.0/9 by default),
    reproducible from seed."""
    rnd = random.Random(seed)
    b = a2i(base)
    out = set()
    while len(out) < n:
        out.add(b | rnd.randrange(1, 1 << 23))
    return [i2a(g) for g in sorted(out)]


def write_pcap(path, frames):
    """A classic pcap (Ethernet) holding frames exactly as given."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for fr in frames:
            f.write(struct.pack("<IIII", 0, 0, len(fr), len(fr)))
            f.write(fr)


def inject(host, frames, pps=0, max_seconds=60):
    """Send frames (bytes) from host's interface; returns (sent, seconds)."""
    fd, path = tempfile.mkstemp(prefix="mfe2e-inject-", suffix=".pcap")
    os.close(fd)
    try:
        write_pcap(path, frames)
        p = subprocess.run(
            ["ip", "netns", "exec", host.ns, PY3, INJECT, "--if",
             host.ifname, "--pcap", path, "--pps", str(pps),
             "--max-seconds", str(max_seconds)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            timeout=max_seconds + 30)
        if p.returncode != 0:
            raise RuntimeError("inject on %s failed: %s"
                               % (host.ns, p.stderr))
        r = json.loads(p.stdout.strip().splitlines()[-1])
        return r["sent"], r["seconds"]
    finally:
        os.unlink(path)
