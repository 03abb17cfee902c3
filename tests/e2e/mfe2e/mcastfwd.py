"""Run the mcastfwd binary for a test: start, wait until ready, telemetry,
stop with SIGTERM (SIGKILL if it hangs), log captured to a file.

EAL arguments are always ``--no-huge -m 512 --no-pci --file-prefix=<unique>``
plus the test's ``--vdev``s: no hugepages, no PCI, no collisions between runs.
"""
import os
import re
import shutil
import signal
import subprocess
import time

from . import cleanup
from .telemetry import Telemetry, socket_path, RUN_DIR

# tests/e2e/mfe2e/mcastfwd.py -> the repository root
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))


def binary_path():
    """$MCASTFWD_BIN (meson passes the build's), else <repo>/build/app/."""
    return (os.environ.get("MCASTFWD_BIN")
            or os.path.join(REPO, "build", "app", "mcastfwd"))


_seq = 0


class Mcastfwd:
    """One mcastfwd process.

    vdevs: list of --vdev values (port i = i-th vdev).
    config: path of a config file (or None: built-in defaults).
    lcores: EAL -l value; the first is the control lcore, the rest workers.
    workdir: where the log goes.
    """

    def __init__(self, vdevs, config=None, lcores="0", workdir="/tmp",
                 extra_eal=(), extra_args=(), name="mcastfwd"):
        global _seq
        _seq += 1
        self.prefix = "mfe2e-%d-%d" % (os.getpid(), _seq)
        self.binary = binary_path()
        self.log_path = os.path.join(workdir, "%s-%s.log" % (name, _seq))
        self.cmd = [self.binary, "-l", lcores, "--no-huge", "-m", "512",
                    "--no-pci", "--file-prefix=" + self.prefix,
                    "--log-level=lib.eal:notice"]
        self.cmd += ["--vdev=" + v for v in vdevs]
        self.cmd += list(extra_eal) + ["--"]
        if config is not None:
            self.cmd += ["--config", config]
        self.cmd += list(extra_args)
        self.proc = None
        self.returncode = None
        self._tel = None
        self._handle = None

    # -- lifecycle ---------------------------------------------------------
    def start(self, timeout=30, ready_cmd="/mcast/stats",
              ready_line=r"^mcastfwd: ready$"):
        """Start and wait until the telemetry socket answers ready_cmd with
        a non-null value and the log has a line matching ready_line (the
        app prints "mcastfwd: ready" once its workers are launched; None:
        do not wait for a line).  Raises (with the log) if it dies or
        times out."""
        if self.proc is not None:
            raise RuntimeError("mcastfwd already started")
        if not os.access(self.binary, os.X_OK):
            raise RuntimeError("mcastfwd binary not found at %s (build it: "
                               "ninja -C build)" % self.binary)
        self._log = open(self.log_path, "w")
        self._log.write("$ %s\n" % " ".join(self.cmd))
        self._log.flush()
        self.proc = subprocess.Popen(self.cmd, stdout=self._log,
                                     stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL,
                                     start_new_session=True)
        self._handle = cleanup.at_cleanup(self.kill)
        deadline = time.monotonic() + timeout
        last_err = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("mcastfwd exited with %d during start-up"
                                   "\n%s" % (self.proc.returncode,
                                             self.log_tail()))
            try:
                if self._tel is None:
                    self._tel = Telemetry(socket_path(self.prefix))
                v = self._tel.query(ready_cmd)
                if v is None:
                    last_err = "%s answered null" % ready_cmd
                elif ready_line is not None and not re.search(
                        ready_line, self.log_text(), re.M):
                    last_err = "no log line matching %r" % ready_line
                else:
                    return self
            except (OSError, ValueError) as e:
                last_err = str(e)
                if self._tel is not None:
                    self._tel.close()
                    self._tel = None
            time.sleep(0.2)
        raise RuntimeError("mcastfwd not ready in %ss (%s)\n%s"
                           % (timeout, last_err, self.log_tail()))

    def telemetry(self, cmd, params=None):
        if self._tel is None:
            self._tel = Telemetry(socket_path(self.prefix))
        return self._tel.query(cmd, params)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=20):
        """SIGTERM and wait; returns the exit code.  SIGKILL after timeout
        (and raise: a clean stop is part of what is tested)."""
        if self._tel is not None:
            self._tel.close()
            self._tel = None
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                raise RuntimeError("mcastfwd ignored SIGTERM for %ss\n%s"
                                   % (timeout, self.log_tail()))
        self.returncode = self.proc.returncode
        self._finish()
        return self.returncode

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=10)
        self._finish()

    def _finish(self):
        if self._handle is not None:
            cleanup.cancel(self._handle)
            self._handle = None
        if getattr(self, "_log", None) is not None and not self._log.closed:
            self._log.close()
        shutil.rmtree(os.path.join(RUN_DIR, self.prefix), ignore_errors=True)

    def __enter__(self):
        if self.proc is None:       # not started yet
            self.start()
        return self

    def __exit__(self, *exc):
        if self.alive():
            try:
                self.stop()
            except RuntimeError:
                pass
        else:
            self.kill()
        return False

    # -- logs --------------------------------------------------------------
    def log_text(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def log_tail(self, lines=60):
        t = self.log_text().splitlines()
        return "---- %s (last %d lines) ----\n%s\n----" % (
            self.log_path, min(lines, len(t)), "\n".join(t[-lines:]))

    def wait_log(self, regex, timeout=10):
        """Wait for a log line matching regex; returns the match or None."""
        rx = re.compile(regex, re.M)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = rx.search(self.log_text())
            if m:
                return m
            time.sleep(0.1)
        return None


def clean_stale_run_dirs():
    """Remove /var/run/dpdk/mfe2e-<pid>-* left by dead runs."""
    try:
        names = os.listdir(RUN_DIR)
    except OSError:
        return
    for n in names:
        m = re.match(r"^mfe2e-(\d+)-\w+$", n)
        if not m:
            continue
        try:
            os.kill(int(m.group(1)), 0)
        except ProcessLookupError:
            shutil.rmtree(os.path.join(RUN_DIR, n), ignore_errors=True)
        except PermissionError:
            pass


def write_config(path, ports=None, routes=(), glob=None):
    """Write a config file (format: config/mcastfwd.ini).

    ports: {port id: {key: value}} for [port N] sections (name, address,
    ttl_threshold, igmp, and the IGMP keys of lib/igmp/igmp_router.h);
    routes: strings "<S|*> <G> <in> <out>[,<out>...]"; glob: [global] keys.
    Returns path."""
    lines = ["# written by the mfe2e test library"]
    if glob:
        lines.append("[global]")
        lines += ["%s = %s" % kv for kv in glob.items()]
    for pid, kv in sorted((ports or {}).items()):
        lines.append("[port %d]" % pid)
        lines += ["%s = %s" % item for item in kv.items()]
    if routes:
        lines.append("[routes]")
        lines += ["route = %s" % r for r in routes]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


# Names under which /mcast/stats may report each counter (the first found is
# used); keeps the tests readable against small naming changes.
STAT_NAMES = {
    "rx": ("rx", "rx_packets", "rx_pkts"),
    "forwarded": ("forwarded", "fwd", "forwarded_packets"),
    "replicas": ("replicas", "tx_replicas"),
    "no_route": ("no_route", "noroute"),
    "wrong_iif": ("wrong_iif", "wrong_if", "wrongif"),
    "ttl_drop": ("ttl_drop", "ttl_drops", "ttl"),
    "tx_drop": ("tx_drop", "tx_drops"),
    "igmp": ("igmp_seen", "igmp", "igmp_rx"),
}


def stat(stats, name):
    """Look up counter name (a STAT_NAMES key) in a /mcast/stats reply,
    searching a top-level "total"/"totals" dict first.  KeyError if absent."""
    cands = STAT_NAMES.get(name, (name,))
    dicts = []
    if isinstance(stats, dict):
        for k in ("total", "totals", "sum"):
            if isinstance(stats.get(k), dict):
                dicts.append(stats[k])
        dicts.append(stats)
    for d in dicts:
        for c in cands:
            if c in d and isinstance(d[c], int):
                return d[c]
    raise KeyError("counter %s (%s) not in /mcast/stats: %r"
                   % (name, "/".join(cands), stats))
