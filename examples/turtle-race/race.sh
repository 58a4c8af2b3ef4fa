#!/usr/bin/env bash
# The parent of the turtle race: starts the turtle through shoald, streams what it prints
# while waiting for it, and exits with its exit code. Uses nothing but the shoal CLI
# ($SHOAL_BIN, or shoal on PATH), which finds the daemon through $SHOAL_SOCKET or its default.
set -euo pipefail

laps=${1:-5}
shoal=${SHOAL_BIN:-shoal}
here=$(cd "$(dirname "$0")" && pwd)

echo "[MainProcess ($$)] Starting the process"

# The child gets the daemon's environment, not ours: pass the turtle's setting along.
env_args=()
if [[ -n "${TURTLE_MAX_SLEEP:-}" ]]; then
  env_args=(--env "TURTLE_MAX_SLEEP=$TURTLE_MAX_SLEEP")
fi

# No --name: the daemon picks Process-N, as Python does.
started=$("$shoal" start --json "${env_args[@]}" -- "$here/turtle.sh" "$laps")
# The record is JSON; a quote inside a string is escaped, so the first "name" key is the one.
name=$(printf '%s\n' "$started" | grep -o '"name": *"[^"]*"' | head -n 1 |
  sed 's/^"name": *"\(.*\)"$/\1/')
if [[ -z "$name" ]]; then
  echo "race.sh: cannot find the process name in the reply to start: $started" >&2
  exit 125
fi

echo "[MainProcess ($$)] Wait for process: $name"
# From the first line: the child may have printed some before this follower starts, and
# `logs --follow`, like `tail -f`, would start at the last 10 lines (-n at its maximum).
"$shoal" logs "$name" --follow -n 100000 &
follower=$!

code=0
"$shoal" join "$name" || code=$?

# The follower ends by itself once it has printed everything the exited process wrote;
# give it a bounded while to do so.
for _ in $(seq 1 100); do
  kill -0 "$follower" 2>/dev/null || break
  sleep 0.1
done
if kill -0 "$follower" 2>/dev/null; then
  echo "race.sh: 'shoal logs $name --follow' did not finish after the process exited" >&2
  kill "$follower" 2>/dev/null || true
fi
wait "$follower" 2>/dev/null || true

echo "[MainProcess ($$)] $name exited with code $code"
echo "[MainProcess ($$)] Finishing the process"
exit "$code"
