"""How a process ended, as `join` reports it: exit codes, signals, timeouts."""

import os
import signal
import time

import pytest

from harness import error_code, ok, pid_alive, wait_until


@pytest.mark.parametrize("code", [0, 1, 42])
def test_join_reports_the_exit_code(shoal, code):
    shoal.spawn(["/bin/sh", "-c", f"exit {code}"], name=f"exit{code}")

    joined = shoal.cli("join", f"exit{code}")
    assert joined.returncode == code, joined

    record = shoal.join(f"exit{code}")
    assert record["state"] == "exited"
    assert record["exitcode"] == code
    assert record["signal"] is None
    assert record["core_dumped"] is False
    assert record["escalated"] is False
    assert isinstance(record["ended_at"], str) and record["ended_at"].endswith("Z")

    as_json = shoal.cli("join", f"exit{code}", "--json")
    assert as_json.returncode == code, as_json
    assert as_json.json()["exitcode"] == code


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_join_reports_death_by_signal(shoal, sig):
    record = shoal.spawn(["sleep", "60"], name="victim")
    assert record["state"] == "running" and record["exitcode"] is None

    joiner = shoal.connect()
    join_id = joiner.send({"op": "join", "name": "victim"})
    os.kill(record["pid"], sig)

    joined = ok(joiner.reply_for(join_id, timeout=10))
    joiner.close()
    assert joined["state"] == "exited"
    assert joined["exitcode"] == -int(sig)
    assert joined["signal"] == sig.name
    assert joined["pid"] == record["pid"]

    result = shoal.cli("join", "victim")
    assert result.returncode == 128 + int(sig), result
    as_json = shoal.cli("join", "victim", "--json")
    assert as_json.returncode == 128 + int(sig), as_json
    assert as_json.json()["exitcode"] == -int(sig)


def test_kill_op_sends_the_signal_and_join_sees_it(shoal):
    shoal.spawn(["sleep", "60"], name="target")
    killed = shoal.cli("kill", "target", "--signal", "SIGTERM")
    assert killed.returncode == 0, killed
    record = shoal.join("target")
    assert record["exitcode"] == -15 and record["signal"] == "SIGTERM"

    again = shoal.request({"op": "kill", "name": "target"})
    assert error_code(again) == "invalid_state"
    refused = shoal.cli("kill", "target")
    assert refused.returncode == 1, refused
    assert refused.stderr.startswith("shoal: invalid_state: "), refused


def test_kill_defaults_to_sigkill(shoal):
    # exec keeps SIGTERM ignored in sleep, so only SIGKILL can end it.
    shoal.spawn(["/bin/sh", "-c", "trap '' TERM; exec sleep 60"], name="stubborn")
    ok(shoal.request({"op": "kill", "name": "stubborn"}))
    record = shoal.join("stubborn")
    assert record["exitcode"] == -9 and record["signal"] == "SIGKILL"


def test_join_timeout_leaves_the_process_running(shoal):
    record = shoal.spawn(["sleep", "60"], name="slow")

    began = time.monotonic()
    result = shoal.cli("join", "slow", "--timeout", "0.3")
    assert result.returncode == 124, result
    assert time.monotonic() - began < 10

    reply = shoal.request({"op": "join", "name": "slow", "timeout": 0.2})
    assert error_code(reply) == "timeout"
    zero = shoal.request({"op": "join", "name": "slow", "timeout": 0})
    assert error_code(zero) == "timeout"

    assert pid_alive(record["pid"])
    assert shoal.record("slow")["state"] == "running"


def test_join_of_an_exited_process_answers_at_once(shoal):
    shoal.spawn(["/bin/sh", "-c", "exit 7"], name="done")
    wait_until(lambda: shoal.record("done")["state"] == "exited", 10, what="'done' to exit")

    began = time.monotonic()
    record = shoal.join("done", timeout=5)
    assert record["exitcode"] == 7
    result = shoal.cli("join", "done", "--timeout", "0")
    assert result.returncode == 7, result
    assert time.monotonic() - began < 5


def test_join_of_several_names_exits_with_the_first_failure_in_order(shoal):
    shoal.spawn(["/bin/sh", "-c", "exit 0"], name="a")
    shoal.spawn(["/bin/sh", "-c", "sleep 0.2; exit 3"], name="b")
    shoal.spawn(["/bin/sh", "-c", "exit 5"], name="c")

    assert shoal.cli("join", "a", "b", "c").returncode == 3
    assert shoal.cli("join", "c", "b", "a").returncode == 5
    assert shoal.cli("join", "a").returncode == 0


def test_join_of_an_unknown_name_is_not_found(shoal):
    assert error_code(shoal.request({"op": "join", "name": "ghost"})) == "not_found"
    result = shoal.cli("join", "ghost")
    assert result.returncode == 125, result
    assert result.stderr.startswith("shoal: not_found: "), result
