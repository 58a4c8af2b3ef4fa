"""Fixtures for the end-to-end tests: every test gets its own daemon(s) in its own temp dir."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import DaemonFactory, require_binaries  # noqa: E402


@pytest.fixture
def daemons():
    """Starts daemons on demand (`daemons()` or `daemons.create(...)` to launch by hand);
    fails the test if any of them leaves something behind."""
    require_binaries()
    factory = DaemonFactory()
    yield factory
    problems = factory.teardown()
    if problems:
        pytest.fail("teardown found problems:\n  " + "\n  ".join(problems))


@pytest.fixture
def shoal(daemons):
    """One running daemon, answering hello."""
    return daemons()


@pytest.fixture
def tmp_dir(daemons):
    """A short private directory under /tmp, removed after the test."""
    return daemons.new_dir()
