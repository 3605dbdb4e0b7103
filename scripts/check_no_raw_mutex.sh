#!/usr/bin/env bash
# Fails if autoheal's code uses Abseil's synchronization types directly
# instead of autoheal::Mutex / MutexLock / ReaderMutexLock / CondVar
# (include/autoheal/internal/mutex.h). Debian's libabsl is built without
# ThreadSanitizer, so TSan cannot see an absl::Mutex being taken and reports
# false races on everything it guards; the wrapper tells TSan about each lock
# operation. absl::Notification, absl::BlockingCounter and absl::Barrier lock
# an absl::Mutex inside, so they are out too (tests/start_gate.h replaces
# the barrier). absl::Condition is fine: it is only a predicate.
#
#   scripts/check_no_raw_mutex.sh [ROOT]    # ROOT: the source tree (default: ..)
#
# Scans ROOT/src, include, examples, tests, bench and fuzz; comments are
# ignored. tests/source_checks_test.sh proves that every pattern is caught.
set -euo pipefail

ROOT="${1:-$(cd "$(dirname "$0")/.." && pwd)}"
ALLOWED=(
  "include/autoheal/internal/mutex.h"  # the wrapper itself
  "tests/tsan_annotations_test.cc"     # shows TSan's false report on absl::Mutex
)
SCANNED=(src include examples tests bench fuzz)
SKIPPED=()

PATTERNS=(
  'absl::(Mutex|MutexLock|ReaderMutexLock|WriterMutexLock|ReleasableMutexLock|MutexLockMaybe|CondVar)([^[:alnum:]_]|$)'
  'absl::(Notification|BlockingCounter|Barrier)([^[:alnum:]_]|$)'
)

source "$(dirname "$0")/source_check_lib.sh"
run_source_check "uses an absl synchronization type directly (use autoheal::internal::Mutex, MutexLock, ReaderMutexLock or CondVar from autoheal/internal/mutex.h)"
