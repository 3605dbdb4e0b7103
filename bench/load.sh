#!/usr/bin/env bash
# Load test of autoheal-webhook with wrk: a captured one-alert payload and the
# 200-alert (~90 KB) payload, each over 32 keep-alive connections, with the
# receiver pinned to core 0 and wrk to core 1 (taskset). Results go to stdout;
# record them in bench/RESULTS.md.
#
#   bash bench/load.sh [BUILD_DIR] [SECONDS]
#
# Needs wrk (Debian package wrk, installed by scripts/setup.sh) and a built
# receiver (cmake --build BUILD_DIR --target autoheal-webhook).
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR="${1:-build}"
DURATION="${2:-10}"
BIN="$BUILD_DIR/examples/webhook/autoheal-webhook"
[ -x "$BIN" ] || { echo "load.sh: $BIN not built" >&2; exit 2; }
command -v wrk >/dev/null || { echo "load.sh: wrk is not installed" >&2; exit 2; }

WORK="$(mktemp -d)"
RECEIVER_PID=""
cleanup() {
  [ -n "$RECEIVER_PID" ] && kill "$RECEIVER_PID" 2>/dev/null && wait "$RECEIVER_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

cat > "$WORK/post.lua" <<'LUA'
local f = assert(io.open(os.getenv("PAYLOAD"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
LUA

# Port 0: the receiver binds a free port and logs it.
# State in memory: this measures the receiver, not the disk's fsync (the
# SQLite store's acquire latency is in bench/store_benchmark.cc).
taskset -c 0 "$BIN" --listen 127.0.0.1:0 --state-backend memory \
  >/dev/null 2>"$WORK/receiver.log" &
RECEIVER_PID=$!
for _ in $(seq 100); do
  PORT="$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\);.*/\1/p' "$WORK/receiver.log")"
  [ -n "$PORT" ] && break
  sleep 0.1
done
[ -n "${PORT:-}" ] || { cat "$WORK/receiver.log" >&2; exit 1; }

run() {
  local name="$1" payload="$2"
  echo "== $name: $(wc -c < "$payload") bytes, 32 connections, ${DURATION}s"
  PAYLOAD="$payload" taskset -c 1 wrk -t1 -c32 -d"${DURATION}s" --latency \
    -s "$WORK/post.lua" "http://127.0.0.1:$PORT/alerts" |
    grep -E "Requests/sec|Latency|50%|99%|requests in|Non-2xx|Socket errors"
}

echo "autoheal-webhook load test, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores"
run "one alert (01-single-firing-autoheal.json)" tests/data/payloads/01-single-firing-autoheal.json
run "200 alerts (20-two-hundred-alerts.json)" tests/data/payloads/20-two-hundred-alerts.json
