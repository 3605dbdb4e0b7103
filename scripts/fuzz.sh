#!/usr/bin/env bash
# A longer local fuzzing run of one target (fuzz/README.md).
#
#   scripts/fuzz.sh TARGET [SECONDS] [JOBS]
#       TARGET   payload, policy, decide, http_handler (or any fuzz_<name>
#                the fuzz tree builds)
#       SECONDS  how long in total (default 3600)
#       JOBS     parallel fuzzing processes (default: nproc)
#
# Builds the clang fuzz tree (FUZZ_BUILD_DIR, default build-fuzz) if needed,
# fuzzes with a persistent working corpus in $FUZZ_BUILD_DIR/corpus/TARGET
# (seeded from fuzz/corpus/TARGET), then merges what it found back into
# fuzz/corpus/TARGET, keeping only inputs that add coverage. Review and
# commit that merge. Crashes are written to $FUZZ_BUILD_DIR/artifacts/TARGET.
set -euo pipefail
cd "$(dirname "$0")/.."

target="${1:?usage: scripts/fuzz.sh TARGET [SECONDS] [JOBS]}"
seconds="${2:-3600}"
jobs="${3:-$(nproc)}"
build="${FUZZ_BUILD_DIR:-build-fuzz}"

if [ ! -f "$build/build.ninja" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DCMAKE_CXX_COMPILER=clang++ -DAUTOHEAL_BUILD_FUZZERS=ON \
        -DAUTOHEAL_BUILD_TESTS=OFF -DAUTOHEAL_BUILD_BENCHMARKS=OFF \
        -DAUTOHEAL_BUILD_EXAMPLES=OFF -DAUTOHEAL_INSTALL=OFF \
        -DAUTOHEAL_REQUIRE_ALL=ON
fi
cmake --build "$build" --target "fuzz_$target"

binary="$build/fuzz/fuzz_$target"
work="$build/corpus/$target"
artifacts="$build/artifacts/$target"
mkdir -p "$work" "$artifacts"
cp -n fuzz/corpus/"$target"/* "$work"/ 2>/dev/null || true

args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048
      -print_final_stats=1 -artifact_prefix="$artifacts/")
[ -f "fuzz/$target.dict" ] && args+=(-dict="fuzz/$target.dict")
if [ "$jobs" -gt 1 ]; then
  # -jobs runs that many fuzzing processes (at most -workers at once), each
  # until max_total_time; they share the corpus directory.
  args+=(-jobs="$jobs" -workers="$jobs")
fi

echo "fuzz.sh: fuzz_$target for ${seconds}s with $jobs job(s); corpus $work"
"$binary" "${args[@]}" "$work"

echo "fuzz.sh: merging new coverage into fuzz/corpus/$target"
"$binary" -merge=1 -timeout=10 -rss_limit_mb=2048 "fuzz/corpus/$target" "$work"
