"""Process names: defaults, validation, reuse."""

import pytest

from harness import error_code, ok, pid_alive


def test_default_names_count_up_like_python(shoal):
    first = shoal.spawn(["/bin/true"])
    second = shoal.spawn(["/bin/true"])
    via_cli = shoal.cli("start", "--json", "--", "/bin/true")
    assert via_cli.returncode == 0, via_cli
    assert [first["name"], second["name"], via_cli.json()["name"]] == \
        ["Process-1", "Process-2", "Process-3"]
    for name in ("Process-1", "Process-2", "Process-3"):
        assert shoal.join(name)["exitcode"] == 0


@pytest.mark.parametrize("name", [
    "", "-leading-dash", ".hidden", "_under", "has space", "slash/inside", "../escape",
    "x" * 65, "ünicode", "semi;colon", "new\nline", "tab\t",
])
def test_invalid_names_are_refused(shoal, name):
    reply = shoal.request({"op": "start", "name": name, "argv": ["/bin/true"]})
    assert error_code(reply) == "bad_request"
    assert ok(shoal.request({"op": "status"}))["processes"] == []


def test_invalid_name_from_the_cli_is_refused(shoal):
    result = shoal.cli("start", "--name", "bad name", "--", "/bin/true")
    assert result.returncode in (1, 2), result
    assert ok(shoal.request({"op": "status"}))["processes"] == []


@pytest.mark.parametrize("name", ["a", "Z9", "x" * 64, "web.1_a-b", "0lead"])
def test_valid_names_are_accepted(shoal, name):
    assert shoal.spawn(["/bin/true"], name=name)["name"] == name
    assert shoal.join(name)["exitcode"] == 0


def test_name_of_a_running_process_is_already_exists(shoal):
    first = shoal.spawn(["sleep", "60"], name="dup")
    reply = shoal.request({"op": "start", "name": "dup", "argv": ["/bin/true"]})
    assert error_code(reply) == "already_exists"
    result = shoal.cli("start", "--name", "dup", "--", "/bin/true")
    assert result.returncode == 1, result
    assert result.stderr.startswith("shoal: already_exists: "), result
    assert pid_alive(first["pid"])
    assert shoal.record("dup")["pid"] == first["pid"]


def test_name_of_an_exited_process_is_replaced(shoal):
    old = shoal.spawn(["/bin/sh", "-c", "echo old; exit 9"], name="again")
    assert shoal.join("again")["exitcode"] == 9
    new = shoal.spawn(["/bin/sh", "-c", "echo new; exit 0"], name="again")
    assert new["pid"] != old["pid"]
    assert new["exitcode"] is None
    record = shoal.join("again")
    assert record["exitcode"] == 0 and record["pid"] == new["pid"]
    assert len(ok(shoal.request({"op": "status"}))["processes"]) == 1
