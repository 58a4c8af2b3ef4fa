"""Drives the real shoald and shoal binaries for the end-to-end tests: everything a test
imports, from the modules that hold it (binaries, polling, procfs, protocol_client,
daemon_fixture), and the system set-up some tests need.
"""

import contextlib
import grp
import subprocess
import uuid

from binaries import (BIN_DIR, HELPERS_DIR, SANITIZER_MARKERS, SHOAL, SHOALD,  # noqa: F401
                      SOURCE_DIR, CliResult, clean_env, helper, require_binaries, run_cli)
from daemon_fixture import Daemon, DaemonFactory  # noqa: F401
from polling import wait_until  # noqa: F401
from procfs import (SLEEP_SYSCALLS, children_of, environ_entries, in_sleep_syscall,  # noqa: F401
                    is_keeper, kill_keeper, pid_alive, processes_with_env, quiet_for,
                    voluntary_switches, wait_asleep)
from protocol_client import Client, error_code, ok  # noqa: F401


def raise_nofile(wanted):
    """Raises this process's RLIMIT_NOFILE soft limit to at least `wanted` when allowed."""
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


__all__ = ["BIN_DIR", "SOURCE_DIR", "SHOALD", "SHOAL", "Client", "Daemon", "DaemonFactory",
           "CliResult", "run_cli", "clean_env", "wait_until", "wait_asleep", "in_sleep_syscall",
           "pid_alive", "children_of", "is_keeper", "kill_keeper",
           "processes_with_env", "ok", "error_code", "raise_nofile", "helper"]


@contextlib.contextmanager
def throwaway_group(prefix):
    """A system group that exists only inside the `with` block (root only)."""
    name = prefix + uuid.uuid4().hex[:10]
    created = subprocess.run(["groupadd", "--system", name], capture_output=True, text=True,
                             timeout=60)
    assert created.returncode == 0, created.stderr
    try:
        yield grp.getgrnam(name)
    finally:
        subprocess.run(["groupdel", name], capture_output=True, timeout=60)
