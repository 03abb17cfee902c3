#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Inputs of the route-scale benchmark (scripts/bench/scale.sh, docs/scale.md).

Usage: scale_gen.py DIR N_ROUTES [--frames F] [--size BYTES]

Writes into DIR:
  routes.txt    N_ROUTES static (S,G) routes for [global] routes_file, one per
                line: "S G 0 1,2,3,4". Route i: G = 232.0.0.0 + i,
                S = 198.18.(i & 255).(1 + (i >> 8) % 250).
  many.pcap     F frames (default N_ROUTES), frame k to route
                (k * STRIDE) mod N_ROUTES with STRIDE a prime that does not
                divide N_ROUTES: consecutive frames hit unrelated routes and
                F = N_ROUTES frames hit every route exactly once per replay.
  one.pcap      F frames of the same size, all to route 0 (the one-route
                reference with the same replay footprint).
Frames: Ethernet + IPv4 (TTL 64, header checksum) + UDP, BYTES long
(default 64, FCS not included), multicast destination MAC of the group.
Standard library only; about 10 s for a million frames.
"""
import argparse
import struct
import sys

STRIDE = 999983  # prime


def route(i):
    grp = (232 << 24) + i
    src = (198 << 24) | (18 << 16) | ((i & 255) << 8) | (1 + (i >> 8) % 250)
    return src, grp


def dotted(a):
    return "%d.%d.%d.%d" % (a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255)


def ip_checksum(hdr):
    s = sum(struct.unpack("!10H", hdr))
    s = (s & 0xFFFF) + (s >> 16)
    s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def frame(src, grp, size, k):
    ip_len = size - 14
    mac = bytes([0x01, 0x00, 0x5E, (grp >> 16) & 0x7F, (grp >> 8) & 255,
                 grp & 255])
    eth = mac + bytes([2, 0, 0, 0, 0, 1]) + b"\x08\x00"
    hdr = struct.pack("!BBHHHBBHII", 0x45, 0, ip_len, k & 0xFFFF, 0, 64, 17,
                      0, src, grp)
    hdr = hdr[:10] + struct.pack("!H", ip_checksum(hdr)) + hdr[12:]
    udp = struct.pack("!HHHH", 5000, 5001, ip_len - 20, 0)
    return eth + hdr + udp + bytes(size - 42)


def write_pcap(path, frames_iter):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for data in frames_iter:
            f.write(struct.pack("<IIII", 0, 0, len(data), len(data)))
            f.write(data)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("n_routes", type=int)
    ap.add_argument("--frames", type=int, default=0)
    ap.add_argument("--size", type=int, default=64)
    a = ap.parse_args()
    n = a.n_routes
    frames = a.frames or n
    if n < 1 or n > (1 << 24) or a.size < 60 or a.size > 1514:
        sys.exit("n_routes 1..16777216, size 60..1514")
    if n % STRIDE == 0:
        sys.exit("n_routes must not be a multiple of %d" % STRIDE)
    with open(a.dir + "/routes.txt", "w") as f:
        f.write("# scale_gen.py: %d (S,G) routes, port 0 to ports 1-4\n" % n)
        for i in range(n):
            s, g = route(i)
            f.write("%s %s 0 1,2,3,4\n" % (dotted(s), dotted(g)))
    write_pcap(a.dir + "/many.pcap",
               (frame(*route((k * STRIDE) % n), a.size, k)
                for k in range(frames)))
    s0, g0 = route(0)
    write_pcap(a.dir + "/one.pcap",
               (frame(s0, g0, a.size, k) for k in range(frames)))


if __name__ == "__main__":
    main()
