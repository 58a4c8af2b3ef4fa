#!/usr/bin/env bash
# Installs what building and testing Shoal need on Debian 12. Safe to run again: when every
# package is already installed it does nothing, so it also works offline.
set -euo pipefail

packages=(
  cmake g++ make
  ccache   # the package test compiles the release tree's sources again: from the cache
  clang-format   # the style.format test holds the layout of every C++ file
  clang-tidy     # the style.tidy test (clang-tidy and run-clang-tidy)
  libasio-dev nlohmann-json3-dev doctest-dev
  python3 python3-pytest
  python3-pip python3-setuptools python3-wheel python3-venv   # the offline pip install test
  procps
  systemd   # systemd-analyze and systemd-socket-activate, used by the service tests
  tmux      # a real terminal for the tests of shoal top
  # The package test: lintian judges the .deb; man, zsh, fish and pkg-config use what it
  # installed.
  lintian man-db zsh fish pkgconf
)

missing=()
for pkg in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
  if [[ "$status" != "installed" ]]; then
    missing+=("$pkg")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
as_root=()
if ((EUID != 0)); then
  if command -v sudo >/dev/null 2>&1; then
    as_root=(sudo -n)
  else
    echo "install-deps: cannot install ${missing[*]}: not root and sudo is not available;" \
         "run this script as root" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update </dev/null
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y --no-install-recommends "${missing[@]}" </dev/null
