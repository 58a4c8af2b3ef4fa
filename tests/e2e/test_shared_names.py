"""The shared objects' names cannot be squatted, and --cleanup never pulls them from under a
live daemon.

Another local user who learnt the names (every child sees them) may create objects under
them while they are free, for instance after a reboot emptied /dev/shm. The daemon never
uses, removes or even opens such an object: it moves to a new random name, carrying its
values along when its own segment is still there. Runs as root: the squatter's objects are
created by `nobody`, and removed by the test."""

import os
import pwd
import re
import subprocess

import pytest

from harness import SHOALD, clean_env, error_code, ok

SQUATTER = """
import os, sys
for path in sys.argv[1:]:
    if path.endswith("@link"):
        os.symlink("/etc/passwd", path[:-5])
    else:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        os.write(fd, b"not yours")
        os.close(fd)
"""


@pytest.fixture
def nobody():
    if os.geteuid() != 0:
        pytest.fail("this test creates objects as nobody and must run as root")
    return pwd.getpwnam("nobody").pw_uid


@pytest.fixture
def squat(nobody):
    """squat(path, ...) creates each file (or, for "PATH@link", a symlink to /etc/passwd) as
    nobody; every one of them is removed after the test."""
    made = []

    def create(*paths):
        targets = [p.removesuffix("@link") for p in paths]
        for t in targets:
            assert not os.path.lexists(t), t
        made.extend(targets)
        proc = subprocess.run(["setpriv", f"--reuid={nobody}", f"--regid={nobody}",
                               "--clear-groups", "--", "/usr/bin/python3", "-c", SQUATTER,
                               *paths], capture_output=True, text=True, timeout=30)
        assert proc.returncode == 0, proc.stderr
        for t in targets:
            assert os.lstat(t).st_uid == nobody, t
        return targets

    yield create
    for path in made:
        if os.path.lexists(path):
            os.unlink(path)


def untouched(path, nobody):
    st = os.lstat(path)
    if os.path.islink(path):
        return st.st_uid == nobody and os.readlink(path) == "/etc/passwd"
    with open(path, "rb") as f:
        return st.st_uid == nobody and f.read() == b"not yours"


def recorded_name(daemon):
    with open(os.path.join(daemon.state_dir, "shared-name")) as f:
        return f.read().removesuffix("\n")


def files_of(shm_name):
    return "/dev/shm" + shm_name, "/dev/shm/sem." + shm_name[1:] + "-lock"


def cleanup(daemon, state_dir=None):
    return subprocess.run([SHOALD, "--cleanup", "--socket", daemon.socket, "--state-dir",
                           state_dir or daemon.state_dir], capture_output=True, text=True,
                          timeout=30, env=clean_env(), stdin=subprocess.DEVNULL)


def legacy_names(socket_path):
    """The names of earlier versions: FNV-1a of the socket path, which anyone can compute."""
    h = 0xcbf29ce484222325
    for byte in socket_path.encode():
        h ^= byte
        h = (h * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    base = f"/shoal-{os.geteuid()}-{h:016x}"
    return "/dev/shm" + base, "/dev/shm/sem." + base[1:] + "-lock"


def test_squatted_names_are_left_alone_and_the_daemon_moves(daemons, squat, nobody):
    first = daemons()
    old = first.hello["shm"]
    first.terminate()
    first.expected_exit = None
    # As after a reboot: /dev/shm is empty, the state directory still records the name.
    for path in first.shm_paths():
        os.unlink(path)
    seg, sem = files_of(old)
    foreign = squat(seg + "@link", sem, *legacy_names(first.socket))

    second = daemons(directory=first.dir)
    assert second.hello["shm"] != old and second.hello["lock"] != old + "-lock"
    assert recorded_name(second) == second.hello["shm"]
    log = second.stderr()
    for path in (seg, sem):
        assert f"({path}) belongs to uid {nobody}, not to uid {os.geteuid()}: left alone" in log, log
    assert f"moved to shared segment {second.hello['shm']}" in log, log
    ok(second.request({"op": "value_create", "name": "n", "typecode": "i", "value": 5}))
    assert all(untouched(p, nobody) for p in foreign)

    # --fresh starts on the recorded (new) name; the squatter's objects stay as they are.
    second.terminate()
    second.expected_exit = None
    third = daemons(directory=first.dir, args=["--fresh"])
    assert third.hello["shm"] == second.hello["shm"]
    assert error_code(third.request({"op": "value_get", "name": "n"})) == "not_found"
    assert all(untouched(p, nobody) for p in foreign)

    # --cleanup removes ours and nothing else.
    third.terminate()
    third.expected_exit = None
    done = cleanup(third)
    assert done.returncode == 0, done
    assert not any(os.path.exists(p) for p in third.shm_paths())
    assert all(untouched(p, nobody) for p in foreign)


def test_a_squatted_lock_name_moves_the_instance_with_its_values(daemons, squat, nobody):
    first = daemons()
    ok(first.request({"op": "value_create", "name": "kept", "typecode": "q", "value": -7}))
    ok(first.request({"op": "array_create", "name": "row", "typecode": "d", "length": 2,
                      "values": [0.5, 2.0]}))
    seg, sem = first.shm_paths()
    first.terminate()
    first.expected_exit = None
    os.unlink(sem)
    [foreign] = squat(sem)

    second = daemons(directory=first.dir)
    assert second.hello["shm"] != first.hello["shm"]
    assert ok(second.request({"op": "value_get", "name": "kept"}))["value"] == -7
    assert ok(second.request({"op": "array_get", "name": "row"}))["values"] == [0.5, 2.0]
    assert "values carried over" in second.stderr()
    assert not os.path.exists(seg), "the segment left under the old name is ours to remove"
    assert untouched(foreign, nobody)
    # The lock works under its new name.
    assert ok(second.request({"op": "lock_acquire", "owner": os.getpid(), "blocking": False}))["acquired"]
    ok(second.request({"op": "lock_release", "owner": os.getpid()}))
    # A restart adopts the moved values.
    second.terminate()
    second.expected_exit = None
    third = daemons(directory=first.dir)
    assert third.hello["shm"] == second.hello["shm"]
    assert ok(third.request({"op": "value_get", "name": "kept"}))["value"] == -7
    assert "adopted shared segment" in third.stderr()


def test_cleanup_refuses_while_a_live_daemon_uses_the_objects(daemons):
    live = daemons()
    ok(live.request({"op": "value_create", "name": "n", "typecode": "i", "value": 42}))
    paths = live.shm_paths()

    refused = cleanup(live)
    assert refused.returncode == 1, refused
    assert "refusing to clean up" in refused.stderr, refused.stderr
    assert f"live shoald (pid {live.pid})" in refused.stderr, refused.stderr
    # The socket alone is enough: another state directory, same socket.
    other_state = os.path.join(daemons.new_dir(), "state")
    refused = cleanup(live, state_dir=other_state)
    assert refused.returncode == 1, refused
    assert f"'{live.socket}' is being served" in refused.stderr, refused.stderr

    assert all(os.path.exists(p) for p in paths)
    assert recorded_name(live) == live.hello["shm"]
    assert ok(live.request({"op": "value_get", "name": "n"}))["value"] == 42
    assert ok(live.request({"op": "value_add", "name": "n", "delta": 1}))["value"] == 43
    assert live.proc.poll() is None

    live.terminate()
    live.expected_exit = None
    done = cleanup(live)
    assert done.returncode == 0, done
    assert not any(os.path.exists(p) for p in paths)


def test_a_failed_fresh_start_leaves_no_segment_behind(daemons):
    first = daemons()
    ok(first.request({"op": "value_create", "name": "n", "typecode": "i", "value": 1}))
    first.terminate()
    first.expected_exit = None
    bad = os.path.join(first.dir, "programs.json")
    with open(bad, "w") as f:
        f.write('{"programs": {"job": {"argv": ["y"], "numprocs": -2}}}\n')
    failed = daemons.create(directory=first.dir, args=["--fresh", "--programs", bad])
    failed.expected_exit = 1
    assert failed.launch().wait(30) == 1, failed.stderr()
    created = re.findall(r"created shared segment (/\S+) .* and lock (/\S+)", failed.stderr())
    assert created, failed.stderr()
    for shm, lock in created:
        assert not os.path.exists("/dev/shm" + shm)
        assert not os.path.exists("/dev/shm/sem." + lock[1:])
    assert not any(os.path.exists(p) for p in first.shm_paths())


def test_values_carried_to_a_new_name_survive_a_start_that_fails(daemons, squat, nobody):
    first = daemons()
    ok(first.request({"op": "value_create", "name": "kept", "typecode": "i", "value": 9}))
    _, sem = first.shm_paths()
    first.terminate()
    first.expected_exit = None
    os.unlink(sem)
    [foreign] = squat(sem)
    bad = os.path.join(first.dir, "programs.json")
    with open(bad, "w") as f:
        f.write('{"programs": {"job": {"argv": ["y"], "numprocs": -2}}}\n')
    failed = daemons.create(directory=first.dir, args=["--programs", bad])
    failed.expected_exit = 1
    assert failed.launch().wait(30) == 1, failed.stderr()
    assert "values carried over" in failed.stderr()

    after = daemons(directory=first.dir)
    assert after.hello["shm"] != first.hello["shm"]
    assert ok(after.request({"op": "value_get", "name": "kept"}))["value"] == 9
    assert untouched(foreign, nobody)
