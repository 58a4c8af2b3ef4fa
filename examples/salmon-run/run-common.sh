# The parent's part shared by run.sh and run-cpp.sh: create salmonCount, start the bear and
# the salmon through shoald, stream what they print, join both, and check the final count.
# The caller sets: bear_argv, salmon_argv (arrays), salmon_n, bear_n.

shoal=${SHOAL_BIN:-shoal}
main="[MainProcess ($$)]"

if ((bear_n > salmon_n)); then
  echo "salmon run: the bear cannot catch $bear_n salmon when only $salmon_n swim upstream" >&2
  exit 2
fi

echo "$main Starting the Main process"
# A daemon keeps values across runs: start from 0 whether or not salmonCount exists.
if ! "$shoal" value create salmonCount i 0 2>/dev/null; then
  "$shoal" value set salmonCount 0
fi

# Children get the daemon's environment, not ours: pass along what they need.
env_args=(--env "SHOAL_BIN=$(command -v "$shoal")")
if [[ -n "${SALMON_MAX_SLEEP:-}" ]]; then
  env_args+=(--env "SALMON_MAX_SLEEP=$SALMON_MAX_SLEEP")
fi

# A previous run's records and logs would mix into what we stream.
"$shoal" remove bear >/dev/null 2>&1 || true
"$shoal" remove salmon >/dev/null 2>&1 || true
"$shoal" start --name bear "${env_args[@]}" -- "${bear_argv[@]}" >/dev/null
"$shoal" start --name salmon "${env_args[@]}" -- "${salmon_argv[@]}" >/dev/null

followers=()
for who in bear salmon; do
  # From the first line: the child may have printed some before this follower starts, and
  # `logs --follow`, like `tail -f`, would start at the last 10 lines (-n at its maximum).
  "$shoal" logs "$who" --follow -n 100000 &
  followers+=($!)
done

code=0
echo "$main Wait for process: bear"
"$shoal" join bear || code=$?
echo "$main Wait for process: salmon"
"$shoal" join salmon || { c=$?; ((code == 0)) && code=$c; }

# Each follower ends once it has printed everything its exited process wrote.
for f in "${followers[@]}"; do
  for _ in $(seq 1 100); do
    kill -0 "$f" 2>/dev/null || break
    sleep 0.1
  done
  kill "$f" 2>/dev/null || true
  wait "$f" 2>/dev/null || true
done

final=$("$shoal" value get salmonCount)
expected=$((salmon_n - bear_n))
echo "$main Final salmon count: $final (expected $expected)"
if ((code != 0)); then
  echo "$main a fish or the bear failed (exit code $code)" >&2
  exit "$code"
fi
if [[ "$final" != "$expected" ]]; then
  echo "$main WRONG COUNT: $final instead of $expected" >&2
  exit 1
fi
echo "$main Finishing the Main process"
