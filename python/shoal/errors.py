"""The exceptions of the package, in a module of their own so that a child imports them
without the client's dependencies."""

__all__ = ["ShoalError", "DaemonUnreachable"]


class ShoalError(Exception):
    """A request the daemon refused. ``code`` is the protocol's error code (docs/protocol.md)."""

    def __init__(self, code, message):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class DaemonUnreachable(ShoalError, ConnectionError):
    """No daemon answers on the socket (code ``unreachable``, which no reply carries)."""

    def __init__(self, path, why, sent=True):
        # `sent`: False when the request never left (nothing can have happened in the daemon).
        self.sent = sent
        self.why = why
        ShoalError.__init__(
            self, "unreachable",
            f"cannot connect to shoald at {path}: {why}; start it with 'shoald --socket {path}' "
            f"(or 'systemctl --user start shoald'), or point SHOAL_SOCKET at it")
        self.path = path
