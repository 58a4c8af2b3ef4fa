"""Named locks beside the daemon's own: created on first acquire, distinct from each other,
listed, deleted, recovered when their holder dies like the first, kept across a restart, and
removed with the segment by --cleanup and --fresh."""

import json
import os
import signal
import stat
import subprocess
import time

import pytest

from harness import BIN_DIR, SHOAL, Client, error_code, ok, wait_until

COUNTER = os.path.join(BIN_DIR, "shared_counter")


@pytest.fixture
def pids():
    """Live processes to stand for lock owners; killed and reaped after the test."""
    procs = []

    def make():
        p = subprocess.Popen(["sleep", "120"], stdin=subprocess.DEVNULL)
        procs.append(p)
        return p
    yield make
    for p in procs:
        p.kill()
        p.wait(10)


def sem_file(semaphore):
    return "/dev/shm/sem." + semaphore.lstrip("/")


def test_a_named_lock_is_made_on_first_acquire_and_is_not_the_daemons_own(shoal, pids):
    owner, other = pids().pid, pids().pid
    assert shoal.cli("lock", "list").stdout == ""
    r = shoal.cli("lock", "acquire", "--name", "jobs", "--owner", str(owner))
    assert (r.returncode, r.stderr) == (0, ""), r
    # The daemon's own lock and another named lock stay free.
    assert shoal.cli("lock", "status").stdout == "free\n"
    assert shoal.cli("lock", "acquire", "-n", "--owner", str(other)).returncode == 0
    assert shoal.cli("lock", "acquire", "-n", "--name", "batch", "--owner", str(other)).returncode == 0
    r = shoal.cli("lock", "acquire", "-n", "--name", "jobs", "--owner", str(other))
    assert (r.returncode, r.stdout) == (1, ""), r

    status = shoal.cli("lock", "status", "--name", "jobs", "--json").json()
    assert status["held"] is True and status["owner"] == owner
    assert shoal.cli("lock", "status", "--name", "jobs").stdout.startswith(f"held by pid {owner} since 20")
    semaphore = shoal.hello["lock"] + ".jobs"
    st = os.stat(sem_file(semaphore))
    assert stat.S_IMODE(st.st_mode) == 0o600 and st.st_uid == os.geteuid()
    listed = shoal.cli("lock", "list").stdout.splitlines()
    assert [line.split("\t")[0] for line in listed] == ["batch", "jobs"]
    assert listed[1].startswith(f"jobs\theld by pid {owner}")

    r = shoal.cli("lock", "release", "--name", "jobs", "--owner", str(other))
    assert r.returncode == 1 and r.stderr.startswith("shoal: not_owner: cannot release lock 'jobs'"), r
    assert shoal.cli("lock", "release", "--name", "jobs", "--owner", str(owner)).returncode == 0
    assert shoal.cli("lock", "status", "--name", "jobs").stdout == "free\n"
    assert shoal.cli("lock", "release", "--name", "batch", "--owner", str(other)).returncode == 0
    assert shoal.cli("lock", "release", "--owner", str(other)).returncode == 0


def test_lock_run_holds_the_named_lock(shoal):
    r = shoal.cli("lock", "run", "--name", "jobs", "--", "sh", "-c",
                  f"echo $$; '{SHOAL}' --socket '{shoal.socket}' lock status --name jobs; exit 7")
    assert r.returncode == 7, r
    program, status = r.stdout.splitlines()
    assert status.startswith(f"held by pid {program} "), r  # the program holds it, as with flock(1)
    assert shoal.cli("lock", "status", "--name", "jobs").stdout == "free\n"


def test_delete_and_the_refusals(shoal, pids):
    owner = pids().pid
    assert shoal.cli("lock", "acquire", "--name", "jobs", "--owner", str(owner)).returncode == 0
    semaphore = shoal.hello["lock"] + ".jobs"
    r = shoal.cli("lock", "delete", "--name", "jobs")
    assert r.returncode == 1 and "shoal: invalid_state: cannot delete lock 'jobs': it is held by pid" in r.stderr, r
    assert os.path.exists(sem_file(semaphore))
    assert shoal.cli("lock", "release", "--name", "jobs", "--owner", str(owner)).returncode == 0
    assert shoal.cli("lock", "delete", "--name", "jobs").returncode == 0
    assert not os.path.exists(sem_file(semaphore))
    assert shoal.cli("lock", "list").stdout == ""
    r = shoal.cli("lock", "status", "--name", "jobs")
    assert r.returncode == 1 and r.stderr == "shoal: not_found: no lock named 'jobs'\n", r

    r = shoal.cli("lock", "delete", "--name", "lock")
    assert r.returncode == 1 and "the daemon's own lock cannot be deleted" in r.stderr, r
    assert shoal.cli("lock", "delete").returncode == 2
    assert shoal.cli("lock", "acquire", "--name", "bad/name").returncode == 2

    # One namespace with values and arrays.
    ok(shoal.request({"op": "value_create", "name": "count", "typecode": "i"}))
    assert error_code(shoal.request({"op": "lock_create", "name": "count"})) == "already_exists"
    assert error_code(shoal.request({"op": "lock_status", "name": "count"})) == "invalid_state"
    ok(shoal.request({"op": "lock_create", "name": "gate"}))
    assert error_code(shoal.request({"op": "value_get", "name": "gate"})) == "invalid_state"
    assert error_code(shoal.request({"op": "value_create", "name": "gate", "typecode": "i"})) == "already_exists"
    assert [e["name"] for e in ok(shoal.request({"op": "value_list"}))["entries"]] == ["count"]


def test_lock_create_answers_where_the_lock_lives(shoal):
    made = ok(shoal.request({"op": "lock_create", "name": "gate"}))
    assert made["created"] is True and made["name"] == "gate"
    assert made["semaphore"] == shoal.hello["lock"] + ".gate"
    assert made["record"] % 8 == 0 and made["record"] >= 128
    assert error_code(shoal.request({"op": "lock_create", "name": "gate"})) == "already_exists"
    again = ok(shoal.request({"op": "lock_create", "name": "gate", "exist_ok": True}))
    assert again == {**made, "created": False}
    own = ok(shoal.request({"op": "lock_create", "name": "lock", "exist_ok": True}))
    assert own == {"name": "lock", "semaphore": shoal.hello["lock"], "record": 48, "created": False}
    assert error_code(shoal.request({"op": "lock_create", "name": "lock"})) == "already_exists"
    assert error_code(shoal.request({"op": "lock_create"})) == "bad_request"


def test_a_dead_holder_of_a_named_lock_is_recovered_and_reported(shoal, pids):
    victim = pids()
    with Client(shoal.socket) as watcher:
        ok(watcher.request({"op": "watch"}))
        assert shoal.cli("lock", "acquire", "--name", "jobs", "--owner", str(victim.pid)).returncode == 0
        victim.kill()
        victim.wait(10)
        started = time.monotonic()
        # Recovery is driven by the holder's pidfd, so it is prompt; the bound only allows for
        # a loaded machine.
        wait_until(lambda: not ok(shoal.request({"op": "lock_status", "name": "jobs"}))["held"], 5,
                   what="the named lock to be released")
        assert time.monotonic() - started < 5
        event = {}
        while event.get("type") != "lock_recovered":
            line = watcher.read_line(5)
            assert line is not None, "the daemon closed the watch"
            event = json.loads(line).get("event") or {}
        assert event["name"] == "jobs" and event["owner"] == victim.pid
    # The daemon's own lock was never involved.
    assert shoal.cli("lock", "status").stdout == "free\n"
    r = shoal.cli("lock", "acquire", "--name", "jobs", "--json", "--owner", str(os.getpid()))
    assert r.returncode == 0 and r.json()["previous_owner_died"] is True, r
    assert "the previous owner of lock 'jobs' died" in r.stderr, r
    assert f"lock holder pid {victim.pid} died holding lock 'jobs'" in shoal.stderr()
    assert shoal.cli("lock", "release", "--name", "jobs", "--owner", str(os.getpid())).returncode == 0


def test_a_library_holder_of_a_named_lock_killed_by_9_is_recovered(shoal):
    assert os.access(COUNTER, os.X_OK), f"{COUNTER} is not built"
    ok(shoal.request({"op": "lock_create", "name": "jobs"}))
    rec = shoal.spawn([COUNTER, "hold", "jobs"], name="holder")
    log = shoal.log_path("holder")
    wait_until(lambda: os.path.exists(log) and open(log).read() == f"held {rec['pid']}\n", 10,
               what="the holder to take the named lock")
    status = ok(shoal.request({"op": "lock_status", "name": "jobs"}))
    assert status["held"] is True and status["owner"] == rec["pid"]
    assert shoal.cli("lock", "status").stdout == "free\n"
    os.kill(rec["pid"], signal.SIGKILL)
    assert shoal.join("holder")["exitcode"] == -9
    wait_until(lambda: not ok(shoal.request({"op": "lock_status", "name": "jobs"}))["held"], 1.5,
               what="the named lock to be released")


def test_named_locks_survive_a_restart_and_go_with_cleanup_and_fresh(daemons, pids):
    holder = pids()
    first = daemons()
    assert first.cli("lock", "acquire", "--name", "jobs", "--owner", str(holder.pid)).returncode == 0
    [listed] = ok(first.request({"op": "lock_list"}))["locks"]
    assert listed["name"] == "jobs" and listed["owner"] == holder.pid
    semaphore = listed["semaphore"]
    first.terminate()
    first.expected_exit = None
    second = daemons(first.dir)
    status = ok(second.request({"op": "lock_status", "name": "jobs"}))
    assert status["held"] is True and status["owner"] == holder.pid
    # Still watched after the restart: the holder's death releases it.
    holder.kill()
    holder.wait(10)
    wait_until(lambda: not ok(second.request({"op": "lock_status", "name": "jobs"}))["held"], 1.5,
               what="the adopted named lock to be released")
    second.terminate()
    second.expected_exit = None

    third = daemons(first.dir, args=("--fresh",))
    assert not os.path.exists(sem_file(semaphore))
    assert ok(third.request({"op": "lock_list"}))["locks"] == []
    gate = sem_file(ok(third.request({"op": "lock_create", "name": "gate"}))["semaphore"])
    third.terminate()
    third.expected_exit = None
    cleanup = subprocess.run([os.path.join(BIN_DIR, "shoald"), "--cleanup", "--socket", third.socket,
                              "--state-dir", third.state_dir], capture_output=True, timeout=30)
    assert cleanup.returncode == 0, cleanup
    assert not os.path.exists(gate)


def test_another_users_semaphore_under_a_lock_name_is_refused_and_left_alone(shoal):
    squatted = sem_file(shoal.hello["lock"] + ".jobs")
    fd = os.open(squatted, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    try:
        os.fchown(fd, 65534, 65534)
        os.close(fd)
        reply = shoal.request({"op": "lock_create", "name": "jobs"})
        assert error_code(reply) == "permission_denied"
        assert reply["error"]["message"].startswith("cannot create lock 'jobs': ")
        assert "belongs to uid 65534" in reply["error"]["message"]
        assert reply["error"]["message"].endswith("choose another name")
        # Nothing was made, and the other user's file is untouched.
        assert ok(shoal.request({"op": "lock_list"}))["locks"] == []
        assert error_code(shoal.request({"op": "lock_status", "name": "jobs"})) == "not_found"
        assert os.stat(squatted).st_uid == 65534
        assert shoal.cli("lock", "acquire", "--name", "jobs").returncode == 1
    finally:
        os.unlink(squatted)
