#!/usr/bin/env python3
"""s6 and shoal side by side: status as a whole command, one service up and down, 100 services
up and down, and the supervisor's memory and wake-ups while idle.

s6 runs on a private scan directory in a temp directory (never the system's), is stopped by
pid, and both sides run the same service program. Rounds alternate between s6 and shoal so
that load from elsewhere on the machine falls on both alike.

    peer_s6.py --bin-dir BUILD [--rounds 5] [--commands 40] [--services 100] [--idle 3]"""

import argparse
import os
import signal
import subprocess
import time

import measure
from measure import BenchError, Samples, timed
import proc_stats
from private_shoald import PrivateShoald
from scratch import Scratch

S6_PROGRAMS = ("s6-svscan", "s6-supervise", "s6-svstat", "s6-svc", "s6-svwait")


class PrivateSvscan:
    """s6-svscan on its own scan directory: N services, each down until told otherwise."""

    def __init__(self, scratch, names, program, s6):
        self.scan_dir = os.path.join(scratch.dir, "scan")
        self.names = names
        self.program = program
        self.s6 = s6
        # s6-svscan runs s6-supervise from its PATH.
        self.env = scratch.env()
        self.env["PATH"] = os.path.dirname(s6["s6-supervise"]) + os.pathsep + self.env.get("PATH", "")
        self.proc = None

    def service(self, name):
        return os.path.join(self.scan_dir, name)

    def __enter__(self):
        for name in self.names:
            d = self.service(name)
            os.makedirs(d)
            os.symlink(self.program, os.path.join(d, "run"))
            open(os.path.join(d, "down"), "w").close()
        log = open(os.path.join(os.path.dirname(self.scan_dir), "s6-svscan.log"), "wb")
        with log:
            self.proc = subprocess.Popen([self.s6["s6-svscan"], self.scan_dir], stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=log, env=self.env,
                                         start_new_session=True)
        try:
            self._wait_supervised(20)
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        problem = self.stop()
        if problem and exc[0] is None:
            raise BenchError(problem)
        return False

    def _wait_supervised(self, timeout):
        """Until every service has its s6-supervise: its control fifo then has a reader (the
        test s6-svok makes)."""
        deadline = time.monotonic() + timeout
        pending = list(self.names)
        while pending:
            if self.proc.poll() is not None:
                raise BenchError(f"s6-svscan exited with {self.proc.returncode} at start-up")
            try:
                fd = os.open(os.path.join(self.service(pending[-1]), "supervise", "control"),
                             os.O_WRONLY | os.O_NONBLOCK)
                os.close(fd)
                pending.pop()
                continue
            except OSError:
                pass
            if time.monotonic() >= deadline:
                raise BenchError(f"s6-svscan did not supervise {len(pending)} of "
                                 f"{len(self.names)} services within {timeout} s")
            time.sleep(0.01)

    def supervisors(self):
        return proc_stats.children_of(self.proc.pid)

    def control(self, names, command):
        """Writes one s6-svc command letter into each service's control fifo: what s6-svc
        itself does, without an exec per service."""
        for name in names:
            fd = os.open(os.path.join(self.service(name), "supervise", "control"), os.O_WRONLY)
            try:
                os.write(fd, command)
            finally:
                os.close(fd)

    def stop(self):
        """SIGTERM to s6-svscan: it stops every s6-supervise, which stops its service."""
        if self.proc is None:
            return ""
        problem = ""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            if proc_stats.wait_gone(self.proc.pid, 20) is None:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
                problem = "s6-svscan ignored SIGTERM for 20 s"
        self.proc = None
        return problem


def time_commands(rounds, count, commands):
    """commands: [(samples, argv, env)]; each runs count/rounds times per round, in turn."""
    for r in range(rounds):
        n = count // rounds + (1 if r < count % rounds else 0)
        for samples, argv, env in commands:
            for _ in range(n):
                measure.time_command(argv, env, samples)


def checked(argv, env):
    code = measure.run_command(argv, env)
    if code != 0:
        raise BenchError(f"{' '.join(argv[:3])}... exited with {code}")


def run(args):
    s6_programs, missing = measure.find_programs(S6_PROGRAMS, args.peer_path)
    if missing:
        measure.title("s6: not measured")
        measure.unavailable("s6.unavailable", f"{', '.join(missing)} not found: s6 is not "
                            "installed (apt-get install --no-install-recommends s6)")
        return
    names = [f"svc{i}" for i in range(args.services)]
    with Scratch("s6") as scratch:
        program = scratch.service_program()
        with PrivateSvscan(scratch, ["one"] + names, program, s6_programs) as s6, \
                PrivateShoald(args.bin_dir, scratch.dir, scratch.marker) as shoald:
            figures = measure_both(args, s6, shoald, names, program)
    report(args, figures)


def measure_both(args, s6, shoald, names, program):
    f = {k: Samples() for k in (
        "true", "svstat", "ping", "status", "svc_up", "svc_down", "start", "stop",
        "up_100", "down_100", "start_100", "stop_100")}
    shoal, cli_env = shoald.shoal, shoald.cli_env()
    one = s6.service("one")
    shoald_pss_fresh = proc_stats.pss_kib(shoald.pid)
    svc, svwait = s6.s6["s6-svc"], s6.s6["s6-svwait"]
    client = shoald.client()
    client.call({"id": 1, "op": "start", "name": "one", "argv": [program]})
    checked([svc, "-wu", "-u", one], s6.env)
    time_commands(args.rounds, args.commands, [
        (f["true"], ["/bin/true"], cli_env),
        (f["svstat"], [s6.s6["s6-svstat"], one], s6.env),
        (f["ping"], [shoal, "ping"], cli_env),
        (f["status"], [shoal, "status", "one"], cli_env)])
    client.call({"id": 2, "op": "stop", "name": "one"})
    checked([svc, "-wd", "-d", one], s6.env)

    # One service, down to up (confirmed) and back, as commands.
    for _ in range(max(1, args.commands // 2)):
        measure.time_command([svc, "-wu", "-u", one], s6.env, f["svc_up"])
        measure.time_command([svc, "-wd", "-d", one], s6.env, f["svc_down"])
        measure.time_command([shoal, "start", "--name", "one", "--", program], cli_env, f["start"])
        measure.time_command([shoal, "stop", "one"], cli_env, f["stop"])

    # 100 services up, then down: s6 gets its fastest path (one control write per service,
    # one s6-svwait for all); shoal gets one connection with every request in one write.
    dirs = [s6.service(n) for n in names]
    starts = [{"id": 10 + i, "op": "start", "name": n, "argv": [program]}
              for i, n in enumerate(names)]
    stops = [{"id": 10 + i, "op": "stop", "name": n} for i, n in enumerate(names)]
    for r in range(args.rounds):
        with timed(f["up_100"]):
            s6.control(names, b"u")
            checked([svwait, "-u", "-a"] + dirs, s6.env)
        if r == args.rounds - 1:
            tree_pss_100 = sum(proc_stats.pss_kib(p) for p in [s6.proc.pid] + s6.supervisors())
        with timed(f["down_100"]):
            s6.control(names, b"d")
            checked([svwait, "-d", "-a"] + dirs, s6.env)
        client.pipelined(starts, f["start_100"])
        if r == args.rounds - 1:
            shoald_pss_100 = proc_stats.pss_kib(shoald.pid)
        client.pipelined(stops, f["stop_100"])
    client.close()

    # Idle: nobody talks to either, both counted over the same seconds, once the last
    # disconnect has been handled.
    svscan_pid, supervisors = s6.proc.pid, s6.supervisors()
    time.sleep(0.2)
    wakeups = proc_stats.idle_wakeups(
        {"svscan": [svscan_pid], "supervise": supervisors, "shoald": [shoald.pid]}, args.idle,
        settle_on=["svscan", "shoald"])
    return {"samples": f, "wakeups": wakeups, "supervisors": len(supervisors),
            "svscan_pss": proc_stats.pss_kib(svscan_pid),
            "shoald_pss_fresh": shoald_pss_fresh, "shoald_pss": proc_stats.pss_kib(shoald.pid),
            "tree_pss_100": tree_pss_100, "shoald_pss_100": shoald_pss_100}


def report(args, figures):
    f = figures["samples"]
    n = args.services
    measure.title(f"s6 {s6_version()} and shoal side by side: {args.commands} commands, "
                  f"{args.rounds} rounds of {n} services (x_base: shoal / s6)")
    measure.latency_header()
    measure.latency("s6.true_cmd", f["true"], None, "/bin/true as a command: the exec floor")
    measure.latency("s6.svstat_cmd", f["svstat"], None, "s6-svstat DIR as a command")
    measure.latency("s6.shoal_ping_cmd", f["ping"], measure.ratio(
        f["ping"].median_us(), f["svstat"].median_us()), "shoal ping as a command (x svstat)")
    measure.latency("s6.shoal_status_cmd", f["status"], measure.ratio(
        f["status"].median_us(), f["svstat"].median_us()),
        "shoal status NAME as a command (x svstat)")
    measure.latency("s6.svc_up_cmd", f["svc_up"], None, "s6-svc -wu -u: one service down to up")
    measure.latency("s6.shoal_start_cmd", f["start"], measure.ratio(
        f["start"].median_us(), f["svc_up"].median_us()),
        "shoal start --name N -- PROGRAM (x svc_up)")
    measure.latency("s6.svc_down_cmd", f["svc_down"], None, "s6-svc -wd -d: one service up to down")
    measure.latency("s6.shoal_stop_cmd", f["stop"], measure.ratio(
        f["stop"].median_us(), f["svc_down"].median_us()), "shoal stop N (x svc_down)")
    measure.latency("s6.up_all", f["up_100"], None,
                    f"{n} services up: a control write each, s6-svwait -u -a")
    measure.latency("s6.shoal_start_all", f["start_100"], measure.ratio(
        f["start_100"].median_us(), f["up_100"].median_us()),
        f"{n} starts in one write, until every reply (x up_all)")
    measure.latency("s6.down_all", f["down_100"], None,
                    f"{n} services down: a control write each, s6-svwait -d -a")
    measure.latency("s6.shoal_stop_all", f["stop_100"], measure.ratio(
        f["stop_100"].median_us(), f["down_100"].median_us()),
        f"{n} stops in one write, until every reply (x down_all)")
    measure.quantity_header()
    w = figures["wakeups"]
    measure.quantity("s6.svscan_wakeups", w["svscan"], "1/s",
                     f"s6-svscan context switches per second, idle ({args.idle} s)")
    measure.quantity("s6.supervise_wakeups", w["supervise"], "1/s",
                     f"all {figures['supervisors']} s6-supervise processes together, idle")
    measure.quantity("s6.shoald_wakeups", w["shoald"], "1/s",
                     "shoald context switches per second, idle, no lock held")
    measure.quantity("s6.svscan_pss", figures["svscan_pss"], "KiB", "s6-svscan PSS, idle")
    measure.quantity("s6.shoald_pss_fresh", figures["shoald_pss_fresh"], "KiB",
                     "shoald PSS, just started, one hello served")
    measure.quantity("s6.shoald_pss", figures["shoald_pss"], "KiB",
                     "shoald PSS, idle, after this benchmark's work")
    measure.quantity("s6.tree_pss_all", figures["tree_pss_100"], "KiB",
                     f"s6-svscan + every s6-supervise, {n} services up")
    measure.quantity("s6.shoald_pss_all", figures["shoald_pss_100"], "KiB",
                     f"shoald, {n} processes running")


def s6_version():
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "s6"], capture_output=True,
                             text=True, timeout=10)
        return out.stdout.strip() or "(version unknown)"
    except (OSError, subprocess.SubprocessError):
        return "(version unknown)"


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bin-dir", required=True, help="build directory holding shoald and shoal")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--commands", type=int, default=40)
    p.add_argument("--services", type=int, default=100)
    p.add_argument("--idle", type=float, default=3.0, help="seconds of idleness to count wake-ups")
    p.add_argument("--peer-path", help="where to look for s6's programs (PATH-style; default $PATH)")
    args = p.parse_args()
    measure.main(lambda: run(args))


if __name__ == "__main__":
    main()
