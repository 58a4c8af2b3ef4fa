"""`cpack -G DEB` builds a package that installs the binaries (stripped, with the C++ runtime
inside), units, man pages, completion and the Python package, creates the `shoal` group, and
leaves nothing behind after `dpkg --purge`.

Installs into the real system, so it needs root and a machine where shoal is neither installed
nor has a `shoal` group yet; whatever happens, it purges the package it installed."""

import glob
import grp
import os
import re
import subprocess
import tempfile
import time

import pytest

from harness import BIN_DIR, clean_env, require_binaries

INSTALLED_FILES = [
    "/usr/sbin/shoald",
    "/usr/bin/shoal",
    "/usr/lib/systemd/system/shoald.service",
    "/usr/lib/systemd/system/shoald.socket",
    "/usr/lib/systemd/user/shoald.service",
    "/usr/lib/systemd/user/shoald.socket",
    "/usr/share/man/man1/shoal.1",
    "/usr/share/man/man8/shoald.8",
    "/usr/share/bash-completion/completions/shoal",
    "/usr/lib/python3/dist-packages/shoal/__init__.py",
    "/usr/lib/python3/dist-packages/shoal/_child.py",
]
PYTHON_PACKAGE = "/usr/lib/python3/dist-packages/shoal"


def run(command, timeout=600):
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                          env=clean_env(), stdin=subprocess.DEVNULL)


def dpkg(*args):
    """dpkg, retried while another package operation holds the dpkg lock (bounded)."""
    deadline = time.monotonic() + 120
    while True:
        proc = run(["dpkg", *args], timeout=300)
        if proc.returncode == 0 or "lock" not in proc.stderr or time.monotonic() > deadline:
            return proc
        time.sleep(1)


def needed_libraries(path):
    out = run(["readelf", "-d", "-W", path]).stdout
    return re.findall(r"Shared library: \[([^\]]+)\]", out)


def package_state():
    proc = run(["dpkg-query", "-W", "-f=${db:Status-Status}", "shoal"])
    return proc.stdout.strip() if proc.returncode == 0 else "not-installed"


def group_exists(name):
    try:
        grp.getgrnam(name)
        return True
    except KeyError:
        return False


@pytest.fixture
def deb_file():
    require_binaries()
    if os.geteuid() != 0:
        pytest.fail("the package test installs into the system and must run as root")
    if package_state() != "not-installed":
        pytest.fail(f"package shoal is already known to dpkg ({package_state()}); "
                    "purge it first: dpkg --purge shoal")
    if group_exists("shoal"):
        pytest.fail("a 'shoal' group already exists, so the test cannot tell whether the "
                    "package creates it; remove it first: delgroup shoal")
    with tempfile.TemporaryDirectory(prefix="shoal-deb-") as out:
        proc = run(["cpack", "-G", "DEB", "-B", out,
                    "--config", os.path.join(BIN_DIR, "CPackConfig.cmake")], timeout=1200)
        assert proc.returncode == 0, f"cpack failed:\n{proc.stdout}\n{proc.stderr}"
        debs = glob.glob(os.path.join(out, "shoal_*.deb"))
        assert len(debs) == 1, f"expected one shoal_*.deb in {os.listdir(out)}"
        try:
            yield debs[0]
        finally:
            if package_state() != "not-installed":
                dpkg("--purge", "shoal")
            if group_exists("shoal"):
                run(["groupdel", "shoal"])


def test_the_package_installs_removes_and_purges_cleanly(deb_file):
    info = run(["dpkg-deb", "--field", deb_file, "Package", "Depends"])
    assert info.returncode == 0 and info.stdout.startswith("Package: shoal"), info.stdout
    assert "libc6" in info.stdout, f"shared-library dependencies are missing:\n{info.stdout}"

    installed = dpkg("-i", deb_file)
    assert installed.returncode == 0, f"dpkg -i failed:\n{installed.stdout}\n{installed.stderr}"
    assert package_state() == "installed"
    missing = [p for p in INSTALLED_FILES if not os.path.exists(p)]
    assert not missing, f"not installed: {missing}"
    assert group_exists("shoal"), "installing did not create the shoal group"
    with open("/usr/lib/systemd/system/shoald.service") as f:
        assert "ExecStart=/usr/sbin/shoald " in f.read()
    version = run(["/usr/sbin/shoald", "--version"])
    assert version.returncode == 0 and version.stdout.startswith("shoald "), version
    # Debian's python3 imports the package from where it was installed, compiled.
    imported = run(["/usr/bin/python3", "-c", "import shoal; print(shoal.__file__)"])
    assert imported.stdout == PYTHON_PACKAGE + "/__init__.py\n", imported
    assert os.path.isdir(os.path.join(PYTHON_PACKAGE, "__pycache__"))
    for binary in ("/usr/sbin/shoald", "/usr/bin/shoal"):
        sections = run(["readelf", "-S", "-W", binary])
        assert sections.returncode == 0, sections.stderr
        assert ".symtab" not in sections.stdout and ".debug_info" not in sections.stdout, \
            f"{binary} is not stripped"
        needed = needed_libraries(binary)
        # A sanitizer build keeps the shared C++ runtime its interceptors expect.
        if not any(lib.startswith("libasan") for lib in needed):
            assert not [lib for lib in needed if lib.startswith(("libstdc++", "libgcc_s"))], \
                f"{binary} loads the C++ runtime at start-up: {needed}"

    # Configuring again (an upgrade, a reinstall) must cope with the group it made.
    again = dpkg("-i", deb_file)
    assert again.returncode == 0, f"reinstalling failed:\n{again.stdout}\n{again.stderr}"

    removed = dpkg("-r", "shoal")
    assert removed.returncode == 0, f"dpkg -r failed:\n{removed.stdout}\n{removed.stderr}"
    left = [p for p in INSTALLED_FILES + [PYTHON_PACKAGE] if os.path.exists(p)]
    assert not left, f"left behind by dpkg -r: {left}"
    assert group_exists("shoal"), "dpkg -r keeps the group; only --purge removes it"

    purged = dpkg("--purge", "shoal")
    assert purged.returncode == 0, f"dpkg --purge failed:\n{purged.stdout}\n{purged.stderr}"
    assert package_state() == "not-installed"
    assert not group_exists("shoal"), "purging did not remove the shoal group"

    # Purging a package whose group someone already deleted must not fail either.
    dpkg("-i", deb_file)
    run(["groupdel", "shoal"])
    purged = dpkg("--purge", "shoal")
    assert purged.returncode == 0, f"purge without the group failed:\n{purged.stderr}"
