#!/usr/bin/env bash
# The salmon: N times, swims a random while, then jumps upstream: salmonCount + 1 while
# holding Shoal's lock. Uses nothing but the shoal CLI ($SHOAL_BIN, or shoal).
set -euo pipefail

n=${1:-3}
max_sleep=${SALMON_MAX_SLEEP:-5}
name=${SHOAL_NAME:-salmon}
shoal=${SHOAL_BIN:-shoal}

if ! [[ "$n" =~ ^[0-9]+$ ]]; then
  echo "salmon.sh: the number of salmon must be a whole number, not '$n'" >&2
  exit 2
fi

random_seconds() {
  awk -v max="$max_sleep" -v r="$RANDOM" -v s="$RANDOM" \
    'BEGIN { printf "%f", max * (r * 32768 + s) / (32768 * 32768) }'
}

printf '\t[%s (%d)] Starting the process\n' "$name" "$$"
for ((i = 0; i < n; i++)); do
  sleep "$(random_seconds)"
  # value add alone is atomic; inside this script's hold (shoal records its caller, $$, as the
  # owner) it runs at once, as an RLock taken again by its holder.
  "$shoal" lock acquire
  "$shoal" value add salmonCount 1 >/dev/null
  "$shoal" lock release
  printf '\t[%s (%d)] One Salmon jumped upstream\n' "$name" "$$"
  printf '\t[%s (%d)] Total Salmon: %d\n' "$name" "$$" "$("$shoal" value get salmonCount)"
done
printf '\t[%s (%d)] Finishing the process\n' "$name" "$$"
