"""Live restore: children outlive a daemon killed with SIGKILL or exited with SIGUSR2 (an
upgrade), and the next daemon on the same state directory adopts them with their records,
exit codes and logs; a pid it cannot verify is `lost` and never signalled (docs/restore.md)."""

import json
from datetime import datetime
import os
import re
import signal
import subprocess
import time

from harness import (SHOAL, SHOALD, clean_env, error_code, is_keeper, ok, pid_alive, processes_with_env,
                     wait_until)
from restarts import kill9, restart

# Writes "line N" forever, fast enough that lines are written while no daemon runs.
COUNTER = ["sh", "-c", 'i=0; while :; do i=$((i+1)); echo "line $i"; sleep 0.005; done']


def edit_records(daemon, fn):
    """Applies `fn` to every saved state of every process in the record file (its first line
    is the whole table, each later line one change: docs/restore.md)."""
    path = os.path.join(daemon.state_dir, "processes.json")
    with open(path) as f:
        lines = [json.loads(line) for line in f if line.strip()]
    for p in lines[0]["processes"]:
        fn(p)
    for change in lines[1:]:
        if "process" in change:
            fn(change["process"])
    with open(path, "w") as f:
        f.writelines(json.dumps(line) + "\n" for line in lines)


def processes(daemon):
    return {p["name"]: p for p in ok(daemon.request({"op": "status"}))["processes"]}


def counted_lines(path):
    with open(path) as f:
        text = f.read()
    numbers = [int(n) for n in re.findall(r"^line (\d+)$", text, re.M)]
    return numbers


def assert_consecutive(numbers):
    assert numbers, "no line was logged"
    assert numbers == list(range(1, len(numbers) + 1)), \
        f"lines lost or repeated: first break after {next((a for a, b in zip(numbers, numbers[1:]) if b != a + 1), None)}"


def test_kill9_then_restart_adopts_every_child_with_its_record_exit_code_and_logs(daemons):
    first = daemons()
    gate = os.path.join(first.dir, "go")
    first.spawn(COUNTER, name="counter")
    first.spawn(["sh", "-c", f'while [ ! -e {gate} ]; do sleep 0.02; done; echo bye; exit 7'],
                name="waiter")
    first.spawn(["sh", "-c", "exit 5"], name="done")
    first.spawn(["sh", "-c", "echo said; echo and >&2; exit 4"], name="talker")
    first.spawn(["sh", "-c", "sleep 0.2; exit 3"], name="flapper", restart="always",
                restart_max=1000, restart_window=1)
    first.join("done")
    first.join("talker")
    wait_until(lambda: first.record("flapper")["restarts"] >= 1, 20, what="a restart of flapper")
    wait_until(lambda: len(counted_lines(first.log_path("counter"))) > 20, 10,
               what="counter's first lines")
    before = processes(first)
    keeper = first.keeper_pid
    assert keeper and is_keeper(keeper)

    kill9(first)
    # The children run on under the keeper, which keeps their output flowing into the logs.
    assert pid_alive(before["counter"]["pid"])
    logged = len(counted_lines(first.log_path("counter")))
    wait_until(lambda: len(counted_lines(first.log_path("counter"))) > logged + 20, 10,
               what="counter's lines written while no daemon runs")
    # One process ends while no daemon runs: its exit code waits in the keeper.
    waiter_pid = before["waiter"]["pid"]
    open(gate, "w").close()
    wait_until(lambda: not pid_alive(waiter_pid), 10, what="waiter to end and be reaped")

    second = restart(daemons, first)
    assert second.keeper_pid == keeper, "the keeper is adopted, not started again"
    after = processes(second)
    assert sorted(after) == sorted(before)
    counter = after["counter"]
    for field in ("pid", "state", "started_at", "restarts", "argv", "user"):
        assert counter[field] == before["counter"][field], field
    assert after["done"]["state"] == "exited" and after["done"]["exitcode"] == 5
    assert after["done"]["started_at"] == before["done"]["started_at"]
    # A done record reads the same, member for member (done wrote nothing: its record keeps no
    # output state, before the restart or after). One that wrote reads the same but for its
    # logs' written_bytes, which count what this daemon wrote (docs/protocol.md).
    assert after["done"] == before["done"]
    without_logs = [{k: v for k, v in r["talker"].items() if k != "logs"} for r in (before, after)]
    assert without_logs[0] == without_logs[1]
    assert after["talker"]["logs"]["stdout"]["written_bytes"] == 0
    assert ok(second.request({"op": "logs", "name": "talker"}))["data"] == "said\n"
    assert ok(second.request({"op": "logs", "name": "done", "stream": "stderr"}))["data"] == ""
    waiter = second.join("waiter")
    assert waiter["state"] == "exited" and waiter["exitcode"] == 7 and waiter["pid"] == waiter_pid
    assert ok(second.request({"op": "logs", "name": "waiter"}))["data"] == "bye\n"
    # The restart policy goes on counting where it was.
    assert after["flapper"]["restarts"] >= before["flapper"]["restarts"]
    restarts = after["flapper"]["restarts"]
    wait_until(lambda: second.record("flapper")["restarts"] > restarts, 20,
               what="flapper restarted by the new daemon")

    # logs --follow on the adopted process gets what it writes from now on.
    size = ok(second.request({"op": "logs", "name": "counter", "max_bytes": 0}))["size"]
    more = ok(second.request({"op": "logs", "name": "counter", "offset": size, "wait": 5}))
    assert re.match(r"line \d+\n", more["data"]), more

    # Stopping an adopted process works, and reports its end exactly.
    stopped = second.cli("stop", "counter", "flapper")
    assert stopped.returncode == 0, stopped
    end = second.join("counter")
    assert end["state"] == "exited" and end["exitcode"] == -signal.SIGTERM
    assert not pid_alive(before["counter"]["pid"])
    # Not a line lost or doubled across the daemon's death: the keeper wrote what came while
    # no daemon ran, the new daemon read on after it.
    assert_consecutive(counted_lines(second.log_path("counter")))


def test_a_process_that_ends_by_a_signal_while_no_daemon_runs_is_reported_as_minus_signal(daemons):
    first = daemons()
    rec = first.spawn(["sleep", "300"], name="victim")
    kill9(first)
    os.kill(rec["pid"], signal.SIGKILL)
    wait_until(lambda: not pid_alive(rec["pid"]), 10, what="victim to be reaped by the keeper")
    second = restart(daemons, first)
    r = second.join("victim")
    assert r["state"] == "exited" and r["exitcode"] == -signal.SIGKILL and r["signal"] == "SIGKILL"
    shown = second.cli("status", "victim")
    assert shown.returncode == 0 and "exited" in shown.stdout, shown


def test_watch_and_join_work_on_an_adopted_process(daemons):
    first = daemons()
    first.spawn(["sleep", "300"], name="slow")
    kill9(first)
    second = restart(daemons, first)
    watcher = second.connect()
    ok(watcher.reply_for(watcher.send({"op": "watch", "names": ["slow"]})))
    joiner = second.connect()
    join_id = joiner.send({"op": "join", "name": "slow"})
    assert ok(second.request({"op": "kill", "name": "slow", "signal": "SIGINT"}))
    joined = ok(joiner.reply_for(join_id, timeout=10))
    assert joined["exitcode"] == -signal.SIGINT

    def exited_event():
        line = watcher.read_line(timeout=10)
        assert line is not None, "the daemon closed the watch"
        event = json.loads(line).get("event", {})
        return event.get("type") == "exited" and event
    event = wait_until(exited_event, 20, what="the exited event of slow")
    assert event["exitcode"] == -signal.SIGINT
    watcher.close()
    joiner.close()


def test_declared_autostart_programs_are_adopted_not_started_twice(daemons):
    d = daemons.new_dir()
    path = os.path.join(d, "programs.json")
    with open(path, "w") as f:
        json.dump({"programs": {"web": {"argv": ["sleep", "300"], "numprocs": 2},
                                "once": {"argv": ["sh", "-c", "exit 0"]}}}, f)
    first = daemons(directory=d, args=["--programs", path])
    first.join("once")
    before = processes(first)
    kill9(first)
    second = restart(daemons, first, args=["--programs", path])
    after = processes(second)
    assert {n: (p["pid"], p["state"], p["started_at"]) for n, p in after.items()} == \
        {n: (p["pid"], p["state"], p["started_at"]) for n, p in before.items()}
    assert after["once"]["state"] == "exited"
    live = [p["pid"] for p in before.values() if p["state"] == "running"]
    assert sorted(processes_with_env(f"SHOAL_SOCKET={second.socket}")) == sorted(live)
    assert "unable to start" not in second.stderr()


def test_a_pid_that_cannot_be_verified_is_lost_and_never_signalled(daemons):
    first = daemons()
    reused = first.spawn(["sleep", "300"], name="reused")
    faked = first.spawn(["sleep", "300"], name="faked")
    kill9(first)
    # Another process now holds the pid the record names, as after a pid reuse, and another
    # record's start time no longer matches its pid.
    stranger = subprocess.Popen(["sleep", "300"], stdin=subprocess.DEVNULL)
    try:
        def fake(p):
            if p["name"] == "reused":
                p["pid"] = stranger.pid
            if p["name"] == "faked":
                p["start_ticks"] += 1
        edit_records(first, fake)

        second = restart(daemons, first)
        after = processes(second)
        for name, pid in (("reused", stranger.pid), ("faked", faked["pid"])):
            r = after[name]
            assert r["state"] == "lost", r
            assert r["pid"] == pid
            assert f"pid {pid} could not be verified" in r["lost_reason"], r
            assert "not signalled" in r["lost_reason"]
            assert r["exitcode"] is None
        assert "start" in after["faked"]["lost_reason"]
        # Neither stop nor kill reaches it; it is done, so it can be removed.
        killed = second.request({"op": "kill", "name": "reused", "signal": "SIGKILL"})
        assert error_code(killed) == "invalid_state"
        assert ok(second.request({"op": "stop", "name": "reused"}))
        shown = second.cli("status")
        assert "lost" in shown.stdout, shown
        assert pid_alive(stranger.pid) and pid_alive(faked["pid"])
        assert stranger.poll() is None
        assert ok(second.request({"op": "remove", "name": "reused"}))
    finally:
        stranger.kill()
        stranger.wait(10)
    os.kill(reused["pid"], signal.SIGKILL)


def test_a_keeper_that_died_leaves_running_records_lost(daemons):
    first = daemons()
    rec = first.spawn(["sleep", "300"], name="orphan")
    keeper = first.keeper_pid
    kill9(first)
    os.kill(keeper, signal.SIGKILL)
    wait_until(lambda: not is_keeper(keeper), 10, what="the keeper to die")
    second = restart(daemons, first)
    assert second.keeper_pid != keeper
    r = second.record("orphan")
    assert r["state"] == "lost" and "keeper that held it is gone" in r["lost_reason"], r
    assert pid_alive(rec["pid"]), "a lost process is never signalled"
    os.kill(rec["pid"], signal.SIGKILL)


def test_sigusr2_exits_leaving_children_to_the_next_daemon(daemons):
    first = daemons()
    first.spawn(COUNTER, name="counter")
    first.spawn(["sleep", "300"], name="sleeper")
    before = processes(first)
    first.proc.send_signal(signal.SIGUSR2)
    assert first.proc.wait(15) == 0
    first.expected_exit = None
    assert "leaving 2 running process(es) to the keeper" in first.stderr()
    for p in before.values():
        assert pid_alive(p["pid"])

    # The upgrade: a new binary would be started here; the same one is adopted the same way.
    second = restart(daemons, first)
    after = processes(second)
    for name in before:
        assert after[name]["pid"] == before[name]["pid"]
        assert after[name]["state"] == "running"
    ok(second.request({"op": "stop", "name": "counter"}))
    assert second.join("counter")["exitcode"] == -signal.SIGTERM
    assert_consecutive(counted_lines(second.log_path("counter")))


def test_plain_sigterm_still_stops_every_child_and_the_keeper(daemons):
    first = daemons()
    rec = first.spawn(["sleep", "300"], name="sleeper")
    keeper = first.keeper_pid
    first.proc.send_signal(signal.SIGTERM)
    assert first.proc.wait(15) == 0
    first.expected_exit = None
    assert not pid_alive(rec["pid"])
    wait_until(lambda: not is_keeper(keeper), 10, what="the keeper to exit")
    assert not os.path.exists(os.path.join(first.state_dir, "processes.json"))
    # Nothing to adopt: the next daemon starts empty.
    second = restart(daemons, first)
    assert processes(second) == {}


def test_a_corrupt_record_file_is_set_aside_with_a_clear_error(daemons):
    first = daemons()
    kill9(first)
    path = os.path.join(first.state_dir, "processes.json")
    with open(path, "w") as f:
        f.write("{not json")
    second = restart(daemons, first)
    assert processes(second) == {}
    assert os.path.exists(path + ".bad")
    assert "processes.json' is not valid JSON" in second.stderr()


def drop_records(daemon, name):
    """Removes every saved state of `name` from the record file: as if the daemon had died
    after its keeper spawned the process and before the file recorded the start."""
    path = os.path.join(daemon.state_dir, "processes.json")
    with open(path) as f:
        lines = [json.loads(line) for line in f if line.strip()]
    lines[0]["processes"] = [p for p in lines[0]["processes"] if p["name"] != name]
    lines[1:] = [c for c in lines[1:]
                 if c.get("process", {}).get("name") != name and c.get("removed") != name]
    with open(path, "w") as f:
        f.writelines(json.dumps(line) + "\n" for line in lines)


def test_a_child_the_record_file_missed_is_adopted_and_supervised(daemons):
    first = daemons()
    cwd = first.dir
    gate = os.path.join(first.dir, "go")
    missed = first.spawn(COUNTER, name="missed", cwd=cwd)
    ended = first.spawn(["sh", "-c", f"while [ ! -e {gate} ]; do sleep 0.02; done; exit 4"],
                        name="ended")
    first.spawn(["sleep", "300"], name="kept")
    kill9(first)
    drop_records(first, "missed")
    drop_records(first, "ended")
    # One of the two ends while no daemon runs: only the keeper knows its exit.
    open(gate, "w").close()
    wait_until(lambda: not pid_alive(ended["pid"]), 10, what="ended to end and be reaped")

    second = restart(daemons, first)
    after = processes(second)
    assert sorted(after) == ["ended", "kept", "missed"]
    m = after["missed"]
    assert m["pid"] == missed["pid"] and m["state"] == "running", m
    assert m["argv"] == COUNTER and m["cwd"] == cwd, m
    started = [datetime.fromisoformat(r["started_at"]) for r in (m, missed)]
    assert abs((started[0] - started[1]).total_seconds()) < 2, (m, missed)
    assert "missing from the record file: adopted as 'missed'" in second.stderr()
    e = second.join("ended")
    assert e["pid"] == ended["pid"] and e["exitcode"] == 4, e
    # Supervised like any other: logs go on, stop reaches it, its end is reported.
    size = ok(second.request({"op": "logs", "name": "missed", "max_bytes": 0}))["size"]
    more = ok(second.request({"op": "logs", "name": "missed", "offset": size, "wait": 5}))
    assert re.match(r"line \d+\n", more["data"]), more
    ok(second.request({"op": "stop", "name": "missed"}))
    assert second.join("missed")["exitcode"] == -signal.SIGTERM
    assert not pid_alive(missed["pid"])
    assert_consecutive(counted_lines(second.log_path("missed")))


def test_a_removed_process_stays_removed_after_kill9(daemons):
    first = daemons()
    first.spawn(["sh", "-c", "exit 3"], name="gone")
    assert first.join("gone")["exitcode"] == 3
    ok(first.request({"op": "remove", "name": "gone"}))
    kill9(first)
    second = restart(daemons, first)
    assert "gone" not in processes(second)
    assert "adopted as 'gone'" not in second.stderr()


def test_an_exit_reported_at_restore_is_not_reported_again_by_the_next_daemon(daemons):
    first = daemons()
    gate = os.path.join(first.dir, "go")
    late = first.spawn(["sh", "-c", f"while [ ! -e {gate} ]; do sleep 0.02; done; exit 3"],
                       name="late")
    first.spawn(["sh", "-c", f"while [ ! -e {gate} ]; do sleep 0.02; done; exit 4"],
                name="again")
    kill9(first)
    open(gate, "w").close()
    wait_until(lambda: not pid_alive(late["pid"]), 10, what="late to end while no daemon runs")
    second = restart(daemons, first)
    assert second.join("late")["exitcode"] == 3
    assert second.join("again")["exitcode"] == 4
    ok(second.request({"op": "remove", "name": "late"}))
    rerun = second.spawn(["sh", "-c", "exit 5"], name="again")
    assert second.join("again")["exitcode"] == 5
    kill9(second)
    third = restart(daemons, second)
    after = processes(third)
    assert "late" not in after, after["late"]
    assert after["again"]["pid"] == rerun["pid"] and after["again"]["exitcode"] == 5, after
    assert "adopted as" not in third.stderr()


def test_a_restart_the_record_file_missed_is_adopted_not_run_twice(daemons):
    first = daemons()
    flap = first.spawn(["sleep", "300"], name="flap", restart="always")
    kill9(first)
    # The file still shows the run before, ended and waiting to be restarted now: the restart
    # happened, but the daemon died before recording it.

    def earlier_run(p):
        if p["name"] == "flap":
            p["pid"] = flap["pid"] + 100000
            p["state"] = "backoff"
            p["exitcode"] = 1
            p["ended_at"] = p["started_at"]
            p["next_attempt_at"] = p["started_at"]
    edit_records(first, earlier_run)

    second = restart(daemons, first)
    r = second.record("flap")
    assert r["pid"] == flap["pid"] and r["state"] == "running", r
    assert r["restarts"] == flap["restarts"] + 1, r
    assert r["exitcode"] is None
    # Nothing was started a second time.
    assert sorted(processes_with_env(f"SHOAL_SOCKET={second.socket}")) == [flap["pid"]]
    os.kill(flap["pid"], signal.SIGKILL)
    wait_until(lambda: second.record("flap")["restarts"] > r["restarts"], 20,
               what="flap restarted by its policy after its adopted run ended")


def test_a_lock_run_program_ending_after_a_restart_releases_the_lock_quietly(daemons):
    first = daemons()
    gate, running = os.path.join(first.dir, "go"), os.path.join(first.dir, "running")
    run = subprocess.Popen([SHOAL, "--socket", first.socket, "lock", "run", "--", "sh", "-c",
                            f"touch {running}; while [ ! -e {gate} ]; do sleep 0.02; done"],
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, env=clean_env())
    try:
        held = wait_until(lambda: ok(first.request({"op": "lock_status"}))["owner"], 10,
                          what="lock run to take the lock")
        # The lock is taken for the program before shoal lets it run; killed before that,
        # shoal takes the program with it and the lock is recovered as a death.
        wait_until(lambda: os.path.exists(running), 10, what="the program to run")
        # Only the daemon is left to release the lock: shoal is gone, and so is the daemon
        # that was told the program's end is its release.
        run.kill()
        run.wait(10)
        kill9(first)
        second = restart(daemons, first)
        assert ok(second.request({"op": "lock_status"}))["owner"] == held
        open(gate, "w").close()
        wait_until(lambda: not ok(second.request({"op": "lock_status"}))["held"], 10,
                   what="the lock released when the program ended")
        # Its end was a release, not a death: nobody is told the previous holder died.
        taken = ok(second.request({"op": "lock_acquire"}))
        assert taken["acquired"] and taken["previous_owner_died"] is False, taken
        ok(second.request({"op": "lock_release"}))
        assert f"pid {held}, run under the lock, ended; released it" in second.stderr()
        assert "died holding" not in second.stderr()
    finally:
        open(gate, "w").close()
        if run.poll() is None:
            run.kill()
            run.wait(10)


