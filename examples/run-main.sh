#!/usr/bin/env bash
# The README's first command: installs the dependencies, builds the binaries, starts shoald on
# a private socket, runs the examples through it and stops it again, leaving nothing behind.
set -euo pipefail

repo_root=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo_root"

bash tests/install-deps.sh </dev/null

build_dir="$repo_root/build/release"
# The tree tests/run-all.sh builds too, configured the same way (a unity build, as the package).
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DCMAKE_UNITY_BUILD=ON </dev/null
# Only what the examples need; the test binaries are built by tests/run-all.sh.
targets=(shoald shoal salmon_run)
# Example programs built from examples/CMakeLists.txt are added here by their target names.
cmake --build "$build_dir" -j "${SHOAL_BUILD_JOBS:-2}" --target "${targets[@]}" </dev/null

work_dir=$(mktemp -d /tmp/shoal-example.XXXXXX)
socket="$work_dir/shoal.sock"
state_dir="$work_dir/state"
daemon_pid=""

cleanup() {
  local rc=$?
  if [[ -n "$daemon_pid" ]] && kill -0 "$daemon_pid" 2>/dev/null; then
    kill -TERM "$daemon_pid" 2>/dev/null || true
    # Bounded: the daemon stops its children within its grace period, then exits.
    for _ in $(seq 1 150); do
      kill -0 "$daemon_pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$daemon_pid" 2>/dev/null; then
      echo "run-main: shoald (pid $daemon_pid) did not exit after SIGTERM; killing it" >&2
      kill -KILL "$daemon_pid" 2>/dev/null || true
      rc=1
    fi
    wait "$daemon_pid" 2>/dev/null || true
  fi
  "$build_dir/shoald" --cleanup --socket "$socket" --state-dir "$state_dir" || rc=1
  if ((rc != 0)) && [[ -s "$work_dir/shoald.log" ]]; then
    echo "run-main: failed; shoald's log:" >&2
    cat "$work_dir/shoald.log" >&2
  fi
  rm -rf "$work_dir"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$build_dir/shoald" --socket "$socket" --state-dir "$state_dir" </dev/null \
  2>"$work_dir/shoald.log" &
daemon_pid=$!

export SHOAL_SOCKET="$socket"
export SHOAL_BIN="$build_dir/shoal"
ready=0
for _ in $(seq 1 100); do
  if "$SHOAL_BIN" ping >/dev/null 2>&1; then
    ready=1
    break
  fi
  if ! kill -0 "$daemon_pid" 2>/dev/null; then
    break
  fi
  sleep 0.1
done
if ((ready == 0)); then
  echo "run-main: shoald did not answer on $socket; its log:" >&2
  cat "$work_dir/shoald.log" >&2
  exit 1
fi

echo "=== The turtle race"
bash examples/turtle-race/race.sh "${TURTLE_LAPS:-5}"

echo "=== The salmon run (shell scripts and the shoal CLI)"
export SALMON_MAX_SLEEP="${SALMON_MAX_SLEEP:-1}"
bash examples/salmon-run/run.sh "${SALMON_COUNT:-3}"
echo "=== The salmon run (C++, mapping the shared segment)"
SALMON_RUN_BIN="$build_dir/salmon_run" bash examples/salmon-run/run-cpp.sh "${SALMON_COUNT:-3}"

echo "=== The tutorial's salmon run in Python, its import line changed to shoal"
PYTHONPATH="$repo_root/python" /usr/bin/python3 examples/python/salmon_run.py

echo "=== Done"
