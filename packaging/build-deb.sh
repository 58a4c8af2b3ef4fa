#!/usr/bin/env bash
# Builds the Debian package from a build tree of its own: Release, installed under /usr,
# without tests, benchmarks or examples, so nothing but what the package ships is compiled
# and doctest need not be installed. CPack strips the binaries.
#
#   packaging/build-deb.sh [OUTPUT_DIR]      the .deb lands in OUTPUT_DIR (default: the tree)
#
# SHOAL_PACKAGE_BUILD_DIR names the tree (default build/package); SHOAL_BUILD_JOBS the jobs;
# SHOAL_WERROR=ON fails the build on any warning, as CI builds every tree.
set -euo pipefail

repo_root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${SHOAL_PACKAGE_BUILD_DIR:-$repo_root/build/package}
out_dir=${1:-$build_dir}

launcher=()
if command -v ccache >/dev/null 2>&1; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi

# CMAKE_DISABLE_FIND_PACKAGE_doctest: a package build that reached for doctest would fail
# here rather than quietly need it. A unity build, eight sources a compiler run, like the
# release tree tests/run-all.sh builds: in half the time, and with the same units, so that
# ccache finds the package test's objects there.
cmake -S "$repo_root" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
  -DCMAKE_UNITY_BUILD=ON \
  -DSHOAL_SANITIZE=OFF -DSHOAL_BUILD_TESTS=OFF -DSHOAL_BUILD_BENCHMARKS=OFF \
  -DSHOAL_BUILD_EXAMPLES=OFF -DSHOAL_WERROR="${SHOAL_WERROR:-OFF}" \
  -DCMAKE_DISABLE_FIND_PACKAGE_doctest=ON "${launcher[@]}" </dev/null
cmake --build "$build_dir" -j "${SHOAL_BUILD_JOBS:-2}" </dev/null
mkdir -p "$out_dir"
(cd "$build_dir" && cpack -G DEB -B "$out_dir" </dev/null)
ls "$out_dir"/shoal_*.deb
