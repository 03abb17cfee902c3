#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write a pcap of an IGMP join storm for pktgen (scripts/pktgen/igmp_storm.lua).

Every one of --hosts hosts (sources --src-base, --src-base+1, ...) joins each of --groups
groups (--group-base, --group-base+1, ...) with one report per group: an IGMPv3
Membership Report holding one CHANGE_TO_EXCLUDE_MODE {} record (what Linux sends on
join), or with --version 2 an IGMPv2 Membership Report. With --leaves, each join is
followed in the file by a leave of the same group (v3 CHANGE_TO_INCLUDE_MODE {}, v2
Leave Group to 224.0.0.2), so a replayed file churns memberships instead of refreshing them.
Frames carry the Router Alert option, TTL 1 and correct checksums, as a kernel sends them.

pktgen sends the file in a loop at the rate igmp_storm.lua sets:
    gen_igmp_storm.py -o /tmp/igmp_storm.pcap --hosts 64 --groups 256
    pktgen ... -- -P -m "[1].0" -s 0:/tmp/igmp_storm.pcap -f scripts/pktgen/igmp_storm.lua

Addresses: keep sources in the subnet of mcastfwd's port (its config "address"), or
mcastfwd's subnet check drops the reports; 198.18.0.0/15 by default. Needs scapy
(Debian: python3-scapy, run with /usr/bin/python3).
"""
import argparse
import ipaddress
import sys

from scapy.all import Ether, IP, IPOption_Router_Alert, wrpcap  # noqa: E402
from scapy.contrib.igmp import IGMP                             # noqa: E402
from scapy.contrib.igmpv3 import IGMPv3, IGMPv3mr, IGMPv3gr      # noqa: E402

V3_REPORTS = "224.0.0.22"
ALL_ROUTERS = "224.0.0.2"
# IGMPv3 group record types (RFC 3376 section 4.2.12)
CHANGE_TO_INCLUDE = 3
CHANGE_TO_EXCLUDE = 4


def group_mac(group):
    """IPv4 multicast MAC (RFC 1112 section 6.4)."""
    n = int(ipaddress.IPv4Address(group))
    return "01:00:5e:%02x:%02x:%02x" % ((n >> 16) & 0x7f, (n >> 8) & 0xff, n & 0xff)


def host_mac(i):
    return "02:00:c6:12:%02x:%02x" % ((i >> 8) & 0xff, i & 0xff)


def report(version, src, smac, group, join):
    """One report frame from src about group (join or leave)."""
    if version == 3:
        rtype = CHANGE_TO_EXCLUDE if join else CHANGE_TO_INCLUDE
        igmp = IGMPv3(type=0x22) / IGMPv3mr(records=[IGMPv3gr(rtype=rtype, maddr=group)])
        dst = V3_REPORTS
    elif join:
        igmp = IGMP(type=0x16, gaddr=group)
        dst = group
    else:
        igmp = IGMP(type=0x17, gaddr=group)
        dst = ALL_ROUTERS
    return (Ether(src=smac, dst=group_mac(dst)) /
            IP(src=src, dst=dst, ttl=1, tos=0xc0, options=[IPOption_Router_Alert()]) /
            igmp)


def build(args):
    src0 = int(ipaddress.IPv4Address(args.src_base))
    g0 = int(ipaddress.IPv4Address(args.group_base))
    if not ipaddress.IPv4Address(g0).is_multicast or \
            not ipaddress.IPv4Address(g0 + args.groups - 1).is_multicast:
        raise SystemExit("groups must stay inside 224.0.0.0/4")
    frames = []
    for gi in range(args.groups):
        group = str(ipaddress.IPv4Address(g0 + gi))
        for hi in range(args.hosts):
            src = str(ipaddress.IPv4Address(src0 + hi))
            frames.append(report(args.version, src, host_mac(hi), group, True))
            if args.leaves:
                frames.append(report(args.version, src, host_mac(hi), group, False))
    return frames


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--output", required=True, help="pcap file to write")
    ap.add_argument("--hosts", type=int, default=16, help="reporting hosts (sources)")
    ap.add_argument("--groups", type=int, default=64, help="groups each host joins")
    ap.add_argument("--src-base", default="198.18.0.10", help="first host address")
    ap.add_argument("--group-base", default="239.2.0.1", help="first group")
    ap.add_argument("--version", type=int, choices=(2, 3), default=3)
    ap.add_argument("--leaves", action="store_true", help="follow each join by a leave")
    args = ap.parse_args()
    if args.hosts < 1 or args.groups < 1 or args.hosts * args.groups > 1000000:
        ap.error("--hosts and --groups must be >= 1 and hosts*groups <= 1000000")
    frames = build(args)
    wrpcap(args.output, frames)
    print("%s: %d frames (%d hosts x %d groups, IGMPv%d%s)" % (
        args.output, len(frames), args.hosts, args.groups, args.version,
        ", with leaves" if args.leaves else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
