#!/usr/bin/env bash
# Fails, printing each finding, when clang-tidy with the repository's .clang-tidy finds anything
# in the sources of shoal_common, shoal_daemon and shoal_client (and the headers they include).
#   check_tidy.sh BUILD_DIR          every .cpp of common/, daemon/, client/, as BUILD_DIR's
#                                    compile_commands.json compiles it; two at a time
#                                    (SHOAL_TIDY_JOBS)
#   check_tidy.sh --refuses FIXTURE  succeeds only if clang-tidy refuses FIXTURE (C++ text) with
#                                    the check named on its first line ("// expect: CHECK")
set -euo pipefail

for tool in clang-tidy run-clang-tidy; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "check_tidy: $tool is not installed; run tests/install-deps.sh" >&2
    exit 1
  fi
done
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
# The compile commands are GCC's; clang does not know some of its warning flags.
extra=(-extra-arg=-Wno-unknown-warning-option)

if [[ ${1:-} == --refuses ]]; then
  fixture=$2
  expect=$(sed -n '1s|^// expect: *||p' "$fixture")
  if [[ -z $expect ]]; then
    echo "check_tidy: $fixture does not name the check it expects on its first line" >&2
    exit 1
  fi
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' EXIT
  cp "$fixture" "$scratch/fixture.cpp"
  if output=$(clang-tidy --config-file="$source_dir/.clang-tidy" "${extra[@]}" \
      "$scratch/fixture.cpp" -- -std=c++20 2>&1); then
    echo "check_tidy: $fixture was accepted, but it breaks $expect" >&2
    exit 1
  fi
  if ! grep -q "\[$expect" <<<"$output"; then
    echo "check_tidy: $fixture was refused, but not by $expect:" >&2
    echo "$output" >&2
    exit 1
  fi
  exit 0
fi

build_dir=$1
if [[ ! -f $build_dir/compile_commands.json ]]; then
  echo "check_tidy: no compile_commands.json in $build_dir; configure it with cmake first" >&2
  exit 1
fi
# run-clang-tidy exits non-zero when any file has a finding (WarningsAsErrors in .clang-tidy).
if ! run-clang-tidy -quiet -p "$build_dir" -j "${SHOAL_TIDY_JOBS:-2}" "${extra[@]}" \
    "^$source_dir/(common|daemon|client)/[a-z_]+\\.cpp\$" >"$build_dir/tidy.log" 2>&1; then
  grep -E 'warning:|error:' "$build_dir/tidy.log" | sort -u >&2 || cat "$build_dir/tidy.log" >&2
  echo "check_tidy: clang-tidy found the above; the whole output is in $build_dir/tidy.log" >&2
  exit 1
fi
echo "check_tidy: clang-tidy found nothing in common/, daemon/ and client/"
