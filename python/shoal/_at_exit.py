"""The exit work of a process (exit_function): its children's end, then its run's objects. It
runs at the interpreter's exit once registered, and in a child as soon as its target is done
(Process._bootstrap).
"""

import sys

from . import _children, _run
from .errors import ShoalError

_registered = False
_installed = False
_interrupted = False


def register():
    """Runs exit_function when the interpreter exits: children joined or terminated, then the
    run's values and locks deleted. Once per process, whatever came first: a child started or
    an object made in the daemon."""
    global _registered
    if _registered:
        return
    _registered = True
    import atexit
    atexit.register(exit_function)


def install():
    """Once per process, at its first start(): the exit work, and a note of the Ctrl-C that
    ends the program, which the exit work passes on to the children."""
    global _installed
    if _installed:
        return
    _installed = True
    register()
    sys.excepthook = _note_interrupt(sys.excepthook)


def exit_function():
    """At exit, as multiprocessing does: daemonic children are terminated and the others
    joined; detached ones are left to shoald. A main process then deletes the run's values
    and locks, unless a detached child may still use them."""
    known = _children.snapshot()
    children = [p for p in known if not p._detach and p._exitcode is None]
    detached = [p for p in known if p._detach]
    # Ctrl-C reached only us: our children are not in the terminal's process group.
    if _interrupted:
        _forward_interrupt(children)
    for p in children:
        if p._daemonic:
            _quiet(p.terminate)
    _join_at_exit(children)
    _children.stop_output(detached)
    run = _run.current()
    if run.is_main and run._client is not None:
        if not any(_quiet(p.is_alive) for p in detached):
            run.delete_objects()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (AttributeError, OSError, ValueError):
            pass


def _note_interrupt(previous):
    def hook(kind, value, tb):
        global _interrupted
        if issubclass(kind, KeyboardInterrupt):
            _interrupted = True
        previous(kind, value, tb)
    return hook


def _forward_interrupt(children):
    for p in children:
        _quiet(p._signal, "SIGINT")


def _join_at_exit(children):
    """Joins each child. A Ctrl-C that reaches us while we wait goes on to the children still
    running, as the terminal would have sent it to them too; we keep waiting for them."""
    waiting = list(children)
    while waiting:
        try:
            _quiet(waiting[0].join)
            waiting.pop(0)
        except KeyboardInterrupt:
            _forward_interrupt(waiting)


def _quiet(fn, *args):
    try:
        return fn(*args)
    except (ShoalError, OSError, AssertionError, ValueError):
        return None
