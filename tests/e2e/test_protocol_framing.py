"""Malformed, oversized and hostile request lines: each answered, none fatal."""

import json

import pytest

from harness import Client, error_code, ok

MIB = 1 << 20


def assert_healthy(shoal, conn=None):
    """A good request works on the same connection (when given) and on a new one."""
    if conn is not None:
        assert ok(conn.request({"op": "hello"}))["protocol"] == 1
    with shoal.connect() as fresh:
        assert ok(fresh.request({"op": "hello"}))["protocol"] == 1
    assert shoal.proc.poll() is None


def bad_line_reply(conn, line):
    conn.send_bytes(line)
    reply = conn.read_reply()
    return reply


@pytest.mark.parametrize("line", [
    b"this is not json\n",
    b'{"id": 1, "op": "hello"\n',
    b'{"id": 1, "op": "hello"}}\n',
    b"{'id': 1}\n",
    b'{"id": 1, "op": "hello", }\n',
    b"\x00\x01\x02\n",
    b'{"id": 1, "op": "hel\x00lo"}\n',
])
def test_malformed_json_is_bad_request_and_the_connection_stays_usable(shoal, line):
    with shoal.connect() as c:
        reply = bad_line_reply(c, line)
        assert error_code(reply) == "bad_request"
        assert_healthy(shoal, c)


@pytest.mark.parametrize("line", [b"[1, 2]\n", b'"hello"\n', b"42\n", b"null\n", b"true\n"])
def test_a_line_that_is_not_an_object_is_bad_request(shoal, line):
    with shoal.connect() as c:
        reply = bad_line_reply(c, line)
        assert error_code(reply) == "bad_request"
        assert reply["id"] is None
        assert_healthy(shoal, c)


def test_malformed_json_reply_carries_a_null_id(shoal):
    with shoal.connect() as c:
        reply = bad_line_reply(c, b"{nope\n")
        assert reply["id"] is None
        assert error_code(reply) == "bad_request"


def test_empty_lines_are_ignored(shoal):
    with shoal.connect() as c:
        c.send_bytes(b"\n\n\n")
        c.send_bytes(b'{"id": "after-empty", "op": "hello"}\n')
        reply = c.read_reply()
        assert reply["id"] == "after-empty" and reply["ok"] is True


def test_a_line_over_1_mib_is_too_large_and_closes_the_connection(shoal):
    with shoal.connect(timeout=30) as c:
        payload = b'{"id": 1, "op": "hello", "pad": "' + b"x" * MIB + b'"}\n'
        try:
            c.send_bytes(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the daemon may close before it has read everything
        reply = c.read_reply(timeout=30)
        assert error_code(reply) == "too_large"
        c.expect_closed(timeout=10)
    assert_healthy(shoal)


def test_a_line_over_1_mib_without_a_newline_is_too_large(shoal):
    with shoal.connect(timeout=30) as c:
        try:
            c.send_bytes(b"y" * (MIB + 1))
        except (BrokenPipeError, ConnectionResetError):
            pass
        assert error_code(c.read_reply(timeout=30)) == "too_large"
        c.expect_closed(timeout=10)
    assert_healthy(shoal)


def test_a_line_of_exactly_1_mib_is_accepted(shoal):
    head = b'{"id": 5, "op": "hello", "pad": "'
    tail = b'"}'
    line = head + b"z" * (MIB - len(head) - len(tail)) + tail
    assert len(line) == MIB
    with shoal.connect(timeout=30) as c:
        c.send_bytes(line + b"\n")
        reply = c.read_reply(timeout=30)
        assert reply["id"] == 5 and ok(reply)["protocol"] == 1
        assert_healthy(shoal, c)


def nested(depth):
    """A request object whose total nesting (the object itself included) is `depth`."""
    inner = "[" * (depth - 1) + "]" * (depth - 1)
    return ('{"id": 9, "op": "hello", "deep": ' + inner + "}\n").encode()


def test_nesting_of_64_levels_is_accepted(shoal):
    with shoal.connect() as c:
        reply = bad_line_reply(c, nested(64))
        assert reply["id"] == 9 and ok(reply)["protocol"] == 1


@pytest.mark.parametrize("depth", [65, 66, 1000, 100000])
def test_nesting_deeper_than_64_levels_is_bad_request(shoal, depth):
    with shoal.connect(timeout=30) as c:
        reply = bad_line_reply(c, nested(depth))
        assert error_code(reply) == "bad_request"
        assert reply["id"] in (9, None)
        assert_healthy(shoal, c)


def test_deep_nesting_inside_objects_and_strings(shoal):
    with shoal.connect(timeout=30) as c:
        deep_objects = '{"a":' * 100000 + "1" + "}" * 100000
        reply = bad_line_reply(c, deep_objects.encode() + b"\n")
        assert error_code(reply) == "bad_request"
        # Brackets inside a string are not nesting.
        in_string = json.dumps({"id": 3, "op": "hello", "s": "[" * 5000 + "{" * 5000})
        reply = bad_line_reply(c, in_string.encode() + b"\n")
        assert reply["id"] == 3 and reply["ok"] is True
        assert_healthy(shoal, c)


def test_unknown_op_is_unknown_op(shoal):
    with shoal.connect() as c:
        reply = c.request({"id": 77, "op": "frobnicate"})
        assert reply["id"] == 77
        assert error_code(reply) == "unknown_op"
        assert "frobnicate" in reply["error"]["message"]
        assert_healthy(shoal, c)


@pytest.mark.parametrize("message, field", [
    ({"op": 5}, "op"),
    ({"op": ["hello"]}, "op"),
    ({"op": "join", "name": 5}, "name"),
    ({"op": "join", "name": "x", "timeout": "5"}, "timeout"),
    ({"op": "join", "name": "x", "timeout": -1}, "timeout"),
    ({"op": "start", "argv": "ls"}, "argv"),
    ({"op": "start", "argv": ["ls", 1]}, "argv"),
    ({"op": "start", "argv": ["true"], "name": 1}, "name"),
    ({"op": "start", "argv": ["true"], "cwd": 1}, "cwd"),
    ({"op": "start", "argv": ["true"], "env": ["A=1"]}, "env"),
    ({"op": "start", "argv": ["true"], "env": {"A": 1}}, "env"),
    ({"op": "status", "names": "x"}, "names"),
    ({"op": "stop", "name": "x", "timeout": "soon"}, "timeout"),
    ({"op": "logs", "name": "x", "offset": "0"}, "offset"),
])
def test_wrong_types_are_bad_request_naming_the_field(shoal, message, field):
    # "x" exists, so only the mistyped field can be wrong with the request.
    target = shoal.spawn(["sleep", "60"], name="x")
    with shoal.connect() as c:
        reply = c.request(message)
        assert error_code(reply) == "bad_request"
        assert field in reply["error"]["message"], reply
        assert_healthy(shoal, c)
    # Nothing changed; CPU time and memory are read from /proc at each asking, so they may.
    def steady(record):
        return {k: v for k, v in record.items() if k not in ("cpu_seconds", "cpu_percent", "rss_bytes")}
    assert [steady(r) for r in ok(shoal.request({"op": "status"}))["processes"]] == \
        [steady(shoal.record("x"))]
    assert shoal.record("x")["pid"] == target["pid"]


@pytest.mark.parametrize("message, field", [
    ({}, "op"),
    ({"op": "join"}, "name"),
    ({"op": "start"}, "argv"),
    ({"op": "stop"}, "name"),
    ({"op": "remove"}, "name"),
])
def test_missing_fields_are_bad_request_naming_the_field(shoal, message, field):
    with shoal.connect() as c:
        reply = c.request(message)
        assert error_code(reply) == "bad_request"
        assert field in reply["error"]["message"], reply
        assert_healthy(shoal, c)


@pytest.mark.parametrize("line", [
    b'{"id": 1, "op": "hello", "x": "\xff\xfe"}\n',
    b'{"id": 1, "op": "hello\xc3"}\n',
    b'{"id": 1, "op": "hello", "x": "\xed\xa0\x80"}\n',
    b'{"id": 1, "op": "hello", "x": "\xc0\xaf"}\n',
    b'{"id": "\xff", "op": "hello"}\n',
    b'{"id": 1, "op": "start", "name": "n\xe9", "argv": ["/bin/true"]}\n',
    b'{"id": 1, "op": "start", "name": "n", "argv": ["/bin/echo", "\xff"]}\n',
])
def test_invalid_utf8_is_bad_request(shoal, line):
    with shoal.connect() as c:
        reply = bad_line_reply(c, line)
        assert error_code(reply) == "bad_request"
        assert_healthy(shoal, c)
    assert ok(shoal.request({"op": "status"}))["processes"] == []


def test_unknown_fields_are_ignored(shoal):
    reply = shoal.request({"op": "hello", "future_field": {"a": [1, 2]}})
    assert ok(reply)["protocol"] == 1


def test_several_requests_in_one_write_are_all_answered(shoal):
    with shoal.connect() as c:
        c.send_bytes(b"".join(json.dumps({"id": i, "op": "hello"}).encode() + b"\n"
                              for i in range(50)))
        ids = sorted(c.read_reply()["id"] for _ in range(50))
        assert ids == list(range(50))


def test_a_request_split_across_writes_is_reassembled(shoal):
    with shoal.connect() as c:
        line = json.dumps({"id": "split", "op": "hello"}).encode() + b"\n"
        for i in range(len(line)):
            c.send_bytes(line[i:i + 1])
        reply = c.read_reply()
        assert reply["id"] == "split" and reply["ok"] is True


def test_a_client_that_closes_mid_line_does_not_hurt_the_daemon(shoal):
    c = Client(shoal.socket)
    c.send_bytes(b'{"id": 1, "op": "hel')
    c.close()
    assert_healthy(shoal)


def test_a_client_still_writing_after_a_too_long_line_gets_its_replies_and_the_refusal(shoal):
    # Replies it has not read yet back up behind the refusal; the client, still writing, must
    # not wait on a daemon that waits on it.
    ok(shoal.request({"op": "array_create", "name": "big", "typecode": "b", "length": 200000}))
    with shoal.connect(timeout=30) as c:
        c.send_bytes(b'{"op": "array_get", "name": "big"}\n' * 20)
        try:
            c.send_bytes(b'{"op": "hello", "pad": "' + b"x" * (MIB + 10) + b'"}\n')
            c.send_bytes(b'{"op": "hello"}\n' * 100000)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the daemon may have closed by the time the last bytes go
        replies = []
        while (line := c.read_line(timeout=30)) is not None:
            replies.append(json.loads(line))
        assert len(replies) == 21, [r.get("error") for r in replies]
        assert all(len(ok(r)["values"]) == 200000 for r in replies[:20])
        assert replies[20]["id"] is None and error_code(replies[20]) == "too_large"
    assert_healthy(shoal)
