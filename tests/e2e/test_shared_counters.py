"""Exact totals under contention: locked increments through the C++ library, and value_add
through the protocol from several clients at once."""

import os
import threading

from harness import BIN_DIR, Client, ok

COUNTER = os.path.join(BIN_DIR, "shared_counter")


def test_four_processes_times_100000_locked_increments_through_the_library(shoal):
    assert os.access(COUNTER, os.X_OK), f"{COUNTER} is not built"
    ok(shoal.request({"op": "value_create", "name": "total", "typecode": "q", "value": 0}))
    names = []
    for i in range(4):
        rec = shoal.spawn([COUNTER, "add", "total", "100000"], name=f"counter-{i}")
        names.append(rec["name"])
    for name in names:
        rec = shoal.join(name, timeout=120)
        assert rec["exitcode"] == 0, (rec, open(shoal.log_path(name, "err")).read())
        with open(shoal.log_path(name)) as f:
            assert f.read() == "added 100000\n"
    assert ok(shoal.request({"op": "value_get", "name": "total"}))["value"] == 400000
    status = ok(shoal.request({"op": "lock_status"}))
    assert status == {"held": False, "owner": None, "since": None}


def test_four_clients_times_10000_value_add_through_the_protocol(shoal):
    ok(shoal.request({"op": "value_create", "name": "adds", "typecode": "i", "value": 0}))
    errors = []

    def client(delta):
        try:
            with Client(shoal.socket, timeout=60) as c:
                # Pipelined: every request is sent before the replies are read.
                ids = [c.send({"op": "value_add", "name": "adds", "delta": delta})
                       for _ in range(10000)]
                for request_id in ids:
                    reply = c.reply_for(request_id, timeout=60)
                    if not reply["ok"]:
                        errors.append(reply)
        except Exception as e:  # reported below, with the total
            errors.append(repr(e))

    threads = [threading.Thread(target=client, args=(d,)) for d in (1, 2, 3, -1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads), "a client did not finish within 120 s"
    assert errors == []
    assert ok(shoal.request({"op": "value_get", "name": "adds"}))["value"] == 50000
