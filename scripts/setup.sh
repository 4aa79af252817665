#!/usr/bin/env bash
# Installs everything s2lite needs to build, test and run on a clean Debian 12.
# Usage: scripts/setup.sh [--build-only]   (as root, or with sudo available)
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

BUILD_PKGS=(
  build-essential cmake pkg-config ccache ninja-build
  libboost1.81-dev libboost-url1.81-dev libboost-program-options1.81-dev
  libssl-dev libpugixml-dev libsqlite3-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libisal-dev libpq-dev
)
TEST_PKGS=(
  curl libcurl4-openssl-dev ca-certificates awscli python3-boto3 python3 sqlite3 procps docker-compose s3cmd rclone python3-pytest
  clang libclang-rt-14-dev
  chromium fonts-liberation clang-format
  postgresql-15
)

PKGS=("${BUILD_PKGS[@]}")
if [ "${1:-}" != "--build-only" ]; then PKGS+=("${TEST_PKGS[@]}"); fi

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
