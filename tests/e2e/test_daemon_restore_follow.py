"""`shoal logs --follow` and `shoal watch` outlive the daemon: killed or upgraded, they connect to
the next one and go on, the follow from its cursor (no line lost or printed twice, across
rotations), the watch with the new daemon's events and a word on the gap (docs/cli.md, `logs`,
`watch`; docs/restore.md)."""

import contextlib
import json
import os
import re
import subprocess
import threading

from harness import SHOAL, clean_env, wait_until
from restarts import connected, kill9, reexec, restart

WAITING = "waiting up to 30 s for it to come back"


class Reader:
    """A CLI command running, its stdout read line by line as it comes."""

    def __init__(self, daemon, *args):
        self.proc = subprocess.Popen([SHOAL, "--socket", daemon.socket, *args], env=clean_env(),
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self.lines = []
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, predicate, what, timeout=20):
        wait_until(lambda: predicate(list(self.lines)), timeout, what=what)

    def finish(self, timeout=30):
        """Waits for the command's end; its exit code and stderr."""
        err = self.proc.stderr.read()
        self.proc.wait(timeout)
        self._thread.join(timeout)
        return self.proc.returncode, err

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)
        self._thread.join(10)
        self.proc.stderr.close()


@contextlib.contextmanager
def reading(daemon, *args):
    reader = Reader(daemon, *args)
    try:
        yield reader
    finally:
        reader.stop()


def numbers(lines):
    return [int(m.group(1)) for m in map(re.compile(r"line (\d+)$").match, lines) if m]


def test_a_follow_goes_on_from_its_cursor_across_kill9_and_reexec(daemons):
    # Files of 4 KiB and two backups: the oldest file is dropped every 400 lines or so, while
    # the daemons run and while none does, so the cursor must mean the same byte to the next.
    args = ["--log-max-bytes", "4096", "--log-backups", "2"]
    first = daemons(args=args)
    gate = os.path.join(first.dir, "go")
    first.spawn(["sh", "-c", f'i=0; while [ ! -e {gate} ]; do i=$((i+1)); echo "line $i"; '
                             f'sleep 0.002; done; echo "line $((i+1))"; echo last'],
                name="counter")
    with reading(first, "logs", "counter", "--follow", "-n", "100000") as follow:
        # Past the first dropped file before the kill (12 KiB hold about 1,300 lines).
        follow.wait_for(lambda l: len(numbers(l)) > 1500, "a dropped log file")
        kill9(first)
        printed = len(follow.lines)
        second = restart(daemons, first, args=args)
        follow.wait_for(lambda l: len(l) > printed + 500, "lines from the next daemon")
        reexec(second)
        printed = len(follow.lines)
        follow.wait_for(lambda l: len(l) > printed + 500, "lines from the upgraded daemon")
        open(gate, "w").close()
        code, err = follow.finish()
        lines = follow.lines
    assert code == 0, err
    assert err.count("while following logs; " + WAITING) == 2, err
    assert "rotated away" not in err and "no longer reaches" not in err, err
    assert lines[-1] == "last", lines[-5:]
    got = numbers(lines)
    assert got == list(range(1, len(got) + 1)), "lines lost or printed twice"
    assert len(got) == len(lines) - 1
    assert second.record("counter")["state"] == "exited"


def test_a_watch_goes_on_with_the_next_daemon_and_says_events_may_be_missing(daemons):
    first = daemons()
    gate = os.path.join(first.dir, "go")
    with reading(first, "watch", "a", "b", "--json", "--count", "3") as watch:
        connected(first)
        pid = first.spawn(["sh", "-c", f"while [ ! -e {gate} ]; do sleep 0.02; done; exit 3"],
                          name="a")["pid"]
        watch.wait_for(lambda l: len(l) == 1, "the start to be printed")
        kill9(first)
        # It ends while no daemon runs: the next one tells it, and the watch gets that too.
        open(gate, "w").close()
        wait_until(lambda: not os.path.exists(f"/proc/{pid}"), 10, what="a to be reaped")
        second = restart(daemons, first)
        watch.wait_for(lambda l: len(l) == 3, "the exit told by the next daemon")
        second.spawn(["true"], name="b")
        code, err = watch.finish()
        lines = [json.loads(x) for x in watch.lines]
    assert code == 0, err
    assert err.count("while watching; " + WAITING) == 1, err
    assert "numbers its events from 1 again" in err, err
    assert len(lines) == 4, lines
    assert (lines[0]["type"], lines[0]["name"]) == ("started", "a")
    assert lines[1]["reconnected"]["renumbered"] is True, lines
    assert (lines[2]["type"], lines[2]["name"], lines[2]["exitcode"]) == ("exited", "a", 3)
    assert (lines[3]["type"], lines[3]["name"]) == ("started", "b")
    assert lines[3]["seq"] > lines[2]["seq"]
