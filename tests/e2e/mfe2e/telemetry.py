"""Client for the DPDK telemetry socket (AF_UNIX, SOCK_SEQPACKET, v2).

On connect the server sends a JSON greeting; each request is one message
("/cmd" or "/cmd,params"), each reply one JSON message {"/cmd": value}.
"""
import json
import os
import socket

RUN_DIR = "/var/run/dpdk"


def socket_path(file_prefix):
    return os.path.join(RUN_DIR, file_prefix, "dpdk_telemetry.v2")


class Telemetry:
    def __init__(self, path, timeout=5.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        greeting = json.loads(self.sock.recv(16384).decode())
        self.max_output_len = greeting.get("max_output_len", 16384)

    def query(self, cmd, params=None):
        """Return the value of the reply for cmd (None when the command
        answered null, i.e. unknown command or error)."""
        req = cmd if params is None else "%s,%s" % (cmd, params)
        self.sock.send(req.encode())
        reply = json.loads(self.sock.recv(self.max_output_len + 1024).decode())
        return reply.get(cmd)

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
