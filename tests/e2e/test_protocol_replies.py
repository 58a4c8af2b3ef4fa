"""Reply ids and ordering."""

import json
import os
import signal

import pytest

from harness import error_code, ok


@pytest.mark.parametrize("request_id", [7, "seven", None, 1.5, [1, "a"], {"k": "v"}, -3, True])
def test_the_reply_echoes_any_id(shoal, request_id):
    with shoal.connect() as c:
        c.send_bytes(json.dumps({"id": request_id, "op": "hello"}).encode() + b"\n")
        reply = c.read_reply()
        assert reply["id"] == request_id and reply["ok"] is True


def test_a_request_without_id_gets_a_null_id(shoal):
    with shoal.connect() as c:
        c.send_bytes(b'{"op": "hello"}\n')
        reply = c.read_reply()
        assert reply["id"] is None and reply["ok"] is True


def test_hello_describes_the_daemon(shoal):
    hello = ok(shoal.request({"op": "hello"}))
    assert hello["protocol"] == 1
    assert isinstance(hello["version"], str) and hello["version"]
    assert hello["pid"] == shoal.pid
    assert hello["socket"] == shoal.socket
    assert hello["state_dir"] == shoal.state_dir
    # The shared segment and its lock are named after this instance and exist while it runs.
    for path in shoal.shm_paths():
        assert os.path.exists(path), path
    assert len(shoal.shm_paths()) == 2 and hello["shm"] != hello["lock"]


def test_a_waiting_join_does_not_hold_up_later_requests(shoal):
    record = shoal.spawn(["sleep", "60"], name="waited")
    with shoal.connect() as c:
        join_id = c.send({"op": "join", "name": "waited"})
        status_id = c.send({"op": "status"})
        hello_id = c.send({"op": "hello"})
        first = c.read_reply()
        second = c.read_reply()
        assert {first["id"], second["id"]} == {status_id, hello_id}
        assert ok(first) and ok(second)

        os.kill(record["pid"], signal.SIGTERM)
        third = c.read_reply()
        assert third["id"] == join_id and ok(third)["exitcode"] == -15


def test_an_error_reply_does_not_disturb_a_pending_join(shoal):
    record = shoal.spawn(["sleep", "60"], name="pending")
    with shoal.connect() as c:
        join_id = c.send({"op": "join", "name": "pending"})
        assert error_code(c.request({"op": "status", "names": ["missing"]})) == "not_found"
        c.send_bytes(b"garbage\n")
        assert error_code(c.read_reply()) == "bad_request"
        os.kill(record["pid"], signal.SIGKILL)
        assert ok(c.reply_for(join_id))["exitcode"] == -9


def test_status_lists_sorted_or_in_the_order_given(shoal):
    for name in ("charlie", "alpha", "bravo"):
        shoal.spawn(["sleep", "60"], name=name)
    everything = ok(shoal.request({"op": "status"}))["processes"]
    assert [p["name"] for p in everything] == ["alpha", "bravo", "charlie"]
    chosen = ok(shoal.request({"op": "status", "names": ["charlie", "alpha"]}))["processes"]
    assert [p["name"] for p in chosen] == ["charlie", "alpha"]
    assert error_code(shoal.request({"op": "status", "names": ["alpha", "zulu"]})) == \
        "not_found"
