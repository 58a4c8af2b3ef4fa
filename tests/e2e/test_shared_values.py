"""Shared values and arrays through the protocol and the CLI: every typecode's range, refusals
that change nothing, arrays, add and compare-and-set."""

import json
import math

import pytest

from harness import error_code, ok

FLT_MAX = 3.4028234663852886e+38
DBL_MAX = 1.7976931348623157e+308

# typecode -> (minimum, maximum) as JSON values
RANGES = {
    "c": ("\u0000", "\u00ff"),
    "b": (-128, 127),
    "B": (0, 255),
    "h": (-32768, 32767),
    "H": (0, 65535),
    "i": (-2**31, 2**31 - 1),
    "I": (0, 2**32 - 1),
    "l": (-2**63, 2**63 - 1),
    "L": (0, 2**64 - 1),
    "q": (-2**63, 2**63 - 1),
    "Q": (0, 2**64 - 1),
    "f": (-FLT_MAX, FLT_MAX),
    "d": (-DBL_MAX, DBL_MAX),
}

# (typecode, refused input, expected code): the list and the edges of every range.
REFUSALS = [
    ("q", 2**63, "out_of_range"),
    ("Q", 2**64, "out_of_range"),
    ("l", -2**63 - 1, "out_of_range"),
    ("L", -1, "out_of_range"),
    ("I", -1, "out_of_range"),
    ("I", 2**32, "out_of_range"),
    ("i", 1e308, "out_of_range"),
    ("i", 2**31, "out_of_range"),
    ("i", -2**31 - 1, "out_of_range"),
    ("h", 32768, "out_of_range"),
    ("H", 65536, "out_of_range"),
    ("b", -129, "out_of_range"),
    ("B", 256, "out_of_range"),
    ("f", 1e39, "out_of_range"),
    ("c", "\u0100", "out_of_range"),
    ("i", "nan", "wrong_type"),
    ("q", "nan", "wrong_type"),
    ("i", 1.5, "wrong_type"),
    ("i", "12", "wrong_type"),
    ("B", True, "wrong_type"),
    ("d", "twelve", "wrong_type"),
    ("c", 65, "wrong_type"),
    ("c", "ab", "wrong_type"),
]


def same(a, b):
    if isinstance(a, float) or isinstance(b, float):
        return float(a) == float(b)
    return a == b


def get_value(shoal, name):
    return ok(shoal.request({"op": "value_get", "name": name}))["value"]


def test_every_typecode_round_trips_min_and_max_through_the_protocol(shoal):
    for code, (low, high) in RANGES.items():
        name = f"v_{ord(code)}"
        created = ok(shoal.request({"op": "value_create", "name": name, "typecode": code,
                                    "value": low}))
        assert created["name"] == name and created["typecode"] == code
        assert same(created["value"], low), code
        assert same(get_value(shoal, name), low), code
        assert same(ok(shoal.request({"op": "value_set", "name": name, "value": high}))["value"], high)
        assert same(get_value(shoal, name), high), code
        arr = f"a_{ord(code)}"
        values = ok(shoal.request({"op": "array_create", "name": arr, "typecode": code,
                                   "length": 2, "values": [low, high]}))["values"]
        assert all(same(x, y) for x, y in zip(values, [low, high])), (code, values)


def cli_text(value):
    return value if isinstance(value, str) else json.dumps(value)


def test_every_typecode_round_trips_min_and_max_through_the_cli(shoal):
    for code, (low, high) in RANGES.items():
        if code == "c":
            low = "\u0001"  # a command-line word cannot hold NUL
        name = f"cli_{ord(code)}"
        r = shoal.cli("value", "create", name, code, cli_text(low))
        assert r.returncode == 0, r
        r = shoal.cli("value", "get", name)
        assert r.returncode == 0, r
        out = r.stdout.rstrip("\n")
        assert (out == low) if code == "c" else same(json.loads(out), low), (code, r)
        assert shoal.cli("value", "set", name, cli_text(high)).returncode == 0
        r = shoal.cli("value", "get", name, "--json")
        assert same(r.json()["value"], high), (code, r)


def test_out_of_range_and_wrong_type_inputs_change_nothing(shoal):
    for i, (code, bad, expected) in enumerate(REFUSALS):
        name = f"r{i}"
        start = "z" if code == "c" else 7
        ok(shoal.request({"op": "value_create", "name": name, "typecode": code, "value": start}))
        assert error_code(shoal.request({"op": "value_set", "name": name, "value": bad})) == expected, \
            (code, bad)
        assert same(get_value(shoal, name), start), (code, bad)
        # A refused initial value creates nothing.
        assert error_code(shoal.request({"op": "value_create", "name": name + "x", "typecode": code,
                                         "value": bad})) == expected
        assert error_code(shoal.request({"op": "value_get", "name": name + "x"})) == "not_found"
        # Arrays follow the same rules, element by element.
        arr = f"ra{i}"
        ok(shoal.request({"op": "array_create", "name": arr, "typecode": code, "length": 2,
                          "values": [start, start]}))
        assert error_code(shoal.request({"op": "array_set", "name": arr, "index": 1,
                                         "value": bad})) == expected
        assert error_code(shoal.request({"op": "array_create", "name": arr + "x", "typecode": code,
                                         "length": 2, "values": [start, bad]})) == expected
        values = ok(shoal.request({"op": "array_get", "name": arr}))["values"]
        assert all(same(v, start) for v in values), (code, bad, values)


@pytest.mark.parametrize("code,text,expected", [
    ("q", "9223372036854775808", "out_of_range"),   # 2^63
    ("I", "-1", "out_of_range"),
    ("i", "1e308", "out_of_range"),
    ("i", "nan", "wrong_type"),
    ("i", "1.5", "wrong_type"),
    ("B", "abc", "wrong_type"),
])
def test_the_cli_sends_numbers_for_the_daemon_to_judge(shoal, code, text, expected):
    assert shoal.cli("value", "create", "x", code, "5").returncode == 0
    r = shoal.cli("value", "set", "x", text)
    assert r.returncode == 1, r
    assert r.stderr.startswith(f"shoal: {expected}: "), r
    assert shoal.cli("value", "get", "x").stdout == "5\n"
    r = shoal.cli("value", "create", "y", code, text)
    assert r.returncode == 1 and expected in r.stderr, r
    assert shoal.cli("value", "get", "y").returncode == 1


def test_floats_take_nan_and_infinities(shoal):
    assert shoal.cli("value", "create", "f", "d", "nan").returncode == 0
    assert shoal.cli("value", "get", "f").stdout == "nan\n"
    # "-inf" looks like an option: "--" ends the options, as everywhere.
    assert shoal.cli("value", "set", "f", "-inf").returncode == 2
    assert shoal.cli("value", "set", "f", "--", "-inf").returncode == 0
    assert get_value(shoal, "f") == "-inf"
    assert shoal.cli("value", "set", "f", "0.25").returncode == 0
    assert get_value(shoal, "f") == 0.25


def test_a_digit_is_a_character_for_typecode_c(shoal):
    assert shoal.cli("value", "create", "ch", "c", "5").returncode == 0
    assert get_value(shoal, "ch") == "5"
    assert shoal.cli("value", "set", "ch", "7").returncode == 0
    assert shoal.cli("value", "get", "ch").stdout == "7\n"


def test_add_is_exact_and_refuses_to_overflow(shoal):
    ok(shoal.request({"op": "value_create", "name": "n", "typecode": "b", "value": 120}))
    assert ok(shoal.request({"op": "value_add", "name": "n", "delta": 7}))["value"] == 127
    assert error_code(shoal.request({"op": "value_add", "name": "n", "delta": 1})) == "out_of_range"
    assert error_code(shoal.request({"op": "value_add", "name": "n", "delta": 0.5})) == "wrong_type"
    assert get_value(shoal, "n") == 127
    r = shoal.cli("value", "add", "n", "-256")
    assert r.returncode == 1 and "out_of_range" in r.stderr, r
    r = shoal.cli("value", "add", "n", "-27")
    assert (r.returncode, r.stdout) == (0, "100\n"), r


def test_compare_and_set_through_the_cli(shoal):
    assert shoal.cli("value", "create", "c1", "q", "10").returncode == 0
    r = shoal.cli("value", "cas", "c1", "10", "11")
    assert (r.returncode, r.stdout) == (0, "11\n"), r
    r = shoal.cli("value", "cas", "c1", "10", "12")
    assert (r.returncode, r.stdout) == (1, "11\n"), r
    assert r.stderr == ""


def test_compare_and_set_refuses_a_new_value_out_of_range(shoal):
    assert shoal.cli("value", "create", "c2", "q", "10").returncode == 0
    reply = shoal.request({"op": "value_cas", "name": "c2", "expected": 10, "new": 2**63})
    assert error_code(reply) == "out_of_range"
    assert get_value(shoal, "c2") == 10
    res = ok(shoal.request({"op": "value_cas", "name": "c2", "expected": 10, "new": -3}))
    assert res == {"name": "c2", "typecode": "q", "swapped": True, "value": -3}


def test_arrays_through_the_cli(shoal):
    r = shoal.cli("array", "create", "arr", "h", "3", "--values", "1,-2,3")
    assert r.returncode == 0, r
    assert shoal.cli("array", "get", "arr").stdout == "1,-2,3\n"
    assert shoal.cli("array", "set", "arr", "2", "-32768").returncode == 0
    assert shoal.cli("array", "get", "arr", "2").stdout == "-32768\n"
    r = shoal.cli("array", "get", "arr", "3")
    assert r.returncode == 1 and r.stderr.startswith("shoal: out_of_range: "), r
    r = shoal.cli("array", "set", "arr", "3", "1")
    assert r.returncode == 1 and "out_of_range" in r.stderr, r
    r = shoal.cli("array", "set", "arr", "0", "40000")
    assert r.returncode == 1 and "out_of_range" in r.stderr, r
    assert shoal.cli("array", "get", "arr", "--json").json() == {
        "name": "arr", "typecode": "h", "length": 3, "values": [1, -2, -32768]}
    # The CLI counts --values against LENGTH itself: a usage error, and nothing is created.
    r = shoal.cli("array", "create", "arr2", "i", "2", "--values", "1,2,3")
    assert r.returncode == 2 and "--values has 3 element(s) but LENGTH is 2" in r.stderr, r
    assert shoal.cli("array", "get", "arr2").returncode == 1
    r = shoal.cli("array", "create", "arr", "i", "2")
    assert r.returncode == 1 and "already_exists" in r.stderr, r
    assert shoal.cli("array", "delete", "arr").returncode == 0
    r = shoal.cli("array", "get", "arr")
    assert r.returncode == 1 and "not_found" in r.stderr, r


def test_value_list_shows_name_type_and_values(shoal):
    assert shoal.cli("value", "create", "salmonCount", "i", "3").returncode == 0
    assert shoal.cli("array", "create", "temps", "d", "2", "--values", "1.5,nan").returncode == 0
    r = shoal.cli("value", "list")
    assert r.returncode == 0, r
    lines = [line.split() for line in r.stdout.splitlines()]
    assert lines[0] == ["NAME", "KIND", "TYPE", "VALUE"]
    assert lines[1] == ["salmonCount", "value", "i", "3"]
    assert lines[2] == ["temps", "array", "d[2]", "1.5,nan"]
    entries = shoal.cli("value", "list", "--json").json()["entries"]
    assert [e["name"] for e in entries] == ["salmonCount", "temps"]
    assert entries[1]["values"] == [1.5, "nan"]
    assert shoal.cli("value", "delete", "salmonCount").returncode == 0
    assert "salmonCount" not in shoal.cli("value", "list").stdout


def test_duplicates_and_bad_names_are_refused(shoal):
    ok(shoal.request({"op": "value_create", "name": "dup", "typecode": "i", "value": 1}))
    assert error_code(shoal.request({"op": "value_create", "name": "dup", "typecode": "d"})) == \
        "already_exists"
    assert error_code(shoal.request({"op": "array_create", "name": "dup", "typecode": "d",
                                     "length": 1})) == "already_exists"
    assert get_value(shoal, "dup") == 1
    assert error_code(shoal.request({"op": "value_create", "name": "../x", "typecode": "i"})) == \
        "bad_request"
    assert error_code(shoal.request({"op": "value_create", "name": "t", "typecode": "x"})) == \
        "bad_request"
    assert error_code(shoal.request({"op": "value_get", "name": "nope"})) == "not_found"
    assert error_code(shoal.request({"op": "array_get", "name": "dup"})) == "invalid_state"


def test_a_full_segment_is_no_space_and_keeps_what_it_has(daemons):
    shoal = daemons(args=["--shm-size", "4K"])
    big = ok(shoal.request({"op": "array_create", "name": "big", "typecode": "q", "length": 100}))
    assert big["length"] == 100
    assert error_code(shoal.request({"op": "array_create", "name": "more", "typecode": "q",
                                     "length": 400})) == "no_space"
    created = 1
    while True:
        reply = shoal.request({"op": "value_create", "name": f"v{created}", "typecode": "i",
                               "value": created})
        if not reply["ok"]:
            assert error_code(reply) == "no_space"
            break
        created += 1
        assert created < 100, "a 4K segment cannot hold 100 entries"
    assert get_value(shoal, "v1") == 1
    ok(shoal.request({"op": "array_delete", "name": "big"}))
    ok(shoal.request({"op": "value_create", "name": "after", "typecode": "d", "value": 2.5}))
    assert get_value(shoal, "after") == 2.5
