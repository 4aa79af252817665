#!/usr/bin/env bash
# aws-cli (Debian's v2 and the image's v1, when present) against the daemon:
# create-multipart-upload with metadata and content type, path and
# virtual-hosted addressing, survives kill -9.
source "$(dirname "$0")/lib.sh"
start_daemon "$1" --bucket cli-bucket --bucket s2-vhost

CLIS=()
[ -x /usr/bin/aws ] && CLIS+=(/usr/bin/aws)
if command -v aws >/dev/null && [ "$(command -v aws)" != /usr/bin/aws ]; then CLIS+=("$(command -v aws)"); fi
[ ${#CLIS[@]} -gt 0 ] || fail "no aws-cli installed"

ids=()
for cli in "${CLIS[@]}"; do
  version=$("$cli" --version 2>&1)
  echo "== $version"
  for style in path virtual; do
    cfg="$WORK/aws-$style.cfg"
    printf '[default]\ns3 =\n    addressing_style = %s\n' "$style" > "$cfg"
    bucket=cli-bucket; url=$ENDPOINT
    # Virtual-hosted style needs a host name to prefix: <bucket>.localhost.
    if [ $style = virtual ]; then bucket=s2-vhost; url=${ENDPOINT/127.0.0.1/localhost}; fi
    if [ $style = virtual ] && ! getent hosts s2-vhost.localhost >/dev/null; then
      fail "s2-vhost.localhost does not resolve: add it to /etc/hosts (scripts/test.sh does)"
    fi
    out=$(AWS_CONFIG_FILE=$cfg "$cli" --endpoint-url "$url" s3api create-multipart-upload \
          --bucket $bucket --key "dir/report $style.pdf" --content-type application/pdf \
          --metadata foo1=value1,foo2=value2 --output json) || fail "$cli $style initiate failed"
    echo "$out"
    id=$(echo "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["Bucket"]; print(d["UploadId"])')
    key=$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Key"])')
    [ "$key" = "dir/report $style.pdf" ] || fail "key came back as '$key'"
    ids+=("$id")
  done
  # An error the CLI must surface with S3's code.
  if err=$("$cli" --endpoint-url "$ENDPOINT" s3api create-multipart-upload --bucket no-such-bucket --key k 2>&1); then
    fail "initiate on a missing bucket succeeded"
  fi
  grep -q NoSuchBucket <<< "$err" || fail "expected NoSuchBucket, got: $err"
  if err=$(AWS_SECRET_ACCESS_KEY=wrong "$cli" --endpoint-url "$ENDPOINT" s3api create-multipart-upload --bucket cli-bucket --key k 2>&1); then
    fail "wrong secret accepted"
  fi
  grep -q SignatureDoesNotMatch <<< "$err" || fail "expected SignatureDoesNotMatch, got: $err"
done

kill9_and_restart
for id in "${ids[@]}"; do
  row=$(registry_query "SELECT content_type, metadata FROM uploads WHERE upload_id='$id'")
  echo "$id -> $row"
  grep -q '^application/pdf|' <<< "$row" || fail "upload $id lost or wrong content type after kill -9: '$row'"
  grep -q 'foo1' <<< "$row" || fail "metadata lost for $id: '$row'"
  grep -q 'value2' <<< "$row" || fail "metadata lost for $id: '$row'"
done
echo "PASS: ${#ids[@]} uploads via ${#CLIS[@]} aws-cli versions survived kill -9"
