#!/bin/sh
# bench.smoke: runs every benchmark with tiny counts and checks that it exits 0 and prints each
# of its figures as a number. It measures nothing: timing is bench/run.sh's job. A peer that
# is not installed here (s6, supervisord) must say so in a row of its own instead of its
# figures; the smoke test installs nothing.
set -u
bin_dir=${1:?usage: smoke.sh BENCH_BUILD_DIR SHOAL_BUILD_DIR}
shoal_dir=${2:?usage: smoke.sh BENCH_BUILD_DIR SHOAL_BUILD_DIR}
source_dir=$(cd "$(dirname "$0")/.." && pwd)
failed=0
all=""  # every row printed, for bench/targets.py

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
  all="$all
$out"
  if [ "$rc" -ne 0 ]; then
    echo "smoke: shoal_bench_$name exited with $rc" >&2; failed=1; return
  fi
  expect_figures "shoal_bench_$name" "$out" "$@"
}

# expect_figures NAME OUTPUT KEY...: a numeric row per KEY (scale rows carry a size first).
expect_figures() {
  name=$1; out=$2; shift 2
  for key in "$@"; do
    if ! printf '%s\n' "$out" | grep -Eq "^$key +([0-9]+ +)?[0-9]+(\.[0-9]+)? "; then
      echo "smoke: $name printed no figure '$key'" >&2; failed=1
    fi
  done
}

# check_peer SCRIPT GROUP ARGS... -- KEY...: run bench/SCRIPT; expect every KEY, or one row
# GROUP.unavailable saying why the peer could not be measured.
check_peer() {
  script=$1; group=$2; shift 2
  args=""
  while [ "$1" != "--" ]; do args="$args $1"; shift; done
  shift
  # shellcheck disable=SC2086
  out=$(python3 -B "$source_dir/bench/$script" --bin-dir "$shoal_dir" $args 2>&1); rc=$?
  printf '%s\n' "$out"
  all="$all
$out"
  if [ "$rc" -ne 0 ]; then
    echo "smoke: $script exited with $rc" >&2; failed=1; return
  fi
  if printf '%s\n' "$out" | grep -Eq "^$group\.unavailable +unavailable +[^ ]"; then
    return
  fi
  expect_figures "$script" "$out" "$@"
}

# check_unavailable SCRIPT GROUP ARGS...: with its peer nowhere to be found, bench/SCRIPT still
# exits 0 and prints one GROUP.unavailable row saying why: what a machine without it gets.
check_unavailable() {
  script=$1; group=$2; shift 2
  out=$(python3 -B "$source_dir/bench/$script" --bin-dir "$shoal_dir" --peer-path /nonexistent "$@" 2>&1)
  rc=$?
  if [ "$rc" -ne 0 ] || ! printf '%s\n' "$out" | grep -Eq "^$group\.unavailable +unavailable +[^ ]"; then
    printf '%s\n' "$out"
    echo "smoke: $script without its peer exited with $rc and no '$group.unavailable' row" >&2
    failed=1
  fi
}

check spawn --count 6 --inflight 3 --rounds 2 --batch 5 -- \
  spawn.baseline spawn.clean_child spawn.sequential spawn.baseline_call spawn.clean_call \
  spawn.start_reply spawn.baseline_pipelined spawn.pipelined spawn.baseline_batch spawn.batch
check control --count 10 --rounds 2 -- control.baseline control.hello control.hello_flood \
  control.hello_flood_p99 control.flood_rate
check status --count 4 --records 20 --rounds 2 -- \
  status.hello status.empty status.hello_full status.one_of_full status.full status.json_floor \
  status.full_reply status.full_per_record
check memory --clients 5 --records 10 -- \
  memory.idle memory.clients memory.per_client memory.fds_per_client \
  memory.records memory.per_record memory.pss_fresh memory.pss_burst memory.fds_per_record
check values --ops 1000 --requests 20 --window 4 --contended 1000 -- \
  values.baseline values.library values.getpid values.protocol values.protocol_pipelined \
  values.contended_floor values.contended_library values.protocol_latency
check scale --children 5,10 --clients 1,2 --starts 4 --joiners 2,4 --values 5,10 --requests 3 -- \
  scale.status_all scale.status_all_cold scale.status_json_floor scale.status_x_json scale.status_reply \
  scale.status_one scale.status_one_x_hello scale.children_rss scale.children_pss \
  scale.rss_per_child scale.start_rate scale.start_latency scale.join_fanout \
  scale.rss_per_joiner scale.value_get scale.value_get_x_hello
check_peer peer_s6.py s6 --rounds 1 --commands 2 --services 3 --idle 0.2 -- \
  s6.true_cmd s6.svstat_cmd s6.shoal_ping_cmd s6.shoal_status_cmd s6.svc_up_cmd \
  s6.shoal_start_cmd s6.svc_down_cmd s6.shoal_stop_cmd s6.up_all s6.shoal_start_all \
  s6.down_all s6.shoal_stop_all s6.svscan_wakeups s6.supervise_wakeups s6.shoald_wakeups \
  s6.svscan_pss s6.shoald_pss_fresh s6.shoald_pss s6.tree_pss_all s6.shoald_pss_all
check_peer peer_supervisor.py supervisord --rounds 1 --requests 3 --commands 1 --programs 3 -- \
  supervisord.get_all supervisord.shoal_status_all supervisord.ctl_status_cmd \
  supervisord.shoal_status_cmd supervisord.start_all supervisord.shoal_start_all \
  supervisord.stop_all supervisord.shoal_stop_all supervisord.rss supervisord.pss \
  supervisord.shoald_rss supervisord.shoald_pss
check_peer peer_multiprocessing.py mp --rounds 1 --fork 2 --spawn 1 --increments 100 -- \
  mp.fork_start_join mp.spawn_start_join mp.shoal_start_join mp.value_locked
if ! printf '%s\n' "$all" | python3 -B "$source_dir/bench/targets.py"; then
  echo "smoke: bench/targets.py failed on the rows above" >&2; failed=1
fi
check_unavailable peer_s6.py s6 --rounds 1
check_unavailable peer_supervisor.py supervisord --rounds 1
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
