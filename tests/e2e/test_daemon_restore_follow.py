"""`shoal logs --follow`, `shoal watch` and Python's `Client.watch()` outlive the daemon: killed
or upgraded, they connect to the next one and go on, the follow from its cursor (no line lost
or printed twice, across rotations), the watch with the new daemon's events and a word on the
gap (docs/cli.md, `logs`, `watch`; docs/python.md; docs/restore.md)."""

import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import threading

from harness import SHOAL, clean_env, wait_until
from pyprog import PACKAGE_DIR
from restarts import connected, in_background, kill9, reexec, restart

sys.path.insert(0, PACKAGE_DIR)
from shoal import Client  # noqa: E402

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

    def wait_for(self, predicate, what, timeout=30):
        try:
            wait_until(lambda: predicate(list(self.lines)), timeout, what=what)
        except AssertionError as e:
            raise AssertionError(f"{e}; {len(self.lines)} lines printed, the last: "
                                 f"{self.lines[-3:]}") from None

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


def bursts_writer(directory):
    """A shell program that prints "line N" ten at a time, with no fork per line so that it keeps
    pace on a loaded machine. While `hold` exists it prints 450 more lines (4.5 KiB, more than a
    log file) and then none until `hold` is gone, telling so by `held` (which it removes when it
    goes on): what it prints
    while no daemon runs is bounded, so the follow's cursor is rotated away only by a bug. It ends
    with "last" once `go` exists."""
    d = directory
    return ["sh", "-c", f"""i=0; limit=
        while [ ! -e {d}/go ]; do
            if [ -e {d}/hold ]; then
                [ -z "$limit" ] && limit=$((i + 450))
                if [ $i -ge $limit ]; then touch {d}/held; sleep 0.01; continue; fi
            else
                limit=; [ -e {d}/held ] && rm {d}/held
            fi
            for j in 1 2 3 4 5 6 7 8 9 10; do i=$((i+1)); echo "line $i"; done
            sleep 0.01
        done
        echo "line $((i+1))"; echo last"""]


class Hold:
    """Bounds what the bursts_writer in `directory` prints: after `start`, 450 lines, then none
    until `release`."""

    def __init__(self, directory):
        self.hold = os.path.join(directory, "hold")
        self.held = os.path.join(directory, "held")

    def start(self):
        open(self.hold, "w").close()

    def wait_stopped(self):
        wait_until(lambda: os.path.exists(self.held), 20, what="the writer's bounded burst")

    def release(self):
        os.unlink(self.hold)


def test_a_follow_goes_on_from_its_cursor_across_kill9_and_reexec(daemons):
    # Files of 4 KiB and two backups: the oldest file is dropped every 400 lines or so, while
    # the daemons run and while none does, so the cursor must mean the same byte to the next.
    args = ["--log-max-bytes", "4096", "--log-backups", "2"]
    first = daemons(args=args)
    first.spawn(bursts_writer(first.dir), name="counter")
    with reading(first, "logs", "counter", "--follow", "-n", "100000") as follow:
        # Past the first dropped file before the kill (12 KiB hold about 1,300 lines).
        follow.wait_for(lambda l: len(numbers(l)) > 1500, "a dropped log file")
        # A file or more is dropped while no daemon runs, and not the cursor's.
        hold = Hold(first.dir)
        hold.start()
        kill9(first)
        printed = len(follow.lines)
        hold.wait_stopped()
        second = restart(daemons, first, args=args)
        hold.release()
        follow.wait_for(lambda l: len(l) > printed + 1000, "lines from the next daemon")
        hold.start()
        reexec(second)
        printed = len(follow.lines)
        hold.wait_stopped()
        hold.release()
        follow.wait_for(lambda l: len(l) > printed + 1000, "lines from the upgraded daemon")
        open(os.path.join(first.dir, "go"), "w").close()
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
    # From the daemon's first event: a watch that had connected but not yet subscribed when `a`
    # started would otherwise never see that start.
    with reading(first, "watch", "a", "b", "--json", "--count", "3", "--since", "0") as watch:
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


@contextlib.contextmanager
def collecting(watch):
    """The items of a Client.watch, appended to the list yielded as they come; the watch is
    closed at the end of the block, which must end its iteration."""
    items = []
    iterated = in_background(lambda: [items.append(item) for item in watch])
    try:
        yield items
    finally:
        watch.close()
    iterated.result(timeout=10)


def test_a_python_watch_goes_on_with_the_next_daemon_and_says_so(daemons):
    first = daemons()
    gate = os.path.join(first.dir, "go")
    with Client(first.socket) as c:
        watch = c.watch(["a", "b"])
        with collecting(watch) as items:
            pid = first.spawn(["sh", "-c", f"while [ ! -e {gate} ]; do sleep 0.02; done; exit 3"],
                              name="a")["pid"]
            wait_until(lambda: len(items) == 1, 20, what="the start to be yielded")
            kill9(first)
            # It ends while no daemon runs: the next one tells it, and the watch gets that too.
            open(gate, "w").close()
            wait_until(lambda: not os.path.exists(f"/proc/{pid}"), 10, what="a to be reaped")
            second = restart(daemons, first)
            wait_until(lambda: len(items) == 3, 40, what="the exit told by the next daemon")
            second.spawn(["sh", "-c", "exit 4"], name="b")
            wait_until(lambda: len(items) == 5, 20, what="b's start and exit")
            # An upgrade in place numbers the events afresh too.
            reexec(second)
            wait_until(lambda: len(items) == 6, 40, what="the watch to reach the upgraded daemon")
            second.spawn(["sh", "-c", "exit 5"], name="b")
            wait_until(lambda: len(items) == 8, 20, what="b's second start and exit")
    assert [(i.get("type"), i.get("name"), i.get("exitcode")) for i in items] == [
        ("started", "a", None), (None, None, None), ("exited", "a", 3),
        ("started", "b", None), ("exited", "b", 4),
        (None, None, None), ("started", "b", None), ("exited", "b", 5)], items
    epochs = [watch.started["epoch"]]
    for marker in (items[1], items[5]):
        assert marker["reconnected"]["renumbered"] is True, marker
        assert marker["reconnected"]["socket"] == first.socket
        epochs.append(marker["reconnected"]["epoch"])
    assert len(set(epochs)) == 3 and watch.epoch == epochs[-1], epochs
    # Each daemon numbers its own events: within one, no seq comes twice or goes back.
    for run in (items[2:5], items[6:]):
        assert [e["seq"] for e in run] == sorted({e["seq"] for e in run}), run


def test_a_python_watch_cut_off_by_the_same_daemon_goes_on_after_its_last_event(shoal):
    with Client(shoal.socket) as c:
        watch = c.watch()
        with collecting(watch) as items:
            shoal.spawn(["true"], name="one")
            wait_until(lambda: len(items) == 2, 20, what="one's start and exit")
            # As the daemon cuts off a watcher holding too much unread: the same numbering.
            watch._client._sock.shutdown(socket.SHUT_RDWR)
            wait_until(lambda: len(items) == 3, 20, what="the watch to connect again")
            shoal.spawn(["true"], name="two")
            wait_until(lambda: len(items) == 5, 20, what="two's start and exit")
    assert items[2] == {"reconnected": {"socket": shoal.socket, "epoch": watch.started["epoch"],
                                        "renumbered": False, "lost": 0}}, items
    events = items[:2] + items[3:]
    assert [(e["type"], e["name"]) for e in events] == [
        ("started", "one"), ("exited", "one"), ("started", "two"), ("exited", "two")]
    assert [e["seq"] for e in events] == sorted({e["seq"] for e in events})
