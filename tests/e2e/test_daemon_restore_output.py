"""Live restore of children's output: no line lost or written twice when the daemon is killed
while children write, and the keeper's own rotation of the logs while no daemon runs
(docs/restore.md, docs/logging.md)."""

import os
import random
import re
import time

from harness import ok, wait_until
from restarts import kill9, restart


def stream_lines(daemon, name):
    """The numbers of the "line N" lines of NAME.out, its rotated files oldest first."""
    logs = os.path.dirname(daemon.log_path(name))
    rotated = sorted((int(f.rsplit(".", 1)[1]) for f in os.listdir(logs)
                      if re.fullmatch(re.escape(name) + r"\.out\.\d+", f)), reverse=True)
    text = ""
    for path in [f"{daemon.log_path(name)}.{i}" for i in rotated] + [daemon.log_path(name)]:
        with open(path) as f:
            text += f.read()
    return [int(n) for n in re.findall(r"^line (\d+)$", text, re.M)]


def test_no_line_is_lost_or_doubled_by_kill9_while_children_flood_their_output(daemons):
    # Files of 4 KiB rotate every 400 lines, so a kill often lands in the middle of a chunk
    # that spans a rotation: the longest a daemon ever holds output it has taken from a pipe.
    args = ["--log-max-bytes", "4096", "--log-backups", "1000"]
    daemon = daemons(args=args)
    lines = 60000
    names = ["flood-a", "flood-b"]
    for name in names:
        # Bursts of 200 lines, so that the kills fall all along the run.
        daemon.spawn(["sh", "-c", f'i=0; while [ $i -lt {lines} ]; do i=$((i+1)); '
                                  f'echo "line $i"; [ $((i % 200)) -ne 0 ] || sleep 0.01; done'],
                     name=name)
    rng = random.Random()
    kills = 0
    while kills < 40 and any(daemon.record(n)["state"] == "running" for n in names):
        time.sleep(rng.uniform(0.002, 0.03))
        kill9(daemon)
        kills += 1
        daemon = restart(daemons, daemon, args=args)
    print(f"{kills} kills while the children wrote")
    for name in names:
        assert daemon.join(name, timeout=60)["exitcode"] == 0
        numbers = stream_lines(daemon, name)
        assert numbers == list(range(1, lines + 1)), (
            f"{name}, {kills} kills: {len(numbers)} lines; first break after "
            f"{next((a for a, b in zip(numbers, numbers[1:]) if b != a + 1), None)}")


def test_the_keeper_rotates_the_logs_it_writes_while_no_daemon_runs(daemons):
    first = daemons()
    gate = os.path.join(first.dir, "go")
    # 300 numbered lines of 64 bytes: 19,200 bytes, more than the three 4 KiB files kept.
    script = (f"while [ ! -e {gate} ]; do sleep 0.02; done; i=0; "
              "while [ $i -lt 300 ]; do i=$((i+1)); printf 'line %d %055d\\n' $i 0; done; "
              "exec sleep 300")
    first.spawn(["sh", "-c", script], name="chatty", log_max_bytes=4096, log_backups=2)
    kill9(first)
    open(gate, "w").close()
    files = [first.log_path("chatty") + suffix for suffix in (".2", ".1", "")]

    def numbers():
        text = ""
        for path in files:
            if os.path.exists(path):
                with open(path) as f:
                    text += f.read()
        return [int(n) for n in re.findall(r"^line (\d+) 0+$", text, re.M)]
    wait_until(lambda: numbers() and numbers()[-1] == 300, 20,
               what="the last line written by the keeper")
    # Rotated as the daemon would have: no file past its cap, two backups, each cut at a line,
    # the newest lines kept in order.
    for path in files:
        assert os.path.getsize(path) <= 4096, (path, os.path.getsize(path))
        with open(path) as f:
            assert f.read().endswith("\n"), path
    assert not os.path.exists(first.log_path("chatty") + ".3")
    kept = numbers()
    assert kept == list(range(kept[0], 301)) and kept[0] > 1, kept[:3]

    # The next daemon reads the rotated files as its own.
    second = restart(daemons, first)
    tail = ok(second.request({"op": "logs", "name": "chatty", "lines": 1}))["lines"]
    assert [line["text"].split()[:2] for line in tail] == [["line", "300"]], tail
