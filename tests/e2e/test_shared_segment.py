"""The segment's life: random names recorded in the state directory, persistence across a clean
stop and a kill -9, --fresh, --cleanup, refusal of objects of ours that are not right, and the
documented Python snippet. Objects of other users: test_shared_names.py."""

import os
import re
import signal
import subprocess

from harness import SHOALD, SOURCE_DIR, clean_env, error_code, ok, pid_alive, wait_until

VALUES = [  # (name, typecode, value): every typecode, most at an edge of its range
    ("count", "i", -42),
    ("letter", "c", "x"),
    ("tiny", "b", -128),
    ("byte", "B", 255),
    ("short", "h", -32768),
    ("ushort", "H", 65535),
    ("uint", "I", 2**32 - 1),
    ("long", "l", -2**63),
    ("ulong", "L", 2**64 - 1),
    ("quad", "q", 2**63 - 1),
    ("big", "Q", 2**64 - 1),
    ("half", "f", -0.5),
    ("ratio", "d", 0.125),
]


def recorded_name(daemon):
    """The base name the daemon's state directory records (docs/segment-layout.md)."""
    with open(os.path.join(daemon.state_dir, "shared-name")) as f:
        return f.read().removesuffix("\n")


def fill(shoal):
    for name, code, value in VALUES:
        ok(shoal.request({"op": "value_create", "name": name, "typecode": code, "value": value}))
    ok(shoal.request({"op": "array_create", "name": "row", "typecode": "h", "length": 3,
                      "values": [1, -2, 3]}))


def check_filled(shoal):
    for name, _, value in VALUES:
        assert ok(shoal.request({"op": "value_get", "name": name}))["value"] == value
    assert ok(shoal.request({"op": "array_get", "name": "row"}))["values"] == [1, -2, 3]


def test_names_are_random_recorded_and_children_get_them(daemons):
    a = daemons()
    b = daemons()
    assert re.fullmatch(rf"/shoal-{os.geteuid()}-[0-9a-f]{{32}}", a.hello["shm"]), a.hello
    assert a.hello["lock"] == a.hello["shm"] + "-lock"
    assert recorded_name(a) == a.hello["shm"]
    assert a.hello["shm"] != b.hello["shm"] and a.hello["lock"] != b.hello["lock"]
    for path in a.shm_paths():
        st = os.stat(path)
        assert (st.st_mode & 0o777, st.st_uid) == (0o600, os.geteuid()), path
    st = os.stat(os.path.join(a.state_dir, "shared-name"))
    assert (st.st_mode & 0o777, st.st_uid) == (0o600, os.geteuid())
    rec = a.spawn(["/bin/sh", "-c", 'echo "$SHOAL_SHM $SHOAL_LOCK"'], name="env")
    a.join(rec["name"])
    with open(a.log_path("env")) as f:
        assert f.read() == f"{a.hello['shm']} {a.hello['lock']}\n"


def test_kill_9_of_the_daemon_then_a_restart_keeps_every_value(daemons):
    first = daemons()
    fill(first)
    ok(first.request({"op": "value_set", "name": "count", "value": -42}))
    first.proc.send_signal(signal.SIGKILL)
    first.proc.wait(10)
    first.expected_exit = None
    second = daemons(directory=first.dir)
    assert second.hello["shm"] == first.hello["shm"]
    check_filled(second)
    assert "adopted shared segment" in second.stderr()


def test_a_clean_stop_keeps_the_segment_and_fresh_discards_it(daemons):
    first = daemons()
    fill(first)
    code, _ = first.terminate()
    assert code == 0
    first.expected_exit = None
    assert all(os.path.exists(p) for p in first.shm_paths()), "a clean stop keeps the segment"
    second = daemons(directory=first.dir)
    check_filled(second)
    code, _ = second.terminate()
    second.expected_exit = None
    third = daemons(directory=first.dir, args=["--fresh"])
    assert error_code(third.request({"op": "value_get", "name": "count"})) == "not_found"
    assert ok(third.request({"op": "value_list"}))["entries"] == []


def test_cleanup_removes_the_segment_and_the_lock(daemons):
    shoal = daemons()
    fill(shoal)
    shoal.terminate()
    shoal.expected_exit = None
    paths = shoal.shm_paths()
    assert len(paths) == 2 and all(os.path.exists(p) for p in paths)
    command = [SHOALD, "--cleanup", "--socket", shoal.socket, "--state-dir", shoal.state_dir]
    done = subprocess.run(command, env=clean_env(), capture_output=True, timeout=15)
    assert done.returncode == 0, done
    assert not any(os.path.exists(p) for p in paths)
    assert not os.path.exists(os.path.join(shoal.state_dir, "shared-name"))
    again = subprocess.run(command, env=clean_env(), capture_output=True, timeout=15)
    assert again.returncode == 0, again
    # The next daemon starts empty, under a new name.
    after = daemons(directory=shoal.dir)
    assert after.hello["shm"] != shoal.hello["shm"]
    assert ok(after.request({"op": "value_list"}))["entries"] == []


def refused_start(daemons, directory, args=()):
    """Starts a daemon that must refuse to start; returns its stderr."""
    d = daemons.create(directory=directory, args=args)
    before = len(d.stderr())
    d.launch()
    assert d.proc.wait(15) == 1, d.stderr()
    d.expected_exit = 1
    d.replaced = True  # nothing of its own to clean up
    return d.stderr()[before:]


def precreate(path, data, uid=None, mode=0o600):
    if os.path.exists(path):
        os.unlink(path)
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, mode)
    if uid is not None:
        os.chown(path, uid, -1)


def test_objects_of_ours_that_are_not_right_are_refused_and_kept(daemons):
    directory = daemons.new_dir()
    good = daemons(directory=directory)
    shm_file, sem_file = good.shm_paths()
    good.terminate()
    good.expected_exit = None
    good.replaced = True  # the test removes what is left
    try:
        # Ours, but of the wrong size.
        precreate(shm_file, b"\0" * 8192)
        err = refused_start(daemons, directory)
        assert "8192 bytes but --shm-size asks for 1048576" in err, err
        # Ours, the right size, but not a Shoal segment.
        precreate(shm_file, b"\xff" * (1 << 20))
        err = refused_start(daemons, directory)
        assert "magic" in err, err
        assert os.path.getsize(shm_file) == 1 << 20
        # Readable by others.
        precreate(shm_file, b"\0" * (1 << 20), mode=0o644)
        err = refused_start(daemons, directory)
        assert "other users could open it" in err, err
        os.unlink(shm_file)

        # A good segment, but the semaphore file is no semaphore.
        again = daemons(directory=directory)
        assert again.shm_paths() == [shm_file, sem_file]
        again.terminate()
        again.expected_exit = None
        again.replaced = True
        precreate(sem_file, b"\0" * 7)
        err = refused_start(daemons, directory)
        assert "like a semaphore" in err, err
        assert os.path.getsize(sem_file) == 7
    finally:
        for path in (shm_file, sem_file):
            if os.path.exists(path):
                os.unlink(path)


def snippet_from_docs():
    with open(os.path.join(SOURCE_DIR, "docs", "segment-layout.md")) as f:
        text = f.read()
    match = re.search(r"<!-- snippet: read-value -->\n```python\n(.*?)```", text, re.S)
    assert match, "docs/segment-layout.md lost its Python snippet"
    return match.group(1)


def test_the_documented_python_snippet_reads_what_the_cli_set(daemons, tmp_dir):
    shoal = daemons()
    assert shoal.cli("value", "create", "salmonCount", "i", "0").returncode == 0
    assert shoal.cli("value", "set", "salmonCount", "-1234").returncode == 0
    assert shoal.cli("value", "create", "wide", "L", "18446744073709551615").returncode == 0
    assert shoal.cli("value", "create", "half", "f", "0.5").returncode == 0
    script = os.path.join(tmp_dir, "read.py")
    with open(script, "w") as f:
        f.write(snippet_from_docs())
        f.write("\nimport sys\nfor n in sys.argv[2:]:\n    print(repr(read_value(sys.argv[1], n)))\n"
                "print(getattr(resource_tracker._resource_tracker, '_pid', None))\n")
    # The system Python (3.11): the snippet must work without track=.
    run = subprocess.run(["/usr/bin/python3", script, shoal.hello["shm"], "salmonCount", "wide",
                          "half"], capture_output=True, text=True, timeout=30, env=clean_env())
    assert run.returncode == 0, run
    *values, tracker = run.stdout.split()
    assert values == ["-1234", "18446744073709551615", "0.5"], run
    assert "leaked" not in run.stderr, run.stderr
    # Python's resource tracker, if the snippet started one, unlinks what is still registered
    # once its client exits: wait for it to finish, then the segment must still be there.
    if tracker != "None":
        wait_until(lambda: not pid_alive(int(tracker)), 10, what="the resource tracker to exit")
    assert os.path.exists("/dev/shm" + shoal.hello["shm"])
    assert shoal.cli("value", "get", "salmonCount").stdout == "-1234\n"
