"""The systemd units pass `systemd-analyze verify` without a single warning about them.

Each unit is verified as installed, except that ExecStart names the shoald just built (verify
checks that the binary exists) and the man pages named by Documentation= are the ones in
docs/man (verify looks them up with man(1))."""

import os
import shutil
import subprocess

import pytest

from harness import SHOALD, SOURCE_DIR, clean_env, require_binaries

UNITS = {
    "system": ["shoald.service", "shoald.socket"],
    "user": ["shoald.service", "shoald.socket"],
}


def unit_source(scope, name):
    sub = "" if scope == "system" else "user"
    return os.path.join(SOURCE_DIR, "systemd", sub, name)


@pytest.fixture
def work_dir(tmp_path):
    man = tmp_path / "man"
    for section, page in (("1", "shoal.1"), ("8", "shoald.8")):
        (man / f"man{section}").mkdir(parents=True)
        shutil.copy(os.path.join(SOURCE_DIR, "docs", "man", page), man / f"man{section}" / page)
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    return tmp_path


def copy_units(scope, directory):
    directory.mkdir()
    paths = []
    for name in UNITS[scope]:
        with open(unit_source(scope, name)) as f:
            text = f.read()
        if name.endswith(".service"):
            assert "ExecStart=/usr/sbin/shoald" in text, f"{scope} {name} must run /usr/sbin/shoald"
            text = text.replace("ExecStart=/usr/sbin/shoald", f"ExecStart={SHOALD}")
        path = directory / name
        path.write_text(text)
        paths.append(str(path))
    return paths


@pytest.mark.parametrize("scope", ["system", "user"])
def test_every_unit_verifies_without_warnings(work_dir, scope):
    require_binaries()
    paths = copy_units(scope, work_dir / scope)
    command = ["systemd-analyze", *(["--user"] if scope == "user" else []), "verify", *paths]
    env = clean_env({"MANPATH": str(work_dir / "man"),
                     "XDG_RUNTIME_DIR": str(work_dir / "runtime"),
                     "HOME": str(work_dir)})
    proc = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env,
                          stdin=subprocess.DEVNULL)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"{' '.join(command)} exited {proc.returncode}:\n{output}"
    # verify exits 0 on unknown keys and bad values; it only says so. Anything it says about
    # our units is a defect (lines about the host's own units are not ours to fix).
    ours = [line for line in output.splitlines()
            if "shoald" in line or str(work_dir) in line]
    assert not ours, f"systemd-analyze verify complained about the {scope} units:\n" + \
        "\n".join(ours)


def test_the_service_and_socket_agree_on_the_essentials():
    with open(unit_source("system", "shoald.service")) as f:
        service = f.read()
    with open(unit_source("system", "shoald.socket")) as f:
        socket_unit = f.read()
    # KillMode=process and Restart=always: the keeper and the children survive a crash of
    # shoald, and the restarted shoald adopts them (docs/restore.md).
    for line in ("Type=notify", "KillMode=process", "Restart=always", "RuntimeDirectory=shoal",
                 "StateDirectory=shoal", "ProtectSystem=strict", "PrivateTmp=yes",
                 "NoNewPrivileges=yes", "RestrictAddressFamilies=AF_UNIX", "UMask=0077",
                 "Also=shoald.socket", "--allow-group shoal"):
        assert line in service, f"shoald.service lacks {line}"
    # /dev/shm holds the shared segment that every process on the host must see.
    for line in ("PrivateDevices=yes", "PrivateIPC=yes"):
        assert line not in service, f"shoald.service must not set {line}"
    for line in ("ListenStream=/run/shoal/shoal.sock", "SocketMode=0660", "SocketGroup=shoal"):
        assert line in socket_unit, f"shoald.socket lacks {line}"
    with open(unit_source("user", "shoald.socket")) as f:
        assert "ListenStream=%t/shoal/shoal.sock" in f.read()
