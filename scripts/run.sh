#!/usr/bin/env bash
# Fresh machine -> running daemon: installs build dependencies, builds, and
# runs s2lite on 127.0.0.1:9000 with ./data and the development credentials
# (access key s2lite-access, secret key s2lite-secret). Extra arguments go to s2lite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --build-only
# The daemon only: the tests and the benchmark are built by scripts/test.sh.
S2LITE_TARGET=s2lite_daemon scripts/build.sh
exec ./build/server/s2lite --data-dir ./data "$@"
