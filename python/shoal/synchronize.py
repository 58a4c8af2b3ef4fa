"""Lock and RLock: the daemon's named locks, taken in place without a round trip.

Each lock is a named lock of shoald (``shoal lock list`` shows it): a POSIX semaphore that
this process waits on directly (``_multiprocessing.SemLock``, the C code multiprocessing's own
locks use), and a holder record in the shared segment written by the lock protocol of
docs/segment-layout.md. The record lets the daemon release a lock whose holder died; the next
acquirer then finds ``previous_owner_died`` set. A blocked acquire looks at the holder between
slices of its wait and asks the daemon to look too when the holder is gone: the daemon does
not poll the lock.

A Lock passed to a child (or pickled at all) is the same lock there. One created at module
level is the same lock in every process of the run (see docs/python.md, "Module-level
objects").
"""

import os
import sys
import time

from . import _run

__all__ = ["Lock", "RLock"]

# _multiprocessing's kinds of SemLock: an RLock's recursion is counted in C.
_RECURSIVE_MUTEX, _SEMAPHORE = 0, 1
# This process's pid, refreshed in a fork child: getpid() costs a system call.
_pid = os.getpid()


def _refresh_pid():
    global _pid
    _pid = os.getpid()


os.register_at_fork(after_in_child=_refresh_pid)

# How long a blocked acquire waits on the semaphore before it looks at the holder, in seconds
# (lock_record::waiter_slice_ns, as the C++ library does).
_SLICE = 0.2


def _gone(pid):
    """Whether process ``pid`` has ended, a zombie included; unknown counts as alive."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    try:
        import select
        return bool(select.select([fd], [], [], 0)[0])
    finally:
        os.close(fd)


class _Core:
    """The semaphore and the holder record of one daemon lock, as this process maps them.

    The record (layout::lock_state) is read as three int64 words: owner | owner_died << 32
    (little-endian, so one store of the pid also clears owner_died), since_ns, sequence."""

    def __init__(self, name, semaphore, record, kind):
        self.name = name
        self.semaphore = semaphore
        self.record = record
        import _multiprocessing  # by the first lock, not by every child at start-up
        seg = _run.current().segment()
        self.sem = _multiprocessing.SemLock._rebuild(0, kind, 1, semaphore)
        self.words = seg.view[record:record + 24].cast("q")

    def release_failed(self):
        """Raises the reason a release found the lock not ours."""
        holder = self.words[0] & 0xFFFFFFFF
        if self.sem._get_value() >= 1:
            raise ValueError(f"cannot release lock '{self.name}': it is not held")
        if holder:
            raise ValueError(f"cannot release lock '{self.name}': it is held by pid {holder}, not "
                             f"by this process (pid {_pid}); a forced release or the "
                             f"daemon's recovery may have taken it from us")
        raise ValueError(f"cannot release lock '{self.name}': this process does not hold it")

    def holder(self):
        return (self.words[0] & 0xFFFFFFFF) or None

    def wait(self, sem, timeout):
        """Waits for ``sem`` at most ``timeout`` seconds (None: as long as it takes), in slices.
        Between two, a holder that is gone, or a hold that records none, is reported to the
        daemon with ``lock_status``: it then takes the lock back (Python has no
        compare-and-swap on shared memory to do that safely itself). True when acquired."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            if deadline is None:
                wait = _SLICE
            else:
                wait = min(_SLICE, deadline - time.monotonic())
                if wait <= 0:
                    return sem.acquire(False)
            if sem.acquire(True, wait):
                return True
            holder = self.words[0] & 0xFFFFFFFF
            if holder == 0 or _gone(holder):
                try:
                    _run.current().call("lock_status", self.name)
                except Exception:  # no daemon to ask right now: keep waiting, as before
                    pass


def _lock_info(cls_kind, name, frame):
    run = _run.current()
    if name is None:
        name, shared = run.object_name(cls_kind, frame)
    else:
        shared = True
    return run.call("lock_create", name, exist_ok=shared)


def lock_info(name):
    """The daemon's answer for an existing or new lock called ``name`` (a synchronized
    object's lock)."""
    return _run.current().call("lock_create", name, exist_ok=True)


class Lock:
    """multiprocessing.Lock: ``acquire(block=True, timeout=None)``, ``release()``, ``with``.

    ``name`` (an extension) opens the daemon's named lock of that name, the one ``shoal lock
    acquire --name NAME`` takes, creating it if needed. After each acquire,
    ``previous_owner_died`` tells whether the last holder died holding the lock (what it
    protected may be half-updated).
    """

    __slots__ = ("_core", "_sem", "_words", "_died_at", "__weakref__")
    _kind = "k"
    _semlock_kind = _SEMAPHORE

    def __init__(self, *, name=None, ctx=None):
        self._bind(_lock_info(self._kind, name, sys._getframe(1)))

    @classmethod
    def _from_info(cls, info):
        lock = cls.__new__(cls)
        lock._bind(info)
        return lock

    def _bind(self, info):
        core = _Core(info["name"], info["semaphore"], info["record"], self._semlock_kind)
        self._core = core
        self._sem = core.sem
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
        return self._died_at == self._words[2] and self._words[0] == _pid

    # The lock protocol of docs/segment-layout.md, written out in each method: this is the
    # path every `with lock:` takes, and a call less is measurable. The release clears the
    # owner with a load and a store where the protocol asks for a compare-and-swap: Python's
    # standard library has none on shared memory (and a foreign call costs more than the rest
    # of the release). The difference shows only when a forced release of this very holder
    # lands between the two; the semaphore then counts two, and the daemon brings it back to
    # one when it looks again 100 ms after the forced release.

    def acquire(self, block=True, timeout=None):
        # A negative timeout is taken as 0, as multiprocessing does.
        if not self._sem.acquire(False) and (not block or not self._core.wait(self._sem, timeout)):
            return False
        # The sequence first: the daemon then sees progress and never takes a lock whose
        # holder is about to record itself. No clock: since_ns 0 has the daemon stamp the
        # hold when it first sees it (reading the clock here cost a tenth of a `with lock:`).
        words = self._words
        words[2] += 1
        words[1] = 0
        if words[0] > 0xFFFFFFFF:  # owner_died was set: we are told, and it is cleared
            self._died_at = words[2]
        words[0] = _pid
        return True

    def __enter__(self):
        # `with` takes the fastest path there is: no arguments, no call when the lock is free.
        if not self._sem.acquire(False):
            self._core.wait(self._sem, None)
        words = self._words
        words[2] += 1
        words[1] = 0
        if words[0] > 0xFFFFFFFF:
            self._died_at = words[2]
        words[0] = _pid
        return True

    def release(self):
        words = self._words
        if words[0] == _pid:
            words[0] = 0
            self._sem.release()
        else:
            self._core.release_failed()

    def __exit__(self, exc_type, exc, tb):
        words = self._words
        if words[0] == _pid:
            words[0] = 0
            self._sem.release()
        else:
            self._core.release_failed()

    def __getstate__(self):
        core = self._core
        return {"name": core.name, "semaphore": core.semaphore, "record": core.record}

    def __setstate__(self, state):
        self._bind(state)

    def __repr__(self):
        holder = self._core.holder()
        owner = "None" if holder is None else ("MainProcess" if holder == _pid else holder)
        return f"<{type(self).__name__}({self._core.name}, owner={owner})>"


class RLock(Lock):
    """multiprocessing.RLock: the thread that holds it may acquire it again; each acquire
    needs its release. Across processes it is one lock like Lock. The SemLock counts the
    recursion (and so knows the holding thread); the record is written at the first level."""

    __slots__ = ()
    _kind = "r"
    _semlock_kind = _RECURSIVE_MUTEX

    def acquire(self, block=True, timeout=None):
        if not self._sem.acquire(False) and (not block or not self._core.wait(self._sem, timeout)):
            return False
        words = self._words
        held = words[0]
        # Recorded as ours already: this thread holds it and took it again. (Another thread
        # of ours cannot: the SemLock made us wait until it released, clearing the record.)
        if held != _pid:
            words[2] += 1
            words[1] = 0
            if held > 0xFFFFFFFF:
                self._died_at = words[2]
            words[0] = _pid
        return True

    def __enter__(self):
        if not self._sem.acquire(False):
            self._core.wait(self._sem, None)
        words = self._words
        held = words[0]
        if held != _pid:
            words[2] += 1
            words[1] = 0
            if held > 0xFFFFFFFF:
                self._died_at = words[2]
            words[0] = _pid
        return True

    def release(self):
        sem = self._sem
        if sem._count() == 1:
            words = self._words
            if words[0] == _pid:
                words[0] = 0
            else:
                self._taken_from_us()
        # Not held by this thread: SemLock raises AssertionError, as multiprocessing's does.
        sem.release()

    def __exit__(self, exc_type, exc, tb):
        sem = self._sem
        if sem._count() == 1:
            words = self._words
            if words[0] == _pid:
                words[0] = 0
            else:
                self._taken_from_us()
        sem.release()

    def _taken_from_us(self):
        # The semaphore is not ours to post any more; forget this thread's hold so that its
        # next acquire waits for the lock again instead of counting up.
        self._sem._after_fork()
        self._core.release_failed()
