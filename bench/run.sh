#!/usr/bin/env bash
# The s2lite benchmark with its ceilings, from one command:
#   - builds (scripts/build.sh; S2LITE_BUILD_DIR, default ./build),
#   - starts nginx (Debian nginx-light, installed with apt-get if missing) on
#     loopback, answering POST/PUT with the exact bytes of a
#     CreateMultipartUpload answer and GET with a file of the e2e size,
#   - with --with-s3rver: installs s3rver@3 with npm (cached in
#     ~/.cache/s2lite-bench) and starts it,
#   - with --with-postgres: starts a throwaway PostgreSQL 15
#     (scripts/pg-cluster.sh) for the registry scenario (a daemon on it
#     against one on SQLite), removed afterwards,
#   - runs s2lite-bench --ceilings against s2lite, nginx and s3rver, prints the
#     table and writes bench/results.json and bench/results.md (not under --smoke).
# Usage: bench/run.sh [--with-s3rver] [--with-postgres] [--no-build] [s2lite-bench options, e.g. --smoke, --scenarios create]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

WITH_S3RVER=0
WITH_POSTGRES=0
BUILD=1
SMOKE=0
ARGS=()
for a in "$@"; do
  case "$a" in
    --with-s3rver) WITH_S3RVER=1 ;;
    --with-postgres) WITH_POSTGRES=1 ;;
    --no-build) BUILD=0 ;;
    --smoke) SMOKE=1; ARGS+=("$a") ;;
    *) ARGS+=("$a") ;;
  esac
done

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
BUILD_DIR="${S2LITE_BUILD_DIR:-build}"
if [ "$BUILD" = 1 ]; then
  scripts/build.sh >/dev/null
fi
BENCH="$BUILD_DIR/bench/s2lite-bench"
[ -x "$BENCH" ] || { echo "run.sh: $BENCH not built" >&2; exit 1; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/s2lite-bench-run-XXXXXX")"
NGINX_PID_FILE="$WORK/nginx.pid"
S3RVER_PID=""
cleanup() {
  if [ -f "$NGINX_PID_FILE" ]; then kill "$(cat "$NGINX_PID_FILE")" 2>/dev/null || true; fi
  if [ -n "$S3RVER_PID" ]; then kill "$S3RVER_PID" 2>/dev/null || true; fi
  if [ -d "$WORK/pg" ]; then "$ROOT/scripts/pg-cluster.sh" destroy "$WORK/pg" >/dev/null 2>&1 || true; fi
  sleep 0.2
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# ---- nginx: the HTTP ceiling on the same requests ----
NGINX=""
if command -v nginx >/dev/null 2>&1; then NGINX="$(command -v nginx)"; fi
if [ -z "$NGINX" ] && [ -x /usr/sbin/nginx ]; then NGINX=/usr/sbin/nginx; fi
if [ -z "$NGINX" ]; then
  echo "run.sh: installing nginx-light" >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get install -y -qq --no-install-recommends nginx-light >/dev/null 2>&1 ||
    { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends nginx-light >/dev/null; }
  NGINX=/usr/sbin/nginx
fi

# The exact body s2lite answers to the create scenario's requests.
XML="$("$BENCH" --print-create-response --work-dir "$WORK")"
case "$XML" in *"'"*|*'$'*) echo "run.sh: create response not embeddable in nginx.conf" >&2; exit 1 ;; esac
# A file of the size the e2e scenario GETs (16 x 64 MiB; 4 x 5 MiB under --smoke).
E2E_MIB=1024
if [ "$SMOKE" = 1 ]; then E2E_MIB=20; fi
mkdir -p "$WORK/www/bench/e2e" "$WORK/nginx-body"
dd if=/dev/zero of="$WORK/www/bench/e2e/big.bin" bs=1M count="$E2E_MIB" status=none
chmod -R a+rX "$WORK"
NGINX_PORT="$(free_port)"
cat >"$WORK/nginx.conf" <<EOF
worker_processes auto;
pid $NGINX_PID_FILE;
error_log $WORK/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_requests 100000000;
  keepalive_timeout 600s;
  client_max_body_size 0;
  client_body_temp_path $WORK/nginx-body;
  default_type application/xml;
  # The headers s2lite sends besides the standard ones (same sizes).
  add_header ETag '"0123456789abcdef0123456789abcdef"' always;
  add_header x-amz-request-id 0123456789ABCDEF always;
  add_header x-amz-id-2 MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWYwMTIzNDU2Nzg5YWJjZGVm always;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $WORK/www;
    # GET of the e2e object: the static file (sendfile); its parts and
    # Complete: the same answer as below.
    location /bench/e2e/ {
      if (\$request_method != GET) { return 200 '$XML'; }
    }
    # CreateMultipartUpload (and UploadPart: the body is read and dropped).
    location / { return 200 '$XML'; }
  }
}
EOF
"$NGINX" -t -q -c "$WORK/nginx.conf" -p "$WORK"
"$NGINX" -c "$WORK/nginx.conf" -p "$WORK"
PEERS=(--nginx "http://127.0.0.1:$NGINX_PORT")

# ---- s3rver (optional) ----
if [ "$WITH_S3RVER" = 1 ]; then
  S3DIR="${S2LITE_S3RVER_DIR:-$HOME/.cache/s2lite-bench/s3rver}"
  if [ ! -f "$S3DIR/node_modules/s3rver/package.json" ]; then
    echo "run.sh: npm install s3rver@3 into $S3DIR" >&2
    mkdir -p "$S3DIR"
    npm install --prefix "$S3DIR" --no-audit --no-fund --silent s3rver@3 >/dev/null
  fi
  S3PORT="$(free_port)"
  mkdir -p "$WORK/s3rver-data"
  node "$S3DIR/node_modules/s3rver/bin/s3rver.js" --silent -a 127.0.0.1 -p "$S3PORT" \
    -d "$WORK/s3rver-data" >"$WORK/s3rver.log" 2>&1 &
  S3RVER_PID=$!
  for _ in $(seq 100); do
    if curl -s -o /dev/null "http://127.0.0.1:$S3PORT/"; then break; fi
    sleep 0.1
  done
  PEERS+=(--s3rver "http://127.0.0.1:$S3PORT")
fi

# ---- PostgreSQL (optional): the registry scenario ----
if [ "$WITH_POSTGRES" = 1 ]; then
  PG_ADMIN="$(scripts/pg-cluster.sh start "$WORK/pg")"
  psql "$PG_ADMIN" -qc "CREATE DATABASE bench" >/dev/null
  PEERS+=(--registry "${PG_ADMIN/dbname=postgres/dbname=bench}")
fi

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(uname -sr)"
echo "build: $BUILD_DIR ($(grep -s '^CMAKE_BUILD_TYPE' "$BUILD_DIR/CMakeCache.txt" | cut -d= -f2))"
set +e
# A smoke run proves the pipeline; it does not replace the recorded figures.
OUT="$ROOT/bench"
if [ "$SMOKE" = 1 ]; then OUT="$WORK"; fi
"$BENCH" --ceilings "${PEERS[@]}" --work-dir "$WORK" --json "$OUT/results.json" --markdown "$OUT/results.md" "${ARGS[@]}"
rc=$?
set -e
exit $rc
