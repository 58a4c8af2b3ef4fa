"""A shoald of the peer benchmark's own, and a raw line client for it.

The daemon runs in a temp directory of the caller's (socket, state dir, stderr log), with a
clean environment plus the caller's marker, and is stopped with SIGTERM and `shoald --cleanup`
so that no process, file or /dev/shm entry outlives the benchmark (the same contract as
bench/private_daemon.cpp)."""

import json
import os
import signal
import socket
import subprocess
import time

from measure import BenchError, timed
import proc_stats


def clean_env(extra=None):
    """The caller's environment without anything that could point shoal at another daemon."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("SHOAL_") and k != "XDG_RUNTIME_DIR"}
    env.update(extra or {})
    return env


class LineClient:
    """One connection; writes whole lines and reads whole lines, no JSON in the way, so that a
    timed round trip ends when the last byte of the reply has arrived."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        # Received bytes land in one buffer made once: a fresh 1 MiB bytes object for each
        # recv() cost the client 30 to 40 us of allocation per `status` of 100, charged to the
        # daemon's figure.
        self.received = bytearray(1 << 20)
        self.view = memoryview(self.received)
        self.start = 0  # the first byte not returned yet
        self.end = 0  # one past the last byte received

    def close(self):
        self.sock.close()

    def send(self, data):
        self.sock.sendall(data)

    def read_line(self):
        scanned = self.start
        while True:
            eol = self.received.find(b"\n", scanned, self.end)
            if eol >= 0:
                line = bytes(self.view[self.start:eol])
                self.start = eol + 1
                if self.start == self.end:
                    self.start = self.end = 0
                return line
            scanned = self.end
            if self.end == len(self.received):
                # Move what is pending to the front, or grow for a line longer than the buffer.
                pending = self.end - self.start
                if self.start == 0:
                    self.view.release()
                    self.received.extend(bytes(len(self.received)))
                    self.view = memoryview(self.received)
                else:
                    self.received[:pending] = self.received[self.start:self.end]
                self.start, self.end, scanned = 0, pending, pending
            got = self.sock.recv_into(self.view[self.end:])
            if not got:
                raise BenchError("shoald closed the connection")
            self.end += got

    def round_trip(self, line):
        self.send(line)
        return self.read_line()

    def pipelined(self, requests, samples):
        """Writes every request at once and times until the last reply has arrived."""
        lines = b"".join(request_line(r) for r in requests)
        with timed(samples):
            self.send(lines)
            replies = [self.read_line() for _ in requests]
        for r in replies:
            if b'"ok":true' not in r:
                raise BenchError(f"shoald refused a request: {r[:300]!r}")

    def call(self, request):
        """A request as a dict; its result, or BenchError naming the refusal."""
        reply = json.loads(self.round_trip(request_line(request)))
        if not reply.get("ok"):
            raise BenchError(f"shoald refused {request}: {reply.get('error')}")
        return reply["result"]


def request_line(request):
    return (json.dumps(request, separators=(",", ":")) + "\n").encode()


class PrivateShoald:
    """`with PrivateShoald(bin_dir, work_dir, marker) as d:` d.socket, d.pid, d.client()."""

    def __init__(self, bin_dir, work_dir, marker):
        self.shoald = os.path.join(bin_dir, "shoald")
        self.shoal = os.path.join(bin_dir, "shoal")
        self.dir = os.path.join(work_dir, "shoal")
        self.socket = os.path.join(self.dir, "s.sock")
        self.state_dir = os.path.join(self.dir, "state")
        self.env = clean_env(dict([marker.split("=", 1)]))
        self.proc = None
        self.hello = {}

    def __enter__(self):
        os.makedirs(self.dir, mode=0o700)
        with open(os.path.join(self.dir, "shoald.err"), "wb") as err:
            self.proc = subprocess.Popen(
                [self.shoald, "--socket", self.socket, "--state-dir", self.state_dir,
                 "--stop-timeout", "2", "--log-level", "warning"],
                stdin=subprocess.DEVNULL, stdout=err, stderr=err, env=self.env)
        try:
            self.hello = self._wait_for_hello(10)
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        problems = self.stop()
        if problems and exc[0] is None:
            raise BenchError(problems)
        return False

    @property
    def pid(self):
        return self.proc.pid

    def client(self):
        return LineClient(self.socket)

    def cli_env(self):
        """The environment `shoal` runs in: pointed at this daemon only."""
        return clean_env({"SHOAL_SOCKET": self.socket})

    def _wait_for_hello(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"shoald exited with {self.proc.returncode} during start-up: "
                                 f"{self._log()}")
            try:
                c = self.client()
                try:
                    return c.call({"id": 0, "op": "hello"})
                finally:
                    c.close()
            except (FileNotFoundError, ConnectionRefusedError):
                time.sleep(0.005)
        raise BenchError(f"shoald did not answer hello on {self.socket} within {timeout} s")

    def _log(self):
        try:
            with open(os.path.join(self.dir, "shoald.err"), errors="replace") as f:
                return f.read().strip()
        except OSError:
            return ""

    def stop(self):
        """SIGTERM, reap (SIGKILL after 20 s), --cleanup, check /dev/shm. Idempotent; a string
        saying what was not clean, or ''."""
        if self.proc is None:
            return ""
        problems = []
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            code = proc_stats.wait_gone(self.proc.pid, 20)
            if code is None:
                self.proc.kill()
                self.proc.wait()
                problems.append("shoald ignored SIGTERM for 20 s")
            elif code != 0:
                problems.append(f"shoald exited with {code} on SIGTERM")
        else:
            problems.append(f"shoald exited with {self.proc.returncode} before it was stopped")
        self.proc = None
        cleanup = subprocess.run([self.shoald, "--socket", self.socket, "--state-dir",
                                  self.state_dir, "--cleanup"], env=self.env,
                                 stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                 timeout=30)
        if cleanup.returncode != 0:
            problems.append(f"shoald --cleanup exited with {cleanup.returncode}: "
                            f"{cleanup.stderr.strip()}")
        shm, lock = self.hello.get("shm", ""), self.hello.get("lock", "")
        if shm and os.path.exists("/dev/shm" + shm):
            problems.append(f"shared segment {shm} was left in /dev/shm")
        if lock and os.path.exists("/dev/shm/sem." + lock[1:]):
            problems.append(f"semaphore {lock} was left in /dev/shm")
        if problems and self._log():
            problems.append("shoald said: " + self._log())
        return "; ".join(problems)
