"""The children this process started and has not yet seen end (active_children()), and their
output copied to ours while we run (shoal._output).
"""

import threading

from . import _run
from .errors import ShoalError

RUNNING_STATES = ("running", "stopping", "backoff")

_children = set()
_lock = threading.Lock()
_follower = None


def active_children():
    """Children of this process still running; reaps the knowledge of those that ended."""
    forget_ended()
    return list(_children)


def add(process):
    with _lock:
        _children.add(process)


def discard(process):
    with _lock:
        _children.discard(process)


def snapshot():
    with _lock:
        return list(_children)


def reset():
    """Runs in the child as its Process object takes over: it has started no one yet."""
    global _children
    _children = set()


def forget_ended():
    """Forgets the children that have ended (asking the daemon about those not known to)."""
    with _lock:
        unknown = [p for p in _children if p._daemon_name is not None and p._exitcode is None]
    if unknown:
        try:
            records = _run.current().call("status", *[p._daemon_name for p in unknown])
        except ShoalError:
            records = []
        for p, record in zip(unknown, records):
            if record["state"] not in RUNNING_STATES:
                p._ended(record)
    with _lock:
        _children.difference_update([p for p in _children if p._exitcode is not None])


def follow_output(daemon_name):
    global _follower
    if _follower is None:
        from . import _output
        _follower = _output.Follower(_run.current().client().path)
    _follower.follow(daemon_name)


def finish_output(daemon_name):
    """The child has exited: what it wrote up to its end, then no more."""
    if _follower is not None:
        _follower.finish(daemon_name)


def stop_output(detached):
    """At exit: detached children go on without us, their output left to ``shoal logs``."""
    if _follower is not None:
        for p in detached:
            _follower.forget(p._daemon_name)
        _follower.stop()
