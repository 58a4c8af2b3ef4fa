"""The Python package installed as a user would, without network: `pip install
--no-build-isolation` into a virtual environment and into a --target directory, and
`cmake --install` into Debian's module directories. Each installed copy runs a program whose
child, started by shoald, imports the package from the same place."""

import json
import os
import shutil
import subprocess

from harness import BIN_DIR, clean_env
from pyprog import PACKAGE_DIR, PYTHON, write_program

PROGRAM = """
    import json, shoal
    from shoal import Array, Process

    def child(where):
        where.value = shoal.__file__.encode()

    if __name__ == "__main__":
        where = Array("c", 4096)
        p = Process(target=child, args=(where,))
        p.start()
        p.join()
        print(json.dumps({"file": shoal.__file__, "child": where.value.decode(),
                          "exitcode": p.exitcode}))
"""


def run(argv, env=None, timeout=300, cwd=None):
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, cwd=cwd,
                          env=clean_env(env), stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, f"{argv} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    return proc


def source_copy(tmp_dir):
    """A copy of python/, so that pip's build leaves the source tree alone."""
    copy = os.path.join(tmp_dir, "src")
    shutil.copytree(PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__", "build",
                                                                      "*.egg-info"))
    return copy


def check_program(shoal, tmp_dir, python, where, pythonpath=None):
    path = write_program(tmp_dir, "installed.py", PROGRAM)
    env = {"SHOAL_SOCKET": shoal.socket, "PYTHONNOUSERSITE": "1"}
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    result = run([python, path], env=env, cwd=tmp_dir, timeout=120)
    report = json.loads(result.stdout.splitlines()[-1])
    installed = os.path.join(where, "shoal", "__init__.py")
    # The child, started by shoald, ran from the same installed copy.
    assert report == {"file": installed, "child": installed, "exitcode": 0}, report


def test_pip_into_a_virtual_environment(shoal, tmp_dir):
    venv = os.path.join(tmp_dir, "venv")
    # Debian's pip and setuptools come from the system site; nothing is downloaded.
    run([PYTHON, "-m", "venv", "--without-pip", "--system-site-packages", venv])
    python = os.path.join(venv, "bin", "python")
    run([python, "-m", "pip", "install", "--no-build-isolation", "--no-index", "--quiet",
         source_copy(tmp_dir)])
    site = run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]).stdout.strip()
    assert site.startswith(venv)
    check_program(shoal, tmp_dir, python, site)


def test_pip_into_a_target_directory(shoal, tmp_dir):
    target = os.path.join(tmp_dir, "target")
    run([PYTHON, "-m", "pip", "install", "--no-build-isolation", "--no-index", "--quiet",
         "--target", target, source_copy(tmp_dir)])
    assert os.path.isdir(os.path.join(target, "shoal-0.1.0.dist-info"))
    check_program(shoal, tmp_dir, PYTHON, target, pythonpath=target)


def test_cmake_install_puts_it_where_debians_python_looks(shoal, tmp_dir):
    for prefix, module_dir in (("usr", "lib/python3/dist-packages"),
                               ("usr/local", f"lib/python3.{PYTHON_MINOR}/dist-packages")):
        root = os.path.join(tmp_dir, prefix)
        run(["cmake", "--install", BIN_DIR, "--prefix", root])
        where = os.path.join(root, module_dir)
        assert sorted(f for f in os.listdir(os.path.join(where, "shoal")) if f.endswith(".py")) == \
            sorted(f for f in os.listdir(os.path.join(PACKAGE_DIR, "shoal")) if f.endswith(".py"))
    check_program(shoal, tmp_dir, PYTHON, os.path.join(tmp_dir, "usr", "lib/python3/dist-packages"),
                  pythonpath=os.path.join(tmp_dir, "usr", "lib/python3/dist-packages"))


PYTHON_MINOR = subprocess.run([PYTHON, "-c", "import sys; print(sys.version_info[1])"],
                              capture_output=True, text=True, check=True).stdout.strip()
