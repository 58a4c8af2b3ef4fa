"""The parent's side of a spawn: what a child needs to become the process it was asked to be.

The child is ``python3 .../shoal/_child.py LABEL`` (LABEL only tells people what it runs),
started by shoald with the parent's environment plus SHOAL_PY_SPAWN: the pickled preparation
data (run, name, sys.path, argv, main module) and the pickled Process object, as base64.
A payload too big for one environment variable goes through a private temporary file named
in SHOAL_PY_SPAWN_FILE instead, which the child deletes after reading it.
"""

import binascii
import os
import pickle
import subprocess
import sys
import tempfile

from ._this_process import current_process

# Linux refuses a single environment string longer than 128 KiB (MAX_ARG_STRLEN).
_INLINE_LIMIT = 96 * 1024
# The daemon gives every child its own values of these.
_DAEMON_SETS = ("SHOAL_SOCKET", "SHOAL_NAME", "SHOAL_SHM", "SHOAL_LOCK")
CHILD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_child.py")


def _main_module_data():
    """How the child imports our main module as __mp_main__ (multiprocessing.spawn's rule)."""
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    name = getattr(spec, "name", None)
    if name is not None:
        return {"main_name": name}
    path = getattr(main, "__file__", None)
    # A program read from stdin ("<stdin>") or typed interactively has no file to import.
    if path is not None and os.path.isfile(path):
        return {"main_path": os.path.normpath(os.path.abspath(path))}
    return {}


def _label(process):
    target = process._target
    what = getattr(target, "__qualname__", None) or type(process).__name__
    main = sys.modules.get("__main__")
    script = os.path.basename(getattr(main, "__file__", "") or "python")
    return f"{script}:{what}"


def command(process, run):
    """(argv, env, spawn file or None) for the daemon's start op."""
    prep = {
        "run": run.id,
        "main_pid": run.main_pid,
        "identity": process._identity,
        "name": process._name,
        "daemon": process._daemonic,
        "parent_pid": os.getpid(),
        "parent_name": current_process().name,
        "sys_path": list(sys.path),
        "sys_argv": list(sys.argv),
        **_main_module_data(),
    }
    payload = pickle.dumps({"prep": prep, "process": pickle.dumps(process)},
                           protocol=pickle.HIGHEST_PROTOCOL)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("SHOAL_PY_") and k not in _DAEMON_SETS}
    encoded = binascii.b2a_base64(payload, newline=False).decode()
    spawn_file = None
    if len(encoded) <= _INLINE_LIMIT:
        env["SHOAL_PY_SPAWN"] = encoded
    else:
        fd, spawn_file = tempfile.mkstemp(prefix="shoal-spawn-")
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
        env["SHOAL_PY_SPAWN_FILE"] = spawn_file
    argv = [sys.executable, *subprocess._args_from_interpreter_flags(), CHILD, _label(process)]
    return argv, env, spawn_file


def discard(spawn_file):
    """Removes a spawn file the child did not take (it failed to start or died first)."""
    if spawn_file:
        try:
            os.unlink(spawn_file)
        except FileNotFoundError:
            pass
