#!/usr/bin/env bash
# Conditional writes, tagging, bucket settings and lifecycle with every boto3
# present (Debian's python3-boto3, which has no IfNoneMatch parameter, and the
# image's newer one).
source "$(dirname "$0")/lib.sh"
set_deadline 120
start_daemon "$1"
boto3_pythons
for py in "${PYS[@]}"; do
  echo "+ $py infra_boto3.py"
  timeout -k 5 100 "$py" "$(dirname "$0")/infra_boto3.py" "$ENDPOINT" "$AWS_ACCESS_KEY_ID" \
      "$AWS_SECRET_ACCESS_KEY" || fail "boto3 infra failed with $py"
done
echo "PASS: boto3 infrastructure calls with ${#PYS[@]} boto3 versions in ${SECONDS}s"
