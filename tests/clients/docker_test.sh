#!/usr/bin/env bash
# No Docker engine runs in CI: validate the compose file, check the image's
# build stage runs the README's scripts, and run the image's configuration
# (env only, listening beyond loopback) against the daemon binary.
source "$(dirname "$0")/lib.sh"
root="$(cd "$(dirname "$0")/../.." && pwd)"
docker-compose -f "$root/docker/compose.yaml" config > "$WORK/compose.out" || fail "compose file invalid"
grep -q 'S2LITE_ACCESS_KEY: s2lite-access' "$WORK/compose.out" || fail "compose lost its credentials"
grep -q 'scripts/setup.sh --build-only' "$root/docker/Dockerfile" || fail "Dockerfile must run scripts/setup.sh"
grep -q 'scripts/build.sh' "$root/docker/Dockerfile" || fail "Dockerfile must run scripts/build.sh"

# The image's environment: 0.0.0.0 with explicit credentials starts...
S2LITE_LISTEN=0.0.0.0:0 S2LITE_DATA_DIR="$WORK/img" S2LITE_ACCESS_KEY=k S2LITE_SECRET_KEY=s \
  S2LITE_BUCKETS=dev-bucket S2LITE_READY_FILE="$WORK/img-ready" "$1" >"$WORK/img.out" 2>&1 &
pid=$!
for _ in $(seq 1 100); do [ -s "$WORK/img-ready" ] && break; sleep 0.05; done
[ -s "$WORK/img-ready" ] || fail "image configuration did not start: $(cat "$WORK/img.out")"
kill -TERM $pid; wait $pid || fail "SIGTERM did not exit 0"
# ...and without credentials it refuses, exit code 2.
set +e
S2LITE_LISTEN=0.0.0.0:0 S2LITE_DATA_DIR="$WORK/img" "$1" >"$WORK/refuse.out" 2>&1
rc=$?
set -e
[ $rc -eq 2 ] || fail "expected exit 2 without credentials on 0.0.0.0, got $rc"
grep -q 'non-loopback' "$WORK/refuse.out" || fail "no clear message: $(cat "$WORK/refuse.out")"
"$1" --listen nonsense >/dev/null 2>&1 && fail "invalid --listen accepted"
echo "PASS: compose valid, image config starts, refuses without credentials"
