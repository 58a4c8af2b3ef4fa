"""A bounded fuzzer of the CLI's command line.

For SHOAL_CLI_FUZZ_SECONDS (default 10) the real `shoal` runs with random verbs, options and
words against a real shoald. Every run must end with an exit status docs/cli.md documents for
its verb, within its bound (only the verbs that wait on purpose may be cut short), say why on
stderr whenever it fails, and print no sanitizer report. The daemon must stay up, keep a value
the fuzzer never names, and be left with no zombie.

Seeded: SHOAL_CLI_FUZZ_SEED=N replays a run's command lines; the seed is printed and named in
every failure.
"""

import collections
import os
import random
import re
import subprocess
import tempfile
import time

from harness import children_of, ok, run_cli, wait_until

SECONDS = float(os.environ.get("SHOAL_CLI_FUZZ_SECONDS") or 10)
SEED = int(os.environ.get("SHOAL_CLI_FUZZ_SEED") or random.SystemRandom().randrange(2 ** 32))

# `daemon reexec` is left out: it closes every connection, the test's own included.
VERBS = ["start", "join", "status", "ls", "ps", "stop", "restart", "kill", "remove", "logs",
         "ping", "value", "array", "lock", "reload", "watch", "help", "top", "", "-", "x"]
SUBVERBS = {"value": ["create", "get", "set", "add", "cas", "list", "delete", "x"],
            "array": ["create", "get", "set", "delete", "x"],
            "lock": ["acquire", "release", "status", "run", "list", "delete", "x"]}
OPTIONS = ["--name", "--json", "--socket", "--timeout", "--follow", "-f", "--lines", "-n",
           "--stream", "--restart", "--restart-max", "--restart-window", "--cwd", "--env",
           "--env-file", "--user", "--group", "--no-logs", "--log-max-bytes", "--log-backups",
           "--signal", "-s", "--owner", "--force", "--no-block", "--declared", "--since",
           "--help", "-h", "--version", "--release-on-exit", "--exist-ok", "--", "-x",
           "--bogus", "--name=", "--timeout=-1"]
WORDS = ["fz-a", "fz-b", "0", "1", "-1", "2.5", "1e308", "nan", "inf", "99999999999999999999",
         "", " ", "i", "d", "q", "c", "x", "SIGTERM", "9", "KILL", "SIGSTOP", "true", "false",
         "/bin/true", "sleep", "0.2", "/nonexistent", "a=b", "=", "\u00e9", "a" * 70, "*", "all",
         "fz-*", "[!", "stdout", "stderr", "both", "always", "on-failure", "nobody", "root"]
PROTECTED = "keep-int"

# What docs/cli.md allows each verb to exit with, besides 128+N for a program killed by N.
GENERAL = {0, 1, 2, 3}
WAITING = {"join", "watch", "top", "logs", "lock"}  # may wait on purpose: cut short, not hung


def allowed(argv):
    verb = argv[0] if argv else ""
    if verb == "join":
        return GENERAL | {124, 125}
    if verb == "lock" and len(argv) > 1 and argv[1] == "run":
        # The program's own status: a word of WORDS run as a program exits 0 to 2, or 126/127.
        return GENERAL | {124, 125, 126, 127}
    if argv[:2] in (["value", "add"], ["value", "cas"]):
        return GENERAL | {124}
    return GENERAL


def answers(argv):
    """Exit statuses that are the verb's answer rather than a failure, so need no message."""
    if argv[:1] == ["join"] or argv[:2] == ["lock", "run"]:
        return {1, 2, 3}  # the program's own status
    if argv[:2] in (["value", "cas"], ["lock", "acquire"]):
        return {1}  # not swapped; not acquired
    return set()


# Command lines a user would type, which the fuzzer then bends (a word dropped, one added).
PLAUSIBLE = [
    "start --name fz-a -- sleep 0.2", "start --name fz-b --restart always -- false",
    "start --no-logs --name fz-a -- true", "start -- true", "status", "status fz-* --json",
    "ls all", "stop fz-a", "restart fz-b", "kill fz-a --signal SIGSTOP", "remove fz-a",
    "logs fz-a -n 3", "join fz-a --timeout 0.5", "value create fz-v i 1", "value add fz-v 1",
    "value get fz-v", "value cas fz-v 1 2", "value delete fz-v", "array create fz-r d 4",
    "array set fz-r 2 2.5", "array get fz-r", "lock acquire --timeout 0.1", "lock status",
    "lock release", "lock run --timeout 0.2 -- true", "lock list", "ping --json", "help start",
]


def command_line(rng):
    if rng.random() < 0.5:
        argv = rng.choice(PLAUSIBLE).split()
        if rng.random() < 0.5:
            roll = rng.randrange(3)
            if roll == 0 and len(argv) > 1:
                del argv[rng.randrange(1, len(argv))]
            else:
                argv.insert(rng.randint(1, len(argv)),
                            rng.choice(OPTIONS) if roll == 1 else rng.choice(WORDS))
        return argv
    verb = rng.choice(VERBS)
    argv = [verb] if verb else []
    if verb in SUBVERBS and rng.random() < 0.9:
        argv.append(rng.choice(SUBVERBS[verb]))
    argv += [rng.choice(OPTIONS) if rng.random() < 0.35 else rng.choice(WORDS)
             for _ in range(rng.randint(0, 6))]
    if verb == "start" and rng.random() < 0.5:
        argv += ["--", rng.choice(["true", "false", "sleep"]), rng.choice(["0", "0.2", "x"])]
    return [w for w in argv if PROTECTED not in w]


def test_random_command_lines_end_as_documented(shoal):
    print(f"cli fuzz seed {SEED} for {SECONDS:g} s (SHOAL_CLI_FUZZ_SEED={SEED} replays it)")
    rng = random.Random(SEED)
    ok(shoal.request({"op": "value_create", "name": PROTECTED, "typecode": "i", "value": 42}))
    keeper = ok(shoal.request({"op": "hello"}))["keeper"]
    statuses = collections.Counter()
    began = time.monotonic()
    # A relative path a command line names (--env-file x, --cwd x) lands here, nowhere else.
    with tempfile.TemporaryDirectory(prefix="shoal-clifuzz-") as cwd:
        while time.monotonic() - began < SECONDS:
            argv = command_line(rng)
            waits = bool(argv) and argv[0] in WAITING
            where = f"shoal {' '.join(argv)!r} (seed {SEED})"
            try:
                result = shoal.cli(*argv, timeout=1 if waits else 30, cwd=cwd, leak_check=True)
            except subprocess.TimeoutExpired:
                assert waits, f"{where} hung"
                statuses["cut short"] += 1
                continue
            code = result.returncode
            statuses[code] += 1
            assert code >= 0, f"{where} died of signal {-code}: {result!r}"
            assert code in allowed(argv) or 128 < code < 128 + 65, \
                f"{where} exited {code}, which docs/cli.md does not list: {result!r}"
            if code in (1, 2, 3) and code not in answers(argv):
                assert re.search(r"^(shoal: |usage: )", result.stderr, re.M), \
                    f"{where} failed without saying why: {result!r}"
            for crash in ("terminate called", "Segmentation fault", "Aborted"):
                assert crash not in result.stderr, f"{where}: {result!r}"
            assert shoal.proc.poll() is None, f"shoald exited after {where}"

    print(f"CLI FUZZ SUMMARY seed {SEED}, {sum(statuses.values())} runs: {dict(statuses)}")
    assert statuses[0] > 0 and statuses[2] > 0, statuses  # both ends were reached
    run_cli(["--socket", shoal.socket, "stop", "all", "--timeout", "2"], timeout=60)
    if ok(shoal.request({"op": "lock_status"}))["held"]:
        ok(shoal.request({"op": "lock_release", "force": True}))
    assert ok(shoal.request({"op": "value_get", "name": PROTECTED}))["value"] == 42
    wait_until(lambda: not [p for p, s in children_of(keeper) if s == "Z"], 20,
               what="no zombie child of the keeper")
    assert "shoald: error:" not in shoal.stderr()
