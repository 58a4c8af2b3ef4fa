"""Many clients joining one process, and joiners that go away."""

import os
import signal

from harness import ok, pid_alive


def test_several_joiners_are_all_answered(shoal):
    record = shoal.spawn(["sleep", "60"], name="shared")
    joiners = [shoal.connect() for _ in range(5)]
    ids = [j.send({"op": "join", "name": "shared"}) for j in joiners]
    # Each join is surely registered once a later request on its connection was answered.
    for j in joiners:
        ok(j.request({"op": "hello"}))

    os.kill(record["pid"], signal.SIGTERM)
    for j, request_id in zip(joiners, ids):
        joined = ok(j.reply_for(request_id, timeout=10))
        assert joined["name"] == "shared" and joined["exitcode"] == -15
        j.close()


def test_several_joins_on_one_connection_are_all_answered(shoal):
    shoal.spawn(["sleep", "0.3"], name="brief")
    with shoal.connect() as c:
        ids = [c.send({"op": "join", "name": "brief"}) for _ in range(3)]
        for request_id in ids:
            assert ok(c.reply_for(request_id, timeout=10))["exitcode"] == 0


def test_a_joiner_that_disconnects_is_forgotten(shoal):
    record = shoal.spawn(["sleep", "60"], name="steady")
    stayer = shoal.connect()
    stay_id = stayer.send({"op": "join", "name": "steady"})
    for _ in range(3):
        leaver = shoal.connect()
        leaver.send({"op": "join", "name": "steady"})
        ok(leaver.request({"op": "hello"}))
        leaver.close()

    # The daemon still serves, and the process is untouched.
    with shoal.connect() as other:
        assert ok(other.request({"op": "hello"}))["pid"] == shoal.pid
    assert pid_alive(record["pid"])
    assert shoal.record("steady")["state"] == "running"

    os.kill(record["pid"], signal.SIGKILL)
    assert ok(stayer.reply_for(stay_id, timeout=10))["exitcode"] == -9
    stayer.close()
    assert shoal.proc.poll() is None


def test_a_joiner_with_a_timeout_that_disconnects_is_forgotten(shoal):
    record = shoal.spawn(["sleep", "60"], name="calm")
    leaver = shoal.connect()
    leaver.send({"op": "join", "name": "calm", "timeout": 0.2})
    leaver.close()
    # Its timer fires after the connection is gone; nothing may break.
    with shoal.connect() as c:
        reply = c.request({"op": "join", "name": "calm", "timeout": 0.5})
        assert reply["ok"] is False and reply["error"]["code"] == "timeout"
        assert ok(c.request({"op": "hello"}))
    assert pid_alive(record["pid"])
