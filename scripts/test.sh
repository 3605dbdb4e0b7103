#!/usr/bin/env bash
# Builds autoheal and runs every test: installs what is missing from Debian's
# packages first (scripts/setup.sh), then configures, builds and runs ctest.
# The last lines printed are ctest's summary.
#
# Next to the main tree it configures and builds, with clang:
#   - the trees of CMakePresets.json (<BUILD_DIR>-asan, -tsan, -tsa), which
#     the main tree registers (tests/sanitizer_suites.cmake) so that the one
#     ctest run also runs the unit and integration tests under ASan+UBSan,
#     the concurrency and integration tests under TSan, and the
#     -Wthread-safety -Werror build;
#   - the libFuzzer tree (fuzz/README.md), whose fuzzers the main tree runs
#     for AUTOHEAL_FUZZ_SECONDS (default 30) each as fuzz_<target>.
#
#   sudo bash scripts/test.sh            # or as root
#   BUILD_DIR=/tmp/b bash scripts/test.sh
#   AUTOHEAL_SANITIZERS=0 AUTOHEAL_FUZZ=0 bash scripts/test.sh  # main tree only
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

BUILD_DIR="${BUILD_DIR:-build}"
JOBS="${JOBS:-$(nproc)}"

SANITIZER_PRESETS=(asan tsan tsa)
subtree_dirs=(-DAUTOHEAL_ASAN_BUILD_DIR= -DAUTOHEAL_TSAN_BUILD_DIR=
              -DAUTOHEAL_TSA_BUILD_DIR=)
if [ "${AUTOHEAL_SANITIZERS:-1}" != 0 ]; then
  subtree_dirs=()
  for preset in "${SANITIZER_PRESETS[@]}"; do
    dir="$(realpath -m "$BUILD_DIR-$preset")"
    cmake --preset "$preset" -B "$dir" -DAUTOHEAL_REQUIRE_ALL=ON >/dev/null
    subtree_dirs+=("-DAUTOHEAL_${preset^^}_BUILD_DIR=$dir")
  done
fi

fuzz_dir=(-DAUTOHEAL_FUZZ_BUILD_DIR=)
if [ "${AUTOHEAL_FUZZ:-1}" != 0 ]; then
  FUZZ_BUILD_DIR="$(realpath -m "${FUZZ_BUILD_DIR:-$BUILD_DIR-fuzz}")"
  cmake -S . -B "$FUZZ_BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DCMAKE_CXX_COMPILER=clang++ -DAUTOHEAL_BUILD_FUZZERS=ON \
        -DAUTOHEAL_BUILD_TESTS=OFF -DAUTOHEAL_BUILD_BENCHMARKS=OFF \
        -DAUTOHEAL_BUILD_EXAMPLES=OFF -DAUTOHEAL_INSTALL=OFF \
        -DAUTOHEAL_REQUIRE_ALL=ON >/dev/null
  cmake --build "$FUZZ_BUILD_DIR" --parallel "$JOBS"
  fuzz_dir=(-DAUTOHEAL_FUZZ_BUILD_DIR="$FUZZ_BUILD_DIR"
            -DAUTOHEAL_FUZZ_SECONDS="${AUTOHEAL_FUZZ_SECONDS:-30}")
fi

# AUTOHEAL_REQUIRE_ALL: a missing dependency fails here instead of skipping
# a component and its tests (cmake/AutohealComponents.cmake).
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DAUTOHEAL_REQUIRE_ALL=ON "${subtree_dirs[@]}" "${fuzz_dir[@]}"
cmake --build "$BUILD_DIR" --parallel "$JOBS"
if [ "${AUTOHEAL_SANITIZERS:-1}" != 0 ]; then
  # A tree that fails to build is not fatal here: its suite builds it again
  # and fails in ctest's summary.
  CMAKE_BUILD_PARALLEL_LEVEL="$JOBS" \
    cmake --build "$BUILD_DIR" --target autoheal_subtrees -- -k 0 ||
    echo "test.sh: a sanitizer tree failed to build; its suite fails below" >&2
fi
cd "$BUILD_DIR"
exec ctest --output-on-failure --parallel "$JOBS" --timeout 900
