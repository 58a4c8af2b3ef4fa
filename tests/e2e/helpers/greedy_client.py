"""A client of shoald that asks and never reads: it sends its requests, prints "sent" (or "cut"
when the daemon closed the connection first) and then holds the connection, unread, until its
standard input closes.

usage: greedy_client.py SOCKET MODE COUNT
  MODE  array_get:NAME  COUNT requests for the whole array NAME
        join:NAME       COUNT joins of the process NAME
        partial         COUNT bytes of one request line that never ends
"""

import json
import socket
import sys


def payload(mode, count):
    if mode == "partial":
        return b'{"op": "hello", "pad": "' + b"p" * count
    op, _, name = mode.partition(":")
    if op not in ("array_get", "join") or not name:
        sys.exit(f"greedy_client.py: unknown mode {mode!r}")
    return b"".join(json.dumps({"id": i, "op": op, "name": name}).encode() + b"\n"
                    for i in range(count))


def main():
    path, mode, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    data = payload(mode, count)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(path)
    try:
        sock.sendall(data)
        print("sent", flush=True)
    except (BrokenPipeError, ConnectionResetError):
        print("cut", flush=True)
    sys.stdin.read()
    sock.close()


if __name__ == "__main__":
    main()
