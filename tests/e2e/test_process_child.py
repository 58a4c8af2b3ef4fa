"""What a child starts with: descriptors, environment, argv, signals, process group."""

import os
import re

from harness import environ_entries, ok, wait_asleep


def start_sleeper(shoal, name, **fields):
    """Starts `sleep 60` and returns once it sleeps: what it opens while it starts (locale
    files) is closed again by then, so what is left open was inherited."""
    record = shoal.spawn(["sleep", "60"], name=name, **fields)
    wait_asleep(record["pid"])
    with open(f"/proc/{record['pid']}/cmdline", "rb") as f:
        assert f.read() == b"sleep\x0060\x00"
    return record


def test_child_has_exactly_descriptors_0_1_2(shoal):
    record = start_sleeper(shoal, "fds")
    pid = record["pid"]
    fds = sorted(int(fd) for fd in os.listdir(f"/proc/{pid}/fd"))
    links = {fd: os.readlink(f"/proc/{pid}/fd/{fd}") for fd in fds}
    assert fds == [0, 1, 2], f"the child inherited descriptors: {links}"
    assert links[0] == "/dev/null"
    # stdout and stderr are two pipes whose read ends only the daemon holds (docs/logging.md).
    assert links[1].startswith("pipe:") and links[2].startswith("pipe:") and links[1] != links[2]
    daemon_links = set()
    for fd in os.listdir(f"/proc/{shoal.pid}/fd"):
        try:
            daemon_links.add(os.readlink(f"/proc/{shoal.pid}/fd/{fd}"))
        except FileNotFoundError:
            pass  # closed meanwhile (a client's connection)
    assert {links[1], links[2]} <= daemon_links


def test_child_has_a_clean_signal_state_and_its_own_group(shoal):
    record = start_sleeper(shoal, "clean")
    pid = record["pid"]
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    assert int(fields["SigBlk"], 16) == 0, fields["SigBlk"]
    # Every signal at its default, 32 and 33 included: glibc keeps those for itself, but a
    # Go, musl or Rust child may use them. The daemon ignores many signals itself; none of
    # that reaches a child.
    assert int(fields["SigIgn"], 16) == 0, f"the child starts with signals ignored: {fields['SigIgn']}"
    assert os.getpgid(pid) == pid
    assert os.getpgid(pid) != os.getpgid(shoal.pid)


def test_child_environment_names_the_daemon_and_itself(shoal):
    record = start_sleeper(shoal, "envy", env={"EXTRA_ONE": "1", "WITH SPACE": "a b=c"})
    env = dict(e.decode().split("=", 1) for e in environ_entries(record["pid"]))
    assert env["SHOAL_SOCKET"] == shoal.socket
    assert env["SHOAL_NAME"] == "envy"
    assert env["EXTRA_ONE"] == "1"
    assert env["WITH SPACE"] == "a b=c"
    assert "PATH" in env, "the child gets the daemon's environment too"


def test_the_daemon_sets_its_own_names_whatever_the_caller_passes(shoal):
    forged = {"SHOAL_SOCKET": "/tmp/elsewhere.sock", "SHOAL_NAME": "someone-else",
              "SHOAL_SHM": "/forged-shm", "SHOAL_LOCK": "/forged-lock", "KEPT": "yes"}
    record = start_sleeper(shoal, "honest", env=forged)
    entries = [e.decode() for e in environ_entries(record["pid"])]
    names = [e.split("=", 1)[0] for e in entries]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    assert duplicates == [], f"names set twice in the child's environment: {duplicates}"
    env = dict(e.split("=", 1) for e in entries)
    assert env["SHOAL_SOCKET"] == shoal.socket
    assert env["SHOAL_NAME"] == "honest"
    assert env["SHOAL_SHM"] == shoal.hello["shm"]
    assert env["SHOAL_LOCK"] == shoal.hello["lock"]
    assert env["KEPT"] == "yes"


def test_cli_env_flag_given_twice_keeps_the_last_and_cannot_forge_the_name(shoal):
    result = shoal.cli("start", "--name", "twice", "--env", "TWICE=first", "--env", "TWICE=last",
                       "--env", "SHOAL_NAME=forged", "--", "/bin/sh", "-c",
                       'env | grep -c "^TWICE="; printf "%s|%s\\n" "$TWICE" "$SHOAL_NAME"')
    assert result.returncode == 0, result
    assert shoal.join("twice")["exitcode"] == 0
    with open(shoal.log_path("twice")) as f:
        assert f.read() == "1\nlast|twice\n"


def test_cli_env_flag_reaches_the_child(shoal):
    result = shoal.cli("start", "--name", "flagged", "--env", "GREETING=hi there",
                       "--env", "EMPTY=", "--", "/bin/sh", "-c",
                       'printf "%s|%s|%s\\n" "$GREETING" "${EMPTY-unset}" "$SHOAL_NAME"')
    assert result.returncode == 0, result
    assert shoal.join("flagged")["exitcode"] == 0
    with open(shoal.log_path("flagged")) as f:
        assert f.read() == "hi there||flagged\n"


def test_argv_is_passed_verbatim_without_a_shell(shoal, tmp_dir):
    marker = os.path.join(tmp_dir, "must-survive")
    open(marker, "w").close()
    args = ["; rm -rf " + marker, "$HOME", "*", "a b", "'quoted'", "back\\slash", "",
            "tab\there", "ünïcode"]
    argv = ["/usr/bin/printf", "[%s]\\n", *args]
    record = shoal.spawn(argv, name="verbatim")
    assert record["argv"] == argv
    assert shoal.join("verbatim")["exitcode"] == 0
    with open(shoal.log_path("verbatim"), encoding="utf-8") as f:
        assert f.read() == "".join(f"[{a}]\n" for a in args)
    assert os.path.exists(marker)

    via_cli = shoal.cli("start", "--name", "verbatim2", "--json", "--", *argv)
    assert via_cli.returncode == 0, via_cli
    assert via_cli.json()["argv"] == argv
    assert shoal.join("verbatim2")["exitcode"] == 0
    with open(shoal.log_path("verbatim2"), encoding="utf-8") as f:
        assert f.read() == "".join(f"[{a}]\n" for a in args)


def test_record_fields_while_running(shoal, tmp_dir):
    record = ok(shoal.request({"op": "start", "name": "fields", "argv": ["sleep", "60"],
                               "cwd": tmp_dir}))
    assert record["name"] == "fields"
    assert isinstance(record["pid"], int) and record["pid"] > 1
    assert record["state"] == "running"
    assert record["exitcode"] is None and record["signal"] is None
    assert record["core_dumped"] is False and record["escalated"] is False
    assert record["argv"] == ["sleep", "60"]
    assert record["cwd"] == tmp_dir
    assert isinstance(record["started_at"], str) and record["ended_at"] is None
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", record["started_at"])
