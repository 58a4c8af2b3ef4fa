"""One real shoald per test, in its own short temp directory under /tmp (a Unix socket path
must stay below 108 bytes): D/s.sock, D/state, D/shoald.err. Teardown proves that the daemon
stopped on SIGTERM with exit code 0, that no child of it survives, and that its shared segment
and lock are gone after `shoald --cleanup`.
"""

import os
import shutil
import signal
import subprocess
import tempfile
import time

from binaries import SANITIZER_MARKERS, SHOALD, clean_env, run_cli
from polling import wait_until
from procfs import (children_of, is_keeper, keepers_of, kill_keeper, pid_alive,
                    processes_with_env)
from protocol_client import Client, ok


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

    def cli(self, *args, timeout=30, env=None, cwd=None, leak_check=False):
        return run_cli(["--socket", self.socket, *args], timeout=timeout, env=env, cwd=cwd,
                       leak_check=leak_check)

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
        if keeper is None and not self.replaced:
            # No hello answered (a daemon that failed to start): its keeper, if it has one, is
            # still this teardown's to end.
            keeper = next(iter(keepers_of(os.path.join(self.state_dir, "logs"))), None)
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
