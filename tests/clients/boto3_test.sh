#!/usr/bin/env bash
# boto3 (Debian's python3-boto3 and the image's newer one, when present):
# initiate with SigV4 and SigV2, path and virtual-hosted; uploads survive kill -9.
source "$(dirname "$0")/lib.sh"
start_daemon "$1" --bucket boto-bucket --bucket s2-vhost-v1
getent hosts s2-vhost-v1.localhost >/dev/null || fail "s2-vhost-v1.localhost does not resolve (see scripts/test.sh)"

PYS=()
/usr/bin/python3 -c 'import boto3' 2>/dev/null && PYS+=(/usr/bin/python3)
if command -v python3 >/dev/null && [ "$(command -v python3)" != /usr/bin/python3 ] && python3 -c 'import boto3' 2>/dev/null; then
  PYS+=("$(command -v python3)")
fi
[ ${#PYS[@]} -gt 0 ] || fail "no boto3 installed"

: > "$WORK/ids"
for py in "${PYS[@]}"; do
  "$py" "$(dirname "$0")/boto3_initiate.py" "$ENDPOINT" "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" \
      boto-bucket s2-vhost-v1 >> "$WORK/ids" || fail "boto3 test failed with $py"
done
n=$(wc -l < "$WORK/ids")
[ "$n" -ge $((2 * ${#PYS[@]})) ] || fail "expected at least $((2 * ${#PYS[@]})) uploads, got $n"

kill9_and_restart
while read -r id; do
  row=$(registry_query "SELECT key, content_type, storage_class, cache_control FROM uploads WHERE upload_id='$id'")
  case "$row" in
    boto3/*"|text/csv|STANDARD_IA|max-age=10") ;;
    *) fail "upload $id after kill -9: '$row'" ;;
  esac
done < "$WORK/ids"
echo "PASS: $n boto3 uploads (${#PYS[@]} boto3 versions, SigV4+SigV2, path+virtual) survived kill -9"
