"""Many clients at once."""

import select
import time

from harness import ok, raise_nofile

CLIENTS = 200


def test_200_clients_connected_at_once_are_all_served(shoal):
    raise_nofile(CLIENTS + 100)
    clients = [shoal.connect(timeout=30) for _ in range(CLIENTS)]
    try:
        ids = [c.send({"id": f"client-{i}", "op": "hello"}) for i, c in enumerate(clients)]
        for c, request_id in zip(clients, ids):
            reply = c.reply_for(request_id, timeout=30)
            assert ok(reply)["pid"] == shoal.pid
        # Every connection is still open and served a second time.
        for c in clients:
            c.send({"op": "status"})
        for c in clients:
            assert ok(c.read_reply(timeout=30)) == {"processes": []}
    finally:
        for c in clients:
            c.close()
    assert ok(shoal.request({"op": "hello"}))["pid"] == shoal.pid


def test_idle_clients_do_not_block_others(shoal):
    idle = [shoal.connect() for _ in range(20)]
    try:
        idle[0].send_bytes(b'{"id": 1, "op": "hel')  # half a line, never finished
        began = time.monotonic()
        assert ok(shoal.request({"op": "hello"}))
        assert time.monotonic() - began < 5
    finally:
        for c in idle:
            c.close()


def test_a_client_that_never_reads_does_not_block_others(shoal):
    greedy = shoal.connect()
    try:
        # Enough requests that the replies overflow the socket buffer unread.
        greedy.sock.setblocking(False)
        line = b'{"op": "hello"}\n' * 2000
        sent = 0
        deadline = time.monotonic() + 5
        while sent < len(line) and time.monotonic() < deadline:
            _, writable, _ = select.select([], [greedy.sock], [], 0.1)
            if writable:
                try:
                    sent += greedy.sock.send(line[sent:])
                except BlockingIOError:
                    pass
        began = time.monotonic()
        with shoal.connect() as other:
            assert ok(other.request({"op": "hello"}, timeout=10))
        assert time.monotonic() - began < 5
    finally:
        greedy.close()
    assert ok(shoal.request({"op": "hello"}))
