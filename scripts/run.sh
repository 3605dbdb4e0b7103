#!/usr/bin/env bash
# Builds autoheal and runs its main job: the Alertmanager webhook receiver on
# the embedded default policy, in dry-run, listening on 127.0.0.1:9009.
# Extra arguments go to autoheal-webhook (see --help), e.g. --policy FILE.
#
#   sudo bash scripts/run.sh [autoheal-webhook flags...]
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh >&2

BUILD_DIR="${BUILD_DIR:-build}"
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >&2
cmake --build "$BUILD_DIR" --target autoheal-webhook >&2
exec "$BUILD_DIR/examples/webhook/autoheal-webhook" "$@"
