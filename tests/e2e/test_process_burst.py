"""Many short children at once: every one reaped, no zombie left."""

import time

from harness import is_keeper, ok, pid_alive, wait_until

BURST = 500


def test_no_zombies_after_a_burst_of_short_children(shoal):
    with shoal.connect(timeout=60) as c:
        ids = [c.send({"op": "start", "name": f"burst-{i}", "argv": ["/bin/true"]})
               for i in range(BURST)]
        failures = []
        for request_id in ids:
            reply = c.reply_for(request_id, timeout=60)
            if not reply["ok"]:
                failures.append(reply)
        assert failures == [], f"{len(failures)} starts failed, first: {failures[0]}"

    # Once every child has exited, the daemon has no children at all: none left as a zombie.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and shoal.children():
        time.sleep(0.05)
    leftovers = shoal.children()
    assert leftovers == [], f"children of shoald still present: {leftovers[:20]}"

    assert ok(shoal.request({"op": "hello"}))["pid"] == shoal.pid
    # The newest records are kept; each one says how its process ended.
    last = shoal.record(f"burst-{BURST - 1}")
    assert last["state"] == "exited" and last["exitcode"] == 0


def test_a_thousand_children_stopped_at_once_keep_the_keeper(shoal):
    """Each stop and each exit is a message between the daemon and the keeper: a burst of them
    fills the socket between the two, and neither may take that for the other's end."""
    many = 1200
    with shoal.connect(timeout=120) as c:
        ids = [c.send({"op": "start", "name": f"nap-{i}", "argv": ["sleep", "600"], "logs": False})
               for i in range(many)]
        assert all(c.reply_for(i, timeout=120)["ok"] for i in ids)
        ids = [c.send({"op": "stop", "name": f"nap-{i}"}) for i in range(many // 2)]
        stopped = [c.reply_for(i, timeout=120) for i in ids]
    assert all(r["ok"] and r["result"]["exitcode"] == -15 for r in stopped), \
        [r for r in stopped if not r["ok"]][:3]
    # The keeper still spawns and reaps.
    shoal.spawn(["sh", "-c", "exit 9"], name="after")
    assert shoal.join("after")["exitcode"] == 9

    # A shutdown stops the other 600 in one go, then tells the keeper to exit.
    keeper = shoal.keeper_pid
    code, killed = shoal.terminate(timeout=60)
    shoal.expected_exit = None
    assert (code, killed) == (0, False)
    assert "lost the keeper" not in shoal.stderr(), shoal.stderr()[-2000:]
    wait_until(lambda: not is_keeper(keeper), 10, what="the keeper to exit")
    assert not any(pid_alive(r["result"]["pid"]) for r in stopped)
