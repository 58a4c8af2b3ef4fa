"""Inputs for the protocol fuzzer (test_protocol_fuzz.py): random and mutated request lines.

Everything comes from one random.Random, so a seed reproduces a run's inputs. Two promises keep
the fuzzer safe to run on any machine and let it check what it did not touch:
- `start` only ever runs harmless programs (true, false, echo, a short sleep) or names that
  cannot exist; a mutated argv[0] is junk, never a real program;
- no input names anything starting with PROTECTED: the test's own values and processes.
"""

import json
import random
import string

PROTECTED = "keep"

NAMES = ["fz-a", "fz-b", "fz-c", "fz-d", "Process-1", "Process-2", "x", "", ".", "..", "-x",
         "a" * 64, "a" * 65, "a" * 5000, "é", "名前", "a/b", "../etc", "a\x00b", "fz\n", " ",
         "fz-a ", "FZ-A", "fz.a_b-c"]
NUMBERS = [0, 1, -1, 2, 7, 255, 256, 65535, 2 ** 31 - 1, 2 ** 31, -2 ** 31, -2 ** 31 - 1,
           2 ** 53, 2 ** 53 + 1, 2 ** 63 - 1, 2 ** 63, 2 ** 64 - 1, 2 ** 64, -2 ** 63,
           -2 ** 63 - 1, 10 ** 30, -10 ** 30, 0.5, -0.5, 1.5, 1e-308, 1e308, -1e308, 3.14, 1e9,
           1e9 + 1, 86400.5]
TYPECODES = list("cbBhHiIlLqQfd") + ["", "x", "ii", "I ", "Z", "\u00e9", "int", "d\x00"]
SIGNALS = ["SIGTERM", "TERM", "SIGCONT", "CONT", "SIGKILL", "KILL", "SIGSTOP", "SIGUSR1",
           "SIGFOO", "", "sigterm", 0, 9, 15, 18, 19, -1, 64, 65, 1000, 2 ** 40, "9", 1.5]
SAFE_PROGRAMS = [["true"], ["false"], ["/bin/true"], ["echo"], ["sleep", "0.1"],
                 ["sleep", "0.5"], ["sleep", "2"]]
MISSING_PROGRAMS = ["fz-no-such-program", "/nonexistent/fz", "./fz-missing", "fz dir/x"]
OPS = ["hello", "start", "join", "status", "stop", "restart", "kill", "remove", "logs", "watch",
       "reload",
       "value_create", "value_get", "value_set", "value_add", "value_cas", "value_list",
       "value_delete", "array_create", "array_get", "array_set", "array_delete",
       "lock_acquire", "lock_release", "lock_status", "lock_create", "lock_delete", "lock_list"]


class Inputs:
    def __init__(self, rng, own_pid):
        self.rng = rng
        self.own_pid = own_pid

    # --- building blocks ------------------------------------------------------------------

    def text(self, max_len=40):
        r = self.rng
        alphabet = r.choice([string.ascii_letters + string.digits + "-_.",
                             string.printable,
                             "\u00e9\u00fc\u4e2d\u6587\U0001f41f\u200b\ufeff\u202e",
                             "".join(chr(c) for c in range(0, 32)),
                             "\\\"'{}[],:"])
        return "".join(r.choice(alphabet) for _ in range(r.randint(0, max_len)))

    def name(self):
        r = self.rng
        roll = r.random()
        if roll < 0.6:
            return r.choice(NAMES[:6])
        if roll < 0.9:
            return r.choice(NAMES)
        return self.text(r.choice([8, 70, 300]))

    def number(self):
        r = self.rng
        return r.choice(NUMBERS) if r.random() < 0.8 else r.uniform(-1e6, 1e6)

    def seconds(self):
        return self.rng.choice([0, 0.01, 0.1, 0.5, 1, 2, -1, 1e9, 1e10, 1e308, 2 ** 64, "1",
                                None, True])

    def value(self, depth=0):
        """Any JSON value, nesting at most 4 levels."""
        r = self.rng
        kinds = ["null", "bool", "int", "float", "string"]
        if depth < 4:
            kinds += ["array", "object"]
        kind = r.choice(kinds)
        if kind == "null":
            return None
        if kind == "bool":
            return r.random() < 0.5
        if kind == "int":
            return r.choice(NUMBERS[:22]) if r.random() < 0.7 else r.randint(-2 ** 70, 2 ** 70)
        if kind == "float":
            return r.choice([0.0, -0.0, 1e-320, 1.7976931348623157e308, r.uniform(-1e9, 1e9)])
        if kind == "string":
            return self.text()
        if kind == "array":
            return [self.value(depth + 1) for _ in range(r.randint(0, 5))]
        return {self.text(8): self.value(depth + 1) for _ in range(r.randint(0, 5))}

    def maybe_wrong(self, good):
        """`good` most of the time, otherwise a value of some other type or shape."""
        return good if self.rng.random() < 0.7 else self.value()

    def argv(self):
        r = self.rng
        roll = r.random()
        if roll < 0.6:
            argv = list(r.choice(SAFE_PROGRAMS))
            if argv[0] in ("echo", "true", "false", "/bin/true") and r.random() < 0.5:
                argv += [self.text(r.choice([10, 200, 3000])) for _ in range(r.randint(1, 4))]
            return argv
        if roll < 0.8:
            return [r.choice(MISSING_PROGRAMS)] + [self.text() for _ in range(r.randint(0, 3))]
        # Mutated: never a list whose first element names a real program.
        return r.choice([[], "true", [1, 2], [None], [["true"]], {"0": "true"},
                         ["fz-" + self.text(12)], [""], ["true\x00x"], 7])

    # --- requests ---------------------------------------------------------------------------

    def fields_for(self, op):
        r = self.rng
        w = self.maybe_wrong
        name = lambda: w(self.name())
        if op == "start":
            f = {"argv": self.argv()}
            for key, make in (("name", name), ("cwd", lambda: w(r.choice(["/", "/tmp", "rel",
                                                                          "/nonexistent", ""]))),
                              ("env", lambda: w({self.text(10): self.text(20)
                                                 for _ in range(r.randint(0, 4))})),
                              ("restart", lambda: w(r.choice(["no", "on-failure", "always",
                                                              "sometimes"]))),
                              ("restart_max", lambda: w(r.choice([0, 1, 2, -1, 2 ** 63]))),
                              ("restart_window", lambda: w(r.choice([0, 0.5, 1, 300, -1,
                                                                     1e308]))),
                              ("user", lambda: w(r.choice(["root", "nobody", "0", "65534",
                                                           "fz-nosuchuser", ""]))),
                              ("group", lambda: w(r.choice(["root", "nogroup", "0",
                                                            "fz-nosuchgroup"]))),
                              ("logs", lambda: w(r.random() < 0.5)),
                              ("log_max_bytes", lambda: w(r.choice([0, 1, 4095, 4096, 65536,
                                                                    2 ** 40, 2 ** 40 + 1, -1]))),
                              ("log_backups", lambda: w(r.choice([0, 1, 3, 1000, 1001, -1])))):
                if r.random() < 0.3:
                    f[key] = make()
            return f
        if op in ("join", "stop", "restart"):
            f = {"name": name()}
            if r.random() < 0.7:
                f["timeout"] = self.seconds()
            return f
        if op == "status":
            f = {} if r.random() < 0.4 else {"names": w([r.choice([self.name(), "all", "fz-*",
                                                                   "[!", "fz-?"])
                                                         for _ in range(r.choice([0, 1, 3, 500]))])}
            if r.random() < 0.3:
                f["declared"] = w(r.random() < 0.5)
            return f
        if op == "kill":
            f = {"name": name(), "signal": r.choice(SIGNALS)}
            if r.random() < 0.3:
                f["group"] = w(True)
            return f
        if op == "remove":
            return {"name": name()}
        if op == "logs":
            f = {"name": name(), "stream": w(r.choice(["stdout", "stderr", "both", ""]))}
            for key in ("offset", "max_bytes", "lines"):
                if r.random() < 0.4:
                    f[key] = w(self.number())
            if r.random() < 0.3:
                f["cursor"] = w({r.choice(["stdout", "stderr", "x"]): w(self.number())
                                 for _ in range(r.randint(0, 3))})
            if r.random() < 0.3:
                # Held requests stay short: the fuzzer reads replies as it goes.
                f["wait"] = w(r.choice([0, 0.01, 0.2, -1, 3601, 1e308]))
            return f
        if op == "watch":
            f = {}
            if r.random() < 0.5:
                f["names"] = w([self.name() for _ in range(r.randint(0, 3))])
            if r.random() < 0.5:
                f["since"] = w(self.number())
            return f
        if op in ("value_create", "array_create"):
            f = {"name": name(), "typecode": w(r.choice(TYPECODES))}
            if op == "array_create":
                f["length"] = w(r.choice([1, 2, 8, 0, -1, 1000, 2 ** 31, 2 ** 62, 2 ** 64]))
                if r.random() < 0.5:
                    f["values"] = w([self.number() for _ in range(r.randint(0, 9))])
            elif r.random() < 0.7:
                f["value"] = w(self.number())
            return f
        if op in ("value_get", "value_delete", "array_delete"):
            return {"name": name()}
        if op == "value_set":
            return {"name": name(), "value": self.value() if r.random() < 0.3 else self.number()}
        if op == "value_add":
            f = {"name": name(), "delta": w(self.number())}
            if r.random() < 0.5:
                f["timeout"] = self.seconds()
            return f
        if op == "value_cas":
            f = {"name": name(), "expected": w(self.number()), "new": w(self.number())}
            if r.random() < 0.5:
                f["timeout"] = self.seconds()
            return f
        if op == "array_get":
            f = {"name": name()}
            if r.random() < 0.6:
                f["index"] = w(r.choice([0, 1, 7, -1, 8, 2 ** 32, 2 ** 64, 1.5, None]))
            return f
        if op == "array_set":
            return {"name": name(), "index": w(r.choice([0, 1, 7, -1, 8, 2 ** 64])),
                    "value": w(self.number())}
        if op in ("lock_acquire", "lock_release", "lock_status") and r.random() < 0.5:
            f = {"name": name()}
        else:
            f = {}
        if op == "lock_create":
            f = {"name": name()}
            if r.random() < 0.5:
                f["exist_ok"] = w(r.random() < 0.5)
            return f
        if op == "lock_delete":
            return {"name": name()}
        if op == "lock_acquire":
            if r.random() < 0.5:
                f["owner"] = w(r.choice([self.own_pid, 1, 0, -1, 2 ** 31, 2 ** 64, 999999]))
            if r.random() < 0.6:
                f["blocking"] = w(r.random() < 0.5)
            if r.random() < 0.6:
                f["timeout"] = self.seconds()
            return f
        if op == "lock_release":
            if r.random() < 0.5:
                f["owner"] = w(r.choice([self.own_pid, 1, 0, -1, 2 ** 64]))
            if r.random() < 0.5:
                f["force"] = w(True)
            return f
        return f

    def request(self):
        """One request object: a known op with plausible, mistyped or missing fields."""
        r = self.rng
        op = r.choice(OPS) if r.random() < 0.95 else self.maybe_wrong(self.text(12))
        message = {"op": op}
        if isinstance(op, str):
            message.update(self.fields_for(op))
        roll = r.random()
        if roll < 0.1:
            message.pop(r.choice(list(message)), None)  # a required field missing
        elif roll < 0.2:
            message[self.text(10)] = self.value()  # an unknown field
        if r.random() < 0.9:
            message["id"] = r.choice([r.randint(0, 10 ** 6), self.text(10), None, [1, {"a": 2}],
                                      2 ** 70, -0.0])
        return message

    def line(self):
        """(kind, bytes) of one input, usually a whole line."""
        r = self.rng
        roll = r.random()
        if roll < 0.55:
            return "request", dump(self.request()) + b"\n"
        if roll < 0.65:
            data = dump(self.request())
            return "truncated", data[:r.randint(0, max(0, len(data) - 1))] + b"\n"
        if roll < 0.72:
            # Never a start: flipped bytes could turn `true` into the name of a real program.
            message = self.request()
            while message.get("op") == "start" or "argv" in message:
                message = self.request()
            data = bytearray(dump(message))
            for _ in range(r.randint(1, 5)):
                if data:
                    data[r.randrange(len(data))] = r.randrange(256)
            return "mutated", bytes(data).replace(b"\n", b" ") + b"\n"
        if roll < 0.78:
            return "junk", bytes(r.randrange(256) for _ in range(r.randint(1, 300))) + b"\n"
        if roll < 0.83:
            return "not-an-object", dump(self.value()) + b"\n"
        if roll < 0.87:
            depth = r.choice([10, 63, 64, 65, 200, 5000])
            opener, closer = r.choice([("[", "]"), ('{"a":', "}")])
            body = opener * depth + "1" + closer * depth
            return "nested", ('{"id": 1, "op": "hello", "x": ' + body + "}\n").encode()
        if roll < 0.90:
            return "invalid-utf8", b'{"op": "hello", "id": "' + bytes(
                r.choice([0x80, 0xc0, 0xed, 0xff]) for _ in range(r.randint(1, 4))) + b'"}\n'
        if roll < 0.93:
            return "long-name", dump({"op": r.choice(["value_create", "start", "join", "status"]),
                                       "name": "n" * r.choice([65, 1000, 100000]),
                                       "typecode": "i", "argv": ["true"]}) + b"\n"
        if roll < 0.96:
            return "empty", r.choice([b"\n", b"\r\n", b"\n\n\n", b" \n"])
        if roll < 0.995:
            return "numbers", dump({"op": r.choice(["value_add", "array_get", "logs", "join"]),
                                     "name": "fz-a", "delta": r.choice(NUMBERS),
                                     "index": r.choice(NUMBERS), "offset": r.choice(NUMBERS),
                                     "max_bytes": r.choice(NUMBERS),
                                     "timeout": r.choice(NUMBERS)}) + b"\n"
        # Rare, as it costs the connection: a line past the 1 MiB limit.
        return "oversized", b'{"op": "hello", "pad": "' + b"z" * ((1 << 20) + 10) + b'"}\n'


def dump(value):
    """JSON text, with non-ASCII as UTF-8 and lone surrogates escaped rather than refused."""
    text = json.dumps(value, ensure_ascii=False)
    return text.encode("utf-8", errors="surrogatepass")


def touches_protected(data):
    return PROTECTED.encode() in data
