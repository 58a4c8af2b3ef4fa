#!/bin/sh
# Builds the benchmarks and shoald in Release and runs every benchmark with realistic counts.
# Each prints its own table; a summary of the ratios against their same-run baselines ends the
# output. No figure is compared with a fixed threshold: on a shared or loaded machine only the
# ratios mean something (docs/performance.md).
#
#   bench/run.sh                  # build dir: build-bench next to bench/
#   SHOAL_BENCH_BUILD_DIR=/x bench/run.sh
set -eu
source_dir=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${SHOAL_BENCH_BUILD_DIR:-$source_dir/build-bench}
jobs=${SHOAL_BENCH_JOBS:-2}

cmake -S "$source_dir" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build_dir" -j"$jobs" --target shoald shoal_bench_spawn shoal_bench_control \
  shoal_bench_status shoal_bench_values shoal_bench_memory >/dev/null

bin=$build_dir/bench
out=$(mktemp)
trap 'rm -f "$out"' EXIT

echo "shoal benchmarks: $(git -C "$source_dir" rev-parse --short HEAD 2>/dev/null || echo '?')," \
  "$(nproc) CPUs, kernel $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
started=$(date +%s)
"$bin/shoal_bench_spawn" --count 3000 --inflight 8 --rounds 6 | tee -a "$out"
"$bin/shoal_bench_control" --count 30000 --rounds 6 | tee -a "$out"
"$bin/shoal_bench_status" --count 200 --records 1000 --rounds 5 | tee -a "$out"
"$bin/shoal_bench_values" --ops 3000000 --requests 30000 --window 64 | tee -a "$out"
"$bin/shoal_bench_memory" --clients 200 --records 1000 | tee -a "$out"
/usr/bin/python3 "$source_dir/bench/bench_python.py" --shoald "$build_dir/shoald" \
  --starts 40 --increments 100000 --rounds 4 | tee -a "$out"

echo
echo "summary: each figure / its baseline (x_base; 1.00 = as fast as the baseline)"
awk '$1 ~ /^[a-z]+\.[a-z_]+$/ && NF >= 6 && $5 ~ /^[0-9.]+$/ { printf "  %-28s %8s\n", $1, $5 }
     $1 ~ /^values\./ && NF >= 5 && $4 ~ /^[0-9.]+$/ && $2 ~ /^[0-9]+$/ && $5 !~ /^[0-9.]+$/ \
       { printf "  %-28s %8s\n", $1, $4 }' "$out"
echo "  (took $(( $(date +%s) - started )) s; load average now $(cut -d' ' -f1-3 /proc/loadavg))"
