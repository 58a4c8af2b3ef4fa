"""Ending a daemon as a crash would, and starting the next one on its state directory: what the
live-restore tests (test_daemon_restore*.py, test_daemon_chaos.py) do between their checks."""

import concurrent.futures
import signal
import threading

from harness import ok, wait_until
from procfs import reading_a_socket


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


def in_background(fn, *args, **kwargs):
    """fn(*args, **kwargs) called on a thread of its own (a daemon thread: a test that fails
    does not wait for it); its outcome as a Future, whose `thread` is that thread."""
    future = concurrent.futures.Future()

    def run():
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as e:
            future.set_exception(e)

    future.thread = threading.Thread(target=run, daemon=True)
    future.thread.start()
    return future


def waiting_for_an_answer(future):
    """Waits until the thread of `future` (in_background) is blocked reading its socket: its
    request went out and it waits for the answer."""
    wait_until(lambda: reading_a_socket(future.thread.native_id), 20,
               what="the request to be waiting for its answer")
