"""The default runtime directory of a non-root daemon may live where other users can write
first ($XDG_RUNTIME_DIR, or /tmp/shoal-UID): shoald uses it only when it owns it and nobody
else can enter it. Runs as root and starts the daemon as `nobody`."""

import os
import shutil
import subprocess
import tempfile

import pytest

NOBODY = 65534


def shoald():
    return os.path.join(os.environ["SHOAL_BIN_DIR"], "shoald")


def run_as_nobody(args, runtime_dir, timeout):
    env = {"PATH": "/usr/bin:/bin", "XDG_RUNTIME_DIR": runtime_dir}
    return subprocess.run(
        ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "--",
         shoald(), *args],
        env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def runtime_dir():
    if os.geteuid() != 0:
        pytest.fail("this test must run as root: it starts shoald as nobody")
    base = tempfile.mkdtemp(prefix="shoal-rt-", dir="/tmp")
    os.chmod(base, 0o777)
    yield base
    shutil.rmtree(base, ignore_errors=True)


def test_a_runtime_dir_made_by_someone_else_is_refused(runtime_dir):
    planted = os.path.join(runtime_dir, "shoal")
    os.mkdir(planted)
    os.chmod(planted, 0o777)  # root's, open to all: someone could swap the socket
    r = run_as_nobody([], runtime_dir, timeout=10)
    assert r.returncode == 1, r.stderr
    assert f"'{planted}' must be a directory owned by uid {NOBODY}" in r.stderr
    assert os.listdir(planted) == []


def test_a_runtime_dir_of_our_own_is_created_private_and_used(runtime_dir):
    proc = subprocess.Popen(
        ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "--", shoald()],
        env={"PATH": "/usr/bin:/bin", "XDG_RUNTIME_DIR": runtime_dir},
        stderr=subprocess.PIPE, text=True)
    sock = os.path.join(runtime_dir, "shoal", "shoal.sock")
    try:
        for _ in range(200):
            if os.path.exists(sock):
                break
            if proc.poll() is not None:
                break
            subprocess.run(["sleep", "0.05"])
        assert os.path.exists(sock), "shoald did not create its socket"
        st = os.stat(os.path.join(runtime_dir, "shoal"))
        assert st.st_uid == NOBODY
        assert st.st_mode & 0o777 == 0o700
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        run_as_nobody(["--cleanup"], runtime_dir, timeout=10)
    assert proc.returncode == 0, proc.stderr.read()
