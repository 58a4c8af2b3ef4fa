"""Lock and RLock: the daemon's named locks, taken in place without a round trip.

Each lock is a named lock of shoald (``shoal lock list`` shows it): a POSIX semaphore that
this process waits on directly (``_multiprocessing.SemLock``, the C code multiprocessing's own
locks use), and a holder record in the shared segment written by the lock protocol of
docs/segment-layout.md. The record lets the daemon release a lock whose holder died; the next
acquirer then finds ``previous_owner_died`` set.

A Lock passed to a child (or pickled at all) is the same lock there. One created at module
level is the same lock in every process of the run (see docs/python.md, "Module-level
objects").
"""

import _multiprocessing
import os
import sys
import threading
import time

from . import _run

__all__ = ["Lock", "RLock"]

_SEMAPHORE = 1  # _multiprocessing's kind for a plain (non-recursive) semaphore
_time_ns = time.time_ns
_get_ident = threading.get_ident
# This process's pid, refreshed in a fork child: getpid() costs a system call.
_pid = os.getpid()


def _refresh_pid():
    global _pid
    _pid = os.getpid()


os.register_at_fork(after_in_child=_refresh_pid)


class _Core:
    """The semaphore and the holder record of one daemon lock, as this process maps them."""

    def __init__(self, name, semaphore, record):
        self.name = name
        self.semaphore = semaphore
        self.record = record
        seg = _run.current().segment()
        self.sem = _multiprocessing.SemLock._rebuild(0, _SEMAPHORE, 1, semaphore)
        self.ints = seg.view[record:record + 8].cast("i")      # owner, owner_died
        self.words = seg.view[record + 8:record + 24].cast("Q")  # since_ns, sequence

    def release_failed(self):
        """Raises the reason a release found the lock not ours."""
        holder = self.ints[0]
        if self.sem._get_value() >= 1:
            raise ValueError(f"cannot release lock '{self.name}': it is not held")
        if holder:
            raise ValueError(f"cannot release lock '{self.name}': it is held by pid {holder}, not "
                             f"by this process (pid {_pid}); a forced release or the "
                             f"daemon's recovery may have taken it from us")
        raise ValueError(f"cannot release lock '{self.name}': this process does not hold it")

    def holder(self):
        return self.ints[0] or None


def _open_core(cls_kind, name, frame):
    run = _run.current()
    if name is None:
        name, shared = run.object_name(cls_kind, frame)
    else:
        shared = True
    info = run.client().lock_create(name, exist_ok=shared)
    return _Core(info["name"], info["semaphore"], info["record"])


def _core_by_name(name):
    """The core of an existing or new lock called ``name`` (a synchronized object's lock)."""
    info = _run.current().client().lock_create(name, exist_ok=True)
    return _Core(info["name"], info["semaphore"], info["record"])


class Lock:
    """multiprocessing.Lock: ``acquire(block=True, timeout=None)``, ``release()``, ``with``.

    ``name`` (an extension) opens the daemon's named lock of that name, the one ``shoal lock
    acquire --name NAME`` takes, creating it if needed. After each acquire,
    ``previous_owner_died`` tells whether the last holder died holding the lock (what it
    protected may be half-updated).
    """

    __slots__ = ("_core", "_sem", "_ints", "_words", "_died_at", "__weakref__")
    _kind = "k"

    def __init__(self, *, name=None, ctx=None):
        self._bind(_open_core(self._kind, name, sys._getframe(1)))

    @classmethod
    def _from_core(cls, core):
        lock = cls.__new__(cls)
        lock._bind(core)
        return lock

    def _bind(self, core):
        self._core = core
        self._sem = core.sem
        self._ints = core.ints
        self._words = core.words
        self._died_at = -1  # the sequence of the acquisition that found the owner dead

    @property
    def name(self):
        """The lock's name in the daemon (``shoal lock status --name NAME``)."""
        return self._core.name

    @property
    def previous_owner_died(self):
        """True when this process's last acquire found that the previous holder had died
        holding the lock (and it still holds it)."""
        return self._died_at == self._words[1] and self._ints[0] == _pid

    # The lock protocol of docs/segment-layout.md, written out in each method: this is the
    # path every `with lock:` takes, and a call less is measurable. The release clears the
    # owner with a load and a store where the protocol asks for a compare-and-swap: Python's
    # standard library has none on shared memory (and a foreign call costs more than the rest
    # of the release). The difference shows only when a forced release of this very holder
    # lands between the two; the semaphore then counts two, and the daemon brings it back to
    # one within 100 ms.

    def acquire(self, block=True, timeout=None):
        if timeout is not None and timeout < 0:
            timeout = 0
        if not self._sem.acquire(block, timeout):
            return False
        # The sequence first: the daemon then sees progress and never takes a lock whose
        # holder is about to record itself.
        words = self._words
        words[1] += 1
        words[0] = _time_ns()
        ints = self._ints
        ints[0] = _pid
        if ints[1]:
            ints[1] = 0
            self._died_at = words[1]
        return True

    __enter__ = acquire

    def release(self):
        ints = self._ints
        if ints[0] == _pid:
            ints[0] = 0
            self._sem.release()
        else:
            self._core.release_failed()

    def __exit__(self, *exc):
        ints = self._ints
        if ints[0] == _pid:
            ints[0] = 0
            self._sem.release()
        else:
            self._core.release_failed()

    def __getstate__(self):
        core = self._core
        return {"name": core.name, "semaphore": core.semaphore, "record": core.record}

    def __setstate__(self, state):
        self._bind(_Core(state["name"], state["semaphore"], state["record"]))

    def __repr__(self):
        holder = self._core.holder()
        owner = "None" if holder is None else ("MainProcess" if holder == _pid else holder)
        return f"<{type(self).__name__}({self._core.name}, owner={owner})>"


class RLock(Lock):
    """multiprocessing.RLock: the thread that holds it may acquire it again; each acquire
    needs its release. Across processes it is one lock like Lock."""

    __slots__ = ("_owner", "_count")
    _kind = "r"

    def _bind(self, core):
        Lock._bind(self, core)
        self._owner = None  # the thread ident of the holder in this process
        self._count = 0

    def acquire(self, block=True, timeout=None):
        me = _get_ident()
        if self._owner == me:
            self._count += 1
            return True
        if timeout is not None and timeout < 0:
            timeout = 0
        if not self._sem.acquire(block, timeout):
            return False
        words = self._words
        words[1] += 1
        words[0] = _time_ns()
        ints = self._ints
        ints[0] = _pid
        if ints[1]:
            ints[1] = 0
            self._died_at = words[1]
        self._owner = me
        self._count = 1
        return True

    __enter__ = acquire

    def release(self):
        if self._owner != _get_ident():
            raise AssertionError("attempt to release recursive lock not owned by thread")
        self._count -= 1
        if self._count:
            return
        self._owner = None
        ints = self._ints
        if ints[0] == _pid:
            ints[0] = 0
            self._sem.release()
        else:
            self._core.release_failed()

    def __exit__(self, *exc):
        # The thread that entered the `with` block is the one leaving it.
        self._count -= 1
        if self._count:
            return
        self._owner = None
        ints = self._ints
        if ints[0] == _pid:
            ints[0] = 0
            self._sem.release()
        else:
            self._core.release_failed()
