#!/usr/bin/env bash
# Self-test of scripts/check_no_clock.sh and scripts/check_no_raw_mutex.sh:
# plants each kind of violation in a scratch source tree and asserts that the
# check fails and names the file and line, and that what is allowed (the
# exempt files, comments, fakes, look-alike names) passes. Without this a
# broken pattern would let every violation through while the check stays
# green.
#
#   tests/source_checks_test.sh SCRIPTS_DIR
set -uo pipefail

SCRIPTS="${1:?usage: $0 SCRIPTS_DIR}"
SCRATCH="$(mktemp -d)"
trap 'rm -rf "$SCRATCH"' EXIT
failures=0
cases=0

# new_tree: an empty scratch tree with the scanned directories.
new_tree() {
  rm -rf "$SCRATCH/root"
  mkdir -p "$SCRATCH/root/src/core" "$SCRATCH/root/include/autoheal/testing" \
           "$SCRATCH/root/include/autoheal/internal" "$SCRATCH/root/examples" \
           "$SCRATCH/root/tests"
}

# plant PATH LINE: writes a small C++ file whose third line is LINE.
plant() {
  mkdir -p "$(dirname "$SCRATCH/root/$1")"
  printf '#include <x>\nvoid f() {\n%s\n}\n' "$2" > "$SCRATCH/root/$1"
}

# expect_fail CHECK PATH LINE: planting LINE at PATH must fail CHECK, naming
# PATH:3.
expect_fail() {
  local check="$1" path="$2" line="$3" out rc
  cases=$((cases + 1))
  new_tree
  plant "$path" "$line"
  out="$(bash "$SCRIPTS/$check" "$SCRATCH/root" 2>&1)"
  rc=$?
  if [ "$rc" -ne 1 ] || ! grep -qF "$path:3:" <<< "$out"; then
    echo "FAIL: $check should reject $path: $line (rc=$rc)"
    echo "$out" | sed 's/^/    /'
    failures=$((failures + 1))
  fi
}

# expect_pass CHECK PATH LINE: planting LINE at PATH must pass CHECK.
expect_pass() {
  local check="$1" path="$2" line="$3" out rc
  cases=$((cases + 1))
  new_tree
  plant "$path" "$line"
  out="$(bash "$SCRIPTS/$check" "$SCRATCH/root" 2>&1)"
  rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "FAIL: $check should accept $path: $line (rc=$rc)"
    echo "$out" | sed 's/^/    /'
    failures=$((failures + 1))
  fi
}

clock=check_no_clock.sh
for line in \
    'absl::Time t = absl::Now();' \
    'int64_t n = absl::GetCurrentTimeNanos();' \
    'absl::SleepFor(absl::Seconds(1));' \
    'auto t = std::chrono::system_clock::now();' \
    'auto t = std::chrono::steady_clock::now();' \
    'using C = std::chrono::high_resolution_clock;' \
    'time_t t = time(nullptr);' \
    'time_t t = std::time(nullptr);' \
    'time_t t = ::time(nullptr);' \
    'gettimeofday(&tv, nullptr);' \
    'clock_gettime(CLOCK_MONOTONIC, &ts);' \
    'sleep(1);' \
    'usleep(1000);' \
    'nanosleep(&ts, nullptr);' \
    'clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, nullptr);' \
    'std::this_thread::sleep_for(std::chrono::seconds(1));' \
    'std::this_thread::sleep_until(deadline);' \
    'mu_.AwaitWithTimeout(cond, absl::Seconds(1));' \
    'mu_.LockWhenWithDeadline(cond, deadline);' \
    'cv_.WaitWithTimeout(&mu_, absl::Seconds(1));' \
    'done.WaitForNotificationWithTimeout(absl::Seconds(1));' \
    'cv.wait_for(lock, std::chrono::seconds(1));' \
    'pthread_cond_timedwait(&cv, &mu, &ts);' \
    'alarm(5);'; do
  expect_fail "$clock" src/core/engine.cc "$line"
done
expect_fail "$clock" include/autoheal/engine.h 'inline absl::Time T() { return absl::Now(); }'
expect_fail "$clock" examples/webhook/main.cc 'absl::SleepFor(absl::Seconds(1));'
expect_fail "$clock" src/core/clock_helpers.cc 'absl::Time t = absl::Now();'
expect_pass "$clock" src/core/clock.cc 'absl::Time t = absl::Now();'
expect_pass "$clock" include/autoheal/testing/fake_clock.h 'absl::SleepFor(absl::Seconds(1));'
expect_pass "$clock" tests/engine_test.cc 'absl::SleepFor(absl::Seconds(1));'
expect_pass "$clock" src/core/engine.cc '// absl::Now() is read by clock.cc only; never sleep(1).'
expect_pass "$clock" src/core/engine.cc 'absl::Time now = clock_->Now();'
expect_pass "$clock" src/core/engine.cc 'absl::Duration t = decision.time_left(); auto s = outcome.time();'
expect_pass "$clock" src/core/engine.cc 'int ready = poll(fds, count, ToPollMillis(wait));'
expect_pass "$clock" src/core/engine.cc 'internal::AwaitWithRealTimeout(mu_, cond, wait);'

mutex=check_no_raw_mutex.sh
for line in \
    'absl::Mutex mu_;' \
    'mutable absl::Mutex mu;' \
    'absl::MutexLock lock(&mu_);' \
    'absl::ReaderMutexLock lock(&mu_);' \
    'absl::WriterMutexLock lock(&mu_);' \
    'absl::ReleasableMutexLock lock(&mu_);' \
    'absl::MutexLockMaybe lock(mu);' \
    'absl::CondVar cv_;' \
    'absl::Notification done;' \
    'absl::BlockingCounter left(3);' \
    'absl::Barrier* start = new absl::Barrier(8);' \
    'std::unique_ptr<absl::Mutex> mu;'; do
  expect_fail "$mutex" src/core/in_flight.cc "$line"
done
expect_fail "$mutex" include/autoheal/in_flight.h 'absl::Mutex mu_;'
expect_fail "$mutex" tests/engine_test.cc 'absl::Notification done;'
expect_fail "$mutex" bench/decide_benchmark.cc 'absl::Mutex mu;'
expect_fail "$mutex" fuzz/payload_fuzzer.cc 'absl::Mutex mu;'
expect_pass "$mutex" include/autoheal/internal/mutex.h 'absl::Mutex mu_;'
expect_pass "$mutex" tests/tsan_annotations_test.cc 'absl::Mutex mu;'
expect_pass "$mutex" src/core/in_flight.cc '// not an absl::Mutex: see autoheal/internal/mutex.h'
expect_pass "$mutex" src/core/in_flight.cc 'Mutex mu_; MutexLock lock(&mu_); mu_.Await(absl::Condition(&ready));'
expect_pass "$mutex" src/core/in_flight.cc 'absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);'

# A tree without any scanned directory is an error, not a pass.
cases=$((cases + 1))
mkdir -p "$SCRATCH/empty"
for check in "$clock" "$mutex"; do
  if bash "$SCRIPTS/$check" "$SCRATCH/empty" >/dev/null 2>&1; then
    echo "FAIL: $check passed on a tree with nothing to scan"
    failures=$((failures + 1))
  fi
done

if [ "$failures" -gt 0 ]; then
  echo "source_checks_test: $failures of $cases cases failed"
  exit 1
fi
echo "source_checks_test: all $cases cases passed"
