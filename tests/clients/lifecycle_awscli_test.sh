#!/usr/bin/env bash
# Object lifecycle with every aws-cli present (Debian's v2 and the image's v1,
# which sends CRC32 checksums by default): `aws s3 cp` of 64 MiB up (multipart
# in 8 MiB parts) and down byte-identical, head-object metadata / content type /
# multipart ETag, ls, rm; then each multipart call through `aws s3api` and the
# error codes the CLI surfaces. The daemon keeps S3's 5 MiB minimum part size.
source "$(dirname "$0")/lib.sh"
set_deadline 85
start_daemon "$1" --bucket life-cli
aws_clis

MiB=$((1024 * 1024))
random_file "$WORK/big.bin" $((64 * MiB))
big_etag=$(s3_etag "$WORK/big.bin" $((8 * MiB)))
[[ "$big_etag" == *-8 ]] || fail "expected 8 parts, computed $big_etag"
random_file "$WORK/p1.bin" $((5 * MiB))   # smallest allowed non-final part
random_file "$WORK/p2.bin" $((1 * MiB + 17))
cat "$WORK/p1.bin" "$WORK/p2.bin" > "$WORK/p12.bin"
p12_etag=$(s3_etag "$WORK/p12.bin" $((5 * MiB)))
# The composite CRC32 S3 reports for an upload in 8 MiB parts sent with CRC32s.
big_crc=$(/usr/bin/python3 - "$WORK/big.bin" $((8 * MiB)) <<'PY'
import base64, sys, zlib
crcs = []
with open(sys.argv[1], "rb") as f:
    while chunk := f.read(int(sys.argv[2])):
        crcs.append(zlib.crc32(chunk).to_bytes(4, "big"))
print(f"{base64.b64encode(zlib.crc32(b''.join(crcs)).to_bytes(4, 'big')).decode()}-{len(crcs)}")
PY
)

# json EXPR: evaluates a python expression over the JSON document on stdin (as d).
# (aws-cli v2 prints nothing for a paginated call with no results: {}.)
json() { /usr/bin/python3 -c "import json,sys; d=json.loads(sys.stdin.read() or '{}'); print($1)"; }

# lifecycle CLI: the whole sequence with one aws-cli, in its own folder $W.
lifecycle() {
  local cli=$1 ver tag W
  ver=$("$cli" --version 2>&1 | cut -d' ' -f1)
  tag=${ver#aws-cli/}
  W="$WORK/$tag"
  mkdir -p "$W"
  echo "== $ver ($cli)"
  aws() { timeout -k 5 60 "$cli" --endpoint-url "$ENDPOINT" "$@"; }
  s3api() { aws s3api "$@" --bucket life-cli --output json; }

  # --- aws s3: the high-level commands ------------------------------------
  key="cp/$tag/big file.bin"
  echo "+ aws s3 cp big.bin 's3://life-cli/$key' --metadata k1=v1 --content-type text/plain"
  aws s3 cp --only-show-errors "$WORK/big.bin" "s3://life-cli/$key" \
      --metadata k1=v1 --content-type text/plain || fail "$ver: s3 cp up failed"
  echo "+ aws s3 cp 's3://life-cli/$key' down.bin"
  rm -f "$W/down.bin"
  aws s3 cp --only-show-errors "s3://life-cli/$key" "$W/down.bin" || fail "$ver: s3 cp down failed"
  cmp "$WORK/big.bin" "$W/down.bin" || fail "$ver: downloaded bytes differ"

  head=$(s3api head-object --key "$key" --checksum-mode ENABLED) || fail "$ver: head-object failed"
  echo "$head"
  if [[ $tag == 1.* ]]; then
    # aws-cli v1 (botocore >= 1.36) sends CRC32s by default: S3 keeps the composite.
    [ "$(echo "$head" | json 'd.get("ChecksumCRC32"), d.get("ChecksumType")')" = "$big_crc COMPOSITE" ] \
      || fail "$ver: expected ChecksumCRC32 $big_crc COMPOSITE"
  fi
  [ "$(echo "$head" | json 'd["ETag"]')" = "\"$big_etag\"" ] || fail "$ver: ETag is not \"$big_etag\""
  [ "$(echo "$head" | json 'd["ContentLength"]')" = $((64 * MiB)) ] || fail "$ver: wrong ContentLength"
  [ "$(echo "$head" | json 'd["ContentType"]')" = text/plain ] || fail "$ver: wrong ContentType"
  [ "$(echo "$head" | json 'd["Metadata"]')" = "{'k1': 'v1'}" ] || fail "$ver: wrong Metadata"

  echo "+ aws s3 ls"
  ls_out=$(aws s3 ls "s3://life-cli/cp/$tag/") || fail "$ver: s3 ls failed"
  echo "$ls_out"
  grep -Eq "^[0-9-]+ [0-9:]+ +$((64 * MiB)) big file.bin\$" <<< "$ls_out" || fail "$ver: big file not listed"
  [ "$(echo "$ls_out" | wc -l)" = 1 ] || fail "$ver: ls shows other entries"

  echo "+ aws s3 rm"
  rm_out=$(aws s3 rm "s3://life-cli/$key") || fail "$ver: s3 rm failed"
  [ "$rm_out" = "delete: s3://life-cli/$key" ] || fail "$ver: s3 rm printed '$rm_out'"
  expect_error "(404)" s3api head-object --key "$key"

  # --- aws s3api: each multipart call -------------------------------------
  # (--upload-id=ID: an id may begin with "-", which argparse takes for an option.)
  mk="mp/$tag/obj.bin"
  id=$(s3api create-multipart-upload --key "$mk" --content-type application/x-test \
       --metadata color=blue | json 'd["UploadId"]') || fail "$ver: create-multipart-upload failed"
  echo "+ create-multipart-upload -> $id"
  e1=$(s3api upload-part --key "$mk" --upload-id="$id" --part-number 1 --body "$WORK/p1.bin" | json 'd["ETag"]') \
    || fail "$ver: upload-part 1 failed"
  e2=$(s3api upload-part --key "$mk" --upload-id="$id" --part-number 2 --body "$WORK/p2.bin" | json 'd["ETag"]') \
    || fail "$ver: upload-part 2 failed"
  e3=$(s3api upload-part --key "$mk" --upload-id="$id" --part-number 3 --body "$WORK/p2.bin" | json 'd["ETag"]') \
    || fail "$ver: upload-part 3 failed"
  echo "+ upload-part x3 -> $e1 $e2 $e3"
  [ "$e1" = "\"$(s3_etag "$WORK/p1.bin")\"" ] || fail "$ver: part 1 ETag $e1 is not its MD5"
  [ "$e2" = "\"$(s3_etag "$WORK/p2.bin")\"" ] || fail "$ver: part 2 ETag $e2 is not its MD5"
  [ "$e3" = "$e2" ] || fail "$ver: part 3 ETag $e3 is not its MD5"

  lp=$(s3api list-parts --key "$mk" --upload-id="$id") || fail "$ver: list-parts failed"
  got=$(echo "$lp" | json '[(p["PartNumber"], p["Size"], p["ETag"]) for p in d["Parts"]]')
  echo "+ list-parts -> $got"
  [ "$got" = "[(1, $((5 * MiB)), '$e1'), (2, $((MiB + 17)), '$e2'), (3, $((MiB + 17)), '$e2')]" ] \
    || fail "$ver: list-parts shows $got"

  lu=$(s3api list-multipart-uploads --prefix "mp/$tag/") || fail "$ver: list-multipart-uploads failed"
  got=$(echo "$lu" | json '[(u["Key"], u["UploadId"]) for u in d.get("Uploads", [])]')
  echo "+ list-multipart-uploads -> $got"
  [ "$got" = "[('$mk', '$id')]" ] || fail "$ver: list-multipart-uploads shows $got"

  /usr/bin/python3 - "$e1" "$e2" "$W" <<'PY'
import json, sys
e1, e2, work = sys.argv[1:4]
def dump(name, parts):
    with open(f"{work}/{name}.json", "w") as f:
        json.dump({"Parts": [{"PartNumber": n, "ETag": e} for n, e in parts]}, f)
dump("parts", [(1, e1), (2, e2)])
dump("badetag", [(1, '"0123456789abcdef0123456789abcdef"'), (2, e2)])
dump("order", [(2, e2), (1, e1)])
dump("small", [(1, e1), (2, e2), (3, e2)])  # part 2 (1 MiB) is not the last
PY
  # Errors the CLI surfaces, while the upload is still open.
  expect_error InvalidPart s3api complete-multipart-upload --key "$mk" --upload-id="$id" \
      --multipart-upload "file://$W/badetag.json"
  expect_error InvalidPartOrder s3api complete-multipart-upload --key "$mk" --upload-id="$id" \
      --multipart-upload "file://$W/order.json"
  expect_error EntityTooSmall s3api complete-multipart-upload --key "$mk" --upload-id="$id" \
      --multipart-upload "file://$W/small.json"

  # Completing with parts 1 and 2 only leaves part 3 out of the object.
  cm=$(s3api complete-multipart-upload --key "$mk" --upload-id="$id" \
       --multipart-upload "file://$W/parts.json") || fail "$ver: complete-multipart-upload failed"
  echo "+ complete-multipart-upload -> $cm"
  [ "$(echo "$cm" | json 'd["ETag"]')" = "\"$p12_etag\"" ] || fail "$ver: completed ETag is not \"$p12_etag\""
  [ "$(echo "$cm" | json 'd["Key"]')" = "$mk" ] || fail "$ver: completed Key"
  rm -f "$W/got.bin"
  go=$(s3api get-object --key "$mk" "$W/got.bin") || fail "$ver: get-object failed"
  cmp "$WORK/p12.bin" "$W/got.bin" || fail "$ver: completed object bytes differ"
  [ "$(echo "$go" | json 'd["ContentType"], d["Metadata"], d["ETag"]')" = \
    "application/x-test {'color': 'blue'} \"$p12_etag\"" ] || fail "$ver: completed object's headers: $go"

  id2=$(s3api create-multipart-upload --key "$mk.2" | json 'd["UploadId"]') || fail "$ver: create failed"
  echo "+ abort-multipart-upload $id2"
  s3api abort-multipart-upload --key "$mk.2" --upload-id="$id2" >/dev/null || fail "$ver: abort failed"
  expect_error NoSuchUpload s3api upload-part --key "$mk.2" --upload-id="$id2" --part-number 1 --body "$WORK/p2.bin"
}

# The CLIs run side by side (each is mostly interpreter start-up), each into its log.
pids=()
for i in "${!CLIS[@]}"; do
  lifecycle "${CLIS[$i]}" > "$WORK/cli$i.log" 2>&1 &
  pids+=($!)
done
failed=0
for i in "${!CLIS[@]}"; do
  wait "${pids[$i]}" || failed=1
  cat "$WORK/cli$i.log"
done
[ $failed = 0 ] || fail "an aws-cli lifecycle failed (its log above)"
n=${#CLIS[@]}
echo "PASS: lifecycle (64 MiB cp up/down, head, ls, rm, multipart calls and errors) with $n aws-cli versions in ${SECONDS}s"
