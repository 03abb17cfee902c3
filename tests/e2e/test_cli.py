#!/usr/bin/python3
"""The program as an operator meets it: --check-config, a bad config file
(FILE:LINE, non-zero exit, before any port is touched), a route to a port
that does not exist, running on defaults with no --config (every port a
multicast port running IGMP), and SIGINT/SIGTERM stopping it cleanly with
final counters, with one lcore and with a worker lcore."""
import os
import shutil
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mfe2e import netns                                          # noqa: E402
from mfe2e.hosts import (Receiver, send, wait_flowing,          # noqa: E402
                         wait_counts, wait_until)
from mfe2e.mcastfwd import (Mcastfwd, REPO, binary_path,        # noqa: E402
                            stat, write_config)
from mfe2e.runner import main, require_root                     # noqa: E402
from mfe2e.telemetry import RUN_DIR                             # noqa: E402

from scapy.all import Ether, IP, UDP, Raw, wrpcap                # noqa: E402


def run_bin(args, timeout=30):
    try:
        p = subprocess.run([binary_path()] + args, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True,
                           timeout=timeout, stdin=subprocess.DEVNULL)
    finally:
        for a in args:
            if a.startswith("--file-prefix="):
                shutil.rmtree(os.path.join(RUN_DIR, a.split("=", 1)[1]),
                              ignore_errors=True)
    return p.returncode, p.stdout


def eal(prefix):
    return ["--no-huge", "-m", "512", "--no-pci",
            "--file-prefix=mfe2e-%d-%s" % (os.getpid(), prefix)]


def test_check_config_accepts_the_example(ctx):
    rc, out = run_bin(["--", "--config",
                       os.path.join(REPO, "config", "mcastfwd.ini"),
                       "--check-config"])
    assert rc == 0 and "OK" in out, "rc %d: %s" % (rc, out)


def test_bad_config_reports_file_line_before_touching_ports(ctx):
    require_root()
    bad = os.path.join(ctx.workdir, "bad.ini")
    with open(bad, "w") as f:
        f.write("[port 0]\nname = p0\nttl_threshold = 300\n")
    rc, out = run_bin(["--", "--config", bad, "--check-config"])
    assert rc != 0 and ("%s:3:" % bad) in out, "rc %d: %s" % (rc, out)
    # Without --check-config: same message, and the pcap port's output
    # file is never created (the EAL did not even probe the port).
    tx = os.path.join(ctx.workdir, "never.pcap")
    inp = os.path.join(ctx.workdir, "empty.pcap")
    wrpcap(inp, [], linktype=1)
    rc, out = run_bin(eal("bad") + [
        "--vdev=net_pcap0,rx_pcap=%s,tx_pcap=%s" % (inp, tx),
        "--", "--config", bad])
    assert rc != 0 and ("%s:3:" % bad) in out, "rc %d: %s" % (rc, out)
    assert not os.path.exists(tx), "port touched: %s exists" % tx


def test_route_to_a_missing_port_is_refused(ctx):
    require_root()
    cfg = write_config(os.path.join(ctx.workdir, "p5.ini"),
                       routes=["* 239.1.1.1 0 5"])
    inp = os.path.join(ctx.workdir, "empty.pcap")
    wrpcap(inp, [], linktype=1)
    rc, out = run_bin(eal("p5") + [
        "--vdev=net_pcap0,rx_pcap=%s,tx_pcap=%s"
        % (inp, os.path.join(ctx.workdir, "o0.pcap")),
        "--vdev=net_pcap1,rx_pcap=%s,tx_pcap=%s"
        % (inp, os.path.join(ctx.workdir, "o1.pcap")),
        "--", "--config", cfg])
    assert rc != 0 and ("%s:" % cfg) in out and "port 5" in out, \
        "rc %d: %s" % (rc, out)
    print(out.strip().splitlines()[-1])


def test_defaults_forward_what_hosts_join(ctx):
    require_root()
    G = "239.4.0.1"
    with netns.Topology(3) as t:
        h0, h1, h2 = t.hosts
        m = ctx.attach(Mcastfwd(t.vdevs(), config=None, workdir=ctx.workdir))
        with m:
            r1, r2 = Receiver(h1), Receiver(h2)
            r1.join(G)
            assert wait_flowing(h0, ("", G), r1), "no forwarding on defaults"
            r1.reset()
            r2.reset()
            send(h0, [("", G)], count=50, interval=0.003)
            got = wait_counts([(r1, h0.addr, G, 50), (r2, h0.addr, G, 0)], 5)
            assert got == [50, 0], "defaults, h1 joined: %r" % got
        assert m.returncode == 0, m.log_tail()


def _stop_cleanly(ctx, lcores, sig):
    inp = os.path.join(ctx.workdir, "in.pcap")
    pkts = [Ether(dst="01:00:5e:01:01:01") /
            IP(src="198.18.0.2", dst="239.1.1.1", ttl=8) / UDP() /
            Raw(b"x" * 20)] * 10
    wrpcap(inp, pkts)
    cfg = write_config(os.path.join(ctx.workdir, "r.ini"),
                       routes=["* 239.1.1.1 0 1"])
    vdevs = ["net_pcap0,rx_pcap=%s,tx_pcap=%s"
             % (inp, os.path.join(ctx.workdir, "o0.pcap")),
             "net_pcap1,tx_pcap=%s" % os.path.join(ctx.workdir, "o1.pcap")]
    m = ctx.attach(Mcastfwd(vdevs, config=cfg, lcores=lcores,
                            workdir=ctx.workdir))
    with m:
        wait_until(lambda: stat(m.telemetry("/mcast/stats"), "rx") >= 10, 10)
        m.proc.send_signal(sig)
        rc = m.proc.wait(timeout=20)
    log = m.log_text()
    assert rc == 0, "exit %d after %s\n%s" % (rc, sig.name, m.log_tail())
    assert "final counters" in log, m.log_tail()
    assert "forwarded 10" in log, m.log_tail()


def test_sigint_stops_cleanly_one_lcore(ctx):
    require_root()
    _stop_cleanly(ctx, "0", signal.SIGINT)


def test_sigterm_stops_cleanly_with_a_worker(ctx):
    require_root()
    _stop_cleanly(ctx, "0,1", signal.SIGTERM)


if __name__ == "__main__":
    main(globals())
