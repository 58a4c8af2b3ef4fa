"""Lock and RLock through the shoal package: distinct objects are distinct locks (nesting never
deadlocks), a module-level lock is one lock in every process of the program, a holder killed
by SIGKILL is recovered by the daemon and the next acquirer learns it, and a named lock is the
one `shoal lock` sees, and the one `shoal value add --lock` takes."""

import json
import os
import re
import subprocess
import time

from harness import SHOAL, ok, wait_until
from pyprog import last_json_line, run_program, start_program, write_program

NESTED = """
    import json
    from shoal import Lock, RLock, Process, Value

    def both(a, b, r, counter, n):
        for _ in range(n):
            with a:
                with b:
                    with r:
                        with r:
                            counter.value += 1

    if __name__ == "__main__":
        a = Lock()
        b = Lock()
        r = RLock()
        counter = Value("i", 0, lock=False)
        held = []
        with a:
            held.append(b.acquire(False))   # another lock: free
            held.append(a.acquire(False))   # the same lock: held (a Lock is not recursive)
            b.release()
        workers = [Process(target=both, args=(a, b, r, counter, 300)) for _ in range(3)]
        for w in workers:
            w.start()
        both(a, b, r, counter, 300)
        for w in workers:
            w.join()
        print(json.dumps({"held": held, "names": len({a.name, b.name, r.name}),
                          "exitcodes": [w.exitcode for w in workers], "count": counter.value}))
"""


def test_distinct_locks_nest_without_deadlock(shoal, tmp_dir):
    result = run_program(shoal, write_program(tmp_dir, "nested.py", NESTED), timeout=180)
    assert result.returncode == 0, result
    report = last_json_line(result.stdout)
    assert report == {"held": [True, False], "names": 3, "exitcodes": [0, 0, 0], "count": 1200}


MODULE_LEVEL = """
    import json, sys, time
    from shoal import Lock, Process, Value

    lock = Lock()

    def probe(results):
        mine = Lock()                       # made in a function: a lock of its own
        results[0] = lock.acquire(False)    # the parent holds the module-level one
        results[1] = lock.acquire(timeout=0.2)
        results[2] = mine.acquire(False)

    if __name__ == "__main__":
        from shoal import Array
        results = Array("b", [-1, -1, -1])
        with lock:
            p = Process(target=probe, args=(results,))
            p.start()
            p.join()
        print(json.dumps({"results": results[:], "exitcode": p.exitcode, "name": lock.name}))
"""


def test_a_module_level_lock_is_one_lock_in_every_process(shoal, tmp_dir):
    result = run_program(shoal, write_program(tmp_dir, "module.py", MODULE_LEVEL), timeout=120)
    assert result.returncode == 0, result
    report = last_json_line(result.stdout)
    assert report["exitcode"] == 0
    assert report["results"] == [0, 0, 1]
    # Named after its line in the main module: line 4 of module.py.
    assert re.fullmatch(r"module-\d+-[0-9a-f]{4}\.k4_1", report["name"]), report


KILLED_HOLDER = """
    import json, os, time
    from shoal import Lock, Process, Value

    def hold(lock, flag):
        lock.acquire()
        flag.value = 1
        time.sleep(60)

    if __name__ == "__main__":
        lock = Lock()
        flag = Value("i", 0)
        p = Process(target=hold, args=(lock, flag))
        p.start()
        deadline = time.monotonic() + 60
        while flag.value == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        before = lock.acquire(False)
        p.kill()
        p.join()
        started = time.monotonic()
        got = lock.acquire(timeout=30)
        waited = time.monotonic() - started
        died = lock.previous_owner_died
        lock.release()
        lock.acquire()
        print(json.dumps({"flag": flag.value, "before": before, "exitcode": p.exitcode,
                          "pid": p.pid, "got": got, "waited": waited, "died": died,
                          "died_again": lock.previous_owner_died, "name": lock.name}))
        lock.release()
"""


def test_a_holder_killed_by_sigkill_is_recovered_and_the_next_acquirer_told(shoal, tmp_dir):
    result = run_program(shoal, write_program(tmp_dir, "killed.py", KILLED_HOLDER), timeout=120)
    assert result.returncode == 0, result
    report = last_json_line(result.stdout)
    assert report["flag"] == 1 and report["before"] is False
    assert report["exitcode"] == -9
    assert report["got"] is True
    # The daemon releases a dead holder's lock within a second (a margin for a loaded machine).
    assert report["waited"] < 5, report
    assert report["died"] is True and report["died_again"] is False
    assert (f"lock holder pid {report['pid']} died holding lock '{report['name']}'; released it"
            in shoal.stderr())


NAMED = """
    import os, sys, time
    from shoal import Lock

    jobs = Lock(name="jobs")
    with jobs:
        print("held", os.getpid(), flush=True)
        deadline = time.monotonic() + 60
        while not os.path.exists(sys.argv[1]) and time.monotonic() < deadline:
            time.sleep(0.01)
    print("released", flush=True)
"""


def test_a_named_lock_is_the_one_the_cli_sees(shoal, tmp_dir):
    go = os.path.join(tmp_dir, "go")
    program = start_program(shoal, write_program(tmp_dir, "named.py", NAMED), go)
    try:
        line = program.stdout.readline()
        assert line == f"held {program.pid}\n", (line, program.stderr.read())
        status = shoal.cli("lock", "status", "--name", "jobs")
        assert status.stdout.startswith(f"held by pid {program.pid} since 20"), status
        assert shoal.cli("lock", "acquire", "--name", "jobs", "--nonblock").returncode == 1
        open(go, "w").close()
        assert program.wait(60) == 0
        assert program.stdout.read() == "released\n"
    finally:
        if program.poll() is None:
            program.kill()
            program.wait(10)
    assert shoal.cli("lock", "status", "--name", "jobs").stdout == "free\n"
    # A lock given a name is the user's: it outlives the program.
    assert shoal.cli("lock", "list").stdout == "jobs\tfree\n"
    assert shoal.cli("lock", "delete", "--name", "jobs").returncode == 0


RECURSION = """
    import json, threading
    from shoal import Lock, RLock

    r = RLock()
    lock = Lock()
    seen = {}

    def other(label, fn):
        def run():
            try:
                seen[label] = fn()
            except Exception as e:
                seen[label] = type(e).__name__
        t = threading.Thread(target=run)
        t.start()
        t.join()

    r.acquire()
    seen["again"] = r.acquire(timeout=0)          # the holding thread: counts up
    other("other thread", lambda: r.acquire(timeout=0.1))
    other("release from another thread", r.release)
    r.release()
    other("still held", lambda: r.acquire(False))
    r.release()
    other("free", lambda: r.acquire(False) and (r.release() or True))
    lock.acquire()
    other("lock from another thread", lock.release)  # a Lock may be released by any thread
    seen["lock free"] = lock.acquire(False)
    lock.release()
    try:
        lock.release()
    except ValueError as e:
        seen["released twice"] = str(e)
    print(json.dumps(seen))
"""


def test_rlock_counts_per_thread_and_lock_does_not(shoal, tmp_dir):
    result = run_program(shoal, write_program(tmp_dir, "recursion.py", RECURSION))
    assert result.returncode == 0, result
    seen = last_json_line(result.stdout)
    assert seen.pop("released twice").endswith("it is not held")
    assert seen == {"again": True, "other thread": False,
                    "release from another thread": "AssertionError", "still held": False,
                    "free": True, "lock from another thread": None, "lock free": True}


GUARDED_VALUE = """
    import json, os, sys, time
    from shoal import Value

    def wait_for(path):
        deadline = time.monotonic() + 60
        while not os.path.exists(path) and time.monotonic() < deadline:
            time.sleep(0.01)

    if __name__ == "__main__":
        go, finish = sys.argv[1:]
        v = Value("i", 0)
        with v.get_lock():
            print(json.dumps({"value": v.name, "lock": v.get_lock().name}), flush=True)
            wait_for(go)
        for _ in range(3000):
            with v.get_lock():
                v.value += 1
        wait_for(finish)
        print(json.dumps({"final": v.value}), flush=True)
"""


def test_value_add_with_a_value_s_lock_excludes_the_program_s_updates(shoal, tmp_dir):
    go, finish = os.path.join(tmp_dir, "go"), os.path.join(tmp_dir, "finish")
    program = start_program(shoal, write_program(tmp_dir, "guarded.py", GUARDED_VALUE), go, finish)
    try:
        names = json.loads(program.stdout.readline() or "{}")
        assert set(names) == {"value", "lock"}, program.stderr.read()
        value, lock = names["value"], names["lock"]
        assert lock == value + ".lock"
        # The program holds its value's lock: an add under that lock waits and gives up...
        held = shoal.cli("value", "add", value, "1", "--lock", lock, "--timeout", "0.3")
        assert (held.returncode, held.stdout) == (124, ""), held
        # ...where the daemon's own lock excludes nothing the program does.
        assert shoal.cli("value", "add", value, "1", "--timeout", "5").stdout == "1\n"
        open(go, "w").close()
        adders = [subprocess.Popen([SHOAL, "--socket", shoal.socket, "value", "add",
                                    value, "1", "--lock", lock], stdout=subprocess.DEVNULL,
                                   stdin=subprocess.DEVNULL) for _ in range(40)]
        assert [a.wait(60) for a in adders] == [0] * 40
        open(finish, "w").close()
        assert program.wait(60) == 0
        assert json.loads(program.stdout.readline()) == {"final": 1 + 3000 + 40}
    finally:
        if program.poll() is None:
            program.kill()
            program.wait(10)


def test_value_add_names_a_lock_that_exists_and_is_a_lock(shoal):
    assert shoal.cli("value", "create", "n", "i").returncode == 0
    missing = shoal.cli("value", "add", "n", "1", "--lock", "nosuch")
    assert (missing.returncode, missing.stderr) == (1, "shoal: not_found: no lock named 'nosuch'\n")
    value = shoal.cli("value", "cas", "n", "0", "1", "--lock", "n")
    assert value.returncode == 1 and "'n' is a shared value, not a lock" in value.stderr, value
    bad = shoal.cli("value", "add", "n", "1", "--lock", "a b")
    assert bad.returncode == 2 and "a b" in bad.stderr, bad
    ok(shoal.request({"op": "lock_create", "name": "gate"}))
    assert shoal.cli("value", "cas", "n", "0", "7", "--lock", "gate").stdout == "7\n"
    assert shoal.cli("value", "get", "n").stdout == "7\n"
