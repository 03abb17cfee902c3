"""A tiny test runner for the e2e scripts (no pytest on Debian by default).

    from mfe2e.runner import main, Skip
    def test_something(ctx): ...          # ctx.workdir: a fresh directory
    if __name__ == "__main__": main(globals())

Runs every ``test_*`` function in definition order (or those named on the
command line / matching -k), prints PASS/FAIL/SKIP per test with the
traceback and any log tails the test attached (``ctx.attach(mcastfwd)``),
then ``N passed, N failed``.  Exit 0 all passed, 1 any failed, 77 (meson's
"skipped") when every test was skipped.
"""
import argparse
import os
import shutil
import sys
import tempfile
import time
import traceback

from . import cleanup, mcastfwd as mf, netns


class Skip(Exception):
    pass


class Ctx:
    def __init__(self, name, keep):
        self.name = name
        self.workdir = tempfile.mkdtemp(prefix="mfe2e-%s-" % name)
        self.keep = keep
        self._attached = []

    def attach(self, obj):
        """Show obj.log_tail() if the test fails (an Mcastfwd)."""
        self._attached.append(obj)
        return obj

    def tails(self):
        return "\n".join(o.log_tail() for o in self._attached)


def require_root():
    if os.geteuid() != 0:
        raise Skip("needs root (network namespaces, af_packet)")


def main(namespace):
    ap = argparse.ArgumentParser()
    ap.add_argument("names", nargs="*")
    ap.add_argument("-k", dest="pattern")
    ap.add_argument("--keep", action="store_true",
                    help="keep work directories")
    args = ap.parse_args()
    cleanup.install()
    tests = [(n, f) for n, f in namespace.items()
             if n.startswith("test_") and callable(f)]
    if args.names:
        tests = [(n, f) for n, f in tests if n in args.names]
    if args.pattern:
        tests = [(n, f) for n, f in tests if args.pattern in n]
    mf.clean_stale_run_dirs()
    netns.clean_stale()
    passed = failed = skipped = 0
    for name, fn in tests:
        ctx = Ctx(name, args.keep)
        t0 = time.monotonic()
        print("=== %s" % name, flush=True)
        ok = False
        try:
            fn(ctx)
            ok = True
            passed += 1
            print("PASS %s (%.1fs)" % (name, time.monotonic() - t0),
                  flush=True)
        except Skip as e:
            skipped += 1
            print("SKIP %s: %s" % (name, e), flush=True)
        except BaseException as e:
            failed += 1
            traceback.print_exc(file=sys.stdout)
            t = ctx.tails()
            if t:
                print(t)
            print("FAIL %s (%.1fs): %s" % (name, time.monotonic() - t0,
                                           str(e).splitlines()[0]
                                           if str(e) else type(e).__name__),
                  flush=True)
            if isinstance(e, (KeyboardInterrupt, SystemExit)):
                cleanup.run_cleanups()
                raise
        finally:
            cleanup.run_cleanups()
            if ok and not args.keep:
                shutil.rmtree(ctx.workdir, ignore_errors=True)
            elif not ok:
                print("work directory kept: %s" % ctx.workdir)
    line = "%d passed, %d failed" % (passed, failed)
    if skipped:
        line += ", %d skipped" % skipped
    print(line, flush=True)
    if failed:
        sys.exit(1)
    if skipped and not passed:
        sys.exit(77)
    sys.exit(0)
