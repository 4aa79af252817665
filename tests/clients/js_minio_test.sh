#!/usr/bin/env bash
# The `minio` npm client (pinned in tests/clients/js/package-lock.json) against
# the daemon over HTTP, path style: makeBucket/bucketExists, putObject of 12 MiB
# in 5 MiB parts (minio's own multipart), statObject metadata, getObject bytes,
# listObjectsV2, presigned PUT/GET used by fetch, error codes, removeObject.
source "$(dirname "$0")/lib.sh"
set_deadline 55
js="$(cd "$(dirname "$0")/js" && pwd)"
command -v node >/dev/null || fail "node not installed (scripts/test.sh installs it)"
if [ ! -d "$js/node_modules/minio" ]; then
  echo "+ npm ci (tests/clients/js)"
  (cd "$js" && timeout 40 npm ci --no-audit --no-fund --loglevel=error) || fail "npm ci failed"
fi
start_daemon "$1"

echo "+ node --test tests/clients/js/minio.mjs ($(node --version))"
S2_ENDPOINT=$ENDPOINT S2_ACCESS_KEY=$AWS_ACCESS_KEY_ID S2_SECRET_KEY=$AWS_SECRET_ACCESS_KEY \
S2_BUCKET=minio-js S2_TRACE="$WORK/minio.trace" \
  timeout -k 5 40 node --test --test-reporter=spec "$js/minio.mjs" > "$WORK/node.out" 2>&1 \
  || { cat "$WORK/node.out"; echo "--- minio trace (last requests):"; tail -60 "$WORK/minio.trace";
       fail "minio client tests failed"; }
cat "$WORK/node.out"
grep -Eq "^ℹ pass 6\$" "$WORK/node.out" || fail "expected 6 passing node tests"
grep -Eq "^ℹ fail 0\$" "$WORK/node.out" || fail "node tests failed"

# What minio asked the daemon, by operation, from the access log: its two
# multipart uploads (Buffer, stream) went through Initiate, UploadParts, Complete.
ops=$(sed -n 's/.* access .* op=\([A-Za-z]*\) .* status=\([0-9]*\) code=\([^ ]*\) .*/\1 \2 \3/p' "$WORK/daemon.log" | sort | uniq -c)
echo "requests minio made (count op status code):"; echo "$ops"
for op in CreateMultipartUpload CompleteMultipartUpload; do
  grep -Eq "^ +2 $op 200 -\$" <<< "$ops" || fail "expected two $op 200 in the access log"
done
parts=$(sed -n 's/^ *\([0-9]*\) UploadPart 200 -$/\1/p' <<< "$ops")
[ "${parts:-0}" -ge 4 ] || fail "expected at least 4 UploadPart 200 in the access log, got ${parts:-0}"
if grep -E ' 5[0-9][0-9] ' <<< "$ops" >&2; then fail "server errors / unimplemented operations (above)"; fi

ver=$(grep -m1 '^# minio' "$WORK/node.out" | sed 's/^# //; s/,.*//')
echo "PASS: $ver npm client over HTTP, path style, 6 tests in ${SECONDS}s"
