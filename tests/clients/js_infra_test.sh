#!/usr/bin/env bash
# AWS SDK for JavaScript v3 (pinned in tests/clients/js/package-lock.json):
# object and bucket tagging, lifecycle rules and their headers, conditional
# writes and bucket settings (tests/clients/js/infra.mjs).
source "$(dirname "$0")/lib.sh"
set_deadline 85
js="$(cd "$(dirname "$0")/js" && pwd)"
command -v node >/dev/null || fail "node not installed (scripts/test.sh installs it)"
if [ ! -d "$js/node_modules/@aws-sdk/client-s3" ]; then
  echo "+ npm ci (tests/clients/js)"
  (cd "$js" && timeout 60 npm ci --no-audit --no-fund --loglevel=error) || fail "npm ci failed"
fi
start_daemon "$1" --bucket js-infra

echo "+ node --test tests/clients/js/infra.mjs ($(node --version))"
S2_ENDPOINT=$ENDPOINT S2_ACCESS_KEY=$AWS_ACCESS_KEY_ID S2_SECRET_KEY=$AWS_SECRET_ACCESS_KEY \
S2_BUCKET=js-infra timeout -k 5 75 node --test --test-reporter=spec "$js/infra.mjs" \
  > "$WORK/node.out" 2>&1 || { cat "$WORK/node.out"; fail "AWS JS SDK infra tests failed"; }
cat "$WORK/node.out"
grep -Eq "^ℹ pass 4\$" "$WORK/node.out" || fail "expected 4 passing node tests"
grep -Eq "^ℹ fail 0\$" "$WORK/node.out" || fail "node tests failed"
echo "PASS: AWS JS SDK v3 tagging/lifecycle/settings, 4 tests in ${SECONDS}s"
