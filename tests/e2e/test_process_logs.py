"""logs: the tail of a process's stdout and stderr, offsets, following."""

import os
import re
import select
import shutil
import subprocess

from harness import SHOAL, clean_env, error_code, ok, wait_until


def test_logs_tail_stdout_and_stderr(shoal):
    shoal.spawn(["/bin/sh", "-c", "echo to-out; echo to-err >&2; echo more-out"], name="talker")
    shoal.join("talker")

    out = shoal.cli("logs", "talker", "--stream", "stdout")
    assert out.returncode == 0, out
    assert out.stdout == "to-out\nmore-out\n"
    err = shoal.cli("logs", "talker", "--stderr")
    assert err.returncode == 0, err
    assert err.stdout == "to-err\n"

    reply = ok(shoal.request({"op": "logs", "name": "talker"}))
    assert reply["data"] == "to-out\nmore-out\n"
    assert reply["size"] == len("to-out\nmore-out\n")
    assert reply["offset"] == reply["size"]
    assert reply["state"] == "exited"
    stderr_reply = ok(shoal.request({"op": "logs", "name": "talker", "stream": "stderr"}))
    assert stderr_reply["data"] == "to-err\n"


def test_logs_max_bytes_and_offset(shoal):
    shoal.spawn(["/bin/sh", "-c", "printf 0123456789"], name="digits")
    shoal.join("digits")
    tail = ok(shoal.request({"op": "logs", "name": "digits", "max_bytes": 4}))
    assert tail["data"] == "6789" and tail["offset"] == 10 and tail["size"] == 10
    part = ok(shoal.request({"op": "logs", "name": "digits", "offset": 2, "max_bytes": 3}))
    assert part["data"] == "234" and part["offset"] == 5
    end = ok(shoal.request({"op": "logs", "name": "digits", "offset": 10}))
    assert end["data"] == "" and end["offset"] == 10


def test_logs_replace_invalid_utf8(shoal):
    shoal.spawn(["/bin/sh", "-c", r"printf 'ok\377\376end\n'"], name="binary")
    shoal.join("binary")
    data = ok(shoal.request({"op": "logs", "name": "binary"}))["data"]
    assert data.startswith("ok") and data.endswith("end\n")
    assert "\ufffd" in data
    assert shoal.cli("logs", "binary").returncode == 0


def test_logs_follow_prints_everything_and_ends_when_the_process_exits(shoal):
    shoal.spawn(["/bin/sh", "-c", "for i in 1 2 3 4 5; do echo line $i; sleep 0.1; done"],
                name="chatty")
    result = shoal.cli("logs", "chatty", "--follow", timeout=30)
    assert result.returncode == 0, result
    assert result.stdout == "".join(f"line {i}\n" for i in range(1, 6))


def test_logs_of_an_unknown_name_is_not_found(shoal):
    assert error_code(shoal.request({"op": "logs", "name": "nobody"})) == "not_found"
    result = shoal.cli("logs", "nobody")
    assert result.returncode == 1, result
    assert result.stderr.startswith("shoal: not_found: "), result


def test_output_is_appended_to_the_log_files(shoal):
    shoal.spawn(["/bin/sh", "-c", "echo first"], name="appender")
    shoal.join("appender")
    shoal.spawn(["/bin/sh", "-c", "echo second"], name="appender")
    shoal.join("appender")
    with open(shoal.log_path("appender")) as f:
        assert f.read() == "first\nsecond\n"
    assert os.path.exists(shoal.log_path("appender", "err"))


def paced_writer(shoal, name, steps):
    """Starts `name`, which writes each (stream, text) of `steps` only after the daemon has
    the one before in its log: the order the daemon receives them is then certain."""
    script = []
    for i, (stream, text) in enumerate(steps):
        go = os.path.join(shoal.dir, f"{name}-go-{i}")
        script.append(f"while [ ! -e {go} ]; do sleep 0.01; done")
        script.append(f"echo '{text}'" + (" >&2" if stream == "stderr" else ""))
    shoal.spawn(["/bin/sh", "-c", "; ".join(script)], name=name)
    sizes = {"stdout": 0, "stderr": 0}
    for i, (stream, text) in enumerate(steps):
        open(os.path.join(shoal.dir, f"{name}-go-{i}"), "w").close()
        sizes[stream] += len(text) + 1
        want = sizes[stream]
        wait_until(lambda: ok(shoal.request({"op": "status", "names": [name]}))["processes"][0]
                   ["logs"][stream]["written_bytes"] >= want, 30, what=f"{text!r} in the log")
    shoal.join(name)


def test_both_streams_interleave_in_the_order_received(shoal):
    steps = [("stdout", "o1"), ("stderr", "e1"), ("stdout", "o2"), ("stderr", "e2"),
             ("stdout", "o3")]
    paced_writer(shoal, "mixed", steps)
    r = shoal.cli("logs", "mixed")
    assert r.returncode == 0, r
    assert r.stdout == "o1\ne1\no2\ne2\no3\n"
    assert shoal.cli("logs", "mixed", "-n", "2").stdout == "e2\no3\n"
    assert shoal.cli("logs", "mixed", "-n", "2", "--stream", "stderr").stdout == "e1\ne2\n"
    assert shoal.cli("logs", "mixed", "-n", "0").stdout == ""

    # --timestamps: when each line arrived, in order.
    stamped = shoal.cli("logs", "mixed", "--timestamps").stdout.splitlines()
    assert len(stamped) == 5
    times = []
    for line, (_, text) in zip(stamped, steps):
        m = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (.*)", line)
        assert m, line
        assert m.group(2) == text
        times.append(m.group(1))
    assert times == sorted(times)

    # The protocol gives the same lines with their stream and time.
    reply = ok(shoal.request({"op": "logs", "name": "mixed", "lines": 3}))
    assert [(l["stream"], l["text"]) for l in reply["lines"]] == steps[2:]
    assert all(l["time"] for l in reply["lines"])
    assert reply["done"] is True and reply["state"] == "exited"


def test_the_last_lines_start_on_a_line_boundary(shoal):
    # 5000 lines of 11 bytes: far more than the 64 KiB the byte form gives by default.
    shoal.spawn(["/bin/sh", "-c", "i=1; while [ $i -le 5000 ]; do printf 'line %05d\\n' $i; "
                 "i=$((i+1)); done"], name="long")
    shoal.join("long")
    r = shoal.cli("logs", "long")
    assert r.stdout == "".join(f"line {i:05d}\n" for i in range(4991, 5001)), r
    r = shoal.cli("logs", "long", "-n", "5000")
    assert r.stdout == "".join(f"line {i:05d}\n" for i in range(1, 5001))
    # A last line without a newline is shown once the process has ended.
    shoal.spawn(["/bin/sh", "-c", "printf 'whole\\npartial'"], name="unfinished")
    shoal.join("unfinished")
    assert shoal.cli("logs", "unfinished").stdout == "whole\npartial\n"


def test_several_processes_prefix_their_names(shoal):
    shoal.spawn(["/bin/sh", "-c", "echo one"], name="w-1")
    shoal.spawn(["/bin/sh", "-c", "echo ten"], name="w-10")
    shoal.join("w-1")
    shoal.join("w-10")
    r = shoal.cli("logs", "w-*")
    assert r.returncode == 0, r
    assert r.stdout == "w-1  | one\nw-10 | ten\n"
    r = shoal.cli("logs", "nothing-*")
    assert r.returncode == 1 and "no process matches 'nothing-*'" in r.stderr


def test_logs_usage_errors(shoal):
    for args, says in [(["logs"], "at least one TARGET"), (["logs", "x", "-n", "-1"], "-n needs"),
                       (["logs", "x", "--stream", "all"], "--stream takes"),
                       (["logs", "x", "--stderr", "--stream", "stdout"], "--stderr is")]:
        r = shoal.cli(*args)
        assert r.returncode == 2, r
        assert says in r.stderr, r


def test_follow_both_streams_until_the_process_ends(shoal):
    marker = os.path.join(shoal.dir, "go")
    script = (f"echo before; while [ ! -e {marker} ]; do sleep 0.01; done; "
              "echo err-line >&2; echo out-line")
    shoal.spawn(["/bin/sh", "-c", script], name="later")
    follower = subprocess.Popen([SHOAL, "--socket", shoal.socket, "logs", "later", "--follow",
                                 "--timestamps"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, env=clean_env())
    try:
        ready, _, _ = select.select([follower.stdout], [], [], 30)
        assert ready, "the follower printed nothing within 30 s"
        first = os.read(follower.stdout.fileno(), 200).decode()
        assert first.endswith(" before\n"), first
        open(marker, "w").close()
        out, err = follower.communicate(timeout=30)
    finally:
        if follower.poll() is None:
            follower.kill()
            follower.wait()
    assert follower.returncode == 0, err
    lines = out.decode().splitlines()
    assert sorted(line.split(" ", 1)[1] for line in lines) == ["err-line", "out-line"], out


def test_a_process_that_wrote_nothing_keeps_its_empty_logs_once_done(shoal):
    """A done record of a silent process gives up its output state (it is opened again from
    the files when read): status, logs, a new start of the name and remove see no change."""
    shoal.spawn(["/bin/true"], name="quiet", log_max_bytes=8192, log_backups=2)
    shoal.join("quiet")
    quiet_stream = {"written_bytes": 0, "rotations": 0, "failed_writes": 0, "dropped_bytes": 0,
                    "error": None}
    record = shoal.record("quiet")
    assert record["state"] == "exited"
    assert record["log_max_bytes"] == 8192 and record["log_backups"] == 2
    assert record["logs"] == {"stdout": quiet_stream, "stderr": quiet_stream}
    listed = [p for p in ok(shoal.request({"op": "status"}))["processes"] if p["name"] == "quiet"]
    assert listed == [record]
    assert os.path.getsize(shoal.log_path("quiet")) == 0
    assert os.path.getsize(shoal.log_path("quiet", "err")) == 0

    for stream in ("stdout", "stderr"):
        reply = ok(shoal.request({"op": "logs", "name": "quiet", "stream": stream}))
        assert (reply["data"], reply["size"], reply["offset"], reply["state"]) == ("", 0, 0, "exited")
    lines = ok(shoal.request({"op": "logs", "name": "quiet", "stream": "both", "lines": 5}))
    assert lines["lines"] == []
    result = shoal.cli("logs", "quiet", "--follow", timeout=30)
    assert (result.returncode, result.stdout) == (0, ""), result

    shoal.spawn(["/bin/sh", "-c", "echo again"], name="quiet")
    shoal.join("quiet")
    assert ok(shoal.request({"op": "logs", "name": "quiet"}))["data"] == "again\n"
    assert shoal.record("quiet")["logs"]["stdout"]["written_bytes"] == len("again\n")

    shoal.spawn(["/bin/true"], name="gone")
    shoal.join("gone")
    assert os.path.exists(shoal.log_path("gone"))
    ok(shoal.request({"op": "remove", "name": "gone"}))
    assert not os.path.exists(shoal.log_path("gone"))
    assert not os.path.exists(shoal.log_path("gone", "err"))
    assert error_code(shoal.request({"op": "logs", "name": "gone"})) == "not_found"

    # Files that cannot be opened again any more are an error that says so, not "no such name".
    shoal.spawn(["/bin/true"], name="silent")
    shoal.join("silent")
    shutil.rmtree(os.path.dirname(shoal.log_path("silent")))
    reply = shoal.request({"op": "logs", "name": "silent", "stream": "stderr"})
    assert error_code(reply) != "not_found", reply
    assert "unable to read the logs of 'silent'" in reply["error"]["message"], reply
