"""A raw protocol connection to shoald, and reading its replies."""

import json
import select
import socket
import time


class Client:
    """A raw connection to the daemon: send lines or bytes, read replies, match them by id."""

    def __init__(self, path, timeout=10):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.buffer = b""
        self.pending = {}
        self.next_id = 1000
        self.closed_by_peer = False

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send_bytes(self, data):
        self.sock.sendall(data)

    def send(self, message):
        """Sends one request object (an "id" is added when missing); returns the id."""
        if "id" not in message:
            message = {"id": self.next_id, **message}
            self.next_id += 1
        self.send_bytes(json.dumps(message).encode() + b"\n")
        return message["id"]

    def read_line(self, timeout=10):
        """The next raw reply line, or None when the daemon closed the connection."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no reply within {timeout} s")
            ready, _, _ = select.select([self.sock], [], [], remaining)
            if not ready:
                continue
            try:
                chunk = self.sock.recv(65536)
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                self.closed_by_peer = True
                if self.buffer:
                    raise AssertionError(f"connection closed mid-line: {self.buffer[:200]!r}")
                return None
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line

    def read_reply(self, timeout=10):
        """The next reply, whatever its id, as a dict (fails if the connection closed)."""
        line = self.read_line(timeout)
        assert line is not None, "the daemon closed the connection instead of replying"
        reply = json.loads(line.decode("utf-8"))
        assert isinstance(reply, dict) and "id" in reply and "ok" in reply, reply
        return reply

    def reply_for(self, request_id, timeout=10):
        """The reply to `request_id`, keeping replies to other ids for later."""
        deadline = time.monotonic() + timeout
        key = json.dumps(request_id)
        while key not in self.pending:
            reply = self.read_reply(max(0.0, deadline - time.monotonic()))
            self.pending[json.dumps(reply["id"])] = reply
        return self.pending.pop(key)

    def request(self, message, timeout=10):
        return self.reply_for(self.send(message), timeout)

    def expect_closed(self, timeout=10):
        """Asserts the daemon closes the connection (EOF) within `timeout`."""
        line = self.read_line(timeout)
        assert line is None, f"expected the connection to close, got {line[:200]!r}"


def ok(reply):
    assert reply.get("ok") is True, f"expected success, got {reply}"
    return reply["result"]


def error_code(reply):
    assert reply.get("ok") is False, f"expected an error, got {reply}"
    err = reply["error"]
    assert isinstance(err.get("code"), str) and isinstance(err.get("message"), str), reply
    assert err["message"], f"an error needs a message: {reply}"
    return err["code"]
