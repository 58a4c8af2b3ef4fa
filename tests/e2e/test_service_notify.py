"""shoald reports readiness and shutdown to a service manager over NOTIFY_SOCKET: READY=1 once
it serves, STATUS= lines as processes come and go, STOPPING=1 on SIGTERM. Here the test plays
the manager with a datagram socket of its own."""

import os
import signal
import socket
import time
import uuid

import pytest

from harness import ok, quiet_for, wait_until


class Manager:
    """Collects notification datagrams, as systemd would."""

    def __init__(self, address, bind_to):
        self.address = address
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(bind_to)
        self.messages = []

    def next(self, timeout=10):
        """The next datagram's assignments as a dict; fails after `timeout` seconds."""
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            raise AssertionError(f"no notification within {timeout} s; got {self.messages}")
        fields = dict(line.split("=", 1) for line in data.decode().splitlines() if "=" in line)
        self.messages.append(fields)
        return fields

    def wait_for(self, key, timeout=10):
        deadline = time.monotonic() + timeout
        while True:
            fields = self.next(max(0.01, deadline - time.monotonic()))
            if key in fields:
                return fields

    def close(self):
        self.sock.close()


@pytest.fixture(params=["path", "abstract"])
def manager(request, tmp_dir):
    if request.param == "path":
        path = os.path.join(tmp_dir, "notify.sock")
        m = Manager(path, path)
    else:
        name = f"shoal-test-notify-{uuid.uuid4().hex}"
        m = Manager("@" + name, "\0" + name)
    yield m
    m.close()


def test_ready_after_listening_then_stopping_on_sigterm(daemons, manager):
    daemon = daemons.create()
    daemon.launch(env={"NOTIFY_SOCKET": manager.address})
    ready = manager.wait_for("READY")
    assert ready["READY"] == "1"
    # Ready means served: the first connection after READY=1 is answered.
    with daemon.connect() as c:
        daemon.hello = ok(c.request({"op": "hello"}))

    daemon.proc.send_signal(signal.SIGTERM)
    stopping = manager.wait_for("STOPPING")
    assert stopping["STOPPING"] == "1"
    assert daemon.proc.wait(15) == 0


def test_status_counts_running_and_exited_processes(daemons, manager):
    daemon = daemons.create()
    daemon.launch(env={"NOTIFY_SOCKET": manager.address})
    manager.wait_for("READY")
    daemon.wait_ready()
    daemon.spawn(["sleep", "60"], name="sleeper")
    daemon.spawn(["true"], name="quick")
    daemon.join("quick")

    def says_one_running_one_exited():
        fields = manager.next()
        return "STATUS" in fields and "1 running" in fields["STATUS"] \
            and "1 exited" in fields["STATUS"]

    wait_until(says_one_running_one_exited, timeout=10, interval=0, what="STATUS=1 running, 1 exited")
    # Sent when the counts change, not polled: idle, the daemon does not wake up for it.
    assert quiet_for(daemon.pid, 1.5) == 0
    daemon.request({"op": "kill", "name": "sleeper", "signal": "KILL"})
    wait_until(lambda: "0 running, 2 exited" in manager.next().get("STATUS", ""), timeout=10,
               interval=0, what="STATUS=0 running, 2 exited")


def test_children_do_not_inherit_the_notify_socket(daemons, manager):
    daemon = daemons.create()
    daemon.launch(env={"NOTIFY_SOCKET": manager.address})
    manager.wait_for("READY")
    daemon.wait_ready()
    daemon.spawn(["env"], name="printenv")
    daemon.join("printenv")
    with open(daemon.log_path("printenv")) as f:
        environment = f.read()
    assert "SHOAL_NAME=printenv" in environment  # the log is the child's environment
    assert "NOTIFY_SOCKET" not in environment
