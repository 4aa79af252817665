#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for tests and local multi-daemon demos.
#
#   scripts/pg-cluster.sh start DIR [--tcp PORT]   initdb (if needed) + start; prints the conninfo
#   scripts/pg-cluster.sh url DIR                  prints the conninfo of a started cluster
#   scripts/pg-cluster.sh stop DIR                 stops it (fast shutdown); DIR stays
#   scripts/pg-cluster.sh destroy DIR              stops it and removes DIR
#
# Debian's postgresql-15 (scripts/setup.sh installs it). The server listens on
# a Unix socket in DIR/sock only (no TCP unless --tcp PORT), trusts local
# connections (a throwaway cluster: nothing else can reach that socket as long
# as DIR is not world-writable), UTF8 with the C locale. Run as root, the
# server runs as the `postgres` user (created if missing) and DIR is given to
# it. The conninfo names the database `postgres` as the bootstrap superuser.
set -euo pipefail

PG_BIN="${S2LITE_PG_BIN:-/usr/lib/postgresql/15/bin}"
cmd="${1:-}"
dir="${2:-}"
if [ -z "$cmd" ] || [ -z "$dir" ]; then
  echo "usage: $0 start|stop|url|destroy DIR [--tcp PORT]" >&2
  exit 2
fi
shift 2
tcp_port=""
while [ $# -gt 0 ]; do
  case "$1" in
    --tcp) tcp_port="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

if [ ! -x "$PG_BIN/initdb" ]; then
  echo "$PG_BIN/initdb not found: install postgresql-15 (scripts/setup.sh)" >&2
  exit 1
fi

mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
data="$dir/data"
sock="$dir/sock"

# As root, the server runs as `postgres`; otherwise as the current user.
run_as=()
pg_user="$(id -un)"
if [ "$(id -u)" -eq 0 ]; then
  pg_user="postgres"
  if ! id "$pg_user" >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/postgresql --shell /usr/sbin/nologin "$pg_user"
  fi
  run_as=(runuser -u "$pg_user" --)
fi

conninfo() {
  local info="host=$sock port=${tcp_port:-5432} user=$pg_user dbname=postgres"
  if [ -f "$dir/port" ]; then info="host=$sock port=$(cat "$dir/port") user=$pg_user dbname=postgres"; fi
  echo "$info"
}

case "$cmd" in
  start)
    if [ "$(id -u)" -eq 0 ]; then
      chown "$pg_user" "$dir"
      chmod 0700 "$dir"
      # The parents must be traversable by the server's user.
      p="$dir"
      while [ "$p" != "/" ]; do
        p="$(dirname "$p")"
        chmod o+x "$p" 2>/dev/null || true
      done
    fi
    "${run_as[@]}" mkdir -p "$sock"
    if [ ! -f "$data/PG_VERSION" ]; then
      "${run_as[@]}" "$PG_BIN/initdb" -D "$data" -E UTF8 --locale=C -U "$pg_user" \
        --auth-local=trust --auth-host=reject >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    if [ -f "$data/postmaster.pid" ] && "${run_as[@]}" "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
      conninfo  # already running
      exit 0
    fi
    port="${tcp_port:-5432}"
    echo "$port" >"$dir/port.tmp" && mv "$dir/port.tmp" "$dir/port"
    listen="''"
    if [ -n "$tcp_port" ]; then listen="localhost"; fi
    "${run_as[@]}" "$PG_BIN/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=$listen -p $port -c unix_socket_directories=$sock \
-c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
-c log_min_messages=warning" start >/dev/null ||
      { cat "$dir/server.log" >&2; exit 1; }
    conninfo
    ;;
  url)
    conninfo
    ;;
  stop)
    if [ -f "$data/postmaster.pid" ]; then
      "${run_as[@]}" "$PG_BIN/pg_ctl" -D "$data" -m fast -w stop >/dev/null
    fi
    ;;
  destroy)
    if [ -f "$data/postmaster.pid" ]; then
      "${run_as[@]}" "$PG_BIN/pg_ctl" -D "$data" -m immediate -w stop >/dev/null || true
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "unknown command $cmd" >&2
    exit 2
    ;;
esac
