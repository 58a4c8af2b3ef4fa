"""The daemon's own log (its stderr) never holds up its loop."""

import fcntl
import os
import re
import select
import socket
import time

import pytest

from harness import SANITIZER_MARKERS, ok

DROPPED = re.compile(rb"warning: (\d+) log line\(s\) dropped: standard error did not take them")


def small_stderr(kind):
    """(the daemon's end, the test's end) of a stderr that holds only a few KiB unread."""
    if kind == "pipe":
        read_end, write_end = os.pipe()
        fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, 4096)
        return write_end, read_end
    # A stream socket, as journald gives a service.
    daemon_end, test_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    daemon_end.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    test_end.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    return daemon_end.detach(), test_end.detach()


def read_available(fd, timeout):
    """What `fd` holds now, waiting up to `timeout` for the first byte."""
    data = b""
    wait = timeout
    while select.select([fd], [], [], wait)[0]:
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        data += chunk
        wait = 0
    return data


@pytest.mark.parametrize("kind", ["pipe", "socket"])
def test_a_stderr_nobody_reads_drops_lines_and_the_daemon_keeps_serving(daemons, kind):
    daemon_end, test_end = small_stderr(kind)
    shoal = daemons.create()
    try:
        shoal.start(stderr=daemon_end)
    finally:
        os.close(daemon_end)
    try:
        sleeper = shoal.spawn(["sleep", "600"], name="sleeper")
        # Every kill and every start and exit logs a line: far more than stderr and the
        # daemon's queue together hold, and each request must still be answered at once.
        slowest = 0.0
        with shoal.connect(timeout=30) as c:
            for i in range(3000):
                began = time.monotonic()
                if i % 100 == 0:
                    ok(c.request({"op": "start", "name": f"brief-{i}", "argv": ["true", "x" * 2000]}))
                else:
                    ok(c.request({"op": "kill", "name": "sleeper", "signal": "SIGCONT"}))
                slowest = max(slowest, time.monotonic() - began)
            began = time.monotonic()
            assert ok(c.request({"op": "hello"}, timeout=10))["pid"] == shoal.pid
            assert time.monotonic() - began < 5
        assert slowest < 10, f"a request took {slowest:.1f} s while stderr was full"
        assert shoal.record("sleeper")["pid"] == sleeper["pid"]

        # Once someone reads, what waited comes out, then how many lines were lost.
        received = b""
        deadline = time.monotonic() + 30
        while not DROPPED.search(received):
            assert time.monotonic() < deadline, \
                f"no dropped-lines notice within 30 s; got the last: {received[-500:]!r}"
            received += read_available(test_end, 0.5)
            # Keep the daemon logging, so a notice owed is written even by an idle loop.
            ok(shoal.request({"op": "kill", "name": "sleeper", "signal": "SIGCONT"}))
        dropped = int(DROPPED.search(received).group(1))
        print(f"{kind}: {len(received)} bytes of log read, {dropped} lines dropped, slowest "
              f"request {slowest:.3f} s")
        assert dropped > 100, received[-500:]
        # Whole lines only: a line is written entirely or not at all.
        lines = received.split(b"\n")
        for line in lines[:-1]:
            assert re.fullmatch(rb"[-0-9]{10} [:.0-9]{12} shoald: (debug|info|warning|error): .*",
                                line), line
        for marker in SANITIZER_MARKERS:
            assert marker.encode() not in received
    finally:
        os.close(test_end)


TIMESTAMPED = re.compile(rb"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} shoald: info: ", re.M)


def first_lines(daemon):
    """The daemon's log once it has logged that it accepts connections."""
    daemon.wait_ready()
    with open(daemon.stderr_path, "rb") as f:
        return f.read()


@pytest.mark.parametrize("journal", ["matching", "absent", "another stream"])
def test_priority_prefixes_only_when_stderr_is_the_journal(daemons, journal):
    daemon = daemons.create()
    env = {}
    if journal != "absent":
        # The journal's stream, as systemd announces it: the device and inode of stderr. A
        # child that inherited the variable but writes elsewhere must not be mistaken for it.
        open(daemon.stderr_path, "ab").close()
        st = os.stat(daemon.stderr_path if journal == "matching" else daemon.dir)
        env["JOURNAL_STREAM"] = f"{st.st_dev}:{st.st_ino}"
    daemon.start(env=env)
    log = first_lines(daemon)
    assert log, "shoald logged nothing"
    if journal == "matching":
        assert log.startswith(b"<6>shoald: info: "), log
        assert not TIMESTAMPED.search(log), log
    else:
        assert b"<6>" not in log, log
        assert TIMESTAMPED.match(log), log
