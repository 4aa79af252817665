#!/usr/bin/env bash
# boto3 (Debian's 1.26 and the image's newer one): put/get/delete_bucket_cors,
# and generate_presigned_post (SigV4 and SigV2) uploaded unmodified with
# urllib and with curl -F; policy violations get S3's errors.
source "$(dirname "$0")/lib.sh"
set_deadline 240
start_daemon "$1" --bucket post-bucket
boto3_pythons

for py in "${PYS[@]}"; do
  echo "+ $py (boto3 $("$py" -c 'import boto3; print(boto3.__version__)'))"
  "$py" "$(dirname "$0")/browser_uploads_boto3.py" "$ENDPOINT" "$AWS_ACCESS_KEY_ID" \
    "$AWS_SECRET_ACCESS_KEY" post-bucket > "$WORK/post.json" || fail "boto3 test failed with $py"
  # curl -F with the presigned fields, as a shell script or an HTML form would send them.
  args=()
  while IFS= read -r field; do args+=(-F "$field"); done < <(
    /usr/bin/python3 -c 'import json,sys; [print(f"{k}={v}") for k, v in json.load(open(sys.argv[1]))["fields"].items()]' "$WORK/post.json")
  url=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$WORK/post.json")
  random_file "$WORK/curl.bin" 300000
  code=$(curl -s -o "$WORK/curl.out" -w '%{http_code}' "${args[@]}" -F "file=@$WORK/curl.bin" "$url")
  [ "$code" = 204 ] || fail "curl -F: $code $(cat "$WORK/curl.out")"
  key=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["fields"]["key"].replace("${filename}", "curl.bin"))' "$WORK/post.json")
  /usr/bin/aws --endpoint-url "$ENDPOINT" s3api get-object --bucket post-bucket --key "$key" \
    "$WORK/curl.got" >/dev/null || fail "get-object $key"
  cmp -s "$WORK/curl.bin" "$WORK/curl.got" || fail "curl -F upload $key differs"
  echo "  ok: curl -F with boto3's presigned fields -> $key"
done
echo "PASS: boto3 CORS calls and generate_presigned_post (SigV4, SigV2; urllib and curl -F) with ${#PYS[@]} boto3 versions"
