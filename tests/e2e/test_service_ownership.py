"""A caller never gains privileges through the daemon: what a peer that is not root starts runs
as that peer, with its groups and its account's environment; it may stop, kill, remove and read
the logs of its own processes only; and a daemon that is not root starts nothing for another
uid. A refused connection and a socket the caller may not open both say so plainly.

Runs as root (it fails otherwise): the member is the real `shoal` CLI forked as `nobody` with a
throwaway group that the daemon's --allow-group lets in; the group is deleted afterwards."""

import json
import os
import pwd
import socket
import subprocess

import pytest

from harness import SHOAL, CliResult, clean_env, error_code, ok, throwaway_group, wait_until


@pytest.fixture
def nobody():
    if os.geteuid() != 0:
        pytest.fail("the ownership tests fork clients and daemons as nobody and must run as root")
    return pwd.getpwnam("nobody")


@pytest.fixture
def operators(nobody):
    """A group that exists only for this test."""
    with throwaway_group("shoalo") as group:
        yield group


@pytest.fixture
def shared(daemons, operators):
    """A root daemon that serves the members of `operators`, on a socket anyone may open, so
    that the daemon's own rules, not the file mode, are what is tested."""
    daemon = daemons.create(args=("--allow-group", operators.gr_name))
    daemon.start()
    os.chmod(daemon.dir, 0o755)
    os.chmod(daemon.socket, 0o666)
    return daemon


def shoal_as(account, socket_path, *args, groups=()):
    """The real CLI, run as `account` with the supplementary `groups`, from /."""
    proc = subprocess.run([SHOAL, "--socket", socket_path, *args],
                          user=account.pw_uid, group=account.pw_gid, extra_groups=list(groups),
                          cwd="/", capture_output=True, text=True, timeout=30, env=clean_env(),
                          stdin=subprocess.DEVNULL)
    return CliResult(list(args), proc.returncode, proc.stdout, proc.stderr)


def proc_status(pid):
    with open(f"/proc/{pid}/status") as f:
        return dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)


def read_log(daemon, name, lines):
    """The first `lines` lines the process `name` wrote to stdout, once it has written them."""
    def ready():
        try:
            with open(daemon.log_path(name)) as f:
                text = f.read()
        except FileNotFoundError:
            return None
        return text.splitlines()[:lines] if text.count("\n") >= lines else None
    return wait_until(ready, 10, what=f"'{name}' to print {lines} lines")


SHOW_IDENTITY = 'id -u; id -g; id -G; echo "$HOME|$USER|$LOGNAME|$SHELL"; exec sleep 300'


def test_a_members_process_runs_as_that_member_with_its_account(shared, operators, nobody):
    member = lambda *args: shoal_as(nobody, shared.socket, *args, groups=[operators.gr_gid])
    started = member("--json", "start", "--name", "mine", "--", "/bin/sh", "-c", SHOW_IDENTITY)
    assert started.returncode == 0, started.stderr
    record = started.json()
    assert (record["user"], record["uid"]) == ("nobody", nobody.pw_uid)
    assert record["gid"] == nobody.pw_gid
    assert record["argv"] == ["/bin/sh", "-c", SHOW_IDENTITY]

    uid, gid, groups, account = read_log(shared, "mine", 4)
    assert (int(uid), int(gid)) == (nobody.pw_uid, nobody.pw_gid)
    # The groups the database gives nobody: never root's, nor any the daemon has.
    assert sorted(int(g) for g in groups.split()) == sorted(
        set(os.getgrouplist("nobody", nobody.pw_gid)))
    assert "0" not in groups.split()
    assert account == f"{nobody.pw_dir}|nobody|nobody|{nobody.pw_shell}"
    ids = proc_status(record["pid"])
    assert ids["Uid"].split() == [str(nobody.pw_uid)] * 4
    assert ids["Gid"].split() == [str(nobody.pw_gid)] * 4

    # Its own process is its own to read, stop and remove.
    logs = member("logs", "mine")
    assert logs.returncode == 0 and logs.stdout.splitlines()[0] == str(nobody.pw_uid), logs
    stopped = member("stop", "mine", "--timeout", "5")
    assert stopped.returncode == 0, stopped.stderr
    removed = member("remove", "mine")
    assert removed.returncode == 0, removed.stderr
    assert ok(shared.request({"op": "status"}))["processes"] == []


def test_a_member_cannot_touch_roots_processes(shared, operators, nobody):
    member = lambda *args: shoal_as(nobody, shared.socket, *args, groups=[operators.gr_gid])
    web = shared.spawn(["/bin/sh", "-c", "echo secret; exec sleep 300"], name="web")
    assert (web["user"], web["uid"]) == ("root", 0)
    done = shared.spawn(["/bin/sh", "-c", "echo also secret"], name="done")
    assert shared.join("done")["exitcode"] == 0
    read_log(shared, "web", 1)

    for args, action, name in ((("stop", "web"), "stop", "web"),
                               (("kill", "web", "--signal", "TERM"), "signal", "web"),
                               (("logs", "web"), "read the logs of", "web"),
                               (("logs", "done"), "read the logs of", "done"),
                               (("remove", "done"), "remove", "done"),
                               (("start", "--name", "done", "--", "true"), "replace", "done")):
        refused = member(*args)
        assert refused.returncode == 1, (args, refused.stdout, refused.stderr)
        assert refused.stderr.startswith(
            f"shoal: permission_denied: unable to {action} '{name}': it belongs to 'root' "
            "(uid 0)"), refused.stderr
        assert "secret" not in refused.stdout

    # Nothing happened to root's processes or their logs.
    assert shared.record("web")["state"] == "running"
    assert shared.record("done")["state"] == "exited"
    assert shared.record("done")["argv"] == ["/bin/sh", "-c", "echo also secret"]
    with open(shared.log_path("done")) as f:
        assert f.read() == "also secret\n"
    # Root acts on everything, the member's processes included.
    assert member("start", "--name", "theirs", "--", "sleep", "300").returncode == 0
    assert shared.cli("stop", "theirs", "web").returncode == 0


def test_status_shows_whose_each_process_is(shared, operators, nobody):
    shared.spawn(["sleep", "300"], name="a-roots")
    started = shoal_as(nobody, shared.socket, "start", "--name", "b-theirs", "--", "sleep", "300",
                       groups=[operators.gr_gid])
    assert started.returncode == 0, started.stderr

    table = shared.cli("status")
    assert table.returncode == 0, table
    header, *rows, summary = table.stdout.splitlines()
    assert header.split()[:4] == ["NAME", "USER", "PID", "STATE"]
    assert [row.split()[:2] for row in rows] == [["a-roots", "root"], ["b-theirs", "nobody"]]
    assert summary == "2 running"
    records = shared.cli("--json", "status").json()["processes"]
    assert [(r["name"], r["user"], r["uid"]) for r in records] == [
        ("a-roots", "root", 0), ("b-theirs", "nobody", nobody.pw_uid)]
    assert shared.cli("stop", "a-roots", "b-theirs").returncode == 0


def test_a_refused_peer_is_told_permission_denied_not_broken_pipe(shared, nobody):
    # Not in the group: refused at connect. The refusal races the client's first write, so it
    # is asked many times; every answer must be the refusal.
    for attempt in range(20):
        for args in (("ping",), ("status",), ("stop", "a", "b")):
            refused = shoal_as(nobody, shared.socket, *args)
            assert refused.returncode == 1, (attempt, args, refused.stdout, refused.stderr)
            assert refused.stderr.startswith("shoal: permission_denied: uid "), refused.stderr
            assert "not a member of group" in refused.stderr
            assert "Broken pipe" not in refused.stderr and "start it" not in refused.stderr


def test_a_refused_raw_client_reads_the_reply_then_eof_never_a_reset(shared, nobody):
    script = r"""
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(10)
s.connect(sys.argv[1])
replies = s.makefile("rb")
first = replies.readline()              # the refusal, sent before we asked anything
s.sendall(b'{"id": 1, "op": "hello"}\n')  # the daemon still reads, so this does not fail
rest = s.recv(100)                      # EOF; a reset would raise ConnectionResetError
print(json.dumps({"first": first.decode(), "rest": rest.decode()}))
"""
    proc = subprocess.run(["python3", "-c", script, shared.socket], user=nobody.pw_uid,
                          group=nobody.pw_gid, extra_groups=[], capture_output=True, text=True,
                          timeout=30, env=clean_env(), stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(proc.stdout)
    refusal = json.loads(seen["first"])
    assert error_code(refusal) == "permission_denied" and refusal["id"] is None
    assert seen["rest"] == ""


def test_a_socket_the_caller_may_not_open_names_the_path_and_allow_group(daemons, nobody):
    daemon = daemons()  # its socket is 0600: nobody cannot even connect
    os.chmod(daemon.dir, 0o755)
    denied = shoal_as(nobody, daemon.socket, "ping")
    assert denied.returncode == 3, denied
    assert denied.stderr.startswith(
        f"shoal: cannot connect to shoald at {daemon.socket}: permission denied on that socket"), \
        denied.stderr
    assert "--allow-group" in denied.stderr
    assert "start it with" not in denied.stderr


def test_a_daemon_that_is_not_root_starts_nothing_for_another_uid(daemons, nobody, tmp_dir):
    directory = os.path.join(tmp_dir, "d")
    os.mkdir(directory, 0o700)
    os.chown(directory, nobody.pw_uid, nobody.pw_gid)
    os.chmod(tmp_dir, 0o755)
    daemon = daemons.create(directory=directory, user=nobody).start()
    assert ok(daemon.request({"op": "hello"}))["pid"] == daemon.pid

    # Root is served (it may talk to any daemon) but nothing runs for it as nobody.
    refused = daemon.cli("start", "--name", "roots", "--", "/bin/sh", "-c", "touch /tmp/x")
    assert refused.returncode == 1, refused
    assert refused.stderr.startswith(
        "shoal: permission_denied: shoald runs as 'nobody' (uid 65534) and cannot start a "
        "process as 'root' (uid 0)"), refused.stderr
    assert ok(daemon.request({"op": "status"}))["processes"] == []

    # Its own user is served as before, and its processes run as that user.
    own = shoal_as(nobody, daemon.socket, "--json", "start", "--name", "own", "--", "id", "-u")
    assert own.returncode == 0, own.stderr
    assert own.json()["user"] == "nobody"
    assert daemon.join("own")["exitcode"] == 0
    assert read_log(daemon, "own", 1) == [str(nobody.pw_uid)]


def test_a_member_cannot_start_or_take_the_name_of_roots_declared_program(daemons, operators,
                                                                          nobody):
    d = daemons.new_dir()
    path = os.path.join(d, "programs.json")
    with open(path, "w") as f:
        json.dump({"programs": {"web": {"argv": ["sleep", "300"], "autostart": False}}}, f)
    daemon = daemons(directory=d, args=["--programs", path, "--allow-group", operators.gr_name])
    os.chmod(d, 0o755)
    os.chmod(daemon.socket, 0o666)
    member = lambda *args: shoal_as(nobody, daemon.socket, *args, groups=[operators.gr_gid])

    as_declared = member("start", "--name", "web")
    assert as_declared.returncode == 1, as_declared
    assert as_declared.stderr.startswith(
        "shoal: permission_denied: unable to start 'web': it belongs to 'root' (uid 0)"), \
        as_declared.stderr
    squatted = member("start", "--name", "web", "--", "sleep", "300")
    assert squatted.returncode == 1, squatted
    assert "the programs file declares that name" in squatted.stderr
    assert ok(daemon.request({"op": "status"}))["processes"] == []

    # Root starts it as declared; it is root's, and the member may not stop it.
    assert daemon.cli("start", "--name", "web").returncode == 0
    assert daemon.record("web")["user"] == "root"
    assert member("stop", "web").returncode == 1
    assert daemon.record("web")["state"] == "running"


def test_a_member_enters_its_working_directory_as_itself(shared, operators, nobody, tmp_dir):
    # tmp_dir is root's, mode 0700; inside it a world-readable directory and file that nobody
    # cannot reach, since it may not pass through tmp_dir.
    hidden = os.path.join(tmp_dir, "pub")
    os.mkdir(hidden, 0o755)
    with open(os.path.join(hidden, "file"), "w") as f:
        f.write("hidden\n")
    os.chmod(os.path.join(hidden, "file"), 0o644)
    os.chmod(tmp_dir, 0o700)
    member = lambda *args: shoal_as(nobody, shared.socket, *args, groups=[operators.gr_gid])

    sneaky = member("start", "--name", "sneaky", "--cwd", hidden, "--", "cat", "./file")
    assert sneaky.returncode == 0, sneaky.stderr
    ended = shared.join("sneaky")
    assert ended["exitcode"] != 0, ended
    assert ended["cwd"] == hidden
    with open(shared.log_path("sneaky")) as f:
        assert "hidden" not in f.read()
    with open(shared.log_path("sneaky", "err")) as f:
        assert "can't cd to " + hidden in f.read()

    # A directory it may enter is entered, and the program is found from there.
    os.chmod(tmp_dir, 0o711)
    allowed = member("start", "--name", "allowed", "--cwd", hidden, "--", "cat", "./file")
    assert allowed.returncode == 0, allowed.stderr
    assert shared.join("allowed")["exitcode"] == 0
    with open(shared.log_path("allowed")) as f:
        assert f.read() == "hidden\n"


def test_a_members_variables_reach_its_program_but_never_the_root_side_of_setpriv(
        shared, operators, nobody):
    # LD_DEBUG makes the dynamic loader report on stderr for every program it loads while
    # set: the member's program must be reported, setpriv (still root) never.
    member = lambda *args: shoal_as(nobody, shared.socket, *args, groups=[operators.gr_gid])
    started = member("start", "--name", "envy", "--env", "LD_DEBUG=files", "--env",
                     "GREETING=hi there", "--env", "HOME=/chosen", "--", "env")
    assert started.returncode == 0, started.stderr
    assert shared.join("envy")["exitcode"] == 0
    with open(shared.log_path("envy")) as f:
        environ = f.read().splitlines()
    for entry in ("LD_DEBUG=files", "GREETING=hi there", "HOME=/chosen", "USER=nobody", "PWD=/"):
        assert entry in environ, (entry, environ)
    assert len(environ) == len({e.split("=", 1)[0] for e in environ}), "a name twice"
    assert not [e for e in environ if e.startswith("OLDPWD=")], environ
    assert not [e for e in environ if e.startswith("__shoal_env_")], environ
    with open(shared.log_path("envy", "err")) as f:
        loader = f.read()
    assert "needed by env" in loader, loader
    assert "setpriv" not in loader, loader

    # A name the shell after setpriv could not pass on is refused, not quietly dropped.
    dotted = member("start", "--name", "dotted", "--env", "dotted.name=1", "--", "env")
    assert dotted.returncode == 1, dotted
    assert dotted.stderr.startswith("shoal: bad_request: --env/--env-file: variable 'dotted.name'")
    assert ok(shared.request({"op": "status", "names": ["envy"]}))["processes"]
    assert error_code(shared.request({"op": "status", "names": ["dotted"]})) == "not_found"
