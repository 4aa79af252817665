#!/usr/bin/env bash
# Plain `curl --aws-sigv4` (Debian 12's curl 7.88) drives a whole multipart
# upload: initiate with "?uploads=", parts uploaded with -T files (UNSIGNED-PAYLOAD
# and one with the real sha256 of the part), ListParts, Complete with the XML,
# GET/HEAD/Range back; a wrong x-amz-content-sha256 (the sha256 of other bytes)
# is refused with 400 XAmzContentSHA256Mismatch and stores nothing — neither a
# replacement part nor an object.
source "$(dirname "$0")/lib.sh"
set_deadline 55
start_daemon "$1" --bucket curl-bucket
echo "+ $(curl --version | head -1 | cut -d' ' -f1-2)"

B="$ENDPOINT/curl-bucket"
KEY="dir/my file+&=.bin"            # as stored
EKEY="dir/my%20file%2B%26%3D.bin"   # as written in the URL (SigV4 signs it as is)
XKEY="dir/my file+&amp;=.bin"       # as S3's XML writes it
sha() { sha256sum "$1" | cut -d' ' -f1; }
md5() { md5sum "$1" | cut -d' ' -f1; }
# s3 ARGS...: a SigV4-signed curl; the body goes to $WORK/body, headers to $WORK/hdr,
# and the HTTP status is printed.
s3() {
  curl -sS --aws-sigv4 "aws:amz:us-east-1:s3" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
       -o "$WORK/body" -D "$WORK/hdr" -w '%{http_code}' "$@"
}
header() { tr -d '\r' < "$WORK/hdr" | sed -n "s/^$1: //Ip" | tail -1; }
xml() { sed -n "s:.*<$1>\([^<]*\)</$1>.*:\1:p" "$WORK/body"; }
expect() {  # expect STATUS GOT WHAT: fail with the response unless GOT is STATUS.
  [ "$2" = "$1" ] || fail "$3: expected HTTP $1, got $2: $(cat "$WORK/body" 2>/dev/null)"
}
expect_code() {  # expect_code STATUS CODE GOT WHAT
  expect "$1" "$3" "$4"
  grep -q "<Code>$2</Code>" "$WORK/body" || fail "$4: expected <Code>$2</Code>, got: $(cat "$WORK/body")"
  echo "  ok: $4 -> $1 $2"
}

# --- Initiate. A bare "?uploads" is signed by curl 7.88 as "uploads", not SigV4's
# canonical "uploads=": refused, as S3 refuses it (README). "?uploads=" works.
st=$(s3 -X POST -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$B/$EKEY?uploads")
expect_code 403 SignatureDoesNotMatch "$st" "POST ?uploads (bare, curl 7.88's non-canonical signature)"
st=$(s3 -X POST -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -H "Content-Type: application/x-curl" \
        -H "x-amz-meta-tool: curl" -H "Cache-Control: no-store" "$B/$EKEY?uploads=")
expect 200 "$st" "POST ?uploads="
[ "$(xml Key)" = "$XKEY" ] || fail "InitiateMultipartUploadResult Key: $(xml Key)"
UPLOAD=$(xml UploadId)
[ ${#UPLOAD} -ge 22 ] || fail "no UploadId in: $(cat "$WORK/body")"
echo "  ok: initiated upload $UPLOAD"

# --- Parts: 5 MiB + 5 MiB + 1 MiB+7, uploaded from files with -T.
random_file "$WORK/p1" $((5 * 1024 * 1024))
random_file "$WORK/p2" $((5 * 1024 * 1024))
random_file "$WORK/p3" $((1024 * 1024 + 7))
put_part() {  # put_part N FILE PAYLOAD-HASH
  s3 -T "$2" -H "x-amz-content-sha256: $3" "$B/$EKEY?partNumber=$1&uploadId=$UPLOAD"
}
st=$(put_part 1 "$WORK/p1" UNSIGNED-PAYLOAD); expect 200 "$st" "part 1 (UNSIGNED-PAYLOAD)"
E1=$(header etag); [ "$E1" = "\"$(md5 "$WORK/p1")\"" ] || fail "part 1 ETag $E1"
st=$(put_part 2 "$WORK/p2" "$(sha "$WORK/p2")"); expect 200 "$st" "part 2 (signed sha256)"
E2=$(header etag); [ "$E2" = "\"$(md5 "$WORK/p2")\"" ] || fail "part 2 ETag $E2"
st=$(put_part 3 "$WORK/p3" UNSIGNED-PAYLOAD); expect 200 "$st" "part 3 (UNSIGNED-PAYLOAD)"
E3=$(header etag); [ "$E3" = "\"$(md5 "$WORK/p3")\"" ] || fail "part 3 ETag $E3"
echo "  ok: 3 parts, ETags are the parts' MD5s"

# A replacement part 2 whose x-amz-content-sha256 is the sha256 of other bytes
# (the original part 2): refused, and part 2 stays what it was.
random_file "$WORK/p2bad" $((5 * 1024 * 1024))
st=$(put_part 2 "$WORK/p2bad" "$(sha "$WORK/p2")")
expect_code 400 XAmzContentSHA256Mismatch "$st" "UploadPart with the sha256 of other bytes"
# A new part 4 the same way: refused, not listed.
st=$(put_part 4 "$WORK/p3" "$(sha "$WORK/p1")")
expect_code 400 XAmzContentSHA256Mismatch "$st" "UploadPart 4 with the sha256 of other bytes"

st=$(s3 -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$B/$EKEY?uploadId=$UPLOAD")
expect 200 "$st" "ListParts"
listed=$(grep -o '<Part>.*</Part>' "$WORK/body" | sed 's:</Part>:\n:g' |
         sed -n 's:.*<PartNumber>\([0-9]*\)</PartNumber>.*<ETag>\([^<]*\)</ETag><Size>\([0-9]*\)</Size>.*:\1 \2 \3:p')
want="1 &quot;$(md5 "$WORK/p1")&quot; $((5 * 1024 * 1024))
2 &quot;$(md5 "$WORK/p2")&quot; $((5 * 1024 * 1024))
3 &quot;$(md5 "$WORK/p3")&quot; $((1024 * 1024 + 7))"
[ "$listed" = "$want" ] || fail "ListParts after the refused parts:
$listed
expected:
$want
body: $(cat "$WORK/body")"
echo "  ok: ListParts shows parts 1-3 unchanged, no part 4"

# --- Complete with the XML (its real sha256 signed), then read back.
printf '<CompleteMultipartUpload>' > "$WORK/complete.xml"
for n in 1 2 3; do
  e=E$n; printf '<Part><PartNumber>%d</PartNumber><ETag>%s</ETag></Part>' "$n" "${!e}" >> "$WORK/complete.xml"
done
printf '</CompleteMultipartUpload>' >> "$WORK/complete.xml"
st=$(s3 -X POST --data-binary "@$WORK/complete.xml" -H "Content-Type: application/xml" \
        -H "x-amz-content-sha256: $(sha "$WORK/complete.xml")" "$B/$EKEY?uploadId=$UPLOAD")
expect 200 "$st" "CompleteMultipartUpload"
cat "$WORK/p1" "$WORK/p2" "$WORK/p3" > "$WORK/whole"
mp=$(s3_etag "$WORK/whole" $((5 * 1024 * 1024)))
ETAG="\"$mp\""
[ "$(xml ETag)" = "&quot;$mp&quot;" ] || fail "Complete ETag $(xml ETag), expected $ETAG"
[ "$(xml Key)" = "$XKEY" ] || fail "Complete Key $(xml Key)"
echo "  ok: completed, ETag $ETAG"

st=$(s3 -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$B/$EKEY"); expect 200 "$st" "GET"
cmp -s "$WORK/body" "$WORK/whole" || fail "GET bytes differ from the parts"
[ "$(header etag)" = "$ETAG" ] || fail "GET ETag $(header etag)"
[ "$(header content-type)" = application/x-curl ] || fail "GET Content-Type $(header content-type)"
[ "$(header x-amz-meta-tool)" = curl ] || fail "GET x-amz-meta-tool $(header x-amz-meta-tool)"
[ "$(header cache-control)" = no-store ] || fail "GET Cache-Control $(header cache-control)"
st=$(s3 -I -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$B/$EKEY"); expect 200 "$st" "HEAD"
[ "$(header content-length)" = $((11 * 1024 * 1024 + 7)) ] || fail "HEAD Content-Length $(header content-length)"
[ "$(header etag)" = "$ETAG" ] || fail "HEAD ETag $(header etag)"
st=$(s3 -H "Range: bytes=5242878-5242881" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$B/$EKEY")
expect 206 "$st" "ranged GET"
cmp -s "$WORK/body" <(tail -c +5242879 "$WORK/whole" | head -c 4) || fail "ranged GET bytes differ"
echo "  ok: GET byte-identical (cmp), HEAD/Range, metadata kept"
# A retried Complete (same parts) gets the same answer, as on S3; other parts do not.
st=$(s3 -X POST -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$B/$EKEY?uploadId=$UPLOAD" --data-binary "@$WORK/complete.xml")
expect 200 "$st" "Complete retried"
[ "$(xml ETag)" = "&quot;$mp&quot;" ] || fail "retried Complete ETag $(xml ETag)"
sed 's:<Part><PartNumber>3</PartNumber>.*</Part>::' "$WORK/complete.xml" > "$WORK/complete2.xml"
st=$(s3 -X POST -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$B/$EKEY?uploadId=$UPLOAD" --data-binary "@$WORK/complete2.xml")
expect_code 404 NoSuchUpload "$st" "Complete again with other parts"

# --- PutObject: the real sha256 stores; the sha256 of other bytes stores nothing.
st=$(s3 -T "$WORK/p3" -H "x-amz-content-sha256: $(sha "$WORK/p3")" "$B/single.bin"); expect 200 "$st" "PUT object"
[ "$(header etag)" = "\"$(md5 "$WORK/p3")\"" ] || fail "PUT ETag $(header etag)"
st=$(s3 -T "$WORK/p3" -H "x-amz-content-sha256: $(sha "$WORK/p1")" "$B/mismatch.bin")
expect_code 400 XAmzContentSHA256Mismatch "$st" "PutObject with the sha256 of other bytes"
st=$(s3 -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$B/mismatch.bin")
expect_code 404 NoSuchKey "$st" "GET of the refused object"
# Overwriting an existing object with a mismatched body leaves the old one.
st=$(s3 -T "$WORK/p1" -H "x-amz-content-sha256: $(sha "$WORK/p2")" "$B/single.bin")
expect_code 400 XAmzContentSHA256Mismatch "$st" "PutObject overwrite with the sha256 of other bytes"
st=$(s3 -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$B/single.bin"); expect 200 "$st" "GET single"
cmp -s "$WORK/body" "$WORK/p3" || fail "the refused overwrite changed single.bin"
echo "  ok: single.bin still holds its first bytes"

# Nothing the refused requests sent is in the bucket.
st=$(s3 -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$B?list-type=2"); expect 200 "$st" "ListObjectsV2"
keys=$(grep -o '<Key>[^<]*</Key>' "$WORK/body" | sed 's:</*Key>::g' | sort | tr '\n' ' ')
[ "$keys" = "$XKEY single.bin " ] || fail "bucket holds: $keys"
# Nor on disk: no file in the data dir holds the refused replacement part's bytes.
while IFS= read -r f; do
  cmp -s "$f" "$WORK/p2bad" && fail "the refused part's bytes are on disk: $f"
done < <(find "$WORK/data" -type f -size "$(stat -c %s "$WORK/p2bad")c")
echo "PASS: curl --aws-sigv4 ($(curl --version | head -1 | cut -d' ' -f2)): multipart initiate/parts/list/complete/get, XAmzContentSHA256Mismatch stores nothing, in ${SECONDS}s"
