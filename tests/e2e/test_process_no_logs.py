"""A process started with `--no-logs` ("logs": false): stdout and stderr on /dev/null, no log
files, no pipes, and nothing of its output held by the daemon or the keeper, across exits,
restarts by policy and a restart of the daemon (docs/logging.md, "Without logs")."""

import json
import os
import signal
import time

from harness import error_code, ok, pid_alive, wait_until


def descriptors(pid):
    """What each open descriptor of `pid` names; one closed while listing is left out."""
    found = {}
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            found[fd] = os.readlink(f"/proc/{pid}/fd/{fd}")
        except FileNotFoundError:
            pass
    return found


def pipe_count(pid):
    return sum(1 for target in descriptors(pid).values() if target.startswith("pipe:"))


def log_files(daemon):
    logs = os.path.join(daemon.state_dir, "logs")
    return sorted(os.listdir(logs)) if os.path.isdir(logs) else []


def test_no_logs_sends_output_to_dev_null_and_keeps_no_files(shoal):
    before = {"daemon": pipe_count(shoal.pid), "keeper": pipe_count(shoal.keeper_pid)}
    gate = os.path.join(shoal.dir, "go")
    started = shoal.cli("start", "--no-logs", "--name", "quiet", "--", "sh", "-c",
                        f"echo out; echo err >&2; while [ ! -e {gate} ]; do sleep 0.02; done; "
                        "exit 3")
    assert started.returncode == 0, started
    assert started.stdout.startswith("started quiet (pid ")
    record = shoal.record("quiet")
    assert record["logs"] is None
    assert "log_max_bytes" not in record and "log_backups" not in record
    fds = descriptors(record["pid"])
    assert (fds["0"], fds["1"], fds["2"]) == ("/dev/null",) * 3, fds
    # Neither the daemon nor the keeper holds a pipe for it.
    assert pipe_count(shoal.pid) == before["daemon"]
    assert pipe_count(shoal.keeper_pid) == before["keeper"]

    logs = shoal.cli("logs", "quiet")
    assert logs.returncode == 1, logs
    assert logs.stderr == ("shoal: invalid_state: process 'quiet' keeps no logs: "
                           "it was started with --no-logs\n"), logs
    reply = shoal.request({"op": "logs", "name": "quiet", "follow": True})
    assert error_code(reply) == "invalid_state", reply

    open(gate, "w").close()
    joined = shoal.cli("join", "quiet")
    assert joined.returncode == 3, joined
    assert shoal.record("quiet")["logs"] is None
    assert not any(f.startswith("quiet.") for f in log_files(shoal)), log_files(shoal)
    assert ok(shoal.request({"op": "remove", "name": "quiet"}))

    # The same name with logs again: its output is kept as usual.
    shoal.spawn(["sh", "-c", "echo kept"], name="quiet")
    shoal.join("quiet")
    assert ok(shoal.request({"op": "logs", "name": "quiet"}))["data"] == "kept\n"


def test_no_logs_with_log_limits_is_refused_and_starts_nothing(shoal):
    refused = shoal.cli("start", "--no-logs", "--log-backups", "2", "--name", "x", "--", "true")
    assert refused.returncode == 2, refused
    assert "--no-logs keeps no log files" in refused.stderr, refused
    reply = shoal.request({"op": "start", "name": "x", "argv": ["true"], "logs": False,
                           "log_max_bytes": 8192})
    assert error_code(reply) == "bad_request", reply
    assert "\"logs\": false keeps none" in reply["error"]["message"], reply
    reply = shoal.request({"op": "start", "name": "x", "argv": ["true"], "logs": "no"})
    assert error_code(reply) == "bad_request", reply
    assert "'logs'" in reply["error"]["message"], reply
    assert error_code(shoal.request({"op": "status", "names": ["x"]})) == "not_found"


def test_a_restart_by_policy_keeps_no_logs_either(shoal):
    counter = os.path.join(shoal.dir, "runs")
    shoal.spawn(["sh", "-c", f"echo run >> {counter}; echo noise; exit 1"], name="flaky",
                logs=False, restart="on-failure", restart_max=2, restart_window=60)
    wait_until(lambda: shoal.record("flaky")["state"] == "fatal", 30, what="flaky to give up")
    record = shoal.record("flaky")
    assert record["restarts"] == 2 and record["exitcode"] == 1
    assert record["logs"] is None
    with open(counter) as f:
        assert f.read() == "run\n" * 3
    assert not any(f.startswith("flaky.") for f in log_files(shoal))


def test_a_process_without_logs_is_adopted_after_kill9(daemons):
    first = daemons()
    gate = os.path.join(first.dir, "go")
    first.spawn(["sh", "-c", f"while [ ! -e {gate} ]; do echo tick; sleep 0.02; done; exit 6"],
                name="silent", logs=False)
    pid = first.record("silent")["pid"]
    keeper = first.keeper_pid
    first.proc.kill()
    assert first.proc.wait(10) == -signal.SIGKILL
    first.expected_exit = None
    assert pid_alive(pid)

    second = daemons.create(directory=first.dir).start()
    assert second.keeper_pid == keeper
    record = second.record("silent")
    assert (record["pid"], record["state"], record["logs"]) == (pid, "running", None)
    open(gate, "w").close()
    assert second.join("silent")["exitcode"] == 6
    assert not any(f.startswith("silent.") for f in log_files(second))
    with open(os.path.join(second.state_dir, "processes.json")) as f:
        saved = [json.loads(line) for line in f if line.strip()]
    specs = [p["spec"] for line in saved
             for p in (line.get("processes") or [line.get("process")]) if p]
    assert specs and all(s.get("logs") is False for s in specs), specs


def test_a_declared_program_without_logs(daemons):
    d = daemons.new_dir()
    path = os.path.join(d, "programs.json")
    with open(path, "w") as f:
        json.dump({"programs": {"mute": {"argv": ["sleep", "300"], "logs": False}}}, f)
    daemon = daemons(directory=d, args=["--programs", path])
    record = daemon.record("mute")
    assert record["state"] == "running" and record["logs"] is None
    assert descriptors(record["pid"])["1"] == "/dev/null"
    assert not any(f.startswith("mute.") for f in log_files(daemon))

    for bad, why in (({"logs": 0}, "field 'logs' must be true or false"),
                     ({"logs": False, "log_backups": 1}, "\"logs\": false keeps none")):
        with open(path, "w") as f:
            json.dump({"programs": {"mute": {"argv": ["sleep", "300"], **bad}}}, f)
        refused = daemon.cli("reload")
        assert refused.returncode == 1, refused
        assert why in refused.stderr and "programs.json" in refused.stderr, refused
    assert daemon.record("mute")["pid"] == record["pid"]


def test_a_follower_of_an_earlier_run_is_answered_when_the_name_drops_its_logs(shoal):
    pidfile = os.path.join(shoal.dir, "straggler.pid")
    # The straggler keeps the first run's stdout open after the run itself has ended.
    shoal.spawn(["sh", "-c", f"sleep 60 & echo $! > {pidfile}; echo first"], name="x")
    shoal.join("x")
    with open(pidfile) as f:
        straggler = int(f.read())
    try:
        end = ok(shoal.request({"op": "logs", "name": "x"}))["offset"]
        with shoal.connect(timeout=30) as follower:
            waiting = follower.send({"op": "logs", "name": "x", "offset": end, "wait": 30})
            time.sleep(0.2)  # the request is held (nothing new yet); the reply below ends it
            shoal.spawn(["true"], name="x", logs=False)
            started = time.monotonic()
            reply = follower.reply_for(waiting, timeout=10)
            assert time.monotonic() - started < 5, reply
            assert ok(reply)["data"] == ""
        assert error_code(shoal.request({"op": "logs", "name": "x"})) == "invalid_state"
    finally:
        os.kill(straggler, signal.SIGKILL)


def test_the_keeper_holds_no_descriptor_for_a_child_without_logs(daemons):
    # Every descriptor the keeper holds is copied into each child it spawns and closed there:
    # one held per child made each start cost more than the one before.
    first = daemons()
    keeper = first.keeper_pid
    before = len(descriptors(keeper))
    pids = [first.spawn(["sleep", "600"], name=f"idle-{i}", logs=False)["pid"] for i in range(20)]
    # The last spawn's pidfd is closed just after it was sent, so maybe after the reply came.
    wait_until(lambda: len(descriptors(keeper)) == before, 10,
               what=f"the keeper back to its {before} descriptors, not one more per child")

    # A daemon that takes them back still gets a pidfd for each: stop signals through it.
    first.proc.kill()
    assert first.proc.wait(10) == -signal.SIGKILL
    first.expected_exit = None
    second = daemons.create(directory=first.dir).start()
    assert second.keeper_pid == keeper
    stopped = ok(second.request({"op": "stop", "name": "idle-7"}))
    assert (stopped["state"], stopped["exitcode"]) == ("exited", -signal.SIGTERM), stopped
    assert not pid_alive(pids[7])
    assert all(pid_alive(p) for i, p in enumerate(pids) if i != 7)
