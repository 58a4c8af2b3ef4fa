#!/usr/bin/env bash
# The turtle: runs N laps, napping a random while (at most $TURTLE_MAX_SLEEP seconds, default 2)
# before each one, and says so in the tutorial's words. Shoal tells it its name in $SHOAL_NAME.
set -euo pipefail

laps=${1:-5}
max_sleep=${TURTLE_MAX_SLEEP:-2}
name=${SHOAL_NAME:-turtle}

if ! [[ "$laps" =~ ^[0-9]+$ ]]; then
  echo "turtle.sh: laps must be a whole number, not '$laps'" >&2
  exit 2
fi

# A random fraction of max_sleep with microsecond precision, like Python's random.random().
random_seconds() {
  awk -v max="$max_sleep" -v r="$RANDOM" -v s="$RANDOM" \
    'BEGIN { printf "%f", max * (r * 32768 + s) / (32768 * 32768) }'
}

printf '\t[%s (%d)] Starting the process\n' "$name" "$$"
for ((i = 0; i < laps; i++)); do
  x=$(random_seconds)
  printf '\t[%s (%d)] Let us sleep for %s seconds\n' "$name" "$$" "$x"
  sleep "$x"
  y=$(random_seconds)
  printf '\t[%s (%d)] Let us run for %s seconds\n' "$name" "$$" "$y"
done
printf '\t[%s] Finishing the process\n' "$name"
