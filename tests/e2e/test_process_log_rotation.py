"""Child output is bounded on disk: rotation (--log-max-bytes, --log-backups), reading across
rotated files, a flood that leaves the daemon serving, a full disk, and log files that are
never reached through a symbolic link."""

import glob
import os
import re
import select
import signal
import subprocess
import time

import pytest

from harness import SHOAL, SHOALD, Client, clean_env, error_code, ok, wait_until

MiB = 1 << 20


def numbered(first, last):
    return "".join(f"line {i:05d}\n" for i in range(first, last + 1))


def stream_files(daemon, name, suffix):
    """The files of one stream: {path: size}."""
    base = daemon.log_path(name, suffix)
    return {p: os.path.getsize(p) for p in [base, *glob.glob(base + ".*")] if os.path.lexists(p)}


def log_stats(daemon, name, stream="stdout"):
    return daemon.record(name)["logs"][stream]


# --- the cap ------------------------------------------------------------------------------

def test_a_200_mb_flood_leaves_at_most_the_cap_and_the_daemon_answers_meanwhile(daemons):
    d = daemons(args=["--log-max-bytes", "1M", "--log-backups", "2"])
    flood = ("(yes 0123456789abcdefghijklmnopqrstuvwxyz | head -c 200M) & "
             "(yes stderr-stderr-stderr | head -c 20M >&2) & wait")
    d.spawn(["/bin/sh", "-c", flood], name="flood")

    # Ping on a connection of its own while the flood goes through the daemon.
    pings_while_running = 0
    slowest = 0.0
    with Client(d.socket) as c:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            started = time.monotonic()
            hello = ok(c.request({"op": "hello"}, timeout=30))
            slowest = max(slowest, time.monotonic() - started)
            assert hello["pid"] == d.pid
            state = ok(c.request({"op": "status", "names": ["flood"]}))["processes"][0]["state"]
            if state != "running":
                break
            pings_while_running += 1
        else:
            raise AssertionError("the flood did not end within 300 s")
    assert pings_while_running >= 3, "the flood ended before the daemon could be pinged"
    assert slowest < 10, f"a ping took {slowest:.1f} s during the flood"

    record = d.join("flood")
    assert record["exitcode"] == 0
    for stream, suffix, total in (("stdout", "out", 200 * MiB), ("stderr", "err", 20 * MiB)):
        stats = record["logs"][stream]
        # Every byte went through the daemon, and it wrote all of them.
        assert stats["written_bytes"] == total, stats
        assert stats["failed_writes"] == 0 and stats["dropped_bytes"] == 0, stats
        assert stats["rotations"] >= total // MiB - 1, stats
        files = stream_files(d, "flood", suffix)
        assert sorted(files) == sorted(d.log_path("flood", suffix) + s for s in ("", ".1", ".2"))
        assert all(size <= MiB for size in files.values()), files
        assert sum(files.values()) <= 3 * MiB
    assert record["log_max_bytes"] == MiB and record["log_backups"] == 2

    with open(d.log_path("flood")) as f:
        text = f.read()
    # Rotations cut at line ends: the current file starts with a whole line.
    assert text.startswith("0123456789abcdefghijklmnopqrstuvwxyz\n")


def test_logs_and_follow_read_across_rotations_without_a_gap_or_a_repeat(shoal):
    # 3000 lines of 11 bytes in 4 KiB files, paced so the follower reads while it rotates.
    script = ('i=1; while [ $i -le 3000 ]; do printf "line %05d\\n" $i; '
              'if [ $((i % 100)) = 0 ]; then sleep 0.02; fi; i=$((i+1)); done')
    started = shoal.cli("start", "--name", "counter", "--log-max-bytes", "4K",
                        "--log-backups", "9", "--", "/bin/sh", "-c", script)
    assert started.returncode == 0, started
    followed = shoal.cli("logs", "counter", "--follow", "-n", "100000", timeout=120)
    assert followed.returncode == 0, followed
    expected = numbered(1, 3000)
    assert followed.stdout == expected
    assert followed.stderr == ""

    stats = log_stats(shoal, "counter")
    assert stats["rotations"] >= 8, stats
    files = stream_files(shoal, "counter", "out")
    assert len(files) >= 9 and all(size <= 4096 for size in files.values()), files

    # Plain logs reads the tail across the rotated files as one stream.
    tail = shoal.cli("logs", "counter", "-n", "3000")
    assert tail.returncode == 0, tail
    assert tail.stdout == expected

    # So does the protocol, by offset, in chunks that straddle the files.
    seen, offset = "", 0
    for _ in range(1000):
        chunk = ok(shoal.request({"op": "logs", "name": "counter", "offset": offset,
                                  "max_bytes": 3000}))
        assert chunk["skipped"] == 0
        seen += chunk["data"]
        offset = chunk["offset"]
        if offset >= chunk["size"]:
            break
    assert seen == expected


def test_both_streams_followed_across_rotations_lose_and_repeat_nothing(shoal):
    # Each stream rotates on its own, many times, while the follower interleaves the two.
    script = ('i=1; while [ $i -le 2000 ]; do printf "out %05d\\n" $i; printf "err %05d\\n" $i >&2; '
              'if [ $((i % 100)) = 0 ]; then sleep 0.02; fi; i=$((i+1)); done')
    started = shoal.cli("start", "--name", "pair", "--log-max-bytes", "4K", "--log-backups", "9",
                        "--", "/bin/sh", "-c", script)
    assert started.returncode == 0, started
    followed = shoal.cli("logs", "pair", "--follow", "-n", "100000", timeout=120)
    assert followed.returncode == 0 and followed.stderr == "", followed
    lines = followed.stdout.splitlines()
    for stream in ("out", "err"):
        assert [line for line in lines if line.startswith(stream)] == \
            [f"{stream} {i:05d}" for i in range(1, 2001)], stream
    assert len(lines) == 4000
    assert log_stats(shoal, "pair", "stderr")["rotations"] >= 4  # 20000 bytes in 4 KiB files
    # A later tail reads the same lines again, in the same order, across the rotated files.
    again = shoal.cli("logs", "pair", "-n", "4000")
    assert again.stdout == followed.stdout


def test_follow_is_fed_as_the_process_writes(shoal):
    # The process writes one line, then waits for the follower to have printed it.
    marker = os.path.join(shoal.dir, "printed")
    script = f'echo first; while [ ! -e {marker} ]; do sleep 0.01; done; echo second'
    shoal.spawn(["/bin/sh", "-c", script], name="paced")
    follower = subprocess.Popen([SHOAL, "--socket", shoal.socket, "logs", "paced", "--follow"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, env=clean_env())
    try:
        ready, _, _ = select.select([follower.stdout], [], [], 30)
        assert ready, "the follower printed nothing within 30 s"
        assert os.read(follower.stdout.fileno(), 100) == b"first\n"
        open(marker, "w").close()
        out, err = follower.communicate(timeout=30)
    finally:
        if follower.poll() is None:
            follower.kill()
            follower.wait()
    assert out == b"second\n", err
    assert follower.returncode == 0


def test_a_follower_that_falls_behind_is_told_what_it_missed(shoal):
    go, end = os.path.join(shoal.dir, "go"), os.path.join(shoal.dir, "end")
    script = (f'echo first; while [ ! -e {go} ]; do sleep 0.01; done; '
              'i=1; while [ $i -le 2000 ]; do printf "line %05d\\n" $i; i=$((i+1)); done; '
              f'while [ ! -e {end} ]; do sleep 0.01; done')
    shoal.spawn(["/bin/sh", "-c", script], name="fast", log_max_bytes=4096, log_backups=1)
    follower = subprocess.Popen([SHOAL, "--socket", shoal.socket, "logs", "fast", "--follow"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, env=clean_env())
    try:
        ready, _, _ = select.select([follower.stdout], [], [], 30)
        assert ready, "the follower printed nothing within 30 s"
        assert os.read(follower.stdout.fileno(), 100) == b"first\n"
        # Stopped, it cannot keep up while 22,000 bytes pass through 8 KiB of files.
        follower.send_signal(signal.SIGSTOP)
        open(go, "w").close()
        wait_until(lambda: log_stats(shoal, "fast")["written_bytes"] == 6 + 22000, 30,
                   what="all of fast's output to reach its log")
        follower.send_signal(signal.SIGCONT)
        open(end, "w").close()
        out, err = follower.communicate(timeout=30)
    finally:
        if follower.poll() is None:
            follower.kill()
            follower.wait()
    assert follower.returncode == 0, err
    notice = rb"shoal: logs: (\d+) bytes of fast's output were rotated away before they could be printed\n"
    assert re.fullmatch(rb"(?:" + notice + rb")+", err), err
    told = [int(n) for n in re.findall(notice, err)]
    # What it printed: runs of consecutive lines, and before each run that does not follow on
    # from the one before, a notice of exactly the bytes it missed. Usually one gap; two when
    # the daemon had already rotated past the follower before answering its waiting request.
    numbers = [int(line.split()[1]) for line in out.decode().splitlines()]
    assert out.decode() == "".join(f"line {n:05d}\n" for n in numbers)
    assert numbers[-1] == 2000
    missed = [b - a - 1 for a, b in zip([0] + numbers, numbers) if b != a + 1]
    assert all(m > 0 for m in missed), numbers
    assert told == [m * len("line 00001\n") for m in missed], (told, missed)


def test_an_offset_already_rotated_away_is_reported_as_skipped(shoal):
    shoal.spawn(["/bin/sh", "-c", "i=1; while [ $i -le 2000 ]; do printf 'line %05d\\n' $i; "
                 "i=$((i+1)); done"], name="old", log_max_bytes=4096, log_backups=1)
    shoal.join("old")
    everything = numbered(1, 2000)
    chunk = ok(shoal.request({"op": "logs", "name": "old", "offset": 0, "max_bytes": 1 << 20}))
    kept = chunk["data"]
    assert 0 < len(kept) <= 8192
    assert chunk["skipped"] == len(everything) - len(kept)
    assert everything.endswith(kept) and kept.startswith("line ")
    assert chunk["offset"] == chunk["size"] == len(everything)

    # The tail that plain `logs` prints starts where the files do; a follower asking for an
    # offset that rotated away is told so on stderr.
    assert shoal.cli("logs", "old", "-n", "100000").stdout == kept
    chunk = ok(shoal.request({"op": "logs", "name": "old", "offset": 0, "max_bytes": 10}))
    assert chunk["skipped"] == chunk["size"] - len(kept) and chunk["data"] == kept[:10]


def test_remove_deletes_every_rotated_file(shoal):
    shoal.spawn(["/bin/sh", "-c", "seq 1 5000"], name="many", log_max_bytes=4096, log_backups=3)
    shoal.join("many")
    assert len(stream_files(shoal, "many", "out")) == 4
    assert shoal.cli("remove", "many").returncode == 0
    assert stream_files(shoal, "many", "out") == {}
    assert stream_files(shoal, "many", "err") == {}


# --- settings -----------------------------------------------------------------------------

def test_limits_default_to_the_daemons_and_can_be_set_per_process(daemons):
    d = daemons(args=["--log-max-bytes", "64K", "--log-backups", "5"])
    d.spawn(["/bin/true"], name="defaults")
    d.spawn(["/bin/true"], name="own", log_max_bytes=0, log_backups=0)
    d.join("defaults")
    d.join("own")
    assert (d.record("defaults")["log_max_bytes"], d.record("defaults")["log_backups"]) == (65536, 5)
    assert (d.record("own")["log_max_bytes"], d.record("own")["log_backups"]) == (0, 0)
    cli = d.cli("--json", "start", "--name", "flags", "--log-max-bytes", "1M", "--log-backups",
                "7", "--", "/bin/true")
    assert cli.returncode == 0, cli
    assert (cli.json()["log_max_bytes"], cli.json()["log_backups"]) == (MiB, 7)
    stats = cli.json()["logs"]
    for stream in ("stdout", "stderr"):
        assert set(stats[stream]) == {"written_bytes", "rotations", "failed_writes",
                                      "dropped_bytes", "error"}


def test_the_builtin_defaults_are_10_mib_and_3_backups(shoal):
    shoal.spawn(["/bin/true"], name="plain")
    record = shoal.join("plain")
    assert (record["log_max_bytes"], record["log_backups"]) == (10 * MiB, 3)


def test_bad_limits_are_refused_and_change_nothing(shoal):
    for fields in ({"log_max_bytes": 100}, {"log_max_bytes": -1}, {"log_backups": -1},
                   {"log_backups": 1001}, {"log_max_bytes": 1 << 41}):
        reply = shoal.request({"op": "start", "name": "bad", "argv": ["/bin/true"], **fields})
        assert error_code(reply) == "out_of_range", fields
        assert "log_" in reply["error"]["message"]
    assert error_code(shoal.request({"op": "start", "name": "bad", "argv": ["/bin/true"],
                                     "log_backups": "3"})) == "bad_request"
    assert error_code(shoal.request({"op": "status", "names": ["bad"]})) == "not_found"
    for flag, value in (("--log-max-bytes", "12"), ("--log-max-bytes", "1X"),
                        ("--log-backups", "-2"), ("--log-backups", "many")):
        result = shoal.cli("start", "--name", "bad", flag, value, "--", "/bin/true")
        assert result.returncode == 2, result
        assert flag in result.stderr
    assert error_code(shoal.request({"op": "status", "names": ["bad"]})) == "not_found"


@pytest.mark.parametrize("args", [["--log-max-bytes", "100"], ["--log-max-bytes", "ten"],
                                  ["--log-backups", "-1"], ["--log-backups", "2000"]])
def test_shoald_refuses_bad_limits(args, tmp_dir):
    result = subprocess.run([SHOALD, "--socket", os.path.join(tmp_dir, "s.sock"), "--state-dir",
                             os.path.join(tmp_dir, "state"), *args], capture_output=True,
                            text=True, timeout=30, env=clean_env(), stdin=subprocess.DEVNULL)
    assert result.returncode == 2, result
    assert args[0] in result.stderr
    assert not os.path.exists(os.path.join(tmp_dir, "s.sock"))


def test_programs_file_sets_the_limits(daemons, tmp_dir):
    programs = os.path.join(tmp_dir, "programs.json")
    with open(programs, "w") as f:
        f.write('{"programs": {"chatty": {"argv": ["/bin/sh", "-c", "seq 1 3000; sleep 30"],\n'
                '  "log_max_bytes": "4K", "log_backups": 1},\n'
                '  "plain": {"argv": ["/bin/sleep", "30"]}}}\n')
    d = daemons(args=["--programs", programs])
    wait_until(lambda: d.record("chatty")["logs"]["stdout"]["written_bytes"] > 8192, 30,
               what="chatty's output")
    assert (d.record("chatty")["log_max_bytes"], d.record("chatty")["log_backups"]) == (4096, 1)
    assert (d.record("plain")["log_max_bytes"], d.record("plain")["log_backups"]) == (10 * MiB, 3)
    files = stream_files(d, "chatty", "out")
    assert len(files) == 2 and all(size <= 4096 for size in files.values()), files

    with open(programs, "w") as f:
        f.write('{"programs": {"chatty": {"argv": ["/bin/true"],\n'
                '  "log_backups": 1001}}}\n')
    refused = d.cli("reload")
    assert refused.returncode == 1, refused
    assert "programs.json:2" in refused.stderr and "log_backups" in refused.stderr


# --- a full disk --------------------------------------------------------------------------

def root_only():
    if os.geteuid() != 0:
        pytest.fail("mounting a small tmpfs as the log directory needs the test to run as root")


def test_a_full_disk_is_counted_reported_and_logged_once_per_episode(daemons):
    root_only()
    d = daemons.create(args=["--log-max-bytes", "0"])
    logs = os.path.join(d.state_dir, "logs")
    os.makedirs(logs, mode=0o700)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k,mode=0700",
                              "shoal-test-logs", logs], capture_output=True, text=True, timeout=30)
    assert mounted.returncode == 0, mounted.stderr
    try:
        d.start()
        # The filler fills the disk, then exits.
        d.spawn(["/bin/sh", "-c", "head -c 200000 /dev/zero"], name="filler")
        filler = d.join("filler")["logs"]["stdout"]
        assert filler["written_bytes"] < 200000
        assert filler["dropped_bytes"] == 200000 - filler["written_bytes"]
        assert filler["failed_writes"] >= 1
        assert "No space left on device" in filler["error"]

        stop = os.path.join(d.dir, "stop")
        d.spawn(["/bin/sh", "-c", f"i=0; while [ ! -e {stop} ]; do i=$((i+1)); "
                 "echo line $i; sleep 0.02; done"], name="victim")
        wait_until(lambda: log_stats(d, "victim")["failed_writes"] >= 10, 30,
                   what="ten failed writes of victim's output")
        assert d.record("victim")["state"] == "running"
        ping = d.cli("ping")
        assert ping.returncode == 0, ping

        # Free the space: the next write succeeds, and the episode ends.
        assert d.cli("remove", "filler").returncode == 0
        wait_until(lambda: log_stats(d, "victim")["error"] is None, 30,
                   what="victim's writes to succeed again")
        written = log_stats(d, "victim")["written_bytes"]
        wait_until(lambda: log_stats(d, "victim")["written_bytes"] > written, 30,
                   what="victim's output to keep reaching its log")
        open(stop, "w").close()
        victim = d.join("victim")["logs"]["stdout"]
        assert victim["failed_writes"] >= 10 and victim["dropped_bytes"] > 0, victim
        with open(d.log_path("victim")) as f:
            lines = f.read().splitlines()
        assert lines and lines[-1].startswith("line ")
    finally:
        d.terminate()
        unmounted = subprocess.run(["umount", logs], capture_output=True, timeout=30)
        if unmounted.returncode != 0:
            subprocess.run(["umount", "-l", logs], capture_output=True, timeout=30)

    text = d.stderr()
    started = [l for l in text.splitlines() if "stdout of 'victim'" in l and "unable to write" in l]
    ended = [l for l in text.splitlines() if "stdout of 'victim'" in l and "again" in l]
    assert len(started) == 1, text
    assert len(ended) == 1, text
    assert "No space left on device" in started[0]


# --- symbolic links -----------------------------------------------------------------------

def test_a_log_file_planted_as_a_symlink_is_refused_and_not_written_through(shoal, tmp_dir):
    target = os.path.join(tmp_dir, "precious")
    with open(target, "w") as f:
        f.write("keep me\n")
    os.symlink(target, shoal.log_path("victim"))
    result = shoal.cli("start", "--name", "victim", "--", "/bin/echo", "overwritten")
    assert result.returncode == 1, result
    assert result.stderr.startswith("shoal: spawn_failed: "), result
    assert "symbolic link" in result.stderr and shoal.log_path("victim") in result.stderr
    assert error_code(shoal.request({"op": "status", "names": ["victim"]})) == "not_found"
    with open(target) as f:
        assert f.read() == "keep me\n"

    # A backup planted as a link is replaced by the rotation, never followed.
    os.symlink(target, shoal.log_path("rotor") + ".1")
    shoal.spawn(["/bin/sh", "-c", "seq 1 3000"], name="rotor", log_max_bytes=4096, log_backups=2)
    shoal.join("rotor")
    assert not os.path.islink(shoal.log_path("rotor") + ".1")
    with open(target) as f:
        assert f.read() == "keep me\n"


def test_a_logs_directory_swapped_for_a_symlink_is_not_followed(shoal, tmp_dir):
    elsewhere = os.path.join(tmp_dir, "elsewhere")
    os.mkdir(elsewhere)
    logs = os.path.join(shoal.state_dir, "logs")
    moved = os.path.join(shoal.state_dir, "logs.moved")
    shoal.spawn(["/bin/sh", "-c", "echo before"], name="early")
    shoal.join("early")
    os.rename(logs, moved)
    os.symlink(elsewhere, logs)

    shoal.spawn(["/bin/sh", "-c", "echo after"], name="late")
    shoal.join("late")
    assert ok(shoal.request({"op": "logs", "name": "late"}))["data"] == "after\n"
    assert os.listdir(elsewhere) == []
    with open(os.path.join(moved, "late.out")) as f:
        assert f.read() == "after\n"
    assert shoal.cli("remove", "early").returncode == 0
    assert not os.path.exists(os.path.join(moved, "early.out"))
    assert os.listdir(elsewhere) == []
    # Put it back, so that teardown's `shoald --cleanup` accepts the state directory.
    os.unlink(logs)
    os.rename(moved, logs)


def test_shoald_refuses_a_logs_directory_that_is_a_symlink(daemons, tmp_dir):
    elsewhere = os.path.join(tmp_dir, "elsewhere")
    os.mkdir(elsewhere)
    d = daemons.create()
    os.makedirs(d.state_dir, mode=0o700)
    os.symlink(elsewhere, os.path.join(d.state_dir, "logs"))
    d.launch()
    code = d.proc.wait(30)
    d.expected_exit = None
    assert code == 1
    assert os.path.join(d.state_dir, "logs") in d.stderr()
    assert os.listdir(elsewhere) == []
    os.unlink(os.path.join(d.state_dir, "logs"))  # for teardown's `shoald --cleanup`
