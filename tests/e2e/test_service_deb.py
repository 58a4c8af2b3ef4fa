"""packaging/build-deb.sh builds, from a tree of its own without tests, benchmarks or examples,
a package that lintian reports no error for; it installs the binaries (stripped, with the C++
runtime inside), units, man pages, completions for bash, zsh and fish, the segment library with
its CMake and pkg-config files and the Python package, and creates the `shoal` group; what it installs works; `dpkg --purge` leaves nothing behind.

Installs into the real system, so it needs root and a machine where shoal is neither installed
nor has a `shoal` group yet; whatever happens, it purges the package it installed."""

import glob
import grp
import os
import re
import shutil
import subprocess
import tempfile
import time

import pytest

from harness import SOURCE_DIR, clean_env

INSTALLED_FILES = [
    "/usr/sbin/shoald",
    "/usr/bin/shoal",
    "/usr/lib/systemd/system/shoald.service",
    "/usr/lib/systemd/system/shoald.socket",
    "/usr/lib/systemd/user/shoald.service",
    "/usr/lib/systemd/user/shoald.socket",
    "/usr/share/man/man1/shoal.1.gz",
    "/usr/share/man/man8/shoald.8.gz",
    "/usr/share/bash-completion/completions/shoal",
    "/usr/share/zsh/vendor-completions/_shoal",
    "/usr/share/fish/vendor_completions.d/shoal.fish",
    "/usr/share/doc/shoal/copyright",
    "/usr/share/doc/shoal/changelog.gz",
    "/usr/include/shoal/shared.hpp",
    "/usr/include/shoal/segment_layout.hpp",
    "/usr/share/cmake/shoal/shoal-config.cmake",
    "/usr/share/cmake/shoal/shoal-config-version.cmake",
    "/usr/share/cmake/shoal/shoal-targets.cmake",
    "/usr/share/pkgconfig/shoal.pc",
]

PYTHON_PACKAGE = "/usr/lib/python3/dist-packages/shoal"

# Uses the installed header the way a child program would; run outside shoald, it reports
# that it has no segment to map, which proves it compiled, linked and ran.
CONSUMER = r"""
#include <shoal/shared.hpp>
#include <cstdio>
int main() {
  try {
    auto shm = shoal::shared_memory::attach();
  } catch (const shoal::shared_error& e) {
    std::printf("consumer: %s\n", e.what());
    return 0;
  }
  return 1;
}
"""

CONSUMER_CMAKE = """
cmake_minimum_required(VERSION 3.25)
project(consumer CXX)
find_package(shoal 0.1 REQUIRED)
add_executable(consumer main.cpp)
target_link_libraries(consumer PRIVATE shoal::shared)
"""


def run(command, timeout=600, **kwargs):
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                          env=kwargs.pop("env", clean_env()), stdin=subprocess.DEVNULL, **kwargs)


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


@pytest.fixture(scope="module")
def package():
    """(the .deb, its build tree), built once for the module."""
    if os.geteuid() != 0:
        pytest.fail("the package test installs into the system and must run as root")
    for tool in ("lintian", "man", "zsh", "fish", "pkg-config"):
        if not shutil.which(tool):
            pytest.fail(f"{tool} is not installed; tests/install-deps.sh installs it")
    # A tree beside the others under build/, so that ccache (tests/run-all.sh sets it up) finds
    # there the objects the release tree already compiled with the same flags.
    trees = os.path.join(SOURCE_DIR, "build")
    build = tempfile.mkdtemp(prefix="package-test-",
                             dir=trees if os.access(trees, os.W_OK) else None)
    try:
        out = os.path.join(build, "deb")
        extra = {"SHOAL_PACKAGE_BUILD_DIR": build}
        if "SHOAL_WERROR" in os.environ:
            extra["SHOAL_WERROR"] = os.environ["SHOAL_WERROR"]
        proc = run([os.path.join(SOURCE_DIR, "packaging", "build-deb.sh"), out], timeout=2100,
                   env=clean_env(extra))
        assert proc.returncode == 0, f"build-deb.sh failed:\n{proc.stdout[-5000:]}\n{proc.stderr[-5000:]}"
        debs = glob.glob(os.path.join(out, "shoal_*.deb"))
        assert len(debs) == 1, f"expected one shoal_*.deb in {os.listdir(out)}"
        yield debs[0], build
    finally:
        shutil.rmtree(build, ignore_errors=True)


@pytest.fixture
def installed(package):
    """The package installed (and purged afterwards, whatever happened)."""
    deb, _ = package
    if package_state() != "not-installed":
        pytest.fail(f"package shoal is already known to dpkg ({package_state()}); "
                    "purge it first: dpkg --purge shoal")
    if group_exists("shoal"):
        pytest.fail("a 'shoal' group already exists, so the test cannot tell whether the "
                    "package creates it; remove it first: delgroup shoal")
    try:
        proc = dpkg("-i", deb)
        assert proc.returncode == 0, f"dpkg -i failed:\n{proc.stdout}\n{proc.stderr}"
        yield deb
    finally:
        if package_state() != "not-installed":
            dpkg("--purge", "shoal")
        if group_exists("shoal"):
            run(["groupdel", "shoal"])


def test_the_package_build_compiles_only_what_it_ships(package):
    _, build = package
    assert os.path.exists(os.path.join(build, "shoald"))
    built_extras = [p for p in ("tests/shoal_unit_tests", "salmon_run", "shared_counter")
                    if os.path.exists(os.path.join(build, p))]
    built_extras += glob.glob(os.path.join(build, "bench", "shoal_bench_*"))
    assert not built_extras, f"the package build compiled {built_extras}"
    with open(os.path.join(build, "CMakeCache.txt")) as f:
        cache = f.read()
    assert "SHOAL_BUILD_TESTS:BOOL=OFF" in cache and "CMAKE_BUILD_TYPE:STRING=Release" in cache


def test_lintian_reports_no_error(package):
    deb, _ = package
    proc = run(["lintian", "--fail-on", "error", "--no-tag-display-limit", deb], timeout=900)
    errors = [line for line in proc.stdout.splitlines() if line.startswith("E:")]
    assert proc.returncode == 0 and not errors, f"lintian:\n{proc.stdout}\n{proc.stderr}"


def test_the_control_fields_read_right(package):
    deb, _ = package
    info = run(["dpkg-deb", "--field", deb, "Package", "Maintainer", "Depends", "Description"])
    assert info.returncode == 0 and info.stdout.startswith("Package: shoal"), info.stdout
    assert "libc6" in info.stdout, f"shared-library dependencies are missing:\n{info.stdout}"
    assert "localhost" not in info.stdout
    description = info.stdout.split("Description: ", 1)[1].splitlines()
    assert description[0] == "process supervisor with shared values, arrays and a lock"
    for line in description[1:]:
        assert line.startswith(" ") and not line.startswith(" ;"), description
        assert len(line) <= 80, f"description line longer than 80 columns: {line!r}"
    sizes = {}
    with tempfile.TemporaryDirectory() as tree:
        assert run(["dpkg-deb", "-x", deb, tree]).returncode == 0
        for binary in ("usr/sbin/shoald", "usr/bin/shoal"):
            path = os.path.join(tree, binary)
            sections = run(["readelf", "-S", "-W", path]).stdout
            assert ".symtab" not in sections and ".debug_info" not in sections, \
                f"{binary} is not stripped"
            sizes[binary] = os.path.getsize(path)
    assert all(size < 4 << 20 for size in sizes.values()), sizes


def test_the_installed_package_works(installed):
    missing = [p for p in INSTALLED_FILES if not os.path.exists(p)]
    assert not missing, f"not installed: {missing}"
    assert group_exists("shoal"), "installing did not create the shoal group"
    with open("/usr/lib/systemd/system/shoald.service") as f:
        assert "ExecStart=/usr/sbin/shoald " in f.read()

    version = run(["/usr/sbin/shoald", "--version"])
    assert version.returncode == 0 and version.stdout.startswith("shoald "), version
    client = run(["/usr/bin/shoal", "--version"])
    assert client.returncode == 0 and client.stdout.startswith("shoal "), client
    # The CLI carries its C++ runtime, so a script's every `shoal` starts as fast as an exec;
    # the daemon starts once and shares the system's libstdc++ (docs/performance.md, memory).
    needed = needed_libraries("/usr/bin/shoal")
    assert not [lib for lib in needed if lib.startswith(("libstdc++", "libgcc_s"))], \
        f"/usr/bin/shoal loads the C++ runtime at start-up: {needed}"
    # Debian's python3 imports the package from where it was installed, compiled.
    imported = run(["/usr/bin/python3", "-c", "import shoal; print(shoal.__file__)"])
    assert imported.stdout == PYTHON_PACKAGE + "/__init__.py\n", imported
    assert os.path.isdir(os.path.join(PYTHON_PACKAGE, "__pycache__"))

    manual = run(["man", "-P", "cat", "shoal"], env=clean_env({"MANWIDTH": "80"}))
    assert manual.returncode == 0, manual.stderr
    words = " ".join(manual.stdout.split())  # man justifies lines with extra spaces
    assert "NAME shoal - start, join and stop processes" in words, manual.stdout[:500]
    daemon_manual = run(["man", "-P", "cat", "8", "shoald"])
    assert daemon_manual.returncode == 0 and "shoald" in daemon_manual.stdout

    with tempfile.TemporaryDirectory() as home:
        env = clean_env({"HOME": home, "PATH": "/usr/bin:/bin:/usr/sbin:/sbin"})
        bash = run(["bash", "-c", "source /usr/share/bash-completion/completions/shoal && "
                    "complete -p shoal && COMP_WORDS=(shoal sta) COMP_CWORD=1 && _shoal && "
                    "echo \"${COMPREPLY[*]}\""], env=env)
        assert bash.returncode == 0 and bash.stderr == "", bash
        assert "complete -F _shoal shoal" in bash.stdout and "start status" in bash.stdout, bash

        # Debian's zsh searches vendor-completions: compinit finds _shoal by its #compdef.
        zsh = run(["zsh", "-f", "-c", "autoload -Uz compinit && compinit -u -d $HOME/zcompdump && "
                   "print -r -- $_comps[shoal] && zsh -n /usr/share/zsh/vendor-completions/_shoal"],
                  env=env)
        assert zsh.returncode == 0 and zsh.stderr == "", zsh
        assert zsh.stdout.strip() == "_shoal", zsh

        # fish loads vendor_completions.d on its own; complete -C asks what Tab would offer.
        fish = run(["fish", "-c", "complete -C'shoal sta'; complete -C'shoal start --env-'"], env=env)
        assert fish.returncode == 0 and fish.stderr == "", fish
        offered = [line.split("\t")[0] for line in fish.stdout.splitlines()]
        assert {"start", "status", "--env-file"} <= set(offered), fish

    with tempfile.TemporaryDirectory() as work:
        with open(os.path.join(work, "main.cpp"), "w") as f:
            f.write(CONSUMER)
        flags = run(["pkg-config", "--cflags", "--libs", "shoal"])
        assert flags.returncode == 0 and "-pthread" in flags.stdout, flags
        built = run(["sh", "-c", "g++ -std=c++20 main.cpp $(pkg-config --cflags --libs shoal) -o by-pc"],
                    cwd=work)
        assert built.returncode == 0, built
        ran = run([os.path.join(work, "by-pc")])
        assert ran.returncode == 0 and ran.stdout.startswith("consumer: "), ran

        with open(os.path.join(work, "CMakeLists.txt"), "w") as f:
            f.write(CONSUMER_CMAKE)
        configured = run(["cmake", "-S", work, "-B", os.path.join(work, "build")], timeout=300)
        assert configured.returncode == 0, configured
        built = run(["cmake", "--build", os.path.join(work, "build")], timeout=300)
        assert built.returncode == 0, built
        ran = run([os.path.join(work, "build", "consumer")])
        assert ran.returncode == 0 and ran.stdout.startswith("consumer: "), ran


def test_the_package_installs_removes_and_purges_cleanly(installed):
    deb = installed
    assert package_state() == "installed"
    # Configuring again (an upgrade, a reinstall) must cope with the group it made.
    again = dpkg("-i", deb)
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
    dpkg("-i", deb)
    run(["groupdel", "shoal"])
    purged = dpkg("--purge", "shoal")
    assert purged.returncode == 0, f"purge without the group failed:\n{purged.stderr}"
