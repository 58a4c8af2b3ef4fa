"""What clients that ask without reading cost the daemon: all of them together at most
--max-queued-bytes, past which the one holding the most is disconnected."""

import os
import re
import subprocess
import sys
import time

import pytest

from harness import SHOALD, clean_env, error_code, helper, ok, wait_until

MIB = 1 << 20
CUT_LINE = re.compile(r"disconnecting client pid (\d+) uid (\d+), which holds the most memory: "
                      r"(\d+) bytes .* all clients hold (\d+) bytes, over --max-queued-bytes (\d+)")


# AddressSanitizer holds freed memory in a quarantine of 256 MiB; for resident memory to say
# what the daemon holds, its daemons here run without one (a no-op for the plain build).
LEAN_ALLOCATOR = {"ASAN_OPTIONS": ":".join(filter(None, [os.environ.get("ASAN_OPTIONS", ""),
                                                         "quarantine_size_mb=0"]))}


def rss_limit(pid, cap, shm_size, largest_reply):
    """What the daemon's resident memory must stay below (docs/reliability.md, "The bound"):
    the cap, the segment, 48 MiB for the program and the request being handled, and twice
    the largest whole-array reply while it is written. Under AddressSanitizer every
    allocation also costs shadow memory and a quarantine."""
    with open(f"/proc/{pid}/maps") as f:
        sanitized = "libasan" in f.read()
    return cap + shm_size + (160 if sanitized else 48) * MIB + 2 * largest_reply


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for pid {pid}")


def cut_offs(shoal):
    return [tuple(int(g) for g in m.groups()) for m in CUT_LINE.finditer(shoal.stderr())]


class Greedy:
    """A client in its own process, so the daemon's log can name it by pid."""

    def __init__(self, socket_path, mode, count):
        self.proc = subprocess.Popen([sys.executable, helper("greedy_client.py"), socket_path,
                                      mode, str(count)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, env=clean_env())
        self.pid = self.proc.pid

    def wait_sent(self, timeout=30):
        line = self.proc.stdout.readline().decode().strip()
        assert line in ("sent", "cut"), f"greedy client {self.pid} said {line!r}"
        return line

    def stop(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


def serve_and_watch(shoal, probe, until, timeout, what):
    """Until `until()` holds: the well-behaved `probe` connection must be answered each time,
    and the daemon's resident memory is sampled. Returns the peak."""
    peak = 0
    deadline = time.monotonic() + timeout
    while True:
        peak = max(peak, rss_bytes(shoal.pid))
        assert ok(probe.request({"op": "hello"}, timeout=60))["pid"] == shoal.pid
        if until():
            return max(peak, rss_bytes(shoal.pid))
        assert time.monotonic() < deadline, f"timed out after {timeout} s waiting for {what}"
        time.sleep(0.02)


def reply_bytes():
    """Big enough that a handful of replies overflow what the kernel buffers for a socket."""
    with open("/proc/sys/net/core/wmem_default") as f:
        wmem = int(f.read())
    return max(256 * 1024, 2 * wmem)


@pytest.mark.parametrize("mode, count", [
    ("array_get:big", 64),   # replies it never reads
    ("join:sleeper", 5000),  # requests kept waiting for an answer
    ("partial", MIB - 64),   # a request line it never ends
])
def test_sixteen_clients_that_never_read_cost_at_most_the_cap(daemons, mode, count):
    cap = 8 * MIB
    shoal = daemons(args=["--max-queued-bytes", "8M", "--shm-size", "4M"], env=LEAN_ALLOCATOR)
    assert shoal.hello["max_queued_bytes"] == cap
    ok(shoal.request({"op": "array_create", "name": "big", "typecode": "b",
                      "length": reply_bytes() // 2}))
    shoal.spawn(["sleep", "600"], name="sleeper")
    greedy = []
    try:
        with shoal.connect(timeout=30) as probe:
            for _ in range(16):
                greedy.append(Greedy(shoal.socket, mode, count))
            for g in greedy:
                g.wait_sent()
            pids = {g.pid for g in greedy}
            if mode == "partial":
                # 16 lines of almost 1 MiB exceed 8 MiB: some of their senders must go.
                until = lambda: len(cut_offs(shoal)) >= 1 and \
                    ok(probe.request({"op": "hello"}, timeout=60))["queued_bytes"] <= cap
            else:
                # Each alone asks for more than the cap: every one of them is cut off in turn.
                until = lambda: len(cut_offs(shoal)) >= 16
            peak = serve_and_watch(shoal, probe, until, 120, f"cut-offs of {mode} clients")
            limit = rss_limit(shoal.pid, cap, 4 * MIB, reply_bytes())
            print(f"{mode}: resident memory peaked at {peak / MIB:.1f} MiB (limit {limit / MIB:.1f})")
            assert peak < limit, f"resident memory peaked at {peak} bytes, over {limit}"
            for pid, uid, held, total, logged_cap in cut_offs(shoal):
                assert pid in pids and uid == os.getuid()
                assert 0 < held <= total and total > logged_cap == cap
            cut = [pid for pid, *_ in cut_offs(shoal)]
            assert len(cut) == len(set(cut)), f"a client was cut off twice: {cut}"
            assert ok(probe.request({"op": "hello"}, timeout=60))["queued_bytes"] <= cap
    finally:
        for g in greedy:
            g.stop()
    # Once they are gone, nothing is held for them.
    wait_until(lambda: ok(shoal.request({"op": "hello"}))["queued_bytes"] < MIB, 30,
               what="the cut-off and departed clients' bytes to be released")


def test_the_client_holding_the_most_is_the_one_cut_off(daemons):
    cap = 32 * MIB
    shoal = daemons(args=["--max-queued-bytes", "32M", "--shm-size", "4M"])
    size = reply_bytes()
    ok(shoal.request({"op": "array_create", "name": "mid", "typecode": "b", "length": size // 2}))
    small = [shoal.connect(timeout=30) for _ in range(15)]
    big = None
    try:
        # 15 clients ask for 2 replies each and do not read yet: together well under the cap.
        for c in small:
            c.send_bytes(b"".join(b'{"id": %d, "op": "array_get", "name": "mid"}\n' % i
                                  for i in range(2)))
        with shoal.connect(timeout=30) as probe:
            wait_until(lambda: ok(probe.request({"op": "hello"}, timeout=60))["queued_bytes"]
                       >= 15 * size, 120, what="the small clients' replies to be queued")
            big = Greedy(shoal.socket, "array_get:mid", 200)
            big.wait_sent()
            serve_and_watch(shoal, probe, lambda: cut_offs(shoal), 60, "a cut-off")
            assert [c[0] for c in cut_offs(shoal)] == [big.pid]
            pid, uid, held, total, _ = cut_offs(shoal)[0]
            assert held > 4 * size + 64 * 1024, "the cut client held less than a small one can"
            assert total - held >= 15 * size, "the small clients held nothing when it was cut"
        # The small clients were left alone: every reply they asked for is still there.
        for c in small:
            values = [ok(c.read_reply(timeout=30))["values"] for _ in range(2)]
            assert all(len(v) == size // 2 for v in values)
    finally:
        for c in small:
            c.close()
        if big is not None:
            big.stop()
    assert ok(shoal.request({"op": "hello"}))["queued_bytes"] < MIB
    assert ok(shoal.request({"op": "hello"}))["max_queued_bytes"] == cap


def test_a_reply_larger_than_the_cap_is_too_large_and_the_connection_stays(daemons):
    # The array is made by a daemon with room for its reply; the one after it has less.
    first = daemons(args=["--shm-size", "8M"])
    # Its reply is 6 MB of JSON: under the sanitizers, on a loaded machine, that takes a while.
    ok(first.request({"op": "array_create", "name": "huge", "typecode": "b", "length": 3 * MIB},
                     timeout=120))
    assert first.terminate()[0] == 0
    first.expected_exit = None
    shoal = daemons(directory=first.dir, args=["--max-queued-bytes", "4M", "--shm-size", "8M"])
    with shoal.connect(timeout=120) as c:
        reply = c.request({"id": "all", "op": "array_get", "name": "huge"}, timeout=120)
        assert reply["id"] == "all"
        assert error_code(reply) == "too_large"
        assert "--max-queued-bytes" in reply["error"]["message"]
        one = ok(c.request({"op": "array_get", "name": "huge", "index": 5}))
        assert one["value"] == 0
        # A request that changes something is carried out; only its reply is withheld.
        reply = c.request({"op": "array_create", "name": "huge2", "typecode": "b",
                           "length": 3 * MIB}, timeout=120)
        assert error_code(reply) == "too_large"
        assert "was done" in reply["error"]["message"]
        assert ok(c.request({"op": "array_get", "name": "huge2", "index": 0}))["value"] == 0
    assert "disconnecting client" not in shoal.stderr()


@pytest.mark.parametrize("value", ["1K", "3M", "0", "lots", "2T", ""])
def test_max_queued_bytes_out_of_range_is_a_usage_error(tmp_dir, value):
    proc = subprocess.run([SHOALD, "--socket", os.path.join(tmp_dir, "s.sock"),
                           "--state-dir", os.path.join(tmp_dir, "state"),
                           f"--max-queued-bytes={value}"],
                          capture_output=True, text=True, timeout=30, env=clean_env(),
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 2
    assert "--max-queued-bytes needs a size between 4M and 1T" in proc.stderr
    assert not os.path.exists(os.path.join(tmp_dir, "s.sock"))
