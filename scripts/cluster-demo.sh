#!/usr/bin/env bash
# A local multi-daemon demo: a throwaway PostgreSQL 15 (scripts/pg-cluster.sh)
# and three s2lite daemons on it sharing one blob directory, all on this
# machine; Ctrl-C stops them and removes everything.
#
#   scripts/cluster-demo.sh [BASE_PORT]     (default 9001: daemons on 9001-9003)
#
# Any daemon serves any request: start a multipart upload on :9001, send parts
# to :9002 and complete it on :9003. Keys: s2lite-access / s2lite-secret.
# Each daemon's /metrics says whether it is the leader (s2lite_leader 1): kill
# it and another takes the background work over within the lease time (15 s).
# S2LITE_BIN picks the binary (default build/server/s2lite).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${S2LITE_BIN:-$root/build/server/s2lite}"
base_port="${1:-9001}"
if [ ! -x "$bin" ]; then
  echo "$bin not found: run scripts/build.sh first (or set S2LITE_BIN)" >&2
  exit 1
fi
work="$(mktemp -d /tmp/s2lite-cluster-demo.XXXXXX)"
chmod 755 "$work"
pids=()
cleanup() {
  trap - EXIT
  echo
  echo "stopping the daemons and PostgreSQL..."
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  "$root/scripts/pg-cluster.sh" destroy "$work/pg" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

registry="$("$root/scripts/pg-cluster.sh" start "$work/pg" | tail -n 1)"
echo "PostgreSQL: $registry"
for i in 0 1 2; do
  port=$((base_port + i))
  "$bin" --registry "$registry" --data-dir "$work/data" --listen "127.0.0.1:$port" \
    --bucket demo --ready-file "$work/ready$i" >"$work/daemon$i.log" 2>&1 &
  pids+=($!)
done
for i in 0 1 2; do
  for _ in $(seq 100); do
    [ -f "$work/ready$i" ] && break
    if ! kill -0 "${pids[$i]}" 2>/dev/null; then
      echo "daemon $i failed to start:" >&2
      cat "$work/daemon$i.log" >&2
      exit 1
    fi
    sleep 0.1
  done
  echo "daemon $i: $(cat "$work/ready$i")  (log: $work/daemon$i.log, pid ${pids[$i]})"
done
cat <<MSG

Three daemons on one registry and one blob directory ($work/data/blobs).
Try: AWS_ACCESS_KEY_ID=s2lite-access AWS_SECRET_ACCESS_KEY=s2lite-secret \\
       aws --endpoint-url http://127.0.0.1:$base_port s3 cp ./somefile s3://demo/
     then read it back through http://127.0.0.1:$((base_port + 2)).
     curl -s http://127.0.0.1:$base_port/metrics | grep s2lite_leader
Ctrl-C stops everything.
MSG
# Until Ctrl-C (a daemon killed on purpose does not end the demo).
while true; do sleep 1; done
