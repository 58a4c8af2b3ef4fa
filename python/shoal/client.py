"""A client of shoald's socket protocol (docs/protocol.md): one method per op.

    from shoal import Client
    c = Client()                       # $SHOAL_SOCKET, else the default socket
    c.start(["sleep", "5"], name="nap")
    c.join("nap")["exitcode"]          # 0

Every refusal raises ShoalError, whose ``code`` is the protocol's error code (``not_found``,
``timeout``...). A daemon that cannot be reached raises DaemonUnreachable. A Client may be
shared by threads: replies are matched to requests by id, so a ``join`` that waits does not
hold up a ``status`` from another thread. ``join`` and ``watch`` outlive the daemon, as the
CLI's do: when the connection is lost they wait for a daemon to answer on the socket again,
and go on there on a new connection.
"""

import itertools
import json
import os
import socket as _socket
import threading
import time

from .errors import DaemonUnreachable, ShoalError

__all__ = ["Client", "ShoalError", "DaemonUnreachable", "default_socket_path"]

# A reply line is at most this long; anything longer means the peer is not shoald.
_MAX_REPLY = 64 << 20

# How long a join or a watch whose daemon went away waits for one to answer on the socket
# again (the CLI's, client/reconnect.hpp): a systemd restart or a reexec is back within a
# second or two.
DAEMON_RETURN_PATIENCE = 30.0


def default_runtime_dir():
    """The directory where a daemon listens when not told otherwise (common/paths.cpp)."""
    if os.geteuid() == 0:
        return "/run/shoal"
    xdg = os.environ.get("XDG_RUNTIME_DIR", "")
    if xdg.startswith("/"):
        return xdg + "/shoal"
    return f"/tmp/shoal-{os.geteuid()}"


def default_socket_path():
    """$SHOAL_SOCKET, else the daemon's default socket for this user, as `shoal` resolves it."""
    return os.environ.get("SHOAL_SOCKET") or default_runtime_dir() + "/shoal.sock"


def _fields(**fields):
    return {k: v for k, v in fields.items() if v is not None}


def _connect(path, timeout):
    """A new connection to the daemon at ``path``; DaemonUnreachable when none answers."""
    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM | _socket.SOCK_CLOEXEC)
    try:
        sock.settimeout(timeout)
        sock.connect(path)
    except OSError as e:
        sock.close()
        raise DaemonUnreachable(path, e.strerror or str(e)) from None
    return sock


class Client:
    """One connection to shoald. ``socket`` defaults to default_socket_path()."""

    def __init__(self, socket=None, timeout=None):
        self.path = socket or default_socket_path()
        self._timeout = timeout
        self._sock = _connect(self.path, timeout)
        self._ids = itertools.count(1)
        self._send_lock = threading.Lock()
        # Whoever reads files replies for the others; one reader at a time.
        self._cond = threading.Condition()
        self._reading = False
        self._replies = {}
        self._buffer = bytearray()
        self._broken = None
        # Ids below this one went out on a connection that was since replaced: their answers
        # will never come.
        self._first_id = 1
        self._closed = False
        self._reconnecting = threading.Lock()

    def close(self):
        self._closed = True
        try:
            self._sock.shutdown(_socket.SHUT_RDWR)  # wakes a thread blocked reading it
        except OSError:
            pass
        self._sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def fileno(self):
        return self._sock.fileno()

    @property
    def broken(self):
        """True once the connection failed, until a ``join`` or a ``watch`` connects again:
        other requests raise DaemonUnreachable meanwhile."""
        return self._broken is not None

    # --- the wire ----------------------------------------------------------------------------

    def call(self, op, **fields):
        """Sends one request and returns its result; raises ShoalError when refused."""
        reply = self._await(self._send(dict(op=op, **fields)))
        if reply.get("ok"):
            return reply.get("result")
        error = reply.get("error") or {}
        raise ShoalError(error.get("code", "internal"), error.get("message", "no message"))

    def call_many(self, requests):
        """Sends every (op, fields) request before reading any reply; returns each one's
        result, or the ShoalError that refused it, in order."""
        ids = [self._send(dict(op=op, **fields)) for op, fields in requests]
        results = []
        for request_id in ids:
            reply = self._await(request_id)
            if reply.get("ok"):
                results.append(reply.get("result"))
            else:
                error = reply.get("error") or {}
                results.append(ShoalError(error.get("code", "internal"),
                                          error.get("message", "no message")))
        return results

    def _send(self, request):
        with self._send_lock:
            request_id = next(self._ids)
            request["id"] = request_id
            line = json.dumps(request, separators=(",", ":")).encode() + b"\n"
            if self._broken:
                raise DaemonUnreachable(self.path, self._broken, sent=False)
            try:
                self._sock.sendall(line)
            except OSError as e:
                self._broken = f"sending failed: {e.strerror or e}"
                raise DaemonUnreachable(self.path, self._broken, sent=False) from None
        return request_id

    def _await(self, request_id):
        with self._cond:
            while request_id not in self._replies:
                if self._broken:
                    raise DaemonUnreachable(self.path, self._broken)
                if request_id < self._first_id:
                    raise DaemonUnreachable(self.path, "the connection was lost")
                if self._reading:
                    self._cond.wait()
                    continue
                self._reading = True
                self._cond.release()
                try:
                    reply = self._read_reply()
                except DaemonUnreachable as e:
                    reply = None
                    broken = e.why
                finally:
                    self._cond.acquire()
                    self._reading = False
                    self._cond.notify_all()
                if reply is None:
                    self._broken = broken
                    continue
                self._replies[reply.get("id")] = reply
            return self._replies.pop(request_id)

    def _read_line(self):
        while True:
            newline = self._buffer.find(b"\n")
            if newline >= 0:
                line = bytes(self._buffer[:newline])
                del self._buffer[:newline + 1]
                if line.strip():
                    return line
                continue
            if len(self._buffer) > _MAX_REPLY:
                raise DaemonUnreachable(self.path, "it sent a line longer than 64 MiB")
            try:
                chunk = self._sock.recv(1 << 16)
            except OSError as e:
                raise DaemonUnreachable(self.path, f"reading failed: {e.strerror or e}") from None
            if not chunk:
                raise DaemonUnreachable(self.path, "the daemon closed the connection")
            self._buffer += chunk

    def _read_reply(self):
        line = self._read_line()
        try:
            reply = json.loads(line)
        except ValueError:
            raise DaemonUnreachable(self.path, f"it sent a line that is not JSON: {line[:100]!r}")
        if not isinstance(reply, dict):
            raise DaemonUnreachable(self.path, f"it sent a reply that is not an object: {line[:100]!r}")
        return reply

    # --- across a restart of the daemon ------------------------------------------------------

    def _come_back(self, doing, until=None):
        """Once the connection is lost, waits for a daemon to answer on the socket again and
        makes that the connection, as the CLI's long verbs do (client/reconnect.*): tried every
        tenth of a second for up to DAEMON_RETURN_PATIENCE seconds, never past ``until`` (a
        time.monotonic()). True once connected; False when ``until`` came first;
        DaemonUnreachable, saying what was ``doing``, when no daemon came back or the Client
        was closed. Threads that lose the connection together wait for one new one."""
        with self._reconnecting:
            if self._broken is None and not self._closed:
                return True  # another thread connected again meanwhile
            give_up = time.monotonic() + DAEMON_RETURN_PATIENCE
            if until is not None:
                give_up = min(give_up, until)
            while not self._closed:
                try:
                    self._replace(_connect(self.path, self._timeout))
                    return True
                except DaemonUnreachable:
                    pass
                now = time.monotonic()
                if now >= give_up:
                    if until is not None and give_up == until:
                        return False
                    raise DaemonUnreachable(
                        self.path, f"lost it while {doing}, and no daemon answered there within "
                        f"{DAEMON_RETURN_PATIENCE:g} s")
                time.sleep(min(0.1, give_up - now))
            raise DaemonUnreachable(self.path, f"the Client was closed while {doing}")

    def _replace(self, sock):
        """Makes ``sock`` the connection. Requests still waiting on the old one fail there."""
        with self._send_lock, self._cond:
            try:
                self._sock.shutdown(_socket.SHUT_RDWR)  # a reader still on it returns
            except OSError:
                pass
            while self._reading:
                self._cond.wait()
            self._sock.close()
            self._sock = sock
            self._buffer = bytearray()
            self._replies.clear()
            self._broken = None
            self._first_id = next(self._ids)
            self._cond.notify_all()

    # --- processes ---------------------------------------------------------------------------

    def hello(self):
        return self.call("hello")

    def start(self, argv=None, name=None, cwd=None, env=None, restart=None, restart_max=None,
              restart_window=None, user=None, group=None, log_max_bytes=None,
              log_backups=None, logs=None):
        """Starts a process; returns its record (docs/protocol.md, "Process records").
        ``logs=False``: its stdout and stderr go to /dev/null and no log files are kept."""
        return self.call("start", **_fields(
            argv=list(argv) if argv is not None else None, name=name, cwd=cwd,
            env=dict(env) if env is not None else None, restart=restart,
            restart_max=restart_max, restart_window=restart_window, user=user, group=group,
            log_max_bytes=log_max_bytes, log_backups=log_backups, logs=logs))

    def join(self, name, timeout=None):
        """The record once the process is done; ShoalError ``timeout`` when it is not by then.
        Outlives the daemon, as `shoal join` does: when the connection is lost, it connects
        again (_come_back) and joins again on the next daemon, for what is left of
        ``timeout``. The keeper held the process and its exit code meanwhile, so the record
        is the one it ended with, even when it ended while no daemon ran."""
        until = None if timeout is None else time.monotonic() + timeout
        while True:
            left = None if until is None else max(0.0, until - time.monotonic())
            try:
                return self.call("join", **_fields(name=name, timeout=left))
            except DaemonUnreachable:
                if not self._come_back(f"joining '{name}'", until):
                    raise ShoalError("timeout", f"process '{name}' still running after "
                                     f"{timeout:g} s (shoald was away meanwhile)") from None

    def status(self, *targets, declared=False, usage=True):
        """Records of the processes the targets name (process names, program names, ``all``,
        globs), or of all of them. With ``declared``, the reply as a whole: its ``declared``
        lists the declared instances that have no record. Without ``usage``, the daemon reads
        nothing from /proc: ``cpu_seconds``, ``cpu_percent`` and ``rss_bytes`` are None."""
        result = self.call("status", **_fields(names=list(targets) or None,
                                               declared=True if declared else None,
                                               usage=None if usage else False))
        return result if declared else result["processes"]

    def stop(self, name, timeout=None):
        return self.call("stop", **_fields(name=name, timeout=timeout))

    def restart(self, name, timeout=None):
        """Stops the process as ``stop`` does and starts it again with the same spec; returns
        the new run's record."""
        return self.call("restart", **_fields(name=name, timeout=timeout))

    def kill(self, name, signal=None, group=None):
        if signal is not None and not isinstance(signal, str):
            signal = int(signal)
        return self.call("kill", **_fields(name=name, signal=signal, group=group))

    def remove(self, name):
        return self.call("remove", name=name)

    def logs(self, name, stream=None, offset=None, max_bytes=None, wait=None, lines=None,
             cursor=None):
        """By bytes: {"data", "offset", "skipped", "size", "state"}, a stream's tail, or from
        ``offset`` on. With ``lines``, ``cursor`` or ``stream="both"``, by lines: {"lines",
        "cursor", "skipped", "state", "done"}, each line a {"stream", "text", "time"}."""
        return self.call("logs", **_fields(name=name, stream=stream, offset=offset,
                                           max_bytes=max_bytes, wait=wait, lines=lines,
                                           cursor=cursor))

    def reload(self):
        return self.call("reload")

    def reexec(self):
        """Upgrades the daemon in place (docs/restore.md); returns the new image's hello. The
        daemon closes this connection afterwards, as it does every other: make a new Client."""
        try:
            return self.call("reexec")
        finally:
            self._broken = "the daemon closed this connection after reexec; make a new Client"

    def watch(self, names=None, since=None):
        """An iterator of events (dicts) for as long as it is iterated; it has a connection of
        its own, closed when the iterator is closed or collected. Across a restart of the
        daemon it yields a ``{"reconnected": ...}`` item, then goes on (_Watch)."""
        return _Watch(self.path, _fields(names=list(names) if names else None, since=since))

    # --- shared values and arrays ------------------------------------------------------------

    def value_create(self, name, typecode, value=None):
        return self.call("value_create", **_fields(name=name, typecode=typecode, value=value))

    def value_get(self, name):
        return self.call("value_get", name=name)["value"]

    def value_set(self, name, value):
        return self.call("value_set", name=name, value=value)

    def value_add(self, name, delta, timeout=None, lock=None):
        """The new value, added under the daemon's lock, or the named ``lock`` (a Value's own
        is ``v.get_lock().name``)."""
        return self.call("value_add", **_fields(name=name, delta=delta, timeout=timeout,
                                                lock=lock))["value"]

    def value_cas(self, name, expected, new, timeout=None, lock=None):
        return self.call("value_cas", **_fields(name=name, expected=expected, new=new,
                                                timeout=timeout, lock=lock))

    def value_list(self):
        return self.call("value_list")["entries"]

    def value_delete(self, name):
        return self.call("value_delete", name=name)

    def array_create(self, name, typecode, length, values=None):
        return self.call("array_create", **_fields(name=name, typecode=typecode, length=length,
                                                   values=values))

    def array_get(self, name, index=None):
        result = self.call("array_get", **_fields(name=name, index=index))
        return result["value"] if index is not None else result["values"]

    def array_set(self, name, index, value):
        return self.call("array_set", name=name, index=index, value=value)

    def array_delete(self, name):
        return self.call("array_delete", name=name)

    # --- locks -------------------------------------------------------------------------------

    def lock_acquire(self, name=None, owner=None, blocking=None, timeout=None):
        """{"acquired", "owner", "previous_owner_died"}; ``owner`` defaults to this process."""
        return self.call("lock_acquire", **_fields(name=name, owner=owner or os.getpid(),
                                                   blocking=blocking, timeout=timeout))

    def lock_release(self, name=None, owner=None, force=None):
        return self.call("lock_release", **_fields(name=name, owner=owner or os.getpid(),
                                                   force=force))

    def lock_status(self, name=None):
        return self.call("lock_status", **_fields(name=name))

    def lock_create(self, name, exist_ok=None):
        """{"name", "semaphore", "record", "created"} of a named lock."""
        return self.call("lock_create", **_fields(name=name, exist_ok=exist_ok))

    def lock_delete(self, name):
        return self.call("lock_delete", name=name)

    def lock_list(self):
        return self.call("lock_list")["locks"]


class _Watch:
    """The event stream of one ``watch`` request, on a connection of its own.

    It outlives the daemon, as `shoal watch` does: when the connection is lost, it connects
    again (Client._come_back) and watches again from the last event it yielded, sending the
    ``epoch`` that event's seq belongs to. A daemon started again or re-executed numbers its
    events from 1 under another epoch and then replays all it holds (with the exits it found
    at start-up), so no event is yielded twice; what the old one had not sent is lost. Before
    the events of the new connection it yields the line `shoal watch --json` prints there,
    ``{"reconnected": {"socket", "epoch", "renumbered", "lost"}}``, which no event has the
    shape of (an event always has ``type``). Raises DaemonUnreachable when no daemon comes
    back; ends when closed."""

    def __init__(self, path, fields):
        self._client = Client(path)
        self._fields = fields
        try:
            self.started = self._request(fields)
        except ShoalError:
            self._client.close()
            raise
        self.epoch = self.started.get("epoch", "")
        # The newest seq this watch is past: the events after it are still to come.
        since = fields.get("since")
        self._seen = self.started.get("seq", 0) if since is None else since

    def _request(self, fields):
        self._client._send(dict(op="watch", **fields))
        reply = self._client._read_reply()
        if not reply.get("ok"):
            error = reply.get("error") or {}
            raise ShoalError(error.get("code", "internal"), error.get("message", "no message"))
        return reply.get("result") or {}

    def __iter__(self):
        return self

    def __next__(self):
        while True:
            try:
                line = self._client._read_reply()
            except DaemonUnreachable as lost:
                return self._resume(lost)
            event = line.get("event")
            if isinstance(event, dict):
                if isinstance(event.get("seq"), int):
                    self._seen = max(self._seen, event["seq"])
                return event

    def _resume(self, lost):
        """Watches again on the next daemon; the item that says so."""
        while True:
            if self._client._closed:
                raise StopIteration
            self._client._broken = lost.why
            try:
                self._client._come_back("watching")
            except DaemonUnreachable:
                if self._client._closed:
                    raise StopIteration from None
                self.close()
                raise
            try:
                result = self._request(dict(self._fields, since=self._seen,
                                            **_fields(epoch=self.epoch or None)))
                break
            except DaemonUnreachable as again:
                lost = again  # lost again before it answered
        now = result.get("epoch", "")
        renumbered = not now or now != self.epoch
        if now and self.epoch and now != self.epoch:
            self._seen = 0  # the daemon replays every event it holds
        self.epoch = now
        return {"reconnected": {"socket": self._client.path, "epoch": now,
                                "renumbered": renumbered, "lost": result.get("lost", 0)}}

    def close(self):
        self._client.close()

    def __del__(self):
        try:
            self._client.close()
        except Exception:
            pass
