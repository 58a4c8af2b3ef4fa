"""Environment files (systemd's EnvironmentFile= syntax): `shoal start --env-file` and the
programs file's `env_file`. What the child sees is read from its own /proc/PID/environ."""

import json
import os
import subprocess

from harness import SHOALD, clean_env, environ_entries, ok, wait_until


def write(directory, name, text):
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def environ_of(pid):
    return dict(e.decode().split("=", 1) for e in environ_entries(pid) if b"=" in e)


def names(daemon):
    return [p["name"] for p in ok(daemon.request({"op": "status"}))["processes"]]


def test_start_reads_env_files_in_order_with_env_on_top(shoal):
    d = os.path.dirname(shoal.socket)
    base = write(d, "base.env", "# defaults\n"
                                "LEVEL=info\n"
                                "GREETING=\"hello, \\\"world\\\"\"\n"
                                "PATTERN='*.log $HOME'\n"
                                "LONG=first \\\n  second\n"
                                "; another comment\n\n"
                                "PORT=1\n")
    local = write(d, "local.env", "PORT = 8080  \n")
    started = shoal.cli("start", "--name", "envy", "--env-file", base, "--env-file=" + local,
                        "--env", "LEVEL=debug", "--", "sleep", "300")
    assert started.returncode == 0, started
    env = environ_of(shoal.record("envy")["pid"])
    assert env["LEVEL"] == "debug"              # --env beats every file
    assert env["PORT"] == "8080"                # a later file beats an earlier one
    assert env["GREETING"] == 'hello, "world"'
    assert env["PATTERN"] == "*.log $HOME"
    assert env["LONG"] == "first   second"
    assert env["SHOAL_NAME"] == "envy"


def test_a_relative_env_file_is_read_from_the_current_directory(shoal):
    d = os.path.dirname(shoal.socket)
    write(d, "here.env", "WHERE=here\n")
    started = shoal.cli("start", "--name", "rel", "--env-file", "here.env", "--", "sleep", "300",
                        cwd=d)
    assert started.returncode == 0, started
    assert environ_of(shoal.record("rel")["pid"])["WHERE"] == "here"


def test_a_bad_env_file_is_a_usage_error_naming_file_and_line_and_starts_nothing(shoal):
    d = os.path.dirname(shoal.socket)
    bad = write(d, "bad.env", "A=1\n# fine so far\nexport B=2\n")
    refused = shoal.cli("start", "--name", "never", "--env-file", bad, "--", "sleep", "300")
    assert refused.returncode == 2, refused
    assert refused.stderr.startswith(f"shoal: start: --env-file: {bad}:3: 'export' is not part "
                                     "of the syntax"), refused
    missing = shoal.cli("start", "--env-file", os.path.join(d, "nope.env"), "--", "true")
    assert missing.returncode == 2, missing
    assert "nope.env': No such file or directory" in missing.stderr, missing
    unclosed = write(d, "unclosed.env", "A='never closed\nB=2\n")
    refused = shoal.cli("start", "--env-file", unclosed, "--", "true")
    assert refused.returncode == 2
    assert f"{unclosed}:1: the single quote opened here is never closed" in refused.stderr
    assert names(shoal) == []


def test_a_declared_program_refuses_options_meant_for_a_program(shoal):
    d = os.path.dirname(shoal.socket)
    env = write(d, "x.env", "A=1\n")
    refused = shoal.cli("start", "--name", "web", "--env-file", env)
    assert refused.returncode == 2, refused
    assert "--env-file applies only to a PROGRAM given after '--'" in refused.stderr, refused
    assert names(shoal) == []


def programs_file(directory, programs):
    return write(directory, "programs.json", json.dumps({"programs": programs}, indent=2))


def test_programs_file_env_file_and_reload_of_a_changed_env_file(daemons):
    d = daemons.new_dir()
    common = write(d, "common.env", "REGION='eu west'\nLEVEL=info\n")
    path = programs_file(d, {"web": {"argv": ["sleep", "300"], "env_file": [common],
                                     "env": {"LEVEL": "debug"}}})
    daemon = daemons(directory=d, args=["--programs", path])
    first = daemon.record("web")
    env = environ_of(first["pid"])
    assert env["REGION"] == "eu west" and env["LEVEL"] == "debug", env

    # The file is read again on reload; new contents make the program "changed".
    write(d, "common.env", "REGION=us\n")
    reload = daemon.cli("reload")
    assert reload.returncode == 0, reload
    assert "changed: web" in reload.stdout, reload

    def restarted():
        r = daemon.record("web")
        return r if r["state"] == "running" and r["pid"] != first["pid"] else None
    second = wait_until(restarted, 20, what="web restarted with its new environment")
    assert environ_of(second["pid"])["REGION"] == "us"

    # A broken env file refuses the reload with both files' lines; web keeps running.
    write(d, "common.env", "REGION=us\nthis is not an assignment\n")
    refused = daemon.cli("reload")
    assert refused.returncode == 1, refused
    with open(path) as f:
        line = 1 + next(i for i, text in enumerate(f) if '"env_file"' in text)
    assert f"{path}:{line}: program 'web': {common}:2: expected KEY=VALUE" in refused.stderr, \
        refused
    assert daemon.record("web")["pid"] == second["pid"]


def test_a_missing_env_file_stops_start_up_naming_it(daemons):
    d = daemons.new_dir()
    missing = os.path.join(d, "missing.env")
    path = programs_file(d, {"web": {"argv": ["sleep", "300"], "env_file": missing}})
    proc = subprocess.run([SHOALD, "--socket", os.path.join(d, "s.sock"), "--state-dir",
                           os.path.join(d, "state"), "--programs", path],
                          capture_output=True, timeout=30, env=clean_env(),
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 1, proc
    assert (f"program 'web': unable to read environment file '{missing}': No such file or "
            "directory") in proc.stderr.decode(), proc.stderr
