#!/usr/bin/env bash
# Configures and builds s2lite into ./build (or $S2LITE_BUILD_DIR).
# Usage: scripts/build.sh [extra cmake -D options...]
# S2LITE_TARGET=NAME builds only that target (scripts/run.sh: the daemon).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR="${S2LITE_BUILD_DIR:-build}"
# ccache keys on paths relative to the tree, so another checkout of it (CI's
# container image build, a git worktree) reuses what this one compiled.
# It also keys on the locale (the compiler's messages): one fixed locale.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}" CCACHE_NOHASHDIR=1
unset LC_CTYPE LC_MESSAGES
export LANG=C.UTF-8 LC_ALL=C.UTF-8
GEN=()
if command -v ninja >/dev/null 2>&1; then GEN=(-G Ninja); fi
if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
  # RelWithDebInfo with -g1 (line tables and function names: backtraces and
  # profiles keep file:line) instead of -g: the same code, and a quarter
  # less compile time for the coroutine- and template-heavy units.
  cmake -S . -B "$BUILD_DIR" "${GEN[@]}" -DCMAKE_BUILD_TYPE="${S2LITE_BUILD_TYPE:-RelWithDebInfo}" \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" "$@"
else
  cmake -S . -B "$BUILD_DIR" "$@" >/dev/null
fi
cmake --build "$BUILD_DIR" -j"$(nproc)" ${S2LITE_TARGET:+--target "$S2LITE_TARGET"}
