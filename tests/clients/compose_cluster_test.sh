#!/usr/bin/env bash
# The team setup without a container engine: docker/compose.cluster.yaml is
# valid for docker-compose, runs PostgreSQL, three daemons on one registry and
# one blob volume and a load balancer, every image from Debian 12 only; the
# haproxy config balances over the three with /health/ready checks; the
# daemons' S2LITE_* settings are ones the binary accepts.
source "$(dirname "$0")/lib.sh"
root="$(cd "$(dirname "$0")/../.." && pwd)"
compose="$root/docker/compose.cluster.yaml"
docker-compose -f "$compose" config > "$WORK/cluster.out" || fail "compose.cluster.yaml invalid"
services=$(docker-compose -f "$compose" config --services | sort | tr '\n' ' ')
[ "$services" = "lb postgres s2lite-1 s2lite-2 s2lite-3 " ] || fail "services: $services"
for s in s2lite-1 s2lite-2 s2lite-3; do
  # This service's block of the normalized file.
  awk -v s="  $s:" '$0 == s {on=1; next} on && /^  [a-z]/ {on=0} on' "$WORK/cluster.out" > "$WORK/$s"
  grep -q 'S2LITE_REGISTRY: postgresql://postgres@postgres:5432/' "$WORK/$s" || fail "$s: no registry"
  grep -q 'PGPASSWORD:' "$WORK/$s" || fail "$s: the password must come from PGPASSWORD"
  grep -q 'S2LITE_DATA_DIR: /data' "$WORK/$s" || fail "$s: no data dir"
  grep -q 'blobs:/data' "$WORK/$s" || fail "$s: not on the shared blob volume"
  grep -A3 'test:' "$WORK/$s" > "$WORK/$s.test"
  grep -q healthcheck "$WORK/$s.test" || fail "$s: must probe /health/ready"
  grep -q 'condition: service_healthy' "$WORK/$s" || fail "$s: must wait for PostgreSQL"
  # haproxy and neighbours reach each daemon as s2lite-N:9000 (its /metrics).
  grep -qE 'S2LITE_DOMAINS: .*s2lite-1,s2lite-2,s2lite-3' "$WORK/$s" || fail "$s: S2LITE_DOMAINS lacks s2lite-N"
done
grep -q "127.0.0.1:9000:9000" "$WORK/cluster.out" || fail "the load balancer is not on 9000"
S2LITE_PORT=9200 docker-compose -f "$compose" config > "$WORK/port.out"
grep -q '127.0.0.1:9200:9000' "$WORK/port.out" || fail "compose ignores S2LITE_PORT"
S2LITE_PG_PASSWORD=other docker-compose -f "$compose" config > "$WORK/pw.out"
[ "$(grep -c 'other' "$WORK/pw.out")" -eq 4 ] || fail "S2LITE_PG_PASSWORD must reach postgres and 3 daemons"
# Only Debian's base images.
for f in "$root"/docker/*Dockerfile; do
  grep '^FROM' "$f" | grep -vqE '^FROM debian:12(-slim)?( AS [a-z]+)?$' && fail "$f: a base image other than Debian 12"
done
cfg="$root/docker/haproxy.cfg"
[ "$(grep -cE '^ +server s2lite-[123] s2lite-[123]:9000 check$' "$cfg")" -eq 3 ] || fail "haproxy: three checked servers"
grep -q 'http-check send meth GET uri /health/ready' "$cfg" || fail "haproxy must check /health/ready"
grep -q 'http-check expect status 200' "$cfg" || fail "haproxy must expect 200"
# haproxy's default check is HTTP/1.0 without a Host: s2lite answers it 400.
grep -qE 'http-check send .* ver HTTP/1.1 hdr Host localhost' "$cfg" || fail "haproxy's check needs HTTP/1.1 and a Host"
if command -v haproxy >/dev/null 2>&1; then
  haproxy -c -f "$cfg" >/dev/null || fail "haproxy rejects its config"
fi
sh -n "$root/docker/postgres-entrypoint.sh" || fail "postgres-entrypoint.sh: syntax"
# The daemons' settings exist: the binary accepts them (and their values).
S2LITE_LEASE_TTL=15 S2LITE_BLOB_GRACE=3600 S2LITE_MAX_READ_DURATION=1800 "$1" --in-memory \
  --listen 127.0.0.1:0 --ready-file "$WORK/ready" >"$WORK/daemon.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do [ -s "$WORK/ready" ] && break; sleep 0.05; done
[ -s "$WORK/ready" ] || fail "the binary refuses the compose file's settings"
"$1" healthcheck "$(cat "$WORK/ready")" >/dev/null || fail "not ready"
curl -fsS "$(cat "$WORK/ready")/metrics" > "$WORK/metrics" || fail "no /metrics"
grep -q '^s2lite_leader 1$' "$WORK/metrics" || fail "a single daemon must lead (s2lite_leader 1)"
kill -TERM $pid; wait $pid || fail "SIGTERM did not exit 0"
S2LITE_BLOB_GRACE=60 S2LITE_MAX_READ_DURATION=60 "$1" --listen 127.0.0.1:0 --in-memory \
  >"$WORK/bad.out" 2>&1 && fail "a grace shorter than a read was accepted"
grep -q 'must exceed --max-read-duration' "$WORK/bad.out" || fail "unclear: $(cat "$WORK/bad.out")"
echo "PASS: compose.cluster.yaml valid: postgres, 3 daemons on one registry and volume, haproxy"
