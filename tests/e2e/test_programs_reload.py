"""`reload` and SIGHUP apply a new programs file like `supervisorctl update`, or refuse it
whole and keep the programs in force."""

import json
import os
import signal

from harness import ok, error_code, wait_until


def write(path, programs):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"programs": programs}, f, indent=2)
    os.replace(tmp, path)


def pids(daemon):
    return {p["name"]: (p["pid"], p["state"])
            for p in ok(daemon.request({"op": "status"}))["processes"]}


FIRST = {
    "keep": {"argv": ["sleep", "300"]},
    "change": {"argv": ["sleep", "300"], "numprocs": 2},
    "drop": {"argv": ["sleep", "300"]},
}


def test_reload_adds_removes_changes_and_keeps(daemons):
    d = daemons.new_dir()
    path = os.path.join(d, "programs.json")
    write(path, FIRST)
    daemon = daemons(directory=d, args=["--programs", path])
    before = pids(daemon)
    assert sorted(before) == ["change-1", "change-2", "drop", "keep"]

    write(path, {
        "keep": {"argv": ["sleep", "300"]},
        "change": {"argv": ["sleep", "301"], "numprocs": 2},
        "fresh": {"argv": ["sleep", "300"]},
    })
    result = ok(daemon.request({"op": "reload"}))
    assert result["added"] == ["fresh"]
    assert result["removed"] == ["drop"]
    assert result["changed"] == ["change"]
    assert result["unchanged"] == ["keep"]
    assert result["failed"] == []
    assert result["file"] == path

    def settled():
        now = pids(daemon)
        ready = (now.get("drop", (0, ""))[1] == "exited" and now["fresh"][1] == "running"
                 and all(now[n][1] == "running" and now[n][0] != before[n][0]
                         for n in ("change-1", "change-2")))
        return ready and now

    after = wait_until(settled, 15, what="the reload to settle")
    assert after["keep"] == before["keep"], "an unchanged program must not be touched"
    assert daemon.record("change-1")["argv"] == ["sleep", "301"]
    assert daemon.record("keep")["restarts"] == 0


def test_an_invalid_file_is_refused_with_its_line_and_the_old_config_kept(daemons):
    d = daemons.new_dir()
    path = os.path.join(d, "programs.json")
    write(path, FIRST)
    daemon = daemons(directory=d, args=["--programs", path])
    before = pids(daemon)
    with open(path, "w") as f:
        f.write('{"programs": {\n  "keep": {"argv": ["sleep", "300"]},\n'
                '  "change": {"argv": ["sleep", "301"], "restart": "sometimes"}\n}}\n')
    reply = daemon.request({"op": "reload"})
    assert error_code(reply) == "bad_request"
    assert reply["error"]["message"].startswith(
        f"{path}:3: program 'change': field 'restart' must be")
    cli = daemon.cli("reload")
    assert cli.returncode == 1
    assert f"{path}:3:" in cli.stderr
    with open(path, "w") as f:
        f.write('{"programs": {\n  "keep": {"argv": ["sleep", "300"]}\n  "x": 1}}\n')
    reply = daemon.request({"op": "reload"})
    assert error_code(reply) == "bad_request"
    assert reply["error"]["message"].startswith(f"{path}:3: not valid JSON"), reply
    assert pids(daemon) == before

    # Still the old configuration: a valid file is now compared against it.
    write(path, FIRST)
    result = ok(daemon.request({"op": "reload"}))
    assert result["unchanged"] == ["change", "drop", "keep"]
    assert result["added"] == result["removed"] == result["changed"] == []
    assert pids(daemon) == before


def test_sighup_reloads_and_the_cli_prints_the_outcome(daemons):
    d = daemons.new_dir()
    path = os.path.join(d, "programs.json")
    write(path, {"one": {"argv": ["sleep", "300"]}})
    daemon = daemons(directory=d, args=["--programs", path])
    write(path, {"one": {"argv": ["sleep", "300"]}, "two": {"argv": ["sleep", "300"]}})
    os.kill(daemon.pid, signal.SIGHUP)
    wait_until(lambda: "two" in pids(daemon) and pids(daemon)["two"][1] == "running", 10,
               what="SIGHUP to start the new program")
    write(path, {"two": {"argv": ["sleep", "300"]}})
    r = daemon.cli("reload")
    assert r.returncode == 0, r
    assert r.stdout.splitlines() == ["added: -", "removed: one", "changed: -", "unchanged: two"]


def test_reload_without_a_programs_file_is_invalid_state(shoal):
    assert error_code(shoal.request({"op": "reload"})) == "invalid_state"
