#!/usr/bin/env bash
# Builds autoheal and runs its main job: the Alertmanager webhook receiver on
# the embedded default policy, in dry-run, listening on 127.0.0.1:9009.
# Extra arguments go to autoheal-webhook (see --help), e.g. --policy FILE.
# State (cooldowns, budgets, escalations) is kept in /var/lib/autoheal/state.db
# (created when missing); when that is not writable, in BUILD_DIR/state.db.
#
#   sudo bash scripts/run.sh [autoheal-webhook flags...]
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh >&2

BUILD_DIR="${BUILD_DIR:-build}"
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DAUTOHEAL_REQUIRE_ALL=ON >&2
cmake --build "$BUILD_DIR" --target autoheal-webhook >&2

# State lives in /var/lib/autoheal/state.db, which needs root (or a prepared
# directory). Without either, and unless told where, keep it in the build
# directory so that a plain `bash scripts/run.sh` still starts.
STATE_ARGS=()
state_dir=/var/lib/autoheal
if [ -z "${AUTOHEAL_STATE_PATH:-}" ] &&
   ! printf '%s\n' "$@" | grep -qE -- '^--?state[-_](path|backend)' &&
   ! { [ -d "$state_dir" ] && [ -w "$state_dir" ]; } &&
   ! { [ ! -e "$state_dir" ] && [ -w "$(dirname "$state_dir")" ]; }; then
  state_path="$(cd "$BUILD_DIR" && pwd)/state.db"
  echo "run.sh: $state_dir is not writable; state goes to $state_path" >&2
  STATE_ARGS=(--state-path "$state_path")
fi
exec "$BUILD_DIR/examples/webhook/autoheal-webhook" "${STATE_ARGS[@]}" "$@"
