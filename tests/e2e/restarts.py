"""Ending a daemon as a crash would, and starting the next one on its state directory: what the
live-restore tests (test_daemon_restore*.py, test_daemon_chaos.py) do between their checks."""

import signal

from harness import ok, wait_until


def kill9(daemon):
    daemon.proc.kill()
    assert daemon.proc.wait(10) == -signal.SIGKILL
    daemon.expected_exit = None


def restart(daemons, old, args=()):
    """A new daemon on the old one's socket and state directory."""
    new = daemons.create(directory=old.dir, args=args)
    return new.start()


def reexec(daemon):
    """An upgrade in place of `daemon`, which closes every connection of the old image."""
    with daemon.connect(timeout=30) as c:
        assert ok(c.request({"op": "reexec"}, timeout=30))["pid"] == daemon.pid
    daemon._client = None  # the old image's connections were closed by the exec


def connected(daemon, clients=2):
    """Waits until `clients` connections reach `daemon`: the test's own, and the command's
    (or the client's) under test."""
    wait_until(lambda: ok(daemon.request({"op": "hello"}))["clients"] == clients, 20,
               what="the command to reach the daemon")
