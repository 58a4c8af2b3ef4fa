"""The program shoald runs for a child of shoal.Process: ``python3 .../shoal/_child.py LABEL``.

Run as a script, its directory (the package itself) heads sys.path; the directory that holds
the package takes its place so that ``shoal`` is importable wherever it is installed. The
bootstrap then sets sys.path to the parent's.

A Ctrl-C that the parent forwards (SIGINT, through shoald) while this child is still starting
is held back until the target runs (Process._bootstrap lets it in): raised during start-up, a
KeyboardInterrupt that lands while an import's clean-up callback runs is printed as "Exception
ignored" and dropped, and the child would then run its target as if nothing had happened.
"""

import _signal

_signal.pthread_sigmask(_signal.SIG_BLOCK, [_signal.SIGINT])

import os  # noqa: E402
import sys  # noqa: E402

_package_dir = os.path.dirname(os.path.abspath(__file__))
if sys.path and os.path.abspath(sys.path[0] or ".") == _package_dir:
    sys.path[0] = os.path.dirname(_package_dir)
else:
    sys.path.insert(0, os.path.dirname(_package_dir))

from shoal._bootstrap import main  # noqa: E402

main()
