#!/usr/bin/python3
"""The Python package beside multiprocessing, in the same run (docs/performance.md).

    python.spawn_baseline  multiprocessing (spawn): Process(target=noop).start(); .join()
    python.spawn           shoal: the same, the child started by a private shoald
    python.lock_baseline   multiprocessing: 2 processes x N of `with v.get_lock(): v.value += 1`
    python.lock            shoal: the same on a shoal.Value (the daemon's segment and named lock)
    python.lock_cpu[_baseline]  the CPU time both processes spent per increment: on a loaded
                           machine the wall time mostly measures the scheduler

Rounds alternate baseline and shoal; x_base = shoal's median / the baseline's median (1.00 is as
fast as multiprocessing, below 1 is faster). Both increment runs must end exactly at 2 x N.

    bench/bench_python.py [--shoald PATH] [--starts N] [--increments N] [--rounds R]
"""

import argparse
import multiprocessing
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

SOURCE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def compiled_package():
    """A copy of python/shoal with its bytecode, as an installed package has it (the source
    tree has none when PYTHONDONTWRITEBYTECODE is set); returns the directory to import from."""
    import compileall
    where = tempfile.mkdtemp(prefix="shoal-bench-py-", dir="/tmp")
    shutil.copytree(os.path.join(SOURCE_DIR, "python", "shoal"), os.path.join(where, "shoal"),
                    ignore=shutil.ignore_patterns("__pycache__"))
    compileall.compile_dir(os.path.join(where, "shoal"), quiet=1)
    return where


def noop():
    pass


def increment(counter, n, ready, times, slot):
    """Waits until both workers are ready, then n locked increments; records start, end and
    the CPU time spent."""
    with ready.get_lock():
        ready.value += 1
    while ready.value < 2:
        time.sleep(0.0005)
    cpu = time.process_time()
    started = time.perf_counter()
    for _ in range(n):
        with counter.get_lock():
            counter.value += 1
    times[3 * slot] = started
    times[3 * slot + 1] = time.perf_counter()
    times[3 * slot + 2] = time.process_time() - cpu


def spawn_round(module, count):
    samples = []
    for _ in range(count):
        t = time.perf_counter()
        p = module.Process(target=noop)
        p.start()
        p.join()
        samples.append(time.perf_counter() - t)
        assert p.exitcode == 0, p.exitcode
    return samples


def lock_round(module, n):
    """(wall seconds, CPU seconds of both workers) for 2 x n locked increments."""
    counter = module.Value("i", 0)
    ready = module.Value("i", 0)
    times = module.Array("d", 6, lock=False)
    workers = [module.Process(target=increment, args=(counter, n, ready, times, i))
               for i in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
        assert w.exitcode == 0, w.exitcode
    assert counter.value == 2 * n, f"lost increments: {counter.value} != {2 * n}"
    return max(times[1], times[4]) - min(times[0], times[3]), times[2] + times[5]


class PrivateDaemon:
    def __init__(self, shoald):
        self.dir = tempfile.mkdtemp(prefix="shoal-bench-", dir="/tmp")
        self.socket = os.path.join(self.dir, "s.sock")
        self.args = ["--socket", self.socket, "--state-dir", os.path.join(self.dir, "state")]
        self.shoald = shoald
        self.log = open(os.path.join(self.dir, "shoald.err"), "wb")
        self.proc = subprocess.Popen([shoald, *self.args], stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 10
        while True:
            try:
                import shoal
                self.hello = shoal.Client(self.socket).hello()
                return
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise SystemExit(f"bench_python: shoald did not start on {self.socket}")
                time.sleep(0.02)

    def close(self):
        """Stops the daemon and removes what it left; returns a list of problems."""
        problems = []
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            problems.append("shoald did not stop within 15 s of SIGTERM")
        subprocess.run([self.shoald, "--cleanup", *self.args], capture_output=True, timeout=30)
        for key, prefix in (("shm", ""), ("lock", "sem.")):
            path = "/dev/shm/" + prefix + self.hello[key].lstrip("/")
            if os.path.exists(path):
                problems.append(f"{path} left behind")
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)
        return problems


def row(key, samples, base, what, per_op=True):
    median = statistics.median(samples)
    p99 = sorted(samples)[min(len(samples) - 1, int(len(samples) * 0.99))]
    ratio = "-" if base is None else f"{median / statistics.median(base):.2f}"
    ops = f"{1 / median:.0f}" if per_op else "-"
    print(f"{key:<24} {median * 1e6:>11.1f} {p99 * 1e6:>11.1f} {ops:>11} {ratio:>9}  {what}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shoald", default=os.path.join(SOURCE_DIR, "build-bench", "shoald"))
    parser.add_argument("--starts", type=int, default=40, help="start+join per round")
    parser.add_argument("--increments", type=int, default=100000, help="per process per round")
    parser.add_argument("--rounds", type=int, default=4)
    opts = parser.parse_args()

    package = compiled_package()
    sys.path.insert(0, package)
    daemon = PrivateDaemon(opts.shoald)
    os.environ["SHOAL_SOCKET"] = daemon.socket
    import shoal
    spawn = multiprocessing.get_context("spawn")
    problems = []
    try:
        base_spawn, shoal_spawn, base_lock, shoal_lock = [], [], [], []
        for i in range(opts.rounds):
            # ABBA order, so that a drift in the machine's load weighs on both sides alike.
            pairs = [(spawn, base_spawn, base_lock), (shoal, shoal_spawn, shoal_lock)]
            for module, spawns, locks in (pairs if i % 2 == 0 else pairs[::-1]):
                spawns += spawn_round(module, opts.starts)
                locks.append(lock_round(module, opts.increments))
        print(f"python: multiprocessing beside shoal, {opts.rounds} alternating rounds "
              f"({opts.starts} start+join, 2 x {opts.increments} locked increments each)")
        print(f"{'figure':<24} {'median_us':>11} {'p99_us':>11} {'ops/s':>11} {'x_base':>9}  what")
        row("python.spawn_baseline", base_spawn, None,
            "multiprocessing spawn: start + join of a no-op target")
        row("python.spawn", shoal_spawn, base_spawn,
            "shoal.Process through shoald: start + join of a no-op target (x baseline)")
        per = 2 * opts.increments
        base_wall = [wall / per for wall, _ in base_lock]
        base_cpu = [cpu / per for _, cpu in base_lock]
        row("python.lock_baseline", base_wall, None,
            "multiprocessing Value: with v.get_lock(): v.value += 1, 2 processes (per increment)")
        row("python.lock", [wall / per for wall, _ in shoal_lock], base_wall,
            "shoal Value: the same, in the daemon's segment under a named lock (x baseline)")
        row("python.lock_cpu_baseline", base_cpu, None,
            "multiprocessing Value: CPU time of both processes per increment", per_op=False)
        row("python.lock_cpu", [cpu / per for _, cpu in shoal_lock], base_cpu,
            "shoal Value: CPU time of both processes per increment (x baseline)", per_op=False)
    finally:
        problems = daemon.close()
        shutil.rmtree(package, ignore_errors=True)
    for p in problems:
        print(f"bench_python: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
