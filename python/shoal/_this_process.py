"""current_process() and parent_process(): which process this interpreter is, and which one
started it.

A main process is a _MainProcess until the end. A child is one too while it imports its parent's
main module, already named as its Process object; once that object is unpickled, the bootstrap
makes it the current process (Process._bootstrap).
"""

import os


class _MainProcess:
    """current_process() of a program's main process (and, until its Process object is
    unpickled, of a child importing its main module)."""

    def __init__(self):
        self._identity = ()
        self._name = "MainProcess"
        self._daemonic = False
        self._parent_pid = None
        self._config = {"authkey": os.urandom(32)}

    name = property(lambda self: self._name, lambda self, v: setattr(self, "_name", str(v)))
    daemon = property(lambda self: self._daemonic)
    pid = ident = property(lambda self: os.getpid())
    exitcode = property(lambda self: None)
    authkey = property(lambda self: self._config["authkey"])

    def is_alive(self):
        return True

    def __repr__(self):
        return f"<_MainProcess name='{self._name}' parent=None started>"


class _ParentProcess:
    """parent_process() in a child: its name and pid, and whether it still runs."""

    def __init__(self, name, pid):
        self._name = name
        self._pid = pid

    name = property(lambda self: self._name)
    pid = ident = property(lambda self: self._pid)
    daemon = property(lambda self: False)

    def is_alive(self):
        try:
            os.kill(self._pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    @property
    def exitcode(self):
        return None if self.is_alive() else 0

    def join(self, timeout=None):
        """Waits until the parent has exited (at most ``timeout`` seconds)."""
        import select
        try:
            fd = os.pidfd_open(self._pid)
        except ProcessLookupError:
            return
        try:
            select.select([fd], [], [], timeout)
        finally:
            os.close(fd)

    def __repr__(self):
        return f"<_ParentProcess name='{self._name}' parent=None started>"


_current = _MainProcess()
_parent = None
# True in a child while it imports its parent's main module: starting a process then would
# start one more child per child (a program without the __main__ guard).
importing_main = False


def current_process():
    """The Process object of the calling process."""
    return _current


def parent_process():
    """The parent of a child (a _ParentProcess); None in a main process."""
    return _parent


def become(process):
    """Runs in the child: its unpickled Process object is now the current process."""
    global _current
    _current = process


def set_parent(name, pid):
    global _parent
    _parent = _ParentProcess(name, pid)


def set_child_identity(name, identity, daemonic):
    """Before the child's Process object exists (while its main module is imported),
    current_process() already has its name."""
    _current._name = name
    _current._identity = tuple(identity)
    _current._daemonic = daemonic
