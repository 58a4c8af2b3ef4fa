"""Restart policies: back-off visible in status, fatal after too many restarts, stop cancels a
pending restart, join waits for the final outcome, and `shoal start --restart`."""

import json
import os
import time
from datetime import datetime, timezone

from harness import ok, error_code, wait_until


def parse_time(text):
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


def test_a_crashing_program_backs_off_then_goes_fatal(daemons):
    d = daemons.new_dir()
    path = os.path.join(d, "programs.json")
    with open(path, "w") as f:
        json.dump({"programs": {"crasher": {"argv": ["sh", "-c", "exit 7"], "restart": "on-failure",
                                            "restart_max": 2, "restart_window": 120}}}, f)
    daemon = daemons(directory=d, args=["--programs", path])
    # A joiner sent now is answered only when the process is finally done.
    joiner = daemon.connect()
    join_id = joiner.send({"op": "join", "name": "crasher"})

    seen = {}

    def in_backoff():
        r = daemon.record("crasher")
        if r["state"] == "backoff":
            seen.setdefault(r["attempt"], r)
        return r["state"] == "backoff" and r["attempt"] == 2 and r

    second = wait_until(in_backoff, 20, interval=0.01, what="the second back-off")
    assert second["exitcode"] == 7
    assert second["restarts"] == 1
    assert second["next_attempt_at"] is not None
    # The second attempt waits about 2 s (1.8 to 2 s with jitter) after the exit.
    delay = (parse_time(second["next_attempt_at"]) - parse_time(second["ended_at"])).total_seconds()
    assert 1.7 <= delay <= 2.1, second
    if 1 in seen:
        first = seen[1]
        first_delay = (parse_time(first["next_attempt_at"]) - parse_time(first["ended_at"])).total_seconds()
        assert 0.85 <= first_delay <= 1.05, first

    fatal = wait_until(lambda: (r := daemon.record("crasher"))["state"] == "fatal" and r, 20,
                       what="fatal")
    assert fatal["restarts"] == 2
    assert fatal["next_attempt_at"] is None
    assert fatal["exitcode"] == 7
    joined = joiner.reply_for(join_id, timeout=5)
    assert ok(joined)["state"] == "fatal"
    joiner.close()
    # A fatal record is done: it can be removed.
    assert ok(daemon.request({"op": "remove", "name": "crasher"}))["removed"] == "crasher"


def test_stop_during_backoff_cancels_the_restart(shoal):
    rec = shoal.spawn(["sh", "-c", "exit 1"], name="flaky", restart="always", restart_max=50)
    assert rec["restart"] == "always"
    wait_until(lambda: shoal.record("flaky")["state"] == "backoff", 10, interval=0.01,
               what="back-off")
    stopped = ok(shoal.request({"op": "stop", "name": "flaky"}))
    assert stopped["state"] == "exited"
    assert stopped["next_attempt_at"] is None
    # Watched until well past the 1 s back-off: still exited, same pid, no restart.
    deadline = time.monotonic() + 1.5
    while time.monotonic() < deadline:
        after = shoal.record("flaky")
        assert after["state"] == "exited", after
        assert after["pid"] == stopped["pid"]
        assert after["restarts"] == stopped["restarts"]
        time.sleep(0.05)


def test_backoff_refuses_a_second_start_and_remove(shoal):
    shoal.spawn(["sh", "-c", "exit 1"], name="again", restart="on-failure")
    wait_until(lambda: shoal.record("again")["state"] == "backoff", 10, interval=0.01,
               what="back-off")
    assert error_code(shoal.request({"op": "start", "name": "again", "argv": ["true"]})) == "already_exists"
    assert error_code(shoal.request({"op": "remove", "name": "again"})) == "invalid_state"
    assert error_code(shoal.request({"op": "kill", "name": "again"})) == "invalid_state"
    ok(shoal.request({"op": "stop", "name": "again"}))


def test_a_healthy_exit_is_not_restarted_on_failure_but_is_with_always(shoal):
    shoal.spawn(["true"], name="clean", restart="on-failure")
    done = shoal.join("clean")
    assert done["state"] == "exited" and done["restarts"] == 0
    shoal.spawn(["true"], name="loop", restart="always", restart_max=1, restart_window=60)
    final = shoal.join("loop", timeout=20)
    assert final["state"] == "fatal"
    assert final["restarts"] == 1


def test_bad_restart_fields_are_refused(shoal):
    assert error_code(shoal.request({"op": "start", "argv": ["true"], "restart": "sometimes"})) == "bad_request"
    assert error_code(shoal.request({"op": "start", "argv": ["true"], "restart_max": -1})) == "out_of_range"
    assert error_code(shoal.request({"op": "start", "argv": ["true"], "restart_window": 0})) == "out_of_range"
    assert error_code(shoal.request({"op": "start", "argv": ["true"], "restart_max": "3"})) == "bad_request"


def test_cli_start_restart_on_failure(shoal, tmp_dir):
    marker = os.path.join(tmp_dir, "runs")
    # Fails twice, then succeeds: on-failure restarts it until it exits 0.
    script = f'echo run >> {marker}; test $(wc -l < {marker}) -ge 3'
    r = shoal.cli("start", "--name", "retry", "--restart", "on-failure", "--restart-max", "5",
                  "--restart-window", "120", "--", "sh", "-c", script)
    assert r.returncode == 0, r
    assert r.stdout.startswith("started retry (pid ")
    j = shoal.cli("join", "retry", "--timeout", "20")
    assert j.returncode == 0, j
    rec = shoal.record("retry")
    assert rec["state"] == "exited" and rec["exitcode"] == 0
    assert rec["restarts"] == 2
    assert rec["restart"] == "on-failure" and rec["restart_max"] == 5
    with open(marker) as f:
        assert f.read().count("run") == 3
    bad = shoal.cli("start", "--restart", "sometimes", "--", "true")
    assert bad.returncode == 2
    assert "--restart" in bad.stderr
