#!/usr/bin/env bash
# Load test of autoheal-webhook on each state backend, next to a peer, with
# wrk: the receiver (and the peer) pinned to core 0, wrk (2 threads, 32
# keep-alive connections), redis-server and the health probe on core 1.
#
#   bash bench/load.sh [BUILD_DIR] [SECONDS] [ROUNDS]     # defaults: build 10 3
#
# Targets, all started once and kept for every round:
#   peer    Debian's `webhook` (adnanh/webhook 2.8): parses the JSON body and
#           evaluates a trigger rule on it that never matches, so it answers
#           200 and runs nothing -- the most favourable set-up for the peer
#   memory  autoheal-webhook --state-backend memory
#   sqlite  autoheal-webhook with its default state backend, SQLite, on disk
#           (BUILD_DIR/load-state/state.db), as users run it
#   redis   autoheal-webhook --state-backend redis, against a redis-server
#           this script starts on a free loopback port
# Every receiver runs the embedded default policy in dry-run (each decision
# is taken and audited as a live one would be; audit lines to /dev/null).
#
# Workloads (payloads from tests/data/payloads):
#   nomatch   one alert that matches nothing (not opted in)        03-...
#   cooling   one alert that is cooling down (a store read each)   01-...
#   storm200  200 alerts, ~100 KB: 75 reach the store             20-...
# During each storm200 run against a receiver, a probe on core 1 sends
# GET /healthz every 20 ms over one keep-alive connection for the length of
# the run and reports its p50/p99/max latency.
#
# Each round runs every workload against every target, one after another;
# the table gives the median requests/s over the rounds and each receiver's
# ratio to the peer in the same run. Results go to stdout; record them in
# bench/RESULTS.md with the date and the core count.
#
# Needs wrk, webhook and redis-server (scripts/setup.sh installs them), and
# a built receiver (cmake --build BUILD_DIR --target autoheal-webhook).
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR="${1:-build}"
DURATION="${2:-10}"
ROUNDS="${3:-3}"
BIN="$BUILD_DIR/examples/webhook/autoheal-webhook"
[ -x "$BIN" ] || { echo "load.sh: $BIN not built" >&2; exit 2; }
for tool in wrk webhook redis-server python3 taskset; do
  command -v "$tool" >/dev/null ||
    { echo "load.sh: $tool is not installed (bash scripts/setup.sh)" >&2; exit 2; }
done

WORK="$(mktemp -d)"
STATE_DIR="$(realpath -m "$BUILD_DIR/load-state")"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK" "$STATE_DIR"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_for_port() {
  for _ in $(seq 200); do
    if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$1),0.2)" 2>/dev/null; then
      return 0
    fi
    sleep 0.05
  done
  echo "load.sh: nothing listens on port $1" >&2
  return 1
}

cat > "$WORK/post.lua" <<'LUA'
local f = assert(io.open(os.getenv("PAYLOAD"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
LUA

cat > "$WORK/probe.py" <<'PY'
# GET /healthz every 20 ms on one keep-alive connection for SECONDS;
# prints "p50 p99 max count" in milliseconds.
import http.client, sys, time
port, seconds = int(sys.argv[1]), float(sys.argv[2])
samples, end = [], time.monotonic() + seconds
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
while time.monotonic() < end:
    start = time.monotonic()
    try:
        conn.request("GET", "/healthz")
        conn.getresponse().read()
    except Exception:
        conn.close()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    samples.append((time.monotonic() - start) * 1000)
    time.sleep(0.02)
samples.sort()
pick = lambda q: samples[min(len(samples) - 1, int(q * len(samples)))]
print("%.2f %.2f %.2f %d" % (pick(0.5), pick(0.99), samples[-1], len(samples)))
PY
# The peer: one hook whose rule reads the payload and never matches.
cat > "$WORK/hooks.json" <<'JSON'
[{"id": "alerts", "execute-command": "/bin/true",
  "trigger-rule": {"match": {"type": "value", "value": "never",
    "parameter": {"source": "payload", "name": "alerts.0.annotations.autoheal"}}}}]
JSON

declare -A PORT URL
PORT[peer]="$(free_port)"
taskset -c 0 webhook -hooks "$WORK/hooks.json" -ip 127.0.0.1 -port "${PORT[peer]}" \
  >/dev/null 2>"$WORK/peer.log" &
PIDS+=($!)
URL[peer]="http://127.0.0.1:${PORT[peer]}/hooks/alerts"

REDIS_PORT="$(free_port)"
taskset -c 1 redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" \
  --appendonly no --dir "$WORK" >"$WORK/redis.log" 2>&1 &
PIDS+=($!)
wait_for_port "$REDIS_PORT"

rm -rf "$STATE_DIR" && mkdir -p "$STATE_DIR"
start_receiver() {
  local name="$1"; shift
  PORT[$name]="$(free_port)"
  taskset -c 0 "$BIN" --listen "127.0.0.1:${PORT[$name]}" "$@" \
    >/dev/null 2>"$WORK/$name.log" &
  PIDS+=($!)
  URL[$name]="http://127.0.0.1:${PORT[$name]}/alerts"
}
start_receiver memory --state-backend memory
start_receiver sqlite --state-path "$STATE_DIR/state.db"
start_receiver redis --state-backend redis --redis-address "127.0.0.1:$REDIS_PORT" \
  --redis-prefix "load-$$"
TARGETS=(peer memory sqlite redis)
for target in "${TARGETS[@]}"; do wait_for_port "${PORT[$target]}"; done

declare -A PAYLOAD=(
  [nomatch]=tests/data/payloads/03-single-firing-not-allowlisted.json
  [cooling]=tests/data/payloads/01-single-firing-autoheal.json
  [storm200]=tests/data/payloads/20-two-hundred-alerts.json
)
WORKLOADS=(nomatch cooling storm200)

# One wrk run; appends "rps non2xx p99" to $WORK/<workload>.<target>.
run() {
  local workload="$1" target="$2" probe_pid="" out
  if [ "$workload" = storm200 ] && [ "$target" != peer ]; then
    # Probes for the whole run (it starts before wrk and ends with it).
    taskset -c 1 python3 "$WORK/probe.py" "${PORT[$target]}" "$DURATION" \
      >>"$WORK/probe.$target" &
    probe_pid=$!
  fi
  out="$(PAYLOAD="${PAYLOAD[$workload]}" taskset -c 1 wrk -t2 -c32 \
           -d"${DURATION}s" --latency -s "$WORK/post.lua" "${URL[$target]}")"
  if [ -n "$probe_pid" ]; then wait "$probe_pid"; fi
  local rps non2xx p99
  rps="$(awk '/Requests\/sec/ {print $2}' <<<"$out")"
  non2xx="$(awk '/Non-2xx/ {print $5}' <<<"$out")"
  p99="$(awk '$1 == "99%" {print $2}' <<<"$out")"
  echo "$rps ${non2xx:-0} $p99" >>"$WORK/$workload.$target"
  printf '  %-8s %-7s %10s req/s  p99 %-8s non-2xx %s\n' \
    "$workload" "$target" "$rps" "$p99" "${non2xx:-0}"
}

# Warm-up: each receiver takes its cooldowns and budgets once.
for target in memory sqlite redis; do
  for workload in "${WORKLOADS[@]}"; do
    curl -s -o /dev/null -H 'Content-Type: application/json' \
      --data-binary @"${PAYLOAD[$workload]}" "${URL[$target]}"
  done
done

echo "autoheal-webhook load test: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores," \
     "${ROUNDS} rounds of ${DURATION}s, wrk -t2 -c32"
for round in $(seq "$ROUNDS"); do
  echo "round $round"
  for workload in "${WORKLOADS[@]}"; do
    for target in "${TARGETS[@]}"; do run "$workload" "$target"; done
  done
done

median() { sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

echo
echo "| workload | peer req/s | memory | sqlite (default) | redis |"
echo "|---|---|---|---|---|"
for workload in "${WORKLOADS[@]}"; do
  peer="$(cut -d' ' -f1 "$WORK/$workload.peer" | median)"
  row="| $workload | $peer"
  for target in memory sqlite redis; do
    rps="$(cut -d' ' -f1 "$WORK/$workload.$target" | median)"
    errors="$(awk '{s+=$2} END {print s}' "$WORK/$workload.$target")"
    ratio="$(awk -v a="$rps" -v b="$peer" 'BEGIN {printf "%.2f", a / b}')"
    row+=" | $rps (${ratio}x)"
    [ "$errors" != 0 ] && row+=", $errors non-2xx"
  done
  echo "$row |"
done
echo
echo "GET /healthz every 20 ms during the storm200 runs (ms; median over rounds):"
echo "| receiver | p50 | p99 | max | probes |"
echo "|---|---|---|---|---|"
for target in memory sqlite redis; do
  p50="$(cut -d' ' -f1 "$WORK/probe.$target" | median)"
  p99="$(cut -d' ' -f2 "$WORK/probe.$target" | median)"
  max="$(cut -d' ' -f3 "$WORK/probe.$target" | sort -g | tail -1)"
  n="$(awk '{s+=$4} END {print s}' "$WORK/probe.$target")"
  echo "| $target | $p50 | $p99 | $max (worst run) | $n |"
done
