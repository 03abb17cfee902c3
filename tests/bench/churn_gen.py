#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Inputs of the membership-churn benchmark (scripts/bench/churn.sh).

Usage: churn_gen.py DIR [--period P] [--records R] [--blocks B] [--size BYTES]

Writes into DIR two pcaps for net_pcap infinite_rx=1 on port 0:
  quiet.pcap  2*B*P data frames 198.18.0.1 -> 239.1.1.1 (UDP, BYTES long)
  churn.pcap  the same data frames, and after every P of them one IGMPv3
              report from host 198.18.0.10 carrying R group records: the
              first B reports join groups 239.2.0.0 + [b*R, b*R+R)
              (CHANGE_TO_EXCLUDE({})), the next B leave them in the same
              order (CHANGE_TO_INCLUDE({}); with fast_leave the membership
              ends at once). One replay of the file is a closed cycle: every
              join is undone, so replays repeat the same changes forever.
Every record changes port 0's membership of its group, so the control
lcore creates or removes a (*,G) entry (a table publication or removal)
per record, at (in pps) * R / (P + 1) changes per second.
Standard library only.
"""
import argparse
import struct
import sys


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ipv4(src, dst, proto, ttl, payload, options=b"", ident=0):
    ihl = 5 + len(options) // 4
    hdr = struct.pack("!BBHHHBBHII", 0x40 | ihl, 0, ihl * 4 + len(payload),
                      ident & 0xFFFF, 0, ttl, proto, 0, src, dst) + options
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def eth(dst_ip, ip):
    mac = bytes([0x01, 0x00, 0x5E, (dst_ip >> 16) & 0x7F, (dst_ip >> 8) & 255,
                 dst_ip & 255])
    return mac + bytes([2, 0, 0, 0, 0, 0x10]) + b"\x08\x00" + ip


def data_frame(size, k):
    src, grp = 0xC6120001, 0xEF010101  # 198.18.0.1 -> 239.1.1.1
    udp = struct.pack("!HHHH", 5000, 5001, size - 42, 0) + bytes(size - 42)
    return eth(grp, ipv4(src, grp, 17, 64, udp, ident=k))


def report(first_group, n, rec_type):
    recs = b"".join(struct.pack("!BBHI", rec_type, 0, 0, first_group + i)
                    for i in range(n))
    igmp = struct.pack("!BBHHH", 0x22, 0, 0, 0, n) + recs
    igmp = igmp[:2] + struct.pack("!H", csum(igmp)) + igmp[4:]
    ra = b"\x94\x04\x00\x00"  # Router Alert
    dst = 0xE0000016  # 224.0.0.22
    return eth(dst, ipv4(0xC612000A, dst, 2, 1, igmp, options=ra))


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for data in frames:
            f.write(struct.pack("<IIII", 0, 0, len(data), len(data)))
            f.write(data)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--period", type=int, default=400)
    ap.add_argument("--records", type=int, default=16)
    ap.add_argument("--blocks", type=int, default=64)
    ap.add_argument("--size", type=int, default=64)
    a = ap.parse_args()
    if not (1 <= a.records <= 128 and a.period >= 1 and a.blocks >= 1
            and 60 <= a.size <= 1514 and a.blocks * a.records <= 65536):
        sys.exit("bad arguments")
    base = 0xEF020000  # 239.2.0.0
    quiet, churn = [], []
    k = 0
    for phase, rec_type in ((0, 4), (1, 3)):  # TO_EX({}), then TO_IN({})
        for b in range(a.blocks):
            for _ in range(a.period):
                f = data_frame(a.size, k)
                quiet.append(f)
                churn.append(f)
                k += 1
            churn.append(report(base + b * a.records, a.records, rec_type))
    write_pcap(a.dir + "/quiet.pcap", quiet)
    write_pcap(a.dir + "/churn.pcap", churn)
    print(len(churn))


if __name__ == "__main__":
    main()
