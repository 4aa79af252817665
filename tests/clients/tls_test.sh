#!/usr/bin/env bash
# HTTPS (--tls-cert/--tls-key): boto3 and aws-cli over TLS, where SDKs default
# to unsigned payloads with trailing checksums, upload in parts and read back.
source "$(dirname "$0")/lib.sh"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=localhost" \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
  -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null
start_daemon "$1" --bucket tls-bucket --min-part-size 5242880 \
  --tls-cert "$WORK/cert.pem" --tls-key "$WORK/key.pem"
case "$ENDPOINT" in https://*) ;; *) fail "endpoint is not https: $ENDPOINT" ;; esac
export AWS_CA_BUNDLE="$WORK/cert.pem"
curl -sf --cacert "$WORK/cert.pem" "$ENDPOINT/health/live" >/dev/null || fail "health over TLS"
if curl -sf "http://127.0.0.1:$PORT/health/live" >/dev/null 2>&1; then fail "plain HTTP accepted on the TLS port"; fi

PYS=(/usr/bin/python3)
if command -v python3 >/dev/null && [ "$(command -v python3)" != /usr/bin/python3 ] && python3 -c 'import boto3' 2>/dev/null; then
  PYS+=("$(command -v python3)")
fi
head -c $((12 * 1024 * 1024 + 77)) /dev/urandom > "$WORK/src.bin"
for py in "${PYS[@]}"; do
  "$py" - "$ENDPOINT" "$WORK/src.bin" <<'PY' || fail "boto3 over TLS ($py)"
import hashlib, sys
import boto3
from boto3.s3.transfer import TransferConfig
endpoint, path = sys.argv[1:3]
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
cfg = TransferConfig(multipart_threshold=5 << 20, multipart_chunksize=5 << 20)
s3.upload_file(path, "tls-bucket", "over-tls.bin", Config=cfg, ExtraArgs={"Metadata": {"via": "tls"}})
head = s3.head_object(Bucket="tls-bucket", Key="over-tls.bin")
assert head["Metadata"] == {"via": "tls"}, head["Metadata"]
assert head["ETag"].endswith('-3"'), head["ETag"]
got = s3.get_object(Bucket="tls-bucket", Key="over-tls.bin")["Body"].read()
assert hashlib.sha256(got).digest() == hashlib.sha256(open(path, "rb").read()).digest()
print(f"boto3 {boto3.__version__} over TLS: 3-part upload byte-identical")
PY
done
for cli in /usr/bin/aws "$(command -v aws)"; do
  [ -x "$cli" ] || continue
  "$cli" --endpoint-url "$ENDPOINT" s3 cp "$WORK/src.bin" s3://tls-bucket/cli.bin >/dev/null || fail "$cli cp up over TLS"
  "$cli" --endpoint-url "$ENDPOINT" s3 cp s3://tls-bucket/cli.bin "$WORK/back.bin" >/dev/null || fail "$cli cp down over TLS"
  cmp -s "$WORK/src.bin" "$WORK/back.bin" || fail "$cli: bytes differ over TLS"
  echo "$("$cli" --version 2>&1 | cut -d' ' -f1) over TLS: cp up/down byte-identical"
done
echo "PASS: TLS serving works for boto3 and aws-cli"
