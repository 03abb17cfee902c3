#!/usr/bin/python3
"""Runs inside a host namespace: send the frames of a pcap file, byte for
byte, out of one interface through an AF_PACKET socket (no kernel IP stack
in the way, so malformed, spoofed and oversize frames go out as they are).

    inject.py --if IF --pcap FILE [--pps N] [--max-seconds S]

--pps paces the frames (0: as fast as the socket takes them).  Prints
{"sent": n, "seconds": t} on stdout.  Standard library only.
"""
import argparse
import json
import socket
import struct
import sys
import time


def read_pcap(path):
    """Frames of a classic pcap file (either byte order, Ethernet)."""
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        raise ValueError("%s: not a pcap file" % path)
    off = 24
    frames = []
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(e + "IIII", data[off:off + 16])
        off += 16
        frames.append(data[off:off + incl])
        off += incl
    return frames


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--if", dest="ifname", required=True)
    ap.add_argument("--pcap", required=True)
    ap.add_argument("--pps", type=float, default=0)
    ap.add_argument("--max-seconds", type=float, default=60)
    a = ap.parse_args()
    frames = read_pcap(a.pcap)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((a.ifname, 0))
    t0 = time.monotonic()
    sent = 0
    for i, fr in enumerate(frames):
        if a.pps > 0:
            due = t0 + i / a.pps
            now = time.monotonic()
            if due > now:
                time.sleep(due - now)
        if time.monotonic() - t0 > a.max_seconds:
            break
        while True:
            try:
                s.send(fr)
                break
            except BlockingIOError:
                time.sleep(0.0005)
        sent += 1
    print(json.dumps({"sent": sent,
                      "seconds": round(time.monotonic() - t0, 3)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
