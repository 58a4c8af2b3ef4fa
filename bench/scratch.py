"""One temp directory and one environment marker per peer benchmark; when the benchmark ends,
however it ends, no process carrying the marker and no file of the directory remains."""

import os
import shutil
import tempfile

from measure import BenchError
import proc_stats


class Scratch:
    """`with Scratch("s6") as s:` s.dir (short: Unix socket paths stay under 108 bytes) and
    s.marker, a NAME=VALUE every daemon started for the benchmark gets in its environment."""

    def __init__(self, name):
        self.name = name

    def __enter__(self):
        self.dir = tempfile.mkdtemp(prefix=f"shoal-{self.name}-", dir="/tmp")
        self.marker = f"BENCH_RUN_DIR={self.dir}"
        return self

    def __exit__(self, *exc):
        # Each daemon was stopped by pid in its own teardown; this only catches what escaped.
        left = proc_stats.kill_leftovers(self.marker)
        shutil.rmtree(self.dir, ignore_errors=True)
        if left and exc[0] is None:
            raise BenchError(f"processes {left} of the {self.name} benchmark were still running "
                             "after its teardown (now killed)")
        return False

    def service_program(self):
        """A program that runs until it is stopped. Shoal and its peer both run this file, so
        the work after their fork is the same on both sides."""
        path = os.path.join(self.dir, "service")
        with open(path, "w") as f:
            f.write("#!/bin/sh\nexec sleep 100000\n")
        os.chmod(path, 0o755)
        return path

    def env(self, base=None):
        env = dict(os.environ if base is None else base)
        env.update([self.marker.split("=", 1)])
        return env
