"""Many short children at once: every one reaped, no zombie left."""

import time

from harness import ok

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
