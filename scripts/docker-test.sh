#!/usr/bin/env bash
# CI stage: the container image and the compose file, for real, with rootful
# podman from Debian. No registry is needed: the base images are made locally.
#  1. apt: podman, buildah, runc, debootstrap, docker-compose (v1), awscli,
#     and the CNI dnsname plugin (compose services find each other by name
#     on podman's CNI networks only with it), whichever are missing.
#  2. debian:12 and debian:12-slim, if absent: `debootstrap --variant=minbase
#     bookworm` from this machine's Debian mirror, `podman import`ed (the slim
#     one without docs, man pages and locales, as the official one).
#  3. /etc/containers/containers.conf for these VMs (see configure_podman).
#  4. Builds docker/Dockerfile, then again from a copy of the tree with one
#     source file changed: the dependency layer (scripts/setup.sh) must come
#     from the cache. Prints both build times and the image size.
#  5. Runs the image as a user would (credentials from the environment, a
#     named volume, a loopback port): healthy, the start-up line, an aws-cli
#     round trip (20 MiB multipart up, down, byte-exact), then a new container
#     on the same volume still serves the object.
#  6. docker-compose (v1) against `podman system service`: docker/compose.yaml
#     up, healthy, its S2LITE_BUCKETS bucket exists, down -v.
#  7. docker/compose.cluster.yaml the same way (PostgreSQL and haproxy images
#     built here, the s2lite one from step 4): all five services healthy,
#     aws-cli through haproxy (a 20 MiB multipart upload whose parts the
#     round robin spreads over the three daemons, byte-exact down), exactly one
#     daemon leads (s2lite_leader 1 on /metrics), then the leader is stopped:
#     the object is still served, a new upload works, and another daemon
#     takes the lead over. down -v.
# Every container, volume, network and process it creates is removed on exit;
# a failure prints the containers' logs and exits 1. Run as root.
# Knobs: S2LITE_DOCKER_IMAGE (s2lite:ci), S2LITE_DOCKER_MAX_MB (100: a bigger
# image fails), S2LITE_DOCKER_CCACHE (this machine's ccache directory),
# S2LITE_DEBIAN_MIRROR (default: the one apt uses here).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
IMAGE=${S2LITE_DOCKER_IMAGE:-s2lite:ci}
MAX_IMAGE_MB=${S2LITE_DOCKER_MAX_MB:-100}
# This machine's own ccache: the image compiles with scripts/test.sh's flags,
# so after it (as in CI) the image's compile steps are cache hits.
CCACHE_DIR_HOST=${S2LITE_DOCKER_CCACHE:-$(ccache -k cache_dir 2>/dev/null || echo /var/cache/s2lite-docker-ccache)}
RUN_ID=s2lite-ci-$$
WORK=$(mktemp -d /tmp/s2lite-docker-XXXXXX)
CONTAINERS=()
VOLUMES=()
IMAGES=()
SERVICE_PID=""
TICKER_PID=""
COMPOSE_UP=""
COMPOSE_FILE_USED=$ROOT/docker/compose.yaml
t0=$(date +%s)

step() { echo "=== docker-test: $* (+$(($(date +%s) - t0)) s)"; }

show_logs() {
  local c
  for c in "${CONTAINERS[@]}" $(podman ps -aq --filter "label=com.docker.compose.project=$RUN_ID" 2>/dev/null); do
    podman container exists "$c" 2>/dev/null || continue
    echo "--- container $c: $(podman inspect --format '{{.Name}} {{.State.Status}} exit={{.State.ExitCode}} health={{.State.Health.Status}}' "$c" 2>&1)" >&2
    podman inspect --format '{{range .State.Health.Log}}probe exit={{.ExitCode}}: {{.Output}}{{end}}' "$c" 2>/dev/null | tail -5 >&2 || true
    podman logs --tail 50 "$c" >&2 2>&1 || true
  done
}

fail() {
  echo "FAIL: docker-test: $*" >&2
  show_logs
  [ -s "$WORK/podman.log" ] && { echo "--- podman's messages:" >&2; tail -20 "$WORK/podman.log" >&2; }
  exit 1
}

cleanup() {
  local rc=$?
  set +e
  if [ -n "$TICKER_PID" ]; then kill "$TICKER_PID" 2>/dev/null; wait "$TICKER_PID" 2>/dev/null; fi
  if [ -n "$COMPOSE_UP" ]; then compose down -v --remove-orphans >"$WORK/down.log" 2>&1; fi
  local c v
  for c in "${CONTAINERS[@]}"; do
    podman container exists "$c" 2>/dev/null && podman rm -f -t 0 "$c" >/dev/null 2>&1
  done
  for c in $(podman ps -aq --filter "label=com.docker.compose.project=$RUN_ID" 2>/dev/null); do
    podman rm -f -t 0 "$c" >/dev/null 2>&1
  done
  for v in "${VOLUMES[@]}" $(podman volume ls -q --filter "label=com.docker.compose.project=$RUN_ID" 2>/dev/null); do
    podman volume rm -f "$v" >/dev/null 2>&1
  done
  podman network exists "${RUN_ID}_default" 2>/dev/null && podman network rm -f "${RUN_ID}_default" >/dev/null 2>&1
  if [ -n "$SERVICE_PID" ]; then kill "$SERVICE_PID" 2>/dev/null; wait "$SERVICE_PID" 2>/dev/null; fi
  podman image exists "$IMAGE-rebuild" 2>/dev/null && podman rmi -f "$IMAGE-rebuild" >/dev/null 2>&1
  for c in "${IMAGES[@]}"; do
    podman image exists "$c" 2>/dev/null && podman rmi -f "$c" >/dev/null 2>&1
  done
  rm -rf "$WORK"
  exit $rc
}
trap cleanup EXIT

[ "$(id -u)" -eq 0 ] || { echo "docker-test: run as root (rootful podman)" >&2; exit 1; }

install_tools() {
  local need=() p
  for p in podman buildah runc debootstrap docker-compose golang-github-containernetworking-plugin-dnsname; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
  done
  command -v aws >/dev/null || [ -x /usr/bin/aws ] || need+=(awscli)
  [ ${#need[@]} -eq 0 ] && return 0
  step "apt-get install ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >"$WORK/apt.log" 2>&1 \
    || { tail -20 "$WORK/apt.log" >&2; fail "apt-get install ${need[*]}"; }
}

# The Debian mirror this machine's apt uses (one-line or deb822 sources).
debian_mirror() {
  local m
  m=$(grep -hsE '^(deb|URIs:) ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
        /etc/apt/sources.list.d/*.sources | grep -oE 'https?://[^ ]+/debian/?( |$)' | head -1 || true)
  m=${m%% }
  echo "${S2LITE_DEBIAN_MIRROR:-${m:-http://deb.debian.org/debian}}"
}

import_rootfs() {
  tar -C "$1" -c . | podman import --change 'CMD ["bash"]' - "$2" >/dev/null 2>>"$WORK/podman.log" \
    || fail "podman import $2"
}

# FROM debian:12 / debian:12-slim resolve to local images of those names.
make_base_images() {
  podman image exists debian:12 && podman image exists debian:12-slim && return 0
  local mirror rootfs=$WORK/rootfs
  mirror=$(debian_mirror)
  step "debootstrap --variant=minbase bookworm $mirror"
  timeout 900 debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$WORK/debootstrap.log" 2>&1 \
    || { tail -30 "$WORK/debootstrap.log" >&2; fail "debootstrap"; }
  # As the official images: no package lists or archives.
  rm -rf "$rootfs"/var/cache/apt/* "$rootfs"/var/lib/apt/lists/*
  if ! podman image exists debian:12; then
    import_rootfs "$rootfs" debian:12
  fi
  if ! podman image exists debian:12-slim; then
    # As the official slim image: no docs (but copyrights), man pages or
    # locales, now or from packages installed later.
    find "$rootfs/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
    find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete
    rm -rf "$rootfs"/usr/share/{man,info,locale,lintian,groff}/*
    printf 'path-exclude /usr/share/%s/*\n' doc man info locale lintian groff \
      >"$rootfs/etc/dpkg/dpkg.cfg.d/slim"
    echo 'path-include /usr/share/doc/*/copyright' >>"$rootfs/etc/dpkg/dpkg.cfg.d/slim"
    import_rootfs "$rootfs" debian:12-slim
  fi
  rm -rf "$rootfs"
  step "base images debian:12 ($(image_mb debian:12) MB), debian:12-slim ($(image_mb debian:12-slim) MB)"
}

# What podman needs on these VMs, found by running it: podman asks for
# nofile/nproc limits above the hard limits root has here (crun: setrlimit
# RLIMIT_NOFILE: Operation not permitted), and crun refuses the hybrid
# cgroup layout (v1 controllers plus a cgroup2 mount that has controllers),
# which runc accepts. cgroupfs, the file events logger and overlay storage
# are what podman picks by itself without systemd. A containers.conf that
# this script did not write is left alone.
configure_podman() {
  local conf=/etc/containers/containers.conf marker="# Written by s2lite scripts/docker-test.sh"
  if [ -e "$conf" ] && ! grep -qF "$marker" "$conf"; then
    echo "docker-test: keeping $conf (not written by this script)"
    return 0
  fi
  local nofile=20000 nproc=32768 hard
  hard=$(ulimit -Hn)
  [ "$hard" != unlimited ] && [ "$hard" -lt $nofile ] && nofile=$hard
  hard=$(ulimit -Hu)
  [ "$hard" != unlimited ] && [ "$hard" -lt $nproc ] && nproc=$hard
  {
    echo "$marker: root on this machine may not raise"
    echo "# RLIMIT_NOFILE/NPROC above its hard limits; crun does not run on hybrid cgroups."
    echo "[containers]"
    echo "default_ulimits = [\"nofile=$nofile:$nofile\", \"nproc=$nproc:$nproc\"]"
    # (cgroup files report size 0: read them.)
    if [ "$(stat -fc %T /sys/fs/cgroup)" != cgroup2fs ] \
       && [ -n "$(cat /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null)" ]; then
      echo "[engine]"
      echo "runtime = \"runc\""
    fi
  } >"$conf.tmp"
  mv "$conf.tmp" "$conf"
}

image_mb() { echo $(($(podman image inspect --format '{{.Size}}' "$1") / 1000000)); }

# build TAG CONTEXT LOG: prints the seconds it took. --format docker keeps
# HEALTHCHECK (the OCI format has no field for it). The compile step uses a
# ccache kept on this machine (a build-time volume, which docker build has
# not: the Dockerfile does not need it), so the rebuild compiles one file.
build_image() {
  local start
  start=$(date +%s)
  mkdir -p "$CCACHE_DIR_HOST"
  timeout 1500 nice -n 10 podman build --format docker --network=host -v "$CCACHE_DIR_HOST:/root/.cache/ccache" \
    -f "$2/docker/Dockerfile" -t "$1" "$2" \
    >"$3" 2>&1 || { tail -40 "$3" >&2; fail "podman build of $2"; }
  echo $(($(date +%s) - start))
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_healthy CONTAINER: there is no systemd here to run the health check on
# a timer, so run it (podman records each result) until it reports healthy.
wait_healthy() {
  local c=$1 deadline=$(($(date +%s) + 60)) status
  while :; do
    [ "$(podman inspect --format '{{.State.Running}}' "$c")" = true ] || fail "$c is not running"
    podman healthcheck run "$c" >/dev/null 2>&1 || true
    status=$(podman inspect --format '{{.State.Health.Status}}' "$c")
    [ "$status" = healthy ] && return 0
    [ "$(date +%s)" -lt $deadline ] || fail "$c not healthy within 60 s (status: $status)"
    sleep 1
  done
}

aws_cli() {
  local aws=/usr/bin/aws
  [ -x $aws ] || aws=aws
  timeout 120 "$aws" --endpoint-url "$ENDPOINT" "$@"
}
export AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
unset AWS_PROFILE AWS_ENDPOINT_URL || true

# run_container NAME VOLUME PORT: the image as a user runs it; the keys come
# from this environment (not the command line).
run_container() {
  CONTAINERS+=("$1")
  S2LITE_ACCESS_KEY=$AWS_ACCESS_KEY_ID S2LITE_SECRET_KEY=$AWS_SECRET_ACCESS_KEY \
    podman run -d --name "$1" -e S2LITE_ACCESS_KEY -e S2LITE_SECRET_KEY -e S2LITE_BUCKETS=ci-bucket \
    -p "127.0.0.1:$3:9000" -v "$2:/data" "$IMAGE" >/dev/null 2>>"$WORK/podman.log" || fail "podman run $1"
  wait_healthy "$1"
}

compose() { timeout 180 docker-compose -p "$RUN_ID" -f "$COMPOSE_FILE_USED" "$@"; }

# Without systemd podman runs no health check on its timer: this loop does, for
# every container of the compose project, as the timer would (depends_on's
# service_healthy waits for those results).
start_health_ticker() {
  (
    trap 'exit 0' TERM
    while :; do
      for c in $(podman ps -q --filter "label=com.docker.compose.project=$RUN_ID" 2>/dev/null); do
        podman healthcheck run "$c" >/dev/null 2>&1 || true
      done
      sleep 2
    done
  ) &
  TICKER_PID=$!
}

# service_ctr SERVICE: the compose project's container of that service.
service_ctr() {
  podman ps -aq --filter "label=com.docker.compose.project=$RUN_ID" \
    --filter "label=com.docker.compose.service=$1"
}

# --- 1-3: tools, base images, podman configuration ---------------------------
install_tools
configure_podman
make_base_images

# --- 4: build, and rebuild after a one-file source change ---------------------
step "podman build -t $IMAGE"
build1=$(build_image "$IMAGE" "$ROOT" "$WORK/build1.log")
size=$(image_mb "$IMAGE")
step "built $IMAGE in $build1 s: $size MB"
mkdir "$WORK/tree"
tar -C "$ROOT" --exclude=./.git --exclude='./build*' --exclude=./data --exclude=node_modules -cf - . \
  | tar -C "$WORK/tree" -xf -
# A code change (ccache's preprocessed mode sees through a comment), new in
# every run (the same change twice would find its own layers in the cache).
echo "[[maybe_unused]] static const char kDockerTestChange[] = \"$RUN_ID $(date +%s%N)\";" \
  >>"$WORK/tree/server/main.cc"
step "rebuild from a copy with server/main.cc changed"
build2=$(build_image "$IMAGE-rebuild" "$WORK/tree" "$WORK/build2.log")
# podman prints "--> Using cache ID" right after each step it takes from the cache.
cached() { grep -A1 "STEP .*: $1" "$WORK/build2.log" >"$WORK/step.txt"; grep -q -- '--> Using cache' "$WORK/step.txt"; }
cached 'RUN scripts/setup.sh' \
  || { cat "$WORK/build2.log" >&2; fail "the rebuild re-ran scripts/setup.sh: the dependency layer is not cached"; }
cached 'COPY \. \.' && fail "the rebuild did not see the changed source file"
grep -E -A1 'STEP .*: (RUN scripts/setup.sh|COPY \. \.)' "$WORK/build2.log" | grep -v '^--$' | cut -c1-100 || true
podman rmi -f "$IMAGE-rebuild" >/dev/null
step "rebuilt in $build2 s, dependency layer (scripts/setup.sh) from the cache"
[ "$size" -le "$MAX_IMAGE_MB" ] || fail "image is $size MB, more than $MAX_IMAGE_MB MB"
[ "$(podman image inspect --format '{{.Config.User}}' "$IMAGE")" = s2lite ] || fail "image does not run as s2lite"
[ "$(podman image inspect --format '{{json .Config.Healthcheck.Test}}' "$IMAGE")" = '["CMD","s2lite","healthcheck"]' ] \
  || fail "image has no HEALTHCHECK running s2lite healthcheck"

# --- 5: the image with aws-cli, and a restart on the same volume --------------
AWS_ACCESS_KEY_ID=AKCI$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
AWS_SECRET_ACCESS_KEY=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
port=$(free_port)
ENDPOINT=http://127.0.0.1:$port
VOLUMES+=("$RUN_ID-data")
podman volume create "$RUN_ID-data" >/dev/null
step "podman run $IMAGE on 127.0.0.1:$port, volume $RUN_ID-data"
run_container "$RUN_ID-a" "$RUN_ID-data" "$port"
podman logs "$RUN_ID-a" >"$WORK/a.log" 2>&1
grep -q '^s2lite listening on 0.0.0.0:9000, endpoint http://127.0.0.1:9000$' "$WORK/a.log" \
  || fail "no start-up line naming 0.0.0.0:9000"
podman exec "$RUN_ID-a" s2lite healthcheck >/dev/null || fail "s2lite healthcheck in the container"
aws_cli s3api head-bucket --bucket ci-bucket || fail "S2LITE_BUCKETS bucket missing"
aws_cli s3api create-bucket --bucket round-trip >/dev/null || fail "create-bucket"
head -c $((20 << 20)) /dev/urandom >"$WORK/up.bin"
aws_cli s3 cp --only-show-errors "$WORK/up.bin" s3://round-trip/dir/20MiB.bin || fail "upload"
etag=$(aws_cli s3api head-object --bucket round-trip --key dir/20MiB.bin --query ETag --output text)
case "$etag" in *-3\"|*-3) ;; *) fail "expected a 3-part multipart ETag, got $etag" ;; esac
aws_cli s3 cp --only-show-errors s3://round-trip/dir/20MiB.bin "$WORK/down.bin" || fail "download"
cmp "$WORK/up.bin" "$WORK/down.bin" || fail "downloaded bytes differ"
step "aws-cli: 20 MiB multipart upload (ETag $etag) and download, byte-exact"
# Without systemd, podman logs an error for each health check timer it cannot
# add or remove: those messages go to podman.log, shown on failure.
podman stop -t 20 "$RUN_ID-a" >/dev/null 2>>"$WORK/podman.log" || fail "podman stop"
[ "$(podman inspect --format '{{.State.ExitCode}}' "$RUN_ID-a")" = 0 ] || fail "SIGTERM did not exit 0"
podman rm "$RUN_ID-a" >/dev/null 2>>"$WORK/podman.log"
run_container "$RUN_ID-b" "$RUN_ID-data" "$port"
rm -f "$WORK/down.bin"
aws_cli s3 cp --only-show-errors s3://round-trip/dir/20MiB.bin "$WORK/down.bin" || fail "download after restart"
cmp "$WORK/up.bin" "$WORK/down.bin" || fail "bytes differ after restart"
podman rm -f -t 10 "$RUN_ID-b" >/dev/null 2>>"$WORK/podman.log"
podman volume rm "$RUN_ID-data" >/dev/null
step "a new container on the same volume serves the object"

# --- 6: docker-compose v1 against podman's Docker-compatible API -------------
podman system service --time=0 "unix://$WORK/podman.sock" >"$WORK/service.log" 2>&1 &
SERVICE_PID=$!
for _ in $(seq 1 100); do [ -S "$WORK/podman.sock" ] && break; sleep 0.1; done
[ -S "$WORK/podman.sock" ] || { cat "$WORK/service.log" >&2; fail "podman system service did not start"; }
export DOCKER_HOST=unix://$WORK/podman.sock
port=$(free_port)
ENDPOINT=http://127.0.0.1:$port
step "docker-compose up (docker/compose.yaml, $IMAGE, 127.0.0.1:$port)"
COMPOSE_UP=1
S2LITE_IMAGE=$IMAGE S2LITE_PORT=$port compose up -d --no-build >"$WORK/up.log" 2>&1 \
  || { cat "$WORK/up.log" >&2; fail "docker-compose up"; }
ctr=$(podman ps -q --filter "label=com.docker.compose.project=$RUN_ID")
[ -n "$ctr" ] || fail "docker-compose up started no container"
wait_healthy "$ctr"
AWS_ACCESS_KEY_ID=s2lite-access AWS_SECRET_ACCESS_KEY=s2lite-secret \
  aws_cli s3api head-bucket --bucket dev-bucket || fail "compose's S2LITE_BUCKETS bucket is missing"
S2LITE_IMAGE=$IMAGE S2LITE_PORT=$port compose down -v >"$WORK/down.log" 2>&1 \
  || { cat "$WORK/down.log" >&2; fail "docker-compose down"; }
COMPOSE_UP=""
[ -z "$(podman ps -aq --filter "label=com.docker.compose.project=$RUN_ID")" ] || fail "compose left containers"
[ -z "$(podman volume ls -q --filter "label=com.docker.compose.project=$RUN_ID")" ] || fail "compose left volumes"
step "compose: healthy, dev-bucket exists, down -v"
cluster_start=$(date +%s)

# --- 7: docker/compose.cluster.yaml: PostgreSQL, three daemons, haproxy --------
PG_IMAGE=s2lite-postgres:$RUN_ID
LB_IMAGE=s2lite-haproxy:$RUN_ID
step "podman build $PG_IMAGE, $LB_IMAGE"
for pair in "postgres:$PG_IMAGE" "haproxy:$LB_IMAGE"; do
  IMAGES+=("${pair#*:}")
  timeout 900 podman build --format docker --network=host -f "$ROOT/docker/${pair%%:*}.Dockerfile" \
    -t "${pair#*:}" "$ROOT/docker" >"$WORK/build-${pair%%:*}.log" 2>&1 \
    || { tail -40 "$WORK/build-${pair%%:*}.log" >&2; fail "podman build of docker/${pair%%:*}.Dockerfile"; }
done
COMPOSE_FILE_USED=$ROOT/docker/compose.cluster.yaml
port=$(free_port)
ENDPOINT=http://127.0.0.1:$port
export S2LITE_IMAGE=$IMAGE S2LITE_PORT=$port S2LITE_POSTGRES_IMAGE=$PG_IMAGE S2LITE_LB_IMAGE=$LB_IMAGE
step "docker-compose up (docker/compose.cluster.yaml, haproxy on 127.0.0.1:$port)"
start_health_ticker
COMPOSE_UP=1
compose up -d --no-build >"$WORK/up.log" 2>&1 || { cat "$WORK/up.log" >&2; fail "docker-compose up (cluster)"; }
for svc in postgres s2lite-1 s2lite-2 s2lite-3 lb; do
  ctr=$(service_ctr $svc)
  [ -n "$ctr" ] || fail "docker-compose up started no $svc"
  wait_healthy "$ctr"
done
LB=$(service_ctr lb)
step "cluster: all five services healthy"
export AWS_ACCESS_KEY_ID=s2lite-access AWS_SECRET_ACCESS_KEY=s2lite-secret
aws_cli s3api head-bucket --bucket dev-bucket || fail "cluster: the S2LITE_BUCKETS bucket is missing"
aws_cli s3api create-bucket --bucket cluster-bucket >/dev/null || fail "cluster: create-bucket"
aws_cli s3 cp --only-show-errors "$WORK/up.bin" s3://cluster-bucket/20MiB.bin || fail "cluster: upload"
etag=$(aws_cli s3api head-object --bucket cluster-bucket --key 20MiB.bin --query ETag --output text)
case "$etag" in *-3\"|*-3) ;; *) fail "cluster: expected a 3-part multipart ETag, got $etag" ;; esac
rm -f "$WORK/down.bin"
aws_cli s3 cp --only-show-errors s3://cluster-bucket/20MiB.bin "$WORK/down.bin" || fail "cluster: download"
cmp "$WORK/up.bin" "$WORK/down.bin" || fail "cluster: downloaded bytes differ"
# haproxy's statistics (CSV: proxy, server, ..., column 8 = sessions in all):
# the round robin gave every daemon part of the work.
podman exec "$LB" curl -fsS 'http://127.0.0.1:8404/stats;csv' >"$WORK/stats.csv" || fail "cluster: no haproxy stats"
for n in 1 2 3; do
  sessions=$(awk -F, -v s="s2lite-$n" '$1 == "s2lite" && $2 == s {print $8}' "$WORK/stats.csv")
  [ "${sessions:-0}" -gt 0 ] || { cat "$WORK/stats.csv" >&2; fail "cluster: haproxy sent s2lite-$n nothing"; }
done
step "cluster: aws-cli through haproxy: 20 MiB multipart (ETag $etag) up and down, byte-exact, all three daemons served"

# leaders DAEMON...: the daemons (of those named) whose /metrics say
# s2lite_leader 1, asked from inside the network (haproxy's container).
leaders() {
  local n
  for n in "$@"; do
    podman exec "$LB" curl -fsS "http://s2lite-$n:9000/metrics" 2>/dev/null | grep -qx 's2lite_leader 1' && echo "$n"
  done
  return 0
}
# one_leader DAEMON...: waits (lease TTL 15 s, a released lease is taken at
# the next attempt) until exactly one of them leads; prints it.
one_leader() {
  local deadline=$(($(date +%s) + 40)) l
  while :; do
    l=$(leaders "$@")
    [ "$(echo "$l" | grep -c .)" -eq 1 ] && { echo "$l"; return 0; }
    [ "$(date +%s)" -lt $deadline ] || fail "cluster: leaders among s2lite-{$*}: '${l//$'\n'/ }', want exactly one"
    sleep 1
  done
}
leader=$(one_leader 1 2 3) || exit 1
step "cluster: s2lite-$leader is the one leader; stopping it"
compose stop -t 20 "s2lite-$leader" >"$WORK/stop.log" 2>&1 || { cat "$WORK/stop.log" >&2; fail "docker-compose stop s2lite-$leader"; }
[ "$(podman inspect --format '{{.State.ExitCode}}' "$(service_ctr "s2lite-$leader")")" = 0 ] \
  || fail "cluster: s2lite-$leader did not exit 0 on SIGTERM"
rm -f "$WORK/down.bin"
aws_cli s3 cp --only-show-errors s3://cluster-bucket/20MiB.bin "$WORK/down.bin" || fail "cluster: download after a stop"
cmp "$WORK/up.bin" "$WORK/down.bin" || fail "cluster: bytes differ after a stop"
head -c $((9 << 20)) /dev/urandom >"$WORK/up2.bin"
aws_cli s3 cp --only-show-errors "$WORK/up2.bin" s3://cluster-bucket/9MiB.bin || fail "cluster: upload after a stop"
rm -f "$WORK/down.bin"
aws_cli s3 cp --only-show-errors s3://cluster-bucket/9MiB.bin "$WORK/down.bin" || fail "cluster: download of the new object"
cmp "$WORK/up2.bin" "$WORK/down.bin" || fail "cluster: new object's bytes differ"
rest=$(printf '%s\n' 1 2 3 | grep -vx "$leader" | tr '\n' ' ')
# shellcheck disable=SC2086  # one word per daemon
leader2=$(one_leader $rest) || exit 1
# (CSV column 18: the server's state.)
podman exec "$LB" curl -fsS 'http://127.0.0.1:8404/stats;csv' >"$WORK/stats.csv" || fail "cluster: no haproxy stats"
state=$(awk -F, -v s="s2lite-$leader" '$1 == "s2lite" && $2 == s {print $18}' "$WORK/stats.csv")
case "$state" in DOWN*|MAINT*) ;; *) cat "$WORK/stats.csv" >&2; fail "cluster: haproxy still has the stopped s2lite-$leader as '$state'" ;; esac
step "cluster: s2lite-$leader stopped ($state in haproxy): the object still served, a new upload round-trips, s2lite-$leader2 leads"
kill "$TICKER_PID" 2>/dev/null; wait "$TICKER_PID" 2>/dev/null || true
TICKER_PID=""
compose down -v >"$WORK/down.log" 2>&1 || { cat "$WORK/down.log" >&2; fail "docker-compose down (cluster)"; }
COMPOSE_UP=""
[ -z "$(podman ps -aq --filter "label=com.docker.compose.project=$RUN_ID")" ] || fail "cluster compose left containers"
[ -z "$(podman volume ls -q --filter "label=com.docker.compose.project=$RUN_ID")" ] || fail "cluster compose left volumes"
podman rmi -f "$PG_IMAGE" "$LB_IMAGE" >/dev/null 2>>"$WORK/podman.log"
cluster_s=$(($(date +%s) - cluster_start))
step "cluster: down -v, images removed ($cluster_s s)"
echo "docker-test: PASS: image $size MB, build $build1 s, rebuild after one source change $build2 s" \
  "(dependency layer cached), cluster $cluster_s s, stage $(($(date +%s) - t0)) s"
