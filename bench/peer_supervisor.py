#!/usr/bin/env python3
"""supervisord and shoal side by side: the status of 100 running programs from a persistent
client and as a command, starting and stopping all 100, and the daemon's memory.

supervisord runs with a private configuration, socket and logs in a temp directory (never the
system's service), and is stopped by pid. Both sides run the same program; rounds alternate.

    peer_supervisor.py --bin-dir BUILD [--rounds 3] [--requests 200] [--commands 10]
                       [--programs 100]"""

import argparse
import http.client
import os
import signal
import socket
import subprocess
import time
import xmlrpc.client

import measure
from measure import BenchError, Samples, timed
import proc_stats
from private_shoald import PrivateShoald, request_line
from scratch import Scratch


class UnixHTTPConnection(http.client.HTTPConnection):
    """HTTP/1.1 over supervisord's Unix socket, kept open between requests."""

    def __init__(self, path):
        super().__init__("localhost")
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.unix_path)


class XmlRpcClient:
    """XML-RPC calls whose reply bytes can be timed without the client's XML parsing."""

    def __init__(self, path):
        self.conn = UnixHTTPConnection(path)

    def raw(self, method, *params):
        body = xmlrpc.client.dumps(params, method).encode()
        self.conn.request("POST", "/RPC2", body, {"Content-Type": "text/xml"})
        reply = self.conn.getresponse()
        data = reply.read()
        if reply.status != 200:
            raise BenchError(f"supervisord answered {method} with HTTP {reply.status}")
        return data

    def call(self, method, *params):
        try:
            return xmlrpc.client.loads(self.raw(method, *params))[0][0]
        except xmlrpc.client.Fault as e:
            raise BenchError(f"supervisord refused {method}: {e.faultString}") from e

    def close(self):
        self.conn.close()


CONFIG = """\
[unix_http_server]
file={dir}/supervisor.sock
chmod=0700

[supervisord]
nodaemon=true
logfile={dir}/supervisord.log
pidfile={dir}/supervisord.pid
childlogdir={dir}/logs
loglevel=warn

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://{dir}/supervisor.sock

[program:p]
command={program}
process_name=%(program_name)s-%(process_num)d
numprocs={programs}
autostart=false
autorestart=false
; RUNNING as soon as it is spawned, as shoal's start reply and s6's "up" mean.
startsecs=0
stopwaitsecs=2
stdout_logfile={dir}/logs/%(process_num)d.out
stderr_logfile={dir}/logs/%(process_num)d.err
"""


class PrivateSupervisord:
    def __init__(self, scratch, program, programs, executables):
        self.dir = os.path.join(scratch.dir, "supervisor")
        self.config = os.path.join(self.dir, "supervisord.conf")
        self.socket = os.path.join(self.dir, "supervisor.sock")
        self.program, self.programs = program, programs
        self.executables = executables
        self.env = scratch.env()
        self.proc = None

    def __enter__(self):
        os.makedirs(os.path.join(self.dir, "logs"))
        with open(self.config, "w") as f:
            f.write(CONFIG.format(dir=self.dir, program=self.program, programs=self.programs))
        with open(os.path.join(self.dir, "supervisord.out"), "wb") as out:
            self.proc = subprocess.Popen([self.executables["supervisord"], "-c", self.config],
                                         stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                                         env=self.env, start_new_session=True)
        try:
            self._wait_running(20)
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        problem = self.stop()
        if problem and exc[0] is None:
            raise BenchError(problem)
        return False

    def client(self):
        return XmlRpcClient(self.socket)

    def _wait_running(self, timeout):
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise BenchError(f"supervisord exited with {self.proc.returncode} at start-up "
                                 f"(see {self.dir}/supervisord.out)")
            try:
                c = self.client()
                try:
                    if c.call("supervisor.getState")["statename"] == "RUNNING":
                        return
                finally:
                    c.close()
            except (FileNotFoundError, ConnectionRefusedError):
                pass
            if time.monotonic() >= deadline:
                raise BenchError(f"supervisord did not answer on {self.socket} within {timeout} s")
            time.sleep(0.02)

    def stop(self):
        """SIGTERM: supervisord stops every program, then exits."""
        if self.proc is None:
            return ""
        problem = ""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            if proc_stats.wait_gone(self.proc.pid, 30) is None:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
                problem = "supervisord ignored SIGTERM for 30 s"
        self.proc = None
        return problem


def all_in_state(infos, state, count):
    return len(infos) == count and all(i["statename"] == state for i in infos)


def measure_both(args, sup, shoald, program):
    f = {k: Samples() for k in ("get_all", "status", "ctl", "shoal_cmd", "start_all",
                                "stop_all", "start_100", "stop_100")}
    n = args.programs
    names = [f"p-{i}" for i in range(n)]
    rpc = sup.client()
    client = shoald.client()
    starts = [{"id": 10 + i, "op": "start", "name": m, "argv": [program]}
              for i, m in enumerate(names)]
    stops = [{"id": 10 + i, "op": "stop", "name": m} for i, m in enumerate(names)]
    for r in range(args.rounds):
        with timed(f["start_all"]):
            rpc.call("supervisor.startAllProcesses", True)
        client.pipelined(starts, f["start_100"])
        if r == 0:
            # The persistent client: one HTTP/1.1 connection, one shoal connection, the reply
            # read whole and parsed only after the clock stops.
            opened = rpc.conn.sock
            status = request_line({"id": 1, "op": "status"})
            for _ in range(args.requests):
                with timed(f["get_all"]):
                    reply = rpc.raw("supervisor.getAllProcessInfo")
                with timed(f["status"]):
                    line = client.round_trip(status)
            if rpc.conn.sock is not opened:
                raise BenchError("supervisord closed the XML-RPC connection between requests")
            infos = xmlrpc.client.loads(reply)[0][0]
            if not all_in_state(infos, "RUNNING", n):
                raise BenchError(f"getAllProcessInfo did not list {n} running programs: "
                                 f"{[(i['name'], i['statename']) for i in infos][:5]}...")
            if line.count(b'"state":"running"') != n:
                raise BenchError(f"shoal status did not list {n} running processes")
            rss = {"supervisord": proc_stats.rss_kib(sup.proc.pid),
                   "shoald": proc_stats.rss_kib(shoald.pid)}
            pss = {"supervisord": proc_stats.pss_kib(sup.proc.pid),
                   "shoald": proc_stats.pss_kib(shoald.pid)}
            ctl = [sup.executables["supervisorctl"], "-c", sup.config, "status"]
            for _ in range(args.commands):
                measure.time_command(ctl, sup.env, f["ctl"])
                measure.time_command([shoald.shoal, "status"], shoald.cli_env(), f["shoal_cmd"])
        with timed(f["stop_all"]):
            rpc.call("supervisor.stopAllProcesses", True)
        client.pipelined(stops, f["stop_100"])
    if not all_in_state(rpc.call("supervisor.getAllProcessInfo"), "STOPPED", n):
        raise BenchError("stopAllProcesses left programs running")
    rpc.close()
    client.close()
    return {"samples": f, "rss": rss, "pss": pss}


def report(args, figures, version):
    f = figures["samples"]
    n = args.programs
    ratio = lambda a, b: measure.ratio(f[a].median_us(), f[b].median_us())
    measure.title(f"supervisord {version} and shoal side by side: {n} programs, "
                  f"{args.rounds} rounds (x_base: shoal / supervisord)")
    measure.latency_header()
    measure.latency("supervisord.get_all", f["get_all"], None,
                    f"XML-RPC getAllProcessInfo, {n} running, persistent client")
    measure.latency("supervisord.shoal_status_all", f["status"], ratio("status", "get_all"),
                    f"status of {n} running, persistent client (x get_all)")
    measure.latency("supervisord.ctl_status_cmd", f["ctl"], None,
                    f"supervisorctl status as a command, {n} running")
    measure.latency("supervisord.shoal_status_cmd", f["shoal_cmd"], ratio("shoal_cmd", "ctl"),
                    f"shoal status as a command, {n} running (x ctl_status_cmd)")
    measure.latency("supervisord.start_all", f["start_all"], None,
                    f"startAllProcesses(wait=True), {n} programs")
    measure.latency("supervisord.shoal_start_all", f["start_100"], ratio("start_100", "start_all"),
                    f"{n} starts in one write, until every reply (x start_all)")
    measure.latency("supervisord.stop_all", f["stop_all"], None,
                    f"stopAllProcesses(wait=True), {n} programs")
    measure.latency("supervisord.shoal_stop_all", f["stop_100"], ratio("stop_100", "stop_all"),
                    f"{n} stops in one write, until every reply (x stop_all)")
    measure.quantity_header()
    for who in ("supervisord", "shoald"):
        prefix = "supervisord." + ("" if who == "supervisord" else "shoald_")
        measure.quantity(prefix + "rss", figures["rss"][who], "KiB", f"{who} VmRSS, {n} running")
        measure.quantity(prefix + "pss", figures["pss"][who], "KiB", f"{who} PSS, {n} running")


def supervisord_version(supervisord):
    try:
        return subprocess.run([supervisord, "--version"], capture_output=True, text=True,
                              timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "(version unknown)"


def run(args):
    executables, missing = measure.find_programs(("supervisord", "supervisorctl"), args.peer_path)
    if missing:
        measure.title("supervisord: not measured")
        measure.unavailable("supervisord.unavailable", f"{', '.join(missing)} not found: "
                            "apt-get install --no-install-recommends supervisor")
        return
    with Scratch("sup") as scratch:
        program = scratch.service_program()
        with PrivateSupervisord(scratch, program, args.programs, executables) as sup, \
                PrivateShoald(args.bin_dir, scratch.dir, scratch.marker) as shoald:
            figures = measure_both(args, sup, shoald, program)
    report(args, figures, supervisord_version(executables["supervisord"]))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bin-dir", required=True, help="build directory holding shoald and shoal")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--requests", type=int, default=200)
    p.add_argument("--commands", type=int, default=10)
    p.add_argument("--programs", type=int, default=100)
    p.add_argument("--peer-path", help="where to look for supervisord and supervisorctl "
                   "(PATH-style; default $PATH)")
    args = p.parse_args()
    measure.main(lambda: run(args))


if __name__ == "__main__":
    main()
