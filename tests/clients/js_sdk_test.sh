#!/usr/bin/env bash
# AWS SDK for JavaScript v3 (@aws-sdk/client-s3 + lib-storage, pinned in
# tests/clients/js/package-lock.json) against the daemon, path-style and
# virtual-hosted: multipart with the SDK's default CRC32 checksums (aws-chunked
# trailers for streams), Complete with &quot;-escaped ETags, lib-storage Upload,
# PutObject/GetObject/HeadObject/DeleteObject and error names.
source "$(dirname "$0")/lib.sh"
set_deadline 85
js="$(cd "$(dirname "$0")/js" && pwd)"
command -v node >/dev/null || fail "node not installed (scripts/test.sh installs it)"
if [ ! -d "$js/node_modules/@aws-sdk/client-s3" ]; then
  echo "+ npm ci (tests/clients/js)"
  (cd "$js" && timeout 60 npm ci --no-audit --no-fund --loglevel=error) || fail "npm ci failed"
fi
getent hosts s2-vhost-js.localhost >/dev/null || fail "s2-vhost-js.localhost does not resolve: add it to /etc/hosts (scripts/test.sh does)"
start_daemon "$1" --bucket js-bucket --bucket s2-vhost-js

echo "+ node --test tests/clients/js/test.mjs ($(node --version))"
S2_ENDPOINT=$ENDPOINT S2_ACCESS_KEY=$AWS_ACCESS_KEY_ID S2_SECRET_KEY=$AWS_SECRET_ACCESS_KEY \
S2_BUCKET=js-bucket S2_VHOST_BUCKET=s2-vhost-js \
  timeout -k 5 75 node --test --test-reporter=spec "$js/test.mjs" > "$WORK/node.out" 2>&1 \
  || { cat "$WORK/node.out"; fail "AWS JS SDK tests failed"; }
cat "$WORK/node.out"
grep -Eq "^ℹ pass 8\$" "$WORK/node.out" || fail "expected 8 passing node tests"
grep -Eq "^ℹ fail 0\$" "$WORK/node.out" || fail "node tests failed"
echo "PASS: AWS JS SDK v3 ($(grep -m1 '@aws-sdk/client-s3' "$WORK/node.out" | sed 's/^.*# //; s/,.*//')), path + virtual-hosted, 8 tests in ${SECONDS}s"
