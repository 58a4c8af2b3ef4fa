"""Whole programs on one daemon: two at once with the same process names, a parent that exits
with daemonic and non-daemonic children (as multiprocessing: the latter joined, the former
terminated), a detached child that outlives its parent, and Ctrl-C reaching the children."""

import os
import re
import signal

from harness import ok, wait_until
from pyprog import records, start_program, write_program

TWINS = """
    import os, sys, time
    from shoal import Process, current_process

    def work(go):
        print(current_process().name, os.getpid(), flush=True)
        deadline = time.monotonic() + 60
        while not os.path.exists(go) and time.monotonic() < deadline:
            time.sleep(0.01)

    if __name__ == "__main__":
        children = [Process(target=work, args=(sys.argv[1],)) for _ in range(2)]
        for c in children:
            c.start()
        print("started", " ".join(c.daemon_name for c in children), flush=True)
        for c in children:
            c.join()
        print("exitcodes", *[c.exitcode for c in children])
"""


def test_two_programs_at_once_with_the_same_process_names(shoal, tmp_dir):
    path = write_program(tmp_dir, "twins.py", TWINS)
    go = os.path.join(tmp_dir, "go")
    programs = [start_program(shoal, path, go) for _ in range(2)]
    try:
        names = []
        before = []  # a child's line may come through before its parent's "started"
        for p in programs:
            early = []
            line = p.stdout.readline()
            while re.match(r"Process-\d \d+$", line):
                early.append(line)
                line = p.stdout.readline()
            assert line.startswith("started "), (early, line, p.stderr.read())
            names.append(line.split()[1:])
            before.append("".join(early))
        # Both programs run their Process-1 and Process-2 at the same time, under names of
        # their own.
        running = {n: r for n, r in records(shoal).items() if r["state"] == "running"}
        assert sorted(running) == sorted(names[0] + names[1]), running
        for own in names:
            assert [n.split(".", 1)[1] for n in own] == ["Process-1", "Process-2"]
        assert names[0][0].split(".")[0] != names[1][0].split(".")[0]
        open(go, "w").close()
        for p in programs:
            p.wait(60)
        # Read through the same text files as readline() above, which may hold more lines.
        outputs = [(early + p.stdout.read(), p.stderr.read())
                   for p, early in zip(programs, before)]
    finally:
        for p in programs:
            if p.poll() is None:
                p.kill()
                p.wait(10)
    for p, (out, err), own in zip(programs, outputs, names):
        assert p.returncode == 0, (out, err)
        assert out.splitlines()[-1] == "exitcodes 0 0"
        # Each program printed its own children's lines, and no one else's.
        pids = {records(shoal)[n]["pid"] for n in own}
        printed = {int(m.group(2)) for m in re.finditer(r"^(Process-\d) (\d+)$", out, re.M)}
        assert printed == pids, (out, pids)


PARENT_EXITS = """
    import os, time
    from shoal import Process

    def slow():
        time.sleep(1)
        print("non-daemonic child done", flush=True)

    def forever():
        time.sleep(60)

    if __name__ == "__main__":
        keeper = Process(target=slow)
        ghost = Process(target=forever, daemon=True)
        keeper.start()
        ghost.start()
        print("names", keeper.daemon_name, ghost.daemon_name, flush=True)
        # No join: the interpreter's exit does what multiprocessing does.
"""


def test_at_exit_non_daemonic_children_are_joined_and_daemonic_ones_terminated(shoal, tmp_dir):
    program = start_program(shoal, write_program(tmp_dir, "leaving.py", PARENT_EXITS))
    out, err = program.communicate(timeout=60)
    assert program.returncode == 0, (out, err)
    lines = out.splitlines()
    _, keeper, ghost = lines[0].split()
    assert lines[1:] == ["non-daemonic child done"]
    keeper_record, ghost_record = shoal.record(keeper), shoal.record(ghost)
    assert (keeper_record["state"], keeper_record["exitcode"]) == ("exited", 0)
    assert (ghost_record["state"], ghost_record["exitcode"]) == ("exited", -signal.SIGTERM)


DETACHED = """
    import os, sys, time
    from shoal import Process, Value

    def on_its_own(go, count):
        print("detached child runs", flush=True)
        deadline = time.monotonic() + 60
        while not os.path.exists(go) and time.monotonic() < deadline:
            time.sleep(0.01)
        count.value += 1
        print("detached child leaves", count.value, flush=True)

    if __name__ == "__main__":
        count = Value("i", 41)
        p = Process(target=on_its_own, args=(sys.argv[1], count), detach=True)
        p.start()
        print("detached", p.daemon_name, count.name, flush=True)
"""


def test_a_detached_child_keeps_running_after_its_parent(shoal, tmp_dir):
    go = os.path.join(tmp_dir, "go")
    program = start_program(shoal, write_program(tmp_dir, "detach.py", DETACHED), go)
    out, err = program.communicate(timeout=60)
    assert program.returncode == 0, (out, err)
    _, name, value = out.split()
    # The parent is gone; its child runs on under shoald, its value kept for it.
    assert shoal.record(name)["state"] == "running"
    assert ok(shoal.request({"op": "value_get", "name": value}))["value"] == 41
    log = shoal.log_path(name)
    wait_until(lambda: os.path.exists(log) and "detached child runs" in open(log).read(), 30,
               what="the detached child to print")
    open(go, "w").close()
    assert shoal.join(name, timeout=60)["exitcode"] == 0
    assert open(log).read() == "detached child runs\ndetached child leaves 42\n"
    # The last process of the run deleted the run's value on its way out.
    assert ok(shoal.request({"op": "value_list"}))["entries"] == []


# The parent of the Ctrl-C programs below: starts their `nap` in a child, prints its name, and
# joins it.
JOINS_NAP = """
    if __name__ == "__main__":
        p = Process(target=nap)
        p.start()
        print("joining", p.daemon_name, flush=True)
        p.join()
"""


def start_joining(shoal, tmp_dir, filename, source, *args):
    """Starts a program built on JOINS_NAP; (the program, its child's daemon name) once the
    child is started."""
    program = start_program(shoal, write_program(tmp_dir, filename, source), *args)
    line = program.stdout.readline()
    if not line.startswith("joining "):
        program.kill()
        program.wait(10)
        raise AssertionError((line, program.stderr.read()))
    return program, line.split()[1]


INTERRUPTED = """
    import time
    from shoal import Process

    def nap():
        print("napping", flush=True)
        time.sleep(60)

""" + JOINS_NAP


def test_ctrl_c_reaches_the_children_as_it_would_on_a_terminal(shoal, tmp_dir):
    program, name = start_joining(shoal, tmp_dir, "interrupted.py", INTERRUPTED)
    try:
        # Wait until the child runs its target, so that SIGINT becomes KeyboardInterrupt there:
        # its output reaches the parent's stdout.
        assert program.stdout.readline() == "napping\n", program.stderr.read()
        program.send_signal(signal.SIGINT)
        program.wait(60)
        err = program.stderr.read()
    finally:
        if program.poll() is None:
            program.kill()
            program.wait(10)
    assert "KeyboardInterrupt" in err
    record = shoal.join(name, timeout=30)
    assert record["exitcode"] in (1, -signal.SIGINT), record


# The child's start-up is inside a clean-up callback (as importlib's module locks run one at
# the end of each import) when the parent forwards Ctrl-C: a KeyboardInterrupt raised there
# is printed as "Exception ignored" and dropped. The callback waits until the signal has
# reached the child, so the landing is certain, not a race.
INTERRUPTED_STARTING = """
    import os, signal, sys, time, weakref
    from shoal import Process

    def nap():
        print("napping", flush=True)
        time.sleep(60)

    class Resource:
        pass

    def clean_up(ref):
        open(sys.argv[1], "w").close()
        deadline = time.monotonic() + 30
        while signal.SIGINT not in signal.sigpending() and time.monotonic() < deadline:
            time.sleep(0.01)

    if __name__ == "__mp_main__":
        resource = Resource()
        watched = weakref.ref(resource, clean_up)
        del resource

""" + JOINS_NAP


def test_ctrl_c_during_the_childs_start_up_is_not_lost(shoal, tmp_dir):
    starting = os.path.join(tmp_dir, "starting")
    program, name = start_joining(shoal, tmp_dir, "interrupted_starting.py",
                                  INTERRUPTED_STARTING, starting)
    try:
        wait_until(lambda: os.path.exists(starting), timeout=30)
        program.send_signal(signal.SIGINT)
        # The child ends at once instead of napping for 60 s while its parent joins it.
        program.wait(30)
        out, err = program.stdout.read(), program.stderr.read()
    finally:
        if program.poll() is None:
            program.kill()
            program.wait(10)
    assert "napping" not in out, (out, err)
    assert "KeyboardInterrupt" in err
    assert "Exception ignored" not in err, err
    record = shoal.join(name, timeout=30)
    assert record["exitcode"] == 1, record

# A child that takes its time to clean up after the first Ctrl-C.
INTERRUPTED_TWICE = """
    import time
    from shoal import Process

    def nap():
        try:
            print("napping", flush=True)
            time.sleep(60)
        except KeyboardInterrupt:
            print("cleaning up", flush=True)
            time.sleep(60)

""" + JOINS_NAP


def test_a_second_ctrl_c_while_the_parent_waits_reaches_the_children_too(shoal, tmp_dir):
    program, name = start_joining(shoal, tmp_dir, "interrupted_twice.py", INTERRUPTED_TWICE)
    try:
        assert program.stdout.readline() == "napping\n", program.stderr.read()
        program.send_signal(signal.SIGINT)
        assert program.stdout.readline() == "cleaning up\n", program.stderr.read()
        # The parent still waits for its child, which has not ended.
        assert program.poll() is None
        assert records(shoal)[name]["state"] == "running"
        program.send_signal(signal.SIGINT)
        program.wait(30)
        err = program.stderr.read()
    finally:
        if program.poll() is None:
            program.kill()
            program.wait(10)
    assert err.count("KeyboardInterrupt") >= 2, err
    record = shoal.join(name, timeout=30)
    assert record["exitcode"] == 1, record

RESTARTED = """
    import os, sys, time
    from shoal import Value

    kept = Value("i", 5, name="kept")
    print("ready", flush=True)
    deadline = time.monotonic() + 60
    while not os.path.exists(sys.argv[1]) and time.monotonic() < deadline:
        time.sleep(0.01)
    fresh = Value("i", 7)   # a request on a connection the restart broke
    kept.value += 1         # the mapping stays valid: the new daemon adopted the segment
    print("after restart", kept.value, fresh.value, flush=True)
"""


def test_a_program_carries_on_across_a_restart_of_the_daemon(daemons, tmp_dir):
    first = daemons()
    go = os.path.join(tmp_dir, "go")
    program = start_program(first, write_program(tmp_dir, "restarted.py", RESTARTED), go)
    try:
        assert program.stdout.readline() == "ready\n", program.stderr.read()
        first.terminate()
        first.expected_exit = None
        second = daemons(first.dir)
        open(go, "w").close()
        assert program.wait(60) == 0, program.stderr.read()
        assert program.stdout.read() == "after restart 6 7\n"
    finally:
        if program.poll() is None:
            program.kill()
            program.wait(10)
    assert ok(second.request({"op": "value_get", "name": "kept"}))["value"] == 6
