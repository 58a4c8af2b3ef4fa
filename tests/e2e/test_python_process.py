"""shoal.Process as multiprocessing.Process: exit codes (0, sys.exit(n), an exception, killed by
a signal), join(timeout), terminate() and kill(), is_alive(), active_children(), and what a
child knows of itself and its parent."""

import json
import re
import signal
import subprocess

from harness import ok
from pyprog import PYTHON, last_json_line, records, run_program, write_program

EXIT_CODES = """
    import json, os, signal, sys, time
    from shoal import Process

    def fine():
        print("fine here")

    def three():
        sys.exit(3)

    def boom():
        raise RuntimeError("boom in the child")

    def message():
        sys.exit("leaving with a message")

    def nap():
        time.sleep(60)

    if __name__ == "__main__":
        report = {}
        for target in (fine, three, boom, message):
            p = Process(target=target)
            p.start()
            p.join()
            report[target.__name__] = [p.name, p.daemon_name, p.pid, p.exitcode]
        for how, signo in (("sigkill", signal.SIGKILL), ("sigterm", signal.SIGTERM)):
            p = Process(target=nap)
            p.start()
            os.kill(p.pid, signo)
            p.join()
            report[how] = [p.name, p.daemon_name, p.pid, p.exitcode]
        for how in ("terminate", "kill"):
            p = Process(target=nap)
            p.start()
            getattr(p, how)()
            p.join()
            report[how] = [p.name, p.daemon_name, p.pid, p.exitcode]
        print(json.dumps(report))
"""


def test_exit_codes_follow_multiprocessing(shoal, tmp_dir):
    result = run_program(shoal, write_program(tmp_dir, "codes.py", EXIT_CODES), timeout=120)
    assert result.returncode == 0, result
    report = last_json_line(result.stdout)
    expected = {"fine": 0, "three": 3, "boom": 1, "message": 1, "sigkill": -signal.SIGKILL,
                "sigterm": -signal.SIGTERM, "terminate": -signal.SIGTERM, "kill": -signal.SIGKILL}
    assert {k: v[3] for k, v in report.items()} == expected
    assert [v[0] for v in report.values()] == [f"Process-{i}" for i in range(1, 9)]
    daemon_records = records(shoal, "codes-")
    for name, daemon_name, pid, exitcode in report.values():
        assert re.fullmatch(r"codes-\d+-[0-9a-f]{4}\." + name, daemon_name), daemon_name
        record = daemon_records[daemon_name]
        assert (record["pid"], record["exitcode"], record["state"]) == (pid, exitcode, "exited")
    assert daemon_records[report["sigkill"][1]]["signal"] == "SIGKILL"
    assert daemon_records[report["terminate"][1]]["signal"] == "SIGTERM"

    # The child's output reached the parent's stdout and stderr, and stays in shoald's logs.
    assert "fine here\n" in result.stdout
    assert "Process Process-3:\nTraceback (most recent call last):" in result.stderr
    assert "RuntimeError: boom in the child\n" in result.stderr
    assert "leaving with a message\n" in result.stderr
    boom_log = ok(shoal.request({"op": "logs", "name": report["boom"][1], "stream": "stderr"}))
    assert boom_log["data"].startswith("Process Process-3:\nTraceback")
    assert boom_log["data"].endswith("RuntimeError: boom in the child\n")


JOIN_TIMEOUT = """
    import json, time
    from shoal import Process, active_children

    def nap():
        time.sleep(60)

    if __name__ == "__main__":
        p = Process(target=nap, daemon=True)
        p.start()
        started = time.monotonic()
        p.join(0.5)
        waited = time.monotonic() - started
        during = [p.exitcode, p.is_alive(), [c.name for c in active_children()]]
        p.terminate()
        p.join()
        after = [p.exitcode, p.is_alive(), [c.name for c in active_children()]]
        quick = Process(target=time.sleep, args=(0,))
        quick.start()
        deadline = time.monotonic() + 60
        while quick.exitcode is None and time.monotonic() < deadline:
            time.sleep(0.01)
        # Ended without a join: active_children() no longer lists it.
        unjoined = [c.name for c in active_children()]
        print(json.dumps({"waited": waited, "during": during, "after": after,
                          "unjoined": unjoined}))
"""


def test_join_with_a_timeout_leaves_a_sleeping_child_alone(shoal, tmp_dir):
    result = run_program(shoal, write_program(tmp_dir, "nap.py", JOIN_TIMEOUT), timeout=120)
    assert result.returncode == 0, result
    report = last_json_line(result.stdout)
    # At least the timeout; far less than the child's 60 s nap, however loaded the machine.
    assert 0.5 <= report["waited"] < 30, report
    assert report["during"] == [None, True, ["Process-1"]]
    assert report["after"] == [-signal.SIGTERM, False, []]
    assert report["unjoined"] == []


IDENTITY = """
    import json, os, sys
    from shoal import Process, current_process, parent_process, cpu_count, freeze_support, Value

    def tell(out, nested):
        me = current_process()
        parent = parent_process()
        facts = {"name": me.name, "pid": me.pid, "ident": me.ident, "getpid": os.getpid(),
                 "daemon": me.daemon, "parent": [parent.name, parent.pid, parent.is_alive()],
                 "cwd": os.getcwd(), "main": __name__, "argv": sys.argv[1:],
                 "shoal_name": os.environ.get("SHOAL_NAME")}
        print(json.dumps(facts))
        if nested:
            p = Process(target=tell, args=(out, False))
            p.start()
            p.join()
            out.value = p.exitcode + 10

    if __name__ == "__main__":
        freeze_support()
        out = Value("i", -1)
        p = Process(target=tell, args=(out, True), daemon=False)
        p.start()
        p.join()
        print(json.dumps({"main": [current_process().name, os.getpid()], "parent": parent_process(),
                          "cpus": cpu_count() == os.cpu_count(), "grandchild": out.value,
                          "child": [p.pid, p.daemon_name, p.exitcode]}))
"""


def test_a_child_knows_itself_and_its_parent(shoal, tmp_dir):
    path = write_program(tmp_dir, "who.py", IDENTITY)
    result = run_program(shoal, path, "an-argument", timeout=120)
    assert result.returncode == 0, result
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    child, grandchild, main = lines
    assert main["main"][0] == "MainProcess" and main["parent"] is None and main["cpus"] is True
    assert main["grandchild"] == 10  # the grandchild exited 0
    assert child["name"] == "Process-1" and grandchild["name"] == "Process-1:1"
    assert child["pid"] == child["ident"] == child["getpid"] == main["child"][0]
    assert child["parent"] == ["MainProcess", main["main"][1], True]
    assert grandchild["parent"] == ["Process-1", child["pid"], True]
    for facts in (child, grandchild):
        assert facts["daemon"] is False
        assert facts["cwd"] == tmp_dir
        assert facts["main"] == "__mp_main__"  # the guard kept the main block from running
        assert facts["argv"] == ["an-argument"]
    assert child["shoal_name"] == main["child"][1]
    assert grandchild["shoal_name"] == main["child"][1].replace("Process-1", "Process-1_1")
    assert set(records(shoal, main["child"][1].split(".")[0])) == {
        child["shoal_name"], grandchild["shoal_name"]}


SUBCLASS = """
    import json, multiprocessing.connection, time
    from shoal import Lock, Process

    class Worker(Process):
        def __init__(self, label):
            super().__init__(name=f"worker-{label}")
            self.label = label

        def run(self):
            print("worker", self.label, "runs as", self.name, flush=True)
            time.sleep(0.3)

    if __name__ == "__main__":
        w = Worker("a")
        w.start()
        ready = multiprocessing.connection.wait([w.sentinel], timeout=60)
        w.join()
        lock = Lock()
        try:
            lock.release()
            refused = None
        except ValueError as e:
            refused = str(e)
        print(json.dumps({"ready": ready == [w.sentinel], "exitcode": w.exitcode,
                          "daemon_name": w.daemon_name, "refused": refused}))
"""


def test_a_subclass_runs_its_own_run_and_the_sentinel_says_when_it_ends(shoal, tmp_dir):
    result = run_program(shoal, write_program(tmp_dir, "sub.py", SUBCLASS), timeout=120)
    assert result.returncode == 0, result
    report = last_json_line(result.stdout)
    assert "worker a runs as worker-a\n" in result.stdout
    assert report["ready"] is True and report["exitcode"] == 0
    assert re.fullmatch(r"sub-\d+-[0-9a-f]{4}\.1\.worker-a", report["daemon_name"]), report
    assert report["refused"].startswith("cannot release lock 'sub-") and "it is not held" in report["refused"]


UNGUARDED = """
    from shoal import Process

    def work():
        print("never runs")

    # No `if __name__ == "__main__":` guard: each child would start another child.
    p = Process(target=work)
    p.start()
    p.join()
    print("exitcode", p.exitcode)
"""


def test_a_program_without_the_main_guard_gets_one_failed_child_not_a_cascade(shoal, tmp_dir):
    result = run_program(shoal, write_program(tmp_dir, "unguarded.py", UNGUARDED), timeout=120)
    assert result.returncode == 0, result
    assert result.stdout.splitlines()[-1] == "exitcode 1"
    assert "never runs" not in result.stdout
    assert "RuntimeError: An attempt has been made to start a new process before the current " \
           "process has finished its bootstrapping phase" in result.stderr
    assert "if __name__ == '__main__':" in result.stderr
    assert len(records(shoal, "unguarded-")) == 1


CLOSE = """
    import json, time
    from MODULE import Process

    def nap():
        time.sleep(60)

    def outcome(fn):
        try:
            return ["ok", fn()]
        except ValueError as e:
            return ["ValueError", str(e)]

    if __name__ == "__main__":
        p = Process(target=nap)
        p.start()
        facts = {"running": outcome(p.close)}
        p.terminate()
        p.join()
        facts["closed"] = outcome(p.close)
        facts["again"] = outcome(p.close)
        for what in ("is_alive", "join", "terminate", "kill", "start"):
            facts[what] = outcome(getattr(p, what))
        for what in ("exitcode", "pid", "ident", "sentinel", "name", "daemon"):
            facts[what] = outcome(lambda: getattr(p, what))
        print(json.dumps(facts))
"""


def test_close_refuses_a_running_child_and_then_everything_as_multiprocessing_does(shoal, tmp_dir):
    ours = run_program(shoal, write_program(tmp_dir, "ours.py", CLOSE.replace("MODULE", "shoal")))
    assert ours.returncode == 0, ours
    theirs = subprocess.run(
        [PYTHON, write_program(tmp_dir, "theirs.py", CLOSE.replace("MODULE", "multiprocessing"))],
        capture_output=True, text=True, timeout=120, cwd=tmp_dir, stdin=subprocess.DEVNULL)
    assert theirs.returncode == 0, theirs
    facts = last_json_line(ours.stdout)
    assert facts == last_json_line(theirs.stdout)
    # Not vacuous: the running child was refused, and the closed object refuses what it must.
    assert facts["running"][0] == "ValueError" and facts["closed"] == ["ok", None]
    assert facts["exitcode"] == ["ValueError", "process object is closed"]
