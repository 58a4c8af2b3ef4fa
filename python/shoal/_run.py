"""The program run this process belongs to, and the daemon-side names of what it creates.

A run is one execution of a program: its main process and every process started from it
through Process. Everything the run creates in the daemon is named under one prefix that is
unique to the run, ``<script>-<pid>-<4 hex digits>``:

    salmon-29216-9f3a.Process-1      a child (its multiprocessing name after the dot)
    salmon-29216-9f3a.1.worker       a child named "worker" by Process-1
    salmon-29216-9f3a.v1             the first anonymous Value of the main process
    salmon-29216-9f3a.1.k2           the second anonymous Lock of Process-1
    salmon-29216-9f3a.k5_1           the first Lock created at module level on line 5 of the
                                     main module (the same lock in every process of the run)
    salmon-29216-9f3a.v1.lock        the lock of a synchronized Value

so two programs running at once never collide, and the run's values and locks can be deleted
when it ends. Names given explicitly (``Lock(name="jobs")``) are the user's and are kept.
"""

import itertools
import os
import sys
import threading

from .errors import ShoalError

_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")


def daemon_safe(text, limit):
    """``text`` as a piece of a daemon name: [A-Za-z0-9._-], at most ``limit`` characters."""
    cleaned = "".join(c if c in _NAME_CHARS else "_" for c in text[:limit])
    return cleaned or "x"


def _program_stem():
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None) or (sys.argv[0] if sys.argv and sys.argv[0] else "")
    stem = os.path.splitext(os.path.basename(path))[0] if path and path != "-c" else "python"
    stem = daemon_safe(stem, 12).strip("._-")
    if not stem or not stem[0].isalnum():
        stem = "py" + stem
    return stem[:12]


class Run:
    """What this process knows of its run. The main process makes one on first use; a child
    gets its own from the bootstrap (shoal._bootstrap)."""

    def __init__(self, run_id, identity=(), main_pid=None, shm=None):
        self.id = run_id
        self.identity = tuple(identity)  # () in the main process, (1,), (1, 2)... below
        self.main_pid = main_pid or os.getpid()
        self._shm = shm
        self._client = None
        self._segment = None
        self._lock = threading.Lock()
        self.child_counter = itertools.count(1)
        self._object_counter = itertools.count(1)
        self._module_counts = {}

    @property
    def is_main(self):
        return not self.identity

    def client(self):
        """The connection this process shares between its threads (made on first use, and
        again after the daemon closed it, say on a restart)."""
        client = self._client
        if client is None or client.broken:
            with self._lock:
                if self._client is None or self._client.broken:
                    from . import _at_exit
                    from .client import Client
                    self._client = Client()
                    _at_exit.register()
                client = self._client
        return client

    def call(self, method, *args, **kwargs):
        """client().method(...), sent again on a new connection when the old one broke (the
        daemon restarted): always when the request never left, and for the requests that only
        read or wait when their answer was lost."""
        from .errors import DaemonUnreachable
        try:
            return getattr(self.client(), method)(*args, **kwargs)
        except DaemonUnreachable as e:
            repeatable = method in _SAFE_TO_REPEAT or (method == "lock_create" and kwargs.get("exist_ok"))
            if e.sent and not repeatable:
                raise
            return getattr(self.client(), method)(*args, **kwargs)

    def join(self, name, timeout=None):
        """client().join(name, timeout), which outlives the daemon (Client.join): ShoalError
        ``timeout`` when the time runs out, DaemonUnreachable when no daemon comes back. A
        connection already found broken is the one to wait on: Client.join replaces it."""
        client = self._client
        if client is None:
            client = self.client()
        return client.join(name, timeout)

    def segment(self):
        if self._segment is None:
            from . import _segment
            if self._shm is None:
                self._shm = self.call("hello")["shm"]
            self._segment = _segment.segment(self._shm)
        return self._segment

    # --- names -------------------------------------------------------------------------------

    def _ident_prefix(self):
        return "_".join(map(str, self.identity)) + "." if self.identity else ""

    def process_name(self, mp_name, identity, default):
        """The daemon-side name of a child called ``mp_name`` with ``identity``."""
        if default:
            name = f"{self.id}.{daemon_safe(mp_name, 30)}"
        else:
            ident = "_".join(map(str, identity))
            name = f"{self.id}.{ident}.{daemon_safe(mp_name, 63 - len(self.id) - len(ident) - 2)}"
        return name[:64]

    def object_name(self, kind, frame):
        """(daemon name, shared) for a new anonymous object of ``kind`` ("k" Lock, "r" RLock,
        "v" value, "a" array) created by code running in ``frame``. ``shared`` is True under
        the module-level rule: the object is created once and opened by every process of the
        run that executes the same line."""
        key = _module_level_key(frame)
        with self._lock:
            if key is None:
                return f"{self.id}.{self._ident_prefix()}{kind}{next(self._object_counter)}", False
            module, line = key
            count = self._module_counts.get((module, line, kind), 0) + 1
            self._module_counts[(module, line, kind)] = count
        name = f"{self.id}.{kind}{line}_{count}"
        if module != "__main__":
            import zlib
            name += f".{zlib.crc32(module.encode()):08x}"
        return name, True

    # --- the end of the run ------------------------------------------------------------------

    def delete_objects(self):
        """Deletes the values, arrays and locks named under this run (not explicit names)."""
        prefix = self.id + "."
        try:
            entries = self.call("value_list")
            locks = self.call("lock_list")
        except ShoalError:
            return
        for entry in entries:
            if entry["name"].startswith(prefix):
                self._quietly("value_delete" if entry["kind"] == "value" else "array_delete",
                              entry["name"])
        for lock in locks:
            if lock["name"].startswith(prefix):
                self._quietly("lock_delete", lock["name"])

    def _quietly(self, method, name):
        try:
            self.call(method, name)
        except ShoalError:
            pass


def _module_level_key(frame):
    """(module, line) when ``frame`` runs the top level of a module, else None."""
    if frame is None or frame.f_code.co_name != "<module>":
        return None
    module = frame.f_globals.get("__name__", "")
    if module == "__mp_main__":
        module = "__main__"
    return module, frame.f_lineno


# Requests that change nothing, or nothing a second time: repeated when an answer was lost.
_SAFE_TO_REPEAT = frozenset({"hello", "status", "join", "logs", "value_list", "lock_list"})

_current = None
_current_lock = threading.Lock()


def current():
    """This process's Run; the first call in a main process starts a new run."""
    global _current
    if _current is None:
        with _current_lock:
            if _current is None:
                _current = Run(f"{_program_stem()}-{os.getpid()}-{os.urandom(2).hex()}")
    return _current


def adopt(run):
    """Makes ``run`` this process's run (the bootstrap of a child)."""
    global _current
    _current = run
