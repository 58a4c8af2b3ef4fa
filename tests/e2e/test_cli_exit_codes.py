"""The CLI's exit codes and error format: 0 done, 1 refused, 2 usage, 3 unreachable."""

import os
import re
import subprocess

import pytest

from harness import SHOAL, clean_env, ok, run_cli

VERBS = ["start", "join", "status", "stop", "restart", "kill", "remove", "logs", "ping"]


def test_ping_succeeds(shoal):
    result = shoal.cli("ping")
    assert result.returncode == 0, result
    assert result.stderr == ""


def test_refused_by_the_daemon_exits_1_with_code_and_message(shoal):
    result = shoal.cli("remove", "nobody")
    assert result.returncode == 1, result
    assert re.fullmatch(r"shoal: not_found: .*nobody.*\n", result.stderr), result
    assert result.stdout == ""


@pytest.mark.parametrize("args", [
    ["no-such-verb"],
    [],
    ["start"],
    ["start", "--name"],
    ["stop"],
    ["kill"],
    ["remove"],
    ["logs"],
    ["status", "--no-such-flag"],
    ["kill", "x", "--signal", "SIGNOTHING"],
])
def test_usage_errors_exit_2(shoal, args):
    result = shoal.cli(*args)
    assert result.returncode == 2, result
    assert result.stderr.strip(), result
    assert ok(shoal.request({"op": "status"}))["processes"] == []


@pytest.mark.parametrize("args", [["join"], ["join", "x", "--timeout", "soon"]])
def test_join_usage_errors_exit_125_like_timeout(shoal, args):
    result = shoal.cli(*args)
    assert result.returncode == 125, result
    assert result.stderr.strip(), result


@pytest.mark.parametrize("verb", VERBS)
def test_every_verb_has_help(shoal, verb):
    result = shoal.cli(verb, "--help")
    assert result.returncode == 0, result
    assert verb in result.stdout and "usage" in result.stdout.lower(), result


def test_top_level_help(shoal):
    result = run_cli(["--help"])
    assert result.returncode == 0, result
    for verb in VERBS:
        assert verb in result.stdout, result


def test_unreachable_daemon_exits_3_naming_the_socket(tmp_dir):
    missing = os.path.join(tmp_dir, "nobody-home.sock")
    result = run_cli(["--socket", missing, "status"])
    assert result.returncode == 3, result
    assert result.stderr.startswith("shoal: "), result
    assert missing in result.stderr, result
    assert "shoald" in result.stderr, "the message should say how to start the daemon"


def test_the_unreachable_hint_names_the_systemd_unit_the_user_can_start(tmp_dir):
    missing = os.path.join(tmp_dir, "nobody-home.sock")
    as_root = run_cli(["--socket", missing, "status"])
    assert "'systemctl start shoald'" in as_root.stderr, as_root
    # Anyone else runs the per-user service; `nobody` cannot start the system one.
    os.chmod(tmp_dir, 0o755)
    as_user = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", SHOAL, "--socket", missing,
         "status"], capture_output=True, text=True, timeout=30, env=clean_env())
    assert as_user.returncode == 3, as_user
    assert "'systemctl --user start shoald'" in as_user.stderr, as_user.stderr


@pytest.mark.parametrize("args", [["stop", "x"], ["restart", "x"], ["kill", "x"],
                                  ["remove", "x"], ["status"], ["logs", "x"], ["watch"],
                                  ["start", "--", "true"]])
def test_every_verb_that_takes_targets_exits_3_when_the_daemon_is_unreachable(tmp_dir, args):
    missing = os.path.join(tmp_dir, "absent.sock")
    result = run_cli(["--socket", missing, *args])
    assert result.returncode == 3, result
    assert result.stderr.startswith(f"shoal: cannot connect to shoald at {missing}: "), result


def test_unreachable_daemon_from_shoal_socket_env_exits_3(tmp_dir):
    missing = os.path.join(tmp_dir, "absent.sock")
    result = run_cli(["ping"], env={"SHOAL_SOCKET": missing})
    assert result.returncode == 3, result
    assert missing in result.stderr, result


def test_join_of_an_unreachable_daemon_exits_125(tmp_dir):
    result = run_cli(["--socket", os.path.join(tmp_dir, "gone.sock"), "join", "x"])
    assert result.returncode == 125, result


def test_shoal_socket_env_picks_the_daemon(shoal):
    result = run_cli(["status", "--json"], env={"SHOAL_SOCKET": shoal.socket})
    assert result.returncode == 0, result
    assert result.json() == {"processes": []}


def test_socket_flag_after_the_verb(shoal):
    result = run_cli(["status", "--socket", shoal.socket, "--json"])
    assert result.returncode == 0, result
    assert result.json() == {"processes": []}
