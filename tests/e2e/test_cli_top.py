"""`shoal top` used as a person would, in a real terminal: tmux runs it at 80x24, the test
reads the screen with capture-pane and types with send-keys. Each test has its own tmux
server (a unique -L socket) and kills it, whatever happens."""

import json
import os
import select
import shlex
import socket
import subprocess
import threading
import time
import uuid

import pytest

from harness import SHOAL, clean_env, environ_entries, ok, wait_until


class Tmux:
    def __init__(self, env):
        self.name = "shoal-top-" + uuid.uuid4().hex[:12]
        self.env = env

    def run(self, *args, check=True):
        proc = subprocess.run(["tmux", "-L", self.name, *args], capture_output=True, text=True,
                              timeout=30, env=self.env, stdin=subprocess.DEVNULL)
        if check:
            assert proc.returncode == 0, f"tmux {' '.join(args)}: {proc.stderr}"
        return proc

    def screen(self, escapes=False):
        """The pane's text; with `escapes`, with the escape sequences of its colours."""
        return self.run("capture-pane", "-p", *(["-e"] if escapes else []), "-t", "top").stdout

    def wait_for(self, predicate, what, timeout=20):
        """The screen, once `predicate` holds for it."""
        last = {}

        def check():
            last["screen"] = self.screen()
            return predicate(last["screen"])
        try:
            wait_until(check, timeout, interval=0.1, what=what)
            return last["screen"]
        except AssertionError as e:
            raise AssertionError(f"{e}; the screen was:\n{last.get('screen')}") from None

    def keys(self, *keys):
        self.run("send-keys", "-t", "top", *keys)

    def socket_path(self):
        base = self.env.get("TMUX_TMPDIR") or "/tmp"
        return os.path.join(base, f"tmux-{os.getuid()}", self.name)

    def kill(self):
        self.run("kill-server", check=False)
        # The server leaves its socket file behind when killed; it is ours to remove.
        try:
            os.unlink(self.socket_path())
        except FileNotFoundError:
            pass


@pytest.fixture
def tmux():
    if subprocess.run(["which", "tmux"], capture_output=True).returncode != 0:
        pytest.fail("tmux is not installed; tests/install-deps.sh installs it")
    t = Tmux(clean_env({"TERM": "xterm-256color"}))
    try:
        yield t
    finally:
        t.kill()
        assert t.run("ls", check=False).returncode != 0, "the tmux server outlived kill-server"
        assert not os.path.exists(t.socket_path())


def top_command(daemon, extra_env):
    # The pane stays after top ends, showing its exit status, until the server is killed.
    return (f"{extra_env} {shlex.quote(SHOAL)} --socket {shlex.quote(daemon.socket)} top; "
            "echo \"top exited with $?\"; exec sleep 600")


def start_top(tmux, daemon, columns=80, rows=24, extra_env=""):
    tmux.run("new-session", "-d", "-s", "top", "-x", str(columns), "-y", str(rows), "sh", "-c",
             top_command(daemon, extra_env))


def restart_top(tmux, daemon, extra_env=""):
    """Runs top again in the same pane, once the last one has exited."""
    tmux.run("respawn-pane", "-k", "-t", "top", "sh", "-c", top_command(daemon, extra_env))


def row_of(screen, name):
    for line in screen.splitlines():
        if line[2:].startswith(name + " "):
            return line
    return None


def test_top_shows_processes_restarts_one_from_the_keyboard_and_quits(shoal, tmux):
    for name in ("alpha", "beta", "gamma"):
        r = shoal.cli("start", "--name", name, "--env", f"WHO={name}", "--", "sleep", "300")
        assert r.returncode == 0, r
    assert shoal.cli("value", "create", "salmonCount", "i", "3").returncode == 0
    before = shoal.record("beta")

    start_top(tmux, shoal)
    screen = tmux.wait_for(lambda s: all(row_of(s, n) for n in ("alpha", "beta", "gamma")),
                           "all three processes on screen")
    lines = screen.splitlines()
    assert lines[0].startswith("shoal top  shoald "), screen
    assert "lock: free" in screen and "salmonCount=3" in screen, screen
    assert all(len(line) <= 80 for line in lines), screen
    assert row_of(screen, "alpha").startswith("> "), "the first row starts selected"
    assert "running" in row_of(screen, "beta")

    tmux.keys("j")
    tmux.wait_for(lambda s: (row_of(s, "beta") or "").startswith("> "), "beta selected")
    tmux.keys("r")

    def restarted():
        r = shoal.record("beta")
        return r if r["state"] == "running" and r["pid"] != before["pid"] else None
    after = wait_until(restarted, 20, what="beta running again with a new pid")
    screen = tmux.wait_for(lambda s: f"restarted beta (pid {after['pid']})" in s,
                           "the restart reported on screen")
    assert f"beta stopped, was killed by SIGTERM (pid {before['pid']})" in screen, screen
    assert f"beta started (pid {after['pid']})" in screen, screen
    # Started again as it was: same command, and its environment came along.
    assert after["argv"] == before["argv"] and after["cwd"] == before["cwd"]
    assert after["restarts"] == before["restarts"] + 1
    assert b"WHO=beta" in environ_entries(after["pid"])
    assert shoal.record("alpha")["state"] == "running"

    tmux.keys("q")
    screen = tmux.wait_for(lambda s: "top exited with 0" in s, "top to quit with 0")
    assert "shoal top" not in screen, "the alternate screen is left on quit"


def test_top_stops_shows_logs_and_follows_a_resize(shoal, tmux):
    r = shoal.cli("start", "--name", "talker", "--", "sh", "-c",
                  "echo hello from talker; echo oops >&2; exec sleep 300")
    assert r.returncode == 0, r
    wait_until(lambda: os.path.exists(shoal.log_path("talker")) and
               os.path.getsize(shoal.log_path("talker")) > 0, 10, what="talker's output")

    start_top(tmux, shoal, extra_env="NO_COLOR=1")
    tmux.wait_for(lambda s: row_of(s, "talker"), "talker on screen")

    tmux.keys("l")
    screen = tmux.wait_for(lambda s: "hello from talker" in s, "talker's stdout in the log view")
    assert screen.splitlines()[0].startswith("logs of talker (stdout)"), screen
    tmux.keys("Tab")
    tmux.wait_for(lambda s: "oops" in s and "(stderr)" in s, "talker's stderr")
    tmux.keys("Escape")
    tmux.wait_for(lambda s: row_of(s, "talker"), "back to the table")

    tmux.run("resize-window", "-t", "top", "-x", "60", "-y", "12")
    screen = tmux.wait_for(lambda s: len(s.rstrip("\n").splitlines()) <= 12 and
                           s.splitlines()[0].startswith("shoal top") and "events" in s,
                           "the view redrawn at 60x12")
    assert all(len(line) <= 60 for line in screen.splitlines()), screen
    assert screen.rstrip("\n").splitlines()[-1].startswith("up/down j/k: select"), screen

    tmux.run("resize-window", "-t", "top", "-x", "30", "-y", "6")
    tmux.wait_for(lambda s: "needs at least 40x8" in s, "the too-small notice")
    tmux.run("resize-window", "-t", "top", "-x", "80", "-y", "24")
    tmux.wait_for(lambda s: row_of(s, "talker"), "the table back at 80x24")

    tmux.keys("s")
    tmux.wait_for(lambda s: "stopped talker (SIGTERM)" in s, "the stop reported")
    assert shoal.record("talker")["state"] == "exited"
    tmux.keys("q")
    tmux.wait_for(lambda s: "top exited with 0" in s, "top to quit")


def test_top_shows_the_lock_holder_and_is_coloured_unless_no_color_is_set(shoal, tmux):
    alpha = shoal.spawn(["sleep", "300"], name="alpha")
    assert ok(shoal.request({"op": "lock_acquire", "owner": alpha["pid"]}))["acquired"]
    start_top(tmux, shoal)
    tmux.wait_for(lambda s: row_of(s, "alpha"), "alpha on screen")
    tmux.wait_for(lambda s: f"lock: held by pid {alpha['pid']} since " in s, "the lock's holder")
    coloured = tmux.screen(escapes=True)
    assert "\x1b[32mrunning" in coloured, coloured
    tmux.keys("q")
    tmux.wait_for(lambda s: "top exited with 0" in s, "top to quit")

    restart_top(tmux, shoal, extra_env="NO_COLOR=1")
    tmux.wait_for(lambda s: row_of(s, "alpha"), "alpha on screen without colour")
    plain = tmux.screen(escapes=True)
    assert "\x1b[" not in plain, plain
    assert row_of(plain, "alpha").startswith("> "), "a '>' marks the selection instead"
    tmux.keys("q")
    tmux.wait_for(lambda s: "top exited with 0" in s, "top to quit")


class CountingProxy:
    """A socket between top and the daemon that counts the ops top sends, by name."""

    def __init__(self, daemon_socket, path):
        self.daemon_socket = daemon_socket
        self.path = path
        self.ops = []
        self.lock = threading.Lock()
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(path)
        self.listener.listen(4)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        self.listener.settimeout(0.2)
        pairs, pending = {}, {}
        while not self.stop.is_set():
            try:
                client, _ = self.listener.accept()
                upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                upstream.connect(self.daemon_socket)
                pairs[client], pairs[upstream] = upstream, client
                pending[client] = b""
            except socket.timeout:
                pass
            ready = select.select(list(pairs), [], [], 0.05)[0] if pairs else []
            for sock in ready:
                data = sock.recv(65536)
                peer = pairs[sock]
                if not data:
                    for s in (sock, peer):
                        pairs.pop(s, None)
                        pending.pop(s, None)
                        s.close()
                    continue
                if sock in pending:  # from top: count each whole request line
                    pending[sock] += data
                    *lines, pending[sock] = pending[sock].split(b"\n")
                    with self.lock:
                        self.ops += [json.loads(line)["op"] for line in lines if line.strip()]
                peer.sendall(data)
        for sock in pairs:
            sock.close()

    def count(self, op):
        with self.lock:
            return self.ops.count(op)

    def close(self):
        self.stop.set()
        self.thread.join(10)
        self.listener.close()
        os.unlink(self.path)


def test_top_asks_for_the_table_once_a_second_when_nothing_happens(shoal, tmux):
    shoal.spawn(["sleep", "300"], name="idle")
    proxy = CountingProxy(shoal.socket, shoal.socket + ".proxy")
    try:
        proxied = type("Proxied", (), {"socket": proxy.path})()
        start_top(tmux, proxied)
        tmux.wait_for(lambda s: row_of(s, "idle"), "idle on screen")
        # Nothing changes from here on: the only reason to ask again is the clock.
        first = proxy.count("status")
        began = time.monotonic()
        wait_until(lambda: time.monotonic() - began >= 4, 10, interval=0.1, what="4 s to pass")
        asked = proxy.count("status") - first
        elapsed = time.monotonic() - began
        assert 1 <= asked <= elapsed + 1, f"{asked} status requests in {elapsed:.1f} s"
        assert proxy.count("watch") == 1, proxy.ops
        tmux.keys("q")
        tmux.wait_for(lambda s: "top exited with 0" in s, "top to quit")
    finally:
        proxy.close()


def test_top_refuses_without_a_terminal(shoal):
    r = shoal.cli("top")
    assert r.returncode == 2, r
    assert "top needs a terminal" in r.stderr, r


def test_top_exits_3_when_the_daemon_goes_away(daemons, tmux):
    daemon = daemons()
    start_top(tmux, daemon)
    tmux.wait_for(lambda s: s.startswith("shoal top"), "top running")
    daemon.terminate()
    daemon.expected_exit = 0
    screen = tmux.wait_for(lambda s: "top exited with 3" in s, "top to exit 3")
    assert "shoal: top: " in screen, screen
