"""Declared programs: a programs file started at start-up, with autostart, numprocs, user."""

import json
import os
import subprocess

from harness import SHOALD, clean_env, environ_entries, ok, error_code, wait_until


def write_programs(directory, programs, name="programs.json"):
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        json.dump({"programs": programs}, f, indent=2)
    return path


def processes(daemon):
    return {p["name"]: p for p in ok(daemon.request({"op": "status"}))["processes"]}


def test_autostart_and_numprocs_start_every_instance(daemons):
    d = daemons.new_dir()
    path = write_programs(d, {
        "worker": {"argv": ["sleep", "300"], "numprocs": 3},
        "single": {"argv": ["sleep", "300"], "env": {"GREETING": "hi"}},
        "manual": {"argv": ["sleep", "300"], "autostart": False},
    })
    daemon = daemons(directory=d, args=["--programs", path])
    procs = processes(daemon)
    assert sorted(procs) == ["single", "worker-1", "worker-2", "worker-3"]
    for name, p in procs.items():
        assert p["state"] == "running", p
        assert p["program"] == name.split("-")[0]
        assert p["restart"] == "on-failure"
    assert b"GREETING=hi" in environ_entries(procs["single"]["pid"])
    # A program with autostart off starts by its name alone.
    started = daemon.cli("start", "--name", "manual")
    assert started.returncode == 0, started
    assert started.stdout.startswith("started manual (pid ")
    manual = daemon.record("manual")
    assert manual["state"] == "running"
    assert manual["program"] == "manual"
    assert manual["argv"] == ["sleep", "300"]
    # Without argv, a name that is not declared is refused.
    assert error_code(daemon.request({"op": "start", "name": "nobody-declared-me"})) == "bad_request"
    assert daemon.cli("start", "--name", "nobody-declared-me").returncode == 1
    status = daemon.cli("status")
    assert status.returncode == 0
    assert "worker-2" in status.stdout


def test_an_invalid_file_stops_start_up_with_its_line(daemons):
    d = daemons.new_dir()
    path = os.path.join(d, "programs.json")
    with open(path, "w") as f:
        f.write('{"programs": {\n  "web": {"argv": ["x"]},\n  "job": {"argv": ["y"], "numprocs": -2}\n}}\n')
    proc = subprocess.run([SHOALD, "--socket", os.path.join(d, "s.sock"), "--state-dir",
                           os.path.join(d, "state"), "--programs", path],
                          capture_output=True, timeout=30, env=clean_env(), stdin=subprocess.DEVNULL)
    err = proc.stderr.decode()
    assert proc.returncode == 1, err
    assert f"{path}:3: program 'job': field 'numprocs'" in err
    assert not os.path.exists(os.path.join(d, "s.sock"))
    subprocess.run([SHOALD, "--cleanup", "--socket", os.path.join(d, "s.sock"), "--state-dir",
                    os.path.join(d, "state")], capture_output=True, timeout=30, env=clean_env(),
                   stdin=subprocess.DEVNULL)


def test_a_missing_programs_file_is_an_error(daemons):
    d = daemons.new_dir()
    missing = os.path.join(d, "nope.json")
    proc = subprocess.run([SHOALD, "--socket", os.path.join(d, "s.sock"), "--state-dir",
                           os.path.join(d, "state"), "--programs", missing],
                          capture_output=True, timeout=30, env=clean_env(), stdin=subprocess.DEVNULL)
    assert proc.returncode == 1
    assert missing in proc.stderr.decode()
    assert "No such file or directory" in proc.stderr.decode()
    subprocess.run([SHOALD, "--cleanup", "--socket", os.path.join(d, "s.sock"), "--state-dir",
                    os.path.join(d, "state")], capture_output=True, timeout=30, env=clean_env(),
                   stdin=subprocess.DEVNULL)


def test_user_runs_the_program_with_that_users_credentials(daemons):
    if os.geteuid() != 0:
        # Not a skip: without root the same file must be refused, naming the line.
        d = daemons.new_dir()
        path = write_programs(d, {"as-nobody": {"argv": ["sleep", "300"], "user": "nobody"}})
        proc = subprocess.run([SHOALD, "--socket", os.path.join(d, "s.sock"), "--state-dir",
                               os.path.join(d, "state"), "--programs", path],
                              capture_output=True, timeout=30, env=clean_env(),
                              stdin=subprocess.DEVNULL)
        assert proc.returncode == 1
        assert "needs shoald to run as root" in proc.stderr.decode()
        return
    import pwd
    nobody = pwd.getpwnam("nobody")
    d = daemons.new_dir()
    os.chmod(d, 0o755)
    path = write_programs(d, {"as-nobody": {"argv": ["sleep", "300"], "user": "nobody", "cwd": "/"}})
    daemon = daemons(directory=d, args=["--programs", path])
    rec = daemon.record("as-nobody")
    assert rec["state"] == "running"
    assert rec["argv"] == ["sleep", "300"]

    def uids():
        with open(f"/proc/{rec['pid']}/status") as f:
            fields = dict(line.split(":", 1) for line in f if ":" in line)
        # setpriv execs in place, so the pid is the program's once it has run.
        return fields["Name"].strip() == "sleep" and fields

    fields = wait_until(uids, 10, what="setpriv to exec the program")
    assert fields["Uid"].split()[0] == str(nobody.pw_uid)
    assert fields["Gid"].split()[0] == str(nobody.pw_gid)
    assert (rec["user"], rec["uid"]) == ("nobody", nobody.pw_uid)
    # The account's environment, as after a login, not root's.
    environ = environ_entries(rec["pid"])
    for entry in (f"HOME={nobody.pw_dir}", "USER=nobody", "LOGNAME=nobody",
                  f"SHELL={nobody.pw_shell}"):
        assert entry.encode() in environ, entry
