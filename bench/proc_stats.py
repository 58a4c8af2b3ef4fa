"""What /proc says about a daemon: its memory, its wake-ups while idle, and which processes a
benchmark left behind."""

import os
import signal
import time


def _field_kib(path, name):
    with open(path) as f:
        for line in f:
            if line.startswith(name + ":"):
                return float(line.split()[1])  # "Pss:   1234 kB"
    raise OSError(f"no {name} in {path}")


def pss_kib(pid):
    """Proportional set size: shared pages count divided by the number of processes mapping
    them, so a daemon is not charged for all of libc."""
    return _field_kib(f"/proc/{pid}/smaps_rollup", "Pss")


def rss_kib(pid):
    return _field_kib(f"/proc/{pid}/status", "VmRSS")


def context_switches(pid):
    """Voluntary + involuntary context switches of every thread of pid so far."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                for line in f:
                    if line.startswith(("voluntary_ctxt_switches:", "nonvoluntary_ctxt_switches:")):
                        total += int(line.split()[1])
        except FileNotFoundError:
            pass  # a thread that ended while we looked
    return total


def idle_wakeups(groups, seconds, settle_on=None, settle_limit=5.0):
    """{name: context switches per second} of each group of pids ({name: [pid...]}, counted
    together) over the same `seconds`, in which the caller talks to none of them. A process
    blocked in epoll_wait with no timer armed has none; every timer expiry or poll costs at
    least one. Reading /proc does not wake the process.

    The count starts once the work the caller caused just before has been done (a hang-up, a
    child's pipes closing, its exit reaped): when none of the groups named in `settle_on`
    (default: all) has switched for 0.3 s, or after `settle_limit` seconds. A poll faster than
    that never settles, so it still shows in full."""
    def count(pids):
        return sum(context_switches(p) for p in pids)
    watched = {name: groups[name] for name in (settle_on or groups)}
    previous = {name: count(pids) for name, pids in watched.items()}
    settle_until = time.monotonic() + settle_limit
    while time.monotonic() < settle_until:
        time.sleep(0.3)
        now = {name: count(pids) for name, pids in watched.items()}
        if now == previous:
            break
        previous = now
    before = {name: count(pids) for name, pids in groups.items()}
    time.sleep(seconds)
    return {name: (count(pids) - before[name]) / seconds for name, pids in groups.items()}


def children_of(pid):
    """Direct children of pid (from /proc/PID/task/*/children)."""
    out = []
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out += [int(c) for c in f.read().split()]
        except FileNotFoundError:
            pass
    return out


def marked_processes(marker):
    """Pids of live processes whose environment holds `marker` (a NAME=VALUE string). Every
    daemon a benchmark starts gets a marker naming its temp directory, and passes it on to its
    children, so whatever is left over after a teardown can be found and named."""
    needle = marker.encode() + b"\0"
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as f:
                if needle in f.read() + b"\0":
                    found.append(int(entry))
        except OSError:
            pass  # gone, or a kernel thread
    return found


def kill_leftovers(marker):
    """SIGKILLs every process still carrying `marker`; returns their pids (an empty list is a
    clean teardown)."""
    left = marked_processes(marker)
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return left


def wait_gone(pid, timeout):
    """Waits for our child pid to exit (reaping it); its exit code, or None on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        done, wstatus = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return os.waitstatus_to_exitcode(wstatus)
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.01)
