"""shoal.Client: every protocol op as a method, refusals as ShoalError with the protocol's code,
watch as an iterator of events, the socket from SHOAL_SOCKET, and a clear error when no daemon
answers."""

import os
import sys

import pytest

from polling import wait_until
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
        mute = c.start(["sh", "-c", "echo lost"], name="mute", logs=False)
        assert mute["logs"] is None and c.join("mute", timeout=30)["exitcode"] == 0
        assert code_of(c.logs, "mute") == "invalid_state"
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


def test_restart_targets_lines_and_an_upgrade_in_place(shoal, tmp_dir):
    script = "echo one; echo two >&2; echo three; exec sleep 60"
    with Client(shoal.socket) as c:
        first = c.start(["sh", "-c", script], name="web-1", cwd=tmp_dir, log_max_bytes=4096,
                        log_backups=1)
        c.start(["sleep", "60"], name="web-2")
        c.start(["sleep", "60"], name="db")
        assert [r["name"] for r in c.status("web-*")] == ["web-1", "web-2"]
        assert [r["name"] for r in c.status("all")] == ["db", "web-1", "web-2"]
        assert code_of(c.status, "cache-*") == "not_found"
        whole = c.status("db", declared=True)
        assert [r["name"] for r in whole["processes"]] == ["db"] and whole["declared"] == []
        assert c.status("db")[0]["rss_bytes"] is not None
        bare = c.status("web-*", usage=False)
        assert [(r["name"], r["state"], r["rss_bytes"], r["cpu_seconds"]) for r in bare] == [
            ("web-1", "running", None, None), ("web-2", "running", None, None)]

        def three_lines():
            got = c.logs("web-1", lines=10)
            return got if len(got["lines"]) == 3 else None

        both = wait_until(three_lines, 30, what="web-1's three lines")
        assert sorted((line["stream"], line["text"]) for line in both["lines"]) == [
            ("stderr", "two"), ("stdout", "one"), ("stdout", "three")]
        assert all(line["time"] for line in both["lines"])
        tail = c.logs("web-1", stream="stdout", lines=1)
        assert [line["text"] for line in tail["lines"]] == ["three"]

        again = c.restart("web-1", timeout=5)
        assert again["restarts"] == first["restarts"] + 1 and again["pid"] != first["pid"]
        assert (again["argv"], again["cwd"]) == (first["argv"], tmp_dir)
        assert (again["log_max_bytes"], again["log_backups"]) == (4096, 1)
        assert code_of(c.restart, "wolf") == "not_found"

        before = {r["name"]: r["pid"] for r in c.status()}
        hello = c.reexec()
        assert hello["pid"] == shoal.hello["pid"]
        with pytest.raises(DaemonUnreachable) as caught:
            c.hello()
        assert "after reexec; make a new Client" in str(caught.value)
    with Client(shoal.socket) as c:
        assert {r["name"]: r["pid"] for r in c.status()} == before
        assert {r["state"] for r in c.status()} == {"running"}
        for name in before:
            c.stop(name, timeout=5)

