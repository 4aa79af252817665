#!/usr/bin/env bash
# Fault injection seen by a real client: boto3 (each installed version) retries
# an UploadPart answered 503 SlowDown (armed with --fault) and one whose
# connection is reset mid-body (armed through the admin endpoint).
source "$(dirname "$0")/lib.sh"
PYS=()
/usr/bin/python3 -c 'import boto3' 2>/dev/null && PYS+=(/usr/bin/python3)
if command -v python3 >/dev/null && [ "$(command -v python3)" != /usr/bin/python3 ] && python3 -c 'import boto3' 2>/dev/null; then
  PYS+=("$(command -v python3)")
fi
for py in "${PYS[@]}"; do
  rm -rf "$WORK/data"
  start_daemon "$1" --bucket fault-bucket --min-part-size 5242880 --admin tester \
    --fault "operation=UploadPart,part=2,action=error,code=SlowDown,status=503,times=1"
  # Arm the reset over HTTP, signed like any request (what non-C++ suites use).
  curl -sf -X POST --aws-sigv4 "aws:amz:us-east-1:s3" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
       -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -H "Content-Type: application/json" \
       --data '{"operation":"UploadPart","part":3,"action":"reset","times":1}' \
       "$ENDPOINT/_s2lite/faults" >/dev/null || fail "admin endpoint refused the rule"
  "$py" "$(dirname "$0")/faults_boto3.py" "$ENDPOINT" "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" "$WORK" \
    || fail "boto3 ($py) did not survive the faults"
  grep -q "fault fired" "$WORK/daemon.log" || fail "fired faults were not logged"
  kill "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null || true; DAEMON_PID=""
done
echo "PASS: faults fired where configured; boto3 retried through SlowDown and a reset"
