# Shared helpers for the real-client tests: start/stop/kill the daemon.
# Usage: source lib.sh; start_daemon <s2lite binary> [extra args]
set -euo pipefail

export AWS_ACCESS_KEY_ID=AKIACLIENTTEST
export AWS_SECRET_ACCESS_KEY=client-test-secret
export AWS_DEFAULT_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true
export AWS_CONFIG_FILE=/dev/null
export AWS_SHARED_CREDENTIALS_FILE=/dev/null
unset AWS_PROFILE AWS_ENDPOINT_URL || true

WORK=$(mktemp -d /tmp/s2lite-client-XXXXXX)
DAEMON_PID=""
DAEMON_ARGS=()

cleanup() {
  if [ -n "$DAEMON_PID" ]; then kill "$DAEMON_PID" 2>/dev/null || true; wait "$DAEMON_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; echo "--- daemon log:" >&2; tail -50 "$WORK/daemon.log" >&2 || true; exit 1; }

# start_daemon BIN [args...]: starts on an ephemeral port, sets ENDPOINT and PORT.
start_daemon() {
  local bin=$1; shift
  DAEMON_ARGS=("$bin" --listen 127.0.0.1:0 --data-dir "$WORK/data" --ready-file "$WORK/ready"
               --user "tester:$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" "$@")
  rm -f "$WORK/ready"
  "${DAEMON_ARGS[@]}" >"$WORK/stdout" 2>>"$WORK/daemon.log" &
  DAEMON_PID=$!
  for _ in $(seq 1 100); do
    [ -s "$WORK/ready" ] && break
    kill -0 "$DAEMON_PID" 2>/dev/null || fail "daemon exited during start"
    sleep 0.05
  done
  [ -s "$WORK/ready" ] || fail "daemon not ready"
  ENDPOINT=$(cat "$WORK/ready")
  PORT=${ENDPOINT##*:}
  grep -q "^s2lite listening on 127.0.0.1:$PORT, endpoint $ENDPOINT\$" "$WORK/stdout" \
    || fail "no ready line on stdout: $(cat "$WORK/stdout")"
}

# kill9_and_restart: crash the daemon and start it again on the same data dir.
kill9_and_restart() {
  kill -9 "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null || true
  local bin=${DAEMON_ARGS[0]}
  local rest=("${DAEMON_ARGS[@]:1}")
  # Drop the flags start_daemon adds itself.
  local extra=() skip=0
  for a in "${rest[@]}"; do
    if [ $skip -gt 0 ]; then skip=$((skip-1)); continue; fi
    case "$a" in --listen|--data-dir|--ready-file|--user) skip=1 ;; *) extra+=("$a") ;; esac
  done
  start_daemon "$bin" "${extra[@]}"
}

# registry_query SQL: reads the registry as another process would.
registry_query() { sqlite3 "$WORK/data/s2lite.db" "$1"; }

# --- Helpers for the lifecycle / third-party client tests -------------------

# set_deadline SECONDS: bound the whole script. When the time is up, every
# process this script started (clients and daemon) is killed and the script
# fails with "deadline exceeded".
DEADLINE_PID=""
set_deadline() {
  local secs=$1 main=$$
  trap 'trap - TERM; fail "deadline of '"$secs"'s exceeded"' TERM
  (
    sleep "$secs" & sp=$!
    trap 'kill $sp 2>/dev/null; exit 0' TERM
    wait $sp
    me=$BASHPID
    # Descendants of the script (clients, daemon), excluding this watchdog.
    kill_tree() {
      local p
      for p in $(ps -o pid= --ppid "$1" 2>/dev/null); do
        [ "$p" = "$me" ] && continue
        kill_tree "$p"; kill -TERM "$p" 2>/dev/null || true
      done
    }
    echo "deadline of ${secs}s exceeded: killing the clients" >&2
    kill_tree "$main"
    kill -TERM "$main" 2>/dev/null || true
  ) &
  DEADLINE_PID=$!
}
_lib_cleanup_deadline() {
  if [ -n "$DEADLINE_PID" ]; then kill "$DEADLINE_PID" 2>/dev/null || true; fi
}
trap '_lib_cleanup_deadline; cleanup' EXIT

# aws_clis: sets CLIS to Debian's /usr/bin/aws and the image's aws (PATH), when present.
aws_clis() {
  CLIS=()
  [ -x /usr/bin/aws ] && CLIS+=(/usr/bin/aws)
  local other
  other=$(command -v aws || true)
  # A pyenv shim costs a shell start per call: run what it points at.
  case "$other" in */.pyenv/shims/*) other=$(pyenv which aws 2>/dev/null || echo "$other") ;; esac
  if [ -n "$other" ] && [ "$other" != /usr/bin/aws ]; then CLIS+=("$other"); fi
  [ ${#CLIS[@]} -gt 0 ] || fail "no aws-cli installed"
}

# boto3_pythons: sets PYS to every python3 (Debian's, the image's) that has boto3.
boto3_pythons() {
  PYS=()
  /usr/bin/python3 -c 'import boto3' 2>/dev/null && PYS+=(/usr/bin/python3)
  if command -v python3 >/dev/null && [ "$(command -v python3)" != /usr/bin/python3 ] \
     && python3 -c 'import boto3' 2>/dev/null; then
    PYS+=("$(command -v python3)")
  fi
  [ ${#PYS[@]} -gt 0 ] || fail "no boto3 installed"
}

# random_file PATH BYTES: a file of random bytes.
random_file() { head -c "$2" /dev/urandom > "$1"; }

# s3_etag FILE [PART_BYTES]: the ETag S3 gives FILE, unquoted: its MD5 when
# uploaded whole, "<md5 of the parts' binary MD5s>-<parts>" when uploaded in
# parts of PART_BYTES.
s3_etag() {
  /usr/bin/python3 - "$@" <<'PY'
import hashlib, sys
path = sys.argv[1]
part = int(sys.argv[2]) if len(sys.argv) > 2 else 0
with open(path, "rb") as f:
    if not part:
        print(hashlib.md5(f.read()).hexdigest())
    else:
        digests = []
        while chunk := f.read(part):
            digests.append(hashlib.md5(chunk).digest())
        print(f"{hashlib.md5(b''.join(digests)).hexdigest()}-{len(digests)}")
PY
}

# expect_error CODE CMD...: CMD must fail and its output must name the S3 error CODE.
expect_error() {
  local code=$1; shift
  local out
  if out=$("$@" 2>&1); then fail "expected $code, but succeeded: $* -> $out"; fi
  grep -qF -- "$code" <<< "$out" || fail "expected $code from: $*
got: $out"
  echo "  ok: $code <- ${*:2:3} ..."
}
