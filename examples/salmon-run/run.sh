#!/usr/bin/env bash
# The salmon run with shell scripts that use only the shoal CLI: run.sh [SALMON] [BEAR]
# (default 3 and 3). The final count must be exactly SALMON - BEAR.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
salmon_n=${1:-3}
bear_n=${2:-$salmon_n}
bear_argv=("$here/bear.sh" "$bear_n")
salmon_argv=("$here/salmon.sh" "$salmon_n")
source "$here/run-common.sh"
