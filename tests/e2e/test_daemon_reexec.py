"""`shoal daemon reexec`: shoald executes the binary now installed at the path it was started
from, in place (same pid, same socket), and the new image adopts every child: pids, exit codes,
joins and logs go on as if nothing happened (docs/restore.md)."""

import os
import shutil
import signal
import stat

from harness import SHOALD, ok, pid_alive, wait_until
from test_daemon_restore import COUNTER, assert_consecutive, counted_lines, processes


def install(path, text=None):
    """Puts a new file at `path` the way a package upgrade does: written aside, renamed over."""
    staged = path + ".new"
    if text is None:
        shutil.copyfile(SHOALD, staged)
    else:
        with open(staged, "w") as f:
            f.write(text)
    os.chmod(staged, stat.S_IRWXU)
    os.rename(staged, path)
    return os.stat(path).st_ino


def exe_inode(pid):
    return os.stat(f"/proc/{pid}/exe").st_ino


def started_from_a_copy(daemons):
    """A daemon started from a copy of shoald that the test may replace: (daemon, its
    directory, the copy's path)."""
    d = daemons.new_dir()
    installed = os.path.join(d, "shoald")
    install(installed)
    daemon = daemons.create(directory=d)
    daemon.binary = installed
    daemon.start()
    return daemon, d, installed


def test_reexec_runs_the_newly_installed_binary_and_keeps_every_child(daemons):
    first, d, installed = started_from_a_copy(daemons)
    pid, keeper = first.pid, first.keeper_pid
    gate = os.path.join(d, "go")
    first.spawn(COUNTER, name="counter")
    waiter = first.spawn(["sh", "-c", f"while [ ! -e {gate} ]; do sleep 0.02; done; exit 7"],
                         name="waiter")
    first.spawn(["sh", "-c", "exit 5"], name="done")
    first.join("done")
    wait_until(lambda: len(counted_lines(first.log_path("counter"))) > 20, 10,
               what="counter's first lines")
    before = processes(first)

    # The script below executes this copy, which a later upgrade replaces in turn.
    real = os.path.join(d, "shoald-real")
    install(real)
    # The upgrade installs a script that ends `waiter` and waits until the keeper has reaped
    # it before it executes the real shoald: the exit happens while no daemon image runs.
    script = (f"#!/bin/sh\ntouch {gate}\n"
              f"i=0; while kill -0 {waiter['pid']} 2>/dev/null && [ $i -lt 1000 ]; do "
              f"i=$((i+1)); sleep 0.01; done\n"
              f"exec {real} \"$@\"\n")
    install(installed, script)
    upgraded = first.cli("daemon", "reexec")
    assert upgraded.returncode == 0, upgraded
    assert f"serving as pid {pid}, keeper pid {keeper}" in upgraded.stdout, upgraded
    assert not pid_alive(waiter["pid"])
    # Same process, new image: the file the script executed.
    assert first.proc.poll() is None and first.pid == pid
    assert exe_inode(pid) == os.stat(real).st_ino != os.stat(installed).st_ino

    first._client = None  # the old image's connections were closed by the exec
    after = processes(first)
    assert sorted(after) == sorted(before)
    for name in ("counter", "done"):
        for field in ("pid", "started_at", "restarts", "argv"):
            assert after[name][field] == before[name][field], (name, field)
    assert after["counter"]["state"] == "running" and pid_alive(before["counter"]["pid"])
    assert after["done"]["exitcode"] == 5
    joined = first.join("waiter")
    assert joined["state"] == "exited" and joined["exitcode"] == 7 and joined["pid"] == waiter["pid"]
    joined_cli = first.cli("join", "waiter")
    assert joined_cli.returncode == 7, joined_cli

    # A second upgrade, to another copy of the binary at the path the running image was
    # executed from: the process image is that new file.
    old_inode = exe_inode(pid)
    new_inode = install(real)
    assert new_inode != old_inode
    again = first.cli("daemon", "reexec", "--json")
    assert again.returncode == 0, again
    assert again.json()["pid"] == pid and again.json()["keeper"] == keeper
    assert exe_inode(pid) == new_inode
    first._client = None

    # A running process survives both and is still stopped and joined with its exact end.
    assert first.record("counter")["pid"] == before["counter"]["pid"]
    assert ok(first.request({"op": "stop", "name": "counter"}))
    end = first.join("counter")
    assert end["exitcode"] == -signal.SIGTERM
    assert_consecutive(counted_lines(first.log_path("counter")))


def test_reexec_that_cannot_execute_leaves_the_daemon_running(daemons):
    first, d, installed = started_from_a_copy(daemons)
    sleeper = first.spawn(["sleep", "300"], name="sleeper")
    os.unlink(installed)
    failed = first.cli("daemon", "reexec")
    assert failed.returncode == 1, failed
    assert "spawn_failed" in failed.stderr and installed in failed.stderr, failed
    assert "goes on running" in failed.stderr, failed
    # Nothing changed: same image, same children, still serving.
    assert first.proc.poll() is None
    assert os.readlink(f"/proc/{first.pid}/exe").endswith("(deleted)")
    assert first.record("sleeper")["pid"] == sleeper["pid"] and pid_alive(sleeper["pid"])

    # A file that is there but is no program: execv itself fails, and the daemon goes on.
    install(installed, "not a program\n")
    failed = first.cli("daemon", "reexec")
    assert failed.returncode == 1, failed
    assert "Exec format error" in failed.stderr, failed
    assert first.proc.poll() is None
    assert first.record("sleeper")["state"] == "running"
    assert ok(first.request({"op": "hello"}))["pid"] == first.pid


def test_reexec_keeps_a_socket_passed_by_the_service_manager_as_the_managers(daemons):
    from test_service_activation import ActivatedDaemon
    daemon = ActivatedDaemon(daemons.new_dir())
    daemons.daemons.append(daemon)
    daemon.start()
    sleeper = daemon.spawn(["sleep", "300"], name="sleeper")
    upgraded = daemon.cli("daemon", "reexec", "--json")
    assert upgraded.returncode == 0, upgraded
    assert upgraded.json()["pid"] == daemon.pid
    daemon._client = None
    assert not os.path.exists(daemon.unused_socket), "the new image bound a socket of its own"
    # What crossed the exec is not handed on to the children started after it.
    daemon.spawn(["sh", "-c", "env"], name="inspect")
    daemon.join("inspect")
    with open(daemon.log_path("inspect")) as f:
        assert "SHOAL_REEXEC" not in f.read()
    assert daemon.record("sleeper")["pid"] == sleeper["pid"]
    daemon.proc.send_signal(signal.SIGTERM)
    assert daemon.proc.wait(15) == 0
    daemon.expected_exit = None
    assert not pid_alive(sleeper["pid"])
    assert os.path.exists(daemon.socket), "the service manager's socket file was removed"


def test_after_reexec_a_plain_stop_still_removes_the_daemons_own_socket(daemons):
    first = daemons()
    upgraded = first.cli("daemon", "reexec")
    assert upgraded.returncode == 0, upgraded
    first.proc.send_signal(signal.SIGTERM)
    assert first.proc.wait(15) == 0
    first.expected_exit = None
    assert not os.path.exists(first.socket)
