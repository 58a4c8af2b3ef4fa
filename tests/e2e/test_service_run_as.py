"""`start` with `user`/`group`: root may run a process as another account (behind setpriv,
as declared programs do), anyone else who may talk to the daemon is refused and nothing starts.

Runs as root (it fails otherwise): the refused peer is the real `shoal` CLI forked as `nobody`
with a throwaway group that the daemon's --allow-group lets in; the group is deleted after."""

import grp
import os
import pwd
import subprocess

import pytest

from harness import SHOAL, clean_env, error_code, ok, throwaway_group, wait_until


def status_ids(pid):
    """The real uid and gid of `pid`, from /proc/PID/status."""
    with open(f"/proc/{pid}/status") as f:
        fields = dict(line.split(":", 1) for line in f if ":" in line)
    return int(fields["Uid"].split()[0]), int(fields["Gid"].split()[0])


@pytest.fixture
def nobody():
    if os.geteuid() != 0:
        pytest.fail("starting a process as another user needs the test (and shoald) to run as root")
    return pwd.getpwnam("nobody")


@pytest.fixture
def operators(nobody):
    """A group that exists only for this test."""
    with throwaway_group("shoalr") as group:
        yield group


# Its ids, then the account's environment, which comes from the target user's passwd entry.
IDS_AND_ACCOUNT = 'id -u; id -g; echo "$HOME|$USER|$LOGNAME|$SHELL"; sleep 5'


def test_root_starts_a_process_as_nobody(shoal, nobody):
    started = shoal.cli("--json", "start", "--name", "as-nobody", "--user", "nobody", "--",
                        "/bin/sh", "-c", IDS_AND_ACCOUNT)
    assert started.returncode == 0, started
    record = started.json()
    # Who it runs as, resolved: the user's name and its primary group's.
    assert (record["user"], record["uid"]) == ("nobody", nobody.pw_uid)
    assert (record["group"], record["gid"]) == (grp.getgrgid(nobody.pw_gid).gr_name, nobody.pw_gid)
    assert record["argv"] == ["/bin/sh", "-c", IDS_AND_ACCOUNT]

    def printed():
        with open(shoal.log_path("as-nobody")) as f:
            text = f.read()
        return text if text.count("\n") >= 3 else None
    out = wait_until(printed, 10, what="the child to print its ids")
    assert out.splitlines() == [str(nobody.pw_uid), str(nobody.pw_gid),
                                f"{nobody.pw_dir}|nobody|nobody|{nobody.pw_shell}"]
    assert status_ids(record["pid"]) == (nobody.pw_uid, nobody.pw_gid)
    assert shoal.record("as-nobody")["user"] == "nobody"

    stopped = shoal.cli("stop", "as-nobody")
    assert stopped.returncode == 0, stopped


def test_a_group_replaces_the_users_primary_group(shoal, nobody):
    record = shoal.spawn(["/bin/sh", "-c", "id -u; id -g; id -G"], name="grouped",
                         user=str(nobody.pw_uid), group="root")
    assert (record["user"], record["group"], record["gid"]) == ("nobody", "root", 0)
    assert shoal.join("grouped")["exitcode"] == 0
    with open(shoal.log_path("grouped")) as f:
        uid, gid, groups = f.read().splitlines()
    assert (int(uid), int(gid)) == (nobody.pw_uid, 0)
    assert "0" in groups.split()


def test_unknown_accounts_are_refused_by_name(shoal):
    user = shoal.cli("start", "--name", "ghost", "--user", "no-such-user-shoal", "--", "true")
    assert user.returncode == 1, user
    assert "no user named 'no-such-user-shoal'" in user.stderr
    group = shoal.request({"op": "start", "name": "ghost", "argv": ["true"],
                           "group": "no-such-group-shoal"})
    assert error_code(group) == "bad_request"
    assert "no group named 'no-such-group-shoal'" in group["error"]["message"]
    assert ok(shoal.request({"op": "status"}))["processes"] == []


def test_a_peer_that_is_not_root_may_not_choose_the_user(daemons, operators, tmp_dir, nobody):
    daemon = daemons.create(args=("--allow-group", operators.gr_name))
    daemon.start()
    os.chmod(daemon.dir, 0o755)
    os.chmod(daemon.socket, 0o666)
    os.chmod(tmp_dir, 0o777)  # so that a process started as anyone could leave its mark
    marker = os.path.join(tmp_dir, "ran")

    def shoal_as_nobody(*args):
        proc = subprocess.run([SHOAL, "--socket", daemon.socket, *args],
                              user=nobody.pw_uid, group=nobody.pw_gid,
                              extra_groups=[operators.gr_gid], cwd="/", capture_output=True,
                              text=True, timeout=30, env=clean_env(), stdin=subprocess.DEVNULL)
        return proc

    for option, value in (("--user", "nobody"), ("--user", "root"), ("--group", "root")):
        refused = shoal_as_nobody("--json", "start", "--name", "sneaky", option, value, "--",
                                  "/bin/sh", "-c", f"touch {marker}")
        assert refused.returncode == 1, (option, refused.stdout, refused.stderr)
        assert "permission_denied" in refused.stdout + refused.stderr, refused.stderr
        assert "only root may start a process as another user" in refused.stdout + refused.stderr

    assert ok(daemon.request({"op": "status"}))["processes"] == []
    assert not os.path.exists(marker)
    # The same peer is served otherwise: the refusal is of the user, not of the connection.
    allowed = shoal_as_nobody("ping")
    assert allowed.returncode == 0, allowed.stderr
