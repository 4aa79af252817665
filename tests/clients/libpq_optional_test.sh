#!/usr/bin/env bash
# libpq is loaded only for a PostgreSQL registry: the daemon does not link it,
# a daemon on SQLite never maps it, and a daemon asked for a PostgreSQL
# registry where libpq is missing exits at once saying what to install.
source "$(dirname "$0")/lib.sh"
bin=$1

if ldd "$bin" | grep -E 'libpq|libgssapi|libldap|libsasl|libgnutls'; then
  fail "the daemon links libpq or its dependencies"
fi

start_daemon "$bin"
if grep -E 'libpq\.so|libgssapi|libldap' "/proc/$DAEMON_PID/maps"; then
  fail "a daemon on SQLite mapped libpq"
fi
kill "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null || true; DAEMON_PID=""

# The same daemon, but looking for a libpq that is not installed: its
# library name changed in a copy of the binary (same length).
grep -qa 'libpq\.so\.5' "$bin" || fail "libpq.so.5 not named in the daemon"
perl -0777 -pe 's/libpq\.so\.5/libpq.so.0/g' "$bin" >"$WORK/s2lite-nopq"
chmod +x "$WORK/s2lite-nopq"
[ ! -e /usr/lib/x86_64-linux-gnu/libpq.so.0 ] || fail "libpq.so.0 exists here: pick another name"
for how in flag env; do
  rc=0
  if [ $how = flag ]; then
    timeout 20 "$WORK/s2lite-nopq" --listen 127.0.0.1:0 --data-dir "$WORK/nopq" \
      --registry 'host=/nonexistent dbname=s2lite' >/dev/null 2>"$WORK/nopq.err" || rc=$?
  else
    S2LITE_REGISTRY='postgresql://s2lite@localhost/s2lite' timeout 20 "$WORK/s2lite-nopq" \
      --listen 127.0.0.1:0 --data-dir "$WORK/nopq" >/dev/null 2>"$WORK/nopq.err" || rc=$?
  fi
  [ $rc -ne 0 ] && [ $rc -ne 124 ] && [ $rc -lt 128 ] || fail "$how: exit status $rc (want a plain error)"
  grep -q 'cannot start: the PostgreSQL registry needs libpq.*libpq5 on Debian.*libpq\.so\.0: cannot open shared object file' \
    "$WORK/nopq.err" || fail "$how: no clear message: $(cat "$WORK/nopq.err")"
done
echo "PASS: libpq not linked nor mapped on SQLite; missing libpq reported: $(tail -1 "$WORK/nopq.err")"
