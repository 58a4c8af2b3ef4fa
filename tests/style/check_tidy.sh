#!/usr/bin/env bash
# Fails, printing each finding, when clang-tidy with the repository's .clang-tidy finds anything
# in the sources of shoal_common, shoal_daemon and shoal_client (and the headers they include).
#   check_tidy.sh BUILD_DIR          every .cpp of common/, daemon/, client/, with BUILD_DIR's
#                                    compiler, eight files to a clang-tidy run; two
#                                    runs at a time (SHOAL_TIDY_JOBS)
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
if [[ ! -f $build_dir/CMakeCache.txt ]]; then
  echo "check_tidy: $build_dir is not a configured build tree; configure it with cmake first" >&2
  exit 1
fi
# Most of clang-tidy's time goes to parsing Asio and nlohmann/json and walking what it parsed,
# once per file it is given. A unity configuration of the same sources (configured only, never
# built) hands it eight files of one part at a time, so those headers are parsed an eighth as
# often: 85 to 110 s instead of five minutes and more on two cores. A finding names the file and
# line it is in (.clang-tidy's HeaderFilterRegex admits the sources as well as the headers).
compiler=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$build_dir/CMakeCache.txt")
tidy_dir=$build_dir/tidy-unity
if ! cmake -S "$source_dir" -B "$tidy_dir" -DCMAKE_BUILD_TYPE=Release -DCMAKE_UNITY_BUILD=ON \
    -DCMAKE_UNITY_BUILD_BATCH_SIZE=8 -DCMAKE_CXX_COMPILER="${compiler:-c++}" \
    -DSHOAL_BUILD_TESTS=OFF -DSHOAL_BUILD_BENCHMARKS=OFF -DSHOAL_BUILD_EXAMPLES=OFF \
    >"$build_dir/tidy-configure.log" 2>&1; then
  cat "$build_dir/tidy-configure.log" >&2
  echo "check_tidy: configuring $tidy_dir failed (above)" >&2
  exit 1
fi
tidy_dir=$(cd "$tidy_dir" && pwd)
parts='(shoal_common|shoal_daemon|shoal_client|shoald|shoal)'
# The units, and the sources kept out of them (a file with compile options of its own).
files="^($tidy_dir/CMakeFiles/$parts[.]dir/Unity/unity_[0-9]+_cxx[.]cxx|$source_dir/(common|daemon|client)/[a-z_]+[.]cpp)\$"
# Every source of the three parts and both main.cpp must be checked, in a unit or alone: a
# configuration that stopped listing some would pass with them unchecked.
expected=$(cd "$source_dir" && ls common/*.cpp daemon/*.cpp client/*.cpp | wc -l)
in_units=$(cat "$tidy_dir"/CMakeFiles/*.dir/Unity/unity_*_cxx.cxx 2>/dev/null |
  grep -cE "^#include \"$source_dir/(common|daemon|client)/[a-z_]+[.]cpp\"$" || true)
alone=$(grep -cE "^ *\"file\": \"$source_dir/(common|daemon|client)/[a-z_]+[.]cpp\",?$" \
  "$tidy_dir/compile_commands.json" || true)
if ((in_units + alone != expected)); then
  echo "check_tidy: the unity configuration in $tidy_dir compiles $in_units sources in units" \
       "and $alone alone, not the $expected in common/, daemon/ and client/" >&2
  exit 1
fi
# run-clang-tidy exits non-zero when any file has a finding (WarningsAsErrors in .clang-tidy).
if ! run-clang-tidy -quiet -p "$tidy_dir" -j "${SHOAL_TIDY_JOBS:-2}" "${extra[@]}" "$files" \
    >"$build_dir/tidy.log" 2>&1; then
  grep -E 'warning:|error:' "$build_dir/tidy.log" | sort -u >&2 || cat "$build_dir/tidy.log" >&2
  echo "check_tidy: clang-tidy found the above; the whole output is in $build_dir/tidy.log" >&2
  exit 1
fi
echo "check_tidy: clang-tidy found nothing in the $expected sources of common/, daemon/ and client/"
