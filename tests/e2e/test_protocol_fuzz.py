"""A bounded protocol fuzzer.

For SHOAL_FUZZ_SECONDS (default 20) bursts of random and mutated input (fuzz_inputs.py) go to
the daemon over many connections that open, pipeline, close mid-line and vanish. After each
burst the daemon must answer `hello`, on every connection it kept and on a new one; every line
it wrote must be a well-formed reply with a documented error code, never `internal`. A
well-behaved client is served all along. At the end the daemon must hold no more descriptors
than before, have no zombie, and still hold every value and process the fuzzer never named.

Seeded: SHOAL_FUZZ_SEED=N replays a run's inputs; the seed is printed and named in every
failure. The figures of a run (FUZZ SUMMARY) go to docs/reliability.md.
"""

import collections
import json
import os
import random
import re
import select
import socket
import threading
import time

from fuzz_inputs import PROTECTED, Inputs, touches_protected
from harness import SOURCE_DIR, children_of, ok, wait_until

SECONDS = float(os.environ.get("SHOAL_FUZZ_SECONDS") or 20)
SEED = int(os.environ.get("SHOAL_FUZZ_SEED") or random.SystemRandom().randrange(2 ** 32))


def documented_error_codes():
    with open(os.path.join(SOURCE_DIR, "docs", "protocol.md")) as f:
        codes = set(re.findall(r"^\| `([a-z_]+)` \|", f.read(), re.M))
    assert "bad_request" in codes and "too_large" in codes, codes
    return codes


class Connection:
    """One fuzzing connection: writes whatever it is given, and checks every line it reads."""

    def __init__(self, path, codes, stats):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(30)
        self.sock.connect(path)
        self.codes = codes
        self.stats = stats
        self.buffer = b""
        self.write_failed = False  # the daemon closed its end; what it wrote may still be unread
        self.eof = False
        self.told_too_large = False
        self.marker = None
        self.marker_answered = False

    def send(self, data):
        if self.write_failed or self.eof:
            return
        try:
            self.sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            self.write_failed = True
        except socket.timeout:
            raise AssertionError("the daemon stopped reading a connection for 30 s")

    def pump(self, wait=0.0):
        """Reads what has arrived; True when something did."""
        got = False
        while not self.eof and select.select([self.sock], [], [], wait)[0]:
            wait = 0
            try:
                chunk = self.sock.recv(1 << 20)
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                self.eof = True
                break
            got = True
            self.buffer += chunk
            *lines, self.buffer = self.buffer.split(b"\n")
            for line in lines:
                self.check(line)
        return got

    def check(self, line):
        try:
            reply = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise AssertionError(f"the daemon wrote a line that is not JSON: {line[:300]!r}")
        assert isinstance(reply, dict) and "id" in reply, f"not a reply: {line[:300]!r}"
        if "event" in reply:
            assert isinstance(reply["event"], dict) and "seq" in reply["event"], reply
            self.stats["events"] += 1
            return
        assert reply.get("ok") in (True, False), f"reply without ok: {line[:300]!r}"
        if reply["ok"]:
            assert "result" in reply, reply
            self.stats["replies ok"] += 1
            if self.marker is not None and reply["id"] == self.marker:
                self.marker_answered = True
            return
        error = reply.get("error")
        assert isinstance(error, dict), reply
        code, message = error.get("code"), error.get("message")
        assert code in self.codes, f"undocumented error code {code!r}: {line[:300]!r}"
        assert code != "internal", f"the daemon reported an internal error: {line[:500]!r}"
        assert isinstance(message, str) and message, f"an error without a message: {reply}"
        self.stats[f"error {code}"] += 1
        if code == "too_large":
            self.told_too_large = True

    def finish(self, marker):
        """Asks hello after everything sent so far; the answer must come, unless the daemon
        closed this connection after answering too_large."""
        self.marker, self.marker_answered = marker, False
        self.send(json.dumps({"id": marker, "op": "hello"}).encode() + b"\n")
        deadline = time.monotonic() + 30
        while not self.marker_answered:
            if self.eof:
                assert self.told_too_large, \
                    "the daemon closed a connection without a too_large reply"
                return
            assert time.monotonic() < deadline, "no answer to hello within 30 s"
            self.pump(0.5)

    def close(self):
        self.sock.close()


def well_behaved_client(path, stop, outcome):
    """Asks hello and reads a protected value every 50 ms until told to stop."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(30)
            s.connect(path)
            f = s.makefile("rwb")
            n = 0
            while not stop.is_set():
                began = time.monotonic()
                for op in ({"op": "hello"}, {"op": "value_get", "name": f"{PROTECTED}-int"}):
                    n += 1
                    f.write(json.dumps({"id": n, **op}).encode() + b"\n")
                    f.flush()
                    reply = json.loads(f.readline())
                    assert reply["id"] == n and reply["ok"] is True, reply
                    if op["op"] == "value_get":
                        assert reply["result"]["value"] == 42, reply
                outcome["slowest"] = max(outcome.get("slowest", 0), time.monotonic() - began)
                outcome["served"] = outcome.get("served", 0) + 1
                stop.wait(0.05)
    except Exception as e:  # reported by the test, which fails on it
        outcome["error"] = repr(e)


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def descriptors(pid):
    return sorted(os.listdir(f"/proc/{pid}/fd"), key=int)


def protected_state(shoal):
    values = {}
    for name in (f"{PROTECTED}-int", f"{PROTECTED}-dbl"):
        values[name] = ok(shoal.request({"op": "value_get", "name": name}))
    values[f"{PROTECTED}-arr"] = ok(shoal.request({"op": "array_get", "name": f"{PROTECTED}-arr"}))
    record = shoal.record(f"{PROTECTED}-sleeper")
    values["sleeper"] = {k: record[k] for k in ("pid", "state", "argv", "exitcode")}
    values["locks"] = [lock for lock in ok(shoal.request({"op": "lock_list"}))["locks"]
                       if lock["name"].startswith(PROTECTED)]
    return values


def end_fuzzed_state(shoal):
    """Frees the locks the fuzzer took, deletes the named locks it made (each has a semaphore
    in /dev/shm), and stops whatever it started (a restart policy would keep it coming back)."""
    if ok(shoal.request({"op": "lock_status"}))["held"]:
        ok(shoal.request({"op": "lock_release", "force": True}))
    for lock in ok(shoal.request({"op": "lock_list"}))["locks"]:
        if lock["name"].startswith(PROTECTED):
            continue
        if lock["held"]:
            ok(shoal.request({"op": "lock_release", "name": lock["name"], "force": True}))
        ok(shoal.request({"op": "lock_delete", "name": lock["name"]}))
    for record in ok(shoal.request({"op": "status"}))["processes"]:
        if record["name"].startswith(PROTECTED) or record["state"] in ("exited", "fatal"):
            continue
        reply = shoal.request({"op": "stop", "name": record["name"], "timeout": 0.2}, timeout=30)
        assert reply["ok"] or reply["error"]["code"] == "not_found", reply

    def all_done():
        records = ok(shoal.request({"op": "status"}))["processes"]
        return all(r["state"] in ("exited", "fatal") for r in records
                   if not r["name"].startswith(PROTECTED))
    wait_until(all_done, 30, what="every fuzzed process to end")


def test_fuzzed_requests_never_break_the_daemon(shoal):
    print(f"fuzz seed {SEED} for {SECONDS:g} s (SHOAL_FUZZ_SEED={SEED} replays it)")
    try:
        run_fuzzer(shoal)
    except AssertionError as e:
        raise AssertionError(f"{e}\n(fuzz seed {SEED}: rerun with SHOAL_FUZZ_SEED={SEED})") from e


def run_fuzzer(shoal):
    rng = random.Random(SEED)
    inputs = Inputs(rng, os.getpid())
    codes = documented_error_codes()
    stats = collections.Counter()

    ok(shoal.request({"op": "value_create", "name": f"{PROTECTED}-int", "typecode": "i",
                      "value": 42}))
    ok(shoal.request({"op": "value_create", "name": f"{PROTECTED}-dbl", "typecode": "d",
                      "value": 2.5}))
    ok(shoal.request({"op": "array_create", "name": f"{PROTECTED}-arr", "typecode": "q",
                      "length": 4, "values": [1, -2, 3, -4]}))
    ok(shoal.request({"op": "lock_create", "name": f"{PROTECTED}-lock"}))
    shoal.spawn(["sleep", "3600"], name=f"{PROTECTED}-sleeper")
    before = protected_state(shoal)
    wait_until(lambda: ok(shoal.request({"op": "hello"}))["clients"] == 1, 20,
               what="the daemon to hold only the test's connection")
    fds_before = descriptors(shoal.pid)

    stop = threading.Event()
    outcome = {}
    steady = threading.Thread(target=well_behaved_client, args=(shoal.socket, stop, outcome))
    steady.start()
    peak_rss = rss_bytes(shoal.pid)
    peak_connections = 0
    began = time.monotonic()
    bursts = 0
    try:
        while time.monotonic() - began < SECONDS:
            bursts += 1
            connections = [Connection(shoal.socket, codes, stats)
                           for _ in range(rng.randint(1, 12))]
            stats["connections"] += len(connections)
            for _ in range(rng.randint(10, 150)):
                kind, data = inputs.line()
                if touches_protected(data):
                    continue
                c = rng.choice(connections)
                c.send(data)
                stats[f"input {kind}"] += 1
                stats["inputs"] += 1
                stats["bytes sent"] += len(data)
                if rng.random() < 0.2:
                    c.pump()
                roll = rng.random()
                if roll < 0.02:
                    # A client that vanishes mid-line, with replies unread.
                    c.send(data[:rng.randint(0, len(data))].rstrip(b"\n"))
                    c.close()
                    connections.remove(c)
                    connections.append(Connection(shoal.socket, codes, stats))
                    stats["connections"] += 1
                    stats["closed mid-line"] += 1
                elif roll < 0.03:
                    # A storm of connections that open and close at once.
                    storm = [socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                             for _ in range(rng.randint(10, 60))]
                    for s in storm:
                        s.connect(shoal.socket)
                    peak_connections = max(peak_connections, len(connections) + len(storm))
                    for s in storm:
                        s.close()
                    stats["connections"] += len(storm)
            peak_connections = max(peak_connections, len(connections))
            for i, c in enumerate(connections):
                c.finish(f"marker-{bursts}-{i}")
                c.close()
            assert shoal.proc.poll() is None, f"shoald exited with {shoal.proc.returncode}"
            with shoal.connect(timeout=30) as fresh:
                assert ok(fresh.request({"op": "hello"}, timeout=30))["pid"] == shoal.pid
            peak_rss = max(peak_rss, rss_bytes(shoal.pid))
    finally:
        stop.set()
        steady.join(60)
    elapsed = time.monotonic() - began
    assert "error" not in outcome, f"the well-behaved client failed: {outcome['error']}"
    assert outcome.get("served", 0) > 0

    end_fuzzed_state(shoal)
    wait_until(lambda: not [p for p, state in children_of(shoal.pid) if state == "Z"], 20,
               what="no zombie child of the daemon")
    wait_until(lambda: ok(shoal.request({"op": "hello"}))["clients"] == 1, 20,
               what="every fuzzing connection to be closed")
    wait_until(lambda: descriptors(shoal.pid) == fds_before, 20,
               what=f"the daemon's descriptors to be {fds_before} again "
                    f"(now {descriptors(shoal.pid)})")
    assert protected_state(shoal) == before
    assert "shoald: error:" not in shoal.stderr()

    summary = {
        "seed": SEED, "seconds": round(elapsed, 1), "bursts": bursts,
        "inputs": stats["inputs"], "bytes sent": stats["bytes sent"],
        "connections": stats["connections"], "peak concurrent connections": peak_connections,
        "closed mid-line": stats["closed mid-line"],
        "replies ok": stats["replies ok"], "events": stats["events"],
        "errors": {k[6:]: v for k, v in sorted(stats.items()) if k.startswith("error ")},
        "inputs by kind": {k[6:]: v for k, v in sorted(stats.items()) if k.startswith("input ")},
        "well-behaved requests": outcome["served"] * 2,
        "well-behaved slowest (s)": round(outcome["slowest"], 3),
        "peak RSS (MiB)": round(peak_rss / (1 << 20), 1),
        "descriptors before/after": [len(fds_before), len(descriptors(shoal.pid))],
    }
    print("FUZZ SUMMARY " + json.dumps(summary))
