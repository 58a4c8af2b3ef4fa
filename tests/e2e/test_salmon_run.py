"""The salmon run, both versions, end to end: the final count is exactly right."""

import os
import re
import subprocess

from harness import BIN_DIR, SHOAL, SOURCE_DIR, clean_env, ok

EXAMPLE = os.path.join(SOURCE_DIR, "examples", "salmon-run")


def run(shoal, script, *args, timeout=120):
    env = clean_env({"SHOAL_BIN": SHOAL, "SHOAL_SOCKET": shoal.socket,
                     "SALMON_MAX_SLEEP": "0.02",
                     "SALMON_RUN_BIN": os.path.join(BIN_DIR, "salmon_run")})
    return subprocess.run(["bash", os.path.join(EXAMPLE, script), *args], capture_output=True,
                          text=True, timeout=timeout, env=env, stdin=subprocess.DEVNULL)


def check_story(shoal, result, salmon_n, bear_n):
    assert result.returncode == 0, result
    lines = result.stdout.splitlines()
    main = re.fullmatch(r"\[MainProcess \((\d+)\)\] Starting the Main process", lines[0])
    assert main, result.stdout
    expected = salmon_n - bear_n
    assert f"[MainProcess ({main.group(1)})] Final salmon count: {expected} (expected {expected})" \
        in lines
    assert lines[-1] == f"[MainProcess ({main.group(1)})] Finishing the Main process"
    bear = shoal.record("bear")
    salmon = shoal.record("salmon")
    assert bear["exitcode"] == 0 and salmon["exitcode"] == 0
    text = "\n".join(line.strip() for line in lines)
    assert text.count(f"[bear ({bear['pid']})] Woohoo.. Caught a Salmon") == bear_n
    assert text.count(f"[salmon ({salmon['pid']})] One Salmon jumped upstream") == salmon_n
    assert f"[salmon ({salmon['pid']})] Finishing the process" in text
    assert ok(shoal.request({"op": "value_get", "name": "salmonCount"}))["value"] == expected
    assert ok(shoal.request({"op": "lock_status"}))["held"] is False


def test_salmon_run_with_the_cli_scripts(shoal):
    check_story(shoal, run(shoal, "run.sh", "6", "4"), 6, 4)


def test_salmon_run_with_the_cpp_program(shoal):
    check_story(shoal, run(shoal, "run-cpp.sh", "40", "40"), 40, 40)


def test_salmon_run_twice_on_one_daemon_starts_from_zero(shoal):
    check_story(shoal, run(shoal, "run-cpp.sh", "5", "2"), 5, 2)
    check_story(shoal, run(shoal, "run.sh", "3", "3"), 3, 3)


def test_a_bear_that_cannot_be_fed_is_refused(shoal):
    result = run(shoal, "run.sh", "1", "2")
    assert result.returncode == 2, result
    assert "cannot catch 2 salmon" in result.stderr
