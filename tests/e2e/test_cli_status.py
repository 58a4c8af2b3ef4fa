"""shoal status: the table for people and the JSON for scripts; the --json of other verbs."""

import os
import pty
import re
import select
import subprocess

from harness import SHOAL, clean_env, ok

RECORD_TYPES = {
    "name": str, "pid": int, "state": str, "core_dumped": bool, "escalated": bool,
    "argv": list, "cwd": str, "started_at": str,
}


def check_record(record):
    for field, kind in RECORD_TYPES.items():
        assert isinstance(record[field], kind), (field, record)
    for field in ("exitcode", "signal", "ended_at"):
        assert field in record, (field, record)
    assert record["state"] in ("running", "stopping", "exited")
    if record["state"] == "exited":
        assert isinstance(record["exitcode"], int) and isinstance(record["ended_at"], str)
    else:
        assert record["exitcode"] is None and record["ended_at"] is None
    time_re = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"
    assert re.fullmatch(time_re, record["started_at"]), record["started_at"]
    if record["ended_at"] is not None:
        assert re.fullmatch(time_re, record["ended_at"]), record["ended_at"]


def test_status_json_shape(shoal):
    empty = shoal.cli("status", "--json")
    assert empty.returncode == 0, empty
    assert empty.json() == {"processes": []}

    shoal.spawn(["sleep", "60"], name="runner")
    shoal.spawn(["/bin/sh", "-c", "exit 2"], name="quitter")
    shoal.join("quitter")

    result = shoal.cli("status", "--json")
    assert result.returncode == 0, result
    data = result.json()
    assert list(data) == ["processes"]
    assert [p["name"] for p in data["processes"]] == ["quitter", "runner"]
    for record in data["processes"]:
        check_record(record)
    by_name = {p["name"]: p for p in data["processes"]}
    assert by_name["runner"]["state"] == "running"
    assert by_name["quitter"]["exitcode"] == 2
    assert by_name["runner"]["argv"] == ["sleep", "60"]

    one = shoal.cli("status", "runner", "--json")
    assert one.returncode == 0, one
    assert [p["name"] for p in one.json()["processes"]] == ["runner"]

    missing = shoal.cli("status", "runner", "nobody")
    assert missing.returncode == 1, missing
    assert missing.stderr.startswith("shoal: not_found: "), missing


def test_status_table_lists_every_process_aligned(shoal):
    shoal.spawn(["sleep", "60"], name="a-long-process-name")
    shoal.spawn(["/bin/sh", "-c", "exit 3"], name="b")
    shoal.join("b")
    result = shoal.cli("status")
    assert result.returncode == 0, result
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == 4, result.stdout  # a header, one line per process, the summary
    header, first, second, summary = lines
    assert summary == "1 running, 1 exited"
    assert "NAME" in header.upper() and "STATE" in header.upper()
    assert first.split()[0] == "a-long-process-name" and "running" in first
    assert second.split()[0] == "b" and "exited" in second
    # Aligned: every column after the name starts at the same offset on every line.
    column = header.upper().index("STATE")
    assert first[column:].startswith("running") and second[column:].startswith("exited")


def test_start_json_prints_the_record(shoal):
    result = shoal.cli("start", "--name", "js", "--json", "--", "sleep", "60")
    assert result.returncode == 0, result
    record = result.json()
    check_record(record)
    assert record["name"] == "js" and record["state"] == "running"
    assert record["pid"] == ok(shoal.request({"op": "status", "names": ["js"]}))[
        "processes"][0]["pid"]


def test_start_without_json_names_the_process(shoal):
    result = shoal.cli("start", "--", "/bin/true")
    assert result.returncode == 0, result
    assert "Process-1" in result.stdout


def test_stop_and_kill_json(shoal):
    shoal.spawn(["sleep", "60"], name="k")
    killed = shoal.cli("kill", "k", "--signal", "9", "--json")
    assert killed.returncode == 0, killed
    assert killed.json()["name"] == "k"
    assert shoal.join("k")["exitcode"] == -9
    stopped = shoal.cli("stop", "k", "--json")
    assert stopped.returncode == 0, stopped
    check_record(stopped.json())


def test_ping_json_is_hello(shoal):
    result = shoal.cli("ping", "--json")
    assert result.returncode == 0, result
    hello = result.json()
    assert hello["protocol"] == 1 and hello["pid"] == shoal.pid


def status_on_a_terminal(shoal, extra_env):
    """What `shoal status` prints with its stdout on a pseudo-terminal, as in a shell."""
    leader, follower = pty.openpty()
    env = clean_env({"SHOAL_SOCKET": shoal.socket, "TERM": "xterm", **extra_env})
    proc = subprocess.Popen([SHOAL, "status"], stdin=subprocess.DEVNULL, stdout=follower,
                            stderr=subprocess.PIPE, env=env)
    os.close(follower)
    output = b""
    try:
        while True:
            ready, _, _ = select.select([leader], [], [], 20)
            assert ready, f"status printed nothing more within 20 s: {output!r}"
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # EIO: status exited and closed the terminal
                break
            if not chunk:
                break
            output += chunk
        assert proc.wait(timeout=20) == 0, proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(leader)
    return output.decode()


def test_status_is_coloured_only_on_a_terminal_and_not_with_no_color(shoal):
    shoal.spawn(["sleep", "60"], name="runner")
    assert "\x1b[32mrunning" in status_on_a_terminal(shoal, {})
    assert "\x1b[" not in status_on_a_terminal(shoal, {"NO_COLOR": "1"})
    piped = shoal.cli("status")
    assert piped.returncode == 0 and "running" in piped.stdout, piped
    assert "\x1b[" not in piped.stdout, piped
