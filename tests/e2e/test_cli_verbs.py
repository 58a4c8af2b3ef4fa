"""The CLI as a person types it, against the real daemon: typos, `help VERB`, the ls/ps
aliases, refusals in the CLI's own words (never the protocol's field names), and --json
failures as one JSON object on stdout."""

import json
import re

import pytest

from harness import ok, run_cli

# Protocol field names a CLI user never typed: "field 'argv'", "missing field 'x'".
LEAK = re.compile(r"\bfields? '|'argv'|'restart_max'|'restart_window'|'max_bytes'|\bvalues\[")


def test_a_typo_suggests_the_verb_and_exits_2(shoal):
    r = shoal.cli("stauts")
    assert r.returncode == 2, r
    assert r.stderr.startswith("shoal: unknown command 'stauts'; did you mean 'status'?\n"), r
    assert r.stdout == ""


def test_help_verb_and_the_status_aliases(shoal):
    help_status = run_cli(["help", "status"])
    assert help_status.returncode == 0, help_status
    assert help_status.stdout == run_cli(["status", "--help"]).stdout
    assert "usage: shoal status" in help_status.stdout

    shoal.spawn(["sleep", "300"], name="napper")
    listed = {alias: shoal.cli(alias) for alias in ("status", "ls", "ps")}
    for alias, r in listed.items():
        assert r.returncode == 0, r
        assert "napper" in r.stdout, r
    # The same columns; their widths follow the figures (MEM grows as the child starts up).
    headers = {alias: r.stdout.splitlines()[0].split() for alias, r in listed.items()}
    assert headers["ls"] == headers["ps"] == headers["status"], headers
    assert headers["status"][:2] == ["NAME", "USER"], headers


@pytest.mark.parametrize("args", [
    ["start", "--name", "worker"],
    ["start", "--restart-max", "2000000", "--", "true"],
    ["start", "--restart-window", "0", "--", "true"],
    ["start", "--restart-window", "1e12", "--", "true"],
    ["start", "--name", "web", "--env", "A=1"],
    ["start", "--", ""],
    ["start", "--user", "nobody", "--env", "A B=1", "--", "true"],
    ["start"],
    ["join", "x", "--timeout", "1e12"],
    ["stop", "x", "--timeout", "1e12"],
    ["kill", "nope", "--signal", "TERM"],
    ["logs", "nope"],
    ["value", "create", "v"],
    ["value", "create", "v", "z"],
    ["value", "add", "nope", "1"],
    ["array", "create", "a", "i", "3", "--values", "1,2"],
    ["array", "create", "a", "i", "3", "--values", "1,2,x"],
    ["array", "create", "a", "i", "0"],
    ["array", "get", "nope", "x"],
    ["lock", "acquire", "--owner", "0"],
    ["lock", "release"],
])
def test_refusals_never_name_protocol_fields(shoal, args):
    r = shoal.cli(*args)
    assert r.returncode != 0, r
    assert r.stderr.startswith("shoal: "), r
    assert not LEAK.search(r.stderr), r


def test_starting_an_undeclared_program_by_name_says_what_to_do(shoal):
    r = shoal.cli("start", "--name", "worker")
    assert r.returncode == 1, r
    assert r.stderr == ("shoal: bad_request: no declared program named 'worker'; to start a new "
                        "process under that name, give its PROGRAM: shoal start --name worker -- "
                        "PROGRAM [ARG]...\n")
    assert ok(shoal.request({"op": "status"}))["processes"] == []


def test_json_failures_are_one_object_on_stdout_with_the_same_exit_code(shoal):
    refused = shoal.cli("--json", "kill", "wolf")
    assert refused.returncode == 1, refused
    assert json.loads(refused.stdout) == {
        "error": {"code": "not_found", "message": "no process named 'wolf'"}}
    assert refused.stderr == "shoal: not_found: no process named 'wolf'\n"

    joined = shoal.cli("join", "wolf", "--json")
    assert joined.returncode == 125, joined
    assert json.loads(joined.stdout)["error"]["code"] == "not_found"

    usage = shoal.cli("value", "create", "--json")
    assert usage.returncode == 2, usage
    assert json.loads(usage.stdout)["error"] == {
        "code": "usage",
        "message": "value create: missing NAME (usage: shoal value create NAME TYPECODE "
                   "[INITIAL])"}

    unreachable = run_cli(["--socket", shoal.socket + ".nothing-here", "--json", "ping"])
    assert unreachable.returncode == 3, unreachable
    assert json.loads(unreachable.stdout)["error"]["code"] == "unreachable"

    # Success keeps printing the result alone.
    pong = shoal.cli("--json", "ping")
    assert pong.returncode == 0 and "error" not in json.loads(pong.stdout)
