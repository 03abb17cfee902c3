#!/usr/bin/python3
"""Access to mcastfwd's telemetry socket: only its own user (root here).

The socket (/var/run/dpdk/<prefix>/dpdk_telemetry.v2) can add and delete
routes and change IGMP settings.  EAL creates the runtime directory 0700
but keeps one that already exists as it is; mcastfwd makes the directory
0700 and the socket 0600 after EAL init.  Checked: the modes, root can
query, and the user nobody (setpriv, no capabilities) cannot connect, even
when the directory existed world-readable before mcastfwd started.
"""
import os
import stat
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mfe2e.mcastfwd import Mcastfwd                              # noqa: E402
from mfe2e.runner import main, require_root                     # noqa: E402
from mfe2e.telemetry import RUN_DIR, socket_path                # noqa: E402

# Exit codes of the probe run as nobody.
CONNECTED, DENIED, OTHER = 0, 13, 1
PROBE = r"""
import errno, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
try:
    s.connect(sys.argv[1])
except OSError as e:
    sys.exit(13 if e.errno == errno.EACCES else 1)
sys.exit(0)
"""


def connect_as_nobody(path):
    """Try to connect to path as uid/gid nobody, no supplementary groups and
    no capabilities; returns CONNECTED, DENIED or OTHER."""
    p = subprocess.run(
        ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
         "--inh-caps=-all", "--bounding-set=-all",
         "/usr/bin/python3", "-c", PROBE, path],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        timeout=20)
    return p.returncode


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def run_and_check(ctx, precreate):
    m = Mcastfwd(["net_null0,no-rx=1"], workdir=ctx.workdir)
    ctx.attach(m)
    d = os.path.join(RUN_DIR, m.prefix)
    if precreate:
        os.makedirs(d, exist_ok=True)
        os.chmod(d, 0o755)
    with m:
        sock = socket_path(m.prefix)
        assert m.telemetry("/mcast/info") is not None, "root cannot query"
        problems = []
        if mode(d) != 0o700:
            problems.append("%s is mode %o, want 700" % (d, mode(d)))
        if mode(sock) & 0o077:
            problems.append("%s is mode %o, want no group/other bits"
                            % (sock, mode(sock)))
        rc = connect_as_nobody(sock)
        if rc != DENIED:
            problems.append("nobody connecting to %s: %s, want permission "
                            "denied" % (sock, {CONNECTED: "connected"}
                                        .get(rc, "exit %d" % rc)))
        assert not problems, "\n".join(problems)
        if precreate:
            assert m.wait_log(r"was mode 755, now 700", 5), \
                "no log line about the directory mode"


def test_nobody_cannot_connect_to_telemetry(ctx):
    require_root()
    run_and_check(ctx, precreate=False)


def test_a_world_readable_runtime_dir_is_made_private(ctx):
    require_root()
    run_and_check(ctx, precreate=True)


def test_the_probe_can_connect_to_an_open_socket(ctx):
    """The check above must be able to fail: the same probe, as nobody,
    connects to a socket whose directory and mode let it."""
    require_root()
    import socket
    import tempfile
    d = tempfile.mkdtemp(prefix="mfe2e-access-")
    try:
        os.chmod(d, 0o755)
        path = os.path.join(d, "s")
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        srv.bind(path)
        srv.listen(1)
        os.chmod(path, 0o777)
        try:
            rc = connect_as_nobody(path)
        finally:
            srv.close()
        assert rc == CONNECTED, "probe as nobody: exit %d, want 0" % rc
    finally:
        subprocess.run(["rm", "-rf", d])


if __name__ == "__main__":
    main(globals())
