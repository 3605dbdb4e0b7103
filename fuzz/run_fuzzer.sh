#!/usr/bin/env bash
# Runs one libFuzzer binary the way ctest does (cmake/AutohealFuzzTests.cmake).
#
#   run_fuzzer.sh fuzz   BINARY SECONDS CORPUS_DIR [DICT]
#       Fuzzes for SECONDS on a copy of the seed corpus in a temporary
#       directory (the repository's corpus is never written), with a 10 s
#       per-input timeout and a 2 GB RSS limit. Fails on any crash, leak,
#       timeout, out-of-memory or sanitizer report; the failing input is kept
#       and printed, and the temporary directory is left for inspection.
#   run_fuzzer.sh replay BINARY DIR
#       Runs BINARY once on every file in DIR (the regression inputs) and
#       fails if any of them crashes. An empty DIR passes.
set -euo pipefail

mode="${1:?usage: run_fuzzer.sh fuzz|replay BINARY ...}"
binary="${2:?missing the fuzzer binary}"
if [ ! -x "$binary" ]; then
  echo "run_fuzzer: $binary is missing: build the fuzz tree first" \
       "(scripts/test.sh does; see fuzz/README.md)" >&2
  exit 1
fi
# Leaks count as failures; UBSan reports abort (the code is also built with
# -fno-sanitize-recover); keep the symbolized stack in the log.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"

case "$mode" in
  replay)
    dir="${3:?missing the regression directory}"
    shopt -s nullglob
    inputs=("$dir"/*)
    if [ "${#inputs[@]}" -eq 0 ]; then
      echo "run_fuzzer: no regression inputs in $dir"
      exit 0
    fi
    echo "run_fuzzer: replaying ${#inputs[@]} inputs from $dir"
    exec "$binary" -timeout=10 -rss_limit_mb=2048 "${inputs[@]}"
    ;;
  fuzz)
    seconds="${3:?missing the number of seconds}"
    corpus="${4:?missing the seed corpus directory}"
    dict="${5:-}"
    work="$(mktemp -d "${TMPDIR:-/tmp}/autoheal-fuzz.XXXXXX")"
    mkdir "$work/corpus" "$work/artifacts"
    cp -R "$corpus"/. "$work/corpus/"
    args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048
          -print_final_stats=1 -artifact_prefix="$work/artifacts/")
    if [ -n "$dict" ] && [ -f "$dict" ]; then args+=(-dict="$dict"); fi
    echo "run_fuzzer: $(basename "$binary") for ${seconds}s on a copy of $corpus" \
         "($(ls "$corpus" | wc -l) seeds) in $work"
    status=0
    "$binary" "${args[@]}" "$work/corpus" || status=$?
    if [ "$status" -ne 0 ]; then
      echo "run_fuzzer: FAILED (exit $status); inputs kept in $work/artifacts:" >&2
      for artifact in "$work"/artifacts/*; do
        [ -f "$artifact" ] || continue
        echo "--- $artifact ($(wc -c < "$artifact") bytes), base64:" >&2
        head -c 4096 "$artifact" | base64 >&2
      done
      echo "Reproduce: $binary <input>; keep it in fuzz/regressions/<target>/" >&2
      exit "$status"
    fi
    echo "run_fuzzer: corpus grew from $(ls "$corpus" | wc -l) to" \
         "$(ls "$work/corpus" | wc -l) inputs; no crash, leak or timeout"
    rm -rf "$work"
    ;;
  *)
    echo "run_fuzzer: unknown mode $mode (fuzz or replay)" >&2
    exit 2
    ;;
esac
