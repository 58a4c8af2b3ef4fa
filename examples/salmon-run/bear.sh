#!/usr/bin/env bash
# The bear: catches N salmon, one at a time, taking one from salmonCount only when it is
# positive; both the check and the decrement happen while holding Shoal's lock. Uses nothing
# but the shoal CLI ($SHOAL_BIN, or shoal on PATH); the daemon tells it its name in $SHOAL_NAME.
set -euo pipefail

n=${1:-3}
max_sleep=${SALMON_MAX_SLEEP:-5}
name=${SHOAL_NAME:-bear}
shoal=${SHOAL_BIN:-shoal}

if ! [[ "$n" =~ ^[0-9]+$ ]]; then
  echo "bear.sh: the number of salmon must be a whole number, not '$n'" >&2
  exit 2
fi

# A random fraction of max_sleep, like Python's max_sleep * random.random().
random_seconds() {
  awk -v max="$max_sleep" -v r="$RANDOM" -v s="$RANDOM" \
    'BEGIN { printf "%f", max * (r * 32768 + s) / (32768 * 32768) }'
}

printf '\t[%s (%d)] Starting the process\n' "$name" "$$"
i=0
while ((i < n)); do
  count=$("$shoal" value get salmonCount)
  printf '\t[%s (%d)] Total Salmon: %d\n' "$name" "$$" "$count"
  if ((count <= 0)); then
    printf '\t[%s (%d)] No Salmon yet. Let us wait again\n' "$name" "$$"
    sleep "$(random_seconds)"
    continue
  fi
  # The lock is held by this script ($$): shoal records its caller as the owner.
  "$shoal" lock acquire
  caught=0
  count=$("$shoal" value get salmonCount)
  if ((count > 0)); then
    # The holder's own value add runs at once inside its hold.
    "$shoal" value add salmonCount -1 >/dev/null
    caught=1
  fi
  "$shoal" lock release
  if ((caught)); then
    printf '\t[%s (%d)] Woohoo.. Caught a Salmon\n' "$name" "$$"
    i=$((i + 1))
  fi
done
printf '\t[%s (%d)] Finishing the process\n' "$name" "$$"
