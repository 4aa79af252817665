#!/usr/bin/env bash
# Sanitizer stage of CI (run after scripts/test.sh):
#   1. the unit and integration tests under ASan+UBSan (build-asan);
#   2. the integration tests and the storage unit tests under TSan (build-tsan).
# With PostgreSQL 15 installed (scripts/test.sh installs it), a throwaway
# cluster (scripts/pg-cluster.sh) serves both stages, so the PostgreSQL
# registry runs under them too: ASan runs the store suite and the integration
# suite on it (ctest's integration.postgres), TSan the store suite.
# Any sanitizer report fails the run. Usage: scripts/sanitize.sh [asan|tsan]...
set -euo pipefail
cd "$(dirname "$0")/.."
export CCACHE_NOHASHDIR=1
JOBS="${S2LITE_JOBS:-$(nproc)}"
STAGES=("$@")
if [ ${#STAGES[@]} -eq 0 ]; then STAGES=(asan tsan); fi
GEN=()
if command -v ninja >/dev/null 2>&1; then GEN=(-G Ninja); fi

configure() {  # dir sanitizers
  if [ ! -f "$1/CMakeCache.txt" ]; then
    # -O1 -g1: the usual sanitizer setting (reports keep file:line), and a
    # much cheaper compile of the Boost-heavy units than -O2 -g. Asserts on.
    # The tests' own code at -O0: it compiles 2-3 times faster under the
    # sanitizers (tests/integration/object_test.cc: 15 s instead of 40 s).
    cmake -S . -B "$1" "${GEN[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1" \
      -DS2LITE_TEST_CODE_FLAGS=-O0 \
      -DS2LITE_WERROR=ON -DS2LITE_SANITIZE="$2" -DS2LITE_BUILD_BENCH=OFF -DS2LITE_INSTALL=OFF >/dev/null
  fi
}

# TSan runs the whole integration suite (about 25 s on 2 cores): every test
# drives the multi-threaded server. Narrow it with S2LITE_TSAN_FILTER (a
# gtest filter, e.g. '*Concurrent*:*TwoHundred*:*KeepAlive*:*Crash*') if it
# ever grows too slow.
TSAN_FILTER="${S2LITE_TSAN_FILTER:-*}"

if [ -x /usr/lib/postgresql/15/bin/initdb ]; then
  pg_dir="$(mktemp -d /tmp/s2lite-pg-san.XXXXXX)"
  trap 'scripts/pg-cluster.sh destroy "$pg_dir" >/dev/null 2>&1 || true' EXIT
  S2LITE_TEST_POSTGRES="$(scripts/pg-cluster.sh start "$pg_dir")"
  export S2LITE_TEST_POSTGRES
else
  echo "sanitize: PostgreSQL 15 not installed: the PostgreSQL registry is not covered" >&2
fi

for stage in "${STAGES[@]}"; do
  start=$(date +%s)
  case "$stage" in
    asan)
      configure build-asan address,undefined
      cmake --build build-asan -j"$JOBS" --target s2lite_common_tests s2lite_auth_tests s2lite_storage_tests \
        s2lite_server_tests s2lite_config_tests s2lite_integration_tests s2lite_daemon
      export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1"
      export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
      (cd build-asan && ctest --output-on-failure -j"$JOBS" --timeout 600 -L 'unit|integration')
      ;;
    tsan)
      configure build-tsan thread
      cmake --build build-tsan -j"$JOBS" --target s2lite_integration_tests s2lite_storage_tests \
        s2lite_daemon
      export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/scripts/tsan.supp"
      # The storage tests too: the registry's lock and group commit are
      # driven there from several threads directly.
      build-tsan/tests/s2lite_storage_tests --gtest_brief=1
      build-tsan/tests/s2lite_integration_tests --gtest_filter="$TSAN_FILTER"
      ;;
    *) echo "unknown stage $stage (asan|tsan)" >&2; exit 2 ;;
  esac
  echo "sanitize: $stage passed in $(( $(date +%s) - start )) s"
done
