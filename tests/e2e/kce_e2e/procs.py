"""Child processes of the suite: started in one place, all stopped whatever happens.

Every child gets PR_SET_PDEATHSIG(SIGKILL), so even if the suite itself is killed (a ctest
timeout sends SIGKILL) the kernel ends etcd, kube-apiserver, the exporters and Prometheus.
Start children from the main thread only: the death signal follows the thread that forked.
"""

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time

_PR_SET_PDEATHSIG = 1
_children = []
_started_pids = []


def _die_with_parent():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Child:
    """One started process whose stdout and stderr go to a log file."""

    def __init__(self, name, cmd, log_path, env=None):
        self.name = name
        self.cmd = cmd
        self.log_path = log_path
        self._log = open(log_path, "ab")
        self.proc = subprocess.Popen(cmd, stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env=env,
                                     preexec_fn=_die_with_parent)
        _children.append(self)
        _started_pids.append(self.proc.pid)

    def running(self):
        return self.proc.poll() is None

    def log_text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def log_tail(self, lines=30):
        return "\n".join(self.log_text().splitlines()[-lines:])

    def stop(self, grace=10.0, sig=signal.SIGTERM):
        """Signals the process and waits; kills it after `grace` seconds. Returns the exit code
        and how long it took to exit after the signal."""
        start = time.monotonic()
        if self.running():
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        took = time.monotonic() - start
        self._log.close()
        if self in _children:
            _children.remove(self)
        return self.proc.returncode, took


def stop_all():
    """Stops every child still registered, newest first."""
    for child in reversed(list(_children)):
        try:
            child.stop(grace=5.0)
        except Exception as err:  # cleanup must go on for the others
            print(f"cleanup: stopping {child.name}: {err}", file=sys.stderr)


def install_signal_handlers():
    """Turns SIGTERM and SIGHUP into SystemExit and SIGINT into KeyboardInterrupt, so that
    `finally` blocks run cleanup."""

    def handler(signum, _frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGHUP, handler)
    # A shell that starts us in the background sets SIGINT to ignored; Ctrl-C must still work.
    signal.signal(signal.SIGINT, signal.default_int_handler)


def leftover_pids():
    """PIDs of every child ever started that still exists (none after stop_all)."""
    return [pid for pid in _started_pids if process_exists(pid)]


class Fatal(Exception):
    """Raised by a wait_until predicate to stop waiting at once (e.g. the process died)."""


def wait_until(what, predicate, timeout, interval=0.25):
    """Polls `predicate` until it returns a truthy value; raises TimeoutError naming `what`."""
    deadline = time.monotonic() + timeout
    last_err = None
    while time.monotonic() < deadline:
        try:
            result = predicate()
            if result:
                return result
        except Fatal:
            raise
        except Exception as err:  # keep polling; report the last error on timeout
            last_err = err
        time.sleep(interval)
    detail = f" (last error: {last_err})" if last_err else ""
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}{detail}")


def process_exists(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
