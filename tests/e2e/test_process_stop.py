"""stop: SIGTERM to the whole group, SIGKILL after the grace period, grandchildren included."""

import os
import signal
import time

import pytest

from harness import error_code, ok, pid_alive, wait_until


def read_pid(path):
    def ready():
        try:
            with open(path) as f:
                text = f.read()
        except FileNotFoundError:
            return None
        return int(text) if text.endswith("\n") else None
    return wait_until(ready, 10, what=f"a pid in {path}")


def test_stop_ends_a_process_with_sigterm(shoal):
    shoal.spawn(["sleep", "60"], name="polite")
    result = shoal.cli("stop", "polite", "--timeout", "5", "--json")
    assert result.returncode == 0, result
    record = result.json()
    assert record["state"] == "exited"
    assert record["exitcode"] == -15 and record["signal"] == "SIGTERM"
    assert record["escalated"] is False


def test_stop_escalates_to_sigkill_when_sigterm_is_ignored(shoal, tmp_dir):
    ready = os.path.join(tmp_dir, "ready")
    # The shell ignores SIGTERM and announces it only once the trap is in place.
    record = shoal.spawn(["/bin/sh", "-c", f"trap '' TERM; echo $$ > {ready}; "
                          "while :; do sleep 0.05; done"], name="stubborn")
    assert read_pid(ready) == record["pid"]

    began = time.monotonic()
    stopped = ok(shoal.request({"op": "stop", "name": "stubborn", "timeout": 0.5}, timeout=15))
    elapsed = time.monotonic() - began
    assert stopped["escalated"] is True
    assert stopped["exitcode"] == -9 and stopped["signal"] == "SIGKILL"
    assert stopped["state"] == "exited"
    assert 0.4 <= elapsed < 10, elapsed
    assert not pid_alive(record["pid"])
    assert shoal.record("stubborn")["escalated"] is True


def process_state(pid):
    with open(f"/proc/{pid}/stat", "rb") as f:
        stat = f.read()
    return stat[stat.rindex(b")") + 2:].split()[0].decode()


def test_stop_of_a_stopped_process_continues_it_instead_of_escalating(shoal, tmp_dir):
    ready = os.path.join(tmp_dir, "ready")
    # A handler, not the default action: the kernel ends a stopped process at once for a
    # signal whose default is fatal, but a handler can only run once the process continues.
    script = ("import os, signal, sys, time\n"
              "def leave(signo, frame):\n"
              "    signal.signal(signo, signal.SIG_DFL)\n"
              "    os.kill(os.getpid(), signo)\n"
              "signal.signal(signal.SIGTERM, leave)\n"
              f"with open({ready!r} + '.tmp', 'w') as f: f.write(f'{{os.getpid()}}\\n')\n"
              f"os.rename({ready!r} + '.tmp', {ready!r})\n"
              "while True: time.sleep(60)\n")
    record = shoal.spawn(["python3", "-c", script], name="frozen")
    assert read_pid(ready) == record["pid"]
    os.kill(record["pid"], signal.SIGSTOP)
    wait_until(lambda: process_state(record["pid"]) == "T", 10, what="the child to stop")

    grace = 20
    began = time.monotonic()
    stopped = ok(shoal.request({"op": "stop", "name": "frozen", "timeout": grace},
                               timeout=grace + 15))
    elapsed = time.monotonic() - began
    assert stopped["exitcode"] == -15 and stopped["signal"] == "SIGTERM", stopped
    assert stopped["escalated"] is False
    assert elapsed < grace, elapsed


def test_stop_kills_grandchildren(shoal, tmp_dir):
    gc_file = os.path.join(tmp_dir, "grandchild")
    shoal.spawn(["/bin/sh", "-c", f"sleep 300 & echo $! > {gc_file}; wait"], name="parent")
    grandchild = read_pid(gc_file)
    assert pid_alive(grandchild)

    result = shoal.cli("stop", "parent", "--timeout", "2")
    assert result.returncode == 0, result
    # Gone from /proc: dead, and reaped by the subreaper daemon rather than left a zombie.
    wait_until(lambda: not os.path.exists(f"/proc/{grandchild}"), 15,
               what=f"grandchild {grandchild} to die and be reaped")


def test_stop_kills_a_grandchild_that_ignores_sigterm_after_the_leader_exits(shoal, tmp_dir):
    gc_file = os.path.join(tmp_dir, "grandchild")
    # The leader exits on SIGTERM at once; its child ignores SIGTERM and stays in the group.
    script = (f"sh -c 'trap \"\" TERM; echo $$ > {gc_file}; "
              "while :; do sleep 0.05; done' & wait")
    shoal.spawn(["/bin/sh", "-c", script], name="leader")
    grandchild = read_pid(gc_file)
    assert pid_alive(grandchild)

    stopped = ok(shoal.request({"op": "stop", "name": "leader", "timeout": 0.5}, timeout=15))
    assert stopped["state"] == "exited"
    wait_until(lambda: not pid_alive(grandchild), 15, what=f"grandchild {grandchild} to die")


def state_of(pid):
    """The state letter of /proc/PID/stat (Z: a zombie), or None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None


def test_a_stop_kills_the_group_even_while_the_keeper_is_slow_to_read_it(shoal, tmp_dir):
    # The daemon signals the leader through its pidfd as well as through the keeper. With the
    # keeper held, that signal must not end the leader before the keeper knows of the stop:
    # it would reap the leader as a plain exit and leave the group's other members alive.
    gc_file = os.path.join(tmp_dir, "grandchild")
    script = (f"sh -c 'trap \"\" TERM; echo $$ > {gc_file}; "
              "while :; do sleep 0.05; done' & wait")
    leader = shoal.spawn(["/bin/sh", "-c", script], name="leader")["pid"]
    grandchild = read_pid(gc_file)
    keeper = shoal.keeper_pid
    os.kill(keeper, signal.SIGSTOP)
    try:
        with shoal.connect() as c:
            stop_id = c.send({"op": "stop", "name": "leader", "timeout": 0.5})
            # A daemon that does not wait for the keeper's answer ends the leader now; one that
            # does, not before the keeper runs again. Either way, a bounded look.
            try:
                wait_until(lambda: state_of(leader) == "Z", 1, what="the leader to end")
            except AssertionError:
                pass
            os.kill(keeper, signal.SIGCONT)
            stopped = ok(c.reply_for(stop_id, timeout=15))
    finally:
        os.kill(keeper, signal.SIGCONT)
    assert stopped["state"] == "exited"
    wait_until(lambda: not pid_alive(grandchild), 15, what=f"grandchild {grandchild} to die")


def test_stop_of_an_exited_process_answers_its_record_at_once(shoal):
    shoal.spawn(["/bin/sh", "-c", "exit 4"], name="gone")
    shoal.join("gone")
    # Well before the grace period could have passed.
    stopped = ok(shoal.request({"op": "stop", "name": "gone", "timeout": 60}, timeout=20))
    assert stopped["exitcode"] == 4 and stopped["escalated"] is False
    assert shoal.cli("stop", "gone").returncode == 0


def test_status_shows_stopping_while_a_stop_is_in_progress(shoal, tmp_dir):
    ready = os.path.join(tmp_dir, "ready")
    shoal.spawn(["/bin/sh", "-c", f"trap '' TERM; echo $$ > {ready}; "
                 "while :; do sleep 0.05; done"], name="lingering")
    read_pid(ready)
    with shoal.connect() as c:
        stop_id = c.send({"op": "stop", "name": "lingering", "timeout": 2})
        status = ok(c.request({"op": "status", "names": ["lingering"]}))
        assert status["processes"][0]["state"] == "stopping"
        assert ok(c.reply_for(stop_id, timeout=15))["escalated"] is True


def test_stop_of_an_unknown_name_is_not_found(shoal):
    assert error_code(shoal.request({"op": "stop", "name": "nobody"})) == "not_found"
    result = shoal.cli("stop", "nobody")
    assert result.returncode == 1, result
    assert result.stderr.startswith("shoal: not_found: "), result


def test_stop_of_several_names(shoal):
    shoal.spawn(["sleep", "60"], name="one")
    shoal.spawn(["sleep", "60"], name="two")
    result = shoal.cli("stop", "one", "two", "--timeout", "2")
    assert result.returncode == 0, result
    for name in ("one", "two"):
        assert shoal.record(name)["state"] == "exited"


def test_remove_forgets_an_exited_process_and_refuses_a_running_one(shoal):
    shoal.spawn(["sleep", "60"], name="busy")
    assert error_code(shoal.request({"op": "remove", "name": "busy"})) == "invalid_state"
    refused = shoal.cli("remove", "busy")
    assert refused.returncode == 1, refused
    assert refused.stderr.startswith("shoal: invalid_state: "), refused

    shoal.spawn(["/bin/sh", "-c", "echo out; echo err >&2"], name="finished")
    shoal.join("finished")
    assert os.path.exists(shoal.log_path("finished", "out"))
    assert ok(shoal.request({"op": "remove", "name": "finished"})) == {"removed": "finished"}
    assert error_code(shoal.request({"op": "status", "names": ["finished"]})) == "not_found"
    assert not os.path.exists(shoal.log_path("finished", "out"))
    assert not os.path.exists(shoal.log_path("finished", "err"))
    assert error_code(shoal.request({"op": "remove", "name": "finished"})) == "not_found"


def test_kill_group_reaches_every_member(shoal, tmp_dir):
    member_file = os.path.join(tmp_dir, "member")
    shoal.spawn(["/bin/sh", "-c", f"sleep 60 & echo $! > {member_file}; wait"], name="family")
    member = read_pid(member_file)
    ok(shoal.request({"op": "kill", "name": "family", "signal": "SIGKILL", "group": True}))
    assert shoal.join("family")["exitcode"] == -9
    wait_until(lambda: not pid_alive(member), 15, what=f"group member {member} to die")


@pytest.mark.parametrize("spelling", ["SIGINT", "INT", 2])
def test_kill_accepts_every_signal_spelling(shoal, spelling):
    shoal.spawn(["sleep", "60"], name="signalled")
    killed = ok(shoal.request({"op": "kill", "name": "signalled", "signal": spelling}))
    assert killed["name"] == "signalled"
    record = shoal.join("signalled")
    assert record["exitcode"] == -2 and record["signal"] == "SIGINT"


def test_kill_of_an_unknown_signal_is_bad_request(shoal):
    record = shoal.spawn(["sleep", "60"], name="spared")
    for bad in ("SIGNOPE", 0, 65, -9, "9x"):
        reply = shoal.request({"op": "kill", "name": "spared", "signal": bad})
        assert error_code(reply) == "bad_request", (bad, reply)
    assert pid_alive(record["pid"])
