"""The lock through the CLI and the protocol: acquire/release/status, --nonblock and
--timeout, lock run, and a daemon that keeps serving while someone waits for the lock."""

import os
import subprocess
import time

import pytest

from harness import SHOAL, Client, clean_env, error_code, ok


@pytest.fixture
def pids():
    """Live processes to stand for lock owners; killed and reaped after the test."""
    procs = []

    def make():
        p = subprocess.Popen(["sleep", "120"], stdin=subprocess.DEVNULL)
        procs.append(p)
        return p.pid
    yield make
    for p in procs:
        p.kill()
        p.wait(10)


def test_acquire_release_and_status(shoal, pids):
    owner, other = pids(), pids()
    assert shoal.cli("lock", "status").stdout == "free\n"
    r = shoal.cli("lock", "acquire", "--owner", str(owner))
    assert (r.returncode, r.stderr) == (0, ""), r
    r = shoal.cli("lock", "status")
    assert r.stdout.startswith(f"held by pid {owner} since 20"), r
    status = shoal.cli("lock", "status", "--json").json()
    assert status["held"] is True and status["owner"] == owner and status["since"].endswith("Z")

    r = shoal.cli("lock", "release", "--owner", str(other))
    assert r.returncode == 1 and r.stderr.startswith("shoal: not_owner: "), r
    assert shoal.cli("lock", "status", "--json").json()["owner"] == owner
    r = shoal.cli("lock", "release", "--owner", str(other), "--force")
    assert r.returncode == 0, r
    assert shoal.cli("lock", "status").stdout == "free\n"
    r = shoal.cli("lock", "release", "--owner", str(owner))
    assert r.returncode == 1 and r.stderr.startswith("shoal: invalid_state: "), r


def test_nonblock_on_a_held_lock_exits_1_at_once(shoal, pids):
    owner, other = pids(), pids()
    assert shoal.cli("lock", "acquire", "--owner", str(owner)).returncode == 0
    # The lock stays held, so an acquire that waited would never return and run_cli would
    # time out: answering at all is the proof. No bound tighter than that, which a loaded
    # machine could break.
    r = shoal.cli("lock", "acquire", "--nonblock", "--owner", str(other))
    assert r.returncode == 1, r
    reply = ok(shoal.request({"op": "lock_acquire", "owner": other, "blocking": False}))
    assert reply == {"acquired": False, "owner": other, "previous_owner_died": False,
                     "holder": owner}
    started = time.monotonic()
    r = shoal.cli("lock", "acquire", "--timeout", "0.3", "--owner", str(other))
    elapsed = time.monotonic() - started
    assert r.returncode == 1, r
    assert 0.3 <= elapsed < 20, elapsed  # at least the timeout; never for good
    assert shoal.cli("lock", "status", "--json").json()["owner"] == owner


def test_the_owner_defaults_to_the_calling_script(shoal):
    script = (f'"{SHOAL}" lock acquire && echo "$$" && "{SHOAL}" lock status --json && '
              f'"{SHOAL}" lock release')
    run = subprocess.run(["sh", "-c", script], capture_output=True, text=True, timeout=30,
                         env=clean_env({"SHOAL_SOCKET": shoal.socket}))
    assert run.returncode == 0, run
    shell_pid, status = run.stdout.splitlines()
    assert f'"owner":{shell_pid}' in status.replace(" ", ""), run.stdout
    assert shoal.cli("lock", "status").stdout == "free\n"


def test_lock_run_holds_the_lock_while_the_program_runs(shoal):
    # The program itself is the holder, as with flock(1): its own value add runs at once, and
    # so does one that `shoal lock run` runs directly.
    ok(shoal.request({"op": "value_create", "name": "n", "typecode": "i", "value": 0}))
    script = (f'echo "$$"; "{SHOAL}" lock status --json; "{SHOAL}" value add n 1 && '
              f'"{SHOAL}" value cas n 1 5 && exit 3')
    run = subprocess.run([SHOAL, "lock", "run", "--", "sh", "-c", script], capture_output=True,
                         text=True, timeout=30, env=clean_env({"SHOAL_SOCKET": shoal.socket}))
    assert run.returncode == 3, run
    program_pid, status, added, swapped = run.stdout.splitlines()
    assert f'"owner":{program_pid}' in status.replace(" ", ""), run.stdout
    assert (added, swapped) == ("1", "5"), run.stdout
    run = subprocess.run([SHOAL, "lock", "run", "--", SHOAL, "value", "add", "n", "2"],
                         capture_output=True, text=True, timeout=30,
                         env=clean_env({"SHOAL_SOCKET": shoal.socket}))
    assert (run.returncode, run.stdout) == (0, "7\n"), run
    assert shoal.cli("lock", "status").stdout == "free\n"
    # A program's end is the hold's end, not a death.
    reply = ok(shoal.request({"op": "lock_acquire", "owner": os.getpid(), "blocking": False}))
    assert reply["acquired"] is True and reply["previous_owner_died"] is False, reply
    ok(shoal.request({"op": "lock_release", "owner": os.getpid()}))


def test_lock_run_releases_after_the_program_crashes(shoal):
    r = shoal.cli("lock", "run", "--", "sh", "-c", "kill -SEGV $$")
    assert r.returncode == 128 + 11, r
    assert shoal.cli("lock", "status").stdout == "free\n"
    r = shoal.cli("lock", "run", "--", "/nonexistent/program")
    assert r.returncode == 127, r
    assert shoal.cli("lock", "status").stdout == "free\n"


def test_lock_run_times_out_without_running_the_program(shoal, pids, tmp_dir):
    owner = pids()
    assert shoal.cli("lock", "acquire", "--owner", str(owner)).returncode == 0
    marker = os.path.join(tmp_dir, "ran")
    r = shoal.cli("lock", "run", "--timeout", "0.2", "--", "touch", marker)
    assert r.returncode == 124, r
    assert not os.path.exists(marker)
    assert shoal.cli("lock", "status", "--json").json()["owner"] == owner


def test_a_blocking_acquire_does_not_stall_the_daemon(shoal, pids):
    owner, waiter = pids(), pids()
    ok(shoal.request({"op": "value_create", "name": "n", "typecode": "i", "value": 1}))
    assert ok(shoal.request({"op": "lock_acquire", "owner": owner}))["acquired"]
    with Client(shoal.socket) as a, Client(shoal.socket) as b:
        acquire_id = a.send({"op": "lock_acquire", "owner": waiter})
        ok(a.request({"op": "hello"}))  # answered after the acquire has queued
        add_id = b.send({"op": "value_add", "name": "n", "delta": 5})
        # Others are served meanwhile, reads included.
        with Client(shoal.socket) as c:
            # A daemon stalled by the waiting acquire would answer none of these until the
            # holder released, which only happens below.
            for _ in range(20):
                ok(c.request({"op": "hello"}, timeout=10))
                assert ok(c.request({"op": "value_get", "name": "n"}, timeout=10))["value"] == 1
        ok(shoal.request({"op": "lock_release", "owner": owner}))
        granted = ok(a.reply_for(acquire_id, timeout=5))
        assert granted == {"acquired": True, "owner": waiter, "previous_owner_died": False}
        # value_add queued behind the acquire: it runs once that holder releases.
        ok(shoal.request({"op": "lock_release", "owner": waiter}))
        assert ok(b.reply_for(add_id, timeout=5))["value"] == 6


def test_value_add_with_a_timeout_gives_up_and_changes_nothing(shoal, pids):
    owner = pids()
    ok(shoal.request({"op": "value_create", "name": "n", "typecode": "i", "value": 1}))
    assert ok(shoal.request({"op": "lock_acquire", "owner": owner}))["acquired"]
    assert error_code(shoal.request({"op": "value_add", "name": "n", "delta": 1,
                                     "timeout": 0.2})) == "timeout"
    assert error_code(shoal.request({"op": "value_cas", "name": "n", "expected": 1, "new": 2,
                                     "timeout": 0.1})) == "timeout"
    ok(shoal.request({"op": "lock_release", "owner": owner}))
    assert ok(shoal.request({"op": "value_get", "name": "n"}))["value"] == 1


def test_the_holders_own_value_add_and_cas_run_at_once(shoal):
    ok(shoal.request({"op": "value_create", "name": "n", "typecode": "i", "value": 1}))
    # The script holds the lock (shoal records its caller, the shell, as the owner); its own
    # add and cas run inside that hold. Queued behind it they would wait for ever, and the
    # 30 s bound would fail the test.
    script = (f'"{SHOAL}" lock acquire && "{SHOAL}" value add n 1 && '
              f'"{SHOAL}" value cas n 2 10; echo "cas=$?"; '
              f'"{SHOAL}" lock status --json && "{SHOAL}" lock release && echo "$$"')
    run = subprocess.run(["sh", "-c", script], capture_output=True, text=True, timeout=30,
                         env=clean_env({"SHOAL_SOCKET": shoal.socket}), stdin=subprocess.DEVNULL)
    assert run.returncode == 0, run
    added, swapped, cas, status, shell_pid = run.stdout.splitlines()
    assert (added, swapped, cas) == ("2", "10", "cas=0"), run
    assert f'"owner":{shell_pid}' in status.replace(" ", ""), run.stdout
    assert ok(shoal.request({"op": "value_get", "name": "n"}))["value"] == 10
    assert shoal.cli("lock", "status").stdout == "free\n"


def test_only_the_holder_skips_the_queue(shoal, pids):
    holder, other = pids(), pids()
    ok(shoal.request({"op": "value_create", "name": "n", "typecode": "i", "value": 1}))
    assert ok(shoal.request({"op": "lock_acquire", "owner": holder}))["acquired"]
    # --owner names the holder: at once, and the lock stays held by it.
    r = shoal.cli("value", "add", "n", "2", "--owner", str(holder))
    assert (r.returncode, r.stdout) == (0, "3\n"), r
    r = shoal.cli("value", "cas", "n", "3", "4", "--owner", str(holder), "--timeout", "5")
    assert (r.returncode, r.stdout) == (0, "4\n"), r
    assert shoal.cli("lock", "status", "--json").json()["owner"] == holder
    # Anyone else waits; with a timeout, 124 and nothing changed.
    r = shoal.cli("value", "add", "n", "1", "--owner", str(other), "--timeout", "0.2")
    assert r.returncode == 124, r
    assert r.stderr == ("shoal: timeout: the lock stayed held until the timeout; "
                        "nothing was changed\n"), r
    r = shoal.cli("value", "cas", "n", "4", "5", "--timeout", "0.2")
    assert (r.returncode, r.stdout) == (124, ""), r
    assert "shoal: timeout: " in r.stderr, r
    assert ok(shoal.request({"op": "value_get", "name": "n"}))["value"] == 4
    # A cas that compares and does not swap still exits 1, distinct from the timeout.
    ok(shoal.request({"op": "lock_release", "owner": holder}))
    r = shoal.cli("value", "cas", "n", "99", "5", "--timeout", "5")
    assert (r.returncode, r.stdout, r.stderr) == (1, "4\n", ""), r
    r = shoal.cli("value", "add", "n", "1", "--owner", "0")
    assert r.returncode == 2 and "--owner" in r.stderr, r


def test_the_holders_own_add_over_the_protocol(shoal, pids):
    holder, other = pids(), pids()
    ok(shoal.request({"op": "value_create", "name": "n", "typecode": "q", "value": 0}))
    with Client(shoal.socket) as c:
        # Without 'owner' the requester itself is the owner, as for lock_acquire.
        me = ok(c.request({"op": "lock_acquire"}))
        assert me["acquired"] and me["owner"] != holder
        assert ok(c.request({"op": "value_add", "name": "n", "delta": 7}, timeout=10))["value"] == 7
        assert ok(c.request({"op": "lock_status"}))["owner"] == me["owner"]
        # The holder's own request, whoever it names: its hold is this very process.
        assert ok(c.request({"op": "value_add", "name": "n", "delta": 1, "owner": other,
                             "timeout": 0.1}))["value"] == 8
        assert error_code(c.request({"op": "value_add", "name": "n", "delta": 1,
                                     "owner": -3})) == "bad_request"
        ok(c.request({"op": "lock_release"}))


def test_a_waiter_that_disconnects_is_dropped(shoal, pids):
    owner, gone, later = pids(), pids(), pids()
    assert ok(shoal.request({"op": "lock_acquire", "owner": owner}))["acquired"]
    a = Client(shoal.socket)
    a.send({"op": "lock_acquire", "owner": gone})
    a.close()
    # Round trips after the close: the daemon has seen the hang-up before it answers them.
    with Client(shoal.socket) as c:
        for _ in range(20):
            ok(c.request({"op": "hello"}))
    ok(shoal.request({"op": "lock_release", "owner": owner}))
    reply = ok(shoal.request({"op": "lock_acquire", "owner": later, "blocking": False}))
    assert reply["acquired"] is True, reply
    assert ok(shoal.request({"op": "lock_status"}))["owner"] == later


def test_acquire_for_a_process_that_does_not_exist_is_refused(shoal):
    gone = subprocess.Popen(["true"])
    gone.wait(10)
    assert error_code(shoal.request({"op": "lock_acquire", "owner": gone.pid})) == "bad_request"
    assert shoal.cli("lock", "status").stdout == "free\n"
