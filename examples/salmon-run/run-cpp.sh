#!/usr/bin/env bash
# The salmon run with one C++ program (salmon_run.cpp) that maps the segment directly:
# run-cpp.sh [SALMON] [BEAR]. $SALMON_RUN_BIN names the built program (default: salmon_run
# next to $SHOAL_BIN).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
salmon_n=${1:-3}
bear_n=${2:-$salmon_n}
shoal_path=$(command -v "${SHOAL_BIN:-shoal}")
program=${SALMON_RUN_BIN:-$(dirname "$shoal_path")/salmon_run}
if [[ ! -x "$program" ]]; then
  echo "run-cpp.sh: '$program' is not built (cmake --build BUILD_DIR --target salmon_run)" >&2
  exit 2
fi
bear_argv=("$program" bear "$bear_n")
salmon_argv=("$program" salmon "$salmon_n")
source "$here/run-common.sh"
