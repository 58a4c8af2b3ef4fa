"""Children start with the soft RLIMIT_NOFILE shoald was started with, not the one it raises
for itself: started, restarted (by `shoal restart` and by a restart policy), declared, after
`shoal daemon reexec` and after a restart that adopts the keeper (docs/service.md)."""

import json
import os
import re
import resource
import signal

from harness import ok, wait_until
from test_daemon_reexec import install

HARD = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
# Below the hard limit, so a child that inherited the daemon's raised limit shows.
SOFT = min(1000, HARD // 2)

# The child reports its own limits, as /proc shows them to it, and exits.
REPORT = ["grep", "Max open files", "/proc/self/limits"]
LIMITS = re.compile(r"^Max open files\s+(\d+)\s+(\d+)\s", re.M)


def started_low():
    resource.setrlimit(resource.RLIMIT_NOFILE, (SOFT, HARD))


def start_low(daemons, directory=None, args=(), binary=None):
    assert 64 <= SOFT < HARD, f"the test needs a hard RLIMIT_NOFILE above 128, not {HARD}"
    daemon = daemons.create(directory=directory, args=args)
    if binary:
        daemon.binary = binary
    return daemon.start(preexec_fn=started_low)


def limits_of(pid):
    """(soft, hard) RLIMIT_NOFILE of a running process."""
    with open(f"/proc/{pid}/limits") as f:
        found = LIMITS.search(f.read())
    assert found, f"no 'Max open files' line in /proc/{pid}/limits"
    return int(found[1]), int(found[2])


def reported(daemon, name):
    """Every (soft, hard) the runs of `name` reported in its log, oldest first."""
    text = ok(daemon.request({"op": "logs", "name": name}))["data"]
    return [(int(soft), int(hard)) for soft, hard in LIMITS.findall(text)]


def assert_daemon_and_keeper_raised(daemon):
    # Both still hold a descriptor per client and several per child.
    assert limits_of(daemon.pid) == (HARD, HARD)
    assert limits_of(daemon.keeper_pid) == (HARD, HARD)


def test_started_and_restarted_children_get_the_soft_limit_shoald_was_started_with(daemons):
    daemon = start_low(daemons)
    assert_daemon_and_keeper_raised(daemon)

    started = daemon.cli("start", "--name", "report", "--", *REPORT)
    assert started.returncode == 0, started
    assert daemon.join("report")["exitcode"] == 0
    assert reported(daemon, "report") == [(SOFT, HARD)]
    restarted = daemon.cli("restart", "report")
    assert restarted.returncode == 0, restarted
    wait_until(lambda: daemon.record("report")["restarts"] == 1, 20, what="the restart of report")
    assert daemon.join("report")["exitcode"] == 0
    assert reported(daemon, "report") == [(SOFT, HARD)] * 2

    # Restarted by its policy: each run reports, then fails, until the policy gives up.
    flapping = daemon.cli("start", "--name", "flapper", "--restart", "on-failure",
                          "--restart-max", "1", "--",
                          "sh", "-c", "grep 'Max open files' /proc/self/limits; exit 3")
    assert flapping.returncode == 0, flapping
    end = daemon.join("flapper", timeout=30)
    assert end["state"] == "fatal" and end["restarts"] == 1, end
    assert reported(daemon, "flapper") == [(SOFT, HARD)] * 2

    # A child that lives on keeps it; the daemon's raised limit is not lent to anyone.
    sleeper = daemon.spawn(["sleep", "300"], name="sleeper")
    assert limits_of(sleeper["pid"]) == (SOFT, HARD)
    assert_daemon_and_keeper_raised(daemon)


def test_declared_programs_get_the_soft_limit_shoald_was_started_with(daemons):
    d = daemons.new_dir()
    path = os.path.join(d, "programs.json")
    with open(path, "w") as f:
        json.dump({"programs": {"report": {"argv": REPORT, "restart": "no"},
                                "server": {"argv": ["sleep", "300"], "numprocs": 2}}}, f)
    daemon = start_low(daemons, directory=d, args=["--programs", path])
    assert daemon.join("report")["exitcode"] == 0
    assert reported(daemon, "report") == [(SOFT, HARD)]
    for name in ("server-1", "server-2"):
        assert limits_of(daemon.record(name)["pid"]) == (SOFT, HARD)


def test_after_reexec_children_still_get_the_soft_limit_shoald_was_started_with(daemons):
    d = daemons.new_dir()
    installed = os.path.join(d, "shoald")
    install(installed)
    daemon = start_low(daemons, directory=d, binary=installed)
    before = daemon.spawn(["sleep", "300"], name="before")

    # The new image is started as the first one was: the installed script sees the limits it
    # gets from the exec, then executes the real shoald.
    real = os.path.join(d, "shoald-real")
    install(real)
    seen = os.path.join(d, "seen")
    install(installed, f'#!/bin/sh\necho "$(ulimit -Sn) $(ulimit -Hn)" > {seen}\n'
                       f'exec {real} "$@"\n')
    upgraded = daemon.cli("daemon", "reexec", "--json")
    assert upgraded.returncode == 0, upgraded
    assert upgraded.json()["pid"] == daemon.pid
    daemon._client = None  # closed by the exec
    with open(seen) as f:
        assert f.read().split() == [str(SOFT), str(HARD)]

    assert_daemon_and_keeper_raised(daemon)
    after = daemon.spawn(["sleep", "300"], name="after")
    assert limits_of(after["pid"]) == (SOFT, HARD)
    assert limits_of(before["pid"]) == (SOFT, HARD)
    daemon.cli("start", "--name", "report", "--", *REPORT)
    assert daemon.join("report")["exitcode"] == 0
    assert reported(daemon, "report") == [(SOFT, HARD)]


def test_after_a_restart_that_adopts_the_keeper_children_still_get_it(daemons):
    first = start_low(daemons)
    keeper = first.keeper_pid
    first.spawn(["sleep", "300"], name="before")
    first.proc.send_signal(signal.SIGUSR2)
    assert first.proc.wait(15) == 0
    first.expected_exit = None

    second = start_low(daemons, directory=first.dir)
    assert second.keeper_pid == keeper
    assert_daemon_and_keeper_raised(second)
    after = second.spawn(["sleep", "300"], name="after")
    assert limits_of(after["pid"]) == (SOFT, HARD)
