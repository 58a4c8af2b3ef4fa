"""TARGETs on the real binaries: a process name, a declared program's name (all its instances),
`all`, and quoted globs, for stop, restart, kill, remove, join, status and start; `restart`
itself; and `status`' names on the protocol."""

import json
import os
import subprocess

import pytest

from harness import SHOAL, clean_env, environ_entries, error_code, ok, pid_alive, wait_until


def names_of(result):
    return [r["name"] for r in result.json()["processes"]]


def start_sleepers(shoal, *names):
    for name in names:
        shoal.spawn(["sleep", "300"], name=name)


def test_a_glob_stops_only_what_it_matches(shoal):
    start_sleepers(shoal, "web-1", "web-2", "db")
    r = shoal.cli("stop", "web-*", "--timeout", "5")
    assert r.returncode == 0, r
    assert r.stdout == "stopped web-1 (SIGTERM)\nstopped web-2 (SIGTERM)\n"
    assert shoal.record("db")["state"] == "running"
    assert shoal.record("web-1")["state"] == "exited"
    assert shoal.record("web-2")["state"] == "exited"


def test_a_glob_that_matches_nothing_is_not_found_and_changes_nothing(shoal):
    start_sleepers(shoal, "db")
    for verb in (["stop"], ["restart"], ["kill"], ["remove"], ["status"]):
        r = shoal.cli(*verb, "web-*")
        assert r.returncode == 1, r
        assert r.stderr == "shoal: not_found: no process matches 'web-*'\n", r
    r = shoal.cli("join", "web-*")
    assert r.returncode == 125, r
    assert "no process matches 'web-*'" in r.stderr
    assert shoal.record("db")["state"] == "running"


def test_an_unquoted_shell_word_that_cannot_be_a_target_is_a_usage_error(shoal):
    r = shoal.cli("stop", "web/*")
    assert r.returncode == 2, r
    assert "'web/*' is not a valid TARGET" in r.stderr
    assert "quote a glob" in r.stderr


def test_all_stops_everything_and_remove_all_forgets_it(shoal):
    start_sleepers(shoal, "a", "b")
    r = shoal.cli("stop", "all")
    assert r.returncode == 0, r
    assert r.stdout.splitlines() == ["stopped a (SIGTERM)", "stopped b (SIGTERM)"]
    assert os.path.exists(shoal.log_path("a"))
    r = shoal.cli("remove", "all")
    assert r.returncode == 0, r
    assert r.stdout == "removed a\nremoved b\n"
    assert names_of(shoal.cli("status", "--json")) == []
    # remove deletes the log files with the record.
    assert not os.path.exists(shoal.log_path("a"))
    assert not os.path.exists(shoal.log_path("b", "err"))


def test_kill_and_join_take_targets(shoal):
    start_sleepers(shoal, "w-1", "w-2")
    r = shoal.cli("kill", "w-?", "--signal", "TERM")
    assert r.returncode == 0, r
    assert len(r.stdout.splitlines()) == 2
    r = shoal.cli("join", "w-*", "--timeout", "20")
    assert r.returncode == 128 + 15, r


def test_status_lists_in_natural_order_with_a_summary(shoal):
    start_sleepers(shoal, "w-10", "w-2", "w-1")
    shoal.spawn(["sh", "-c", "exit 3"], name="broken")
    wait_until(lambda: shoal.record("broken")["state"] == "exited", 10, what="broken to exit")
    r = shoal.cli("status")
    assert r.returncode == 0, r
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["NAME", "USER", "PID", "STATE", "EXIT", "UPTIME", "RESTARTS",
                                "CPU%", "MEM", "COMMAND"]
    assert [line.split()[0] for line in lines[1:-1]] == ["broken", "w-1", "w-2", "w-10"]
    assert lines[-1] == "3 running, 1 exited"
    # The JSON carries the same, and the daemon lists in the same order.
    records = shoal.cli("status", "--json").json()["processes"]
    assert [p["name"] for p in records] == ["broken", "w-1", "w-2", "w-10"]
    running = records[1]
    assert running["restarts"] == 0
    assert running["rss_bytes"] > 0
    assert running["cpu_seconds"] >= 0
    assert running["cpu_percent"] >= 0
    assert records[0]["rss_bytes"] is None and records[0]["cpu_percent"] is None
    # The memory a live process's row shows is what /proc says it uses.
    row = next(line for line in lines if line.startswith("w-1 "))
    assert row.split()[8][-1] in "KMG"


def test_cpu_time_of_a_busy_process_is_counted(shoal):
    shoal.spawn(["sh", "-c", "while :; do :; done"], name="spin")

    def busy():
        rec = shoal.cli("status", "spin", "--json").json()["processes"][0]
        return rec["cpu_seconds"] >= 0.2 and rec

    rec = wait_until(busy, 30, interval=0.1, what="the spinner to use CPU time")
    assert rec["cpu_percent"] > 0
    assert shoal.cli("stop", "spin").returncode == 0


def test_restart_runs_the_same_spec_again_and_counts_it(shoal, tmp_path):
    rec = shoal.spawn(["sh", "-c", "echo \"$GREETING from $PWD\"; exec sleep 300"], name="svc",
                      env={"GREETING": "hello"}, cwd=str(tmp_path))
    old_pid = rec["pid"]
    wait_until(lambda: "hello" in open(shoal.log_path("svc")).read(), 10, what="first output")
    r = shoal.cli("restart", "svc", "--timeout", "5")
    assert r.returncode == 0, r
    new = shoal.record("svc")
    assert r.stdout == f"restarted svc (pid {new['pid']})\n"
    assert new["state"] == "running"
    assert new["pid"] != old_pid
    assert not pid_alive(old_pid)
    assert new["restarts"] == 1
    assert new["argv"] == rec["argv"] and new["cwd"] == str(tmp_path)
    # Same environment and directory: the second run printed the same line again.
    wait_until(lambda: open(shoal.log_path("svc")).read().count(f"hello from {tmp_path}") == 2,
               10, what="the second run's output")
    # An exited process restarts too.
    assert shoal.cli("stop", "svc").returncode == 0
    r = shoal.cli("restart", "svc", "--json")
    assert r.returncode == 0, r
    assert r.json()["restarts"] == 2 and r.json()["state"] == "running"
    assert shoal.cli("stop", "svc").returncode == 0


SPEC = ("argv", "cwd", "user", "uid", "group", "gid", "restart", "restart_max",
        "restart_window", "log_max_bytes", "log_backups", "program")


def test_restart_keeps_the_user_the_restart_policy_and_the_log_settings(shoal):
    # cwd /tmp: a directory `nobody` may enter, so the run as that user gets there.
    r = shoal.cli("start", "--name", "spec", "--user", "nobody", "--restart", "on-failure",
                  "--restart-max", "7", "--restart-window", "90", "--log-max-bytes", "8K",
                  "--log-backups", "2", "--env", "COLOUR=teal", "--", "sh", "-c",
                  'echo "$COLOUR $(id -un) $PWD"; exec sleep 300', cwd="/tmp")
    assert r.returncode == 0, r
    before = shoal.record("spec")
    assert before["user"] == "nobody" and before["log_max_bytes"] == 8192, before
    said = "teal nobody /tmp\n"
    wait_until(lambda: open(shoal.log_path("spec")).read() == said, 10, what="the first run's line")
    r = shoal.cli("restart", "spec")
    assert r.returncode == 0, r
    after = shoal.record("spec")
    assert after["pid"] != before["pid"] and after["state"] == "running"
    assert after["restarts"] == before["restarts"] + 1
    assert {k: after[k] for k in SPEC} == {k: before[k] for k in SPEC}
    # The new run really is nobody's, in /tmp, with the environment it was started with (once
    # it has printed, setpriv has switched users).
    wait_until(lambda: open(shoal.log_path("spec")).read() == said * 2, 10,
               what="the second run's line")
    assert os.stat(f"/proc/{after['pid']}").st_uid == 65534
    assert shoal.cli("stop", "spec").returncode == 0


def test_a_declared_instance_restarts_as_its_program_declares(daemons):
    d = daemons.new_dir()
    work = os.path.join(d, "work")
    os.mkdir(work)
    path = os.path.join(d, "programs.json")
    with open(path, "w") as f:
        json.dump({"programs": {"api": {
            "argv": ["sh", "-c", "exec sleep 300"], "cwd": work, "env": {"ROLE": "api"},
            "restart": "always", "restart_max": 9, "log_max_bytes": "8K", "log_backups": 1}}}, f)
    daemon = daemons(directory=d, args=["--programs", path])
    before = wait_until(lambda: daemon.record("api")["state"] == "running" and daemon.record("api"),
                        10, what="api to run")
    r = daemon.cli("restart", "api")
    assert r.returncode == 0, r
    after = daemon.record("api")
    assert after["pid"] != before["pid"] and after["restarts"] == 1
    assert {k: after[k] for k in SPEC} == {k: before[k] for k in SPEC}
    assert after["program"] == "api" and after["cwd"] == work and after["restart"] == "always"
    assert after["log_max_bytes"] == 8192 and after["log_backups"] == 1
    assert os.readlink(f"/proc/{after['pid']}/cwd") == work
    assert b"ROLE=api" in environ_entries(after["pid"])
    assert daemon.cli("stop", "all").returncode == 0


def test_restart_of_a_program_starts_the_instances_that_have_no_process(daemons):
    d = daemons.new_dir()
    path = os.path.join(d, "programs.json")
    with open(path, "w") as f:
        json.dump({"programs": {
            "later": {"argv": ["sleep", "300"], "numprocs": 2, "autostart": False},
            "broken": {"argv": ["/nonexistent/program"]}}}, f)
    daemon = daemons(directory=d, args=["--programs", path])
    assert names_of(daemon.cli("status", "--json")) == []
    # Never started: restart starts them as declared, and says so.
    r = daemon.cli("restart", "later")
    assert r.returncode == 0, r
    assert [line.split()[:2] for line in r.stdout.splitlines()] == [
        ["started", "later-1"], ["started", "later-2"]]
    assert all(daemon.record(n)["state"] == "running" for n in ("later-1", "later-2"))
    # One removed: that one is started, the other restarted.
    assert daemon.cli("stop", "later-1").returncode == 0
    assert daemon.cli("remove", "later-1").returncode == 0
    r = daemon.cli("restart", "later")
    assert r.returncode == 0, r
    assert [line.split()[:2] for line in r.stdout.splitlines()] == [
        ["restarted", "later-2"], ["started", "later-1"]]
    assert daemon.record("later-2")["restarts"] == 1 and daemon.record("later-1")["restarts"] == 0
    # A program whose spawn fails is not silently left down: exit 1, and why.
    r = daemon.cli("restart", "broken")
    assert r.returncode == 1, r
    assert r.stderr.startswith("shoal: spawn_failed: unable to spawn 'broken': "), r
    assert daemon.cli("stop", "all").returncode == 0


def test_join_logs_and_watch_take_a_program_name_and_all(daemons):
    d = daemons.new_dir()
    go = os.path.join(d, "go")
    path = os.path.join(d, "programs.json")
    with open(path, "w") as f:
        json.dump({"programs": {"job": {
            "argv": ["sh", "-c", f"echo hi from $SHOAL_NAME; while [ ! -e {go} ]; do sleep 0.01; "
                                 "done; exit 4"],
            "numprocs": 2, "restart": "no"}}}, f)
    daemon = daemons(directory=d, args=["--programs", path])
    wait_until(lambda: len(names_of(daemon.cli("status", "job", "--json"))) == 2, 10,
               what="two jobs")
    # Both instances' output, each line prefixed by its name, for the program and for all.
    expected = "job-1 | hi from job-1\njob-2 | hi from job-2\n"
    for target in ("job", "all"):
        wait_until(lambda: daemon.cli("logs", target).stdout == expected, 10,
                   what=f"logs {target} to show both instances")
    # watch of the program name sees its instances' events (from `since`, so none is missed
    # while it connects); join of `all` waits for both.
    with daemon.connect() as w:
        since = ok(w.reply_for(w.send({"op": "watch"})))["seq"]
    watcher = subprocess.Popen([SHOAL, "--socket", daemon.socket, "watch", "job", "--since",
                                str(since), "--count", "2", "--json"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=clean_env(),
                               text=True)
    try:
        joined = subprocess.Popen([SHOAL, "--socket", daemon.socket, "join", "all"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  stdin=subprocess.DEVNULL, env=clean_env(), text=True)
        try:
            with pytest.raises(subprocess.TimeoutExpired):
                joined.wait(0.5)  # both still run
            open(go, "w").close()
            assert joined.wait(30) == 4, joined.stderr.read()
        finally:
            if joined.poll() is None:
                joined.kill()
                joined.wait()
        out, err = watcher.communicate(timeout=30)
    finally:
        if watcher.poll() is None:
            watcher.kill()
            watcher.wait()
    events = [json.loads(line) for line in out.splitlines()]
    assert sorted(e["name"] for e in events) == ["job-1", "job-2"], (out, err)
    assert all(e["type"] == "exited" and e["program"] == "job" for e in events), events
    r = daemon.cli("join", "job")
    assert r.returncode == 4, r


def test_restart_of_an_unknown_name_exits_1_like_stop(shoal):
    r = shoal.cli("restart", "ghost")
    assert r.returncode == 1, r
    assert r.stderr == "shoal: not_found: no process named 'ghost'\n"
    r = shoal.request({"op": "restart", "name": "ghost"})
    assert error_code(r) == "not_found"


def test_a_program_name_means_all_its_instances(daemons):
    d = daemons.new_dir()
    path = os.path.join(d, "programs.json")
    with open(path, "w") as f:
        json.dump({"programs": {
            "worker": {"argv": ["sleep", "300"], "numprocs": 3},
            "other": {"argv": ["sleep", "300"]},
            "later": {"argv": ["sleep", "300"], "numprocs": 2, "autostart": False}}}, f)
    daemon = daemons(directory=d, args=["--programs", path])
    wait_until(lambda: len(names_of(daemon.cli("status", "worker", "--json"))) == 3, 10,
               what="three workers")
    assert names_of(daemon.cli("status", "worker", "--json")) == ["worker-1", "worker-2", "worker-3"]

    pids = {r["name"]: r["pid"] for r in daemon.cli("status", "--json").json()["processes"]}
    r = daemon.cli("restart", "worker")
    assert r.returncode == 0, r
    assert [line.split()[1] for line in r.stdout.splitlines()] == ["worker-1", "worker-2", "worker-3"]
    for name in ("worker-1", "worker-2", "worker-3"):
        rec = daemon.record(name)
        assert rec["pid"] != pids[name] and rec["state"] == "running" and rec["restarts"] == 1
        assert rec["program"] == "worker"
    assert daemon.record("other")["pid"] == pids["other"]

    r = daemon.cli("stop", "worker")
    assert r.returncode == 0, r
    assert len(r.stdout.splitlines()) == 3
    assert daemon.record("other")["state"] == "running"

    # start --name PROGRAM starts every instance that is not running, declared-only ones too.
    r = daemon.cli("start", "--name", "later")
    assert r.returncode == 0, r
    assert [line.split()[1] for line in r.stdout.splitlines()] == ["later-1", "later-2"]
    r = daemon.cli("start", "--name", "worker")
    assert r.returncode == 0, r
    assert len(r.stdout.splitlines()) == 3
    assert daemon.cli("stop", "all").returncode == 0


def test_status_names_on_the_protocol_take_targets(shoal):
    start_sleepers(shoal, "w-10", "w-2", "x")
    reply = ok(shoal.request({"op": "status", "names": ["w-*", "x", "w-2"]}))
    # Each target's matches in natural order, no name twice.
    assert [p["name"] for p in reply["processes"]] == ["w-2", "w-10", "x"]
    assert error_code(shoal.request({"op": "status", "names": ["nope-*"]})) == "not_found"
    assert error_code(shoal.request({"op": "status", "names": ["a b"]})) == "bad_request"
    assert shoal.cli("stop", "all").returncode == 0


def test_watch_takes_a_glob_that_also_matches_processes_started_later(shoal):
    with shoal.connect() as w:
        wid = w.send({"op": "watch", "names": ["w-*"]})
        ok(w.reply_for(wid))  # subscribed from here on
        shoal.spawn(["true"], name="other")
        shoal.spawn(["true"], name="w-1")
        event = json.loads(w.read_line(timeout=10))
        assert event["event"]["name"] == "w-1", event
    # Their exits must be behind us, or the next subscriber sees them first.
    shoal.join("other")
    shoal.join("w-1")
    with shoal.connect() as w:
        wid = w.send({"op": "watch", "names": ["all"]})
        ok(w.reply_for(wid))
        shoal.spawn(["true"], name="anything")
        assert json.loads(w.read_line(timeout=10))["event"]["name"] == "anything"
    assert error_code(shoal.request({"op": "watch", "names": ["web/*"]})) == "bad_request"
    r = shoal.cli("watch", "web/*")
    assert r.returncode == 2 and "not a valid TARGET" in r.stderr, r


def test_a_failed_spawn_leaves_no_log_files(shoal):
    r = shoal.cli("start", "--name", "ghost", "--", "/nonexistent/program")
    assert r.returncode == 1 and "spawn_failed" in r.stderr, r
    assert not os.path.exists(shoal.log_path("ghost"))
    assert not os.path.exists(shoal.log_path("ghost", "err"))
    # A name that ran keeps its logs when a later start of it fails.
    shoal.spawn(["sh", "-c", "echo ran"], name="once")
    shoal.join("once")
    r = shoal.cli("start", "--name", "once", "--", "/nonexistent/program")
    assert r.returncode == 1, r
    assert open(shoal.log_path("once")).read() == "ran\n"


def daemon_reads(pid):
    """How many read system calls the daemon has made: one per /proc file it samples."""
    with open(f"/proc/{pid}/io") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("syscr:"))


def test_status_without_usage_reads_nothing_from_proc(shoal):
    names = [f"u-{i}" for i in range(40)]
    start_sleepers(shoal, *names)
    before = daemon_reads(shoal.pid)
    reply = ok(shoal.request({"op": "status", "names": ["u-*"], "usage": False}))
    without = daemon_reads(shoal.pid) - before
    assert [p["name"] for p in reply["processes"]] == names
    for record in reply["processes"]:
        assert record["state"] == "running"
        assert record["cpu_seconds"] is None and record["cpu_percent"] is None
        assert record["rss_bytes"] is None
    # None of the 40 has been sampled yet: asked with usage, the daemon reads each one.
    before = daemon_reads(shoal.pid)
    reply = ok(shoal.request({"op": "status", "names": ["u-*"]}))
    with_usage = daemon_reads(shoal.pid) - before
    # A process sampled just after its exec may have no page yet: 0, but never null.
    assert all(p["rss_bytes"] is not None for p in reply["processes"])
    assert without < 10 <= 40 <= with_usage, (without, with_usage)
    assert error_code(shoal.request({"op": "status", "usage": "no"})) == "bad_request"
    assert shoal.cli("stop", "all").returncode == 0


def test_the_cli_expands_targets_without_reading_proc(shoal):
    names = [f"e-{i}" for i in range(40)]
    start_sleepers(shoal, *names)
    before = daemon_reads(shoal.pid)
    r = shoal.cli("kill", "e-*", "--signal", "CONT")
    assert r.returncode == 0, r
    assert len(r.stdout.splitlines()) == 40
    # The 40 were never sampled: expanding with usage would read /proc once for each.
    assert daemon_reads(shoal.pid) - before < 20
    assert shoal.cli("stop", "all").returncode == 0
