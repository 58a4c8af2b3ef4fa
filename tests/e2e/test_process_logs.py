"""logs: the tail of a process's stdout and stderr, offsets, following."""

import os

from harness import error_code, ok


def test_logs_tail_stdout_and_stderr(shoal):
    shoal.spawn(["/bin/sh", "-c", "echo to-out; echo to-err >&2; echo more-out"], name="talker")
    shoal.join("talker")

    out = shoal.cli("logs", "talker")
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
