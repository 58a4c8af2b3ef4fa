"""A `shoal join`, a Python `Process.join()` or `Client.join()`, waiting when the daemon goes
away (killed, upgraded) connects to the next one and ends with the process's own status
(docs/cli.md, `join`; docs/python.md; docs/restore.md)."""

import contextlib
import os
import subprocess
import sys
import time

import pytest

from harness import SHOAL, clean_env, wait_until
from pyprog import PACKAGE_DIR, last_json_line, records, start_program, write_program
from restarts import (connected, in_background, kill9, reexec, restart,
                      waiting_for_an_answer)

sys.path.insert(0, PACKAGE_DIR)
import shoal.client  # noqa: E402
from shoal import Client, DaemonUnreachable, ShoalError  # noqa: E402


def gated(directory, code, gate="go"):
    """A shell command that runs until the file `gate` appears in `directory`, then exits
    `code`; (argv, the gate's path)."""
    gate = os.path.join(directory, gate)
    return ["sh", "-c", f"while [ ! -e {gate} ]; do sleep 0.02; done; exit {code}"], gate


@contextlib.contextmanager
def joining(daemon, *args):
    """A `shoal join ARGS` running, once its connection has reached `daemon` (the test's own
    connection and the join's; the join may still be expanding its target); killed at the end
    of the block if it still runs."""
    join = subprocess.Popen([SHOAL, "--socket", daemon.socket, "join", *args], env=clean_env(),
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        connected(daemon)
        yield join
    finally:
        if join.poll() is None:
            join.kill()
            join.wait(10)


def test_a_join_outlives_the_daemon_and_gets_the_exit_code_from_the_next(daemons):
    first = daemons()
    argv, gate = gated(first.dir, 7)
    first.spawn(argv, name="slow")
    with joining(first, "slow") as join:
        kill9(first)
        second = restart(daemons, first)
        connected(second)
        # And through an upgrade in place, which closes every connection.
        reexec(second)
        connected(second)
        open(gate, "w").close()
        out, err = join.communicate(timeout=30)
    assert join.returncode == 7, (out, err)
    assert err.count("waiting up to 30 s for it to come back") == 2, err


def test_a_join_timeout_runs_on_across_a_restart_of_the_daemon(daemons):
    first = daemons()
    first.spawn(["sleep", "300"], name="sleeper")
    began = time.monotonic()
    with joining(first, "sleeper", "--timeout", "1.5") as join:
        kill9(first)
        second = restart(daemons, first)
        # The join's time runs on across the restart: it ends at 1.5 s, not 1.5 s after.
        out, err = join.communicate(timeout=30)
    assert join.returncode == 124, (out, err)
    assert time.monotonic() - began < 5, err
    assert second.record("sleeper")["state"] == "running"


JOIN_ACROSS_RESTART = """
    import json, os, sys, time
    from shoal import Process

    def gated(gate, ready):
        open(ready, "w").close()
        while not os.path.exists(gate):
            time.sleep(0.02)
        sys.exit(7)

    if __name__ == "__main__":
        p = Process(target=gated, args=sys.argv[1:3])
        p.start()
        p.join()
        print(json.dumps({"exitcode": p.exitcode}))
"""


def test_a_python_join_outlives_the_daemon_and_gets_the_exit_code(daemons):
    first = daemons()
    gate, ready = os.path.join(first.dir, "go"), os.path.join(first.dir, "ready")
    path = write_program(first.dir, "join_across.py", JOIN_ACROSS_RESTART)
    program = start_program(first, path, gate, ready)
    try:
        wait_until(lambda: os.path.exists(ready), 30, what="the child to run")
        kill9(first)
        second = restart(daemons, first)
        # The join's answer can only come from the next daemon.
        open(gate, "w").close()
        out, err = program.communicate(timeout=60)
    finally:
        if program.poll() is None:
            program.kill()
            program.wait(10)
    assert program.returncode == 0, (out, err)
    assert last_json_line(out) == {"exitcode": 7}, (out, err)
    assert [r["exitcode"] for r in records(second).values()] == [7]


def test_a_client_join_outlives_the_daemon_and_its_client_goes_on(daemons):
    first = daemons()
    argv, gate = gated(first.dir, 7)
    pid = first.spawn(argv, name="slow")["pid"]
    with Client(first.socket) as c:
        joined = in_background(c.join, "slow")
        waiting_for_an_answer(joined)
        kill9(first)
        # It ends while no daemon runs: only the next one can tell its exit code.
        open(gate, "w").close()
        wait_until(lambda: not os.path.exists(f"/proc/{pid}"), 10, what="slow to be reaped")
        second = restart(daemons, first)
        record = joined.result(timeout=40)
        assert (record["name"], record["state"], record["exitcode"]) == ("slow", "exited", 7)
        # The same Client, on its new connection; and a join through an upgrade in place.
        argv, gate = gated(second.dir, 9, "go-again")
        c.start(argv, name="again")
        joined = in_background(c.join, "again", timeout=60)
        waiting_for_an_answer(joined)
        reexec(second)
        connected(second)
        waiting_for_an_answer(joined)
        open(gate, "w").close()
        assert joined.result(timeout=40)["exitcode"] == 9
        assert c.status("slow")[0]["exitcode"] == 7


def test_a_client_join_timeout_shorter_than_the_outage_raises_timeout(daemons):
    first = daemons()
    first.spawn(["sleep", "300"], name="sleeper")
    with Client(first.socket) as c:
        began = time.monotonic()
        joined = in_background(c.join, "sleeper", timeout=1.5)
        waiting_for_an_answer(joined)
        kill9(first)
        with pytest.raises(ShoalError) as caught:
            joined.result(timeout=20)
        assert caught.value.code == "timeout", caught.value
        assert not isinstance(caught.value, DaemonUnreachable)
        assert 1.5 <= time.monotonic() - began < 5
        # The daemon comes back only now, after the join gave up.
        second = restart(daemons, first)
    assert second.record("sleeper")["state"] == "running"


def test_a_client_join_that_no_daemon_comes_back_for_says_so(daemons, monkeypatch):
    monkeypatch.setattr(shoal.client, "DAEMON_RETURN_PATIENCE", 0.5)
    first = daemons()
    first.spawn(["sleep", "300"], name="sleeper")
    with Client(first.socket) as c:
        joined = in_background(c.join, "sleeper")
        waiting_for_an_answer(joined)
        kill9(first)
        with pytest.raises(DaemonUnreachable) as caught:
            joined.result(timeout=20)
        message = str(caught.value)
        assert first.socket in message and "joining 'sleeper'" in message, message
        restart(daemons, first)
