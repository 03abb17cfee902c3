"""Drive agent.py in host namespaces: Receiver (interactive) and send()."""
import json
import os
import select
import subprocess
import time

from . import cleanup

PY3 = "/usr/bin/python3"   # Debian's: it has scapy; never pyenv's
AGENT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "agent.py")
PORT = 5001


class Receiver:
    """A receiver process in host's namespace.  Commands return the agent's
    JSON answer; every wait is bounded."""

    def __init__(self, host, port=PORT, max_seconds=300):
        self.host = host
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", host.ns, PY3, AGENT, "recv",
             "--if", host.ifname, "--addr", host.addr, "--port", str(port),
             "--max-seconds", str(max_seconds)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            bufsize=1)
        self._handle = cleanup.at_cleanup(self.close)
        host.topo.own(self.close)
        first = self._read(10)
        if not first.get("ready"):
            raise RuntimeError("receiver on %s did not start: %r"
                               % (host.ns, first))

    def _read(self, timeout):
        r, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not r:
            raise TimeoutError("receiver on %s: no answer in %ss"
                               % (self.host.ns, timeout))
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("receiver on %s exited (rc %s)"
                               % (self.host.ns, self.proc.poll()))
        return json.loads(line)

    def cmd(self, line, timeout=10):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        res = self._read(timeout)
        if not res.get("ok"):
            raise RuntimeError("receiver on %s: %r -> %r"
                               % (self.host.ns, line, res))
        return res

    def join(self, group):
        return self.cmd("join " + group)

    def leave(self, group):
        return self.cmd("leave " + group)

    def ssm_join(self, src, group):
        return self.cmd("ssm_join %s %s" % (src, group))

    def ssm_leave(self, src, group):
        return self.cmd("ssm_leave %s %s" % (src, group))

    def block(self, src, group):
        return self.cmd("block %s %s" % (src, group))

    def unblock(self, src, group):
        return self.cmd("unblock %s %s" % (src, group))

    def reset(self):
        return self.cmd("reset")

    def counts(self):
        return self.cmd("counts")

    def wire(self, src, group):
        """UDP frames from src to group that arrived on the interface."""
        return self.counts()["wire"].get("%s %s" % (src, group), 0)

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write("quit\n")
                self.proc.stdin.flush()
                self.proc.wait(timeout=5)
            except Exception:
                self.proc.kill()
                self.proc.wait(timeout=5)
        cleanup.cancel(self._handle)


def send(host, flows, count=100, interval=0.005, ttl=8, port=PORT,
         timeout=None, size=0):
    """Send count datagrams per (src, group) flow from host; returns the
    number sent.  flows: list of (src, group); src "" means host.addr.
    size: UDP payload bytes (a checked pattern; 0 = header only)."""
    args = []
    for src, grp in flows:
        args += ["--flow", "%s,%s" % (src or host.addr, grp)]
    if timeout is None:
        timeout = 10 + count * max(interval, 0.001) * 2
    p = subprocess.run(
        ["ip", "netns", "exec", host.ns, PY3, AGENT, "send",
         "--if", host.ifname, "--count", str(count),
         "--interval", str(interval), "--ttl", str(ttl),
         "--port", str(port), "--size", str(size)] + args,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError("sender on %s failed: %s" % (host.ns, p.stderr))
    return json.loads(p.stdout.strip().splitlines()[-1])["sent"]


def wait_until(pred, timeout, step=0.2, what="condition"):
    """Poll pred() until true; bounded.  Returns the last value of pred()."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() >= deadline:
            return v
        time.sleep(step)


def wait_flowing(sender, flow, receiver, timeout=15, burst=3):
    """Send bursts of flow (src, group) from sender until receiver sees at
    least one on the wire; bounded by timeout.  Returns True if it flowed.
    Call receiver.reset() afterwards before counting."""
    src = flow[0] or sender.addr
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        send(sender, [flow], count=burst, interval=0.01)
        if wait_until(lambda: receiver.wire(src, flow[1]) > 0, 0.5, 0.1):
            return True
    return False


def wait_counts(receivers_expect, timeout=5):
    """receivers_expect: list of (receiver, src, group, n).  Waits (bounded)
    until every receiver has at least n on the wire, then a little longer so
    that extra packets would show; returns the counts as a list."""
    def reached():
        return all(r.wire(s, g) >= n for r, s, g, n in receivers_expect)
    wait_until(reached, timeout, 0.1)
    time.sleep(0.3)
    return [r.wire(s, g) for r, s, g, _ in receivers_expect]
