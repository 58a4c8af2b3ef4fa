#!/usr/bin/env bash
# Installs the dependencies, then builds and tests two trees: build/release (Release)
# and build/sanitize (Debug with AddressSanitizer + UndefinedBehaviorSanitizer, where any
# report aborts the process and so fails its test). Exits non-zero if anything fails.
set -euo pipefail

repo_root=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo_root"

bash tests/install-deps.sh </dev/null

jobs=${SHOAL_BUILD_JOBS:-2}
# Tests at a time in the release tree: one more than the CPUs, as its end-to-end tests spend
# most of their time waiting for the processes they drive while its two longest (tidy and the
# package) hold two slots for minutes (tests 5 min against 6.5). The sanitizer tree's tests
# are busy starting sanitized processes: three at a time took longer than two (8 min
# against 7.3), so it runs as many as there are CPUs.
release_test_jobs=${SHOAL_TEST_JOBS:-3}
sanitize_test_jobs=${SHOAL_TEST_JOBS:-2}
# The package test (tests/e2e/test_service_deb.py) builds the shipped binaries in a tree of its
# own, at the same depth under build/ and with the release tree's flags (Release, unity,
# -Werror), so with ccache rewriting paths under the repository as relative ones it compiles
# nothing again. In depend mode ccache takes the headers a file read from the compiler's own
# dependency output instead of running the preprocessor first: on a cold cache, as in CI,
# that pass cost about a fifth of each tree's build.
export SHOAL_WERROR=ON
if [[ -z ${CMAKE_CXX_COMPILER_LAUNCHER:-} ]] && command -v ccache >/dev/null 2>&1; then
  export CMAKE_CXX_COMPILER_LAUNCHER=ccache
fi
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$repo_root}
export CCACHE_DEPEND=${CCACHE_DEPEND:-1}
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:detect_leaks=1:print_stacktrace=1"
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1"

failed=()
run_tree() {
  local name=$1 test_jobs=$2
  shift 2
  local dir="build/$name"
  echo "=== run-all: configuring and building $dir ($*)"
  if ! cmake -S . -B "$dir" "$@" </dev/null; then
    failed+=("$name (configure)")
    return
  fi
  if ! cmake --build "$dir" -j "$jobs" </dev/null; then
    failed+=("$name (build)")
    return
  fi
  echo "=== run-all: testing $dir"
  if ! (cd "$dir" && ctest --output-on-failure -j "$test_jobs" --timeout 600 </dev/null); then
    failed+=("$name (tests)")
  fi
}

# -Werror in both trees: each optimisation level finds warnings of its own. Both compile as
# unity builds, as the package does (packaging/build-deb.sh): eight sources a compiler run, so
# Asio's and nlohmann/json's headers are parsed an eighth as often. A cold release build took
# 3.9 minutes so against 6.2 file by file. What that gives up: a source that forgets an include
# compiles as long as a source before it in its unit brings the header in; it fails when the
# units shift (a source added or removed), in the run that shifted them.
run_tree release "$release_test_jobs" -DCMAKE_BUILD_TYPE=Release -DSHOAL_SANITIZE=OFF -DSHOAL_WERROR=ON \
  -DCMAKE_UNITY_BUILD=ON
run_tree sanitize "$sanitize_test_jobs" -DCMAKE_BUILD_TYPE=Debug -DSHOAL_SANITIZE=ON -DSHOAL_WERROR=ON \
  -DCMAKE_UNITY_BUILD=ON

if ((${#failed[@]} > 0)); then
  echo "=== run-all: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "=== run-all: every tree built and passed"
