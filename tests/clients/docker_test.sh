#!/usr/bin/env bash
# Without a container engine (scripts/docker-test.sh builds and runs the
# image for real): validate the compose file, check the image's build stage
# runs the README's scripts and its health checks use `s2lite healthcheck`,
# and run the image's configuration (env only, listening beyond loopback)
# against the daemon binary, probed the way the health check probes it.
source "$(dirname "$0")/lib.sh"
root="$(cd "$(dirname "$0")/../.." && pwd)"
docker-compose -f "$root/docker/compose.yaml" config > "$WORK/compose.out" || fail "compose file invalid"
grep -q 'S2LITE_ACCESS_KEY: s2lite-access' "$WORK/compose.out" || fail "compose lost its credentials"
grep -q 'scripts/setup.sh --build-only' "$root/docker/Dockerfile" || fail "Dockerfile must run scripts/setup.sh"
grep -q 'scripts/build.sh' "$root/docker/Dockerfile" || fail "Dockerfile must run scripts/build.sh"
grep -q '^HEALTHCHECK .*CMD \["s2lite", "healthcheck"\]' "$root/docker/Dockerfile" \
  || fail "Dockerfile must probe with s2lite healthcheck"
grep -A3 'test:' "$WORK/compose.out" > "$WORK/compose.test"
grep -q 'healthcheck' "$WORK/compose.test" || fail "compose must probe with s2lite healthcheck"
S2LITE_PORT=9123 S2LITE_IMAGE=s2lite:other docker-compose -f "$root/docker/compose.yaml" config \
  > "$WORK/compose-env.out" || fail "compose file invalid with S2LITE_PORT/S2LITE_IMAGE"
grep -q '127.0.0.1:9123:9000' "$WORK/compose-env.out" || fail "compose ignores S2LITE_PORT"
grep -q 'image: s2lite:other' "$WORK/compose-env.out" || fail "compose ignores S2LITE_IMAGE"

# The image's environment: 0.0.0.0 with explicit credentials starts...
S2LITE_LISTEN=0.0.0.0:0 S2LITE_DATA_DIR="$WORK/img" S2LITE_ACCESS_KEY=k S2LITE_SECRET_KEY=s \
  S2LITE_BUCKETS=dev-bucket S2LITE_READY_FILE="$WORK/img-ready" "$1" >"$WORK/img.out" 2>&1 &
pid=$!
for _ in $(seq 1 100); do [ -s "$WORK/img-ready" ] && break; sleep 0.05; done
[ -s "$WORK/img-ready" ] || fail "image configuration did not start: $(cat "$WORK/img.out")"
url=$(cat "$WORK/img-ready")
port=${url##*:}
[ "$url" = "http://127.0.0.1:$port" ] || fail "ready file should hold a loopback URL, not $url"
grep -q "^s2lite listening on 0.0.0.0:$port, endpoint $url\$" "$WORK/img.out" \
  || fail "start-up line should name 0.0.0.0:$port and $url: $(head -3 "$WORK/img.out")"
# The health probe: its default URL comes from S2LITE_LISTEN (0.0.0.0 probed on loopback).
S2LITE_LISTEN=0.0.0.0:$port "$1" healthcheck >"$WORK/hc.out" 2>&1 || fail "healthcheck failed: $(cat "$WORK/hc.out")"
grep -q "http://127.0.0.1:$port/health/ready: 200" "$WORK/hc.out" || fail "healthcheck: $(cat "$WORK/hc.out")"
"$1" healthcheck "$url" >/dev/null || fail "healthcheck $url failed"
"$1" healthcheck "$url/health/nope" >/dev/null 2>&1 && fail "healthcheck took a 4xx for healthy"
"$1" healthcheck "ftp://127.0.0.1:$port" >/dev/null 2>&1 && fail "healthcheck accepted an ftp URL"
kill -TERM $pid; wait $pid || fail "SIGTERM did not exit 0"
# A closed port is unhealthy (exit 1), within the probe's 2 s.
set +e
timeout 5 "$1" healthcheck "$url" >/dev/null 2>"$WORK/hc.err"
rc=$?
set -e
[ $rc -eq 1 ] || fail "healthcheck of a stopped daemon: expected exit 1, got $rc"
# ...and without credentials it refuses, exit code 2.
set +e
S2LITE_LISTEN=0.0.0.0:0 S2LITE_DATA_DIR="$WORK/img" "$1" >"$WORK/refuse.out" 2>&1
rc=$?
set -e
[ $rc -eq 2 ] || fail "expected exit 2 without credentials on 0.0.0.0, got $rc"
grep -q 'non-loopback' "$WORK/refuse.out" || fail "no clear message: $(cat "$WORK/refuse.out")"
"$1" --listen nonsense >/dev/null 2>&1 && fail "invalid --listen accepted"
echo "PASS: compose valid, image config starts and is healthy, refuses without credentials"
