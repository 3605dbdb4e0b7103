#!/usr/bin/env bash
# Builds autoheal and runs every test: installs what is missing from Debian's
# packages first (scripts/setup.sh), then configures, builds and runs ctest.
# The last lines printed are ctest's summary.
#
#   sudo bash scripts/test.sh            # or as root
#   BUILD_DIR=/tmp/b bash scripts/test.sh
#   AUTOHEAL_FUZZ=0 bash scripts/test.sh   # without the fuzzing tree and tests
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

BUILD_DIR="${BUILD_DIR:-build}"
JOBS="${JOBS:-$(nproc)}"

cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo

# Fuzzing (fuzz/README.md): a separate clang tree with libFuzzer, ASan and
# UBSan, holding only the libraries and the fuzzers; the main tree's ctest
# then runs each fuzzer for AUTOHEAL_FUZZ_SECONDS (default 30) as
# fuzz_<target> (label fuzz). AUTOHEAL_FUZZ=0 skips it for a quick local run.
FUZZ_BUILD_DIR="${FUZZ_BUILD_DIR:-build-fuzz}"
if [ "${AUTOHEAL_FUZZ:-1}" != 0 ]; then
  cmake -S . -B "$FUZZ_BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DCMAKE_CXX_COMPILER=clang++ -DAUTOHEAL_BUILD_FUZZERS=ON \
        -DAUTOHEAL_BUILD_TESTS=OFF -DAUTOHEAL_BUILD_BENCHMARKS=OFF \
        -DAUTOHEAL_BUILD_EXAMPLES=OFF -DAUTOHEAL_INSTALL=OFF
  cmake --build "$FUZZ_BUILD_DIR" --parallel "$JOBS"
  cmake -S . -B "$BUILD_DIR" \
        -DAUTOHEAL_FUZZ_BUILD_DIR="$(cd "$FUZZ_BUILD_DIR" && pwd)" \
        -DAUTOHEAL_FUZZ_SECONDS="${AUTOHEAL_FUZZ_SECONDS:-30}"
else
  cmake -S . -B "$BUILD_DIR" -DAUTOHEAL_FUZZ_BUILD_DIR=
fi
cmake --build "$BUILD_DIR" --parallel "$JOBS"
cd "$BUILD_DIR"
exec ctest --output-on-failure --parallel "$JOBS" --timeout 900
