"""The turtle-race example end to end, through a real daemon and the real CLI."""

import os
import re
import subprocess

from harness import SHOAL, SOURCE_DIR, clean_env, ok

RACE = os.path.join(SOURCE_DIR, "examples", "turtle-race", "race.sh")


def run_race(shoal, *args, timeout=60):
    env = clean_env({"SHOAL_BIN": SHOAL, "SHOAL_SOCKET": shoal.socket,
                     "TURTLE_MAX_SLEEP": "0.05"})
    return subprocess.run(["bash", RACE, *args], capture_output=True, timeout=timeout,
                          env=env, stdin=subprocess.DEVNULL, text=True)


def test_turtle_race(shoal):
    laps = 3
    race = run_race(shoal, str(laps))
    assert race.returncode == 0, race
    lines = race.stdout.splitlines()

    main = re.fullmatch(r"\[MainProcess \((\d+)\)\] Starting the process", lines[0])
    assert main, race.stdout
    main_pid = main.group(1)
    assert lines[1] == f"[MainProcess ({main_pid})] Wait for process: Process-1"

    record = ok(shoal.request({"op": "status", "names": ["Process-1"]}))["processes"][0]
    assert record["state"] == "exited" and record["exitcode"] == 0
    child = f"[Process-1 ({record['pid']})]"
    turtle = [line.strip() for line in lines[2:-2]]
    assert turtle[0] == f"{child} Starting the process"
    for lap in range(laps):
        sleep_line, run_line = turtle[1 + 2 * lap], turtle[2 + 2 * lap]
        slept = re.fullmatch(re.escape(child) + r" Let us sleep for (\d+\.\d+) seconds",
                             sleep_line)
        assert slept and float(slept.group(1)) <= 0.05, sleep_line
        assert re.fullmatch(re.escape(child) + r" Let us run for \d+\.\d+ seconds", run_line)
    assert turtle[-1] == "[Process-1] Finishing the process"
    assert len(turtle) == 2 + 2 * laps, race.stdout

    assert re.fullmatch(rf"\[MainProcess \({main_pid}\)\] .*Process-1.* 0", lines[-2])
    assert lines[-1] == f"[MainProcess ({main_pid})] Finishing the process"


def test_turtle_race_exits_with_the_turtles_exit_code(shoal):
    race = run_race(shoal, "not-a-number")
    assert race.returncode == 2, race
    assert shoal.record("Process-1")["exitcode"] == 2
    assert race.stdout.splitlines()[-1].endswith("Finishing the process")


def test_two_races_get_successive_names(shoal):
    assert run_race(shoal, "1").returncode == 0
    second = run_race(shoal, "1")
    assert second.returncode == 0, second
    assert "Wait for process: Process-2" in second.stdout
