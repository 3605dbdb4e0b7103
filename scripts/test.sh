#!/usr/bin/env bash
# Builds autoheal and runs every test: installs what is missing from Debian's
# packages first (scripts/setup.sh), then configures, builds and runs ctest.
# The last lines printed are ctest's summary.
#
#   sudo bash scripts/test.sh            # or as root
#   BUILD_DIR=/tmp/b bash scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

BUILD_DIR="${BUILD_DIR:-build}"
JOBS="${JOBS:-$(nproc)}"

cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$BUILD_DIR" --parallel "$JOBS"
cd "$BUILD_DIR"
exec ctest --output-on-failure --parallel "$JOBS" --timeout 900
