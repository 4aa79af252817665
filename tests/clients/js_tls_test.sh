#!/usr/bin/env bash
# AWS SDK for JavaScript v3 (@aws-sdk/client-s3 + lib-storage, pinned in
# tests/clients/js/package-lock.json) over HTTPS with a test CA given to node by
# NODE_EXTRA_CA_CERTS, in both checksum modes: the default WHEN_SUPPORTED (CRC32
# trailers on streams, CRC32 headers on buffers, x-amz-checksum-mode on GET) and
# requestChecksumCalculation/responseChecksumValidation WHEN_REQUIRED (none of
# it). Multipart (stream part + buffer part), PutObject/GetObject, lib-storage
# Upload; then the same file over plain HTTP.
source "$(dirname "$0")/lib.sh"
set_deadline 55
js="$(cd "$(dirname "$0")/js" && pwd)"
command -v node >/dev/null || fail "node not installed (scripts/test.sh installs it)"
if [ ! -d "$js/node_modules/@aws-sdk/client-s3" ]; then
  echo "+ npm ci (tests/clients/js)"
  (cd "$js" && timeout 40 npm ci --no-audit --no-fund --loglevel=error) || fail "npm ci failed"
fi

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=localhost" \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
  -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null
start_daemon "$1" --bucket js-tls --tls-cert "$WORK/cert.pem" --tls-key "$WORK/key.pem"
case "$ENDPOINT" in https://*) ;; *) fail "endpoint is not https: $ENDPOINT" ;; esac
tls_endpoint=$ENDPOINT

# Without the test CA node refuses the daemon's certificate: the CA is what makes it work.
untrusted=$(env -u NODE_EXTRA_CA_CERTS node -e '
  fetch(process.argv[1] + "/health/live").then(() => console.log("trusted"),
    (e) => console.log(e.cause?.code ?? e.message))' "$ENDPOINT" 2>&1)
[ "$untrusted" = DEPTH_ZERO_SELF_SIGNED_CERT ] || fail "node without the CA: expected DEPTH_ZERO_SELF_SIGNED_CERT, got: $untrusted"
echo "  ok: node without NODE_EXTRA_CA_CERTS refuses the certificate ($untrusted)"

run_node() {  # run_node LABEL ENDPOINT: the checksum-mode tests, 7 of them.
  local label=$1 endpoint=$2 out="$WORK/node-$1.out"
  echo "+ node --test tests/clients/js/checksum_modes.mjs over $label ($(node --version))"
  NODE_EXTRA_CA_CERTS="$WORK/cert.pem" NODE_NO_WARNINGS=1 \
  S2_ENDPOINT=$endpoint S2_ACCESS_KEY=$AWS_ACCESS_KEY_ID S2_SECRET_KEY=$AWS_SECRET_ACCESS_KEY S2_BUCKET=js-tls \
    timeout -k 5 40 node --test --test-reporter=spec "$js/checksum_modes.mjs" > "$out" 2>&1 \
    || { cat "$out"; fail "AWS JS SDK checksum-mode tests failed over $label"; }
  cat "$out"
  grep -Eq "^ℹ fail 0\$" "$out" || fail "node tests failed over $label"
  # 6 tests + the Location scheme check.
  local pass
  pass=$(sed -n 's/^ℹ pass //p' "$out")
  [ "$pass" -eq 7 ] || fail "expected 7 passing node tests over $label (pass=$pass)"
}
run_node https "$tls_endpoint"
# Every request reached the daemon over TLS and was answered as the test expected.
grep -q ' op=CompleteMultipartUpload .*status=200' "$WORK/daemon.log" || fail "no CompleteMultipartUpload in the access log"
if grep ' access ' "$WORK/daemon.log" | grep -Ev ' status=(200|204) | code=(NoSuchKey|BadDigest) ' >&2; then
  fail "unexpected answers in the access log (above)"
fi

# The same over plain HTTP (a second daemon on the same data dir, after the first stops).
kill "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null || true; DAEMON_PID=""
start_daemon "$1" --bucket js-tls
case "$ENDPOINT" in http://*) ;; *) fail "endpoint is not http: $ENDPOINT" ;; esac
run_node http "$ENDPOINT"

sdk=$(grep -m1 '@aws-sdk/client-s3' "$WORK/node-https.out" | sed 's/^.*# //; s/,.*//')
echo "PASS: AWS JS SDK v3 ($sdk) over HTTPS (NODE_EXTRA_CA_CERTS) and HTTP, WHEN_SUPPORTED + WHEN_REQUIRED checksums, in ${SECONDS}s"
