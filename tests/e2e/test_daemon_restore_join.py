"""A `shoal join` waiting when the daemon goes away (killed, upgraded) connects to the next one
and ends with the process's own status (docs/cli.md, `join`; docs/restore.md)."""

import contextlib
import os
import subprocess
import time

from harness import SHOAL, clean_env, ok, wait_until
from restarts import kill9, restart


@contextlib.contextmanager
def joining(daemon, *args):
    """A `shoal join ARGS` running, once its connection has reached `daemon` (the test's own
    connection and the join's; the join may still be expanding its target); killed at the end
    of the block if it still runs."""
    join = subprocess.Popen([SHOAL, "--socket", daemon.socket, "join", *args], env=clean_env(),
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        wait_until(lambda: ok(daemon.request({"op": "hello"}))["clients"] == 2, 10,
                   what="the join to reach the daemon")
        yield join
    finally:
        if join.poll() is None:
            join.kill()
            join.wait(10)


def test_a_join_outlives_the_daemon_and_gets_the_exit_code_from_the_next(daemons):
    first = daemons()
    gate = os.path.join(first.dir, "go")
    first.spawn(["sh", "-c", f"while [ ! -e {gate} ]; do sleep 0.02; done; exit 7"], name="slow")
    with joining(first, "slow") as join:
        kill9(first)
        second = restart(daemons, first)
        wait_until(lambda: ok(second.request({"op": "hello"}))["clients"] == 2, 20,
                   what="the join to reach the next daemon")
        # And through an upgrade in place, which closes every connection.
        with second.connect(timeout=30) as c:
            assert ok(c.request({"op": "reexec"}, timeout=30))["pid"] == second.pid
        second._client = None  # the old image's connections were closed by the exec
        wait_until(lambda: ok(second.request({"op": "hello"}))["clients"] == 2, 20,
                   what="the join to reach the upgraded daemon")
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
