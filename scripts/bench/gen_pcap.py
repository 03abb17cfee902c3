#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the benchmark's input pcap: IPv4 multicast UDP frames of one size.

Usage: gen_pcap.py OUT.pcap FRAME_BYTES [COUNT] [--group G] [--source S]

Every frame goes from SOURCE (default 198.18.0.1) to GROUP (default 239.1.1.1),
UDP, TTL 64, with the RFC 1112 multicast MAC. FRAME_BYTES is the frame length
as pcap stores it (Ethernet header included, FCS not): "64" is 64 captured
bytes (68 on a wire with the FCS). COUNT (default 32) distinct frames (UDP ports
differ) are written; net_pcap with infinite_rx=1 replays them forever.
Needs Debian's /usr/bin/python3 (scapy).
"""
import argparse
import sys

from scapy.all import Ether, IP, UDP, Raw, wrpcap  # noqa: E402


def group_mac(group):
    octets = [int(x) for x in group.split(".")]
    return "01:00:5e:%02x:%02x:%02x" % (octets[1] & 0x7F, octets[2], octets[3])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("size", type=int)
    ap.add_argument("count", type=int, nargs="?", default=32)
    ap.add_argument("--group", default="239.1.1.1")
    ap.add_argument("--source", default="198.18.0.1")
    args = ap.parse_args()

    hdr = 14 + 20 + 8
    if args.size < hdr or args.size > 9000:
        sys.exit("size must be between %d and 9000" % hdr)
    frames = []
    for i in range(args.count):
        pad = bytes((i + j) & 0xFF for j in range(args.size - hdr))
        frames.append(Ether(src="02:00:00:00:00:01", dst=group_mac(args.group))
                      / IP(src=args.source, dst=args.group, ttl=64)
                      / UDP(sport=5000 + i, dport=5001)
                      / Raw(pad))
    wrpcap(args.out, frames)


if __name__ == "__main__":
    main()
