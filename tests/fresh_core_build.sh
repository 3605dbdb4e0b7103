#!/usr/bin/env bash
# The core on a bare Debian 12: installs ONLY a compiler, CMake, Abseil,
# nlohmann/json and RE2, then configures, builds and installs autoheal (every
# optional component, the tests, benchmarks and examples must be skipped
# with one line each), and builds and runs the consumers of the core and of
# the two components that need nothing more (process, audit) against the
# installed tree.
#
# Meant for a fresh root, as root, from the source tree:
#   ../shared/tools/fresh_debian.sh run . 'bash tests/fresh_core_build.sh'
# ctest runs it that way (test fresh_core_build, label fresh) when
# AUTOHEAL_FRESH_ROOT_TESTS=1 and FRESH_DEBIAN names fresh_debian.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
  g++ cmake make libabsl-dev nlohmann-json3-dev libre2-dev >/dev/null
echo "fresh_core_build: installed g++ cmake make libabsl-dev nlohmann-json3-dev libre2-dev"

work="$(mktemp -d /tmp/autoheal-fresh-XXXXXX)"
cmake -S . -B "$work/build" -DCMAKE_BUILD_TYPE=Release | tee "$work/configure.log"
for line in \
    "component 'yaml' skipped: install libyaml-cpp-dev" \
    "component 'sqlite' skipped: install libsqlite3-dev" \
    "component 'redis' skipped: install libhiredis-dev" \
    "component 'http' skipped: install libmicrohttpd-dev" \
    "'tests' skipped: install libgmock-dev libgtest-dev" \
    "'bench' skipped: install libbenchmark-dev" \
    "example 'autoheal_quickstart' skipped: install libyaml-cpp-dev"; do
  grep -qF -- "$line" "$work/configure.log" || {
      echo "fresh_core_build: configure did not say: $line" >&2; exit 1; }
done
cmake --build "$work/build" --parallel 2
cmake --install "$work/build" --prefix "$work/prefix"

cmake_dir="$(dirname "$(find "$work/prefix" -name autoheal-config.cmake)")"
for present in autoheal-targets.cmake autoheal-process-targets.cmake \
               autoheal-audit-targets.cmake; do
  [ -f "$cmake_dir/$present" ] ||
    { echo "fresh_core_build: $present not installed" >&2; exit 1; }
done
for absent in "$cmake_dir/autoheal-yaml-targets.cmake" \
              "$cmake_dir/autoheal-sqlite-targets.cmake" \
              "$work/prefix/include/autoheal/yaml_policy.h" \
              "$work/prefix/include/autoheal/sqlite_cooldown_store.h" \
              "$work/prefix/include/autoheal/http_server.h"; do
  [ ! -e "$absent" ] ||
    { echo "fresh_core_build: $absent installed for a skipped component" >&2; exit 1; }
done
if find "$work/prefix/include" -path '*/src/*' | grep -q .; then
  echo "fresh_core_build: a private header was installed" >&2; exit 1
fi

for consumer in core process audit; do
  cmake -S "tests/consumers/$consumer" -B "$work/consumer-$consumer" \
        -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$work/consumer-$consumer" >/dev/null
  "$work/consumer-$consumer/consumer"
  echo "fresh_core_build: consumer '$consumer' built and ran"
done
echo "fresh_core_build: OK"
