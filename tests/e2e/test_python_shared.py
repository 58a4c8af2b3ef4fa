"""Value, Array, RawValue and RawArray through the shoal package: every typecode, slices, values
passed to children as arguments, the storage being the daemon's own (the protocol reads what a
process wrote in place), locked increments that add up exactly, and named values that outlive
the program."""

import os
import signal

from harness import ok
from pyprog import last_json_line, run_program, write_program

ARRAYS = """
    import json, shoal
    from shoal import Array, Process

    INITIAL = {
        "c": b"abcd", "b": [-128, -1, 0, 127], "B": [0, 1, 254, 255],
        "h": [-32768, -1, 1, 32767], "H": [0, 1, 65534, 65535],
        "i": [-2**31, -1, 1, 2**31 - 1], "I": [0, 1, 2**32 - 2, 2**32 - 1],
        "l": [-2**63, -1, 1, 2**63 - 1], "L": [0, 1, 2**64 - 2, 2**64 - 1],
        "q": [-2**63, -1, 1, 2**63 - 1], "Q": [0, 1, 2**64 - 2, 2**64 - 1],
        "f": [1.5, -2.25, 0.0, 3.0], "d": [1e300, -2.5e-300, 0.5, -0.0],
    }

    def shuffle(arrays):
        for a in arrays.values():
            a[1:3] = a[2:4]      # slice from slice
            a[0] = a[-1]         # negative index
            a[3] = a[1]

    def plain(values):
        return values.decode("latin-1") if isinstance(values, bytes) else list(values)

    if __name__ == "__main__":
        arrays = {code: Array(code, init) for code, init in INITIAL.items()}
        p = Process(target=shuffle, args=(arrays,))
        p.start()
        p.join()
        client = shoal.Client()
        report = {"exitcode": p.exitcode}
        for code, a in arrays.items():
            report[code] = {"all": plain(a[:]), "even": plain(a[::2]), "len": len(a),
                            "daemon": client.array_get(a.name), "name": a.name}
        print(json.dumps(report))
"""

INITIAL = {
    "c": list("abcd"), "b": [-128, -1, 0, 127], "B": [0, 1, 254, 255],
    "h": [-32768, -1, 1, 32767], "H": [0, 1, 65534, 65535],
    "i": [-2**31, -1, 1, 2**31 - 1], "I": [0, 1, 2**32 - 2, 2**32 - 1],
    "l": [-2**63, -1, 1, 2**63 - 1], "L": [0, 1, 2**64 - 2, 2**64 - 1],
    "q": [-2**63, -1, 1, 2**63 - 1], "Q": [0, 1, 2**64 - 2, 2**64 - 1],
    "f": [1.5, -2.25, 0.0, 3.0], "d": [1e300, -2.5e-300, 0.5, -0.0],
}


def test_arrays_and_slices_of_every_typecode(shoal, tmp_dir):
    result = run_program(shoal, write_program(tmp_dir, "arrays.py", ARRAYS))
    assert result.returncode == 0, result
    report = last_json_line(result.stdout)
    assert report.pop("exitcode") == 0
    assert set(report) == set("cbBhHiIlLqQfd")
    for code, initial in INITIAL.items():
        a, b, c, d = initial
        shuffled = [d, c, d, c]  # a[1:3] = a[2:4]; a[0] = a[-1]; a[3] = a[1]
        got = report[code]
        expected = "".join(shuffled) if code == "c" else shuffled
        assert got["all"] == expected, (code, got)
        assert got["even"] == expected[::2], (code, got)
        assert got["len"] == 4
        # What the child wrote in place is what the daemon reads in its segment.
        assert got["daemon"] == shuffled, (code, got)
        assert got["name"].startswith("arrays-")


VALUES = """
    import ctypes, json, shoal
    from shoal import Process, Value, RawValue, RawArray, Lock

    def work(values, raw, raw_array, counter, n):
        for code, v in values.items():
            v.value = {"c": b"z", "f": 0.25, "d": -1.5}.get(code, 7)
        raw.value = 42
        raw_array[:] = [9, 8, 7]
        for _ in range(n):
            with counter.get_lock():
                counter.value += 1

    if __name__ == "__main__":
        values = {code: Value(code) for code in "cbBhHiIlLqQfd"}
        raw = RawValue(ctypes.c_longlong, 1)
        raw_array = RawArray("H", 3)
        counter = Value("q", 0)
        named = Value("i", 5, name="kept-count")
        workers = [Process(target=work, args=(values, raw, raw_array, counter, 2000))
                   for _ in range(4)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        client = shoal.Client()
        print(json.dumps({
            "exitcodes": [w.exitcode for w in workers],
            "values": {c: (v.value.decode() if c == "c" else v.value) for c, v in values.items()},
            "daemon": {c: client.value_get(v.name) for c, v in values.items()},
            "raw": [raw.value, raw_array[:], hasattr(raw, "get_lock")],
            "counter": counter.value, "obj": counter.get_obj().value,
            "named": [named.name, named.value]}))
"""


def test_values_passed_as_arguments_are_the_same_storage(shoal, tmp_dir):
    result = run_program(shoal, write_program(tmp_dir, "values.py", VALUES), timeout=180)
    assert result.returncode == 0, result
    report = last_json_line(result.stdout)
    assert report["exitcodes"] == [0, 0, 0, 0]
    expected = {code: 7 for code in "bBhHiIlLqQ"}
    expected.update({"c": "z", "f": 0.25, "d": -1.5})
    assert report["values"] == expected
    assert report["daemon"] == expected
    assert report["raw"] == [42, [9, 8, 7], False]
    # 4 processes x 2000 increments under the value's lock: none lost.
    assert report["counter"] == report["obj"] == 8000
    # A value given a name is the user's: it outlives the program; the others went with it.
    assert report["named"] == ["kept-count", 5]
    entries = ok(shoal.request({"op": "value_list"}))["entries"]
    assert [e["name"] for e in entries] == ["kept-count"]
    assert shoal.cli("value", "get", "kept-count").stdout == "5\n"
    # kept-count's lock was never asked for; the run's own locks are gone.
    assert ok(shoal.request({"op": "lock_list"}))["locks"] == []


REFUSALS = """
    import json
    from shoal import Value, Array

    outcomes = {}
    for label, make in (("wrong type", lambda: Value("i", "text")),
                        ("unknown typecode", lambda: Value("u", "x")),
                        ("empty array", lambda: Array("i", [])),
                        ("two initial values", lambda: Value("i", 1, 2))):
        try:
            make()
            outcomes[label] = "made"
        except (TypeError, ValueError) as e:
            outcomes[label] = type(e).__name__
    v = Value("b", 0)
    v.value = 300  # ctypes wraps around, as multiprocessing's Value does
    outcomes["wrapped"] = v.value
    print(json.dumps(outcomes))
"""


def test_bad_values_are_refused_before_anything_is_created(shoal, tmp_dir):
    result = run_program(shoal, write_program(tmp_dir, "refusals.py", REFUSALS))
    assert result.returncode == 0, result
    assert last_json_line(result.stdout) == {
        "wrong type": "TypeError", "unknown typecode": "TypeError", "empty array": "ValueError",
        "two initial values": "TypeError", "wrapped": 44}
    # Only the one value made, and the run deleted it at its end.
    assert ok(shoal.request({"op": "value_list"}))["entries"] == []


IN_PLACE = """
    import json, os, signal, sys
    from shoal import Array, Client, Lock, Value

    if __name__ == "__main__":
        daemon = int(sys.argv[1])
        v, a, lock = Value("i", 0), Array("d", 4), Lock()
        # Creating an object, or its lock at its first use, asks the daemon; reading, writing
        # and locking must not: the daemon is stopped meanwhile.
        with v.get_lock(), a.get_lock(), lock:
            pass
        os.kill(daemon, signal.SIGSTOP)
        try:
            for i in range(20000):
                with v.get_lock():
                    v.value += 1
                a[i % 4] += 0.5
                a[0:2] = a[0:2]
                with lock:
                    pass
            report = {"value": v.value, "name": v.name, "array": a[:]}
        finally:
            os.kill(daemon, signal.SIGCONT)
        # The daemon, running again, reads what was written while it could not answer.
        report["daemon"] = Client().value_get(v.name)
        print(json.dumps(report))
"""


def test_values_arrays_and_locks_need_no_daemon_round_trip(shoal, tmp_dir):
    try:
        result = run_program(shoal, write_program(tmp_dir, "in_place.py", IN_PLACE),
                             str(shoal.proc.pid), timeout=60)
    finally:
        os.kill(shoal.proc.pid, signal.SIGCONT)  # even when the program hung or was killed
    assert result.returncode == 0, result
    report = last_json_line(result.stdout)
    assert report["value"] == 20000 == report["daemon"]
    assert report["array"] == [2500.0] * 4
