"""Python's multiprocessing, backed by shoald.

Change the import line of a multiprocessing program,

    from shoal import Process, current_process, Lock, Value

and its children run under shoald (``shoal status`` lists them, ``shoal logs`` keeps what they
printed), its values and arrays live in shoald's shared segment, and its locks are released by
the daemon when a holder dies. docs/python.md maps every name to multiprocessing's.
"""

from .errors import DaemonUnreachable, ShoalError
from .process import (Process, active_children, cpu_count, current_process, freeze_support,
                      parent_process)
from .sharedctypes import Array, RawArray, RawValue, Value
from .synchronize import Lock, RLock

__version__ = "0.1.0"


def __getattr__(name):
    # The client (json, socket) is imported when first used: a child that never talks to the
    # daemon starts without it.
    if name in ("Client", "default_socket_path"):
        from . import client
        return getattr(client, name)
    raise AttributeError(f"module 'shoal' has no attribute '{name}'")

__all__ = [
    "Array", "Client", "DaemonUnreachable", "Lock", "Process", "RLock", "RawArray", "RawValue",
    "ShoalError", "Value", "active_children", "cpu_count", "current_process",
    "default_socket_path", "freeze_support", "parent_process",
]
