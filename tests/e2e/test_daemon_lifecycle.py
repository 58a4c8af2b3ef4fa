"""Start-up and shutdown of shoald: socket ownership, SIGTERM, SIGINT."""

import os
import signal
import socket
import stat
import subprocess
import time

import pytest

from harness import SHOALD, Client, clean_env, ok, pid_alive, wait_asleep, wait_until


def test_socket_file_is_mode_0600(shoal):
    mode = os.stat(shoal.socket).st_mode
    assert stat.S_ISSOCK(mode)
    assert stat.S_IMODE(mode) == 0o600, oct(stat.S_IMODE(mode))


def test_socket_is_0600_whatever_the_umask(daemons):
    daemon = daemons.create()
    old = os.umask(0)
    try:
        daemon.launch()
    finally:
        os.umask(old)
    daemon.wait_ready()
    assert stat.S_IMODE(os.stat(daemon.socket).st_mode) == 0o600


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGQUIT])
def test_signal_stops_children_removes_the_socket_and_exits_0(daemons, tmp_dir, sig):
    daemon = daemons(stop_timeout=1)
    polite = daemon.spawn(["sleep", "60"], name="polite")
    ready = os.path.join(tmp_dir, "ready")
    stubborn = daemon.spawn(["/bin/sh", "-c", f"trap '' TERM; echo $$ > {ready}; "
                             "while :; do sleep 0.05; done"], name="stubborn")
    wait_until(lambda: os.path.exists(ready) and open(ready).read().endswith("\n"), 10,
               what="the stubborn child to set its trap")

    began = time.monotonic()
    daemon.proc.send_signal(sig)
    code = daemon.proc.wait(45)
    elapsed = time.monotonic() - began
    assert code == 0, daemon.stderr()
    # The grace period is 1 s; the stubborn child, which never ends by itself, needed SIGKILL
    # after it. The bound leaves room for a loaded machine.
    assert elapsed < 40, elapsed
    for record in (polite, stubborn):
        assert not pid_alive(record["pid"]), f"{record['name']} survived the daemon"
    assert not os.path.exists(daemon.socket)


# SIGUSR2 means something: exit, leaving the children to the keeper (test_daemon_restore.py).
IGNORED_SIGNALS = [signal.SIGUSR1, signal.SIGALRM, signal.SIGPIPE,
                   signal.SIGVTALRM, signal.SIGPROF, signal.SIGIO, signal.SIGPWR,
                   signal.SIGXCPU, signal.SIGXFSZ, signal.SIGSTKFLT, signal.SIGRTMIN,
                   signal.SIGRTMIN + 5, signal.SIGRTMAX]


def test_signals_without_a_meaning_leave_the_daemon_and_its_children_alone(shoal):
    child = shoal.spawn(["sleep", "60"], name="bystander")
    for sig in IGNORED_SIGNALS:
        os.kill(shoal.pid, sig)
        # A signal that kills ends the process before it returns to user space: an answer
        # sent after kill(2) returned proves the daemon survived it.
        reply = ok(shoal.request({"op": "hello"}))
        assert reply["pid"] == shoal.pid, signal.Signals(sig).name
    assert shoal.proc.poll() is None
    assert shoal.record("bystander")["state"] == "running"
    assert pid_alive(child["pid"])
    # A child started afterwards still begins with every signal at its default.
    later = shoal.spawn(["sleep", "60"], name="later")
    wait_asleep(later["pid"])
    with open(f"/proc/{later['pid']}/status") as f:
        ignored = next(line for line in f if line.startswith("SigIgn:")).split()[1]
    assert int(ignored, 16) == 0, ignored


def test_sigterm_to_the_daemon_also_ends_orphans_and_leftover_group_members(daemons, tmp_dir):
    daemon = daemons(stop_timeout=1)
    orphan_file = os.path.join(tmp_dir, "orphan")
    member_file = os.path.join(tmp_dir, "member")
    # An orphan: its parent exits at once and the subreaper daemon inherits it.
    daemon.spawn(["/bin/sh", "-c", f"sleep 60 & echo $! > {orphan_file}"], name="orphaner")
    daemon.join("orphaner")
    # A group member left behind when `kill` ends only the leader.
    daemon.spawn(["/bin/sh", "-c", f"sleep 60 & echo $! > {member_file}; wait"], name="leader")

    def pid_in(path):
        if os.path.exists(path):
            text = open(path).read()
            return int(text) if text.endswith("\n") else None
        return None
    orphan = wait_until(lambda: pid_in(orphan_file), 10, what="the orphan's pid")
    member = wait_until(lambda: pid_in(member_file), 10, what="the group member's pid")
    ok(daemon.request({"op": "kill", "name": "leader"}))
    daemon.join("leader")
    assert pid_alive(orphan) and pid_alive(member)

    daemon.proc.send_signal(signal.SIGTERM)
    assert daemon.proc.wait(15) == 0, daemon.stderr()
    wait_until(lambda: not pid_alive(orphan) and not pid_alive(member), 15,
               what=f"the orphan {orphan} and group member {member} to die with the daemon")


def test_second_daemon_on_a_live_socket_refuses_to_start(daemons, shoal):
    second = subprocess.run([SHOALD, "--socket", shoal.socket, "--state-dir",
                             os.path.join(shoal.dir, "state2")],
                            capture_output=True, timeout=30, env=clean_env(),
                            stdin=subprocess.DEVNULL)
    assert second.returncode != 0
    message = second.stderr.decode(errors="replace")
    assert shoal.socket in message, message
    assert any(w in message.lower() for w in ("already", "in use", "running", "live")), message
    # The first daemon is untouched and still serving on its socket.
    assert shoal.proc.poll() is None
    with Client(shoal.socket) as c:
        assert ok(c.request({"op": "hello"}))["pid"] == shoal.pid


def test_stale_socket_file_is_replaced(daemons):
    daemon = daemons.create()
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(daemon.socket)
    stale.close()
    assert os.path.exists(daemon.socket)
    daemon.start()
    assert ok(daemon.request({"op": "hello"}))["pid"] == daemon.pid


def test_socket_path_that_is_not_a_socket_is_left_alone(daemons):
    daemon = daemons.create()
    with open(daemon.socket, "w") as f:
        f.write("precious")
    daemon.expected_exit = None
    proc = daemon.launch()
    code = proc.wait(15)
    assert code != 0
    with open(daemon.socket) as f:
        assert f.read() == "precious"


def test_daemon_restarts_on_the_same_socket_after_a_clean_stop(daemons):
    first = daemons()
    socket_dir = first.dir
    code, killed = first.terminate()
    assert code == 0 and not killed
    second = daemons.create(directory=socket_dir)
    second.start()
    assert ok(second.request({"op": "hello"}))["pid"] == second.pid


def test_daemon_survives_sigkill_of_a_previous_instance(daemons):
    first = daemons()
    first.proc.kill()
    first.proc.wait(10)
    first.expected_exit = -9
    assert os.path.exists(first.socket)
    second = daemons.create(directory=first.dir)
    second.start()
    assert ok(second.request({"op": "hello"}))["pid"] == second.pid


def test_daemon_reaps_orphaned_grandchildren(shoal, tmp_dir):
    gc_file = os.path.join(tmp_dir, "orphan")
    # The child exits at once, orphaning a grandchild that the subreaper daemon inherits.
    record = shoal.spawn(["/bin/sh", "-c", f"sleep 0.3 & echo $! > {gc_file}"], name="orphaner")
    shoal.join("orphaner")
    grandchild = wait_until(lambda: open(gc_file).read().strip() if os.path.exists(gc_file)
                            else None, 5, what="the grandchild pid")
    grandchild = int(grandchild)
    wait_until(lambda: not os.path.exists(f"/proc/{grandchild}"), 10,
               what=f"orphan {grandchild} to be reaped")
    assert record["pid"] != grandchild
    assert [c for c in shoal.children() if c[1] == "Z"] == []


def test_help_and_version(daemons):
    helped = subprocess.run([SHOALD, "--help"], capture_output=True, timeout=30,
                            env=clean_env(), stdin=subprocess.DEVNULL)
    assert helped.returncode == 0
    assert b"--socket" in helped.stdout
    version = subprocess.run([SHOALD, "--version"], capture_output=True, timeout=30,
                             env=clean_env(), stdin=subprocess.DEVNULL)
    assert version.returncode == 0 and b"0.1.0" in version.stdout
    bad = subprocess.run([SHOALD, "--no-such-option"], capture_output=True, timeout=30,
                         env=clean_env(), stdin=subprocess.DEVNULL)
    assert bad.returncode != 0 and b"--no-such-option" in bad.stderr


def test_daemon_logs_each_start_and_exit(shoal):
    record = shoal.spawn(["/bin/sh", "-c", "exit 42"], name="logged")
    shoal.join("logged")
    killed = shoal.spawn(["sleep", "60"], name="killed-one")
    ok(shoal.request({"op": "kill", "name": "killed-one"}))
    shoal.join("killed-one")

    def lines_about(name, pid):
        return [line for line in shoal.stderr().splitlines()
                if name in line and str(pid) in line]
    lines = wait_until(lambda: len(lines_about("logged", record["pid"])) >= 2 and
                       lines_about("logged", record["pid"]), 5, what="the log lines")
    assert any("42" in line for line in lines), lines
    killed_lines = wait_until(lambda: [line for line in lines_about("killed-one", killed["pid"])
                                       if "SIGKILL" in line], 5, what="the SIGKILL log line")
    assert killed_lines
