#!/usr/bin/env bash
# Installs s2lite into a temp prefix with `cmake --install`, then builds and
# runs examples/uploader against it with find_package(s2lite): the way a
# project outside this repo uses the library and its GoogleTest fixture.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build_dir="$(cd "$(dirname "$1")/.." && pwd)"   # $1 = <build>/server/s2lite
work=$(mktemp -d /tmp/s2lite-consumer-XXXXXX)
trap 'rm -rf "$work"' EXIT
cmake --install "$build_dir" --prefix "$work/prefix" >/dev/null
test -f "$work/prefix/include/s2lite/server.h"
if grep -rqE '#include <(boost|openssl|sqlite3|spdlog|pugixml)' "$work/prefix/include/s2lite"; then
  echo "FAIL: a public header includes a third-party library" >&2; exit 1
fi
GEN=(); command -v ninja >/dev/null && GEN=(-G Ninja)
cmake -S "$root/examples/uploader" -B "$work/build" "${GEN[@]}" -DCMAKE_PREFIX_PATH="$work/prefix" \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$work/build" -j2 >/dev/null
# libpq is loaded at run time, for a PostgreSQL registry only: an embedding
# project needs neither libpq-dev to link nor libpq in its test binaries.
if grep -rq PostgreSQL "$work/prefix/lib"*/cmake/s2lite/; then
  echo "FAIL: the installed package asks for PostgreSQL (libpq-dev)" >&2; exit 1
fi
# (NEEDED, not ldd: the example's libcurl brings Kerberos and LDAP itself.)
if readelf -d "$work/build/uploader_test" | grep -E 'NEEDED.*libpq'; then
  echo "FAIL: a test binary linked against s2lite links libpq" >&2; exit 1
fi
"$work/build/uploader_test"
echo "PASS: examples/uploader built against the installed package and its tests passed"
