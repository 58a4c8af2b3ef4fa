"""kill -9 of shoald at random instants while its processes start, exit, restart, stop and are
removed, for SHOAL_CHAOS_SECONDS (default 15), and upgrades among them (SIGUSR2 and a new
daemon, or `reexec` in place). After every restart on the same state directory
the records must tell the truth (docs/restore.md): an exit code is the one its program chose, a
removed process stays removed, no record is lost, no name runs twice, and every live child is
the running record of its name.

Seeded: SHOAL_CHAOS_SEED=N replays a run's choices (the timing of the children is the
machine's); the seed is printed and named in every failure.
"""

import os
import random
import signal
import time

from harness import ok, wait_until
from restarts import kill9

SECONDS = float(os.environ.get("SHOAL_CHAOS_SECONDS") or 15)
SEED = int(os.environ.get("SHOAL_CHAOS_SEED") or random.SystemRandom().randrange(2 ** 32))
NAMES = [f"c{i}" for i in range(12)]


def live_leaders(socket_path):
    """{pid: SHOAL_NAME} of the live process-group leaders the daemon on `socket_path` started
    (a child's own children share its environment, not its being a leader)."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
            with open(f"/proc/{entry}/environ", "rb") as f:
                env = f.read().split(b"\0")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if fields[0] == "Z" or int(fields[2]) != int(entry):
            continue
        if f"SHOAL_SOCKET={socket_path}".encode() in env:
            names = [kv[len(b"SHOAL_NAME="):].decode() for kv in env
                     if kv.startswith(b"SHOAL_NAME=")]
            found[int(entry)] = names[0] if names else "?"
    return found


class Model:
    """What the test has been told: each name's program's exit code, and the removed names."""

    def __init__(self):
        self.exit_code = {}
        self.removed = set()

    def act(self, daemon, rng):
        name = rng.choice(NAMES)
        roll = rng.random()
        if roll < 0.45:
            code = rng.randint(0, 5)
            reply = daemon.request({
                "op": "start", "name": name, "logs": rng.random() < 0.7,
                "argv": ["sh", "-c", f"sleep {rng.choice([0, 0.05, 0.3, 1, 5])}; exit {code}"],
                "restart": rng.choice(["no", "no", "on-failure", "always"]),
                "restart_max": 1000})
            if reply["ok"]:
                self.exit_code[name] = code
                self.removed.discard(name)
        elif roll < 0.6:
            daemon.request({"op": "stop", "name": name, "timeout": 1}, timeout=30)
        elif roll < 0.7:
            daemon.request({"op": "kill", "name": name,
                            "signal": rng.choice(["SIGKILL", "SIGTERM"])})
        elif roll < 0.8:
            daemon.request({"op": "restart", "name": name, "timeout": 1}, timeout=30)
        elif roll < 0.9:
            if daemon.request({"op": "remove", "name": name})["ok"]:
                self.removed.add(name)
                self.exit_code.pop(name, None)
                return "removed"
        else:
            ok(daemon.request({"op": "status"}))
        return None

    def check(self, daemon, where):
        # A child seen before `status` was asked is in its answer (the daemon records a spawn
        # in the turn that makes it); one still there after it had not ended at the answer.
        seen = live_leaders(daemon.socket)
        records = {r["name"]: r for r in ok(daemon.request({"op": "status"}))["processes"]}
        still = live_leaders(daemon.socket)
        steady = {pid: name for pid, name in seen.items() if still.get(pid) == name}
        for name, r in records.items():
            assert r["state"] != "lost", f"{where}: '{name}' is lost: {r['lost_reason']}"
            assert name in self.exit_code, f"{where}: '{name}' came back: {r}"
            if r["state"] == "exited" and r["signal"] is None:
                assert r["exitcode"] == self.exit_code[name], \
                    f"{where}: '{name}' exited {r['exitcode']}, its program exits " \
                    f"{self.exit_code[name]}: {r}"
        for name in self.removed:
            assert name not in records, f"{where}: removed '{name}' came back: {records[name]}"
        by_name = {}
        for pid, name in steady.items():
            by_name.setdefault(name, []).append(pid)
        for name, pids in by_name.items():
            r = records.get(name)
            assert r is not None, f"{where}: {pids} run as '{name}', which has no record"
            if r["state"] in ("running", "stopping"):
                assert pids == [r["pid"]], f"{where}: '{name}' is pid {r['pid']}, {pids} run: {r}"
            else:
                assert False, f"{where}: '{name}' is {r['state']} while {pids} run: {r}"


def test_kill9_at_random_instants_keeps_every_record_true(daemons):
    print(f"chaos seed {SEED} for {SECONDS:g} s (SHOAL_CHAOS_SEED={SEED} replays it)")
    rng = random.Random(SEED)
    model = Model()
    daemon = daemons()
    began = time.monotonic()
    rounds = 0
    while time.monotonic() - began < SECONDS:
        rounds += 1
        for _ in range(rng.randint(0, 20)):
            # Half the time the kill comes right after a removal: what the daemon owes the
            # keeper then is the most it ever owes.
            if model.act(daemon, rng) == "removed" and rng.random() < 0.5:
                break
            if rng.random() < 0.3:
                time.sleep(rng.choice([0.01, 0.1, 0.3]))
        how = rng.choice(["kill -9", "kill -9", "SIGUSR2", "reexec"])
        if how == "reexec":
            # The same process executes its binary again and adopts every child.
            with daemon.connect(timeout=30) as c:
                reply = c.request({"op": "reexec"}, timeout=30)
            assert reply["ok"], f"reexec {rounds} (seed {SEED}): {reply}"
            daemon._client = None  # the old image's connections were closed by the exec
        else:
            if how == "SIGUSR2":  # an upgrade: the daemon exits, leaving its children
                daemon.proc.send_signal(signal.SIGUSR2)
                assert daemon.proc.wait(30) == 0
            else:
                kill9(daemon)
            time.sleep(rng.choice([0, 0.05, 0.5]))
            daemon = daemons.create(directory=daemon.dir).start()
        model.check(daemon, f"after {how}, ending round {rounds} (seed {SEED})")
    print(f"CHAOS SUMMARY seed {SEED}: {rounds} rounds in {time.monotonic() - began:.1f} s")
    assert rounds >= 3
    for r in ok(daemon.request({"op": "status"}))["processes"]:
        if r["state"] not in ("exited", "fatal"):
            daemon.request({"op": "stop", "name": r["name"], "timeout": 1}, timeout=30)
    wait_until(lambda: not live_leaders(daemon.socket), 20, what="every child to end")
    assert "shoald: error:" not in daemon.stderr()
