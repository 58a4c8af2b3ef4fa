"""Out of file descriptors: the daemon says so once a second, keeps serving the clients it
has, and accepts again as soon as descriptors are free."""

import os
import re
import resource
import time

from harness import Client, ok, raise_nofile, wait_until

LIMIT = 40
FAILED = re.compile(r"unable to accept a connection on '[^']*': Too many open files \(RLIMIT_NOFILE "
                    r"is 40; [^)]*\); retrying every 100 ms(?: \((\d+) more failure\(s\) since the "
                    r"last report\))?")


def low_descriptor_limit():
    resource.setrlimit(resource.RLIMIT_NOFILE, (LIMIT, LIMIT))


def open_descriptors(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def test_running_out_of_descriptors_is_logged_once_a_second_and_recovered_from(daemons):
    raise_nofile(4 * LIMIT)
    shoal = daemons.create().start(preexec_fn=low_descriptor_limit)
    with shoal.connect(timeout=30) as probe:
        wait_until(lambda: ok(probe.request({"op": "hello"}))["clients"] == 1, 20,
                   what="the daemon to hold no connection but the probe's")
        before = open_descriptors(shoal.pid)
        free = LIMIT - before
        assert 5 < free < LIMIT
        # More connections than the daemon has descriptors for: the kernel queues the rest.
        began = time.monotonic()
        clients = [Client(shoal.socket, timeout=30) for _ in range(free + 10)]
        try:
            wait_until(lambda: FAILED.search(shoal.stderr()), 20, what="the first accept failure")
            # The clients it has are served meanwhile.
            assert ok(probe.request({"op": "hello"}))["pid"] == shoal.pid
            assert ok(clients[0].request({"op": "hello"}))["pid"] == shoal.pid
            # A later report counts the attempts held back since the one before.
            wait_until(lambda: any(m.group(1) for m in FAILED.finditer(shoal.stderr())), 20,
                       what="a report counting held-back failures")
            elapsed = time.monotonic() - began
            reports = list(FAILED.finditer(shoal.stderr()))
            assert len(reports) <= int(elapsed) + 2, f"{len(reports)} reports in {elapsed:.1f} s"
        finally:
            for c in clients:
                c.close()
        # With those clients gone, new connections are accepted again...
        with shoal.connect(timeout=30) as c:
            assert ok(c.request({"op": "hello"}, timeout=20))["pid"] == shoal.pid
        wait_until(lambda: re.search(r"accepting connections on '[^']*' again, after \d+ failed "
                                     r"attempt\(s\)", shoal.stderr()), 20, what="the recovery line")
        # ...and every descriptor the episode took is given back.
        wait_until(lambda: ok(probe.request({"op": "hello"}))["clients"] == 1, 20,
                   what="every other connection to be closed")
        wait_until(lambda: open_descriptors(shoal.pid) == before, 20,
                   what=f"the daemon to hold {before} descriptors again")
