"""The child's side of a spawn, as multiprocessing.spawn does it: take the payload, become
part of the parent's run, import the parent's main module as ``__mp_main__`` (so the
``if __name__ == '__main__':`` guard keeps its block from running again), unpickle the Process
object and run it. Exit codes follow multiprocessing: 0, ``sys.exit(n)`` gives n, an exception
prints its traceback to stderr and gives 1.
"""

import binascii
import os
import pickle
import sys

from . import _run, _this_process

# The modules that were __main__ before the parent's main took the name; kept alive so that
# their globals stay valid while this code runs.
_old_main_modules = []


def _payload():
    encoded = os.environ.pop("SHOAL_PY_SPAWN", None)
    path = os.environ.pop("SHOAL_PY_SPAWN_FILE", None)
    if encoded is not None:
        return binascii.a2b_base64(encoded)
    if path:
        with open(path, "rb") as f:
            data = f.read()
        os.unlink(path)
        return data
    raise RuntimeError("this program is started by shoal.Process for a child; it has no "
                       "payload (SHOAL_PY_SPAWN) to run")


def _install_main(module_dict):
    import types
    main = types.ModuleType("__mp_main__")
    main.__dict__.update(module_dict)
    _old_main_modules.append(sys.modules["__main__"])
    sys.modules["__main__"] = sys.modules["__mp_main__"] = main


def _import_main(prep):
    import runpy
    name = prep.get("main_name")
    if name is not None:
        if name == "__main__" or name.endswith(".__main__"):
            return
        _install_main(runpy.run_module(name, run_name="__mp_main__", alter_sys=True))
        return
    path = prep.get("main_path")
    if path is not None:
        _install_main(runpy.run_path(path, run_name="__mp_main__"))


def _exit_code(e):
    if e.code is None:
        return 0
    if isinstance(e.code, int):
        return e.code
    sys.stderr.write(str(e.code) + "\n")
    return 1


def _delete_run_objects_if_last(run):
    """A detached child that outlives its main process deletes the run's values and locks
    when it is the last of the run still running."""
    try:
        os.kill(run.main_pid, 0)
        return  # the main process deletes them at its exit
    except ProcessLookupError:
        pass
    except PermissionError:
        return
    me = os.environ.get("SHOAL_NAME")
    prefix = run.id + "."
    try:
        records = run.call("status")
    except Exception:
        return
    if any(r["name"].startswith(prefix) and r["name"] != me and r["state"] == "running"
           for r in records):
        return
    run.delete_objects()


def main():
    try:
        data = pickle.loads(_payload())
    except Exception as e:
        sys.stderr.write(f"shoal: unable to start this child: {e}\n")
        sys.exit(1)
    prep = data["prep"]
    sys.path[:] = prep["sys_path"]
    sys.argv[:] = prep["sys_argv"]
    if not sys.stdout.isatty():
        # Like a terminal: each line reaches the log, and so the parent, when it is printed.
        sys.stdout.reconfigure(line_buffering=True)
    run = _run.Run(prep["run"], prep["identity"], prep["main_pid"], shm=os.environ.get("SHOAL_SHM"))
    _run.adopt(run)
    _this_process.set_parent(prep["parent_name"], prep["parent_pid"])
    _this_process.set_child_identity(prep["name"], prep["identity"], prep["daemon"])
    try:
        _this_process.importing_main = True
        try:
            _import_main(prep)
        finally:
            _this_process.importing_main = False
        child = pickle.loads(data["process"])
    except SystemExit as e:
        sys.exit(_exit_code(e))
    except BaseException:
        import traceback
        sys.stderr.write(f"Process {prep['name']}:\n")
        traceback.print_exc()
        sys.exit(1)
    exitcode = child._bootstrap()
    if child._detach:
        _delete_run_objects_if_last(run)
    sys.exit(exitcode)
