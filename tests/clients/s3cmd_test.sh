#!/usr/bin/env bash
# s3cmd (Debian's, apt package s3cmd) with SigV4 and SigV2, path style:
# multipart put of 17 MiB in 5 MiB chunks with metadata, get, cmp, ls, info
# (MD5 + metadata), del; a single-part put too.
source "$(dirname "$0")/lib.sh"
set_deadline 85
command -v s3cmd >/dev/null || fail "s3cmd not installed (scripts/setup.sh installs it)"
start_daemon "$1" --bucket s3cmd-bucket
echo "== $(s3cmd --version)"

MiB=$((1024 * 1024))
random_file "$WORK/big.bin" $((17 * MiB))
random_file "$WORK/small.txt" 4321
big_md5=$(s3_etag "$WORK/big.bin")
small_md5=$(s3_etag "$WORK/small.txt")

n=0
for sigv2 in False True; do
  cfg="$WORK/s3cfg-$sigv2"
  cat > "$cfg" <<EOF
[default]
access_key = $AWS_ACCESS_KEY_ID
secret_key = $AWS_SECRET_ACCESS_KEY
host_base = 127.0.0.1:$PORT
host_bucket = 127.0.0.1:$PORT
use_https = False
signature_v2 = $sigv2
bucket_location = us-east-1
check_ssl_certificate = False
guess_mime_type = False
progress_meter = False
EOF
  label=sigv4; [ $sigv2 = True ] && label=sigv2
  echo "== signature_v2 = $sigv2"
  s3c() { echo "+ s3cmd $*" >&2; timeout -k 5 60 s3cmd -c "$cfg" --no-progress "$@"; }
  base="s3://s3cmd-bucket/$label"

  s3c put --multipart-chunk-size-mb=5 --mime-type=text/plain --add-header=x-amz-meta-color:teal \
      "$WORK/big.bin" "$base/big file.bin" || fail "$label: multipart put failed"
  s3c put --add-header=x-amz-meta-kind:small "$WORK/small.txt" "$base/dir/small.txt" \
      || fail "$label: single put failed"

  rm -f "$WORK/down.bin" "$WORK/down.txt"
  s3c get "$base/big file.bin" "$WORK/down.bin" || fail "$label: get failed"
  cmp "$WORK/big.bin" "$WORK/down.bin" || fail "$label: downloaded bytes differ"
  s3c get "$base/dir/small.txt" "$WORK/down.txt" || fail "$label: get small failed"
  cmp "$WORK/small.txt" "$WORK/down.txt" || fail "$label: small bytes differ"

  ls_out=$(s3c ls "$base/") || fail "$label: ls failed"
  echo "$ls_out"
  grep -Eq "^ +DIR +$base/dir/\$" <<< "$ls_out" || fail "$label: ls lacks DIR $base/dir/"
  grep -Eq "^[0-9-]+ [0-9:]+ +$((17 * MiB)) +$base/big file.bin\$" <<< "$ls_out" || fail "$label: ls lacks the big file"
  rls=$(s3c ls --recursive --list-md5 "s3://s3cmd-bucket/$label/") || fail "$label: ls -r failed"
  echo "$rls"
  grep -q "$small_md5 .*$base/dir/small.txt\$" <<< "$rls" || fail "$label: ls --list-md5 lacks the small file's MD5"
  # A multipart ETag ("...-4") is no MD5: s3cmd shows the one it saved in x-amz-meta-s3cmd-attrs.
  grep -q "$big_md5 .*$base/big file.bin\$" <<< "$rls" || fail "$label: ls --list-md5 lacks the big file's MD5"
  parts=$(grep -c "op=UploadPart .*key=\"$label/big file.bin\" status=200" "$WORK/daemon.log" || true)
  [ "$parts" = 4 ] || fail "$label: expected 4 parts of 5 MiB in the access log, saw $parts"
  buckets=$(s3c ls) || fail "$label: ls of buckets failed"
  grep -q "  s3://s3cmd-bucket\$" <<< "$buckets" || fail "$label: bucket not listed: $buckets"

  info=$(s3c info "$base/big file.bin") || fail "$label: info failed"
  echo "$info"
  grep -Eq "File size: +$((17 * MiB))\$" <<< "$info" || fail "$label: info size"
  grep -Eq "MIME type: +text/plain\$" <<< "$info" || fail "$label: info MIME type"
  # s3cmd keeps the whole file's MD5 in x-amz-meta-s3cmd-attrs for multipart uploads.
  grep -Eq "MD5 sum: +$big_md5\$" <<< "$info" || fail "$label: info MD5 is not $big_md5"
  grep -Eq "x-amz-meta-color: +teal\$" <<< "$info" || fail "$label: info lacks x-amz-meta-color"
  info=$(s3c info "$base/dir/small.txt") || fail "$label: info small failed"
  grep -Eq "MD5 sum: +$small_md5\$" <<< "$info" || fail "$label: small info MD5"
  grep -Eq "x-amz-meta-kind: +small\$" <<< "$info" || fail "$label: small info lacks x-amz-meta-kind"

  del_out=$(s3c del "$base/big file.bin") || fail "$label: del failed"
  [ "$del_out" = "delete: '$base/big file.bin'" ] || fail "$label: del printed '$del_out'"
  s3c del --recursive --force "$base/" >/dev/null || fail "$label: recursive del failed"
  [ -z "$(s3c ls --recursive "$base/")" ] || fail "$label: objects left after del"
  expect_error "404" s3c info "$base/dir/small.txt"
  n=$((n + 1))
done
echo "PASS: s3cmd put (multipart 17 MiB + single) / get / ls / info / del with SigV4 and SigV2 ($n configs) in ${SECONDS}s"
