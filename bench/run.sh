#!/bin/sh
# Builds the benchmarks and shoald in Release and runs every benchmark with realistic counts,
# shoal's peers (s6, supervisord, Python's multiprocessing) side by side in the same run. Each
# prints its own table; a summary of the ratios against their same-run baselines and the table
# of targets end the output. No figure is compared with a fixed time: on a shared or loaded
# machine only the ratios mean something (docs/performance.md).
#
#   bench/run.sh                  # build dir: build-bench next to bench/
#   bench/run.sh --scale          # the scale series instead: 100 to 10,000 children, values...
#   SHOAL_BENCH_BUILD_DIR=/x bench/run.sh
#
# The peers are installed with apt-get when missing (as root, or through sudo -n); a peer that
# cannot be installed leaves rows saying so, and everything else still runs. Each peer runs
# privately in a temp directory and is stopped by pid; no system service is used or touched.
set -eu
source_dir=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${SHOAL_BENCH_BUILD_DIR:-$source_dir/build-bench}
jobs=${SHOAL_BENCH_JOBS:-2}
scale=false
case "${1:-}" in
  "") ;;
  --scale) scale=true ;;
  *) echo "usage: bench/run.sh [--scale]" >&2; exit 2 ;;
esac

# Built as the package builds the binaries it ships (packaging/build-deb.sh): a unity build.
cmake -S "$source_dir" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DCMAKE_UNITY_BUILD=ON >/dev/null
cmake --build "$build_dir" -j"$jobs" --target shoald shoal shoal_bench_spawn shoal_bench_control \
  shoal_bench_status shoal_bench_values shoal_bench_memory shoal_bench_scale >/dev/null

bin=$build_dir/bench
out=$(mktemp)
trap 'rm -f "$out"' EXIT

# py SCRIPT ARGS...: one of the Python drivers next to this script.
py() {
  script=$1; shift
  python3 -B "$source_dir/bench/$script" "$@"
}

# install_peers: s6 and supervisor from Debian, if a program of theirs is missing.
install_peers() {
  missing=""
  command -v s6-svscan >/dev/null 2>&1 || missing="$missing s6"
  command -v supervisord >/dev/null 2>&1 || missing="$missing supervisor"
  [ -z "$missing" ] && return 0
  as_root=""
  [ "$(id -u)" -eq 0 ] || as_root="sudo -n"
  echo "installing the peers:$missing"
  # shellcheck disable=SC2086
  if ! $as_root env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y --no-install-recommends $missing </dev/null >"$out" 2>&1; then
    # shellcheck disable=SC2086
    $as_root env DEBIAN_FRONTEND=noninteractive apt-get update </dev/null >"$out" 2>&1 &&
      $as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y --no-install-recommends $missing </dev/null >"$out" 2>&1 ||
      echo "could not install$missing ($(tail -n 1 "$out")); their rows say so" >&2
  fi
  : >"$out"
}

echo "shoal benchmarks: $(git -C "$source_dir" rev-parse --short HEAD 2>/dev/null || echo '?')," \
  "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, kernel $(uname -r)," \
  "load average $(cut -d' ' -f1-3 /proc/loadavg)"
started=$(date +%s)
if $scale; then
  # The children run without logs: with them each holds five of the daemon's descriptors and
  # three of the keeper's, and 10,000 need more than a hard RLIMIT_NOFILE of 20,000 allows.
  "$bin/shoal_bench_scale" --children 100,1000,10000 --logs no --clients 1,8,64 --starts 1280 \
    --joiners 10,100,1000 --values 10,100,1000,10000 --requests 300 | tee -a "$out"
else
  install_peers
  "$bin/shoal_bench_spawn" --count 3000 --inflight 8 --rounds 6 --batch 100 | tee -a "$out"
  "$bin/shoal_bench_control" --count 30000 --rounds 6 | tee -a "$out"
  "$bin/shoal_bench_status" --count 200 --records 1000 --rounds 5 | tee -a "$out"
  "$bin/shoal_bench_values" --ops 3000000 --requests 30000 --window 64 --contended 1000000 | tee -a "$out"
  "$bin/shoal_bench_memory" --clients 200 --records 1000 | tee -a "$out"
  py peer_s6.py --bin-dir "$build_dir" --rounds 5 --commands 100 --services 100 --idle 5 | tee -a "$out"
  py peer_supervisor.py --bin-dir "$build_dir" --rounds 3 --requests 300 --commands 10 \
    --programs 100 | tee -a "$out"
  py peer_multiprocessing.py --bin-dir "$build_dir" --rounds 5 --fork 300 --spawn 30 \
    --increments 200000 | tee -a "$out"
  /usr/bin/python3 "$source_dir/bench/bench_python.py" --shoald "$build_dir/shoald" \
    --starts 40 --increments 100000 --rounds 4 | tee -a "$out"
fi
py targets.py <"$out"
echo "  (took $(( $(date +%s) - started )) s; load average now $(cut -d' ' -f1-3 /proc/loadavg))"
