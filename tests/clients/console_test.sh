#!/usr/bin/env bash
# The web console (/_s2lite/console/) in Debian's headless Chromium, driven by
# puppeteer-core (tests/clients/js/console.mjs): sign-in (wrong keys too),
# buckets, a 20 MiB multipart upload with progress, an aws-cli upload pending
# with its metadata and parts, abort, faults (admin) and their absence for a
# non-admin, activity. Screenshots of every page at 1280x800 and 390 px wide go
# to build/test-output/console/ (S2LITE_TEST_OUTPUT overrides).
source "$(dirname "$0")/lib.sh"
set_deadline 170
js="$(cd "$(dirname "$0")/js" && pwd)"
command -v node >/dev/null || fail "node not installed (scripts/test.sh installs it)"
[ -x /usr/bin/chromium ] || fail "chromium not installed (scripts/setup.sh installs it)"
if [ ! -d "$js/node_modules/puppeteer-core" ]; then
  echo "+ npm ci (tests/clients/js)"
  (cd "$js" && timeout 60 npm ci --no-audit --no-fund --loglevel=error) || fail "npm ci failed"
fi
echo "+ node --test tests/clients/js/console_sigv4.test.mjs (the console's signer vs the AWS SigV4 suite)"
node --test "$js/console_sigv4.test.mjs" > "$WORK/sigv4.out" 2>&1 || { cat "$WORK/sigv4.out"; fail "console SigV4 vectors"; }
grep -q "^# pass 11$" "$WORK/sigv4.out" || { cat "$WORK/sigv4.out"; fail "expected 11 passing SigV4 vector tests"; }
aws_clis
OUT=${S2LITE_TEST_OUTPUT:-$(cd "$(dirname "$1")/.." && pwd)/test-output}/console
rm -rf "$OUT" && mkdir -p "$OUT"

ADMIN_AK=AKIACONSOLEADMIN ADMIN_SK=console-admin-secret
USER_AK=AKIACONSOLEVIEWER USER_SK=console-viewer-secret
start_daemon "$1" --user "console-admin:$ADMIN_AK:$ADMIN_SK:admin" \
  --user "console-viewer:$USER_AK:$USER_SK" --min-part-size 5242880

random_file "$WORK/big.bin" $((20 * 1024 * 1024))
random_file "$WORK/part.bin" $((5 * 1024 * 1024))
random_file "$WORK/small.bin" 1024
mkdir "$WORK/many" && for i in $(seq -w 0 104); do echo "$i" > "$WORK/many/f$i.txt"; done

echo "+ node tests/clients/js/console.mjs ($(node --version), $(/usr/bin/chromium --version 2>/dev/null | head -1))"
S2_ENDPOINT=$ENDPOINT S2_ADMIN_AK=$ADMIN_AK S2_ADMIN_SK=$ADMIN_SK S2_USER_AK=$USER_AK \
S2_USER_SK=$USER_SK S2_OUT=$OUT S2_BIG_FILE=$WORK/big.bin S2_PART_FILE=$WORK/part.bin \
S2_SMALL_FILE=$WORK/small.bin S2_MANY_DIR=$WORK/many S2_AWS=${CLIS[0]} \
  timeout -k 5 150 node "$js/console.mjs" > "$WORK/node.out" 2>&1 \
  || { cat "$WORK/node.out"; fail "console browser test failed"; }
cat "$WORK/node.out"
grep -q "^PASS console" "$WORK/node.out" || fail "no PASS line"

# The server itself refuses a non-admin's fault and request-journal reads, and
# anonymous ones, whatever the page shows.
for who in "$USER_AK:$USER_SK" ""; do
  for path in /_s2lite/faults /_s2lite/requests; do
    if [ -n "$who" ]; then
      code=$(curl -s -o "$WORK/refused" -w '%{http_code}' --aws-sigv4 "aws:amz:us-east-1:s3" \
               --user "$who" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$ENDPOINT$path")
    else
      code=$(curl -s -o "$WORK/refused" -w '%{http_code}' "$ENDPOINT$path")
    fi
    [ "$code" = 403 ] || fail "GET $path by '${who%%:*}' answered $code, not 403"
    grep -q "<Code>AccessDenied</Code>" "$WORK/refused" || fail "GET $path: $(cat "$WORK/refused")"
  done
done
code=$(curl -s -o /dev/null -w '%{http_code}' --aws-sigv4 "aws:amz:us-east-1:s3" \
         --user "$ADMIN_AK:$ADMIN_SK" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$ENDPOINT/_s2lite/requests")
[ "$code" = 200 ] || fail "the admin's GET /_s2lite/requests answered $code"
echo "  ok: non-admin and anonymous GET /_s2lite/faults and /_s2lite/requests -> 403"

# --no-console: the daemon serves no console file (404), the rest as before.
kill "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null || true; DAEMON_PID=""
start_daemon "$1" --no-console
for path in /_s2lite/console/ /_s2lite/console/app.js; do
  code=$(curl -s -o /dev/null -w '%{http_code}' "$ENDPOINT$path")
  [ "$code" = 404 ] || fail "--no-console: GET $path answered $code, not 404"
done
[ "$(curl -s "$ENDPOINT/_s2lite/health/live")" = OK ] || fail "--no-console: health endpoint broken"
echo "  ok: --no-console -> 404"

shots=$(ls "$OUT"/*.png | wc -l)
[ "$shots" -ge 20 ] || fail "expected screenshots of every page at both sizes, got $shots in $OUT"
echo "PASS: web console in $(/usr/bin/chromium --version 2>/dev/null | head -1), $shots screenshots in $OUT, ${SECONDS}s"
