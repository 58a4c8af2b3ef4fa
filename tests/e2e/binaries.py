"""Where the binaries under test are, and running the real shoal CLI."""

import json
import os
import subprocess

import pytest

BIN_DIR = os.environ.get("SHOAL_BIN_DIR", "")
SOURCE_DIR = os.environ.get(
    "SHOAL_SOURCE_DIR",
    os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
HELPERS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "helpers")
SHOALD = os.path.join(BIN_DIR, "shoald")
SHOAL = os.path.join(BIN_DIR, "shoal")

SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")


def clean_env(extra=None):
    """The test's environment without anything that could point a binary at another daemon."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOAL_")}
    env.pop("XDG_RUNTIME_DIR", None)
    if extra:
        env.update(extra)
    return env


class CliResult:
    def __init__(self, args, returncode, stdout, stderr):
        self.args = args
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr

    def json(self):
        return json.loads(self.stdout)

    def __repr__(self):
        return (f"shoal {' '.join(self.args)} -> {self.returncode}\n"
                f"stdout: {self.stdout!r}\nstderr: {self.stderr!r}")


def run_cli(args, timeout=30, env=None, input_bytes=None, cwd=None, leak_check=False):
    """Runs the real shoal CLI; fails the test on a sanitizer report or when it hangs.

    In a sanitizer build LeakSanitizer's check at exit costs every process about 70 ms here,
    over a third of the suite's time when each run of the CLI paid it. Leaks are looked for
    in the daemon (every test), in the client library (the unit tests) and in the CLI where
    `leak_check` asks (the CLI fuzzer, whose time is fixed); AddressSanitizer and
    UndefinedBehaviorSanitizer check every run."""
    env = clean_env(env)
    if not leak_check:
        env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":detect_leaks=0"
    proc = subprocess.run([SHOAL, *args], capture_output=True, timeout=timeout,
                          env=env, input=input_bytes, cwd=cwd,
                          stdin=None if input_bytes is not None else subprocess.DEVNULL)
    result = CliResult(list(args), proc.returncode, proc.stdout.decode(errors="replace"),
                       proc.stderr.decode(errors="replace"))
    for marker in SANITIZER_MARKERS:
        assert marker not in result.stderr, f"sanitizer report from the CLI: {result!r}"
    return result


def helper(name):
    return os.path.join(HELPERS_DIR, name)


def require_binaries():
    for path in (SHOALD, SHOAL):
        if not os.access(path, os.X_OK):
            pytest.fail(f"{path} is not built (SHOAL_BIN_DIR={BIN_DIR!r})")
