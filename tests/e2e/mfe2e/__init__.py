"""mfe2e: end-to-end test library for mcastfwd.

Pieces (each usable on its own):
  cleanup     -- process-wide cleanup registry (atexit + SIGTERM/SIGINT)
  netns       -- network-namespace topology: hosts on veth pairs, root ends for
                 mcastfwd's net_af_packet ports
  agent       -- the program run inside a namespace: receiver (joins, counts on
                 the socket and on the wire) and sender
  hosts       -- drive agents from the test (Receiver, send())
  mcastfwd    -- start/stop the binary, wait for readiness, capture its log
  telemetry   -- AF_UNIX SOCK_SEQPACKET client for the DPDK telemetry socket
  runner      -- a tiny test runner: PASS/FAIL per test, "N passed, N failed"

Everything is bounded in time and count, and cleans up after itself even on
failure, SIGTERM (meson's timeout) or ctrl-c.
"""
