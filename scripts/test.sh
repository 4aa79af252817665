#!/usr/bin/env bash
# Fresh machine -> all tests passed: installs every dependency (apt, npm),
# builds with warnings as errors, and runs unit, integration and real-client
# tests (aws-cli v1 + v2, boto3 old + new, AWS SDK for JavaScript v3), the
# store and integration suites on SQLite and on a throwaway PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# Virtual-hosted tests need <bucket>.localhost names; glibc does not resolve them.
if [ -w /etc/hosts ]; then
  for b in s2-vhost s2-vhost-v1 s2-vhost-v2 s2-vhost-js; do
    grep -q " $b.localhost\$" /etc/hosts || echo "127.0.0.1 $b.localhost" >> /etc/hosts
  done
fi
if [ -f tests/clients/js/package.json ]; then
  if ! command -v npm >/dev/null 2>&1; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get install -y -qq nodejs npm
  fi
  (cd tests/clients/js && npm ci --no-audit --no-fund --loglevel=error)
fi
scripts/build.sh -DS2LITE_WERROR=ON
# A throwaway PostgreSQL 15 for the PostgreSQL registry: the store suite and
# the integration suite run against it too (a database per test). Stopped and
# removed whatever happens.
pg_dir="$(mktemp -d /tmp/s2lite-pg.XXXXXX)"
trap 'scripts/pg-cluster.sh destroy "$pg_dir" >/dev/null 2>&1 || true' EXIT
S2LITE_TEST_POSTGRES="$(scripts/pg-cluster.sh start "$pg_dir")"
export S2LITE_TEST_POSTGRES
(cd build && ctest --output-on-failure -j2 --timeout 900 "$@")
