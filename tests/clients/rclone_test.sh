#!/usr/bin/env bash
# rclone (Debian's, apt package rclone) through an S3 remote configured by
# environment (provider Other, path style): copy a directory with a 20 MiB
# file (multipart, 5 MiB chunks) and small files up and back, check, ls,
# md5sum, delete. With ListObjects v1 and v2.
source "$(dirname "$0")/lib.sh"
set_deadline 85
command -v rclone >/dev/null || fail "rclone not installed (scripts/setup.sh installs it)"
start_daemon "$1" --bucket rclone-bucket
echo "== $(rclone version 2>/dev/null | head -1)"

export RCLONE_CONFIG=/dev/null
# aws-sdk-go in rclone 1.60 cannot apply a CA bundle to rclone's transport and
# refuses to start when one is set; the endpoint is plain HTTP anyway.
unset AWS_CA_BUNDLE
export RCLONE_CONFIG_S2_TYPE=s3
export RCLONE_CONFIG_S2_PROVIDER=Other
export RCLONE_CONFIG_S2_ENDPOINT=$ENDPOINT
export RCLONE_CONFIG_S2_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID
export RCLONE_CONFIG_S2_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY
export RCLONE_CONFIG_S2_REGION=us-east-1
export RCLONE_CONFIG_S2_FORCE_PATH_STYLE=true
export RCLONE_CONFIG_S2_UPLOAD_CUTOFF=5M
export RCLONE_CONFIG_S2_CHUNK_SIZE=5M
rc() { echo "+ rclone $*" >&2; timeout -k 5 60 rclone --retries 1 --low-level-retries 1 --contimeout 5s --timeout 30s "$@"; }

MiB=$((1024 * 1024))
src="$WORK/src"
mkdir -p "$src/sub/deeper"
random_file "$src/big.bin" $((20 * MiB))
random_file "$src/small one.txt" 1000
random_file "$src/sub/a.bin" 65536
random_file "$src/sub/deeper/b+c.bin" 1
: > "$src/empty.txt"
(cd "$src" && find . -type f | sort | xargs -d '\n' md5sum) > "$WORK/src.md5"
cat "$WORK/src.md5"
nfiles=$(wc -l < "$WORK/src.md5")

for lv in 1 2; do
  echo "== list_version = $lv"
  export RCLONE_CONFIG_S2_LIST_VERSION=$lv
  remote="s2:rclone-bucket/v$lv"
  rc copy "$src" "$remote" || fail "v$lv: copy up failed"

  parts=$(grep -c "op=UploadPart .*key=v$lv/big.bin status=200" "$WORK/daemon.log" || true)
  [ "$parts" = 4 ] || fail "v$lv: expected big.bin in 4 parts of 5 MiB (access log), saw $parts"

  ls_out=$(rc ls "$remote") || fail "v$lv: ls failed"
  echo "$ls_out"
  grep -Eq "^ *$((20 * MiB)) big.bin\$" <<< "$ls_out" || fail "v$lv: ls lacks big.bin"
  grep -Eq "^ *1 sub/deeper/b\+c.bin\$" <<< "$ls_out" || fail "v$lv: ls lacks sub/deeper/b+c.bin"
  grep -Eq "^ *0 empty.txt\$" <<< "$ls_out" || fail "v$lv: ls lacks empty.txt"
  [ "$(echo "$ls_out" | wc -l)" = "$nfiles" ] || fail "v$lv: ls shows $(echo "$ls_out" | wc -l) files, want $nfiles"
  [ "$(rc lsf "$remote")" = "$(printf 'big.bin\nempty.txt\nsmall one.txt\nsub/')" ] || fail "v$lv: lsf of the top level"

  # Multipart objects carry no MD5 ETag; rclone stores the MD5 as metadata and reports it.
  rc md5sum "$remote" | sort -k2 > "$WORK/remote.md5" || fail "v$lv: md5sum failed"
  sed 's#  \./#  #' "$WORK/src.md5" | sort -k2 | diff - "$WORK/remote.md5" || fail "v$lv: remote MD5s differ"

  rc check "$src" "$remote" || fail "v$lv: check failed"
  rc check --download "$src" "$remote" || fail "v$lv: check --download failed"

  dst="$WORK/dst$lv"
  rc copy "$remote" "$dst" || fail "v$lv: copy down failed"
  (cd "$dst" && find . -type f | sort | xargs -d '\n' md5sum) | diff "$WORK/src.md5" - || fail "v$lv: downloaded files differ"
  # Modification times survive the round trip (rclone keeps them in metadata).
  [ "$(stat -c %Y "$dst/big.bin")" = "$(stat -c %Y "$src/big.bin")" ] || fail "v$lv: mtime lost"

  # Copying again transfers nothing new.
  rc copy -v "$src" "$remote" 2>&1 | tee "$WORK/again.log" >/dev/null || fail "v$lv: second copy failed"
  grep -Eq "Transferred: +0 / 0, -|There was nothing to transfer|Transferred: +0 B / 0 B" "$WORK/again.log" \
    || { cat "$WORK/again.log"; fail "v$lv: second copy transferred again"; }

  rc delete "$remote" || fail "v$lv: delete failed"
  [ -z "$(rc ls "$remote")" ] || fail "v$lv: files left after delete"
done
echo "PASS: rclone copy up/down ($nfiles files, 20 MiB multipart), ls, md5sum, check, delete with ListObjects v1+v2 in ${SECONDS}s"
