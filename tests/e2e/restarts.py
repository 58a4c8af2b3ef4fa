"""Ending a daemon as a crash would, and starting the next one on its state directory: what the
live-restore tests (test_daemon_restore*.py, test_daemon_chaos.py) do between their checks."""

import signal


def kill9(daemon):
    daemon.proc.kill()
    assert daemon.proc.wait(10) == -signal.SIGKILL
    daemon.expected_exit = None


def restart(daemons, old, args=()):
    """A new daemon on the old one's socket and state directory."""
    new = daemons.create(directory=old.dir, args=args)
    return new.start()
