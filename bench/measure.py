"""Samples, whole-command timing and the row format of the peer benchmarks.

Rows look exactly like those of the C++ benchmarks (bench/report.cpp): a stable key first, so
that bench/run.sh, bench/smoke.sh and bench/targets.py find a figure by its key."""

import math
import os
import shutil
import signal
import sys
import time


class Samples:
    """Latencies in nanoseconds; nearest-rank percentiles like bench/samples.cpp."""

    def __init__(self):
        self.ns = []
        self.wall_ns = 0

    def add(self, ns):
        self.ns.append(ns)

    def percentile_us(self, p):
        if not self.ns:
            return 0.0
        ordered = sorted(self.ns)
        rank = min(max(math.ceil(p / 100.0 * len(ordered)), 1), len(ordered))
        return ordered[rank - 1] / 1000.0

    def median_us(self):
        return self.percentile_us(50)

    def p99_us(self):
        return self.percentile_us(99)

    def ops_per_s(self):
        return len(self.ns) * 1e9 / self.wall_ns if self.wall_ns > 0 else 0.0


class timed:
    """`with timed(samples):` adds the block's duration."""

    def __init__(self, samples):
        self.samples = samples

    def __enter__(self):
        self.t0 = time.perf_counter_ns()
        return self

    def __exit__(self, *exc):
        if exc[0] is None:
            ns = time.perf_counter_ns() - self.t0
            self.samples.add(ns)
            self.samples.wall_ns += ns
        return False


def run_command(argv, env):
    """Runs argv to completion with output discarded; its wait status's exit code, or -signal.

    posix_spawn + waitpid, as a shell would, so that the figure is the command's whole life:
    exec, dynamic loading, its work and its exit."""
    devnull = os.open(os.devnull, os.O_RDWR)
    try:
        pid = os.posix_spawn(argv[0], argv, env, file_actions=[
            (os.POSIX_SPAWN_DUP2, devnull, 0), (os.POSIX_SPAWN_DUP2, devnull, 1),
            (os.POSIX_SPAWN_DUP2, devnull, 2)])
    finally:
        os.close(devnull)
    _, wstatus = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(wstatus)


def time_command(argv, env, samples):
    t0 = time.perf_counter_ns()
    code = run_command(argv, env)
    ns = time.perf_counter_ns() - t0
    if code != 0:
        raise BenchError(f"{' '.join(argv)} exited with {code}")
    samples.add(ns)
    samples.wall_ns += ns


def find_programs(names, search_path=None):
    """{name: absolute path} of a peer's programs, looked up in search_path (PATH-style; None
    for $PATH), and the list of names not found."""
    found = {n: shutil.which(n, path=search_path) for n in names}
    return found, [n for n, p in found.items() if p is None]


class BenchError(Exception):
    """What could not be measured and why; the benchmark prints it and exits 1."""


def title(text):
    print(f"\n{text}", flush=True)


def latency_header():
    print(f"{'figure':<30} {'median_us':>11} {'p99_us':>11} {'ops/s':>11} {'x_base':>9}  what")


def latency(key, samples, ratio, note):
    """ratio: this row / its baseline; None prints '-' (the row is a baseline)."""
    rate = f"{samples.ops_per_s():.0f}" if samples.ops_per_s() > 0 else "-"
    ratio_text = f"{ratio:.2f}" if ratio is not None else "-"
    print(f"{key:<30} {samples.median_us():11.1f} {samples.p99_us():11.1f} {rate:>11} "
          f"{ratio_text:>9}  {note}", flush=True)


def rate_header():
    print(f"{'figure':<30} {'ops/s':>11} {'ns/op':>11} {'x_base':>9}  what")


def rate(key, ops_per_s, slowdown, note):
    """slowdown: this row's time per op / the baseline's; None prints '-'."""
    ns = 1e9 / ops_per_s if ops_per_s > 0 else 0.0
    ratio_text = f"{slowdown:.2f}" if slowdown is not None else "-"
    print(f"{key:<30} {ops_per_s:11.0f} {ns:11.1f} {ratio_text:>9}  {note}", flush=True)


def quantity_header():
    print(f"{'figure':<30} {'value':>14} {'unit':<6} what")


def quantity(key, value, unit, note):
    print(f"{key:<30} {value:14.1f} {unit:<6} {note}", flush=True)


def unavailable(key, why):
    """The row of a figure that could not be measured on this machine: smoke tests accept it,
    bench/targets.py reports it as not measured."""
    print(f"{key:<30} {'unavailable':>14}  {why}", flush=True)


def ratio(a, b):
    return a / b if b else float("inf")


def _quit(signo, _frame):
    raise SystemExit(128 + signo)


def main(body):
    """Runs body() and turns a BenchError into one line on stderr and exit code 1.

    SIGTERM and SIGHUP unwind like Ctrl-C, so every daemon a benchmark started is torn down by
    its `with` block before the process exits."""
    signal.signal(signal.SIGTERM, _quit)
    signal.signal(signal.SIGHUP, _quit)
    try:
        body()
    except BenchError as e:
        print(f"{os.path.basename(sys.argv[0])}: {e}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
