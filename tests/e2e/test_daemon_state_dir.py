"""The state directory decides what the daemon creates, adopts and deletes: shoald uses it only
when it and its logs/ belong to the daemon's user and nobody else can write in them, and only
one live daemon uses it at a time. Runs as root (a foreign owner is `nobody`)."""

import os
import pwd
import stat

import pytest

from harness import ok


@pytest.fixture
def nobody():
    if os.geteuid() != 0:
        pytest.fail("this test gives directories to nobody and must run as root")
    return pwd.getpwnam("nobody").pw_uid


def refused(daemons, directory, state_dir=None):
    """Starts a daemon that must refuse to start; returns its stderr."""
    d = daemons.create(directory=directory)
    if state_dir:
        d.args[d.args.index("--state-dir") + 1] = state_dir
    d.expected_exit = 1
    d.replaced = True  # it made nothing for --cleanup to remove
    assert d.launch().wait(30) == 1, d.stderr()
    assert not os.path.exists(d.socket), "a refused daemon must not listen"
    return d.stderr()


def test_an_absent_state_directory_is_created_private(daemons):
    d = daemons()
    for path in (d.state_dir, os.path.join(d.state_dir, "logs")):
        st = os.lstat(path)
        assert stat.S_ISDIR(st.st_mode) and st.st_uid == os.geteuid(), path
        assert stat.S_IMODE(st.st_mode) == 0o700, (path, oct(st.st_mode))


@pytest.mark.parametrize("mode, who", [(0o777, "group and others"), (0o770, "group"),
                                       (0o703, "others")])
def test_a_state_directory_others_can_write_is_refused(daemons, mode, who):
    directory = daemons.new_dir()
    state_dir = os.path.join(directory, "state")
    os.mkdir(state_dir)
    os.chmod(state_dir, mode)
    err = refused(daemons, directory)
    assert f"refusing state directory '{state_dir}': its mode {mode:04o} lets {who} write in it" in err, err
    assert os.listdir(state_dir) == [], "nothing may be created in a refused directory"


def test_a_state_directory_of_another_user_is_refused(daemons, nobody):
    directory = daemons.new_dir()
    state_dir = os.path.join(directory, "state")
    os.mkdir(state_dir, 0o700)
    os.chown(state_dir, nobody, nobody)
    err = refused(daemons, directory)
    assert f"refusing state directory '{state_dir}': it belongs to uid {nobody}" in err, err
    assert os.listdir(state_dir) == []


def test_a_log_directory_others_can_write_or_own_is_refused(daemons, nobody):
    directory = daemons.new_dir()
    state_dir = os.path.join(directory, "state")
    logs = os.path.join(state_dir, "logs")
    os.makedirs(logs)
    os.chmod(state_dir, 0o700)
    os.chmod(logs, 0o775)
    err = refused(daemons, directory)
    assert f"refusing log directory '{logs}': its mode 0775 lets group write in it" in err, err
    os.chmod(logs, 0o700)
    os.chown(logs, nobody, nobody)
    err = refused(daemons, directory)
    assert f"refusing log directory '{logs}': it belongs to uid {nobody}" in err, err
    assert os.listdir(logs) == []


def test_a_log_directory_that_is_a_symlink_is_refused(daemons):
    directory = daemons.new_dir()
    state_dir = os.path.join(directory, "state")
    elsewhere = os.path.join(directory, "elsewhere")
    os.mkdir(state_dir, 0o700)
    os.mkdir(elsewhere, 0o700)
    os.symlink(elsewhere, os.path.join(state_dir, "logs"))
    err = refused(daemons, directory)
    assert f"refusing log directory '{state_dir}/logs': it is a symbolic link" in err, err
    assert os.listdir(elsewhere) == []


def test_a_second_daemon_on_the_same_state_directory_is_refused(daemons):
    first = daemons()
    other = daemons.new_dir()
    err = refused(daemons, other, state_dir=first.state_dir)
    assert (f"refusing to start: state directory '{first.state_dir}' is in use by a live "
            f"shoald (pid {first.pid})") in err, err
    assert ok(first.request({"op": "hello"}))["pid"] == first.pid
    with open(os.path.join(first.state_dir, "shoald.pid")) as f:
        assert f.read() == f"{first.pid}\n"
