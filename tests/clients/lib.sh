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
  grep -q "^s2lite listening on $ENDPOINT\$" "$WORK/stdout" || fail "no ready line on stdout"
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
