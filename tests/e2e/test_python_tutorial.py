"""The tutorial's two programs (examples/python), unchanged but for their import line, run
through the shoal package: they print what the tutorial shows, their children are shoald's
processes (pids, records, logs), the salmon run's final count is exact, and its module-level
lock is one lock for the bear and the salmon."""

import os
import re

from harness import SOURCE_DIR, ok
from pyprog import records, run_program, write_program

EXAMPLES = os.path.join(SOURCE_DIR, "examples", "python")


def child_lines(lines, name):
    """(pid, messages) of the lines a child printed as "\t[NAME (PID)] message"."""
    found = []
    pid = None
    for line in lines:
        m = re.fullmatch(r"\t\[" + re.escape(name) + r"(?: \((\d+)\))?\] (.*)", line)
        if m:
            if m.group(1):
                assert pid in (None, int(m.group(1))), line
                pid = int(m.group(1))
            found.append(m.group(2))
    return pid, found


def test_turtle_race(shoal, tmp_dir):
    result = run_program(shoal, os.path.join(EXAMPLES, "turtle_race.py"), cwd=tmp_dir, timeout=120)
    assert result.returncode == 0, result
    lines = result.stdout.splitlines()
    parent = [line for line in lines if line.startswith("[MainProcess")]
    main_pid = int(re.fullmatch(r"\[MainProcess \((\d+)\)\] .*", parent[0]).group(1))
    assert parent == [f"[MainProcess ({main_pid})] Starting the process",
                      f"[MainProcess ({main_pid})] Wait for process: Process-1",
                      f"[MainProcess ({main_pid})] Finishing the process"]
    # join() returned after everything the child printed.
    assert lines[-1] == parent[-1]
    pid, messages = child_lines(lines, "Process-1")
    assert messages[0] == "Starting the process" and messages[-1] == "Finishing the process"
    steps = messages[1:-1]
    assert len(steps) == 10, messages
    for i, step in enumerate(steps):
        word = "sleep" if i % 2 == 0 else "run"
        assert re.fullmatch(rf"Let us {word} for \d+\.\d{{6}} seconds", step), step
    assert len(lines) == 3 + 12, result.stdout
    assert result.stderr == ""

    # The child was shoald's: its record, its pid, its log.
    [(name, record)] = records(shoal, "turtle_race-").items()
    assert re.fullmatch(rf"turtle_race-{main_pid}-[0-9a-f]{{4}}\.Process-1", name), name
    assert record["pid"] == pid != main_pid
    assert record["state"] == "exited" and record["exitcode"] == 0
    logged = ok(shoal.request({"op": "logs", "name": name}))["data"].splitlines()
    assert logged == [line for line in lines if line.startswith("\t[Process-1")]


def test_salmon_run_final_count_is_exact(shoal, tmp_dir):
    # The program runs unchanged as __main__; the wrapper only reads salmonCount afterwards.
    wrapper = write_program(tmp_dir, "final_count.py", """
        import runpy, sys
        program = runpy.run_path(sys.argv[1], run_name="__main__")
        print("final salmonCount:", program["salmonCount"].value)
    """)
    result = run_program(shoal, wrapper, os.path.join(EXAMPLES, "salmon_run.py"), cwd=tmp_dir,
                         timeout=120)
    assert result.returncode == 0, result
    lines = result.stdout.splitlines()
    assert lines[-1] == "final salmonCount: 0"
    parent = [line for line in lines if line.startswith("[MainProcess")]
    main_pid = int(re.fullmatch(r"\[MainProcess \((\d+)\)\] .*", parent[0]).group(1))
    assert parent == [f"[MainProcess ({main_pid})] Starting the Main process",
                      f"[MainProcess ({main_pid})] Wait for process: Process-1",
                      f"[MainProcess ({main_pid})] Wait for process: Process-2",
                      f"[MainProcess ({main_pid})] Finishing the Main process"]
    assert lines[-2] == parent[-1]

    bear_pid, bear = child_lines(lines, "Process-1")
    salmon_pid, salmon = child_lines(lines, "Process-2")
    assert bear[0] == salmon[0] == "Starting the process"
    assert bear[-1] == salmon[-1] == "Finishing the process"
    assert bear.count("Woohoo.. Caught a Salmon") == 3
    assert salmon.count("One Salmon jumped upstream") == 3
    # The salmon reports the count right after each jump; the bear only catches what is there.
    totals = [int(m.group(1)) for m in (re.fullmatch(r"Total Salmon: (\d+)", s) for s in salmon) if m]
    assert len(totals) == 3 and all(0 <= t <= 3 for t in totals)
    for i, message in enumerate(bear):
        if message == "Woohoo.. Caught a Salmon":
            assert re.fullmatch(r"Total Salmon: [1-9]\d*", bear[i - 1]), bear
        if message == "No Salmon yet. Let us wait again":
            assert bear[i - 1] == "Total Salmon: 0", bear
    assert result.stderr == ""

    run = records(shoal, "salmon_run-")
    assert sorted(r["pid"] for r in run.values()) == sorted([bear_pid, salmon_pid])
    assert all(r["exitcode"] == 0 for r in run.values())
    prefix = next(iter(run)).split(".")[0]
    assert prefix.startswith(f"salmon_run-{main_pid}-")
    # `lock = Lock()` ran in all three processes and made one lock; the run's value and lock
    # were deleted when it ended.
    log = shoal.stderr()
    assert len(re.findall(rf"lock '{re.escape(prefix)}\.[^']*' created", log)) == 1, log
    assert not [e for e in ok(shoal.request({"op": "value_list"}))["entries"]
                if e["name"].startswith(prefix)]
    assert not [lk for lk in ok(shoal.request({"op": "lock_list"}))["locks"]
                if lk["name"].startswith(prefix)]
