"""Process, current_process, active_children, parent_process: multiprocessing's process API,
with every child started and supervised by shoald.

``start()`` asks the daemon to run a fresh interpreter (shoal/_child.py) the way
multiprocessing's ``spawn`` start method does: the parent's sys.path, working directory and
main module (imported as ``__mp_main__``), then the pickled Process object's ``run()``. The
child is a process of the daemon, so ``shoal status`` lists it, its output stays in
``shoal logs``, and it may outlive its parent (``detach=True``). While the parent runs, the
child's output is copied to the parent's stdout and stderr (shoal._output).
"""

import os
import signal
import sys

from . import _at_exit, _children, _run, _this_process
from ._children import active_children
from ._this_process import current_process, parent_process
from .errors import ShoalError

__all__ = ["Process", "current_process", "active_children", "parent_process", "cpu_count",
           "freeze_support"]


def cpu_count():
    count = os.cpu_count()
    if count is None:
        raise NotImplementedError("cannot determine the number of CPUs")
    return count


def freeze_support():
    """Does nothing, as multiprocessing's does outside frozen Windows programs."""


class Process:
    """multiprocessing.Process, run by shoald.

    ``detach`` (an extension): the child is not joined or terminated when this program exits;
    it keeps running under shoald (see ``shoal status``) and its output stays in ``shoal logs``.
    """

    def __init__(self, group=None, target=None, name=None, args=(), kwargs={}, *, daemon=None,
                 detach=False):
        assert group is None, "group argument must be None for now"
        run = _run.current()
        count = next(run.child_counter)
        self._identity = run.identity + (count,)
        self._config = dict(current_process()._config)
        self._parent_pid = os.getpid()
        self._parent_name = current_process().name
        self._target = target
        self._args = tuple(args)
        self._kwargs = dict(kwargs)
        self._default_name = name is None
        self._name = name if name is not None else (
            type(self).__name__ + "-" + ":".join(str(i) for i in self._identity))
        self._daemonic = bool(daemon) if daemon is not None else current_process().daemon
        self._detach = bool(detach)
        self._daemon_name = None
        self._pid = None
        self._exitcode = None
        self._closed = False
        self._spawn_file = None
        self._sentinel = None

    # --- multiprocessing's API -------------------------------------------------------------

    def run(self):
        """What the child runs; by default target(*args, **kwargs)."""
        if self._target:
            self._target(*self._args, **self._kwargs)

    def start(self):
        self._check_closed()
        assert self._daemon_name is None, "cannot start a process twice"
        assert self._parent_pid == os.getpid(), \
            "can only start a process object created by current process"
        assert not current_process().daemon, "daemonic processes are not allowed to have children"
        if _this_process.importing_main:
            raise RuntimeError(
                "An attempt has been made to start a new process before the current process has "
                "finished its bootstrapping phase: this child is importing its parent's main "
                "module, which starts processes at its top level. Guard that code with\n\n"
                "    if __name__ == '__main__':\n        ...\n\nas multiprocessing's spawn "
                "start method requires.")
        _at_exit.install()
        from . import _spawn
        run = _run.current()
        daemon_name = run.process_name(self._name, self._identity, self._default_name)
        argv, env, self._spawn_file = _spawn.command(self, run)
        try:
            record = run.call("start", argv, name=daemon_name, cwd=os.getcwd(), env=env)
        except BaseException:
            _spawn.discard(self._spawn_file)
            raise
        self._daemon_name = daemon_name
        self._pid = record["pid"]
        _children.add(self)
        if not self._detach:
            _children.follow_output(daemon_name)

    def join(self, timeout=None):
        """Waits until the child ends (at most ``timeout`` seconds); its exit code is then
        ``exitcode``, and everything it printed has been copied to our output."""
        self._check_closed()
        assert self._parent_pid == os.getpid(), "can only join a child process"
        assert self._daemon_name is not None, "can only join a started process"
        if self._exitcode is None:
            try:
                record = _run.current().join(
                    self._daemon_name, None if timeout is None else max(0.0, float(timeout)))
            except ShoalError as e:
                if e.code == "timeout":
                    return
                raise
            self._ended(record)
        _children.discard(self)

    def is_alive(self):
        self._check_closed()
        if self is current_process():
            return True
        assert self._parent_pid == os.getpid(), "can only test a child process"
        if self._daemon_name is None or self._exitcode is not None:
            return False
        record = _run.current().call("status", self._daemon_name)[0]
        if record["state"] in _children.RUNNING_STATES:
            return True
        self._ended(record)
        _children.discard(self)
        return False

    def terminate(self):
        """Sends SIGTERM (exitcode -15 unless the child handles it)."""
        self._signal("SIGTERM")

    def kill(self):
        """Sends SIGKILL (exitcode -9)."""
        self._signal("SIGKILL")

    def close(self):
        """Forgets the child; refused while it runs."""
        if self._closed:
            return
        if self._daemon_name is not None and self._exitcode is None and self.is_alive():
            raise ValueError("Cannot close a process while it is still running. You should "
                             "first call join() or terminate().")
        if self._sentinel is not None:
            os.close(self._sentinel)
            self._sentinel = None
        _children.discard(self)
        self._closed = True

    @property
    def name(self):
        return self._name

    @name.setter
    def name(self, name):
        assert isinstance(name, str), "name must be a string"
        self._name = name
        self._default_name = False

    @property
    def daemon(self):
        return self._daemonic

    @daemon.setter
    def daemon(self, daemonic):
        assert self._daemon_name is None, "process has already started"
        self._daemonic = bool(daemonic)

    @property
    def detach(self):
        return self._detach

    @property
    def authkey(self):
        return self._config["authkey"]

    @authkey.setter
    def authkey(self, key):
        self._config["authkey"] = bytes(key)

    @property
    def exitcode(self):
        """None while the child runs (or before start); its exit status after, minus the
        signal's number when a signal killed it."""
        self._check_closed()
        if self._exitcode is None and self._daemon_name is not None and self is not current_process():
            try:
                record = _run.current().call("status", self._daemon_name)[0]
            except ShoalError:
                return None
            if record["state"] not in _children.RUNNING_STATES:
                self._ended(record)
        return self._exitcode

    @property
    def pid(self):
        self._check_closed()
        if self is current_process():
            return os.getpid()
        return self._pid

    ident = pid

    @property
    def sentinel(self):
        """A descriptor that becomes readable when the child ends (a pidfd)."""
        self._check_closed()
        if self._pid is None:
            raise ValueError("process not started")
        if self._sentinel is None:
            self._sentinel = os.pidfd_open(self._pid)
        return self._sentinel

    @property
    def daemon_name(self):
        """The child's name in shoald (``shoal status NAME``, ``shoal logs NAME``)."""
        return self._daemon_name

    def __repr__(self):
        if self is current_process():
            status = "started"
        elif self._closed:
            status = "closed"
        elif self._daemon_name is None:
            status = "initial"
        elif self._exitcode is not None:
            status = f"stopped exitcode={self._exitcode}"
        else:
            status = "started"
        daemon = " daemon" if self._daemonic else ""
        return f"<{type(self).__name__} name='{self._name}' {status}{daemon}>"

    # --- inner workings ----------------------------------------------------------------------

    def _check_closed(self):
        if self._closed:
            raise ValueError("process object is closed")

    def _signal(self, name):
        self._check_closed()
        if self._daemon_name is None or self._exitcode is not None:
            return
        try:
            _run.current().call("kill", self._daemon_name, signal=name)
        except ShoalError as e:
            if e.code != "invalid_state":  # it has exited meanwhile
                raise

    def _ended(self, record):
        """The child is done (``record`` from join or status): its exit code, its last output."""
        if self._exitcode is None:
            self._exitcode = record["exitcode"]
        if not self._detach:
            _children.finish_output(self._daemon_name)
        if self._spawn_file:
            from . import _spawn
            _spawn.discard(self._spawn_file)
            self._spawn_file = None

    def __getstate__(self):
        state = dict(self.__dict__)
        for runtime in ("_daemon_name", "_pid", "_exitcode", "_spawn_file", "_sentinel"):
            state[runtime] = None
        return state

    def _bootstrap(self):
        """Runs in the child: this object is the current process; returns the exit code."""
        _this_process.become(self)
        _children.reset()
        try:
            # A Ctrl-C held back while the child started (_child.py) is raised here, as
            # KeyboardInterrupt in the target: exit code 1, as in multiprocessing.
            signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGINT])
            self.run()
            exitcode = 0
        except SystemExit as e:
            if e.code is None:
                exitcode = 0
            elif isinstance(e.code, int):
                exitcode = e.code
            else:
                sys.stderr.write(str(e.code) + "\n")
                exitcode = 1
        except BaseException:
            exitcode = 1
            import traceback
            sys.stderr.write(f"Process {self.name}:\n")
            traceback.print_exc()
        finally:
            _at_exit.exit_function()
        return exitcode
