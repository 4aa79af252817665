#!/usr/bin/env bash
# Object lifecycle with every boto3 present (Debian's python3-boto3 and the
# image's newer one, which sends CRC32 checksums by default): upload_file /
# download_file in 5 MiB parts, put/get with Range, copy, low-level multipart
# calls, S3 error codes, a 1,200-key listing paginated with a delimiter, and
# delete_objects. The daemon keeps S3's 5 MiB minimum part size.
source "$(dirname "$0")/lib.sh"
set_deadline 85
start_daemon "$1" --bucket life-boto
boto3_pythons

for py in "${PYS[@]}"; do
  echo "+ $py lifecycle_boto3.py $ENDPOINT life-boto"
  timeout -k 5 70 "$py" "$(dirname "$0")/lifecycle_boto3.py" "$ENDPOINT" "$AWS_ACCESS_KEY_ID" \
      "$AWS_SECRET_ACCESS_KEY" life-boto "$WORK" || fail "boto3 lifecycle failed with $py"
done
echo "PASS: boto3 lifecycle with ${#PYS[@]} boto3 versions in ${SECONDS}s"
