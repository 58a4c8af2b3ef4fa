"""A daemon that loses its keeper heals itself (docs/restore.md, "Losing the keeper"): the
keeper killed, stopped, or adopted from an earlier daemon and then killed. The old keeper is
ended, a new one serves every later start, every record of the old keeper's children still
ends with its real status, and SIGTERM still stops everything within a bound."""

import os
import signal
import time

import pytest

from harness import children_of, is_keeper, ok, pid_alive, wait_until
from restarts import kill9, restart

# SIGTERM to the daemon: its children get --stop-timeout 2 s, then SIGKILL; far below this.
SHUTDOWN_BOUND = 15


def keeper_now(daemon):
    return ok(daemon.request({"op": "hello"}))["keeper"]


def wait_replaced(daemon, old, timeout=20):
    """Waits until the daemon serves with a new keeper, and returns its pid."""
    def replaced():
        pid = keeper_now(daemon)
        return pid if pid and pid != old and is_keeper(pid) else None
    return wait_until(replaced, timeout, what=f"a keeper other than {old}")


def resume(pid):
    """SIGCONT, as an operator would once the hung mount is back; the daemon may have killed
    the keeper already."""
    try:
        os.kill(pid, signal.SIGCONT)
    except ProcessLookupError:
        pass


def stop_within_bound(daemon, *pids):
    """SIGTERM, then: exit 0 within the bound, and none of `pids` (keepers, children) left."""
    daemon.proc.send_signal(signal.SIGTERM)
    assert daemon.proc.wait(SHUTDOWN_BOUND) == 0, daemon.stderr()
    daemon.expected_exit = None
    for pid in pids:
        wait_until(lambda p=pid: not pid_alive(p), 10, what=f"pid {pid} to end")


def start_while_stopped(d, keeper):
    """`shoal start b` while the keeper is stopped with SIGSTOP; the refused start's result."""
    os.kill(keeper, signal.SIGSTOP)
    try:
        refused = d.cli("start", "--name", "b", "--", "sleep", "300", timeout=30)
    finally:
        resume(keeper)
    assert refused.returncode == 1, refused
    return refused


def test_a_killed_keeper_is_replaced_and_every_record_still_ends(daemons):
    d = daemons()
    a = d.spawn(["sleep", "300"], name="a")
    old = d.keeper_pid
    os.kill(old, signal.SIGKILL)
    new = wait_replaced(d, old)
    assert "lost the keeper (pid %d)" % old in d.stderr()
    assert "1 process(es) it held are now shoald's own children" in d.stderr()

    started = d.cli("start", "--name", "b", "--", "sh", "-c", "exit 3")
    assert started.returncode == 0, started
    assert d.cli("join", "b", timeout=20).returncode == 3
    assert d.record("b")["exitcode"] == 3

    ok(d.request({"op": "stop", "name": "a"}))
    assert d.join("a")["exitcode"] == -signal.SIGTERM
    assert d.record("a")["state"] == "exited"
    c = d.spawn(["sleep", "300"], name="c")
    assert c["pid"] in [pid for pid, _ in children_of(new)], "the new keeper holds new children"
    stop_within_bound(d, new, a["pid"], c["pid"])


def test_a_stopped_keeper_fails_one_start_then_is_replaced(daemons):
    d = daemons()
    a = d.spawn(["sleep", "300"], name="a")
    old = d.keeper_pid
    began = time.monotonic()
    refused = start_while_stopped(d, old)
    took = time.monotonic() - began
    assert "spawn_failed" in refused.stderr and "keeper" in refused.stderr, refused
    assert took < 15, f"the refused start took {took:.1f} s"
    wait_until(lambda: not is_keeper(old), 10, what="the stalled keeper to be killed")
    new = wait_replaced(d, old)
    assert "killed it" in d.stderr()

    started = d.cli("start", "--name", "c", "--", "sh", "-c", "exit 4")
    assert started.returncode == 0, started
    assert d.join("c")["exitcode"] == 4
    # The old keeper's child is the daemon's now: its end is reported, not waited for forever.
    os.kill(a["pid"], signal.SIGKILL)
    assert d.join("a")["exitcode"] == -signal.SIGKILL
    e = d.spawn(["sleep", "300"], name="e")
    stop_within_bound(d, new, e["pid"])


def test_a_stopped_keeper_never_hangs_the_shutdown(daemons):
    d = daemons()
    a = d.spawn(["sleep", "300"], name="a")
    old = d.keeper_pid
    start_while_stopped(d, old)
    new = wait_replaced(d, old)
    stop_within_bound(d, new, old, a["pid"])
    assert "'a' (pid %d) was killed by SIGTERM" % a["pid"] in d.stderr()


@pytest.mark.parametrize("how", ["sigusr2", "kill9"])
def test_an_adopted_keeper_killed_leaves_records_that_end_with_their_status(daemons, how):
    first = daemons()
    a = first.spawn(["sleep", "300"], name="a")
    w = first.spawn(["sleep", "300"], name="w")
    keeper = first.keeper_pid
    if how == "sigusr2":
        first.proc.send_signal(signal.SIGUSR2)
        assert first.proc.wait(15) == 0
        first.expected_exit = None
    else:
        kill9(first)
    second = restart(daemons, first)
    assert second.keeper_pid == keeper
    os.kill(keeper, signal.SIGKILL)
    new = wait_replaced(second, keeper)
    # Not the daemon's children: they went to init, and their pidfds tell how they ended.
    assert "2 went to another parent" in second.stderr()
    os.kill(a["pid"], signal.SIGKILL)
    assert second.join("a")["exitcode"] == -signal.SIGKILL
    assert second.record("a")["state"] == "exited"
    b = second.spawn(["sleep", "300"], name="b")
    # The shutdown stops w through its pidfd and learns its end the same way.
    stop_within_bound(second, new, w["pid"], b["pid"])
    assert "'w' (pid %d) was killed by SIGTERM" % w["pid"] in second.stderr()
