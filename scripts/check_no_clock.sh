#!/usr/bin/env bash
# Fails if production code outside src/core/clock.cc reads the real clock,
# sleeps or waits on real time. Production code learns the time only through
# the injected autoheal::Clock, so that tests drive it with FakeClock; the
# one real-time wait it needs (a bounded wait on a mutex condition, for
# shutdown grace periods) is internal::AwaitWithRealTimeout(), also in
# clock.cc.
#
#   scripts/check_no_clock.sh [ROOT]    # ROOT: the source tree (default: ..)
#
# Scans ROOT/src, ROOT/include and ROOT/examples (C++ sources and headers),
# except include/autoheal/testing/ (fakes for tests). Comments (// to the
# end of the line) are ignored. Waiting for I/O with a timeout (poll) is
# allowed: the process executor derives that timeout from the injected clock,
# only to read it again. tests/source_checks_test.sh proves that every
# pattern below is caught.
set -euo pipefail

ROOT="${1:-$(cd "$(dirname "$0")/.." && pwd)}"
ALLOWED=("src/core/clock.cc")
SCANNED=(src include examples)
SKIPPED=("include/autoheal/testing/")

# One extended regular expression per way of reading or waiting on time.
PATTERNS=(
  'absl::(Now|GetCurrentTimeNanos|SleepFor)[^[:alnum:]_]'
  '(system|steady|high_resolution|utc|tai|gps|file)_clock'
  '(^|[^[:alnum:]_.>])time[[:space:]]*\('
  'gettimeofday|clock_gettime|timespec_get|CycleClock|__rdtsc'
  '(^|[^[:alnum:]_])(u|nano|clock_nano)?sleep[[:space:]]*\('
  'sleep_for|sleep_until'
  '(Await|LockWhen|Wait|WaitForNotification)With(Timeout|Deadline)'
  '(wait|try_lock)_(for|until)[[:space:]]*\('
  'pthread_cond_timedwait|sem_timedwait|timerfd_|setitimer'
  '(^|[^[:alnum:]_.>])alarm[[:space:]]*\('
)

source "$(dirname "$0")/source_check_lib.sh"
run_source_check "reads or waits on the real clock outside src/core/clock.cc (inject autoheal::Clock instead)"
