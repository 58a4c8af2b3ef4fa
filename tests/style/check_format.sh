#!/usr/bin/env bash
# Fails, listing each file, when a C++ source of the tree differs from what clang-format and the
# repository's .clang-format make of it. Fix with: clang-format -i FILE...
#   check_format.sh SOURCE_DIR            every .cpp/.hpp of the project's own directories
#   check_format.sh --refuses FIXTURE     succeeds only if FIXTURE (C++ text) is refused
set -euo pipefail

if ! command -v clang-format >/dev/null 2>&1; then
  echo "check_format: clang-format is not installed; run tests/install-deps.sh" >&2
  exit 1
fi

if [[ ${1:-} == --refuses ]]; then
  fixture=$2
  style_file=$(cd "$(dirname "$0")/../.." && pwd)/.clang-format
  if clang-format --style="file:$style_file" --assume-filename=fixture.cpp --dry-run --Werror \
      <"$fixture" >/dev/null 2>&1; then
    echo "check_format: $fixture was accepted, but it is not formatted" >&2
    exit 1
  fi
  exit 0
fi

source_dir=$1
cd "$source_dir"
mapfile -t files < <(find bench client common daemon examples tests -type f \
  \( -name '*.cpp' -o -name '*.hpp' \) | sort)
if ((${#files[@]} == 0)); then
  echo "check_format: no C++ sources under $source_dir" >&2
  exit 1
fi
bad=()
for f in "${files[@]}"; do
  clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if ((${#bad[@]} > 0)); then
  echo "check_format: ${#bad[@]} of ${#files[@]} files are not formatted; run: clang-format -i ${bad[*]}" >&2
  exit 1
fi
echo "check_format: ${#files[@]} files formatted"
