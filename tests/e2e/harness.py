"""Drives the real shoald and shoal binaries for the end-to-end tests.

Every daemon gets its own short temp directory under /tmp (a Unix socket path must stay below
108 bytes): D/s.sock, D/state, D/shoald.err. Teardown proves that the daemon stopped on SIGTERM
with exit code 0, that no child of it survives, and that its shared segment and lock are gone
after `shoald --cleanup`.
"""

import contextlib
import grp
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid

import pytest

BIN_DIR = os.environ.get("SHOAL_BIN_DIR", "")
SOURCE_DIR = os.environ.get(
    "SHOAL_SOURCE_DIR",
    os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
HELPERS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "helpers")
SHOALD = os.path.join(BIN_DIR, "shoald")
SHOAL = os.path.join(BIN_DIR, "shoal")

SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")


def clean_env(extra=None):
    """The test's environment without anything that could point a binary at another daemon."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOAL_")}
    env.pop("XDG_RUNTIME_DIR", None)
    if extra:
        env.update(extra)
    return env


def wait_until(predicate, timeout, interval=0.02, what="condition"):
    """Polls `predicate` until it returns a truthy value or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def pid_alive(pid):
    """True while `pid` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return False
    state = stat[stat.rindex(b")") + 2:].split()[0]
    return state not in (b"Z", b"X")


# nanosleep and clock_nanosleep, by machine (the kernel's syscall tables).
SLEEP_SYSCALLS = {"x86_64": {35, 230}, "aarch64": {101, 115}, "riscv64": {101, 115},
                  "i686": {162, 265, 407}, "armv7l": {162, 265, 407}}


def in_sleep_syscall(pid):
    """True once `pid` is blocked in nanosleep or clock_nanosleep: a program such as sleep(1)
    has finished starting (its locale loaded, every file it opened to start closed again) and
    will do nothing else until it wakes."""
    try:
        with open(f"/proc/{pid}/syscall") as f:
            fields = f.read().split()
    except OSError:
        return False
    numbers = SLEEP_SYSCALLS.get(os.uname().machine)
    if numbers is not None:
        return bool(fields) and fields[0].isdigit() and int(fields[0]) in numbers
    try:  # another machine: the kernel function it waits in
        with open(f"/proc/{pid}/wchan") as f:
            return "nanosleep" in f.read()
    except OSError:
        return False


def wait_asleep(pid, timeout=30):
    wait_until(lambda: in_sleep_syscall(pid), timeout,
               what=f"pid {pid} to settle in its sleep system call")


def voluntary_switches(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("voluntary_ctxt_switches:"):
                return int(line.split()[1])
    raise AssertionError(f"no voluntary_ctxt_switches for pid {pid}")


def quiet_for(pid, seconds):
    """The daemon's wake-ups (voluntary context switches) over `seconds` once it has gone
    back to sleep after the last request; the settling itself is bounded."""
    previous = voluntary_switches(pid)
    deadline = time.monotonic() + 10
    while True:  # the reply to our last request may still be on its way out
        time.sleep(0.1)
        now = voluntary_switches(pid)
        if now == previous or time.monotonic() > deadline:
            break
        previous = now
    time.sleep(seconds)
    return voluntary_switches(pid) - now


def children_of(ppid):
    """(pid, state) for every process whose parent is `ppid`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(b")") + 2:].split()
        if int(fields[1]) == ppid:
            found.append((int(entry), fields[0].decode()))
    return found


def is_keeper(pid):
    """Whether `pid` is a live shoald keeper (not a zombie, not a reused pid)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv = f.read().split(b"\0")
    except OSError:
        return False
    return len(argv) > 1 and argv[1] == b"--keeper" and pid_alive(pid)


def kill_keeper(pid, timeout=10):
    """SIGKILL to a keeper and every child it holds; waits until they are gone."""
    for child, _ in children_of(pid):
        try:
            os.kill(child, signal.SIGKILL)
        except OSError:
            pass
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
    wait_until(lambda: not is_keeper(pid), timeout, what=f"keeper {pid} to die")


def environ_entries(pid, timeout=10):
    """The environment of process `pid`, as its list of KEY=VALUE byte strings. A process just
    started may still be inside execve: its parent has been let go, but the kernel shows the new
    environment only once exec has laid it out (an empty read until then), so wait for it."""
    def read():
        with open(f"/proc/{pid}/environ", "rb") as f:
            return [e for e in f.read().split(b"\0") if e]
    return wait_until(read, timeout, what=f"process {pid} to finish its exec")


def processes_with_env(entry):
    """Pids of live processes whose environment holds exactly `entry` (e.g. SHOAL_SOCKET=...)."""
    needle = entry.encode()
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                environ = f.read().split(b"\0")
        except OSError:
            continue
        if needle in environ and pid_alive(int(pid)):
            found.append(int(pid))
    return found


class CliResult:
    def __init__(self, args, returncode, stdout, stderr):
        self.args = args
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr

    def json(self):
        return json.loads(self.stdout)

    def __repr__(self):
        return (f"shoal {' '.join(self.args)} -> {self.returncode}\n"
                f"stdout: {self.stdout!r}\nstderr: {self.stderr!r}")


def run_cli(args, timeout=30, env=None, input_bytes=None, cwd=None):
    """Runs the real shoal CLI; fails the test on a sanitizer report or when it hangs."""
    proc = subprocess.run([SHOAL, *args], capture_output=True, timeout=timeout,
                          env=clean_env(env), input=input_bytes, cwd=cwd,
                          stdin=None if input_bytes is not None else subprocess.DEVNULL)
    result = CliResult(list(args), proc.returncode, proc.stdout.decode(errors="replace"),
                       proc.stderr.decode(errors="replace"))
    for marker in SANITIZER_MARKERS:
        assert marker not in result.stderr, f"sanitizer report from the CLI: {result!r}"
    return result


class Client:
    """A raw connection to the daemon: send lines or bytes, read replies, match them by id."""

    def __init__(self, path, timeout=10):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.buffer = b""
        self.pending = {}
        self.next_id = 1000
        self.closed_by_peer = False

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send_bytes(self, data):
        self.sock.sendall(data)

    def send(self, message):
        """Sends one request object (an "id" is added when missing); returns the id."""
        if "id" not in message:
            message = {"id": self.next_id, **message}
            self.next_id += 1
        self.send_bytes(json.dumps(message).encode() + b"\n")
        return message["id"]

    def read_line(self, timeout=10):
        """The next raw reply line, or None when the daemon closed the connection."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no reply within {timeout} s")
            ready, _, _ = select.select([self.sock], [], [], remaining)
            if not ready:
                continue
            try:
                chunk = self.sock.recv(65536)
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                self.closed_by_peer = True
                if self.buffer:
                    raise AssertionError(f"connection closed mid-line: {self.buffer[:200]!r}")
                return None
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line

    def read_reply(self, timeout=10):
        """The next reply, whatever its id, as a dict (fails if the connection closed)."""
        line = self.read_line(timeout)
        assert line is not None, "the daemon closed the connection instead of replying"
        reply = json.loads(line.decode("utf-8"))
        assert isinstance(reply, dict) and "id" in reply and "ok" in reply, reply
        return reply

    def reply_for(self, request_id, timeout=10):
        """The reply to `request_id`, keeping replies to other ids for later."""
        deadline = time.monotonic() + timeout
        key = json.dumps(request_id)
        while key not in self.pending:
            reply = self.read_reply(max(0.0, deadline - time.monotonic()))
            self.pending[json.dumps(reply["id"])] = reply
        return self.pending.pop(key)

    def request(self, message, timeout=10):
        return self.reply_for(self.send(message), timeout)

    def expect_closed(self, timeout=10):
        """Asserts the daemon closes the connection (EOF) within `timeout`."""
        line = self.read_line(timeout)
        assert line is None, f"expected the connection to close, got {line[:200]!r}"


def ok(reply):
    assert reply.get("ok") is True, f"expected success, got {reply}"
    return reply["result"]


def error_code(reply):
    assert reply.get("ok") is False, f"expected an error, got {reply}"
    err = reply["error"]
    assert isinstance(err.get("code"), str) and isinstance(err.get("message"), str), reply
    assert err["message"], f"an error needs a message: {reply}"
    return err["code"]


class Daemon:
    """One real shoald in its own temp directory."""

    def __init__(self, directory, args=(), stop_timeout=2, user=None):
        self.dir = directory
        # A passwd entry to run shoald (and its --cleanup) as, instead of the test's own user.
        self.user = user
        self.socket = os.path.join(directory, "s.sock")
        self.state_dir = os.path.join(directory, "state")
        self.stderr_path = os.path.join(directory, "shoald.err")
        self.args = ["--socket", self.socket, "--state-dir", self.state_dir,
                     "--stop-timeout", str(stop_timeout), *args]
        # The file to execute; a test may point it at a copy (an upgrade in place).
        self.binary = SHOALD
        self.proc = None
        self.hello = None
        self._client = None
        # The exit code teardown expects when the test already ended the daemon itself
        # (None: the test checked it); a daemon still running must exit 0 on SIGTERM.
        self.expected_exit = 0
        # Set when a later daemon took over the same socket: that one owns the cleanup.
        self.replaced = False

    # --- life cycle -------------------------------------------------------------------------

    def launch(self, env=None, stderr=None, preexec_fn=None):
        """Starts shoald without waiting for it. `stderr`: a descriptor to log to instead of
        D/shoald.err (the test then reads it); `preexec_fn`: run in the child before exec."""
        self._stderr_file = open(self.stderr_path, "ab")
        self.proc = subprocess.Popen([self.binary, *self.args], stdin=subprocess.DEVNULL,
                                     stdout=self._stderr_file,
                                     stderr=self._stderr_file if stderr is None else stderr,
                                     env=clean_env(env), preexec_fn=preexec_fn, **self._as_user())
        return self.proc

    def start(self, env=None, timeout=10, **launch_options):
        self.launch(env, **launch_options)
        self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout=10):
        deadline = time.monotonic() + timeout
        last_error = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"shoald exited with {self.proc.returncode} during start-up:"
                                     f"\n{self.stderr()}")
            try:
                with Client(self.socket, timeout=2) as c:
                    self.hello = ok(c.request({"op": "hello"}, timeout=2))
                    return self.hello
            except (OSError, AssertionError) as e:
                last_error = e
            time.sleep(0.02)
        raise AssertionError(f"shoald did not answer hello on {self.socket} within {timeout} s "
                             f"({last_error}):\n{self.stderr()}")

    def _as_user(self):
        if self.user is None:
            return {}
        return {"user": self.user.pw_uid, "group": self.user.pw_gid, "extra_groups": []}

    @property
    def pid(self):
        return self.proc.pid

    def stderr(self):
        try:
            with open(self.stderr_path, "rb") as f:
                return f.read().decode(errors="replace")
        except FileNotFoundError:
            return ""

    def terminate(self, timeout=15):
        """SIGTERM, then wait; returns (exit code, needed SIGKILL)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout), False
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait(10), True

    # --- talking to it ----------------------------------------------------------------------

    def cli(self, *args, timeout=30, env=None, cwd=None):
        return run_cli(["--socket", self.socket, *args], timeout=timeout, env=env, cwd=cwd)

    def connect(self, timeout=10):
        return Client(self.socket, timeout)

    def request(self, message, timeout=10):
        """A request on a connection shared by the test; returns the whole reply."""
        if self._client is None:
            self._client = self.connect()
        return self._client.request(message, timeout)

    def spawn(self, argv, **fields):
        """Starts a process through the protocol and returns its record."""
        return ok(self.request({"op": "start", "argv": list(argv), **fields}))

    def record(self, name):
        return ok(self.request({"op": "status", "names": [name]}))["processes"][0]

    def join(self, name, timeout=20):
        return ok(self.request({"op": "join", "name": name}, timeout=timeout))

    def log_path(self, name, stream="out"):
        return os.path.join(self.state_dir, "logs", f"{name}.{stream}")

    @property
    def keeper_pid(self):
        """The keeper that is the parent of this daemon's children (docs/restore.md)."""
        return self.hello.get("keeper") if self.hello else None

    def children(self):
        """(pid, state) of the processes the daemon supervises: its keeper's children."""
        keeper = self.keeper_pid
        return children_of(keeper) if keeper else children_of(self.pid)

    # --- teardown ---------------------------------------------------------------------------

    def shm_paths(self):
        """Files under /dev/shm that hold this daemon's segment and lock semaphore."""
        paths = []
        if self.hello:
            for key, prefix in (("shm", ""), ("lock", "sem.")):
                name = self.hello.get(key)
                if isinstance(name, str) and name:
                    paths.append(os.path.join("/dev/shm", prefix + name.lstrip("/")))
        return paths

    def mapped_shm_paths(self):
        """Files under /dev/shm that the running daemon has mapped, whether or not it ever
        answered hello (shm_open and sem_open both map their file)."""
        found = set()
        try:
            with open(f"/proc/{self.pid}/maps") as f:
                for line in f:
                    path = line.split(None, 5)[5].strip() if len(line.split(None, 5)) == 6 else ""
                    if path.startswith("/dev/shm/"):
                        found.add(path.removesuffix(" (deleted)"))
        except (OSError, IndexError):
            pass
        return found

    def teardown(self):
        """Returns a list of problems; empty when the daemon left everything clean."""
        problems = []
        if self._client is not None:
            self._client.close()
        if self.proc is None:
            return problems
        was_running = self.proc.poll() is None
        keeper = self.keeper_pid if not self.replaced else None
        child_pids = [pid for pid, _ in self.children()] if was_running else []
        shm_files = set(self.shm_paths()) | (self.mapped_shm_paths() if was_running else set())
        code, killed = self.terminate()
        self._stderr_file.close()
        if killed:
            problems.append("shoald did not exit within 15 s of SIGTERM and had to be killed")
        elif was_running and code != 0:
            problems.append(f"shoald exited with {code} after SIGTERM, not 0")
        elif not was_running and self.expected_exit is not None and code != self.expected_exit:
            problems.append(f"shoald exited with {code}, not {self.expected_exit}")
        text = self.stderr()
        for marker in SANITIZER_MARKERS:
            if marker in text:
                problems.append(f"shoald printed a sanitizer report ({marker})")
        if self.replaced:
            return problems
        if keeper and was_running and not killed:
            # A daemon stopped by SIGTERM stops every child, then its keeper exits.
            try:
                wait_until(lambda: not is_keeper(keeper), 10, what="the keeper to exit")
            except AssertionError:
                problems.append(f"the keeper (pid {keeper}) still runs after shoald exited")
        if keeper and is_keeper(keeper):
            # The test ended the daemon itself (kill -9, SIGUSR2): its keeper and the children
            # it holds are this teardown's to end.
            kill_keeper(keeper)
            child_pids = []
            for pid in processes_with_env(f"SHOAL_SOCKET={self.socket}"):
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        cleanup = subprocess.Popen([SHOALD, "--cleanup", "--socket", self.socket,
                                    "--state-dir", self.state_dir], stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, env=clean_env(),
                                   stdin=subprocess.DEVNULL, **self._as_user())
        try:
            output, _ = cleanup.communicate(timeout=15)
            if cleanup.returncode != 0:
                problems.append(f"shoald --cleanup exited with {cleanup.returncode}: "
                                f"{output.decode(errors='replace')}")
        except subprocess.TimeoutExpired:
            cleanup.kill()
            output, _ = cleanup.communicate(timeout=10)
            problems.append("shoald --cleanup did not exit within 15 s (killed); it printed: "
                            f"{output.decode(errors='replace')}")
        leftovers = sorted(p for p in shm_files if os.path.exists(p))
        if leftovers:
            problems.append(f"left in /dev/shm after --cleanup: {leftovers}")
            for p in leftovers:
                try:
                    os.unlink(p)
                except OSError:
                    pass
        survivors = set(processes_with_env(f"SHOAL_SOCKET={self.socket}"))
        survivors.update(pid for pid in child_pids if pid_alive(pid))
        if survivors:
            problems.append(f"children of shoald still alive after it exited: "
                            f"{sorted(survivors)}")
            for pid in survivors:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        return problems


class DaemonFactory:
    """Creates daemons in per-test temp directories and tears every one of them down."""

    def __init__(self):
        self.daemons = []
        self.dirs = []

    def new_dir(self):
        d = tempfile.mkdtemp(prefix="shoal-", dir="/tmp")
        self.dirs.append(d)
        return d

    def create(self, directory=None, args=(), stop_timeout=2, user=None):
        daemon = Daemon(directory or self.new_dir(), args, stop_timeout, user)
        for earlier in self.daemons:
            if earlier.socket == daemon.socket:
                earlier.replaced = True
        self.daemons.append(daemon)
        return daemon

    def __call__(self, directory=None, args=(), stop_timeout=2, env=None):
        return self.create(directory, args, stop_timeout).start(env)

    def teardown(self):
        problems = []
        for daemon in reversed(self.daemons):
            problems += daemon.teardown()
            text = daemon.stderr()
            if text:
                print(f"--- shoald stderr ({daemon.socket}) ---\n{text}")
        for d in self.dirs:
            shutil.rmtree(d, ignore_errors=True)
        return problems


def raise_nofile(wanted):
    """Raises this process's RLIMIT_NOFILE soft limit to at least `wanted` when allowed."""
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def helper(name):
    return os.path.join(HELPERS_DIR, name)


def require_binaries():
    for path in (SHOALD, SHOAL):
        if not os.access(path, os.X_OK):
            pytest.fail(f"{path} is not built (SHOAL_BIN_DIR={BIN_DIR!r})")


__all__ = ["BIN_DIR", "SOURCE_DIR", "SHOALD", "SHOAL", "Client", "Daemon", "DaemonFactory",
           "CliResult", "run_cli", "clean_env", "wait_until", "wait_asleep", "in_sleep_syscall",
           "pid_alive", "children_of", "is_keeper", "kill_keeper",
           "processes_with_env", "ok", "error_code", "raise_nofile", "helper"]


@contextlib.contextmanager
def throwaway_group(prefix):
    """A system group that exists only inside the `with` block (root only)."""
    name = prefix + uuid.uuid4().hex[:10]
    created = subprocess.run(["groupadd", "--system", name], capture_output=True, text=True,
                             timeout=60)
    assert created.returncode == 0, created.stderr
    try:
        yield grp.getgrnam(name)
    finally:
        subprocess.run(["groupdel", name], capture_output=True, timeout=60)
