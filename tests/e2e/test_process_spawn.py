"""start: what is executed, where, and what happens when it cannot be."""

import os
import stat
import subprocess

import pytest

from harness import SHOAL, clean_env, error_code, ok


def assert_spawn_failed(reply, *errno_words):
    assert error_code(reply) == "spawn_failed"
    message = reply["error"]["message"]
    assert any(w in message for w in errno_words), (
        f"the message should name the errno ({' or '.join(errno_words)}): {message!r}")


def assert_nothing_recorded(shoal, name):
    assert ok(shoal.request({"op": "status"}))["processes"] == []
    assert error_code(shoal.request({"op": "status", "names": [name]})) == "not_found"


def test_missing_executable_is_spawn_failed_and_leaves_no_record(shoal, tmp_dir):
    missing = os.path.join(tmp_dir, "no-such-program")
    reply = shoal.request({"op": "start", "name": "ghost", "argv": [missing]})
    assert_spawn_failed(reply, "No such file or directory", "ENOENT")
    assert missing in reply["error"]["message"]
    assert_nothing_recorded(shoal, "ghost")

    on_path = shoal.request({"op": "start", "name": "ghost", "argv": ["shoal-no-such-cmd"]})
    assert_spawn_failed(on_path, "No such file or directory", "ENOENT")
    assert_nothing_recorded(shoal, "ghost")

    result = shoal.cli("start", "--name", "ghost", "--", missing)
    assert result.returncode == 1, result
    assert result.stderr.startswith("shoal: spawn_failed: "), result
    assert_nothing_recorded(shoal, "ghost")


def test_not_executable_is_spawn_failed(shoal, tmp_dir):
    script = os.path.join(tmp_dir, "plain.sh")
    with open(script, "w") as f:
        f.write("#!/bin/sh\nexit 0\n")
    os.chmod(script, 0o644)
    reply = shoal.request({"op": "start", "name": "plain", "argv": [script]})
    assert_spawn_failed(reply, "Permission denied", "EACCES")
    assert_nothing_recorded(shoal, "plain")

    directory = shoal.request({"op": "start", "name": "dir", "argv": [tmp_dir]})
    assert_spawn_failed(directory, "Permission denied", "EACCES")
    assert_nothing_recorded(shoal, "dir")


def test_bad_cwd_is_spawn_failed(shoal, tmp_dir):
    missing_dir = os.path.join(tmp_dir, "nowhere")
    reply = shoal.request({"op": "start", "name": "lost", "argv": ["/bin/true"],
                           "cwd": missing_dir})
    assert_spawn_failed(reply, "No such file or directory", "ENOENT")
    assert_nothing_recorded(shoal, "lost")

    result = shoal.cli("start", "--name", "lost", "--cwd", missing_dir, "--", "/bin/true")
    assert result.returncode == 1, result
    assert result.stderr.startswith("shoal: spawn_failed: "), result
    assert_nothing_recorded(shoal, "lost")


def test_a_failed_start_does_not_replace_an_exited_record(shoal, tmp_dir):
    shoal.spawn(["/bin/sh", "-c", "exit 3"], name="keep")
    shoal.join("keep")
    reply = shoal.request({"op": "start", "name": "keep",
                           "argv": [os.path.join(tmp_dir, "missing")]})
    assert error_code(reply) == "spawn_failed"
    assert shoal.record("keep")["exitcode"] == 3


def test_program_is_found_on_path_and_relative_to_cwd(shoal, tmp_dir):
    script = os.path.join(tmp_dir, "hello.sh")
    with open(script, "w") as f:
        f.write("#!/bin/sh\necho \"hello from $(pwd)\"\n")
    os.chmod(script, stat.S_IRWXU)

    record = shoal.spawn(["./hello.sh"], name="relative", cwd=tmp_dir)
    assert record["cwd"] == tmp_dir
    assert record["argv"] == ["./hello.sh"]
    assert shoal.join("relative")["exitcode"] == 0
    with open(shoal.log_path("relative")) as f:
        assert f.read() == f"hello from {tmp_dir}\n"

    assert shoal.spawn(["true"], name="via-path")["state"] in ("running", "exited")
    assert shoal.join("via-path")["exitcode"] == 0


def test_cli_start_sends_its_own_cwd(shoal, tmp_dir):
    script = os.path.join(tmp_dir, "where.sh")
    with open(script, "w") as f:
        f.write("#!/bin/sh\npwd\n")
    os.chmod(script, stat.S_IRWXU)
    proc = subprocess.run([SHOAL, "--socket", shoal.socket, "start", "--name", "here",
                           "--json", "--", "./where.sh"], cwd=tmp_dir, capture_output=True,
                          timeout=30, env=clean_env(), stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc
    assert shoal.join("here")["exitcode"] == 0
    assert shoal.record("here")["cwd"] == tmp_dir
    with open(shoal.log_path("here")) as f:
        assert f.read() == tmp_dir + "\n"


@pytest.mark.parametrize("argv", [[], "ls", ["ls", 3]])
def test_bad_argv_is_bad_request(shoal, argv):
    reply = shoal.request({"op": "start", "name": "bad", "argv": argv})
    assert error_code(reply) == "bad_request"
    assert_nothing_recorded(shoal, "bad")


def scheduler_slice(pid):
    """The time slice the scheduler gives `pid`, in ns (se.slice of /proc/PID/sched), or None
    where the kernel does not show it."""
    try:
        with open(f"/proc/{pid}/sched") as f:
            for line in f:
                if line.startswith("se.slice"):
                    return int(line.split(":")[1])
    except FileNotFoundError:
        pass
    return None


def test_a_child_is_scheduled_as_it_would_be_without_shoald(daemons):
    # shoald and its keeper ask for a short slice for themselves (daemon/short_slice.hpp): a
    # child must get neither that nor anything else of theirs but what a child of any process
    # gets, here the nice value shoald runs at.
    daemon = daemons.create().start(preexec_fn=lambda: os.nice(5))
    child = daemon.spawn(["sleep", "30"], name="napper")["pid"]
    plain = subprocess.Popen(["sleep", "30"], preexec_fn=lambda: os.nice(5))
    try:
        assert os.getpriority(os.PRIO_PROCESS, child) == 5
        assert os.sched_getscheduler(child) == os.SCHED_OTHER
        assert scheduler_slice(child) == scheduler_slice(plain.pid)
        for pid in (daemon.proc.pid, daemon.keeper_pid):
            if scheduler_slice(pid) is not None:
                assert scheduler_slice(pid) <= scheduler_slice(child)
    finally:
        plain.kill()
        plain.wait()
