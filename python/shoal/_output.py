"""Children's output on the parent's own stdout and stderr, followed from shoald's logs.

A child started by shoald writes to its log files (STATE_DIR/logs/NAME.out and .err); the
parent polls the ``logs`` op from a thread of its own and copies what is new, line by line,
to its sys.stdout and sys.stderr, as multiprocessing's children would have written to the
terminal they share. The output stays in the daemon's logs (``shoal logs NAME``).

join() drains a child's last lines before it returns, so whatever the child printed comes
before what the parent prints after join().
"""

import sys
import threading

from .client import Client
from .errors import ShoalError

_MIN_INTERVAL = 0.01
_MAX_INTERVAL = 0.1
_CHUNK = 1 << 16
_DONE_STATES = ("exited", "fatal", "lost")


class _Stream:
    __slots__ = ("name", "stream", "offset", "partial", "ended")

    def __init__(self, name, stream):
        self.name = name
        self.stream = stream  # "stdout" or "stderr"
        self.offset = 0
        self.partial = ""
        self.ended = False  # the child is done and everything it wrote has been read


def _target(stream):
    return sys.stdout if stream == "stdout" else sys.stderr


def _write(stream, text):
    out = _target(stream)
    if out is None:
        return
    try:
        # What the parent printed before comes first, even when its stdout is a pipe.
        sys.stdout.flush()
        out.write(text)
        out.flush()
    except (OSError, ValueError):
        pass


class Follower:
    """Follows the logs of the children this process started, until each is finished."""

    def __init__(self, socket_path):
        self._socket_path = socket_path
        self._client = None
        self._lock = threading.Lock()  # one poll at a time, from the thread or from finish()
        self._wake = threading.Condition()
        self._followed = {}  # daemon name -> (stdout _Stream, stderr _Stream)
        self._thread = None
        self._stopping = False

    def follow(self, name):
        with self._wake:
            self._followed[name] = (_Stream(name, "stdout"), _Stream(name, "stderr"))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="shoal-output",
                                                daemon=True)
                self._thread.start()
            self._wake.notify()

    def finish(self, name):
        """Copies what ``name`` wrote up to its end (it has exited) and stops following it."""
        with self._wake:
            streams = self._followed.pop(name, None)
        if streams is not None:
            with self._lock:
                self._drain(streams, final=True)

    def forget(self, name):
        with self._wake:
            self._followed.pop(name, None)

    def _connection(self):
        if self._client is None or self._client.broken:
            self._client = Client(self._socket_path)
        return self._client

    def _drain(self, streams, final):
        """Reads everything available of ``streams``, one pipelined request per stream and
        round; True when something came."""
        got = False
        pending = list(streams)
        try:
            client = self._connection()
            while pending:
                replies = client.call_many(
                    [("logs", {"name": s.name, "stream": s.stream, "offset": s.offset,
                               "max_bytes": _CHUNK}) for s in pending])
                more = []
                for s, r in zip(pending, replies):
                    if isinstance(r, ShoalError):
                        continue
                    data, s.offset = r["data"], r["offset"]
                    if data:
                        got = True
                        text = s.partial + data
                        cut = len(text) if final else text.rfind("\n") + 1
                        s.partial = text[cut:]
                        if cut:
                            _write(s.stream, text[:cut])
                    if s.offset < r["size"]:
                        more.append(s)
                    else:
                        s.ended = r["state"] in _DONE_STATES
                pending = more
        except OSError:
            pass
        if final:
            for s in streams:
                if s.partial:
                    _write(s.stream, s.partial)
                    s.partial = ""
        return got

    def _poll(self):
        """One pass over every followed child; True when any wrote something. A child found
        done (nobody joined it yet) is finished here."""
        with self._wake:
            streams = [s for pair in self._followed.values() for s in pair]
        with self._lock:
            got = self._drain(streams, final=False)
        with self._wake:
            ended = [name for name, pair in self._followed.items() if all(s.ended for s in pair)]
        for name in ended:
            self.finish(name)
        return got

    def _run(self):
        interval = _MIN_INTERVAL
        while True:
            with self._wake:
                while not self._followed and not self._stopping:
                    self._wake.wait()
                if self._stopping:
                    return
            interval = _MIN_INTERVAL if self._poll() else min(interval * 2, _MAX_INTERVAL)
            with self._wake:
                if self._stopping:
                    return
                self._wake.wait(interval)

    def stop(self):
        """Copies what is left of every child still followed, and ends the thread."""
        with self._wake:
            names = list(self._followed)
        for name in names:
            self.finish(name)
        with self._wake:
            self._stopping = True
            self._wake.notify()
