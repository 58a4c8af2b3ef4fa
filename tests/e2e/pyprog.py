"""Runs Python programs that use the shoal package (python/shoal) against a test's daemon.

A program is written to a test's temp directory and run by Debian's python3 with the package on
PYTHONPATH and SHOAL_SOCKET naming the test's daemon, as a user would run it.
"""

import json
import os
import subprocess
import textwrap

from harness import SOURCE_DIR, clean_env

PACKAGE_DIR = os.path.join(SOURCE_DIR, "python")
PYTHON = "/usr/bin/python3"


def program_env(shoal, extra=None):
    env = clean_env({"SHOAL_SOCKET": shoal.socket, "PYTHONPATH": PACKAGE_DIR})
    if extra:
        env.update(extra)
    return env


def write_program(directory, name, source):
    """Writes ``source`` (dedented) to directory/name and returns the path."""
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        f.write(textwrap.dedent(source).lstrip("\n"))
    return path


def run_program(shoal, path, *args, timeout=120, env=None, cwd=None):
    """Runs the program to its end; returns the CompletedProcess (text)."""
    return subprocess.run([PYTHON, path, *args], capture_output=True, text=True, timeout=timeout,
                          env=program_env(shoal, env), cwd=cwd or os.path.dirname(path),
                          stdin=subprocess.DEVNULL)


def start_program(shoal, path, *args, env=None, cwd=None):
    """Starts the program without waiting; stdout and stderr are pipes (text)."""
    return subprocess.Popen([PYTHON, path, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=program_env(shoal, env),
                            cwd=cwd or os.path.dirname(path), stdin=subprocess.DEVNULL)


def records(shoal, prefix=""):
    """The daemon's process records whose name starts with ``prefix``, by name."""
    reply = shoal.request({"op": "status"})
    assert reply["ok"], reply
    return {r["name"]: r for r in reply["result"]["processes"] if r["name"].startswith(prefix)}


def last_json_line(text):
    """The last line of ``text`` that is a JSON object (a program's report)."""
    for line in reversed(text.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise AssertionError(f"no JSON line in:\n{text}")
