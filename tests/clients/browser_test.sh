#!/usr/bin/env bash
# A real browser (Debian's headless chromium, driven by puppeteer-core from
# tests/clients/js) uploads straight to the daemon from a page served on
# another origin (tests/clients/js/browser.mjs):
#  (a) a presigned POST form upload (boto3's generate_presigned_post) of 3 MiB,
#      tagged by the form's tagging field,
#  (b) a fetch PUT to a presigned URL with a custom Content-Type (preflight),
#  (c) a 12 MiB multipart upload through presigned UploadPart URLs, reading
#      each part's ETag (exposed by the CORS rule), then Complete,
#  (d) a PUT from an origin the rules do not allow, which the browser blocks.
# Each step is checked server-side with aws-cli; screenshots of the final
# pages go to build/test-output/browser/.
source "$(dirname "$0")/lib.sh"
set_deadline 240
here="$(cd "$(dirname "$0")" && pwd)"
js="$here/js"
command -v node >/dev/null || fail "node not installed (scripts/setup.sh installs it)"
[ -x /usr/bin/chromium ] || fail "/usr/bin/chromium missing (scripts/setup.sh installs Debian's chromium)"
if [ ! -d "$js/node_modules/puppeteer-core" ]; then
  echo "+ npm ci (tests/clients/js)"
  (cd "$js" && timeout 120 npm ci --no-audit --no-fund --loglevel=error) || fail "npm ci failed"
fi
out_dir="$(cd "$(dirname "$1")/.." && pwd)/test-output/browser"
mkdir -p "$out_dir"
rm -f "$out_dir"/*.png

start_daemon "$1" --bucket web-bucket
AWS=/usr/bin/aws
[ -x "$AWS" ] || AWS=$(command -v aws)
s3api() { "$AWS" --endpoint-url "$ENDPOINT" s3api "$@"; }

# Pages on http://localhost:<any port> may upload; http://127.0.0.1:<port> may not.
cat > "$WORK/cors.json" <<'EOF'
{"CORSRules": [{"ID": "web-app",
  "AllowedOrigins": ["http://localhost:*"],
  "AllowedMethods": ["GET", "PUT", "POST", "HEAD"],
  "AllowedHeaders": ["*"],
  "ExposeHeaders": ["ETag", "x-amz-request-id"],
  "MaxAgeSeconds": 60}]}
EOF
s3api put-bucket-cors --bucket web-bucket --cors-configuration "file://$WORK/cors.json" \
  || fail "put-bucket-cors"

MiB=$((1024 * 1024))
PARTS=($((5 * MiB)) $((5 * MiB)) $((2 * MiB)))
/usr/bin/python3 "$here/browser_presign.py" "$ENDPOINT" "$AWS_ACCESS_KEY_ID" \
  "$AWS_SECRET_ACCESS_KEY" web-bucket "${PARTS[@]}" > "$WORK/config.json" || fail "presign"

# The bytes the page generates (index.html's pattern()), for the comparisons.
/usr/bin/python3 - "$WORK" "$((3 * MiB))" "${PARTS[@]}" <<'PY'
import sys
work, post_size, parts = sys.argv[1], int(sys.argv[2]), [int(x) for x in sys.argv[3:]]
base = bytes((j * 7) & 255 for j in range(2048))
def pattern(n, seed):
    blocks = []
    for k in range((n + 2047) // 2048):
        table = bytes((b + k * 13 + seed) & 255 for b in range(256))
        blocks.append(base.translate(table))
    return b"".join(blocks)[:n]
open(f"{work}/post.expected", "wb").write(pattern(post_size, 1))
open(f"{work}/multipart.expected", "wb").write(b"".join(pattern(s, 10 + i) for i, s in enumerate(parts)))
PY

echo "+ node tests/clients/js/browser.mjs ($(/usr/bin/chromium --version 2>/dev/null | head -1))"
S2_PAGE_DIR="$here/browser" S2_CONFIG="$WORK/config.json" S2_SCREENSHOT_DIR="$out_dir" \
  timeout -k 5 180 node "$js/browser.mjs" > "$WORK/results.json" 2> "$WORK/node.err" \
  || { cat "$WORK/node.err"; fail "browser driver failed"; }
result() { /usr/bin/python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$WORK/results.json" "$1"; }
[ "$(result 'r["allowed"].get("error","")')" = "" ] || { result 'r["console"]'; fail "page error: $(result 'r["allowed"]["error"]')"; }

# (a) POST form upload.
[ "$(result 'r["allowed"]["post"]["status"]')" = 201 ] || fail "POST: $(result 'r["allowed"]["post"]')"
[ "$(result 'r["allowed"]["post"]["key"]')" = browser/post.bin ] || fail "POST key: $(result 'r["allowed"]')"
s3api get-object --bucket web-bucket --key browser/post.bin "$WORK/post.got" > "$WORK/head.json" \
  || fail "get-object browser/post.bin"
cmp -s "$WORK/post.got" "$WORK/post.expected" || fail "POST-uploaded bytes differ"
[ "$(result 'r["allowed"]["post"]["etag"]')" = "\"$(s3_etag "$WORK/post.expected")\"" ] \
  || fail "POST ETag $(result 'r["allowed"]["post"]["etag"]')"
[ "$(s3api get-object-tagging --bucket web-bucket --key browser/post.bin --query 'TagSet[0].[Key,Value]' --output text)" \
  = "$(printf 'uploaded-by\tbrowser')" ] || fail "POST tagging field: $(s3api get-object-tagging --bucket web-bucket --key browser/post.bin)"
echo "  ok: (a) presigned POST form upload, 3 MiB, bytes and ETag match, tagged by its tagging field"

# (b) Presigned PUT with a custom Content-Type (preflighted).
[ "$(result 'r["allowed"]["put"]["status"]')" = 200 ] || fail "PUT: $(result 'r["allowed"]["put"]')"
s3api head-object --bucket web-bucket --key browser/put.txt > "$WORK/put.json" || fail "head-object put.txt"
grep -q '"ContentType": "application/x-s2lite-browser-test"' "$WORK/put.json" \
  || fail "PUT content type: $(cat "$WORK/put.json")"
s3api get-object --bucket web-bucket --key browser/put.txt "$WORK/put.got" >/dev/null
[ "$(cat "$WORK/put.got")" = "hello from the browser" ] || fail "PUT body: $(cat "$WORK/put.got")"
echo "  ok: (b) presigned PUT with a custom Content-Type after a preflight"

# (c) Multipart through presigned URLs; the page read every part's ETag.
[ "$(result 'r["allowed"]["multipart"]["status"]')" = 200 ] || fail "Complete: $(result 'r["allowed"]["multipart"]')"
[ "$(result 'all(e and e.startswith("\"") for e in r["allowed"]["multipart"]["parts"])')" = True ] \
  || fail "part ETags not readable: $(result 'r["allowed"]["multipart"]["parts"]')"
s3api get-object --bucket web-bucket --key browser/multipart.bin "$WORK/mp.got" >/dev/null \
  || fail "get-object multipart.bin"
cmp -s "$WORK/mp.got" "$WORK/multipart.expected" || fail "multipart bytes differ"
[ "$(result 'r["allowed"]["multipart"]["etag"]')" = "\"$(s3_etag "$WORK/multipart.expected" $((5 * MiB)))\"" ] \
  || fail "multipart ETag $(result 'r["allowed"]["multipart"]["etag"]')"
echo "  ok: (c) 12 MiB multipart via presigned UploadPart URLs, ETags read from the headers"

# (d) The disallowed origin: blocked in the browser, nothing stored.
[ "$(result 'r["blocked"]["attempt"]["blocked"]')" = True ] || fail "not blocked: $(result 'r["blocked"]')"
if s3api head-object --bucket web-bucket --key browser/blocked.txt >/dev/null 2>&1; then
  fail "the blocked PUT reached the bucket"
fi
grep -q 'op=CorsPreflight method=OPTIONS bucket=web-bucket key=browser/blocked.txt status=403 code=AccessForbidden' \
  "$WORK/daemon.log" || fail "no refused preflight in the daemon's access log"
echo "  ok: (d) PUT from http://127.0.0.1 blocked after a 403 preflight ($(result 'r["blocked"]["attempt"]["error"]'))"

for shot in allowed blocked; do
  [ -s "$out_dir/$shot.png" ] || fail "no screenshot $out_dir/$shot.png"
done
echo "PASS: browser uploads in headless chromium (POST form, preflighted PUT, multipart, blocked origin); screenshots in $out_dir"
