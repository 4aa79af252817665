#!/usr/bin/env bash
# aws-cli (Debian's 2.x and the image's 1.x): put-bucket-cors / get-bucket-cors /
# delete-bucket-cors and S3's errors; curl checks the unsigned preflight the
# stored rules answer, and the --cors-allow-origin default.
source "$(dirname "$0")/lib.sh"
set_deadline 240
start_daemon "$1" --bucket cors-cli --cors-allow-origin 'http://localhost:*'
aws_clis

cat > "$WORK/cors.json" <<'EOF'
{"CORSRules": [
  {"ID": "uploads", "AllowedOrigins": ["https://*.example.com"], "AllowedMethods": ["PUT", "POST"],
   "AllowedHeaders": ["content-type", "x-amz-*"], "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 300},
  {"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]}]}
EOF
cat > "$WORK/bad.json" <<'EOF'
{"CORSRules": [{"AllowedOrigins": ["*"], "AllowedMethods": ["PATCH"]}]}
EOF

preflight() {  # ORIGIN METHOD [HEADERS]: prints the status line and headers
  curl -s -o /dev/null -D - -X OPTIONS "$ENDPOINT/cors-cli/some/key" -H "Origin: $1" \
    -H "Access-Control-Request-Method: $2" ${3:+-H "Access-Control-Request-Headers: $3"} | tr -d '\r'
}

for cli in "${CLIS[@]}"; do
  v=$("$cli" --version 2>&1 | head -1)
  echo "+ $v"
  s3api() { "$cli" --endpoint-url "$ENDPOINT" s3api "$@"; }
  expect_error NoSuchCORSConfiguration s3api get-bucket-cors --bucket cors-cli
  # Without its own rules the bucket answers the --cors-allow-origin default.
  preflight http://localhost:5173 DELETE authorization | grep -qi '^access-control-allow-origin: http://localhost:5173$' \
    || fail "$v: default rule not applied"

  s3api put-bucket-cors --bucket cors-cli --cors-configuration "file://$WORK/cors.json" \
    || fail "$v: put-bucket-cors"
  s3api get-bucket-cors --bucket cors-cli > "$WORK/got.json" || fail "$v: get-bucket-cors"
  /usr/bin/python3 - "$WORK/cors.json" "$WORK/got.json" <<'PY' || fail "$v: get-bucket-cors differs: $(cat "$WORK/got.json")"
import json, sys
want, got = (json.load(open(p))["CORSRules"] for p in sys.argv[1:])
assert got == want, (got, want)
PY

  h=$(preflight https://app.example.com PUT 'Content-Type, X-Amz-Date')
  grep -q '^HTTP/1.1 200' <<< "$h" || fail "$v: preflight: $h"
  grep -qi '^access-control-allow-origin: https://app.example.com$' <<< "$h" || fail "$v: $h"
  grep -qi '^access-control-allow-methods: PUT, POST$' <<< "$h" || fail "$v: $h"
  grep -qi '^access-control-allow-headers: content-type, x-amz-date$' <<< "$h" || fail "$v: $h"
  grep -qi '^access-control-expose-headers: ETag$' <<< "$h" || fail "$v: $h"
  grep -qi '^access-control-max-age: 300$' <<< "$h" || fail "$v: $h"
  # The bucket's own rules replace the default: localhost is no longer allowed.
  preflight http://localhost:5173 PUT | grep -q '^HTTP/1.1 403' || fail "$v: default still applied"
  preflight https://app.example.com DELETE | grep -q '^HTTP/1.1 403' || fail "$v: DELETE allowed"
  echo "  ok: preflight allowed and refused per the stored rules"

  expect_error InvalidRequest s3api put-bucket-cors --bucket cors-cli --cors-configuration "file://$WORK/bad.json"
  s3api delete-bucket-cors --bucket cors-cli || fail "$v: delete-bucket-cors"
  expect_error NoSuchCORSConfiguration s3api get-bucket-cors --bucket cors-cli
  expect_error NoSuchBucket s3api get-bucket-cors --bucket no-such-bucket-here
done
echo "PASS: aws-cli put/get/delete-bucket-cors with ${#CLIS[@]} aws-cli versions; preflights per rules and --cors-allow-origin"
