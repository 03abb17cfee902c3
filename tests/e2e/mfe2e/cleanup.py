"""Process-wide cleanup: callbacks run once, at exit, on SIGTERM/SIGINT too.

Register with ``at_cleanup(fn)``; ``run_cleanups()`` runs them in reverse
order (last registered first).  Signals are turned into SystemExit so that
``finally`` blocks run as well.
"""
import atexit
import signal
import sys
import traceback

_callbacks = []
_installed = False


def _on_signal(signum, _frame):
    # Turn the signal into an exception so try/finally blocks unwind; the
    # atexit hook then runs whatever is still registered.
    signal.signal(signum, signal.SIG_DFL)
    raise SystemExit(128 + signum)


def install():
    global _installed
    if _installed:
        return
    _installed = True
    atexit.register(run_cleanups)
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, _on_signal)


def at_cleanup(fn):
    """Register fn (no arguments) to run at cleanup; returns a handle for
    cancel()."""
    install()
    _callbacks.append(fn)
    return fn


def cancel(handle):
    """Forget a callback (it was already run by its owner)."""
    try:
        _callbacks.remove(handle)
    except ValueError:
        pass


def run_cleanups():
    while _callbacks:
        fn = _callbacks.pop()
        try:
            fn()
        except Exception:  # cleanup must go on whatever happens
            traceback.print_exc(file=sys.stderr)
