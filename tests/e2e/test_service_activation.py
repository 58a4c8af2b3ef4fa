"""Socket activation: shoald serves a listening socket it inherits (LISTEN_FDS/LISTEN_PID), as
under shoald.socket, instead of binding its own. systemd-socket-activate plays systemd."""

import os
import signal
import subprocess

import pytest

from harness import SHOALD, Daemon, clean_env, ok


class ActivatedDaemon(Daemon):
    """A shoald whose socket systemd-socket-activate creates at `self.socket`; shoald itself is
    pointed at another path, which must stay unused."""

    def __init__(self, directory):
        super().__init__(directory)
        self.unused_socket = os.path.join(directory, "unused.sock")
        self.args[self.args.index(self.socket)] = self.unused_socket

    def launch(self, env=None):
        self._stderr_file = open(self.stderr_path, "ab")
        self.proc = subprocess.Popen(
            ["systemd-socket-activate", "-l", self.socket, "--fdname=shoald.socket",
             SHOALD, *self.args],
            stdin=subprocess.DEVNULL, stdout=self._stderr_file, stderr=self._stderr_file,
            env=clean_env(env))
        return self.proc


@pytest.fixture
def activated(daemons):
    daemon = ActivatedDaemon(daemons.new_dir())
    daemons.daemons.append(daemon)
    daemon.start()
    return daemon


def test_the_inherited_socket_is_served(activated):
    # systemd-socket-activate execs shoald: the socket's owner is the daemon itself.
    assert ok(activated.request({"op": "hello"}))["pid"] == activated.pid
    assert not os.path.exists(activated.unused_socket), \
        "shoald bound its own socket although it was handed one"
    record = activated.spawn(["sh", "-c", "exit 7"], name="seven")
    assert activated.join(record["name"])["exitcode"] == 7
    result = activated.cli("status", "--json")
    assert result.returncode == 0, result
    assert [p["name"] for p in result.json()["processes"]] == ["seven"]


def test_children_see_neither_the_activation_variables_nor_the_socket(activated):
    activated.spawn(["sh", "-c", "env; ls /proc/self/fd"], name="inspect")
    activated.join("inspect")
    with open(activated.log_path("inspect")) as f:
        output = f.read()
    assert "SHOAL_NAME=inspect" in output
    for variable in ("LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"):
        assert variable not in output, f"a child inherited {variable}:\n{output}"
    descriptors = sorted(line for line in output.splitlines() if line.isdigit())
    # 3 is the directory ls opened to list them; an inherited socket would push it to 4.
    assert descriptors == ["0", "1", "2", "3"], output


def test_sigterm_leaves_the_socket_to_its_owner(activated):
    activated.spawn(["sleep", "60"], name="sleeper")
    activated.proc.send_signal(signal.SIGTERM)
    assert activated.proc.wait(15) == 0
    # The service manager owns the socket file and keeps it for the next activation.
    assert os.path.exists(activated.socket)


def test_descriptors_meant_for_another_process_are_refused(daemons):
    daemon = daemons.create()
    daemon.expected_exit = 1
    proc = daemon.launch(env={"LISTEN_PID": "1", "LISTEN_FDS": "1"})
    assert proc.wait(15) == 1
    assert "LISTEN_PID" in daemon.stderr()
    assert not os.path.exists(daemon.socket)
