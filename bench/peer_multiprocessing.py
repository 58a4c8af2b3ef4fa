#!/usr/bin/env python3
"""Python's multiprocessing and shoal side by side: a process started and joined, one at a
time, and a shared int incremented under its lock by 2 processes.

Shoal's side of the increments is bench_values' `values.contended_library` (common/shoal/
shared.hpp, in C++); bench/targets.py sets the two side by side.

    peer_multiprocessing.py --bin-dir BUILD [--rounds 5] [--fork 300] [--spawn 30]
                            [--increments 100000]"""

import argparse
import multiprocessing
import sys
import time

import measure
from measure import BenchError, Samples, timed
from private_shoald import PrivateShoald, request_line
from scratch import Scratch


def noop():
    pass


def start_join(context, count, samples):
    for _ in range(count):
        with timed(samples):
            p = context.Process(target=noop)
            p.start()
            p.join()
        if p.exitcode != 0:
            raise BenchError(f"a {context.get_start_method()} no-op process exited with {p.exitcode}")


def shoal_start_join(client, count, samples):
    start = request_line({"id": 1, "op": "start", "name": "noop", "argv": ["/bin/true"]})
    join = request_line({"id": 2, "op": "join", "name": "noop"})
    for _ in range(count):
        with timed(samples):
            started = client.round_trip(start)
            joined = client.round_trip(join)
        if b'"ok":true' not in started or b'"exitcode":0' not in joined:
            raise BenchError(f"start + join of /bin/true failed: {started[:200]!r} "
                             f"{joined[:200]!r}")


def increment(value, count):
    for _ in range(count):
        with value.get_lock():
            value.value += 1


def locked_increments(per_process):
    """2 processes, each `per_process` increments of one Value('i') under get_lock(): the
    multiprocessing tutorial's shared counter. Total increments per second."""
    context = multiprocessing.get_context("fork")
    value = context.Value("i", 0)
    workers = [context.Process(target=increment, args=(value, per_process)) for _ in range(2)]
    t0 = time.perf_counter_ns()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    ns = time.perf_counter_ns() - t0
    if any(w.exitcode != 0 for w in workers):
        raise BenchError("an incrementing process failed")
    if value.value != 2 * per_process:
        raise BenchError(f"the locked counter ended at {value.value}, not {2 * per_process}")
    return 2 * per_process * 1e9 / ns


def run(args):
    fork, spawn, shoal = Samples(), Samples(), Samples()
    fork_ctx = multiprocessing.get_context("fork")
    spawn_ctx = multiprocessing.get_context("spawn")
    with Scratch("mp") as scratch:
        with PrivateShoald(args.bin_dir, scratch.dir, scratch.marker) as shoald:
            client = shoald.client()
            for r in range(args.rounds):
                share = lambda n: n // args.rounds + (1 if r < n % args.rounds else 0)
                start_join(fork_ctx, share(args.fork), fork)
                start_join(spawn_ctx, share(args.spawn), spawn)
                shoal_start_join(client, share(args.fork), shoal)
            client.close()
    rate = locked_increments(args.increments)

    measure.title(f"Python {sys.version.split()[0]} multiprocessing and shoal "
                  f"side by side: {args.rounds} rounds (x_base: shoal / fork)")
    measure.latency_header()
    measure.latency("mp.fork_start_join", fork, None, "Process(target=noop) start + join, fork")
    measure.latency("mp.spawn_start_join", spawn, None, "Process(target=noop) start + join, spawn")
    measure.latency("mp.shoal_start_join", shoal, measure.ratio(shoal.median_us(), fork.median_us()),
                    "start + join of /bin/true over one connection (x fork)")
    measure.rate_header()
    measure.rate("mp.value_locked", rate, None,
                 f"2 processes x {args.increments}: with v.get_lock(): v.value += 1")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bin-dir", required=True, help="build directory holding shoald and shoal")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--fork", type=int, default=300, help="fork start+joins (and shoal's)")
    p.add_argument("--spawn", type=int, default=30, help="spawn start+joins")
    p.add_argument("--increments", type=int, default=100000, help="per process")
    args = p.parse_args()
    measure.main(lambda: run(args))


if __name__ == "__main__":
    main()
