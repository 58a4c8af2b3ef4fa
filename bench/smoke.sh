#!/bin/sh
# bench.smoke: runs every benchmark with tiny counts and checks that it exits 0 and prints each
# of its figures as a number. It measures nothing: timing is bench/run.sh's job.
set -u
bin_dir=${1:?usage: smoke.sh BENCH_BUILD_DIR}
failed=0

# check NAME ARGS... -- KEY...: run shoal_bench_NAME with ARGS, expect a numeric row per KEY.
check() {
  name=$1; shift
  args=""
  while [ "$1" != "--" ]; do args="$args $1"; shift; done
  shift
  exe="$bin_dir/shoal_bench_$name"
  if [ ! -x "$exe" ]; then
    echo "smoke: $exe was not built" >&2; failed=1; return
  fi
  # shellcheck disable=SC2086
  out=$("$exe" $args 2>&1); rc=$?
  printf '%s\n' "$out"
  if [ "$rc" -ne 0 ]; then
    echo "smoke: shoal_bench_$name exited with $rc" >&2; failed=1; return
  fi
  for key in "$@"; do
    if ! printf '%s\n' "$out" | grep -Eq "^$key +[0-9]+(\.[0-9]+)? "; then
      echo "smoke: shoal_bench_$name printed no figure '$key'" >&2; failed=1
    fi
  done
}

check spawn --count 6 --inflight 3 --rounds 2 -- \
  spawn.baseline spawn.clean_child spawn.sequential spawn.baseline_call spawn.clean_call spawn.start_reply spawn.baseline_pipelined spawn.pipelined
check control --count 10 --rounds 2 -- control.baseline control.hello control.hello_flood \
  control.hello_flood_p99 control.flood_rate
check status --count 4 --records 20 --rounds 2 -- \
  status.hello status.empty status.hello_full status.one_of_full status.full status.json_floor \
  status.full_reply status.full_per_record
check memory --clients 5 --records 10 -- \
  memory.idle memory.clients memory.per_client memory.fds_per_client \
  memory.records memory.per_record memory.fds_per_record
check values --ops 1000 --requests 20 --window 4 -- \
  values.baseline values.library values.getpid values.protocol values.protocol_pipelined \
  values.protocol_latency
out=$(/usr/bin/python3 "$(dirname "$0")/bench_python.py" --shoald "$bin_dir/../shoald" \
  --starts 2 --increments 200 --rounds 1 2>&1); rc=$?
printf '%s\n' "$out"
if [ "$rc" -ne 0 ]; then
  echo "smoke: bench_python.py exited with $rc" >&2; failed=1
fi
for key in python.spawn_baseline python.spawn python.lock_baseline python.lock \
    python.lock_cpu_baseline python.lock_cpu; do
  if ! printf '%s\n' "$out" | grep -Eq "^$key +[0-9]+(\.[0-9]+)? "; then
    echo "smoke: bench_python.py printed no figure '$key'" >&2; failed=1
  fi
done
exit $failed
