"""The README's tour runs as written, from the repository root, on the built binaries.

Only three words change: the build directory (the tour says build/release; a test run may
use another tree) and the demo's socket and state directory (unique, so that tests running
at the same time cannot meet)."""

import os
import re
import shutil
import subprocess
import tempfile

from harness import BIN_DIR, SOURCE_DIR, clean_env, pid_alive, require_binaries


def tour_script():
    with open(os.path.join(SOURCE_DIR, "README.md")) as f:
        readme = f.read()
    section = readme[readme.index("## A tour"):]
    match = re.search(r"```sh\n(.*?)```", section, re.S)
    assert match, "the README's tour has no sh block"
    return match.group(1)


def test_the_readme_tour_runs_as_written():
    require_binaries()
    script = tour_script()
    for word in ("build/release", "/tmp/demo.sock", "/tmp/demo-state"):
        assert word in script, f"the tour no longer mentions {word}"
    work = tempfile.mkdtemp(prefix="shoal-tour.", dir="/tmp")
    script = (script.replace("$PWD/build/release", os.path.abspath(BIN_DIR))
              .replace("/tmp/demo.sock", os.path.join(work, "s.sock"))
              .replace("/tmp/demo-state", os.path.join(work, "state")))
    try:
        run = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=SOURCE_DIR,
                             capture_output=True, text=True, timeout=120, env=clean_env(),
                             stdin=subprocess.DEVNULL)
        out = run.stdout
        assert run.returncode == 0, f"the tour failed:\n{out}\n{run.stderr}"
        lines = out.splitlines()
        # The bear caught the three salmon the tour created for it, and exited 0.
        assert "started bear (pid" in out
        assert re.search(r"^bear +\S+ +\d+ +running ", out, re.M), out
        # `shoal join bear; echo $?` prints 0, `shoal logs bear -n 5` its last five lines, and
        # `shoal value get salmonCount` the 0 salmon left.
        first = next(i for i, line in enumerate(lines) if line.startswith("\t[bear"))
        logs = lines[first:first + 5]
        assert all(line.startswith("\t[bear") for line in logs), out
        assert logs[-1].endswith("Finishing the process"), out
        assert lines[first - 1] == "0", out
        assert lines[first + 5] == "0", out
        assert "Woohoo.. Caught a Salmon" in out
        assert re.search(r"^restarted web-1 \(pid \d+\)\nrestarted web-2 \(pid \d+\)$", out, re.M), out
        assert "stopped web-1" in out and "stopped web-2" in out
        assert "got it" in out and "one at a time" in out
    finally:
        # Whatever happened, no daemon of the tour's outlives the test.
        try:
            with open(os.path.join(work, "state", "shoald.pid")) as f:
                pid = int(f.read().split()[0])
            if pid_alive(pid):
                os.kill(pid, 9)
        except (OSError, ValueError, IndexError):
            pass
        subprocess.run([os.path.join(BIN_DIR, "shoald"), "--cleanup", "--socket",
                        os.path.join(work, "s.sock"), "--state-dir", os.path.join(work, "state")],
                       capture_output=True, timeout=30, env=clean_env())
        shutil.rmtree(work, ignore_errors=True)
