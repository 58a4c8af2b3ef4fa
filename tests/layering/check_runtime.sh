#!/usr/bin/env bash
# Fails when a program of ours needs a shared library other than libc (and the loader, which
# the unwinder asks for _dl_find_object), or links libstdc++'s iostreams, std::filesystem or
# locales. shoald and shoal carry libstdc++ inside; those parts would pull most of the library
# into them. In shoald, they or libm or the shared libstdc++ put back hundreds of KiB of an
# idle daemon's PSS (docs/performance.md, "Memory"); in shoal, a sixth of every command's CPU
# ("The CLI's start-up").
#   check_runtime.sh PROGRAM   (not stripped)
set -euo pipefail
program=$1
needed=$(readelf -d "$program" | sed -n 's/.*(NEEDED).*Shared library: \[\(.*\)\]/\1/p')
extra=$(grep -v -e '^libc\.so\.' -e '^ld-linux' <<<"$needed" || true)
heavy=$(nm --defined-only "$program" | awk '{print $NF}' |
  grep -E '^_ZNSt(6locale5_Impl|8ios_base4Init|10filesystem|7__cxx1110filesystem)' | head -5 || true)
if [[ -n $extra || -n $heavy ]]; then
  echo "check_runtime: $program links what it should not:" >&2
  [[ -z $extra ]] || echo "shared libraries beyond libc: $extra" >&2
  [[ -z $heavy ]] || echo "libstdc++'s locales, iostreams or filesystem: $heavy" >&2
  echo "a source uses iostreams, std::filesystem, locales or <cmath>'s libm functions;" \
    "docs/performance.md (\"Memory\") says what to use instead" >&2
  exit 1
fi
echo "check_runtime: $program needs libc alone and links none of libstdc++'s heavy parts"
