"""The program shoald runs for a child of shoal.Process: ``python3 .../shoal/_child.py LABEL``.

Run as a script, its directory (the package itself) heads sys.path; the directory that holds
the package takes its place so that ``shoal`` is importable wherever it is installed. The
bootstrap then sets sys.path to the parent's.
"""

import os
import sys

_package_dir = os.path.dirname(os.path.abspath(__file__))
if sys.path and os.path.abspath(sys.path[0] or ".") == _package_dir:
    sys.path[0] = os.path.dirname(_package_dir)
else:
    sys.path.insert(0, os.path.dirname(_package_dir))

from shoal._bootstrap import main  # noqa: E402

main()
