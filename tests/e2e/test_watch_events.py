"""`watch` streams every transition with increasing seqs; `since` replays what the ring holds."""

import json
import os
import pty
import re
import select
import subprocess
import time

from harness import SHOAL, clean_env, ok, error_code


def read_events(client, count, timeout=10):
    events = []
    deadline = time.monotonic() + timeout
    while len(events) < count:
        line = client.read_line(max(0.0, deadline - time.monotonic()))
        assert line is not None, "the daemon closed the watch"
        message = json.loads(line)
        assert "event" in message, message
        events.append(message["event"])
    return events


def test_watch_streams_started_and_exited_with_increasing_seq(shoal):
    with shoal.connect() as w:
        watch_id = w.send({"op": "watch"})
        first = ok(w.reply_for(watch_id))
        base = first["seq"]
        assert first["lost"] == 0
        shoal.spawn(["sh", "-c", "exit 4"], name="four")
        shoal.join("four")
        shoal.spawn(["sleep", "300"], name="sleepy")
        ok(shoal.request({"op": "stop", "name": "sleepy"}))
        events = read_events(w, 4)
    assert [e["type"] for e in events] == ["started", "exited", "started", "stopped"]
    assert [e["name"] for e in events] == ["four", "four", "sleepy", "sleepy"]
    seqs = [e["seq"] for e in events]
    assert seqs == sorted(seqs) and len(set(seqs)) == 4 and seqs[0] > base
    assert events[1]["exitcode"] == 4
    assert events[3]["signal"] == "SIGTERM"
    for e in events:
        assert e["time"].endswith("Z")


def test_watch_filters_by_name_and_replays_since(shoal):
    shoal.spawn(["true"], name="a")
    shoal.join("a")
    with shoal.connect() as w:
        wid = w.send({"op": "watch"})
        mark = ok(w.reply_for(wid))["seq"]
    shoal.spawn(["true"], name="b")
    shoal.join("b")
    shoal.spawn(["true"], name="c")
    shoal.join("c")
    with shoal.connect() as w:
        wid = w.send({"op": "watch", "since": mark, "names": ["c"]})
        result = ok(w.reply_for(wid))
        assert result["replayed"] == 2 and result["lost"] == 0
        replayed = read_events(w, 2)
        assert [(e["type"], e["name"]) for e in replayed] == [("started", "c"), ("exited", "c")]
        assert all(e["seq"] > mark for e in replayed)
        # Live events after the replay, still filtered.
        shoal.spawn(["true"], name="b")
        shoal.spawn(["true"], name="c")
        live = read_events(w, 1)
        assert live[0]["name"] == "c" and live[0]["type"] == "started"
        assert live[0]["seq"] > replayed[-1]["seq"]
    with shoal.connect() as w:
        wid = w.send({"op": "watch", "since": 0})
        all_events = ok(w.reply_for(wid))
        assert all_events["replayed"] == all_events["seq"]
    assert error_code(shoal.request({"op": "watch", "since": -1})) == "out_of_range"
    assert error_code(shoal.request({"op": "watch", "names": "c"})) == "bad_request"


def test_watch_shows_restarting_and_fatal(shoal):
    with shoal.connect() as w:
        ok(w.reply_for(w.send({"op": "watch", "names": ["doomed"]})))
        shoal.spawn(["sh", "-c", "exit 2"], name="doomed", restart="on-failure", restart_max=1)
        events = read_events(w, 6, timeout=15)
    assert [e["type"] for e in events] == ["started", "exited", "restarting", "started", "exited",
                                           "fatal"]
    restarting = events[2]
    assert restarting["attempt"] == 1
    assert 0.85 <= restarting["delay"] <= 1.0
    assert restarting["next_attempt_at"].endswith("Z")
    assert events[3]["restarts"] == 1


def test_a_closed_watcher_is_forgotten_and_others_keep_streaming(shoal):
    gone = shoal.connect()
    ok(gone.reply_for(gone.send({"op": "watch"})))
    gone.close()
    with shoal.connect() as w:
        ok(w.reply_for(w.send({"op": "watch"})))
        for i in range(50):
            shoal.spawn(["true"], name=f"n{i}")
        events = read_events(w, 50)
    assert len({e["seq"] for e in events}) == 50
    assert ok(shoal.request({"op": "hello"}))["pid"] == shoal.pid


def test_cli_watch_prints_json_lines_and_replays_with_since(shoal):
    shoal.spawn(["sh", "-c", "exit 5"], name="first")
    shoal.join("first")
    r = shoal.cli("watch", "--since", "0", "--count", "2")
    assert r.returncode == 0, r
    lines = [json.loads(line) for line in r.stdout.splitlines()]
    assert [(e["type"], e["name"]) for e in lines] == [("started", "first"), ("exited", "first")]
    assert lines[1]["exitcode"] == 5
    # A live watch of one name, in the background, sees that process's events only.
    proc = subprocess.Popen([SHOAL, "--socket", shoal.socket, "watch", "second", "--count", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=clean_env(),
                            stdin=subprocess.DEVNULL)
    try:
        # Until the CLI has subscribed, the starts below may go unseen: keep starting.
        deadline = time.monotonic() + 10
        while proc.poll() is None and time.monotonic() < deadline:
            shoal.spawn(["true"], name="second")
            shoal.join("second")
            try:
                proc.wait(0.2)
            except subprocess.TimeoutExpired:
                pass
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    events = [json.loads(line) for line in out.decode().splitlines()]
    assert len(events) == 2 and all(e["name"] == "second" for e in events)
    assert events[0]["seq"] < events[1]["seq"]
    bad = shoal.cli("watch", "--since", "x")
    assert bad.returncode == 2


def test_watch_shows_shared_values_and_lock_recovery(shoal):
    with shoal.connect() as w:
        ok(w.reply_for(w.send({"op": "watch"})))
        ok(shoal.request({"op": "value_create", "name": "salmonCount", "typecode": "i"}))
        ok(shoal.request({"op": "array_create", "name": "fish", "typecode": "d", "length": 3}))
        ok(shoal.request({"op": "value_delete", "name": "salmonCount"}))
        events = read_events(w, 3)
        assert [(e["type"], e["name"], e["kind"], e["typecode"]) for e in events] == [
            ("value_created", "salmonCount", "value", "i"),
            ("value_created", "fish", "array", "d"),
            ("value_deleted", "salmonCount", "value", "i"),
        ]
        holder = shoal.spawn(["sleep", "300"], name="holder")
        got = ok(shoal.request({"op": "lock_acquire", "owner": holder["pid"]}))
        assert got["acquired"] is True
        ok(shoal.request({"op": "kill", "name": "holder"}))
        later = read_events(w, 3, timeout=10)
    recovered = [e for e in later if e["type"] == "lock_recovered"]
    assert len(recovered) == 1, later
    assert recovered[0]["name"] == "lock"
    assert recovered[0]["owner"] == holder["pid"]


def test_watch_on_a_terminal_prints_one_sentence_per_event(shoal):
    """With stdout on a pseudo-terminal, as in a person's shell: readable lines, not JSON."""
    leader, follower = pty.openpty()
    env = clean_env({"SHOAL_SOCKET": shoal.socket, "NO_COLOR": "1", "TERM": "xterm"})
    watcher = subprocess.Popen([SHOAL, "watch", "-n", "2", "--since", "0"], stdin=subprocess.DEVNULL,
                               stdout=follower, stderr=subprocess.PIPE, env=env)
    os.close(follower)
    try:
        shoal.spawn(["sh", "-c", "exit 3"], name="three")
        shoal.join("three")
        output = b""
        deadline = time.monotonic() + 20
        while output.count(b"\n") < 2 and time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 0.2)
            if ready:
                try:
                    output += os.read(leader, 4096)
                except OSError:
                    break
        assert watcher.wait(timeout=20) == 0, watcher.stderr.read()
    finally:
        if watcher.poll() is None:
            watcher.kill()
            watcher.wait()
        os.close(leader)
    lines = output.decode().replace("\r\n", "\n").splitlines()
    assert len(lines) == 2, output
    assert re.fullmatch(r"\d\d:\d\d:\d\d #\d+ three started \(pid \d+\)", lines[0]), lines
    assert re.fullmatch(r"\d\d:\d\d:\d\d #\d+ three exited with 3 \(pid \d+\)", lines[1]), lines
    assert "\x1b[" not in output.decode(), "NO_COLOR must turn colour off"
