#!/usr/bin/env bash
# The spawn contract for other languages: the README's pytest fixture and Node
# test-runner examples start the daemon on port 0 and reach it with boto3 and
# the AWS JS SDK; --exit-with-parent stops it when its parent dies.
source "$(dirname "$0")/lib.sh"
root="$(cd "$(dirname "$0")/../.." && pwd)"
export S2LITE="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"

/usr/bin/python3 -m pytest -q -p no:cacheprovider "$root/examples/pytest" || fail "pytest example failed"
if [ -d "$root/tests/clients/js/node_modules/@aws-sdk/client-s3" ]; then
  # ESM ignores NODE_PATH: run the example from a folder that sees node_modules.
  mkdir -p "$WORK/node"
  ln -s "$root/tests/clients/js/node_modules" "$WORK/node/node_modules"
  cp "$root/examples/node/s2lite.test.mjs" "$WORK/node/"
  (cd "$WORK/node" && node --test s2lite.test.mjs) || fail "node example failed"
else
  fail "tests/clients/js/node_modules missing (npm ci in tests/clients/js)"
fi

# A parent that dies with kill -9 takes the daemon with it.
/usr/bin/python3 - "$1" "$WORK/child.pid" <<'PY' &
import subprocess, sys, time
p = subprocess.Popen([sys.argv[1], "--listen", "127.0.0.1:0", "--in-memory", "--exit-with-parent"],
                     stdout=subprocess.PIPE)
p.stdout.readline()
open(sys.argv[2], "w").write(str(p.pid))
time.sleep(60)
PY
parent=$!
for _ in $(seq 1 100); do [ -s "$WORK/child.pid" ] && break; sleep 0.05; done
child=$(cat "$WORK/child.pid")
kill -0 "$child" || fail "daemon not running"
kill -9 "$parent"; wait "$parent" 2>/dev/null || true
for _ in $(seq 1 100); do kill -0 "$child" 2>/dev/null || break; sleep 0.05; done
if kill -0 "$child" 2>/dev/null; then kill -9 "$child"; fail "daemon outlived its parent"; fi
echo "PASS: pytest + node harnesses reached the daemon; it exited with its parent"
