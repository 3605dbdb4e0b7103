#!/usr/bin/env bash
# Builds autoheal and runs its main job. Until the webhook receiver lands,
# that is the library quickstart: the example policy (dry-run) deciding on a
# captured Alertmanager payload, one line per alert with verdict and reason.
#
#   sudo bash scripts/run.sh [PAYLOAD.json]
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh >&2

BUILD_DIR="${BUILD_DIR:-build}"
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >&2
cmake --build "$BUILD_DIR" --target autoheal_quickstart >&2
exec "$BUILD_DIR/examples/quickstart/autoheal_quickstart" \
  examples/policy/autoheal.yml \
  "${1:-tests/data/payloads/04-mixed-group.json}"
