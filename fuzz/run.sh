#!/usr/bin/env bash
# Builds the libFuzzer targets with clang + ASan/UBSan into build-fuzz and runs
# each for N seconds (default 20) on its committed seed corpus, printing exec
# counts. Fails if any target finds a crash, leak or sanitizer report.
# Usage: fuzz/run.sh [seconds] [target...]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET="${1:-20}"
shift || true
BUILD_DIR="${S2LITE_FUZZ_BUILD_DIR:-build-fuzz}"
export CCACHE_NOHASHDIR=1
GEN=()
if command -v ninja >/dev/null 2>&1; then GEN=(-G Ninja); fi
if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
  CC=clang CXX=clang++ cmake -S . -B "$BUILD_DIR" "${GEN[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DS2LITE_FUZZ=ON -DS2LITE_SANITIZE=address,undefined -DS2LITE_WERROR=ON \
    -DS2LITE_BUILD_TESTS=OFF -DS2LITE_BUILD_BENCH=OFF -DS2LITE_INSTALL=OFF >/dev/null
fi
TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then TARGETS=(http_request sigv4 sigv2 aws_chunked checksum xml uri); fi
cmake --build "$BUILD_DIR" -j"${S2LITE_JOBS:-$(nproc)}" --target "${TARGETS[@]/#/fuzz_}"

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
status=0
for t in "${TARGETS[@]}"; do
  seeds="fuzz/corpus/$t"
  work="$BUILD_DIR/corpus/$t"      # grows while fuzzing; the seeds stay small
  artifacts="$BUILD_DIR/artifacts/$t/"
  mkdir -p "$work" "$artifacts"
  log="$BUILD_DIR/fuzz_$t.log"
  dict=()
  [ -f "fuzz/$t.dict" ] && dict=(-dict="fuzz/$t.dict")
  if "$BUILD_DIR/fuzz/fuzz_$t" "$work" "$seeds" "${dict[@]}" -max_total_time="$SECONDS_PER_TARGET" \
      -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$artifacts" >"$log" 2>&1; then
    execs=$(grep -m1 'stat::number_of_executed_units' "$log" | awk '{print $2}')
    cov=$(grep -E '^#[0-9]+' "$log" | tail -1 | grep -o 'cov: [0-9]*' || true)
    printf '%-14s ok    execs=%-10s %s\n' "$t" "${execs:-?}" "$cov"
  else
    status=1
    printf '%-14s FAIL  (see %s; reproducer in %s)\n' "$t" "$log" "$artifacts"
    grep -E 'ERROR|SUMMARY|runtime error' "$log" | head -5 || true
  fi
done
exit $status
