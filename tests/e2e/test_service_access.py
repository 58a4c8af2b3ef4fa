"""Access control by peer credentials: a root daemon serves root and members of its
--allow-group, and answers anyone else with one permission_denied before hanging up.

Runs as root: clients are forked as `nobody` with chosen groups, and a throwaway group is
created for the test and deleted afterwards. The socket file is opened to everyone so that the
daemon's own check, not the file mode, is what is tested."""

import json
import os
import subprocess
import sys

import pytest

from harness import clean_env, ok, error_code, throwaway_group

NOBODY = 65534

# Sends COUNT hellos one after the other, printing its pid and uid, then each reply line; after
# a refusal, "EOF" when the daemon hung up (or what else it sent).
CLIENT = r"""
import json, os, socket, sys
path, count = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(10)
s.connect(path)
print(json.dumps({"pid": os.getpid(), "uid": os.getuid()}), flush=True)
replies = s.makefile("rb")
try:
    for i in range(1, count + 1):
        try:
            s.sendall(b'{"id": %d, "op": "hello"}\n' % i)
        except OSError:
            pass  # a refusal may already have hung up; its reply is still there to read
        line = replies.readline()
        if not line:
            print("EOF")
            break
        print(line.decode().rstrip("\n"), flush=True)
        if not json.loads(line)["ok"]:
            try:
                rest = replies.readline()
            except ConnectionResetError:
                rest = b""  # closed with our unread request still queued on its side
            print("EOF" if not rest else "MORE " + rest.decode().rstrip("\n"))
            break
except socket.timeout:
    print("TIMEOUT")
"""


def run_client_as(socket_path, uid, gid, groups, count=1):
    proc = subprocess.run([sys.executable, "-c", CLIENT, socket_path, str(count)],
                          user=uid, group=gid, extra_groups=groups,
                          capture_output=True, text=True, timeout=30, env=clean_env(),
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, f"client failed: {proc.stderr}"
    lines = proc.stdout.splitlines()
    me = json.loads(lines[0])
    replies = [json.loads(line) for line in lines[1:] if line.startswith("{")]
    return me, replies, lines[-1]


@pytest.fixture
def operators():
    """A group that exists only for this test."""
    if os.geteuid() != 0:
        pytest.fail("the access-control test forks clients as nobody and must run as root")
    with throwaway_group("shoalt") as group:
        yield group


@pytest.fixture
def open_daemon(daemons, operators):
    daemon = daemons.create(args=("--allow-group", operators.gr_name))
    daemon.start()
    os.chmod(daemon.dir, 0o755)
    os.chmod(daemon.socket, 0o666)
    return daemon


def test_a_stranger_gets_permission_denied_and_is_closed(open_daemon):
    me, replies, last = run_client_as(open_daemon.socket, NOBODY, NOBODY, [])
    assert len(replies) == 1, replies
    assert error_code(replies[0]) == "permission_denied"
    assert replies[0]["id"] is None or replies[0]["id"] == 1
    assert last == "EOF", "the daemon must close the connection after refusing"
    log = open_daemon.stderr()
    refusals = [line for line in log.splitlines()
                if f"pid {me['pid']}" in line and f"uid {NOBODY}" in line]
    assert refusals, f"no log line names the refused peer (pid {me['pid']}):\n{log}"
    # The daemon goes on serving everyone else.
    assert ok(open_daemon.request({"op": "hello"}))["pid"] == open_daemon.pid


def test_a_supplementary_member_of_the_allowed_group_is_served(open_daemon, operators):
    _, replies, _ = run_client_as(open_daemon.socket, NOBODY, NOBODY, [operators.gr_gid],
                                  count=2)
    assert [r["id"] for r in replies] == [1, 2], replies
    assert all(ok(r)["pid"] == open_daemon.pid for r in replies)


def test_a_primary_member_of_the_allowed_group_is_served(open_daemon, operators):
    _, replies, _ = run_client_as(open_daemon.socket, NOBODY, operators.gr_gid, [])
    assert replies and ok(replies[0])["protocol"] == 1


def test_root_is_served_without_any_group(open_daemon):
    result = open_daemon.cli("status", "--json")
    assert result.returncode == 0, result
