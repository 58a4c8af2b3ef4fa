"""shoal.Client: every protocol op as a method, refusals as ShoalError with the protocol's code,
watch as an iterator of events, the socket from SHOAL_SOCKET, and a clear error when no daemon
answers."""

import os
import sys

import pytest

from pyprog import PACKAGE_DIR

sys.path.insert(0, PACKAGE_DIR)
from shoal import Client, DaemonUnreachable, ShoalError, default_socket_path  # noqa: E402


def code_of(fn, *args, **kwargs):
    with pytest.raises(ShoalError) as caught:
        fn(*args, **kwargs)
    assert caught.value.message
    return caught.value.code


def test_process_ops(shoal, tmp_dir):
    with Client(shoal.socket) as c:
        hello = c.hello()
        assert hello["socket"] == shoal.socket and hello["shm"] == shoal.hello["shm"]
        events = c.watch()
        record = c.start(["sh", "-c", "echo out; echo err >&2; exit 4"], name="job", cwd=tmp_dir)
        assert record["name"] == "job" and record["cwd"] == tmp_dir
        done = c.join("job", timeout=30)
        assert (done["state"], done["exitcode"]) == ("exited", 4)
        assert [r["name"] for r in c.status()] == ["job"] == [r["name"] for r in c.status("job")]
        assert c.logs("job")["data"] == "out\n"
        assert c.logs("job", stream="stderr", offset=1)["data"] == "rr\n"
        seen = []
        for event in events:
            seen.append((event["type"], event["name"]))
            if event["type"] == "exited":
                break
        events.close()
        assert seen == [("started", "job"), ("exited", "job")]

        c.start(["sleep", "60"], name="nap")
        assert code_of(c.join, "nap", timeout=0.1) == "timeout"
        assert code_of(c.remove, "nap") == "invalid_state"
        assert c.kill("nap", signal="SIGTERM")["name"] == "nap"
        assert c.join("nap", timeout=30)["exitcode"] == -15
        c.start(["sleep", "60"], name="nap")
        assert c.stop("nap", timeout=5)["exitcode"] == -15
        assert c.remove("nap") == {"removed": "nap"}
        assert code_of(c.status, "nap") == "not_found"
        assert code_of(c.start, ["/nonexistent/program"]) == "spawn_failed"
        assert code_of(c.start, []) == "bad_request"
        assert code_of(c.reload) == "invalid_state"  # no programs file
        assert code_of(c.call, "no_such_op") == "unknown_op"


def test_value_array_and_lock_ops(shoal):
    with Client(shoal.socket) as c:
        assert c.value_create("n", "q", 5)["value"] == 5
        assert code_of(c.value_create, "n", "q") == "already_exists"
        assert c.value_add("n", 3) == 8
        assert c.value_cas("n", 8, 1)["swapped"] is True
        assert c.value_set("n", 2)["value"] == 2
        assert c.value_get("n") == 2
        assert code_of(c.value_set, "n", 2**63) == "out_of_range"
        assert c.array_create("a", "d", 3, [0.5, 1.5, 2.5])["values"] == [0.5, 1.5, 2.5]
        c.array_set("a", 1, -1.0)
        assert c.array_get("a") == [0.5, -1.0, 2.5] and c.array_get("a", 2) == 2.5
        assert code_of(c.array_get, "a", 3) == "out_of_range"
        assert [e["name"] for e in c.value_list()] == ["a", "n"]
        c.value_delete("n")
        c.array_delete("a")
        assert code_of(c.value_get, "n") == "not_found"

        assert c.lock_acquire()["acquired"] is True          # the daemon's own, for us
        assert c.lock_status()["owner"] == os.getpid()
        assert c.lock_release()["owner"] == os.getpid()
        assert c.lock_acquire(name="jobs", blocking=False)["acquired"] is True
        assert c.lock_acquire(name="jobs", blocking=False)["acquired"] is False
        assert code_of(c.lock_delete, "jobs") == "invalid_state"
        c.lock_release(name="jobs")
        made = c.lock_create("gate")
        assert made["created"] is True and made["semaphore"].endswith("-lock.gate")
        assert [lk["name"] for lk in c.lock_list()] == ["gate", "jobs"]
        assert c.lock_delete("gate") == {"deleted": "gate"}
        c.lock_delete("jobs")
        assert code_of(c.lock_status, "jobs") == "not_found"


def test_the_socket_comes_from_shoal_socket(shoal, monkeypatch):
    monkeypatch.setenv("SHOAL_SOCKET", shoal.socket)
    assert default_socket_path() == shoal.socket
    with Client() as c:
        assert c.hello()["socket"] == shoal.socket


def test_an_unreachable_daemon_says_where_and_what_to_do(tmp_dir):
    missing = os.path.join(tmp_dir, "none.sock")
    with pytest.raises(DaemonUnreachable) as caught:
        Client(missing)
    e = caught.value
    assert isinstance(e, ConnectionError) and e.code == "unreachable"
    assert f"cannot connect to shoald at {missing}: No such file or directory" in str(e)
    assert f"shoald --socket {missing}" in str(e)
