#!/usr/bin/python3
"""Runs inside a host namespace (``ip netns exec NS /usr/bin/python3 agent.py``).

recv: a receiver driven by commands on stdin, one per line, each answered by
      one JSON line on stdout:
        join G | leave G                    IP_ADD/DROP_MEMBERSHIP
        ssm_join S G | ssm_leave S G        IP_ADD/DROP_SOURCE_MEMBERSHIP
        block S G | unblock S G             IP_BLOCK/UNBLOCK_SOURCE
        counts                              {"wire": {"S G": n}, "sock": {...},
                                             "ttl": {"S G": [ttls]},
                                             "bad": {"S G": n},
                                             "igmp_in": {type: n},
                                             "igmp_out": {type: n}}
        reset                               zero every counter
        quit
      "wire" counts UDP multicast frames that arrived on the interface (an
      AF_PACKET socket), whatever the kernel's socket filters do with them:
      this is what mcastfwd sent.  "bad" counts those of them with a wrong IP
      header checksum, a length beyond the frame or a damaged payload.
      "sock" counts datagrams the UDP socket got.
      The agent exits by itself after --max-seconds.
send: sends --count datagrams per --flow S,G (round robin), TTL --ttl, out of
      --if (IP_MULTICAST_IF), from source S (bind), --interval seconds apart,
      then prints {"sent": n}.  Payload: "mfe2e seq=N grp=G|" then a fixed
      pattern up to --size bytes, so receivers can check it arrived intact.
"""
import argparse
import json
import select
import socket
import struct
import sys
import time

IP_PKTINFO = 8
IP_MULTICAST_ALL = 49
IP_UNBLOCK_SOURCE = 37
IP_BLOCK_SOURCE = 38
IP_ADD_SOURCE_MEMBERSHIP = 39
IP_DROP_SOURCE_MEMBERSHIP = 40
SO_NO_CHECK = 11
ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def a2b(a):
    return socket.inet_aton(a)


def mreqn(group, ifindex):
    # struct ip_mreqn { imr_multiaddr; imr_address; int imr_ifindex; }
    return a2b(group) + a2b("0.0.0.0") + struct.pack("@i", ifindex)


def mreq_source(group, iface_addr, src):
    # struct ip_mreq_source { imr_multiaddr; imr_interface; imr_sourceaddr; }
    return a2b(group) + a2b(iface_addr) + a2b(src)


def pad(n):
    """The deterministic filler after a datagram's header (see send)."""
    return bytes(j % 251 for j in range(n))


def payload_ok(udp_payload):
    """True if a datagram made by send() arrived intact (or is not ours)."""
    if not udp_payload.startswith(b"mfe2e seq="):
        return True
    i = udp_payload.find(b"|")
    if i < 0:
        return False
    rest = udp_payload[i + 1:]
    return rest == pad(len(rest))


def ip_header_ok(ip, ihl):
    s = 0
    for i in range(0, ihl, 2):
        s += (ip[i] << 8) | ip[i + 1]
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s == 0xFFFF


def out(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def parse_ipv4(frame):
    """(src, dst, proto, ttl, payload) of an Ethernet/IPv4 frame, or None."""
    if len(frame) < 34 or frame[12:14] != b"\x08\x00":
        return None
    ip = frame[14:]
    ihl = (ip[0] & 0x0F) * 4
    if ip[0] >> 4 != 4 or ihl < 20 or len(ip) < ihl:
        return None
    tot = (ip[2] << 8) | ip[3]
    # Bad header checksum or total length beyond the frame: proto -1.
    proto = ip[9] if ip_header_ok(ip, ihl) and tot <= len(ip) else -1
    return (socket.inet_ntoa(ip[12:16]), socket.inet_ntoa(ip[16:20]),
            proto, ip[8], ip[ihl:tot])


def recv_main(args):
    ifindex = socket.if_nametoindex(args.ifname)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    udp.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 21)
    udp.setsockopt(socket.IPPROTO_IP, IP_MULTICAST_ALL, 0)
    udp.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)
    udp.bind(("0.0.0.0", args.port))
    raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                        socket.htons(ETH_P_ALL))
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    raw.bind((args.ifname, 0))

    wire, sock, ttls, igmp_in, igmp_out, bad = {}, {}, {}, {}, {}, {}

    def do(cmd):
        w = cmd.split()
        if not w:
            return {"ok": True}
        op = w[0]
        if op == "join":
            udp.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                           mreqn(w[1], ifindex))
        elif op == "leave":
            udp.setsockopt(socket.IPPROTO_IP, socket.IP_DROP_MEMBERSHIP,
                           mreqn(w[1], ifindex))
        elif op in ("ssm_join", "ssm_leave", "block", "unblock"):
            opt = {"ssm_join": IP_ADD_SOURCE_MEMBERSHIP,
                   "ssm_leave": IP_DROP_SOURCE_MEMBERSHIP,
                   "block": IP_BLOCK_SOURCE,
                   "unblock": IP_UNBLOCK_SOURCE}[op]
            udp.setsockopt(socket.IPPROTO_IP, opt,
                           mreq_source(w[2], args.addr, w[1]))
        elif op == "counts":
            return {"ok": True, "wire": dict(wire), "sock": dict(sock),
                    "ttl": {k: sorted(v) for k, v in ttls.items()},
                    "igmp_in": dict(igmp_in), "igmp_out": dict(igmp_out),
                    "bad": dict(bad)}
        elif op == "reset":
            for d in (wire, sock, ttls, igmp_in, igmp_out, bad):
                d.clear()
        elif op == "quit":
            return None
        else:
            return {"ok": False, "error": "unknown command " + op}
        return {"ok": True}

    out({"ok": True, "ready": True})
    deadline = time.monotonic() + args.max_seconds
    stdin_fd = sys.stdin.fileno()
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            out({"ok": False, "error": "max-seconds reached"})
            return 2
        r, _, _ = select.select([stdin_fd, udp, raw], [], [], min(left, 1.0))
        if raw in r:
            for _ in range(256):  # bounded drain
                try:
                    frame, addr = raw.recvfrom(65535, socket.MSG_DONTWAIT)
                except BlockingIOError:
                    break
                except OSError:      # interface gone: the test is over
                    return 0
                p = parse_ipv4(frame)
                if p is None:
                    continue
                src, dst, proto, ttl, payload = p
                if proto == 2 and payload:
                    d = igmp_out if addr[2] == PACKET_OUTGOING else igmp_in
                    t = "0x%02x" % payload[0]
                    d[t] = d.get(t, 0) + 1
                elif (proto in (17, -1) and addr[2] != PACKET_OUTGOING
                      and (int(dst.split(".")[0]) & 0xF0) == 224):
                    k = "%s %s" % (src, dst)
                    wire[k] = wire.get(k, 0) + 1
                    ttls.setdefault(k, set()).add(ttl)
                    if proto == -1 or not payload_ok(payload[8:]):
                        bad[k] = bad.get(k, 0) + 1
        if udp in r:
            for _ in range(256):
                try:
                    data, anc, _f, sa = udp.recvmsg(
                        65535, socket.CMSG_SPACE(12), socket.MSG_DONTWAIT)
                except BlockingIOError:
                    break
                except OSError:
                    return 0
                dst = "?"
                for lvl, typ, cdata in anc:
                    if lvl == socket.IPPROTO_IP and typ == IP_PKTINFO:
                        dst = socket.inet_ntoa(cdata[8:12])
                k = "%s %s" % (sa[0], dst)
                sock[k] = sock.get(k, 0) + 1
        if stdin_fd in r:
            line = sys.stdin.readline()
            if not line:
                return 0
            try:
                res = do(line.strip())
            except OSError as e:
                res = {"ok": False, "error": str(e)}
            if res is None:
                out({"ok": True})
                return 0
            out(res)


def send_main(args):
    ifindex = socket.if_nametoindex(args.ifname)
    flows = []
    socks = {}
    for f in args.flow:
        src, grp = f.split(",")
        if src not in socks:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            # No UDP checksum: veth would otherwise leave it to an offload
            # that never happens once mcastfwd re-injects the frame.
            s.setsockopt(socket.SOL_SOCKET, SO_NO_CHECK, 1)
            s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, args.ttl)
            s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
            s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
                         mreqn("0.0.0.0", ifindex))
            s.bind((src, 0))
            socks[src] = s
        flows.append((socks[src], grp))
    sent = 0
    for i in range(args.count):
        for s, grp in flows:
            head = b"mfe2e seq=%d grp=%s|" % (i, grp.encode())
            s.sendto(head + pad(max(0, args.size - len(head))),
                     (grp, args.port))
            sent += 1
        if args.interval > 0:
            time.sleep(args.interval)
    out({"ok": True, "sent": sent})
    return 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="mode", required=True)
    r = sub.add_parser("recv")
    r.add_argument("--if", dest="ifname", required=True)
    r.add_argument("--addr", required=True)
    r.add_argument("--port", type=int, default=5001)
    r.add_argument("--max-seconds", type=float, default=300)
    s = sub.add_parser("send")
    s.add_argument("--if", dest="ifname", required=True)
    s.add_argument("--flow", action="append", required=True)
    s.add_argument("--port", type=int, default=5001)
    s.add_argument("--count", type=int, default=100)
    s.add_argument("--interval", type=float, default=0.005)
    s.add_argument("--ttl", type=int, default=8)
    s.add_argument("--size", type=int, default=0,
                   help="UDP payload bytes (padded with a checked pattern)")
    args = ap.parse_args()
    if args.count if args.mode == "send" else 0:
        if args.count > 100000:
            ap.error("count is bounded to 100000")
    return recv_main(args) if args.mode == "recv" else send_main(args)


if __name__ == "__main__":
    sys.exit(main())
